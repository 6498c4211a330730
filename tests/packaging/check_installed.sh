#!/usr/bin/env bash
# Checks an installed tfjs-studio under ROOT (/ for a real install, or a dpkg-deb -x folder):
# the CLI's version, a conversion and a benchmark of the bundled sample, the studio started
# offscreen on the sample (and a second launch handing it a file, for both settings), that every
# file the .desktop entry and the AppStream metainfo name exists, and the man page matches --help.
# usage: check_installed.sh ROOT VERSION APP_ID [SOURCE_DIR]   (SOURCE_DIR: check the screenshot)
set -euo pipefail
root=${1:?ROOT} version=${2:?VERSION} app_id=${3:?APP_ID} source=${4:-}
root=${root%/}
bin=$root/usr/bin
share=$root/usr/share
work=$(mktemp -d "${TMPDIR:-/tmp}/tfjs-studio-check.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

# --- the CLI --------------------------------------------------------------------------------
[ -x "$bin/tfjs-studio-cli" ] || fail "$bin/tfjs-studio-cli is not installed"
got=$("$bin/tfjs-studio-cli" --version)
[ "$got" = "tfjs-studio-cli $version" ] || fail "tfjs-studio-cli --version printed '$got', expected 'tfjs-studio-cli $version'"
ok "tfjs-studio-cli --version: $got"

sample=$share/tfjs-studio/samples/blazeface/model.json
[ -f "$sample" ] || fail "the bundled sample $sample is not installed"
"$bin/tfjs-studio-cli" convert --quantize_uint8 "$sample" "$work/converted" >"$work/convert.out" 2>&1 \
  || { cat "$work/convert.out"; fail "converting the installed sample failed"; }
# The sample's 58 float32 weights become 1 byte each: 402048 -> 100812 weight bytes.
grep -q "100812 weight bytes" "$work/convert.out" || { cat "$work/convert.out"; fail "unexpected conversion report"; }
[ -f "$work/converted/model.json" ] || fail "conversion wrote no model.json"
ok "converted the sample: $(cat "$work/convert.out")"

"$bin/tfjs-studio-cli" bench "$work/converted/model.json" --warmup 1 --runs 3 >"$work/bench.out" 2>&1 \
  || { cat "$work/bench.out"; fail "benchmarking the converted sample failed"; }
grep -q "timed runs: 3" "$work/bench.out" || { cat "$work/bench.out"; fail "the benchmark report has no 3 timed runs"; }
ok "benchmarked the converted sample: $(grep -E 'backend|median' "$work/bench.out" | tr '\n' ' ')"

# Bad input: a clear message and a non-zero exit, not a crash.
rc=0; "$bin/tfjs-studio-cli" convert "$work/no-such-model.h5" "$work/out-bad" >"$work/bad.out" 2>&1 || rc=$?
[ "$rc" -ne 0 ] || fail "converting a missing file succeeded"
[ "$rc" -lt 128 ] || fail "converting a missing file crashed (exit $rc)"
grep -q "no-such-model.h5" "$work/bad.out" || { cat "$work/bad.out"; fail "the error does not name the missing file"; }

# A Keras .h5 goes through the HDF5 reader helper, which the installed CLI must find in
# libexec/tfjs-studio/ (when the shared models are at hand: TFJS_STUDIO_MODELS).
h5=${TFJS_STUDIO_MODELS:-}/pair-tfkeras224-mnist-bn-layers-and-graph/keras/tiny_mnist.h5
if [ -n "${TFJS_STUDIO_MODELS:-}" ] && [ -f "$h5" ]; then
  [ -x "$root/usr/libexec/tfjs-studio/tfjs-studio-h5-reader" ] || fail "the HDF5 reader helper is not installed in usr/libexec/tfjs-studio"
  env -u TFJS_STUDIO_HELPERS "$bin/tfjs-studio-cli" inspect "$h5" >"$work/h5.out" 2>&1 \
    || { cat "$work/h5.out"; fail "the installed CLI could not read a Keras .h5 (HDF5 reader helper)"; }
  grep -q "keras" "$work/h5.out" || { cat "$work/h5.out"; fail "unexpected inspect report for the .h5"; }
  ok "read a Keras .h5 through the installed HDF5 reader helper"
  # ... and writes one back (layers model -> keras) through the HDF5 writer helper.
  [ -x "$root/usr/libexec/tfjs-studio/tfjs-studio-h5-writer" ] || fail "the HDF5 writer helper is not installed in usr/libexec/tfjs-studio"
  env -u TFJS_STUDIO_HELPERS "$bin/tfjs-studio-cli" convert --input_format=keras --output_format=tfjs_layers_model "$h5" "$work/h5-layers" >"$work/h5w.out" 2>&1 \
    && env -u TFJS_STUDIO_HELPERS "$bin/tfjs-studio-cli" convert --input_format=tfjs_layers_model --output_format=keras "$work/h5-layers/model.json" "$work/back.h5" >>"$work/h5w.out" 2>&1 \
    && [ -s "$work/back.h5" ] || { cat "$work/h5w.out"; fail "the installed CLI could not write a Keras .h5 (HDF5 writer helper)"; }
  ok "wrote a Keras .h5 through the installed HDF5 writer helper"
fi
ok "a missing model is refused: $(head -1 "$work/bad.out")"

# --- the man pages: generated from --help, so every help line is in them --------------------
man_matches_help() { # PAGE COMMAND...
  local page=$1; shift
  local text; text=$(gzip -dc "$page")
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    local roff=${line//\\/\\e}; roff=${roff//-/\\-}
    [[ $roff == .* || $roff == \'* ]] && roff="\\&$roff"
    grep -qF -- "$roff" <<<"$text" || fail "$page lacks the help line: $line"
  done < <("$@" --help)
}
man_matches_help "$share/man/man1/tfjs-studio-cli.1.gz" "$bin/tfjs-studio-cli"
man_matches_help "$share/man/man1/tfjs-studio-cli.1.gz" "$bin/tfjs-studio-cli" convert
man_matches_help "$share/man/man1/tfjs-studio.1.gz" "$bin/tfjs-studio"
ok "man pages hold every line of --help"

# --- files named by the .desktop entry and the metainfo -------------------------------------
desktop=$share/applications/$app_id.desktop
metainfo=$share/metainfo/$app_id.metainfo.xml
mimexml=$share/mime/packages/$app_id.xml
for f in "$desktop" "$metainfo" "$mimexml"; do [ -f "$f" ] || fail "$f is not installed"; done
key() { sed -n "s/^$1=//p" "$desktop" | head -1; }
exec_bin=$(key Exec | awk '{print $1}')
[ -x "$bin/$exec_bin" ] || fail ".desktop Exec names $exec_bin, not installed in /usr/bin"
[ -x "$bin/$(key TryExec)" ] || fail ".desktop TryExec names $(key TryExec), not installed"
key Exec | grep -q ' %F$' || fail ".desktop Exec does not pass files with %F"
icon=$(key Icon)
[ -f "$share/icons/hicolor/scalable/apps/$icon.svg" ] || fail "icon $icon has no scalable SVG"
for size in 16 22 24 32 48 64 128 256 512; do
  png=$share/icons/hicolor/${size}x$size/apps/$icon.png
  [ -f "$png" ] || fail "icon $icon has no ${size}x$size PNG"
  file "$png" | grep -q "PNG image data, $size x $size" || fail "$png is not a ${size}x$size PNG: $(file "$png")"
done
known_mime() { # a type our MIME package or the system's database defines
  grep -q "<mime-type type=\"$1\"" "$mimexml" && return 0
  grep -qs "<mime-type type=\"$1\"" /usr/share/mime/packages/freedesktop.org.xml "$share/mime/packages/freedesktop.org.xml"
}
IFS=';' read -r -a types <<<"$(key MimeType)"
[ ${#types[@]} -ge 4 ] || fail ".desktop MimeType names ${#types[@]} types"
for t in "${types[@]}"; do known_mime "$t" || fail ".desktop MimeType $t is defined nowhere"; done
for g in '*.h5' '*.keras' 'model.json' 'saved_model.pb'; do
  grep -qF "pattern=\"$g\"" "$mimexml" /usr/share/mime/packages/freedesktop.org.xml || fail "no MIME type matches $g"
done
# The MIME package is valid and maps the names: build a database from it and the system's.
if command -v update-mime-database >/dev/null; then
  mkdir -p "$work/mime/packages"
  cp "$mimexml" "$work/mime/packages/"
  cp /usr/share/mime/packages/freedesktop.org.xml "$work/mime/packages/" 2>/dev/null || true
  update-mime-database "$work/mime" >/dev/null 2>&1 || fail "update-mime-database rejects $mimexml"
  for pair in application/x-keras:*.keras application/x-tfjs-model:model.json application/x-tensorflow-saved-model:saved_model.pb; do
    grep -qF ":$pair" "$work/mime/globs2" || fail "the MIME database built from $mimexml lacks $pair"
  done
  ok "MIME package: .keras, model.json, saved_model.pb map to their types"
fi
grep -q "<launchable type=\"desktop-id\">$app_id.desktop</launchable>" "$metainfo" || fail "metainfo launchable is not $app_id.desktop"
for b in $(sed -n 's:.*<binary>\(.*\)</binary>.*:\1:p' "$metainfo"); do
  [ -x "$bin/$b" ] || fail "metainfo names binary $b, not installed"
done
for t in $(sed -n 's:.*<mediatype>\(.*\)</mediatype>.*:\1:p' "$metainfo"); do
  known_mime "$t" || fail "metainfo mediatype $t is defined nowhere"
done
stock=$(sed -n 's:.*<icon type="stock">\(.*\)</icon>.*:\1:p' "$metainfo")
[ -f "$share/icons/hicolor/scalable/apps/$stock.svg" ] || fail "metainfo icon $stock is not installed"
grep -q "<release version=\"$version\"" "$metainfo" || fail "metainfo has no release entry for $version"
shot=$(sed -n 's:.*<image>\(.*\)</image>.*:\1:p' "$metainfo")
[ -n "$shot" ] || fail "metainfo has no screenshot"
if [ -n "$source" ]; then
  [ -f "$source/packaging/screenshots/${shot##*/}" ] || fail "screenshot ${shot##*/} is not in packaging/screenshots"
fi
ok "every file the .desktop entry and the metainfo name is installed"
if command -v desktop-file-validate >/dev/null; then
  desktop-file-validate "$desktop" || fail "desktop-file-validate $desktop"
  ok "desktop-file-validate"
fi
if command -v appstreamcli >/dev/null; then
  appstreamcli validate --no-net "$metainfo" || fail "appstreamcli validate $metainfo"
  ok "appstreamcli validate --no-net"
fi

# --- the studio, offscreen ------------------------------------------------------------------
# Its own session: settings, runtime folder (the single-instance socket) and home.
export QT_QPA_PLATFORM=offscreen HOME=$work/home XDG_CONFIG_HOME=$work/config XDG_RUNTIME_DIR=$work/run
unset DISPLAY WAYLAND_DISPLAY
mkdir -p "$HOME" "$XDG_CONFIG_HOME" && mkdir -m 700 "$XDG_RUNTIME_DIR"
"$bin/tfjs-studio" --version | grep -qx "tfjs-studio $version" || fail "tfjs-studio --version"

wait_for_line() { # FILE PATTERN PID: until FILE holds PATTERN (or PID exits: fail)
  local i
  for ((i = 0; i < 1200; i++)); do
    grep -q "$2" "$1" && return 0
    kill -0 "$3" 2>/dev/null || { cat "$1" "$1.err" 2>/dev/null; fail "the studio exited before printing '$2'"; }
    sleep 0.1
  done
  fail "the studio did not print '$2'"
}
# A studio on the sample; a second launch hands it the converted model; it opens it in window
# EXPECTED_WINDOW (1: the current window, 2: a new one) and quits after its second load.
second_launch() { # EXPECTED_WINDOW
  local out=$work/studio-$1.out
  "$bin/tfjs-studio" --quit-after-loads 2 "$sample" >"$out" 2>"$out.err" &
  local pid=$!; pids+=("$pid")
  wait_for_line "$out" "loaded .*blazeface/model.json in window 1" "$pid"
  "$bin/tfjs-studio" "$work/converted/model.json" >"$work/second.out" 2>&1 \
    || { cat "$work/second.out"; fail "the second launch failed"; }
  grep -q "handed 1 file(s) to the studio already running" "$work/second.out" \
    || { cat "$work/second.out"; fail "the second launch did not hand its file to the running studio"; }
  local rc=0; wait "$pid" || rc=$?
  [ "$rc" -eq 0 ] || { cat "$out" "$out.err"; fail "the studio exited with $rc"; }
  grep -q "loaded $work/converted/model.json in window $1" "$out" || { cat "$out" "$out.err"; fail "the handed file did not open in window $1"; }
  ok "studio on the sample; a second launch's file opened in window $1; exit 0"
}
second_launch 1
# The setting File > Open Files from the Desktop In > A New Window writes.
conf=$XDG_CONFIG_HOME/tfjs-studio/tfjs-studio.conf
mkdir -p "$(dirname "$conf")"
printf '[desktop]\nopenInNewWindow=true\n' >"$conf"
second_launch 2

# A model that is not there: a clear error and exit 1 (the test hook), not a crash.
rc=0; "$bin/tfjs-studio" --quit-after-loads 1 "$work/no-such-model.h5" >"$work/bad-studio.out" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || { cat "$work/bad-studio.out"; fail "the studio on a missing model exited $rc, expected 1"; }
grep -q "no-such-model.h5" "$work/bad-studio.out" || { cat "$work/bad-studio.out"; fail "the studio's error does not name the file"; }
ok "the studio on a missing model: $(grep no-such "$work/bad-studio.out" | head -1)"
echo "check_installed: all checks passed"
