"""The CutOut / CutMix / MixUp family extended over time (Kim et al., ECCV-W 2020, Sec. 3.2).

Every recipe works on a batch ``clips (B, C, T, H, W)`` (uint8 or float in ``[0, 1]``) with soft
labels ``labels (B, K)`` float, and follows one pattern: ``make_params(clips_shape, generator)``
draws every random choice; ``apply(clips, labels, params) -> (clips, labels)`` is deterministic.

Shared machinery (all recipes are special cases of it):

* **Pairing.** Clip ``b`` is mixed with clip ``partner[b]``, ``partner`` a random permutation of
  the batch drawn from the generator (a clip may draw itself; mixing a clip with itself leaves
  clip and label unchanged).
* **Weight map.** A recipe defines, for each clip, a box (a half-open range of frames, rows and
  columns) and the *partner's weight* inside and outside the box for every frame, ``(B, T)`` each.
  ``apply`` expands them to a map ``w (B, T, H, W)`` and returns
  ``x' = (1 - w) * x + w * x[partner]`` and ``y' = (1 - s) * y + s * y[partner]`` with
  ``s = mean(w)`` over ``(T, H, W)``: the label is computed from the map that was actually
  applied, so it equals the exact share of each source (after boxes are clipped at the borders).
  For uint8 clips the blended values are rounded to integers; the label keeps the exact weights.
* **Probability.** Each clip is mixed with probability ``p``, decided per clip (not per batch):
  clips not chosen get ``w = 0`` (unchanged clip and label), so every label stays exact.
* **Beta draws.** ``lambda ~ Beta(alpha, alpha)`` is drawn by NumPy's ``Generator.beta`` seeded
  from one 63-bit integer drawn from the torch generator: ``torch.distributions`` cannot take a
  generator, and NumPy's sampler is exact and well tested (see :func:`sample_beta`).

Recipes (``lambda`` is always the weight of the clip itself, ``1 - lambda`` its partner's):

* CutOut / FrameCutOut / CubeCutOut: delete (set to 0) a fixed-size box: a spatial patch on all
  frames, a span of whole frames, or a spatio-temporal cube. Labels stay unchanged: the deleted
  region belongs to no class, as in CutOut (DeVries and Taylor, 2017). Default sizes follow the
  paper's 80x80 patch / 16 frames on 160x160x64 clips: half of each side, a quarter of the frames.
* CutMix / FrameCutMix / CubeCutMix: paste the partner inside a box whose target volume is
  ``1 - lambda``: sides ``sqrt(1 - lambda)`` of H and W on all frames (CutMix), ``1 - lambda`` of
  the frames with all pixels (FrameCutMix), ``(1 - lambda)^(1/3)`` of T, H and W (CubeCutMix).
  Box centres are uniform; boxes are clipped at the borders.
* MixUp: ``x' = lambda x + (1 - lambda) x[partner]`` on every voxel.
* CutMixUp / FrameCutMixUp / CubeCutMixUp (paper Eq. 1): a MixUp blend with weight ``lambda``
  outside a CutMix-style box (its size from an independent ``lambda_box ~ Beta(alpha, alpha)``)
  and a different blend ``lambda_in`` inside it, two branches so the box always stands out::

      lambda_in = max(lambda - offset, 0)   if lambda >= 0.5
      lambda_in = min(lambda + offset, 1)   if lambda <  0.5

  ``offset = 0.5`` by default (the box differs from its surround by half a blend);
  ``offset = 1`` pastes the pure minority clip into the box, as the authors' released code does.
  With box fraction ``r`` the partner's share is ``(1 - r)(1 - lambda) + r (1 - lambda_in)``.
  The paper prints its Table 5 rows as "FrameMixUp" and "CubeMixUp" while its text defines Frame
  and Cube CutMixUp; :data:`FrameMixUp` and :data:`CubeMixUp` are aliases of the latter.
* FadeMixUp (paper Eq. 2): MixUp whose weight changes linearly over the frames,
  ``lambda_t`` from ``lambda - gamma`` to ``lambda + gamma`` with ``gamma ~ U(0, min(lambda,
  1 - lambda))``; the direction (fade in or fade out) is random per clip, as in the authors' code.
  The mean of ``lambda_t`` is ``lambda``, so the label is MixUp's.

Conventions (``convention=`` on every mixing recipe; the CutOut family is the project's addition
and has none):

* ``randaugment`` (default): the rules above: every draw per clip, continuous box sides with
  rounded ends, CutMixUp with the ``offset`` branches of Eq. 1.
* ``released``: what Kim et al.'s released code does (the code behind the paper's numbers). One
  ``lambda ~ Beta(alpha, alpha)``, one box, one partner permutation and one "mix or not" draw
  (probability ``p``) per **batch**; FadeMixUp's ``gamma`` and direction per batch too. Boxes
  (:func:`sample_released_boxes`): on each cut axis of size ``E`` an integer centre ``c`` uniform
  in ``[0, E)`` and ``half = int(E * r) // 2`` with ``r = sqrt(1 - lambda)`` (CutMix, space),
  ``1 - lambda`` (FrameCutMix, frames), ``(1 - lambda)^(1/3)`` (CubeCutMix); the box is
  ``[c - half, c + half)`` clipped to ``[0, E]`` (empty when ``int(E * r) < 2``: at ``T = 16``
  FrameCutMix mixes no frame when ``lambda > 7/8``, 12.5 % of draws for ``alpha = 1``).
  CutMixUp family: the box from ``lambda``, a blend weight ``w ~ Beta(2, 2)`` (own clip) and,
  with probability 1/2, the box holds the pure partner when ``w >= 1/2`` or the pure own clip
  when ``w < 1/2`` with ``w`` blending outside it; otherwise the whole clip is plain MixUp with
  ``w`` (no box). ``offset`` has no meaning there.

Labels are the exact share of each source in both conventions (from the applied weight map).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import torch
from torch import Tensor

from videoaug.augment.functional import DEFAULT_CONVENTION, check_convention

AXES = ("time", "height", "width")

# Which of (T, H, W) a box family cuts; the other axes are taken whole.
_CUT_AXES: dict[str, tuple[bool, bool, bool]] = {
    "space": (False, True, True),
    "time": (True, False, False),
    "cube": (True, True, True),
}


# ----------------------------------------------------------------------------- random draws


def sample_beta(alpha: float, size: int, generator: torch.Generator) -> Tensor:
    """``(size,)`` float64 draws of ``Beta(alpha, alpha)`` on the generator's device.

    One 63-bit seed is drawn from ``generator`` and fed to ``numpy.random.default_rng``, whose
    ``beta`` sampler produces the values, so the draws are a pure function of the torch
    generator's state (``torch._standard_gamma`` and ``torch.distributions`` take no generator).
    """
    if not alpha > 0:
        raise ValueError(f"Beta parameter alpha must be > 0, got {alpha}")
    seed = torch.randint(0, 2**63 - 1, (1,), generator=generator, device=generator.device)
    draws = np.random.default_rng(int(seed.item())).beta(alpha, alpha, size=size)
    return torch.from_numpy(draws).to(generator.device)


def sample_partners(batch: int, generator: torch.Generator) -> Tensor:
    """``(B,)`` int64 random permutation: clip ``b`` is mixed with clip ``partner[b]``."""
    return torch.randperm(batch, generator=generator, device=generator.device)


def sample_applied(batch: int, probability: float, generator: torch.Generator) -> Tensor:
    """``(B,)`` bool: whether each clip is augmented (independently, with ``probability``)."""
    if not 0.0 <= probability <= 1.0:
        raise ValueError(f"probability p must be in [0, 1], got {probability}")
    return torch.rand(batch, generator=generator, device=generator.device) < probability


def sample_boxes(
    extent: Sequence[int],
    side_fractions: Tensor,
    cut_axes: Sequence[bool],
    generator: torch.Generator,
) -> Tensor:
    """Random boxes ``(B, 6)`` int64 ``(t0, t1, y0, y1, x0, x1)``, half-open, inside ``extent``.

    ``extent = (T, H, W)``; ``side_fractions (B, 3)`` the box side as a fraction of each axis.
    On a cut axis the centre is uniform in ``[0, size)`` and the ends ``centre -/+ side / 2`` are
    rounded and clipped to ``[0, size]`` (so boxes near a border shrink); an axis that is not cut
    is taken whole.
    """
    batch = side_fractions.shape[0]
    device = generator.device
    sizes = torch.tensor([float(s) for s in extent], dtype=torch.float64, device=device)
    centres = torch.rand((batch, 3), generator=generator, device=device, dtype=torch.float64)
    centres = centres * sizes
    half = side_fractions.to(device=device, dtype=torch.float64) * sizes / 2.0
    low = torch.minimum(torch.maximum((centres - half).round(), torch.zeros_like(sizes)), sizes)
    high = torch.minimum(torch.maximum((centres + half).round(), torch.zeros_like(sizes)), sizes)
    cut = torch.tensor(list(cut_axes), device=device)
    low = torch.where(cut, low, torch.zeros_like(low))
    high = torch.where(cut, high, sizes.expand_as(high))
    return torch.stack([low, high], dim=2).reshape(batch, 6).to(torch.int64)


def sample_released_boxes(
    extent: Sequence[int], side_fraction: float, cut_axes: Sequence[bool],
    generator: torch.Generator,
) -> Tensor:
    """One box ``(1, 6)`` int64 by the released code's integer rule (module docstring).

    On a cut axis of size ``E``: centre ``c`` uniform over the integers ``[0, E)``, ``half =
    int(E * side_fraction) // 2``, ends ``c -/+ half`` clipped to ``[0, E]``; other axes whole.
    A centre is drawn for every axis (cut or not) so the draw count is the same for all shapes.
    """
    device = generator.device
    ends = []
    for size, cut in zip(extent, cut_axes, strict=True):
        size = int(size)
        centre = int(torch.randint(0, size, (1,), generator=generator, device=device).item())
        if not cut:
            ends += [0, size]
            continue
        half = int(size * side_fraction) // 2
        ends += [min(max(centre - half, 0), size), min(max(centre + half, 0), size)]
    return torch.tensor([ends], dtype=torch.int64, device=device)


def full_boxes(batch: int, extent: Sequence[int], device: torch.device | str) -> Tensor:
    """``(B, 6)`` boxes covering the whole clip."""
    t, h, w = (int(s) for s in extent)
    return torch.tensor([[0, t, 0, h, 0, w]], dtype=torch.int64, device=device).repeat(batch, 1)


# ----------------------------------------------------------------------------- pure kernels


def box_mask(boxes: Tensor, extent: Sequence[int]) -> Tensor:
    """``(B, T, H, W)`` bool: True inside each clip's half-open box ``boxes (B, 6)``."""
    inside = []
    for axis, size in enumerate(extent):
        index = torch.arange(int(size), device=boxes.device)
        low, high = boxes[:, 2 * axis, None], boxes[:, 2 * axis + 1, None]
        inside.append((index >= low) & (index < high))
    time, rows, cols = inside
    return time[:, :, None, None] & rows[:, None, :, None] & cols[:, None, None, :]


