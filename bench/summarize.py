#!/usr/bin/env python3
"""Prints the table of medians and ratios from a raw.tsv written by run-node-bench.sh.

raw.tsv: tab separated "metric subject run value" lines (header line first).
usage: summarize.py RAW_TSV [BLOB_MIB BIG_MIB]
"""
import statistics
import sys
from collections import defaultdict

# metric -> (title, unit, subjects in column order)
BLOB = f"{sys.argv[2]} MiB" if len(sys.argv) > 2 else "512 MiB"
BIG = f"{sys.argv[3]} MiB" if len(sys.argv) > 3 else "1024 MiB"
METRICS = [
    ("cold_s", f"cold GET {BLOB} blob", "s", ["node", "direct", "stock"]),
    ("warm_MBps", f"warm GET {BLOB} blob", "MB/s", ["node", "stock", "nginx"]),
    ("manifest_rps", "manifest GET by digest (wrk)", "req/s", ["node", "stock"]),
    ("rss_idle_MiB", "node RSS idle", "MiB", ["node"]),
    ("rss_max_MiB", f"node RSS max, {BIG} cold GET", "MiB", ["node"]),
    ("rss_hwm_MiB", f"node VmHWM after {BIG} GET", "MiB", ["node"]),
    ("cold1g_s", f"cold GET {BIG} blob via node", "s", ["node"]),
]

# (title, metric, numerator, denominator or None for an absolute value, op, target)
TARGETS = [
    ("cold node/direct", "cold_s", "node", "direct", "<=", 1.15),
    ("cold stock/direct", "cold_s", "stock", "direct", None, None),
    ("warm node/stock", "warm_MBps", "node", "stock", ">=", 1.0),
    ("warm node/nginx", "warm_MBps", "node", "nginx", ">=", 0.8),
    ("manifest node/stock", "manifest_rps", "node", "stock", ">=", 5.0),
    ("node RSS max (MiB)", "rss_max_MiB", "node", None, "<=", 200.0),
]


def fmt(v):
    if v is None:
        return "-"
    if abs(v) >= 100:
        return f"{v:.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.3f}"


def main():
    values = defaultdict(list)
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
                pass

    def med(metric, subject):
        v = values.get((metric, subject))
        return statistics.median(v) if v else None

    rows = [("measurement", "unit", "node", "direct", "stock", "nginx", "n", "min-max node")]
    for metric, title, unit, subjects in METRICS:
        if not any((metric, s) in values for s in subjects):
            continue
        cells = {s: fmt(med(metric, s)) if s in subjects else "" for s in ["node", "direct", "stock", "nginx"]}
        n = max(len(values.get((metric, s), [])) for s in subjects)
        node_vals = values.get((metric, "node"), [])
        spread = f"{fmt(min(node_vals))}-{fmt(max(node_vals))}" if node_vals else "-"
        rows.append((title, unit, cells["node"], cells["direct"], cells["stock"], cells["nginx"], str(n), spread))
    print_table(rows)
    print()

    rows = [("ratio / value (medians)", "value", "target", "verdict")]
    for title, metric, num, den, op, target in TARGETS:
        a = med(metric, num)
        b = med(metric, den) if den else 1.0
        if a is None or b is None or b == 0:
            continue
        r = a / b
        if op is None:
            rows.append((title, f"{r:.2f}", "-", "-"))
            continue
        ok = r <= target if op == "<=" else r >= target
        rows.append((title, f"{r:.2f}", f"{op} {target:g}", "OK" if ok else "MISSED"))
    print_table(rows)


def print_table(rows):
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for k, r in enumerate(rows):
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip())
        if k == 0:
            print("  ".join("-" * w for w in widths))


if __name__ == "__main__":
    main()
