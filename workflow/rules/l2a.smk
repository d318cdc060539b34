# Learn2Augment (Gowda et al., ECCV 2022). Part 1: instance masks, inpainted backgrounds, semantic class
# matches and the compositing figure (paper Figs. 3 and 4), all cached per dataset. Part 2 (Selector,
# classifiers, tables) adds its rules to this file. Torch/OpenCV threads of every job come from
# l2a.threads (inside the params), not from Snakemake's {threads}.

ENV_TEXT = "../../envs/text.yaml"
ENV_SEGMENT = "../../envs/segment.yaml"

from videoaug.methods.l2a import ablation as l2a_ablation
from videoaug.methods.l2a import gowda2022 as gowda_report

# train_l2a's methods: the supervised runs and the Tables 1/2 ablations (videoaug.methods.l2a.ablation)
L2A_TRAIN_METHODS = "|".join(("l2a", "l2a_none", "l2a_random", "l2a_actorcut", *l2a_ablation.NEW_METHODS))


rule segment:
    input:
        manifest=f"{CACHE}/{{ds}}/manifest.json",
        frames=f"{CACHE}/{{ds}}/frames/{{shard}}.h5",
    output:
        f"{CACHE}/{{ds}}/masks/{{shard}}.h5",
    params:
        p=lambda w: as_json(params_l2a.l2a_segment_params(config, w.ds)),
    log:
        "logs/{ds}/segment/{shard}.log",
    benchmark:
        "benchmarks/{ds}/segment/{shard}.tsv"
    conda:
        ENV_SEGMENT
    threads: res("segment", "threads")
    resources:
        mem_mb=res("segment", "mem_mb"),
        runtime=res("segment", "runtime"),
        gpu=res("segment", "gpu"),
    shell:
        "python -m videoaug.cli --log {log:q} segment --params {params.p:q} --manifest {input.manifest:q}"
        " --frames {input.frames:q} --out {output:q}"


rule masks_index:
    input:
        lambda w: l2a_masks_shards(w.ds),
    output:
        f"{CACHE}/{{ds}}/masks/index.json",
    log:
        "logs/{ds}/masks_index.log",
    conda:
        ENV_CORE
    threads: 1
    resources:
        mem_mb=res("default", "mem_mb"),
        runtime=res("default", "runtime"),
        gpu=0,
    shell:
        "python -m videoaug.cli --log {log:q} gather-masks --out {output:q} {input:q}"


rule inpaint:
    input:
        frames=f"{CACHE}/{{ds}}/frames/{{shard}}.h5",
        masks=f"{CACHE}/{{ds}}/masks/{{shard}}.h5",
    output:
        f"{CACHE}/{{ds}}/backgrounds/{{shard}}.h5",
    params:
        p=lambda w: as_json(params_l2a.l2a_inpaint_params(config, w.ds)),
    log:
        "logs/{ds}/inpaint/{shard}.log",
    benchmark:
        "benchmarks/{ds}/inpaint/{shard}.tsv"
    conda:
        ENV_CORE
    threads: res("inpaint", "threads")
    resources:
        mem_mb=res("inpaint", "mem_mb"),
        runtime=res("inpaint", "runtime"),
        gpu=0,
    shell:
        "python -m videoaug.cli --log {log:q} inpaint --params {params.p:q} --frames {input.frames:q}"
        " --masks {input.masks:q} --out {output:q}"


rule match_classes:
    input:
        manifest=f"{CACHE}/{{ds}}/manifest.json",
    output:
        f"{CACHE}/{{ds}}/matches.json",
    params:
        p=lambda w: as_json(params_l2a.l2a_match_params(config, w.ds)),
    log:
        "logs/{ds}/match_classes.log",
    conda:
        ENV_TEXT
    threads: res("match_classes", "threads")
    resources:
        mem_mb=res("match_classes", "mem_mb"),
        runtime=res("match_classes", "runtime"),
        gpu=0,
    shell:
        "python -m videoaug.cli --log {log:q} match-classes --params {params.p:q} --manifest {input.manifest:q}"
        " --out {output:q}"


