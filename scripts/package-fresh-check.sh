#!/usr/bin/env bash
# Not in CI (needs root and 10+ minutes): installs the .deb with apt in a brand-new Debian 12 root
# (../shared/tools/fresh-machine.sh), runs the installed-copy checks there (tests/packaging/
# check_installed.sh with ROOT=/), purges the package and checks that nothing is left behind.
# usage (as root): scripts/package-fresh-check.sh [PACKAGE.deb] [LOG]
#   default PACKAGE.deb: build-release/packages/tfjs-studio_*.deb (scripts/package.sh makes it)
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "$0: run as root (debootstrap and chroot)" >&2; exit 2; }
deb=${1:-}
if [ -z "$deb" ]; then
  debs=(build-release/packages/tfjs-studio_*.deb)
  [ -f "${debs[0]}" ] || ./scripts/package.sh
  debs=(build-release/packages/tfjs-studio_*.deb)
  deb=${debs[0]}
fi
[ -f "$deb" ] || { echo "$0: $deb: no such package" >&2; exit 2; }
log=${2:-/dev/stdout}
version=$(dpkg-deb -f "$deb" Version)
app_id=$(dpkg-deb -c "$deb" | sed -n 's:.*/usr/share/applications/\(.*\)\.desktop$:\1:p' | head -1)
[ -n "$app_id" ] || { echo "$0: $deb holds no .desktop entry" >&2; exit 1; }

# fresh-machine.sh clones the committed project and copies a "shared" folder beside it; ours
# carries the package and the checks, so the check runs what is in this working tree.
stage=$(mktemp -d /var/tmp/tfjs-studio-fresh.XXXXXX)
trap 'rm -rf "$stage"' EXIT
cp "$deb" "$stage/tfjs-studio.deb"
cp tests/packaging/check_installed.sh "$stage/"
cat >"$stage/inside.sh" <<INSIDE
#!/usr/bin/env bash
# Runs in the fresh Debian 12 root.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# What the checks use (file, the validators, the system MIME database for .h5), not the package's.
apt-get install -y -q --no-install-recommends file desktop-file-utils appstream shared-mime-info >/dev/null
dpkg-query -W -f='\${Package}\n' | sort >/tmp/packages-before.txt
snapshot() { find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /run -o -path /tmp -o -path /work \\
  -o -path /var/cache -o -path /var/lib/apt -o -path /var/lib/dpkg -o -path /var/log -o -path /root/.cache \) -prune -o -print | sort; }

echo "== apt-get install ./tfjs-studio.deb"
apt-get install -y -q ../shared/tfjs-studio.deb >/tmp/apt.log 2>&1 || { tail -40 /tmp/apt.log; exit 1; }
echo "apt set up \$(grep -c '^Setting up' /tmp/apt.log) packages, among them: \$(grep -oE '^Setting up (tfjs-studio|mesa-vulkan-drivers|libqt6widgets6|libhdf5[^ ]*|qt6-wayland)[^ ]*' /tmp/apt.log | cut -d' ' -f3 | tr '\n' ' ')"
dpkg-query -W -f='installed: \${Package} \${Version} \${Status}\n' tfjs-studio
echo "Depends: \$(dpkg-query -W -f='\${Depends}' tfjs-studio)"
which tfjs-studio tfjs-studio-cli
echo "== checks of the installed copy"
bash ../shared/check_installed.sh / "$version" "$app_id"
dpkg -L tfjs-studio >/tmp/ours.txt

echo "== removing the package alone leaves the file system as it was before it (dependencies kept)"
dpkg --purge tfjs-studio >/dev/null
snapshot >/tmp/without.txt
dpkg -i ../shared/tfjs-studio.deb >/dev/null
tfjs-studio-cli --version
dpkg --purge tfjs-studio >/dev/null
snapshot >/tmp/after-purge.txt
if ! diff -u /tmp/without.txt /tmp/after-purge.txt; then
  echo "FAIL: installing and purging tfjs-studio changed the file system (above)"; exit 1
fi
echo "ok: install + purge of tfjs-studio: \$(wc -l </tmp/ours.txt) paths in, none left, nothing else changed"

echo "== apt-get autoremove --purge (the dependencies apt brought)"
apt-get autoremove -y -q --purge >/dev/null
dpkg-query -W -f='\${Package}\n' | sort >/tmp/packages-after.txt
kept=\$(comm -13 /tmp/packages-before.txt /tmp/packages-after.txt | tr '\n' ' ')
echo "packages apt keeps after autoremove (recommended by others it keeps; none of them is ours): \${kept:-none}"
if dpkg -l tfjs-studio 2>/dev/null | grep -q '^[a-z]i'; then echo "FAIL: dpkg still lists tfjs-studio"; exit 1; fi
while read -r f; do
  if [ -e "\$f" ] && [ ! -d "\$f" ]; then echo "FAIL: \$f of tfjs-studio is still there"; exit 1; fi
done </tmp/ours.txt
left=\$(find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /work \) -prune -o \( -iname '*tfjs-studio*' -o -iname '*$app_id*' -o -iname '*tfjs_studio*' \) -print)
[ -z "\$left" ] || { echo "FAIL: left behind: \$left"; exit 1; }
echo "ok: uninstalled; no file of tfjs-studio and nothing named after it is left"
INSIDE
echo "package-fresh-check: $deb ($version) in a fresh Debian 12 root; takes minutes"
../shared/tools/fresh-machine.sh . "$stage" "bash ../shared/inside.sh" "$log"
