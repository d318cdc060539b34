"""Short policy strings that name an augmentation recipe (configs and result names).

Grammar (no spaces)::

    policy  := "none" | step ("," step)*
    step    := name (":" option)*
    option  := key number            e.g. a2, p0.5, n2, m9
             | mode                  randaug-t only: spatial | temporal | temporal+ | mix
             | convention            randaug, randaug-t and mixing steps: released | randaugment

Steps run in the order written (put ``randaug``/``randaug-t`` before mixing steps). Names and
options (defaults in brackets; see :mod:`videoaug.augment.mixing` and
:mod:`videoaug.augment.randaugment_t` for their meaning):

=================================================  ===========================================
name                                               options
=================================================  ===========================================
``randaug``                                        ``n`` ops [2], ``m`` magnitude 0..30 [9];
                                                   RandAugment-T in ``spatial`` mode
``randaug-t``                                      ``n`` [2], ``m`` [9], mode [temporal+]
``cutout``                                         ``s`` side fraction [0.5], ``p`` [1]
``framecutout``                                    ``t`` frame fraction [0.25], ``p`` [1]
``cubecutout``                                     ``s`` [0.5], ``t`` [0.25], ``p`` [1]
``mixup``, ``fademixup``, ``cutmix``,              ``a`` Beta alpha [1], ``p`` per-clip
``framecutmix``, ``cubecutmix``                    probability [1]
``cutmixup``, ``framecutmixup``, ``cubecutmixup``  ``a`` [1], ``p`` [1], ``o`` in-box offset [0.5]
``framemixup``, ``cubemixup``                      aliases of ``framecutmixup``/``cubecutmixup``
=================================================  ===========================================

Examples: ``none``, ``randaug:n2:m9``, ``randaug-t:n2:m9:temporal+``, ``cutmix:a2:p0.5``,
``randaug-t:n2:m9,fademixup:a1``, ``randaug-t:n2:m9:temporal+:released``, ``cutmixup:a1:released``.

The convention word (:data:`~videoaug.augment.functional.CONVENTIONS`) picks the ops and draws:
``randaugment`` (the default: RandAugment/torchvision ranges, per-clip mixing draws) or
``released`` (Kim et al.'s released code, the one that produced the paper's numbers). The CutOut
family is the project's addition (not in the released code) and takes no convention.

Every policy has a canonical text: aliases resolved (``randaug-t:...:spatial`` is ``randaug``),
options in a fixed order, numbers in shortest form; the main hyper-parameters (``n``, ``m``,
``a`` and the randaug-t mode) are always written, the others only when not at their default
(``mixup`` -> ``mixup:a1``, ``cutmix:a2:p1`` -> ``cutmix:a2``); the convention is written last
and only when it is ``released``, so every policy text written before conventions existed keeps
its meaning and its slug. Strings with the same
canonical text behave identically. :func:`policy_slug` maps the canonical
text to a filename-safe slug (``:`` -> ``-``, ``+`` -> ``p``, ``,`` -> ``_``) for result names
``results/{ds}_tda_{slug}.json``; :func:`policy_from_slug` inverts it, so slugs are unique per
behaviour and reversible to the canonical text.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import torch
from torch import Tensor

from videoaug.augment.functional import CONVENTIONS, DEFAULT_CONVENTION
from videoaug.augment.mixing import (
    CubeCutMix,
    CubeCutMixUp,
    CubeCutOut,
    CutMix,
    CutMixUp,
    CutOut,
    FadeMixUp,
    FrameCutMix,
    FrameCutMixUp,
    FrameCutOut,
    MixUp,
)
from videoaug.augment.randaugment_t import MODES, RandAugmentT


class PolicyStep(Protocol):
    """One step of a policy: random choices in ``make_params``, a deterministic ``apply``."""

    def make_params(self, clips_shape: Sequence[int], generator: torch.Generator) -> Any: ...

    def apply(self, clips: Tensor, labels: Tensor, params: Any) -> tuple[Tensor, Tensor]: ...


@dataclass(frozen=True)
class LabelPreserving:
    """Adapts a clip-only transform (e.g. :class:`RandAugmentT`) to the :class:`PolicyStep` API."""

    transform: RandAugmentT

    def make_params(self, clips_shape: Sequence[int], generator: torch.Generator) -> Any:
        return self.transform.make_params(clips_shape, generator)

    def apply(self, clips: Tensor, labels: Tensor, params: Any) -> tuple[Tensor, Tensor]:
        return self.transform.apply(clips, params), labels


@dataclass(frozen=True)
class _Option:
    key: str
    field: str
    kind: type
    default: float
    always_shown: bool = False  # main hyper-parameters stay in canonical text (and result names)

    def describe(self) -> str:
        return f"{self.key}<{'int' if self.kind is int else 'number'}>"


@dataclass(frozen=True)
class _Recipe:
    build: Callable[..., PolicyStep]
    options: tuple[_Option, ...]
    default_mode: str | None = None  # set for recipes that take a mode word
    conventions: bool = True  # takes the convention word (False: the project's CutOut family)


def _randaug(mode: str | None = None, **kwargs: Any) -> PolicyStep:
    return LabelPreserving(RandAugmentT(mode=mode or "spatial", **kwargs))


_N = _Option("n", "n", int, 2, always_shown=True)
_M = _Option("m", "m", float, 9.0, always_shown=True)
_A = _Option("a", "alpha", float, 1.0, always_shown=True)
_P = _Option("p", "p", float, 1.0)
_O = _Option("o", "offset", float, 0.5)
_S = _Option("s", "size", float, 0.5)
_T = _Option("t", "length", float, 0.25)

_RECIPES: dict[str, _Recipe] = {
    "randaug": _Recipe(_randaug, (_N, _M)),
    "randaug-t": _Recipe(_randaug, (_N, _M), default_mode="temporal+"),
    "cutout": _Recipe(CutOut, (_S, _P), conventions=False),
    "framecutout": _Recipe(FrameCutOut, (_T, _P), conventions=False),
    "cubecutout": _Recipe(CubeCutOut, (_S, _T, _P), conventions=False),
    "cutmix": _Recipe(CutMix, (_A, _P)),
    "framecutmix": _Recipe(FrameCutMix, (_A, _P)),
    "cubecutmix": _Recipe(CubeCutMix, (_A, _P)),
    "mixup": _Recipe(MixUp, (_A, _P)),
    "fademixup": _Recipe(FadeMixUp, (_A, _P)),
    "cutmixup": _Recipe(CutMixUp, (_A, _P, _O)),
    "framecutmixup": _Recipe(FrameCutMixUp, (_A, _P, _O)),
    "cubecutmixup": _Recipe(CubeCutMixUp, (_A, _P, _O)),
}
_ALIASES = {"framemixup": "framecutmixup", "cubemixup": "cubecutmixup"}

RECIPE_NAMES: tuple[str, ...] = ("none", *_RECIPES, *_ALIASES)
"""Every name a policy step may use."""

_SLUG_MODES = {mode.replace("+", "p"): mode for mode in MODES}


def _format_number(value: float, kind: type) -> str:
    if kind is int:
        return str(int(value))
    return np.format_float_positional(float(value), trim="-")


def _parse_value(token: str, option: _Option, where: str) -> float:
    text = token[len(option.key) :]
    try:
        value = int(text) if option.kind is int else float(text)
    except ValueError:
        kind = "an integer" if option.kind is int else "a number"
        raise ValueError(f"bad option {token!r} in {where}: expected {kind} after "
                         f"{option.key!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"bad option {token!r} in {where}: value must be finite")
    return value


def _parse_step(part: str, text: str) -> tuple[str, PolicyStep]:
    """One step -> (canonical step text, built step)."""
    where = f"step {part!r} of policy {text!r}"
    name, *tokens = part.split(":")
    name = _ALIASES.get(name, name)
    if name not in _RECIPES:
        raise ValueError(
            f"unknown augmentation {name!r} in policy {text!r}; valid names: "
            f"{', '.join(RECIPE_NAMES)}"
        )
    recipe = _RECIPES[name]
    by_key = {option.key: option for option in recipe.options}
    values: dict[str, float] = {}
    mode = recipe.default_mode
    mode_given = False
    convention: str | None = None
    for token in tokens:
        if recipe.default_mode is not None and token in MODES:
            if mode_given:
                raise ValueError(f"mode given twice in {where}")
            mode, mode_given = token, True
            continue
        if token in CONVENTIONS:
            if not recipe.conventions:
                raise ValueError(
                    f"{name!r} takes no convention ({token!r} in {where}): the CutOut family is "
                    "the project's addition, not part of the released code")
            if convention is not None:
                raise ValueError(f"convention given twice in {where}")
            convention = token
            continue
        option = by_key.get(token[:1])
        if option is None or len(token) < 2:
            valid = [option.describe() for option in recipe.options]
            if recipe.default_mode is not None:
                valid.append(f"mode ({' | '.join(MODES)})")
            words = f"convention ({' | '.join(CONVENTIONS)}); " if recipe.conventions else ""
            raise ValueError(f"bad option {token!r} in {where}; {words}valid options for "
                             f"{name!r}: {', '.join(valid)}")
        if option.key in values:
            raise ValueError(f"option {option.key!r} given twice in {where}")
        values[option.key] = _parse_value(token, option, where)
    kwargs: dict[str, Any] = {
        option.field: option.kind(values.get(option.key, option.default))
        for option in recipe.options
    }
    if recipe.default_mode is not None:
        kwargs["mode"] = mode
    if convention is not None:
        kwargs["convention"] = convention
    try:
        step = recipe.build(**kwargs)
    except ValueError as error:
        raise ValueError(f"invalid {where}: {error}") from None
    if name == "randaug-t" and mode == "spatial":
        name, mode = "randaug", None  # same behaviour, one canonical name
    canonical = [name]
    for option in recipe.options:
        value = values.get(option.key, option.default)
        if option.always_shown or value != option.default:
            canonical.append(f"{option.key}{_format_number(value, option.kind)}")
    if mode is not None:
        canonical.append(mode)
    if convention not in (None, DEFAULT_CONVENTION):
        canonical.append(convention)
    return ":".join(canonical), step


@dataclass(frozen=True)
class Policy:
    """A parsed policy: ``text`` (canonical) and its ``steps``, applied in order."""

    text: str
    steps: tuple[PolicyStep, ...]

    @property
    def slug(self) -> str:
        """Filename-safe short form of :attr:`text` (see :func:`policy_slug`)."""
        return _slug(self.text)

    def make_params(self, clips_shape: Sequence[int], generator: torch.Generator) -> tuple:
        """Draw every step's parameters, in step order, from ``generator``."""
        return tuple(step.make_params(clips_shape, generator) for step in self.steps)

    def apply(
        self, clips: Tensor, labels_soft: Tensor, params: Sequence[Any]
    ) -> tuple[Tensor, Tensor]:
        """Apply the steps with drawn ``params`` to ``clips (B, C, T, H, W)``, ``labels (B, K)``."""
        if labels_soft.dim() != 2 or labels_soft.shape[0] != clips.shape[0]:
            raise ValueError(
                f"labels must be soft targets (B, num_classes) for B={clips.shape[0]}, "
                f"got {tuple(labels_soft.shape)}"
            )
        if not labels_soft.is_floating_point():
            raise ValueError(f"labels must be float soft targets, got {labels_soft.dtype}")
        for step, step_params in zip(self.steps, params, strict=True):
            clips, labels_soft = step.apply(clips, labels_soft, step_params)
        return clips, labels_soft

    def __call__(
        self, clips: Tensor, labels_soft: Tensor, generator: torch.Generator
    ) -> tuple[Tensor, Tensor]:
        """Augment a batch: returns ``(clips, labels_soft)`` of the input shapes and dtypes."""
        return self.apply(clips, labels_soft, self.make_params(clips.shape, generator))