rule figure_l2a_compositing:
    input:
        manifest=f"{CACHE}/{{ds}}/manifest.json",
        frames=lambda w: frames_shards(w.ds),
        masks=lambda w: l2a_masks_shards(w.ds),
        backgrounds=lambda w: l2a_background_shards(w.ds),
        matches=f"{CACHE}/{{ds}}/matches.json",
        masks_index=f"{CACHE}/{{ds}}/masks/index.json",
    output:
        report(
            "results/figures/{ds}_l2a_compositing.png",
            caption="../report/l2a_compositing.rst",
            category="L2A",
        ),
    params:
        pairs=config["l2a"]["figure_pairs"],
        frames_shown=config["l2a"]["figure_frames"],
        seed=config["seed"],
        alpha=config["l2a"]["alpha"],
    log:
        "logs/{ds}/figure_l2a_compositing.log",
    conda:
        ENV_CORE
    threads: 1
    resources:
        mem_mb=res("report", "mem_mb"),
        runtime=res("report", "runtime"),
        gpu=0,
    shell:
        "python -m videoaug.cli --log {log:q} figure-l2a --manifest {input.manifest:q} --frames {input.frames:q}"
        " --masks {input.masks:q} --backgrounds {input.backgrounds:q} --matches {input.matches:q}"
        " --pairs {params.pairs} --frames-shown {params.frames_shown} --seed {params.seed}"
        " --alpha {params.alpha}"
        " --out {output:q}"


# Learn2Augment part 2 (src/videoaug/methods/l2a/selector_stage.py): per-video features, the Selector
# trained with REINFORCE (resumable from selector.pt.partial) and the scored search space.
rule l2a_features:
    input:
        frames=lambda w: frames_shards(w.ds),
    output:
        f"{CACHE}/{{ds}}/l2a/features.h5",
    params:
        p=lambda w: as_json(params_l2a.l2a_selector_params(config, w.ds)),
    log:
        "logs/{ds}/l2a_features.log",
    benchmark:
        "benchmarks/{ds}/l2a_features.tsv"
    conda:
        ENV_CORE
    threads: res("train_selector", "threads")
    resources:
        mem_mb=res("train_selector", "mem_mb"),
        runtime=res("train_selector", "runtime"),
        gpu=0,
    shell:
        "python -m videoaug.cli --log {log:q} l2a-features --params {params.p:q} --frames {input.frames:q}"
        " --out {output:q}"


rule train_selector:
    input:
        manifest=f"{CACHE}/{{ds}}/manifest.json",
        frames=lambda w: frames_shards(w.ds),
        masks=lambda w: l2a_masks_shards(w.ds),
        backgrounds=lambda w: l2a_background_shards(w.ds),
        features=f"{CACHE}/{{ds}}/l2a/features.h5",
        matches=f"{CACHE}/{{ds}}/matches.json",
    output:
        model=f"{CACHE}/{{ds}}/l2a/selector.pt",
        log_json=f"{CACHE}/{{ds}}/l2a/selector_log.json",
    params:
        p=lambda w: as_json(params_l2a.l2a_selector_params(config, w.ds)),
    log:
        "logs/{ds}/train_selector.log",
    benchmark:
        "benchmarks/{ds}/train_selector.tsv"
    conda:
        ENV_CORE
    threads: res("train_selector", "threads")
    resources:
        mem_mb=res("train_selector", "mem_mb"),
        runtime=res("train_selector", "runtime"),
        gpu=0,
    shell:
        "python -m videoaug.cli --log {log:q} train-selector --params {params.p:q} --manifest {input.manifest:q}"
        " --frames {input.frames:q} --masks {input.masks:q} --backgrounds {input.backgrounds:q}"
        " --features {input.features:q} --matches {input.matches:q} --out {output.model:q}"


