#!/usr/bin/env python3
"""Prints the tables of medians and target verdicts from a raw.tsv written by run-store-bench.sh.

raw.tsv: tab separated "metric subject run value" lines (header line first). Subjects (the JVM
variants c1 and tiered, the python reference) are columns, in the order they first appear.
usage: summarize_store.py RAW_TSV [RSS_TARGET_MIB=128]
"""
import statistics
import sys
from collections import defaultdict

from summarize import fmt, print_table

RSS_TARGET = float(sys.argv[2]) if len(sys.argv) > 2 else 128.0

# (metric, title, unit)
METRICS = [
    ("cleaner_noop_wall_s", "cleaner, nothing over threshold: wall (exec->exit)", "s"),
    ("cleaner_noop_pass_s", "  pass time the cleaner prints", "s"),
    ("cleaner_noop_cpu_user_s", "  CPU user", "s"),
    ("cleaner_noop_cpu_sys_s", "  CPU system", "s"),
    ("cleaner_noop_hwm_MiB", "  peak RSS (VmHWM at exit)", "MiB"),
    ("cleaner_noop_rss_MiB", "  max VmRSS sampled", "MiB"),
    ("cleaner_noop_gc_n", "  GC pauses", "n"),
    ("cleaner_noop_gc_ms", "  GC pause total", "ms"),
    ("cleaner_noop_heap_MiB", "  max heap after a GC", "MiB"),
    ("cleaner_scan_wall_s", "cleaner, same, repositories/ aside (blob scan only)", "s"),
    ("cleaner_scan_pass_s", "  pass time printed", "s"),
    ("cleaner_scan_hwm_MiB", "  peak RSS (VmHWM at exit)", "MiB"),
    ("cleaner_scan_heap_MiB", "  max heap after a GC", "MiB"),
    ("cleaner_dry_wall_s", "cleaner --dry-run (would delete): wall", "s"),
    ("cleaner_dry_pass_s", "  pass time the cleaner prints", "s"),
    ("cleaner_dry_hwm_MiB", "  peak RSS (VmHWM at exit)", "MiB"),
    ("cleaner_delete_wall_s", "cleaner, deleting: wall (exec->exit)", "s"),
    ("cleaner_delete_pass_s", "  pass time printed", "s"),
    ("cleaner_delete_cpu_user_s", "  CPU user", "s"),
    ("cleaner_delete_cpu_sys_s", "  CPU system", "s"),
    ("cleaner_delete_hwm_MiB", "  peak RSS (VmHWM at exit)", "MiB"),
    ("cleaner_delete_rss_MiB", "  max VmRSS sampled", "MiB"),
    ("cleaner_delete_gc_n", "  GC pauses", "n"),
    ("cleaner_delete_gc_ms", "  GC pause total", "ms"),
    ("cleaner_delete_heap_MiB", "  max heap after a GC", "MiB"),
    ("cleaner_ref_scan_s", "  python reference: scan blobs", "s"),
    ("cleaner_ref_delete_s", "  python reference: delete", "s"),
    ("cleaner_ref_links_s", "  python reference: prune links", "s"),
    ("cleaner_check_fails", "cleaner: failed checks", "n"),
    ("logger_startup_s", "logger start-up (exec -> first state save)", "s"),
    ("logger_total_s", "logger: exec -> whole log read (state saved)", "s"),
    ("logger_lines_per_s", "  lines/s (total)", "lines/s"),
    ("logger_net_lines_per_s", "  lines/s (minus start-up)", "lines/s"),
    ("logger_cpu_user_s", "  CPU user", "s"),
    ("logger_cpu_sys_s", "  CPU system", "s"),
    ("logger_rss_MiB", "  max VmRSS sampled", "MiB"),
    ("logger_hwm_MiB", "  VmHWM", "MiB"),
    ("logger_gc_n", "  GC pauses", "n"),
    ("logger_gc_ms", "  GC pause total", "ms"),
    ("logger_heap_MiB", "  max heap after a GC", "MiB"),
    ("logger_stop_idle_s", "logger stop, idle: SIGTERM -> gone", "s"),
    ("logger_stop_catchup_s", "logger stop while catching up: SIGTERM -> gone", "s"),
    ("logger_saved_before_stop_MiB", "  log read per the state file at that SIGTERM", "MiB"),
    ("logger_check_fails", "logger: failed checks", "n"),
]

# (title, metric, op, target): checked for every subject that has the metric
TARGETS = [
    ("cleaner pass, nothing over threshold (wall s)", "cleaner_noop_wall_s", "<=", 5.0),
    ("cleaner pass deleting 20% (wall s)", "cleaner_delete_wall_s", "<=", 5.0),
    ("cleaner peak RSS, nothing over (MiB)", "cleaner_noop_hwm_MiB", "<=", RSS_TARGET),
    ("cleaner peak RSS, deleting (MiB)", "cleaner_delete_hwm_MiB", "<=", RSS_TARGET),
    ("logger lines/s (total)", "logger_lines_per_s", ">=", 50000.0),
    ("logger lines/s (minus start-up)", "logger_net_lines_per_s", ">=", 50000.0),
    ("logger stop while catching up (s; supervisor kills at 10)", "logger_stop_catchup_s", "<=", 10.0),
    ("cleaner failed checks (max of runs)", "cleaner_check_fails", "max<=", 0.0),
    ("logger failed checks (max of runs)", "logger_check_fails", "max<=", 0.0),
]


def main():
    values = defaultdict(list)
    subjects = []
    with open(sys.argv[1]) as f:
        next(f, None)
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 4:
                continue
            metric, subject, _run, value = parts
            try:
                values[(metric, subject)].append(float(value))
            except ValueError:
                continue
            if subject not in subjects:
                subjects.append(subject)

    def med(metric, subject):
        v = values.get((metric, subject))
        return statistics.median(v) if v else None

    rows = [("measurement (median of runs)", "unit", *subjects, "n", "min-max " + (subjects[0] if subjects else ""))]
    for metric, title, unit in METRICS:
        have = [s for s in subjects if (metric, s) in values]
        if not have:
            continue
        cells = [fmt(med(metric, s)) if s in have else "" for s in subjects]
        n = max(len(values[(metric, s)]) for s in have)
        first = values[(metric, have[0])]
        rows.append((title, unit, *cells, str(n), f"{fmt(min(first))}-{fmt(max(first))}"))
    print_table(rows)
    print()

    rows = [("target", "subject", "value", "target", "verdict")]
    for title, metric, op, target in TARGETS:
        for s in subjects:
            v = values.get((metric, s))
            if not v:
                continue
            if op == "max<=":
                x, ok, shown = max(v), max(v) <= target, f"<= {target:g}"
            else:
                x = statistics.median(v)
                ok = x <= target if op == "<=" else x >= target
                shown = f"{op} {target:g}"
            rows.append((title, s, fmt(x), shown, "OK" if ok else "MISSED"))
    print_table(rows)


if __name__ == "__main__":
    main()
