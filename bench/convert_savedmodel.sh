#!/usr/bin/env bash
# Converting a SavedModel with ~200 MB of float32 variables, measured against `cp -r` of the same
# folder in the same run (both best of 3, page cache warm for both), and the convert's peak RSS
# against the variable bytes. Targets (issue "TensorFlow graphs to TF.js"): time <= 1.5x cp -r,
# peak RSS <= 1.25x the variable bytes. Also the durable write floor (bench_durable_write_floor,
# built beside the CLI; skipped if absent): the largest variables.data-* file written as fsync'ed 4 MiB shards, which
# a convert that must fsync its output cannot beat on this disk.
#
# usage: bench/convert_savedmodel.sh CLI [WORK_DIR] [LAYERS] [WIDTH]
#   CLI       the tfjs-studio-cli binary
#   WORK_DIR  scratch folder (default: a new temporary folder, removed at the end)
#   LAYERS, WIDTH  the generated model: LAYERS float32 WIDTHxWIDTH matrices (default 50 x 1024 = 200 MiB)
# The model is generated with TensorFlow from .venv-tfjs (scripts/setup.sh).
set -euo pipefail
cli=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
python=${STUDIO_BENCH_PYTHON:-$here/../.venv-tfjs/bin/python}
layers=${3:-50} width=${4:-1024}
if [ -n "${2:-}" ]; then work=$2; mkdir -p "$work"; else work=$(mktemp -d); trap 'rm -rf "$work"' EXIT; fi

model=$work/savedmodel
if [ ! -f "$model/saved_model.pb" ]; then
  echo "generating $layers x ${width}x$width float32 variables in $model ..."
  "$python" "$here/make_big_savedmodel.py" "$model" "$layers" "$width" | tail -n 1 > "$work/variable_bytes"
fi
var_bytes=$(cat "$work/variable_bytes")
echo "model: $(du -sb "$model" | cut -f1) bytes on disk, $var_bytes bytes of variables"
floor=$(dirname "$cli")/bench_durable_write_floor
if [ ! -x "$floor" ]; then echo "no $floor (ninja bench_durable_write_floor): the durable write floor is skipped"; floor=""; fi

now() { date +%s.%N; }
# best of 3 wall seconds of a command; the output folder is removed before each run (not timed)
best_of_3() {
  local out=$1; shift
  local best=""
  for _ in 1 2 3; do
    rm -rf "$out"
    local t0 t1
    t0=$(now); "$@" >/dev/null 2>&1; t1=$(now)
    best=$(python3 -c "import sys; a=float(sys.argv[2])-float(sys.argv[1]); b=sys.argv[3]; print(a if b=='' else min(a,float(b)))" "$t0" "$t1" "$best")
  done
  echo "$best"
}
# Warm the page cache for both contenders alike: the source is read once before anything is timed.
cat "$model"/variables/* "$model"/saved_model.pb > /dev/null
t_cp=$(best_of_3 "$work/copy" cp -r "$model" "$work/copy")
# The converter writes its output folder durably (core/io/atomic_dir.cpp: every file and the
# folder fsync'ed before the rename), which plain cp -r does not; the same copy made durable the
# same way shows what that costs on this disk.
copy_synced() { cp -r "$1" "$2" && find "$2" -exec sync {} +; }
t_cps=$(best_of_3 "$work/copy" copy_synced "$model" "$work/copy")
rm -rf "$work/copy"
t_conv=$(best_of_3 "$work/tfjs" "$cli" convert --input_format=tf_saved_model "$model" "$work/tfjs")
out_bytes=$(du -sb "$work/tfjs" | cut -f1)
json_bytes=$(stat -c %s "$work/tfjs/model.json")
# Measured as the others are (best_of_3, no sync between runs), so the ratios compare like with like.
t_floor="" floor_data=""
if [ -n "$floor" ]; then
  floor_data=$(ls -S "$model"/variables/variables.data-* | head -n 1)
  t_floor=$(best_of_3 "$work/floor" "$floor" "$floor_data" "$work/floor")
  rm -rf "$work/floor"
  floor_data="$(basename "$floor_data"), $(stat -c %s "$floor_data") bytes"
fi

# Peak RSS of one more convert: GNU time when present, else getrusage of the child from Python.
rm -rf "$work/tfjs"
if [ -x /usr/bin/time ]; then
  rss_kb=$(/usr/bin/time -v "$cli" convert --input_format=tf_saved_model "$model" "$work/tfjs" 2>&1 >/dev/null \
    | sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p')
  how="/usr/bin/time -v"
else
  rss_kb=$(python3 -c "import resource,subprocess,sys; subprocess.run(sys.argv[1:],check=True,stdout=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)" \
    "$cli" convert --input_format=tf_saved_model "$model" "$work/tfjs")
  how="getrusage(RUSAGE_CHILDREN)"
fi

python3 - "$t_cp" "$t_conv" "$rss_kb" "$var_bytes" "$out_bytes" "$json_bytes" "$how" "$t_cps" "$t_floor" "$floor_data" <<'PY'
import sys
t_cp, t_conv, rss_kb, var_bytes, out_bytes, json_bytes = map(float, sys.argv[1:7])
how = sys.argv[7]
t_cps = float(sys.argv[8])
time_ratio = t_conv / t_cp
rss_ratio = rss_kb * 1024 / var_bytes
print(f"cp -r (best of 3):   {t_cp:.3f} s")
print(f"convert (best of 3): {t_conv:.3f} s  -> {out_bytes/2**20:.1f} MiB written, model.json {json_bytes:.0f} bytes")
print(f"time ratio convert / cp -r: {time_ratio:.2f}x (target <= 1.5x) {'OK' if time_ratio <= 1.5 else 'MISSED'}")
print(f"cp -r + fsync of every copied file (best of 3): {t_cps:.3f} s; convert / that: {t_conv / t_cps:.2f}x")
print(f"peak RSS of convert ({how}): {rss_kb/1024:.1f} MiB for {var_bytes/2**20:.1f} MiB of variables")
print(f"RSS ratio: {rss_ratio:.2f}x (target <= 1.25x) {'OK' if rss_ratio <= 1.25 else 'MISSED'}")
if sys.argv[9]:
    fl = float(sys.argv[9])
    print(f"durable write floor (best of 3): {fl:.3f} s; convert / floor: {t_conv / fl:.2f}x; floor / cp: {fl / t_cp:.2f}x "
          f"(the largest data file, {sys.argv[10]}, as fsync'ed 4 MiB shards)")
PY
