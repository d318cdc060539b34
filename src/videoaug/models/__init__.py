"""Classifiers: TSN on images/segments and video networks on clips, plus weight loading.

>>> from videoaug.models import build_model, model_input_kind
>>> model_input_kind("tsn_resnet18"), model_input_kind("slowfast_tiny")
('image', 'clip')

The names below are loaded on first use (PEP 562): the Snakefile imports
``videoaug.models.weight_preflight`` while it builds the DAG, and importing this package must not
pull in torch and torchvision there (4 of a dry run's 8.6 s).
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "MODEL_NAMES": "factory",
    "build_model": "factory",
    "model_input_kind": "factory",
    "TSN": "tsn",
    "average_consensus": "tsn",
    "SLOWFAST_R50": "video",
    "SLOWFAST_TINY": "video",
    "SlowFast": "video",
    "SlowFastConfig": "video",
    "VideoResNetClassifier": "video",
    "PretrainedWeightsError": "weights",
    "describe_init": "weights",
    "load_pretrained": "weights",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        try:  # a submodule (``videoaug.models.weights``) reached as an attribute
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
