"""Cluster execution: the SLURM profile on a real single-node SLURM started for these tests.

The ci-preset DAG runs once locally (the reference), then through `--workflow-profile
workflow/profiles/slurm` in the same directory (so absolute paths inside the manifest agree), and
every artefact must equal the reference byte for byte. A second run cancels a running job with
`scancel`; the profile's `retries` must resubmit it and the artefacts must still be identical.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.workflow.conftest import PROJECT, SNAKEMAKE, copy_project
from tests.workflow.slurm_cluster import (
    SlurmCluster,
    SlurmUnavailable,
    idle_partition,
    local_slurm,
    node_hardware,
    slurm_conf_text,
)

PRESET = "workflow/presets/ci.yaml"
SLURM_PROFILE = "workflow/profiles/slurm"
LOCAL_PROFILE = "workflow/profiles/local"
FRAMES_TARGET = "cache/synth4/frames/index.json"
SSDI_TARGET = "cache/synth4/ssdi/index.json"
# Built as well once the SPS rules exist (detected with a dry run).
SPS_TARGET = "results/synth4_sps.json"
# Folders holding artefacts; logs/, benchmarks/ and .snakemake/ carry times and are not compared.
ARTEFACT_DIRS = ("data", "cache", "results")
# Result-JSON keys that are measured, not computed: wall-clock times (whole run, per epoch).
VOLATILE_KEYS = frozenset({"wall_seconds", "seconds"})
# Only for the throw-away test cluster: it has no accounting database, so the executor polls
# squeue (its default, sacct, would never see jobs end), starts polling after 2 s instead of
# 40 s, and submits without an account.
TEST_CLUSTER_FLAGS = (
    "--slurm-status-command", "squeue",
    "--slurm-init-seconds-before-status-checks", "2",
    "--slurm-no-account",
)
# The Snakemake job id is a number, or a UUID for a group job.
SUBMITTED = re.compile(r"Job (\S+) has been submitted with SLURM jobid (\d+)")
# Hard limit of one Snakemake run (its process group is killed after it). On 2 busy cores the
# local reference takes about 2 min and the SLURM run 2.5-6 min; the test's own pytest timeout
# covers the reference run (fixture) plus the SLURM run.
RUN_TIMEOUT = 720


# ---------------------------------------------------------------------------------------------
# Helpers


@dataclass(frozen=True)
class Run:
    returncode: int
    log: str
    seconds: float

    def slurm_ids(self) -> list[str]:
        """SLURM job ids in submission order, from the executor's "submitted" lines."""
        return [m.group(2) for m in SUBMITTED.finditer(self.log)]

    def planned_jobs(self) -> int:
        """Number of jobs in the "Job stats" table at the start of the run."""
        match = re.search(r"^total\s+(\d+)\s*$", self.log, flags=re.MULTILINE)
        assert match, f"no job table in the Snakemake log:\n{self.log[-3000:]}"
        return int(match.group(1))

    def planned_rules(self) -> set[str]:
        """Rule names in the "Job stats" table."""
        names = set(re.findall(r"^(\w+)\s+\d+\s*$", self.log, flags=re.MULTILINE))
        return names - {"job", "total"}

    def local_rules(self) -> list[str]:
        """Rules of the jobs Snakemake ran itself (`localrules:`), one entry per job."""
        return re.findall(r"^localrule (\w+):", self.log, flags=re.MULTILINE)


def run_snakemake(workdir: Path, args: list[str], env: dict[str, str], timeout: float,
                  during=None) -> Run:
    """Run Snakemake in its own process group; kill the whole group after `timeout` seconds.

    `during(proc)` (optional) runs while Snakemake does, e.g. to cancel a job.
    """
    log_path = workdir / f"snakemake-{time.monotonic_ns()}.log"
    start = time.monotonic()
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [SNAKEMAKE, "--configfile", PRESET, *args], cwd=workdir, env=env,
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        try:
            if during is not None:
                during(proc)
            proc.wait(timeout=max(1.0, timeout - (time.monotonic() - start)))
        except BaseException:
            # Snakemake waiting on a job it cannot see finish ignores SIGTERM: kill the group.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
            raise
    return Run(proc.returncode, log_path.read_text(errors="replace"), time.monotonic() - start)


