#!/usr/bin/env bash
# Installs the built gov-hall-server package on a fresh Debian (bookworm) root booted with
# systemd as PID 1 in a systemd-nspawn container, starts the unit, checks /healthz and runs the
# doctor, then removes, reinstalls, purges and reinstalls it, checking what earlier packages got
# wrong. For a build machine without a spare Debian host: the package is tried as on one. Needs
# root and the Debian mirror; leaves nothing behind.
#
#   ./scripts/package.sh && sudo ./scripts/try-install.sh [target/debian/gov-hall-server_*.deb]
#
# Prints one PASS or FAIL line per check and exits 1 if any check failed (2: could not run).
#   (a) after `apt remove`: no failed unit (the backup timer), the system not `degraded`
#   (b) after `apt purge`: no link to a gov-hall unit left in /etc/systemd/system
#   (c) after purge, another system user taking the old uid, and a reinstall: everything in
#       /var/lib/gov-hall belongs to the new gov-hall user and the service opens its database
# and: the doctor exits 0 (with a PLACEHOLDER calendar for next year when the date is past
# November: empty `off`/`makeup` lists, not the State Council's dates), the backup unit runs,
# a remove + reinstall leaves the backup timer usable, and purge keeps files the administrator
# added to /etc/gov-hall.
#
# Works where the host's own PID 1 is not systemd (a VM's init, a CI runner): debootstrap and
# systemd-nspawn are only downloaded and unpacked, never installed on the host; the host's
# /run/systemd is shadowed by a tmpfs in a private mount namespace (else nspawn believes the
# host runs systemd and writes under its /run/systemd/nspawn); the cgroups nspawn creates are
# removed at the end.
set -euo pipefail

deb=$(readlink -f "${1:-$(ls target/debian/gov-hall-server_*.deb | tail -1)}")
[ -f "$deb" ] || { echo "no package: run ./scripts/package.sh first" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 2; }

work=$(mktemp -d /tmp/gov-hall-try.XXXXXX)
root=$work/root
tools=$work/tools
machine=gov-hall-try
pkg=/root/$(basename "$deb")
pid=

# The cgroups that exist now; whatever nspawn adds (under the host's current cgroup, named
# after no machine) is removed at the end.
cgroups_now() { find /sys/fs/cgroup/systemd /sys/fs/cgroup/unified -type d 2>/dev/null | sort; }
cgroups_now >"$work/cgroups.before"

# The container's PID 1: a descendant of nspawn whose pid in its own namespace is 1.
leader() {
    [ -n "$pid" ] || return 0
    local st p ns ppid
    for st in /proc/[0-9]*/status; do
        ns=$(awk '/^NSpid:/ { print $NF, NF }' "$st" 2>/dev/null) || continue
        [ "${ns% *}" = 1 ] && [ "${ns#* }" -ge 3 ] || continue
        p=${st#/proc/}; p=${p%/status}
        ppid=$p
        while [ "$ppid" -gt 1 ]; do
            [ "$ppid" = "$pid" ] && { echo "$p"; return 0; }
            ppid=$(awk '/^PPid:/ { print $2 }' "/proc/$ppid/status" 2>/dev/null) || break
            [ -n "$ppid" ] || break
        done
    done
}
in_c() {
    local l
    l=$(leader)
    [ -n "$l" ] || { echo "container not running" >&2; return 125; }
    nsenter -t "$l" -a "$@"
}

cleanup() {
    set +e
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        in_c systemctl poweroff >/dev/null 2>&1
        for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
        kill -0 "$pid" 2>/dev/null && kill "$pid" && sleep 5
        kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
        wait "$pid" 2>/dev/null
    fi
    # Deepest first; a cgroup that still holds a process stays (rmdir refuses).
    comm -13 "$work/cgroups.before" <(cgroups_now) | sort -r | while read -r d; do
        rmdir "$d" 2>/dev/null || echo "left: cgroup $d" >&2
    done
    # Every mount into the root lived in a private mount namespace, gone with its processes;
    # refuse to delete through one that is still visible here.
    if grep -q " $work" /proc/self/mounts; then
        echo "left: $work (still mounted)" >&2
    else
        rm -rf --one-file-system "$work"
    fi
}
trap cleanup EXIT

failures=0
pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
# Waits up to 30 s for the hall to be active and answer /healthz; prints the answer.
hall_up() {
    local h
    for _ in $(seq 30); do
        if [ "$(in_c systemctl is-active gov-hall 2>/dev/null)" = active ] &&
            h=$(in_c curl -fsS -m 5 http://127.0.0.1:7700/healthz 2>/dev/null); then
            echo "$h"
            return 0
        fi
        sleep 1
    done
    return 1
}
# The answer's gist: status, storage, seq.
gist() { grep -o '"\(status\|storage\)":"[^"]*"\|"seq":[0-9]*' <<<"$1" | tr '\n' ' '; }
apt_c() { in_c env DEBIAN_FRONTEND=noninteractive apt-get "$@" -y -q >"$work/apt.log" 2>&1 ||
    { cat "$work/apt.log" >&2; return 1; }; }

echo "== tools (downloaded, not installed)"
mkdir -p "$tools" && cd "$work"
version=$(dpkg-query -W -f '${Version}' systemd)
apt-get download -q debootstrap "systemd-container=$version" >/dev/null 2>&1 ||
    { echo "cannot download systemd-container=$version and debootstrap" >&2; exit 2; }
for p in debootstrap_*.deb systemd-container_*.deb; do dpkg-deb -x "$p" "$tools"; done

echo "== a fresh Debian root (debootstrap, about a minute)"
unshare --mount --propagation private env DEBOOTSTRAP_DIR="$tools/usr/share/debootstrap" \
    "$tools/usr/sbin/debootstrap" --variant=minbase \
    --include=systemd,systemd-sysv,dbus,adduser,curl,procps bookworm "$root" \
    http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log" >&2; exit 2; }
cp "$deb" "$root/root/"

echo "== boot it (systemd as PID 1)"
unshare --mount --propagation private sh -c \
    "mount -t tmpfs tmpfs /run/systemd 2>/dev/null || mount -t tmpfs tmpfs /run; \
     exec $tools/usr/bin/systemd-nspawn -D $root --boot --private-network --register=no \
       --keep-unit --link-journal=no -M $machine --console=read-only" >"$work/console.log" 2>&1 &
pid=$!
state=
for _ in $(seq 90); do
    kill -0 "$pid" 2>/dev/null || break
    state=$(in_c systemctl is-system-running 2>/dev/null || true)
    case "$state" in running|degraded) break ;; esac
    sleep 1
done
echo "system: ${state:-not booted} (container PID 1 is host pid $(leader))"
case "$state" in running|degraded) ;; *) tail -30 "$work/console.log" >&2; exit 2 ;; esac
failed_before=$(in_c systemctl list-units --failed --plain --no-legend | awk '{ print $1 }')
[ -z "$failed_before" ] || echo "failed before the install (not the package's): $failed_before"

