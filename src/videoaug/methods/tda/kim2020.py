"""Kim et al. 2020 (ECCV-W) Tables 2-6: the published numbers beside ours, as Markdown.

Paper numbers come from ``paper_numbers/kim2020.yaml`` (copied from the paper; each row names the
policy string that reproduces it). Our numbers come from TDA result JSONs
(``results/seeds/{ds}_tda_{slug}_s{seed}.json`` or ``results/{ds}_tda_{slug}.json``): results are
grouped by dataset and canonical policy text, and each cell shows
``mean ± std (n)`` of the accuracy in percent over the ``n`` runs (classifier seeds), ``std`` the
sample standard deviation (``ddof = 1``; omitted for one run). A row without results shows "—";
a dataset without any result gets no columns; results whose policy has no paper row are listed
in a last table.

Conventions (:mod:`videoaug.augment.functional`): each paper row names a policy in the default
``randaugment`` convention; its ``released`` variant (:func:`videoaug.augment.policy.
released_variant`: the same steps as Kim et al.'s released code does them) gets its own columns
beside it as soon as any released result is given, so the paper's numbers, ours with RandAugment's
ranges and ours with the released code's ops and draws read side by side. Rows without a released
form (the CutOut family, not in the released code) show "n/a" there; ``none`` is the same run in
both. Single-step ``randaug``/``randaug-t`` results over several ``N`` and ``M`` (the paper's grid,
``workflow/presets/paper.yaml``) also get an ``N x M`` table per dataset.

Each paper table also gets, per dataset (and convention), the paired top-1 gain of every row over
the table's Baseline row (policy ``none``) with its 95 % interval (:mod:`videoaug.report.paired`:
the per-video scores beside each result, ``results/scores/seeds/...npz``, paired by seed).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from videoaug.provenance import read_json
from videoaug.report.paired import INTERVAL_NOTE, compare, interval_text, scores_path_for
from videoaug.report.tables import paper_numbers_dir, test_videos, top1_standard_error

# The packaged paper numbers of the four papers lie together (the leaderboard reads them all).
PAPER_NUMBERS = Path(paper_numbers_dir()) / "kim2020.yaml"
MISSING = "—"
NO_EQUIVALENT = "n/a"

Key = tuple[str, str]  # (dataset, canonical policy text)


CONVENTION_LABELS = {"randaugment": "", "released": " released"}


def canonical_policy(text: str) -> str:
    """Canonical text of a policy string (aliases resolved, options in order)."""
    from videoaug.augment.policy import parse_policy  # torch: only when a table is built

    return parse_policy(text).text


def convention_policy(text: str, convention: str) -> str | None:
    """The policy a paper row runs in ``convention``: the canonical text (``randaugment``) or its
    released variant (``None`` when it has none)."""
    from videoaug.augment.policy import released_variant  # torch: only when a table is built

    return canonical_policy(text) if convention == "randaugment" else released_variant(text)


def shown_conventions(groups: Mapping[Key, list]) -> list[str]:
    """``["randaugment"]``, plus ``"released"`` when any result runs a released step."""
    released = any("released" in policy.replace(",", ":").split(":") for _, policy in groups)
    return ["randaugment", "released"] if released else ["randaugment"]


def load_paper_numbers(path: str | Path = PAPER_NUMBERS) -> dict[str, Any]:
    """The paper's tables: ``{"tables": [{id, title, setting, columns, rows}, ...]}``."""
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    for table in data["tables"]:
        for row in table["rows"]:
            missing = [c["paper"] for c in table["columns"] if c["paper"] not in row["values"]]
            if missing:
                raise ValueError(f"{path}: {table['id']} row {row['name']!r} lacks {missing}")
    return data


@dataclass(frozen=True)
class Summary:
    """Mean and sample standard deviation (``ddof = 1``, ``nan`` for one value) of ``n`` values."""

    mean: float
    std: float
    n: int


def summarize(values: Sequence[float]) -> Summary:
    if not values:
        raise ValueError("nothing to summarize")
    n = len(values)
    mean = math.fsum(values) / n
    std = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else math.nan
    return Summary(mean, std, n)


