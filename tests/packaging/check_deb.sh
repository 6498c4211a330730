#!/usr/bin/env bash
# The packaging test: makes the .deb from the current build tree with cpack, checks its control
# fields and runs lintian on it, unpacks it with dpkg-deb -x into a temporary root and checks the
# installed copy there (check_installed.sh).
# usage: check_deb.sh --build DIR --source DIR --version X.Y.Z --app-id ID
set -euo pipefail
while [ $# -gt 0 ]; do
  case $1 in
    --build) build=$2; shift 2 ;;
    --source) source=$2; shift 2 ;;
    --version) version=$2; shift 2 ;;
    --app-id) app_id=$2; shift 2 ;;
    *) echo "check_deb.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
: "${build:?--build}" "${source:?--source}" "${version:?--version}" "${app_id:?--app-id}"
here=$(cd "$(dirname "$0")" && pwd)
fail() { echo "FAIL: $*" >&2; exit 1; }
for tool in cpack dpkg-deb dpkg-shlibdeps file gzip; do
  command -v "$tool" >/dev/null || fail "$tool is missing (scripts/setup.sh installs it)"
done
work=$(mktemp -d "${TMPDIR:-/tmp}/tfjs-studio-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT

cpack --config "$build/CPackConfig.cmake" -G DEB -B "$work/pkg" >"$work/cpack.log" 2>&1 \
  || { cat "$work/cpack.log"; fail "cpack -G DEB failed"; }
debs=("$work"/pkg/*.deb)
[ ${#debs[@]} -eq 1 ] && [ -f "${debs[0]}" ] || fail "cpack made ${#debs[@]} .deb files: ${debs[*]}"
deb=${debs[0]}
echo "ok: built $(basename "$deb") ($(stat -c %s "$deb") bytes)"

field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = tfjs-studio ] || fail "Package is '$(field Package)'"
[ "$(field Version)" = "$version" ] || fail "Version is '$(field Version)', the project's is $version"
depends=$(field Depends)
# The HDF5 children link libhdf5 statically where Debian ships the archive (converter/CMakeLists.txt):
# then the package needs libhdf5's own library (libsz2) instead of libhdf5.
hdf5=libhdf5
unpacked=$(mktemp -d)
dpkg-deb -x "$deb" "$unpacked"
reader=$(find "$unpacked" -name tfjs-studio-h5-reader -type f | head -n 1)
[ -n "$reader" ] || { rm -rf "$unpacked"; fail "the package has no tfjs-studio-h5-reader"; }
if ! readelf -d "$reader" | grep -q 'NEEDED.*libhdf5'; then hdf5=libsz2; fi
rm -rf "$unpacked"
for lib in libc6 libstdc++6 libqt6widgets6 "$hdf5"; do
  grep -q "$lib" <<<"$depends" || fail "Depends lacks $lib (shlibdeps): $depends"
done
if grep -Eqi 'node|npm' <<<"$depends $(field Recommends)"; then fail "Node or npm in the dependencies: $depends"; fi
grep -qF "mesa-vulkan-drivers | vulkan-icd" <<<"$(field Recommends)" || fail "Recommends lacks a Vulkan driver: $(field Recommends)"
echo "ok: Depends: $depends"
echo "ok: Recommends: $(field Recommends)"

command -v lintian >/dev/null || fail "lintian is missing (scripts/setup.sh installs it)"
# Errors fail the test; warnings are printed (README "Packaging" says why each is left).
lintian --fail-on error --tag-display-limit 0 "$deb" >"$work/lintian.log" 2>&1 || { cat "$work/lintian.log"; fail "lintian reports errors"; }
echo "ok: lintian: no errors"
cat "$work/lintian.log"
for tool in desktop-file-validate appstreamcli; do
  command -v "$tool" >/dev/null || fail "$tool is missing (scripts/setup.sh installs it)"
done

dpkg-deb -x "$deb" "$work/root"
bash "$here/check_installed.sh" "$work/root" "$version" "$app_id" "$source"
