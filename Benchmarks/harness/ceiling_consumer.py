"""The protocol ceiling: batch-receive 16, batch-delete them, keep nothing. Stdlib only.

    python3 ceiling_consumer.py HOST TOKENS_JSON PROCESSES LOOPS_PER_QUEUE

TOKENS_JSON maps queue name to its QueryTokenForMnsQueue answer. LOOPS_PER_QUEUE receive loops run
per queue (as many as SMSLedger's pollers), spread over PROCESSES processes so that the GIL of one
interpreter does not become the ceiling. Runs until killed; the harness reads its CPU and memory
from /proc and stops it once both queues are empty.
"""
import multiprocessing
import os
import signal
import sys
import threading
import time

from alibaba_wire import RawQueue

WAIT_SECONDS = 5


def loop(host, queue_name, token):
    queue = RawQueue(host, queue_name, token)
    while True:
        try:
            handles = queue.batch_receive(16, WAIT_SECONDS)
            if handles:
                queue.batch_delete(handles)
        except Exception as error:  # a dropped connection must not end the loop; reconnect and go on
            print("ceiling loop on %s: %s" % (queue_name, error), file=sys.stderr)
            time.sleep(0.05)
            queue = RawQueue(host, queue_name, token)


def worker(host, assignments):
    threads = [threading.Thread(target=loop, args=a, daemon=True) for a in assignments]
    for thread in threads:
        thread.start()
    signal.sigwait({signal.SIGTERM})


def main():
    host, tokens_json, processes, loops_per_queue = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    import json
    tokens = json.loads(tokens_json)
    assignments = [(host, name, token) for name, token in tokens.items() for _ in range(loops_per_queue)]
    shares = [assignments[i::processes] for i in range(processes)]
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    children = [multiprocessing.Process(target=worker, args=(host, share)) for share in shares]
    for child in children:
        child.start()
    print("ceiling consumer ready: %d loops in %d processes" % (len(assignments), processes), flush=True)
    signal.sigwait({signal.SIGTERM})
    for child in children:
        os.kill(child.pid, signal.SIGTERM)
    for child in children:
        child.join(5)


if __name__ == "__main__":
    main()