def format_summary(summary: Summary | None, scale: float = 100.0, decimals: int = 1,
                   n_test: int | None = None) -> str:
    """``"61.7 ± 2.1 (3)"`` in percent; one run: ``"61.7 (1)"``; ``None``: "—". With ``n_test``
    (test videos) the accuracy's test-set standard error follows: ``"61.7 ± 2.1 (3), SE 3.4"``."""
    if summary is None:
        return MISSING
    mean = f"{summary.mean * scale:.{decimals}f}"
    text = f"{mean} (1)" if summary.n == 1 else (
        f"{mean} ± {summary.std * scale:.{decimals}f} ({summary.n})")
    if n_test:
        text += f", SE {top1_standard_error(summary.mean * 100.0, n_test):.{decimals}f}"
    return text


def _n_test(results: Sequence[Mapping[str, Any]] | None) -> int | None:
    """Test videos of a group of results (``counts.test_videos`` of the first)."""
    return test_videos(dict(results[0])) if results else None


def group_results(paths: Iterable[str | Path]) -> dict[Key, list[dict[str, Any]]]:
    """Read TDA results and group them by ``(dataset, canonical policy)``.

    Raises ``ValueError`` for a result that is not a TDA result and for two results of one group
    with the same seed (they would be counted twice).
    """
    groups: dict[Key, list[dict[str, Any]]] = {}
    seen: dict[tuple[str, str, int], str] = {}
    for path in paths:
        result = read_json(path)
        if not str(result.get("method", "")).startswith("tda_") or "policy" not in result:
            raise ValueError(f"{path} is not a TDA result (method {result.get('method')!r})")
        key = (str(result["dataset"]), canonical_policy(result["policy"]))
        seed_key = (*key, int(result["seed"]))
        if seed_key in seen:
            raise ValueError(
                f"{path} and {seen[seed_key]} are both {key[0]} {key[1]!r} with seed "
                f"{seed_key[2]}; pass one result per seed"
            )
        seen[seed_key] = str(path)
        result["_path"] = str(path)  # where its per-video scores lie (scores_path_for)
        groups.setdefault(key, []).append(result)
    return groups


def summarize_metric(results: Sequence[Mapping[str, Any]] | None, metric: str) -> Summary | None:
    if not results:
        return None
    return summarize([float(r["metrics"][metric]) for r in results])


def gain_text(found: Sequence[Mapping[str, Any]] | None,
              base: Sequence[Mapping[str, Any]] | None) -> str:
    """The paired gain (top-1 points, 95 % interval) of a group of seed runs over the baseline's,
    paired by seed: ``"baseline"`` for the baseline itself, :data:`MISSING` without scores."""
    if not found or not base:
        return MISSING
    if found is base:
        return "baseline"

    def scores(group: Sequence[Mapping[str, Any]]) -> dict[int, Path]:
        return {int(r["seed"]): scores_path_for(r["_path"]) for r in group if "_path" in r}

    gain = compare(scores(found), scores(base))
    return MISSING if gain is None else interval_text(gain)


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _header(columns: Sequence[str], numeric_from: int) -> list[str]:
    align = ["---" if i < numeric_from else "---:" for i in range(len(columns))]
    return [_row(columns), _row(align)]


def paper_table(
    table: Mapping[str, Any],
    groups: Mapping[Key, list],
    datasets: Sequence[str],
    decimals: int = 1,
    conventions: Sequence[str] = ("randaugment",),
) -> list[str]:
    """Markdown lines of one paper table with our columns per dataset (and per convention, the
    released one beside the default one, when ``conventions`` has both)."""
    columns = ["Method", "Policy"] + [f"Paper {c['paper']}" for c in table["columns"]]
    columns += [
        f"{ds}{CONVENTION_LABELS[conv]} {c['paper']}"
        for ds in datasets for c in table["columns"] for conv in conventions
    ]
    base_policy = next((r.get("policy") for r in table["rows"] if r.get("policy") == "none"), None)
    columns += [f"{ds}{CONVENTION_LABELS[conv]} gain vs Baseline (pp) [95 % CI]"
                for ds in datasets for conv in conventions] if base_policy else []
    lines = [f"## {table['title']}", "", f"Paper setting: {table['setting']}.", ""]
    lines += _header(columns, numeric_from=2)
    for row in table["rows"]:
        policy = row.get("policy")
        cells = [row["name"], f"`{policy}`" if policy else NO_EQUIVALENT]
        cells += [f"{float(row['values'][c['paper']]):.2f}" for c in table["columns"]]
        ran = {conv: convention_policy(policy, conv) if policy else None for conv in conventions}
        for ds in datasets:
            for column in table["columns"]:
                for conv in conventions:
                    if ran[conv] is None:
                        cells.append(NO_EQUIVALENT)
                        continue
                    found = groups.get((ds, ran[conv]))
                    cells.append(
                        format_summary(summarize_metric(found, column["ours"]), decimals=decimals,
                                       n_test=_n_test(found))
                    )
        if base_policy:
            for ds in datasets:
                for conv in conventions:
                    cells.append(NO_EQUIVALENT if ran[conv] is None else gain_text(
                        groups.get((ds, ran[conv])),
                        groups.get((ds, convention_policy(base_policy, conv)))))
        lines.append(_row(cells))
    return lines + [""]


