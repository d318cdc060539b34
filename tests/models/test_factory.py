"""build_model / model_input_kind: names, errors, options, seeding."""

from __future__ import annotations

import pytest
import torch

from videoaug.models.factory import MODEL_NAMES, build_model, model_input_kind
from videoaug.models.tsn import TSN
from videoaug.models.video import SlowFast, VideoResNetClassifier

EXPECTED_NAMES = {
    "tsn_resnet18": "image",
    "tsn_resnet50": "image",
    "tsn_mobilenet_v3_small": "image",
    "tsn_resnet101": "image",
    "tsn_alexnet": "image",
    "tsn_googlenet": "image",
    "r3d_18": "clip",
    "r2plus1d_18": "clip",
    "slowfast_tiny": "clip",
    "slowfast_r50": "clip",
}


def test_names_and_input_kinds() -> None:
    assert set(MODEL_NAMES) == set(EXPECTED_NAMES)
    assert {name: model_input_kind(name) for name in MODEL_NAMES} == EXPECTED_NAMES


def test_unknown_name_lists_valid_names() -> None:
    for call in (lambda: build_model("resnet9000", 4), lambda: model_input_kind("resnet9000")):
        with pytest.raises(ValueError, match="unknown model 'resnet9000'") as info:
            call()
        assert all(name in str(info.value) for name in MODEL_NAMES)


@pytest.mark.parametrize(
    ("name", "cls", "inputs"),
    [
        ("tsn_mobilenet_v3_small", TSN, (2, 3, 3, 32, 32)),
        ("slowfast_tiny", SlowFast, (2, 3, 8, 32, 32)),
    ],
)
def test_built_model_takes_its_input_kind(name: str, cls: type, inputs: tuple[int, ...]) -> None:
    model = build_model(name, 9, dropout=0.4, seed=1).eval()
    assert isinstance(model, cls)
    assert model.dropout.p == 0.4 and model.head.out_features == 9
    assert model.init_report["source"] == "random"
    with torch.no_grad():
        assert model(torch.randn(inputs)).shape == (2, 9)


def test_video_resnet_and_tsn_backbone_choice() -> None:
    assert isinstance(build_model("r3d_18", 3), VideoResNetClassifier)
    assert build_model("tsn_resnet18", 3).head.in_features == 512


def test_slowfast_options_through_kwargs() -> None:
    model = build_model("slowfast_tiny", 3, base_width=16, alpha=2, beta=0.25, depths=[1, 2, 1, 1])
    config = model.config
    assert (config.base_width, config.alpha, config.beta, config.depths) == (
        16,
        2,
        0.25,
        (1, 2, 1, 1),
    )
    assert model.backbone.slow_stem[0][0].out_channels == 16
    assert model.backbone.fast_stem[0][0].out_channels == 4
    assert len(model.backbone.slow_stages[1]) == 2
    assert model.head.in_features == 16 * 8 * 4 + 4 * 8 * 4


def test_bad_options_raise() -> None:
    with pytest.raises(ValueError, match="unknown SlowFast options"):
        build_model("slowfast_tiny", 3, widht=8)
    with pytest.raises(ValueError, match="r3d_18 takes no extra options"):
        build_model("r3d_18", 3, base_width=8)
    with pytest.raises(TypeError):
        build_model("tsn_resnet18", 3, alpha=4)
    with pytest.raises(ValueError, match="num_classes"):
        build_model("slowfast_tiny", 0)


def test_partial_bn_through_kwargs() -> None:
    model = build_model("tsn_mobilenet_v3_small", 3, partial_bn=True).train()
    assert model.partial_bn
    assert sum(m.training for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)) == 1


def test_seed_makes_init_reproducible_without_touching_global_rng() -> None:
    torch.manual_seed(123)
    expected_next = torch.rand(3)
    torch.manual_seed(123)
    first = build_model("slowfast_tiny", 4, seed=7).state_dict()
    assert torch.equal(torch.rand(3), expected_next)
    second = build_model("slowfast_tiny", 4, seed=7).state_dict()
    other = build_model("slowfast_tiny", 4, seed=8).state_dict()
    assert all(torch.equal(first[k], second[k]) for k in first)
    assert not torch.equal(first["head.weight"], other["head.weight"])
