#!/usr/bin/env bash
# Dumps TF.js outputs for each layers model, then checks the lowered graph against them.
# usage: run_lowering_vs_tfjs.sh TEST_EXE WORK_DIR MODEL_JSON...
set -euo pipefail
exe=$1 work=$2
shift 2
parity=$(cd "$(dirname "$0")/../parity" && pwd)
mkdir -p "$work"
cases=()
k=0
for model in "$@"; do
  k=$((k+1))
  node "$parity/dump_outputs.js" "$model" "$work/layers$k.json"
  cases+=("$model=$work/layers$k.json")
done
exec "$exe" --cases "${cases[@]}"
