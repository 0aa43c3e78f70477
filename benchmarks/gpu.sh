#!/usr/bin/env bash
# The batch renderer on a GPU machine: check for an NVIDIA EGL device, then run
# benchmarks/bench_render.py on IndoorNav scenes at N = 1, 16, 64, 256, 1024 (84x84) against
# mjr_render, and the native vector envs (benchmarks/bench_vector.py: IndoorNav 84x84 RGB,
# default DR, random actions) at N = 16, 64, 256, writing everything into one folder.
#
#   benchmarks/gpu.sh [OUT_DIR]          # OUT_DIR defaults to $OUT
#
# Installs nothing beyond the project: it uses .venv when it has simenv, else makes
# .venv-gpu and runs `pip install -e .` there. Knobs (environment variables):
#   GPU_BENCH_N        scenes per pass           (default 1,16,64,256,1024)
#   GPU_BENCH_SECONDS  seconds per configuration (default 3)
#   GPU_BENCH_ROUNDS   interleaved rounds        (default 3; numbers are their medians)
#   GPU_BENCH_MODES    rgb and/or obs            (default rgb,obs)
#   GPU_VECTOR_N       vector env sizes          (default "16 64 256"; empty: skip)
#   GPU_VECTOR_WORKERS processes per vector env  (default 1)
#   SIMENV_EGL_DEVICE  EGL device index          (default: the first non-software device)
#   ALLOW_CPU=1        run on a software rasteriser too (to try the script on a CPU machine;
#                      pair it with a small GPU_BENCH_N)
# Writes: environment.txt (driver, GPU, EGL devices), device.json (what the renderer picked),
# render.json and bench_render.md (the numbers), vector.json and bench_vector.log, and the
# log of each step.
set -euo pipefail

OUT_DIR="${1:-${OUT:-}}"
if [[ -z "$OUT_DIR" ]]; then
    echo "usage: benchmarks/gpu.sh OUT_DIR (or set \$OUT)" >&2
    exit 2
fi
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mkdir -p "$OUT_DIR"
OUT_DIR="$(cd "$OUT_DIR" && pwd)"
N="${GPU_BENCH_N:-1,16,64,256,1024}"
SECONDS_PER="${GPU_BENCH_SECONDS:-3}"
ROUNDS="${GPU_BENCH_ROUNDS:-3}"
MODES="${GPU_BENCH_MODES:-rgb,obs}"
export MUJOCO_GL=egl PYOPENGL_PLATFORM=egl LP_NUM_THREADS="${LP_NUM_THREADS:-0}"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
cd "$ROOT"

# 1. a Python with the project (no other installs)
PY="$ROOT/.venv/bin/python"
if ! { [[ -x "$PY" ]] && "$PY" -c "import simenv.render" 2>/dev/null; }; then
    PY="$ROOT/.venv-gpu/bin/python"
    if ! { [[ -x "$PY" ]] && "$PY" -c "import simenv.render" 2>/dev/null; }; then
        echo "== installing the project into .venv-gpu (pip install -e .)"
        python3 -m venv "$ROOT/.venv-gpu"
        "$PY" -m pip install -q -e "$ROOT" 2>&1 | tee "$OUT_DIR/pip.log"
    fi
fi

# 2. what this machine has
{
    echo "date: $(date -Is)"
    echo "host: $(uname -a)"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs || true)"
    echo "cores: $(nproc)"
    echo "python: $("$PY" -c 'import sys; print(sys.version.split()[0])')"
    echo "git: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
    if command -v nvidia-smi >/dev/null 2>&1; then
        nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
    else
        echo "nvidia-smi: not found"
    fi
} | tee "$OUT_DIR/environment.txt"

# 3. the EGL devices and the one the renderer picks (vendor and renderer strings)
"$PY" - "$OUT_DIR/device.json" <<'EOF' | tee -a "$OUT_DIR/environment.txt"
import json, sys
from simenv.render import BatchRenderer, egl

exts = egl.devices()
for i, e in enumerate(exts):
    print(f"EGL device {i}: {e}")
with BatchRenderer(1, (84, 84), texture_layers=0) as r:
    dev = r.device
    info = {"index": dev.index, "vendor": dev.vendor, "renderer": dev.renderer,
            "version": dev.version, "software": dev.software, "scene_data": r.scene_data,
            "egl_devices": exts}
print(json.dumps(info, indent=2))
json.dump(info, open(sys.argv[1], "w"), indent=2)
EOF
if ! "$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if 'NVIDIA' in d['vendor'].upper() else 1)" "$OUT_DIR/device.json"; then
    if [[ "${ALLOW_CPU:-0}" != "1" ]]; then
        echo "no NVIDIA EGL device: the renderer got $(cat "$OUT_DIR/device.json" | tr -d '\n' | cut -c1-200)" >&2
        echo "(install the NVIDIA driver with its EGL library, or set ALLOW_CPU=1 to run anyway)" >&2
        exit 1
    fi
    echo "== no NVIDIA EGL device; running on the software rasteriser (ALLOW_CPU=1)"
fi

# 4. the benchmark
echo "== bench_render.py --families IndoorNav --n $N --modes $MODES --seconds $SECONDS_PER --rounds $ROUNDS"
"$PY" "$ROOT/benchmarks/bench_render.py" --families IndoorNav --n "$N" --modes "$MODES" \
    --seconds "$SECONDS_PER" --rounds "$ROUNDS" --out "$OUT_DIR" 2>&1 \
    | tee "$OUT_DIR/bench_render.log"
sed -n '/^Batch renderer vs/,$p' "$OUT_DIR/bench_render.log" > "$OUT_DIR/bench_render.md"

# 5. the native vector env (physics on the CPU cores, one render pass on the GPU)
VECTOR_N="${GPU_VECTOR_N-16 64 256}"
if [[ -n "$VECTOR_N" ]]; then
    echo "== bench_vector.py --family indoor_nav --num-envs $VECTOR_N"
    # shellcheck disable=SC2086  # the sizes are separate arguments
    "$PY" "$ROOT/benchmarks/bench_vector.py" --family indoor_nav --num-envs $VECTOR_N \
        --workers "${GPU_VECTOR_WORKERS:-1}" --skip-peers --out "$OUT_DIR/vector.json" 2>&1 \
        | tee "$OUT_DIR/bench_vector.log"
fi
echo "== results in $OUT_DIR"