rule score_pairs:
    input:
        manifest=f"{CACHE}/{{ds}}/manifest.json",
        features=f"{CACHE}/{{ds}}/l2a/features.h5",
        matches=f"{CACHE}/{{ds}}/matches.json",
        selector=f"{CACHE}/{{ds}}/l2a/selector.pt",
    output:
        f"{CACHE}/{{ds}}/l2a/pairs.h5",
    params:
        p=lambda w: as_json(params_l2a.l2a_selector_params(config, w.ds)),
    log:
        "logs/{ds}/score_pairs.log",
    conda:
        ENV_CORE
    threads: 1
    resources:
        mem_mb=res("default", "mem_mb"),
        runtime=res("default", "runtime"),
        gpu=0,
    shell:
        "python -m videoaug.cli --log {log:q} score-pairs --params {params.p:q} --manifest {input.manifest:q}"
        " --features {input.features:q} --matches {input.matches:q}"
        " --selector {input.selector:q} --out {output:q}"


rule figure_l2a_selector:
    input:
        f"{CACHE}/{{ds}}/l2a/selector_log.json",
    output:
        report(
            "results/figures/{ds}_l2a_selector.png",
            caption="../report/l2a_selector.rst",
            category="L2A",
        ),
    log:
        "logs/{ds}/figure_l2a_selector.log",
    conda:
        ENV_CORE
    threads: 1
    resources:
        mem_mb=res("report", "mem_mb"),
        runtime=res("report", "runtime"),
        gpu=0,
    shell:
        "python -m videoaug.cli --log {log:q} figure-l2a-selector --log-json {input:q} --out {output:q}"


# The supervised classifier (src/videoaug/methods/l2a/train_stage.py): real clips + composites of the
# first l2a.budget pairs of pairs.h5 (method l2a), or real clips only (l2a_none, the baseline on the
# same recipe and seed stream), l2a_random (random pairs of the search space: no Selector) and
# l2a_actorcut (random pairs, boxes, raw backgrounds). results/seeds/ holds the other seeds.
rule train_l2a:
    input:
        unpack(l2a_train_inputs),
    output:
        result="results/{ds}_{method}.json",
        scores="results/scores/{ds}_{method}.npz",
    params:
        threads=config_threads("train_tda"),  # the same classifier recipe as the TDA runs
        p=lambda w: as_json(params_l2a.l2a_train_params(config, w.ds, w.method)),
        extra=lambda w, input: l2a_train_args(input),
    log:
        "logs/{ds}/train_l2a/{method}.log",
    benchmark:
        "benchmarks/{ds}/train_l2a/{method}.tsv"
    wildcard_constraints:
        method=L2A_TRAIN_METHODS,
    conda:
        ENV_CORE
    threads: res("train_tda", "threads")
    resources:
        mem_mb=res("train_tda", "mem_mb"),
        runtime=res("train_tda", "runtime"),
        gpu=res("train_tda", "gpu"),
    shell:
        "python -m videoaug.cli --log {log:q} --threads {params.threads} train-l2a --params {params.p:q}"
        " --manifest {input.manifest:q} --frames {input.frames:q}{params.extra}"
        " --out {output.result:q} --scores {output.scores:q}"


use rule train_l2a as train_l2a_seed with:
    output:
        result="results/seeds/{ds}_{method}_s{seed}.json",
        scores="results/scores/seeds/{ds}_{method}_s{seed}.npz",
    params:
        p=lambda w: as_json(params_l2a.l2a_train_params(config, w.ds, w.method, int(w.seed))),
        extra=lambda w, input: l2a_train_args(input),
    log:
        "logs/{ds}/train_l2a/{method}_s{seed}.log",
    benchmark:
        "benchmarks/{ds}/train_l2a/{method}_s{seed}.tsv"
    wildcard_constraints:
        method=L2A_TRAIN_METHODS,
        seed=r"\d+",


