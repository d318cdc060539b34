"""Parameters of the TDA family's runs (Kim et al. 2020), derived from the validated config."""

from __future__ import annotations

from videoaug.stages.params import video_classifier_params


def tda_params(config: dict, dataset: str, policy_slug: str, seed: int | None = None) -> dict:
    """Parameters of one temporal-augmentation run (``results/{ds}_tda_{slug}.json``): the shared
    video-classifier recipe (:func:`videoaug.stages.params.video_classifier_params`) trained with
    the policy whose slug is ``policy_slug``."""
    return video_classifier_params(config, dataset, policy_slug, seed)
