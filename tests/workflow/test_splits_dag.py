"""The diagnostic splits' rules (workflow/rules/splits.smk) on the ci preset: `splits` (what
`make claims` builds) resolves to every family's seed runs on every split dataset, one
split_metrics job per run, and one temporal-change run builds its split metrics for real."""

import json

import pytest

from tests.workflow.conftest import copy_project, snakemake
from tests.workflow.test_dag import _jobs


def test_splits_dag_has_every_run_of_every_split_set(tmp_path):
    workdir = copy_project(tmp_path / "p")
    proc = snakemake(workdir, "-n", "--cores", "2", "splits")
    jobs = _jobs(proc.stdout)
    assert {"synth_generate", "split_metrics", "splits_table", "split_figure", "train_l2a_seed",
            "train_tda_seed", "train_temporal_seed", "train_avd_classifier_seed",
            "train_wgan"} <= jobs, jobs
    # config splits.sets x splits.seeds (ci: one seed): 11 synth4 runs + 3 + 3 + 2 + 2 + 3
    assert proc.stdout.count("rule split_metrics:") == 24
    for ds in ("synth4bias", "synth4temporal", "synth4scarce5", "synth4scarce10", "synth4motion"):
        assert f"results/figures/split_{ds}.png" in proc.stdout
    assert "results/splits/synth4bias_l2a_random_s0.json" in proc.stdout
    assert "results/scores/seeds/synth4temporal_tda_randaug-t-n2-m9-temporalp_s0.npz" in proc.stdout
    assert "results/scores/seeds/synth4scarce5_sps_s0.npz" in proc.stdout
    assert "rule claims:" not in proc.stdout  # `splits` alone: no claims table
    # `make claims`: the claims table of synth4 with each claim on its diagnostic split too
    proc = snakemake(workdir, "-n", "--cores", "2", "splits", "results/tables/claims_synth4.md",
                     extra_config="workflow/presets/claims.yaml")
    assert proc.stdout.count("rule split_videos:") == 2 and "rule claims:" in proc.stdout
    for path in ("results/splits/videos/synth4bias_conflict.json",
                 "results/splits/videos/synth4temporal_perturbed.json"):
        assert path in proc.stdout


@pytest.mark.slow  # trains and tests classifiers (~20 s): make test-all
def test_temporal_change_run_builds_its_split_metrics(tmp_path):
    workdir = copy_project(tmp_path / "p")
    target = "results/splits/synth4temporal_tda_none_s0.json"
    snakemake(workdir, "--cores", "2", target, timeout=1800)
    record = json.loads((workdir / target).read_text())
    assert record["dataset"] == "synth4temporal" and record["method"] == "tda_none"
    metrics = record["metrics"]
    assert metrics["drop"] == metrics["top1_plain"] - metrics["top1_perturbed"]
    # ci: 2 test clips per class, each unperturbed and changed, paired by base id
    assert record["counts"] == {"plain": 8, "perturbed": 8}
    assert record["per_video"]["plain"].keys() == record["per_video"]["perturbed"].keys()
    assert record["split"]["change"]["pan"] == 0.15
