#!/usr/bin/env python3
"""Prints the tables of medians, ratios and target verdicts from a raw.tsv written by
run-gateway-bench.sh or run-stack-bench.sh (summarize.py does run-node-bench.sh's).

raw.tsv: tab separated "metric subject run value" lines (header line first).
usage: summarize_suite.py gateway|stack|seed RAW_TSV [BLOB_MIB]

Subjects are listed in the order they first appear in RAW_TSV, so components added later
(the logger, the cleaner) show up without changes here.
"""
import statistics
import sys
from collections import defaultdict

from summarize import fmt, print_table

BLOB = f"{sys.argv[3]} MiB" if len(sys.argv) > 3 else "512 MiB"

# suite -> metrics: (metric, title, unit)
METRICS = {
    "gateway": [
        ("warm_MBps", f"warm GET {BLOB} blob (curl)", "MB/s"),
        ("warm_client_cpu_ms", "curl's CPU time per warm GET", "ms"),
        ("warm_server_cpu_ms", "server's CPU time per warm GET", "ms"),
        ("manifest_rps", "manifest GET by digest (wrk)", "req/s"),
        ("manifest_p99_ms", "manifest GET latency p99 (wrk)", "ms"),
        ("rss_after_MiB", "RSS after the runs", "MiB"),
        ("busy_cores", "other processes' CPU before a run", "cores"),
    ],
    "stack": [
        ("start_ready_s", "start: exec -> 'ready' line", "s"),
        ("start_v2_s", "start: exec -> first 200 on GET /v2/", "s"),
        ("ready_reported_s", "start: 'ready in' figure printed", "s"),
        ("start_spawn_s", "start: exec -> component's JVM spawned", "s"),
        ("start_listen_s", "start: exec -> component's port accepts", "s"),
        ("start_cpu_s", "start: CPU time used until the first 200", "s"),
        ("stop_s", "stop: SIGTERM -> every process gone", "s"),
        ("procs", "processes (idle)", "n"),
        ("rss_idle_MiB", "RSS idle", "MiB"),
        ("pss_idle_MiB", "PSS idle (shared pages split)", "MiB"),
        ("rss_max_MiB", f"RSS max during a cold {BLOB} pull", "MiB"),
        ("hwm_MiB", f"VmHWM after a cold {BLOB} pull", "MiB"),
        ("cold_s", f"cold GET {BLOB} blob", "s"),
        ("busy_cores", "other processes' CPU before a run", "cores"),
    ],
    "seed": [
        ("start_v2_s", "start: exec -> first 200 on GET /v2/ (TLS)", "s"),
        ("procs", "processes (idle)", "n"),
        ("rss_idle_MiB", "RSS idle", "MiB"),
        ("pss_idle_MiB", "PSS idle (shared pages split)", "MiB"),
        ("pull_cold_s", "cold pull of the image (skopeo)", "s"),
        ("pull_warm_s", "warm pull of the image (skopeo)", "s"),
        ("blob_cold_s", f"cold GET {BLOB} blob (curl, HTTP/1.1)", "s"),
        ("blob_warm_s", f"warm GET {BLOB} blob (curl, HTTP/1.1)", "s"),
        ("pull_cold2_s", "cold pull of a second image (same sizes), JIT warm", "s"),
        ("cpu_pull_cold_s_per_GB", "server CPU per GB, cold pull", "s/GB"),
        ("cpu_pull_warm_s_per_GB", "server CPU per GB, warm pull", "s/GB"),
        ("cpu_blob_cold_s_per_GB", f"server CPU per GB, cold {BLOB} GET", "s/GB"),
        ("cpu_blob_warm_s_per_GB", f"server CPU per GB, warm {BLOB} GET", "s/GB"),
        ("jit_pull_cold_s_per_GB", "  of which JIT compiler threads, cold pull", "s/GB"),
        ("jit_pull_warm_s_per_GB", "  of which JIT compiler threads, warm pull", "s/GB"),
        ("jit_blob_cold_s_per_GB", f"  of which JIT compiler threads, cold {BLOB} GET", "s/GB"),
        ("jit_blob_warm_s_per_GB", f"  of which JIT compiler threads, warm {BLOB} GET", "s/GB"),
        ("cpu_pull_cold2_s_per_GB", "server CPU per GB, cold pull of the second image", "s/GB"),
        ("jit_pull_cold2_s_per_GB", "  of which JIT compiler threads", "s/GB"),
        ("front_pull_cold_s_per_GB", "TLS front's CPU per GB (gateway / haproxy), cold pull", "s/GB"),
        ("front_pull_warm_s_per_GB", "TLS front's CPU per GB, warm pull", "s/GB"),
        ("front_blob_cold_s_per_GB", f"TLS front's CPU per GB, cold {BLOB} GET", "s/GB"),
        ("front_blob_warm_s_per_GB", f"TLS front's CPU per GB, warm {BLOB} GET", "s/GB"),
        ("front_pull_cold2_s_per_GB", "TLS front's CPU per GB, cold pull of the second image", "s/GB"),
        ("manifest_tag_rps", "manifest GET by tag (wrk)", "req/s"),
        ("manifest_digest_rps", "manifest GET by digest (wrk)", "req/s"),
        ("manifest_tag_p99_ms", "manifest GET by tag, p99 (wrk)", "ms"),
        ("manifest_digest_p99_ms", "manifest GET by digest, p99 (wrk)", "ms"),
        ("manifest_tag_non2xx", "manifest GETs by tag answered with an error", "n"),
        ("manifest_digest_non2xx", "manifest GETs by digest answered with an error", "n"),
        ("busy_cores", "other processes' CPU before a run", "cores"),
    ],
}

