# Sparse-sampled dynamic images (SSDI) per frames shard, their index, and the frames/DI figure.


rule dynamic_images:
    input:
        frames=f"{CACHE}/{{ds}}/frames/{{shard}}.h5",
        manifest=f"{CACHE}/{{ds}}/manifest/{{shard}}.json",
    output:
        f"{CACHE}/{{ds}}/ssdi/{{shard}}.h5",
    params:
        p=lambda w: as_json(stage_params.dynamic_params(config, w.ds)),
    log:
        "logs/{ds}/dynamic_images/{shard}.log",
    benchmark:
        "benchmarks/{ds}/dynamic_images/{shard}.tsv"
    conda:
        ENV_CORE
    threads: res("dynamic_images", "threads")
    resources:
        mem_mb=res("dynamic_images", "mem_mb"),
        runtime=res("dynamic_images", "runtime"),
        gpu=res("dynamic_images", "gpu"),
    shell:
        "python -m videoaug.cli --log {log:q} dynamic --params {params.p:q} --frames {input.frames:q}"
        " --manifest {input.manifest:q} --out {output:q}"


rule ssdi_index:
    input:
        shards=lambda w: expand(f"{CACHE}/{w.ds}/ssdi/{{shard}}.h5", shard=shard_ids(w.ds)),
        frames_index=f"{CACHE}/{{ds}}/frames/index.json",
    output:
        f"{CACHE}/{{ds}}/ssdi/index.json",
    log:
        "logs/{ds}/ssdi_index.log",
    benchmark:
        "benchmarks/{ds}/ssdi_index.tsv"
    conda:
        ENV_CORE
    threads: 1
    resources:
        mem_mb=res("default", "mem_mb"),
        runtime=res("default", "runtime"),
        gpu=0,
    shell:
        "python -m videoaug.cli --log {log:q} gather-ssdi --out {output:q} {input.shards:q}"


rule figure_dynamic_images:
    input:
        manifest=f"{CACHE}/{{ds}}/manifest.json",
        frames=lambda w: expand(f"{CACHE}/{w.ds}/frames/{{shard}}.h5", shard=shard_ids(w.ds)),
        ssdi=lambda w: expand(f"{CACHE}/{w.ds}/ssdi/{{shard}}.h5", shard=shard_ids(w.ds)),
    output:
        report(
            "results/figures/{ds}_dynamic_images.png",
            caption="../report/dynamic_images.rst",
            category="Data",
            labels={"dataset": "{ds}", "figure": "frames and dynamic images"},
        ),
    params:
        frames_per_video=config["figures"]["frames_per_video"],
    log:
        "logs/{ds}/figure_dynamic_images.log",
    benchmark:
        "benchmarks/{ds}/figure_dynamic_images.tsv"
    conda:
        ENV_CORE
    threads: 1
    resources:
        mem_mb=res("default", "mem_mb"),
        runtime=res("default", "runtime"),
        gpu=0,
    shell:
        "python -m videoaug.cli --log {log:q} figure-dynamic --manifest {input.manifest:q} --frames {input.frames:q}"
        " --ssdi {input.ssdi:q} --frames-per-video {params.frames_per_video} --out {output:q}"
