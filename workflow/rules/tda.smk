# Temporal data augmentation experiments (Kim et al., ECCV-W 2020): a video classifier per augmentation
# policy, its seed repeats, the augmentation gallery and the paper's Tables 2-6 beside ours.
# {policy} is a policy slug: the filename form of a policy string (videoaug.augment.policy.policy_slug),
# e.g. randaug-t:n2:m9:temporal+ -> randaug-t-n2-m9-temporalp, cutmix:a2:p0.5 -> cutmix-a2-p0.5.
# The grid of the README: results/seeds/{ds}_tda_{slug}_s{seed}.json for every tda.policies entry.

from videoaug.methods.tda import kim2020 as kim2020_report

TDA_POLICY_RE = r"[a-z][a-z0-9.\-]*(_[a-z][a-z0-9.\-]*)*"


rule train_tda:
    input:
        manifest=f"{CACHE}/{{ds}}/manifest.json",
        frames=lambda w: frames_shards(w.ds),
    output:
        result="results/{ds}_tda_{policy}.json",
        scores="results/scores/{ds}_tda_{policy}.npz",
    params:
        threads=config_threads("train_tda"),
        p=lambda w: as_json(params_tda.tda_params(config, w.ds, w.policy)),
    log:
        "logs/{ds}/train_tda/{policy}.log",
    benchmark:
        "benchmarks/{ds}/train_tda/{policy}.tsv"
    wildcard_constraints:
        policy=TDA_POLICY_RE,
    conda:
        ENV_CORE
    threads: res("train_tda", "threads")
    resources:
        mem_mb=res("train_tda", "mem_mb"),
        runtime=res("train_tda", "runtime"),
        gpu=res("train_tda", "gpu"),
    shell:
        "python -m videoaug.cli --log {log:q} --threads {params.threads} train-tda --params {params.p:q}"
        " --manifest {input.manifest:q} --frames {input.frames:q} --out {output.result:q}"
        " --scores {output.scores:q}"


# The same run with another classifier seed (the caches upstream keep config.seed), for mean +- std.
use rule train_tda as train_tda_seed with:
    output:
        result="results/seeds/{ds}_tda_{policy}_s{seed}.json",
        scores="results/scores/seeds/{ds}_tda_{policy}_s{seed}.npz",
    params:
        p=lambda w: as_json(params_tda.tda_params(config, w.ds, w.policy, int(w.seed))),
    log:
        "logs/{ds}/train_tda/{policy}_s{seed}.log",
    benchmark:
        "benchmarks/{ds}/train_tda/{policy}_s{seed}.tsv"
    wildcard_constraints:
        policy=TDA_POLICY_RE,
        seed=r"\d+",


rule tda_gallery:
    input:
        manifest=f"{CACHE}/{config['dataset']}/manifest.json",
        frames=frames_shards(config["dataset"]),
    output:
        report(
            "results/figures/tda_gallery.png",
            caption="../report/tda_gallery.rst",
            category="TDA",
        ),
    params:
        p=lambda w: as_json(params_tda.tda_params(config, config["dataset"], "none")),
        policies=config["tda"]["policies"],
        frames_shown=config["tda"]["gallery_frames"],
        magnitude=config["tda"]["gallery_magnitude"],
    log:
        "logs/tda_gallery.log",
    conda:
        ENV_CORE
    threads: 1
    resources:
        mem_mb=res("report", "mem_mb"),
        runtime=res("report", "runtime"),
        gpu=0,
    shell:
        "python -m videoaug.cli --log {log:q} tda-gallery --params {params.p:q} --manifest {input.manifest:q}"
        " --frames {input.frames:q} --policies {params.policies:q}"
        " --frames-shown {params.frames_shown} --magnitude {params.magnitude}"
        " --out {output:q}"


rule kim2020_tables:
    input:
        lambda w: kim2020_report.report_result_paths(config),
    output:
        report("results/tables/kim2020_tables.md", caption="../report/kim2020.rst", category="TDA"),
    params:
        datasets=config["report"]["datasets"],
    log:
        "logs/report/kim2020_tables.log",
    conda:
        ENV_CORE
    threads: 1
    resources:
        mem_mb=res("report", "mem_mb"),
        runtime=res("report", "runtime"),
        gpu=0,
    shell:
        "python -m videoaug.cli --log {log:q} kim2020-tables --datasets {params.datasets:q}"
        " --results {input:q} --out {output:q}"