def parse_policy(text: str) -> Policy:
    """Parse a policy string (grammar in the module docstring) into a :class:`Policy`.

    Raises ``ValueError`` naming the bad part and listing the valid names or options.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"empty policy {text!r}; use 'none' for no augmentation")
    parts = [part.strip() for part in text.strip().split(",")]
    if any(not part for part in parts):
        raise ValueError(f"empty step in policy {text!r} (two commas or a trailing comma?)")
    if any(" " in part for part in parts):
        raise ValueError(f"policy {text!r} contains a space; write steps without spaces")
    if "none" in parts:
        if len(parts) > 1:
            raise ValueError(f"'none' cannot be combined with other steps in policy {text!r}")
        return Policy("none", ())
    parsed = [_parse_step(part, text) for part in parts]
    return Policy(",".join(step_text for step_text, _ in parsed),
                  tuple(step for _, step in parsed))


def released_variant(text: str) -> str | None:
    """Canonical text of ``text`` with every step in the ``released`` convention.

    ``"none"`` stays ``"none"`` (nothing to convert); ``None`` when a step has no released form
    (the CutOut family, the project's addition). E.g. ``"randaug-t:n2:m9:temporal+"`` ->
    ``"randaug-t:n2:m9:temporal+:released"``.
    """
    policy = parse_policy(text)
    if not policy.steps:
        return policy.text
    steps = []
    for step_text in policy.text.split(","):
        name, *tokens = step_text.split(":")
        if not _RECIPES[name].conventions:
            return None
        steps.append(":".join([name, *(t for t in tokens if t not in CONVENTIONS), "released"]))
    return parse_policy(",".join(steps)).text


def _slug(canonical: str) -> str:
    return canonical.replace(":", "-").replace("+", "p").replace(",", "_")


def policy_slug(text: str) -> str:
    """Filename-safe slug of the policy's canonical text, e.g. ``randaug-t-n3-temporalp``.

    Unique per canonical policy and reversible with :func:`policy_from_slug`.
    """
    return _slug(parse_policy(text).text)


def policy_from_slug(slug: str) -> str:
    """Canonical policy text of a slug made by :func:`policy_slug` (raises ``ValueError``)."""
    steps = []
    for part in slug.split("_"):
        name, *tokens = part.split("-")
        if name == "randaug" and tokens[:1] == ["t"]:
            name, tokens = "randaug-t", tokens[1:]
        steps.append(":".join([name, *(_SLUG_MODES.get(token, token) for token in tokens)]))
    try:
        policy = parse_policy(",".join(steps))
    except ValueError as error:
        raise ValueError(f"not a policy slug: {slug!r} ({error})") from None
    if _slug(policy.text) != slug:
        raise ValueError(f"not a canonical policy slug: {slug!r} (canonical: {policy.slug!r})")
    return policy.text
