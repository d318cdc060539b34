"""synth4's parameters and the specs of one clip: class sets, domains, :class:`SynthParams`, and
the frozen :class:`BackgroundSpec` / :class:`ClipSpec` that hold every random draw of a clip
(drawn in :mod:`.clip`, turned into pixels in :mod:`.render`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SYNTH4_CLASSES: tuple[str, ...] = ("GolfSwing", "Shotput", "Skiing", "YoYo")
# synth10 (Learn2Augment's few-shot Table 4): synth4's classes and six more UCF101 actions, ordered
# seen first, then novel (l2a.fewshot.novel_classes defaults to the last five).
SYNTH10_CLASSES: tuple[str, ...] = (
    *SYNTH4_CLASSES, "JumpingJack",
    "BodyWeightSquats", "JumpRope", "Lunges", "Punch", "WalkingWithDog",
)
CLASS_SETS: dict[str, tuple[str, ...]] = {"synth4": SYNTH4_CLASSES, "synth10": SYNTH10_CLASSES}

DOMAINS = ("synth4", "shift")
# How a clip's scene style is chosen (docs/splits.md): "class" is synth4's rule (the class's typical
# style with probability 1 - min(1, 0.5 d)); "biased" the scene-bias split (typical with probability
# ``typical_share`` in train and aligned test, plus conflicting test clips and controls);
# "independent" the motion-only split (uniform over the pool whatever the class).
SCENE_RULES = ("class", "biased", "independent")


@dataclass(frozen=True)
class SynthParams:
    """Everything that shapes the content of a synth4 folder.

    ``height``/``width`` must be even (yuv420p). ``difficulty`` scales the nuisance factors (see the
    package docstring); ``fps`` only sets the container rate and the cycle period in frames.
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
    # Diagnostic splits (:mod:`.variants`, docs/splits.md); the defaults give synth4's clips.
    scene: str = "class"
    typical_share: float = 0.9       # "biased": share of clips on their class's typical style
    change_pan: float = 0.0          # temporal change: camera travel over the clip, x frame width
    change_zoom: float = 0.0         # magnification goes 1 -> 1 + zoom (or back) over the clip
    change_drift: float = 0.0        # brightness gain goes 1 -+ drift/2 -> 1 +- drift/2

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
        if self.scene not in SCENE_RULES:
            raise ValueError(f"scene must be one of {SCENE_RULES}, got {self.scene!r}")
        if not 0.0 <= self.typical_share <= 1.0:
            raise ValueError(f"typical_share must lie in [0, 1], got {self.typical_share}")
        if not (0.0 <= self.change_pan <= 1.0 and 0.0 <= self.change_zoom <= 1.0
                and 0.0 <= self.change_drift <= 1.0):
            raise ValueError("change_pan, change_zoom and change_drift must lie in [0, 1], got "
                             f"{self.change_pan}, {self.change_zoom}, {self.change_drift}")
        if self.is_split and self.domain != "synth4":
            raise ValueError(f"the diagnostic splits render synth4's domain only, got domain "
                             f"{self.domain!r} with scene {self.scene!r} / a temporal change")
        if self.scene == "biased" and self.temporal_change:
            raise ValueError("one diagnostic split per dataset: scene 'biased' and a temporal "
                             "change (change_pan/zoom/drift > 0) cannot be combined")

    @property
    def temporal_change(self) -> bool:
        """True when the test set has perturbed copies (in-clip pan, zoom, brightness drift)."""
        return bool(self.change_pan or self.change_zoom or self.change_drift)

    @property
    def is_split(self) -> bool:
        """True for a diagnostic split: its clips carry scene/variant metadata."""
        return self.scene != "class" or self.temporal_change

    @property
    def classes(self) -> tuple[str, ...]:
        """The rendered class names, in label order."""
        return CLASS_SETS[self.class_set]


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
