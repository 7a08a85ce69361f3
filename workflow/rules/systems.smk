# Ground-truth bench (dynsim.bench) on synthetic dynamical systems (dynsim.systems): which
# metric sees dynamics?
# `snakemake --cores 2 systems_bench` runs every case with every available metric
# (size and seed from the config's `systems` section; the small size by default).


rule systems_bench:
    output:
        table=f"{RESULTS}/systems/results.md",
        csv=f"{RESULTS}/systems/results.csv",
        figure=report(
            f"{RESULTS}/systems/systems.png",
            caption="../report/systems.rst",
            category="Ground-truth bench",
        ),
    params:
        size=config["systems"]["size"],
        seed=config["systems"]["seed"],
    log:
        f"logs/{config['experiment']}/systems/systems_bench.log",
    threads: 1
    resources:
        cpus_per_task=cluster_cpus,
        mem_mb=scaled(SYSTEMS_MEM_MB),
        runtime=scaled(SYSTEMS_MINUTES),
    conda:
        "../../envs/dynsim.yaml"
    shell:
        "OMP_NUM_THREADS={threads} OPENBLAS_NUM_THREADS={threads} dynsim systems-bench"
        " --out $(dirname {output.table}) --size {params.size} --seed {params.seed}"
        " > {log} 2>&1"
