#!/usr/bin/env bash
# Dumps TF.js (cpu) outputs for each model, then checks the reference executor against them.
# usage: run_reference_vs_tfjs.sh TEST_EXE WORK_DIR MODEL_JSON...
set -euo pipefail
exe=$1 work=$2
shift 2
here=$(cd "$(dirname "$0")/../parity" && pwd)
mkdir -p "$work"
cases=()
k=0
for model in "$@"; do
  k=$((k+1))
  node "$here/dump_outputs.js" "$model" "$work/case$k.json"
  cases+=("$model=$work/case$k.json")
done
exec "$exe" --cases "${cases[@]}"
