"""Per-rule resources: fallbacks, and mem_mb/runtime growing with Snakemake's retry attempt."""

import math
import subprocess
import sys
import textwrap

import pytest

from videoaug.resources import RESOURCE_DEFAULTS, rule_resource

CONFIG = {
    "retry_growth": 1.5,
    "resources": {
        "default": {"threads": 1, "mem_mb": 2000, "runtime": 30, "gpu": 0},
        "train": {"threads": 4, "mem_mb": 6000, "gpu": 1},
    },
}


def test_rule_value_then_default_then_builtin():
    assert rule_resource(CONFIG, "train", "threads") == 4
    assert rule_resource(CONFIG, "train", "gpu") == 1
    assert rule_resource(CONFIG, "train", "runtime")(None, 1) == 30  # from resources.default
    assert rule_resource(CONFIG, "other", "mem_mb")(None, 1) == 2000
    assert rule_resource({}, "other", "mem_mb")(None, 1) == RESOURCE_DEFAULTS["mem_mb"]


@pytest.mark.parametrize("attempt", [1, 2, 3, 4])
def test_memory_and_time_grow_per_attempt(attempt):
    mem = rule_resource(CONFIG, "train", "mem_mb")(None, attempt)
    runtime = rule_resource(CONFIG, "train", "runtime")(None, attempt)
    assert mem == math.ceil(6000 * 1.5 ** (attempt - 1))
    assert runtime == math.ceil(30 * 1.5 ** (attempt - 1))
    assert rule_resource(CONFIG, "train", "threads") == 4  # threads never grow


def test_growth_one_keeps_the_request():
    config = {**CONFIG, "retry_growth": 1.0}
    assert rule_resource(config, "train", "mem_mb")(None, 3) == 6000


def test_unknown_key_is_named():
    with pytest.raises(KeyError, match="unknown resource 'memory'"):
        rule_resource(CONFIG, "train", "memory")


def test_snakemake_retry_asks_for_more(tmp_path):
    """A job that fails on its first attempt is retried with mem_mb x retry_growth."""
    (tmp_path / "Snakefile").write_text(
        textwrap.dedent(
            """
            from videoaug.resources import rule_resource
            CONFIG = {"retry_growth": 1.5, "resources": {"flaky": {"mem_mb": 1000, "runtime": 7}}}

            rule flaky:
                output: "done.txt"
                resources:
                    mem_mb=rule_resource(CONFIG, "flaky", "mem_mb"),
                    runtime=rule_resource(CONFIG, "flaky", "runtime"),
                shell:
                    "echo {resources.mem_mb} {resources.runtime} >> attempts.txt; "
                    "test $(wc -l < attempts.txt) -ge 2 && touch {output}"
            """
        )
    )
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "1", "--retries", "1", "done.txt"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = (tmp_path / "attempts.txt").read_text().split("\n")
    assert lines[:2] == ["1000 7", "1500 11"], lines
