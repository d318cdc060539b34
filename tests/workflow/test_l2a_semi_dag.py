"""The semi-supervised L2A rules (Table 3) through Snakemake on the ci preset: the DAG of a dry run
(fast) and a real run of the teacher, the retrained Selector and two students (slow)."""

import json
import re

import pytest

from tests.result_contract import RESULT_KEYS
from tests.workflow.conftest import copy_project, snakemake


def _job_counts(stdout: str) -> dict[str, int]:
    table = stdout.split("Job stats:")[1].split("total")[0]
    return {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, re.MULTILINE)}


def test_semi_dag(tmp_path):
    project = copy_project(tmp_path / "project")
    targets = ["results/synth4_l2a_semi50.json", "results/seeds/synth4_cutmix_semi50_s1.json",
               "results/seeds/synth4_none_semi20_s1.json"]
    counts = _job_counts(snakemake(project, "-n", "--cores", "1", *targets).stdout)
    # teachers: (50, s0) for l2a, (50, s1) for cutmix, (20, s1); one Selector: (50, s0) for l2a
    assert counts["semi_teacher"] == 3 and counts["semi_selector"] == 1
    assert counts["train_semi"] == 2 and counts["semi_default_seed"] == 1
    # the pseudolabel student needs no Selector, masks or backgrounds of its own
    plain = _job_counts(snakemake(project, "-n", "--cores", "1",
                                  "results/seeds/synth4_pseudolabel_semi20_s2.json").stdout)
    assert "semi_selector" not in plain and plain["semi_teacher"] == 1


@pytest.mark.slow
def test_semi_results(built_project):
    targets = [f"results/synth4_{m}_semi50.json" for m in ("none", "pseudolabel", "l2a")]
    snakemake(built_project, "--cores", "2", *targets)
    results = {t: json.loads((built_project / t).read_text()) for t in targets}
    for target, result in results.items():
        method = target.split("synth4_")[1].removesuffix(".json")
        assert RESULT_KEYS <= set(result) and result["method"] == method
        assert result["semi"]["fraction"] == 50
    pseudo = built_project / "cache/synth4/l2a/semi50/s0/pseudo.json"
    assert json.loads(pseudo.read_text())["accepted"] == results[targets[1]]["semi"][
        "pseudo_accepted"]
    assert (built_project / "cache/synth4/l2a/semi50/s0/pairs.h5").exists()
    assert (built_project / "logs/synth4/l2a_semi/l2a_semi50_s0.log").exists()
