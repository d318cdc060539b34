"""Gowda et al. 2022 (Learn2Augment) Tables 1-5: the published numbers beside ours, as Markdown.

Paper numbers: ``paper_numbers/gowda2022.yaml`` (each row's ``ours`` names the result method).
Our numbers: seed results, each cell the top-1 in percent as ``mean ± sample std (n=runs)`` over
``report.seeds``, with the test-set standard error of that mean top-1
(:func:`videoaug.report.tables.top1_standard_error`); a result that is not there reads "missing".

* Table 1 (Selector × Video Compositing × Semantic Matching) and Table 2 (compositing steps):
  ``results/seeds/{ds}_{method}_s{seed}.json`` of :mod:`videoaug.methods.l2a.ablation`, with the
  search space S, the pairs a Selector keeps (ω ≥ 0.5) and the augmented samples per row;
* Table 3 (semi-supervised): ``results/seeds/{ds}_{method}_semi{p}_s{seed}.json``, ``method`` in
  :data:`SEMI_METHODS`, ``p`` the integer percent of each ``l2a.semi.fractions`` entry;
* Table 4 (few-shot): ``results/seeds/{ds}_fewshot_{method}_{n}shot_s{seed}.json`` on
  ``l2a.fewshot.dataset``, ``metrics.top1`` the mean episode accuracy and ``metrics.ci95`` its
  95 % half-width (fractions);
* Table 5 (augmenting the full training set): ``l2a_none`` (Standard), ``l2a_actorcut``, ``l2a``.

Each of our cells has the paired top-1 gain over the table's baseline beside it, with its 95 %
interval (:mod:`videoaug.report.paired`; per-video scores ``results/scores/seeds/...npz`` paired by
seed): Table 1 over its no-component row, Table 2 over the full L2A row (the drop of each
removed step), Table 3 over the labelled-only run at the same fraction, Table 5 over Standard
(``l2a_none``); Table 4 pairs ``pn_l2a`` with ``pn`` episode by episode
(``metrics.episode_accuracy``, the same episodes: ``metrics.episodes_sha256``) and seed by seed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from videoaug.report.paired import (
    INTERVAL_NOTE,
    gain_cell,
    interval_text,
    paired_gain,
    scores_path_for,
)
from videoaug.report.tables import (
    fmt_mean_std,
    fmt_mean_std_se,
    load_paper_numbers,
    load_result,
    markdown_table,
    mean_std,
)

MISSING = "missing"
SEED_RESULT = "{root}/seeds/{ds}_{method}_s{seed}.json"
SEMI_RESULT = "{root}/seeds/{ds}_{method}_semi{p}_s{seed}.json"
FEWSHOT_RESULT = "{root}/seeds/{ds}_fewshot_{method}_{n}shot_s{seed}.json"
SEMI_METHODS = ("l2a", "none", "cutmix", "mixup", "cutout", "pseudolabel")
FEWSHOT_METHODS = ("pn", "pn_l2a")
DEFAULT_SEMI_FRACTIONS = (50, 20, 10, 5)  # the paper's UCF101 columns
DEFAULT_FEWSHOT_DATASET = "synth10"
DEFAULT_SHOTS = (1, 2, 3, 4, 5)
TABLE5_METHODS = ("l2a_none", "l2a_actorcut", "l2a")
REFERENCE_METHOD = "l2a_none"  # shown under Table 1: no augmented samples at all
TABLE_BASELINES = {1: "l2a_random_nocomp_nomatch", 2: "l2a", 5: "l2a_none"}  # each table's own
SEMI_BASELINE = "none"  # Table 3: the labelled-only run at the same fraction
FEWSHOT_BASELINE = "pn"


# ------------------------------------------------------------------------------ configuration
def percent(value: float) -> int:
    """A label fraction as the integer percent of the result names: ``0.2`` or ``20`` → 20."""
    value = float(value)
    return int(round(100 * value)) if value <= 1 else int(round(value))


def semi_fractions(config: Mapping) -> list[int]:
    """``l2a.semi.fractions`` as integer percents (default: the paper's UCF101 50/20/10/5 %)."""
    values = config.get("l2a", {}).get("semi", {}).get("fractions", DEFAULT_SEMI_FRACTIONS)
    return [percent(v) for v in values]


def fewshot_setting(config: Mapping) -> tuple[str, list[int]]:
    """``(l2a.fewshot.dataset, l2a.fewshot.shots)`` with defaults synth10 and 1..5."""
    few = config.get("l2a", {}).get("fewshot", {})
    return str(few.get("dataset", DEFAULT_FEWSHOT_DATASET)), [
        int(n) for n in few.get("shots", DEFAULT_SHOTS)]


def table_methods(number: int) -> list[str]:
    """Our methods of Table 1, 2 or 5 (paper rows' ``ours``, plus Table 1's reference row)."""
    rows = load_paper_numbers("gowda2022")["tables"][f"table{number}"]["rows"]
    methods = [row["ours"] for row in rows if row.get("ours")]
    if number == 1:
        methods.append(REFERENCE_METHOD)
    return list(dict.fromkeys(methods))


def table_params(config: Mapping, number: int) -> dict[str, Any]:
    """What shapes one table (the rule's params): datasets, seeds and the table's own setting."""
    from videoaug.config import report_datasets

    report = config["report"]
    params: dict[str, Any] = {"table": number, "datasets": report_datasets(config, "l2a"),
                              "seeds": [int(s) for s in report["seeds"]]}
    if number == 3:
        params["fractions"] = semi_fractions(config)
    if number == 4:
        dataset, shots = fewshot_setting(config)
        params["datasets"], params["shots"] = [dataset], shots
    return params


def result_paths(params: Mapping, root: str = "results") -> list[str]:
    """Every seed result a table reads (its rule's inputs)."""
    number, seeds = int(params["table"]), params["seeds"]
    paths = []
    for ds in params["datasets"]:
        if number == 3:
            paths += [SEMI_RESULT.format(root=root, ds=ds, method=m, p=p, seed=s)
                      for m in SEMI_METHODS for p in params["fractions"] for s in seeds]
        elif number == 4:
            paths += [FEWSHOT_RESULT.format(root=root, ds=ds, method=m, n=n, seed=s)
                      for m in FEWSHOT_METHODS for n in params["shots"] for s in seeds]
        else:
            paths += [SEED_RESULT.format(root=root, ds=ds, method=m, seed=s)
                      for m in table_methods(number) for s in seeds]
    return paths


def table_inputs(config: Mapping, number: int) -> list[str]:
    """A table's seed results and (but Table 4, whose JSONs hold the episodes) their scores."""
    paths = result_paths(table_params(config, number))
    return paths + ([] if number == 4 else [str(scores_path_for(p)) for p in paths])


def fewshot_gain_cell(runs: Sequence[dict], base: Sequence[dict]) -> str:
    """Paired gain of few-shot runs over the baseline's, episode by episode and seed by seed
    (seeds both have, with the same episodes); "missing" without per-episode accuracies."""
    if not runs or not base:
        return MISSING
    by_seed = {int(r["seed"]): r["metrics"] for r in base}
    pairs = [(r["metrics"], by_seed[int(r["seed"])]) for r in runs if int(r["seed"]) in by_seed]
    pairs = [(m, b) for m, b in pairs if m.get("episode_accuracy") and b.get("episode_accuracy")]
    if not pairs:
        return MISSING
    for m, b in pairs:
        if m.get("episodes_sha256") != b.get("episodes_sha256"):
            raise ValueError("few-shot runs of one seed were scored on different episodes "
                             "(metrics.episodes_sha256 differ): rebuild both")
    gain = paired_gain([m["episode_accuracy"] for m, _ in pairs],
                       [b["episode_accuracy"] for _, b in pairs])
    return interval_text(gain)


# -------------------------------------------------------------------------------------- cells
def load_runs(paths: Sequence[str | Path]) -> list[dict]:
    """The results among ``paths`` that exist."""
    return [r for r in (load_result(p) for p in paths) if r is not None]


def top1_cell(runs: Sequence[dict], with_se: bool = True) -> str:
    """``mean ± std (n=k)`` of top-1 (%), then the test-set standard error of the mean."""
    if not runs:
        return MISSING
    stats = mean_std(100.0 * float(r["metrics"]["top1"]) for r in runs)
    if not with_se:
        return fmt_mean_std(stats)
    return fmt_mean_std_se(stats, runs[0].get("counts", {}).get("test_videos"))


def count_cell(runs: Sequence[dict], key: str) -> str:
    """The distinct values of ``counts[key]`` over the runs (one value when they agree)."""
    values = [r.get("counts", {}).get(key) for r in runs]
    values = list(dict.fromkeys(v for v in values if v is not None))
    return MISSING if not runs else ("–" if not values else " / ".join(f"{v:,}" for v in values))


def _paper(value: Any, decimals: int = 1) -> str:
    return "–" if value is None else f"{float(value):.{decimals}f}"


def _seed_runs(root: str, ds: str, method: str, seeds: Sequence[int]) -> list[dict]:
    return load_runs([SEED_RESULT.format(root=root, ds=ds, method=method, seed=s) for s in seeds])


def _gain(root: str, ds: str, method: str, number: int, params: Mapping) -> str:
    return gain_cell(root, ds, method, TABLE_BASELINES[number], params["seeds"])


def _onoff(flag: bool) -> str:
    return "✓" if flag else "–"


# ------------------------------------------------------------------------------------- tables
def table1(paper: Mapping, params: Mapping, root: str) -> str:
    spec = paper["tables"]["table1"]
    out = []
    for ds in params["datasets"]:
        rows = []
        for row in spec["rows"]:
            runs = _seed_runs(root, ds, row["ours"], params["seeds"])
            cfg = row["config"]
            rows.append([row["name"], _onoff(cfg["selector"]), _onoff(cfg["video_compositing"]),
                         _onoff(cfg["semantic_matching"]), row["search_space"],
                         _paper(row["values"]["Accuracy"]), f"`{row['ours']}`",
                         count_cell(runs, "search_space"), count_cell(runs, "selector_keeps"),
                         count_cell(runs, "train_generated"), top1_cell(runs),
                         _gain(root, ds, row["ours"], 1, params)])
        ref = _seed_runs(root, ds, REFERENCE_METHOD, params["seeds"])
        rows.append(["(reference, not in the paper's table: no augmented samples)", "–", "–", "–",
                     "–", "–", f"`{REFERENCE_METHOD}`", count_cell(ref, "search_space"), "–",
                     count_cell(ref, "train_generated"), top1_cell(ref),
                     _gain(root, ds, REFERENCE_METHOD, 1, params)])
        header = ["paper row", "Selector", "Compositing", "Matching", "paper #Videos (S)",
                  "paper top-1", "ours", f"ours S ({ds})", "Selector keeps (ω ≥ 0.5)",
                  "augmented samples", f"ours top-1 {ds}",
                  f"{ds} gain vs none (baseline) (pp) [95 % CI]"]
        out.append(f"## {ds}\n\n" + markdown_table(header, rows))
    return "\n".join(out)


def table2(paper: Mapping, params: Mapping, root: str) -> str:
    from videoaug.methods.l2a.ablation import ABLATIONS

    spec = paper["tables"]["table2"]
    out = []
    for ds in params["datasets"]:
        rows = []
        for row in spec["rows"]:
            runs = _seed_runs(root, ds, row["ours"], params["seeds"])
            abl = ABLATIONS[row["ours"]]
            rows.append([row["name"], _paper(row["values"]["Accuracy"]), f"`{row['ours']}`",
                         abl.mask, abl.background, count_cell(runs, "train_generated"),
                         top1_cell(runs), _gain(root, ds, row["ours"], 2, params)])
        header = ["paper row", "paper top-1", "ours", "mask", "background", "augmented samples",
                  f"ours top-1 {ds}", f"{ds} gain vs L2A (pp) [95 % CI]"]
        out.append(f"## {ds}\n\n" + markdown_table(header, rows))
    return "\n".join(out)


def _paper_column(columns: Sequence[str], suffix: str, prefer: Sequence[str]) -> str | None:
    for name in prefer:
        if f"{name} {suffix}" in columns:
            return f"{name} {suffix}"
    return None


def _full_paper_table(spec: Mapping, extra: Sequence[str] = ()) -> str:
    header = ["paper row", *extra, *spec["columns"]]
    rows = [[row["name"], *("" if row.get(k) is None else str(row[k]) for k in extra),
             *(_paper(row["values"].get(c)) for c in spec["columns"])] for row in spec["rows"]]
    return markdown_table(header, rows)


def table3(paper: Mapping, params: Mapping, root: str) -> str:
    spec = paper["tables"]["table3"]
    by_ours = {row["ours"]: row for row in spec["rows"] if row.get("ours")}
    out = []
    for ds in params["datasets"]:
        header, rows = ["method", "ours"], []
        cols = [(p, _paper_column(spec["columns"], f"{p}%", ("UCF101", "HMDB51", "Kinetics-100")))
                for p in params["fractions"]]
        for p, col in cols:
            header += [f"paper {col}" if col else f"paper {p}%", f"ours {ds} {p}%",
                       f"gain vs none {p}% (pp) [95 % CI]"]
        for method in SEMI_METHODS:
            row = by_ours.get(method)
            cells = [row["name"] if row else "no augmentation (ours only)", f"`{method}`"]
            for p, col in cols:
                runs = load_runs([SEMI_RESULT.format(root=root, ds=ds, method=method, p=p, seed=s)
                                  for s in params["seeds"]])
                cells += [_paper(row["values"].get(col)) if row and col else "–", top1_cell(runs),
                          gain_cell(root, ds, f"{method}_semi{p}", f"{SEMI_BASELINE}_semi{p}",
                                    params["seeds"])]
            rows.append(cells)
        out.append(f"## {ds}\n\n" + markdown_table(header, rows))
    out.append("## The paper's full table\n\n" + _full_paper_table(spec, ("venue",)))
    return "\n".join(out)


def ci_cell(runs: Sequence[dict]) -> str:
    """Top-1 mean ± std over seeds, then the mean 95 % half-width of the episodes (points)."""
    if not runs:
        return MISSING
    cis = [r["metrics"].get("ci95") for r in runs]
    cis = [100.0 * float(c) for c in cis if c is not None]
    text = top1_cell(runs, with_se=False)
    return text + (f", CI95 ±{sum(cis) / len(cis):.2f}" if cis else "")


def table4(paper: Mapping, params: Mapping, root: str) -> str:
    spec = paper["tables"]["table4"]
    paper_rows = {row["ours"]: row for row in spec["rows"] if row.get("ours") and
                  row.get("split") == "S"}
    out = []
    for ds in params["datasets"]:
        header, rows = ["method", "ours"], []
        for n in params["shots"]:
            header += [f"paper UCF101 {n}-shot (split S)", f"ours {ds} {n}-shot",
                       f"gain vs {FEWSHOT_BASELINE} {n}-shot (pp) [95 % CI]"]

        def runs_of(method: str, n: int, ds: str = ds) -> list[dict]:
            return load_runs([FEWSHOT_RESULT.format(root=root, ds=ds, method=method, n=n, seed=s)
                              for s in params["seeds"]])

        for method in FEWSHOT_METHODS:
            row = paper_rows.get(method)
            cells = [row["name"] if row else method, f"`{method}`"]
            for n in params["shots"]:
                runs = runs_of(method, n)
                gain = ("baseline" if method == FEWSHOT_BASELINE
                        else fewshot_gain_cell(runs, runs_of(FEWSHOT_BASELINE, n)))
                cells += [_paper(row["values"].get(f"UCF101 {n}-shot")) if row else "–",
                          ci_cell(runs), gain]
            rows.append(cells)
        out.append(f"## {ds}\n\n" + markdown_table(header, rows))
    out.append("## The paper's full table\n\n" + _full_paper_table(spec, ("split",)))
    return "\n".join(out)


def table5(paper: Mapping, params: Mapping, root: str) -> str:
    spec = paper["tables"]["table5"]
    scratch = [r for r in spec["rows"] if r["pretraining"] == "No Pretraining"]
    out = []
    for ds in params["datasets"]:
        rows = []
        for method in TABLE5_METHODS:
            named = {r["dataset"]: r for r in scratch if r["ours"] == method}
            runs = _seed_runs(root, ds, method, params["seeds"])
            name = next(iter(named.values()))["name"] if named else method
            rows.append([name, _paper(named.get("UCF101", {}).get("values", {}).get("Top-1")),
                         _paper(named.get("HMDB51", {}).get("values", {}).get("Top-1")),
                         f"`{method}`", count_cell(runs, "train_generated"), top1_cell(runs),
                         _gain(root, ds, method, 5, params)])
        header = ["augmentation", "paper UCF101 (scratch)", "paper HMDB51 (scratch)", "ours",
                  "augmented samples", f"ours top-1 {ds}", f"{ds} gain vs Standard (pp) [95 % CI]"]
        out.append(f"## {ds}\n\n" + markdown_table(header, rows))
    out.append("## The paper's full table\n\n"
               + _full_paper_table(spec, ("dataset", "pretraining")))
    return "\n".join(out)


NOTES = {
    1: "Ours: every row trains the same classifier recipe on the real clips plus the same "
       "number of augmented samples (`l2a.budget`); S is the pair search space the row's pairs "
       "come from (its Selector scores all of it; Selector-less rows draw uniformly from it). "
       "Compositing off: MixUp of the pair's raw videos (one λ ~ Beta(a, a) per pair); "
       "Matching off: any two training videos (README \"Ablations and paper tables\").",
    2: "Ours: each variant has its own Selector, trained with the variant's composites in its "
       "REINFORCE loop; same budget as the full method.",
    3: "Ours: the semi-supervised runs (label fraction p of the training set, the rest "
       "pseudo-labelled); paper columns: UCF101 where it has that p, else HMDB51, else "
       "Kinetics-100.",
    4: "Ours: prototype classifier on the trained backbone's features, N-way n-shot episodes "
       "over the novel classes; cells: mean episode accuracy over seeds and the mean 95 % "
       "half-width of the episodes.",
    5: "Ours: fully supervised on all training videos, the L2A classifier recipe (a CPU-scale "
       "SlowFast, random init; the paper uses R(2+1)D from scratch for these rows).",
}


def render_table(number: int, params: Mapping, root: str | Path = "results") -> str:
    """The Markdown of Table ``number`` (1-5)."""
    paper = load_paper_numbers("gowda2022")
    spec = paper["tables"][f"table{number}"]
    builders = {1: table1, 2: table2, 3: table3, 4: table4, 5: table5}
    if number not in builders:
        raise ValueError(f"Gowda et al. 2022 has Tables 1-5, not {number}")
    body = builders[number](paper, params, str(root))
    seeds = ", ".join(str(s) for s in params["seeds"])
    return (f"# Gowda et al. 2022, Table {number}: {spec['caption']}\n\n"
            f"Paper setting: {spec['setting']}\n\n"
            f"Top-1 (%): paper as printed; ours mean ± sample std over seeds {seeds} (n = runs "
            "found), SE = the test-set standard error of that mean top-1 (n = test videos); "
            f"\"{MISSING}\" = no result yet. {NOTES[number]} {INTERVAL_NOTE}\n\n{body}")


def write_table(number: int, params: Mapping, out: str | Path,
                root: str | Path = "results") -> Path:
    """Write Table ``number`` to ``out`` (atomically)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(render_table(number, params, root), encoding="utf-8")
    tmp.replace(out)
    return out
