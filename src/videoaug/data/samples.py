"""Camera clips built from real photographs that installed packages ship, for tests and
benchmarks that must run offline on real footage.

Photographs: ``grace_hopper`` (matplotlib's sample data, a head-and-shoulders portrait, 600 x 512;
matplotlib is a core dependency), ``china`` (a temple above a lake, with a sky and trees, 427 x
640) and ``flower`` (scikit-learn's sample images; scikit-learn comes with sentence-transformers,
the ``text`` extra). No video file of people ships with any installed package, so the clips
below are made by a fixed camera filming a real scene (sensor noise, flicker, H.264 when
``encode``), optionally with the real person cut out along a reference mask and moved across it:

* :func:`walker_clip`: Grace Hopper at ``scale`` of the frame height crossing the scene —
  ground truth: the pasted mask, and the scene without her;
* :func:`tripod_clip`: the scene alone (a tripod shot: the true camera motion is zero);
* :func:`lamp_clip`: a tripod shot with a static sign that blinks every frame (what camera-noise
  residue of a lamp sign looks like to background subtraction: marked in every frame) and a
  walker.

The reference person mask (:func:`reference_mask`) is measured once by the caller at the
photograph's full resolution (there a person model's mask is reliable: MediaPipe's Pose and
selfie models agree on it at IoU 0.98); the clips scale it with the person.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

PHOTOS = ("grace_hopper", "china", "flower")


def sample_image(name: str) -> np.ndarray:
    """``uint8 (H, W, 3)`` RGB photograph ``name`` (:data:`PHOTOS`) from an installed package."""
    if name == "grace_hopper":
        from matplotlib import cbook

        path = cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is None:
            raise FileNotFoundError(f"matplotlib's sample image {path} could not be read")
        return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    if name in ("china", "flower"):
        try:
            from sklearn.datasets import load_sample_image
        except ImportError as err:
            raise ModuleNotFoundError(
                f"sample photograph {name!r} comes with scikit-learn (installed with the text "
                f"extra, `make setup`): {err}") from None
        return np.ascontiguousarray(load_sample_image(f"{name}.jpg"))
    raise ValueError(f"unknown sample photograph {name!r}; choose one of {PHOTOS}")


@dataclass(frozen=True)
class RealClip:
    """``frames uint8 (T, H, W, 3)``, ``truth bool (T, H, W)`` (person pixels), ``background
    uint8 (T, H, W, 3)`` (the same scene, noise and flicker without the person) and ``static``
    ``bool (H, W)`` (pixels of static scenery that flickers, :func:`lamp_clip`)."""

    frames: np.ndarray
    truth: np.ndarray
    background: np.ndarray
    static: np.ndarray


def reference_mask(person_probability: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """The person mask of a photograph from a model's probability map at full resolution: the
    largest connected component above ``threshold``."""
    mask = (person_probability > threshold).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count < 2:
        raise ValueError("no person in the reference probability map")
    return labels == 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))


def _scene(size: tuple[int, int], crop: tuple[float, float, float, float]) -> np.ndarray:
    """The china photograph's box ``crop`` (fractions x0, y0, x1, y1) resized to ``size``."""
    image = sample_image("china")
    h, w = image.shape[:2]
    x0, y0, x1, y1 = crop
    part = image[round(y0 * h):round(y1 * h), round(x0 * w):round(x1 * w)]
    return cv2.resize(part, (size[1], size[0]), interpolation=cv2.INTER_AREA)


def _camera(scene: np.ndarray, frames: int, noise: float, flicker: float,
            rng: np.random.Generator) -> np.ndarray:
    """A tripod camera: the scene with per-frame sensor noise and a slow brightness flicker."""
    base = scene.astype(np.float32)
    out = np.empty((frames, *scene.shape), np.uint8)
    for t in range(frames):
        gain = 1.0 + flicker * np.sin(2 * np.pi * t / 12)
        out[t] = np.clip(base * gain + rng.normal(0, noise, base.shape), 0, 255)
    return out


def _encode_roundtrip(frames: np.ndarray) -> np.ndarray:
    from videoaug.data.synthetic.encode import encode_h264
    from videoaug.io.video import decode_video

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "clip.mp4"
        encode_h264(frames, path, 25)
        decoded, _ = decode_video(path)
    return decoded


