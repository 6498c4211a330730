#!/usr/bin/env bash
# Grabs the studio's main window to a PNG under a virtual X server: screenshot.sh OUT.png [MODEL] [--select NODE] [--benchmark];
# --graph-set DIR and --benchmark-set DIR write a set of pictures of one part of the studio.
# Builds nothing: run `cmake --build build` first. Set STUDIO_BIN to use another binary.
set -euo pipefail

if [[ $# -lt 1 || $1 == -h || $1 == --help ]]; then
    echo "usage: $0 OUT.png [MODEL] [--select NODE] [--benchmark] [--tab graph|nodes|compare|compare-uint8] [--grab graph|compare|issues] [--expand SCOPE|@first]" >&2
    echo "       $0 --graph-set DIR   (graph view and Issues panel: the sample, the largest model in ../shared/models)" >&2
    echo "       $0 --benchmark-set DIR   (Benchmark panel after two benchmarks: each tab, the comparison, a dark palette, the window at 900x600)" >&2
    exit 2
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${STUDIO_BIN:-$root/build/bin/tfjs-studio}"
if [[ ! -x $bin ]]; then
    echo "$0: $bin not found; build first (cmake --build build)" >&2
    exit 1
fi
command -v xvfb-run >/dev/null || { echo "$0: xvfb-run not found (apt-get install xvfb xauth)" >&2; exit 1; }

# The Benchmark panel's set: states the command line cannot reach (two finished benchmarks with
# their comparison selected, a dark palette, a 900x600 window) come from its Qt Test, which drives
# the real widgets and saves them when STUDIO_UI_SHOTS names a folder. Set STUDIO_TESTS to use
# another build's tests folder.
if [[ $1 == --benchmark-set ]]; then
    dir="${2:?--benchmark-set needs a folder}"
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    tests="${STUDIO_TESTS:-$(dirname "$(dirname "$bin")")/tests}"
    [[ -x $tests/test_benchmark_panel ]] || { echo "$0: $tests/test_benchmark_panel not found; build it first" >&2; exit 1; }
    STUDIO_UI_SHOTS="$dir" TFJS_STUDIO_HELPERS="$(dirname "$bin")" QT_QPA_PLATFORM=xcb \
        xvfb-run -a -s "-screen 0 1400x900x24" "$tests/test_benchmark_panel" mainWindowAt900x600 screenshots
    ls "$dir"/benchmark-*.png
    exit 0
fi

# The graph view's set: the sample, the largest graph model under ../shared/models closed and with
# its topmost scope open, the Issues panel on a model with an unsupported op, and the Compare tab.
if [[ $1 == --graph-set ]]; then
    dir="${2:?--graph-set needs a folder}"
    mkdir -p "$dir"
    models="$root/../shared/models"
    largest="$(python3 - "$models" <<'PY'
import json, os, sys
best, most = "", 0
for base, _, files in os.walk(sys.argv[1]):
    for f in files:
        if not f.endswith(".json"):
            continue
        try:
            with open(os.path.join(base, f)) as fh:
                nodes = json.load(fh).get("modelTopology", {}).get("node", [])
        except Exception:
            continue
        if isinstance(nodes, list) and len(nodes) > most:
            best, most = os.path.join(base, f), len(nodes)
print(best)
PY
)"
    [[ -n $largest ]] || { echo "$0: no graph model under $models" >&2; exit 1; }
    # An unsupported op: the golden graph model with its MatMul renamed.
    bad="$(mktemp -d)"
    trap 'rm -rf "$bad"' EXIT
    cp "$models/golden-tfjs-e2e-load-predict/graph_model/weights.bin" "$bad/"
    sed 's/"op": "MatMul"/"op": "SentencepieceOp"/' "$models/golden-tfjs-e2e-load-predict/graph_model/model.json" >"$bad/model.json"
    shot() { xvfb-run -a -s "-screen 0 1400x900x24" "$bin" --screenshot "$@"; }
    shot "$dir/graph-sample-window.png"
    shot "$dir/graph-sample.png" --grab graph
    shot "$dir/graph-largest.png" "$largest" --grab graph
    shot "$dir/graph-largest-expanded.png" "$largest" --grab graph --expand @first
    shot "$dir/graph-layers-model.png" "$models/tfjs-layers-mobilenetv2-float32-seeded/model.json" --grab graph
    shot "$dir/issues-panel.png" "$bad/model.json" --grab issues
    # The Compare tab: a Keras file as read against the converter's passes, and the sample in
    # float32 against uint8.
    shot "$dir/compare-optimized.png" "$models/pair-keras205-gender-minixception-graph/keras/gender_mini_XCEPTION.21-0.95.hdf5" --tab compare --grab compare
    shot "$dir/compare-quantized.png" --tab compare-uint8 --grab compare
    exit 0
fi

out="$1"
shift
mkdir -p "$(dirname "$out")"
# The screen matches the window size the studio uses for screenshots (1400x900).
exec xvfb-run -a -s "-screen 0 1400x900x24" "$bin" --screenshot "$out" "$@"
