"""The AVD rules on the ci preset: the DAG of the tables resolves (no ambiguity with the SPS
rules), the AVD part builds and follows the result contract, and a changed lambda reruns the
AVD model and what depends on it but not the flow."""

import json

import pytest

from tests.result_contract import RESULT_KEYS
from tests.workflow.conftest import copy_project, snakemake
from tests.workflow.test_dag import _jobs

TARGETS = ("results/tables/tavakolian2019_table1.md", "results/figures/synth4_avd.png")


def test_avd_tables_dag_resolves_on_the_default_config(tmp_path):
    workdir = copy_project(tmp_path / "p")
    (workdir / "default.yaml").write_text("{}\n")
    # the default config (not ci): every table input, the synth4shift dataset included
    proc = snakemake(workdir, "-n", "--cores", "2", *TARGETS, extra_config="default.yaml")
    jobs = _jobs(proc.stdout)
    assert {"optical_flow", "train_avd", "distill", "train_avd_classifier_seed",
            "train_avd_cross", "avd_fuse", "tavakolian2019_tables", "figure_avd"} <= jobs, jobs
    assert "train_spatial" not in jobs  # results/{ds}_avd_frames_rgb.json is ours (ruleorder)


@pytest.mark.slow
def test_avd_part_builds_and_reruns_what_lambda_touches(tmp_path):
    built_project = copy_project(tmp_path / "p")  # only the AVD part of the ci DAG
    fused = "results/seeds/synth4_avd_frames_flow+flow+rgb_s0.json"
    snakemake(built_project, "--cores", "2", fused, "results/seeds/synth4_avd_di_s0.json",
              "results/figures/synth4_avd.png", timeout=1800)
    for stream in ("frames_flow", "rgb", "flow", "di", "frames_flow+flow+rgb"):
        result = json.loads((built_project / f"results/seeds/synth4_avd_{stream}_s0.json")
                            .read_text())
        assert RESULT_KEYS <= set(result) and result["method"] == f"avd_{stream}"
    (built_project / "lam.yaml").write_text("avd:\n  lambda: 0.5\n")
    jobs = _jobs(snakemake(built_project, "-n", "--cores", "2", fused,
                           extra_config="lam.yaml").stdout)
    assert {"train_avd", "distill", "train_avd_classifier_seed", "avd_fuse"} <= jobs, jobs
    assert "optical_flow" not in jobs and "decode_frames" not in jobs, jobs
    # the dynamic images of the same windows do not depend on the AVD model
    di = _jobs(snakemake(built_project, "-n", "--cores", "2",
                         "results/seeds/synth4_avd_di_s0.json", extra_config="lam.yaml").stdout)
    assert not di, di


def test_avd_targets_plan_without_a_traceback(tmp_path):
    # results/synth4_avd_rgb.json also matched train_spatial's results/{ds}_rgb.json with
    # ds=synth4_avd, whose input function failed and printed a traceback before the run went on
    workdir = copy_project(tmp_path / "p")
    proc = snakemake(workdir, "-n", "--cores", "2", "results/synth4_avd_rgb.json",
                     "results/synth4_avd_frames_rgb.json")
    out = proc.stdout + proc.stderr
    assert "Traceback" not in out and "InputFunctionException" not in out, out
    assert "train_spatial" not in _jobs(proc.stdout)
