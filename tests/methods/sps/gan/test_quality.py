"""Pool-quality formulas checked against independent computations."""

import numpy as np
import pytest
import torch

from videoaug.methods.sps.gan.quality import (
    QualityNet,
    class_consistency,
    frechet_distance,
    heldout_videos,
    matched_frechet,
    mean_pairwise_distance,
    meets_goal,
)


def test_frechet_distance_matches_the_closed_form_for_diagonal_gaussians():
    # For diagonal covariances FD = ||mu_a - mu_b||^2 + sum_d (sigma_a,d - sigma_b,d)^2.
    rng = np.random.default_rng(0)
    sigma_a, sigma_b = np.array([1.0, 2.0, 0.5]), np.array([2.0, 1.0, 0.5])
    mu_a, mu_b = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.0])
    a = mu_a + sigma_a * rng.standard_normal((200_000, 3))
    b = mu_b + sigma_b * rng.standard_normal((200_000, 3))
    expected = ((mu_a - mu_b) ** 2).sum() + ((sigma_a - sigma_b) ** 2).sum()
    assert frechet_distance(a, b) == pytest.approx(expected, rel=0.01)


def test_frechet_distance_is_zero_for_one_set_and_symmetric_for_full_covariances():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((50, 4)) @ rng.standard_normal((4, 4))
    b = rng.standard_normal((40, 4)) @ rng.standard_normal((4, 4)) + 1.0
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-8)
    assert frechet_distance(a, b) == pytest.approx(frechet_distance(b, a), rel=1e-6)
    # tr((S_a S_b)^1/2) via the eigenvalues of S_a S_b (independent of the PSD-root route).
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    cross = np.sqrt(np.linalg.eigvals(cov_a @ cov_b).real.clip(0)).sum()
    expected = ((a.mean(0) - b.mean(0)) ** 2).sum() + np.trace(cov_a + cov_b) - 2 * cross
    assert frechet_distance(a, b) == pytest.approx(expected, rel=1e-6)


def test_frechet_distance_accepts_fewer_rows_than_dimensions():
    rng = np.random.default_rng(2)
    value = frechet_distance(rng.standard_normal((5, 16)), rng.standard_normal((7, 16)))
    assert np.isfinite(value) and value > 0
    with pytest.raises(ValueError, match="at least 2"):
        frechet_distance(np.zeros((1, 3)), np.zeros((4, 3)))


def test_matched_frechet_averages_disjoint_chunks_of_the_reference_size():
    rng = np.random.default_rng(3)
    features, reference = rng.standard_normal((25, 3)), rng.standard_normal((30, 3))
    chunks = [features[0:10], features[10:20]]  # the last 5 rows are dropped
    expected = np.mean([frechet_distance(c, reference) for c in chunks])
    assert matched_frechet(features, reference, 10) == pytest.approx(expected)
    assert matched_frechet(features[:6], reference, 10) == pytest.approx(
        frechet_distance(features[:6], reference))


def test_mean_pairwise_distance_matches_a_loop():
    rng = np.random.default_rng(4)
    features = rng.standard_normal((9, 5))
    pairs = [np.linalg.norm(features[i] - features[j]) for i in range(9) for j in range(i + 1, 9)]
    assert mean_pairwise_distance(features) == pytest.approx(np.mean(pairs))
    assert mean_pairwise_distance(np.repeat(features[:1], 6, axis=0)) == pytest.approx(0.0)
    assert mean_pairwise_distance(features[:1]) == 0.0


def test_class_consistency_counts_argmax_hits():
    probs = np.array([[0.7, 0.3], [0.4, 0.6], [0.9, 0.1], [0.2, 0.8]])
    assert class_consistency(probs, 0) == 0.5
    assert class_consistency(probs[[0, 2]], 0) == 1.0
    with pytest.raises(ValueError, match="non-empty"):
        class_consistency(np.zeros((0, 2)), 0)


def test_meets_goal_checks_each_part():
    real = {"consistency": 0.95, "frechet": 2.0, "diversity": 4.0}
    good = {"consistency": 0.9, "frechet": 3.9, "diversity": 2.1}
    assert meets_goal(good, real)["passes"]
    assert not meets_goal({**good, "consistency": 0.84}, real)["consistency_gap"]
    low = meets_goal({**good, "consistency": 0.79}, {**real, "consistency": 0.8})
    assert not low["consistency"] and low["consistency_gap"]
    assert not meets_goal({**good, "frechet": 4.1}, real)["frechet"]
    assert not meets_goal({**good, "diversity": 1.9}, real)["passes"]


def test_heldout_videos_is_seeded_per_class_and_leaves_training_videos():
    ids = np.array([f"c{label}/v{k}" for label in range(3) for k in range(8) for _ in range(2)])
    labels = np.repeat(np.arange(3), 16)
    first = heldout_videos(ids, labels, 0.25, np.random.default_rng(0))
    assert first == heldout_videos(ids[::-1], labels[::-1], 0.25, np.random.default_rng(0))
    assert sorted(sum(v.startswith(f"c{label}/") for v in first) for label in range(3)) == [2, 2, 2]
    two = heldout_videos(np.array(["a", "b"]), np.array([0, 0]), 0.9, np.random.default_rng(0))
    assert len(two) == 1
    with pytest.raises(ValueError, match="at least 2"):
        heldout_videos(np.array(["a"]), np.array([0]), 0.5, np.random.default_rng(0))


def test_quality_net_shapes():
    net = QualityNet(num_classes=4, width=4, feature_dim=6)
    x = torch.zeros(3, 3, 32, 32)
    assert net.embed(x).shape == (3, 6) and net(x).shape == (3, 4)
