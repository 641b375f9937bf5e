#!/usr/bin/env bash
# Where the whole stack's memory goes, process by process: starts the supervisor for two
# registries (the README's setup, TLS on), stops it once the first start wrote the class-data
# archives (<data-dir>/.jvm-cds, as on a host), starts it again and, IDLE_SECS after the first 200
# on GET /v2/ through the gateway, records for every JVM of the stack its RSS and PSS (PSS splits
# each page among the processes that map it: the archives' and the JVM's shared pages count once
# over all) by kind of mapping (anon: heap, metaspace, code, threads, malloc; cds: the class-data
# archives; libjvm; other shared libraries; the jar), and with NMT=1 its Native Memory Tracking
# summary (committed KiB per category). NMT costs memory itself (its own category, and more
# malloc): the RSS and PSS figures to quote come from NMT=0. With BASE_JAR set, the stack of that
# jar ("before") and of JAR ("after") are measured alternately, RUNS times each, each in a data
# folder of its own, and the medians are printed side by side. Not a test. Raw results:
# bench/results/<stamp>-nmt[-LABEL]/ (raw.tsv, kinds-*.tsv, nmt-*.txt, summary.txt).
#
# Environment (all optional): IDLE_SECS=10  RUNS=1  NMT=1  JAVA_BIN=java
#   JAR=supervisor/target/registry-cache.jar  SUPERVISOR_JAVA_OPTS (default: the Containerfile's
#   ENTRYPOINT options)  BASE_JAR=  BASE_SUPERVISOR_JAVA_OPTS (default: SUPERVISOR_JAVA_OPTS)
#   LABEL=  KEEP_TMP=0
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"
MEASURE=
IDLE_SECS=${IDLE_SECS:-10}
RUNS=${RUNS:-1}
NMT=${NMT:-1}
JAVA_BIN=${JAVA_BIN:-java}
JAR=${JAR:-$ROOT/supervisor/target/registry-cache.jar}
SUPERVISOR_JAVA_OPTS=${SUPERVISOR_JAVA_OPTS--XX:+UnlockDiagnosticVMOptions -XX:ArchiveRelocationMode=0 -XX:+UseSerialGC -Xms2m -Xmn1m -Xmx48m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 -XX:TieredStopAtLevel=1 -XX:TrimNativeHeapInterval=3000}
BASE_JAR=${BASE_JAR:-}
BASE_SUPERVISOR_JAVA_OPTS=${BASE_SUPERVISOR_JAVA_OPTS-$SUPERVISOR_JAVA_OPTS}
need docker-registry openssl curl python3
[[ $NMT == 1 ]] && need jcmd
[[ -f $JAR ]] || die "no $JAR: build it with mvn -B package -DskipTests"
[[ -z $BASE_JAR || -f $BASE_JAR ]] || die "no $BASE_JAR"
bench_settings nmt
bench_init nmt
declare -A UPS=()
declare -A PIDS=()
declare -A SUBJECT_JAR=([after]=$JAR)
declare -A SUBJECT_OPTS=([after]=$SUPERVISOR_JAVA_OPTS)
SUBJECTS=(after)
if [[ -n $BASE_JAR ]]; then
    SUBJECT_JAR[before]=$BASE_JAR
    SUBJECT_OPTS[before]=$BASE_SUPERVISOR_JAVA_OPTS
    SUBJECTS=(before after)
fi
start_upstreams quay.io docker.io
make_cert "$TMP/tls"
echo '{"auths":{"quay.io":{},"docker.io":{}}}' >"$TMP/ps.json"
PORT=$(free_port)

start_stack() { # subject run: the README's setup; returns once GET /v2/ answers 200 through the gateway
    local subject=$1 tool_options=
    [[ $NMT == 1 ]] && tool_options=-XX:NativeMemoryTracking=summary
    mkdir -p "$TMP/$subject/data"
    rm -rf "$TMP/$subject/logdir" && mkdir -p "$TMP/$subject/logdir"
    # shellcheck disable=SC2086 # the options are a list
    start_proc stack "$TMP/logs/stack-$subject-$2.log" env PULL_SECRET="$TMP/ps.json" DATA_DIR="$TMP/$subject/data" \
        LOG_DIR="$TMP/$subject/logdir" PORT="$PORT" CERTS="$TMP/tls/certs.pem" \
        UPSTREAM_ENDPOINTS="quay.io=${UPS[quay.io]} docker.io=${UPS[docker.io]}" \
        ${tool_options:+JAVA_TOOL_OPTIONS=$tool_options} "$JAVA_BIN" ${SUBJECT_OPTS[$subject]} -jar "${SUBJECT_JAR[$subject]}"
    local i
    for ((i = 0; i < 600; i++)); do
        [[ $(curl -ks -o /dev/null -w '%{http_code}' "https://127.0.0.1:$PORT/v2/" || true) == 200 ]] && return 0
        alive "${PIDS[stack]}" || die "the stack exited while starting"
        sleep 0.1
    done
    die "the stack did not answer within 60 s"
}

role() { # pid: supervisor, gateway, node <registry>, logger, cleaner
    tr '\0' ' ' <"/proc/$1/cmdline" | sed -E 's/.*RegistryCacheMain (node) --upstream ([^ ]+).*/\1 \2/; t; s/.*RegistryCacheMain ([a-z]+).*/\1/; t; s/.*/supervisor/'
}

