# Config validation and input functions shared by every rule.
import json
import os
import sys

import dynsim.config
import dynsim.grid
import dynsim.regimes
import dynsim.spec

# One validation for the workflow and `dynsim check-config` (dynsim.config.validate, on the
# config Snakemake merged, which dynsim.config.load reproduces): NaN/inf, the schema
# (workflow/schemas/config.schema.yaml, fills defaults), names, then every nested section
# built. Overlays' empty mappings, which the merge would silently ignore, are refused too.
# A ConfigError's message comes first and names the key; Snakemake adds a few lines after.
try:
    dynsim.config.check_overlays(
        dynsim.config.read(os.path.join(workflow.basedir, dynsim.config.DEFAULT_CONFIG)),
        [(str(f), dynsim.config.read(f)) for f in workflow.overwrite_configfiles],
    )
    dynsim.config.validate(config)
except dynsim.config.ConfigError as err:
    # The message names the key; Snakemake's traceback of this file would only bury it.
    sys.exit(f"ConfigError: {err}")

RESULTS = f"results/{config['experiment']}"
SPECS = {spec.key: spec for spec in dynsim.config.network_specs(config)}
# {task}/{arch}/{regime}/seed{seed}; with a hyperparameter grid a {variant} level before the seed.
NETWORK_PATH = dynsim.config.network_path(config)
SUMMARY = f"{RESULTS}/summary.md"


wildcard_constraints:
    task="[A-Za-z0-9_]+",
    arch="[A-Za-z0-9_]+",
    regime="[A-Za-z0-9_]+",
    variant=dynsim.grid.VARIANT_PATTERN,
    seed="[0-9]+",
    tile="[0-9][0-9][0-9][0-9][0-9]+",
    metric="[A-Za-z0-9]+(_[A-Za-z0-9]+)*?(?<!_learning)",


def network_spec_json(wildcards):
    """The JSON spec of the network named by the wildcards (checked against the fan-out)."""
    key = NETWORK_PATH.format(**wildcards)
    if key not in SPECS:
        raise ValueError(f"network {key} is not part of experiment {config['experiment']}")
    return json.dumps(SPECS[key].to_dict(), sort_keys=True)


# training.stack_seeds: group path (network path without the seed) → specs trained together.
STACKED = dynsim.config.stacked_groups(config)
GROUP_PATH = dynsim.spec.group_path_pattern(dynsim.config.has_grid(config))


def stacked_specs_json(wildcards):
    """The JSON specs of the seeds trained together in the group named by the wildcards."""
    key = GROUP_PATH.format(**wildcards)
    if key not in STACKED:
        raise ValueError(f"networks {key}/seed* are not trained stacked in this experiment")
    return json.dumps([spec.to_dict() for spec in STACKED[key]], sort_keys=True)


# Networks that reuse another's training (Yang-family multitask networks of other task names).
TRAINING_SOURCES = dynsim.config.training_sources(config, SPECS.values())
# Whether any network trains against earlier links of an INSD chain (regime insd_<k>, k > 0).
HAS_CHAINS = any((dynsim.regimes.insd_position(spec.regime) or 0) > 0 for spec in SPECS.values())


def training_source(wildcards):
    """The checkpoint of the network whose training this one reuses, if any (see
    dynsim.spec.same_training); else none."""
    source = TRAINING_SOURCES.get(NETWORK_PATH.format(**wildcards))
    return [] if source is None else [f"{RESULTS}/checkpoints/{source}.pt"]


def previous_links(wildcards):
    """For link k of an INSD chain (regime insd_<k>): the checkpoints of links 0..k-1 of the
    same task, architecture, (grid variant) and seed, which its training is penalised
    against; else none."""
    links = dynsim.config.previous_links(config, wildcards)
    return [f"{RESULTS}/checkpoints/{link}.pt" for link in links]


def insd_targets(wildcards=None):
    """The INSD battery's figures and summary (workflow/rules/insd.smk), when it is enabled."""
    if not dynsim.config.insd_enabled(config):
        return []
    names = ["predictivity", "similarity", "fixed_points", "decoding", "ood"]
    figures = [f"{RESULTS}/figures/battery/{name}.png" for name in names]
    return [f"{RESULTS}/battery/summary.md", *figures]


def checkpoint_files(wildcards=None):
    """Every network's checkpoint file, in the fan-out's order."""
    return [f"{RESULTS}/checkpoints/{key}.pt" for key in SPECS]


