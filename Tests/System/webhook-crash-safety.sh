#!/bin/bash
# Webhook delivery under kill -9: every event delivered at least once to each endpoint, duplicates
# with the same webhook-id. See webhook_crash_safety.py.
#
# Usage: Tests/System/webhook-crash-safety.sh [BINARY] [webhook_crash_safety.py options]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then BINARY=$1; shift
elif [ -n "${LEDGER_BIN:-}" ]; then BINARY=$LEDGER_BIN
else BINARY="$(swift build --package-path "$HERE/../.." --show-bin-path)/smsledger"
fi
[ -x "$BINARY" ] || { echo "webhook-crash-safety.sh: no executable at $BINARY (swift build first)" >&2; exit 2; }
exec timeout --signal=TERM --kill-after=10 "${WEBHOOK_CRASH_SAFETY_TIMEOUT:-240}" \
    python3 "$HERE/webhook_crash_safety.py" "$BINARY" "$@"
