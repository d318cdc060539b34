# Paper tables and figures from results/*.json (paper numbers beside ours).

ZHANG_METHODS = ["ssdi", "rnd", "tsp", "sps"]
ZHANG_TABLE2_METHODS = ["ssdi_nohf", "ssdi_noccs", "sps_plain", "sps_noccs", "sps_nohf", "ssdi", "sps"]
ZHANG_TABLE3_METHODS = ["ssdi", "sps", "ssdi_fused", "sps_fused"]


rule report_zhang2020:
    input:
        # the config-seed results (results/{ds}_{method}.json) are shown when present, not required
        seeds=expand(
            "results/seeds/{ds}_{method}_s{seed}.json",
            ds=report_datasets(config, "sps"),
            method=ZHANG_METHODS,
            seed=config["report"]["seeds"],
        ),
        scores=expand(
            "results/scores/seeds/{ds}_{method}_s{seed}.npz",
            ds=config["report"]["datasets"],
            method=ZHANG_METHODS,
            seed=config["report"]["seeds"],
        ),
    output:
        fig4=report("results/tables/zhang2020_fig4.md", caption="../report/zhang2020_fig4.rst", category="SPS"),
        fig5=report("results/figures/zhang2020_fig5.png", caption="../report/zhang2020_fig5.rst", category="SPS"),
    params:
        datasets=report_datasets(config, "sps"),
        seeds=config["report"]["seeds"],
    log:
        "logs/report/zhang2020.log",
    benchmark:
        "benchmarks/report/zhang2020.tsv"
    conda:
        ENV_CORE
    threads: 1
    resources:
        mem_mb=res("report", "mem_mb"),
        runtime=res("report", "runtime"),
        gpu=0,
    shell:
        "python -m videoaug.cli --log {log:q} report-zhang2020 --datasets {params.datasets:q} --seeds {params.seeds:q}"
        " --fig4 {output.fig4:q} --fig5 {output.fig5:q}"


rule report_zhang2020_table2:
    input:
        expand("results/{ds}_{method}.json", ds=report_datasets(config, "sps"), method=ZHANG_TABLE2_METHODS),
        expand("results/scores/{ds}_{method}.npz", ds=report_datasets(config, "sps"), method=ZHANG_TABLE2_METHODS),
    output:
        report("results/tables/zhang2020_table2.md", caption="../report/zhang2020_table2.rst", category="SPS"),
    params:
        datasets=report_datasets(config, "sps"),
    log:
        "logs/report/zhang2020_table2.log",
    benchmark:
        "benchmarks/report/zhang2020_table2.tsv"
    conda:
        ENV_CORE
    threads: 1
    resources:
        mem_mb=res("report", "mem_mb"),
        runtime=res("report", "runtime"),
        gpu=0,
    shell:
        "python -m videoaug.cli --log {log:q} report-zhang2020 --datasets {params.datasets:q}"
        " --table2 {output:q}"


rule report_zhang2020_table3:
    input:
        expand(
            "results/{ds}_{method}.json",
            ds=config["report"]["imbalance_datasets"],
            method=ZHANG_TABLE3_METHODS,
        ),
        expand(
            "results/scores/{ds}_{method}.npz",
            ds=config["report"]["imbalance_datasets"],
            method=ZHANG_TABLE3_METHODS,
        ),
    output:
        report("results/tables/zhang2020_table3.md", caption="../report/zhang2020_table3.rst", category="SPS"),
    params:
        # dataset -> classes cut to few training videos; an empty list fails in the job with a message
        limited_classes=as_json(
            {
                ds: ds_cfg(ds).get("train_limit_classes") or []
                for ds in config["report"]["imbalance_datasets"]
            }
        ),
    log:
        "logs/report/zhang2020_table3.log",
    benchmark:
        "benchmarks/report/zhang2020_table3.tsv"
    conda:
        ENV_CORE
    threads: 1
    resources:
        mem_mb=res("report", "mem_mb"),
        runtime=res("report", "runtime"),
        gpu=0,
    shell:
        "python -m videoaug.cli --log {log:q} report-zhang2020 --limited-classes {params.limited_classes:q}"
        " --table3 {output:q}"
