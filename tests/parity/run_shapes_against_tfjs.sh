#!/usr/bin/env bash
# Dumps the shape and dtype of every node's outputs as real TF.js (cpu) computes them, then runs a
# C++ test that checks static shape inference against them (TEST_EXE --cases MODEL=DUMP ...).
# usage: run_shapes_against_tfjs.sh TEST_EXE WORK_DIR MODEL_JSON [--OPTION VALUE]... [MODEL_JSON ...]
# Options after a model (--dim N, --batch N, --seed S) go to dump_shapes.js for that model only,
# with the meaning they have for dump_outputs.js; the C++ side reads the input shapes back.
set -euo pipefail
exe=$1 work=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work"
models=()
opts=() # per model: its dump options as one string of "--name value" pairs
while (($#)); do
  if [[ $1 == --* ]]; then
    ((${#models[@]})) || { echo "$0: option $1 comes before any model" >&2; exit 2; }
    (($# >= 2)) || { echo "$0: option $1 needs a value" >&2; exit 2; }
    last=$((${#models[@]} - 1))
    opts[last]+=" $1 $2"
    shift 2
  else
    models+=("$1")
    opts+=("")
    shift
  fi
done
cases=()
for k in "${!models[@]}"; do
  dump="$work/shapes$((k + 1)).json"
  # Unquoted on purpose: the options are space-separated "--name value" words.
  # shellcheck disable=SC2086
  node "$here/dump_shapes.js" "${models[k]}" "$dump" ${opts[k]}
  cases+=("${models[k]}=$dump")
done
exec "$exe" --cases "${cases[@]}"
