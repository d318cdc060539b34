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
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

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


def result_key(result: Mapping) -> Key:
    config = result.get("config", {})
    backbone = config.get("backbone")
    method = str(result["method"])
    if "_on_" in method:
        method = method.split("_on_")[0]
    return (str(result["dataset"]), method, backbone,
            str(result.get("test_dataset") or result["dataset"]))


def collect(paths: Iterable[str | Path]) -> dict[Key, list[tuple[float, int | None]]]:
    """Top-1 (%) and the number of test videos per key over every readable result of ``paths``."""
    groups: dict[Key, list[tuple[float, int | None]]] = defaultdict(list)
    for path in paths:
        result = load_result(path)
        if result is None or not str(result.get("method", "")).startswith("avd_"):
            continue
        groups[result_key(result)].append((top1_percent(result), test_videos(result)))
    return groups


def _cell(groups: Mapping[Key, list[tuple[float, int | None]]], ds: str, method: str,
          backbone: str | None, test: str | None = None) -> str:
    """``"61.67 ± 3.82 (n=3), SE 3.44 (n=200)"``: mean ± std over seeds, then the test-set
    standard error of that mean top-1 (every table says how much one test set can tell)."""
    runs = groups.get((ds, method, backbone, test or ds))
    if not runs:
        return fmt_mean_std(None)
    return fmt_mean_std_se(mean_std([top1 for top1, _ in runs]),
                           next((n for _, n in runs if n), None))


def _fusion_backbone(method: str, default: str) -> str | None:
    return None if "+" in method else default


def _paper(row: Mapping, columns: Sequence[str]) -> list[str]:
    return [f"{row['values'][c]:.1f}" if c in row["values"] else "–" for c in columns]


def table1(paper: Mapping, groups, datasets: Sequence[str], default: str) -> str:
    spec = paper["tables"]["table1"]
    cols = ["UCF101", "HMDB51"]
    rows = []
    for row in spec["rows"]:
        method = f"avd_{row['ours']}"
        rows.append([row["name"], f"`{row['ours']}`", *_paper(row, cols),
                     *(_cell(groups, ds, method, _fusion_backbone(method, default))
                       for ds in datasets)])
    header = ["input", "stream", *(f"paper {c}" for c in cols), *(f"ours {ds}" for ds in datasets)]
    return markdown_table(header, rows)


def table2(paper: Mapping, groups, datasets: Sequence[str], backbones: Sequence[str]) -> str:
    spec = paper["tables"]["table2"]
    cols = ["UCF101", "HMDB51"]
    rows, seen = [], set()
    for row in spec["rows"]:
        seen.add(row["ours"])
        rows.append([row["name"], f"`{row['ours']}`", *_paper(row, cols),
                     *(_cell(groups, ds, "avd_rgb", row["ours"]) for ds in datasets)])
    for backbone in backbones:
        if backbone not in seen:
            rows.append(["(CPU scale)", f"`{backbone}`", "–", "–",
                         *(_cell(groups, ds, "avd_rgb", backbone) for ds in datasets)])
    header = ["2D CNN (AVD(RGB))", "backbone", *(f"paper {c}" for c in cols),
              *(f"ours {ds}" for ds in datasets)]
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
    rows = [[stream_label, f"`{stream}`", "–", "–",
             *(_cell(groups, ds, f"avd_{stream}", _fusion_backbone(stream, default))
               for ds in datasets)] for stream, stream_label in ours.items()]
    rows += [[row["name"], f"`{row.get('ours', '')}`" if row.get("ours") else "",
              *_paper(row, cols), *("–" for _ in datasets)] for row in spec["rows"]]
    header = ["method", "stream", *(f"paper {c}" for c in cols), *(f"ours {ds}" for ds in datasets)]
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
            "`avd:` (README \"AVD\").\n\n")
    bodies = {
        1: table1(paper, groups, datasets, default),
        2: table2(paper, groups, datasets, backbones or found or [default]),
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
