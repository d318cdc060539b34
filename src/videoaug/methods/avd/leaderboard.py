"""The AVD family's entry in the cross-method leaderboard (:mod:`videoaug.report.methods`): the 2D
classifier on each input stream (frames, flow images, AVD's distilled images of RGB and of flow,
dynamic images of the same windows) and the late fusions of ``avd.classifier.fusion``, over the
plain RGB frame stream (``avd_frames_rgb``, Tavakolian et al.'s "RGB" row), with the gains the
paper's Table 1 reports (``paper_numbers/tavakolian2019.yaml``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from videoaug.report.methods import Family, Method
from videoaug.report.tables import load_paper_numbers

BASELINE_STREAM = "frames_rgb"
STREAMS = ("frames_rgb", "frames_flow", "rgb", "flow", "di")
OWN_NAMES = {"di": "dynamic images of the same windows (no paper row)"}
PAPER_COLUMNS = ("UCF101", "HMDB51")


def tavakolian_table1() -> list[Mapping]:
    return list(load_paper_numbers("tavakolian2019")["tables"]["table1"]["rows"])


def tavakolian_gains() -> dict[str, dict[str, float]]:
    """stream -> {paper setting: gain}: each Table 1 row minus its RGB row, UCF101 and HMDB51."""
    rows = tavakolian_table1()
    base = next(r for r in rows if r.get("ours") == BASELINE_STREAM)
    gains: dict[str, dict[str, float]] = {}
    for row in rows:
        if row.get("ours") and row["ours"] != BASELINE_STREAM:
            for col in PAPER_COLUMNS:
                if col in row["values"] and col in base["values"]:
                    gain = float(row["values"][col]) - float(base["values"][col])
                    gains.setdefault(row["ours"], {})[f"{col} (Table 1)"] = round(gain, 2)
    return gains


def avd_methods(config: Mapping[str, Any]) -> list[Method]:
    names = {r["ours"]: r["name"] for r in tavakolian_table1() if r.get("ours")}
    gains = tavakolian_gains()
    fusions = list(config["avd"]["classifier"]["fusion"])
    methods = []
    for stream in dict.fromkeys([*STREAMS, *fusions]):
        parts = stream.split("+")
        methods.append(Method(
            family="AVD",
            name=names.get(stream) or OWN_NAMES.get(stream) or stream.replace("+", " + "),
            result=f"avd_{stream}",
            baseline=f"avd_{BASELINE_STREAM}",
            # a fusion costs its streams' training (the fusion itself is a mean of their scores)
            benchmark=" + ".join(
                "{ds}/train_avd_classifier/" + p + "_s{seed}.tsv" for p in parts),
            extra_samples_key=None,
            paper_gains=gains.get(stream, {}),
        ))
    return methods


FAMILY = Family("AVD", "Tavakolian et al. 2019", avd_methods)