def battery_params_json(wildcards):
    """Parameters of one INSD battery analysis (config insd.battery.<analysis>) as JSON."""
    return json.dumps(config["insd"]["battery"][wildcards.analysis])


def activation_stores(wildcards=None):
    """Every network's activation store, in the fan-out's order."""
    return [f"{RESULTS}/activations/{key}.zarr" for key in SPECS]


# The activation stores listed for `dynsim compare --inputs-from` and `dynsim summary
# --networks-from` (no command line grows with the networks); tiles of compare.tile_pairs.
NETWORK_LIST = f"{RESULTS}/similarity/networks.txt"
TILES = f"{RESULTS}/similarity/.tiles"


def write_list(path, items, log):
    """Write ``items`` one per line to ``path`` (a list file read by a ``--...-from FILE``
    option), their count to ``log``."""
    with open(path, "w") as listing:
        listing.writelines(f"{item}\n" for item in items)
    with open(log, "w") as note:
        note.write(f"{len(items)} files listed in {path}\n")


def metric_tiles(wildcards):
    """Every tile of one metric's matrix (compare.tile_pairs pairs each)."""
    from dynsim.pairwise.engine import make_metric
    from dynsim.pairwise.tiles import n_tiles, tile_file

    cmp = config["compare"]
    metric = make_metric(wildcards.metric, cmp["metrics"][wildcards.metric])
    count = n_tiles(len(SPECS), metric.symmetric, cmp["batch_size"], cmp["tile_pairs"])
    return [f"{TILES}/{wildcards.metric}/{tile_file(k)}" for k in range(count)]


def metric_params_json(wildcards):
    return json.dumps(config["compare"]["metrics"][wildcards.metric] or {})


def compare_options(wildcards):
    """Selection and engine options of the compare job, as command-line flags."""
    cmp = config["compare"]
    flags = [f"--checkpoint {cmp['checkpoint']}", f"--backend {cmp['backend']}",
             f"--batch-size {cmp['batch_size']}"]
    epochs = cmp["epoch"]
    for epoch in [epochs] if isinstance(epochs, str) else (epochs or []):
        flags.append(f"--epoch {epoch}")
    for label, values in cmp["trials"].items():
        flags.append(f"--trials {label}={','.join(json.dumps(v) for v in values)}")
    for label in cmp["average_over"]:
        flags.append(f"--average-over {label}")
    normalize = cmp.get("time_normalize")
    if normalize and wildcards.metric in (normalize["metrics"] or cmp["metrics"]):
        for phase, steps in normalize["phases"].items():
            flags.append(f"--time-normalize {phase}={steps}")
    if config["ray"]["address"]:
        flags.append(f"--ray-address {config['ray']['address']}")
    return " ".join(flags)


def ray_options(wildcards=None):
    ray = config["ray"]
    flags = [f"--object-store-mb {ray['object_store_mb']}", f"--ray {ray['training']}"]
    if ray["address"]:
        flags.append(f"--ray-address {ray['address']}")
    return " ".join(flags)


# Parse-time constants where a per-job function would give every job the same value: each
# function Snakemake calls per job costs it a signature inspection (measured: the largest
# single cost of `snakemake -n` for 10,000 networks; docs/cluster.md).
RAY_OPTIONS = ray_options()


def similarity_stores(wildcards=None):
    return expand(f"{RESULTS}/similarity/{{metric}}.zarr", metric=config["compare"]["metrics"])


# The heatmaps and the panel share one network order: the clustering of the first metric.
ORDER_METRIC = next(iter(config["compare"]["metrics"]))
ORDER_MATRIX = f"{RESULTS}/similarity/{ORDER_METRIC}.zarr"


def talk_figures(wildcards=None):
    """The figures beyond the per-metric heatmaps and learning curves: the multi-metric
    heatmap panel, an MDS map per metric, the metrics' agreement (with two metrics or more)
    and distance against accuracy difference. Cheap (matplotlib on the matrices)."""
    metrics = list(config["compare"]["metrics"])
    figures = [f"{RESULTS}/figures/heatmaps.png", f"{RESULTS}/figures/distance_vs_accuracy.png"]
    figures += expand(f"{RESULTS}/figures/{{metric}}_mds.png", metric=metrics)
    if len(metrics) > 1:
        figures.append(f"{RESULTS}/figures/metric_agreement.png")
    return figures


