"""SMSLedger benchmark: one emulator, three consumers one after another, figures and targets; then
(after the MNS drain, in round 1 only) the Alibaba HTTP push phase (push_phase.py).

Run through ../run.sh, which builds the release binary and the SDK venv. Settings (environment):

  BENCH_N                  messages for SMSLedger and the ceiling       (default 200000)
  BENCH_OFFICIAL_N         messages for the official pattern             (default 5000; it is slow)
  BENCH_SMSUP_SHARE        share of the messages that are SmsUp replies  (default 0.1)
  BENCH_POLLERS            SMSLedger pollers per queue                   (default 32: see README, "Pollers")
  BENCH_CEILING_LOOPS      the ceiling's loops per queue                 (default 16: its fastest, see README)
  BENCH_CEILING_PROCESSES  processes the ceiling's loops are spread over (default 2)
  BENCH_IDLE_SECONDS       idle-CPU window with empty queues             (default 60)
  BENCH_LATENCY_SECONDS    duration of the half-load latency run        (default 20)
  BENCH_PUSH_N             items pushed in the HTTP push phase           (default: BENCH_N)
  BENCH_SKIP               comma list of phases to skip: official,ceiling,push
  BENCH_ROUNDS             rounds of the throughput phases, interleaved  (default 1; the ratio targets
                           then use the median of the rounds' ratios)
"""
import datetime
import json
import os
import sys
import tempfile
import time

import phases
import push_phase
import report
from emulator import Emulator


def setting(name, default, kind=int):
    value = os.environ.get(name)
    return kind(value) if value not in (None, "") else default


def main():
    binary = os.environ["LEDGER_BIN"]
    sdk_python = os.environ["BENCH_SDK_PYTHON"]
    results_dir = os.environ["BENCH_RESULTS_DIR"]
    n = setting("BENCH_N", 200_000)
    official_n = setting("BENCH_OFFICIAL_N", 5_000)
    push_n = setting("BENCH_PUSH_N", n)
    up_share = setting("BENCH_SMSUP_SHARE", 0.1, float)
    # More receives in flight mean larger group commits, so the single writer's fixed cost per
    # transaction (its fsync above all) is shared by more messages; past 32 per queue nothing more was
    # measured, only RSS. The ceiling gets its own loop count: its Python loops are fastest at 16 per
    # queue and 15-25 % slower at 32, and a ceiling measured below its best would flatter the ratio.
    # Both measured in Benchmarks/README.md ("Pollers").
    pollers = setting("BENCH_POLLERS", 32)
    ceiling_loops = setting("BENCH_CEILING_LOOPS", 16)
    ceiling_processes = setting("BENCH_CEILING_PROCESSES", 2)
    idle_seconds = setting("BENCH_IDLE_SECONDS", 60)
    latency_seconds = setting("BENCH_LATENCY_SECONDS", 20)
    rounds = max(1, setting("BENCH_ROUNDS", 1))
    skip = set(filter(None, os.environ.get("BENCH_SKIP", "").split(",")))
    workdir = tempfile.mkdtemp(prefix="smsledger-bench-")
    started = time.monotonic()

    def log(text):
        print("[%6.1fs] %s" % (time.monotonic() - started, text), flush=True)

    emulator = Emulator(binary)
    log("emulator on %s (pid %d); work directory %s" % (emulator.endpoint, emulator.pid, workdir))
    results = {
        "when": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "settings": {"n": n, "official_n": official_n, "smsup_share": up_share, "pollers_per_queue": pollers,
                     "batch_size": 16, "synchronous": "full", "idle_seconds": idle_seconds,
                     "latency_seconds": latency_seconds, "ceiling_processes": ceiling_processes,
                     "ceiling_loops_per_queue": ceiling_loops, "rounds": rounds,
                     "push_n": None if "push" in skip else push_n,
                     "push_items_per_array": push_phase.ITEMS_PER_ARRAY, "push_connections": push_phase.CONNECTIONS},
        "machine": {"cpus": os.cpu_count(), "load_average_at_start": os.getloadavg()},
        "binary": binary,
    }
    try:
        # Round 1 measures everything; later rounds repeat only the three drains, in the same order
        # and each on a fresh ledger, so that a change in the machine's load between phases (other
        # tenants come and go within minutes) moves one round's ratios, not the verdict.
        results["rounds"] = []
        for index in range(rounds):
            directory = workdir if index == 0 else os.path.join(workdir, "round-%d" % (index + 1))
            os.makedirs(directory, exist_ok=True)
            if rounds > 1:
                log("round %d of %d" % (index + 1, rounds))
            figures = {"smsledger": phases.smsledger(emulator, binary, directory, n, up_share, pollers, 16,
                                                     idle_seconds, latency_seconds, log, drain_only=index > 0)}
            if index == 0 and "push" not in skip:
                # Right after the MNS drain, so that the two rates are measured under the same load.
                # A failure here is reported (and fails the push target) without losing the other phases.
                try:
                    results["push"] = push_phase.push(binary, emulator, directory, push_n, up_share, pollers, 16,
                                                      phases.DAEMON_WAIT_SECONDS, latency_seconds, log)
                    drain = figures["smsledger"]["messages_per_second"]
                    results["push"]["mns_drain_messages_per_second"] = drain
                    results["push"]["ratio_to_mns_drain"] = round(results["push"]["items_per_second"] / drain, 3)
                except Exception as error:  # noqa: BLE001
                    log("push: phase failed: %r" % error)
                    results["push"] = {"failed": repr(error)}
                phases.let_orphaned_polls_expire(phases.DAEMON_WAIT_SECONDS, log)
            if "official" not in skip:
                figures["official"] = phases.official(emulator, sdk_python, directory, official_n, up_share, log)
            if "ceiling" not in skip:
                figures["ceiling"] = phases.ceiling(emulator, directory, n, up_share, ceiling_loops,
                                                    ceiling_processes, log)
            if index == 0:
                results.update(figures)
            results["rounds"].append({name: f["messages_per_second"] for name, f in figures.items()})
    finally:
        emulator.stop()
    results["machine"]["load_average_at_end"] = os.getloadavg()
    results["targets"] = report.targets(results)
    report.show(results)
    os.makedirs(results_dir, exist_ok=True)
    path = os.path.join(results_dir, datetime.datetime.now().strftime("%Y%m%d-%H%M%S") + ".json")
    with open(path, "w") as f:
        json.dump(results, f, indent=2, ensure_ascii=False)
    print("\nresults: %s" % path)
    return 0 if all(t["verdict"] != "FAIL" for t in results["targets"]) else 1


if __name__ == "__main__":
    sys.exit(main())
