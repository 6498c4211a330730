#!/usr/bin/env bash
# Installs what the build, the tests and the GUI need, only when missing (idempotent).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

packages=(
  build-essential cmake ninja-build ccache pkg-config git ca-certificates
  qt6-base-dev qt6-charts-dev qt6-svg-dev libqt6opengl6-dev qt6-qpa-plugins
  libprotobuf-dev protobuf-compiler libhdf5-dev nlohmann-json3-dev
  libvulkan-dev glslc mesa-vulkan-drivers vulkan-validationlayers
  graphviz libgraphviz-dev
  xvfb xauth fonts-dejavu-core
  clang-14 libclang-rt-14-dev
  dpkg-dev file desktop-file-utils appstream lintian shared-mime-info
  libzip-dev libarchive-dev python3 python3-venv
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js + npm run the TF.js parity tests; any Node >= 18 with npm will do.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# npm packages of the parity harness, pinned by the committed package-lock.json.
parity="$here/tests/parity"
if [ -f "$parity/package-lock.json" ]; then
  stamp="$parity/node_modules/.lock-stamp"
  if [ ! -f "$stamp" ] || ! cmp -s "$parity/package-lock.json" "$stamp"; then
    echo "setup: installing npm packages of tests/parity"
    # Trust the system CA store too (machines behind a TLS-inspecting proxy add their CA there).
    if [ -z "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f /etc/ssl/certs/ca-certificates.crt ]; then
      export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
    fi
    (cd "$parity" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$parity/package-lock.json" "$stamp"
  fi
fi

# Real Keras 3, the oracle of the Keras 3 tests, in a venv of its own (the product never needs
# Python). Pinned by tests/keras3/requirements.txt; reinstalled only when that file changes.
venv="$here/.venv-keras"
reqs="$here/tests/keras3/requirements.txt"
if [ -f "$reqs" ] && { [ ! -x "$venv/bin/python" ] || ! cmp -s "$reqs" "$venv/.requirements-stamp"; }; then
  echo "setup: installing Keras 3 into .venv-keras"
  py=python3
  [ -x /usr/bin/python3 ] && py=/usr/bin/python3
  [ -x "$venv/bin/python" ] || "$py" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$reqs"
  cp "$reqs" "$venv/.requirements-stamp"
fi

# The reference converter (tensorflowjs 4.22.0) with TensorFlow, the oracle of the generated-model
# tests (tests/tfconv/), in a venv of its own. tests/tfconv/requirements.txt is the complete,
# exact set (installed with --no-deps, see there); when it changes the venv is made anew, so
# nothing of an older set stays behind.
venv="$here/.venv-tfjs"
reqs="$here/tests/tfconv/requirements.txt"
if [ -f "$reqs" ] && { [ ! -x "$venv/bin/python" ] || ! cmp -s "$reqs" "$venv/.requirements-stamp"; }; then
  echo "setup: installing tensorflowjs 4.22.0 and TensorFlow into .venv-tfjs"
  py=python3
  [ -x /usr/bin/python3 ] && py=/usr/bin/python3
  "$py" -m venv --clear "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$reqs"
  cp "$reqs" "$venv/.requirements-stamp"
fi
