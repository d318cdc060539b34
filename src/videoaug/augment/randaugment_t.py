"""RandAugment-T: RandAugment with magnitudes that change linearly over a clip's frames.

Kim et al., "Learning Temporally Invariant and Localizable Features via Data Augmentation for
Video Recognition" (ECCV-W 2020), Sec. 3.1 and Table 2. Each clip receives ``N`` ops drawn
uniformly (with replacement) from the op set of a *convention* (:func:`videoaug.augment.functional.
op_names`: RandAugment's 14 ops for ``randaugment``, the released code's 15 for ``released``),
every drawn op applied; op ``j`` of clip ``b`` has magnitude
``M1`` at the first frame and ``M2`` at the last, interpolated linearly in between:
``m_t = M1 + (M2 - M1) * t / (T - 1)``. The temporal range modes of Table 2:

* ``spatial``: ``M1 = M2 = M`` (plain RandAugment, the same magnitude on every frame);
* ``temporal``: ``M2 = M``, ``M1 ~ U(0.1, M)``;
* ``temporal+``: ``{M1, M2} = {M - d, M + d}``, ``d ~ U(0, 0.5 M)``, order random;
* ``mix``: per clip, ``spatial`` or ``temporal+`` with probability 1/2 each.

``spatial`` and ``temporal+`` are the released code's ``temp_degree`` 0 and 1; ``temporal`` and
``mix`` are the paper's Table 2 rows, which the released code does not implement: here they are
the project's reading of the paper, available in both conventions.

Magnitudes live on the ``[0, 30]`` scale of :mod:`videoaug.augment.functional` (``M + d`` may go
above 30; ops extrapolate and clamp their own parameters). Ops without a magnitude (identity,
autocontrast, equalize, and invert in ``released``) apply evenly to every frame. Signed ops
(geometric and enhancement ops in ``randaugment``, geometric ops only in ``released``) get one
random sign per clip and op, constant over time, so a rotation keeps turning the same way and the
motion stays smooth. Endpoints ``M1, M2`` are drawn independently for each op of a clip. In the
``released`` convention posterize keeps the released code's integer rule (bits rounded at each
endpoint, then the interpolated bits truncated per frame: :func:`~videoaug.augment.functional.
released_posterize_bits`); every other op maps the per-frame magnitude directly.

Randomness is drawn only in :func:`make_params` (explicit ``torch.Generator``); :func:`apply` is
deterministic given the parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from videoaug.augment.functional import (
    DEFAULT_CONVENTION,
    MAX_MAGNITUDE,
    RELEASED_POSTERIZE_MAX_BITS,
    OpSet,
    check_convention,
    clips_to_frames,
    frames_to_clips,
    op_set,
    released_posterize_bits,
)

MODES: tuple[str, ...] = ("spatial", "temporal", "temporal+", "mix")
"""Temporal range modes of paper Table 2."""

TEMPORAL_MIN_START = 0.1
"""Lower end of ``M1 ~ U(0.1, M)`` in the ``temporal`` mode (paper Table 2)."""

TEMPORAL_PLUS_SPREAD = 0.5
"""``d ~ U(0, 0.5 M)`` in the ``temporal+`` mode (authors' default range)."""


@dataclass(frozen=True)
class RandAugmentTParams:
    """Random choices of one RandAugment-T call on a batch of ``B`` clips with ``T`` frames.

    Attributes:
        op_indices: ``(B, N)`` int64 indices into ``op_names(convention)``, applied in order
            ``0..N-1``.
        magnitudes: ``(B, N, T)`` float signed magnitude of each op at each frame (zeros for
            magnitude-free ops).
        first: ``(B, N)`` unsigned magnitude ``M1`` at the first frame.
        last: ``(B, N)`` unsigned magnitude ``M2`` at the last frame.
        signs: ``(B, N)`` ``+1``/``-1`` direction (always ``+1`` for unsigned ops).
        convention: the op set the indices point into (``"randaugment"`` or ``"released"``).
    """

    op_indices: Tensor
    magnitudes: Tensor
    first: Tensor
    last: Tensor
    signs: Tensor
    convention: str = DEFAULT_CONVENTION


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise ValueError(f"unknown RandAugment-T mode {mode!r}; valid modes: {', '.join(MODES)}")


def magnitude_schedule(first: Tensor, last: Tensor, length: int) -> Tensor:
    """Linear schedule ``(..., T)`` from ``first (...)`` at frame 0 to ``last (...)`` at ``T-1``.

    A single frame gets ``first``.
    """
    ramp = torch.linspace(0.0, 1.0, length, dtype=first.dtype, device=first.device)
    if length == 1:
        ramp = torch.zeros(1, dtype=first.dtype, device=first.device)
    return first.unsqueeze(-1) + (last - first).unsqueeze(-1) * ramp


def sample_endpoints(
    batch: int, n_ops: int, magnitude: float, mode: str, generator: torch.Generator
) -> tuple[Tensor, Tensor]:
    """Draw ``(M1, M2)``, each ``(B, N)`` float32, for the temporal range ``mode`` (Table 2).

    Every mode consumes the same random draws, so switching mode never shifts later streams.
    """
    _check_mode(mode)
    device = generator.device
    shape = (batch, n_ops)
    spread_draw = torch.rand(shape, generator=generator, device=device)
    order_draw = torch.rand(shape, generator=generator, device=device)
    mode_draw = torch.rand((batch, 1), generator=generator, device=device)
    full = torch.full(shape, float(magnitude), device=device)
    if mode == "spatial":
        return full, full.clone()
    if mode == "temporal":
        start = TEMPORAL_MIN_START + (magnitude - TEMPORAL_MIN_START) * spread_draw
        return start, full
    delta = TEMPORAL_PLUS_SPREAD * magnitude * spread_draw
    rising = order_draw < 0.5
    first = torch.where(rising, full - delta, full + delta)
    last = torch.where(rising, full + delta, full - delta)
    if mode == "mix":
        spatial = (mode_draw < 0.5).expand(shape)
        first = torch.where(spatial, full, first)
        last = torch.where(spatial, full, last)
    return first, last


def make_params(
    batch_shape: Sequence[int],
    generator: torch.Generator,
    n: int = 2,
    magnitude: float = 9.0,
    mode: str = "temporal+",
    convention: str = DEFAULT_CONVENTION,
) -> RandAugmentTParams:
    """Draw ops, magnitude endpoints and signs for clips of shape ``(B, C, T, H, W)``.

    Op indices point into ``op_names(convention)``; both conventions consume the same random
    draws. Tensors are created on the generator's device; :func:`apply` moves them to the clips'.
    """
    _check_mode(mode)
    ops = op_set(convention)
    if n < 0:
        raise ValueError(f"number of ops n must be >= 0, got {n}")
    batch, length = int(batch_shape[0]), int(batch_shape[2])
    device = generator.device
    op_indices = torch.randint(
        len(ops.names), (batch, n), generator=generator, device=device, dtype=torch.int64
    )
    first, last = sample_endpoints(batch, n, magnitude, mode, generator)
    sign_draw = torch.rand((batch, n), generator=generator, device=device)
    signed = torch.tensor([name in ops.signed for name in ops.names], device=device)[op_indices]
    signs = torch.where(signed & (sign_draw < 0.5), -1.0, 1.0)
    free = torch.tensor([name in ops.magnitude_free for name in ops.names], device=device)
    schedule = magnitude_schedule(first, last, length) * signs.unsqueeze(-1)
    magnitudes = torch.where(free[op_indices].unsqueeze(-1), 0.0, schedule)
    return RandAugmentTParams(op_indices, magnitudes, first, last, signs, convention)


def _geometric_maps(
    ops: OpSet, kinds: Tensor, magnitude: Tensor, height: int, width: int
) -> Tensor:
    """Per-frame ``(N, 2, 3)`` affine maps for frames whose op index is ``kinds (N,)``."""
    maps: Tensor | None = None
    for name, build in ops.geometric.items():
        picked = kinds == ops.names.index(name)
        if not bool(picked.any()):
            continue
        built = build(magnitude[picked], height, width)
        if maps is None:
            maps = torch.empty(kinds.shape[0], 2, 3, dtype=built.dtype, device=built.device)
        maps[picked] = built
    assert maps is not None, "called without geometric ops"
    return maps


def _op_groups(ops: OpSet, slot_ops: Tensor) -> list[tuple[str, Tensor]]:
    """Group clips by the op they drew in one slot: ``[(kernel name, clip indices)]``.

    All geometric ops form one group (``"affine"``): one resampling call serves them all.
    Identity clips are left out.
    """
    groups: list[tuple[str, Tensor]] = []
    geometric_indices = [ops.names.index(name) for name in ops.geometric]
    geometric = torch.isin(slot_ops, torch.tensor(geometric_indices, device=slot_ops.device))
    if bool(geometric.any()):
        groups.append(("affine", torch.nonzero(geometric).squeeze(1)))
    for op_index in torch.unique(slot_ops[~geometric]).tolist():
        if ops.names[op_index] != "identity":
            groups.append((ops.names[op_index], torch.nonzero(slot_ops == op_index).squeeze(1)))
    return groups


def kernel_magnitudes(params: RandAugmentTParams) -> Tensor:
    """``(B, N, T)`` magnitude each frame kernel receives: ``params.magnitudes``, except for
    ``released`` posterize, whose per-frame bits follow the released integer rule
    (:func:`~videoaug.augment.functional.released_posterize_bits`), passed as ``7.5 * bits``."""
    magnitudes = params.magnitudes
    if params.convention != "released":
        return magnitudes
    posterize = params.op_indices == op_set("released").names.index("posterize")
    if not bool(posterize.any()):
        return magnitudes
    bits = released_posterize_bits(
        params.first[posterize], params.last[posterize], magnitudes.shape[-1]
    )
    magnitudes = magnitudes.clone()
    per_bit = MAX_MAGNITUDE / RELEASED_POSTERIZE_MAX_BITS
    magnitudes[posterize] = (bits * per_bit).to(device=magnitudes.device, dtype=magnitudes.dtype)
    return magnitudes


def apply(
    clips: Tensor, params: RandAugmentTParams, convention: str | None = None
) -> Tensor:
    """Apply drawn RandAugment-T ops to ``clips (B, C, T, H, W)`` (uint8 or float in ``[0, 1]``).

    ``convention`` (default: the one the params were drawn for) must match
    ``params.convention``: the op indices mean different ops in the two conventions.
    The clips are converted to float once; for each op slot, all clips that drew the same op
    (or any geometric op) are processed by one batched kernel call: a loop over op kinds, never
    over frames. Returns a tensor of the input's shape and dtype.
    """
    if convention is not None:
        check_convention(convention)
        if convention != params.convention:
            raise ValueError(
                f"params were drawn for the {params.convention!r} convention, not {convention!r}: "
                "their op indices point into another op set; draw them with "
                f"make_params(..., convention={convention!r})"
            )
    ops = op_set(params.convention)
    batch, channels, length, height, width = clips.shape
    op_indices = params.op_indices.to(clips.device)
    magnitudes = kernel_magnitudes(params).to(device=clips.device)
    if op_indices.shape[0] != batch or magnitudes.shape[-1] != length:
        raise ValueError(
            f"params drawn for batch {tuple(op_indices.shape)}/{magnitudes.shape[-1]} frames "
            f"do not fit clips of shape {tuple(clips.shape)}"
        )
    frames = clips_to_frames(clips).reshape(batch, length, channels, height, width)
    for slot in range(op_indices.shape[1]):
        for kernel_name, chosen in _op_groups(ops, op_indices[:, slot]):
            everyone = chosen.numel() == batch  # then skip the gather and the scatter
            selected = frames if everyone else frames.index_select(0, chosen)
            selected = selected.reshape(-1, channels, height, width)
            per_frame = magnitudes[chosen, slot].reshape(-1).to(selected.dtype)
            if kernel_name == "affine":
                kinds = op_indices[chosen, slot].repeat_interleave(length)
                maps = _geometric_maps(ops, kinds, per_frame, height, width)
                result = ops.resample(selected, maps)
            else:
                result = ops.kernels[kernel_name](selected, per_frame)
            result = result.reshape(-1, length, channels, height, width)
            if everyone:
                frames = result
            else:
                frames.index_copy_(0, chosen, result)
    flat = frames.reshape(batch * length, channels, height, width)
    return frames_to_clips(flat, batch, clips.dtype)


@dataclass(frozen=True)
class RandAugmentT:
    """RandAugment-T with ``n`` ops per clip at magnitude ``m`` (0..30 scale) in range ``mode``,
    ops and ranges of ``convention`` (``"randaugment"`` or ``"released"``).

    ``RandAugmentT(2, 9, "spatial")`` is plain RandAugment applied identically to every frame.
    """

    n: int = 2
    m: float = 9.0
    mode: str = "temporal+"
    convention: str = DEFAULT_CONVENTION

    def __post_init__(self) -> None:
        _check_mode(self.mode)
        check_convention(self.convention)
        if self.n < 0 or self.m < 0:
            raise ValueError(f"RandAugment-T needs n >= 0 and m >= 0, got n={self.n}, m={self.m}")

    def make_params(
        self, clips_shape: Sequence[int], generator: torch.Generator
    ) -> RandAugmentTParams:
        """See :func:`make_params`."""
        return make_params(clips_shape, generator, self.n, self.m, self.mode, self.convention)

    def apply(self, clips: Tensor, params: RandAugmentTParams) -> Tensor:
        """See :func:`apply`."""
        return apply(clips, params, self.convention)

    def __call__(self, clips: Tensor, generator: torch.Generator) -> Tensor:
        """Draw parameters with ``generator`` and apply them to ``clips (B, C, T, H, W)``."""
        return self.apply(clips, self.make_params(clips.shape, generator))