def _grid_point(policy: str) -> tuple[str, int, float] | None:
    """``(variant, N, M)`` of a single randaug/randaug-t step (variant = the text without N and
    M, e.g. ``randaug-t:temporal+:released``), else ``None``."""
    if "," in policy:
        return None
    name, *tokens = policy.split(":")
    if name not in ("randaug", "randaug-t"):
        return None
    n = next(int(t[1:]) for t in tokens if t.startswith("n"))
    m = next(float(t[1:]) for t in tokens if t.startswith("m"))
    variant = ":".join([name, *(t for t in tokens if t[:1] not in ("n", "m"))])
    return variant, n, m


def grid_tables(
    groups: Mapping[Key, list], datasets: Sequence[str], decimals: int = 1
) -> tuple[list[str], set[str]]:
    """RandAugment(-T) ``N x M`` grids (rows variant and N, columns M) of Top-1 per dataset, for
    variants run at more than one ``(N, M)``; also returns the policies they show."""
    points: dict[str, dict[tuple[int, float], str]] = {}
    for _, policy in groups:
        point = _grid_point(policy)
        if point is not None:
            points.setdefault(point[0], {})[(point[1], point[2])] = policy
    grids = {variant: cells for variant, cells in points.items() if len(cells) > 1}
    if not grids:
        return [], set()
    lines = ["## RandAugment N x M grid (Top-1)", "",
             "The paper grid-searched N and M per row without printing the choice (Sec. 4.1).", ""]
    for ds in datasets:
        ms = sorted({m for cells in grids.values() for _, m in cells})
        lines += [f"{ds}:", ""]
        lines += _header(["Variant", "N", *(f"M={m:g}" for m in ms)], numeric_from=2)
        for variant in sorted(grids):
            for n in sorted({n for n, _ in grids[variant]}):
                cells = [f"`{variant}`", str(n)]
                for m in ms:
                    policy = grids[variant].get((n, m))
                    found = groups.get((ds, policy)) if policy else None
                    cells.append(format_summary(summarize_metric(found, "top1"), decimals=decimals))
                lines.append(_row(cells))
        lines.append("")
    shown = {policy for cells in grids.values() for policy in cells.values()}
    return lines, shown


def other_policies_table(
    paper: Mapping[str, Any],
    groups: Mapping[Key, list],
    datasets: Sequence[str],
    decimals: int = 1,
    exclude: set[str] | frozenset[str] = frozenset(),
) -> list[str]:
    """Our results whose policy is in no paper row, in neither convention, nor in ``exclude``
    (empty list when there are none)."""
    in_paper = {
        convention_policy(row["policy"], conv)
        for table in paper["tables"]
        for row in table["rows"]
        if row.get("policy")
        for conv in ("randaugment", "released")
    }
    extra = sorted({policy for (_, policy) in groups
                    if policy not in in_paper and policy not in exclude})
    if not extra:
        return []
    columns = ["Policy"] + [f"{ds} {m}" for ds in datasets for m in ("Top-1", "Top-5")]
    lines = ["## Other policies (no row in the paper's tables)", ""]
    lines += _header(columns, numeric_from=1)
    for policy in extra:
        cells = [f"`{policy}`"]
        for ds in datasets:
            for metric in ("top1", "top5"):
                found = groups.get((ds, policy))
                cells.append(format_summary(summarize_metric(found, metric), decimals=decimals,
                                            n_test=_n_test(found)))
        lines.append(_row(cells))
    return lines + [""]


