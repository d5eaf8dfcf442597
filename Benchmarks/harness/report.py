"""The issue's targets, checked against one run's figures, and the printed table."""

RSS_LIMIT_MIB = 64
GROWTH_LIMIT = 0.10
SOAK_MESSAGES = 1_000_000


def targets(results):
    led, official, ceiling = results.get("smsledger", {}), results.get("official"), results.get("ceiling")
    n = results["settings"]["n"]
    checks = []

    def check(name, ok, figure, note=""):
        verdict = "NOT RUN" if ok is None else ("PASS" if ok else "FAIL")
        checks.append({"target": name, "verdict": verdict, "figure": figure, "note": note})

    if official:
        ratio, note = round_ratio(results, "official")
        results["ratio_to_official"] = round(ratio, 1)
        check("throughput >= 20x the official pattern", ratio >= 20, "%.1fx" % ratio,
              "official measured on %d messages%s" % (official["messages"], note))
    else:
        check("throughput >= 20x the official pattern", None, "-")
    if ceiling:
        ratio, note = round_ratio(results, "ceiling")
        results["ratio_to_ceiling"] = round(ratio, 3)
        check("throughput >= 60% of the protocol ceiling", ratio >= 0.6, "%.0f%%" % (ratio * 100), note.lstrip("; "))
    else:
        check("throughput >= 60% of the protocol ceiling", None, "-")
    p99 = led.get("latency", {}).get("enqueue_to_commit_ms", {}).get("p99")
    check("enqueue-to-commit p99 < 50 ms at half load", None if p99 is None else p99 < 50,
          "%s ms" % p99, "upper bound: commit seen by a reader polling every %s ms"
          % led.get("latency", {}).get("watch_interval_ms"))
    peak = led.get("peak_rss_mib")
    check("peak RSS < 64 MiB over %d messages" % n, None if peak is None else peak < RSS_LIMIT_MIB, "%s MiB" % peak,
          "" if n >= 200_000 else "the target is for 200,000 messages; this run had fewer")
    track = led.get("rss_track_mib", {})
    if n >= SOAK_MESSAGES and track:
        growth = track["at_end"] / track["at_mark"] - 1
        check("no RSS growth over 1,000,000 messages (end within 10% of at 100,000)", growth <= GROWTH_LIMIT,
              "%+.1f%%" % (growth * 100))
    else:
        note = ""
        if track:
            note = "this run: %.1f MiB at %d, %.1f MiB at the end; run BENCH_N=1000000 for the target" % (
                track["at_mark"], track["mark_messages"], track["at_end"])
        check("no RSS growth over 1,000,000 messages", None, "-", note)
    idle = led.get("idle", {})
    check("idle CPU < 1% of one core", None if not idle else idle["percent_of_one_core"] < 1,
          "%s%% over %s s" % (idle.get("percent_of_one_core"), idle.get("seconds")),
          "" if idle.get("seconds", 0) >= 60 else "the target is over 60 s")
    ready = led.get("ready_ms")
    check("READY=1 within 300 ms of start", None if ready is None else ready <= 300, "%s ms" % ready)
    push_target(results.get("push"), check)
    return checks


PUSH_P99_LIMIT_MS = 1000


def push_target(push, check):
    """The push answer must come well within a second under load: p99 of the 100-item arrays' answer
    times at half the pushed throughput, with no error in either part of the phase."""
    name = "push answer p99 < 1000 ms at half load, no errors"
    if push is None:
        check(name, None, "-")
        return
    if "failed" in push:
        check(name, False, "-", "the phase failed: %s" % push["failed"])
        return
    lat = push.get("latency", {})
    p99 = lat.get("answer_ms", {}).get("p99")
    errors = push.get("errors", 0)
    ledger_ok = push.get("ledger_matches", False) and lat.get("ledger_matches_after", False)
    ok = p99 is not None and p99 < PUSH_P99_LIMIT_MS and errors == 0 and ledger_ok
    notes = ["%d errors" % errors, "%s arrays of %d at %s items/s achieved" % (
        lat.get("requests"), push.get("items_per_array", 0), lat.get("achieved_items_per_second"))]
    if not ledger_ok:
        notes.append("ledger rows differ from what was pushed")
    check(name, ok, "%s ms" % p99, "; ".join(notes))


def round_ratio(results, other):
    """SMSLedger's throughput over `other`'s: of the one round, or the median of the rounds' ratios
    (each round's phases ran back to back, so a ratio within a round compares like with like)."""
    rounds = [r for r in results.get("rounds", []) if other in r and "smsledger" in r]
    if not rounds:
        return results["smsledger"]["messages_per_second"] / results[other]["messages_per_second"], ""
    ratios = sorted(r["smsledger"] / r[other] for r in rounds)
    middle = len(ratios) // 2
    median = ratios[middle] if len(ratios) % 2 else (ratios[middle - 1] + ratios[middle]) / 2
    if len(ratios) == 1:
        return median, ""
    shown = ", ".join("%.1fx" % r if other == "official" else "%.0f%%" % (r * 100) for r in ratios)
    return median, "; median of %d rounds: %s" % (len(ratios), shown)


