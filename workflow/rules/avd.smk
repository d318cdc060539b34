# Adversarial Video Distillation (Tavakolian, Sabokrou and Hadid 2019): optical flow, the AVD model per input
# (rgb frames | flow images), distilled images per clip window, 2D classifiers per stream, late fusions,
# the paper's Tables 1-4 beside ours and Fig. 1. Streams: frames_rgb, frames_flow (per-frame classifiers),
# rgb, flow (AVD(RGB), AVD(OF)), di (dynamic image of the same windows, Table 4); `-<backbone>` picks another
# 2D CNN (Table 2); `a+b` is the late fusion of streams a and b; `_on_{target}` tests on another dataset.

from videoaug.methods.avd import paths as avd_paths
from videoaug.methods.avd import tavakolian2019 as avd_report

AVD_BACKBONES = "tsn_resnet18|tsn_resnet50|tsn_resnet101|tsn_alexnet|tsn_googlenet|tsn_mobilenet_v3_small"
AVD_BASE_RE = r"(frames_rgb|frames_flow|rgb|flow|di)"
AVD_STREAM_RE = AVD_BASE_RE + r"(-(" + AVD_BACKBONES + r"))?"
AVD_FUSION_RE = AVD_BASE_RE + r"(\+" + AVD_BASE_RE + r")+"

# results/{ds}_avd_frames_rgb.json would also match train_spatial's results/{ds}_rgb.json with ds=synth4_avd_frames
ruleorder: train_avd_classifier > train_spatial


# flow.bound: auto — the quantisation bound measured on a fixed sample of training frame pairs (docs/avd.md).
rule flow_bound:
    input:
        manifest=f"{CACHE}/{{ds}}/manifest.json",
        frames=lambda w: frames_shards(w.ds),
    output:
        f"{CACHE}/{{ds}}/flow/bound.json",
    params:
        p=lambda w: as_json(params_avd.flow_bound_params(config, w.ds)),
    log:
        "logs/{ds}/flow_bound.log",
    benchmark:
        "benchmarks/{ds}/flow_bound.tsv"
    conda:
        ENV_CORE
    threads: res("optical_flow", "threads")
    resources:
        mem_mb=res("optical_flow", "mem_mb"),
        runtime=res("optical_flow", "runtime"),
        gpu=0,
    shell:
        "python -m videoaug.cli --log {log:q} flow-bound --params {params.p:q} --manifest {input.manifest:q}"
        " --frames {input.frames:q} --out {output:q}"


rule optical_flow:
    input:
        frames=f"{CACHE}/{{ds}}/frames/{{shard}}.h5",
        bound=lambda w: [f"{CACHE}/{w.ds}/flow/bound.json"] if params_avd.flow_bound_is_measured(config) else [],
    output:
        f"{CACHE}/{{ds}}/flow/{{shard}}.h5",
    params:
        p=lambda w: as_json(params_avd.flow_params(config, w.ds)),
        bound=lambda w, input: f"--bound-file {quoted(input.bound)}" if input.bound else "",
    log:
        "logs/{ds}/optical_flow/{shard}.log",
    benchmark:
        "benchmarks/{ds}/optical_flow/{shard}.tsv"
    conda:
        ENV_CORE
    threads: res("optical_flow", "threads")
    resources:
        mem_mb=res("optical_flow", "mem_mb"),
        runtime=res("optical_flow", "runtime"),
        gpu=res("optical_flow", "gpu"),
    shell:
        "python -m videoaug.cli --log {log:q} optical-flow --params {params.p:q} --frames {input.frames:q}"
        " {params.bound} --out {output:q}"


rule train_avd:
    input:
        manifest=f"{CACHE}/{{ds}}/manifest.json",
        stores=lambda w: avd_paths.source_shards(config, w.ds, w.input),
    output:
        model=f"{CACHE}/{{ds}}/avd/{{input}}/model.pt",
        curves=report(
            "results/figures/{ds}_avd_{input}_losses.png",
            caption="../report/avd_losses.rst",
            category="AVD",
        ),
    params:
        p=lambda w: as_json(params_avd.avd_params(config, w.ds, w.input)),
    log:
        "logs/{ds}/train_avd/{input}.log",
    benchmark:
        "benchmarks/{ds}/train_avd/{input}.tsv"
    wildcard_constraints:
        input="rgb|flow",
    conda:
        ENV_CORE
    threads: res("train_avd", "threads")
    resources:
        mem_mb=res("train_avd", "mem_mb"),
        runtime=res("train_avd", "runtime"),
        gpu=res("train_avd", "gpu"),
    shell:
        "python -m videoaug.cli --log {log:q} train-avd --params {params.p:q} --input {wildcards.input}"
        " --manifest {input.manifest:q} --stores {input.stores:q} --out {output.model:q}"
        " --curves {output.curves:q}"


