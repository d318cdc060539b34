"""Temporal data augmentation (Kim et al., ECCV-W 2020) on batches of clips ``(B, C, T, H, W)``.

* :mod:`~videoaug.augment.functional`: the RandAugment ops, per frame, with per-frame
  magnitudes (pure tensor kernels), in two conventions: ``randaugment`` (RandAugment's 14 ops with
  torchvision's ranges, the default) and ``released`` (the 15 ops and ranges of Kim et al.'s
  released code, PIL's rounding; the mixing recipes' ``released`` draws are per batch).
* :mod:`~videoaug.augment.randaugment_t`: RandAugment-T (magnitudes linear over time).
* :mod:`~videoaug.augment.mixing`: CutOut / CutMix / MixUp / CutMixUp over space, frames and
  cubes, and FadeMixUp, with exact soft labels.
* :mod:`~videoaug.augment.policy`: short policy strings (``randaug-t:n2:m9,fademixup:a1``) that
  select a recipe, and their filename-safe slugs.

Every random choice is drawn in a ``make_params(clips_shape, generator)`` from an explicit
``torch.Generator``; ``apply`` is deterministic. uint8 clips in give uint8 clips out; float clips
(in ``[0, 1]``) give float clips.
"""

from videoaug.augment.functional import (
    CONVENTIONS,
    FRAME_KERNELS,
    MAGNITUDE_FREE_OPS,
    MAX_MAGNITUDE,
    OP_NAMES,
    RELEASED_OP_NAMES,
    SIGNED_OPS,
    apply_op,
    op_names,
)
from videoaug.augment.mixing import (
    CubeCutMix,
    CubeCutMixUp,
    CubeCutOut,
    CubeMixUp,
    CutMix,
    CutMixUp,
    CutOut,
    CutOutParams,
    FadeMixUp,
    FrameCutMix,
    FrameCutMixUp,
    FrameCutOut,
    FrameMixUp,
    MixParams,
    MixUp,
    sample_beta,
    soft_targets,
)
from videoaug.augment.policy import (
    RECIPE_NAMES,
    Policy,
    PolicyStep,
    parse_policy,
    policy_from_slug,
    policy_slug,
    released_variant,
)
from videoaug.augment.randaugment_t import MODES, RandAugmentT, RandAugmentTParams

__all__ = [
    "CONVENTIONS",
    "FRAME_KERNELS",
    "MAGNITUDE_FREE_OPS",
    "MAX_MAGNITUDE",
    "MODES",
    "OP_NAMES",
    "RECIPE_NAMES",
    "RELEASED_OP_NAMES",
    "SIGNED_OPS",
    "CubeCutMix",
    "CubeCutMixUp",
    "CubeCutOut",
    "CubeMixUp",
    "CutMix",
    "CutMixUp",
    "CutOut",
    "CutOutParams",
    "FadeMixUp",
    "FrameCutMix",
    "FrameCutMixUp",
    "FrameCutOut",
    "FrameMixUp",
    "MixParams",
    "MixUp",
    "Policy",
    "PolicyStep",
    "RandAugmentT",
    "RandAugmentTParams",
    "apply_op",
    "op_names",
    "parse_policy",
    "policy_from_slug",
    "policy_slug",
    "released_variant",
    "sample_beta",
    "soft_targets",
]
