"""CPU time and memory of a process (and its children) from /proc, so every consumer is measured the
same way whatever language it is written in."""
import os

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid):
    with open("/proc/%d/stat" % pid) as f:
        text = f.read()
    # The command name may contain spaces and parentheses; the fields after the last ')' are fixed.
    return text[text.rindex(")") + 2:].split()


def cpu_seconds(pid):
    """utime + stime of one process, in seconds (children not included)."""
    fields = _stat_fields(pid)
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def status_kib(pid, key):
    """A `kB` line of /proc/PID/status (VmHWM = peak RSS, VmRSS = current RSS), in KiB."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def tree(pid):
    """The process and all its descendants that are alive now."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            parent = int(_stat_fields(int(entry))[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(entry))
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        pending.extend(children.get(current, []))
    return found


class Usage:
    """CPU seconds and peak RSS of a process tree, sampled now."""

    def __init__(self, pid):
        self.cpu = 0.0
        self.peak_rss_kib = 0
        self.rss_kib = 0
        for member in tree(pid):
            try:
                self.cpu += cpu_seconds(member)
                self.peak_rss_kib += status_kib(member, "VmHWM")
                self.rss_kib += status_kib(member, "VmRSS")
            except OSError:
                pass  # exited between listing and reading
