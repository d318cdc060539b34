"""Metrics of one run on a diagnostic split (docs/splits.md), from its per-video test scores.

A split dataset's test set holds several *variants* of each test clip (the generator's
``synth4.json`` lists, per video, ``variant``, ``base`` — the id every variant of one clip shares
— and ``meta``); a run is trained and tested once, on all of them, and its per-video softmax
(``results/scores/...npz``) is cut here by variant. A dataset without variants (synth4, the
scarcity splits, motion-only) has one variant, ``test``.

Metrics (fractions in [0, 1]; chance is ``1 / classes``):

* ``top1_<variant>``: top-1 on the clips of the variant;
* scene bias: ``gap = top1_aligned - top1_conflict``; ``contrasted_<v>`` for ``v`` in aligned,
  conflict (SCUBA's contrasted accuracy, Li et al. ICCV 2023): the share of the variant's clips
  classified right while their static counterpart (``<v>_static``: frame ``T // 2`` repeated) is
  classified wrong; the HAT controls (Chung et al. 2022) are ``top1_background_only`` (figure
  removed) and ``top1_figure_only`` (scene replaced by its mean colour), scored against the clip's
  class;
* temporal change: ``drop = top1_plain - top1_perturbed``.

``per_video`` keeps, for each variant and each contrasted accuracy, ``{base id: 1 or 0}``: the
same base ids across variants, methods and seeds, so two runs (or two variants of one run) pair
clip by clip.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from videoaug import __version__
from videoaug.provenance import input_hashes, read_json, write_json
from videoaug.report.tables import fmt_mean_std, markdown_table, mean_std

SCHEMA = "videoaug.split_metrics/1"
PLAIN = "test"  # the one variant of a dataset without test variants
CONTRASTED = {"contrasted_aligned": ("aligned", "aligned_static"),
              "contrasted_conflict": ("conflict", "conflict_static")}
DIFFERENCES = {"gap": ("aligned", "conflict"), "drop": ("plain", "perturbed")}


def test_clips(synth_manifest: Mapping[str, Any]) -> dict[str, tuple[str, str, int]]:
    """``{video id: (variant, base id, label)}`` of the test clips of a synthetic folder's
    manifest (``synth4.json``); a clip without a variant is ``test`` and its own base."""
    clips = {}
    for video in synth_manifest["videos"]:
        if video["split"] == "test":
            clips[str(video["id"])] = (str(video.get("variant") or PLAIN),
                                       str(video.get("base", video["id"])), int(video["label"]))
    return clips


def test_variant_names(synth_manifest: Mapping[str, Any]) -> list[str]:
    return list(synth_manifest.get("split", {}).get("test_variants") or [PLAIN])


def variant_videos(synth_manifest: Mapping[str, Any], variant: str) -> list[str]:
    """Ids of the test clips of one ``variant`` (e.g. ``conflict``), in manifest order: the
    ``videos`` file of a diagnostic split of the claims table.

    Raises ``ValueError`` naming the variants there are when ``variant`` is not one of them.
    """
    names = test_variant_names(synth_manifest)
    if variant not in names:
        raise ValueError(f"no test variant {variant!r}; this dataset has {', '.join(names)}")
    return [vid for vid, (v, _, _) in test_clips(synth_manifest).items() if v == variant]


def write_variant_videos(synth_manifest: Mapping[str, Any], variant: str,
                         out: str | Path) -> list[str]:
    """Write ``{"variant", "videos"}`` of :func:`variant_videos` to ``out``."""
    videos = variant_videos(synth_manifest, variant)
    write_json(out, {"variant": variant, "videos": videos})
    return videos


def split_metrics(probs: np.ndarray, labels: np.ndarray, video_ids: Sequence[str],
                  synth_manifest: Mapping[str, Any]) -> dict[str, Any]:
    """``{"metrics", "per_video", "counts"}`` of one run's test scores (see the module doc).

    Raises ``ValueError`` when the scores and the manifest disagree: a scored video that is not
    a test clip of the manifest, a test clip without a score, or another label.
    """
    clips = test_clips(synth_manifest)
    ids = [str(v) for v in video_ids]
    unknown = sorted(set(ids) - set(clips))
    missing = sorted(set(clips) - set(ids))
    if unknown or missing:
        raise ValueError(
            f"the scores do not match the dataset's test clips: {len(unknown)} scored video(s) "
            f"not in it (e.g. {unknown[:3]}), {len(missing)} test clip(s) without a score "
            f"(e.g. {missing[:3]}); were they made from the same generation?")
    predicted = np.asarray(probs).argmax(axis=1)
    per_video: dict[str, dict[str, int]] = {v: {} for v in test_variant_names(synth_manifest)}
    for video_id, label, guess in zip(ids, np.asarray(labels), predicted, strict=True):
        variant, base, truth = clips[video_id]
        if int(label) != truth:
            raise ValueError(f"{video_id}: label {int(label)} in the scores, {truth} in the "
                             "dataset's manifest")
        per_video.setdefault(variant, {})[base] = int(guess == truth)
    for name, (variant, static) in CONTRASTED.items():
        if variant in per_video and static in per_video:
            per_video[name] = {b: int(ok and not per_video[static][b])
                               for b, ok in per_video[variant].items()}
    per_video = {k: dict(sorted(v.items())) for k, v in per_video.items()}
    metrics: dict[str, float] = {}
    for name, values in per_video.items():
        key = name if name in CONTRASTED else f"top1_{name}"
        metrics[key] = float(np.mean(list(values.values()))) if values else float("nan")
    for name, (first, second) in DIFFERENCES.items():
        if f"top1_{first}" in metrics and f"top1_{second}" in metrics:
            metrics[name] = metrics[f"top1_{first}"] - metrics[f"top1_{second}"]
    metrics["chance"] = 1.0 / len(synth_manifest["classes"])
    return {"metrics": metrics, "per_video": per_video,
            "counts": {name: len(values) for name, values in per_video.items()}}


def write_split_metrics(synth_manifest_path: str | Path, scores_path: str | Path,
                        result_path: str | Path, out: str | Path) -> dict[str, Any]:
    """Compute :func:`split_metrics` of a run (its scores and result JSON) and write ``out``."""
    from videoaug.train.evaluate import load_scores

    manifest = read_json(synth_manifest_path)
    result = read_json(result_path)
    probs, labels, ids = load_scores(scores_path)
    record = {
        "schema": SCHEMA,
        "dataset": result["dataset"],
        "method": result["method"],
        "seed": result.get("seed"),
        "split": manifest.get("split", {"scene": "class", "test_variants": [PLAIN]}),
        **split_metrics(probs, labels, ids, manifest),
        "inputs": input_hashes([synth_manifest_path, scores_path, result_path]),
        "versions": {"videoaug": __version__},
    }
    write_json(out, record)
    return record


# ------------------------------------------------------------------------------------- table
# Columns of the table, in order: (metric key, header). A split set shows those its runs have.
COLUMNS = (
    ("top1_test", "top-1"),
    ("top1_aligned", "top-1 aligned"),
    ("top1_conflict", "top-1 conflicting"),
    ("gap", "gap (aligned − conflicting)"),
    ("contrasted_aligned", "contrasted acc. aligned"),
    ("contrasted_conflict", "contrasted acc. conflicting"),
    ("top1_aligned_static", "top-1 static aligned"),
    ("top1_conflict_static", "top-1 static conflicting"),
    ("top1_background_only", "top-1 background only"),
    ("top1_figure_only", "top-1 figure only"),
    ("top1_plain", "top-1 unperturbed"),
    ("top1_perturbed", "top-1 temporal change"),
    ("drop", "drop (unperturbed − changed)"),
)


def split_table(name: str, dataset: str, methods: Sequence[str],
                records: Sequence[Mapping[str, Any]]) -> str:
    """Markdown: one row per method, each metric in points as mean ± sample std over the seeds
    whose records are given ("–" where a method has none)."""
    by_method: dict[str, list[Mapping[str, Any]]] = {m: [] for m in methods}
    for record in records:
        if record["dataset"] == dataset and record["method"] in by_method:
            by_method[record["method"]].append(record)
    present = {k for r in records if r["dataset"] == dataset for k in r["metrics"]}
    columns = [(key, header) for key, header in COLUMNS if key in present]
    rows = []
    for method in methods:
        runs = by_method[method]
        seeds = ", ".join(str(r["seed"]) for r in sorted(runs, key=lambda r: r["seed"]))
        cells = [fmt_mean_std(mean_std(100 * float(r["metrics"][key]) for r in runs
                                       if key in r["metrics"]), 1) for key, _ in columns]
        rows.append([f"`{method}`", seeds or "–", *cells])
    first = next((r for r in records if r["dataset"] == dataset), None)
    sizes = ""
    if first is not None:
        variants = first["split"].get("test_variants") or [PLAIN]
        sizes = ", ".join(f"{v} {first['counts'][v]}" for v in variants if v in first["counts"])
    head = f"### `{name}`: dataset `{dataset}`" + (f" (test clips: {sizes})" if sizes else "")
    return head + "\n\n" + markdown_table(["method", "seeds", *[h for _, h in columns]], rows)


def write_splits_table(sets: Mapping[str, Mapping[str, Any]] | Sequence[Mapping[str, Any]],
                       record_paths: Sequence[str | Path], out: str | Path) -> str:
    """``results/tables/splits_<ds>.md``: :func:`split_table` of every split set (config
    ``splits.sets``: a mapping, or a list of entries with their ``name``, kept in its order)
    from the per-run split metrics ``record_paths`` (missing files: "–")."""
    if not isinstance(sets, Mapping):
        sets = {entry["name"]: entry for entry in sets}
    records = [read_json(p) for p in record_paths if Path(p).is_file()]
    parts = [
        "## Diagnostic splits: per-split metrics\n",
        "Top-1 and the split metrics in points (%), mean ± sample std over classifier seeds; "
        "gap and drop are differences of top-1 (positive: worse on the conflicting / changed "
        "clips). What each split is and why its settings: docs/splits.md. Paired 95 % intervals "
        "of the claims: the claims table.\n",
    ]
    for name, entry in sets.items():
        parts.append(split_table(name, entry["dataset"], entry["methods"], records))
    text = "\n".join(parts)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)
    return text
