#!/bin/bash
# Runs the real `smsledger run` as smsledger.service (Type=notify, sandboxed) under a real systemd
# service manager and a real journald, against an emulator on loopback, and checks the systemd
# contract end to end:
#   start    `systemctl start` returns once READY=1 arrived; active/running; seccomp is on; the
#            secret arrives through LoadCredential=; STATUS= shows the daemon's counters
#   work     receipts and replies enqueued in the emulator reach the ledger exactly once
#   watchdog still running after 1.5 x WatchdogSec, WatchdogTimestamp set (WATCHDOG=1 pings)
#   reload   `systemctl reload` (ExecReload= sends SIGHUP) keeps the same PID and applies the
#            new log level: receipts logged at debug before the reload, not after it; an invalid
#            file is refused and the service keeps running
#   crash    after `systemctl kill -s KILL`, Restart=on-failure brings up a new process that goes on
#            storing into the same ledger
#   stop     `systemctl stop` (SIGTERM, STOPPING=1) ends with Result=success and exit status 0
#   journal  `journalctl --directory=… SMS_BIZ_ID=<id>` finds the receipt's entry with its fields
#            (PRIORITY, MNS_QUEUE, masked SMS_PHONE, _SYSTEMD_USER_UNIT, native _TRANSPORT); format
#            "auto" must have chosen the journal because systemd connected stderr to it
#
# Usage: systemd/tests/unit-sandbox.sh [BINARY]    (default: $LEDGER_BIN, then the debug build)
# Set KEEP=1 to keep the work directory (config, unit, journal, logs).
# Needs root, python3, sqlite3 and the `systemd` package; no systemd PID 1: `systemd --user` runs as
# root inside a private mount namespace (tmpfs over /run, a bind-mounted journald.conf), next to a
# private systemd-journald. Nothing on the host changes. Takes about 15 s.
#
# A user manager cannot set up the unit's mount namespace here, so the copy it runs drops the
# mount-namespace directives (ProtectSystem, ProtectHome, PrivateTmp, PrivateDevices, Protect*,
# PrivateMounts, State/ConfigurationDirectory) and DynamicUser (a dynamic user cannot reach a root
# user manager's notify socket). Everything enforced by seccomp or capabilities stays and is
# exercised: MemoryDenyWriteExecute, SystemCallFilter, SystemCallArchitectures,
# RestrictAddressFamilies, RestrictNamespaces, RestrictRealtime, LockPersonality, NoNewPrivileges,
# CapabilityBoundingSet=, PrivateUsers, UMask, LoadCredential. The full unit is covered offline by
# systemd/check-unit.sh. WatchdogSec is cut to 4 s so a missing ping shows within the test, and
# RestartSec to 1 s.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
QUEUES="$ROOT/Tests/System/alicom_queues.py"
UID_DIGITS=1234567890123456
REPORT_QUEUE="Alicom-Queue-$UID_DIGITS-SmsReport"
UP_QUEUE="Alicom-Queue-$UID_DIGITS-SmsUp"
# Batch A is logged at debug level, batch B after the reload to info level, batch C after a restart.
BIZ_A=910000000000000000 BIZ_B=920000000000000000 BIZ_C=930000000000000000
REPORTS_A=300 REPLIES_A=100 REPORTS_B=100 REPLIES_B=20 REPORTS_C=50

