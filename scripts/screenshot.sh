#!/usr/bin/env bash
# Grabs the studio's main window to a PNG under a virtual X server: screenshot.sh OUT.png [MODEL] [--select NODE] [--benchmark].
# Builds nothing: run `cmake --build build` first. Set STUDIO_BIN to use another binary.
set -euo pipefail

if [[ $# -lt 1 || $1 == -h || $1 == --help ]]; then
    echo "usage: $0 OUT.png [MODEL] [--select NODE] [--benchmark]" >&2
    exit 2
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${STUDIO_BIN:-$root/build/bin/tfjs-studio}"
if [[ ! -x $bin ]]; then
    echo "$0: $bin not found; build first (cmake --build build)" >&2
    exit 1
fi
command -v xvfb-run >/dev/null || { echo "$0: xvfb-run not found (apt-get install xvfb xauth)" >&2; exit 1; }

out="$1"
shift
mkdir -p "$(dirname "$out")"
# The screen matches the window size the studio uses for screenshots (1400x900).
exec xvfb-run -a -s "-screen 0 1400x900x24" "$bin" --screenshot "$out" "$@"
