# SPS family (Zhang et al. 2020): TSN temporal stream on SSDI with ssdi/rnd/tsp/sps selection of
# generated images (+ _noccs/_nohf/_plain augmentation ablations), RGB stream, late fusion.


rule train_temporal:
    input:
        unpack(temporal_inputs),
    output:
        result="results/{ds}_{method}.json",
        scores="results/scores/{ds}_{method}.npz",
    params:
        threads=config_threads("train_temporal"),
        p=lambda w: as_json(params_sps.classifier_params(config, w.ds, w.method)),
        pools=lambda w, input: quoted(input.get("pools", [])),
        quality=lambda w, input: f"--gan-quality {quoted([input.quality])}" if "quality" in input.keys() else "",
    log:
        "logs/{ds}/train_temporal/{method}.log",
    benchmark:
        "benchmarks/{ds}/train_temporal/{method}.tsv"
    wildcard_constraints:
        method=TEMPORAL_METHOD_RE,
    conda:
        ENV_CORE
    threads: res("train_temporal", "threads")
    resources:
        mem_mb=res("train_temporal", "mem_mb"),
        runtime=res("train_temporal", "runtime"),
        gpu=res("train_temporal", "gpu"),
    shell:
        "python -m videoaug.cli --log {log:q} --threads {params.threads} train-temporal --params {params.p:q}"
        " --manifest {input.manifest:q} --ssdi {input.ssdi:q} --pools {params.pools}"
        " {params.quality} --out {output.result:q} --scores {output.scores:q}"


# The same run with another classifier seed (the caches upstream keep config.seed), for mean +- std.
use rule train_temporal as train_temporal_seed with:
    output:
        result="results/seeds/{ds}_{method}_s{seed}.json",
        scores="results/scores/seeds/{ds}_{method}_s{seed}.npz",
    params:
        p=lambda w: as_json(params_sps.classifier_params(config, w.ds, w.method, int(w.seed))),
    log:
        "logs/{ds}/train_temporal/{method}_s{seed}.log",
    benchmark:
        "benchmarks/{ds}/train_temporal/{method}_s{seed}.tsv"
    wildcard_constraints:
        method=TEMPORAL_METHOD_RE,
        seed=r"\d+",


rule train_spatial:
    input:
        weights=lambda w: checked_weights(
            weight_need("sps.pretrained", config["sps"]["backbone"], config["sps"]["pretrained"])
        ),
        manifest=f"{CACHE}/{{ds}}/manifest.json",
        frames=lambda w: frames_shards(w.ds),
    output:
        result="results/{ds}_rgb.json",
        scores="results/scores/{ds}_rgb.npz",
    params:
        threads=config_threads("train_spatial"),
        p=lambda w: as_json(params_sps.classifier_params(config, w.ds, "rgb")),
    log:
        "logs/{ds}/train_spatial.log",
    benchmark:
        "benchmarks/{ds}/train_spatial.tsv"
    conda:
        ENV_CORE
    threads: res("train_spatial", "threads")
    resources:
        mem_mb=res("train_spatial", "mem_mb"),
        runtime=res("train_spatial", "runtime"),
        gpu=res("train_spatial", "gpu"),
    shell:
        "python -m videoaug.cli --log {log:q} --threads {params.threads} train-spatial --params {params.p:q}"
        " --manifest {input.manifest:q} --frames {input.frames:q}"
        " --out {output.result:q} --scores {output.scores:q}"


rule fuse:
    input:
        results=["results/{ds}_{method}.json", "results/{ds}_rgb.json"],
        scores=["results/scores/{ds}_{method}.npz", "results/scores/{ds}_rgb.npz"],
    output:
        result="results/{ds}_{method}_fused.json",
        scores="results/scores/{ds}_{method}_fused.npz",
    params:
        weights=config["sps"]["fusion_weights"],
    log:
        "logs/{ds}/fuse/{method}.log",
    benchmark:
        "benchmarks/{ds}/fuse/{method}.tsv"
    wildcard_constraints:
        method=r"ssdi|rnd|tsp|sps",
    conda:
        ENV_CORE
    threads: 1
    resources:
        mem_mb=res("fuse", "mem_mb"),
        runtime=res("fuse", "runtime"),
        gpu=0,
    shell:
        "python -m videoaug.cli --log {log:q} fuse --results {input.results:q} --scores {input.scores:q}"
        " --weights {params.weights} --method {wildcards.method}_fused --out {output.result:q}"
        " --scores-out {output.scores:q}"
