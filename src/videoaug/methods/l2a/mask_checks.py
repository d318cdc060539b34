"""Checks on Learn2Augment's masks: static components nobody vouches for are dropped, and each
video's mask gets sanity figures and warnings.

**Static components.** On real footage the unverified backends (``motion``: camera-noise residue
of a sand patch or a lamp sign; ``mediapipe`` selfie: a tree trunk) mark scenery in every frame,
and that scenery was pasted into every composite of its class. :func:`drop_static` removes an
unverified instance when most of its pixels (``share``) are marked in at least ``persistence``
of the clip's frames and less than ``support`` of its pixels are covered by a *verified* person
(a backend with a detection behind each mask: ``pose``, ``pose_crop``, Mask R-CNN, the oracle)
in the same frame. A standing actor that a person model finds stays; a moving actor is not
static.

**Sanity figures** (:func:`mask_sanity`, per video, in ``masks/index.json``):

* ``gamma``: the mask's share of the clip's pixels (Eq. 8's γ);
* ``border_share``: the largest share of the mask's pixels inside one of the four side strips
  of width ``border`` (15 %) of the frame — 0.76–0.88 in the right strip was a tree trunk and a
  passer-by, not the actor;
* ``static_share``: the share of the mask's pixels that are masked in at least ``persistence``
  of the frames (scenery, or an actor standing still).

:func:`sanity_warnings` turns them into warning lines against ``limits``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from videoaug.methods.l2a.instances import PERSON, FrameInstances


@dataclass(frozen=True)
class StaticRule:
    """When an unverified instance is static scenery (see the module doc)."""

    persistence: float = 0.8
    share: float = 0.7
    support: float = 0.2
    min_frames: int = 4

    def __post_init__(self) -> None:
        for name in ("persistence", "share", "support"):
            value = getattr(self, name)
            if not 0 < value <= 1:
                raise ValueError(f"l2a.static.{name} must lie in (0, 1], got {value}")


def persistence_map(per_frame: Sequence[FrameInstances], height: int, width: int) -> np.ndarray:
    """``float (H, W)``: the share of frames in which each pixel is in some instance."""
    hits = np.zeros((height, width), np.float64)
    for inst in per_frame:
        if len(inst):
            hits += inst.masks.any(0)
    return hits / max(len(per_frame), 1)


def drop_static(unverified: Sequence[FrameInstances], verified: Sequence[FrameInstances],
                rule: StaticRule, height: int, width: int) -> tuple[list[FrameInstances], int]:
    """``unverified`` per frame without its static, unsupported instances, and how many were
    dropped. ``verified``: the verified backends' instances per frame (their person instances
    are the support); clips under ``rule.min_frames`` frames are left as they are."""
    if len(unverified) < rule.min_frames:
        return list(unverified), 0
    static = persistence_map(unverified, height, width) >= rule.persistence
    out, dropped = [], 0
    for t, inst in enumerate(unverified):
        if not len(inst):
            out.append(inst)
            continue
        support = np.zeros((height, width), bool)
        if t < len(verified) and len(verified[t]):
            people = verified[t].labels == PERSON
            if people.any():
                support = verified[t].masks[people].any(0)
        area = np.maximum(inst.masks.reshape(len(inst), -1).sum(1), 1)
        static_share = (inst.masks & static).reshape(len(inst), -1).sum(1) / area
        supported = (inst.masks & support).reshape(len(inst), -1).sum(1) / area
        keep = (static_share < rule.share) | (supported >= rule.support)
        dropped += int((~keep).sum())
        out.append(inst.keep(keep))
    return out, dropped


# ------------------------------------------------------------------------------ sanity
DEFAULT_LIMITS = {"min_gamma": 0.002, "max_gamma": 0.5, "max_border_share": 0.6,
                  "max_static_share": 0.6, "border": 0.15, "persistence": 0.8}


def mask_sanity(mask: np.ndarray, border: float = 0.15, persistence: float = 0.8) -> dict:
    """Sanity figures of one video's union mask ``bool (T, H, W)`` (see the module doc):
    ``gamma``, ``border_share`` and its ``border_side`` (left, right, top, bottom),
    ``static_share``."""
    mask = np.asarray(mask, dtype=bool)
    t, height, width = mask.shape
    total = int(mask.sum())
    if total == 0:
        return {"gamma": 0.0, "border_share": 0.0, "border_side": None, "static_share": 0.0}
    bw, bh = max(1, round(border * width)), max(1, round(border * height))
    per_side = {"left": mask[:, :, :bw].sum(), "right": mask[:, :, width - bw:].sum(),
                "top": mask[:, :bh].sum(), "bottom": mask[:, height - bh:].sum()}
    side = max(per_side, key=lambda k: per_side[k])
    static = mask.mean(0) >= persistence
    return {"gamma": float(mask.mean()), "border_share": float(per_side[side] / total),
            "border_side": side, "static_share": float((mask & static).sum() / total)}


def sanity_warnings(figures: Mapping, limits: Mapping | None = None) -> list[str]:
    """Warning lines for sanity figures outside ``limits`` (:data:`DEFAULT_LIMITS` keys)."""
    lim = {**DEFAULT_LIMITS, **(limits or {})}
    out = []
    gamma = figures["gamma"]
    if gamma == 0:
        out.append("no mask in any frame (composites show the background only)")
    elif gamma < lim["min_gamma"]:
        out.append(f"mask covers {gamma:.2%} of the clip: nearly nothing found")
    if gamma > lim["max_gamma"]:
        out.append(f"mask covers {gamma:.0%} of the clip: scenery taken for foreground?")
    if figures["border_share"] > lim["max_border_share"]:
        side = figures["border_side"]
        out.append(f"{figures['border_share']:.0%} of the mask lies in the {side} "
                   f"{lim['border']:.0%} of the frame: a passer-by or scenery at the edge?")
    if figures["static_share"] > lim["max_static_share"]:
        out.append(f"{figures['static_share']:.0%} of the mask never moves: scenery, or an actor "
                   "standing still?")
    return out