def heatmaps(wildcards=None):
    """The per-metric figures: a heatmap each, and learning curves when configured."""
    metrics = config["compare"]["metrics"]
    figures = expand(f"{RESULTS}/figures/{{metric}}_heatmap.png", metric=metrics)
    if config["compare"]["learning"]:
        figures += expand(f"{RESULTS}/figures/{{metric}}_learning.png", metric=metrics)
    return figures


# --- Cluster submission (config `cluster`, profiles/slurm, docs/cluster.md) -----------------
# Local runs ignore groups and the SLURM-only resources below; results never depend on them.
CLUSTER = config["cluster"]
# Training and recording of cluster.group_size networks make one submitted job: every
# network's train → record pair is a connected component of the group "networks", and
# Snakemake merges that many components into one group job (its group-components setting).
# Snakemake installs the command line's group settings after reading the Snakefile, so the
# config's value is added when the DAG asks for a job's group (network_group below); an
# explicit --group-components networks=N on the command line wins.
NETWORK_GROUP = "networks"


def network_group(wildcards):
    """The group of the train and record jobs ("networks"), sized by cluster.group_size;
    none on a local run (no --jobs), which ignores groups anyway: building them for 20,000
    jobs costs seconds. A dry run with profiles/slurm (jobs: 100) plans the groups."""
    if workflow.local_exec and workflow.global_resources["_nodes"].value is None:
        return None
    settings = workflow.group_settings
    if NETWORK_GROUP not in settings.group_components:
        settings.group_components = {
            **settings.group_components,
            NETWORK_GROUP: CLUSTER["group_size"],
        }
    # A group job's CPUs are the widest layer of its jobs that run at once (Snakemake's
    # GroupResources.basic_layered, bounded by the global _cores). Bounding _cores by the node
    # makes a group of 50 one-thread trainings ask for cpus_per_node CPUs and run them in
    # turn, instead of asking for 50 and waiting for ever; it also caps every rule's threads
    # there. Submission is not limited by _cores (Snakemake lifts it for remote executors).
    # Both the submitting Snakemake and the one inside the job (executor slurm-jobstep,
    # --cores all = the node's CPUs) must agree, or the job's srun asks for more CPUs than
    # the job has. Set here, not at parse time: the executor is only known once the DAG is
    # built.
    cap = CLUSTER["cpus_per_node"]
    if cap is not None and not workflow.local_exec:
        cores = workflow.global_resources["_cores"].value
        if cores is None or cores > cap:
            workflow.global_resources["_cores"] = cap
    return NETWORK_GROUP


def cluster_cpus(wildcards, threads):
    """CPUs a job asks SLURM for (--cpus-per-task): its threads, capped at
    cluster.cpus_per_node so that no job waits for a node that does not exist."""
    cap = CLUSTER["cpus_per_node"]
    return threads if cap is None else max(1, min(threads, cap))


def scaled(base):
    """A resource (mem_mb in MB, runtime in minutes) of `base` at the first attempt and
    base × k at the k-th: a job SLURM killed for time or memory is resubmitted bigger
    (profiles/slurm: retries)."""
    return lambda wildcards, attempt: base * attempt


# threads of a train job: one on CPU; with GPUs a whole node's worth, so that a grouped job
# trains one network at a time on the GPUs it asked for (see cluster_cpus and _cores above).
TRAIN_THREADS = (CLUSTER["cpus_per_node"] or 1) if CLUSTER["train_gpus"] else 1

# Per-rule memory (MB) and wall time (minutes) of the first attempt (scaled() grows them on a
# retry). Measured on the tiny config (.test/config.yaml; docs/cluster.md has the figures and
# the command) and set with room for the shipped configs; override one rule with the
# profile's set-resources (e.g. compare: runtime: 720) for a bigger study.
TRAIN_MEM_MB, TRAIN_MINUTES = 2000, 60
RECORD_MEM_MB, RECORD_MINUTES = 1000, 30
COMPARE_MEM_MB, COMPARE_MINUTES = 4000, 120
SYSTEMS_MEM_MB, SYSTEMS_MINUTES = 2000, 30
BATTERY_MEM_MB, BATTERY_MINUTES = 2000, 60
SMALL_MEM_MB, SMALL_MINUTES = 1000, 15
