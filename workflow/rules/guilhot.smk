# Guilhot et al. 2024 reproduction (config key `guilhot`): the attractor test case, every
# group's dissimilarity to master under each axis orientation, and the generated docs page.
# The logic lives in dynsim.reproductions (guilhot2024, guilhot_run); these rules wire files.

GUILHOT = config["guilhot"]
GUILHOT_DIR = f"{RESULTS}/guilhot"
GUILHOT_ATTRACTOR = GUILHOT.get("attractor", {})
GUILHOT_PROGRESS = GUILHOT.get("progress") or config["training"]["checkpoints"]

# The paper's configuration filters (guilhot.master_accuracy, guilhot.activations; absent =
# off) and the other families' tables, as options of guilhot_run.
_MASTER_ACCURACY = GUILHOT.get("master_accuracy")
_ACTIVATIONS = ",".join(GUILHOT.get("activations") or [])
GUILHOT_FILTERS = " ".join(
    [
        f"--master-accuracy {_MASTER_ACCURACY}" if _MASTER_ACCURACY is not None else "",
        f"--activations {_ACTIVATIONS}" if _ACTIVATIONS else "",
        f"--families-json '{json.dumps(GUILHOT.get('families_from', {}))}'",
    ]
)


rule guilhot_attractor:
    output:
        summary=f"{GUILHOT_DIR}/attractor/summary.csv",
        figure=report(
            f"{GUILHOT_DIR}/attractor/attractor.png",
            caption="../report/guilhot_attractor.rst",
            category="Guilhot et al. 2024",
        ),
    params:
        outdir=lambda wildcards, output: os.path.dirname(output.summary),
        n_trials=GUILHOT_ATTRACTOR.get("n_trials", 200),
        max_pairs=(
            f"--max-pairs {GUILHOT_ATTRACTOR['max_pairs']}"
            if GUILHOT_ATTRACTOR.get("max_pairs")
            else ""
        ),
        n_starts=GUILHOT_ATTRACTOR.get("n_starts", 24),
        seed=GUILHOT_ATTRACTOR.get("seed", 0),
        motif_systems=(
            f"--motif-systems {GUILHOT_ATTRACTOR['motif_systems']}"
            if GUILHOT_ATTRACTOR.get("motif_systems")
            else ""
        ),
    log:
        f"logs/{config['experiment']}/guilhot/attractor.log",
    resources:
        cpus_per_task=1,
        mem_mb=scaled(SYSTEMS_MEM_MB),
        runtime=scaled(SYSTEMS_MINUTES),
    conda:
        "../../envs/dynsim.yaml"
    shell:
        "python -m dynsim.reproductions.guilhot_run attractor --outdir {params.outdir}"
        " --n-trials {params.n_trials} {params.max_pairs} --n-starts {params.n_starts}"
        " --seed {params.seed} {params.motif_systems} > {log} 2>&1"


rule guilhot_groups:
    input:
        # The activation stores listed in a file (rule network_list): a short command line.
        NETWORK_LIST,
    output:
        table=f"{GUILHOT_DIR}/groups.csv",
        figure=report(
            f"{GUILHOT_DIR}/groups.png",
            caption="../report/guilhot_groups.rst",
            category="Guilhot et al. 2024",
        ),
    params:
        metrics=lambda wildcards: json.dumps(config["compare"]["metrics"]),
        protocols=",".join(GUILHOT.get("protocols", ["correct", "guilhot2024"])),
        epoch=GUILHOT.get("epoch", "stimulus"),
    log:
        f"logs/{config['experiment']}/guilhot/groups.log",
    resources:
        cpus_per_task=1,
        mem_mb=scaled(SYSTEMS_MEM_MB),
        runtime=scaled(SYSTEMS_MINUTES),
    conda:
        "../../envs/dynsim.yaml"
    shell:
        "python -m dynsim.reproductions.guilhot_run groups --inputs-from {input}"
        " --metrics-json {params.metrics:q} --protocols {params.protocols}"
        " --epoch {params.epoch} -o {output.table} --figure {output.figure} > {log} 2>&1"


