#!/bin/bash
# Runs a binary under smsledger.service's sandbox in a real service manager and checks the
# systemd contract: READY=1 reaches "active (running)", WATCHDOG=1 pings keep it alive past
# WatchdogSec, `systemctl reload` (SIGHUP, RELOADING=1 + MONOTONIC_USEC) completes, and stop ends
# with Result=success. Its log lines are read back from a private journald.
#
# Usage: systemd/tests/unit-sandbox.sh BINARY [ARGS...]   (ARGS replace `run --config …`)
# Needs root and the `systemd` package; no systemd PID 1: `systemd --user` runs as root inside a
# private mount namespace (tmpfs over /run, a bind-mounted journald.conf), next to a private
# systemd-journald. Nothing on the host changes.
#
# A user manager cannot set up the unit's mount namespace here, so the copy it runs drops the
# mount-namespace directives (ProtectSystem, ProtectHome, PrivateTmp, PrivateDevices, Protect*,
# PrivateMounts, State/ConfigurationDirectory) and DynamicUser (a dynamic user cannot reach a root
# user manager's notify socket). Everything enforced by seccomp or capabilities stays and is
# exercised: MemoryDenyWriteExecute, SystemCallFilter, SystemCallArchitectures,
# RestrictAddressFamilies, RestrictNamespaces, RestrictRealtime, LockPersonality, NoNewPrivileges,
# CapabilityBoundingSet=, PrivateUsers, UMask, LoadCredential. The full unit is covered offline by
# systemd/check-unit.sh. WatchdogSec is cut to 4 s so a missing ping shows within the test.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 BINARY [ARGS...]" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "unit-sandbox.sh: needs root" >&2; exit 2; }
BINARY=$(realpath "$1"); shift
UNIT=$(realpath "$(dirname "$0")/../smsledger.service")
EXEC="$BINARY"; [ $# -gt 0 ] && EXEC="$BINARY $*"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/unit-sandbox.XXXXXX")
chmod 700 "$WORK"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/config/systemd/user" "$WORK/state" "$WORK/journal"
printf 'test-secret' > "$WORK/secret" && chmod 600 "$WORK/secret"
printf '[Journal]\nStorage=volatile\nReadKMsg=no\nForwardToSyslog=no\nForwardToWall=no\nRateLimitBurst=0\n' > "$WORK/journald.conf"
DROP='ProtectSystem|ProtectHome|PrivateTmp|PrivateDevices|ProtectKernelTunables|ProtectKernelModules'
DROP="$DROP|ProtectKernelLogs|ProtectControlGroups|ProtectProc|ProcSubset|PrivateMounts"
DROP="$DROP|StateDirectory|ConfigurationDirectory|DynamicUser"
grep -vE "^($DROP)=" "$UNIT" | sed \
    -e "s#^ExecStart=.*#ExecStart=$EXEC#" \
    -e "s#:/etc/smsledger/alibaba-access-key-secret#:$WORK/secret#" \
    -e "s#^Environment=SMSLEDGER_STORE_PATH=.*#Environment=SMSLEDGER_STORE_PATH=$WORK/state/ledger.sqlite#" \
    -e "s#^WatchdogSec=.*#WatchdogSec=4#" \
    > "$WORK/config/systemd/user/smsledger.service"

rc=0
unshare --mount --propagation private bash -c '
    set -euo pipefail
    WORK="$1"
    mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/system
    mount --bind "$WORK/journald.conf" /etc/systemd/journald.conf
    /lib/systemd/systemd-journald >"$WORK/journald.log" 2>&1 &
    JPID=$!
    for _ in $(seq 50); do [ -S /run/systemd/journal/socket ] && break; sleep 0.1; done
    export XDG_RUNTIME_DIR="$WORK" XDG_CONFIG_HOME="$WORK/config"
    /lib/systemd/systemd --user --log-target=journal >"$WORK/manager.log" 2>&1 &
    MPID=$!
    for _ in $(seq 50); do [ "$(systemctl --user is-system-running 2>/dev/null)" = running ] && break; sleep 0.1; done
    sc() { systemctl --user "$@"; }
    rc=0
    check() { echo "unit-sandbox.sh: $1"; if [ "$2" != 0 ]; then rc=1; echo "  FAILED"; fi; }
    sc start smsledger; check "start: READY=1 received" $?
    PID=$(sc show -p MainPID --value smsledger)
    grep -q "^Seccomp:[[:space:]]*2" "/proc/$PID/status"; check "seccomp filter active on PID $PID" $?
    sleep 6
    [ "$(sc show -p ActiveState --value smsledger)" = active ] && [ "$(sc show -p NRestarts --value smsledger)" = 0 ]
    check "still active after 6 s with WatchdogSec=4 (pings accepted)" $?
    sc reload smsledger; check "reload (SIGHUP, RELOADING=1)" $?
    sc status --no-pager smsledger | sed -n "1,8p"
    sc stop smsledger
    [ "$(sc show -p Result --value smsledger)" = success ]; check "stop: Result=success" $?
    kill "$MPID"; wait "$MPID" 2>/dev/null || true
    journalctl --sync || true
    kill "$JPID"; wait "$JPID" || true
    cp -r /run/log/journal/. "$WORK/journal/"
    exit "$rc"
' bash "$WORK" || rc=$?
echo "--- the service's log (private journal)"
journalctl --directory="$WORK/journal" --no-pager -o short-precise _SYSTEMD_USER_UNIT=smsledger.service \
    + SYSLOG_IDENTIFIER=smsledger | tail -30
[ "$rc" = 0 ] && echo "unit-sandbox.sh: OK" || echo "unit-sandbox.sh: FAIL" >&2
exit "$rc"
