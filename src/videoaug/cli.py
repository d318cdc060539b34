"""``videoaug``: one entry point, a sub-command per pipeline stage.

Each stage takes its parameters either as ``--params JSON`` (what the Snakefile passes, so the
rule's ``params`` are exactly what shaped the output) or from ``--config FILE ... --dataset NAME``
(by hand, without Snakemake). Errors print one clear message and exit with status 1.
"""

from __future__ import annotations

import argparse
import faulthandler
import importlib
import logging
import os
import sys
import time

from videoaug.config import ConfigError
from videoaug.stages.cli_args import add_param_args as _add_param_args
from videoaug.stages.cli_args import params_from_args as _params  # noqa: F401 (older modules)

log = logging.getLogger("videoaug")


# Modules that add their own sub-commands: each has ``add_commands(subparsers, add_param_args)``
# and imports nothing heavy at module level (every command starts fast).
COMMAND_GROUPS = (
    "videoaug.stages.data_cli",
    "videoaug.methods.sps.cli",
    "videoaug.methods.tda.cli",
    "videoaug.report.cli",
    "videoaug.methods.l2a.cli",
    "videoaug.methods.avd.cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="videoaug", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--log",
        help="the job's log file: every message, progress bar and traceback goes there; the "
        "terminal (Snakemake's output) shows only warnings and errors",
    )
    parser.add_argument(
        "--threads",
        type=int,
        help="torch intra-op threads; the rules pass resources.<rule>.threads from the config, "
        "not the cores Snakemake grants, so results do not depend on --cores",
    )
    parser.add_argument(
        "--rule",
        help="name of the Snakemake rule running this command, recorded in the log's "
        "'videoaug work' line (optional: scripts/paper_scale.py also maps log paths to rules)",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    for module_name in COMMAND_GROUPS:
        importlib.import_module(module_name).add_commands(sub, _add_param_args)
    return parser


def main(argv: list[str] | None = None) -> int:
    from videoaug.provenance import setup_job_logging, setup_logging

    parser = build_parser()
    args = parser.parse_args(argv)
    if args.log:
        setup_job_logging(args.log, args.command)
        faulthandler.enable()  # a crash in native code (HDF5, codecs) leaves a trace in the log
    else:
        setup_logging()
    if args.threads:
        from videoaug.train.device import set_compute_threads

        set_compute_threads(args.threads)
    started = time.perf_counter()
    try:
        args.func(args)
        if args.log:
            _log_work(args, time.perf_counter() - started)
    except KeyboardInterrupt:
        log.error("interrupted; no partial output was kept")
        return 130
    except Exception as err:  # one clear message; the traceback goes to the log at debug level
        from videoaug.data.records import DatasetError
        from videoaug.io.store import DiskFullError, StoreError, is_disk_full
        from videoaug.io.video import VideoDecodeError

        expected = (
            ConfigError,
            DatasetError,
            VideoDecodeError,
            StoreError,
            FileNotFoundError,
            ValueError,
        )
        if isinstance(err, DiskFullError) or is_disk_full(err):
            log.error("%s", err if isinstance(err, DiskFullError) else _disk_full_text(err))
            log.debug("traceback", exc_info=True)
            # HDF5 cannot close a file after a failed write (it segfaults in its own cleanup):
            # leave without running it. The writer has already removed its .tmp file.
            logging.shutdown()
            os._exit(1)
        if isinstance(err, expected):
            log.error("%s", err)
            log.debug("traceback", exc_info=True)
            return 1
        log.error(
            "videoaug %s failed: %s: %s (traceback in %s)",
            args.command,
            type(err).__name__,
            err,
            args.log or "the output above",
        )
        log.debug("traceback", exc_info=True)
        if args.log:
            return 1
        raise
    return 0


def _log_work(args: argparse.Namespace, seconds: float) -> None:
    """One ``videoaug work {json}`` line: what the job did (videoaug.meter) and its totals."""
    import json

    from videoaug import meter

    record = meter.work_record(args.command, seconds, meter.cpu_seconds(), args.threads)
    if args.rule:
        record["rule"] = args.rule
    log.info("%s%s", meter.WORK_PREFIX, json.dumps(record, sort_keys=True))


def _disk_full_text(err: BaseException) -> str:
    where = getattr(err, "filename", None) or "the cache"
    return f"no space left on device while writing {where} ({err}); free space or set cache_dir"


if __name__ == "__main__":
    sys.exit(main())
