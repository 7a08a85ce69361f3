# One job per network: train (a Ray task) → record activity at every checkpoint (Zarr).
# A network that shares another's training (Yang-family multitask) copies its checkpoint.


rule train:
    input:
        # Functions only when the fan-out needs them (one call per job costs at 10,000 jobs).
        previous=previous_links if HAS_CHAINS else [],  # INSD link k: links 0..k-1 of its chain
        same=training_source if TRAINING_SOURCES else [],  # the network trained in its place
    output:
        f"{RESULTS}/checkpoints/{NETWORK_PATH}.pt",
    params:
        spec=network_spec_json,
        ray=RAY_OPTIONS,
    log:
        f"logs/{config['experiment']}/train/{NETWORK_PATH}.log",
    threads: TRAIN_THREADS
    group: network_group
    resources:
        cpus_per_task=cluster_cpus,
        mem_mb=scaled(TRAIN_MEM_MB),
        runtime=scaled(TRAIN_MINUTES),
        gpu=CLUSTER["train_gpus"],
    conda:
        "../../envs/dynsim.yaml"
    shell:
        "dynsim train --spec {params.spec:q} --out {output} --threads {threads} {params.ray}"
        " --same-training-as {input.same} --previous {input.previous} > {log} 2>&1"


if STACKED:
    # training.stack_seeds: the seeds of a stackable network train in one job (see the
    # schema); every other network keeps the per-network rule above.

    ruleorder: train_seeds > train

    rule train_seeds:
        output:
            [
                f"{RESULTS}/checkpoints/{GROUP_PATH}/seed{seed}.pt"
                for seed in sorted(config["seeds"])
            ],
        params:
            specs=stacked_specs_json,
        log:
            f"logs/{config['experiment']}/train/{GROUP_PATH}/stacked.log",
        wildcard_constraints:
            # Only the architectures and regimes of the stacked groups (dynsim.spec.can_stack decides).
            arch="|".join(sorted({s.arch for group in STACKED.values() for s in group})),
            regime="|".join(sorted({s.regime for group in STACKED.values() for s in group})),
        threads: TRAIN_THREADS
        group: network_group
        resources:
            cpus_per_task=cluster_cpus,
            mem_mb=scaled(TRAIN_MEM_MB),
            runtime=scaled(TRAIN_MINUTES),
            gpu=CLUSTER["train_gpus"],
        conda:
            "../../envs/dynsim.yaml"
        shell:
            "dynsim train-seeds --specs {params.specs:q} --out {output} --threads {threads}"
            " > {log} 2>&1"


rule record:
    input:
        rules.train.output,
    output:
        directory(f"{RESULTS}/activations/{NETWORK_PATH}.zarr"),
    params:
        n_repeats=config["record"]["n_repeats"],
        seed=config["record"]["seed"],
    log:
        f"logs/{config['experiment']}/record/{NETWORK_PATH}.log",
    group: network_group
    resources:
        cpus_per_task=1,
        mem_mb=scaled(RECORD_MEM_MB),
        runtime=scaled(RECORD_MINUTES),
    conda:
        "../../envs/dynsim.yaml"
    shell:
        "dynsim record --checkpoint {input} --out {output}"
        " --n-repeats {params.n_repeats} --seed {params.seed} > {log} 2>&1"
