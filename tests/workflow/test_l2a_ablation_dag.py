"""The Learn2Augment ablation DAG (Tables 1, 2, 5) on the ci preset, dry run: one Selector of its
own per ablation row that keeps the Selector, the shared one otherwise, and the paper tables."""

import re

from tests.workflow.conftest import copy_project, snakemake
from videoaug.methods.l2a.ablation import SELECTOR_KEYS
from videoaug.methods.l2a.gowda2022 import table_methods


def _job_counts(dry_run_output: str) -> dict[str, int]:
    counts = {}
    for line in dry_run_output.splitlines():
        match = re.match(r"^(\w+)\s+(\d+)\s*$", line.strip())
        if match and match.group(1) not in ("total", "job", "count"):
            counts[match.group(1)] = int(match.group(2))
    return counts


def test_ablation_tables_dag(tmp_path):
    workdir = copy_project(tmp_path / "p")
    methods = sorted({m for n in (1, 2, 5) for m in table_methods(n)})
    targets = [f"results/tables/gowda2022_table{n}.md" for n in (1, 2, 5)]
    proc = snakemake(workdir, "--cores", "2", "-n", *targets)
    counts = _job_counts(proc.stdout)
    assert counts["train_selector_ablation"] == len(SELECTOR_KEYS) == 7
    assert counts["score_pairs_ablation"] == 7
    assert counts["train_selector"] == counts["score_pairs"] == 1  # the full method's, shared
    assert counts["train_l2a_seed"] == len(methods) * 3 == 42  # 14 methods x report.seeds
    assert counts["gowda2022_table"] == 3
    # a MixUp row reads no masks, a Selector-less matched row reads the full method's pairs
    proc = snakemake(workdir, "--cores", "2", "-n", "-p", "results/synth4_l2a_random_nocomp.json")
    command = next(line for line in proc.stdout.splitlines() if "train-l2a" in line)
    assert "--masks" not in command and "cache/synth4/l2a/pairs.h5" in command