def partner_weight_map(
    boxes: Tensor, inside: Tensor, outside: Tensor, extent: Sequence[int]
) -> Tensor:
    """``(B, T, H, W)`` float32 partner weight: ``inside (B, T)`` in the box, else ``outside``."""
    mask = box_mask(boxes, extent)
    inside = inside.to(device=boxes.device, dtype=torch.float32)[:, :, None, None]
    outside = outside.to(device=boxes.device, dtype=torch.float32)[:, :, None, None]
    return torch.where(mask, inside, outside)


def blend_with_partners(clips: Tensor, partner: Tensor, weight: Tensor) -> Tensor:
    """``(1 - w) * clips + w * clips[partner]`` with ``weight (B, T, H, W)`` broadcast over C.

    Same dtype out as in; uint8 results are rounded to the nearest integer.
    """
    partners = clips.index_select(0, partner)
    if clips.dtype == torch.uint8:
        mixed = torch.lerp(clips.float(), partners.float(), weight.unsqueeze(1))
        return mixed.round_().clamp_(0, 255).to(torch.uint8)
    return torch.lerp(clips, partners, weight.unsqueeze(1).to(clips.dtype))


def mix_labels(labels: Tensor, partner: Tensor, partner_share: Tensor) -> Tensor:
    """``(1 - s) * labels + s * labels[partner]`` for soft labels ``(B, K)`` and shares ``(B,)``."""
    if not labels.is_floating_point() or labels.dim() != 2:
        raise ValueError(
            f"labels must be soft targets (B, num_classes) float, got {labels.dtype} "
            f"{tuple(labels.shape)}; see soft_targets()"
        )
    share = partner_share.to(device=labels.device, dtype=labels.dtype).unsqueeze(1)
    return torch.lerp(labels, labels.index_select(0, partner), share)


