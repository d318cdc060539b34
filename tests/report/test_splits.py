"""Per-split metrics (videoaug.report.splits): top-1 per test variant, gap, SCUBA's contrasted
accuracy, HAT controls, drop; per-video results keyed by the shared base id; the table."""

from __future__ import annotations

import json

import numpy as np
import pytest

from videoaug.report.splits import (
    split_metrics,
    variant_videos,
    write_split_metrics,
    write_splits_table,
)
from videoaug.train.evaluate import save_scores

BIASED = ["aligned", "conflict", "aligned_static", "conflict_static", "background_only",
          "figure_only"]
CLASSES = ["A", "B", "C"]


def _manifest(variants: list[str], per_class: int = 4) -> dict:
    videos = []
    for label, name in enumerate(CLASSES):
        for i in range(per_class):
            base = f"{name}/v_{name}_g01_c{i + 1:02d}"
            videos.append({"id": f"{base}_train", "label": label, "split": "train",
                           "class_name": name})
            for variant in variants or [""]:
                video = {"id": f"{base}_{variant}" if variant else base, "label": label,
                         "split": "test", "class_name": name}
                if variant:
                    video.update(variant=variant, base=base)
                videos.append(video)
    split = {"scene": "biased", "test_variants": variants} if variants else None
    return {"classes": CLASSES, "videos": videos, **({"split": split} if split else {})}


def _scores(manifest: dict, correct: dict[str, bool]) -> tuple[np.ndarray, np.ndarray, list]:
    """Softmax rows that are right exactly for the ids ``correct`` marks True."""
    tests = [v for v in manifest["videos"] if v["split"] == "test"]
    probs = np.full((len(tests), len(CLASSES)), 0.1)
    labels = np.array([v["label"] for v in tests])
    for row, video in enumerate(tests):
        guess = video["label"] if correct[video["id"]] else (video["label"] + 1) % len(CLASSES)
        probs[row, guess] = 0.8
    return probs, labels, [v["id"] for v in tests]


def test_biased_metrics_against_an_independent_count():
    manifest = _manifest(BIASED)
    rng = np.random.default_rng(3)
    correct = {v["id"]: bool(rng.integers(2)) for v in manifest["videos"] if v["split"] == "test"}
    out = split_metrics(*_scores(manifest, correct), manifest)
    metrics = out["metrics"]
    bases = sorted({v["base"] for v in manifest["videos"] if v.get("base")})

    def right(variant):
        return [correct[f"{b}_{variant}"] for b in bases]

    for variant in BIASED:
        assert metrics[f"top1_{variant}"] == pytest.approx(np.mean(right(variant)))
    assert metrics["gap"] == pytest.approx(np.mean(right("aligned")) - np.mean(right("conflict")))
    for name, variant in (("contrasted_aligned", "aligned"), ("contrasted_conflict", "conflict")):
        expected = np.mean([ok and not static for ok, static in
                            zip(right(variant), right(f"{variant}_static"), strict=True)])
        assert metrics[name] == pytest.approx(expected)
        assert sorted(out["per_video"][name]) == bases
    assert metrics["chance"] == pytest.approx(1 / 3)
    assert out["counts"]["conflict"] == len(bases) == 12
    assert out["per_video"]["conflict"] == {b: int(correct[f"{b}_conflict"]) for b in bases}


def test_a_clip_right_on_its_static_counterpart_does_not_count_as_contrasted():
    manifest = _manifest(BIASED, per_class=1)
    correct = {v["id"]: True for v in manifest["videos"] if v["split"] == "test"}
    correct["B/v_B_g01_c01_conflict_static"] = False
    metrics = split_metrics(*_scores(manifest, correct), manifest)["metrics"]
    assert metrics["top1_conflict"] == 1.0
    assert metrics["contrasted_conflict"] == pytest.approx(1 / 3)
    assert metrics["contrasted_aligned"] == 0.0


