# One WGAN per class on its sparse dynamic images (or, gan.conditional, one class-conditional WGAN
# for all classes), each class's generated pool, the pools' quality, and the figure.


rule train_wgan:
    input:
        manifest=f"{CACHE}/{{ds}}/manifest.json",
        ssdi=lambda w: ssdi_shards(w.ds),
    output:
        f"{CACHE}/{{ds}}/gan/{{cls}}.pt",
    params:
        threads=config_threads("train_wgan"),
        p=lambda w: as_json(params_sps.gan_params(config, w.ds)),
    log:
        "logs/{ds}/train_wgan/{cls}.log",
    benchmark:
        "benchmarks/{ds}/train_wgan/{cls}.tsv"
    conda:
        ENV_CORE
    threads: res("train_wgan", "threads")
    resources:
        mem_mb=res("train_wgan", "mem_mb"),
        runtime=res("train_wgan", "runtime"),
        gpu=res("train_wgan", "gpu"),
    shell:
        "python -m videoaug.cli --log {log:q} --threads {params.threads} train-wgan --params {params.p:q}"
        " --manifest {input.manifest:q} --ssdi {input.ssdi:q} --cls {wildcards.cls:q}"
        " --out {output:q}"


rule train_cgan:
    input:
        manifest=f"{CACHE}/{{ds}}/manifest.json",
        ssdi=lambda w: ssdi_shards(w.ds),
    output:
        f"{CACHE}/{{ds}}/gan_conditional/gan.pt",
    params:
        threads=config_threads("train_wgan"),
        p=lambda w: as_json(params_sps.gan_params(config, w.ds)),
    log:
        "logs/{ds}/train_cgan.log",
    benchmark:
        "benchmarks/{ds}/train_cgan.tsv"
    conda:
        ENV_CORE
    threads: res("train_wgan", "threads")
    resources:
        mem_mb=res("train_wgan", "mem_mb"),
        runtime=res("train_wgan", "runtime"),
        gpu=res("train_wgan", "gpu"),
    shell:
        "python -m videoaug.cli --log {log:q} --threads {params.threads} train-cgan --params {params.p:q}"
        " --manifest {input.manifest:q} --ssdi {input.ssdi:q} --out {output:q}"


rule generate_pool:
    input:
        checkpoint=lambda w: gan_checkpoint(w.ds, w.cls),
        manifest=f"{CACHE}/{{ds}}/manifest.json",
        ssdi_index=f"{CACHE}/{{ds}}/ssdi/index.json",
    output:
        f"{CACHE}/{{ds}}/gan/{{cls}}_pool.h5",
    params:
        threads=config_threads("generate_pool"),
        p=lambda w: as_json(params_sps.gan_params(config, w.ds)),
        compression=config["compression"],
    log:
        "logs/{ds}/generate_pool/{cls}.log",
    benchmark:
        "benchmarks/{ds}/generate_pool/{cls}.tsv"
    conda:
        ENV_CORE
    threads: res("generate_pool", "threads")
    resources:
        mem_mb=res("generate_pool", "mem_mb"),
        runtime=res("generate_pool", "runtime"),
        gpu=res("generate_pool", "gpu"),
    shell:
        "python -m videoaug.cli --log {log:q} --threads {params.threads} generate-pool --params {params.p:q}"
        " --checkpoint {input.checkpoint:q} --manifest {input.manifest:q}"
        " --ssdi-index {input.ssdi_index:q} --cls {wildcards.cls:q}"
        " --compression {params.compression} --out {output:q}"


rule gan_quality_net:
    input:
        manifest=f"{CACHE}/{{ds}}/manifest.json",
        ssdi=lambda w: ssdi_shards(w.ds),
    output:
        f"{CACHE}/{{ds}}/gan_quality/net.pt",
    params:
        p=lambda w: as_json(params_sps.gan_quality_params(config, w.ds)),
    log:
        "logs/{ds}/gan_quality_net.log",
    benchmark:
        "benchmarks/{ds}/gan_quality_net.tsv"
    conda:
        ENV_CORE
    threads: res("gan_quality", "threads")
    resources:
        mem_mb=res("gan_quality", "mem_mb"),
        runtime=res("gan_quality", "runtime"),
        gpu=res("gan_quality", "gpu"),
    shell:
        "python -m videoaug.cli --log {log:q} gan-quality-net --params {params.p:q}"
        " --manifest {input.manifest:q} --ssdi {input.ssdi:q} --out {output:q}"


rule gan_quality:
    input:
        net=f"{CACHE}/{{ds}}/gan_quality/net.pt",
        manifest=f"{CACHE}/{{ds}}/manifest.json",
        ssdi=lambda w: ssdi_shards(w.ds),
        pools=lambda w: pool_paths(w.ds),
    output:
        f"{CACHE}/{{ds}}/gan/quality.json",
    params:
        p=lambda w: as_json(params_sps.gan_measure_params(config, w.ds)),
    log:
        "logs/{ds}/gan_quality.log",
    benchmark:
        "benchmarks/{ds}/gan_quality.tsv"
    conda:
        ENV_CORE
    threads: res("gan_quality", "threads")
    resources:
        mem_mb=res("gan_quality", "mem_mb"),
        runtime=res("gan_quality", "runtime"),
        gpu=res("gan_quality", "gpu"),
    shell:
        "python -m videoaug.cli --log {log:q} gan-quality --params {params.p:q} --net {input.net:q}"
        " --manifest {input.manifest:q}"
        " --ssdi {input.ssdi:q} --pools {input.pools:q} --out {output:q}"


rule figure_gan:
    input:
        manifest=f"{CACHE}/{{ds}}/manifest.json",
        ssdi=lambda w: ssdi_shards(w.ds),
        pools=lambda w: pool_paths(w.ds),
        quality=f"{CACHE}/{{ds}}/gan/quality.json",
    output:
        report("results/figures/{ds}_gan_samples.png", caption="../report/gan_samples.rst", category="SPS"),
    log:
        "logs/{ds}/figure_gan.log",
    benchmark:
        "benchmarks/{ds}/figure_gan.tsv"
    conda:
        ENV_CORE
    threads: 1
    resources:
        mem_mb=res("report", "mem_mb"),
        runtime=res("report", "runtime"),
        gpu=0,
    shell:
        "python -m videoaug.cli --log {log:q} figure-gan --manifest {input.manifest:q} --ssdi {input.ssdi:q}"
        " --pools {input.pools:q} --quality {input.quality:q} --out {output:q}"
