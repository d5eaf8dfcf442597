#!/bin/bash
# Checks systemd/smsledger.service offline; needs only systemd-analyze (no systemd PID 1, no root).
#
# Usage: systemd/check-unit.sh [UNIT_FILE]
#
# 1. `systemd-analyze verify` must print NOTHING: it exits 0 even when it warns about unknown keys
#    or sections, so any output counts as a failure. verify also insists that ExecStart's binary
#    exists, so it runs on a temporary copy whose ExecStart points at a stub executable.
# 2. `systemd-analyze security --offline=yes` prints the sandboxing report and the overall exposure
#    score (0 = locked down, 10 = fully exposed); the score must stay at or below MAX_EXPOSURE.
set -euo pipefail

UNIT=$(realpath "${1:-$(dirname "$0")/smsledger.service}")
MAX_EXPOSURE=${MAX_EXPOSURE:-2.0}
NAME=$(basename "$UNIT")

WORK=$(mktemp -d "${TMPDIR:-/tmp}/check-unit.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
printf '#!/bin/sh\nexit 0\n' > "$WORK/smsledger"
chmod 755 "$WORK/smsledger"
# Only the binary's path changes; its arguments stay, so the copy says what the unit says.
sed "s#^ExecStart=/usr/local/bin/smsledger#ExecStart=$WORK/smsledger#" "$UNIT" > "$WORK/$NAME"
grep -q "^ExecStart=$WORK/smsledger " "$WORK/$NAME" \
    || { echo "check-unit.sh: FAIL: ExecStart is not /usr/local/bin/smsledger …" >&2; exit 1; }

rc=0
OUTPUT=$(systemd-analyze verify "$WORK/$NAME" 2>&1) || rc=$?
if [ "$rc" != 0 ] || [ -n "$OUTPUT" ]; then
    echo "check-unit.sh: FAIL: systemd-analyze verify (rc=$rc) printed:" >&2
    echo "$OUTPUT" >&2
    exit 1
fi
echo "check-unit.sh: systemd-analyze verify: clean"

REPORT=$(systemd-analyze security --offline=yes --no-pager "$WORK/$NAME" 2>&1) || true
echo "$REPORT" | grep -v '^✓'
SCORE=$(echo "$REPORT" | sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p')
[ -n "$SCORE" ] || { echo "check-unit.sh: FAIL: no exposure score in the security report" >&2; exit 1; }
if awk -v s="$SCORE" -v max="$MAX_EXPOSURE" 'BEGIN { exit !(s > max) }'; then
    echo "check-unit.sh: FAIL: exposure $SCORE is above $MAX_EXPOSURE" >&2
    exit 1
fi
echo "check-unit.sh: OK: exposure score $SCORE (limit $MAX_EXPOSURE)"