# suite -> side by side: (metric, numerator subject, denominator subject), titles from METRICS
PAIRS = {
    "seed": [
        ("start_v2_s", "ours", "seed"),
        ("start_v2_s", "ours first start", "seed first start"),
        ("rss_idle_MiB", "ours total", "seed total"),
        ("pss_idle_MiB", "ours total", "seed total"),
        ("pull_cold_s", "ours", "seed"),
        ("pull_warm_s", "ours", "seed"),
        ("blob_cold_s", "ours", "seed"),
        ("blob_warm_s", "ours", "seed"),
        ("cpu_pull_cold_s_per_GB", "ours", "seed"),
        ("cpu_pull_warm_s_per_GB", "ours", "seed"),
        ("cpu_blob_cold_s_per_GB", "ours", "seed"),
        ("cpu_blob_warm_s_per_GB", "ours", "seed"),
        ("jit_pull_cold_s_per_GB", "ours", "seed"),
        ("jit_pull_warm_s_per_GB", "ours", "seed"),
        ("jit_blob_cold_s_per_GB", "ours", "seed"),
        ("jit_blob_warm_s_per_GB", "ours", "seed"),
        ("pull_cold2_s", "ours", "seed"),
        ("cpu_pull_cold2_s_per_GB", "ours", "seed"),
        ("jit_pull_cold2_s_per_GB", "ours", "seed"),
        ("pull_cold_s", "ours first start", "seed"),
        ("cpu_pull_cold_s_per_GB", "ours first start", "seed"),
        ("front_pull_cold_s_per_GB", "ours", "seed"),
        ("front_pull_warm_s_per_GB", "ours", "seed"),
        ("front_blob_cold_s_per_GB", "ours", "seed"),
        ("front_blob_warm_s_per_GB", "ours", "seed"),
        ("front_pull_cold2_s_per_GB", "ours", "seed"),
        ("manifest_tag_rps", "ours", "seed"),
        ("manifest_digest_rps", "ours", "seed"),
        ("manifest_tag_rps", "ours", "seed keep-alive"),
        ("manifest_digest_rps", "ours", "seed keep-alive"),
        ("manifest_tag_p99_ms", "ours", "seed"),
        ("manifest_digest_p99_ms", "ours", "seed"),
    ],
}
# with BEFORE_JAR, the "before" side (another build) against the seed and against ours, on the same rows
PAIRS["seed"] += [(m, n.replace("ours", "before"), d) for m, n, d in PAIRS["seed"]]
PAIRS["seed"] += [(m, n, n.replace("ours", "before")) for m, n, d in PAIRS["seed"] if n.startswith("ours")]
PAIRS["seed"] = list(dict.fromkeys(PAIRS["seed"]))

