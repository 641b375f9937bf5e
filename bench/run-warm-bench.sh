#!/usr/bin/env bash
# Warm serving, CPU per byte (issue 14, point 3): what one node costs to send a stored blob, against the stock
# registry sending the same blob from its own storage, nginx (sendfile) and three bare Java
# servers (bench/ZeroCopyServer.java: transferTo, i.e. sendfile(2); write(2) of memory mappings,
# the node's way without Jetty; read(2)+write(2) copies). For each, alternating subject by subject
# within every round: one client GET of the blob (wall time, MB/s) and two clients at once
# (aggregate MB/s), each client making REPEAT GETs in a row, each with the server's CPU (user + system of its processes, /proc) per 10^9
# bytes served. Plain HTTP over loopback with curl; not a test: medians and ratios to the stock
# registry, raw results in bench/results/<stamp>-warm[-LABEL]/.
#
# Environment (all optional):
#   RUNS=7                rounds (medians are reported)
#   BLOB_MIB=512          the blob's size
#   REPEAT=4              GETs each client makes one after the other in a measurement
#   NODE_JAVA_OPTS        the node's JVM options; default those the supervisor gives a node
#   JAVA_BIN=java  JAR=supervisor/target/registry-cache.jar   LABEL=  KEEP_TMP=0
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"

RUNS=${RUNS:-7}
BLOB_MIB=${BLOB_MIB:-512}
REPEAT=${REPEAT:-4}
DEFAULT_JAVA_OPTS="-XX:+UseSerialGC -Xss512k -XX:ReservedCodeCacheSize=32m -XX:MaxMetaspaceSize=64m -Xms16m -Xmx128m -XX:MaxDirectMemorySize=64m"
[[ $(uname -m) == x86_64 ]] && DEFAULT_JAVA_OPTS+=" -XX:UseAVX=2"
NODE_JAVA_OPTS=${NODE_JAVA_OPTS-$DEFAULT_JAVA_OPTS}
JAVA_BIN=${JAVA_BIN:-java}
JAR=${JAR:-$ROOT/supervisor/target/registry-cache.jar}
SUBJECTS=(node stock nginx transfer mmap read)

bench_settings warm
need curl nginx python3 docker-registry "$JAVA_BIN"
[[ -f $JAR ]] || die "$JAR not found; build it with: mvn -B -q package -DskipTests"
bench_init warm-bench
cp "$JAR" "$TMP/registry-cache.jar"
declare -A UPS=() URL=()

# ---------------------------------------------------------------- the servers

start_upstreams quay.io
STOCK=${UPS[quay.io]}
log "writing a $BLOB_MIB MiB random blob"
mkdir -p "$TMP/www"
head -c "$((BLOB_MIB * 1024 * 1024))" /dev/urandom >"$TMP/www/blob"
chmod 644 "$TMP/www/blob"
BLOB_HEX=$(sha "$TMP/www/blob")
BLOB_SIZE=$((BLOB_MIB * 1024 * 1024))
push_blob "$STOCK" test/warm "$TMP/www/blob" "$BLOB_HEX"
URL[stock]=$STOCK/v2/test/warm/blobs/sha256:$BLOB_HEX

NODE_PORT=$(free_port)
echo '{"auths":{"quay.io":{}}}' >"$TMP/ps.json"
mkdir -p "$TMP/node-data" "$TMP/node-logs"
# shellcheck disable=SC2086 # NODE_JAVA_OPTS is a list of options
start_proc node "$TMP/logs/node.log" env UPSTREAM_ENDPOINTS="quay.io=$STOCK" \
    "$JAVA_BIN" $NODE_JAVA_OPTS -jar "$TMP/registry-cache.jar" node --upstream quay.io --pull-secret "$TMP/ps.json" \
    --data-dir "$TMP/node-data" --log-dir "$TMP/node-logs" --port "$NODE_PORT" --host 127.0.0.1
wait_http node "http://127.0.0.1:$NODE_PORT/v2/"
URL[node]=http://127.0.0.1:$NODE_PORT/v2/quay.io/test/warm/blobs/sha256:$BLOB_HEX
check_digest "${URL[node]}" "$BLOB_HEX" # the cold GET: the node stores the blob
STORED=$(blob_file "$TMP/node-data" "$BLOB_HEX")
for ((k = 0; k < 600; k++)); do [[ -f $STORED ]] && break; sleep 0.1; done
[[ -f $STORED ]] || die "the node did not store the blob"

