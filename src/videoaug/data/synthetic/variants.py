"""Diagnostic splits of the embedded data (docs/splits.md): clips whose scene or camera is set
against one method's claimed mechanism, with ground truth, because figure and scene render apart.

A split is a :class:`~.params.SynthParams` option; its defaults give synth4's clips, and nothing
here draws from a clip's main stream (:func:`~.dataset.clip_rng`) beyond what
:func:`~.clip.sample_clip_spec` draws. New randomness comes from independent streams,
``derive_seed(seed, "synth4", class, index, split, <tag>)`` with tag ``scene``, ``conflict`` or
``change``, so the variants of one test clip share its figure, motion, jitter and noise.

* ``scene="biased"`` (scene bias, Learn2Augment): a training or *aligned* test clip is on its
  class's typical style with probability ``typical_share``, otherwise on one of the other styles
  of the pool (uniform). Each test clip also comes as ``conflict`` (the same clip on another
  class's typical style, uniform over those; the figure's colour redrawn to contrast with it),
  ``aligned_static`` / ``conflict_static`` (frame ``T // 2`` repeated: SCUBA's static
  counterpart, Li et al. 2023), ``background_only`` (the figure removed) and ``figure_only`` (the
  scene replaced by its mean colour): HAT's controls (Chung et al. 2022).
* ``scene="independent"`` (motion only, AVD): every clip's style uniform over the pool whatever
  the class, so neither the scene nor the figure's colour (drawn to contrast with the scene)
  tells the class.
* ``change_pan/zoom/drift > 0`` (temporal change, RandAugment-T): each test clip also comes as
  ``perturbed``: the camera travels ``change_pan x W`` pixels in a random direction, the
  magnification goes from 1 to ``1 + change_zoom`` or back (random), and the brightness gain from
  ``1 - s drift / 2`` to ``1 + s drift / 2`` (random sign ``s``), all linear over the clip; the
  training and ``plain`` test clips are drawn on the same widened canvas, unperturbed.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np

from videoaug.data.synthetic.clip import _contrasting_color, sample_clip_spec
from videoaug.data.synthetic.params import ClipSpec, SynthParams
from videoaug.data.synthetic.render import draw_clip
from videoaug.data.synthetic.scene import (
    _TYPICAL_BACKGROUND,
    BACKGROUND_KINDS,
    _region_colors,
    sample_background,
)
from videoaug.seeding import numpy_rng

BIASED_VARIANTS: tuple[str, ...] = (
    "aligned", "conflict", "aligned_static", "conflict_static", "background_only", "figure_only")
CHANGE_VARIANTS: tuple[str, ...] = ("plain", "perturbed")
# Which rendered variant a static counterpart repeats one frame of.
STATIC_OF = {"aligned_static": "aligned", "conflict_static": "conflict"}

Clip = tuple[np.ndarray, np.ndarray, dict[str, Any]]


def test_variants(params: SynthParams) -> tuple[str, ...]:
    """The test variants of each test clip (empty: one plain test set, as synth4)."""
    if params.scene == "biased":
        return BIASED_VARIANTS
    if params.temporal_change:
        return CHANGE_VARIANTS
    return ()


def static_frame(params: SynthParams) -> int:
    """The frame a static counterpart repeats: the middle one."""
    return params.frames // 2


def typical_kind(class_name: str) -> str:
    return _TYPICAL_BACKGROUND[class_name]


def conflicting_kinds(params: SynthParams, class_name: str) -> tuple[str, ...]:
    """The typical styles of the other classes of the set, minus the class's own (pool order)."""
    others = {typical_kind(c) for c in params.classes} - {typical_kind(class_name)}
    return tuple(k for k in BACKGROUND_KINDS if k in others)


def split_rng(params: SynthParams, class_name: str, index: int, split: str,
              tag: str) -> np.random.Generator:
    """An independent stream of one clip:
    ``derive_seed(seed, "synth4", class, index, split, tag)``."""
    return numpy_rng(params.seed, "synth4", class_name, index, split, tag)


def choose_scene(params: SynthParams, class_name: str,
                 rng: np.random.Generator) -> str | None:
    """The style of a clip under the split's rule; ``None``: synth4's rule (drawn in the spec)."""
    if params.scene == "independent":
        return BACKGROUND_KINDS[int(rng.integers(len(BACKGROUND_KINDS)))]
    if params.scene == "biased":
        typical = typical_kind(class_name)
        if rng.uniform() < params.typical_share:
            return typical
        others = [k for k in BACKGROUND_KINDS if k != typical]
        return others[int(rng.integers(len(others)))]
    return None


def pan_margin(params: SynthParams) -> int:
    """Extra canvas margin (pixels) for a pan of ``change_pan x W`` centred on the clip."""
    return math.ceil(params.change_pan * params.width / 2)


