# Cross-method leaderboard: every method registered in videoaug.report.methods (SPS, TDA, L2A, AVD) on one
# dataset, same split, same classifier seeds, each gain with its paired 95 % interval; and the claims table
# (src/videoaug/report/claims.yaml): which headline claim of the four papers the runs reproduce.

from videoaug.report import claims as claims_report
from videoaug.report import methods as leaderboard_methods


rule leaderboard:
    input:
        lambda w: leaderboard_methods.leaderboard_inputs(config, w.ds),
    output:
        md="results/tables/leaderboard_{ds}.md",
        html=report(
            "results/tables/leaderboard_{ds}.html",
            caption="../report/leaderboard_table.rst",
            category="Comparison",
            labels={"dataset": "{ds}", "item": "table"},
        ),
        csv=report(
            "results/tables/leaderboard_{ds}.csv",
            caption="../report/leaderboard_table.rst",
            category="Comparison",
            labels={"dataset": "{ds}", "item": "table (CSV)"},
        ),
        png=report(
            "results/figures/leaderboard_{ds}.png",
            caption="../report/leaderboard_figure.rst",
            category="Comparison",
            labels={"dataset": "{ds}", "item": "figure"},
        ),
    params:
        p=lambda w: as_json(leaderboard_methods.leaderboard_params(config, w.ds)),
    log:
        "logs/report/leaderboard_{ds}.log",
    benchmark:
        "benchmarks/report/leaderboard_{ds}.tsv"
    conda:
        ENV_CORE
    threads: 1
    resources:
        mem_mb=res("report", "mem_mb"),
        runtime=res("report", "runtime"),
        gpu=0,
    shell:
        "python -m videoaug.cli --log {log:q} leaderboard --params {params.p:q}"
        " --md {output.md:q} --csv {output.csv:q} --html {output.html:q} --png {output.png:q}"


rule claims:
    input:
        lambda w: claims_report.claims_inputs(config, w.ds),
    output:
        md=report(
            "results/tables/claims_{ds}.md",
            caption="../report/claims.rst",
            category="Comparison",
            labels={"dataset": "{ds}", "item": "claims"},
        ),
        csv=report(
            "results/tables/claims_{ds}.csv",
            caption="../report/claims.rst",
            category="Comparison",
            labels={"dataset": "{ds}", "item": "claims (CSV)"},
        ),
    params:
        p=lambda w: as_json(claims_report.claims_params(config, w.ds)),
    log:
        "logs/report/claims_{ds}.log",
    conda:
        ENV_CORE
    threads: 1
    resources:
        mem_mb=res("report", "mem_mb"),
        runtime=res("report", "runtime"),
        gpu=0,
    shell:
        "python -m videoaug.cli --log {log:q} claims --params {params.p:q}"
        " --md {output.md:q} --csv {output.csv:q}"


# `make report`: the comparison DAG on the report datasets (every family, its paper tables and figures,
# the leaderboards, the claims tables), then `snakemake --report results/report.html comparison`.
COMPARISON_DATASETS = leaderboard_methods.leaderboard_datasets(config)


rule comparison:
    input:
        # rule all's targets (the headline result and its figures)
        f"results/{config['dataset']}_sps.json",
        f"results/figures/{config['dataset']}_dynamic_images.png",
        f"results/figures/{config['dataset']}_gan_samples.png",
        expand("results/tables/leaderboard_{ds}.md", ds=COMPARISON_DATASETS),
        expand("results/figures/leaderboard_{ds}.png", ds=COMPARISON_DATASETS),
        expand("results/tables/claims_{ds}.md", ds=COMPARISON_DATASETS),
        # SPS (Zhang et al. 2020)
        "results/tables/zhang2020_fig4.md",
        "results/figures/zhang2020_fig5.png",
        # TDA (Kim et al. 2020)
        "results/tables/kim2020_tables.md",
        f"results/figures/{config['dataset']}_tda_gallery.png",
        # L2A (Gowda et al. 2022): the supervised tables (3: semi-supervised, 4: few-shot on synth10 are
        # their own targets), the compositing and Selector figures
        expand("results/tables/gowda2022_table{n}.md", n=[1, 2, 5]),
        expand("results/figures/{ds}_l2a_compositing.png", ds=COMPARISON_DATASETS),
        expand("results/figures/{ds}_l2a_selector.png", ds=COMPARISON_DATASETS),
        # AVD (Tavakolian et al. 2019)
        expand("results/tables/tavakolian2019_table{n}.md", n=[1, 2, 3, 4]),
        expand("results/figures/{ds}_avd.png", ds=COMPARISON_DATASETS),