# Learn2Augment ablations (Tables 1 and 2; src/videoaug/methods/l2a/ablation.py): a Selector of its own
# for every ablation row that keeps the Selector (trained with the row's pairing and transform in its
# REINFORCE loop) and its scored search space, under cache/{ds}/l2a/ablate/{abl}/. The classifier
# runs are train_l2a/train_l2a_seed with the methods of l2a_ablation (same l2a.budget in every row).
use rule train_selector as train_selector_ablation with:
    output:
        model=f"{CACHE}/{{ds}}/l2a/ablate/{{abl}}/selector.pt",
        log_json=f"{CACHE}/{{ds}}/l2a/ablate/{{abl}}/selector_log.json",
    params:
        p=lambda w: as_json(params_l2a.ablation_selector_params(config, w.ds, w.abl)),
    log:
        "logs/{ds}/train_selector/{abl}.log",
    benchmark:
        "benchmarks/{ds}/train_selector/{abl}.tsv"
    wildcard_constraints:
        abl="|".join(l2a_ablation.SELECTOR_KEYS),


use rule score_pairs as score_pairs_ablation with:
    input:
        manifest=f"{CACHE}/{{ds}}/manifest.json",
        features=f"{CACHE}/{{ds}}/l2a/features.h5",
        matches=f"{CACHE}/{{ds}}/matches.json",
        selector=f"{CACHE}/{{ds}}/l2a/ablate/{{abl}}/selector.pt",
    output:
        f"{CACHE}/{{ds}}/l2a/ablate/{{abl}}/pairs.h5",
    params:
        p=lambda w: as_json(params_l2a.ablation_selector_params(config, w.ds, w.abl)),
    log:
        "logs/{ds}/score_pairs/{abl}.log",
    wildcard_constraints:
        abl="|".join(l2a_ablation.SELECTOR_KEYS),


# Gowda et al. 2022 Tables 1-5, the paper's numbers beside ours (src/videoaug/methods/l2a/gowda2022.py):
# mean +- std over report.seeds of results/seeds/ (Tables 1, 2, 5: report.datasets; Table 3: the
# semi-supervised runs at l2a.semi.fractions; Table 4: the few-shot runs on l2a.fewshot.dataset).
rule gowda2022_table:
    input:
        lambda w: gowda_report.table_inputs(config, int(w.n)),
    output:
        report("results/tables/gowda2022_table{n}.md", caption="../report/gowda2022.rst", category="L2A"),
    params:
        p=lambda w: as_json(gowda_report.table_params(config, int(w.n))),
    log:
        "logs/report/gowda2022_table{n}.log",
    wildcard_constraints:
        n="[1-5]",
    conda:
        ENV_CORE
    threads: 1
    resources:
        mem_mb=res("report", "mem_mb"),
        runtime=res("report", "runtime"),
        gpu=0,
    shell:
        "python -m videoaug.cli --log {log:q} gowda2022-table --table {wildcards.n} --params {params.p:q}"
        " --out {output:q}"


# Learn2Augment, semi-supervised setting (paper Sec. 5.2, Table 3; src/videoaug/methods/l2a/semi_stage.py).
# Per label fraction {p} (%, l2a.semi.fractions) and classifier seed: semi_teacher trains on the labelled
# videos only (the `none` result) and pseudo-labels the unlabelled ones; semi_selector retrains the Selector on
# the labelled + pseudo-labelled pool; train_semi trains each student (pseudolabel, cutmix, mixup, cutout,
# l2a). results/{ds}_{method}_semi{p}.json is the config.seed run (copied from results/seeds/).
SEMI_DIR = f"{CACHE}/{{ds}}/l2a/semi{{p}}/s{{seed}}"