say() { echo "unit-sandbox.sh: $*"; }
fail() { echo "unit-sandbox.sh: FAIL: $*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------
# Inside the private mount namespace: journald, the user manager, and every systemctl check.
# ---------------------------------------------------------------------------------------------
inside() {
    # /run is made shared (within this namespace only; the tmpfs is new here): the manager sets up
    # LoadCredential= in a child mount namespace and moves the credential mount into place under
    # $XDG_RUNTIME_DIR/credentials, which reaches us only through a shared mount. On a private one
    # the service would see an empty $CREDENTIALS_DIRECTORY.
    mount -t tmpfs tmpfs /run
    mount --make-shared /run
    mkdir -p /run/systemd/system /run/user/0
    chmod 700 /run/user/0
    mount --bind "$WORK/journald.conf" /etc/systemd/journald.conf
    /lib/systemd/systemd-journald >"$WORK/journald.log" 2>&1 &
    JPID=$!
    export XDG_RUNTIME_DIR=/run/user/0 XDG_CONFIG_HOME="$WORK/config"
    MPID=
    # Whatever happens, stop the manager (it stops the unit) and journald, and keep the journal.
    trap 'set +e
          [ -n "$MPID" ] && { systemctl --user stop smsledger >/dev/null 2>&1; kill "$MPID"; wait "$MPID"; }
          journalctl --sync; kill "$JPID"; wait "$JPID"
          cp -r /run/log/journal/. "$WORK/journal/"' EXIT
    wait_for 5 "journald socket" test -S /run/systemd/journal/socket
    /lib/systemd/systemd --user --log-target=journal >"$WORK/manager.log" 2>&1 &
    MPID=$!
    wait_for 10 "the user manager" manager_up

    sc() { timeout 40 systemctl --user "$@"; }
    prop() { sc show -p "$1" --value smsledger; }

    # Work for the debug-level phase is waiting before the daemon starts.
    "$QUEUES" "$EMULATOR" enqueue --reports $REPORTS_A --replies $REPLIES_A --biz-base $BIZ_A \
        --sequence-base 7100000000 --duplicates 10 >/dev/null

    sc start smsledger || { diagnose; fail "systemctl start failed (no READY=1, or the daemon exited)"; }
    [ "$(prop ActiveState)/$(prop SubState)" = active/running ] \
        || { diagnose; fail "after start: $(prop ActiveState)/$(prop SubState), expected active/running"; }
    PID=$(prop MainPID)
    START_AT=$SECONDS
    say "start: READY=1 received, active/running, MainPID $PID"
    grep -q "^Seccomp:[[:space:]]*2" "/proc/$PID/status" || fail "no seccomp filter on PID $PID"
    grep -q "^NoNewPrivs:[[:space:]]*1" "/proc/$PID/status" || fail "NoNewPrivs not set on PID $PID"
    say "sandbox: seccomp filter and NoNewPrivs active"

    "$QUEUES" "$EMULATOR" wait-drained --timeout 45 || { diagnose; fail "batch A not drained"; }
    expect_ledger $REPORTS_A $REPLIES_A
    wait_for 10 "STATUS= with the daemon's counters" status_shows "SmsReport: $REPORTS_A stored"
    say "work: $REPORTS_A receipts + $REPLIES_A replies stored once; StatusText: $(prop StatusText)"

    # 6 s > WatchdogSec=4: only regular WATCHDOG=1 pings keep the unit alive this long.
    sleep $(( START_AT + 6 - SECONDS > 0 ? START_AT + 6 - SECONDS : 0 ))
    [ "$(prop ActiveState)" = active ] && [ "$(prop NRestarts)" = 0 ] && [ "$(prop MainPID)" = "$PID" ] \
        || { diagnose; fail "not running as PID $PID after 6 s with WatchdogSec=4"; }
    [ "$(prop WatchdogTimestampMonotonic)" != 0 ] || fail "WatchdogTimestamp unset: no WATCHDOG=1 received"
    say "watchdog: still PID $PID after 6 s with WatchdogSec=4, last ping at $(prop WatchdogTimestamp)"

    sed -i 's/^level = "debug"/level = "info"/' "$WORK/smsledger.toml"
    sc reload smsledger || { diagnose; fail "systemctl reload failed"; }
    [ "$(prop ActiveState)/$(prop SubState)" = active/running ] && [ "$(prop MainPID)" = "$PID" ] \
        || { diagnose; fail "after reload: $(prop ActiveState)/$(prop SubState) PID $(prop MainPID)"; }
    "$QUEUES" "$EMULATOR" enqueue --reports $REPORTS_B --replies $REPLIES_B --biz-base $BIZ_B \
        --sequence-base 7200000000 >/dev/null
    "$QUEUES" "$EMULATOR" wait-drained --timeout 45 || { diagnose; fail "batch B not drained after reload"; }
    expect_ledger $((REPORTS_A + REPORTS_B)) $((REPLIES_A + REPLIES_B))
    say "reload: same PID $PID, still active/running; batch B stored (log level now info)"

    # A crash: systemd restarts the unit (Restart=on-failure) and the new process carries on.
    sc kill -s KILL smsledger
    wait_for 20 "a restart after kill -9" restarted_from "$PID"
    OLD_PID=$PID PID=$(prop MainPID)
    "$QUEUES" "$EMULATOR" enqueue --reports $REPORTS_C --biz-base $BIZ_C >/dev/null
    "$QUEUES" "$EMULATOR" wait-drained --timeout 45 || { diagnose; fail "batch C not drained after the restart"; }
    expect_ledger $((REPORTS_A + REPORTS_B + REPORTS_C)) $((REPLIES_A + REPLIES_B))
    say "kill -9: restarted by Restart=on-failure (PID $OLD_PID -> $PID, NRestarts=1); batch C stored"

    cp "$WORK/smsledger.toml" "$WORK/smsledger.toml.good"
    echo 'no_such_key = 1' >>"$WORK/smsledger.toml"
    sc reload smsledger || { diagnose; fail "systemctl reload of an invalid file failed"; }
    sleep 1
    [ "$(prop ActiveState)/$(prop SubState)" = active/running ] && [ "$(prop MainPID)" = "$PID" ] \
        || { diagnose; fail "after an invalid reload: $(prop ActiveState)/$(prop SubState)"; }
    cp "$WORK/smsledger.toml.good" "$WORK/smsledger.toml"
    say "invalid reload: refused, still PID $PID active/running"

    sc stop smsledger || fail "systemctl stop failed"
    [ "$(prop Result)" = success ] && [ "$(prop ExecMainStatus)" = 0 ] \
        || { diagnose; fail "stop: Result=$(prop Result) ExecMainStatus=$(prop ExecMainStatus), expected success/0"; }
    say "stop: Result=success, exit status 0"
}

restarted_from() {
    [ "$(prop NRestarts)" = 1 ] && [ "$(prop ActiveState)/$(prop SubState)" = active/running ] \
        && [ "$(prop MainPID)" != "$1" ] && [ "$(prop MainPID)" != 0 ]
}
manager_up() { [[ "$(systemctl --user is-system-running 2>/dev/null)" =~ ^(running|degraded)$ ]]; }
status_shows() { [[ "$(systemctl --user show -p StatusText --value smsledger)" == *"$1"* ]]; }

# wait_for SECONDS WHAT CMD...: polls CMD every 0.2 s; fails naming WHAT when time runs out.
wait_for() {
    local limit=$1 what=$2; shift 2
    local deadline=$((SECONDS + limit))
    until "$@"; do
        [ "$SECONDS" -lt "$deadline" ] || { diagnose; fail "timed out after ${limit} s waiting for $what"; }
        sleep 0.2
    done
}

expect_ledger() {
    local receipts replies
    receipts=$(sqlite3 "file:$WORK/state/ledger.sqlite?mode=ro" "SELECT count(*) FROM receipts")
    replies=$(sqlite3 "file:$WORK/state/ledger.sqlite?mode=ro" "SELECT count(*) FROM replies")
    [ "$receipts/$replies" = "$1/$2" ] || fail "ledger holds $receipts receipts / $replies replies, expected $1/$2"
}

diagnose() {
    echo "--- systemctl --user status smsledger" >&2
    systemctl --user status --no-pager -n 0 smsledger >&2 || true
    echo "--- journal (tail)" >&2
    journalctl -D /run/log/journal --no-pager -o short-precise -n 25 >&2 || true
}

if [ "${1:-}" = --inside ]; then
    trap 'exit 143' TERM INT  # so that the EXIT trap inside() sets still stops the manager
    inside
    exit 0
fi

# ---------------------------------------------------------------------------------------------
# Outside: the emulator, the config, the reduced unit; afterwards the journal checks.
# ---------------------------------------------------------------------------------------------
BINARY=${1:-${LEDGER_BIN:-$(swift build --package-path "$ROOT" --show-bin-path)/smsledger}}
[ -x "$BINARY" ] || fail "no executable at $BINARY (swift build first)"
BINARY=$(realpath "$BINARY")
[ "$(id -u)" = 0 ] || { echo "unit-sandbox.sh: needs root (it mounts in a private namespace)" >&2; exit 2; }
for tool in /lib/systemd/systemd /lib/systemd/systemd-journald; do
    [ -x "$tool" ] || { echo "unit-sandbox.sh: $tool missing (apt-get install systemd)" >&2; exit 2; }
done
for tool in python3 sqlite3 journalctl unshare timeout; do
    command -v "$tool" >/dev/null || { echo "unit-sandbox.sh: $tool missing" >&2; exit 2; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/unit-sandbox.XXXXXX")
chmod 700 "$WORK"
EMULATOR_PID=
cleanup() {
    [ -n "$EMULATOR_PID" ] && kill "$EMULATOR_PID" 2>/dev/null && wait "$EMULATOR_PID" 2>/dev/null
    if [ "${KEEP:-0}" = 1 ]; then echo "unit-sandbox.sh: work directory kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
mkdir -p "$WORK/config/systemd/user" "$WORK/state" "$WORK/journal"

SECRET="UnitSandboxSecret-$RANDOM$RANDOM"
"$BINARY" emulator --listen 127.0.0.1:0 --access-key-id LTAI5tUnitSandbox --access-key-secret "$SECRET" \
    --account-uid "$UID_DIGITS" --visibility-timeout 5 >"$WORK/emulator.out" 2>"$WORK/emulator.log" &
EMULATOR_PID=$!
for _ in $(seq 100); do grep -q "listening on" "$WORK/emulator.out" && break; sleep 0.1; done
EMULATOR=$(sed -n 's/^emulator listening on //p' "$WORK/emulator.out")
[ -n "$EMULATOR" ] || fail "the emulator did not start: $(cat "$WORK/emulator.log")"

# The secret reaches the daemon only as a systemd credential (LoadCredential=), as in production.
printf '%s' "$SECRET" >"$WORK/secret" && chmod 600 "$WORK/secret"
cat >"$WORK/smsledger.toml" <<EOF
[alibaba]
access_key_id = "LTAI5tUnitSandbox"
dybaseapi_endpoint = "$EMULATOR"
dysmsapi_endpoint = "$EMULATOR"
mns_endpoint = "$EMULATOR"
request_timeout_seconds = 5

[queues]
account_uid = "$UID_DIGITS"

[polling]
wait_seconds = 1
max_backoff_seconds = 1

[compensation]
enabled = false

[http]
enabled = false

[logging]
level = "debug"
format = "auto"
EOF
printf '[Journal]\nStorage=volatile\nReadKMsg=no\nForwardToSyslog=no\nForwardToWall=no\nRateLimitBurst=0\n' \
    >"$WORK/journald.conf"

DROP='ProtectSystem|ProtectHome|PrivateTmp|PrivateDevices|ProtectKernelTunables|ProtectKernelModules'
DROP="$DROP|ProtectKernelLogs|ProtectControlGroups|ProtectProc|ProcSubset|PrivateMounts"
DROP="$DROP|StateDirectory|ConfigurationDirectory|DynamicUser"
UNIT_COPY="$WORK/config/systemd/user/smsledger.service"
grep -vE "^($DROP)=" "$ROOT/systemd/smsledger.service" | sed \
    -e "s#^ExecStart=/usr/local/bin/smsledger run --config /etc/smsledger/smsledger.toml\$#ExecStart=$BINARY run --config $WORK/smsledger.toml#" \
    -e "s#:/etc/smsledger/alibaba-access-key-secret\$#:$WORK/secret#" \
    -e "s#^Environment=SMSLEDGER_STORE_PATH=.*#Environment=SMSLEDGER_STORE_PATH=$WORK/state/ledger.sqlite#" \
    -e "s#^WatchdogSec=.*#WatchdogSec=4#" \
    -e "s#^RestartSec=.*#RestartSec=1#" \
    >"$UNIT_COPY"
# Each substitution must have matched, or the test would silently run something else.
for expected in "ExecStart=$BINARY run --config" "LoadCredential=alibaba-access-key-secret:$WORK/secret" \
        "SMSLEDGER_STORE_PATH=$WORK/state" "WatchdogSec=4" "Type=notify" "ExecReload=" \
        "Restart=on-failure" "RestartSec=1"; do
    grep -qF "$expected" "$UNIT_COPY" || fail "the reduced unit lacks '$expected'; did smsledger.service change?"
done

export WORK EMULATOR QUEUES
rc=0
timeout --kill-after=10 150 unshare --mount --propagation private "$HERE/$(basename "$0")" --inside || rc=$?

JOURNAL=(journalctl --directory="$WORK/journal" --no-pager)
# unit_lines [MATCH...]: the messages of the service's own entries that match every MATCH. journald
# files them under _SYSTEMD_UNIT here (the manager does not run in a user@.service cgroup, so its
# units look like system units) and under _SYSTEMD_USER_UNIT on a host's user manager: accept both.
unit_lines() {
    "${JOURNAL[@]}" -o cat _SYSTEMD_UNIT=smsledger.service "$@" + _SYSTEMD_USER_UNIT=smsledger.service "$@"
}
count() { unit_lines "$@" | wc -l; }
echo "--- the service's journal (tail; the manager's lines carry USER_UNIT)"
"${JOURNAL[@]}" -o short-precise _SYSTEMD_UNIT=smsledger.service + _SYSTEMD_USER_UNIT=smsledger.service \
    + USER_UNIT=smsledger.service | tail -12
[ "$rc" = 0 ] || fail "the service-manager checks failed (exit $rc)"

# A debug-level receipt of batch A, found by its business id, with its structured fields.
ENTRY=$("${JOURNAL[@]}" -o export "SMS_BIZ_ID=${BIZ_A}^0")
[ -n "$ENTRY" ] || fail "journalctl SMS_BIZ_ID=${BIZ_A}^0 found nothing (was format auto resolved to text?)"
expect_field() {
    grep -qxE -- "$1" <<<"$ENTRY" || fail "the receipt entry lacks $1; it has:
$(grep -E '^_?[A-Z_]+=' <<<"$ENTRY" | grep -v '^__' | sort -u)"
}
expect_field "MESSAGE=receipt"
expect_field "PRIORITY=7"
expect_field "SYSLOG_IDENTIFIER=smsledger"
expect_field "MNS_QUEUE=$REPORT_QUEUE"
expect_field "SMS_PHONE=139\*\*\*\*0000"
expect_field "SMS_OUT_ID=systest-$BIZ_A"
expect_field "SMS_STATUS_CODE=(DELIVERED|MK:0001)"
expect_field "MNS_MESSAGE_ID=.+"
expect_field "MNS_DEQUEUE_COUNT=[0-9]+"
expect_field "_SYSTEMD_(USER_)?UNIT=smsledger.service"
# Native protocol, not stderr lines: format "auto" recognised JOURNAL_STREAM.
expect_field "_TRANSPORT=journal"
expect_field "CODE_FILE=.+"
grep -q "13900000000" <<<"$ENTRY" && fail "the full phone number 13900000000 reached the journal"
say "journal: SMS_BIZ_ID=${BIZ_A}^0 found the receipt with PRIORITY=7, MNS_QUEUE, masked SMS_PHONE, SMS_OUT_ID, _TRANSPORT=journal"

[ "$(count MNS_QUEUE="$REPORT_QUEUE" MESSAGE=receipt)" -ge "$REPORTS_A" ] \
    || fail "fewer than $REPORTS_A 'receipt' entries for MNS_QUEUE=$REPORT_QUEUE"
[ "$(count MNS_QUEUE="$UP_QUEUE" MESSAGE=reply)" -ge "$REPLIES_A" ] \
    || fail "fewer than $REPLIES_A 'reply' entries for MNS_QUEUE=$UP_QUEUE"
# After the reload to level info, receipts are no longer logged: the new level took effect.
[ "$(count "SMS_BIZ_ID=${BIZ_B}^0")" = 0 ] || fail "a batch-B receipt was logged at debug after the reload to info"
[ "$(count MESSAGE="configuration reloaded" PRIORITY=5)" = 1 ] \
    || fail "the journal lacks exactly one 'configuration reloaded' notice"
unit_lines PRIORITY=3 | grep -q "^reload refused" || fail "the invalid reload left no 'reload refused' error"
# Two starts (the second after kill -9), one graceful stop.
[ "$(count MESSAGE=ready)" = 2 ] || fail "the journal lacks exactly two 'ready' entries"
for message in "stopping: finishing in-flight batches" stopped; do
    [ "$(count MESSAGE="$message")" = 1 ] || fail "the journal lacks exactly one '$message' entry"
done
[ "$(count PRIORITY=0 + PRIORITY=1 + PRIORITY=2)" = 0 ] || fail "critical entries in the journal: $(unit_lines -p crit)"
say "journal: $REPORTS_A+ receipts found by MNS_QUEUE, none after the reload to info; reloaded/refused/ready/stopped logged"
say "OK"
