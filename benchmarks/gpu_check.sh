#!/usr/bin/env bash
# The GPU checks as one script, for a CUDA machine (run from the repository root):
#   bash benchmarks/gpu_check.sh [OUTDIR]
# 1. tests/test_gpu.py (training on CUDA, stacked seeds on CUDA, DSA on CUDA vs CPU, device
#    selection) and the DSA device tests; 2. training throughput, CPU (one thread) vs CUDA;
# 3. DSA versus the reference package, dynsim on CUDA ("auto") and the reference on the CPU.
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
python3 benchmarks/train_throughput.py --archs leaky_rnn gru --max-steps 300 --device cuda \
    --json "$out/train_cuda.json" 2>&1 | tail -25 | tee "$out/train.txt"
python3 benchmarks/train_throughput.py --archs leaky_rnn gru --max-steps 300 --device cpu \
    --json "$out/train_cpu.json" 2>&1 | tail -25 | tee -a "$out/train.txt"
timeout "${DSA_TIMEOUT:-240}" python3 benchmarks/dsa_vs_reference.py ${DSA_ARGS:---ranks 50 --pairs 100 --exact-cases 50 --ref-exact-cases 2} \
    2>&1 | tee "$out/dsa.txt"