rule semi_teacher:
    input:
        manifest=f"{CACHE}/{{ds}}/manifest.json",
        frames=lambda w: frames_shards(w.ds),
    output:
        result="results/seeds/{ds}_none_semi{p}_s{seed}.json",
        pseudo=f"{SEMI_DIR}/pseudo.json",
    params:
        threads=config_threads("train_tda"),  # the same classifier recipe as the TDA / L2A runs
        p=lambda w: as_json(params_l2a.l2a_semi_params(config, w.ds, "none", int(w.p), int(w.seed))),
    log:
        "logs/{ds}/l2a_semi/none_semi{p}_s{seed}.log",
    benchmark:
        "benchmarks/{ds}/l2a_semi/none_semi{p}_s{seed}.tsv"
    wildcard_constraints:
        p=r"\d+",
        seed=r"\d+",
    conda:
        ENV_CORE
    threads: res("train_tda", "threads")
    resources:
        mem_mb=res("train_tda", "mem_mb"),
        runtime=res("train_tda", "runtime"),
        gpu=res("train_tda", "gpu"),
    shell:
        "python -m videoaug.cli --log {log:q} --threads {params.threads} semi-teacher --params {params.p:q}"
        " --manifest {input.manifest:q} --frames {input.frames:q} --out {output.result:q}"
        " --pseudo-out {output.pseudo:q}"


rule semi_selector:
    input:
        manifest=f"{CACHE}/{{ds}}/manifest.json",
        frames=lambda w: frames_shards(w.ds),
        masks=lambda w: l2a_masks_shards(w.ds),
        backgrounds=lambda w: l2a_background_shards(w.ds),
        features=f"{CACHE}/{{ds}}/l2a/features.h5",
        matches=f"{CACHE}/{{ds}}/matches.json",
        pseudo=f"{SEMI_DIR}/pseudo.json",
    output:
        model=f"{SEMI_DIR}/selector.pt",
        log_json=f"{SEMI_DIR}/selector_log.json",
        pairs=f"{SEMI_DIR}/pairs.h5",
    params:
        p=lambda w: as_json(params_l2a.l2a_semi_params(config, w.ds, "l2a", int(w.p), int(w.seed))),
        selector=lambda w: as_json(params_l2a.l2a_semi_selector_params(config, w.ds, int(w.seed))),
    log:
        "logs/{ds}/l2a_semi/selector_semi{p}_s{seed}.log",
    benchmark:
        "benchmarks/{ds}/l2a_semi/selector_semi{p}_s{seed}.tsv"
    wildcard_constraints:
        p=r"\d+",
        seed=r"\d+",
    conda:
        ENV_CORE
    threads: res("train_selector", "threads")
    resources:
        mem_mb=res("train_selector", "mem_mb"),
        runtime=res("train_selector", "runtime"),
        gpu=0,
    shell:
        "python -m videoaug.cli --log {log:q} semi-selector --params {params.p:q}"
        " --selector-params {params.selector:q} --manifest {input.manifest:q} --frames {input.frames:q}"
        " --masks {input.masks:q} --backgrounds {input.backgrounds:q} --features {input.features:q}"
        " --matches {input.matches:q} --pseudo {input.pseudo:q} --out {output.model:q}"
        " --pairs-out {output.pairs:q}"


rule train_semi:
    input:
        unpack(l2a_semi_student_inputs),
    output:
        "results/seeds/{ds}_{method}_semi{p}_s{seed}.json",
    params:
        threads=config_threads("train_tda"),
        p=lambda w: as_json(params_l2a.l2a_semi_params(config, w.ds, w.method, int(w.p), int(w.seed))),
        extra=lambda w, input: l2a_train_args(input),
    log:
        "logs/{ds}/l2a_semi/{method}_semi{p}_s{seed}.log",
    benchmark:
        "benchmarks/{ds}/l2a_semi/{method}_semi{p}_s{seed}.tsv"
    wildcard_constraints:
        method="pseudolabel|cutmix|mixup|cutout|l2a",
        p=r"\d+",
        seed=r"\d+",
    conda:
        ENV_CORE
    threads: res("train_tda", "threads")
    resources:
        mem_mb=res("train_tda", "mem_mb"),
        runtime=res("train_tda", "runtime"),
        gpu=res("train_tda", "gpu"),
    shell:
        "python -m videoaug.cli --log {log:q} --threads {params.threads} train-semi --params {params.p:q}"
        " --manifest {input.manifest:q} --frames {input.frames:q} --pseudo {input.pseudo:q}{params.extra}"
        " --out {output:q}"


