#!/usr/bin/env bash
# Sets up, builds and opens the studio on the bundled sample model. With no display
# it runs the same pipeline headless (inspect, convert, benchmark) and prints the report.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh
exec ./build/bin/tfjs-studio "$@"
