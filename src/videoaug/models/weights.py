"""Pretrained-weight loading for the classifiers: torchvision's weight enums or a local state_dict.

Every classifier in :mod:`videoaug.models` has the same three parts, which is what this module
relies on (see :class:`HasBackboneAndHead`):

* ``backbone`` — a module whose state_dict keys are those of the torchvision architecture
  (``conv1.weight``, ``layer1.0.bn1.running_mean``, ...) minus the classifier;
* ``head`` — the final ``nn.Linear`` sized for the caller's ``num_classes``;
* ``torchvision_head_prefix`` — where torchvision keeps that classifier (``"fc"`` for ResNets,
  ``"classifier.3"`` for MobileNetV3), or ``None`` when no torchvision checkpoint exists.

So a checkpoint may be either torchvision-shaped (``fc.weight`` -> ``head.weight``, any other key
``k`` -> ``backbone.k``) or one of our own models' state_dicts (keys used as they are). The head is
skipped whenever its shape differs (ImageNet's 1000 classes vs. the caller's ``num_classes``).

Sources (``pretrained``): ``None`` (random init), ``"imagenet"`` / ``"kinetics400"`` (torchvision's
weight enums, downloaded through ``torch.hub`` into ``$TORCH_HOME/hub/checkpoints``), or the path
of a local state_dict file, always read with ``torch.load(..., weights_only=True)``.
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import torch
import torch.hub
from torch import nn
from torchvision.models import WeightsEnum, get_weight

NAMED_SOURCES = ("imagenet", "kinetics400")

# (architecture, source) -> torchvision weight enum, by name so the table stays readable.
TORCHVISION_WEIGHTS: dict[tuple[str, str], str] = {
    ("resnet18", "imagenet"): "ResNet18_Weights.IMAGENET1K_V1",
    ("resnet50", "imagenet"): "ResNet50_Weights.IMAGENET1K_V1",
    ("mobilenet_v3_small", "imagenet"): "MobileNet_V3_Small_Weights.IMAGENET1K_V1",
    ("resnet101", "imagenet"): "ResNet101_Weights.IMAGENET1K_V1",
    ("alexnet", "imagenet"): "AlexNet_Weights.IMAGENET1K_V1",
    ("googlenet", "imagenet"): "GoogLeNet_Weights.IMAGENET1K_V1",
    ("r3d_18", "kinetics400"): "R3D_18_Weights.KINETICS400_V1",
    ("r2plus1d_18", "kinetics400"): "R2Plus1D_18_Weights.KINETICS400_V1",
}

_WRAPPER_KEYS = ("state_dict", "model", "model_state")
_PARALLEL_PREFIX = "module."


class PretrainedWeightsError(RuntimeError):
    """Pretrained weights could not be found, downloaded, read or matched to the model."""


class HasBackboneAndHead(Protocol):
    """What :func:`load_pretrained` needs from a classifier (all models here satisfy it)."""

    arch: str
    backbone: nn.Module
    head: nn.Linear
    torchvision_head_prefix: str | None

    def state_dict(self) -> dict[str, Any]: ...

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = ...) -> Any: ...


@dataclass(frozen=True)
class StateDictMatch:
    """How a checkpoint's tensors map onto a model's state_dict (see :func:`match_state_dict`)."""

    loadable: dict[str, torch.Tensor]
    missing: list[str]
    unexpected: list[str]
    skipped_head: list[str]
    shape_mismatch: list[str] = field(default_factory=list)


def torchvision_weights(arch: str, source: str) -> WeightsEnum:
    """The torchvision weight enum for ``arch`` trained on ``source`` ("imagenet"/"kinetics400")."""
    name = TORCHVISION_WEIGHTS.get((arch, source))
    if name is None:
        available = sorted(f"{a}:{s}" for a, s in TORCHVISION_WEIGHTS)
        raise PretrainedWeightsError(
            f"no torchvision {source!r} weights for architecture {arch!r}; "
            f"available: {', '.join(available)}; or pass the path of a local state_dict file"
        )
    return get_weight(name)


def cached_weights_path(weights: WeightsEnum) -> Path:
    """Where ``torch.hub`` keeps ``weights``: ``$TORCH_HOME/hub/checkpoints/<file name of url>``."""
    # torch.hub.get_dir() reads TORCH_HOME at call time, so the environment is respected.
    return Path(torch.hub.get_dir()) / "checkpoints" / os.path.basename(weights.url)


# Set by smoke runs only: accept cached weight files whose sha256 is not torchvision's (the
# random files of videoaug.models.weight_preflight.write_random_weights), with a warning.
UNVERIFIED_WEIGHTS_ENV = "VIDEOAUG_UNVERIFIED_WEIGHTS"


def torchvision_hash_prefix(weights: WeightsEnum) -> str | None:
    """The sha256 prefix torchvision publishes in the file name (``<name>-<prefix>.pth``)."""
    stem = Path(os.path.basename(weights.url)).stem
    return stem.rsplit("-", 1)[-1] if "-" in stem else None


def fetch_torchvision_weights(weights: WeightsEnum) -> Path:
    """Return the local file of ``weights``, downloading it through ``torch.hub`` if not cached,
    after checking it against torchvision's published sha256 prefix (a file planted in
    ``$TORCH_HOME/hub/checkpoints`` is refused). Callers read it with :func:`read_state_dict`
    (``weights_only=True``), never through torch.hub's loader, which unpickles.

    Raises :class:`PretrainedWeightsError` saying where to put the file when the download fails
    (e.g. no internet), and naming the file when its hash differs.
    """
    destination = cached_weights_path(weights)
    # torchvision names files "<name>-<sha256 prefix>.pth"; torch.hub checks that prefix.
    hash_prefix = torchvision_hash_prefix(weights)
    if not destination.is_file():
        destination.parent.mkdir(parents=True, exist_ok=True)
        try:
            torch.hub.download_url_to_file(
                weights.url, str(destination), hash_prefix=hash_prefix, progress=False
            )
        except (urllib.error.URLError, OSError, RuntimeError) as error:
            raise PretrainedWeightsError(
                f"could not download pretrained weights {weights} from {weights.url} "
                f"({type(error).__name__}: {error}). Without internet access, download that file "
                f"on another machine and either copy it to {destination} (TORCH_HOME="
                f"{os.environ.get('TORCH_HOME', '<unset>')}) or pass its path as `pretrained`."
            ) from error
    if hash_prefix and not file_sha256(destination).startswith(hash_prefix):
        if os.environ.get(UNVERIFIED_WEIGHTS_ENV, "") not in ("", "0"):
            # a smoke run (scripts/smoke_paper.py) placed random weights on purpose
            warnings.warn(f"{destination}: sha256 differs from torchvision's {hash_prefix}; "
                          f"loaded anyway because {UNVERIFIED_WEIGHTS_ENV} is set", stacklevel=2)
            return destination
        raise PretrainedWeightsError(
            f"{destination} is not torchvision's {weights}: its sha256 does not start with "
            f"{hash_prefix}, the prefix torchvision publishes for {weights.url}. Delete it to "
            "download the file again (or copy the genuine file there)"
        )
    return destination


def file_sha256(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_state_dict(path: str | os.PathLike[str]) -> dict[str, torch.Tensor]:
    """Read a state_dict file with ``weights_only=True`` (a ``{"state_dict": ...}`` wrapper is
    unwrapped and a DataParallel ``module.`` prefix stripped). Errors name the file."""
    path = Path(path)
    if not path.is_file():
        raise PretrainedWeightsError(f"pretrained weights file not found: {path}")
    try:
        content = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises several types for corrupt/unsafe files
        raise PretrainedWeightsError(
            f"could not read {path} as a state_dict with torch.load(weights_only=True); the file "
            "is corrupt or holds Python objects besides tensors (re-save it with "
            f"torch.save(model.state_dict(), path)): {_short_reason(error)}"
        ) from error
    if isinstance(content, Mapping):
        for key in _WRAPPER_KEYS:
            if isinstance(content.get(key), Mapping):
                content = content[key]
                break
    if not isinstance(content, Mapping) or not content:
        raise PretrainedWeightsError(f"{path} does not hold a state_dict (a dict of tensors)")
    tensors = {k: v for k, v in content.items() if isinstance(k, str) and torch.is_tensor(v)}
    if not tensors:
        raise PretrainedWeightsError(f"{path} holds no named tensors; it is not a state_dict")
    return {_strip_parallel_prefix(k): v for k, v in tensors.items()}


def _short_reason(error: Exception) -> str:
    """The gist of a torch.load error, without torch's advice to retry with weights_only=False."""
    text = " ".join(str(error).split())
    marker = "WeightsUnpickler error:"
    if marker in text:
        text = text.split(marker, 1)[1].split("Check the documentation", 1)[0].strip()
    return f"{type(error).__name__}: {text[:300]}"


