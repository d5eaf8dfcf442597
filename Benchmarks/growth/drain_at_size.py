#!/usr/bin/env python3
"""The daemon's drain into ledgers of different sizes, one emulator, one run.

    Benchmarks/growth/drain_at_size.py SMSLEDGER_BINARY N DIR [DIR ...]

Each DIR holds a ledger named ledger.sqlite (prefill.py fills one; an empty directory gets a new
one). For each in turn: preload N messages (90 % receipts, 10 % replies, the end-to-end mix) into
the emulator, start `smsledger run` (production settings, 32 pollers per queue) on that ledger,
time READY=1 -> queues empty, and read the peak RSS (VmHWM) of the daemon. Prints messages/s,
CPU s / 10k and peak RSS per directory, and the ratio of each to the first. Pass the directories
empty first, then the larger ones, and repeat them (A B A B) to see the noise.

One emulator serves all the directories of a call and slows down run by run, so the fairest pairs
are one call per directory. The emulator's messages follow its seed: give each call that drains a
ledger already drained once a new BENCH_EMULATOR_SEED, or it re-sends what the ledger holds.
"""
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "harness"))

import procstat  # noqa: E402
from daemon import Daemon, write_config  # noqa: E402
from emulator import Emulator  # noqa: E402
from phases import split_mix, throughput_figures  # noqa: E402


def drain(emulator, binary, directory, n):
    reports, replies = split_mix(n, 0.1)
    emulator.preload(reports, replies)
    config, store = write_config(directory, emulator.endpoint, 32, 16, wait_seconds=30)
    emulator_before = procstat.cpu_seconds(emulator.pid)
    daemon = Daemon(binary, config, store, os.path.join(directory, "daemon.log"))
    try:
        before = procstat.Usage(daemon.pid)
        ready_at = time.monotonic()
        drained_at = emulator.wait_until_drained(timeout=max(300, n / 50))
        after = procstat.Usage(daemon.pid)
        return throughput_figures(n, drained_at - ready_at, before, after,
                                  procstat.cpu_seconds(emulator.pid) - emulator_before)
    finally:
        daemon.stop()


def main():
    binary, n, directories = os.path.abspath(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
    emulator = Emulator(binary)
    try:
        first = None
        for directory in directories:
            figures = drain(emulator, binary, os.path.abspath(directory), n)
            first = first or figures["messages_per_second"]
            print("%-28s %8.0f msg/s  %5.2f CPU s/10k  peak RSS %5.1f MiB  (%.0f %% of the first)"
                  % (directory, figures["messages_per_second"], figures["cpu_seconds_per_10k"],
                     figures["peak_rss_mib"], figures["messages_per_second"] / first * 100), flush=True)
    finally:
        emulator.process.kill()


if __name__ == "__main__":
    main()
