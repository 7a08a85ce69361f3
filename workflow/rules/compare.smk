# One job per metric: every pair of networks, batched, in-process or on Ray inside the job; or,
# with compare.tile_pairs > 0, one job per tile (a block of model_a x model_b) and a merge job
# that writes the same store. No command line names the networks: they are listed in a file.


localrules:
    network_list,


rule network_list:
    # The activation stores of the fan-out, one per line: read by `dynsim compare
    # --inputs-from`, so a compare command line has the same length for 4 or 10,000 networks.
    # The compare jobs depend on the stores through this file (rewritten when one changes).
    input:
        activation_stores,
    output:
        NETWORK_LIST,
    log:
        f"logs/{config['experiment']}/compare/network_list.log",
    run:
        write_list(output[0], input, log[0])


if config["compare"]["tile_pairs"] > 0:

    rule compare_tile:
        input:
            NETWORK_LIST,
        output:
            f"{TILES}/{{metric}}/tile{{tile}}.npz",
        params:
            metric_params=metric_params_json,
            options=compare_options,
            pairs=config["compare"]["tile_pairs"],
        log:
            f"logs/{config['experiment']}/compare/{{metric}}/tile{{tile}}.log",
        threads: config["compare"]["threads"]
        resources:
            cpus_per_task=cluster_cpus,
            mem_mb=scaled(COMPARE_MEM_MB),
            runtime=scaled(COMPARE_MINUTES),
            gpu=CLUSTER["compare_gpus"],
        conda:
            "../../envs/dynsim.yaml"
        shell:
            "dynsim compare --inputs-from {input} --tile {wildcards.tile}"
            " --tile-pairs {params.pairs} --metric {wildcards.metric}"
            " --params-json {params.metric_params:q} {params.options} --threads {threads}"
            " --no-progress -o {output} > {log} 2>&1"

    rule merge_tiles:
        input:
            metric_tiles,
        output:
            directory(f"{RESULTS}/similarity/{{metric}}.zarr"),
        params:
            tiles=f"{TILES}/{{metric}}",
        log:
            f"logs/{config['experiment']}/compare/{{metric}}.log",
        resources:
            cpus_per_task=1,
            mem_mb=scaled(SMALL_MEM_MB),
            runtime=scaled(SMALL_MINUTES),
        conda:
            "../../envs/dynsim.yaml"
        shell:
            "dynsim merge {params.tiles} -o {output} > {log} 2>&1"

else:

    rule compare:
        input:
            NETWORK_LIST,
        output:
            directory(f"{RESULTS}/similarity/{{metric}}.zarr"),
        params:
            metric_params=metric_params_json,
            options=compare_options,
            # A hidden sibling of the output, deleted by the job once the matrix is written
            # (no shared parent directory is left behind); kept by an interrupted job to
            # resume from.
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
            "dynsim compare --inputs-from {input} --metric {wildcards.metric}"
            " --params-json {params.metric_params:q} {params.options} --threads {threads}"
            " --partial-dir {params.partial} --no-progress"
            # A diverged network is a NaN row with its reason, not a failed job (exit 3 =
            # nothing).
            " --allow-partial"
            " -o {output} > {log} 2>&1"


rule compare_learning:
    input:
        NETWORK_LIST,
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
        "dynsim compare --inputs-from {input} --metric {wildcards.metric}"
        " --params-json {params.metric_params:q} {params.options} --threads {threads}"
        " --over-learning {params.progress} --no-progress --allow-partial"
        " -o {output} > {log} 2>&1"
