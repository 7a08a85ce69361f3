# Figures and the experiment summary. Every rule is a thin shell over `dynsim figure`
# (dynsim.figures); the heatmaps, the panel and nothing else share one network order: the
# clustering of the first metric of compare.metrics (ORDER_MATRIX, rules/common.smk).

rule heatmap:
    input:
        matrix=f"{RESULTS}/similarity/{{metric}}.zarr",
        order=ORDER_MATRIX,
    output:
        report(
            f"{RESULTS}/figures/{{metric}}_heatmap.png",
            caption="../report/heatmap.rst",
            category="Similarity matrices",
        ),
    log:
        f"logs/{config['experiment']}/figures/{{metric}}_heatmap.log",
    resources:
        cpus_per_task=1,
        mem_mb=scaled(SMALL_MEM_MB),
        runtime=scaled(SMALL_MINUTES),
    conda:
        "../../envs/dynsim.yaml"
    shell:
        "dynsim figure {input.matrix} --kind heatmap --order-from {input.order} -o {output}"
        " > {log} 2>&1"


rule heatmap_panel:
    input:
        matrices=similarity_stores,
        order=ORDER_MATRIX,
    output:
        report(
            f"{RESULTS}/figures/heatmaps.png",
            caption="../report/panel.rst",
            category="Similarity matrices",
        ),
    log:
        f"logs/{config['experiment']}/figures/heatmaps.log",
    resources:
        cpus_per_task=1,
        mem_mb=scaled(SMALL_MEM_MB),
        runtime=scaled(SMALL_MINUTES),
    conda:
        "../../envs/dynsim.yaml"
    shell:
        "dynsim figure {input.matrices} --kind panel --order-from {input.order} -o {output}"
        " > {log} 2>&1"


rule learning_figure:
    input:
        f"{RESULTS}/similarity/{{metric}}_learning.zarr",
    output:
        report(
            f"{RESULTS}/figures/{{metric}}_learning.png",
            caption="../report/learning.rst",
            category="Over learning",
        ),
    log:
        f"logs/{config['experiment']}/figures/{{metric}}_learning.log",
    resources:
        cpus_per_task=1,
        mem_mb=scaled(SMALL_MEM_MB),
        runtime=scaled(SMALL_MINUTES),
    conda:
        "../../envs/dynsim.yaml"
    shell:
        "dynsim figure {input} --kind learning -o {output} > {log} 2>&1"


rule mds_map:
    input:
        f"{RESULTS}/similarity/{{metric}}.zarr",
    output:
        report(
            f"{RESULTS}/figures/{{metric}}_mds.png",
            caption="../report/mds.rst",
            category="Network maps",
        ),
    log:
        f"logs/{config['experiment']}/figures/{{metric}}_mds.log",
    resources:
        cpus_per_task=1,
        mem_mb=scaled(SMALL_MEM_MB),
        runtime=scaled(SMALL_MINUTES),
    conda:
        "../../envs/dynsim.yaml"
    shell:
        "dynsim figure {input} --kind mds -o {output} > {log} 2>&1"


rule metric_agreement:
    input:
        similarity_stores,
    output:
        report(
            f"{RESULTS}/figures/metric_agreement.png",
            caption="../report/agreement.rst",
            category="Network maps",
        ),
    log:
        f"logs/{config['experiment']}/figures/metric_agreement.log",
    resources:
        cpus_per_task=1,
        mem_mb=scaled(SMALL_MEM_MB),
        runtime=scaled(SMALL_MINUTES),
    conda:
        "../../envs/dynsim.yaml"
    shell:
        "dynsim figure {input} --kind agreement -o {output} > {log} 2>&1"


rule accuracy_figure:
    input:
        similarity_stores,
    output:
        report(
            f"{RESULTS}/figures/distance_vs_accuracy.png",
            caption="../report/accuracy.rst",
            category="Network maps",
        ),
    log:
        f"logs/{config['experiment']}/figures/distance_vs_accuracy.log",
    resources:
        cpus_per_task=1,
        mem_mb=scaled(SMALL_MEM_MB),
        runtime=scaled(SMALL_MINUTES),
    conda:
        "../../envs/dynsim.yaml"
    shell:
        "dynsim figure {input} --kind accuracy -o {output} > {log} 2>&1"


rule summary:
    input:
        # The activation stores, listed in a file (rule network_list): a command line of the
        # same length for 4 or 10,000 networks.
        networks=NETWORK_LIST,
        matrices=similarity_stores,
        figures=heatmaps,
    output:
        md=SUMMARY,
        # The same summary as an HTML page: the report shows it in a frame, tables as tables
        # (a Markdown result would show as its source text).
        html=report(
            f"{RESULTS}/summary.html", caption="../report/summary.rst", category="Summary"
        ),
    log:
        f"logs/{config['experiment']}/summary.log",
    resources:
        cpus_per_task=1,
        mem_mb=scaled(SMALL_MEM_MB),
        runtime=scaled(SMALL_MINUTES),
    conda:
        "../../envs/dynsim.yaml"
    shell:
        "dynsim summary --networks-from {input.networks} --matrices {input.matrices}"
        " -o {output.md} --html {output.html} > {log} 2>&1"