def soft_targets(class_indices: Tensor, num_classes: int) -> Tensor:
    """``(B,)`` int class indices -> ``(B, num_classes)`` float32 one-hot soft targets."""
    return torch.nn.functional.one_hot(class_indices.long(), num_classes).to(torch.float32)


def _extent(clips_shape: Sequence[int]) -> tuple[int, int, int]:
    if len(clips_shape) != 5:
        raise ValueError(f"expected clips of shape (B, C, T, H, W), got {tuple(clips_shape)}")
    return int(clips_shape[2]), int(clips_shape[3]), int(clips_shape[4])


def _check_batch(clips: Tensor, labels: Tensor, batch: int) -> None:
    if clips.shape[0] != batch or labels.shape[0] != batch:
        raise ValueError(
            f"params drawn for a batch of {batch}, got clips {tuple(clips.shape)} "
            f"and labels {tuple(labels.shape)}"
        )


# ----------------------------------------------------------------------------- parameters


@dataclass(frozen=True)
class MixParams:
    """Random choices of one mixing call on ``B`` clips of ``T`` frames.

    Attributes:
        partner: ``(B,)`` int64 permutation; clip ``b`` mixes with ``partner[b]``.
        boxes: ``(B, 6)`` int64 half-open ``(t0, t1, y0, y1, x0, x1)``.
        inside: ``(B, T)`` partner weight inside the box, per frame.
        outside: ``(B, T)`` partner weight outside the box, per frame.
        lam: ``(B,)`` the drawn ``lambda`` (for inspection; the label uses the weight map;
            released CutMixUp family: the blend weight ``w``; 1 for clips not mixed).
    """

    partner: Tensor
    boxes: Tensor
    inside: Tensor
    outside: Tensor
    lam: Tensor