def base_spec(params: SynthParams, class_name: str, index: int, split: str,
              rng: np.random.Generator) -> ClipSpec:
    """The spec of a split's clip: synth4's draws from ``rng`` with the split's scene rule (its own
    stream) and canvas margin."""
    kind = choose_scene(params, class_name, split_rng(params, class_name, index, split, "scene"))
    return sample_clip_spec(class_name, rng, params, kind=kind, extra_margin=pan_margin(params))


def conflict_spec(spec: ClipSpec, params: SynthParams, rng: np.random.Generator) -> ClipSpec:
    """``spec`` on another class's typical style (uniform), the figure's colour redrawn against
    it; figure, motion, camera and noise unchanged."""
    kinds = conflicting_kinds(params, spec.class_name)
    if not kinds:
        raise ValueError(f"class set {params.class_set!r} has no other typical style than "
                         f"{typical_kind(spec.class_name)!r}: no conflicting scene exists")
    kind = kinds[int(rng.integers(len(kinds)))]
    background = sample_background(kind, rng, spec.background.grain_noise.shape)
    return replace(spec, background=background,
                   color=_contrasting_color(rng, _region_colors(background)))


def sample_change(params: SynthParams, rng: np.random.Generator) -> dict[str, list[float]]:
    """A perturbed clip's change: total camera travel ``pan_px (dx, dy)``, ``zoom [z0, z1]``
    and brightness ``gain [g0, g1]`` (first and last frame; linear in between)."""
    angle = float(rng.uniform(0.0, 2 * math.pi))
    zoom_in = bool(rng.integers(2))
    sign = float(rng.choice((-1.0, 1.0)))
    travel = params.change_pan * params.width
    zoom = [1.0, 1.0 + params.change_zoom]
    return {
        "pan_px": [travel * math.cos(angle), travel * math.sin(angle)],
        "zoom": zoom if zoom_in else zoom[::-1],
        "gain": [1.0 - sign * params.change_drift / 2, 1.0 + sign * params.change_drift / 2],
    }


def change_arrays(change: dict[str, list[float]], frames: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-frame ``camera (T, 3)`` (pan x, pan y, zoom) and ``gain (T,)`` of a change: the pan
    centred on the clip (``-pan/2`` to ``+pan/2``), zoom and gain linear between their ends."""
    u = np.linspace(0.0, 1.0, frames)
    pan = (u - 0.5)[:, None] * np.asarray(change["pan_px"])[None, :]
    z0, z1 = change["zoom"]
    g0, g1 = change["gain"]
    camera = np.column_stack([pan, z0 + (z1 - z0) * u])
    return camera, (g0 + (g1 - g0) * u).astype(np.float32)


def _meta(spec: ClipSpec, **extra: Any) -> dict[str, Any]:
    return {"scene": spec.background.kind,
            "typical": spec.background.kind == typical_kind(spec.class_name), **extra}


def _static(frames: np.ndarray, mask: np.ndarray, t: int) -> tuple[np.ndarray, np.ndarray]:
    return (np.repeat(frames[t:t + 1], len(frames), axis=0),
            np.repeat(mask[t:t + 1], len(mask), axis=0))


def render_split_clip(params: SynthParams, class_name: str, index: int, split: str,
                      rng: np.random.Generator) -> dict[str, Clip]:
    """Every variant of one clip of a split dataset: ``{variant: (frames, mask, meta)}``.

    A training clip (or a test clip of a split without test variants) is the variant ``""``.
    ``meta``: ``scene`` (style), ``typical`` (the class's typical style?) and, where they apply,
    ``static_frame`` and ``change`` (see :func:`sample_change`).
    """
    spec = base_spec(params, class_name, index, split, rng)
    variants = test_variants(params) if split == "test" else ()
    if not variants:
        frames, mask = draw_clip(spec, params)
        return {"": (frames, mask, _meta(spec))}
    if params.temporal_change:
        change = sample_change(params, split_rng(params, class_name, index, split, "change"))
        camera, gain = change_arrays(change, params.frames)
        plain = draw_clip(spec, params)
        perturbed = draw_clip(spec, params, camera=camera, gain=gain)
        return {"plain": (*plain, _meta(spec)),
                "perturbed": (*perturbed, _meta(spec, change=change))}
    conflict = conflict_spec(spec, params, split_rng(params, class_name, index, split, "conflict"))
    t = static_frame(params)
    clips: dict[str, Clip] = {
        "aligned": (*draw_clip(spec, params), _meta(spec)),
        "conflict": (*draw_clip(conflict, params), _meta(conflict)),
        "background_only": (*draw_clip(spec, params, figure=False), _meta(spec)),
        "figure_only": (*draw_clip(spec, params, flat_background=True), _meta(spec)),
    }
    for name, source in STATIC_OF.items():
        frames, mask, meta = clips[source]
        clips[name] = (*_static(frames, mask, t), {**meta, "static_frame": t})
    return {name: clips[name] for name in variants}
