#!/usr/bin/env bash
# The datastore on S3 against the datastore in a folder (issue 26): one node from the built jar, its datastore
# either DATA_DIR (the file driver) or a bucket of s3proxy (org.gaul:s3proxy, filesystem store, on 127.0.0.1),
# the two in turn (the order alternating from run to run, so that a busy moment of a shared machine falls on
# both), against the same docker-registry upstream. Each run, on a fresh node and an empty store (a prefix of
# its own in the bucket): a cold GET of a BLOB_MIB blob (fetched from the upstream, stored, served), a warm GET
# of it (served from the store), and a cold pull of an image of LAYERS layers of LAYER_MIB MiB by skopeo. For
# each: the wall time, the node's CPU seconds and s3proxy's (the store's cost, which a real S3 does elsewhere).
# The bytes served are checked against their digests once per driver (not timed). Not a test: medians and the
# ratio s3/file, raw results in bench/results/<stamp>-s3-store[-LABEL]/.
#
# Needs the build (mvn -B -q package -DskipTests), mvn (resolves s3proxy through bench/s3-clients/pom.xml),
# curl, python3, docker-registry, skopeo. Run it with nice on a shared machine.
#
# Environment (all optional):
#   RUNS=3  BLOB_MIB=512  LAYERS=4  LAYER_MIB=32
#   NODE_JAVA_OPTS     default the options the supervisor gives a node
#   S3PROXY_JAVA_OPTS  default -XX:+UseSerialGC -Xmx512m
#   S3_EXTRA           extra variables for the S3 node, e.g. "S3_REDIRECT=true"
#   JAVA_BIN=java  JAR=supervisor/target/registry-cache.jar  LABEL=  KEEP_TMP=0
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
QUIET_MAX=${QUIET_MAX:-60}
# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"

RUNS=${RUNS:-3}
BLOB_MIB=${BLOB_MIB:-512}
LAYERS=${LAYERS:-4}
LAYER_MIB=${LAYER_MIB:-32}
DEFAULT_JAVA_OPTS="-XX:+UseSerialGC -Xss512k -XX:ReservedCodeCacheSize=32m -XX:MaxMetaspaceSize=64m -Xms16m -Xmx128m -XX:MaxDirectMemorySize=64m"
[[ $(uname -m) == x86_64 ]] && DEFAULT_JAVA_OPTS+=" -XX:UseAVX=2"
NODE_JAVA_OPTS=${NODE_JAVA_OPTS-$DEFAULT_JAVA_OPTS}
S3PROXY_JAVA_OPTS=${S3PROXY_JAVA_OPTS:--XX:+UseSerialGC -Xmx512m}
read -r -a S3_EXTRA_VARS <<<"${S3_EXTRA:-}"
JAVA_BIN=${JAVA_BIN:-java}
JAR=${JAR:-$ROOT/supervisor/target/registry-cache.jar}
ACCESS=bench
SECRET=bench-secret-key
BUCKET=bench

bench_settings s3-store
need mvn curl python3 docker-registry skopeo sha256sum pgrep "$JAVA_BIN"
[[ -f $JAR ]] || die "$JAR not found; build it with: mvn -B -q package -DskipTests"
bench_init s3-store-bench
cp "$JAR" "$TMP/registry-cache.jar"

# ---------------------------------------------------------------- the upstream and s3proxy

declare -A UPS=()
start_upstreams quay.io
UP=${UPS[quay.io]}
log "writing a $BLOB_MIB MiB blob and an image of $LAYERS x $LAYER_MIB MiB to the upstream"
head -c "$((BLOB_MIB * 1024 * 1024))" /dev/urandom >"$TMP/blob"
HEX=$(sha "$TMP/blob")
push_blob "$UP" test/big "$TMP/blob" "$HEX"
printf '{"architecture":"amd64","os":"linux"}' >"$TMP/small"
SMALL_HEX=$(sha "$TMP/small")
push_blob "$UP" test/big "$TMP/small" "$SMALL_HEX"
rm -f "$TMP/blob"
layer_files=()
for ((l = 1; l <= LAYERS; l++)); do
    head -c "$((LAYER_MIB * 1024 * 1024))" /dev/urandom >"$TMP/layer-$l"
    layer_files+=("$TMP/layer-$l")