def _strip_parallel_prefix(key: str) -> str:
    return key[len(_PARALLEL_PREFIX) :] if key.startswith(_PARALLEL_PREFIX) else key


def torchvision_key_translator(head_prefix: str | None) -> Callable[[str], str]:
    """Map a torchvision checkpoint key to our model's key: ``<head_prefix>.x`` -> ``head.x``,
    any other ``k`` -> ``backbone.k``."""

    def translate(key: str) -> str:
        if head_prefix is not None and key.startswith(head_prefix + "."):
            return "head." + key[len(head_prefix) + 1 :]
        return "backbone." + key

    return translate


def match_state_dict(
    source: Mapping[str, torch.Tensor],
    target: Mapping[str, torch.Tensor],
    translate: Callable[[str], str],
    head_prefix: str = "head.",
) -> StateDictMatch:
    """Pair checkpoint tensors with model tensors (pure; nothing is loaded).

    A source key is used as it is when the model has it, else through ``translate``. Tensors of a
    different shape are skipped when they belong to the head (``head_prefix``) and reported in
    ``shape_mismatch`` otherwise.
    """
    loadable: dict[str, torch.Tensor] = {}
    unexpected: list[str] = []
    skipped_head: list[str] = []
    shape_mismatch: list[str] = []
    for key, tensor in source.items():
        target_key = key if key in target else translate(key)
        if target_key not in target:
            unexpected.append(key)
        elif tuple(target[target_key].shape) == tuple(tensor.shape):
            loadable[target_key] = tensor
        elif target_key.startswith(head_prefix):
            skipped_head.append(key)
        else:
            shape_mismatch.append(
                f"{key}: file {tuple(tensor.shape)} vs model {tuple(target[target_key].shape)}"
            )
    missing = [key for key in target if key not in loadable]
    return StateDictMatch(loadable, missing, unexpected, skipped_head, shape_mismatch)