@dataclass(frozen=True)
class CutOutParams:
    """Boxes ``(B, 6)`` to delete; an empty box (all zeros) for clips that are left alone."""

    boxes: Tensor


def apply_mix(clips: Tensor, labels: Tensor, params: MixParams) -> tuple[Tensor, Tensor]:
    """Blend ``clips (B, C, T, H, W)`` with their partners by the params' weight map.

    Returns mixed clips (input dtype) and labels ``(B, K)`` whose partner share is the mean of
    the applied weight map (float64 mean, then cast to the label dtype).
    """
    extent = _extent(clips.shape)
    _check_batch(clips, labels, params.partner.shape[0])
    partner = params.partner.to(clips.device)
    weight = partner_weight_map(params.boxes.to(clips.device), params.inside, params.outside,
                                extent)
    share = weight.to(torch.float64).mean(dim=(1, 2, 3))
    return (
        blend_with_partners(clips, partner, weight),
        mix_labels(labels, partner.to(labels.device), share),
    )


def apply_cutout(clips: Tensor, labels: Tensor, params: CutOutParams) -> tuple[Tensor, Tensor]:
    """Set the voxels inside each box to 0; labels are returned unchanged (a copy)."""
    extent = _extent(clips.shape)
    _check_batch(clips, labels, params.boxes.shape[0])
    mask = box_mask(params.boxes.to(clips.device), extent).unsqueeze(1)
    return clips.masked_fill(mask, 0), labels.clone()


# ----------------------------------------------------------------------------- recipes


@dataclass(frozen=True)
class _CutOutRecipe:
    """Delete a box of ``size`` (fraction of H and W) x ``length`` (fraction of T)."""

    size: float = 0.5
    length: float = 0.25
    p: float = 1.0
    box_kind: ClassVar[str] = "space"

    def __post_init__(self) -> None:
        for name in ("size", "length"):
            value = getattr(self, name)
            if not 0.0 < value <= 1.0:
                raise ValueError(f"{type(self).__name__}: {name} must be in (0, 1], got {value}")
        if not 0.0 <= self.p <= 1.0:
            raise ValueError(f"{type(self).__name__}: p must be in [0, 1], got {self.p}")

    def make_params(self, clips_shape: Sequence[int], generator: torch.Generator) -> CutOutParams:
        """Draw which clips are cut and where (box size fixed)."""
        extent = _extent(clips_shape)
        batch = int(clips_shape[0])
        applied = sample_applied(batch, self.p, generator)
        fractions = torch.tensor([self.length, self.size, self.size], dtype=torch.float64)
        cut_axes = _CUT_AXES[self.box_kind]
        boxes = sample_boxes(extent, fractions.expand(batch, 3), cut_axes, generator)
        return CutOutParams(torch.where(applied.unsqueeze(1), boxes, torch.zeros_like(boxes)))

    def apply(
        self, clips: Tensor, labels: Tensor, params: CutOutParams
    ) -> tuple[Tensor, Tensor]:
        """See :func:`apply_cutout`."""
        return apply_cutout(clips, labels, params)

    def __call__(
        self, clips: Tensor, labels: Tensor, generator: torch.Generator
    ) -> tuple[Tensor, Tensor]:
        return self.apply(clips, labels, self.make_params(clips.shape, generator))


