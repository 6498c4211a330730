#!/usr/bin/env bash
# Configures (once) and builds the dev preset into build/.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f build/build.ninja ] || cmake --preset dev
cmake --build --preset dev
