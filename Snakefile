# dynsim workflow: train → record → compare → figures → summary.
# Run: snakemake --cores 2            (default config.yaml)
#      snakemake --cores 2 --configfile my.yaml
# All logic lives in the dynsim package; these rules only wire files together.
import os

from snakemake.utils import min_version

min_version("9.0")


configfile: os.path.join(workflow.basedir, "config.yaml")


report: "workflow/report/workflow.rst"


# One BLAS thread per job: parallelism comes from Snakemake jobs and Ray tasks. On small
# machines OpenBLAS and torch threads otherwise fight each other (10–100× slowdowns measured).
shell.prefix("export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1; ")


include: "workflow/rules/common.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/compare.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/systems.smk"


if dynsim.config.insd_enabled(config):

    include: "workflow/rules/insd.smk"


if "guilhot" in config:

    include: "workflow/rules/guilhot.smk"


rule all:
    input:
        SUMMARY,
        f"{RESULTS}/systems/results.md",
        insd_targets,
        talk_figures,
        ([f"{RESULTS}/guilhot/guilhot2024.md"] if "guilhot" in config else []),
    default_target: True