measure() { # subject run
    local subject=$1 run=$2 sup=${PIDS[stack]} pid args=() role
    for pid in $sup $(pgrep -P "$sup" || true); do
        [[ $(cat "/proc/$pid/comm" 2>/dev/null) == java ]] || continue
        role=$(role "$pid")
        args+=("$role=$pid")
        if [[ $NMT == 1 ]]; then
            jcmd "$pid" VM.native_memory summary >"$RESULTS_DIR/nmt-$subject-$run-${role// /-}.txt" 2>&1 || log "jcmd $pid failed"
        fi
    done
    python3 "$HERE/smaps_kinds.py" "${args[@]}" >"$RESULTS_DIR/kinds-$subject-$run.tsv"
    awk -F'\t' -v s="$subject" -v r="$run" '
        $1 == "process" { printf "rss_MiB\t%s %s\t%s\t%.1f\npss_MiB\t%s %s\t%s\t%.1f\n", s, $2, r, $3 / 1024, s, $2, r, $4 / 1024; next }
        { rss[$1] += $3; pss[$1] += $4 }
        END { for (k in rss) printf "rss_%s_MiB\t%s\t%s\t%.1f\npss_%s_MiB\t%s\t%s\t%.1f\n", k, s, r, rss[k] / 1024, k, s, r, pss[k] / 1024 }
    ' "$RESULTS_DIR/kinds-$subject-$run.tsv" >>"$RAW"
}

for subject in "${SUBJECTS[@]}"; do # a first start of each writes its class-data archives
    start_stack "$subject" 0
    sleep 2
    stop_proc stack 40
done
for ((run = 1; run <= RUNS; run++)); do
    for subject in "${SUBJECTS[@]}"; do
        start_stack "$subject" "$run"
        log "$subject run $run: ready; idle for $IDLE_SECS s"
        sleep "$IDLE_SECS"
        measure "$subject" "$run"
        record busy_cores "$subject" "$run" "$(cpu_busy 1)"
        stop_proc stack 40
    done
done

python3 - "$RAW" "$RESULTS_DIR" "$NMT" "${SUBJECTS[@]}" <<'PY' | tee "$RESULTS_DIR/summary.txt"
import collections, glob, re, statistics, sys
raw, results, nmt, subjects = sys.argv[1], sys.argv[2], sys.argv[3] == "1", sys.argv[4:]
values = collections.defaultdict(list)
for line in open(raw).read().splitlines()[1:]:
    metric, subject, run, value = line.split("\t")
    values[(metric, subject)].append(float(value))
med = lambda m, s: statistics.median(values[(m, s)]) if values.get((m, s)) else None
order = ["supervisor", "gateway", "node quay.io", "node docker.io", "logger", "cleaner"]
fmt = lambda v: "%7.1f" % v if v is not None else "      -"
print("MiB, medians of %d run(s); RSS = pages resident, PSS = each shared page split among the processes that map it"
      % max(len(v) for v in values.values()))
print("%-16s" % "process" + "".join(" %7s %7s" % (s[:3] + " RSS", "PSS") for s in subjects))
for role in order:
    print("%-16s" % role + "".join(" %s %s" % (fmt(med("rss_MiB", s + " " + role)), fmt(med("pss_MiB", s + " " + role))) for s in subjects))
totals = {s: (sum(med("rss_MiB", k[1]) for k in values if k[0] == "rss_MiB" and k[1].startswith(s + " ")),
              sum(med("pss_MiB", k[1]) for k in values if k[0] == "pss_MiB" and k[1].startswith(s + " "))) for s in subjects}
print("%-16s" % "total" + "".join(" %s %s" % (fmt(totals[s][0]), fmt(totals[s][1])) for s in subjects))
print()
print("by kind of mapping, all processes (RSS / PSS)")
for kind in ["anon", "cds", "libjvm", "so", "jar", "other"]:
    print("%-16s" % kind + "".join(" %s %s" % (fmt(med("rss_%s_MiB" % kind, s)), fmt(med("pss_%s_MiB" % kind, s))) for s in subjects))
if nmt:
    print()
    print("NMT committed MiB per category (top 8 over all processes), last run of each")
    for s in subjects:
        files = sorted(glob.glob("%s/nmt-%s-*.txt" % (results, s)))
        last = max(int(re.search(r"nmt-%s-(\d+)-" % s, f).group(1)) for f in files) if files else 0
        rows = []
        for f in files:
            if not re.search(r"nmt-%s-%d-" % (s, last), f):
                continue
            text = open(f).read()
            total = re.search(r"Total: reserved=\d+KB, committed=(\d+)KB", text)
            per = {c.strip(): int(k) for c, k in re.findall(r"^-\s+([A-Za-z ]+?) \(reserved=\d+KB, committed=(\d+)KB\)", text, re.M)}
            rows.append((re.search(r"nmt-%s-\d+-(.*)\.txt" % s, f).group(1), int(total.group(1)) if total else 0, per))
        cats = sorted({c for r in rows for c in r[2]}, key=lambda c: -sum(r[2].get(c, 0) for r in rows))[:8]
        print("%s: %-20s %7s " % (s, "process", "nmt") + " ".join("%9s" % c[:9] for c in cats))
        for name, total, per in rows:
            print("%s: %-20s %7.1f " % (s, name, total / 1024) + " ".join("%9.1f" % (per.get(c, 0) / 1024) for c in cats))
PY
write_env "idle:           $IDLE_SECS s after the first 200 of a start after the first; NMT=$NMT; runs: $RUNS of each, alternating" \
    "after:          $JAR; supervisor: ${SUBJECT_OPTS[after]}" \
    ${BASE_JAR:+"before:         $BASE_JAR; supervisor: ${SUBJECT_OPTS[before]}"}
print_report "RSS and PSS of every JVM of the idle stack, $IDLE_SECS s after the first 200"