rule distill:
    input:
        manifest=f"{CACHE}/{{ds}}/manifest/{{shard}}.json",
        store=lambda w: avd_paths.source_shards(config, w.ds, w.input)[int(w.shard)],
        model=lambda w: [] if w.input == "di" else [f"{CACHE}/{w.ds}/avd/{w.input}/model.pt"],
    output:
        f"{CACHE}/{{ds}}/avd/{{input}}/{{shard}}.h5",
    params:
        p=lambda w: as_json(params_avd.avd_params(config, w.ds, w.input)),
        model=lambda w, input: f"--model {quoted(input.model)}" if input.model else "",
    log:
        "logs/{ds}/distill/{input}_{shard}.log",
    benchmark:
        "benchmarks/{ds}/distill/{input}_{shard}.tsv"
    wildcard_constraints:
        input="rgb|flow|di",
    conda:
        ENV_CORE
    threads: res("distill", "threads")
    resources:
        mem_mb=res("distill", "mem_mb"),
        runtime=res("distill", "runtime"),
        gpu=res("distill", "gpu"),
    shell:
        "python -m videoaug.cli --log {log:q} distill --params {params.p:q} --input {wildcards.input}"
        " --manifest {input.manifest:q} --store {input.store:q} {params.model}"
        " --out {output:q}"


# Table 3's test images: the target dataset's videos distilled by {ds}'s encoder (avd.paths.cross_stores).
use rule distill as distill_cross with:
    input:
        manifest=f"{CACHE}/{{target}}/manifest/{{shard}}.json",
        store=lambda w: avd_paths.source_shards(config, w.target, w.input)[int(w.shard)],
        model=lambda w: [f"{CACHE}/{w.ds}/avd/{w.input}/model.pt"],  # a list, as in distill
    output:
        f"{CACHE}/{{target}}/avd/{{input}}_by_{{ds}}/{{shard}}.h5",
    log:
        "logs/{target}/distill/{input}_by_{ds}_{shard}.log",
    benchmark:
        "benchmarks/{target}/distill/{input}_by_{ds}_{shard}.tsv"
    wildcard_constraints:
        input="rgb|flow",


rule train_avd_classifier:
    input:
        weights=lambda w: checked_weights(avd_classifier_weights(w.stream)),
        manifest=f"{CACHE}/{{ds}}/manifest.json",
        stores=lambda w: avd_paths.stream_stores(config, w.ds, w.stream),
    output:
        result="results/{ds}_avd_{stream}.json",
        scores="results/scores/{ds}_avd_{stream}.npz",
    params:
        p=lambda w: as_json(params_avd.avd_classifier_params(config, w.ds, w.stream)),
    log:
        "logs/{ds}/train_avd_classifier/{stream}.log",
    benchmark:
        "benchmarks/{ds}/train_avd_classifier/{stream}.tsv"
    wildcard_constraints:
        stream=AVD_STREAM_RE,
    conda:
        ENV_CORE
    threads: res("train_avd_classifier", "threads")
    resources:
        mem_mb=res("train_avd_classifier", "mem_mb"),
        runtime=res("train_avd_classifier", "runtime"),
        gpu=res("train_avd_classifier", "gpu"),
    shell:
        "python -m videoaug.cli --log {log:q} train-avd-classifier --params {params.p:q}"
        " --manifest {input.manifest:q} --stores {input.stores:q}"
        " --out {output.result:q} --scores {output.scores:q}"


# The same run with another classifier seed (caches upstream keep config.seed), for mean +- std.
use rule train_avd_classifier as train_avd_classifier_seed with:
    output:
        result="results/seeds/{ds}_avd_{stream}_s{seed}.json",
        scores="results/scores/seeds/{ds}_avd_{stream}_s{seed}.npz",
    params:
        p=lambda w: as_json(params_avd.avd_classifier_params(config, w.ds, w.stream, int(w.seed))),
    log:
        "logs/{ds}/train_avd_classifier/{stream}_s{seed}.log",
    benchmark:
        "benchmarks/{ds}/train_avd_classifier/{stream}_s{seed}.tsv"
    wildcard_constraints:
        stream=AVD_STREAM_RE,
        seed=r"\d+",


