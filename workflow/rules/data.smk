# Datasets and decoded frames: synth4 generation, manifest, decode_frames (sharded), frames index.


rule synth_generate:
    output:
        "{root}/synth4.json",
    params:
        p=lambda w: as_json(stage_params.synth_params(config, synthetic_dataset_at(w.root))),
    log:
        "logs/synth_generate/{root}.log",
    benchmark:
        "benchmarks/synth_generate/{root}.tsv"
    conda:
        ENV_CORE
    threads: res("synth_generate", "threads")
    resources:
        mem_mb=res("synth_generate", "mem_mb"),
        runtime=res("synth_generate", "runtime"),
        gpu=res("synth_generate", "gpu"),
    wildcard_constraints:
        root=r".+",
    shell:
        "python -m videoaug.cli --log {log:q} synth --params {params.p:q} --root {wildcards.root:q}"


rule manifest:
    input:
        synth_marker,
    output:
        f"{CACHE}/{{ds}}/manifest.json",
    params:
        p=lambda w: as_json(stage_params.manifest_params(config, w.ds)),
        listing=dataset_listing,
    log:
        "logs/{ds}/manifest.log",
    benchmark:
        "benchmarks/{ds}/manifest.tsv"
    conda:
        ENV_CORE
    threads: res("manifest", "threads")
    resources:
        mem_mb=res("manifest", "mem_mb"),
        runtime=res("manifest", "runtime"),
        gpu=res("manifest", "gpu"),
    shell:
        "python -m videoaug.cli --log {log:q} manifest --params {params.p:q} --out {output:q}"


# One shard's part of the manifest: what the per-shard rules read (videoaug.stages.manifest). No input
# file: it is rebuilt when the digest of its shard's videos changes, so a changed video reruns the
# shards it falls in and not the others (manifest.json, read by whole-dataset rules, reruns on any).
rule manifest_shard:
    input:
        synth_marker,
    output:
        f"{CACHE}/{{ds}}/manifest/{{shard}}.json",
    params:
        p=lambda w: as_json(stage_params.manifest_params(config, w.ds)),
        shards=lambda w: stage_params.num_shards(config, w.ds),
        videos=shard_listing,
    log:
        "logs/{ds}/manifest/{shard}.log",
    conda:
        ENV_CORE
    threads: res("manifest", "threads")
    resources:
        mem_mb=res("manifest", "mem_mb"),
        runtime=res("manifest", "runtime"),
        gpu=res("manifest", "gpu"),
    shell:
        "python -m videoaug.cli --log {log:q} manifest --params {params.p:q} --shard {wildcards.shard}"
        " --shards {params.shards} --out {output:q}"


rule decode_frames:
    input:
        manifest=f"{CACHE}/{{ds}}/manifest/{{shard}}.json",
    output:
        f"{CACHE}/{{ds}}/frames/{{shard}}.h5",
    params:
        p=lambda w: as_json(stage_params.decode_params(config, w.ds)),
        shards=lambda w: stage_params.num_shards(config, w.ds),
    log:
        "logs/{ds}/decode_frames/{shard}.log",
    benchmark:
        "benchmarks/{ds}/decode_frames/{shard}.tsv"
    conda:
        ENV_CORE
    threads: res("decode_frames", "threads")
    resources:
        mem_mb=res("decode_frames", "mem_mb"),
        runtime=res("decode_frames", "runtime"),
        gpu=res("decode_frames", "gpu"),
    shell:
        "python -m videoaug.cli --log {log:q} decode --params {params.p:q} --manifest {input.manifest:q}"
        " --shard {wildcards.shard} --shards {params.shards} --out {output:q}"


rule frames_index:
    input:
        lambda w: expand(f"{CACHE}/{w.ds}/frames/{{shard}}.h5", shard=shard_ids(w.ds)),
    output:
        f"{CACHE}/{{ds}}/frames/index.json",
    log:
        "logs/{ds}/frames_index.log",
    benchmark:
        "benchmarks/{ds}/frames_index.tsv"
    conda:
        ENV_CORE
    threads: 1
    resources:
        mem_mb=res("default", "mem_mb"),
        runtime=res("default", "runtime"),
        gpu=0,
    shell:
        "python -m videoaug.cli --log {log:q} gather-frames --out {output:q} {input:q}"
