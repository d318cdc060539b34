"""The embedded dataset ``synth4``: procedurally rendered, H.264-encoded action clips.

Four classes (:data:`SYNTH4_CLASSES`) of an anti-aliased stick figure performing a class-specific
motion cycle over a background. Classes are meant to be separable by *motion*, not by one frame:

* backgrounds come from one shared pool of styles (grass, sand, snow, wall, gradient, blobs);
  each class has a typical style that it is forced to with probability ``1 - 0.5 * difficulty``,
  otherwise the style is drawn uniformly from the whole pool;
* the figure's colour, thickness, size, position, facing, speed and phase are random per clip.

``synth10`` (``SynthParams.class_set = "synth10"``, :data:`SYNTH10_CLASSES`) renders the same way
with six more UCF101 actions (JumpingJack, BodyWeightSquats, JumpRope, Lunges, Punch,
WalkingWithDog) for Learn2Augment's few-shot setting (5 seen + 5 novel classes). A clip's draws
depend only on ``(seed, class, index, split)``, so synth4's classes render the same clips in
both sets and synth4 itself is unchanged.

``difficulty`` (``SynthParams.difficulty``, default 1) scales every nuisance factor linearly:
pixel noise std ``4 * d`` (0..255 scale), camera jitter std ``d * max(H, W) / 100`` pixels,
brightness flicker std ``0.04 * d``, the log-spread of the cycle period ``+-0.35 * d`` and the
background sharing probability ``min(1, 0.5 * d)``. ``d = 0`` gives clean, typical-background clips.

Randomness is drawn in exactly one place, :func:`sample_clip_spec`, from a NumPy generator seeded
with ``derive_seed(seed, "synth4", class_name, index, split)``; :func:`draw_clip` applies it.
:func:`generate_synth4` writes a UCF101-like folder (``ClassName/v_ClassName_gGG_cCC.mp4``,
``trainlist01.txt``, ``testlist01.txt``, ``classInd.txt``), a ground-truth foreground mask per
clip (``ClassName/<stem>_mask.npy``: uint8 0/1, ``(T, H, W)``) and, last, ``synth4.json`` with
the parameters and a sha256 per file, so a killed generation is seen as incomplete.

Encoding: libx264 (``threads=1``, ``+bitexact`` muxing), yuv420p. With one encoder thread the
bytes depend only on the frames and the ffmpeg/x264 build, so the same seed gives identical files.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import cv2
import ffmpeg
import numpy as np
from tqdm import tqdm

from videoaug.data.records import DatasetError, VideoRecord
from videoaug.seeding import numpy_rng

SYNTH4_CLASSES: tuple[str, ...] = ("GolfSwing", "Shotput", "Skiing", "YoYo")
# synth10 (Learn2Augment's few-shot Table 4): synth4's classes and six more UCF101 actions, ordered
# seen first, then novel (l2a.fewshot.novel_classes defaults to the last five).
SYNTH10_CLASSES: tuple[str, ...] = (
    *SYNTH4_CLASSES, "JumpingJack",
    "BodyWeightSquats", "JumpRope", "Lunges", "Punch", "WalkingWithDog",
)
CLASS_SETS: dict[str, tuple[str, ...]] = {"synth4": SYNTH4_CLASSES, "synth10": SYNTH10_CLASSES}

SCHEMA = "videoaug.synth4/1"
DOMAINS = ("synth4", "shift")
# Bump when the renderer changes the pixels it draws: cached datasets are then regenerated.
RENDERER_VERSION = 1
MANIFEST_NAME = "synth4.json"
ENCODER_SETTINGS: dict[str, str | int] = {
    "vcodec": "libx264",
    "pix_fmt": "yuv420p",
    "crf": 23,
    "preset": "fast",
    "x264-params": "threads=1",
}
CLIPS_PER_GROUP = 4  # UCF101 groups hold 4-7 clips of one actor; we fill groups of 4.

_TYPICAL_BACKGROUND = {"GolfSwing": "grass", "Shotput": "sand", "Skiing": "snow", "YoYo": "wall",
                       "JumpingJack": "grass", "BodyWeightSquats": "wall", "JumpRope": "sand",
                       "Lunges": "gradient", "Punch": "blobs", "WalkingWithDog": "grass"}
# Classes whose figure travels across the frame (the others stay in place).
_TRAVELLING = ("Skiing", "WalkingWithDog")
_STEM_PATTERN = re.compile(r"^v_(?P<cls>\w+?)_g\d+_c\d+(_mask)?$")


@dataclass(frozen=True)
class SynthParams:
    """Everything that shapes the content of a synth4 folder.

    ``height``/``width`` must be even (yuv420p). ``difficulty`` scales the nuisance factors (see the
    module docstring); ``fps`` only sets the container rate and the cycle period in frames.
    """

    train_per_class: int = 20
    test_per_class: int = 10
    frames: int = 48
    height: int = 112
    width: int = 144
    fps: int = 25
    seed: int = 0
    difficulty: float = 1.0
    # "synth4", or "shift": the same classes and motions in another domain (AVD's cross-dataset
    # Table 3): other background colours, smaller and thicker figures, a shakier camera.
    domain: str = "synth4"
    # Which classes are rendered (:data:`CLASS_SETS`): "synth4" (4) or "synth10" (10, few-shot).
    class_set: str = "synth4"

    def __post_init__(self) -> None:
        if self.domain not in DOMAINS:
            raise ValueError(f"domain must be one of {DOMAINS}, got {self.domain!r}")
        if self.class_set not in CLASS_SETS:
            raise ValueError(
                f"class_set must be one of {sorted(CLASS_SETS)}, got {self.class_set!r}")
        if self.train_per_class < 1 or self.test_per_class < 1:
            raise ValueError("synth4 needs at least one train and one test clip per class")
        if self.frames < 2:
            raise ValueError(f"frames must be >= 2, got {self.frames}")
        if self.height < 16 or self.width < 16 or self.height % 2 or self.width % 2:
            raise ValueError(
                f"height and width must be even and >= 16 (yuv420p), got {self.height}x{self.width}"
            )
        if self.fps < 1:
            raise ValueError(f"fps must be >= 1, got {self.fps}")
        if not 0.0 <= self.difficulty <= 4.0:
            raise ValueError(f"difficulty must lie in [0, 4], got {self.difficulty}")

    @property
    def classes(self) -> tuple[str, ...]:
        """The rendered class names, in label order."""
        return CLASS_SETS[self.class_set]


# --------------------------------------------------------------------------------------------
# Random specification of one clip (the only place that draws random numbers)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BackgroundSpec:
    """A background on a ``(Hc, Wc)`` canvas: two vertical gradients split at a tilted horizon.

    Colours are RGB floats in 0..255. ``stripe_*`` paints periodic bands (mowing stripes, wallpaper)
    on ``stripe_region``; ``blotch_noise (h, w, 3)`` is upsampled to low-frequency colour blotches;
    ``grain_noise (Hc, Wc)`` is per-pixel texture; ``accents (N, 3)`` are ``(x, y, size)`` canvas
    fractions of the style's decoration (throwing-circle arc, trees, picture frame).
    """

    kind: str
    upper_top: np.ndarray
    upper_bottom: np.ndarray
    lower_far: np.ndarray
    lower_near: np.ndarray
    horizon: float
    tilt: float
    stripe_region: str
    stripe_amplitude: float
    stripe_period: float
    stripe_angle: float
    blotch_amplitude: float
    grain_amplitude: float
    blotch_noise: np.ndarray
    grain_noise: np.ndarray
    accent: str
    accent_color: np.ndarray
    accents: np.ndarray


@dataclass(frozen=True)
class ClipSpec:
    """All random draws of one clip; :func:`draw_clip` turns it into pixels.

    Lengths are in pixels of the ``(Hc, Wc) = (H + 2m, W + 2m)`` canvas (``m`` = ``margin``),
    from which each frame is cropped at its camera-jitter offset ``jitter (T, 2)`` (dy, dx in
    ``[-m, m]``).
    ``period`` is in frames; ``travel`` is the hip's displacement per frame along ``facing``.
    ``noise (T, H, W, 3)`` is the additive pixel noise (already scaled), ``flicker (T,)`` the
    brightness gain per frame.
    """

    class_name: str
    figure_height: float
    anchor_x: float
    ground_y: float
    facing: int
    travel: float
    slope: float
    period: float
    phase: float
    amplitude: float
    color: np.ndarray
    thickness: int
    margin: int
    background: BackgroundSpec
    jitter: np.ndarray
    flicker: np.ndarray
    noise: np.ndarray


@dataclass(frozen=True)
class _Style:
    """Base palette and texture ranges of a background kind (``None`` colours: fully random)."""

    colors: tuple[tuple[float, float, float], ...] | None
    horizon: tuple[float, float]
    tilt: float
    stripe_region: str
    stripe_amplitude: float
    blotch_amplitude: float
    grain_amplitude: float
    accent: str
    accent_color: tuple[float, float, float]


# colours: upper_top, upper_bottom, lower_far, lower_near
_STYLES: dict[str, _Style] = {
    "grass": _Style(
        ((90, 150, 230), (170, 205, 240), (75, 145, 60), (40, 110, 35)),
        (0.25, 0.45), 0.05, "lower", 12.0, 8.0, 6.0, "none", (0, 0, 0),
    ),
    "sand": _Style(
        ((120, 160, 210), (190, 200, 210), (205, 145, 85), (170, 105, 55)),
        (0.2, 0.4), 0.03, "lower", 0.0, 10.0, 16.0, "arc", (240, 240, 235),
    ),
    "snow": _Style(
        ((150, 180, 215), (210, 220, 235), (238, 240, 246), (210, 218, 232)),
        (0.2, 0.45), 0.3, "lower", 0.0, 5.0, 4.0, "trees", (30, 70, 40),
    ),
    "wall": _Style(
        ((215, 200, 170), (205, 190, 160), (135, 92, 58), (105, 68, 42)),
        (0.65, 0.85), 0.0, "upper", 6.0, 5.0, 3.0, "frame", (80, 60, 50),
    ),
    "gradient": _Style(None, (0.2, 0.8), 0.2, "lower", 0.0, 20.0, 5.0, "none", (0, 0, 0)),
    "blobs": _Style(None, (0.3, 0.7), 0.1, "lower", 0.0, 28.0, 5.0, "none", (0, 0, 0)),
}
BACKGROUND_KINDS: tuple[str, ...] = tuple(_STYLES)


def sample_background(
    kind: str, rng: np.random.Generator, canvas: tuple[int, int]
) -> BackgroundSpec:
    """Draw a :class:`BackgroundSpec` of style ``kind`` for a ``(Hc, Wc)`` canvas."""
    style = _STYLES[kind]
    if style.colors is None:
        base = rng.uniform(30.0, 230.0, size=(2, 3))
        palette = np.stack([base[0], base[0] * 0.9 + 10, base[1] * 0.9 + 10, base[1]])
    else:
        palette = np.asarray(style.colors, dtype=np.float64)
    brightness = rng.uniform(0.85, 1.15)
    palette = np.clip(palette * brightness + rng.normal(0.0, 15.0, size=(4, 3)), 0.0, 255.0)
    canvas_h, canvas_w = canvas
    accent_count = {"none": 0, "arc": 1, "frame": 1, "trees": int(rng.integers(2, 6))}[
        style.accent
    ]
    accents = np.column_stack(
        [
            rng.uniform(0.1, 0.9, accent_count),
            rng.uniform(0.0, 1.0, accent_count),
            rng.uniform(0.08, 0.2, accent_count),
        ]
    )
    accent_color = np.clip(np.asarray(style.accent_color) + rng.normal(0.0, 15.0, 3), 0, 255)
    return BackgroundSpec(
        kind=kind,
        upper_top=palette[0],
        upper_bottom=palette[1],
        lower_far=palette[2],
        lower_near=palette[3],
        horizon=float(rng.uniform(*style.horizon)),
        tilt=float(rng.uniform(-style.tilt, style.tilt)),
        stripe_region=style.stripe_region,
        stripe_amplitude=style.stripe_amplitude * float(rng.uniform(0.5, 1.0)),
        stripe_period=float(rng.uniform(0.08, 0.2) * canvas_w),
        stripe_angle=float(rng.uniform(-0.4, 0.4)),
        blotch_amplitude=style.blotch_amplitude,
        grain_amplitude=style.grain_amplitude,
        blotch_noise=rng.standard_normal((max(2, canvas_h // 16), max(2, canvas_w // 16), 3)),
        grain_noise=rng.standard_normal((canvas_h, canvas_w)).astype(np.float32),
        accent=style.accent,
        accent_color=accent_color,
        accents=accents,
    )


def _choose_background_kind(class_name: str, rng: np.random.Generator, difficulty: float) -> str:
    """Typical style with probability ``1 - min(1, 0.5 d)``, else uniform over the shared pool."""
    if rng.uniform() >= min(1.0, 0.5 * difficulty):
        return _TYPICAL_BACKGROUND[class_name]
    return BACKGROUND_KINDS[int(rng.integers(len(BACKGROUND_KINDS)))]


def _region_colors(spec: BackgroundSpec) -> np.ndarray:
    """Mean colours ``(2, 3)`` of the upper and lower background regions."""
    upper = (spec.upper_top + spec.upper_bottom) / 2
    lower = (spec.lower_far + spec.lower_near) / 2
    return np.stack([upper, lower])


def _contrasting_color(rng: np.random.Generator, regions: np.ndarray) -> np.ndarray:
    """A random RGB colour at least 80 (Euclidean, 0..255) away from every colour in ``regions``.

    Falls back to the complement of the regions' mean, so the figure is never invisible.
    """
    for _ in range(32):
        color = rng.uniform(0.0, 255.0, 3)
        if np.linalg.norm(color - regions, axis=1).min() >= 80.0:
            return color
    return 255.0 - regions.mean(axis=0)


def sample_clip_spec(
    class_name: str, rng: np.random.Generator, params: SynthParams
) -> ClipSpec:
    """Draw every random quantity of one clip of ``class_name`` (see :class:`ClipSpec`)."""
    if class_name not in _TYPICAL_BACKGROUND:
        raise ValueError(f"unknown synth4 class {class_name!r}; expected one of {SYNTH10_CLASSES}")
    d = params.difficulty
    height, width, frames = params.height, params.width, params.frames
    jitter_std = d * max(height, width) / 100.0
    margin = max(1, math.ceil(2.5 * jitter_std))
    canvas = (height + 2 * margin, width + 2 * margin)

    background = sample_background(_choose_background_kind(class_name, rng, d), rng, canvas)
    figure_height = float(rng.uniform(0.5, 0.72) * height)
    facing = int(rng.choice((-1, 1)))
    if class_name in _TRAVELLING:
        total_travel = float(rng.uniform(0.4, 0.6) * width)
        travel = total_travel / (frames - 1)
        slope = float(rng.uniform(0.0, 0.15))
        center = margin + width * float(rng.uniform(0.45, 0.55))
        anchor_x = center - facing * total_travel / 2
        ground_y = margin + height * float(rng.uniform(0.8, 0.95)) - slope * total_travel
    else:
        travel, slope = 0.0, 0.0
        anchor_x = margin + width * float(rng.uniform(0.3, 0.7))
        ground_y = margin + height * float(rng.uniform(0.85, 0.97))
    # A cycle of ~0.8 s, log-uniform spread scaled by difficulty.
    period = 0.8 * params.fps * math.exp(float(rng.uniform(-0.35, 0.35)) * d)
    thickness = max(1, round(figure_height * float(rng.uniform(0.03, 0.06))))
    jitter = np.clip(np.rint(rng.normal(0.0, jitter_std, (frames, 2))), -margin, margin)
    flicker = 1.0 + np.clip(rng.normal(0.0, 0.04 * d, frames), -0.2, 0.2)
    noise = rng.standard_normal((frames, height, width, 3), dtype=np.float32) * np.float32(4 * d)
    spec = ClipSpec(
        class_name=class_name,
        figure_height=figure_height,
        anchor_x=anchor_x,
        ground_y=ground_y,
        facing=facing,
        travel=travel,
        slope=slope,
        period=period,
        phase=float(rng.uniform(0.0, 2 * math.pi)),
        amplitude=float(rng.uniform(0.85, 1.15)),
        color=_contrasting_color(rng, _region_colors(background)),
        thickness=thickness,
        margin=margin,
        background=background,
        jitter=jitter.astype(np.int64),
        flicker=flicker.astype(np.float32),
        noise=noise,
    )
    return spec if params.domain == "synth4" else shifted_domain(spec)


def shifted_domain(spec: ClipSpec) -> ClipSpec:
    """The ``shift`` domain of a clip (no new random draws, so synth4's stream is unchanged):
    background colours with red and blue swapped at 70 % brightness, the figure 0.7x as tall and
    twice as thick, camera jitter doubled (clipped to the canvas margin)."""
    background = spec.background
    swap = [2, 1, 0]
    background = replace(
        background,
        **{name: np.clip(getattr(background, name)[swap] * 0.7, 0, 255)
           for name in ("upper_top", "upper_bottom", "lower_far", "lower_near", "accent_color")},
    )
    return replace(
        spec, background=background, figure_height=0.7 * spec.figure_height,
        thickness=2 * spec.thickness,
        jitter=np.clip(2 * spec.jitter, -spec.margin, spec.margin).astype(np.int64),
        color=_contrasting_color(np.random.default_rng(int(abs(spec.phase) * 1e6)),
                                 _region_colors(background)),
    )


# --------------------------------------------------------------------------------------------
# Poses: class-specific motion cycles (pure functions of the phase)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pose:
    """Absolute segment angles in the figure's frame (radians; 0 = straight down, + = forwards).

    Arms and legs are ``(upper, lower)`` angles. ``lean`` tilts the torso forwards; ``twist``
    narrows the shoulders (torso rotation out of the image plane); ``lift`` (hop) and ``shift``
    (forward hip shift) are fractions of the figure height; ``prop_extent`` is the prop's length
    as a fraction of the figure height (yo-yo string); ``prop_angle`` is the angle of a rotating
    prop (the skipping rope's apex, radians).
    """

    lean: float
    twist: float
    near_arm: tuple[float, float]
    far_arm: tuple[float, float]
    near_leg: tuple[float, float]
    far_leg: tuple[float, float]
    lift: float = 0.0
    shift: float = 0.0
    prop: str = "none"
    prop_extent: float = 0.0
    prop_angle: float = 0.0


def golf_swing_pose(phase: float, amplitude: float) -> Pose:
    """Both arms swing together through a big arc around the shoulders, with torso twist."""
    swing = math.sin(phase)
    arm = 1.9 * amplitude * swing
    return Pose(
        lean=0.35,
        twist=0.9 * amplitude * swing,
        near_arm=(arm - 0.12, arm + 0.05),
        far_arm=(arm + 0.12, arm + 0.05),
        near_leg=(0.2, 0.05),
        far_leg=(-0.2, -0.05),
        shift=0.03 * swing,
        prop="club",
    )


def shotput_pose(phase: float, amplitude: float) -> Pose:
    """One arm pushes out from the shoulder while the body lunges forwards and hops."""
    push = 0.5 - 0.5 * math.cos(phase)  # 0 = shot tucked at the neck, 1 = arm extended
    upper = 3.6 - 1.3 * push
    front_thigh = 0.15 + 0.45 * push * amplitude
    back_thigh = -0.15 - 0.35 * push * amplitude
    return Pose(
        lean=-0.2 + 0.6 * push,
        twist=0.6 * (1 - push),
        near_arm=(upper, upper - 2.2 * (1 - push)),
        far_arm=(1.0 - 0.9 * push, 1.4 - 0.9 * push),
        near_leg=(front_thigh, front_thigh - 0.35 * push),
        far_leg=(back_thigh, back_thigh - 0.1),
        lift=0.12 * amplitude * push**4,
        shift=0.1 * amplitude * push,
        prop="shot",
    )


def skiing_pose(phase: float, amplitude: float) -> Pose:
    """A crouched skier with alternating legs and pole plants (translation is in the spec)."""
    swing, bend = math.sin(phase), math.cos(phase)
    near_thigh, far_thigh = 0.6 + 0.2 * amplitude * swing, 0.6 - 0.2 * amplitude * swing
    near_upper, far_upper = 0.5 + 0.6 * amplitude * swing, 0.5 - 0.6 * amplitude * swing
    return Pose(
        lean=0.55,
        twist=0.0,
        near_arm=(near_upper, near_upper + 0.6),
        far_arm=(far_upper, far_upper + 0.6),
        near_leg=(near_thigh, near_thigh - 1.2 + 0.15 * bend),
        far_leg=(far_thigh, far_thigh - 1.2 - 0.15 * bend),
        lift=0.02 * (0.5 + 0.5 * math.sin(2 * phase)),
        prop="poles",
    )


def yoyo_pose(phase: float, amplitude: float) -> Pose:
    """One forearm bobs up and down; the yo-yo on its string follows with a lag."""
    return Pose(
        lean=0.05,
        twist=0.2,
        near_arm=(0.45, 1.5 + 0.35 * amplitude * math.sin(phase)),
        far_arm=(0.08, 0.15),
        near_leg=(0.08, 0.08),
        far_leg=(-0.08, -0.08),
        prop="yoyo",
        prop_extent=0.08 + 0.26 * (0.5 - 0.5 * math.sin(phase - 0.5)),
    )


def jumping_jack_pose(phase: float, amplitude: float) -> Pose:
    """Arms sweep from the sides to overhead while the legs open, with a hop at each change."""
    spread = 0.5 - 0.5 * math.cos(phase)  # 0 = closed, 1 = open
    arm = min(3.0, 0.15 + 2.7 * amplitude * spread)
    leg = 0.04 + 0.34 * amplitude * spread
    return Pose(
        lean=0.0,
        twist=0.0,
        near_arm=(arm, arm + 0.15),
        far_arm=(-arm, -arm - 0.15),
        near_leg=(leg, leg),
        far_leg=(-leg, -leg),
        lift=0.07 * amplitude * abs(math.sin(phase)),
    )


def squat_pose(phase: float, amplitude: float) -> Pose:
    """Body-weight squat: knees bend forwards, the hips sink, the arms rise to the horizontal."""
    down = 0.5 - 0.5 * math.cos(phase)  # 0 = standing, 1 = deepest
    thigh = 0.05 + 1.3 * amplitude * down
    shin = -0.05 - 0.45 * amplitude * down
    arm = 0.1 + 1.45 * down
    return Pose(
        lean=0.45 * down,
        twist=0.0,
        near_arm=(arm, arm),
        far_arm=(arm - 0.1, arm - 0.1),
        near_leg=(thigh, shin),
        far_leg=(thigh - 0.1, shin - 0.05),
    )


def jump_rope_pose(phase: float, amplitude: float) -> Pose:
    """Small hops while the hands turn a rope around the body once per cycle."""
    turn = math.sin(phase)
    return Pose(
        lean=0.05,
        twist=0.0,
        near_arm=(0.3, 1.2 + 0.35 * math.cos(phase)),
        far_arm=(0.2, 1.1 + 0.35 * math.cos(phase)),
        near_leg=(0.12 + 0.1 * max(0.0, turn), -0.05),
        far_leg=(0.02 + 0.1 * max(0.0, turn), -0.12),
        lift=0.08 * amplitude * max(0.0, turn) ** 2,
        prop="rope",
        prop_angle=phase,
    )


def lunge_pose(phase: float, amplitude: float) -> Pose:
    """Forward lunge: the front knee bends over the foot, the back knee drops; hands on the hips."""
    down = 0.5 - 0.5 * math.cos(phase)
    front = 0.15 + 1.2 * amplitude * down
    back = -0.15 - 0.45 * amplitude * down
    return Pose(
        lean=-0.05,
        twist=0.3,
        near_arm=(0.6, -0.8),
        far_arm=(0.5, -0.9),
        near_leg=(front, 0.05 - 0.1 * down),
        far_leg=(back, back - 1.1 * down),
    )


def punch_pose(phase: float, amplitude: float) -> Pose:
    """Alternating jabs at shoulder height from a boxing guard, with a torso twist."""
    swing = math.sin(phase)
    near, far = max(0.0, swing) ** 2, max(0.0, -swing) ** 2

    def arm(extension: float) -> tuple[float, float]:
        return (0.5 + 1.1 * amplitude * extension, 2.7 - 1.1 * extension)

    return Pose(
        lean=0.15,
        twist=0.5 * swing,
        near_arm=arm(near),
        far_arm=arm(far),
        near_leg=(0.3, 0.2),
        far_leg=(-0.3, -0.2),
        shift=0.03 * swing,
    )


def walking_pose(phase: float, amplitude: float) -> Pose:
    """Walking gait (translation is in the spec); one hand holds a leash to a dog ahead."""
    swing = math.sin(phase)
    near_thigh, far_thigh = 0.35 * amplitude * swing, -0.35 * amplitude * swing
    return Pose(
        lean=0.05,
        twist=0.0,
        near_arm=(0.6, 0.9),
        far_arm=(-0.35 * swing, -0.2 * swing),
        near_leg=(near_thigh, near_thigh - 0.4 * max(0.0, -swing)),
        far_leg=(far_thigh, far_thigh - 0.4 * max(0.0, swing)),
        lift=0.015 * abs(math.cos(phase)),
        prop="leash",
        prop_angle=phase,
    )


POSE_FUNCTIONS: dict[str, Callable[[float, float], Pose]] = {
    "GolfSwing": golf_swing_pose,
    "Shotput": shotput_pose,
    "Skiing": skiing_pose,
    "YoYo": yoyo_pose,
    "JumpingJack": jumping_jack_pose,
    "BodyWeightSquats": squat_pose,
    "JumpRope": jump_rope_pose,
    "Lunges": lunge_pose,
    "Punch": punch_pose,
    "WalkingWithDog": walking_pose,
}

# Segment lengths as fractions of the figure height.
_TORSO, _NECK, _HEAD_RADIUS = 0.30, 0.04, 0.075
_UPPER_ARM, _FOREARM, _THIGH, _SHIN = 0.16, 0.15, 0.23, 0.23
_SHOULDER_HALF, _HIP_HALF = 0.07, 0.045

Segment = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class FigureGeometry:
    """Drawable primitives of one pose: far-side and near-side segments, and circles.

    Points are ``(x, y)`` canvas pixels; circles are ``(centre, radius)``.
    """

    far_segments: list[Segment]
    near_segments: list[Segment]
    circles: list[tuple[np.ndarray, float]]


def _direction(angle: float, facing: int) -> np.ndarray:
    return np.array([facing * math.sin(angle), math.cos(angle)])


def _limb(root: np.ndarray, angles: tuple[float, float], lengths: tuple[float, float],
          facing: int) -> tuple[np.ndarray, np.ndarray]:
    """Joint and end points of a two-segment limb starting at ``root``."""
    joint = root + lengths[0] * _direction(angles[0], facing)
    return joint, joint + lengths[1] * _direction(angles[1], facing)


def figure_geometry(pose: Pose, hip: np.ndarray, size: float, facing: int) -> FigureGeometry:
    """Place a pose with its hip centre at ``hip`` (canvas pixels), figure height ``size``."""
    up = np.array([facing * math.sin(pose.lean), -math.cos(pose.lean)])
    shoulder = hip + _TORSO * size * up
    head = shoulder + (_NECK + _HEAD_RADIUS) * size * up
    shoulder_half = _SHOULDER_HALF * size * (0.35 + 0.65 * abs(math.cos(pose.twist)))
    side = np.array([facing * 1.0, 0.0])
    near_shoulder, far_shoulder = shoulder + shoulder_half * side, shoulder - shoulder_half * side
    near_hip, far_hip = hip + _HIP_HALF * size * side, hip - _HIP_HALF * size * side
    arm_lengths = (_UPPER_ARM * size, _FOREARM * size)
    leg_lengths = (_THIGH * size, _SHIN * size)
    near_elbow, near_hand = _limb(near_shoulder, pose.near_arm, arm_lengths, facing)
    far_elbow, far_hand = _limb(far_shoulder, pose.far_arm, arm_lengths, facing)
    near_knee, near_foot = _limb(near_hip, pose.near_leg, leg_lengths, facing)
    far_knee, far_foot = _limb(far_hip, pose.far_leg, leg_lengths, facing)

    far = [(far_shoulder, far_elbow), (far_elbow, far_hand),
           (far_hip, far_knee), (far_knee, far_foot)]
    near = [(hip, shoulder), (near_shoulder, far_shoulder), (near_hip, far_hip),
            (near_shoulder, near_elbow), (near_elbow, near_hand),
            (near_hip, near_knee), (near_knee, near_foot)]
    circles = [(head, _HEAD_RADIUS * size)]
    forward = np.array([facing * 1.0, 0.0])
    if pose.prop == "club":
        grip = (near_hand + far_hand) / 2
        shaft_angle = (pose.near_arm[1] + pose.far_arm[1]) / 2
        shaft_end = grip + 0.35 * size * _direction(shaft_angle, facing)
        near.append((grip, shaft_end))
        near.append((shaft_end, shaft_end + 0.06 * size * forward))
    elif pose.prop == "shot":
        circles.append((near_hand, 0.045 * size))
    elif pose.prop == "poles":
        for hand, foot, segments in ((far_hand, far_foot, far), (near_hand, near_foot, near)):
            segments.append((hand, hand + 0.45 * size * _direction(-0.35, facing)))
            segments.append((foot - 0.22 * size * forward, foot + 0.3 * size * forward))
    elif pose.prop == "yoyo":
        ball = near_hand + np.array([0.0, pose.prop_extent * size])
        near.append((near_hand, ball))
        circles.append((ball, 0.04 * size))
    elif pose.prop == "rope":
        # the rope's apex turns around the hip in the image plane, reaching just below the feet
        apex = hip + 0.5 * size * np.array([facing * math.cos(pose.prop_angle),
                                             math.sin(pose.prop_angle)])
        far.append((far_hand, apex))
        near.append((near_hand, apex))
    elif pose.prop == "leash":
        # a dog (body, head, two trotting legs) ahead of the walker, its feet level with his
        feet_y = max(float(near_foot[1]), float(far_foot[1]))
        body_rear = np.array([hip[0] + facing * 0.4 * size, feet_y - 0.14 * size])
        body_front = body_rear + 0.2 * size * forward
        near.append((near_hand, body_front))
        near.append((body_rear, body_front))
        trot = 0.05 * size * math.sin(pose.prop_angle)
        for x, sign in ((body_rear, 1.0), (body_front, -1.0)):
            near.append((x, np.array([x[0] + facing * sign * trot, feet_y])))
        circles.append((body_front + np.array([facing * 0.03 * size, -0.04 * size]),
                        0.04 * size))
    return FigureGeometry(far_segments=far, near_segments=near, circles=circles)


def _lowest_point(geometry: FigureGeometry) -> float:
    points = [p for seg in geometry.far_segments + geometry.near_segments for p in seg]
    return max(float(p[1]) for p in points)


# --------------------------------------------------------------------------------------------
# Drawing (pure: spec in, pixels out)
# --------------------------------------------------------------------------------------------

_SHIFT_BITS = 4  # cv2 sub-pixel precision: coordinates carry 4 fractional bits
_SUBPIXEL = 1 << _SHIFT_BITS


def _fixed(point: np.ndarray) -> tuple[int, int]:
    return int(round(point[0] * _SUBPIXEL)), int(round(point[1] * _SUBPIXEL))


def paint_background(spec: BackgroundSpec, canvas: tuple[int, int]) -> np.ndarray:
    """Render a background spec to ``(Hc, Wc, 3)`` float32 RGB in 0..255."""
    canvas_h, canvas_w = canvas
    ys, xs = np.mgrid[0:canvas_h, 0:canvas_w].astype(np.float32)
    horizon = spec.horizon * canvas_h + math.tan(spec.tilt) * (xs - canvas_w / 2)
    horizon = np.clip(horizon, 1.0, canvas_h - 1.0)
    upper_t = np.clip(ys / horizon, 0.0, 1.0)[..., None]
    lower_t = np.clip((ys - horizon) / (canvas_h - horizon), 0.0, 1.0)[..., None]
    upper = (1 - upper_t) * spec.upper_top + upper_t * spec.upper_bottom
    lower = (1 - lower_t) * spec.lower_far + lower_t * spec.lower_near
    is_upper = (ys < horizon)[..., None]
    image = np.where(is_upper, upper, lower).astype(np.float32)

    if spec.stripe_amplitude > 0:
        along = xs * math.cos(spec.stripe_angle) + ys * math.sin(spec.stripe_angle)
        stripes = np.sign(np.sin(2 * math.pi * along / spec.stripe_period))[..., None]
        region = is_upper if spec.stripe_region == "upper" else ~is_upper
        image += np.where(region, spec.stripe_amplitude * stripes, 0.0).astype(np.float32)
    blotches = cv2.resize(spec.blotch_noise.astype(np.float32), (canvas_w, canvas_h),
                          interpolation=cv2.INTER_CUBIC)
    image += spec.blotch_amplitude * blotches + spec.grain_amplitude * spec.grain_noise[..., None]
    _paint_accents(image, spec)
    return np.clip(image, 0.0, 255.0)


def _paint_accents(image: np.ndarray, spec: BackgroundSpec) -> None:
    """Draw the style's decoration in place (arc on sand, trees on snow, frame on a wall)."""
    canvas_h, canvas_w = image.shape[:2]
    color = tuple(float(c) for c in spec.accent_color)
    for x_frac, y_frac, size_frac in spec.accents:
        x = x_frac * canvas_w
        size = size_frac * canvas_h
        if spec.accent == "arc":
            y = (spec.horizon + (1 - spec.horizon) * (0.3 + 0.5 * y_frac)) * canvas_h
            axes = (int(round(2.5 * size * _SUBPIXEL)), int(round(0.6 * size * _SUBPIXEL)))
            cv2.ellipse(image, _fixed(np.array([x, y])), axes, 0.0, 0.0, 360.0, color,
                        max(1, round(canvas_h / 60)), cv2.LINE_AA, _SHIFT_BITS)
        elif spec.accent == "trees":
            base = spec.horizon * canvas_h + math.tan(spec.tilt) * (x - canvas_w / 2)
            triangle = np.array([[x - size / 3, base], [x + size / 3, base], [x, base - size]])
            cv2.fillPoly(image, [np.rint(triangle * _SUBPIXEL).astype(np.int32)], color,
                         cv2.LINE_AA, _SHIFT_BITS)
        elif spec.accent == "frame":
            y = (0.15 + 0.3 * y_frac) * canvas_h
            corner0, corner1 = np.array([x - size, y - size / 1.5]), np.array([x + size, y + size])
            cv2.rectangle(image, _fixed(corner0), _fixed(corner1), color,
                          max(1, round(canvas_h / 50)), cv2.LINE_AA, _SHIFT_BITS)


def _draw_coverage(shape: tuple[int, int], segments: list[Segment],
                   circles: list[tuple[np.ndarray, float]], thickness: int) -> np.ndarray:
    """Anti-aliased coverage ``(Hc, Wc)`` uint8 (255 = fully covered) of lines and discs."""
    coverage = np.zeros(shape, dtype=np.uint8)
    for start, end in segments:
        cv2.line(coverage, _fixed(start), _fixed(end), 255, thickness, cv2.LINE_AA, _SHIFT_BITS)
    for centre, radius in circles:
        cv2.circle(coverage, _fixed(centre), int(round(radius * _SUBPIXEL)), 255, -1,
                   cv2.LINE_AA, _SHIFT_BITS)
    return coverage


def clip_geometry(spec: ClipSpec, frame_index: int) -> FigureGeometry:
    """The figure of frame ``frame_index`` in canvas pixels, feet on the (sloped) ground."""
    phase = 2 * math.pi * frame_index / spec.period + spec.phase
    pose = POSE_FUNCTIONS[spec.class_name](phase, spec.amplitude)
    size = spec.figure_height
    hip_x = spec.anchor_x + spec.facing * (spec.travel * frame_index + pose.shift * size)
    ground = spec.ground_y + spec.slope * spec.travel * frame_index
    at_origin = figure_geometry(pose, np.array([hip_x, 0.0]), size, spec.facing)
    hip_y = ground - _lowest_point(at_origin) - pose.lift * size - spec.thickness / 2
    return figure_geometry(pose, np.array([hip_x, hip_y]), size, spec.facing)


def draw_clip(spec: ClipSpec, params: SynthParams) -> tuple[np.ndarray, np.ndarray]:
    """Pixels of a clip spec: frames ``(T, H, W, 3)`` uint8 RGB and mask ``(T, H, W)`` uint8 0/1.

    The figure is alpha-blended over the background with its anti-aliased coverage (far-side limbs
    at 75 % brightness for a depth cue); the mask is coverage >= 50 %. Flicker multiplies and noise
    adds after compositing, so the mask marks the figure exactly, independent of the nuisances.
    """
    height, width, margin = params.height, params.width, spec.margin
    canvas = (height + 2 * margin, width + 2 * margin)
    background = paint_background(spec.background, canvas)
    near_color, far_color = spec.color.astype(np.float32), 0.75 * spec.color.astype(np.float32)
    frames = np.empty((params.frames, height, width, 3), dtype=np.uint8)
    masks = np.empty((params.frames, height, width), dtype=np.uint8)
    for t in range(params.frames):
        geometry = clip_geometry(spec, t)
        far = _draw_coverage(canvas, geometry.far_segments, [], spec.thickness)
        near = _draw_coverage(canvas, geometry.near_segments, geometry.circles, spec.thickness)
        top, left = margin + int(spec.jitter[t, 0]), margin + int(spec.jitter[t, 1])
        window = (slice(top, top + height), slice(left, left + width))
        far_alpha = far[window][..., None].astype(np.float32) / 255
        near_alpha = near[window][..., None].astype(np.float32) / 255
        image = background[window] * (1 - far_alpha) + far_color * far_alpha
        image = image * (1 - near_alpha) + near_color * near_alpha
        image = image * spec.flicker[t] + spec.noise[t]
        frames[t] = np.clip(np.rint(image), 0, 255).astype(np.uint8)
        masks[t] = (np.maximum(far[window], near[window]) >= 128).astype(np.uint8)
    return frames, masks


def render_clip(
    class_name: str, rng: np.random.Generator, params: SynthParams
) -> tuple[np.ndarray, np.ndarray]:
    """Render one random clip of ``class_name`` (no I/O).

    Returns frames ``(T, H, W, 3)`` uint8 RGB and the foreground mask ``(T, H, W)`` uint8 0/1.
    """
    return draw_clip(sample_clip_spec(class_name, rng, params), params)


# --------------------------------------------------------------------------------------------
# Dataset layout and generation (I/O)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClipEntry:
    """One clip of the dataset: where it lives (relative to the root) and how it is seeded."""

    class_name: str
    label: int
    split: str
    index: int
    group: int
    clip: int

    @property
    def stem(self) -> str:
        return f"v_{self.class_name}_g{self.group:02d}_c{self.clip:02d}"

    @property
    def video_path(self) -> str:
        return f"{self.class_name}/{self.stem}.mp4"

    @property
    def mask_path(self) -> str:
        return f"{self.class_name}/{self.stem}_mask.npy"


def dataset_entries(params: SynthParams) -> list[ClipEntry]:
    """All clips per class, test clips (first groups, as in UCF101), then train."""
    test_groups = math.ceil(params.test_per_class / CLIPS_PER_GROUP)
    entries = []
    for label, class_name in enumerate(params.classes):
        for split, count, first_group in (
            ("test", params.test_per_class, 1),
            ("train", params.train_per_class, test_groups + 1),
        ):
            for index in range(count):
                entries.append(ClipEntry(
                    class_name=class_name, label=label, split=split, index=index,
                    group=first_group + index // CLIPS_PER_GROUP,
                    clip=index % CLIPS_PER_GROUP + 1,
                ))
    return entries


def clip_rng(params: SynthParams, entry: ClipEntry) -> np.random.Generator:
    """The generator of one clip: ``derive_seed(seed, "synth4", class_name, index, split)``
    (other domains add their name, so their clips are new draws)."""
    extra = () if params.domain == "synth4" else (params.domain,)
    return numpy_rng(params.seed, "synth4", entry.class_name, entry.index, entry.split, *extra)


def _manifest_identity(params: SynthParams) -> dict:
    """What must match for an existing folder to be reused."""
    return {
        "schema": SCHEMA,
        "renderer_version": RENDERER_VERSION,
        "encoder": dict(ENCODER_SETTINGS),
        # the default domain is left out, so folders made before the field existed stay valid
        "params": {k: v for k, v in asdict(params).items()
                   if not (k in ("domain", "class_set") and v == "synth4")},
    }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _tmp_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp")


def _write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    tmp = _tmp_path(path)
    write(tmp)
    os.replace(tmp, path)


def encode_h264(frames: np.ndarray, path: Path, fps: int) -> None:
    """Encode ``(T, H, W, 3)`` uint8 RGB frames to an H.264/yuv420p mp4 at ``path``.

    Raw frames go through ffmpeg's stdin (argument lists, no shell). ``threads=1`` for x264 and
    ``+bitexact`` muxing make the bytes a function of the frames (and the ffmpeg build) only.
    """
    _, height, width, _ = frames.shape
    settings = dict(ENCODER_SETTINGS)
    stream = ffmpeg.input(
        "pipe:", format="rawvideo", pix_fmt="rgb24", s=f"{width}x{height}", framerate=fps
    ).output(str(path), format="mp4", fflags="+bitexact", map_metadata=-1, **settings)
    process = stream.overwrite_output().run_async(pipe_stdin=True, quiet=True)
    _, stderr = process.communicate(input=np.ascontiguousarray(frames).tobytes())
    if process.returncode != 0:
        message = stderr.decode("utf-8", errors="replace").strip().splitlines()[-3:]
        raise RuntimeError(f"ffmpeg failed to encode {path}: {' | '.join(message)}")


def _save_mask(mask: np.ndarray, path: Path) -> None:
    with path.open("wb") as handle:
        np.save(handle, mask, allow_pickle=False)


def _write_text(text: str) -> Callable[[Path], None]:
    return lambda path: path.write_text(text, encoding="utf-8")


def split_file_texts(entries: list[ClipEntry],
                     classes: tuple[str, ...] = SYNTH4_CLASSES) -> dict[str, str]:
    """UCF101 split files: ``classInd.txt``, ``trainlist01.txt`` (path + 1-based label) and
    ``testlist01.txt`` (path only)."""
    class_ind = "".join(f"{i + 1} {name}\n" for i, name in enumerate(classes))
    train = "".join(f"{e.video_path} {e.label + 1}\n" for e in entries if e.split == "train")
    test = "".join(f"{e.video_path}\n" for e in entries if e.split == "test")
    return {"classInd.txt": class_ind, "trainlist01.txt": train, "testlist01.txt": test}


def _read_manifest(root: Path) -> dict | None:
    try:
        return json.loads((root / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_complete(root: str | Path, params: SynthParams) -> bool:
    """True if ``root`` holds a finished synth4 generation for exactly ``params``.

    Checks the manifest's identity (params, renderer version, encoder settings) and the sha256 of
    every file it lists (a few MB at CPU scale, so hashing is cheap).
    """
    root = Path(root)
    manifest = _read_manifest(root)
    if manifest is None:
        return False
    if {key: manifest.get(key) for key in _manifest_identity(params)} != _manifest_identity(params):
        return False
    for relative, digest in manifest.get("sha256", {}).items():
        path = root / relative
        if not path.is_file() or _sha256(path) != digest:
            return False
    return bool(manifest.get("sha256"))


def _stale_files(root: Path, keep: set[str]) -> Iterator[Path]:
    """Files in class folders that an earlier generation left: our clip names or tmp files."""
    for class_name in SYNTH10_CLASSES:
        folder = root / class_name
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            relative = f"{class_name}/{path.name}"
            stem = path.name.removesuffix(".mp4").removesuffix(".npy")
            ours = _STEM_PATTERN.match(stem) or path.name.endswith(".tmp")
            if ours and relative not in keep:
                yield path


def generate_synth4(root: str | Path, params: SynthParams, progress: bool = True) -> Path:
    """Write the synth4 dataset for ``params`` under ``root`` and return ``root``.

    Idempotent: if ``root/synth4.json`` already describes a complete generation with the same
    params, nothing is written. Otherwise the manifest is removed first, each file is written to a
    hidden tmp name and renamed, files of earlier generations are deleted, and ``synth4.json``
    (params + sha256 per file) is written last, atomically.
    """
    root = Path(root)
    if is_complete(root, params):
        return root
    root.mkdir(parents=True, exist_ok=True)
    (root / MANIFEST_NAME).unlink(missing_ok=True)

    entries = dataset_entries(params)
    for class_name in params.classes:
        (root / class_name).mkdir(exist_ok=True)

    def write_clip(entry: ClipEntry, frames: np.ndarray, mask: np.ndarray) -> None:
        _write_atomic(root / entry.video_path, lambda path: encode_h264(frames, path, params.fps))
        _write_atomic(root / entry.mask_path, lambda path: _save_mask(mask, path))

    # Encoding (ffmpeg, its own process) overlaps with rendering the next clip; one clip in flight.
    with ThreadPoolExecutor(max_workers=1) as writer:
        pending: Future | None = None
        for entry in tqdm(entries, desc="synth4", unit="clip", disable=not progress):
            frames, mask = render_clip(entry.class_name, clip_rng(params, entry), params)
            if pending is not None:
                pending.result()
            pending = writer.submit(write_clip, entry, frames, mask)
        if pending is not None:
            pending.result()
    texts = split_file_texts(entries, params.classes)
    for name, text in texts.items():
        _write_atomic(root / name, _write_text(text))

    written = [e.video_path for e in entries] + [e.mask_path for e in entries] + list(texts)
    for path in _stale_files(root, set(written)):
        path.unlink()
    manifest = {
        **_manifest_identity(params),
        "classes": list(params.classes),
        "videos": [
            {**asdict(e), "id": f"{e.class_name}/{e.stem}", "path": e.video_path,
             "mask_path": e.mask_path}
            for e in entries
        ],
        "sha256": {relative: _sha256(root / relative) for relative in written},
    }
    _write_atomic(root / MANIFEST_NAME, _write_text(json.dumps(manifest, indent=1) + "\n"))
    return root


def synth4_records(root: str | Path) -> list[VideoRecord]:
    """The clips of a finished synth4 folder as :class:`VideoRecord` s (``extra["mask_path"]``).

    Raises :class:`DatasetError` when the manifest is missing (generation never ran or was killed).
    """
    root = Path(root).resolve()
    manifest = _read_manifest(root)
    if manifest is None:
        raise DatasetError(
            f"{root / MANIFEST_NAME} is missing or unreadable: the synth4 generation did not "
            "finish. Fix: run generate_synth4 (the data rule) again."
        )
    return [
        VideoRecord(
            id=video["id"],
            path=str(root / video["path"]),
            label=int(video["label"]),
            class_name=video["class_name"],
            split=video["split"],
            extra={"mask_path": str(root / video["mask_path"])},
        )
        for video in manifest["videos"]
    ]
