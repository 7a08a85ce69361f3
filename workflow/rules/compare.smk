# One job per metric: every pair of networks, batched, in-process or on Ray inside the job.


rule compare:
    input:
        activation_stores,
    output:
        directory(f"{RESULTS}/similarity/{{metric}}.zarr"),
    params:
        metric_params=metric_params_json,
        options=compare_options,
        # A hidden sibling of the output, deleted by the job once the matrix is written (no
        # shared parent directory is left behind); kept by an interrupted job to resume from.
        partial=f"{RESULTS}/similarity/.{{metric}}.partial",
    log:
        f"logs/{config['experiment']}/compare/{{metric}}.log",
    threads: config["compare"]["threads"]
    resources:
        cpus_per_task=cluster_cpus,
        mem_mb=scaled(COMPARE_MEM_MB),
        runtime=scaled(COMPARE_MINUTES),
        gpu=CLUSTER["compare_gpus"],
    conda:
        "../../envs/dynsim.yaml"
    shell:
        "dynsim compare {input} --metric {wildcards.metric} --params-json {params.metric_params:q}"
        " {params.options} --threads {threads} --partial-dir {params.partial} --no-progress"
        # A diverged network is a NaN row with its reason, not a failed job (exit 3 = nothing).
        " --allow-partial"
        " -o {output} > {log} 2>&1"


rule compare_learning:
    input:
        activation_stores,
    output:
        directory(f"{RESULTS}/similarity/{{metric}}_learning.zarr"),
    params:
        metric_params=metric_params_json,
        options=compare_options,
        progress=",".join(str(p) for p in config["compare"]["learning"]),
    log:
        f"logs/{config['experiment']}/compare/{{metric}}_learning.log",
    threads: config["compare"]["threads"]
    resources:
        cpus_per_task=cluster_cpus,
        mem_mb=scaled(COMPARE_MEM_MB),
        runtime=scaled(COMPARE_MINUTES),
        gpu=CLUSTER["compare_gpus"],
    conda:
        "../../envs/dynsim.yaml"
    shell:
        "dynsim compare {input} --metric {wildcards.metric} --params-json {params.metric_params:q}"
        " {params.options} --threads {threads} --over-learning {params.progress} --no-progress"
        " --allow-partial"
        " -o {output} > {log} 2>&1"
