"""The L2A family's entry in the cross-method leaderboard (:mod:`videoaug.report.methods`): its
classifier runs by result name (the Selector's pairs, random pairs, the ActorCut-like baseline and
the Table 1/2 ablation rows), its baseline ``l2a_none`` (real clips only, the same recipe and seed
stream), and the gains its paper reports (``paper_numbers/gowda2022.yaml``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from videoaug.report.methods import Family, Method
from videoaug.report.tables import load_paper_numbers

BASELINE = "l2a_none"
HEADLINE = {
    "l2a_none": "no augmentation (real clips only)",
    "l2a": "L2A (Selector + Compositing + Matching)",
    "l2a_random": "random pairs (no Selector)",
    "l2a_actorcut": "ActorCut-like (random pairs, boxes, raw frames)",
}


def _table_rows(paper: Mapping, number: int) -> list[Mapping]:
    return list(paper["tables"][f"table{number}"]["rows"])


def gowda_gains() -> dict[str, dict[str, float]]:
    """method -> {paper setting: gain}: Table 5 (from scratch) rows minus its Standard row per
    dataset; Tables 1 and 2 rows minus Table 1's no-component row (the same setting; Table 2
    repeats Table 1's full row, so ``l2a`` keeps Table 1's)."""
    paper = load_paper_numbers("gowda2022")
    gains: dict[str, dict[str, float]] = {}
    scratch = [r for r in _table_rows(paper, 5) if r.get("pretraining") == "No Pretraining"]
    for ds in dict.fromkeys(r["dataset"] for r in scratch):
        rows = [r for r in scratch if r["dataset"] == ds]
        base = next((r for r in rows if r.get("ours") == BASELINE), None)
        for row in rows:
            if base is not None and row.get("ours") and row["ours"] != BASELINE:
                gain = float(row["values"]["Top-1"]) - float(base["values"]["Top-1"])
                gains.setdefault(row["ours"], {})[f"{ds} (Table 5)"] = round(gain, 2)
    table1 = _table_rows(paper, 1)
    none = next(r for r in table1 if not any(r["config"].values()))
    for number in (1, 2):
        for row in _table_rows(paper, number):
            if row is none or not row.get("ours") or (
                    number == 2 and any("Table 1" in k for k in gains.get(row["ours"], {}))):
                continue
            gain = float(row["values"]["Accuracy"]) - float(none["values"]["Accuracy"])
            gains.setdefault(row["ours"], {}).setdefault(
                f"UCF101 20% (Table {number}, vs no component)", round(gain, 2))
    return gains


def l2a_method_names() -> dict[str, str]:
    """result name -> row name: the headline runs, then Tables 1 and 2's rows (paper names)."""
    paper = load_paper_numbers("gowda2022")
    names = dict(HEADLINE)
    for number in (1, 2):
        for row in _table_rows(paper, number):
            if not row.get("ours"):
                continue
            if number == 1 and not any(row["config"].values()):  # the paper's "none (baseline)"
                name = "no component: MixUp of random pairs (Table 1's baseline)"
            else:
                name = f"{row['name']} (Table {number})"
            names.setdefault(row["ours"], name)
    return names


def l2a_methods(config: Mapping[str, Any]) -> list[Method]:
    gains = gowda_gains()
    return [
        Method(
            family="L2A",
            name=name,
            result=result,
            baseline=BASELINE,
            benchmark="{ds}/train_l2a/" + result + "_s{seed}.tsv",
            paper_gains=gains.get(result, {}),
        )
        for result, name in l2a_method_names().items()
    ]


FAMILY = Family("L2A", "Gowda et al. 2022 (ECCV)", l2a_methods)
