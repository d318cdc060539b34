# Cross-method leaderboard (issue 13): every method registered in videoaug.report.methods (SPS, TDA,
# and each family that registers there) on one dataset, same split, same classifier seeds.

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


# `make report`: the comparison DAG on the default dataset (every family, its paper tables and
# figures, the leaderboards), then `snakemake --report results/report.html comparison`.
rule comparison:
    input:
        # rule all's targets (the headline result and its figures)
        f"results/{config['dataset']}_sps.json",
        f"results/figures/{config['dataset']}_dynamic_images.png",
        f"results/figures/{config['dataset']}_gan_samples.png",
        expand("results/tables/leaderboard_{ds}.md", ds=leaderboard_methods.leaderboard_datasets(config)),
        expand("results/figures/leaderboard_{ds}.png", ds=leaderboard_methods.leaderboard_datasets(config)),
        "results/tables/zhang2020_fig4.md",
        "results/figures/zhang2020_fig5.png",
        "results/tables/kim2020_tables.md",
        "results/figures/tda_gallery.png",