echo "== install, start"
apt_c install "$pkg"
if health=$(hall_up); then pass "installed: gov-hall active, /healthz: $health"
else fail "installed: gov-hall not active or /healthz not answering"; in_c journalctl -u gov-hall -n 20 --no-pager; fi
timer=$(in_c systemctl is-active gov-hall-backup.timer || true)
[ "$timer" = active ] && pass "backup timer active" || fail "backup timer: $timer"

echo "== next year's calendar (docs/operations.md), then the doctor"
year=$(in_c date +%Y); month=$(in_c date +%m); next=$((year + 1))
if [ "$month" -ge 11 ] && ! in_c grep -q "^\[years\.$next\]" /usr/share/gov-hall/calendar.toml; then
    echo "PLACEHOLDER calendar: [years.$next] with empty off/makeup lists, NOT the State Council's"
    echo "            dates; a centre fills them in from the notice (国务院办公厅 ... 通知)"
    in_c sh -ec "
        install -m 0640 -o root -g gov-hall /usr/share/gov-hall/calendar.toml /etc/gov-hall/calendar.toml
        printf '%s\n' '' '# PLACEHOLDER written by scripts/try-install.sh: not the State Council notice.' \
            '[years.$next]' 'notice = \"PLACEHOLDER (try-install.sh): no holidays entered\"' \
            'off = []' 'makeup = []' >>/etc/gov-hall/calendar.toml
        sed -i 's|^HALL_ARGS=\"|HALL_ARGS=\"--calendar /etc/gov-hall/calendar.toml |' /etc/gov-hall/hall.env
        echo HALL_CALENDAR=/etc/gov-hall/calendar.toml >>/etc/gov-hall/hall.env
        systemctl restart gov-hall"
    if health=$(hall_up); then pass "restarted with the calendar, /healthz: $(gist "$health")"
    else fail "gov-hall does not come back with the calendar"; in_c journalctl -u gov-hall -n 20 --no-pager; fi
fi
# The backup unit once by hand (as the timer would), so the doctor sees a backup.
if in_c systemctl start gov-hall-backup.service; then pass "backup unit ran: $(in_c ls /var/lib/gov-hall/backups | tr '\n' ' ')"
else fail "backup unit"; in_c journalctl -u gov-hall-backup -n 20 --no-pager; fi
set +e
in_c sh -c 'cd /tmp && runuser -u gov-hall -- sh -c "umask 077; set -a; . /etc/gov-hall/hall.env; dashboard doctor"'
doctor=$?
set -e
[ "$doctor" = 0 ] && pass "doctor exit 0" || fail "doctor exit $doctor"
uid=$(in_c id -u gov-hall); gid=$(in_c id -g gov-hall)
echo "gov-hall is uid $uid gid $gid; $(in_c ls -ln /var/lib/gov-hall | tail -n +2 | awk '{ printf "%s %s:%s, ", $9, $3, $4 }')"

