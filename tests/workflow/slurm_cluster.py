"""A throw-away single-node SLURM on this machine, for the cluster tests and by hand.

`local_slurm()` reuses a SLURM that already answers `sinfo` (and stops nothing), or else installs
Debian's packages when missing (root only), writes a one-node `slurm.conf` into a fresh state
directory (state, spool, pid files, logs and the munge socket all live there), starts `munged`
(as the munge user), `slurmctld` and `slurmd` in the foreground as children in their own
sessions, waits (bounded) until the node is idle, and on exit, pass or fail, cancels the jobs
it ran and stops every daemon it started by its pid file.

While it runs, /etc/slurm/slurm.conf links to its conf (see SYSTEM_CONF), so plain `sinfo`,
`sbatch` and Snakemake's SLURM executor reach it. By hand (scripts/slurm_local.sh wraps this):
    python tests/workflow/slurm_cluster.py start --state-dir /tmp/videoaug-slurm
    python tests/workflow/slurm_cluster.py stop --state-dir /tmp/videoaug-slurm
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

PACKAGES = ("slurmctld", "slurmd", "slurm-client", "munge")
DAEMON_BINARIES = ("slurmctld", "slurmd", "munged")
CLIENT_BINARIES = ("sinfo", "squeue", "sbatch", "scancel", "scontrol")
DEFAULT_PARTITION = "videoaug"
NODE_NAME = "localhost"
# Daemons in start order; stopped in reverse.
DAEMONS = ("munged", "slurmctld", "slurmd")
# Where every SLURM client looks when SLURM_CONF is unset. The executor's job step drops all
# SLURM_* variables (SLURM_CONF too) before its inner `srun`, so a cluster whose slurm.conf is
# not here cannot run Snakemake jobs: a started cluster links its conf here while it runs.
SYSTEM_CONF = Path("/etc/slurm/slurm.conf")
# Two stand-in GPUs, as many as the 2-core machines the tests run on have cores.
STAND_IN_GPU_FILES = ("/dev/null", "/dev/zero")
CONF_HEADER = "# Written by tests/workflow/slurm_cluster.py: a throw-away single-node cluster."


class SlurmUnavailable(RuntimeError):
    """No SLURM runs here and none can be started (the message says why)."""


@dataclass(frozen=True)
class SlurmCluster:
    """A reachable SLURM: the partition to submit to and the environment its clients need.

    `started` is true when this process started the daemons (and so must stop them);
    `state_dir` holds slurm.conf, logs and pid files of a started cluster (None when reused).
    """

    partition: str
    env: Mapping[str, str]
    started: bool
    state_dir: Path | None = None
    daemon_pids: Mapping[str, int] = field(default_factory=dict)

    def run(self, *args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
        """Run a SLURM client (e.g. "squeue", "--states=all") against this cluster."""
        return subprocess.run(
            list(args), env=dict(self.env), capture_output=True, text=True, timeout=timeout
        )

    def log_tail(self, name: str = "slurmctld", lines: int = 40) -> str:
        """Last `lines` lines of a daemon's log (empty for a reused cluster)."""
        if self.state_dir is None:
            return ""
        path = self.state_dir / "log" / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


# ---------------------------------------------------------------------------------------------
# Pure helpers


