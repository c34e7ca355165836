#!/usr/bin/env bash
# Builds the Debian packages gov-hall-server (dashboard + systemd units) and gov-hall-counter
# (counter + device) with cargo-deb, then checks what went into them. Output: target/debian/.
# Installs cargo-deb if missing. Not part of ./scripts/test.sh (a release build takes long);
# the tests check the unit files, maintainer scripts and package metadata without it.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v cargo-deb >/dev/null 2>&1 || cargo install --locked cargo-deb
command -v dpkg-deb >/dev/null 2>&1 || { echo "dpkg-deb is needed (apt-get install dpkg)"; exit 2; }

target="${CARGO_TARGET_DIR:-target}"
cargo build --release -p dashboard --bin dashboard -p counter-tui --bin counter -p device --bin device
# Units go to /usr/lib/systemd/system (merged /usr), where cargo-deb puts the main one too.
# cargo-deb resolves `target/release/...` assets against the workspace target directory.
server=$(cargo deb -p dashboard --no-build --no-strip --output "$target/debian/" | tail -1)
counter=$(cargo deb -p counter-tui --no-build --no-strip --output "$target/debian/" | tail -1)

check() { # package, paths that must be in it
  local deb=$1; shift
  local listing; listing=$(dpkg-deb -c "$deb")
  for p in "$@"; do
    grep -q " \./$p\$" <<<"$listing" || { echo "MISSING in $deb: $p"; exit 1; }
  done
  echo "ok: $deb"
}
check "$server" usr/bin/dashboard etc/gov-hall/hall.toml etc/gov-hall/hall.env \
  usr/lib/systemd/system/gov-hall.service usr/lib/systemd/system/gov-hall-backup.service \
  usr/lib/systemd/system/gov-hall-backup.timer usr/share/doc/gov-hall-server/operations.md
check "$counter" usr/bin/counter usr/bin/device
dpkg-deb -f "$server" Package Depends
dpkg-deb -f "$counter" Package Depends

# The unit as installed, against the binary as packaged.
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
dpkg-deb -x "$server" "$tmp/root"
sed "s#/usr/bin/dashboard#$tmp/root/usr/bin/dashboard#" "$tmp/root/usr/lib/systemd/system/gov-hall.service" > "$tmp/gov-hall.service"
sed "s#/usr/bin/dashboard#$tmp/root/usr/bin/dashboard#" "$tmp/root/usr/lib/systemd/system/gov-hall-backup.service" > "$tmp/gov-hall-backup.service"
cp "$tmp/root/usr/lib/systemd/system/gov-hall-backup.timer" "$tmp/"
if command -v systemd-analyze >/dev/null 2>&1; then
  (cd "$tmp" && systemd-analyze verify --man=no ./gov-hall.service ./gov-hall-backup.service ./gov-hall-backup.timer)
  echo "ok: units verify"
fi
echo "$server"
echo "$counter"