# The config.seed run under the seedless name the tables read (same bytes as its results/seeds/ file:
# training is deterministic, so rerunning it would only repeat the same work).
rule semi_default_seed:
    input:
        f"results/seeds/{{ds}}_{{method}}_semi{{p}}_s{config['seed']}.json",
    output:
        "results/{ds}_{method}_semi{p}.json",
    log:
        "logs/{ds}/l2a_semi/{method}_semi{p}_default.log",
    wildcard_constraints:
        method="none|pseudolabel|cutmix|mixup|cutout|l2a",
        p=r"\d+",
    conda:
        ENV_CORE
    threads: 1
    resources:
        mem_mb=res("default", "mem_mb"),
        runtime=res("default", "runtime"),
        gpu=0,
    shell:
        "cp {input:q} {output:q} 2> {log:q}"


# Learn2Augment few-shot (Table 4, src/videoaug/methods/l2a/fewshot_stage.py): a backbone on the seen classes +
# n labelled videos per novel class (pn_l2a adds their foreground-labelled composites), evaluated in
# N-way n-shot episodes with a prototype classifier. results/seeds/ holds the report.seeds runs.
rule l2a_fewshot:
    input:
        l2a_fewshot_targets(),
        l2a_fewshot_targets(config["report"]["seeds"]),


rule train_fewshot_seed:
    input:
        unpack(l2a_fewshot_inputs),
    output:
        "results/seeds/{ds}_fewshot_{method}_{n}shot_s{seed}.json",
    params:
        threads=config_threads("train_tda"),  # the same classifier recipe as the TDA/L2A runs
        p=lambda w: as_json(
            params_l2a.l2a_fewshot_params(config, w.ds, w.method, int(w.n), int(w.seed))
        ),
        extra=lambda w, input: l2a_fewshot_args(input),
    log:
        "logs/{ds}/train_fewshot/{method}_{n}shot_s{seed}.log",
    benchmark:
        "benchmarks/{ds}/train_fewshot/{method}_{n}shot_s{seed}.tsv"
    wildcard_constraints:
        method="pn|pn_l2a",
        n=r"\d+",
        seed=r"\d+",
    conda:
        ENV_CORE
    threads: res("train_tda", "threads")
    resources:
        mem_mb=res("train_tda", "mem_mb"),
        runtime=res("train_tda", "runtime"),
        gpu=res("train_tda", "gpu"),
    shell:
        "python -m videoaug.cli --log {log:q} --threads {params.threads} train-fewshot --params {params.p:q}"
        " --manifest {input.manifest:q} --frames {input.frames:q}{params.extra}"
        " --out {output:q}"


# The default-seed result is the seed run of config.seed (same params, so the same bytes of metrics):
# copied rather than trained twice.
rule train_fewshot:
    input:
        lambda w: f"results/seeds/{w.ds}_fewshot_{w.method}_{w.n}shot_s{config['seed']}.json",
    output:
        "results/{ds}_fewshot_{method}_{n}shot.json",
    log:
        "logs/{ds}/train_fewshot/{method}_{n}shot.log",
    wildcard_constraints:
        method="pn|pn_l2a",
        n=r"\d+",
    conda:
        ENV_CORE
    threads: 1
    resources:
        mem_mb=res("default", "mem_mb"),
        runtime=res("default", "runtime"),
        gpu=0,
    shell:
        "cp {input:q} {output:q} 2> {log:q}"