def show(results):
    machine = results["machine"]
    print("\n=== SMSLedger benchmark, %s, %d CPUs, load average %.1f at start, %.1f at end ===" % (
        results["when"], machine["cpus"], machine["load_average_at_start"][0], machine["load_average_at_end"][0]))
    if machine["load_average_at_end"][0] > machine["cpus"]:
        print("    (other work competed for the CPUs: compare the ratios and CPU s/10k, not absolute msg/s)")
    header = "%-28s %12s %14s %14s %16s" % ("consumer", "msg/s", "CPU s / 10k", "peak RSS MiB", "emulator CPU/10k")
    print(header)
    print("-" * len(header))
    rows = [("SMSLedger (synchronous=FULL)", results.get("smsledger")),
            ("official SDK pattern", results.get("official")),
            ("protocol ceiling", results.get("ceiling"))]
    for name, figures in rows:
        if not figures:
            print("%-28s %12s" % (name, "not run"))
            continue
        print("%-28s %12.0f %14.3f %14.1f %16.3f" % (
            name, figures["messages_per_second"], figures["cpu_seconds_per_10k"], figures["peak_rss_mib"],
            figures["emulator_cpu_seconds_per_10k"]))
    led = results.get("smsledger", {})
    official = results.get("official")
    if official:
        print("  the official pattern ran on %d messages (one receive, insert+commit, delete per message, "
              "one consumer per queue); SMSLedger and the ceiling on %d"
              % (official["messages"], results["settings"]["n"]))
    if led:
        print("  SMSLedger: %d pollers per queue" % results["settings"]["pollers_per_queue"])
    if len(results.get("rounds", [])) > 1:
        print("  msg/s by round (the figures above are round 1's): %s" % "; ".join(
            ", ".join("%s %.0f" % (name, rate) for name, rate in r.items()) for r in results["rounds"]))
    if results.get("ceiling"):
        print("  ceiling consumer: %s" % results["ceiling"].get("consumer"))
    if led:
        lat = led.get("latency", {})
        print("\nSMSLedger: start -> READY=1 %.1f ms; idle CPU %.3f%% of one core over %d s; ledger rows %s"
              % (led["ready_ms"], led["idle"]["percent_of_one_core"], led["idle"]["seconds"], led["ledger_rows"]))
        print("SMSLedger: enqueue-to-commit at %.0f msg/s offered (%.0f achieved, %d messages): %s ms;"
              " enqueue-to-received_at %s ms"
              % (lat.get("offered_per_second", 0), lat.get("achieved_per_second", 0), lat.get("messages", 0),
                 fmt(lat.get("enqueue_to_commit_ms")), fmt(lat.get("enqueue_to_received_at_ms"))))
        print("SMSLedger: RSS %s" % led.get("rss_track_mib"))
    show_push(results.get("push"))
    if "ratio_to_official" in results:
        print("\nratio SMSLedger / official: %.1fx" % results["ratio_to_official"])
    if "ratio_to_ceiling" in results:
        print("ratio SMSLedger / ceiling:  %.0f%%" % (results["ratio_to_ceiling"] * 100))
    print("\ntargets:")
    for t in results["targets"]:
        print("  %-8s %-70s %s%s" % (t["verdict"], t["target"], t["figure"], ("  (" + t["note"] + ")") if t["note"] else ""))


def show_push(push):
    if not push:
        return
    if "failed" in push:
        print("\npush: the phase failed: %s" % push["failed"])
        return
    thr, lat = push.get("throughput", {}), push.get("latency", {})
    print("\npush: %.0f items/s (MNS drain: %.0f msg/s, ratio %.2f); %d arrays of up to %d over %d connections,"
          " daemon CPU %.3f s / 10k items (pusher %.3f), peak RSS %.1f MiB, %d errors"
          % (push["items_per_second"], push.get("mns_drain_messages_per_second") or 0,
             push.get("ratio_to_mns_drain") or 0, thr["arrays"], push["items_per_array"], thr["connections"],
             thr["cpu_seconds_per_10k"], thr["pusher_cpu_seconds_per_10k"], thr["peak_rss_mib"],
             thr["errors"]["count"]))
    print("push: ledger rows %s after %d receipts + %d replies pushed (%s)"
          % (push["ledger_rows"], thr["receipts"], thr["replies"], "match" if push["ledger_matches"] else "MISMATCH"))
    if lat:
        print("push: answer time of %d-item arrays at %.0f items/s offered (%.0f achieved, %d arrays): %s ms"
              " from when due; %s ms from when sent; %d sent over 10 ms late; %d errors; ledger after: %s"
              % (push["items_per_array"], lat["offered_items_per_second"], lat["achieved_items_per_second"],
                 lat["requests"], fmt(lat["answer_ms"]), fmt(lat["answer_from_send_ms"]),
                 lat["sent_late_over_10ms"], lat["errors"]["count"],
                 "match" if lat.get("ledger_matches_after") else "MISMATCH"))
    for part in (thr, lat):
        for sample in part.get("errors", {}).get("samples", []):
            print("  push error: %s" % sample)


def fmt(p):
    return "p50 %s / p99 %s / max %s" % (p["p50"], p["p99"], p["max"]) if p else "-"