# suite -> targets: (title, metric, numerator, denominator or None, op or None, target)
TARGETS = {
    "gateway": [
        ("warm gateway HTTP/1.1 / node", "warm_MBps", "gateway http h1", "node h1", ">=", 0.85),
        ("warm gateway TLS HTTP/1.1 / node", "warm_MBps", "gateway tls h1", "node h1", ">=", 0.85),
        ("warm gateway TLS HTTP/2 / node", "warm_MBps", "gateway tls h2", "node h1", ">=", 0.85),
        ("warm alt gateway HTTP/1.1 / node", "warm_MBps", "alt gateway http h1", "node h1", ">=", 0.85),
        ("warm alt gateway TLS HTTP/1.1 / node", "warm_MBps", "alt gateway tls h1", "node h1", ">=", 0.85),
        ("warm alt gateway TLS HTTP/2 / node", "warm_MBps", "alt gateway tls h2", "node h1", ">=", 0.85),
        ("warm curl ceiling TLS HTTP/1.1 / node (client bound)", "warm_MBps", "curl ceiling tls h1", "node h1", None, None),
        ("warm curl ceiling TLS HTTP/2 / node (client bound)", "warm_MBps", "curl ceiling tls h2", "node h1", None, None),
        ("warm gateway TLS HTTP/1.1 / curl ceiling", "warm_MBps", "gateway tls h1", "curl ceiling tls h1", None, None),
        ("warm gateway TLS HTTP/2 / curl ceiling", "warm_MBps", "gateway tls h2", "curl ceiling tls h2", None, None),
        ("warm nginx TLS h1 / nginx http (TLS cost, reference)", "warm_MBps", "nginx tls h1", "nginx http h1", None, None),
        ("warm nginx TLS h2 / nginx http (reference)", "warm_MBps", "nginx tls h2", "nginx http h1", None, None),
        ("manifest gateway HTTP htpasswd / no auth", "manifest_rps", "gateway http auth", "gateway http", ">=", 0.9),
        ("manifest gateway TLS htpasswd / no auth", "manifest_rps", "gateway tls auth", "gateway tls", ">=", 0.9),
        ("manifest alt gateway HTTP / gateway HTTP", "manifest_rps", "alt gateway http", "gateway http", None, None),
        ("manifest gateway HTTP / node (context)", "manifest_rps", "gateway http", "node", None, None),
        ("manifest gateway TLS / node (context)", "manifest_rps", "gateway tls", "node", None, None),
    ],
    "stack": [
        ("start to 'ready' line (s)", "start_ready_s", "stack", None, "<=", 4.0),
        ("start to first GET /v2/ 200 (s)", "start_v2_s", "stack", None, "<=", 4.0),
        ("first start to 'ready' line (s)", "start_ready_s", "stack first start", None, "<=", 4.0),
        ("first start to first GET /v2/ 200 (s)", "start_v2_s", "stack first start", None, "<=", 4.0),
        ("start to first GET /v2/: stack / stock", "start_v2_s", "stack", "stock", None, None),
        ("RSS idle, stack total (MiB)", "rss_idle_MiB", "stack total", None, "<=", 400.0),
        ("RSS idle: stack / stock", "rss_idle_MiB", "stack total", "stock total", None, None),
        ("RSS max in a cold pull: stack / stock", "rss_max_MiB", "stack total", "stock total", None, None),
        ("PSS idle: stack / stock", "pss_idle_MiB", "stack total", "stock total", None, None),
        ("cold pull: stack / direct", "cold_s", "stack", "direct", None, None),
        ("cold pull: stock / direct", "cold_s", "stock", "direct", None, None),
    ],
}


def main():
    suite = sys.argv[1]
    values = defaultdict(list)
    order = defaultdict(list)  # metric -> subjects in order of appearance
    with open(sys.argv[2]) as f:
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
            if subject not in order[metric]:
                order[metric].append(subject)

    def med(metric, subject):
        v = values.get((metric, subject))
        return statistics.median(v) if v else None

    titles = {metric: (title, unit) for metric, title, unit in METRICS[suite]}
    if suite in PAIRS:
        rows = [("measurement (medians)", "unit", "ours", "reference", "ratio", "ours min-max", "ref. min-max", "n")]
        for metric, num, den in PAIRS[suite]:
            a, b = values.get((metric, num)), values.get((metric, den))
            if not a or not b:
                continue
            title, unit = titles[metric]
            ma, mb = med(metric, num), med(metric, den)
            ref = "" if den in ("seed", "seed total") else f" ({num} / {den})"
            rows.append((title + ref, unit, fmt(ma), fmt(mb), f"{ma / mb:.2f}" if mb else "-",
                         f"{fmt(min(a))}-{fmt(max(a))}", f"{fmt(min(b))}-{fmt(max(b))}", f"{len(a)}/{len(b)}"))
        print_table(rows)
        print()

    rows = [("measurement", "unit", "subject", "median", "min-max", "n")]
    for metric, title, unit in METRICS[suite]:
        for k, subject in enumerate(order.get(metric, [])):
            v = values[(metric, subject)]
            rows.append((title if k == 0 else "", unit if k == 0 else "", subject, fmt(med(metric, subject)),
                         f"{fmt(min(v))}-{fmt(max(v))}", str(len(v))))
    print_table(rows)
    if suite not in TARGETS:
        return
    print()

    rows = [("ratio / value (medians)", "value", "target", "verdict")]
    for title, metric, num, den, op, target in TARGETS.get(suite, []):
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


if __name__ == "__main__":
    main()
