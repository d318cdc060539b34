"""TSN: segment handling, average consensus, dropout placement, partial BN."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from videoaug.models.tsn import TSN, TSN_BACKBONES, as_segments, average_consensus


def _tsn(backbone: str = "resnet18", num_classes: int = 5, dropout: float = 0.4, **kw) -> TSN:
    torch.manual_seed(0)
    return TSN(backbone, num_classes, dropout, **kw)


def test_average_consensus_is_mean_over_segments() -> None:
    logits = torch.tensor([[[1.0, 2.0], [3.0, 6.0], [5.0, 1.0]]])  # (B=1, K=3, C=2)
    assert torch.equal(average_consensus(logits), torch.tensor([[3.0, 3.0]]))
    with pytest.raises(ValueError, match=r"\(B, K, C\)"):
        average_consensus(torch.zeros(2, 3))


def test_as_segments_treats_images_as_one_segment() -> None:
    assert as_segments(torch.zeros(2, 3, 8, 8)).shape == (2, 1, 3, 8, 8)
    assert as_segments(torch.zeros(2, 4, 3, 8, 8)).shape == (2, 4, 3, 8, 8)
    with pytest.raises(ValueError, match="TSN expects"):
        as_segments(torch.zeros(3, 8, 8))


@pytest.mark.parametrize("backbone", sorted(TSN_BACKBONES))
def test_output_shapes_for_segments_and_images(backbone: str) -> None:
    model = _tsn(backbone, num_classes=7).eval()
    with torch.no_grad():
        assert model(torch.randn(2, 3, 3, 32, 32)).shape == (2, 7)
        assert model(torch.randn(2, 3, 32, 32)).shape == (2, 7)
        assert model.segment_logits(torch.randn(2, 3, 3, 32, 32)).shape == (2, 3, 7)
    assert model.head.in_features == TSN_BACKBONES[backbone][1]


def test_consensus_equals_mean_of_independent_segment_logits() -> None:
    model = _tsn("resnet18", num_classes=4).eval()
    nn.init.normal_(model.head.weight, std=0.1)  # make logits clearly non-zero
    segments = torch.randn(2, 3, 3, 32, 32)
    with torch.no_grad():
        video_logits = model(segments)
        per_segment = torch.stack([model(segments[:, k]) for k in range(3)], dim=1)
    assert per_segment.abs().max() > 1e-2
    torch.testing.assert_close(video_logits, per_segment.mean(dim=1), rtol=1e-5, atol=1e-6)


def test_dropout_sits_before_the_final_linear() -> None:
    model = _tsn("resnet18", dropout=0.5)
    head_inputs: list[torch.Tensor] = []
    model.head.register_forward_hook(lambda _m, args, _out: head_inputs.append(args[0]))
    images = torch.randn(2, 4, 3, 32, 32)
    model.eval()
    with torch.no_grad():
        model(images)
    model.train()
    with torch.no_grad():
        model(images)
    zeros_eval = (head_inputs[0] == 0).float().mean().item()
    zeros_train = (head_inputs[1] == 0).float().mean().item()
    assert zeros_train > zeros_eval + 0.3  # about half of the features dropped in training only


def test_num_classes_and_dropout_are_validated() -> None:
    with pytest.raises(ValueError, match="num_classes"):
        TSN("resnet18", 0, 0.4)
    with pytest.raises(ValueError, match="dropout"):
        TSN("resnet18", 3, 1.0)
    with pytest.raises(ValueError, match="resnet18, resnet50, mobilenet_v3_small"):
        TSN("vgg16", 3, 0.4)


def test_partial_bn_freezes_statistics_of_all_but_the_first_batch_norm() -> None:
    model = _tsn("resnet18", partial_bn=True).train()
    batch_norms = [m for m in model.backbone.modules() if isinstance(m, nn.BatchNorm2d)]
    assert batch_norms[0].training and not any(bn.training for bn in batch_norms[1:])
    before = [bn.running_mean.clone() for bn in batch_norms]
    model(torch.randn(2, 2, 3, 32, 32))
    assert not torch.equal(before[0], batch_norms[0].running_mean)
    frozen = zip(before[1:], batch_norms[1:], strict=True)
    assert all(torch.equal(b, bn.running_mean) for b, bn in frozen)
    # Without partial BN every BatchNorm is in training mode.
    plain = _tsn("resnet18").train()
    assert all(m.training for m in plain.modules() if isinstance(m, nn.BatchNorm2d))