# Table 3: train on {ds}'s images of a stream, test on {target}'s (classes matched by name or avd.cross_mapping).
rule train_avd_cross:
    input:
        weights=lambda w: checked_weights(avd_classifier_weights(w.stream)),
        manifest=f"{CACHE}/{{ds}}/manifest.json",
        stores=lambda w: avd_paths.stream_stores(config, w.ds, w.stream),
        test_manifest=f"{CACHE}/{{target}}/manifest.json",
        test_stores=lambda w: avd_paths.cross_stores(config, w.ds, w.target, w.stream),
    output:
        result="results/seeds/{ds}_avd_{stream}_on_{target}_s{seed}.json",
        scores="results/scores/seeds/{ds}_avd_{stream}_on_{target}_s{seed}.npz",
    params:
        p=lambda w: as_json(params_avd.avd_classifier_params(config, w.ds, w.stream, int(w.seed), w.target)),
    log:
        "logs/{ds}/train_avd_classifier/{stream}_on_{target}_s{seed}.log",
    benchmark:
        "benchmarks/{ds}/train_avd_classifier/{stream}_on_{target}_s{seed}.tsv"
    wildcard_constraints:
        stream=AVD_STREAM_RE,
        target=r"[A-Za-z0-9]+",
        seed=r"\d+",
    conda:
        ENV_CORE
    threads: res("train_avd_classifier", "threads")
    resources:
        mem_mb=res("train_avd_classifier", "mem_mb"),
        runtime=res("train_avd_classifier", "runtime"),
        gpu=res("train_avd_classifier", "gpu"),
    shell:
        "python -m videoaug.cli --log {log:q} train-avd-classifier --params {params.p:q}"
        " --manifest {input.manifest:q} --stores {input.stores:q}"
        " --test-manifest {input.test_manifest:q} --test-stores {input.test_stores:q}"
        " --out {output.result:q} --scores {output.scores:q}"


# Late fusion (Table 1): equal-weight mean of the streams' per-video softmax (the SPS `fuse` command).
rule avd_fuse:
    input:
        results=lambda w: [f"results/seeds/{w.ds}_avd_{s}_s{w.seed}.json" for s in w.fusion.split("+")],
        scores=lambda w: [f"results/scores/seeds/{w.ds}_avd_{s}_s{w.seed}.npz" for s in w.fusion.split("+")],
    output:
        result="results/seeds/{ds}_avd_{fusion}_s{seed}.json",
        scores="results/scores/seeds/{ds}_avd_{fusion}_s{seed}.npz",
    params:
        weights=lambda w: " ".join("1.0" for _ in w.fusion.split("+")),
    log:
        "logs/{ds}/avd_fuse/{fusion}_s{seed}.log",
    benchmark:
        "benchmarks/{ds}/avd_fuse/{fusion}_s{seed}.tsv"
    wildcard_constraints:
        fusion=AVD_FUSION_RE,
        seed=r"\d+",
    conda:
        ENV_CORE
    threads: 1
    resources:
        mem_mb=res("fuse", "mem_mb"),
        runtime=res("fuse", "runtime"),
        gpu=0,
    shell:
        "python -m videoaug.cli --log {log:q} fuse --results {input.results:q} --scores {input.scores:q}"
        " --weights {params.weights} --method avd_{wildcards.fusion} --out {output.result:q}"
        " --scores-out {output.scores:q}"


rule tavakolian2019_tables:
    input:
        results=lambda w: avd_report.report_result_paths(config),
        scores=lambda w: avd_report.report_score_paths(config),
    output:
        report(
            expand("results/tables/tavakolian2019_table{n}.md", n=[1, 2, 3, 4]),
            caption="../report/tavakolian2019.rst",
            category="AVD",
        ),
    params:
        datasets=report_datasets(config, "avd"),
        cross=[f"{a}:{b}" for a, b in config["avd"]["cross"].items()],
        backbone=config["avd"]["classifier"]["backbone"],
        backbones=config["avd"]["classifier"]["table2_backbones"],
    log:
        "logs/report/tavakolian2019_tables.log",
    benchmark:
        "benchmarks/report/tavakolian2019_tables.tsv"
    conda:
        ENV_CORE
    threads: 1
    resources:
        mem_mb=res("report", "mem_mb"),
        runtime=res("report", "runtime"),
        gpu=0,
    shell:
        "python -m videoaug.cli --log {log:q} tavakolian2019-tables --datasets {params.datasets:q}"
        " --cross {params.cross:q} --default-backbone {params.backbone}"
        " --backbones {params.backbones:q} --results {input.results:q} --out-dir results/tables"


rule figure_avd:
    input:
        manifest=f"{CACHE}/{{ds}}/manifest.json",
        frames=lambda w: frames_shards(w.ds),
        rgb=lambda w: avd_paths.stream_stores(config, w.ds, "rgb"),
        flow=lambda w: avd_paths.stream_stores(config, w.ds, "flow"),
    output:
        report("results/figures/{ds}_avd.png", caption="../report/avd_figure.rst", category="AVD"),
    params:
        videos=config["avd"]["figure_videos"],
    log:
        "logs/{ds}/figure_avd.log",
    benchmark:
        "benchmarks/{ds}/figure_avd.tsv"
    conda:
        ENV_CORE
    threads: 1
    resources:
        mem_mb=res("report", "mem_mb"),
        runtime=res("report", "runtime"),
        gpu=0,
    shell:
        "python -m videoaug.cli --log {log:q} figure-avd --manifest {input.manifest:q} --frames {input.frames:q}"
        " --rgb {input.rgb:q} --flow {input.flow:q} --videos {params.videos}"
        " --out {output:q}"
