"""Classifiers: TSN on images/segments and video networks on clips, plus weight loading.

>>> from videoaug.models import build_model, model_input_kind
>>> model_input_kind("tsn_resnet18"), model_input_kind("slowfast_tiny")
('image', 'clip')
"""

from videoaug.models.factory import MODEL_NAMES, build_model, model_input_kind
from videoaug.models.tsn import TSN, average_consensus
from videoaug.models.video import (
    SLOWFAST_R50,
    SLOWFAST_TINY,
    SlowFast,
    SlowFastConfig,
    VideoResNetClassifier,
)
from videoaug.models.weights import PretrainedWeightsError, describe_init, load_pretrained

__all__ = [
    "MODEL_NAMES",
    "SLOWFAST_R50",
    "SLOWFAST_TINY",
    "TSN",
    "PretrainedWeightsError",
    "SlowFast",
    "SlowFastConfig",
    "VideoResNetClassifier",
    "average_consensus",
    "build_model",
    "describe_init",
    "load_pretrained",
    "model_input_kind",
]