def job_env(cluster: SlurmCluster | None = None) -> dict[str, str]:
    """Environment of a Snakemake run: the cluster's clients, and none of the user's settings."""
    env = {k: v for k, v in (cluster.env if cluster else os.environ).items()
           if not k.startswith("VIDEOAUG_SLURM_")}
    env.update(VIDEOAUG_PROGRESS="0", OMP_NUM_THREADS="1")
    if cluster is not None:
        # The profile reads the partition from here (as a user's shell would provide it).
        env["VIDEOAUG_SLURM_PARTITION"] = cluster.partition
    return env


def comparable_bytes(path: Path) -> bytes:
    """File content; for result JSON, without the measured wall-clock fields."""
    data = path.read_bytes()
    if path.suffix != ".json" or "results" not in path.parts:
        return data

    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in VOLATILE_KEYS}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return json.dumps(strip(json.loads(data)), sort_keys=True).encode()


def artefact_digests(root: Path) -> dict[str, str]:
    """sha256 of every artefact file under `root` (relative path -> digest)."""
    digests = {}
    for folder in ARTEFACT_DIRS:
        for path in sorted((root / folder).rglob("*")):
            if path.is_file():
                rel = str(path.relative_to(root))
                digests[rel] = hashlib.sha256(comparable_bytes(path)).hexdigest()
    return digests


def assert_same_artefacts(expected: dict[str, str], workdir: Path, what: str) -> None:
    got = artefact_digests(workdir)
    missing = sorted(set(expected) - set(got))
    extra = sorted(set(got) - set(expected))
    differ = sorted(k for k in set(expected) & set(got) if expected[k] != got[k])
    assert not (missing or extra or differ), (
        f"{what}: artefacts differ from the local run's: missing {missing[:10]}, "
        f"unexpected {extra[:10]}, different bytes {differ[:10]}"
    )


def clear_outputs(workdir: Path) -> None:
    """Remove every output and Snakemake's records, so the next run starts from nothing."""
    for name in (*ARTEFACT_DIRS, "logs", "benchmarks", ".snakemake"):
        shutil.rmtree(workdir / name, ignore_errors=True)


def squeue_jobs(cluster: SlurmCluster) -> dict[str, tuple[str, str]]:
    """All jobs slurmctld still knows: id -> (state, comment); the executor comments
    `rule_{name}_wildcards_{values}`."""
    done = cluster.run("squeue", "--states=all", "--noheader", "--format=%i|%T|%k")
    assert done.returncode == 0, f"squeue failed: {done.stderr}"
    jobs = {}
    for line in done.stdout.splitlines():
        job_id, state, comment = (line.split("|", 2) + ["", ""])[:3]
        jobs[job_id.strip()] = (state.strip(), comment.strip())
    return jobs


def cluster_report(cluster: SlurmCluster, run: Run) -> str:
    return (
        f"--- snakemake (rc {run.returncode}, {run.seconds:.0f} s) ---\n{run.log[-4000:]}\n"
        f"--- slurmctld log ---\n{cluster.log_tail('slurmctld', 30)}"
    )


# ---------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture(scope="module")
def cluster() -> Iterator[SlurmCluster]:
    """A running SLURM: reused when one answers sinfo, else started here and stopped after."""
    stack = contextlib.ExitStack()
    try:
        started = stack.enter_context(local_slurm())
    except SlurmUnavailable as err:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the SLURM tests, but: {err}")
        pytest.skip(f"no SLURM runs here and none can be started: {err}")
    with stack:
        yield started


