#!/usr/bin/env python3
"""``make smoke-paper``: every rule of the paper preset's DAG once, on CPU, on UCF101/HMDB51 stand-ins.

    python scripts/smoke_paper.py [--workdir smoke/paper] [--cores 2] [--families sps tda avd l2a]
                                  [--no-run] [--no-docs]

1. ``--workdir`` gets links to this checkout (Snakefile, config.yaml, workflow, envs, src), so the
   smoke's results/, logs/, benchmarks/ and cache/ never mix with a real run's;
2. the stand-ins are rendered there (``data/standin/UCF101``, ``data/standin/HMDB51``;
   :mod:`videoaug.data.standin`), where ``workflow/presets/paper_smoke.yaml`` points the roots;
3. every pretrained weight file the paper preset asks for is written as a randomly initialised
   torchvision model in torchvision's format under ``<workdir>/torch/hub/checkpoints`` (TORCH_HOME),
   so the jobs load it through the same code a download takes (VIDEOAUG_OFFLINE=1: no network;
   VIDEOAUG_UNVERIFIED_WEIGHTS=1: their sha256 is not torchvision's, accepted with a warning);
4. each family's paper-table targets run, one family at a time:
   ``snakemake --cores N TARGETS --configfile workflow/presets/paper.yaml workflow/presets/paper_smoke.yaml``;
5. dry runs list the smoke's jobs (``smoke_dag.json``: which rule wrote which log) and those of
   the *paper* preset (stand-in roots only, no cut counts) list every job of each paper
   table: ``paper_dag.json``;
6. ``scripts/paper_scale.py`` rewrites ``docs/paper_scale.md`` from the benchmarks and work lines.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "scripts"))

from paper_scale import TABLES, parse_dry_run  # noqa: E402

PRESETS = ["workflow/presets/paper.yaml", "workflow/presets/paper_smoke.yaml"]
LINKED = ("Snakefile", "config.yaml", "workflow", "envs", "src")
FAMILIES = {
    "sps": ["results/tables/zhang2020_fig4.md", "results/figures/zhang2020_fig5.png",
            "results/tables/zhang2020_table2.md", "results/tables/zhang2020_table3.md"],
    "tda": ["results/tables/kim2020_tables.md"],
    "avd": [f"results/tables/tavakolian2019_table{n}.md" for n in range(1, 5)],
    "l2a": [f"results/tables/gowda2022_table{n}.md" for n in range(1, 6)],
}
STANDINS = {"ucf101": ("data/standin/UCF101", 4), "hmdb51": ("data/standin/HMDB51", 6)}


def environment(workdir: Path) -> dict[str, str]:
    bindir = str(Path(sys.executable).parent)
    return dict(os.environ, TORCH_HOME=str(workdir / "torch"), VIDEOAUG_OFFLINE="1",
                VIDEOAUG_UNVERIFIED_WEIGHTS="1",  # the random files of step 3
                VIDEOAUG_PROGRESS="0", PATH=f"{bindir}:{os.environ.get('PATH', '')}",
                PYTHONPATH=str(ROOT / "src"))


def prepare(workdir: Path) -> None:
    """Links, stand-ins and the random weight files (each step skips what is already there)."""
    from videoaug.config import load_config
    from videoaug.data.standin import StandinParams, generate_standin
    from videoaug.models.weight_preflight import NAMED, config_weight_needs, write_random_weights

    workdir.mkdir(parents=True, exist_ok=True)
    for name in LINKED:
        link = workdir / name
        if not link.exists():
            link.symlink_to(ROOT / name)
    for kind, (root, per_class) in STANDINS.items():
        print(f"stand-in {kind}: {workdir / root}", flush=True)
        generate_standin(workdir / root, StandinParams(kind=kind, videos_per_class=per_class))
    os.environ["TORCH_HOME"] = str(workdir / "torch")
    config = load_config([ROOT / "config.yaml", *(ROOT / p for p in PRESETS)])
    for need in config_weight_needs(config):
        if need.source in NAMED:
            path = write_random_weights(need.arch, need.source)
            print(f"random {need.arch} ({need.source}) weights: {path}", flush=True)


def snakemake(workdir: Path, args: list[str], configs: list[str], **kwargs):
    command = [str(Path(sys.executable).with_name("snakemake")), *args, "--configfile", *configs]
    return subprocess.run(command, cwd=workdir, env=environment(workdir), **kwargs)


def run_families(workdir: Path, families: list[str], cores: int) -> list[str]:
    failed = []
    for family in families:
        print(f"== {family}: {' '.join(FAMILIES[family])}", flush=True)
        proc = snakemake(workdir, ["--cores", str(cores), "--keep-going", *FAMILIES[family]],
                         PRESETS)
        if proc.returncode != 0:
            failed.append(family)
    return failed


def roots_only(workdir: Path) -> str:
    """The overlay's dataset roots and nothing else (paper counts), for the paper DAG."""
    overlay = yaml.safe_load((ROOT / PRESETS[1]).read_text(encoding="utf-8"))
    keep = ("root", "annotations", "splits")
    datasets = {name: {k: v for k, v in entry.items() if k in keep}
                for name, entry in overlay["datasets"].items()}
    path = workdir / "paper_roots.yaml"
    path.write_text(yaml.safe_dump({"datasets": datasets, "cache_dir": "cache/paper_dag"}),
                    encoding="utf-8")
    return path.name