def our_setting(groups: Mapping[Key, list], datasets: Sequence[str]) -> list[str]:
    """One line per dataset: backbone, clip, crop, epochs and test clips of our runs."""
    lines = []
    for ds in datasets:
        configs = [
            r["config"] for (name, _), results in groups.items() if name == ds for r in results
        ]
        first = configs[0]
        epochs = sorted({c.get("train", {}).get("epochs") for c in configs}, key=str)
        seeds = sorted(
            {r["seed"] for (name, _), results in groups.items() if name == ds for r in results}
        )
        lines.append(
            f"- {ds}: {first['backbone']}, {first['clip_len']} frames every {first['stride']}, "
            f"{first['crop']}x{first['crop']} crops, {first['num_test_clips']} test clips, "
            f"epochs {', '.join(map(str, epochs))}, seeds {', '.join(map(str, seeds))}"
        )
    return lines


def build_kim2020_tables(
    result_paths: Iterable[str | Path],
    datasets: Sequence[str] | None = None,
    paper: Mapping[str, Any] | None = None,
    decimals: int = 1,
) -> str:
    """The Markdown report: paper Tables 2-6 with our numbers beside them.

    ``datasets`` orders our columns (default: every dataset with results, sorted); datasets
    without results are left out.
    """
    paper = load_paper_numbers() if paper is None else paper
    groups = group_results(result_paths)
    found = {ds for ds, _ in groups}
    shown = [ds for ds in (sorted(found) if datasets is None else datasets) if ds in found]
    lines = [
        "# Kim et al. 2020 (temporal data augmentation): paper beside ours",
        "",
        "Paper: accuracy (%) as printed. Ours: test accuracy (%), mean ± sample std over the "
        "runs (classifier seeds), their number in brackets, then SE = the standard error the "
        "accuracy has from the finite test set alone, 100·sqrt(p(1−p)/n) for n test videos; "
        f"{MISSING} = not run, {NO_EQUIVALENT} = no equivalent policy. Top-5 of a dataset with at "
        f"most 5 classes is 100 by definition. {INTERVAL_NOTE}",
        "",
    ]
    conventions = shown_conventions(groups)
    if len(conventions) > 1:
        lines += [
            "Columns `{ds} ...`: the row's policy with RandAugment's (torchvision's) op ranges "
            "and per-clip mixing draws (`randaugment`, the project's default); `{ds} released "
            "...`: the same row as Kim et al.'s released code does it (`released`: its 15 ops, "
            "ranges and PIL rounding, per-batch mixing draws; the code behind the paper's "
            f"numbers). CutOut rows have no released form ({NO_EQUIVALENT}).",
            "",
        ]
    if shown:
        lines += ["Our runs:", *our_setting(groups, shown), ""]
    else:
        lines += ["No TDA results were given: only the paper's numbers are shown.", ""]
    for table in paper["tables"]:
        lines += paper_table(table, groups, shown, decimals, conventions)
    grid, in_grid = grid_tables(groups, shown, decimals)
    lines += grid
    lines += other_policies_table(paper, groups, shown, decimals, exclude=in_grid)
    return "\n".join(lines).rstrip() + "\n"


def write_kim2020_tables(
    result_paths: Iterable[str | Path], out: str | Path, datasets: Sequence[str] | None = None
) -> str:
    """Build the tables and write them atomically to ``out`` (Markdown)."""
    text = build_kim2020_tables(result_paths, datasets)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)
    return text


def report_result_paths(config: Mapping[str, Any]) -> list[str]:
    """The seed runs the tables are built from (rule ``kim2020_tables``):
    ``results/seeds/{ds}_tda_{slug}_s{seed}.json`` for ``tda.report_policies`` x
    the family's report datasets (:func:`videoaug.config.report_datasets`) x ``report.seeds``."""
    from videoaug.augment.policy import policy_slug  # torch: only when the rule is needed
    from videoaug.config import report_datasets

    return [
        f"results/seeds/{ds}_tda_{policy_slug(policy)}_s{seed}.json"
        for ds in report_datasets(config, "tda")
        for policy in config["tda"]["report_policies"]
        for seed in config["report"]["seeds"]
    ]


def report_score_paths(config: Mapping[str, Any]) -> list[str]:
    """The per-video scores of those seed runs (the paired gain columns)."""
    return [str(scores_path_for(p)) for p in report_result_paths(config)]