def _paste(frames: np.ndarray, person: np.ndarray, mask: np.ndarray, scale: float,
           x_from: float, x_to: float) -> np.ndarray:
    """Paste ``person`` (cut out by ``mask``) at ``scale`` of the frame height, standing on the
    bottom edge, moving from ``x_from`` to ``x_to`` (fractions of the width); returns the truth."""
    t, height, width = frames.shape[:3]
    ph = max(4, round(scale * height))
    pw = max(2, round(ph * person.shape[1] / person.shape[0]))
    small = cv2.resize(person, (pw, ph), interpolation=cv2.INTER_AREA)
    small_mask = cv2.resize(mask.astype(np.uint8), (pw, ph), interpolation=cv2.INTER_NEAREST) > 0
    truth = np.zeros((t, height, width), bool)
    for k in range(t):
        x = round((x_from + (x_to - x_from) * k / max(t - 1, 1)) * width)
        bob = round(0.02 * ph * np.sin(2 * np.pi * k / 8))
        top = height - ph - max(1, round(0.03 * height)) + bob
        x0, y0 = max(x, 0), max(top, 0)
        x1, y1 = min(x + pw, width), min(top + ph, height)
        if x1 <= x0 or y1 <= y0:
            continue
        sub = small_mask[y0 - top:y1 - top, x0 - x:x1 - x]
        region = frames[k, y0:y1, x0:x1]
        region[sub] = small[y0 - top:y1 - top, x0 - x:x1 - x][sub]
        truth[k, y0:y1, x0:x1] = sub
    return truth


def walker_clip(person_mask: np.ndarray, scale: float = 0.4, frames: int = 24,
                size: tuple[int, int] = (112, 150), noise: float = 3.0, flicker: float = 0.02,
                seed: int = 0, encode: bool = False,
                scene: tuple[float, float, float, float] = (0.0, 0.1, 1.0, 0.9)) -> RealClip:
    """Grace Hopper (cut out along ``person_mask``, :func:`reference_mask`) at ``scale`` of the
    frame height walking across the china scene, filmed by a tripod camera."""
    rng = np.random.default_rng(seed)
    background = _camera(_scene(size, scene), frames, noise, flicker, rng)
    clip = background.copy()
    truth = _paste(clip, sample_image("grace_hopper"), person_mask, scale, 0.05, 0.65)
    if encode:
        clip, background = _encode_roundtrip(clip), _encode_roundtrip(background)
    return RealClip(clip, truth, background, np.zeros(size, bool))


def tripod_clip(frames: int = 24, size: tuple[int, int] = (112, 150), noise: float = 3.0,
                flicker: float = 0.02, seed: int = 0, encode: bool = False,
                scene: tuple[float, float, float, float] = (0.0, 0.1, 1.0, 0.9)) -> RealClip:
    """The china scene from a tripod: nothing moves but noise and flicker (camera shift 0)."""
    rng = np.random.default_rng(seed)
    clip = _camera(_scene(size, scene), frames, noise, flicker, rng)
    if encode:
        clip = _encode_roundtrip(clip)
    return RealClip(clip, np.zeros(clip.shape[:3], bool), clip, np.zeros(size, bool))


def lamp_clip(person_mask: np.ndarray | None, scale: float = 0.4, frames: int = 24,
              size: tuple[int, int] = (112, 150), noise: float = 3.0, seed: int = 0,
              lamp: tuple[float, float, float, float] = (0.82, 0.15, 0.95, 0.35),
              swing: float = 60.0) -> RealClip:
    """A tripod shot with a static patch (``lamp``: fractions x0, y0, x1, y1) that blinks
    ``±swing`` grey levels frame by frame, and (unless ``person_mask`` is None) a walker;
    ``static`` marks the patch."""
    rng = np.random.default_rng(seed)
    height, width = size
    background = _camera(_scene(size, (0.0, 0.1, 1.0, 0.9)), frames, noise, 0.0, rng)
    x0, y0, x1, y1 = (round(lamp[0] * width), round(lamp[1] * height), round(lamp[2] * width),
                      round(lamp[3] * height))
    patch = np.zeros(size, bool)
    patch[y0:y1, x0:x1] = True
    for t in range(frames):
        level = background[t, y0:y1, x0:x1].astype(np.float32) + swing * (-1) ** t
        background[t, y0:y1, x0:x1] = np.clip(level, 0, 255).astype(np.uint8)
    clip = background.copy()
    truth = np.zeros(clip.shape[:3], bool)
    if person_mask is not None:
        truth = _paste(clip, sample_image("grace_hopper"), person_mask, scale, 0.05, 0.55)
    return RealClip(clip, truth, background, patch)


def write_clip(frames: np.ndarray, path: str | Path, fps: int = 25) -> Path:
    """Encode a clip to an H.264 mp4 at ``path`` (what a camera folder holds)."""
    from videoaug.data.synthetic.encode import encode_h264

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    encode_h264(np.ascontiguousarray(frames), path, fps)
    return path


def downscale_mask(mask: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``bool (T, H, W)`` to ``size`` by area averaging, a pixel kept when half of it is mask."""
    return np.stack([cv2.resize(m.astype(np.float32), (size[1], size[0]),
                                interpolation=cv2.INTER_AREA) >= 0.5 for m in mask])