def smoke_dag(workdir: Path, families: list[str]) -> Path:
    """``smoke_dag.json``: every job of the smoke's targets (rule, wildcards, log path)."""
    targets = [t for family in families for t in FAMILIES[family]]
    proc = snakemake(workdir, ["-n", "-F", "--cores", "1", *targets], PRESETS,
                     capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"dry run of the smoke failed:\n{proc.stdout[-3000:]}{proc.stderr}")
    out = workdir / "smoke_dag.json"
    out.write_text(json.dumps({"jobs": parse_dry_run(proc.stdout)}, indent=1), encoding="utf-8")
    return out


def paper_dag(workdir: Path) -> Path:
    """``paper_dag.json``: every job of each paper table's target in the paper preset."""
    from videoaug.data.standin import StandinParams

    configs = [PRESETS[0], roots_only(workdir)]
    tables = {}
    for table, targets in TABLES.items():
        proc = snakemake(workdir, ["-n", "-F", "--cores", "1", *targets], configs,
                         capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"dry run of {table} failed:\n{proc.stdout[-3000:]}{proc.stderr}")
        tables[table] = parse_dry_run(proc.stdout)
        print(f"{table}: {len(tables[table])} jobs", flush=True)
    classes = {kind: len(StandinParams(kind=kind).classes) for kind in STANDINS}
    standin_classes = {"ucf101": classes["ucf101"], "ucf101imb": classes["ucf101"],
                       "hmdb51": classes["hmdb51"], "hmdb51imb": classes["hmdb51"]}
    out = workdir / "paper_dag.json"
    out.write_text(json.dumps({"tables": tables, "standin_classes": standin_classes,
                               "machine": f"{platform.processor() or platform.machine()}, "
                                          f"{os.cpu_count()} cores"}, indent=1),
                   encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=ROOT / "smoke" / "paper")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--families", nargs="+", default=list(FAMILIES), choices=list(FAMILIES))
    parser.add_argument("--no-run", action="store_true", help="prepare and write the docs only")
    parser.add_argument("--no-docs", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "paper_scale.md")
    args = parser.parse_args(argv)
    workdir = args.workdir.resolve()
    prepare(workdir)
    failed = [] if args.no_run else run_families(workdir, args.families, args.cores)
    if not args.no_docs:
        smoke_dag(workdir, list(FAMILIES))
        paper_dag(workdir)
        import paper_scale

        paper_scale.main(["--workdir", str(workdir), "--out", str(args.out)])
    if failed:
        print(f"failed families: {', '.join(failed)} (see {workdir}/logs)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