def slurm_conf_text(
    *,
    state_dir: Path,
    node_line: str,
    partition: str,
    ctld_port: int,
    slurmd_port: int,
    munge_socket: Path,
) -> str:
    """slurm.conf of a one-node cluster on `localhost` with every path under `state_dir`.

    `node_line` is the hardware part of `slurmd -C` (CPUs=... RealMemory=...). No accounting
    (the executor must then poll with squeue); MinJobAge=3600 keeps finished jobs visible to
    `squeue --states=all` for an hour: the executor's squeue status check needs them until it
    has seen them end, and the tests list every job of a run afterwards.
    """
    return "\n".join(
        [
            CONF_HEADER,
            "ClusterName=videoaug",
            f"SlurmctldHost={NODE_NAME}",
            f"SlurmctldPort={ctld_port}",
            f"SlurmdPort={slurmd_port}",
            "SlurmUser=root",
            "SlurmdUser=root",
            "AuthType=auth/munge",
            "CredType=cred/munge",
            f"AuthInfo=socket={munge_socket}",
            f"StateSaveLocation={state_dir / 'ctld'}",
            f"SlurmdSpoolDir={state_dir / 'spool'}",
            f"SlurmctldPidFile={state_dir / 'run' / 'slurmctld.pid'}",
            f"SlurmdPidFile={state_dir / 'run' / 'slurmd.pid'}",
            f"SlurmctldLogFile={state_dir / 'log' / 'slurmctld.log'}",
            f"SlurmdLogFile={state_dir / 'log' / 'slurmd.log'}",
            "SlurmctldDebug=info",
            "SlurmdDebug=info",
            "ProctrackType=proctrack/linuxproc",
            "TaskPlugin=task/none",
            "SelectType=select/cons_tres",
            "SelectTypeParameters=CR_Core_Memory",
            "SchedulerType=sched/backfill",
            "MpiDefault=none",
            "ReturnToService=2",
            "AccountingStorageType=accounting_storage/none",
            "JobAcctGatherType=jobacct_gather/none",
            "JobCompType=jobcomp/none",
            "MinJobAge=3600",
            # A cancelled job gets SIGKILL 2 s after SIGTERM instead of 30 s.
            "KillWait=2",
            "SlurmctldTimeout=30",
            "SlurmdTimeout=30",
            "InactiveLimit=0",
            # Stand-in GPUs (see gres_conf_text), so jobs that ask for --gpus are scheduled and
            # their allocation can be checked on a CPU-only machine.
            "GresTypes=gpu",
            f"NodeName={NODE_NAME} NodeHostname={NODE_NAME} NodeAddr=127.0.0.1 {node_line}"
            f" Gres=gpu:{len(STAND_IN_GPU_FILES)} State=UNKNOWN",
            f"PartitionName={partition} Nodes={NODE_NAME} Default=YES MaxTime=INFINITE State=UP",
            "",
        ]
    )


def gres_conf_text() -> str:
    """gres.conf of the stand-in GPUs: slurmd counts a GPU per device file and needs the file
    to exist; nothing opens it (no cgroup device confinement with task/none)."""
    lines = ["AutoDetect=off"]
    lines += [f"NodeName={NODE_NAME} Name=gpu File={path}" for path in STAND_IN_GPU_FILES]
    return "\n".join(lines) + "\n"


def node_hardware(slurmd_c_output: str) -> str:
    """The hardware fields of `slurmd -C` (first line, NodeName dropped).

    >>> node_hardware("NodeName=vm CPUs=2 Boards=1 RealMemory=24105\\nUpTime=0-00:12:41")
    'CPUs=2 Boards=1 RealMemory=24105'
    """
    first = slurmd_c_output.strip().splitlines()[0]
    return " ".join(tok for tok in first.split() if not tok.startswith("NodeName="))


def idle_partition(sinfo_output: str) -> str | None:
    """Partition of the first idle/mixed node in `sinfo --noheader --format=%P|%t` output.

    The default partition carries a trailing '*' in sinfo, which is stripped.
    """
    for line in sinfo_output.splitlines():
        name, _, state = line.strip().partition("|")
        if name and state.strip().rstrip("*~#!%$@^-") in {"idle", "mix", "alloc"}:
            return name.rstrip("*")
    return None


# ---------------------------------------------------------------------------------------------
# Probing and installing


def _run(args: list[str], *, env: Mapping[str, str] | None = None, timeout: float = 30):
    return subprocess.run(
        args, env=dict(env) if env is not None else None, capture_output=True, text=True,
        timeout=timeout,
    )