@dataclass(frozen=True)
class CutOut(_CutOutRecipe):
    """CutOut over time: one ``size x size`` patch (fractions of H, W) deleted on all frames."""

    box_kind: ClassVar[str] = "space"


@dataclass(frozen=True)
class FrameCutOut(_CutOutRecipe):
    """FrameCutOut: a contiguous span of ``length`` (fraction of T) whole frames deleted."""

    box_kind: ClassVar[str] = "time"


@dataclass(frozen=True)
class CubeCutOut(_CutOutRecipe):
    """CubeCutOut: a ``length x size x size`` spatio-temporal cube deleted."""

    box_kind: ClassVar[str] = "cube"


@dataclass(frozen=True)
class _MixRecipe:
    """Base of mixing recipes: ``alpha`` of ``Beta(alpha, alpha)``, probability ``p`` (per clip,
    or per batch in the ``released`` convention), ``convention`` (module docstring)."""

    alpha: float = 1.0
    p: float = 1.0
    convention: str = field(default=DEFAULT_CONVENTION, kw_only=True)

    def __post_init__(self) -> None:
        if not self.alpha > 0:
            raise ValueError(f"{type(self).__name__}: alpha must be > 0, got {self.alpha}")
        if not 0.0 <= self.p <= 1.0:
            raise ValueError(f"{type(self).__name__}: p must be in [0, 1], got {self.p}")
        check_convention(self.convention)

    def _weights(
        self, batch: int, extent: tuple[int, int, int], generator: torch.Generator
    ) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """Draw ``(boxes (B, 6), inside (B, T), outside (B, T), lam (B,))`` partner weights."""
        raise NotImplementedError

    def _released_weights(
        self, extent: tuple[int, int, int], generator: torch.Generator
    ) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """The released code's one draw per batch: ``(boxes (1, 6), inside (1, T),
        outside (1, T), lam (1,))``."""
        raise NotImplementedError

    def make_params(self, clips_shape: Sequence[int], generator: torch.Generator) -> MixParams:
        """Draw applied flags, partners and the recipe's boxes and weights."""
        extent = _extent(clips_shape)
        batch = int(clips_shape[0])
        if self.convention == "released":
            applied = sample_applied(1, self.p, generator).expand(batch)
            partner = sample_partners(batch, generator)
            drawn = self._released_weights(extent, generator)
            boxes, inside, outside, lam = (value.expand(batch, *value.shape[1:]) for value in drawn)
        else:
            applied = sample_applied(batch, self.p, generator)
            partner = sample_partners(batch, generator)
            boxes, inside, outside, lam = self._weights(batch, extent, generator)
        keep = applied.unsqueeze(1)
        return MixParams(
            partner=partner,
            boxes=boxes.contiguous(),
            inside=torch.where(keep, inside, torch.zeros_like(inside)),
            outside=torch.where(keep, outside, torch.zeros_like(outside)),
            lam=torch.where(applied, lam, torch.ones_like(lam)),
        )

    def apply(self, clips: Tensor, labels: Tensor, params: MixParams) -> tuple[Tensor, Tensor]:
        """See :func:`apply_mix`."""
        return apply_mix(clips, labels, params)

    def __call__(
        self, clips: Tensor, labels: Tensor, generator: torch.Generator
    ) -> tuple[Tensor, Tensor]:
        return self.apply(clips, labels, self.make_params(clips.shape, generator))


def _box_side_fractions(box_kind: str, cut_volume: Tensor) -> Tensor:
    """``(B, 3)`` side fractions giving a box of volume fraction ``cut_volume (B,)`` (unclipped)."""
    cut = torch.tensor(_CUT_AXES[box_kind], device=cut_volume.device)
    side = cut_volume.clamp(0.0, 1.0).pow(1.0 / int(cut.sum()))
    return torch.where(cut, side.unsqueeze(1), torch.ones_like(side).unsqueeze(1))


