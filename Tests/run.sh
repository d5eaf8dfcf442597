#!/usr/bin/env bash
# The whole test suite, as README.md gives it: Swift tests, the official-SDK interop tests against
# the emulator, and the systemd checks (unit verification, real journald, real service manager).
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages the build and the tests need (a fresh Debian 12 lacks the -dev ones).
export DEBIAN_FRONTEND=noninteractive
packages=(libsqlite3-dev libsystemd-dev pkg-config systemd sqlite3 python3 python3-venv postgresql)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "tests: installing ${missing[*]}"
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
fi


echo "== swift build"
swift build --build-tests
bin="$(swift build --show-bin-path)/smsledger"

# Swift Testing prints one line per test; keep the log and show failures plus the summary. If the
# test process dies (a trap, a signal), also show what the runtime said and which tests were still
# running then: the summary line never comes, and the log is gone with the CI machine.
run_swift_tests() {
    local log="$1"; shift
    set +e
    "$@" >"$log" 2>&1
    local rc=$?
    set -e
    grep -E "(✘|error:|Test run with|Executed [0-9]+ tests)" "$log" | tail -n 60 || true
    if [ "$rc" != 0 ] && ! grep -q "Test run with" "$log"; then
        echo "-- the test process ended without a summary (exit $rc); what the runtime printed:"
        grep -E -A 40 "Program crashed|Fatal error|Precondition failed|Assertion failed|MISUSE" "$log" | head -n 120 || true
        echo "-- tests started and not finished:"
        comm -23 <(sed -nE 's/.*Test (.*) started\.$/\1/p' "$log" | grep -vx run | sort -u) \
                 <(sed -nE 's/.*Test (.*) (passed|failed|skipped).*/\1/p' "$log" | sort -u) || true
    fi
    return $rc
}

# A crash report names only the crashed thread: with hundreds of threads the full report outlasts
# the backtracer's time limit and is cut off before it says anything useful.
export SWIFT_BACKTRACE="${SWIFT_BACKTRACE:-threads=crashed}"

# The PostgreSQL ledger's suites need a server: a throwaway cluster on loopback, removed on exit.
# Its URL is not named SMSLEDGER_*: the daemons the later stages start read every SMSLEDGER_ variable
# as a setting and refuse one they do not know.
pg_dir="$(mktemp -d /tmp/smsledger-pg.XXXXXX)"
trap 'Tests/System/postgres-cluster.sh stop "$pg_dir"' EXIT
pg_port=55432
while (exec 3<>"/dev/tcp/127.0.0.1/$pg_port") 2>/dev/null; do pg_port=$((pg_port + 1)); done
echo "== PostgreSQL: a private cluster on 127.0.0.1:$pg_port"
LEDGER_TEST_POSTGRES_URL="$(Tests/System/postgres-cluster.sh start "$pg_dir" "$pg_port")"
export LEDGER_TEST_POSTGRES_URL

echo "== swift test (TZ=UTC)"
TZ=UTC run_swift_tests .build/swift-test.log swift test --skip-build
# A suite that is skipped cannot fail: make sure the PostgreSQL ones really ran.
for suite in "PostgreSQL ledger store conformance" "PostgreSQL ledger shared by several daemons" \
             "The command line on a PostgreSQL ledger"; do
    grep -q "Suite \"$suite\" passed" .build/swift-test.log \
        || { echo "tests: the suite \"$suite\" did not run and pass" >&2; exit 1; }
done

echo "== time-zone sensitive tests again under TZ=America/Los_Angeles"
TZ=America/Los_Angeles run_swift_tests .build/swift-test-la.log \
    swift test --skip-build --filter 'BeijingTime|Normaliser|TokenLifetime'

if [ -d Tests/Interop ]; then
    echo "== official Alibaba Cloud Python SDKs against the emulator; the monitoring files against a running daemon"
    venv="${LEDGER_VENV:-.build/interop-venv}"
    [ -x "$venv/bin/pip" ] || python3 -m venv "$venv"
    # Every run, so a venv from before a new pin gets it (a no-op when everything is there).
    "$venv/bin/pip" install -q -r Tests/Interop/requirements.txt
    LEDGER_BIN="$bin" "$venv/bin/pytest" -q Tests/Interop
    echo "== benchmark harness: compare.py on synthetic results (no benchmark is run)"
    "$venv/bin/pytest" -q -p no:cacheprovider Benchmarks/harness
fi

# Process-level stages. Each prints a header and its time; the first failure ends the run (exit 1).
# The journald and service-manager stages need root (private mount namespaces) and the systemd package.
stage() {
    local name=$1; shift
    echo "== $name"
    local started=$SECONDS rc=0
    "$@" || rc=$?
    if [ "$rc" != 0 ]; then
        echo "== FAILED (exit $rc): $name" >&2
        exit 1
    fi
    echo "   ($name: $((SECONDS - started)) s)"
}
stage "fuzz: each parser's libFuzzer target for 20000 runs, differential against Foundation (Fuzz/README.md)" \
    Fuzz/run.sh --runs 20000
stage "systemd unit: systemd-analyze verify + offline security score" \
    systemd/check-unit.sh
stage "journald: JournaldLogHandler fields searchable with journalctl (real systemd-journald)" \
    systemd/tests/journal-fields.sh . --skip-build
stage "service manager: smsledger run as a Type=notify unit under systemd --user + journald" \
    systemd/tests/unit-sandbox.sh "$bin"
stage "crash safety: kill -9 at random moments, restart, drain; nothing lost or doubled" \
    Tests/System/crash-safety.sh "$bin"
stage "push crash safety: kill -9 while the emulator pushes; everything answered code 0 is stored, the rest pushed again" \
    Tests/System/push-crash-safety.sh "$bin"
stage "webhook crash safety: kill -9 while delivering to a flaky receiver; every event delivered, same webhook-id" \
    Tests/System/webhook-crash-safety.sh "$bin"
stage "shared ledger: three daemons on one PostgreSQL (kill -9, a stop for good, one lookup per send), then a PostgreSQL restart mid-drain; every message stored once" \
    Tests/System/shared-ledger.sh "$bin"
# README's first command, smaller: every send must end in the emulator's true final state.
demo_check() {
    local log=.build/demo-check.log
    "$bin" demo --sends 40 --replies 4 "$@" >"$log" 2>&1 || { cat "$log"; return 1; }
    grep -q "final states matching the emulator's ground truth: 40 of 40" "$log" || { cat "$log"; return 1; }
}
stage "demo: the README's main job against the emulator" demo_check
stage "demo --channel push: the same job with Alibaba's HTTP push instead of the queues" demo_check --channel push
echo "== all test stages passed"
