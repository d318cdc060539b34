"""Overhead of running a job through SLURM instead of locally, measured side by side in one run.

* ``slurm_overhead_per_job_s``: a chain of trivial rules (`echo > file`, each needing the previous
  one) runs once with `--cores 1` and once through `--workflow-profile workflow/profiles/slurm`
  on a single-node SLURM on this machine (reused when one runs, else started and stopped by
  tests/workflow/slurm_cluster.py, which needs root). Per job, the time from submission to
  Snakemake seeing it finished, minus the same for the local run. Details split the SLURM time
  with slurmctld's own stamps: queued (submit -> start), in the job (start -> end: the job's
  Snakemake start-up twice, once in the batch script, once in its `srun` step, then the
  command) and noticed (end -> Snakemake logs it finished: the executor polls with a back-off
  of +10 s per check that finds nothing finished, from --slurm-init-seconds-before-status-checks).

Run: ``python bench/bench_slurm.py`` (about a minute). Timestamps have 1 s resolution.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(PROJECT))

from common import row  # noqa: E402

from tests.workflow.slurm_cluster import SlurmCluster, SlurmUnavailable, local_slurm  # noqa: E402

CHAIN = 3
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
# The test cluster has no accounting database: poll with squeue, start polling after 2 s.
CLUSTER_FLAGS = (
    "--slurm-status-command",
    "squeue",
    "--slurm-init-seconds-before-status-checks",
    "2",
    "--slurm-no-account",
)
STAMP = re.compile(r"^\[(\w{3} \w{3} +\d+ [\d:]+ \d{4})\]$")


def chain_snakefile(length: int) -> str:
    """`length` trivial rules step0 -> step1 -> ..., each writing one small file."""
    rules = []
    for i in range(length):
        needs = f"    input: 'step{i - 1}.txt'\n" if i else ""
        rules.append(
            f"rule step{i}:\n{needs}    output: 'step{i}.txt'\n"
            f"    resources: mem_mb=100, runtime=5\n    shell: 'echo {i} > {{output}}'\n"
        )
    return f"rule all:\n    input: 'step{length - 1}.txt'\n\n" + "\n".join(rules)


def job_seconds(log: str) -> dict[str, float]:
    """Snakemake job id -> seconds from its start/submission to "Finished jobid" in the log,
    for the `step*` jobs (the target rule `all` runs nothing)."""
    started: dict[str, datetime] = {}
    finished: dict[str, datetime] = {}
    stamp, rule = None, None
    for line in log.splitlines():
        if m := STAMP.match(line.strip()):
            stamp = datetime.strptime(m.group(1), "%a %b %d %H:%M:%S %Y")
        elif m := re.match(r"(?:local)?rule (\w+):", line):
            rule = m.group(1)
        elif (m := re.match(r"\s+jobid: (\d+)", line)) and rule and rule.startswith("step"):
            started[m.group(1)] = stamp
        elif m := re.match(r"Finished jobid: (\d+)", line):
            finished[m.group(1)] = stamp
    return {j: (finished[j] - started[j]).total_seconds() for j in finished if j in started}


def slurm_split(cluster: SlurmCluster, slurm_id: str) -> tuple[datetime, datetime, datetime]:
    shown = cluster.run("scontrol", "show", "job", slurm_id).stdout

    def at(key: str) -> datetime:
        return datetime.fromisoformat(re.search(rf"{key}=(\S+)", shown).group(1))

    return at("SubmitTime"), at("StartTime"), at("EndTime")


def run_chain(workdir: Path, args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(
        [SNAKEMAKE, "--forceall", *args],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    log = done.stdout + done.stderr
    if done.returncode != 0:
        raise RuntimeError(f"snakemake {' '.join(args)} failed:\n{log[-3000:]}")
    return log


def measure(cluster: SlurmCluster, workdir: Path) -> dict[str, dict]:
    (workdir / "Snakefile").write_text(chain_snakefile(CHAIN))
    env = {**cluster.env, "VIDEOAUG_SLURM_PARTITION": cluster.partition}
    profile = str(PROJECT / "workflow" / "profiles" / "slurm")
    local_log = run_chain(workdir, ["--cores", "1"], env)
    start = time.monotonic()
    slurm_log = run_chain(workdir, ["--workflow-profile", profile, *CLUSTER_FLAGS], env)
    slurm_wall = time.monotonic() - start
    local = list(job_seconds(local_log).values())
    remote = job_seconds(slurm_log)
    noticed = {
        m.group(1): m.group(2)
        for m in re.finditer(r"Job (\d+) has been submitted with SLURM jobid (\d+)", slurm_log)
    }
    queued, in_job = [], []
    for slurm_id in noticed.values():
        submit, begin, end = slurm_split(cluster, slurm_id)
        queued.append((begin - submit).total_seconds())
        in_job.append((end - begin).total_seconds())
    per_job = sum(remote.values()) / len(remote)
    per_local = sum(local) / len(local)
    overhead = per_job - per_local
    return {
        "slurm_overhead_per_job_s": row(
            overhead,
            "<= 30 s (informational)",
            overhead <= 30,
            slurm_submit_to_done_s=round(per_job, 1),
            local_start_to_done_s=round(per_local, 1),
            queued_s=round(sum(queued) / len(queued), 1),
            in_job_s=round(sum(in_job) / len(in_job), 1),
            noticed_after_end_s=round(per_job - (sum(queued) + sum(in_job)) / len(in_job), 1),
            in_job_min_max_s=(min(in_job), max(in_job)),
            jobs=len(remote),
            slurm_run_wall_s=round(slurm_wall, 1),
            load_average=round(os.getloadavg()[0], 2),
        )
    }


def run() -> dict[str, dict]:
    try:
        with local_slurm() as cluster, tempfile.TemporaryDirectory() as tmp:
            return measure(cluster, Path(tmp))
    except SlurmUnavailable as err:
        print(f"bench_slurm skipped: {err}", file=sys.stderr)
        return {}


if __name__ == "__main__":
    for name, value in run().items():
        print(name, value)
