"""compare.py against result files shaped like the harness writes them (full, partial, old, broken).

Run with: pytest -q Benchmarks/harness (Tests/run.sh does, in the interop venv)."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import compare  # noqa: E402


def full_result():
    """A three-round run with every phase, as bench.py wrote results/20261123-223350.json."""
    return {
        "when": "2026-11-23T22:30:39+00:00",
        "settings": {"n": 200000, "pollers_per_queue": 32, "rounds": 3},
        "machine": {"cpus": 2, "load_average_at_start": [1.2, 1.4, 1.7], "load_average_at_end": [4.1, 2.2, 2.0]},
        "rounds": [{"smsledger": 12221.3, "official": 708.4, "ceiling": 40614.5}],
        "smsledger": {"messages_per_second": 12221.3, "cpu_seconds_per_10k": 0.894, "peak_rss_mib": 50.8,
                      "emulator_cpu_seconds_per_10k": 0.274, "ready_ms": 28.0,
                      "idle": {"seconds": 60, "percent_of_one_core": 0.117},
                      "latency": {"enqueue_to_commit_ms": {"p50": 22.3, "p99": 33.8, "max": 87.6}}},
        "official": {"messages_per_second": 708.4},
        "ceiling": {"messages_per_second": 40614.5, "cpu_seconds_per_10k": 0.26, "emulator_cpu_seconds_per_10k": 0.209},
        "push": {"items_per_second": 21787.7, "items_per_array": 100, "errors": 0, "ratio_to_mns_drain": 1.783,
                 "ledger_matches": True, "throughput": {"cpu_seconds_per_10k": 0.7},
                 "latency": {"requests": 200, "achieved_items_per_second": 10892.5, "ledger_matches_after": True,
                             "answer_ms": {"p50": 6.4, "p99": 19.6, "max": 25.0}}},
        "ratio_to_official": 18.6,
        "ratio_to_ceiling": 0.301,
        "targets": [
            {"target": "throughput >= 20x the official pattern", "verdict": "FAIL"},
            {"target": "throughput >= 60% of the protocol ceiling", "verdict": "FAIL"},
            {"target": "enqueue-to-commit p99 < 50 ms at half load", "verdict": "PASS"},
            {"target": "peak RSS < 64 MiB over 200000 messages", "verdict": "PASS"},
            {"target": "no RSS growth over 1,000,000 messages", "verdict": "NOT RUN"},
            {"target": "idle CPU < 1% of one core", "verdict": "PASS"},
            {"target": "READY=1 within 300 ms of start", "verdict": "PASS"},
            {"target": "push answer p99 < 1000 ms at half load, no errors", "verdict": "PASS"},
        ],
    }


def old_partial_result():
    """SMSLedger only (BENCH_SKIP=official,ceiling), from before rounds, latency or targets existed."""
    return {"when": "2026-11-23T13:24:00+00:00", "settings": {"n": 20000, "pollers_per_queue": 7},
            "smsledger": {"messages_per_second": 7764.0, "cpu_seconds_per_10k": 1.49}}


def test_a_full_result_shows_its_ratios_figures_and_verdicts():
    shown = dict(compare.rows(full_result()))
    assert shown["x official"] == "18.6x"
    assert shown["% of ceiling"] == "30%"
    assert shown["SMSLedger msg/s"] == "12221"
    assert shown["ceiling CPU s / 10k"] == "0.260"
    # (0.260 + 0.209) / (0.894 + 0.274): the ceiling's CPU per message over SMSLedger's.
    assert shown["% of ceiling if CPU-bound"] == "40%"
    assert shown["p99 enqueue-to-commit ms"] == "33.8"
    assert shown["load average"] == "1.2 -> 4.1"
    assert shown["rounds"] == "3"
    assert shown["target 20x official"] == "FAIL"
    assert shown["target p99 < 50 ms"] == "PASS"
    assert shown["target no RSS growth"] == "NOT RUN"
    assert shown["push items/s"] == "21788"
    assert shown["push / MNS drain"] == "1.78"
    assert shown["push p99 answer ms"] == "19.6"
    assert shown["push errors"] == "0"
    assert shown["target push p99 < 1 s"] == "PASS"


def test_missing_phases_and_fields_print_as_dashes_under_the_same_labels():
    full, partial = compare.rows(full_result()), compare.rows(old_partial_result())
    assert [label for label, _ in partial] == [label for label, _ in full]
    shown = dict(partial)
    for label in ["official msg/s", "ceiling msg/s", "x official", "% of ceiling", "p99 enqueue-to-commit ms",
                  "idle CPU % of a core", "load average", "target 60% ceiling",
                  "% of ceiling if CPU-bound", "ceiling's emulator CPU s / 10k", "push items/s",
                  "push p99 answer ms", "push / MNS drain", "target push p99 < 1 s"]:
        assert shown[label] == "-", label
    assert shown["rounds"] == "1"
    assert shown["SMSLedger CPU s / 10k"] == "1.490"


def test_the_table_has_one_aligned_column_per_run_in_the_order_given():
    lines = compare.table([("late", full_result()), ("early", old_partial_result())])
    assert len({len(line) for line in lines}) == 1
    assert lines[0].index("late") < lines[0].index("early")
    ratio_line = next(line for line in lines if line.startswith("x official"))
    assert ratio_line.split()[-2:] == ["18.6x", "-"]


def test_newest_picks_the_latest_files_by_their_timestamp_names(tmp_path):
    for name in ["20261123-230000", "20261123-090000", "20261122-235959", "20261123-120000"]:
        (tmp_path / (name + ".json")).write_text("{}")
    picked = [os.path.basename(p) for p in compare.newest(2, str(tmp_path))]
    assert picked == ["20261123-120000.json", "20261123-230000.json"]


def test_unreadable_or_foreign_files_are_refused_with_a_message(tmp_path, capsys):
    not_json = tmp_path / "broken.json"
    not_json.write_text("{ half")
    a_list = tmp_path / "list.json"
    a_list.write_text(json.dumps([1, 2]))
    assert compare.main([str(not_json)]) == 1
    assert "cannot read" in capsys.readouterr().err
    assert compare.main([str(a_list)]) == 1
    assert "not a benchmark result" in capsys.readouterr().err
    assert compare.main([str(tmp_path / "absent.json")]) == 1


def test_the_command_prints_the_files_it_is_given(tmp_path, capsys):
    path = tmp_path / "20261123-223350.json"
    path.write_text(json.dumps(full_result()))
    assert compare.main([str(path)]) == 0
    out = capsys.readouterr().out
    assert "20261123-223350" in out.splitlines()[0]
    assert "18.6x" in out


def test_every_target_report_checks_has_exactly_one_row_here():
    """compare.py matches verdicts by the start of report.py's target names; a renamed target there
    would otherwise show as "-" in every column without anyone noticing."""
    import report

    results = full_result()
    results["official"]["messages"] = 5000
    results["smsledger"]["rss_track_mib"] = {"mark_messages": 100000, "at_mark": 50.6, "at_end": 50.8}
    for n in (20000, 200000, 1000000):  # the RSS targets' names depend on N
        results["settings"]["n"] = n
        names = [check["target"] for check in report.targets(results)]
        assert len(names) == len(compare.TARGET_NAMES)
        for name in names:
            matches = [label for prefix, label in compare.TARGET_NAMES if name.startswith(prefix)]
            assert len(matches) == 1, (n, name, matches)


def test_the_push_target_fails_on_errors_a_slow_p99_or_a_failed_phase_and_is_not_run_when_skipped():
    import report

    def verdict(push):
        results = full_result()
        results["official"]["messages"] = 5000
        if push is None:
            del results["push"]
        else:
            results["push"] = push
        return next(t for t in report.targets(results) if t["target"].startswith("push answer p99"))["verdict"]

    good = full_result()["push"]
    assert verdict(good) == "PASS"
    assert verdict(None) == "NOT RUN"
    assert verdict(dict(good, errors=1)) == "FAIL"
    assert verdict(dict(good, ledger_matches=False)) == "FAIL"
    slow = dict(good, latency=dict(good["latency"], answer_ms={"p50": 400.0, "p99": 1000.0, "max": 1500.0}))
    assert verdict(slow) == "FAIL"
    assert verdict({"failed": "RuntimeError('daemon exited with 78 before READY=1')"}) == "FAIL"
