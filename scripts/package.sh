#!/usr/bin/env bash
# Builds a Release tree (build-release/, the "release" preset) and makes the DEB and TGZ packages
# with CPack into build-release/packages/. The version is the one in the top-level project(). usage: scripts/package.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# The tests are not part of a package (nor is Node, which their configuration looks for).
# Warnings are enforced by the dev build and CI; here they must not stop a release, since GCC 12
# at -O3 reports false -Wrestrict positives inside libstdc++'s std::string.
cmake --preset release -DBUILD_TESTING=OFF -DSTUDIO_WARNINGS_AS_ERRORS=OFF >/dev/null
cmake --build --preset release
out=build-release/packages
rm -rf "$out" && mkdir -p "$out"
cpack --config build-release/CPackConfig.cmake -B "$out" -G "DEB;TGZ"
rm -rf "$out/_CPack_Packages"
ls -l "$out"/*.deb "$out"/*.tar.gz
