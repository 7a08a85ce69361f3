# One job per network: train (a Ray task) → record activity at every checkpoint (Zarr).


rule train:
    input:
        previous=previous_links,  # INSD link k: links 0..k-1 of its chain
    output:
        f"{RESULTS}/checkpoints/{NETWORK_PATH}.pt",
    params:
        spec=network_spec_json,
        ray=ray_options,
    log:
        f"logs/{config['experiment']}/train/{NETWORK_PATH}.log",
    threads: 1
    conda:
        "../../envs/dynsim.yaml"
    shell:
        "dynsim train --spec {params.spec:q} --out {output} --threads {threads} {params.ray}"
        " --previous {input.previous} > {log} 2>&1"


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
    conda:
        "../../envs/dynsim.yaml"
    shell:
        "dynsim record --checkpoint {input} --out {output}"
        " --n-repeats {params.n_repeats} --seed {params.seed} > {log} 2>&1"
