#!/usr/bin/env bash
# The GPU checks as one script, for a CUDA machine (run from the repository root):
#   bash benchmarks/gpu_check.sh [OUTDIR]
# 1. tests/test_gpu.py (training on CUDA, stacked seeds on CUDA, DSA on CUDA vs CPU, device
#    selection) and the DSA device tests; 2. training throughput, CPU (one thread) vs CUDA
#    (SKIP_TRAIN=1 skips it); 3. DSA versus the reference package at rank 50, both on CUDA.
# Packages a bare GPU image lacks (zarr, dsa-metric and their needs) are installed from wheels in
# .whl/ when that folder exists (see benchmarks/README.md, "GPU").
set -uo pipefail
out=${1:-${OUT:-/tmp/gpu_check}}
mkdir -p "$out"
if [ -d .whl ]; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/site .whl/*.whl && export PYTHONPATH=/tmp/site
fi
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 OPENBLAS_NUM_THREADS=1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$out/machine.txt"
python3 -c "import torch, platform; print('torch', torch.__version__, 'python',
platform.python_version(), torch.cuda.get_device_name())" | tee -a "$out/machine.txt"
nproc | tee -a "$out/machine.txt"
python3 -m pytest -q -p no:cacheprovider tests/test_gpu.py tests/test_dsa.py \
    -k "gpu or cuda or device" 2>&1 | tee "$out/pytest.txt"
if [ -z "${SKIP_TRAIN:-}" ]; then
    python3 benchmarks/train_throughput.py --archs leaky_rnn gru --max-steps 300 --device cuda \
        --json "$out/train_cuda.json" 2>&1 | tail -25 | tee "$out/train.txt"
    python3 benchmarks/train_throughput.py --archs leaky_rnn gru --max-steps 300 --device cpu \
        --json "$out/train_cpu.json" 2>&1 | tail -25 | tee -a "$out/train.txt"
fi
# DSA at rank 50 on the saved RNN-like operators (benchmarks/README.md, "DSA versus the
# reference"): dynsim on CUDA; the reference timed on 5 pairs on CUDA, its distances on all 100
# pairs loaded from the saved CPU run.
timeout "${DSA_TIMEOUT:-300}" python3 benchmarks/dsa_vs_reference.py --device cuda \
    --networks 15 --pairs 100 --load benchmarks/data/dsa_rnn --ref-timing-pairs 5 \
    --variants n_starts=24 n_starts=6 n_starts=3 n_starts=1 2>&1 | tee "$out/dsa.txt"
