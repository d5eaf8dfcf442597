"""The cost of `[metrics]`: SMSLedger's MNS drain with metrics on and off, alternated on one emulator.

  LEDGER_BIN=.build/release/smsledger BENCH_N=40000 BENCH_ROUNDS=3 python3 Benchmarks/harness/metrics_overhead.py

Each round drains BENCH_N messages twice on a fresh ledger, once with metrics on and once off, the
order swapped every round so that a drift in the machine's load does not favour one side. Prints each
drain's rate and the median of the per-round ratios (on / off); the issue's target is within 3 %.
A warm-up drain (metrics off, not counted) comes first: in the first runs the first drain of a fresh
emulator was the slowest of all by 5-10 %, and it always fell on the metrics-on side.
Settings: BENCH_N (default 40000), BENCH_ROUNDS (3), BENCH_POLLERS (32), BENCH_SMSUP_SHARE (0.1),
BENCH_WARMUP (1: warm-up drains before the rounds).
"""
import os
import statistics
import sys
import tempfile
import time

import phases
from emulator import Emulator


def setting(name, default, kind=int):
    value = os.environ.get(name)
    return kind(value) if value not in (None, "") else default


def main():
    binary = os.environ["LEDGER_BIN"]
    n = setting("BENCH_N", 40_000)
    rounds = max(1, setting("BENCH_ROUNDS", 3))
    pollers = setting("BENCH_POLLERS", 32)
    up_share = setting("BENCH_SMSUP_SHARE", 0.1, float)
    workdir = tempfile.mkdtemp(prefix="smsledger-metrics-overhead-")
    started = time.monotonic()

    def log(text):
        print("[%6.1fs] %s" % (time.monotonic() - started, text), flush=True)

    emulator = Emulator(binary)
    ratios, rates = [], {True: [], False: []}
    try:
        for index in range(setting("BENCH_WARMUP", 1)):
            directory = os.path.join(workdir, "warm-up-%d" % (index + 1))
            os.makedirs(directory)
            log("warm-up drain %d (not counted)" % (index + 1))
            phases.smsledger(emulator, binary, directory, n, up_share, pollers, 16, 0, 0, log,
                             drain_only=True, metrics=False)
        for index in range(rounds):
            order = [True, False] if index % 2 == 0 else [False, True]
            this_round = {}
            for metrics in order:
                directory = os.path.join(workdir, "round-%d-%s" % (index + 1, "on" if metrics else "off"))
                os.makedirs(directory)
                log("round %d, metrics %s" % (index + 1, "on" if metrics else "off"))
                figures = phases.smsledger(emulator, binary, directory, n, up_share, pollers, 16, 0, 0, log,
                                           drain_only=True, metrics=metrics)
                this_round[metrics] = figures["messages_per_second"]
                rates[metrics].append(figures["messages_per_second"])
            ratios.append(this_round[True] / this_round[False])
            log("round %d: on %.0f msg/s, off %.0f msg/s, on/off %.3f"
                % (index + 1, this_round[True], this_round[False], ratios[-1]))
    finally:
        emulator.stop()
    median = statistics.median(ratios)
    print("\nmetrics on : %s msg/s" % ", ".join("%.0f" % r for r in rates[True]))
    print("metrics off: %s msg/s" % ", ".join("%.0f" % r for r in rates[False]))
    print("on/off per round: %s; median %.3f (%+.1f %%)" % (", ".join("%.3f" % r for r in ratios), median,
                                                            (median - 1) * 100))
    print("target (within 3 %%): %s" % ("PASS" if median >= 0.97 else "FAIL"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