def _released_side_fraction(box_kind: str, lam: float) -> float:
    """Released ``cut_rat``: ``sqrt(1 - lam)`` (space), ``1 - lam`` (time), cube root (cube)."""
    cut_axes = sum(_CUT_AXES[box_kind])
    return float(np.power(1.0 - lam, 1.0 / cut_axes)) if cut_axes != 2 else math.sqrt(1.0 - lam)


def _released_lam(alpha: float, generator: torch.Generator) -> Tensor:
    """One ``lambda ~ Beta(alpha, alpha)`` for the whole batch, ``(1,)`` float64."""
    return sample_beta(alpha, 1, generator)


def _constant_over_time(values: Tensor, length: int) -> Tensor:
    return values.to(torch.float32).unsqueeze(1).expand(-1, length).contiguous()


@dataclass(frozen=True)
class _CutMixRecipe(_MixRecipe):
    box_kind: ClassVar[str] = "space"

    def _weights(
        self, batch: int, extent: tuple[int, int, int], generator: torch.Generator
    ) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        lam = sample_beta(self.alpha, batch, generator)
        fractions = _box_side_fractions(self.box_kind, 1.0 - lam)
        boxes = sample_boxes(extent, fractions, _CUT_AXES[self.box_kind], generator)
        ones = torch.ones(batch, extent[0], device=boxes.device)
        return boxes, ones, torch.zeros_like(ones), lam

    def _released_weights(
        self, extent: tuple[int, int, int], generator: torch.Generator
    ) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        lam = _released_lam(self.alpha, generator)
        fraction = _released_side_fraction(self.box_kind, float(lam.item()))
        boxes = sample_released_boxes(extent, fraction, _CUT_AXES[self.box_kind], generator)
        ones = torch.ones(1, extent[0], device=boxes.device)
        return boxes, ones, torch.zeros_like(ones), lam


@dataclass(frozen=True)
class CutMix(_CutMixRecipe):
    """CutMix on every frame: the partner's ``sqrt(1-lam) H x sqrt(1-lam) W`` patch, all frames."""

    box_kind: ClassVar[str] = "space"


@dataclass(frozen=True)
class FrameCutMix(_CutMixRecipe):
    """FrameCutMix: a contiguous span of ``(1 - lam) T`` whole frames from the partner."""

    box_kind: ClassVar[str] = "time"


@dataclass(frozen=True)
class CubeCutMix(_CutMixRecipe):
    """CubeCutMix: a partner cube with sides ``(1 - lam)^(1/3)`` of T, H and W."""

    box_kind: ClassVar[str] = "cube"


@dataclass(frozen=True)
class MixUp(_MixRecipe):
    """MixUp (Zhang et al., 2018): ``lam * x + (1 - lam) * x[partner]`` on every voxel."""

    def _weights(
        self, batch: int, extent: tuple[int, int, int], generator: torch.Generator
    ) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        lam = sample_beta(self.alpha, batch, generator)
        partner_weight = _constant_over_time(1.0 - lam, extent[0])
        boxes = full_boxes(batch, extent, generator.device)
        return boxes, partner_weight, partner_weight.clone(), lam

    def _released_weights(
        self, extent: tuple[int, int, int], generator: torch.Generator
    ) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        return self._weights(1, extent, generator)  # one draw: the batch's


@dataclass(frozen=True)
class FadeMixUp(_MixRecipe):
    """FadeMixUp (paper Eq. 2): MixUp with ``lam_t`` linear from ``lam - gamma`` to ``lam + gamma``.

    ``gamma ~ U(0, min(lam, 1 - lam))``, direction (sign of ``gamma``) random per clip.
    """

    def _weights(
        self, batch: int, extent: tuple[int, int, int], generator: torch.Generator
    ) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        device = generator.device
        lam = sample_beta(self.alpha, batch, generator)
        gamma = torch.rand(batch, generator=generator, device=device, dtype=torch.float64)
        gamma = gamma * torch.minimum(lam, 1.0 - lam)
        direction = torch.rand(batch, generator=generator, device=device) < 0.5
        gamma = torch.where(direction, -gamma, gamma)
        length = extent[0]
        ramp = torch.linspace(-1.0, 1.0, length, dtype=torch.float64, device=device)
        if length == 1:
            ramp = torch.zeros(1, dtype=torch.float64, device=device)
        own = lam.unsqueeze(1) + gamma.unsqueeze(1) * ramp
        partner_weight = (1.0 - own).to(torch.float32)
        boxes = full_boxes(batch, extent, device)
        return boxes, partner_weight, partner_weight.clone(), lam

    def _released_weights(
        self, extent: tuple[int, int, int], generator: torch.Generator
    ) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        return self._weights(1, extent, generator)  # one lam, gamma and direction per batch


