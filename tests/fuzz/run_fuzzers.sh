#!/usr/bin/env bash
# Builds the libFuzzer targets with Clang (ASan + UBSan) and runs each for a bounded time, seeded
# from ../shared/models, after replaying every saved regression input. Fails on any crash, leak,
# sanitizer report or timeout, naming the input it saved.
#   tests/fuzz/run_fuzzers.sh [SECONDS_PER_TARGET] [BUILD_DIR]     (default: 60, build-fuzz)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
seconds=${1:-60}
build=${2:-$root/build-fuzz}
models=${TFJS_STUDIO_MODELS:-$root/../shared/models}

cxx=$(command -v clang++-14 || command -v clang++ || true)
cc=$(command -v clang-14 || command -v clang || true)
if [ -z "$cxx" ] || [ -z "$cc" ]; then
  echo "run_fuzzers: clang is not installed (scripts/setup.sh installs clang-14)" >&2
  exit 1
fi
targets=(fuzz_model_json fuzz_graph_def fuzz_keras_h5 fuzz_h5_reply)

if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" \
    -DSTUDIO_FUZZ=ON -DSTUDIO_WARNINGS_AS_ERRORS=OFF -DSTUDIO_BUILD_GUI=OFF -DBUILD_TESTING=OFF \
    -DSTUDIO_SHARED_DIR="$root/../shared" >/dev/null
fi
ninja -C "$build" "${targets[@]}" tfjs-studio-h5-reader

bin="$build/bin"
export TFJS_STUDIO_HELPERS="$bin" TFJS_STUDIO_MODELS="$models"
# A crash inside libhdf5 in the reader child is an expected, reported outcome; our own code's
# reports abort the parent (converter/importers/child_process.cpp).
export ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1" UBSAN_OPTIONS="print_stacktrace=1"

# Seeds: the shared models' files of each kind (small ones: the fuzzer mutates bytes).
seed_dir="$build/fuzz-seeds"
rm -rf "$seed_dir"
mkdir -p "$seed_dir"/{fuzz_model_json,fuzz_graph_def,fuzz_keras_h5,fuzz_h5_reply}
n=0
while IFS= read -r -d '' f; do
  if grep -q '"modelTopology"\|"weightsManifest"' "$f" 2>/dev/null; then
    n=$((n + 1)); cp "$f" "$seed_dir/fuzz_model_json/seed-$n.json"
  fi
done < <(find "$models" -name '*.json' -size -2M -print0)
while IFS= read -r -d '' f; do
  n=$((n + 1)); cp "$f" "$seed_dir/fuzz_graph_def/seed-$n.pb"
done < <(find "$models" -name '*.pb' -size -2M -print0)
while IFS= read -r -d '' f; do
  n=$((n + 1)); cp "$f" "$seed_dir/fuzz_keras_h5/seed-$n.h5"
  # The reader child's replies for the same files seed the parent's reply parser.
  "$bin/tfjs-studio-h5-reader" "$f" > "$seed_dir/fuzz_h5_reply/seed-$n.reply" 2>/dev/null || true
done < <(find "$models" \( -name '*.h5' -o -name '*.hdf5' \) -size -4M -print0)

status=0
for t in "${targets[@]}"; do
  corpus="$build/fuzz-corpus/$t"
  artifacts="$build/fuzz-artifacts/$t"
  mkdir -p "$corpus" "$artifacts"
  regressions="$here/regressions/$t"
  if [ -d "$regressions" ] && [ -n "$(ls -A "$regressions")" ]; then
    echo "== $t: replaying $(ls "$regressions" | wc -l) regression input(s)"
    if ! "$bin/$t" -runs=1 "$regressions"/* > "$artifacts/regressions.log" 2>&1; then
      cat "$artifacts/regressions.log" >&2
      echo "run_fuzzers: $t: a regression input fails again" >&2
      status=1
      continue
    fi
  fi
  echo "== $t: fuzzing for ${seconds}s (seeds: $(ls "$seed_dir/$t" | wc -l))"
  log="$artifacts/fuzz.log"
  if "$bin/$t" "$corpus" "$seed_dir/$t" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=3072 \
       -max_len=1048576 -print_final_stats=1 -artifact_prefix="$artifacts/" > "$log" 2>&1; then
    done_line=$(grep -E '^#[0-9]+.*(DONE|pulse)' "$log" | tail -1 || true)
    execs=$(grep -E 'stat::number_of_executed_units' "$log" | awk '{print $2}')
    echo "   ok: ${execs:-?} executions, zero crashes; last status: ${done_line:-n/a}"
  else
    # libprotobuf logs an ERROR line for every string field with bad UTF-8: not ours to report.
    grep -E 'ERROR|==[0-9]+==|SUMMARY|Test unit written|runtime error|deadly signal|out-of-memory|timeout' "$log" \
      | grep -v 'libprotobuf ERROR' | head -40 >&2 || true
    # The input itself, printed while small, so that a CI log (whose machine is gone afterwards) keeps it.
    for unit in "$artifacts"/crash-* "$artifacts"/oom-* "$artifacts"/timeout-* "$artifacts"/leak-*; do
      [ -f "$unit" ] || continue
      if [ "$(stat -c %s "$unit")" -le 65536 ]; then
        echo "run_fuzzers: $(basename "$unit") as base64:" >&2
        base64 -w 0 "$unit" >&2; echo >&2
      fi
    done
    echo "run_fuzzers: $t found a crash; the input is saved under $artifacts (full log: $log)" >&2
    status=1
  fi
done
exit $status