def load_state_dict_file(model: HasBackboneAndHead, path: str | os.PathLike[str]) -> dict[str, Any]:
    """Load the state_dict at ``path`` into ``model`` (head skipped if its shape differs).

    Returns ``{"source": "file", "path", "sha256", "missing", "unexpected", "skipped"}``.
    Raises :class:`PretrainedWeightsError` naming the file when nothing matches or a backbone
    tensor has the wrong shape.
    """
    state = read_state_dict(path)
    match = match_state_dict(
        state, model.state_dict(), torchvision_key_translator(model.torchvision_head_prefix)
    )
    if match.shape_mismatch:
        shown = "; ".join(match.shape_mismatch[:5])
        raise PretrainedWeightsError(
            f"{path}: {len(match.shape_mismatch)} backbone tensors have a different shape than "
            f"model {model.arch!r} (is it a checkpoint of another architecture?): {shown}"
        )
    if not match.loadable:
        raise PretrainedWeightsError(
            f"{path}: none of its {len(state)} tensors match model {model.arch!r} "
            f"(first keys in the file: {', '.join(list(state)[:5])})"
        )
    model.load_state_dict(match.loadable, strict=False)
    return {
        "source": "file",
        "path": str(Path(path).resolve()),
        "sha256": file_sha256(path),
        "missing": match.missing,
        "unexpected": match.unexpected,
        "skipped": match.skipped_head,
    }


def random_init_report() -> dict[str, Any]:
    """The init report of a randomly initialised model."""
    return {"source": "random", "path": None, "sha256": None, "missing": [], "unexpected": []}


def load_pretrained(model: HasBackboneAndHead, pretrained: str | None) -> dict[str, Any]:
    """Initialise ``model`` from ``pretrained`` and return a JSON-ready report of what was loaded.

    ``pretrained``: ``None`` (keep the random init), ``"imagenet"`` / ``"kinetics400"``
    (torchvision weights for ``model.arch``, via ``$TORCH_HOME``), or a local state_dict path.
    The report is ``{"source", "path", "sha256", "missing", "unexpected", ...}``; named sources
    also carry ``"weights"`` (the torchvision enum).
    """
    if pretrained is None:
        return random_init_report()
    if pretrained in NAMED_SOURCES:
        if model.torchvision_head_prefix is None:
            raise PretrainedWeightsError(
                f"torchvision has no {pretrained!r} weights for {model.arch!r}; pass the path of "
                "a local state_dict file instead"
            )
        weights = torchvision_weights(model.arch, pretrained)
        report = load_state_dict_file(model, fetch_torchvision_weights(weights))
        return {**report, "source": pretrained, "weights": str(weights)}
    return load_state_dict_file(model, pretrained)


def describe_init(model: nn.Module) -> dict[str, Any]:
    """How ``model`` was initialised (its ``init_report``) plus its parameter counts."""
    report = getattr(model, "init_report", None) or random_init_report()
    return {
        **report,
        "arch": getattr(model, "arch", type(model).__name__),
        "num_parameters": sum(p.numel() for p in model.parameters()),
        "num_trainable": sum(p.numel() for p in model.parameters() if p.requires_grad),
    }
