"""The random specification of one clip: :func:`sample_clip_spec`, the only place in synth4 that
draws random numbers (background, figure placement and colour, cycle, camera jitter, flicker,
noise), and :func:`shifted_domain`, the ``shift`` domain's deterministic change of a spec.

Camera jitter is drawn inline among the other draws; moving it out would reorder the random
stream, so it stays here rather than in a camera module.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from videoaug.data.synthetic.params import SYNTH10_CLASSES, ClipSpec, SynthParams
from videoaug.data.synthetic.scene import (
    _TYPICAL_BACKGROUND,
    _choose_background_kind,
    _region_colors,
    sample_background,
)

# Classes whose figure travels across the frame (the others stay in place).
_TRAVELLING = ("Skiing", "WalkingWithDog")


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
    class_name: str, rng: np.random.Generator, params: SynthParams, *,
    kind: str | None = None, extra_margin: int = 0,
) -> ClipSpec:
    """Draw every random quantity of one clip of ``class_name`` (see :class:`ClipSpec`).

    ``kind`` (diagnostic splits): the background style, chosen by the caller from its own
    stream; ``None`` draws it here by synth4's rule. ``extra_margin`` widens the canvas margin
    (room for an in-clip camera pan). Both defaults give synth4's draws exactly.
    """
    if class_name not in _TYPICAL_BACKGROUND:
        raise ValueError(f"unknown synth4 class {class_name!r}; expected one of {SYNTH10_CLASSES}")
    d = params.difficulty
    height, width, frames = params.height, params.width, params.frames
    jitter_std = d * max(height, width) / 100.0
    jitter_margin = max(1, math.ceil(2.5 * jitter_std))
    margin = jitter_margin + int(extra_margin)
    canvas = (height + 2 * margin, width + 2 * margin)

    if kind is None:
        kind = _choose_background_kind(class_name, rng, d)
    background = sample_background(kind, rng, canvas)
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
    jitter = np.clip(np.rint(rng.normal(0.0, jitter_std, (frames, 2))),
                     -jitter_margin, jitter_margin)
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
