"""The method registry of the cross-method leaderboard: the ONE place a method family registers.

A family (one report category: SPS, TDA, L2A, AVD) registers a function
``config -> list[Method]``: every method/variant it reports, each named by its *result name*
(``results/seeds/{ds}_{result}_s{seed}.json``, ``results/{ds}_{result}.json``), the family's own
no-augmentation baseline's result name, where the run's Snakemake benchmark file lies, which result
key counts the extra training samples it added, and the accuracy gain the paper reports for it.
The leaderboard (:mod:`videoaug.report.leaderboard`) knows nothing else about any family: adding a
family is adding one entry to :data:`FAMILIES` (and, when it has paper numbers, a YAML file under
``paper_numbers/``).

Paper gains are top-1 differences in percentage points, method minus the paper's own baseline, in
the paper's setting (dataset named beside the number): Zhang et al. 2020 (Figure 4 discussion,
``paper_numbers/zhang2020.yaml``) and Kim et al. 2020 (Tables 2-6, ``paper_numbers/kim2020.yaml``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from videoaug.report.tables import load_paper_numbers


@dataclass(frozen=True)
class Method:
    """One leaderboard row: a method or variant of a family, by its result name.

    ``benchmark`` is a pattern with ``{ds}`` and ``{seed}``, relative to ``benchmarks/``
    (Snakemake's ``benchmark:`` file of the seed run); ``extra_samples_key`` a dotted key of the
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


# --- TDA: Kim et al. 2020 (video classifier per augmentation policy; none = no augmentation) -----


def _kim_gains() -> dict[str, dict[str, float]]:
    """canonical policy (both conventions) -> {paper setting: gain}: a row's Top-1 minus its
    table's Baseline."""
    from videoaug.report.kim2020 import convention_policy
    from videoaug.report.kim2020 import load_paper_numbers as kim_numbers

    gains: dict[str, dict[str, float]] = {}
    for table in kim_numbers()["tables"]:
        rows = table["rows"]
        base = next((r for r in rows if r.get("policy") == "none"), None)
        if base is None or "Top-1" not in base.get("values", {}):
            continue
        for row in rows:
            policy, top1 = row.get("policy"), row.get("values", {}).get("Top-1")
            if policy and policy != "none" and top1 is not None:
                gain = round(float(top1) - float(base["values"]["Top-1"]), 2)
                # the row's policy in both conventions: the released code produced these numbers
                for convention in ("randaugment", "released"):
                    text = convention_policy(policy, convention)
                    if text is not None:
                        gains.setdefault(text, {}).setdefault("UCF101-VIPriors", gain)
    return gains


def tda_methods(config: Mapping[str, Any]) -> list[Method]:
    from videoaug.augment.policy import policy_slug
    from videoaug.report.kim2020 import canonical_policy

    gains = _kim_gains()
    return [
        Method(
            family="TDA",
            name="no augmentation" if policy_slug(p) == "none" else canonical_policy(p),
            result=f"tda_{policy_slug(p)}",
            baseline="tda_none",
            benchmark="{ds}/train_tda/" + policy_slug(p) + "_s{seed}.tsv",
            paper_gains=gains.get(canonical_policy(p), {}),
        )
        for p in config["tda"]["report_policies"]
    ]


# --- The registry: one entry per family. L2A and AVD add theirs here. -------------------------

FAMILIES: dict[str, Family] = {
    "SPS": Family("SPS", "Zhang et al. 2020 (ACM MM)", sps_methods),
    "TDA": Family("TDA", "Kim et al. 2020 (ECCV-W)", tda_methods),
}


def registered_methods(
    config: Mapping[str, Any], families: list[str] | None = None
) -> list[Method]:
    """Every registered method of ``families`` (default: all), family by family in registry order.

    Raises ``KeyError`` naming the registered families for an unknown name.
    """
    names = list(FAMILIES) if families is None else families
    unknown = [n for n in names if n not in FAMILIES]
    if unknown:
        raise KeyError(
            f"unknown method family {', '.join(unknown)} (leaderboard.families); "
            f"registered in videoaug.report.methods.FAMILIES: {', '.join(FAMILIES)}"
        )
    return [m for n in names for m in FAMILIES[n].methods(config)]


def seed_result_path(result: str, ds: str, seed: int, results_dir: str = "results") -> str:
    """Where the seed run of the method with result name ``result`` on ``ds`` writes its JSON."""
    return f"{results_dir}/seeds/{ds}_{result}_s{seed}.json"


def leaderboard_params(config: Mapping[str, Any], ds: str) -> dict[str, Any]:
    """The ``leaderboard`` command's ``--params``: dataset, ``report.seeds``, every registered
    method (all families: a family whose runs were not asked for shows as missing)."""
    return {
        "dataset": ds,
        "seeds": list(config["report"]["seeds"]),
        "methods": [m.to_json() for m in registered_methods(config)],
    }


def leaderboard_inputs(config: Mapping[str, Any], ds: str) -> list[str]:
    """The seed results the ``leaderboard`` rule builds: ``leaderboard.families`` (null = all)."""
    families = config.get("leaderboard", {}).get("families")
    names = dict.fromkeys(
        n for m in registered_methods(config, families) for n in (m.result, m.baseline)
    )
    return [seed_result_path(n, ds, s) for n in names for s in config["report"]["seeds"]]


def leaderboard_datasets(config: Mapping[str, Any]) -> list[str]:
    return config.get("leaderboard", {}).get("datasets") or list(config["report"]["datasets"])
