#!/bin/bash
# Three daemons sharing one PostgreSQL ledger and one emulator (kill -9 and restart, a stop for good,
# compensation asking each send once), then a PostgreSQL restart under two draining daemons; every
# message stored exactly once. See shared_ledger.py.
#
# Usage: Tests/System/shared-ledger.sh [BINARY] [shared_ledger.py options, e.g. --seed 42 --scenario restart]
# BINARY defaults to $LEDGER_BIN, then to the package's debug build. Starts a throwaway PostgreSQL
# cluster of its own on a free loopback port (postgres-cluster.sh; as the postgres user when root)
# and removes it on exit, whatever happens. Needs python3, psql and the PostgreSQL server binaries.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then BINARY=$1; shift
elif [ -n "${LEDGER_BIN:-}" ]; then BINARY=$LEDGER_BIN
else BINARY="$(swift build --package-path "$HERE/../.." --show-bin-path)/smsledger"
fi
[ -x "$BINARY" ] || { echo "shared-ledger.sh: no executable at $BINARY (swift build first)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "shared-ledger.sh: python3 missing" >&2; exit 2; }
command -v psql >/dev/null || { echo "shared-ledger.sh: psql missing (package postgresql-client)" >&2; exit 2; }

pg_dir=
child=
cleanup() {
    [ -n "$child" ] && kill -TERM "$child" 2>/dev/null && wait "$child" 2>/dev/null || true
    [ -n "$pg_dir" ] && "$HERE/postgres-cluster.sh" stop "$pg_dir"
}
trap cleanup EXIT
trap 'exit 143' TERM INT
# A port below the ephemeral range (32768-60999), so no client socket holds it; a port that is
# taken all the same (another test's server) makes the start fail, and the next one is tried.
pg_port=$((25532 + RANDOM % 2000))
url=
for attempt in 1 2 3 4 5 6 7 8 9 10; do
    while (exec 3<>"/dev/tcp/127.0.0.1/$pg_port") 2>/dev/null; do pg_port=$((pg_port + 1)); done
    pg_dir=$(mktemp -d /tmp/smsledger-shared-pg.XXXXXX)
    if url=$("$HERE/postgres-cluster.sh" start "$pg_dir" "$pg_port" 2>"$pg_dir.err"); then
        rm -f "$pg_dir.err"
        break
    fi
    [ "$attempt" = 10 ] && { cat "$pg_dir.err" >&2; rm -f "$pg_dir.err"; exit 1; }
    rm -f "$pg_dir.err"
    "$HERE/postgres-cluster.sh" stop "$pg_dir"
    pg_port=$((pg_port + 1))
done

# The script kills its own children on exit; the timeout bounds the whole run (about 2 minutes on
# 2 cores with the defaults).
timeout --signal=TERM --kill-after=10 "${SHARED_LEDGER_TIMEOUT:-420}" \
    python3 "$HERE/shared_ledger.py" "$BINARY" --server-url "$url" --cluster-dir "$pg_dir" "$@" &
child=$!
rc=0
wait "$child" || rc=$?
child=
exit "$rc"
