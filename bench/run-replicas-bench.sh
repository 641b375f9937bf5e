#!/usr/bin/env bash
# Scaling out (issue 15): what several replicas sharing one datastore cost the upstream, and what
# they serve warm, against independent caches and against one replica. Each "replica" is a whole
# stack (`java -jar registry-cache.jar`) on loopback; the replicas of a cluster share one data
# folder (standing in for a ReadWriteMany volume) and know each other from a static PEERS list.
# Not a test: it prints the figures and writes raw results to bench/results/<stamp>-replicas/.
#
# For each setup, alternating, RUNS times, each run from empty data folders:
#   cluster      N replicas, one shared datastore, PEERS: a cold blob is fetched by its owner
#   independent  N stacks, each with its own datastore and no peers (N caches side by side)
#   single       one stack
# measured:
#   upstream bytes   a skopeo pull of the image through every replica at once (one client per
#                    replica), counted from the upstream docker-registry's access log (the bytes
#                    of its 200 answers to blob GETs), as a multiple of the image's blob bytes
#   warm MB/s        CLIENTS curl GETs at once of the image's largest layer, spread over the
#                    replicas (all on the one stack for "single"), after the pulls: all bytes over
#                    the wall time
# Plain HTTP (no certs) on 127.0.0.1; every process is stopped at the end, also on failure.
#
# Environment (all optional):
#   RUNS=3  REPLICAS=3  CLIENTS=6  IMAGE_LAYERS_MIB="2 10 40 76"
#   JAVA_BIN=java  JAR=supervisor/target/registry-cache.jar  LABEL=  KEEP_TMP=0
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"

RUNS=${RUNS:-3}
REPLICAS=${REPLICAS:-3}
CLIENTS=${CLIENTS:-6}
IMAGE_LAYERS_MIB=${IMAGE_LAYERS_MIB:-2 10 40 76}
SUPERVISOR_JAVA_OPTS=${SUPERVISOR_JAVA_OPTS-"-XX:+UnlockDiagnosticVMOptions -XX:ArchiveRelocationMode=0 -XX:+UseSerialGC -Xms2m -Xmn1m -Xmx48m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 -XX:TieredStopAtLevel=1 -XX:TrimNativeHeapInterval=3000"}
JAVA_BIN=${JAVA_BIN:-java}
JAR=${JAR:-$ROOT/supervisor/target/registry-cache.jar}
IMAGE_REPO=test/image
bench_settings replicas

need curl python3 docker-registry skopeo sha256sum setsid
command -v "$JAVA_BIN" >/dev/null || die "JAVA_BIN=$JAVA_BIN not found"
[[ -f $JAR ]] || die "$JAR not found; build it with: mvn -B -q package -DskipTests"
bench_init replicas-bench
cp "$JAR" "$TMP/registry-cache.jar"
head -c 32 /dev/urandom | base64 >"$TMP/peer-secret"
echo '{"auths":{"quay.io":{}}}' >"$TMP/ps.json"

# ---------------------------------------------------------------- the upstream, with its access log

UP_PORT=$(free_port)
UP=http://127.0.0.1:$UP_PORT
cat >"$TMP/upstream.yml" <<EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: $TMP/upstream
http:
  addr: 127.0.0.1:$UP_PORT
EOF
start_proc upstream "$TMP/logs/upstream.log" docker-registry serve "$TMP/upstream.yml"
wait_http upstream "$UP/v2/"
layers=()
for m in $IMAGE_LAYERS_MIB; do
    head -c $((m * 1024 * 1024)) /dev/urandom >"$TMP/layer-${#layers[@]}"
    layers+=("$TMP/layer-${#layers[@]}")
done
push_image "$UP" "$IMAGE_REPO" latest "${layers[0]}" "$TMP/image" "${layers[@]:1}"
IMAGE_BYTES=$IMG_BYTES
BIG=${layers[-1]}
BIG_HEX=$(sha "$BIG")
BIG_SIZE=$(stat -c %s "$BIG")
rm -f "${layers[@]}"
log "pushed quay.io/$IMAGE_REPO: $IMAGE_BYTES bytes in $(wc -w <<<"$IMAGE_LAYERS_MIB") layers"

# upstream_blob_bytes: the bytes of the upstream's 200 answers to blob GETs so far (access log)
upstream_blob_bytes() {
    python3 - "$TMP/logs/upstream.log" <<'EOF'
import re, sys
total = 0
for line in open(sys.argv[1], errors="replace"):
    m = re.search(r'"GET [^"]*/blobs/sha256:[0-9a-f]{64}[^"]*" 200 (\d+)', line)
    if m:
        total += int(m.group(1))
print(total)
EOF
}

# ---------------------------------------------------------------- the setups

