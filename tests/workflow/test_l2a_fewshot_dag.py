"""L2A few-shot (Table 4) through Snakemake: the l2a_fewshot target's jobs (dry run, fast) and,
behind ``slow``, the whole chain on a tiny synth10 (generation, masks, backgrounds, 2 methods x
2 shots x 2 seeds, the default-seed copies)."""

import json
import re

import pytest

from tests.result_contract import RESULT_KEYS
from tests.workflow.conftest import copy_project, snakemake

TINY = """
datasets:
  synth10:
    kind: synthetic
    root: data/synth10_ci
    synth_classes: synth10
    synth_train_per_class: 3
    synth_test_per_class: 3
    frames: 12
    height: 48
    width: 64
report:
  seeds: [0, 1]
l2a:
  segmenter_by_dataset: {synth10: oracle}
  fewshot:
    shots: [1, 2]
    queries: 1
    episodes: 10
    composites_per_example: 2
    classifier: {num_test_clips: 1, clip_len: 4, train: {epochs: 1, drop_last: true}}
"""


def _job_counts(output: str) -> dict[str, int]:
    counts = {}
    for line in output.splitlines():
        match = re.match(r"^(\w+)\s+(\d+)\s*$", line.strip())
        if match and match.group(1) not in ("total", "job", "count"):
            counts[match.group(1)] = int(match.group(2))
    return counts


@pytest.fixture(scope="module")
def fewshot_project(tmp_path_factory):
    workdir = copy_project(tmp_path_factory.mktemp("fewshot"))
    (workdir / "tiny10.yaml").write_text(TINY)
    return workdir


def test_target_runs_every_method_shot_and_seed_once(fewshot_project):
    proc = snakemake(fewshot_project, "-n", "l2a_fewshot", extra_config="tiny10.yaml")
    counts = _job_counts(proc.stdout)
    # 2 methods x 2 shots x 2 seeds trained; the 4 default-seed files are copies of seed 0
    assert counts["train_fewshot_seed"] == 8 and counts["train_fewshot"] == 4
    assert counts["segment"] == 2 and counts["inpaint"] == 2  # pn_l2a needs part 1's stores
    for name in ("synth10_fewshot_pn_1shot_s0", "synth10_fewshot_pn_l2a_2shot_s1"):
        assert f"results/seeds/{name}.json" in proc.stdout


@pytest.mark.slow
def test_fewshot_results_end_to_end(fewshot_project):
    snakemake(fewshot_project, "--cores", "2", "l2a_fewshot", extra_config="tiny10.yaml",
              timeout=1800)
    results = fewshot_project / "results"
    for method in ("pn", "pn_l2a"):
        for n in (1, 2):
            seeds = [json.loads((results / "seeds" /
                                 f"synth10_fewshot_{method}_{n}shot_s{s}.json").read_text())
                     for s in (0, 1)]
            for res in seeds:
                assert RESULT_KEYS <= set(res) and res["metrics"]["episodes"] == 10
                assert 0 <= res["metrics"]["top1"] <= 1 and res["metrics"]["ci95"] >= 0
                assert set(res["counts"]["novel_examples_per_class"].values()) == {n}
            default = json.loads((results / f"synth10_fewshot_{method}_{n}shot.json").read_text())
            assert default["metrics"] == seeds[0]["metrics"]
            assert (seeds[0]["counts"]["train_generated"] > 0) == (method == "pn_l2a")
