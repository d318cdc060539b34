"""Pretrained weights checked before any job: the one-line message, and random files in
torchvision's format that load through the same code as a download."""

from __future__ import annotations

import hashlib

import pytest
import torch

from videoaug.models.tsn import TSN
from videoaug.models.weight_preflight import (
    MASKRCNN,
    OFFLINE_ENV,
    WeightNeed,
    config_weight_needs,
    weight_problem,
    write_random_weights,
)
from videoaug.models.weights import UNVERIFIED_WEIGHTS_ENV, PretrainedWeightsError


@pytest.fixture
def offline_home(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.setenv(OFFLINE_ENV, "1")
    return tmp_path / "torch" / "hub" / "checkpoints"


def test_offline_without_the_file_names_it_and_where_to_put_it(offline_home):
    line = weight_problem(WeightNeed("sps.pretrained", "resnet50", "imagenet"))
    target = offline_home / "resnet50-0676ba61.pth"
    assert "\n" not in line
    assert "sps.pretrained = imagenet" in line and "no network" in line
    assert f"https://download.pytorch.org/models/resnet50-0676ba61.pth at {target}" in line
    assert "MaskRCNN" in weight_problem(WeightNeed("l2a.torchvision.weights", MASKRCNN, "coco"))


def test_a_placed_file_passes_and_loads_like_a_download(offline_home, monkeypatch):
    path = write_random_weights("resnet18", "imagenet")
    assert path == offline_home / "resnet18-f37072fd.pth"
    assert weight_problem(WeightNeed("sps.pretrained", "resnet18", "imagenet")) is None
    # torchvision's key layout: the file is what torchvision's own builder would load
    import torchvision

    reference = torchvision.models.resnet18(weights=None)
    reference.load_state_dict(torch.load(path, weights_only=True))
    # the cache holds a file that is not torchvision's: refused unless the run says it placed it
    with pytest.raises(PretrainedWeightsError, match="sha256 does not start with f37072fd"):
        TSN("resnet18", num_classes=4, dropout=0.0, pretrained="imagenet")
    monkeypatch.setenv(UNVERIFIED_WEIGHTS_ENV, "1")
    with pytest.warns(UserWarning, match=UNVERIFIED_WEIGHTS_ENV):
        model = TSN("resnet18", num_classes=4, dropout=0.0, pretrained="imagenet")
    report = model.init_report
    assert report["source"] == "imagenet" and report["path"] == str(path.resolve())
    assert report["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert report["skipped"] == ["fc.weight", "fc.bias"]  # 1000 ImageNet classes vs 4
    assert torch.equal(model.backbone.conv1.weight, reference.conv1.weight)


def test_local_paths_and_unsupported_sources(tmp_path, offline_home):
    missing = tmp_path / "nope.pth"
    line = weight_problem(WeightNeed("avd.classifier.pretrained", "resnet50", str(missing)))
    assert f"avd.classifier.pretrained = {missing}: no such state_dict file" in line
    torch.save({"x": torch.zeros(1)}, missing)
    assert weight_problem(WeightNeed("k", "resnet50", str(missing))) is None
    line = weight_problem(WeightNeed("tda.pretrained", "slowfast_r50", "kinetics400"))
    assert "torchvision has no kinetics400 weights for slowfast_r50" in line


def test_the_paper_preset_needs(tmp_path):
    from videoaug.config import load_config

    config = load_config(["config.yaml", "workflow/presets/paper.yaml"])
    needs = {(n.key, n.arch, n.source) for n in config_weight_needs(config)}
    assert needs == {
        ("sps.pretrained", "resnet50", "imagenet"),
        ("l2a.selector.feature_pretrained", "r3d_18", "kinetics400"),
        ("l2a.torchvision.weights", MASKRCNN, "coco"),
        *(("avd.classifier.pretrained", a, "imagenet")
          for a in ("resnet50", "alexnet", "googlenet", "resnet101")),
    }
