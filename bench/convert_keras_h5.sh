#!/usr/bin/env bash
# Converting a Keras .h5 with ~200 MB of float32 weights, measured against `cp` of the same file
# in the same run (alternating rounds, medians, page cache warm for both), and the convert's peak
# RSS against the weight bytes. Targets (issue "Keras, complete"): time <= 1.5x cp, peak RSS
# <= 1.25x the weight bytes. A benchmark: it prints, it does not assert. Also the durable write
# floor (bench_durable_write_floor, built beside the CLI; skipped if absent): the .h5's bytes
# written as fsync'ed 4 MiB shards, which a convert that must fsync its output cannot beat here.
#
# usage: bench/convert_keras_h5.sh CLI [WORK_DIR] [ROUNDS] [LAYERS] [WIDTH]
#   CLI       the tfjs-studio-cli binary (its helper tfjs-studio-h5-reader beside it)
#   WORK_DIR  scratch folder; the generated .h5 is kept there for the next run
#             (default: a new temporary folder, removed at the end)
#   ROUNDS    alternating cp / convert rounds (default 5)
#   LAYERS, WIDTH  the generated model: LAYERS Dense layers of WIDTHxWIDTH float32 kernels
#             (default 12 x 2048 = 192 MiB + biases)
# The model is saved by tf_keras (the Keras 2 .h5 layout) from .venv-tfjs (scripts/setup.sh).
#
# Memory: the CLI never calls libhdf5 itself; tfjs-studio-h5-reader reads the file in a child
# process while the CLI holds what it has received so far, so the two are alive together. GNU
# time's %M is the larger of the two processes' own peaks, not their sum; the driver below also
# polls /proc for both (VmRSS summed over the process tree, and each one's VmHWM) and the ratio
# uses the larger of %M and that polled sum.
set -euo pipefail
cli=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
python=${STUDIO_BENCH_PYTHON:-$here/../.venv-tfjs/bin/python}
rounds=${3:-5} layers=${4:-12} width=${5:-2048}
if [ -n "${2:-}" ]; then work=$(realpath -m "$2"); mkdir -p "$work"; else work=$(mktemp -d); trap 'rm -rf "$work"' EXIT; fi
[ -x /usr/bin/time ] || { echo "convert_keras_h5.sh: needs GNU time (/usr/bin/time)" >&2; exit 2; }
floor=$(dirname "$cli")/bench_durable_write_floor
if [ ! -x "$floor" ]; then echo "no $floor (ninja bench_durable_write_floor): the durable write floor is skipped"; floor=""; fi

model=$work/big_${layers}x$width.h5
if [ ! -f "$model" ] || [ ! -f "$model.weight_bytes" ]; then
  echo "generating $layers Dense layers of ${width}x$width float32 in $model ..."
  TF_USE_LEGACY_KERAS=1 "$python" "$here/make_big_keras_h5.py" "$model.tmp" "$layers" "$width" 2>/dev/null \
    | tail -n 1 > "$model.weight_bytes"
  mv "$model.tmp" "$model"
fi

python3 - "$cli" "$model" "$(cat "$model.weight_bytes")" "$work" "$rounds" "$floor" <<'PY'
import os, shutil, statistics, subprocess, sys, time

cli, model, weight_bytes, work, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
floor = sys.argv[6]
copy, out, time_file = os.path.join(work, "copy.h5"), os.path.join(work, "tfjs"), os.path.join(work, "time_M")
floor_out = os.path.join(work, "floor")
print(f"model: {os.path.getsize(model)} bytes on disk, {weight_bytes} bytes of weights ({weight_bytes / 2**20:.1f} MiB)")

def kb(pid, field):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0

def tree(pid):
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        try:
            for t in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{t}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return pids