NGINX_PORT=$(free_port)
start_nginx "$NGINX_PORT" "$TMP/www"
URL[nginx]=http://127.0.0.1:$NGINX_PORT/blob

for mode in transfer mmap read; do
    port=$(free_port)
    start_proc "$mode" "$TMP/logs/$mode.log" "$JAVA_BIN" -XX:+UseSerialGC -Xmx64m "$HERE/ZeroCopyServer.java" "$port" "$STORED" "$mode"
    URL[$mode]=http://127.0.0.1:$port/blob
    wait_http "$mode" "${URL[$mode]}" -r 0-0
done
for s in "${SUBJECTS[@]}"; do
    check_digest "${URL[$s]}" "$BLOB_HEX"
    timed_get "${URL[$s]}" "$BLOB_SIZE" >/dev/null # warm-up: JIT, page cache
done
log "serving: ${SUBJECTS[*]}"

# ---------------------------------------------------------------- measuring

# gets subject: REPEAT GETs of the blob, one after the other
gets() {
    local k
    for ((k = 0; k < REPEAT; k++)); do timed_get "${URL[$1]}" "$BLOB_SIZE" >/dev/null; done
}

# measure subject run clients: the clients each make REPEAT GETs of the blob, all clients at once;
# records MB/s (all bytes over the wall time from the first start to the last end) and the
# server's CPU s per 10^9 bytes
measure() {
    local s=$1 run=$2 n=$3 c0 c1 t0 t1 i pids=() mbps cpg bytes pid
    pid=${PIDS[$s]:-${PIDS[upstream quay.io]}}
    bytes=$((n * REPEAT * BLOB_SIZE))
    settle 0.5
    c0=$(tree_cpu "$pid")
    t0=$(date +%s%N)
    for ((i = 0; i < n; i++)); do
        gets "$s" &
        pids+=($!)
    done
    for i in "${pids[@]}"; do wait "$i" || die "$s: a GET failed"; done
    t1=$(date +%s%N)
    c1=$(tree_cpu "$pid")
    mbps=$(awk -v b=$bytes -v t=$((t1 - t0)) 'BEGIN { printf "%.0f", b / 1e6 / (t / 1e9) }')
    cpg=$(awk -v a="${c0%% *}" -v b="${c1%% *}" -v n=$bytes 'BEGIN { printf "%.3f", (b - a) / (n / 1e9) }')
    record "MBps_${n}" "$s" "$run" "$mbps"
    record "cpu_s_per_GB_${n}" "$s" "$run" "$cpg"
    printf ' %s %s MB/s %s s/GB,' "$s" "$mbps" "$cpg"
}

for ((run = 1; run <= RUNS; run++)); do
    for n in 1 2; do
        line=$(for s in "${SUBJECTS[@]}"; do measure "$s" "$run" "$n"; done)
        log "run $run/$RUNS, $n client(s):${line%,}"
    done
done

write_env "node:           $JAVA_BIN $NODE_JAVA_OPTS" \
    "references:     docker-registry $(docker-registry --version 2>/dev/null | awk '{ print $3 }') serving the blob it stores; $(nginx -v 2>&1 | cut -d' ' -f3) sendfile on; bench/ZeroCopyServer.java transfer|mmap|read" \
    "runs:           $RUNS rounds; blob $BLOB_MIB MiB, $REPEAT GETs per client; curl over plain HTTP/1.1 on loopback; 1 and 2 clients at once"
python3 - "$RAW" >"$RESULTS_DIR/summary.txt" <<'EOF'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
vals = {}
for r in rows:
    vals.setdefault((r["metric"], r["subject"]), []).append(float(r["value"]))
subjects = ["node", "stock", "nginx", "transfer", "mmap", "read"]
print(f"{'measurement (medians)':34} " + " ".join(f"{s:>9}" for s in subjects) + "   node/stock")
for metric, label in [("MBps_1", "MB/s, one client"), ("MBps_2", "MB/s, two clients at once"),
                      ("cpu_s_per_GB_1", "server CPU s/GB, one client"), ("cpu_s_per_GB_2", "server CPU s/GB, two clients")]:
    med = {s: statistics.median(vals[(metric, s)]) for s in subjects if (metric, s) in vals}
    fmt = (lambda v: f"{v:9.0f}") if metric.startswith("MBps") else (lambda v: f"{v:9.3f}")
    print(f"{label:34} " + " ".join(fmt(med[s]) if s in med else f"{'-':>9}" for s in subjects)
          + f"   {med['node'] / med['stock']:.2f}")
EOF
print_report
