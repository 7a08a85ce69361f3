# INSD analysis battery (dynsim.insd; its analyses: dynsim.insd.battery.ANALYSES): one job
# per analysis over every network of the experiment → data
# (results/<experiment>/battery/<analysis>.zarr) and a figure
# (results/<experiment>/figures/battery/<analysis>.png), then battery/summary.md.
# Included by the Snakefile when the config enables it (insd.enabled, or insd_<k> regimes).

INSD_NETWORK_ANALYSES = ["predictivity", "fixed_points", "decoding", "ood"]


# Every network's checkpoint, one per line, for `dynsim battery --checkpoints-from`: the
# analysis command line has the same length for 4 or 10,000 networks.
CHECKPOINT_LIST = f"{RESULTS}/battery/checkpoints.txt"


wildcard_constraints:
    analysis="|".join(INSD_NETWORK_ANALYSES),


localrules:
    checkpoint_list,


rule checkpoint_list:
    # Rewritten when a checkpoint changes, so the analyses rerun as when they named them.
    input:
        checkpoint_files,
    output:
        CHECKPOINT_LIST,
    log:
        f"logs/{config['experiment']}/battery/checkpoint_list.log",
    run:
        write_list(output[0], input, log[0])


rule insd_analysis:
    input:
        CHECKPOINT_LIST,
    output:
        data=directory(f"{RESULTS}/battery/{{analysis}}.zarr"),
        figure=report(
            f"{RESULTS}/figures/battery/{{analysis}}.png",
            caption="../report/insd.rst",
            category="INSD battery",
        ),
    params:
        options=battery_params_json,
        n_repeats=config["record"]["n_repeats"],
        seed=config["record"]["seed"],
    log:
        f"logs/{config['experiment']}/battery/{{analysis}}.log",
    threads: 1
    resources:
        cpus_per_task=cluster_cpus,
        mem_mb=scaled(BATTERY_MEM_MB),
        runtime=scaled(BATTERY_MINUTES),
    conda:
        "../../envs/dynsim.yaml"
    shell:
        "OMP_NUM_THREADS={threads} dynsim battery {wildcards.analysis} --checkpoints-from {input}"
        " --params-json {params.options:q} --n-repeats {params.n_repeats} --seed {params.seed}"
        " --out {output.data} --figure {output.figure} > {log} 2>&1"


rule insd_similarity:
    input:
        similarity_stores,
    output:
        data=directory(f"{RESULTS}/battery/similarity.zarr"),
        figure=report(
            f"{RESULTS}/figures/battery/similarity.png",
            caption="../report/insd.rst",
            category="INSD battery",
        ),
    log:
        f"logs/{config['experiment']}/battery/similarity.log",
    resources:
        cpus_per_task=1,
        mem_mb=scaled(SMALL_MEM_MB),
        runtime=scaled(SMALL_MINUTES),
    conda:
        "../../envs/dynsim.yaml"
    shell:
        "dynsim battery similarity --matrices {input} --out {output.data}"
        " --figure {output.figure} > {log} 2>&1"


rule insd_summary:
    input:
        expand(f"{RESULTS}/battery/{{analysis}}.zarr", analysis=INSD_NETWORK_ANALYSES),
        f"{RESULTS}/battery/similarity.zarr",
    output:
        f"{RESULTS}/battery/summary.md",
    log:
        f"logs/{config['experiment']}/battery/summary.log",
    resources:
        cpus_per_task=1,
        mem_mb=scaled(SMALL_MEM_MB),
        runtime=scaled(SMALL_MINUTES),
    conda:
        "../../envs/dynsim.yaml"
    shell:
        "dynsim battery summary --data {input} --out {output} > {log} 2>&1"