@dataclass(frozen=True)
class Reference:
    workdir: Path  # where every run happens (same absolute paths as the reference run)
    store: Path  # the local run's outputs, moved aside
    targets: tuple[str, ...]
    digests: dict[str, str]


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Reference:
    """The ci-preset DAG built locally (through the local profile), then moved aside."""
    base = tmp_path_factory.mktemp("slurm")
    workdir = copy_project(base / "project")
    if (PROJECT / "envs").is_dir():  # rules name their conda env file; Snakemake records it
        shutil.copytree(PROJECT / "envs", workdir / "envs", dirs_exist_ok=True)
    env = job_env()
    targets = [SSDI_TARGET]
    dry = run_snakemake(workdir, ["--cores", "1", "-n", SPS_TARGET], env, timeout=120)
    if dry.returncode == 0:
        targets.append(SPS_TARGET)
    local = run_snakemake(
        workdir, ["--workflow-profile", LOCAL_PROFILE, "--cores", "2", *targets], env,
        timeout=RUN_TIMEOUT,
    )
    assert local.returncode == 0, f"local reference run failed:\n{local.log[-4000:]}"
    store = base / "reference"
    store.mkdir()
    for name in ARTEFACT_DIRS:
        if (workdir / name).exists():
            shutil.move(workdir / name, store / name)
    clear_outputs(workdir)
    digests = artefact_digests(store)
    assert any(k.endswith("ssdi/index.json") for k in digests), sorted(digests)
    return Reference(workdir, store, tuple(targets), digests)


# ---------------------------------------------------------------------------------------------
# Tests


@pytest.mark.slow  # the whole SPS DAG twice (~5 min): make test-all
@pytest.mark.slurm
@pytest.mark.timeout(2 * RUN_TIMEOUT + 120)
def test_dag_through_slurm_equals_local_run(cluster, reference):
    workdir = reference.workdir
    clear_outputs(workdir)
    run = run_snakemake(
        workdir,
        ["--workflow-profile", SLURM_PROFILE, *TEST_CLUSTER_FLAGS, *reference.targets],
        job_env(cluster), timeout=RUN_TIMEOUT,
    )
    report = cluster_report(cluster, run)
    assert run.returncode == 0, f"the SLURM run failed\n{report}"

    ids = run.slurm_ids()
    remote_jobs = run.planned_jobs() - len(run.local_rules())
    assert len(ids) == remote_jobs, (
        f"{remote_jobs} jobs to submit but {len(ids)} submitted to SLURM\n{report}"
    )
    known = squeue_jobs(cluster)
    states = {i: known[i][0] for i in ids if i in known}
    assert set(states.values()) <= {"COMPLETED"}, f"job states {states}\n{report}"
    # slurmctld forgets a finished job after MinJobAge: 3600 s in the cluster started here (a
    # reused one may forget sooner, so only what it still knows is checked there).
    if cluster.started:
        assert set(ids) <= set(known), f"SLURM never saw jobs {set(ids) - set(known)}\n{report}"
        rules_run = {known[i][1].removeprefix("rule_").split("_wildcards")[0] for i in ids}
        rules_remote = run.planned_rules() - set(run.local_rules())
        assert rules_run == rules_remote, f"rules run by SLURM {rules_run}, planned {rules_remote}"

    assert_same_artefacts(reference.digests, workdir, "SLURM run")


@pytest.mark.slow  # the whole SPS DAG twice (~5 min): make test-all
@pytest.mark.slurm
def test_cancelled_job_is_retried_and_artefacts_stay_identical(cluster, reference):
    """scancel one running decode_frames job: the executor reports it failed, the profile's
    `retries` resubmits it, and the frames stores equal the local run's."""
    workdir = reference.workdir
    clear_outputs(workdir)
    # Start from the reference's videos and manifest (mtimes kept, so they are up to date):
    # only the decode jobs and the frames index run on the cluster.
    shutil.copytree(reference.store / "data", workdir / "data")
    (workdir / "cache" / "synth4").mkdir(parents=True)
    shutil.copy2(reference.store / "cache/synth4/manifest.json", workdir / "cache/synth4")
    cancelled: list[str] = []

    def cancel_one_running_decode(proc: subprocess.Popen) -> None:
        deadline = time.monotonic() + RUN_TIMEOUT / 2
        while time.monotonic() < deadline and proc.poll() is None:
            for job_id, (state, comment) in squeue_jobs(cluster).items():
                if state == "RUNNING" and comment.startswith("rule_decode_frames"):
                    done = cluster.run("scancel", job_id)
                    assert done.returncode == 0, f"scancel {job_id}: {done.stderr}"
                    cancelled.append(job_id)
                    return
            time.sleep(0.2)

    run = run_snakemake(
        workdir, ["--workflow-profile", SLURM_PROFILE, *TEST_CLUSTER_FLAGS, FRAMES_TARGET],
        job_env(cluster), timeout=RUN_TIMEOUT, during=cancel_one_running_decode,
    )
    report = cluster_report(cluster, run)
    assert cancelled, f"no decode_frames job was seen RUNNING to cancel\n{report}"
    (victim,) = cancelled
    known = squeue_jobs(cluster)
    assert known.get(victim, ("CANCELLED",))[0] == "CANCELLED", (known.get(victim), report)
    assert f"SLURM-job '{victim}' failed, SLURM status is: 'CANCELLED'" in run.log, report
    assert run.returncode == 0, f"the run did not recover from the cancelled job\n{report}"

    ids = run.slurm_ids()
    assert victim in ids, report
    resubmitted = [i for i in ids if i in known and known[i][1] == known[victim][1]]
    assert len(resubmitted) == 2 and resubmitted[0] == victim, (
        f"expected the cancelled job {victim} to be submitted again; same job: {resubmitted}"
        f"\n{report}"
    )
    assert known[resubmitted[1]][0] == "COMPLETED", known[resubmitted[1]]
    assert len(ids) == run.planned_jobs() - len(run.local_rules()) + 1, f"one retry\n{report}"

    frames = {k: v for k, v in reference.digests.items()
              if k.startswith(("data/", "cache/synth4/manifest", "cache/synth4/frames/"))}
    assert_same_artefacts(frames, workdir, "SLURM run with a cancelled job")


