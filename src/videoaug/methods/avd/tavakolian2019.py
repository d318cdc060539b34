"""Tavakolian et al. 2019 (AVD) Tables 1-4: the published numbers beside ours, as Markdown.

Paper numbers: ``paper_numbers/tavakolian2019.yaml`` (each row's ``ours`` names the matching
stream, backbone or dataset). Our numbers: AVD result JSONs (``results/seeds/{ds}_avd_*_s{seed}
.json``), grouped by ``(dataset, method, backbone, test dataset)``; each cell is the top-1 in
percent, ``mean ± sample std (n=runs)`` over the classifier seeds. Missing results show "–".

* Table 1: input types (frames, flow, AVD(RGB), AVD(OF), late fusions), our default backbone;
* Table 2: 2D CNN backbones on AVD(RGB) (paper rows, plus our CPU-scale backbones);
* Table 3: cross-dataset (train on one dataset's distilled images, test on another's);
* Table 4: AVD beside the project's dynamic images of the same windows with the same
  classifier (``di``), and the paper's comparison rows.

Beside each of our cells, the paired top-1 gain over the table's baseline with its 95 % interval
(:mod:`videoaug.report.paired`, per-video scores paired by seed): Table 1 over the RGB frame stream,
Table 2 over the default backbone, Table 4 over the dynamic images ``di``; Table 3 (train on one
dataset, test on another) has no baseline row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from videoaug.report.paired import INTERVAL_NOTE, compare, interval_text, scores_path_for
from videoaug.report.tables import (
    fmt_mean_std,
    fmt_mean_std_se,
    load_paper_numbers,
    load_result,
    markdown_table,
    mean_std,
    test_videos,
    top1_percent,
)

TABLE1_STREAMS = ("frames_rgb", "frames_flow", "rgb", "flow")
Key = tuple[str, str, str | None, str]  # dataset, method, backbone (None: fusion), test dataset
MISSING = "missing"


class Run(NamedTuple):
    """One seed run of a table cell: top-1 (%), test videos, result path, classifier seed."""

    top1: float
    n_test: int | None
    path: str
    seed: int | None


def _default_backbone(config: Mapping) -> str:
    return config["avd"]["classifier"]["backbone"]


def stream_name(stream: str, backbone: str, default_backbone: str) -> str:
    """Result stream of ``stream`` with ``backbone`` (``-<backbone>`` unless the default)."""
    return stream if backbone == default_backbone else f"{stream}-{backbone}"


def report_result_paths(config: Mapping) -> list[str]:
    """Every seed result the four tables read (the family's report datasets x ``report.seeds``)."""
    from videoaug.config import report_datasets

    avd = config["avd"]
    default = _default_backbone(config)
    paths: list[str] = []
    seeds = config["report"]["seeds"]
    for ds in report_datasets(config, "avd"):
        streams = [*TABLE1_STREAMS, "di", *avd["classifier"]["fusion"]]
        streams += [stream_name("rgb", b, default) for b in avd["classifier"]["table2_backbones"]]
        for stream in dict.fromkeys(streams):
            paths += [f"results/seeds/{ds}_avd_{stream}_s{s}.json" for s in seeds]
        for target in ([avd["cross"][ds]] if ds in avd["cross"] else []):
            for seed in seeds:
                paths.append(f"results/seeds/{ds}_avd_rgb_on_{target}_s{seed}.json")
    return list(dict.fromkeys(paths))


def report_score_paths(config: Mapping) -> list[str]:
    """The per-video scores of those seed runs (the paired gain columns)."""
    return [str(scores_path_for(p)) for p in report_result_paths(config)]


def result_key(result: Mapping) -> Key:
    config = result.get("config", {})
    backbone = config.get("backbone")
    method = str(result["method"])
    if "_on_" in method:
        method = method.split("_on_")[0]
    return (str(result["dataset"]), method, backbone,
            str(result.get("test_dataset") or result["dataset"]))


def collect(paths: Iterable[str | Path]) -> dict[Key, list[Run]]:
    """Top-1 (%), test videos, path and seed per key over every readable result of ``paths``."""
    groups: dict[Key, list[Run]] = defaultdict(list)
    for path in paths:
        result = load_result(path)
        if result is None or not str(result.get("method", "")).startswith("avd_"):
            continue
        seed = result.get("seed")
        groups[result_key(result)].append(Run(top1_percent(result), test_videos(result),
                                              str(path), None if seed is None else int(seed)))
    return groups


def _cell(groups: Mapping[Key, list[Run]], ds: str, method: str,
          backbone: str | None, test: str | None = None) -> str:
    """``"61.67 ± 3.82 (n=3), SE 3.44 (n=200)"``: mean ± std over seeds, then the test-set
    standard error of that mean top-1 (every table says how much one test set can tell)."""
    runs = groups.get((ds, method, backbone, test or ds))
    if not runs:
        return fmt_mean_std(None)
    return fmt_mean_std_se(mean_std([r.top1 for r in runs]), next((r.n_test for r in runs
                                                                     if r.n_test), None))


def _gain(groups: Mapping[Key, list[Run]], ds: str, row: tuple[str, str | None],
          base: tuple[str, str | None]) -> str:
    """The paired gain of the runs of ``row`` = (method, backbone) over ``base`` on ``ds``."""
    if row == base:
        return "baseline"
    found, ref = groups.get((ds, *row, ds)), groups.get((ds, *base, ds))
    if not found or not ref:
        return MISSING

    def scores(runs: list[Run]) -> dict[int, Path]:
        return {r.seed: scores_path_for(r.path) for r in runs if r.seed is not None}

    gain = compare(scores(found), scores(ref))
    return MISSING if gain is None else interval_text(gain)


def _fusion_backbone(method: str, default: str) -> str | None:
    return None if "+" in method else default


def _paper(row: Mapping, columns: Sequence[str]) -> list[str]:
    return [f"{row['values'][c]:.1f}" if c in row["values"] else "–" for c in columns]


def table1(paper: Mapping, groups, datasets: Sequence[str], default: str) -> str:
    spec = paper["tables"]["table1"]
    cols = ["UCF101", "HMDB51"]
    rows = []
    base = ("avd_frames_rgb", default)
    for row in spec["rows"]:
        method = f"avd_{row['ours']}"
        key = (method, _fusion_backbone(method, default))
        rows.append([row["name"], f"`{row['ours']}`", *_paper(row, cols),
                     *(c for ds in datasets for c in (_cell(groups, ds, *key),
                                                      _gain(groups, ds, key, base)))])
    header = ["input", "stream", *(f"paper {c}" for c in cols),
              *(c for ds in datasets for c in (f"ours {ds}", f"{ds} gain vs RGB (pp) [95 % CI]"))]
    return markdown_table(header, rows)


def table2(paper: Mapping, groups, datasets: Sequence[str], backbones: Sequence[str],
           default: str | None = None) -> str:
    spec = paper["tables"]["table2"]
    cols = ["UCF101", "HMDB51"]
    base = ("avd_rgb", default or (backbones[0] if backbones else None))

    def ours(backbone: str) -> list[str]:
        return [c for ds in datasets for c in (_cell(groups, ds, "avd_rgb", backbone),
                                               _gain(groups, ds, ("avd_rgb", backbone), base))]

    rows, seen = [], set()
    for row in spec["rows"]:
        seen.add(row["ours"])
        rows.append([row["name"], f"`{row['ours']}`", *_paper(row, cols), *ours(row["ours"])])
    for backbone in backbones:
        if backbone not in seen:
            rows.append(["(CPU scale)", f"`{backbone}`", "–", "–", *ours(backbone)])
    header = ["2D CNN (AVD(RGB))", "backbone", *(f"paper {c}" for c in cols),
              *(c for ds in datasets
                for c in (f"ours {ds}", f"{ds} gain vs `{base[1]}` (pp) [95 % CI]"))]
    return markdown_table(header, rows)


def table3(paper: Mapping, groups, pairs: Sequence[tuple[str, str]], default: str) -> str:
    spec = paper["tables"]["table3"]
    cols = ["test UCF101", "test HMDB51", "test Kinetics"]
    text = markdown_table(["paper", *cols], [[row["name"], *_paper(row, cols)]
                                             for row in spec["rows"]])
    names = list(dict.fromkeys(n for pair in pairs for n in pair))
    rows = [[f"train on {a}", *(_cell(groups, a, "avd_rgb", default, b) for b in names)]
            for a in names]
    return text + "\nOurs (AVD(RGB), top-1 %):\n\n" + markdown_table(
        ["ours", *(f"test {b}" for b in names)], rows)


def table4(paper: Mapping, groups, datasets: Sequence[str], default: str) -> str:
    spec = paper["tables"]["table4"]
    cols = ["UCF101", "HMDB51"]
    ours = {"di": "dynamic images of the same windows (Bilen et al.; this project), same CNN",
            "rgb": "AVD (RGB)", "frames_flow+flow+rgb": "AVD: OF+AVD (OF)+AVD (RGB)"}
    base = ("avd_di", default)
    rows = []
    for stream, stream_label in ours.items():
        key = (f"avd_{stream}", _fusion_backbone(stream, default))
        rows.append([stream_label, f"`{stream}`", "–", "–",
                     *(c for ds in datasets for c in (_cell(groups, ds, *key),
                                                      _gain(groups, ds, key, base)))])
    rows += [[row["name"], f"`{row.get('ours', '')}`" if row.get("ours") else "",
              *_paper(row, cols), *("–" for _ in datasets for _ in (0, 1))]
             for row in spec["rows"]]
    header = ["method", "stream", *(f"paper {c}" for c in cols),
              *(c for ds in datasets for c in (f"ours {ds}", f"{ds} gain vs `di` (pp) [95 % CI]"))]
    return markdown_table(header, rows)


def write_tables(result_paths: Iterable[str | Path], out_dir: str | Path,
                 datasets: Sequence[str], cross: Sequence[str] = (),
                 default_backbone: str = "tsn_resnet18",
                 backbones: Sequence[str] | None = None) -> list[Path]:
    """Write ``tavakolian2019_table{1,2,3,4}.md`` into ``out_dir``; ``cross``: ``"a:b"``."""
    paper = load_paper_numbers("tavakolian2019")
    groups = collect(result_paths)
    found = sorted({k[2] for k in groups if k[1] == "avd_rgb" and k[2]})
    default = default_backbone
    pairs = [tuple(p.split(":", 1)) for p in cross]
    note = ("Top-1 (%), ours: mean ± sample std over classifier seeds (n = runs); paper: "
            "ImageNet-pretrained CNNs on UCF101/HMDB51 (3-split means). Ours: CPU scale of "
            f"`avd:` (README \"AVD\"). {INTERVAL_NOTE}\n\n")
    bodies = {
        1: table1(paper, groups, datasets, default),
        2: table2(paper, groups, datasets, backbones or found or [default], default),
        3: table3(paper, groups, pairs, default),
        4: table4(paper, groups, datasets, default),
    }
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for number, body in bodies.items():
        spec = paper["tables"][f"table{number}"]
        path = out_dir / f"tavakolian2019_table{number}.md"
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(f"# Tavakolian et al. 2019, Table {number}: {spec['caption']}\n\n"
                       f"Paper setting: {spec['setting']}\n\n{note}{body}", encoding="utf-8")
        tmp.replace(path)
        written.append(path)
    return written
