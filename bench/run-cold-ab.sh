#!/usr/bin/env bash
# A/B benchmark of the node's cold path: a cold GET of one random blob through a fresh node, for
# two jars in turn (the order alternating from run to run, so that a busy moment of a shared
# machine falls on both), against the same docker-registry upstream. Not a test: it prints the
# median seconds of each jar, and the node's CPU seconds during the GET (far less sensitive to
# other load on the machine than the wall time), with their ratios; raw results in bench/results/.
#
# usage: bench/run-cold-ab.sh A_JAR B_JAR
# Environment (all optional): RUNS=5, BLOB_MIB=512, MODE=store|storeless (storeless: a file stands
# where the repository's upload folder goes, so the blob passes through the node's memory only),
# NODE_JAVA_OPTS (default as run-node-bench.sh), JAVA_BIN=java, LABEL, KEEP_TMP=0.
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
# shellcheck source=lib.sh
source "$HERE/lib.sh"

[[ $# == 2 && -f $1 && -f $2 ]] || die "usage: $0 A_JAR B_JAR"
RUNS=${RUNS:-5}
BLOB_MIB=${BLOB_MIB:-512}
MODE=${MODE:-store}
DEFAULT_JAVA_OPTS="-Xms16m -Xmx96m -XX:+UseSerialGC -XX:MaxDirectMemorySize=64m -Xss512k"
[[ $(uname -m) == x86_64 ]] && DEFAULT_JAVA_OPTS+=" -XX:UseAVX=2"
NODE_JAVA_OPTS=${NODE_JAVA_OPTS-$DEFAULT_JAVA_OPTS}
JAVA_BIN=${JAVA_BIN:-java}
bench_settings cold-ab
need curl python3 docker-registry sha256sum setsid "$JAVA_BIN"
bench_init cold-ab
cp "$1" "$TMP/a.jar"
cp "$2" "$TMP/b.jar"

declare -A UPS=()
start_upstreams quay.io
UP=${UPS[quay.io]}
head -c "$((BLOB_MIB * 1024 * 1024))" /dev/urandom >"$TMP/blob"
HEX=$(sha "$TMP/blob")
push_blob "$UP" test/cold "$TMP/blob" "$HEX"
printf '{"architecture":"amd64","os":"linux"}' >"$TMP/config"
CONFIG_HEX=$(sha "$TMP/config")
push_blob "$UP" test/cold "$TMP/config" "$CONFIG_HEX"
rm -f "$TMP/blob"
echo '{"auths":{"quay.io":{}}}' >"$TMP/ps.json"
log "upstream $UP holds sha256:$HEX ($BLOB_MIB MiB)"

PORT=$(free_port)
NODE=http://127.0.0.1:$PORT
cold_get() { # jar run: a fresh node, warmed up with a small cold blob, then the timed cold GET
    local jar=$1 data=$TMP/data-$1-$2 out cpu
    mkdir -p "$data" "$TMP/logs-$1-$2"
    if [[ $MODE == storeless ]]; then
        mkdir -p "$data/docker/registry/v2/repositories/quay.io/test/cold"
        echo "in the way" >"$data/docker/registry/v2/repositories/quay.io/test/cold/_uploads"
    fi
    # shellcheck disable=SC2086 # NODE_JAVA_OPTS is a list of options
    start_proc node "$TMP/logs/node-$1-$2.log" env UPSTREAM_ENDPOINTS="quay.io=$UP" \
        "$JAVA_BIN" $NODE_JAVA_OPTS -jar "$TMP/$jar.jar" node --upstream quay.io --pull-secret "$TMP/ps.json" \
        --data-dir "$data" --log-dir "$TMP/logs-$1-$2" --port "$PORT"
    wait_http node "$NODE/v2/"
    curl -sS -o /dev/null "$NODE/v2/quay.io/test/cold/blobs/sha256:$CONFIG_HEX"
    settle
    cpu=$(tree_cpu "${PIDS[node]}")
    out=$(timed_get "$NODE/v2/quay.io/test/cold/blobs/sha256:$HEX" "$((BLOB_MIB * 1024 * 1024))")
    cpu=$(awk -v a="${cpu%% *}" -v b="$(tree_cpu "${PIDS[node]}" | cut -d' ' -f1)" 'BEGIN { printf "%.3f", b - a }')
    stop_proc node
    rm -rf "$data"
    record cold_s "$1" "$2" "${out%% *}"
    record cpu_s "$1" "$2" "$cpu"
    echo "${out%% *} s (node CPU $cpu s)"
}

check_digest_once() { # jar: the served bytes are the blob's (not timed)
    mkdir -p "$TMP/check"
    # shellcheck disable=SC2086
    start_proc node "$TMP/logs/node-check-$1.log" env UPSTREAM_ENDPOINTS="quay.io=$UP" \
        "$JAVA_BIN" $NODE_JAVA_OPTS -jar "$TMP/$1.jar" node --upstream quay.io --pull-secret "$TMP/ps.json" \
        --data-dir "$TMP/check" --log-dir "$TMP/check-logs" --port "$PORT"
    wait_http node "$NODE/v2/"
    check_digest "$NODE/v2/quay.io/test/cold/blobs/sha256:$HEX" "$HEX"
    stop_proc node
    rm -rf "$TMP/check" "$TMP/check-logs"
}
check_digest_once a
check_digest_once b

for ((i = 1; i <= RUNS; i++)); do
    if ((i % 2)); then order=(a b); else order=(b a); fi
    line="run $i/$RUNS:"
    for jar in "${order[@]}"; do
        line+=" $jar $(cold_get "$jar" "$i"),"
    done
    log "$line"
done

JAR=$2 # for write_env: the checkout the B jar was built from
write_env "a: $1" "b: $2" "mode: $MODE, blob: $BLOB_MIB MiB, runs: $RUNS" "node options: $NODE_JAVA_OPTS"
python3 - "$RAW" >"$RESULTS_DIR/summary.txt" <<'EOF'
import statistics, sys
runs = {}
for line in open(sys.argv[1]).read().splitlines()[1:]:
    metric, jar, _, value = line.split("\t")
    runs.setdefault((metric, jar), []).append(float(value))
for metric, title in (("cold_s", "cold GET, s"), ("cpu_s", "node CPU during the GET, s")):
    a, b = (statistics.median(runs[(metric, j)]) for j in "ab")
    print(f"{title}, median of {len(runs[(metric, 'a')])}: a {a:.3f}, b {b:.3f}, b/a {b / a:.3f}")
    for j in "ab":
        print(f"  {j}:", " ".join(f"{v:.3f}" for v in runs[(metric, j)]))
EOF
print_report
