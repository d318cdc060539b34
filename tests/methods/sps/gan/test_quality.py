"""Pool-quality formulas checked against independent computations."""

import numpy as np
import pytest
import torch

from videoaug.methods.sps.gan.quality import (
    CONTROLS,
    QualityNet,
    class_consistency,
    control_sets,
    frechet_distance,
    heldout_videos,
    knn_radii,
    matched_frechet,
    matched_precision_recall,
    mean_pairwise_distance,
    meets_goal,
    nearest_neighbours,
    pairwise_distances,
    pixel_features,
    precision_recall,
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


def _reference(**overrides):
    real = {"consistency": 0.7, "frechet": 2.0, "diversity": 4.0,
            "precision_pixel": 0.4, "recall_pixel": 0.5,
            "precision_embedding": 0.6, "recall_embedding": 0.8}
    return {**real, **overrides}


def test_meets_goal_is_relative_to_the_reference_and_names_what_fails():
    real = _reference()
    good = _reference(consistency=0.61, frechet=9.0, diversity=0.1, precision_pixel=0.2,
                      recall_pixel=0.25, precision_embedding=0.3, recall_embedding=0.4)
    verdict = meets_goal(good, real)
    # Exactly half the reference passes; Fréchet and diversity do not decide.
    assert verdict["passes"] and verdict["fails"] == []
    assert set(verdict) == {"consistency_gap", "precision_pixel", "recall_pixel",
                            "precision_embedding", "recall_embedding", "passes", "fails"}
    assert meets_goal(real, real)["passes"]  # the reference meets its own goal
    assert meets_goal({**good, "consistency": 0.59}, real)["fails"] == ["consistency_gap"]
    # No absolute floor on consistency: a reference at 0.6 is matched by 0.55.
    assert meets_goal({**good, "consistency": 0.55}, {**real, "consistency": 0.6})["passes"]
    for key in ("precision_pixel", "recall_pixel", "precision_embedding", "recall_embedding"):
        below = meets_goal({**good, key: good[key] - 0.01}, real)
        assert not below["passes"] and below["fails"] == [key]
    # A reference of 0 cannot make 0 pass: some coverage is always required.
    zero = meets_goal({**good, "recall_pixel": 0.0}, {**real, "recall_pixel": 0.0})
    assert zero["fails"] == ["recall_pixel"]


def _brute_precision_recall(real, fake, k):
    """Kynkäänniemi et al. 2019 by loops: radius = k-th smallest distance to the other points."""
    def radius(points, i):
        others = sorted(np.linalg.norm(points[i] - points[j])
                        for j in range(len(points)) if j != i)
        return others[k - 1]

    def inside(x, points):
        return any(np.linalg.norm(x - points[j]) <= radius(points, j) for j in range(len(points)))

    precision = np.mean([inside(x, real) for x in fake])
    recall = np.mean([inside(x, fake) for x in real])
    return precision, recall


def test_precision_recall_matches_a_brute_force_computation():
    rng = np.random.default_rng(5)
    real = rng.standard_normal((12, 3))
    fake = rng.standard_normal((9, 3)) * 1.5 + 0.7
    for k in (1, 2, 3):
        assert precision_recall(real, fake, k) == pytest.approx(
            _brute_precision_recall(real, fake, k))
    radii = knn_radii(real, 3)
    loop = [sorted(np.linalg.norm(real[i] - real[j]) for j in range(12) if j != i)[2]
            for i in range(12)]
    assert radii == pytest.approx(loop)
    assert pairwise_distances(real, fake) == pytest.approx(
        np.array([[np.linalg.norm(a - b) for b in fake] for a in real]))
    with pytest.raises(ValueError, match="more than 3 rows"):
        knn_radii(real[:3], 3)


def test_precision_recall_of_the_textbook_cases():
    rng = np.random.default_rng(6)
    real = rng.standard_normal((40, 5))
    assert precision_recall(real, real.copy(), 3) == (1.0, 1.0)
    # Far away: nothing inside the other's balls.
    assert precision_recall(real, real + 100.0, 3) == (0.0, 0.0)
    # Mode collapse onto one real point: realistic (precision 1) but its balls have radius 0,
    # so it covers only itself (recall 1/N).
    collapsed = np.repeat(real[:1], 10, axis=0)
    assert precision_recall(real, collapsed, 3) == (1.0, pytest.approx(1 / 40))
    # A tight cluster at the mean: inside many real balls, covering none of the real points.
    grey = real.mean(0) + 1e-3 * rng.standard_normal((10, 5))
    precision, recall = precision_recall(real, grey, 3)
    assert precision == 1.0 and recall == 0.0


def test_matched_precision_recall_averages_chunks_of_the_reference_size():
    rng = np.random.default_rng(7)
    reference, pool = rng.standard_normal((30, 4)), rng.standard_normal((27, 4))
    chunks = [pool[0:10], pool[10:20]]  # 7 rows left over are dropped
    expected = np.mean([precision_recall(reference, c, 3) for c in chunks], axis=0)
    assert matched_precision_recall(pool, reference, 10, 3) == pytest.approx(tuple(expected))
    assert matched_precision_recall(pool[:6], reference, 10, 3) == pytest.approx(
        precision_recall(reference, pool[:6], 3))
    with pytest.raises(ValueError, match="more than 3 images"):
        matched_precision_recall(pool[:3], reference, 10, 3)


def test_nearest_neighbours_and_pixel_features():
    rng = np.random.default_rng(8)
    reference = rng.standard_normal((7, 3))
    queries = reference[[4, 1]] + 0.01
    index, distance = nearest_neighbours(queries, reference)
    assert list(index) == [4, 1] and distance == pytest.approx([0.01 * 3 ** 0.5] * 2)
    images = np.zeros((2, 48, 60, 3), np.uint8)
    images[0] = 255
    images[1, :24] = 255  # top half white: area averaging keeps the share exactly
    pixels = pixel_features(images, (4, 5))
    assert pixels.shape == (2, 4 * 5 * 3)
    assert pixels[0] == pytest.approx(1.0) and pixels[1].mean() == pytest.approx(0.5)
    with pytest.raises(ValueError, match="uint8"):
        pixel_features(images.astype(np.float32), (4, 5))


def test_control_sets_are_what_they_claim():
    rng = np.random.default_rng(9)
    train = rng.integers(0, 256, size=(300, 16, 20, 3), dtype=np.uint8)
    train[:, :, :10] //= 4  # a darker left half: per-pixel moments differ across the image
    held = rng.integers(0, 256, size=(5, 16, 20, 3), dtype=np.uint8)
    sets = control_sets(train, held, np.random.default_rng(0), blur=0.25)
    assert set(sets) == set(CONTROLS)
    assert all(images.shape == held.shape and images.dtype == np.uint8
               for images in sets.values())
    assert (sets["grey"] == np.round(train.reshape(-1, 3).mean(0))).all()
    assert (sets["repeat"] == train[0]).all()
    noise = sets["noise"].astype(float)
    assert noise[:, :, :10].mean() == pytest.approx(train[:, :, :10].mean(), rel=0.1)
    assert noise[:, :, 10:].mean() == pytest.approx(train[:, :, 10:].mean(), rel=0.1)
    # Blur keeps the mean and removes most of the pixel-to-pixel variation.
    assert sets["blur"].mean() == pytest.approx(held.mean(), rel=0.05)
    assert np.diff(sets["blur"].astype(float), axis=2).std() < 0.2 * np.diff(
        held.astype(float), axis=2).std()


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
