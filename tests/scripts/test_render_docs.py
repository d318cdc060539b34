"""scripts/render_docs.py: docs/results.md carries exactly the numbers the pipeline wrote."""

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
SCRIPT = PROJECT / "scripts" / "render_docs.py"

TABLE = """# Zhang et al. 2020, Fig. 4

| method | top-1 | paper |
|---|---|---|
| SSDI | 67.00 ± 1.80 | 92.23 |
| SPS-GAN | 66.33 ± 4.31 | 95.29 |
"""
BENCH_TSV = (
    "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"
    "12.50\t0:00:12\t345.60\t900.00\t200.00\t250.00\t0.01\t0.02\t80.00\t7.25\n"
)


def _record(method: str, top1: float, n: int, seed: int, wall: float) -> dict:
    """The keys of provenance.result_record that the page reads, plus the rest as placeholders."""
    return {
        "dataset": "synth4",
        "method": method,
        "metrics": {"top1": top1, "top5": 1.0, "n": n, "per_class": {}, "confusion": []},
        "history": [],
        "counts": {"test_videos": n},
        "config": {},
        "inputs": {},
        "versions": {},
        "seed": seed,
        "wall_seconds": wall,
        "compute": {"torch_threads": 1},
    }


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A tiny project: two result JSONs, one table, one benchmark file."""
    results = tmp_path / "results"
    (results / "tables").mkdir(parents=True)
    (results / "synth4_sps.json").write_text(json.dumps(_record("sps", 0.625, 200, 0, 229.4)))
    (results / "synth4_ssdi.json").write_text(json.dumps(_record("ssdi", 0.5675, 40, 3, 61.0)))
    (results / "tables" / "zhang2020_fig4.md").write_text(TABLE)
    bench = tmp_path / "benchmarks" / "synth4" / "train_temporal"
    bench.mkdir(parents=True)
    (bench / "sps.tsv").write_text(BENCH_TSV)
    return tmp_path


def _render(results: Path, out: Path) -> str:
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--results", str(results), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return out.read_text(encoding="utf-8")


def _row(text: str, first_cell: str) -> list[str]:
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells and cells[0] == first_cell:
            return cells
    raise AssertionError(f"no row {first_cell!r} in\n{text}")


def test_rendered_numbers_equal_the_inputs(tree: Path):
    text = _render(tree / "results", tree / "docs" / "results.md")
    # result records: top-1 in per cent of metrics.top1, metrics.n, seed, wall seconds
    assert _row(text, "`synth4_sps`")[1:7] == ["synth4", "sps", "62.50", "200", "0", "229.4"]
    assert _row(text, "`synth4_ssdi`")[1:7] == ["synth4", "ssdi", "56.75", "40", "3", "61.0"]
    # the table, copied as written (its heading moved below the page's levels)
    assert "| SPS-GAN | 66.33 ± 4.31 | 95.29 |" in text
    assert "#### Zhang et al. 2020, Fig. 4" in text
    # the Snakemake benchmark file: wall s, max RSS, CPU s
    assert _row(text, "`synth4/train_temporal/sps`")[1:4] == ["12.50", "345.6", "7.25"]


def test_header_names_the_machine(tree: Path):
    text = _render(tree / "results", tree / "results.md")
    machine = next(line for line in text.splitlines() if line.startswith("- machine:"))
    assert re.search(r"CPU \S", machine), machine
    assert re.search(r"\b\d+ cores\b", machine), machine
    assert re.search(r"load average \(1 min\) (\d+\.\d\d|unknown)", machine), machine
    assert re.search(r"rendered: \d{4}-\d\d-\d\d \d\d:\d\d UTC", text)


def test_missing_folder_gives_the_hint_line(tmp_path: Path):
    text = _render(tmp_path / "results", tmp_path / "results.md")
    assert "folder yet: run `make run`" in text
    assert "No benchmark files in" in text
    assert "run `make bench`" in text
    assert "run `make gpu-check`" in text


def test_odd_inputs_render_without_a_crash(tree: Path):
    results = tree / "results"
    (results / "broken.json").write_text("{not json")
    (results / "gpu_check.json").write_text(
        json.dumps(
            {
                "gpu": "Test GPU",
                "status": "ok",
                "tests_passed": 5,
                "tests_failed": 0,
                "benchmarks": {
                    "wgan_iters_per_s_cuda": {"value": 41.5, "goal": "report", "ok": True}
                },
            }
        )
    )
    (results / "seeds").mkdir()
    (results / "seeds" / "synth4_sps_s1.json").write_text(
        json.dumps(_record("sps", 0.6, 200, 1, 50.0))
    )
    (tree / "bench").mkdir()
    (tree / "bench" / "results.json").write_text(
        json.dumps(
            {"dynamic_image_vs_loop": {"value": 55.0, "goal": ">= 20", "ok": True, "frames": 48}}
        )
    )
    (tree / "benchmarks" / "empty.tsv").write_text("")
    text = _render(results, tree / "results.md")
    assert "`broken.json` (unreadable" in text
    assert _row(text, "`synth4_sps_s1`")[3] == "60.00"
    assert _row(text, "`dynamic_image_vs_loop`")[1:4] == ["55.000", ">= 20", "ok"]
    assert "GPU Test GPU" in text and _row(text, "`wgan_iters_per_s_cuda`")[1] == "41.500"
    assert "Unreadable benchmark files: `empty`" in text


def test_cpu_model_reads_proc_cpuinfo(tmp_path: Path):
    spec = importlib.util.spec_from_file_location("render_docs", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nmodel name\t: Example  CPU @ 2.00GHz\n")
    assert module.cpu_model(cpuinfo) == "Example CPU @ 2.00GHz"
    assert module.cpu_model(tmp_path / "missing")  # falls back, never empty


def _quality_numbers(scale: float) -> dict:
    return {"consistency": 0.9 * scale, "precision_pixel": 0.5 * scale,
            "recall_pixel": 0.25 * scale, "precision_embedding": 0.75 * scale,
            "recall_embedding": 0.8 * scale}


def test_pool_quality_and_gan_recipes_render_from_their_files(tree: Path):
    record = {"generated": _quality_numbers(0.5), "real_heldout": _quality_numbers(1.0),
              "goal": {"passes": False, "fails": ["recall_pixel"]}}
    quality = {"measure": {"k": 3, "pixel_size": [24, 30]}, "goal_definition": {},
               "classes": {"Skiing": record},
               "controls": {"Skiing": {"grey": {"goal": {"passes": False,
                                                         "fails": ["recall_embedding"]}}}}}
    path = tree / "cache" / "synth4" / "gan" / "quality.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(quality))
    row = {"recipe": "standard", "class": "YoYo", "seed": 1, "iterations": 700, "cpu_min": 1.05,
           **{f"gen_{k}": v for k, v in _quality_numbers(0.5).items()},
           **{f"real_{k}": v for k, v in _quality_numbers(1.0).items()},
           "passes": True, "fails": []}
    (tree / "bench").mkdir()
    (tree / "bench" / "gan_recipes.json").write_text(json.dumps(
        {"recipes": {"standard": {"what": "standardised", "overrides": {"normalize": "standard"}}},
         "rows": [row]}))
    text = _render(tree / "results", tree / "results.md")
    assert _row(text, "Skiing")[1:7] == ["0.45 (0.90)", "0.25 (0.50)", "0.12 (0.25)",
                                         "0.38 (0.75)", "0.40 (0.80)", "fails: recall_pixel"]
    assert "fails: recall_embedding" in text  # the control's verdict
    assert _row(text, "standard")[1] == "standardised `{'normalize': 'standard'}`"
    cells = next(c for c in (
        [x.strip() for x in line.strip().strip("|").split("|")] for line in text.splitlines())
        if c[:2] == ["standard", "YoYo"])
    assert cells[2:6] == ["1", "700", "1.05", "0.45 (0.90)"] and cells[-1] == "meets goal"
