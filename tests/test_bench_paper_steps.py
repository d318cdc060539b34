"""The paper-step rates that `make gpu-check` measures, run at toy shapes on the CPU: every GPU rule
the cost page counts gets a positive rate for each unit it counts."""

from __future__ import annotations

import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT / "bench"))
sys.path.insert(0, str(PROJECT / "scripts"))


def test_every_gpu_rule_has_a_rate_for_its_units():
    from bench_paper_steps import paper_step_rates
    from paper_scale import GPU_RULES, ITERATIVE

    rates = paper_step_rates("cpu", tiny=True, repeat=1)
    for rule in GPU_RULES:
        rule = rule.removesuffix("_seed") if rule != "train_fewshot_seed" else rule
        assert rule in rates, rule
        if rule in ITERATIVE:
            wanted = {"iterations"}
        elif rule == "segment":
            wanted = {"frames"}
        else:
            wanted = {"steps", "test videos"}
        assert wanted <= set(rates[rule]) and all(rates[rule][u] > 0 for u in wanted), rule
