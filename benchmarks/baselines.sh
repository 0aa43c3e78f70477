#!/usr/bin/env bash
# Learned baselines: BC (+DAgger) per family with the shipped configs, then 100 held-out
# test episodes each (expert and policy). Results: benchmarks/results/baseline_*.json.
# Usage: benchmarks/baselines.sh [FAMILY ...]   (default: TransparentGrasp Driving IndoorNav)
set -euo pipefail
cd "$(dirname "$0")/.."
SIMENV=.venv/bin/simenv
EPISODES=${EPISODES:-100}  # held-out test episodes per policy
for fam in "${@:-TransparentGrasp Driving IndoorNav}"; do
  for f in $fam; do
    id="simenv/$f-v0"
    run="runs/baseline-$f-bc"
    start=$(date +%s)
    $SIMENV train "$id" --algo bc --out "$run"
    echo "$f: trained in $(( $(date +%s) - start )) s" | tee "$run/train_time.txt"
    $SIMENV eval "$id" --policy "$run" --episodes "$EPISODES" --video "$run/videos" \
      --json "benchmarks/results/baseline_${f}_bc.json"
    kw=$(.venv/bin/python -c "import yaml,sys; c=yaml.safe_load(open('$run/config.yaml'))['env_kwargs']; print(' '.join(f'--kw {k}={v}' for k,v in c.items() if k!='camera_size'))")
    $SIMENV eval "$id" --policy expert --episodes "$EPISODES" $kw \
      --json "benchmarks/results/baseline_${f}_expert.json"
  done
done
