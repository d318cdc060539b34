"""The method registry of the cross-method leaderboard: the ONE place a method family registers.

A family (one report category: SPS, TDA, L2A, AVD) registers a function
``config -> list[Method]``: every method/variant it reports, each named by its *result name*
(``results/seeds/{ds}_{result}_s{seed}.json``, ``results/{ds}_{result}.json``), the family's own
no-augmentation baseline's result name, where the run's Snakemake benchmark file lies, which result
key counts the extra training samples it added, and the accuracy gain the paper reports for it.
The leaderboard (:mod:`videoaug.report.leaderboard`) knows nothing else about any family: a family
registers by defining ``FAMILY`` in its ``videoaug.methods.<id>.leaderboard`` module, named in
:data:`FAMILY_MODULES` (and, when it has paper numbers, a YAML file under ``paper_numbers/``).

Paper gains are top-1 differences in percentage points, method minus the paper's own baseline, in
the paper's setting (named beside the number), computed from the packaged numbers: Zhang et al. 2020
(Figure 4 discussion, ``paper_numbers/zhang2020.yaml``), Kim et al. 2020 (Tables 2-6,
``kim2020.yaml``), Gowda et al. 2022 (Tables 1, 2, 5, ``gowda2022.yaml``) and Tavakolian et al.
2019 (Table 1, ``tavakolian2019.yaml``).

Every seed run writes its per-video test scores beside its JSON (:func:`seed_scores_path`); the
leaderboard and the claims table pair a method's with its baseline's
(:mod:`videoaug.report.paired`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Method:
    """One leaderboard row: a method or variant of a family, by its result name.

    ``benchmark`` is a pattern with ``{ds}`` and ``{seed}``, relative to ``benchmarks/``
    (Snakemake's ``benchmark:`` file of the seed run; several joined by `` + `` add up, e.g. the
    streams of a late fusion); ``extra_samples_key`` a dotted key of the
    result JSON (``counts.train_generated``); ``paper_gains`` maps the paper's
    setting (e.g. ``UCF4``) to its reported gain in points.
    """

    family: str
    name: str
    result: str
    baseline: str
    benchmark: str
    extra_samples_key: str | None = "counts.train_generated"
    paper_gains: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> Method:
        return cls(**{k: (dict(v) if k == "paper_gains" else v) for k, v in value.items()})


@dataclass(frozen=True)
class Family:
    """A method family: its report category, the paper it follows, and its registered methods."""

    name: str
    paper: str
    methods: Callable[[Mapping[str, Any]], list[Method]]


# --- The registry: each family's ``videoaug.methods.<id>.leaderboard`` module defines ``FAMILY``.
# Loaded by name, like the CLI's command groups, so this shared layer imports no family.
FAMILY_MODULES: tuple[str, ...] = (
    "videoaug.methods.sps.leaderboard",
    "videoaug.methods.tda.leaderboard",
    "videoaug.methods.l2a.leaderboard",
    "videoaug.methods.avd.leaderboard",
)


def load_families() -> dict[str, Family]:
    """Every registered family by report category, in :data:`FAMILY_MODULES` order."""
    families = [importlib.import_module(name).FAMILY for name in FAMILY_MODULES]
    return {family.name: family for family in families}


def __getattr__(name: str) -> Any:
    if name == "FAMILIES":  # loaded on first use: importing this module stays light
        return load_families()
    raise AttributeError(name)


def registered_methods(
    config: Mapping[str, Any], families: list[str] | None = None
) -> list[Method]:
    """Every registered method of ``families`` (default: all), family by family in registry order.

    Raises ``KeyError`` naming the registered families for an unknown name.
    """
    registered = load_families()
    names = list(registered) if families is None else families
    unknown = [n for n in names if n not in registered]
    if unknown:
        raise KeyError(
            f"unknown method family {', '.join(unknown)} (leaderboard.families); "
            f"registered in videoaug.report.methods.FAMILIES: {', '.join(registered)}"
        )
    return [m for n in names for m in registered[n].methods(config)]


def seed_result_path(result: str, ds: str, seed: int, results_dir: str = "results") -> str:
    """Where the seed run of the method with result name ``result`` on ``ds`` writes its JSON."""
    return f"{results_dir}/seeds/{ds}_{result}_s{seed}.json"


def seed_scores_path(result: str, ds: str, seed: int, results_dir: str = "results") -> str:
    """Where that seed run writes its per-video test scores (``.npz``)."""
    return f"{results_dir}/scores/seeds/{ds}_{result}_s{seed}.npz"


def leaderboard_params(config: Mapping[str, Any], ds: str) -> dict[str, Any]:
    """The ``leaderboard`` command's ``--params``: dataset, ``report.seeds``, every registered
    method (all families: a family whose runs were not asked for shows as missing)."""
    return {
        "dataset": ds,
        "seeds": list(config["report"]["seeds"]),
        "methods": [m.to_json() for m in registered_methods(config)],
    }


def leaderboard_inputs(config: Mapping[str, Any], ds: str) -> list[str]:
    """The seed results and their per-video scores the ``leaderboard`` rule builds:
    ``leaderboard.families`` (null = all)."""
    families = config.get("leaderboard", {}).get("families")
    names = dict.fromkeys(
        n for m in registered_methods(config, families) for n in (m.result, m.baseline)
    )
    return [path for n in names for s in config["report"]["seeds"]
            for path in (seed_result_path(n, ds, s), seed_scores_path(n, ds, s))]


def leaderboard_datasets(config: Mapping[str, Any]) -> list[str]:
    return config.get("leaderboard", {}).get("datasets") or list(config["report"]["datasets"])