def test_temporal_drop_and_plain_datasets():
    manifest = _manifest(["plain", "perturbed"], per_class=2)
    correct = {v["id"]: v.get("variant") == "plain" or v["label"] == 0
               for v in manifest["videos"] if v["split"] == "test"}
    metrics = split_metrics(*_scores(manifest, correct), manifest)["metrics"]
    assert metrics["top1_plain"] == 1.0 and metrics["top1_perturbed"] == pytest.approx(1 / 3)
    assert metrics["drop"] == pytest.approx(2 / 3)
    plain = _manifest([], per_class=2)
    correct = {v["id"]: v["label"] != 2 for v in plain["videos"] if v["split"] == "test"}
    out = split_metrics(*_scores(plain, correct), plain)
    assert out["metrics"]["top1_test"] == pytest.approx(2 / 3) and set(out["counts"]) == {"test"}


def test_scores_of_another_generation_are_refused():
    manifest = _manifest(["plain", "perturbed"], per_class=1)
    probs, labels, ids = _scores(manifest, {v["id"]: True for v in manifest["videos"]})
    with pytest.raises(ValueError, match="1 test clip"):
        split_metrics(probs[1:], labels[1:], ids[1:], manifest)
    ids[0] = "A/v_A_g09_c09_plain"
    with pytest.raises(ValueError, match="1 scored video"):
        split_metrics(probs, labels, ids, manifest)
    labels = labels.copy()
    labels[1] = 2
    with pytest.raises(ValueError, match="label 2"):
        split_metrics(probs, labels, [v["id"] for v in manifest["videos"]
                                      if v["split"] == "test"], manifest)


def test_records_and_table(tmp_path):
    manifest = _manifest(BIASED, per_class=2)
    (tmp_path / "synth4.json").write_text(json.dumps(manifest))
    records = []
    for method, seed, rate in (("l2a", 0, 1.0), ("l2a", 1, 0.0), ("l2a_none", 0, 1.0)):
        correct = {v["id"]: rate == 1.0 or v.get("variant") != "conflict"
                   for v in manifest["videos"] if v["split"] == "test"}
        save_scores(tmp_path / f"{method}{seed}.npz", *_scores(manifest, correct))
        (tmp_path / f"{method}{seed}.json").write_text(json.dumps(
            {"dataset": "synth4bias", "method": method, "seed": seed}))
        out = tmp_path / f"splits_{method}_{seed}.json"
        record = write_split_metrics(tmp_path / "synth4.json", tmp_path / f"{method}{seed}.npz",
                                     tmp_path / f"{method}{seed}.json", out)
        assert json.loads(out.read_text())["metrics"] == record["metrics"]
        records.append(out)
    sets = {"scene-conflict": {"dataset": "synth4bias", "methods": ["l2a_none", "l2a",
                                                                  "l2a_random"]}}
    text = write_splits_table(sets, [*records, tmp_path / "missing.json"],
                              tmp_path / "splits.md")
    rows = {line.split("|")[1].strip(): line for line in text.splitlines()
            if line.startswith("| `")}
    # l2a: conflicting top-1 100 and 0 over seeds 0, 1 -> 50.0 ± 70.7; gap 0 and 100
    assert "| 0, 1 |" in rows["`l2a`"] and "50.0 ± 70.7 (n=2)" in rows["`l2a`"]
    assert rows["`l2a_random`"].count("–") >= 10
    assert "gap (aligned − conflicting)" in text and "top-1 temporal change" not in text


def test_variant_videos_are_the_test_clips_of_that_variant():
    manifest = _manifest(BIASED, per_class=2)
    conflict = variant_videos(manifest, "conflict")
    expected = [v["id"] for v in manifest["videos"]
                if v["split"] == "test" and v.get("variant") == "conflict"]
    assert conflict == expected and len(conflict) == 2 * len(CLASSES)
    assert all(vid.endswith("_conflict") for vid in conflict)
    with pytest.raises(ValueError, match="no test variant 'perturbed'; this dataset has aligned"):
        variant_videos(manifest, "perturbed")
    assert len(variant_videos(_manifest([], per_class=2), "test")) == 2 * len(CLASSES)
