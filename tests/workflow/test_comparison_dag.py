"""`make report`'s target (rule `comparison`) plans every family's seed runs, the paper tables, the
leaderboards and the claims tables: on the default config and on a researcher's own dataset. Dry
runs only (the full build is the ci-preset run of docs/comparison.md)."""

import os
import re
import shutil
import subprocess

import yaml

from tests.workflow.conftest import SNAKEMAKE, copy_project, snakemake
from tests.workflow.test_dag import _jobs
from videoaug.config import load_config
from videoaug.report.methods import registered_methods


def _counts(dry_run_output: str) -> dict[str, int]:
    counts = {}
    for line in dry_run_output.splitlines():
        match = re.match(r"^(\w+)\s+(\d+)\s*$", line.strip())
        if match and match.group(1) not in ("total", "job", "count"):
            counts[match.group(1)] = int(match.group(2))
    return counts


SEED_RULES = {"train_temporal_seed", "train_tda_seed", "train_l2a_seed",
              "train_avd_classifier_seed", "avd_fuse"}
TABLE_RULES = {"leaderboard", "claims", "report_zhang2020", "kim2020_tables", "gowda2022_table",
               "tavakolian2019_tables"}


def test_comparison_plans_the_seed_runs_of_all_four_families(tmp_path):
    workdir = copy_project(tmp_path / "p")
    # the default config (what `make report` runs), not the ci preset of the helper
    env = dict(os.environ, VIDEOAUG_PROGRESS="0")
    proc = subprocess.run([SNAKEMAKE, "-n", "--cores", "2", "comparison"], cwd=workdir, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    counts = _counts(proc.stdout)
    assert SEED_RULES | TABLE_RULES <= set(counts), sorted(counts)
    config = load_config([workdir / "config.yaml"])
    seeds = len(config["report"]["seeds"])
    methods = registered_methods(config)
    l2a = [m for m in methods if m.family == "L2A"]
    assert counts["train_l2a_seed"] == len(l2a) * seeds  # every registered L2A row, every seed
    sps = [m for m in methods if m.family == "SPS"]
    assert counts["train_temporal_seed"] == len(sps) * seeds
    assert counts["avd_fuse"] == len(config["avd"]["classifier"]["fusion"]) * seeds
    assert counts["train_tda_seed"] >= len(config["tda"]["report_policies"]) * seeds
    assert counts["gowda2022_table"] == 3  # Tables 1, 2, 5
    assert counts["claims"] == counts["leaderboard"] == len(config["report"]["datasets"])


def test_comparison_runs_on_a_researchers_own_dataset(tmp_path, tiny_video):
    workdir = copy_project(tmp_path / "p")
    root = workdir / "data" / "kitchen"
    for cls in ("Cutting", "Stirring"):
        (root / cls).mkdir(parents=True)
        for i in range(5):
            shutil.copy(tiny_video, root / cls / f"{cls.lower()}_{i}.mp4")
    (workdir / "mine.yaml").write_text(yaml.safe_dump({
        "datasets": {"kitchen": {"kind": "folder", "root": str(root), "test_fraction": 0.4}},
        "report": {"datasets": ["kitchen"]},
    }))
    proc = snakemake(workdir, "-n", "--cores", "2", "comparison", extra_config="mine.yaml")
    assert SEED_RULES | TABLE_RULES <= _jobs(proc.stdout), proc.stdout[-3000:]
    for target in ("results/tables/claims_kitchen.md", "results/tables/leaderboard_kitchen.md",
                   "results/seeds/kitchen_l2a_s0.json",
                   "results/seeds/kitchen_avd_flow+rgb_s0.json",
                   "results/seeds/kitchen_tda_none_s0.json", "results/seeds/kitchen_sps_s0.json"):
        assert target in proc.stdout, target