rule guilhot_learning:
    input:
        NETWORK_LIST,
    output:
        table=f"{GUILHOT_DIR}/learning.csv",
        figure=report(
            f"{GUILHOT_DIR}/learning.png",
            caption="../report/guilhot_learning.rst",
            category="Guilhot et al. 2024",
        ),
    params:
        metrics=lambda wildcards: json.dumps(config["compare"]["metrics"]),
        progress=",".join(str(p) for p in GUILHOT_PROGRESS),
        epoch=GUILHOT.get("epoch", "stimulus"),
    log:
        f"logs/{config['experiment']}/guilhot/learning.log",
    resources:
        cpus_per_task=1,
        mem_mb=scaled(SYSTEMS_MEM_MB),
        runtime=scaled(SYSTEMS_MINUTES),
    conda:
        "../../envs/dynsim.yaml"
    shell:
        "python -m dynsim.reproductions.guilhot_run learning --inputs-from {input}"
        " --metrics-json {params.metrics:q} --progress {params.progress}"
        " --epoch {params.epoch} -o {output.table} --figure {output.figure} > {log} 2>&1"


rule guilhot_accuracy:
    input:
        f"{GUILHOT_DIR}/groups.csv",
    output:
        table=f"{GUILHOT_DIR}/accuracy_spearman.csv",
        figure=report(
            f"{GUILHOT_DIR}/accuracy.png",
            caption="../report/guilhot_accuracy.rst",
            category="Guilhot et al. 2024",
        ),
    params:
        filters=GUILHOT_FILTERS,
    log:
        f"logs/{config['experiment']}/guilhot/accuracy.log",
    resources:
        cpus_per_task=1,
        mem_mb=scaled(SMALL_MEM_MB),
        runtime=scaled(SMALL_MINUTES),
    conda:
        "../../envs/dynsim.yaml"
    shell:
        "python -m dynsim.reproductions.guilhot_run accuracy --groups {input}"
        " {params.filters} -o {output.table} --figure {output.figure} > {log} 2>&1"


rule guilhot_families:
    input:
        f"{GUILHOT_DIR}/groups.csv",
    output:
        table=f"{GUILHOT_DIR}/families.csv",
        figure=report(
            f"{GUILHOT_DIR}/families.png",
            caption="../report/guilhot_families.rst",
            category="Guilhot et al. 2024",
        ),
    params:
        filters=GUILHOT_FILTERS,
    log:
        f"logs/{config['experiment']}/guilhot/families.log",
    resources:
        cpus_per_task=1,
        mem_mb=scaled(SMALL_MEM_MB),
        runtime=scaled(SMALL_MINUTES),
    conda:
        "../../envs/dynsim.yaml"
    shell:
        "python -m dynsim.reproductions.guilhot_run families --groups {input}"
        " {params.filters} -o {output.table} --figure {output.figure} > {log} 2>&1"


rule guilhot_docs:
    input:
        groups=f"{GUILHOT_DIR}/groups.csv",
        attractor=f"{GUILHOT_DIR}/attractor/summary.csv",
        learning=f"{GUILHOT_DIR}/learning.csv",
        # The page's figures (rule all asks for the page only, so they are built with it).
        figures=[
            f"{GUILHOT_DIR}/{name}.png"
            for name in ("groups", "learning", "accuracy", "families")
        ],
    output:
        report(
            f"{GUILHOT_DIR}/guilhot2024.md",
            caption="../report/guilhot_docs.rst",
            category="Guilhot et al. 2024",
        ),
    params:
        metrics=lambda wildcards: json.dumps(config["compare"]["metrics"]),
        filters=GUILHOT_FILTERS,
    log:
        f"logs/{config['experiment']}/guilhot/docs.log",
    resources:
        cpus_per_task=1,
        mem_mb=scaled(SMALL_MEM_MB),
        runtime=scaled(SMALL_MINUTES),
    conda:
        "../../envs/dynsim.yaml"
    shell:
        "python -m dynsim.reproductions.guilhot_run docs --groups {input.groups}"
        " --attractor {input.attractor} --learning {input.learning}"
        " --metrics-json {params.metrics:q} {params.filters} -o {output} > {log} 2>&1"


rule guilhot:
    input:
        f"{GUILHOT_DIR}/guilhot2024.md",
        f"{GUILHOT_DIR}/groups.png",
        f"{GUILHOT_DIR}/learning.png",
        f"{GUILHOT_DIR}/accuracy.png",
        f"{GUILHOT_DIR}/families.png",
        f"{GUILHOT_DIR}/attractor/attractor.png",
