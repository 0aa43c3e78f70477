#!/usr/bin/env bash
# A DR study on a Ray cluster started the documented way, with a worker killed mid-way.
#
#   bash benchmarks/study_on_ray.sh [SPEC] [OUT] [LOCAL_OUT]
#
# 1. `ray start --head` (a one-machine cluster: 2 CPUs), 2. `simenv sweep SPEC --backend ray
# --address 127.0.0.1:6379 --out OUT`, 3. while it runs, kill -9 the Ray worker of one
# running trial (Ray Tune restarts it: FailureConfig max_failures), 4. the same command again
# (every trial is skipped as finished), 5. compare OUT with the local-backend run LOCAL_OUT of
# the same spec, trial by trial and test point by test point, 6. `ray stop`.
# A multi-machine cluster is the same with `ray start --address HEAD:6379` on every other
# machine and OUT on a file system every machine mounts (docs/dr_study.md, "Scaling out").
set -euo pipefail
SPEC=${1:-examples/study_indoor_nav.yaml}
OUT=${2:-sweeps/study-indoor-nav-ray}
LOCAL=${3:-sweeps/study-indoor-nav}
KILL_AFTER=${KILL_AFTER:-150}
BIN=${BIN:-.venv/bin}
export MUJOCO_GL=${MUJOCO_GL:-egl} LP_NUM_THREADS=${LP_NUM_THREADS:-0}
# Ray >= 2.5x starts clusters with token authentication (the token: ~/.ray/auth_token);
# a client connecting by address must opt in
export RAY_AUTH_MODE=${RAY_AUTH_MODE:-token}

"$BIN/ray" start --head --port 6379 --num-cpus 2 --include-dashboard false \
    --disable-usage-stats

(
    sleep "$KILL_AFTER"
    pid=$(pgrep -f "ray::(ImplicitFunc|_ray_trainable)" | head -1 || true)
    if [ -n "$pid" ]; then
        echo "[study_on_ray] $(date -u +%T) kill -9 $pid ($(ps -o args= -p "$pid"))"
        kill -9 "$pid"
    else
        echo "[study_on_ray] no running trial worker to kill"
    fi
) &
killer=$!
trap 'kill "$killer" 2>/dev/null || true; "$BIN/ray" stop --force >/dev/null 2>&1 || true' EXIT

start=$(date +%s)
"$BIN/simenv" sweep "$SPEC" --backend ray --address 127.0.0.1:6379 --out "$OUT"
echo "[study_on_ray] first run: $(( $(date +%s) - start )) s"
start=$(date +%s)
"$BIN/simenv" sweep "$SPEC" --backend ray --address 127.0.0.1:6379 --out "$OUT"
echo "[study_on_ray] rerun: $(( $(date +%s) - start )) s"

[ -f "$LOCAL/results.csv" ] || { echo "[study_on_ray] no local run in $LOCAL to compare"; exit 0; }
"$BIN/python" - "$LOCAL" "$OUT" <<'EOF'
import csv, sys

def rows(folder):
    with open(f"{folder}/results.csv") as f:
        return {(r["trial"], r["test_point"]): r for r in csv.DictReader(f)}

local, ray = rows(sys.argv[1]), rows(sys.argv[2])
both = set(local) & set(ray)
same = [k for k in both if (local[k]["success"], local[k]["return"]) == (ray[k]["success"], ray[k]["return"])]
print(f"[study_on_ray] {len(same)} of {len(both)} (trial, test point) cells run by both are "
      f"identical to the local run (success and return); {len(set(local) ^ set(ray))} in one only")
for k in sorted(set(local) & set(ray) - set(same)):
    print("  differs:", k, local[k]["success"], ray[k]["success"])
EOF
