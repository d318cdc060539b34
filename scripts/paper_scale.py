#!/usr/bin/env python3
"""Render docs/paper_scale.md: what the paper preset costs, projected from the smoke run.

    python scripts/paper_scale.py --workdir smoke/paper [--out docs/paper_scale.md]
                                  [--gpu-check results/gpu_check.json]

Reads, under ``--workdir`` (where ``make smoke-paper`` ran the paper DAG with
``workflow/presets/paper_smoke.yaml``):

* ``smoke_dag.json``: the smoke's jobs (a dry run of its targets), which rule wrote which log;
* ``logs/**/*.log``: each job's ``videoaug work {json}`` line (:mod:`videoaug.meter`): per phase
  the units done (training steps, test videos, videos of a shard, GAN iterations),
  their wall and CPU seconds, samples and memory;
* ``benchmarks/<same path>.tsv``: Snakemake's benchmark of the job (max RSS, CPU seconds);
* ``paper_dag.json``: the jobs of every paper table's target in the *paper* preset (stand-in
  roots only, no cut counts), written by ``scripts/smoke_paper.py`` from dry runs;
* ``cache/paper_smoke/{ds}/manifest.json`` and ``frames/index.json``: the smoke's video counts;
* the paper config (``config.yaml`` + ``workflow/presets/paper.yaml``) for epochs, batch sizes,
  iterations, and ``src/videoaug/report/paper_numbers/dataset_sizes.yaml`` for the datasets.

Projection of one paper job: the smoke's setup time of its rule (job total minus its phases),
plus every phase's units at paper scale times the smoke's CPU seconds per unit: training steps
``epochs x ceil(samples per epoch / batch)`` with samples per epoch scaled by the dataset's
training videos and seconds per step scaled by ``paper batch / smoke batch``; test videos by the
dataset's test videos (and evaluations); per-video rules by videos and frames per video;
iterations as configured. A per-class rule's jobs are multiplied by real classes / stand-in classes.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

WORK_PREFIX = "videoaug work "
SIZES = ROOT / "src" / "videoaug" / "report" / "paper_numbers" / "dataset_sizes.yaml"
TABLES = {  # paper table -> its targets (the Snakemake files a user asks for)
    "Zhang Fig. 4/5": ["results/tables/zhang2020_fig4.md", "results/figures/zhang2020_fig5.png"],
    "Zhang Table 2": ["results/tables/zhang2020_table2.md"],
    "Zhang Table 3": ["results/tables/zhang2020_table3.md"],
    "Kim Tables 2-6": ["results/tables/kim2020_tables.md"],
    **{f"Gowda Table {n}": [f"results/tables/gowda2022_table{n}.md"] for n in range(1, 6)},
    "Tavakolian Tables 1-4": ["results/tables/tavakolian2019_table1.md"],
}
# The paper batch of an iterative rule (samples per iteration), for the memory projection.
ITERATION_BATCH = {"train_wgan": lambda c: c["gan"]["batch_size"],
                   "train_avd": lambda c: c["avd"]["batch_size"]}
# Per-video rules: (frames scale the cost per video?)
PER_VIDEO = {"decode_frames": True, "dynamic_images": True, "optical_flow": True,
             "segment": True, "inpaint": True, "distill": True, "distill_cross": True,
             "l2a_features": False}
# Iterative rules: the phase that counts and the paper's number of units per job.
ITERATIVE = {
    "train_wgan": ("iteration", lambda c: c["gan"]["iterations"]),
    "train_avd": ("iteration", lambda c: c["avd"]["iterations"]),
    "train_selector": ("selector_step", lambda c: c["l2a"]["selector"]["steps"]),
    "train_selector_ablation": ("selector_step", lambda c: c["l2a"]["selector"]["steps"]),
    "semi_selector": ("selector_step",
                      lambda c: {**c["l2a"]["selector"], **c["l2a"]["semi"]["selector"]}["steps"]),
}
GPU_RULES = ("train_wgan", "train_temporal", "train_temporal_seed", "train_spatial", "train_tda",
             "train_tda_seed", "train_l2a", "train_l2a_seed", "semi_teacher", "train_semi",
             "train_fewshot_seed", "train_avd", "train_avd_classifier",
             "train_avd_classifier_seed", "train_avd_cross", "segment")


# ------------------------------------------------------------------------------ measurements
@dataclass
class Job:
    rule: str
    log: str
    record: dict
    bench: dict = field(default_factory=dict)

    @property
    def dataset(self) -> str:
        parts = Path(self.log).parts
        return parts[1] if len(parts) > 2 else ""


def read_benchmark(path: Path) -> dict:
    try:
        with path.open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle, delimiter="\t"))
    except OSError:
        return {}
    if not rows:
        return {}
    row = rows[-1]
    out = {}
    for key in ("s", "max_rss", "max_pss", "cpu_time"):
        try:
            out[key] = float(row[key])
        except (KeyError, TypeError, ValueError):
            pass
    return out


def read_jobs(workdir: Path, rule_of_log: dict[str, str] | None = None) -> list[Job]:
    """Every job of the smoke DAG with a work line under ``workdir/logs`` (the last line of a
    log wins). ``rule_of_log`` maps a log path to its rule (``smoke_dag.json``, a dry run of the
    smoke's targets); by default it is read from ``workdir``."""
    if rule_of_log is None:
        smoke = json.loads((workdir / "smoke_dag.json").read_text(encoding="utf-8"))
        rule_of_log = {job["log"]: job["rule"] for job in smoke["jobs"] if job.get("log")}
    jobs = []
    for relative, rule in sorted(rule_of_log.items()):
        log = workdir / relative
        if not log.is_file():
            continue
        record = None
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            if WORK_PREFIX in line:
                record = json.loads(line.split(WORK_PREFIX, 1)[1])
        if record is None:
            continue
        bench = workdir / "benchmarks" / Path(relative).relative_to("logs").with_suffix(".tsv")
        jobs.append(Job(rule, relative, record, read_benchmark(bench)))
    return jobs


def base_rule(rule: str) -> str:
    """``train_tda_seed`` and ``train_tda`` run the same code: one measurement."""
    for suffix in ("_seed",):
        if rule.endswith(suffix) and rule != "train_fewshot_seed":
            return rule[: -len(suffix)]
    return rule


@dataclass
class RuleStats:
    rule: str
    jobs: list[Job]

    def total(self, key: str) -> float:
        return sum(j.record.get(key, 0.0) for j in self.jobs)

    @property
    def max_rss(self) -> float:
        """Peak memory of the rule's jobs: the benchmark's ``max_pss`` (proportional set size
        summed over the job's processes: shared pages once, as a cgroup counts them; ``max_rss``
        counts DataLoader workers' shared pages once per worker), else the job's own peak RSS."""
        return max(j.bench.get("max_pss") or j.bench.get("max_rss")
                   or j.record.get("peak_rss_mb", 0.0) for j in self.jobs)

    def phase(self, name: str) -> dict:
        """Phase totals over the rule's jobs (units, samples, seconds, cpu, memory)."""
        out = {"units": 0.0, "samples": 0.0, "seconds": 0.0, "cpu_seconds": 0.0,
               "rss_start_mb": None, "peak_rss_mb": 0.0, "unit": None}
        for job in self.jobs:
            entry = job.record["phases"].get(name)
            if not entry:
                continue
            for key in ("units", "samples", "seconds", "cpu_seconds"):
                out[key] += entry.get(key, 0.0)
            out["unit"] = entry["unit"]
            if entry.get("rss_start_mb") is not None:
                start = out["rss_start_mb"]
                out["rss_start_mb"] = entry["rss_start_mb"] if start is None else min(
                    start, entry["rss_start_mb"])
            out["peak_rss_mb"] = max(out["peak_rss_mb"], entry.get("peak_rss_mb", 0.0))
        return out

    def phases(self) -> list[str]:
        return sorted({name for j in self.jobs for name in j.record["phases"]})

    def setup_cpu(self) -> float:
        """Mean CPU seconds of a job outside its top-level phases (imports, model, weights)."""
        top = top_phases(self.rule, self.phases())
        rest = [j.record["cpu_seconds"] - sum(j.record["phases"].get(p, {}).get("cpu_seconds", 0)
                                              for p in top) for j in self.jobs]
        return max(0.0, sum(rest) / len(rest))


def top_phases(rule: str, names: list[str]) -> list[str]:
    """The phases whose times add up without overlap (a selector step trains inside itself)."""
    if rule in ITERATIVE:
        return [ITERATIVE[rule][0]] + [n for n in names if n == "video"]
    return [n for n in names if n in ("video", "train_step", "test", "predict", "iteration")]


def group(jobs: list[Job]) -> dict[str, RuleStats]:
    by_rule: dict[str, list[Job]] = defaultdict(list)
    for job in jobs:
        by_rule[base_rule(job.rule)].append(job)
    return {rule: RuleStats(rule, js) for rule, js in sorted(by_rule.items())}


# --------------------------------------------------------------------------------- datasets
def load_sizes() -> dict:
    return yaml.safe_load(SIZES.read_text(encoding="utf-8"))["datasets"]


def smoke_counts(workdir: Path, cache: str) -> dict[str, dict]:
    """Per smoke dataset: train/test videos (its manifest) and frames per video (stand-in)."""
    out = {}
    for manifest_path in sorted((workdir / cache).glob("*/manifest.json")):
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        splits = [v["split"] for v in manifest["videos"]]
        frames = None
        standin = Path(manifest["root"]) / "standin.json"
        if standin.is_file():
            frames = json.loads(standin.read_text(encoding="utf-8")).get("frames")
        out[manifest["dataset"]] = {"train": splits.count("train"), "test": splits.count("test"),
                                    "classes": len(manifest["classes"]), "frames": frames}
    return out


# ------------------------------------------------------------------------------- projection
def _train_recipe(rule: str, config: dict, w: dict) -> dict:
    """The ``train`` dict (epochs, batch_size) a Trainer-based job of ``rule`` runs with."""
    from videoaug.methods.avd import params as p_avd
    from videoaug.methods.l2a import params as p_l2a
    from videoaug.methods.sps import params as p_sps
    from videoaug.methods.tda import params as p_tda

    ds = w.get("ds", "")
    if rule in ("train_temporal", "train_spatial"):
        return p_sps.classifier_params(config, ds, w.get("method", "rgb"))["train"]
    if rule == "train_tda":
        return p_tda.tda_params(config, ds, w.get("policy", "none"))["train"]
    if rule == "train_l2a":
        return p_l2a.l2a_train_params(config, ds, w.get("method", "l2a_none"))["classifier"]["train"]
    if rule in ("semi_teacher", "train_semi"):
        method = w.get("method", "none")
        params = p_l2a.l2a_semi_params(config, ds, method, int(w.get("p", 50)))
        return params["classifier"]["train"]
    if rule == "train_fewshot_seed":
        return p_l2a.l2a_fewshot_params(config, ds, w.get("method", "pn"), int(w.get("n", 1))
                                        )["classifier"]["train"]
    if rule in ("train_avd_classifier", "train_avd_cross"):
        return p_avd.avd_classifier_params(config, ds, w.get("stream", "rgb"))["train"]
    if rule == "gan_quality_net":
        return {"epochs": config["gan_quality"]["epochs"],
                "batch_size": config["gan_quality"]["batch_size"]}
    return config["train"]


def evaluations(rule: str, config: dict, epochs: int) -> int:
    """How often a job tests its test set: once at the end, and the SPS temporal stream also
    every ``monitor_every`` epochs and after the last one (the Fig. 5 curve)."""
    every = config["sps"]["monitor_every"] if rule == "train_temporal" else 0
    if not every:
        return 1
    return 1 + len({e for e in range(every - 1, epochs, every)} | {epochs - 1})


def selections(config: dict, epochs: int) -> int:
    sps = config["sps"]
    return len([e for e in range(sps["select_start"],
                                 sps["select_start"] + sps["select_every"] * sps["select_count"] + 1,
                                 sps["select_every"]) if e < epochs])


@dataclass
class Projection:
    cpu_s: float = 0.0
    gpu_units: dict = field(default_factory=lambda: defaultdict(float))  # unit -> count
    measured: bool = True
    rss_mb: float | None = None


class Projector:
    def __init__(self, stats: dict[str, RuleStats], smoke_cfg: dict, paper_cfg: dict,
                 counts: dict, sizes: dict):
        self.stats, self.smoke, self.paper = stats, smoke_cfg, paper_cfg
        self.counts, self.sizes = counts, sizes

    def _size(self, ds: str, key: str) -> float:
        return float(self.sizes[ds][key]) if ds in self.sizes else float(self.counts[ds][key])

    def _ratio(self, ds: str, key: str) -> float:
        smoke = self.counts.get(ds, {}).get(key) or 1
        return self._size(ds, key) / smoke

    def _frames_ratio(self, ds: str) -> float:
        smoke = self.counts.get(ds, {}).get("frames") or 1
        return self._size(ds, "frames") / smoke

    def per_unit_cpu(self, stats: RuleStats, name: str, frame_scaled: bool = False) -> float:
        """CPU seconds per unit of phase ``name`` (per stand-in frame-normalised video when
        ``frame_scaled``: the seconds per frame times the smoke jobs' frames per video)."""
        if not frame_scaled:
            entry = stats.phase(name)
            return entry["cpu_seconds"] / entry["units"] if entry["units"] else 0.0
        cpu = frames = 0.0
        for job in stats.jobs:
            entry = job.record["phases"].get(name)
            if entry:
                cpu += entry["cpu_seconds"]
                frames += entry["units"] * (self.counts.get(job.dataset, {}).get("frames") or 1)
        return cpu / frames if frames else 0.0

    def project(self, rule: str, w: dict) -> Projection:
        key = base_rule(rule)
        stats = self.stats.get(key)
        if stats is None:
            return Projection(measured=False)
        proj = Projection(cpu_s=stats.setup_cpu())
        ds = w.get("target") or w.get("ds", "")
        if key in PER_VIDEO:
            frame_scaled = PER_VIDEO[key]
            videos = self._size(ds, "train") + self._size(ds, "test")
            if "shard" in w:
                from videoaug.config import dataset_config

                videos /= int(dataset_config(self.paper, ds)["shards"])
            rate = self.per_unit_cpu(stats, "video", frame_scaled)
            proj.cpu_s += videos * rate * (self._size(ds, "frames") if frame_scaled else 1)
            if key == "segment":
                proj.gpu_units["frames"] += videos * self._size(ds, "frames")
            return proj
        if key in ITERATIVE:
            name, count = ITERATIVE[key]
            units = float(count(self.paper))
            entry = stats.phase(name)
            per_iteration = self.per_unit_cpu(stats, name)
            if key in ITERATION_BATCH and entry["units"]:
                smoke_batch = entry["samples"] / entry["units"]
                batch = float(ITERATION_BATCH[key](self.paper))
                per_iteration *= batch / smoke_batch
                configured = float(ITERATION_BATCH[key](self.smoke))
                if configured < batch and entry.get("rss_start_mb") is not None:
                    growth = (entry["peak_rss_mb"] - entry["rss_start_mb"]) / smoke_batch
                    proj.rss_mb = stats.max_rss + growth * (batch - smoke_batch)
            proj.cpu_s += units * per_iteration
            if key in GPU_RULES:
                proj.gpu_units["iterations"] += units
            return proj
        if "train_step" in stats.phases():
            return self._trainer(key, stats, w, ds, proj)
        proj.cpu_s = stats.total("cpu_seconds") / len(stats.jobs)
        if key in ("generate_pool", "gan_quality"):
            proj.cpu_s *= self.paper["gan"]["pool_size"] / max(1, self.smoke["gan"]["pool_size"])
        return proj

    def _trainer(self, key: str, stats: RuleStats, w: dict, ds: str, proj: Projection):
        per_video_epoch, per_test = [], []
        smoke_epochs = 1
        for job in stats.jobs:
            smoke_epochs = int(job.record["phases"].get("epoch", {}).get("units", 1)) or 1
            entry = job.record["phases"].get("train_step", {})
            counts = self.counts.get(job.dataset, {})
            if entry and counts.get("train"):
                per_video_epoch.append(entry["samples"] / smoke_epochs / counts["train"])
            test = job.record["phases"].get("test")
            if test and counts.get("test"):
                per_test.append(test["units"] / counts["test"]
                                / evaluations(key, self.smoke, smoke_epochs))
        train = _train_recipe(key, self.paper, w)
        epochs, batch = int(train["epochs"]), int(train["batch_size"])
        step = stats.phase("train_step")
        cpu_per_sample = step["cpu_seconds"] / step["samples"] if step["samples"] else 0.0
        samples = (sum(per_video_epoch) / len(per_video_epoch) if per_video_epoch else 1.0)
        samples *= self._size(ds, "train")
        steps = epochs * math.ceil(samples / batch)
        proj.cpu_s += steps * cpu_per_sample * min(batch, samples)
        test_units = 0.0
        if per_test:
            test_units = (sum(per_test) / len(per_test)) * self._size(ds, "test") * evaluations(
                key, self.paper, epochs)
            proj.cpu_s += test_units * self.per_unit_cpu(stats, "test")
        predict = stats.phase("predict")
        if predict["units"]:
            # SPS scores every generated image of every class at each selection epoch; the
            # semi-supervised teacher labels the unlabelled training videos
            if key == "train_temporal":
                units = (self._size(ds, "classes") * self.paper["gan"]["pool_size"]
                         * selections(self.paper, epochs))
            else:
                per_video = [j.record["phases"]["predict"]["units"]
                             / (self.counts.get(j.dataset, {}).get("train") or 1)
                             for j in stats.jobs if "predict" in j.record["phases"]]
                units = sum(per_video) / len(per_video) * self._size(ds, "train")
            proj.cpu_s += units * self.per_unit_cpu(stats, "predict")
        if key in GPU_RULES:
            proj.gpu_units["steps"] += steps
            proj.gpu_units["test videos"] += test_units
        smoke_batch = step["samples"] / step["units"] if step["units"] else batch
        configured = int(_train_recipe(key, self.smoke, w)["batch_size"])
        if step.get("rss_start_mb") is not None and configured < batch:
            per_sample = (step["peak_rss_mb"] - step["rss_start_mb"]) / smoke_batch
            proj.rss_mb = stats.max_rss + per_sample * (batch - smoke_batch)
        return proj



# ------------------------------------------------------------------------------- paper DAG
def parse_dry_run(text: str) -> list[dict]:
    """Jobs of a Snakemake dry run: ``{"rule", "wildcards", "resources", "log"}`` each."""
    jobs, current = [], None
    for raw in text.splitlines():
        line = raw.strip()
        if (line.startswith("rule ") or line.startswith("localrule ")) and line.endswith(":"):
            current = {"rule": line.split()[1].rstrip(":"), "wildcards": {}, "resources": {},
                       "log": None}
            jobs.append(current)
        elif current is not None and line.startswith("log:"):
            current["log"] = line.partition(":")[2].strip().split(",")[0].strip() or None
        elif current is not None and line.startswith(("wildcards:", "resources:")):
            key, _, rest = line.partition(":")
            for item in rest.split(","):
                name, _, value = item.strip().partition("=")
                if name:
                    current[key][name] = value
    return jobs


def paper_jobs(dag: dict) -> dict[str, list[dict]]:
    """``paper_dag.json`` per table: its jobs, per-class jobs repeated for the real classes."""
    sizes = load_sizes()
    standin_classes = dag.get("standin_classes", {})
    out = {}
    for table, jobs in dag["tables"].items():
        expanded = []
        for job in jobs:
            ds = job["wildcards"].get("ds", "")
            repeat = 1.0
            if "cls" in job["wildcards"] and ds in sizes and ds in standin_classes:
                repeat = sizes[ds]["classes"] / standin_classes[ds]
            expanded.append({**job, "repeat": repeat})
        out[table] = expanded
    return out


# --------------------------------------------------------------------------------- rendering
def _fmt(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "–"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def _table(head: list[str], rows: list[list]) -> list[str]:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines + [""]


def declared(job: dict, key: str) -> float | None:
    try:
        return float(job["resources"][key])
    except (KeyError, ValueError):
        return None


def smoke_cpu(jobs: list[Job]) -> float:
    return sum(j.bench.get("cpu_time") or j.record.get("cpu_seconds", 0.0) for j in jobs)


def render(workdir: Path, dag: dict, gpu_check: dict | None) -> str:
    from videoaug.config import load_config

    jobs = read_jobs(workdir)
    stats = group(jobs)
    smoke_cfg = load_config([ROOT / "config.yaml", ROOT / "workflow/presets/paper.yaml",
                             ROOT / "workflow/presets/paper_smoke.yaml"])
    paper_cfg = load_config([ROOT / "config.yaml", ROOT / "workflow/presets/paper.yaml"])
    counts = smoke_counts(workdir, smoke_cfg["cache_dir"])
    projector = Projector(stats, smoke_cfg, paper_cfg, counts, load_sizes())
    tables = paper_jobs(dag)
    lines = [
        "# Paper scale: what each paper table costs",
        "",
        "Generated by `scripts/paper_scale.py` (run by `make smoke-paper`) from the smoke run of the "
        "paper preset on the UCF101/HMDB51 stand-ins (`workflow/presets/paper_smoke.yaml`): its "
        "Snakemake benchmark files and each job's `videoaug work` log line. Do not edit by hand.",
        "",
        f"- smoke run: `{dag.get('machine', 'unknown machine')}`; CPU seconds count every thread "
        "of a job, so they do not depend on the load; wall seconds do.",
        "- projection: each job of the paper preset's DAG (from `paper_dag.json`, dry runs with "
        "the stand-in roots and no cut counts) = its rule's setup time + units at paper scale x CPU "
        "seconds per unit measured here (method in the script's docstring). Dataset sizes: "
        "`src/videoaug/report/paper_numbers/dataset_sizes.yaml`.",
        "",
        f"- the smoke itself: {len(jobs)} jobs, {_fmt(smoke_cpu(jobs) / 3600, 2)} CPU hours "
        "(sum of the benchmark files' `cpu_time`, else the job's own count); on 2 quiet cores its "
        "wall time is at least half of that.",
        "",
        "## Rules as run in the smoke",
        "",
    ]
    rows = []
    for rule, st in stats.items():
        names = [n for n in top_phases(rule, st.phases())]
        parts = []
        for name in names:
            entry = st.phase(name)
            if entry["units"]:
                per = entry["cpu_seconds"] / entry["units"]
                wall = entry["seconds"] / entry["units"]
                batch = entry["samples"] / entry["units"]
                extra = f", {batch:.0f}/step" if name == "train_step" else ""
                parts.append(f"{name}: {entry['units']:.0f} {entry['unit']}, "
                             f"{_fmt(per)} CPU s / {_fmt(wall)} wall s each{extra}")
        mem = None
        for table_jobs in tables.values():
            for job in table_jobs:
                if base_rule(job["rule"]) == rule:
                    mem = declared(job, "mem_mb")
        rows.append([f"`{rule}`", len(st.jobs), _fmt(st.max_rss, 0), _fmt(mem, 0),
                     _fmt(st.setup_cpu()), "; ".join(parts) or "–"])
    lines += _table(["rule", "jobs", "peak memory MB (PSS)", "declared mem_mb", "setup CPU s / job",
                     "per unit"], rows)
    lines += render_smaller_batches(projector, tables)
    lines += render_projection(projector, tables, gpu_check)
    lines += render_resources(projector, tables)
    missing = sorted({base_rule(j["rule"]) for js in tables.values() for j in js}
                     - set(stats))
    lines += ["## Rules of the paper DAG without a measurement", ""]
    lines += [f"- `{r}`" for r in missing] or ["- none: every rule of the paper DAG ran."]
    return "\n".join(lines).rstrip() + "\n"


def render_smaller_batches(projector: Projector, tables: dict) -> list[str]:
    """Rules the smoke ran with fewer samples per step than the paper (memory), and the paper
    batch's memory projected from the measured growth per sample."""
    rows = []
    seen = set()
    for jobs in tables.values():
        for job in jobs:
            rule = base_rule(job["rule"])
            if rule in seen or rule not in projector.stats:
                continue
            proj = projector.project(job["rule"], job["wildcards"])
            if proj.rss_mb is None:
                continue
            seen.add(rule)
            stats = projector.stats[rule]
            name = "train_step" if "train_step" in stats.phases() else ITERATIVE[rule][0]
            entry = stats.phase(name)
            smoke_batch = entry["samples"] / entry["units"]
            growth = entry["peak_rss_mb"] - entry["rss_start_mb"]
            rows.append([f"`{rule}`", _fmt(smoke_batch, 1), _fmt(stats.max_rss, 0),
                         _fmt(growth / smoke_batch, 0), _fmt(proj.rss_mb, 0),
                         _fmt(declared(job, "mem_mb"), 0)])
    if not rows:
        return []
    return (["## Rules run with a smaller batch than the paper's", "",
             "Where the paper batch does not fit this machine's memory the smoke ran the largest "
             "batch that fits (`memory:` in `workflow/presets/paper_smoke.yaml`). Projected paper "
             "memory = the job's measured peak (PSS) + the main process's growth per sample "
             "during the steps x the samples the paper batch adds (CPU RAM; on a GPU most of it "
             "is GPU memory).", ""]
            + _table(["rule", "smoke batch", "measured MB", "MB per sample",
                      "projected MB at paper batch", "declared mem_mb"], rows))


def render_projection(projector: Projector, tables: dict, gpu_check: dict | None) -> list[str]:
    rates = (gpu_check or {}).get("benchmarks", {}).get("paper_steps", {}) or {}
    lines = ["## Projected cost of each paper table (paper preset, empty cache)", "",
             "CPU hours on this machine's cores; the GPU columns count the work a GPU does "
             "(training steps and iterations, test videos, Mask R-CNN frames), to be multiplied "
             "by seconds per unit from `make gpu-check` (`results/gpu_check.json`, "
             "`benchmarks.paper_steps`)."
             + ("" if rates else " No GPU measurement was found: GPU hours are not projected."),
             ""]
    rows, union = [], {}
    for table, jobs in tables.items():
        cpu, gpu, gpu_s, unmeasured = 0.0, defaultdict(float), 0.0, set()
        for job in jobs:
            proj = projector.project(job["rule"], job["wildcards"])
            if not proj.measured:
                unmeasured.add(base_rule(job["rule"]))
                continue
            cpu += proj.cpu_s * job["repeat"]
            for unit, count in proj.gpu_units.items():
                gpu[unit] += count * job["repeat"]
                rate = rates.get(base_rule(job["rule"]), {}).get(unit)
                if rate is not None:
                    gpu_s += count * job["repeat"] * float(rate)
            key = (job["rule"], tuple(sorted(job["wildcards"].items())))
            union[key] = proj.cpu_s * job["repeat"]
        rows.append([table, _fmt(sum(j["repeat"] for j in jobs), 0), _fmt(cpu / 3600),
                     ", ".join(f"{_fmt(v, 0)} {k}" for k, v in sorted(gpu.items())) or "–",
                     _fmt(gpu_s / 3600) if rates else "not measured",
                     ", ".join(f"`{r}`" for r in sorted(unmeasured)) or "–"])
    rows.append(["all tables (shared jobs once)", _fmt(len(union), 0),
                 _fmt(sum(union.values()) / 3600), "", "", ""])
    return lines + _table(["paper table", "jobs", "CPU hours here", "GPU work", "GPU hours",
                           "not measured"], rows)


def render_resources(projector: Projector, tables: dict) -> list[str]:
    lines = ["## Resources at paper scale", "",
             "Per rule: the largest projected job of the paper DAG against the `resources:` it "
             "declares (memory: measured peak, or, where the smoke ran a smaller batch than the "
             "paper, start + per-sample growth x paper batch; time: CPU hours here, which a GPU "
             "rule does not spend on a GPU node).", ""]
    worst: dict[str, dict] = {}
    for jobs in tables.values():
        for job in jobs:
            rule = base_rule(job["rule"])
            proj = projector.project(job["rule"], job["wildcards"])
            if not proj.measured:
                continue
            stats = projector.stats[rule]
            rss = proj.rss_mb if proj.rss_mb is not None else stats.max_rss
            entry = worst.setdefault(rule, {"rss": 0.0, "cpu_h": 0.0, "mem": declared(job, "mem_mb"),
                                            "runtime": declared(job, "runtime"),
                                            "threads": stats.jobs[0].record.get("threads"),
                                            "gpu": declared(job, "gpu"), "batch": proj.rss_mb})
            entry["rss"] = max(entry["rss"], rss)
            entry["cpu_h"] = max(entry["cpu_h"], proj.cpu_s / 3600)
    rows = []
    for rule, e in sorted(worst.items()):
        threads = e["threads"] or 1
        flag = []
        if e["mem"] is not None and e["rss"] > e["mem"]:
            flag.append("memory above mem_mb")
        if not e["gpu"] and e["runtime"] is not None and e["cpu_h"] / threads * 60 > e["runtime"]:
            flag.append("CPU time above runtime")
        rows.append([f"`{rule}`", _fmt(e["rss"], 0) + (" (projected)" if e["batch"] else ""),
                     _fmt(e["mem"], 0), _fmt(e["cpu_h"], 2), _fmt(e["runtime"], 0),
                     "yes" if e["gpu"] else "no", "; ".join(flag) or "ok"])
    return lines + _table(["rule", "peak memory MB", "mem_mb", "CPU h / job (max)",
                           "runtime min", "gpu", "check"], rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", default="smoke/paper", type=Path)
    parser.add_argument("--out", default=ROOT / "docs" / "paper_scale.md", type=Path)
    parser.add_argument("--gpu-check", default=ROOT / "results" / "gpu_check.json", type=Path)
    args = parser.parse_args(argv)
    dag_path = args.workdir / "paper_dag.json"
    if not dag_path.is_file():
        print(f"{dag_path} is missing: run `make smoke-paper` first", file=sys.stderr)
        return 1
    dag = json.loads(dag_path.read_text(encoding="utf-8"))
    gpu = json.loads(args.gpu_check.read_text()) if args.gpu_check.is_file() else None
    text = render(args.workdir, dag, gpu)
    tmp = args.out.with_name(args.out.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