done
push_image "$UP" test/img v1 "${layer_files[0]}" "$TMP/img" "${layer_files[@]:1}"
rm -f "${layer_files[@]}"
echo '{"auths":{"quay.io":{}}}' >"$TMP/ps.json"

log "resolving s3proxy (bench/s3-clients/pom.xml)"
mvn -B -q -f "$HERE/s3-clients/pom.xml" -Ps3proxy dependency:build-classpath -DincludeScope=runtime \
    -Dmdep.outputFile="$TMP/s3proxy.cp" >"$TMP/logs/mvn-s3proxy.log" 2>&1 || die "mvn could not resolve s3proxy"
S3_PORT=$(free_port)
EP=http://127.0.0.1:$S3_PORT
mkdir -p "$TMP/s3/$BUCKET" # the filesystem store's buckets are its folders
cat >"$TMP/s3proxy.conf" <<EOF
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$ACCESS
s3proxy.credential=$SECRET
jclouds.provider=filesystem
jclouds.filesystem.basedir=$TMP/s3
s3proxy.endpoint=$EP
EOF
# shellcheck disable=SC2086 # S3PROXY_JAVA_OPTS is a list of options
start_proc s3proxy "$TMP/logs/s3proxy.log" env LOG_LEVEL=warn \
    "$JAVA_BIN" $S3PROXY_JAVA_OPTS -jar "$(cat "$TMP/s3proxy.cp")" --properties "$TMP/s3proxy.conf"
wait_http s3proxy "$EP/"
S3PROXY_PID=$(pgrep -g "${PIDS[s3proxy]}" java | head -n 1)

# ---------------------------------------------------------------- one node per driver and run

PORT=$(free_port)
NODE=http://127.0.0.1:$PORT
BIG=$NODE/v2/quay.io/test/big/blobs/sha256:$HEX

start_node() { # driver run
    local data=$TMP/data-$1-$2 env_vars=(UPSTREAM_ENDPOINTS="quay.io=$UP")
    mkdir -p "$data" "$TMP/logs-$1-$2"
    if [[ $1 == s3 ]]; then
        env_vars+=(S3_ENDPOINT="$EP" S3_BUCKET="$BUCKET" S3_PREFIX="run-$2" S3_PATH_STYLE=true
            S3_ACCESS_KEY_ID="$ACCESS" S3_SECRET_ACCESS_KEY="$SECRET" "${S3_EXTRA_VARS[@]}")
    fi
    # shellcheck disable=SC2086 # NODE_JAVA_OPTS is a list of options
    start_proc node "$TMP/logs/node-$1-$2.log" env "${env_vars[@]}" \
        "$JAVA_BIN" $NODE_JAVA_OPTS -jar "$TMP/registry-cache.jar" node --upstream quay.io \
        --pull-secret "$TMP/ps.json" --data-dir "$data" --log-dir "$TMP/logs-$1-$2" --port "$PORT"
    wait_http node "$NODE/v2/"
    curl -sS -f -o /dev/null "$NODE/v2/quay.io/test/big/blobs/sha256:$SMALL_HEX" # the first request's start-up
}

stop_node() { # driver run: the node, and what it stored
    stop_proc node
    rm -rf "$TMP/data-$1-$2" "$TMP/s3/$BUCKET/run-$2" "$TMP/pull-$1-$2"
}

cpu_of() { tree_cpu "$1" | cut -d' ' -f1; }
delta() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

measure() { # driver run metric command...: wall s, node CPU s and s3proxy CPU s of the command, recorded
    local d=$1 i=$2 m=$3 node0 s30 t0 t1 wall
    shift 3
    settle
    node0=$(cpu_of "${PIDS[node]}")
    s30=$(cpu_of "$S3PROXY_PID")
    t0=$(date +%s.%N)
    "$@" >/dev/null
    t1=$(date +%s.%N)
    wall=$(delta "$t0" "$t1")
    record "${m}_s" "$d" "$i" "$wall"
    record "${m}_node_cpu_s" "$d" "$i" "$(delta "$node0" "$(cpu_of "${PIDS[node]}")")"
    record "${m}_s3proxy_cpu_s" "$d" "$i" "$(delta "$s30" "$(cpu_of "$S3PROXY_PID")")"
    printf '%s %.2f s' "$m" "$wall"
}

