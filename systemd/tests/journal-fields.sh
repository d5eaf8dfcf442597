#!/bin/bash
# Checks that JournaldLogHandler's entries reach a real journald with searchable fields.
#
# Usage: systemd/tests/journal-fields.sh [PACKAGE_PATH] [extra `swift test` args, e.g. --skip-build]
#
# Starts a private systemd-journald (needs root and the `systemd` package; no systemd PID 1), runs
# `swift test --filter JournaldLiveTests` next to it with SMSLEDGER_JOURNAL_TEST=1 and a fresh
# business id, copies the journal out, and reads it back with `journalctl --directory`:
# `SMS_BIZ_ID=<id>` must find the entry with its PRIORITY, CODE_FILE, masked SMS_PHONE and the rest.
#
# Isolation: everything happens in a private mount namespace. tmpfs goes over /run (journald's
# sockets and the volatile journal live there) and over /var/log/journal, and a journald.conf with
# Storage=volatile is bind-mounted over the real one, so the host's journal is never touched.
set -euo pipefail

PACKAGE_PATH=$(realpath "${1:-$(dirname "$0")/../..}")
shift || true
[ "$(id -u)" = 0 ] || { echo "journal-fields.sh: needs root (it mounts in a private namespace)" >&2; exit 2; }
JOURNALD=/lib/systemd/systemd-journald
[ -x "$JOURNALD" ] || { echo "journal-fields.sh: $JOURNALD missing (apt-get install systemd)" >&2; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/journal-fields.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
OUT="$WORK/journal"
mkdir -p "$OUT"
printf '[Journal]\nStorage=volatile\nReadKMsg=no\nForwardToSyslog=no\nForwardToWall=no\nForwardToConsole=no\nRateLimitBurst=0\n' \
    > "$WORK/journald.conf"
BIZ_ID="journal-test-$$-$RANDOM$RANDOM"

export SMSLEDGER_JOURNAL_TEST=1 SMSLEDGER_JOURNAL_BIZ_ID="$BIZ_ID"
rc=0
unshare --mount --propagation private bash -c '
    set -euo pipefail
    WORK="$1"; OUT="$2"; JOURNALD="$3"; shift 3
    mount -t tmpfs tmpfs /run
    mkdir -p /run/systemd
    if [ -d /var/log/journal ]; then mount -t tmpfs tmpfs /var/log/journal; fi
    mount --bind "$WORK/journald.conf" /etc/systemd/journald.conf
    "$JOURNALD" >"$WORK/journald.log" 2>&1 &
    JPID=$!
    for _ in $(seq 50); do [ -S /run/systemd/journal/socket ] && break; sleep 0.1; done
    [ -S /run/systemd/journal/socket ] || { echo "journald did not start:"; cat "$WORK/journald.log"; exit 1; }
    rc=0
    "$@" || rc=$?
    journalctl --sync || true
    kill "$JPID"; wait "$JPID" || true
    cp -r /run/log/journal/. "$OUT/"
    exit "$rc"
' bash "$WORK" "$OUT" "$JOURNALD" \
    swift test --package-path "$PACKAGE_PATH" --filter JournaldLiveTests "$@" >"$WORK/test.log" 2>&1 || rc=$?

fail() {
    echo "journal-fields.sh: FAIL: $*" >&2
    echo "--- swift test output (tail)" >&2; tail -20 "$WORK/test.log" >&2
    exit 1
}
[ "$rc" = 0 ] || fail "swift test exited with $rc"
grep -q 'anEntryWithMetadataReachesJournald() passed' "$WORK/test.log" \
    || fail "the live test did not run (skipped or filtered out)"

ENTRY=$(journalctl --directory="$OUT" -o export "SMS_BIZ_ID=$BIZ_ID")
[ -n "$ENTRY" ] || fail "journalctl SMS_BIZ_ID=$BIZ_ID found nothing"
expect_field() {
    grep -qxF -- "$1" <<<"$ENTRY" || fail "entry lacks $1; it has:
$(grep -E '^[A-Z_]+=' <<<"$ENTRY" | grep -v '^__')"
}
expect_field "MESSAGE=journal field test"
expect_field "PRIORITY=4"
expect_field "SYSLOG_IDENTIFIER=smsledger-test"
expect_field "LOGGER=smsledger.journal-test"
expect_field "CODE_FILE=SystemdTests/JournaldLiveTests.swift"
expect_field "CODE_FUNC=anEntryWithMetadataReachesJournald()"
expect_field "SMS_PHONE=138****8000"
expect_field "MNS_DEQUEUE_COUNT=2"
grep -qE '^CODE_LINE=[0-9]+$' <<<"$ENTRY" || fail "entry lacks a numeric CODE_LINE"
[ -n "$(journalctl --directory="$OUT" -o export "SMS_BIZ_ID=$BIZ_ID-direct")" ] \
    || fail "the entry sent with JournalEntry.send() is missing"
[ "$(journalctl --directory="$OUT" -p warning "SMS_BIZ_ID=$BIZ_ID" -o cat)" = "journal field test" ] \
    || fail "journalctl -p warning does not select the entry by priority"

echo "journal-fields.sh: OK: journalctl SMS_BIZ_ID=$BIZ_ID found the entry with PRIORITY, CODE_FILE/LINE/FUNC, LOGGER and masked SMS_PHONE"