def name(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return "?"

def clean():
    for p in (copy, out, floor_out):
        if os.path.isdir(p):
            shutil.rmtree(p)
        elif os.path.exists(p):
            os.remove(p)
    os.sync()  # nothing of the previous round is left to write back while the next one is timed

def timed(argv, poll=False):
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak_sum, hwm = 0, {}
    while poll and proc.poll() is None:
        pids = [p for p in tree(proc.pid) if p != proc.pid]  # below GNU time: the CLI and its child
        peak_sum = max(peak_sum, sum(kb(p, "VmRSS") for p in pids))
        for p in pids:
            n = name(p)
            if n.startswith("tfjs-studio"):  # a fork is named after its parent until it execs
                hwm[p] = (n, max(hwm.get(p, ("", 0))[1], kb(p, "VmHWM")))
        time.sleep(0.002)
    err = proc.communicate()[1]
    t = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"{argv[0]} failed ({proc.returncode}): {err.decode(errors='replace')[-2000:]}")
    return t, peak_sum, hwm

# Warm the page cache for both contenders alike: the source is read once before anything is timed.
with open(model, "rb") as f:
    while f.read(1 << 24):
        pass
t_cp, t_cps, t_conv, t_floor, rss_m, rss_sum, hwms = [], [], [], [], [], [], []
for r in range(rounds):
    clean()
    t_cp.append(timed(["cp", model, copy])[0])
    # The converter writes its output durably (core/io/atomic_dir.cpp: every file and the folder
    # fsync'ed before the rename), which plain cp does not; the copy made durable shows the cost.
    clean()
    t_cps.append(timed(["sh", "-c", 'cp "$1" "$2" && sync "$2"', "-", model, copy])[0])
    clean()
    # Timed plainly: GNU time and the /proc polling below share the 2 cores with the convert,
    # so the memory is measured in a separate run of the same command.
    t_conv.append(timed([cli, "convert", model, out])[0])
    if floor:
        # Wall time of the process, like the others (it prints its own, without exec and exit).
        clean()
        t_floor.append(timed([floor, model, floor_out])[0])
    clean()
    _, s, h = timed(["/usr/bin/time", "-f", "%M", "-o", time_file, cli, "convert", model, out], poll=True)
    rss_sum.append(s)
    with open(time_file) as f:
        rss_m.append(int(f.read().split()[-1]))
    hwms.append(h)
    print(f"round {r + 1}: cp {t_cp[-1]:.3f} s, cp+fsync {t_cps[-1]:.3f} s, convert {t_conv[-1]:.3f} s"
          + (f", floor {t_floor[-1]:.3f} s " if floor else " ")
          + f"(measured apart: %M {rss_m[-1] / 1024:.1f} MiB, polled sum {s / 1024:.1f} MiB, "
          + ", ".join(f"{n} VmHWM {v / 1024:.1f} MiB" for n, v in h.values()) + ")")
out_bytes = sum(os.path.getsize(os.path.join(out, f)) for f in os.listdir(out))
clean()
os.remove(time_file)

med = statistics.median
cp, cps, conv = med(t_cp), med(t_cps), med(t_conv)
peak_kb = max(med(rss_m), med(rss_sum))
time_ratio, rss_ratio = conv / cp, peak_kb * 1024 / weight_bytes
print(f"cp (median of {rounds}):      {cp:.3f} s")
print(f"convert (median of {rounds}): {conv:.3f} s  -> {out_bytes / 2**20:.1f} MiB written")
print(f"time ratio convert / cp: {time_ratio:.2f}x (target <= 1.5x) {'OK' if time_ratio <= 1.5 else 'MISSED'}")
print(f"cp + fsync of the copy (median): {cps:.3f} s; convert / that: {conv / cps:.2f}x")
print(f"peak RSS of convert: GNU time %M {med(rss_m) / 1024:.1f} MiB (the larger process), "
      f"/proc-polled sum of CLI + reader {med(rss_sum) / 1024:.1f} MiB (medians)")
print(f"RSS ratio: {rss_ratio:.2f}x of {weight_bytes / 2**20:.1f} MiB of weights (target <= 1.25x) "
      f"{'OK' if rss_ratio <= 1.25 else 'MISSED'}")
if floor:
    fl = med(t_floor)
    print(f"durable write floor (median): {fl:.3f} s; convert / floor: {conv / fl:.2f}x; floor / cp: {fl / cp:.2f}x "
          f"(the whole .h5, {os.path.getsize(model)} bytes, as fsync'ed 4 MiB shards)")
PY
