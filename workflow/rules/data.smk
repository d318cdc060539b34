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
    threads: res("synth_generate", "threads")
    resources:
        mem_mb=res("synth_generate", "mem_mb"),
        runtime=res("synth_generate", "runtime"),
        gpu=res("synth_generate", "gpu"),
    wildcard_constraints:
        root=r".+",
    shell:
        "{VIDEOAUG} synth --params {params.p:q} --root {wildcards.root:q} > {log:q} 2>&1"


def synth_marker(wildcards):
    cfg = ds_cfg(wildcards.ds)
    return [f"{cfg['root']}/synth4.json"] if cfg["kind"] == "synthetic" else []


rule manifest:
    input:
        synth_marker,
    output:
        f"{CACHE}/{{ds}}/manifest.json",
    params:
        p=lambda w: as_json(stage_params.manifest_params(config, w.ds)),
    log:
        "logs/{ds}/manifest.log",
    threads: res("manifest", "threads")
    resources:
        mem_mb=res("manifest", "mem_mb"),
        runtime=res("manifest", "runtime"),
        gpu=res("manifest", "gpu"),
    shell:
        "{VIDEOAUG} manifest --params {params.p:q} --out {output:q} > {log:q} 2>&1"


rule decode_frames:
    input:
        manifest=f"{CACHE}/{{ds}}/manifest.json",
    output:
        f"{CACHE}/{{ds}}/frames/{{shard}}.h5",
    params:
        p=lambda w: as_json(stage_params.decode_params(config, w.ds)),
        shards=lambda w: stage_params.num_shards(config, w.ds),
    log:
        "logs/{ds}/decode_frames/{shard}.log",
    benchmark:
        "benchmarks/{ds}/decode_frames/{shard}.tsv"
    threads: res("decode_frames", "threads")
    resources:
        mem_mb=res("decode_frames", "mem_mb"),
        runtime=res("decode_frames", "runtime"),
        gpu=res("decode_frames", "gpu"),
    shell:
        "{VIDEOAUG} decode --params {params.p:q} --manifest {input.manifest:q}"
        " --shard {wildcards.shard} --shards {params.shards} --out {output:q} > {log:q} 2>&1"


rule frames_index:
    input:
        lambda w: expand(f"{CACHE}/{w.ds}/frames/{{shard}}.h5", shard=shard_ids(w.ds)),
    output:
        f"{CACHE}/{{ds}}/frames/index.json",
    log:
        "logs/{ds}/frames_index.log",
    threads: 1
    resources:
        mem_mb=res("default", "mem_mb"),
        runtime=res("default", "runtime"),
        gpu=0,
    shell:
        "{VIDEOAUG} gather-frames --out {output:q} {input:q} > {log:q} 2>&1"
