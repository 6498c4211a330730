#!/usr/bin/env bash
# Dumps what real TF.js (cpu) computes for each model, then runs a C++ test that checks our own
# results against it (TEST_EXE --cases MODEL=DUMP ...). By default the dump is the model's outputs
# (dump_outputs.js); --dumper dump_shapes.js dumps every node's output shapes and dtypes instead.
# usage: run_against_tfjs.sh [--dumper SCRIPT] TEST_EXE WORK_DIR MODEL_JSON [--OPTION VALUE]... [MODEL_JSON ...]
# Options after a model (--dim N, --batch N, --seed S) go to the dumper for that model only;
# the C++ side reads the input shapes they produce back from the dump.
set -euo pipefail
dumper=dump_outputs.js
if [[ ${1:-} == --dumper ]]; then
  dumper=$2
  shift 2
fi
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
  dump="$work/case$((k + 1)).json"
  # Unquoted on purpose: the options are space-separated "--name value" words.
  # shellcheck disable=SC2086
  node "$here/$dumper" "${models[k]}" "$dump" ${opts[k]}
  cases+=("${models[k]}=$dump")
done
exec "$exe" --cases "${cases[@]}"
