#!/usr/bin/env python3
"""Side by side: the figures of several benchmark results (Benchmarks/results/*.json), one column per run.

    python3 Benchmarks/harness/compare.py                 # the 5 newest results
    python3 Benchmarks/harness/compare.py --last 10       # the 10 newest
    python3 Benchmarks/harness/compare.py A.json B.json   # these, in this order

Runs on this kind of machine swing by 20-30 % in absolute msg/s (other tenants' load changes between
runs), so the rows to compare are the ratios, which come from phases run back to back in one run, and
CPU s / 10k (the push phase's rate against the MNS drain's is such a ratio too). Missing phases
(BENCH_SKIP) and fields older results lack print as "-".
"""

import argparse
import glob
import json
import os
import sys

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "results")

# Short names of the harness's targets (report.targets), in its order.
TARGET_NAMES = [
    ("throughput >= 20x", "target 20x official"),
    ("throughput >= 60%", "target 60% ceiling"),
    ("enqueue-to-commit p99", "target p99 < 50 ms"),
    ("peak RSS", "target RSS < 64 MiB"),
    ("no RSS growth", "target no RSS growth"),
    ("idle CPU", "target idle < 1%"),
    ("READY=1", "target READY < 300 ms"),
    ("push answer p99", "target push p99 < 1 s"),
]


def dig(results, *path):
    """The value at `path` in nested dicts, or None when any step is missing."""
    value = results
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def number(value, pattern):
    return "-" if value is None else pattern % value


def cpu_bound_share(results):
    """What share of the ceiling's rate SMSLedger could reach if both drains were bound by CPU alone:
    the ratio of their CPU per message, emulator included (the machine's cores are shared by consumer
    and emulator in both phases). The measured share lands below it by the writer's serial time."""
    parts = [dig(results, phase, key) for phase in ("ceiling", "smsledger")
             for key in ("cpu_seconds_per_10k", "emulator_cpu_seconds_per_10k")]
    if any(part is None for part in parts) or parts[2] + parts[3] <= 0:
        return "-"
    return "%.0f%%" % (100 * (parts[0] + parts[1]) / (parts[2] + parts[3]))


def rows(results):
    """(label, text) pairs for one result, the same labels in the same order for every result."""
    led = lambda *path: dig(results, "smsledger", *path)
    load_start = dig(results, "machine", "load_average_at_start")
    load_end = dig(results, "machine", "load_average_at_end")
    ceiling_ratio = results.get("ratio_to_ceiling")
    out = [
        ("when", (results.get("when") or "-")[:16].replace("T", " ")),
        ("load average", "-" if not (load_start and load_end) else "%.1f -> %.1f" % (load_start[0], load_end[0])),
        ("messages (N)", number(dig(results, "settings", "n"), "%d")),
        ("pollers per queue", number(dig(results, "settings", "pollers_per_queue"), "%d")),
        ("rounds", number(dig(results, "settings", "rounds") or 1, "%d")),
        ("SMSLedger msg/s", number(led("messages_per_second"), "%.0f")),
        ("SMSLedger CPU s / 10k", number(led("cpu_seconds_per_10k"), "%.3f")),
        ("SMSLedger peak RSS MiB", number(led("peak_rss_mib"), "%.1f")),
        ("emulator CPU s / 10k", number(led("emulator_cpu_seconds_per_10k"), "%.3f")),
        ("official msg/s", number(dig(results, "official", "messages_per_second"), "%.0f")),
        ("ceiling msg/s", number(dig(results, "ceiling", "messages_per_second"), "%.0f")),
        ("ceiling CPU s / 10k", number(dig(results, "ceiling", "cpu_seconds_per_10k"), "%.3f")),
        ("ceiling's emulator CPU s / 10k", number(dig(results, "ceiling", "emulator_cpu_seconds_per_10k"), "%.3f")),
        ("x official", number(results.get("ratio_to_official"), "%.1fx")),
        ("% of ceiling", "-" if ceiling_ratio is None else "%.0f%%" % (ceiling_ratio * 100)),
        ("% of ceiling if CPU-bound", cpu_bound_share(results)),
        ("p99 enqueue-to-commit ms", number(led("latency", "enqueue_to_commit_ms", "p99"), "%.1f")),
        ("idle CPU % of a core", number(led("idle", "percent_of_one_core"), "%.3f")),
        ("READY=1 ms", number(led("ready_ms"), "%.1f")),
        ("push items/s", number(dig(results, "push", "items_per_second"), "%.0f")),
        ("push CPU s / 10k items", number(dig(results, "push", "throughput", "cpu_seconds_per_10k"), "%.3f")),
        ("push / MNS drain", number(dig(results, "push", "ratio_to_mns_drain"), "%.2f")),
        ("push p99 answer ms", number(dig(results, "push", "latency", "answer_ms", "p99"), "%.1f")),
        ("push errors", number(dig(results, "push", "errors"), "%d")),
    ]
    verdicts = {}
    for target in results.get("targets", []):
        for prefix, label in TARGET_NAMES:
            if target.get("target", "").startswith(prefix):
                verdicts[label] = target.get("verdict", "-")
    out += [(label, verdicts.get(label, "-")) for _, label in TARGET_NAMES]
    return out


def table(named_results):
    """Text lines: a label column, then one column per (name, results) pair."""
    columns = [(name, rows(results)) for name, results in named_results]
    labels = [label for label, _ in columns[0][1]]
    label_width = max(len(label) for label in labels)
    widths = [max(len(name), *(len(text) for _, text in cells)) for name, cells in columns]
    lines = ["%-*s  %s" % (label_width, "", "  ".join(name.rjust(w) for (name, _), w in zip(columns, widths)))]
    for index, label in enumerate(labels):
        cells = [cells[index][1].rjust(w) for (_, cells), w in zip(columns, widths)]
        lines.append("%-*s  %s" % (label_width, label, "  ".join(cells)))
    return lines


def newest(count, directory=RESULTS):
    """The `count` newest result files; their names are timestamps, so name order is time order."""
    return sorted(glob.glob(os.path.join(directory, "*.json")))[-count:]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", help="result files, in the order to show them")
    parser.add_argument("--last", type=int, default=5, metavar="N",
                        help="without files: the N newest results in Benchmarks/results (default 5)")
    args = parser.parse_args(argv)
    if args.last < 1:
        parser.error("--last must be at least 1")
    files = args.files or newest(args.last)
    if not files:
        print("no results in %s: run Benchmarks/run.sh first" % os.path.normpath(RESULTS), file=sys.stderr)
        return 1
    named = []
    for path in files:
        try:
            with open(path) as handle:
                results = json.load(handle)
        except (OSError, ValueError) as error:
            print("cannot read %s: %s" % (path, error), file=sys.stderr)
            return 1
        if not isinstance(results, dict):
            print("%s is not a benchmark result (not a JSON object)" % path, file=sys.stderr)
            return 1
        named.append((os.path.splitext(os.path.basename(path))[0], results))
    print("\n".join(table(named)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
