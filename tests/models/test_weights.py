"""Pretrained-weight loading: local state_dicts, head skipping, errors, torchvision cache path."""

from __future__ import annotations

import argparse
import hashlib
import urllib.error
from pathlib import Path

import pytest
import torch
import torch.hub
import torchvision

from videoaug.models import weights as weights_module
from videoaug.models.tsn import TSN
from videoaug.models.video import SlowFast, VideoResNetClassifier
from videoaug.models.weights import (
    PretrainedWeightsError,
    describe_init,
    match_state_dict,
    torchvision_key_translator,
)


def _save(state: dict[str, torch.Tensor], path: Path) -> Path:
    torch.save(state, path)
    return path


def _tv_state(arch: str, num_classes: int, seed: int = 0) -> dict[str, torch.Tensor]:
    torch.manual_seed(seed)
    return torchvision.models.get_model(arch, weights=None, num_classes=num_classes).state_dict()


def _assert_backbone_equals(model: torch.nn.Module, source: dict[str, torch.Tensor]) -> None:
    mine = model.state_dict()
    for key, tensor in source.items():
        if not key.startswith("fc."):
            assert torch.equal(mine["backbone." + key], tensor), key


def test_match_state_dict_pairs_translates_and_skips_head() -> None:
    target = {"backbone.w": torch.zeros(2, 2), "head.weight": torch.zeros(3, 2)}
    source = {"w": torch.ones(2, 2), "fc.weight": torch.ones(10, 2), "extra": torch.ones(1)}
    match = match_state_dict(source, target, torchvision_key_translator("fc"))
    assert list(match.loadable) == ["backbone.w"]
    assert match.skipped_head == ["fc.weight"] and match.unexpected == ["extra"]
    assert match.missing == ["head.weight"] and match.shape_mismatch == []


