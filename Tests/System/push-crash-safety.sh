#!/bin/bash
# Crash safety of the HTTP push channel: kill -9 the daemon while the emulator pushes; everything
# answered with code 0 is stored, everything else is pushed again and stored once. See push_crash_safety.py.
#
# Usage: Tests/System/push-crash-safety.sh [BINARY] [push_crash_safety.py options, e.g. --kills 12 --seed 42]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then BINARY=$1; shift
elif [ -n "${LEDGER_BIN:-}" ]; then BINARY=$LEDGER_BIN
else BINARY="$(swift build --package-path "$HERE/../.." --show-bin-path)/smsledger"
fi
[ -x "$BINARY" ] || { echo "push-crash-safety.sh: no executable at $BINARY (swift build first)" >&2; exit 2; }
exec timeout --signal=TERM --kill-after=10 "${CRASH_SAFETY_TIMEOUT:-170}" \
    python3 "$HERE/push_crash_safety.py" "$BINARY" "$@"
