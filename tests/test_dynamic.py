import numpy as np
import pytest

from videoaug.dynamic import (
    arp_coefficients,
    dynamic_image,
    rank_pool,
    sparse_dynamic_images,
    sparse_subvideo_indices,
    to_uint8,
)


@pytest.mark.parametrize("T", [1, 2, 3, 7, 48, 200])
def test_arp_coefficients_equal_sum_form(T):
    # Independent form: alpha_t = sum_{j=t..T} (2j - T - 1) / j  (Bilen et al. 2016, Eq. 4).
    expected = np.array(
        [sum((2 * j - T - 1) / j for j in range(t, T + 1)) for t in range(1, T + 1)]
    )
    np.testing.assert_allclose(arp_coefficients(T), expected, rtol=1e-12, atol=1e-9)


def test_arp_coefficients_closed_form_small_case():
    # T = 3: H = [0, 1, 1.5, 11/6]; alpha_t = 2(4 - t) - 4 (H_3 - H_{t-1}).
    h3 = 11 / 6
    expected = [6 - 4 * h3, 4 - 4 * (h3 - 1), 2 - 4 * (h3 - 1.5)]
    np.testing.assert_allclose(arp_coefficients(3), expected)
    assert abs(arp_coefficients(3).sum()) < 1e-12  # weights of a mean-free ranker sum to zero


def test_arp_rejects_empty():
    with pytest.raises(ValueError, match="at least one frame"):
        arp_coefficients(0)


def test_rank_pool_equals_weighted_sum():
    rng = np.random.default_rng(1)
    frames = rng.integers(0, 256, size=(11, 9, 13, 3), dtype=np.uint8)
    expected = np.tensordot(arp_coefficients(11), frames.astype(np.float64), axes=(0, 0))
    np.testing.assert_allclose(rank_pool(frames), expected, rtol=1e-5, atol=1e-2)


def test_dynamic_image_ranks_linearly_drifting_frames():
    # Frames V_t = base + t * direction: the dynamic image must score later frames higher.
    rng = np.random.default_rng(2)
    T = 20
    base = rng.uniform(40, 80, size=(16, 16, 3))
    direction = rng.normal(size=(16, 16, 3))
    frames = np.stack([base + t * direction for t in range(T)]).clip(0, 255).astype(np.uint8)
    d = rank_pool(frames).astype(np.float64)
    scores = [float((d * f.astype(np.float64)).sum()) for f in frames]
    assert all(b > a for a, b in zip(scores, scores[1:], strict=False))
    # and reversed time gives the opposite ranking
    d_rev = rank_pool(frames[::-1]).astype(np.float64)
    scores_rev = [float((d_rev * f.astype(np.float64)).sum()) for f in frames]
    assert all(b < a for a, b in zip(scores_rev, scores_rev[1:], strict=False))


def test_dynamic_image_is_uint8_min_max():
    rng = np.random.default_rng(3)
    frames = rng.integers(0, 256, size=(8, 10, 12, 3), dtype=np.uint8)
    di = dynamic_image(frames)
    assert di.dtype == np.uint8 and di.shape == (10, 12, 3)
    assert di.min() == 0 and di.max() == 255
    raw = rank_pool(frames)
    expected = np.rint((raw - raw.min()) / (raw.max() - raw.min()) * 255)
    np.testing.assert_array_equal(di, expected.astype(np.uint8))


def test_to_uint8_constant_image():
    assert to_uint8(np.full((2, 2, 3), 5.0)).max() == 0


def test_sparse_indices_keep_half_in_order():
    rng = np.random.default_rng(4)
    subsets = sparse_subvideo_indices(48, 5, 0.5, rng)
    assert len(subsets) == 5
    for idx in subsets:
        assert len(idx) == 24 and len(set(idx.tolist())) == 24
        assert np.all(np.diff(idx) > 0) and idx.min() >= 0 and idx.max() < 48
    assert not all(np.array_equal(subsets[0], s) for s in subsets[1:])


def test_sparse_dynamic_images_deterministic_and_equal_to_subset_di():
    frames = np.random.default_rng(5).integers(0, 256, size=(16, 8, 8, 3), dtype=np.uint8)
    a = sparse_dynamic_images(frames, 3, 0.5, np.random.default_rng(9))
    b = sparse_dynamic_images(frames, 3, 0.5, np.random.default_rng(9))
    np.testing.assert_array_equal(a, b)
    idx = sparse_subvideo_indices(16, 3, 0.5, np.random.default_rng(9))
    np.testing.assert_array_equal(a[1], dynamic_image(frames[idx[1]]))