@pytest.mark.parametrize(("arch", "cls"), [("resnet18", TSN), ("r3d_18", VideoResNetClassifier)])
def test_local_file_round_trip(tmp_path: Path, arch: str, cls: type) -> None:
    source = _tv_state(arch, num_classes=5, seed=1)
    path = _save(source, tmp_path / f"{arch}.pt")
    torch.manual_seed(2)
    model = cls(arch, 5, 0.5, pretrained=str(path))
    _assert_backbone_equals(model, source)
    assert torch.equal(model.head.weight, source["fc.weight"])
    report = model.init_report
    assert report["source"] == "file" and report["path"] == str(path.resolve())
    assert report["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert report["missing"] == [] and report["unexpected"] == [] and report["skipped"] == []


def test_wrong_shaped_head_is_skipped_and_backbone_loaded(tmp_path: Path) -> None:
    source = _tv_state("resnet18", num_classes=1000, seed=1)
    path = _save(source, tmp_path / "imagenet_like.pth")
    torch.manual_seed(3)
    fresh_head = TSN("resnet18", 4, 0.4).head.weight.detach().clone()
    torch.manual_seed(3)
    model = TSN("resnet18", 4, 0.4, pretrained=str(path))
    _assert_backbone_equals(model, source)
    assert torch.equal(model.head.weight, fresh_head)  # untouched by the file
    assert model.init_report["skipped"] == ["fc.weight", "fc.bias"]
    assert model.init_report["missing"] == ["head.weight", "head.bias"]


def test_mobilenet_keeps_its_hidden_linear(tmp_path: Path) -> None:
    source = _tv_state("mobilenet_v3_small", num_classes=1000)
    model = TSN("mobilenet_v3_small", 3, 0.4, pretrained=str(_save(source, tmp_path / "m.pt")))
    assert torch.equal(model.backbone.classifier[0].weight, source["classifier.0.weight"])
    assert model.init_report["skipped"] == ["classifier.3.weight", "classifier.3.bias"]


def test_own_checkpoint_and_data_parallel_prefix(tmp_path: Path) -> None:
    torch.manual_seed(4)
    trained = SlowFast(num_classes=3, dropout=0.5)
    prefixed = {"module." + k: v for k, v in trained.state_dict().items()}
    path = _save({"state_dict": prefixed}, tmp_path / "slowfast.pt")
    torch.manual_seed(5)
    model = SlowFast(num_classes=3, dropout=0.5, pretrained=str(path))
    expected = trained.state_dict()
    assert all(torch.equal(v, expected[k]) for k, v in model.state_dict().items())
    assert model.init_report["missing"] == [] and model.init_report["unexpected"] == []


def test_garbage_file_fails_clearly(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"this is not a checkpoint\x00\x01")
    with pytest.raises(PretrainedWeightsError, match="garbage.pt"):
        TSN("resnet18", 3, 0.4, pretrained=str(garbage))


def test_non_weights_pickle_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "object.pt"
    torch.save({"conv1.weight": torch.zeros(1), "args": argparse.Namespace(x=1)}, path)
    with pytest.raises(PretrainedWeightsError, match=r"object\.pt.*weights_only=True"):
        TSN("resnet18", 3, 0.4, pretrained=str(path))


def test_unrelated_and_mismatched_files_fail_clearly(tmp_path: Path) -> None:
    unrelated = _save({"foo.weight": torch.zeros(2)}, tmp_path / "unrelated.pt")
    with pytest.raises(PretrainedWeightsError, match=r"unrelated\.pt: none of its 1 tensors"):
        TSN("resnet18", 3, 0.4, pretrained=str(unrelated))
    tampered = _tv_state("resnet18", 1000)
    tampered["layer1.0.conv1.weight"] = torch.zeros(64, 64, 1, 1)  # e.g. another architecture
    other_arch = _save(tampered, tmp_path / "other_arch.pt")
    with pytest.raises(PretrainedWeightsError, match=r"other_arch\.pt: 1 backbone tensors"):
        TSN("resnet18", 3, 0.4, pretrained=str(other_arch))
    with pytest.raises(PretrainedWeightsError, match="not found"):
        TSN("resnet18", 3, 0.4, pretrained=str(tmp_path / "absent.pt"))


def test_imagenet_offline_fails_with_instructions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No network here: the download is simulated to fail (never touches the network)."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))
    calls: list[tuple[str, str]] = []

    def offline(url: str, dst: str, hash_prefix: str | None = None, progress: bool = True):
        calls.append((url, dst))
        raise urllib.error.URLError("[Errno -2] Name or service not known")

    monkeypatch.setattr(torch.hub, "download_url_to_file", offline)
    with pytest.raises(PretrainedWeightsError) as info:
        TSN("resnet18", 3, 0.4, pretrained="imagenet")
    expected_file = tmp_path / "torch_home" / "hub" / "checkpoints" / "resnet18-f37072fd.pth"
    assert calls == [
        ("https://download.pytorch.org/models/resnet18-f37072fd.pth", str(expected_file))
    ]
    message = str(info.value)
    assert "could not download" in message and str(expected_file) in message
    assert "pass its path as `pretrained`" in message


def test_imagenet_uses_the_torch_home_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    cached = tmp_path / "hub" / "checkpoints" / "mobilenet_v3_small-047dcff4.pth"
    cached.parent.mkdir(parents=True)
    source = _tv_state("mobilenet_v3_small", 1000)
    _save(source, cached)

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("must not download when the file is cached")

    monkeypatch.setattr(torch.hub, "download_url_to_file", no_network)
    # the stand-in is not torchvision's file: accept its own hash prefix for this test
    prefix = hashlib.sha256(cached.read_bytes()).hexdigest()[:8]
    monkeypatch.setattr(weights_module, "torchvision_hash_prefix", lambda weights: prefix)
    model = TSN("mobilenet_v3_small", 4, 0.4, pretrained="imagenet")
    mine = model.state_dict()
    assert all(
        torch.equal(mine["backbone." + k], v) for k, v in source.items() if "classifier.3" not in k
    )
    report = describe_init(model)
    assert report["source"] == "imagenet"
    assert report["weights"] == "MobileNet_V3_Small_Weights.IMAGENET1K_V1"
    assert report["path"] == str(cached.resolve())
    assert report["sha256"] == hashlib.sha256(cached.read_bytes()).hexdigest()
    assert report["num_parameters"] == sum(p.numel() for p in model.parameters())


def test_named_sources_without_torchvision_weights() -> None:
    with pytest.raises(PretrainedWeightsError, match="r3d_18:kinetics400"):
        TSN("resnet18", 3, 0.4, pretrained="kinetics400")
    with pytest.raises(PretrainedWeightsError, match="no 'kinetics400' weights for 'slowfast'"):
        SlowFast(3, 0.5, pretrained="kinetics400")


def test_random_init_report() -> None:
    report = describe_init(TSN("mobilenet_v3_small", 3, 0.4))
    assert (report["source"], report["path"], report["sha256"]) == ("random", None, None)
    assert report["arch"] == "mobilenet_v3_small"


class _Planted:
    """Unpickling this object writes a marker file (what a planted checkpoint could do)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (self.marker, "unpickled"))


def test_a_planted_coco_checkpoint_is_never_unpickled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from torchvision.models.detection import MaskRCNN_ResNet50_FPN_Weights

    from videoaug.methods.l2a.segment import TorchvisionSegmenter

    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))
    coco = MaskRCNN_ResNet50_FPN_Weights.COCO_V1
    planted = weights_module.cached_weights_path(coco)
    planted.parent.mkdir(parents=True)
    marker = tmp_path / "marker.txt"
    torch.save({"backbone.body.conv1.weight": _Planted(marker)}, planted)

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("the file is cached: no download")

    monkeypatch.setattr(torch.hub, "download_url_to_file", no_network)
    # torchvision's published hash prefix does not match: refused before any load
    with pytest.raises(PretrainedWeightsError, match="sha256 does not start with") as info:
        TorchvisionSegmenter("coco", min_size=32, max_size=64)
    assert str(planted) in str(info.value) and "Delete it" in str(info.value)
    assert not marker.exists()
    # even a file whose hash matched would be read with weights_only=True: refused, not run
    prefix = hashlib.sha256(planted.read_bytes()).hexdigest()[:8]
    monkeypatch.setattr(weights_module, "torchvision_hash_prefix", lambda weights: prefix)
    with pytest.raises(PretrainedWeightsError, match="weights_only=True"):
        TorchvisionSegmenter("coco", min_size=32, max_size=64)
    assert not marker.exists()