pull() { # driver run
    skopeo copy --quiet --src-tls-verify=false "docker://127.0.0.1:$PORT/quay.io/test/img:v1" "dir:$TMP/pull-$1-$2"
}

one_run() { # driver run
    local d=$1 i=$2 line
    start_node "$d" "$i"
    line="$d:"
    line+=" $(measure "$d" "$i" cold timed_get "$BIG" "$((BLOB_MIB * 1024 * 1024))"),"
    line+=" $(measure "$d" "$i" warm timed_get "$BIG" "$((BLOB_MIB * 1024 * 1024))"),"
    line+=" $(measure "$d" "$i" pull pull "$d" "$i")"
    stop_node "$d" "$i"
    echo "$line"
}

check_once() { # driver: the cold and the warm bytes are the blob's, the pulled image's layers theirs (not timed)
    start_node "$1" check
    check_digest "$BIG" "$HEX"
    check_digest "$BIG" "$HEX"
    pull "$1" check
    python3 - "$TMP/pull-$1-check" "$TMP/img/manifest.json" <<'EOF' || die "the pull through the $1 node differs"
import hashlib, json, os, sys
manifest = json.load(open(sys.argv[2]))
for layer in manifest["layers"]:
    hex = layer["digest"].split(":")[1]
    with open(os.path.join(sys.argv[1], hex), "rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == hex, hex
EOF
    stop_node "$1" check
    log "$1: the bytes served and pulled are the blobs'"
}
check_once file
check_once s3

for ((i = 1; i <= RUNS; i++)); do
    wait_quiet
    record busy_cores run "$i" "$LAST_BUSY"
    if ((i % 2)); then order=(file s3); else order=(s3 file); fi
    line="run $i/$RUNS (other processes kept $LAST_BUSY cores busy):"
    for d in "${order[@]}"; do
        line+=" $(one_run "$d" "$i");"
    done
    log "$line"
done

write_env "s3proxy: $(basename "$(cat "$TMP/s3proxy.cp")"), $S3PROXY_JAVA_OPTS, filesystem store, plain HTTP" \
    "workload: $RUNS runs, blob $BLOB_MIB MiB, image $LAYERS x $LAYER_MIB MiB, S3 extra: ${S3_EXTRA:-none}" \
    "node options: $NODE_JAVA_OPTS"
python3 - "$RAW" "$BLOB_MIB" "$((LAYERS * LAYER_MIB))" >"$RESULTS_DIR/summary.txt" <<'EOF'
import statistics, sys
from collections import defaultdict
values = defaultdict(list)
for line in open(sys.argv[1]).read().splitlines()[1:]:
    metric, subject, _, value = line.split("\t")
    values[(metric, subject)].append(float(value))
blob_gb, image_gb = int(sys.argv[2]) / 1024, int(sys.argv[3]) / 1024
def cell(metric, driver, per_gb=None):
    v = values[(metric, driver)]
    if per_gb:
        v = [x / per_gb for x in v]
    return statistics.median(v), f"{statistics.median(v):.2f} ({min(v):.2f}-{max(v):.2f})"
print("medians (spread) | file | s3 | s3/file")
for step, title, gb in (("cold", "cold GET", blob_gb), ("warm", "warm GET", blob_gb), ("pull", "cold pull (skopeo)", image_gb)):
    for suffix, what, per in (("_s", "wall s", None), ("_node_cpu_s", "node CPU s/GB", gb), ("_s3proxy_cpu_s", "s3proxy CPU s/GB", gb)):
        f, ftext = cell(step + suffix, "file", per)
        s, stext = cell(step + suffix, "s3", per)
        ratio = f"{s / f:.2f}" if f > 0.005 else "-"
        print(f"{title}, {what} | {ftext} | {stext} | {ratio}")
busy = values.get(("busy_cores", "run"), [])
if busy:
    print("cores kept busy by other processes before the runs: " + ", ".join(f"{b:.2f}" for b in busy))
EOF
print_report