RELEASED_CUTMIXUP_BETA = 2.0
"""The released CutMixUp family draws its blend weight from ``Beta(2, 2)`` whatever ``alpha``."""


def cutmixup_inner_lambda(lam: Tensor, offset: float) -> Tensor:
    """CutMixUp's in-box weight of the clip itself (paper Eq. 1, two branches).

    ``max(lam - offset, 0)`` where ``lam >= 0.5``, else ``min(lam + offset, 1)``.
    """
    return torch.where(lam >= 0.5, (lam - offset).clamp(min=0.0), (lam + offset).clamp(max=1.0))


@dataclass(frozen=True)
class _CutMixUpRecipe(_MixRecipe):
    """CutMixUp family: MixUp outside a box, the other-branch blend inside (module docstring)."""

    offset: float = 0.5
    box_kind: ClassVar[str] = "space"

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 0.0 <= self.offset <= 1.0:
            raise ValueError(f"{type(self).__name__}: offset must be in [0, 1], got {self.offset}")
        if self.convention == "released" and self.offset != 0.5:
            raise ValueError(
                f"{type(self).__name__}: offset {self.offset} has no meaning in the released "
                "convention (the box holds a pure clip or is absent); drop it"
            )

    def _weights(
        self, batch: int, extent: tuple[int, int, int], generator: torch.Generator
    ) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        lam_box = sample_beta(self.alpha, batch, generator)
        lam = sample_beta(self.alpha, batch, generator)
        fractions = _box_side_fractions(self.box_kind, 1.0 - lam_box)
        boxes = sample_boxes(extent, fractions, _CUT_AXES[self.box_kind], generator)
        inside = _constant_over_time(1.0 - cutmixup_inner_lambda(lam, self.offset), extent[0])
        outside = _constant_over_time(1.0 - lam, extent[0])
        return boxes, inside, outside, lam

    def _released_weights(
        self, extent: tuple[int, int, int], generator: torch.Generator
    ) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """Box from ``lam ~ Beta(alpha)``; own weight ``w ~ Beta(2, 2)``; box branch or plain
        MixUp with probability 1/2 each (module docstring). ``lam`` returned is ``w``."""
        device = generator.device
        lam = float(_released_lam(self.alpha, generator).item())
        fraction = _released_side_fraction(self.box_kind, lam)
        boxes = sample_released_boxes(extent, fraction, _CUT_AXES[self.box_kind], generator)
        weight = sample_beta(RELEASED_CUTMIXUP_BETA, 1, generator)
        box_branch = bool(torch.rand(1, generator=generator, device=device).item() < 0.5)
        outside = _constant_over_time(1.0 - weight, extent[0])
        if box_branch:
            pure = 1.0 if float(weight.item()) >= 0.5 else 0.0  # partner's weight in the box
            inside = torch.full_like(outside, pure)
        else:
            inside = outside.clone()
        return boxes, inside, outside, weight


@dataclass(frozen=True)
class CutMixUp(_CutMixUpRecipe):
    """CutMixUp with a spatial box on all frames (paper Eq. 1)."""

    box_kind: ClassVar[str] = "space"


@dataclass(frozen=True)
class FrameCutMixUp(_CutMixUpRecipe):
    """Frame CutMixUp: the other-branch blend on a contiguous span of whole frames."""

    box_kind: ClassVar[str] = "time"


@dataclass(frozen=True)
class CubeCutMixUp(_CutMixUpRecipe):
    """Cube CutMixUp: the other-branch blend inside a spatio-temporal cube."""

    box_kind: ClassVar[str] = "cube"


FrameMixUp = FrameCutMixUp
"""Alias: the paper's Tables 5-6 print Frame CutMixUp as "FrameMixUp"."""

CubeMixUp = CubeCutMixUp
"""Alias: the paper's Tables 5-6 print Cube CutMixUp as "CubeMixUp"."""