declare -a PORTS=()
# start_setup setup: starts its stacks on fresh data folders and waits until each answers
start_setup() {
    local setup=$1 n=$REPLICAS i peers="" data
    [[ $setup == single ]] && n=1
    PORTS=()
    local peer_ports=()
    for ((i = 0; i < n; i++)); do
        PORTS+=("$(free_port)")
        peer_ports+=("$(free_port)")
        peers+="${peers:+,}127.0.0.1:${peer_ports[$i]}"
    done
    rm -rf "$TMP/data" "$TMP"/data-* "$TMP"/logs-*
    for ((i = 0; i < n; i++)); do
        data=$TMP/data
        [[ $setup == independent ]] && data=$TMP/data-$i
        mkdir -p "$data" "$TMP/logs-$i"
        local extra=()
        if [[ $setup == cluster ]]; then
            extra=(PEERS="$peers" PEER_PORT="${peer_ports[$i]}" PEER_SECRET_FILE="$TMP/peer-secret")
        fi
        # shellcheck disable=SC2086 # SUPERVISOR_JAVA_OPTS is a list of options
        start_proc "$setup-$i" "$TMP/logs/$setup-$i.log" env PULL_SECRET="$TMP/ps.json" DATA_DIR="$data" \
            LOG_DIR="$TMP/logs-$i" PORT="${PORTS[$i]}" CERTS="$TMP/no-certs.pem" UPSTREAM_ENDPOINTS="quay.io=$UP" \
            "${extra[@]}" "$JAVA_BIN" $SUPERVISOR_JAVA_OPTS -jar "$TMP/registry-cache.jar"
    done
    for ((i = 0; i < n; i++)); do
        wait_http "$setup-$i" "http://127.0.0.1:${PORTS[$i]}/v2/"
    done
}

stop_setup() {
    local setup=$1 i
    for ((i = 0; i < REPLICAS; i++)); do stop_proc "$setup-$i" 40; done
}

measure() { # setup run
    local setup=$1 run=$2 before after i pids=() t0 t1 mbps ratio
    start_setup "$setup"
    before=$(upstream_blob_bytes)
    for ((i = 0; i < ${#PORTS[@]}; i++)); do
        skopeo --insecure-policy copy --quiet --src-tls-verify=false \
            "docker://127.0.0.1:${PORTS[$i]}/quay.io/$IMAGE_REPO:latest" "dir:$TMP/pull-$i" >>"$TMP/logs/skopeo.log" 2>&1 &
        pids+=($!)
    done
    for i in "${pids[@]}"; do wait "$i" || die "$setup run $run: a pull failed"; done
    rm -rf "$TMP"/pull-*
    sleep 1
    after=$(upstream_blob_bytes)
    ratio=$(awk -v b=$((after - before)) -v i="$IMAGE_BYTES" 'BEGIN { printf "%.2f", b / i }')
    record upstream_bytes_x_image "$setup" "$run" "$ratio"
    pids=()
    t0=$(date +%s%N)
    for ((i = 0; i < CLIENTS; i++)); do
        timed_get "http://127.0.0.1:${PORTS[$((i % ${#PORTS[@]}))]}/v2/quay.io/$IMAGE_REPO/blobs/sha256:$BIG_HEX" \
            "$BIG_SIZE" >/dev/null &
        pids+=($!)
    done
    for i in "${pids[@]}"; do wait "$i" || die "$setup run $run: a warm GET failed"; done
    t1=$(date +%s%N)
    mbps=$(awk -v b=$((CLIENTS * BIG_SIZE)) -v t=$((t1 - t0)) 'BEGIN { printf "%.0f", b / 1e6 / (t / 1e9) }')
    record warm_MBps "$setup" "$run" "$mbps"
    log "$setup run $run: upstream bytes ${ratio}x the image; warm $CLIENTS GETs at once $mbps MB/s"
    stop_setup "$setup"
}

for ((run = 1; run <= RUNS; run++)); do
    for setup in cluster independent single; do
        settle
        measure "$setup" "$run"
    done
done

write_env "replicas:       $REPLICAS stacks (java -jar, supervisor opts '$SUPERVISOR_JAVA_OPTS'), plain HTTP; cluster: one data folder and PEERS; independent: a data folder each" \
    "runs:           $RUNS of each setup, alternating; image $IMAGE_BYTES bytes (layers $IMAGE_LAYERS_MIB MiB), one skopeo pull per replica at once; $CLIENTS curl GETs at once of the $((BIG_SIZE >> 20)) MiB layer"
python3 - "$RAW" >"$RESULTS_DIR/summary.txt" <<'EOF'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
vals = {}
for r in rows:
    vals.setdefault((r["metric"], r["subject"]), []).append(float(r["value"]))
print(f"{'measurement (medians)':40} {'cluster':>10} {'independent':>12} {'single':>10}")
for metric, label in [("upstream_bytes_x_image", "upstream bytes / image bytes"), ("warm_MBps", "warm MB/s, all clients at once")]:
    cells = [statistics.median(vals[(metric, s)]) if (metric, s) in vals else float("nan") for s in ("cluster", "independent", "single")]
    print(f"{label:40} {cells[0]:10.2f} {cells[1]:12.2f} {cells[2]:10.2f}")
EOF
print_report
