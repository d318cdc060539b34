import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import Dataset

from videoaug.io.store import FRAMES_SCHEMA, FrameStoreWriter, atomic_store
from videoaug.train.datasets import ClipSamples, SegmentFrames
from videoaug.train.evaluate import EvaluateEvery, evaluate, metrics_from_probs, view_probs
from videoaug.train.trainer import TrainConfig, Trainer
from videoaug.train.transforms import InputSpec, eval_transform

RAW = InputSpec(mean=None, std=None)  # inputs stay in [0, 1]


class PixelLogits(nn.Module):
    """Logits = 10 x the top-left pixel of each channel: (N, 3, H, W) -> (N, 3)."""

    def __init__(self):
        super().__init__()
        self.unused = nn.Linear(1, 1)  # gives the model a device

    def forward(self, x):
        return 10.0 * x[:, :, 0, 0]


# each video: views as pixel triples in [0, 255]; V differs between videos
VIDEOS = [
    ([(255, 0, 0), (0, 128, 0)], 0),
    ([(0, 200, 0), (0, 0, 60), (0, 0, 60)], 2),
    ([(0, 0, 255)], 0),
]


class PixelViews(Dataset):
    def __len__(self):
        return len(VIDEOS)

    def __getitem__(self, i):
        views, label = VIDEOS[i]
        tensor = torch.tensor(views, dtype=torch.uint8)[:, :, None, None].expand(-1, -1, 2, 2)
        return tensor.contiguous(), label, f"v{i}"


def expected_probs():
    """Independent computation: the mean over views of the softmax of the view logits."""
    rows = []
    for views, _ in VIDEOS:
        logits = 10.0 * np.asarray(views, dtype=np.float64) / 255.0
        soft = np.exp(logits - logits.max(1, keepdims=True))
        rows.append((soft / soft.sum(1, keepdims=True)).mean(0))
    return np.stack(rows)


@pytest.mark.parametrize("batch_size", [1, 2, 3])
def test_softmax_is_averaged_over_a_variable_number_of_views(batch_size):
    probs, labels, ids = view_probs(PixelLogits(), PixelViews(), batch_size, inputs=RAW)
    np.testing.assert_allclose(probs, expected_probs(), rtol=1e-6)
    assert labels.tolist() == [0, 2, 0] and ids == ["v0", "v1", "v2"]
    # averaging logits instead would pick class 1 for video 1: the softmax average picks 2
    mean_logits = 10.0 * np.asarray(VIDEOS[1][0], dtype=np.float64).mean(0) / 255.0
    assert mean_logits.argmax() == 1 and probs[1].argmax() == 2


def test_evaluate_metrics():
    result = evaluate(PixelLogits(), PixelViews(), num_classes=3, batch_size=2, inputs=RAW)
    # predictions: v0 -> 0 (right), v1 -> 2 (right), v2 -> 2 (wrong, label 0)
    assert result["top1"] == pytest.approx(2 / 3)
    assert result["top5"] == 1.0  # top-min(5, C)
    assert result["confusion"] == [[1, 0, 1], [0, 0, 0], [0, 0, 1]]
    assert result["per_class"] == [0.5, None, 1.0]
    assert result["n"] == 3


def test_metrics_from_probs_checks_class_count():
    with pytest.raises(ValueError, match="classes"):
        metrics_from_probs(np.ones((2, 3)) / 3, np.array([0, 1]), 4)
    probs = np.vstack([np.eye(6), [[0.01, 0.1, 0.15, 0.2, 0.24, 0.3]]])  # last: label 0 ranks 6th
    result = metrics_from_probs(probs, np.array([0, 1, 2, 3, 4, 5, 0]), 6)
    assert result["top1"] == pytest.approx(6 / 7) and result["top5"] == pytest.approx(6 / 7)


def _frames(path, videos=4, length=12):
    rng = np.random.default_rng(0)
    with atomic_store(path, FRAMES_SCHEMA, {}) as handle:
        writer = FrameStoreWriter(handle, "lz4")
        for v in range(videos):
            writer.add(f"c/v{v}", rng.integers(0, 256, (length, 10, 14, 3), dtype=np.uint8),
                       label=v % 2, fps=25.0, source="x")
        writer.close()
    return path


def test_clip_views_through_a_video_model(tmp_path):
    path = _frames(tmp_path / "frames.h5")
    views = ClipSamples(path, clip_len=4, stride=2, train=False, num_test_clips=3,
                        transform=eval_transform((8, 8)))
    model = nn.Sequential(nn.Conv3d(3, 4, 3, padding=1), nn.AdaptiveAvgPool3d(1), nn.Flatten(),
                          nn.Linear(4, 2))
    result = evaluate(model, views, num_classes=2, batch_size=3, inputs=InputSpec("clip"))
    assert result["n"] == 4 and sum(map(sum, result["confusion"])) == 4
    assert result["top5"] == 1.0


def test_evaluate_every_adds_validation_scores(tmp_path):
    path = _frames(tmp_path / "frames.h5")
    train = SegmentFrames(path, num_segments=2, transform=eval_transform((8, 8)))
    test = SegmentFrames(path, num_segments=2, transform=eval_transform((8, 8)), train=False)

    class SegmentModel(nn.Module):  # (B, K, 3, H, W) -> mean over segments of a linear head
        def __init__(self):
            super().__init__()
            self.head = nn.Linear(3 * 8 * 8, 2)

        def forward(self, x):
            return self.head(x.flatten(2)).mean(1)

    config = TrainConfig(epochs=3, batch_size=2, lr=0.01, device="cpu", log_every=0)
    trainer = Trainer(SegmentModel(), config, num_classes=2)
    history = trainer.fit(train, callbacks=[EvaluateEvery(test, every=2, last_epoch=2)])
    assert "val_top1" not in history[0]
    assert 0.0 <= history[1]["val_top1"] <= 1.0 and "val_top1" in history[2]
