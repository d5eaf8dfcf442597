#!/bin/bash
# Crash safety of the daemon as a process: kill -9 at random moments, restart, repeat, then drain;
# the ledger must hold every enqueued receipt and reply exactly once. See crash_safety.py.
#
# Usage: Tests/System/crash-safety.sh [BINARY] [crash_safety.py options, e.g. --kills 12 --seed 42]
# BINARY defaults to $LEDGER_BIN, then to the package's debug build. Loopback only; no root.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then BINARY=$1; shift
elif [ -n "${LEDGER_BIN:-}" ]; then BINARY=$LEDGER_BIN
else BINARY="$(swift build --package-path "$HERE/../.." --show-bin-path)/smsledger"
fi
[ -x "$BINARY" ] || { echo "crash-safety.sh: no executable at $BINARY (swift build first)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "crash-safety.sh: python3 missing" >&2; exit 2; }
# The script kills its own children on exit; the timeout bounds the whole run (it takes ~20 s).
exec timeout --signal=TERM --kill-after=10 "${CRASH_SAFETY_TIMEOUT:-170}" \
    python3 "$HERE/crash_safety.py" "$BINARY" "$@"
