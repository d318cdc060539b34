"""Dynamic images by approximate rank pooling, and sparse sub-video sampling.

Approximate rank pooling (Bilen et al., CVPR 2016, "Dynamic Image Networks for Action
Recognition", Eq. 4 with time-averaged features):

    d = Σ_t α_t · I_t,   α_t = 2(T − t + 1) − (T + 1)(H_T − H_{t−1}),   H_t = Σ_{i≤t} 1/i,  t = 1..T

Sparse sampling (Zhang et al., ACM MM 2020, Sec. 3.1): each sub-video keeps a random half of the
frames in temporal order, and its dynamic image is one more training sample (SSDI).
"""

from __future__ import annotations

import numpy as np

# Pixels per block of the weighted sum: (T, 2048) float32 stays in L2 cache, which makes the
# blocked sum ~2x faster than converting the whole clip at once (see bench/bench_foundation.py).
_BLOCK = 2048


def arp_coefficients(num_frames: int) -> np.ndarray:
    """Approximate rank pooling weights ``α_t`` for ``t = 1..T`` as float64 ``(T,)``."""
    if num_frames < 1:
        raise ValueError(f"need at least one frame, got {num_frames}")
    t = np.arange(1, num_frames + 1, dtype=np.float64)
    harmonic = np.concatenate([[0.0], np.cumsum(1.0 / t)])  # H_0 .. H_T
    return 2.0 * (num_frames - t + 1) - (num_frames + 1) * (harmonic[num_frames] - harmonic[:-1])


def rank_pool(frames: np.ndarray) -> np.ndarray:
    """The raw dynamic image ``Σ_t α_t I_t`` of ``frames (T, H, W, C)`` as float32 ``(H, W, C)``."""
    frames = np.asarray(frames)
    num_frames = frames.shape[0]
    alpha = arp_coefficients(num_frames).astype(np.float32)
    flat = frames.reshape(num_frames, -1)
    out = np.empty(flat.shape[1], dtype=np.float32)
    for start in range(0, flat.shape[1], _BLOCK):
        block = flat[:, start : start + _BLOCK]
        np.matmul(alpha, block.astype(np.float32, copy=False), out=out[start : start + _BLOCK])
    return out.reshape(frames.shape[1:])


def to_uint8(image: np.ndarray, *, inplace: bool = False) -> np.ndarray:
    """Per-image min–max to uint8 (a constant image maps to 0).

    ``inplace=True`` reuses a float32 ``image`` as scratch space (dynamic_image owns its buffer),
    which saves three passes over the image.
    """
    low, high = float(image.min()), float(image.max())
    if high - low <= 1e-12:
        return np.zeros(image.shape, dtype=np.uint8)
    work = image if inplace and image.dtype == np.float32 else image.astype(np.float32)
    work -= np.float32(low)
    work *= np.float32(255.0 / (high - low))
    np.rint(work, out=work)
    # min-max puts every value in [0, 255] up to float rounding, which rint absorbs
    return np.clip(work, 0, 255, out=work).astype(np.uint8)


def dynamic_image(frames: np.ndarray) -> np.ndarray:
    """Dynamic image of ``frames (T, H, W, 3)`` uint8 → ``(H, W, 3)`` uint8 (per-image min–max)."""
    return to_uint8(rank_pool(frames), inplace=True)


def sparse_subvideo_indices(
    num_frames: int, count: int, keep_fraction: float, rng: np.random.Generator
) -> list[np.ndarray]:
    """``count`` sorted index arrays, each a random ``keep_fraction`` of ``range(num_frames)``.

    At least two frames are kept (a dynamic image of one frame carries no motion).
    """
    keep = min(num_frames, max(2, int(round(num_frames * keep_fraction))))
    return [np.sort(rng.choice(num_frames, size=keep, replace=False)) for _ in range(count)]


def sparse_dynamic_images(
    frames: np.ndarray, count: int, keep_fraction: float, rng: np.random.Generator
) -> np.ndarray:
    """``(count, H, W, 3)`` uint8 dynamic images of sparse-sampled sub-videos of ``frames``."""
    subsets = sparse_subvideo_indices(frames.shape[0], count, keep_fraction, rng)
    return np.stack([dynamic_image(frames[idx]) for idx in subsets])
