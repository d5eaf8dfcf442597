#!/usr/bin/env python3
"""The drain of one emulator's queues by 1, 2 and 3 daemons sharing a PostgreSQL ledger, beside one
daemon on SQLite, in one run.

    Benchmarks/postgres/drain_shared.py SMSLEDGER_BINARY [N] [--rounds R] [--counts 1,2,3]

Starts its own throwaway PostgreSQL cluster (Tests/System/postgres-cluster.sh: loopback, trust,
fsync off as in the tests, so the figures show the daemons' overhead and coordination, not a disk)
and one `smsledger emulator`. For each setup in turn: preload N messages (90 % receipts, 10 %
replies, the end-to-end mix), start the daemons (production settings otherwise: 32 pollers per
queue, batches of 16, compensation and the HTTP listener on), time the first READY=1 -> queues
empty. On one machine with 2 cores more daemons cannot add hardware; the figures show what sharing
costs. CPU is the daemons' and, for PostgreSQL, the server's process tree, per 10,000 messages.
Each PostgreSQL setup gets a fresh database. Rounds repeat the whole list (A B C D A B C D), to see
the noise; compare within one run only.
"""
import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(HERE, "..", "harness"))

import procstat  # noqa: E402
from daemon import Daemon, write_config  # noqa: E402
from emulator import Emulator  # noqa: E402
from phases import split_mix  # noqa: E402

CLUSTER = os.path.join(ROOT, "Tests", "System", "postgres-cluster.sh")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def postgres_config(directory, emulator, url):
    """The harness's production config, with `[store]` on the shared server instead of a file."""
    path, _ = write_config(directory, emulator.endpoint, 32, 16, wait_seconds=30)
    with open(path) as f:
        text = f.read()
    start = text.index("[store]")
    end = text.index("\n[", start + 1)
    text = text[:start] + '[store]\nbackend = "postgresql"\nurl = "%s"\npool_size = 8\n' % url + text[end:]
    with open(path, "w") as f:
        f.write(text)
    return path


def server_pids(cluster_dir):
    with open(os.path.join(cluster_dir, "data", "postmaster.pid")) as f:
        return int(f.readline())


def drain(emulator, binary, workdir, n, daemons, url=None, server_pid=None):
    reports, replies = split_mix(n, 0.1)
    emulator.preload(reports, replies)
    emulator_before = procstat.cpu_seconds(emulator.pid)
    running = []
    try:
        for index in range(daemons):
            directory = tempfile.mkdtemp(prefix="d%d-" % index, dir=workdir)
            if url:
                config, store = postgres_config(directory, emulator, url), None
            else:
                config, store = write_config(directory, emulator.endpoint, 32, 16, wait_seconds=30)
            running.append(Daemon(binary, config, store, os.path.join(directory, "daemon.log")))
        server_before = procstat.Usage(server_pid).cpu if server_pid else 0
        before = sum(procstat.Usage(d.pid).cpu for d in running)
        started = time.monotonic()
        drained_at = emulator.wait_until_drained(timeout=max(300, n / 50))
        seconds = drained_at - started
        cpu = sum(procstat.Usage(d.pid).cpu for d in running) - before
        server_cpu = (procstat.Usage(server_pid).cpu - server_before) if server_pid else 0
        return {"messages_per_second": n / seconds, "daemon_cpu_10k": cpu / n * 10_000,
                "server_cpu_10k": server_cpu / n * 10_000,
                "emulator_cpu_10k": (procstat.cpu_seconds(emulator.pid) - emulator_before) / n * 10_000}
    finally:
        for daemon in running:
            daemon.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("binary")
    parser.add_argument("n", type=int, nargs="?", default=50_000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--counts", default="1,2,3", help="daemon counts on PostgreSQL")
    args = parser.parse_args()
    binary = os.path.abspath(args.binary)
    workdir = tempfile.mkdtemp(prefix="smsledger-bench-pg-")
    cluster = tempfile.mkdtemp(prefix="smsledger-bench-cluster-")  # its own: the postgres user must enter it
    url = subprocess.check_output([CLUSTER, "start", cluster, str(free_port())], text=True).strip()
    server = server_pids(cluster)
    emulator = Emulator(binary)
    setups = [("sqlite, 1 daemon", 1, False)] + [
        ("postgresql, %s daemon%s" % (c, "" if c == "1" else "s"), int(c), True) for c in args.counts.split(",")]
    print("N = %d messages per setup; one emulator; PostgreSQL %s" % (args.n, url), flush=True)
    try:
        baseline = None
        for round_number in range(1, args.rounds + 1):
            for index, (name, daemons, shared) in enumerate(setups):
                setup_url = None
                if shared:
                    database = "bench_%d_%d" % (round_number, index)
                    subprocess.check_call(["psql", url, "-q", "-c", "CREATE DATABASE %s" % database])
                    setup_url = url.replace("/postgres?", "/%s?" % database)
                figures = drain(emulator, binary, workdir, args.n, daemons, setup_url, server if shared else None)
                baseline = baseline or figures["messages_per_second"]
                print("round %d  %-24s %7.0f msg/s (%3.0f %% of SQLite)  daemons %5.2f CPU s/10k  "
                      "server %5.2f CPU s/10k  emulator %5.2f CPU s/10k"
                      % (round_number, name, figures["messages_per_second"],
                         figures["messages_per_second"] / baseline * 100, figures["daemon_cpu_10k"],
                         figures["server_cpu_10k"], figures["emulator_cpu_10k"]), flush=True)
    finally:
        emulator.process.kill()
        subprocess.call([CLUSTER, "stop", cluster])
        shutil.rmtree(cluster, ignore_errors=True)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
