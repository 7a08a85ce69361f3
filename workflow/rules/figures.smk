# Figures and the experiment summary.


rule heatmap:
    input:
        f"{RESULTS}/similarity/{{metric}}.zarr",
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
        "dynsim figure {input} -o {output} > {log} 2>&1"


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
        "dynsim figure {input} -o {output} > {log} 2>&1"


rule summary:
    input:
        networks=activation_stores,
        matrices=similarity_stores,
        figures=heatmaps,
    output:
        SUMMARY,
    log:
        f"logs/{config['experiment']}/summary.log",
    resources:
        cpus_per_task=1,
        mem_mb=scaled(SMALL_MEM_MB),
        runtime=scaled(SMALL_MINUTES),
    conda:
        "../../envs/dynsim.yaml"
    shell:
        "dynsim summary --networks {input.networks} --matrices {input.matrices}"
        " -o {output} > {log} 2>&1"