def test_profile_maps_gpu_rules_partitions_and_account(tmp_path):
    """Dry run of stand-in rules through the SLURM profile: the training rules get one GPU (of the
    model asked for) in the GPU partition, every rule the account and CPUs = threads; the rule's
    own memory and time stay."""
    gpu_rules = ("train_wgan", "train_temporal", "train_spatial", "train_tda", "train_eval")
    cpu_rules = ("synth_generate", "manifest", "decode_frames", "dynamic_images", "generate_pool")
    rules = [
        f"rule {name}:\n    output: '{name}.out'\n    threads: 3\n"
        f"    resources: mem_mb=1000, runtime=5, gpu=0\n    shell: 'touch {{output}}'\n"
        for name in gpu_rules + cpu_rules
    ]
    outputs = ", ".join(f"'{n}.out'" for n in gpu_rules + cpu_rules)
    (tmp_path / "Snakefile").write_text(f"rule all:\n    input: {outputs}\n\n" + "\n".join(rules))
    profile = PROJECT / SLURM_PROFILE

    def resources(extra_env: dict[str, str]) -> dict[str, dict[str, str]]:
        env = {**job_env(), **extra_env}
        done = subprocess.run(
            # A dry run caps threads at --cores (a cluster run does not): 4 keeps threads at 3.
            [SNAKEMAKE, "--workflow-profile", str(profile), "-n", "--cores", "4"],
            cwd=tmp_path, env=env,
            capture_output=True, text=True, timeout=120,
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        found, rule = {}, None
        for line in done.stdout.splitlines():
            if m := re.match(r"^(?:local)?rule (\w+):", line):
                rule = m.group(1)
            elif (m := re.match(r"^\s+resources: (.*)$", line)) and rule:
                found[rule] = dict(kv.split("=", 1) for kv in m.group(1).split(", "))
        return found

    mapped = resources({
        "VIDEOAUG_SLURM_PARTITION": "cpuq", "VIDEOAUG_SLURM_GPU_PARTITION": "gpuq",
        "VIDEOAUG_SLURM_ACCOUNT": "proj7", "VIDEOAUG_SLURM_GPU_MODEL": "a100",
    })
    for name in gpu_rules:
        got = mapped[name]
        assert (got["gpu"], got.get("gpu_model"), got["slurm_partition"]) == ("1", "a100", "gpuq")
        assert (got["slurm_account"], got["cpus_per_task"]) == ("proj7", "3"), got
    for name in cpu_rules:
        got = mapped[name]
        assert (got["gpu"], got["slurm_partition"], got["slurm_account"]) == ("0", "cpuq", "proj7")
        assert got["cpus_per_task"] == "3" and "gpu_model" not in got, got
        # The rule's own sizes (config.yaml resources) are kept, not overridden by the profile.
        assert (got["mem_mb"], got["runtime"]) == ("1000", "5"), got

    plain = resources({})
    assert not any("slurm_partition" in r or "slurm_account" in r for r in plain.values()), plain
    assert plain["train_eval"]["gpu"] == "1" and "gpu_model" not in plain["train_eval"]


@pytest.mark.slurm
def test_gpu_rule_is_submitted_with_a_gpu(cluster, tmp_path):
    """A training rule declared with gpu=0 (as a CPU config does) gets one GPU through the
    profile: SLURM allocates it (TresPerJob gres:gpu:1) and the job sees CUDA_VISIBLE_DEVICES;
    a CPU rule next to it asks for none. The cluster started here has stand-in GPUs."""
    gres = cluster.run("sinfo", "--noheader", "--format=%G").stdout
    if "gpu" not in gres:
        pytest.skip(f"the running SLURM offers no GPU (sinfo GRES: {gres.strip()!r})")
    show = "echo ${{CUDA_VISIBLE_DEVICES:-none}} > {output}"
    (tmp_path / "Snakefile").write_text(
        "rule all:\n    input: 'train_eval.out', 'manifest.out'\n\n"
        + "".join(
            f"rule {name}:\n    output: '{name}.out'\n"
            f"    resources: mem_mb=500, runtime=5, gpu=0\n    shell: '{show}'\n\n"
            for name in ("train_eval", "manifest")
        )
    )
    env = job_env(cluster)
    done = subprocess.run(
        [SNAKEMAKE, "--workflow-profile", str(PROJECT / SLURM_PROFILE), *TEST_CLUSTER_FLAGS],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT,
        start_new_session=True,
    )
    run = Run(done.returncode, done.stdout + done.stderr, 0.0)
    report = cluster_report(cluster, run)
    assert run.returncode == 0, report
    ids = run.slurm_ids()
    assert len(ids) == 2, report
    tres = {}
    for job_id in ids:
        shown = cluster.run("scontrol", "show", "job", job_id).stdout
        rule = re.search(r"Comment=rule_(\w+?)(?:_wildcards\S*)?\s", shown)
        per_job = re.search(r"TresPerJob=(\S+)", shown)
        assert rule, shown
        tres[rule.group(1)] = per_job.group(1) if per_job else ""
    assert tres == {"train_eval": "gres:gpu:1", "manifest": ""}, tres
    assert (tmp_path / "train_eval.out").read_text().strip() not in ("", "none")
    assert (tmp_path / "manifest.out").read_text().strip() == "none"


def test_cluster_helpers_read_slurm_output_and_keep_state_in_one_folder(tmp_path):
    slurmd_c = "NodeName=vm CPUs=2 Boards=1 SocketsPerBoard=1 RealMemory=24105\nUpTime=0-00:12:41"
    assert node_hardware(slurmd_c) == "CPUs=2 Boards=1 SocketsPerBoard=1 RealMemory=24105"
    # sinfo marks the default partition with '*' and unresponsive nodes with a '*' suffix.
    assert idle_partition("debug*|drain\ngpu|idle\n") == "gpu"
    assert idle_partition("batch*|mix\n") == "batch"
    assert idle_partition("batch*|down*\nother|drain\n") is None
    conf = slurm_conf_text(
        state_dir=tmp_path, node_line="CPUs=2 RealMemory=1000", partition="p1", ctld_port=7001,
        slurmd_port=7002, munge_socket=tmp_path / "munge" / "s",
    )
    settings = dict(line.split("=", 1) for line in conf.splitlines()
                    if "=" in line and " " not in line and not line.startswith("#"))
    paths = {k: v for k, v in settings.items() if k.endswith(("Location", "Dir", "File"))}
    assert len(paths) == 6 and all(v.startswith(str(tmp_path)) for v in paths.values()), paths
    assert settings["AccountingStorageType"] == "accounting_storage/none"
    assert (settings["SlurmctldPort"], settings["SlurmdPort"]) == ("7001", "7002")
    assert "NodeName=localhost NodeHostname=localhost NodeAddr=127.0.0.1 CPUs=2 " in conf
    assert "PartitionName=p1 Nodes=localhost Default=YES" in conf
