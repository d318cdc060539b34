"""The paper-scale projection (scripts/paper_scale.py) on a made-up smoke run: units at paper
scale against the formulas, per-class jobs repeated for the real classes, memory projected from
the growth per sample, and the page lists what was not measured."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT / "scripts"))

import paper_scale  # noqa: E402

from videoaug.config import load_config  # noqa: E402


def _work(phases: dict, cpu: float) -> str:
    record = {"command": "x", "threads": 1, "seconds": cpu, "cpu_seconds": cpu,
              "peak_rss_mb": 900.0, "phases": phases}
    return f"12:00:00 INFO {paper_scale.WORK_PREFIX}{json.dumps(record)}\n"


def _phase(unit: str, units: float, cpu: float, samples: float | None = None,
           start: float | None = None, peak: float = 1000.0) -> dict:
    entry = {"unit": unit, "units": units, "seconds": cpu, "cpu_seconds": cpu,
             "samples": units if samples is None else samples, "peak_rss_mb": peak}
    if start is not None:
        entry["rss_start_mb"] = start
    return entry


@pytest.fixture
def smoke(tmp_path) -> Path:
    jobs = {
        "logs/hmdb51imb/train_wgan/golf.log": ("train_wgan", _work(
            {"iteration": _phase("iteration", 2, 20.0, samples=128)}, 25.0)),
        "logs/hmdb51/decode_frames/0.log": ("decode_frames", _work(
            {"video": _phase("video", 4, 8.0)}, 10.0)),
        "logs/hmdb51/train_tda/none_s0.log": ("train_tda_seed", _work({
            "epoch": _phase("epoch", 1, 0.0),
            "train_step": _phase("step", 2, 40.0, samples=8, start=1000.0, peak=3000.0),
            "test": _phase("video", 6, 60.0)}, 110.0)),
    }
    for log, (_, line) in jobs.items():
        path = tmp_path / log
        path.parent.mkdir(parents=True)
        path.write_text(line)
    bench = tmp_path / "benchmarks/hmdb51/train_tda/none_s0.tsv"
    bench.parent.mkdir(parents=True)
    bench.write_text("s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\t"
                     "cpu_time\n300\t0:05:00\t3500.5\t0\t0\t0\t0\t0\t0\t108\n")
    (tmp_path / "smoke_dag.json").write_text(json.dumps(
        {"jobs": [{"rule": rule, "log": log} for log, (rule, _) in jobs.items()]}))
    standin = tmp_path / "standin"
    standin.mkdir()
    (standin / "standin.json").write_text(json.dumps({"frames": 90}))
    for ds, classes, train, test in (("hmdb51", 6, 6, 6), ("hmdb51imb", 6, 18, 6)):
        videos = [{"split": "train"}] * train + [{"split": "test"}] * test
        manifest = tmp_path / "cache/paper_smoke" / ds / "manifest.json"
        manifest.parent.mkdir(parents=True)
        manifest.write_text(json.dumps({"dataset": ds, "root": str(standin), "videos": videos,
                                        "classes": [f"c{i}" for i in range(classes)]}))
    return tmp_path


def _projector(workdir: Path) -> paper_scale.Projector:
    smoke = load_config([PROJECT / "config.yaml", PROJECT / "workflow/presets/paper.yaml",
                         PROJECT / "workflow/presets/paper_smoke.yaml"])
    paper = load_config([PROJECT / "config.yaml", PROJECT / "workflow/presets/paper.yaml"])
    stats = paper_scale.group(paper_scale.read_jobs(workdir))
    counts = paper_scale.smoke_counts(workdir, "cache/paper_smoke")
    return paper_scale.Projector(stats, smoke, paper, counts, paper_scale.load_sizes())


def test_units_at_paper_scale_follow_the_formulas(smoke):
    projector = _projector(smoke)
    paper, sizes = projector.paper, paper_scale.load_sizes()
    # WGAN: setup (25 - 20 s) + paper iterations x 10 s per smoke iteration x (64 / 64 per batch)
    wgan = projector.project("train_wgan", {"ds": "hmdb51imb", "cls": "golf"})
    assert wgan.cpu_s == pytest.approx(5.0 + paper["gan"]["iterations"] * 10.0)
    assert wgan.gpu_units["iterations"] == paper["gan"]["iterations"]
    # decode: 2 s per 90-frame video -> per frame, times the paper's videos and frames per shard
    decode = projector.project("decode_frames", {"ds": "hmdb51", "shard": "0"})
    videos = (sizes["hmdb51"]["train"] + sizes["hmdb51"]["test"]) / 16
    assert decode.cpu_s == pytest.approx(2.0 + videos * 2.0 / 90 * sizes["hmdb51"]["frames"])
    # TDA: 8 clips per epoch from 6 training videos -> 4/3 samples per video per epoch
    tda = projector.project("train_tda_seed", {"ds": "hmdb51", "policy": "none", "seed": "1"})
    train = paper["tda"]["train"]
    samples = 8 / 6 * sizes["hmdb51"]["train"]
    steps = train["epochs"] * math.ceil(samples / train["batch_size"])
    assert tda.gpu_units["steps"] == steps
    assert tda.gpu_units["test videos"] == pytest.approx(sizes["hmdb51"]["test"])
    expected = 10.0 + steps * 5.0 * train["batch_size"] + sizes["hmdb51"]["test"] * 10.0
    assert tda.cpu_s == pytest.approx(expected)
    # memory: the smoke ran 4 clips per step (paper 16): measured 3500.5 MB + 500 MB x 12 clips
    assert tda.rss_mb == pytest.approx(3500.5 + 2000.0 / 4 * (train["batch_size"] - 4))


def test_page_repeats_per_class_jobs_and_lists_what_was_not_measured(smoke):
    dag = {"standin_classes": {"hmdb51imb": 6},
           "tables": {"Zhang Table 3": [
               {"rule": "train_wgan", "wildcards": {"ds": "hmdb51imb", "cls": "golf"},
                "resources": {"mem_mb": "4000", "runtime": "240", "gpu": "1"}},
               {"rule": "fuse", "wildcards": {"ds": "hmdb51imb", "method": "sps"},
                "resources": {"mem_mb": "1000", "runtime": "10", "gpu": "0"}}],
               "Kim Tables 2-6": [
               {"rule": "train_tda_seed", "wildcards": {"ds": "hmdb51", "policy": "none",
                                                         "seed": "0"},
                "resources": {"mem_mb": "4000", "runtime": "480", "gpu": "1"}}]}}
    jobs = paper_scale.paper_jobs(dag)["Zhang Table 3"]
    assert jobs[0]["repeat"] == pytest.approx(51 / 6) and jobs[1]["repeat"] == 1
    text = paper_scale.render(smoke, dag, None)
    assert "- `fuse`" in text.split("without a measurement")[1]
    row = next(line for line in text.splitlines() if line.startswith("| Zhang Table 3 |"))
    iterations = 51 / 6 * load_config([PROJECT / "config.yaml",
                                       PROJECT / "workflow/presets/paper.yaml"])["gan"][
                                           "iterations"]
    assert f"{iterations:,.0f} iterations" in row
    assert "| `train_tda` | 4.0 | 3,500 | 500 | 9,500 | 4,000 |" in text  # smaller batch
    resources = text.split("## Resources at paper scale")[1]
    assert "| `train_tda` | 9,500 (projected) | 4,000 |" in resources
    assert "memory above mem_mb" in resources.split("`train_tda`")[1].splitlines()[0]