echo "== (a) remove: no failed unit left"
apt_c remove gov-hall-server
sleep 2
failed=$(in_c systemctl list-units --all --failed --plain --no-legend | awk '{ print $1 }')
new_failed=$(comm -13 <(echo "$failed_before" | sort) <(echo "$failed" | sort) | grep . || true)
running=$(in_c systemctl is-system-running || true)
timer=$(in_c systemctl show -p ActiveState --value gov-hall-backup.timer)
[ -z "$new_failed" ] && pass "(a) no failed unit after remove (backup timer: $timer)" ||
    fail "(a) failed after remove: $(echo $new_failed)"
if [ -z "$failed_before" ]; then
    [ "$running" = running ] && pass "(a) is-system-running: $running" || fail "(a) is-system-running: $running"
else
    echo "(a) is-system-running: $running (was degraded before the install)"
fi
in_c test -f /var/lib/gov-hall/hall.db && pass "remove keeps the database" || fail "remove deleted the database"

echo "== remove, then install again: the backup timer usable again"
apt_c install "$pkg"
health=$(hall_up) && pass "reinstalled: /healthz $(gist "$health")" || fail "reinstalled: gov-hall not active"
timer=$(in_c systemctl is-active gov-hall-backup.timer || true)
enabled=$(in_c systemctl is-enabled gov-hall-backup.timer || true)
[ "$timer" = active ] && [ "$enabled" = enabled ] && pass "backup timer after remove + install: $timer, $enabled" ||
    fail "backup timer after remove + install: $timer, $enabled"
apt_c remove gov-hall-server

echo "== (b) purge: no link left; records and added files kept"
apt_c purge gov-hall-server
links=$(in_c find /etc/systemd/system -name 'gov-hall*' | sort)
[ -z "$links" ] && pass "(b) nothing named gov-hall* in /etc/systemd/system after purge" ||
    fail "(b) left after purge: $(echo $links)"
dangling=$(in_c find /etc/systemd/system -xtype l | sort)
[ -z "$dangling" ] && pass "(b) no dangling link in /etc/systemd/system" || fail "(b) dangling: $(echo $dangling)"
in_c test -f /var/lib/gov-hall/hall.db && in_c test -f /var/lib/gov-hall/centre.key &&
    pass "purge keeps hall.db and centre.key" || fail "purge deleted the records"
if in_c test -f /etc/gov-hall/calendar.toml; then pass "purge keeps the added /etc/gov-hall/calendar.toml"
elif [ "$month" -ge 11 ]; then fail "purge deleted the added /etc/gov-hall/calendar.toml"; fi
in_c test ! -e /etc/gov-hall/hall.env && pass "purge removes hall.env" || fail "purge left hall.env"
in_c getent passwd gov-hall >/dev/null && fail "purge left the gov-hall user" || pass "purge removes the gov-hall user"

echo "== (c) another system user takes uid $uid, then install again"
in_c sh -ec "
    if getent group $gid >/dev/null; then g=--user-group
    else groupadd --system --gid $gid squatter; g='--gid squatter'; fi
    useradd --system --uid $uid \$g --no-create-home --shell /usr/sbin/nologin squatter"
echo "squatter: $(in_c id squatter)"
apt_c install "$pkg"
echo "gov-hall is now $(in_c id gov-hall)"
foreign=$(in_c find /var/lib/gov-hall \( ! -user gov-hall -o ! -group gov-hall \) -printf '%p %u:%g\n')
[ -z "$foreign" ] && pass "(c) everything in /var/lib/gov-hall belongs to gov-hall" ||
    fail "(c) not gov-hall's: $(echo $foreign)"
if health=$(hall_up) && in_c runuser -u gov-hall -- test -r /var/lib/gov-hall/centre.key -a -w /var/lib/gov-hall/hall.db; then
    restarts=$(in_c systemctl show -p NRestarts --value gov-hall)
    [ "$restarts" = 0 ] && pass "(c) the hall opens its database again: /healthz $(gist "$health")" ||
        fail "(c) the hall restarted $restarts times"
else
    fail "(c) the hall cannot use its database"; in_c journalctl -u gov-hall -n 20 --no-pager
fi
orphans=$(in_c find /etc/gov-hall \( -nouser -o -nogroup -o -group squatter \) -printf '%p %u:%g\n')
[ -z "$orphans" ] || echo "NOTE kept admin files in /etc/gov-hall not re-owned: $(echo $orphans)"

echo
if [ "$failures" = 0 ]; then echo "all checks passed"; else echo "$failures check(s) FAILED"; exit 1; fi
