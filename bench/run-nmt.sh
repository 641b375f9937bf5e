#!/usr/bin/env bash
# Where the whole stack's memory goes, process by process: starts the supervisor for two
# registries (the README's setup, TLS on) with -XX:NativeMemoryTracking=summary in every JVM
# (JAVA_TOOL_OPTIONS, which the supervisor's children inherit), waits IDLE_SECS after the first
# 200 on GET /v2/ through the gateway, then records each JVM's RSS and its NMT summary
# (committed KiB per category: Java heap, class metadata, threads, code cache, GC, ...). Not a
# test; NMT itself costs a little memory (its own category, reported). Raw results:
# bench/results/<stamp>-nmt/.
#
# Environment (all optional): IDLE_SECS=10  JAVA_BIN=java  JAR=supervisor/target/registry-cache.jar
#   SUPERVISOR_JAVA_OPTS (default: the Containerfile's ENTRYPOINT options)  LABEL=  KEEP_TMP=0
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"
MEASURE=
IDLE_SECS=${IDLE_SECS:-10}
JAVA_BIN=${JAVA_BIN:-java}
JAR=${JAR:-$ROOT/supervisor/target/registry-cache.jar}
SUPERVISOR_JAVA_OPTS=${SUPERVISOR_JAVA_OPTS--XX:+UnlockDiagnosticVMOptions -XX:ArchiveRelocationMode=0 -XX:+UseSerialGC -Xms8m -Xmx48m -XX:TieredStopAtLevel=1 -XX:TrimNativeHeapInterval=3000}
need docker-registry openssl curl jcmd python3
[[ -f $JAR ]] || die "no $JAR: build it with mvn -B package -DskipTests"
bench_settings nmt
bench_init nmt
declare -A UPS=()
declare -A PIDS=()
start_upstreams quay.io docker.io
make_cert "$TMP/tls"
echo '{"auths":{"quay.io":{},"docker.io":{}}}' >"$TMP/ps.json"
PORT=$(free_port)
mkdir -p "$TMP/data" "$TMP/logdir"
start_stack() { # the README's setup, every JVM with NMT; returns once GET /v2/ answers 200 through the gateway
    # shellcheck disable=SC2086 # SUPERVISOR_JAVA_OPTS is a list of options
    start_proc stack "$TMP/logs/stack-$1.log" env PULL_SECRET="$TMP/ps.json" DATA_DIR="$TMP/data" LOG_DIR="$TMP/logdir" \
        PORT="$PORT" CERTS="$TMP/tls/certs.pem" UPSTREAM_ENDPOINTS="quay.io=${UPS[quay.io]} docker.io=${UPS[docker.io]}" \
        JAVA_TOOL_OPTIONS=-XX:NativeMemoryTracking=summary "$JAVA_BIN" $SUPERVISOR_JAVA_OPTS -jar "$JAR"
    local i
    for ((i = 0; i < 600; i++)); do
        [[ $(curl -ks -o /dev/null -w '%{http_code}' "https://127.0.0.1:$PORT/v2/" || true) == 200 ]] && return 0
        alive "${PIDS[stack]}" || die "the stack exited while starting"
        sleep 0.1
    done
    die "the stack did not answer within 60 s"
}
# a first start writes the class-data archives (<data-dir>/.jvm-cds), as on a host; the second is measured
start_stack first
sleep 2
stop_proc stack
start_stack measured
log "stack ready; idle for $IDLE_SECS s"
sleep "$IDLE_SECS"
SUP=${PIDS[stack]}
for pid in $SUP $(pgrep -P "$SUP" || true); do
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == java ]] || continue
    {
        echo "pid $pid"
        echo "cmdline $(tr '\0' ' ' <"/proc/$pid/cmdline")"
        echo "rss_kib $(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")"
        jcmd "$pid" VM.native_memory summary
    } >"$RESULTS_DIR/nmt-$pid.txt" 2>&1 || log "jcmd $pid failed"
done
python3 - "$RESULTS_DIR" <<'PY' | tee "$RESULTS_DIR/summary.txt"
import glob, re, sys
rows, cats = [], set()
for f in sorted(glob.glob(sys.argv[1] + "/nmt-*.txt")):
    text = open(f).read()
    cmd = re.search(r"^cmdline (.*)$", text, re.M).group(1)
    m = re.search(r"RegistryCacheMain (\S+)(?: --upstream (\S+))?", cmd)
    role = (m.group(1) + (" " + m.group(2) if m.group(2) else "")) if m else "supervisor"
    rss = int(re.search(r"^rss_kib (\d+)", text, re.M).group(1))
    total = re.search(r"Total: reserved=\d+KB, committed=(\d+)KB", text)
    per = {c.strip(): int(k) for c, k in re.findall(r"^-\s+([A-Za-z ]+?) \(reserved=\d+KB, committed=(\d+)KB\)", text, re.M)}
    cats.update(per)
    rows.append((role, rss, int(total.group(1)) if total else 0, per))
order = sorted(cats, key=lambda c: -sum(r[3].get(c, 0) for r in rows))[:10]
print("MiB, committed per NMT category (top 10 over all processes); rss = VmRSS")
print("%-22s %7s %7s " % ("process", "rss", "nmt") + " ".join("%9s" % c[:9] for c in order))
for role, rss, total, per in rows:
    print("%-22s %7.1f %7.1f " % (role, rss / 1024, total / 1024) + " ".join("%9.1f" % (per.get(c, 0) / 1024) for c in order))
print("%-22s %7.1f %7.1f " % ("total", sum(r[1] for r in rows) / 1024, sum(r[2] for r in rows) / 1024)
      + " ".join("%9.1f" % (sum(r[3].get(c, 0) for r in rows) / 1024) for c in order))
PY
write_env "idle:           $IDLE_SECS s after the first 200 of the second start" "supervisor:     $SUPERVISOR_JAVA_OPTS"
print_report "NMT summary of every JVM of the stack, $IDLE_SECS s idle after the first 200"
