"""The TDA family's entry in the cross-method leaderboard (:mod:`videoaug.report.methods`): its
methods by result name, its baseline, and the gains its paper reports."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from videoaug.report.methods import Family, Method

# --- TDA: Kim et al. 2020 (video classifier per augmentation policy; none = no augmentation) -----


def _kim_gains() -> dict[str, dict[str, float]]:
    """canonical policy (both conventions) -> {paper setting: gain}: a row's Top-1 minus its
    table's Baseline."""
    from videoaug.methods.tda.kim2020 import convention_policy
    from videoaug.methods.tda.kim2020 import load_paper_numbers as kim_numbers

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
    from videoaug.methods.tda.kim2020 import canonical_policy

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


FAMILY = Family("TDA", "Kim et al. 2020 (ECCV-W)", tda_methods)
