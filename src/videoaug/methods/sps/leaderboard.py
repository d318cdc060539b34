"""The SPS family's entry in the cross-method leaderboard (:mod:`videoaug.report.methods`): its
methods by result name, its baseline, and the gains its paper reports."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from videoaug.report.methods import Family, Method
from videoaug.report.tables import load_paper_numbers

# --- SPS: Zhang et al. 2020 (temporal stream on dynamic images; ssdi = no GAN images) ------------

SPS_METHODS = {"ssdi": "SSDI (no GAN images)", "rnd": "RND-GAN", "tsp": "TSP-GAN", "sps": "SPS-GAN"}


def _zhang_gains() -> dict[str, dict[str, float]]:
    """method -> {paper setting: gain}: Figure 4's ``{ds}_{method}`` minus ``{ds}_ssdi``."""
    values = load_paper_numbers("zhang2020")["fig4"]["values"]
    gains: dict[str, dict[str, float]] = {}
    for key, value in values.items():
        ds, method = key.split("_", 1)
        base = values.get(f"{ds}_ssdi")
        if base is not None and method != "ssdi":
            gains.setdefault(method, {})[ds.upper()] = round(float(value) - float(base), 2)
    return gains


def sps_methods(config: Mapping[str, Any]) -> list[Method]:
    gains = _zhang_gains()
    return [
        Method(
            family="SPS",
            name=name,
            result=method,
            baseline="ssdi",
            benchmark="{ds}/train_temporal/" + method + "_s{seed}.tsv",
            paper_gains=gains.get(method, {}),
        )
        for method, name in SPS_METHODS.items()
    ]


FAMILY = Family("SPS", "Zhang et al. 2020 (ACM MM)", sps_methods)