def running_partition(env: Mapping[str, str] | None = None) -> str | None:
    """Partition of a SLURM that already answers `sinfo` with a usable node, else None."""
    if shutil.which("sinfo") is None:
        return None
    try:
        out = _run(["sinfo", "--noheader", "--format=%P|%t"], env=env, timeout=15)
    except subprocess.TimeoutExpired:
        return None
    return idle_partition(out.stdout) if out.returncode == 0 else None


def binaries_present() -> bool:
    return all(shutil.which(b) for b in CLIENT_BINARIES) and all(
        shutil.which(b) or Path("/usr/sbin", b).exists() for b in DAEMON_BINARIES
    )


def is_root() -> bool:
    return os.geteuid() == 0


def why_cannot_start() -> str | None:
    """None when this process can start a SLURM (installing it if needed), else the reason."""
    if not is_root():
        return "not root: starting slurmctld/slurmd (and installing them) needs root"
    if not binaries_present() and shutil.which("apt-get") is None:
        return "SLURM is not installed and there is no apt-get to install Debian's packages"
    return None


def install_packages(timeout: float = 600) -> None:
    """apt-get install the SLURM and munge packages (root only); raises on failure."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for args in (
        ["apt-get", "update", "-qq"],
        # Wait for a dpkg lock held by another apt run instead of failing at once.
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends",
         "-o", "DPkg::Lock::Timeout=120", *PACKAGES],
    ):
        done = _run(args, env=env, timeout=timeout)
        if done.returncode != 0:
            tail = done.stderr[-2000:]
            raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}):\n{tail}")
    if not binaries_present():
        raise RuntimeError(f"installed {PACKAGES} but some of {CLIENT_BINARIES} are missing")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _daemon(name: str) -> str:
    return shutil.which(name) or str(Path("/usr/sbin", name))


# ---------------------------------------------------------------------------------------------
# Starting and stopping


def _pid_file(state_dir: Path, name: str) -> Path:
    return state_dir / "run" / f"{name}.child.pid"


def _spawn(state_dir: Path, name: str, args: list[str], env: Mapping[str, str], **kw) -> int:
    """Start a foreground daemon in its own session; its pid goes to run/{name}.child.pid."""
    with open(state_dir / "log" / f"{name}.stdout", "ab") as log:  # the child keeps its copy
        proc = subprocess.Popen(
            args, env=dict(env), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True, **kw,
        )
    _pid_file(state_dir, name).write_text(f"{proc.pid}\n")
    return proc.pid


def _wait_until(predicate, timeout: float, what: str, diagnostics=lambda: "",
                pid: int | None = None) -> None:
    """Poll `predicate` every 0.25 s; fail early when the daemon `pid` has died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if pid is not None and not _alive(pid):
            raise RuntimeError(f"{what}: the daemon (pid {pid}) exited\n{diagnostics()}")
        time.sleep(0.25)
    raise TimeoutError(f"{what} not within {timeout:.0f} s\n{diagnostics()}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie child counts as gone.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        return False


def _runs(pid: int, name: str) -> bool:
    """True when process `pid` is alive and is the daemon `name` (a stale pid file's number may
    belong to another process by now)."""
    try:
        argv0 = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0", 1)[0].decode()
    except OSError:
        return False
    return Path(argv0).name == name and _alive(pid)


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def start_cluster(state_dir: Path, partition: str = DEFAULT_PARTITION,
                  ready_timeout: float = 60) -> SlurmCluster:
    """Start munged, slurmctld and slurmd with everything under `state_dir`.

    On any failure the daemons started so far are stopped before the error propagates.
    """
    for sub in ("ctld", "spool", "run", "log", "munge"):
        (state_dir / sub).mkdir(parents=True, exist_ok=True)
    # munged runs as the munge user: it must reach its folder, which it owns and only it may write
    # (as Debian's /run/munge); clients of every user need to traverse it to the socket.
    state_dir.chmod(0o755)
    munge_dir = state_dir / "munge"
    shutil.chown(munge_dir, "munge", "munge")
    munge_dir.chmod(0o755)
    munge_socket = munge_dir / "munge.socket"
    conf = state_dir / "slurm.conf"
    if SYSTEM_CONF.exists() or SYSTEM_CONF.is_symlink():
        if not _is_our_link(SYSTEM_CONF):
            raise SlurmUnavailable(
                f"{SYSTEM_CONF} exists but no SLURM answers sinfo: start that cluster, or move the"
                " file away (Snakemake's SLURM job steps only read the default slurm.conf)"
            )
        SYSTEM_CONF.unlink()  # left over from a run that was killed hard
    hardware = node_hardware(_run([_daemon("slurmd"), "-C"], timeout=30).stdout)
    (state_dir / "gres.conf").write_text(gres_conf_text())
    conf.write_text(
        slurm_conf_text(
            state_dir=state_dir, node_line=hardware, partition=partition,
            ctld_port=_free_port(), slurmd_port=_free_port(), munge_socket=munge_socket,
        )
    )
    env = {**os.environ, "SLURM_CONF": str(conf)}
    cluster = SlurmCluster(partition=partition, env=env, started=True, state_dir=state_dir)
    munge_log = munge_dir / "munged.log"
    # name, command, extra Popen arguments, readiness check, what to show when it never gets ready
    daemons = (
        ("munged",
         [_daemon("munged"), "--foreground", f"--socket={munge_socket}",
          f"--pid-file={munge_dir / 'munged.pid'}", f"--log-file={munge_log}",
          f"--seed-file={munge_dir / 'munged.seed'}"],
         {"user": "munge", "group": "munge"},
         munge_socket.exists,
         lambda: _read(munge_log) + _read(state_dir / "log" / "munged.stdout")),
        ("slurmctld",
         [_daemon("slurmctld"), "-D", "-c", "-f", str(conf)],
         {},
         lambda: "UP" in _run(["scontrol", "ping"], env=env, timeout=10).stdout,
         lambda: cluster.log_tail("slurmctld")),
        ("slurmd",
         [_daemon("slurmd"), "-D", "-N", NODE_NAME, "-f", str(conf)],
         {},
         lambda: running_partition(env) == partition,
         lambda: cluster.log_tail("slurmd") + "\n" + cluster.log_tail("slurmctld")),
    )
    try:
        SYSTEM_CONF.parent.mkdir(parents=True, exist_ok=True)
        SYSTEM_CONF.symlink_to(conf)
        for name, command, popen_kw, ready, diagnostics in daemons:
            pid = _spawn(state_dir, name, command, env, **popen_kw)
            _wait_until(ready, ready_timeout, f"{name} ready", diagnostics, pid)
    except BaseException:
        stop_cluster(state_dir, env)
        raise
    pids = {name: int(_pid_file(state_dir, name).read_text()) for name in DAEMONS}
    return SlurmCluster(partition=partition, env=env, started=True, state_dir=state_dir,
                        daemon_pids=pids)


def _read(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else ""


def stop_cluster(state_dir: Path, env: Mapping[str, str] | None = None,
                 grace: float = 10) -> list[str]:
    """Cancel the cluster's jobs and stop the daemons listed in `state_dir`/run/*.child.pid.

    Each daemon's whole session (its job steps included) gets SIGTERM, then SIGKILL after
    `grace` seconds. Returns the names of the daemons that were still running.
    """
    conf = state_dir / "slurm.conf"
    env = env or {**os.environ, "SLURM_CONF": str(conf)}
    if _pid_file(state_dir, "slurmctld").exists() and conf.exists():
        with contextlib.suppress(subprocess.TimeoutExpired, OSError):
            _run(["scancel", "--full", "--user", "root"], env=env, timeout=10)
    stopped = []
    for name in reversed(DAEMONS):
        pid_file = _pid_file(state_dir, name)
        if not pid_file.exists():
            continue
        pid = int(pid_file.read_text())
        if _runs(pid, name):
            stopped.append(name)
            _signal_session(pid, signal.SIGTERM)
            deadline = time.monotonic() + grace
            while _alive(pid) and time.monotonic() < deadline:
                _reap(pid)
                time.sleep(0.1)
            _signal_session(pid, signal.SIGKILL)
        _reap(pid)
        pid_file.unlink()
    if _is_our_link(SYSTEM_CONF) and SYSTEM_CONF.resolve() == conf.resolve():
        SYSTEM_CONF.unlink()
    return stopped


def _is_our_link(path: Path) -> bool:
    """True when `path` is a symlink to a slurm.conf this module wrote, or a dangling one."""
    if not path.is_symlink():
        return False
    target = path.resolve()
    return not target.exists() or _read(target).startswith(CONF_HEADER)


def _signal_session(pid: int, sig: int) -> None:
    """Signal the process group `pid` leads (a spawned daemon and its job steps)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, sig)


@contextlib.contextmanager
def local_slurm(state_dir: Path | None = None, partition: str = DEFAULT_PARTITION,
                install: bool = True, keep_state: bool = False) -> Iterator[SlurmCluster]:
    """A reachable SLURM for the duration of the block.

    Reuses a running one (stops nothing); else starts one (installing the packages first when
    `install` and missing) in `state_dir` (default: a fresh /tmp folder, removed afterwards
    unless `keep_state`). Raises SlurmUnavailable when neither is possible.
    """
    reused = running_partition()
    if reused is not None:
        yield SlurmCluster(partition=reused, env=dict(os.environ), started=False)
        return
    reason = why_cannot_start()
    if reason is not None:
        raise SlurmUnavailable(reason)
    if not binaries_present():
        if not install:
            raise SlurmUnavailable(f"SLURM is not installed (apt-get install {' '.join(PACKAGES)})")
        install_packages()
    own_dir = state_dir is None
    # Not under pytest's tmp folders: those are private to root and munged must reach its socket.
    state = Path(tempfile.mkdtemp(prefix="videoaug-slurm-")) if own_dir else Path(state_dir)
    cluster = start_cluster(state, partition=partition)
    try:
        yield cluster
    finally:
        stop_cluster(state, cluster.env)
        if own_dir and not keep_state:
            shutil.rmtree(state, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# By hand


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["start", "stop", "status"])
    parser.add_argument("--state-dir", type=Path, default=Path("/tmp/videoaug-slurm"))
    parser.add_argument("--partition", default=DEFAULT_PARTITION)
    args = parser.parse_args(argv)
    conf = args.state_dir / "slurm.conf"
    if args.action == "stop":
        stopped = stop_cluster(args.state_dir)
        print(f"stopped: {' '.join(stopped) or 'nothing was running'}")
        return 0
    if args.action == "status":
        env = {**os.environ, "SLURM_CONF": str(conf)} if conf.exists() else None
        partition = running_partition(env)
        print(f"partition {partition} is up" if partition else "no SLURM answers sinfo")
        return 0 if partition else 1
    reused = running_partition()
    if reused is not None:
        print(f"a SLURM already runs (partition {reused}); nothing started")
        return 0
    reason = why_cannot_start()
    if reason is not None:
        print(reason, file=sys.stderr)
        return 1
    if not binaries_present():
        install_packages()
    cluster = start_cluster(args.state_dir, partition=args.partition)
    print(f"SLURM up: partition {cluster.partition}; daemons {dict(cluster.daemon_pids)}")
    print(f"{SYSTEM_CONF} -> {conf} while it runs; stop: {sys.argv[0]} stop --state-dir "
          f"{args.state_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
