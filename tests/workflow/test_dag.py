"""The DAG on the ci preset: builds, caches, reruns exactly what a parameter change touches."""

import json
import re
import shutil
import subprocess

import pytest

from tests.result_contract import RESULT_KEYS
from tests.workflow.conftest import SNAKEMAKE, copy_project, fake_ucf101, snakemake


def _jobs(dry_run_output: str) -> set[str]:
    """Rule names a dry run would execute (from Snakemake's job table)."""
    names = set()
    for line in dry_run_output.splitlines():
        match = re.match(r"^(\w+)\s+\d+\s*$", line.strip())
        if match and match.group(1) not in ("total", "job", "count"):
            names.add(match.group(1))
    return names


def test_default_dag_builds_artefacts(built_project):
    cache = built_project / "cache" / "synth4"
    for rel in (
        "manifest.json",
        "frames/0.h5",
        "frames/1.h5",
        "frames/index.json",
        "ssdi/0.h5",
        "ssdi/1.h5",
        "ssdi/index.json",
    ):
        assert (cache / rel).exists(), rel
    assert (
        built_project / "results" / "figures" / "synth4_dynamic_images.png"
    ).stat().st_size > 10_000
    assert (built_project / "logs" / "synth4" / "decode_frames" / "0.log").exists()
    assert (built_project / "benchmarks" / "synth4" / "dynamic_images" / "0.tsv").exists()


def test_rerun_with_nothing_changed_does_nothing(built_project):
    proc = snakemake(built_project, "--cores", "2", "-n")
    assert "Nothing to be done" in proc.stdout + proc.stderr


def test_changing_k_reruns_only_dynamic_images_onward(built_project):
    (built_project / "k2.yaml").write_text("dynamic:\n  subvideos: 2\n")
    proc = snakemake(built_project, "--cores", "2", "-n", extra_config="k2.yaml")
    jobs = _jobs(proc.stdout)
    assert "dynamic_images" in jobs, proc.stdout
    assert not jobs & {"decode_frames", "manifest", "synth_generate", "frames_index"}, jobs


def test_outputs_are_byte_identical_across_runs(built_project, tmp_path):
    second = copy_project(tmp_path / "again")
    shutil.copytree(built_project / "data", second / "data")  # same videos, so same absolute ids
    snakemake(second, "--cores", "2", "cache/synth4/ssdi/index.json")
    for rel in ("frames/0.h5", "frames/1.h5", "ssdi/0.h5", "ssdi/1.h5"):
        a = (built_project / "cache" / "synth4" / rel).read_bytes()
        b = (second / "cache" / "synth4" / rel).read_bytes()
        assert a == b, rel


def test_bad_config_value_stops_naming_the_key(tmp_path):
    workdir = copy_project(tmp_path / "p")
    (workdir / "bad.yaml").write_text("dynamic:\n  keep_fraction: 1.5\n")
    proc = snakemake(workdir, "--cores", "1", "-n", extra_config="bad.yaml", check=False)
    assert proc.returncode != 0
    assert "dynamic.keep_fraction" in proc.stdout + proc.stderr


def test_missing_dataset_root_says_what_to_download(tmp_path):
    workdir = copy_project(tmp_path / "p")
    proc = snakemake(workdir, "--cores", "1", "cache/ucf4/manifest.json", check=False)
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr  # said by Snakemake itself, while it builds the DAG
    assert "UCF101" in out and "datasets.ucf4.root" in out
    assert not (workdir / "cache" / "ucf4" / "manifest.json").exists()


def test_dry_run_against_fake_ucf_root(tmp_path, tiny_video):
    workdir = copy_project(tmp_path / "p")
    fake_ucf101(workdir / "data" / "UCF101", tiny_video)
    proc = snakemake(workdir, "--cores", "8", "-n", "results/ucf4_sps.json")
    jobs = _jobs(proc.stdout)
    assert {
        "manifest",
        "decode_frames",
        "dynamic_images",
        "train_wgan",
        "generate_pool",
        "train_temporal",
    } <= jobs, proc.stdout
    assert re.search(r"^train_wgan\s+4\s*$", proc.stdout, re.M), proc.stdout  # one GAN per class


def test_sps_result_contract(built_project):
    result = json.loads((built_project / "results" / "synth4_sps.json").read_text())
    assert RESULT_KEYS <= set(result), set(result)
    assert result["dataset"] == "synth4" and result["method"] == "sps"
    assert set(result["metrics"]) >= {"top1", "top5", "per_class", "confusion"}
    assert result["counts"]["train_generated"] > 0
    assert all(len(v) == 64 for v in result["inputs"].values())  # sha256 of every input
    assert (built_project / "results" / "figures" / "synth4_gan_samples.png").exists()
    for cls in ("GolfSwing", "Shotput", "Skiing", "YoYo"):
        assert (built_project / "cache" / "synth4" / "gan" / f"{cls}.pt").exists()
    # The pools' measured quality travels with the result (and equals cache/.../quality.json).
    quality = json.loads((built_project / "cache" / "synth4" / "gan" / "quality.json").read_text())
    assert set(quality["classes"]) == {"GolfSwing", "Shotput", "Skiing", "YoYo"}
    assert result["gan_quality"]["mean"] == quality["mean"]
    for record in result["gan_quality"]["classes"].values():
        assert set(record["generated"]) == {
            "consistency", "frechet", "diversity", "precision_pixel", "recall_pixel",
            "precision_embedding", "recall_embedding"}
        assert all(0 <= record["generated"][k] <= 1 for k in (
            "consistency", "precision_pixel", "recall_pixel", "precision_embedding",
            "recall_embedding"))
        assert isinstance(record["fails"], list)
    # The control pools (noise, grey, one image repeated, heavy blur) fail on this dataset too.
    assert set(quality["controls"]["Skiing"]) == {"noise", "grey", "repeat", "blur"}


def test_lint_is_clean(tmp_path):
    workdir = copy_project(tmp_path / "p")
    proc = subprocess.run(
        [SNAKEMAKE, "--lint"], cwd=workdir, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.slow  # a second dataset decoded and both galleries built (~17 s): make test-all
def test_two_datasets_tda_galleries_side_by_side(built_project, tiny_video):
    from tests.workflow.test_faults import _kitchen

    # a second dataset in the same project: each gallery at its own path, none overwritten
    _kitchen(built_project, tiny_video)
    figures = built_project / "results" / "figures"
    targets = [f"results/figures/{ds}_tda_gallery.png" for ds in ("synth4", "kitchen")]
    snakemake(built_project, "--cores", "2", *targets, extra_config="kitchen.yaml")
    synth4, kitchen = (built_project / t for t in targets)
    assert synth4.read_bytes()[:8] == kitchen.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert synth4.read_bytes() != kitchen.read_bytes()
    assert not (figures / "tda_gallery.png").exists()
    for ds in ("synth4", "kitchen"):
        assert (built_project / "logs" / ds / "tda_gallery.log").exists()
