#!/usr/bin/env bash
# The SMSLedger benchmark: SMSLedger vs the official SDK pattern vs the protocol ceiling, on one
# release emulator. See Benchmarks/README.md for what is measured and the BENCH_* settings.
#
#   Benchmarks/run.sh                          # the full run (N=200,000; about 5 minutes plus the build)
#   BENCH_N=20000 BENCH_IDLE_SECONDS=10 Benchmarks/run.sh   # a quick look while developing
#
# LEDGER_BIN=/path/to/smsledger skips the release build.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"

if [[ -z "${LEDGER_BIN:-}" ]]; then
    echo "building the release binary (swift build -c release --product smsledger)..."
    (cd "$root" && swift build -c release --product smsledger)
    LEDGER_BIN="$root/.build/release/smsledger"
fi
[[ -x "$LEDGER_BIN" ]] || { echo "no executable at $LEDGER_BIN" >&2; exit 2; }

# The official SDKs live in their own venv, so the harness itself needs nothing beyond Python 3.
venv="$here/.build/venv"
if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c "import mns, aliyunsdkdybaseapi" 2>/dev/null; then
    echo "creating $venv with the official Alibaba Cloud SDKs..."
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet aliyun-mns-sdk==1.3.0 aliyun-python-sdk-core==2.16.1 aliyun-python-sdk-dybaseapi==1.0.8
fi

export LEDGER_BIN
export BENCH_SDK_PYTHON="$venv/bin/python"
export BENCH_RESULTS_DIR="${BENCH_RESULTS_DIR:-$here/results}"
exec python3 "$here/harness/bench.py"
