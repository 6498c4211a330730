#!/usr/bin/env bash
# Sets up, builds and runs every test through ctest; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh
ctest --preset dev --timeout 600 "$@"
