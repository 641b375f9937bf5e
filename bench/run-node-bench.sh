#!/usr/bin/env bash
# Benchmark of one registry node against the stock proxy (Debian's docker-registry in proxy
# mode), a direct GET from the upstream, and nginx serving the same file. Not a test: it prints
# a table of medians and ratios and writes the raw results to bench/results/<stamp>/.
#
# Everything runs on 127.0.0.1 on free ports in a temporary folder that is removed at the end;
# every process started here is stopped on exit, failure or Ctrl-C.
#
# Environment (all optional):
#   RUNS=5               repetitions of each measurement (medians are reported)
#   WARM_RUNS=3*RUNS     repetitions of the warm throughput GETs (each takes only ~0.2 s)
#   MEASURE=cold,warm,manifest,rss   which measurements to run
#   NODE_JAVA_OPTS="-Xms16m -Xmx96m -XX:+UseSerialGC -XX:MaxDirectMemorySize=64m -Xss512k -XX:UseAVX=2"
#                        (-XX:UseAVX=2 only on x86_64: with AVX-512 the JDK's SHA-NI stub can hit the
#                        SSE/AVX transition penalty, JDK-8346653, and a cold 1 GiB blob then takes ~50 s)
#   JAVA_BIN=java        e.g. /usr/lib/jvm/temurin-25-jdk-amd64/bin/java
#   JAR=supervisor/target/registry-cache.jar   (copied at start, so a rebuild meanwhile is harmless)
#   BUILD=0              1: run `mvn -B -q package -DskipTests` first
#   BLOB_MIB=512 BIG_MIB=1024                  sizes of the two random blobs
#   WRK_THREADS=2 WRK_CONNS=32 WRK_SECS=10 WRK_WARMUP_SECS=3
#   RESULTS_DIR=bench/results/<UTC stamp>[-LABEL]   LABEL=   a name for this run
#   KEEP_TMP=0           1: leave the temporary folder (and print where) instead of removing it
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")

RUNS=${RUNS:-5}
WARM_RUNS=${WARM_RUNS:-$((3 * RUNS))}
MEASURE=${MEASURE:-cold,warm,manifest,rss}
DEFAULT_JAVA_OPTS="-Xms16m -Xmx96m -XX:+UseSerialGC -XX:MaxDirectMemorySize=64m -Xss512k"
[[ $(uname -m) == x86_64 ]] && DEFAULT_JAVA_OPTS+=" -XX:UseAVX=2"
NODE_JAVA_OPTS=${NODE_JAVA_OPTS-$DEFAULT_JAVA_OPTS}
JAVA_BIN=${JAVA_BIN:-java}
JAR=${JAR:-$ROOT/supervisor/target/registry-cache.jar}
BUILD=${BUILD:-0}
BLOB_MIB=${BLOB_MIB:-512}
BIG_MIB=${BIG_MIB:-1024}
WRK_THREADS=${WRK_THREADS:-2}
WRK_CONNS=${WRK_CONNS:-32}
WRK_SECS=${WRK_SECS:-10}
WRK_WARMUP_SECS=${WRK_WARMUP_SECS:-3}
LABEL=${LABEL:-}
KEEP_TMP=${KEEP_TMP:-0}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS_DIR=${RESULTS_DIR:-$HERE/results/$STAMP${LABEL:+-$LABEL}}

OCI_MANIFEST=application/vnd.oci.image.manifest.v1+json
REPO=test/hello      # the 512 MiB blob, its config and manifest
BIG_REPO=test/big    # the 1 GiB blob
PREFIX=quay.io       # the node serves the upstream under this name prefix

has() { [[ ",$MEASURE," == *",$1,"* ]]; }
log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

for tool in curl python3 docker-registry sha256sum setsid; do
    command -v "$tool" >/dev/null || die "$tool is missing"
done
has manifest && { command -v wrk >/dev/null || die "wrk is missing (apt-get install -y wrk)"; }
has warm && { command -v nginx >/dev/null || die "nginx is missing (apt-get install -y nginx)"; }
command -v "$JAVA_BIN" >/dev/null || die "JAVA_BIN=$JAVA_BIN not found"

if [[ $BUILD == 1 ]]; then
    log "building the jar"
    (cd "$ROOT" && mvn -B -q package -DskipTests)
fi
[[ -f $JAR ]] || die "$JAR not found; build it with: mvn -B -q package -DskipTests (or BUILD=1)"

# ---------------------------------------------------------------- processes and cleanup

TMP=$(mktemp -d "${TMPDIR:-/tmp}/node-bench.XXXXXX")
chmod 755 "$TMP" # nginx workers may run as nobody
declare -A PIDS=() # name -> pid (each the leader of its own process group)

SAMPLER=

alive() { # pid: running (not gone, not a zombie)
    local st
    st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
    [[ -n $st && $st != Z ]]
}

stop_proc() { # name: SIGTERM its process group, wait, then SIGKILL
    local name=$1 pid=${PIDS[$1]:-}
    [[ -n $pid ]] || return 0
    unset "PIDS[$name]"
    kill -TERM -- "-$pid" 2>/dev/null || return 0
    local i
    for ((i = 0; i < 150; i++)); do
        alive "$pid" || break
        sleep 0.1
    done
    kill -KILL -- "-$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    local name
    [[ -n $SAMPLER ]] && kill -TERM "$SAMPLER" 2>/dev/null
    for name in "${!PIDS[@]}"; do
        stop_proc "$name"
    done
    if [[ $rc != 0 && -d $TMP ]]; then
        log "failed (exit $rc); last lines of the service logs:"
        for f in "$TMP"/logs/*.log; do
            [[ -f $f ]] || continue
            echo "---- $f" >&2
            tail -n 15 "$f" >&2
        done
        mkdir -p "$RESULTS_DIR" && cp "$TMP"/logs/*.log "$RESULTS_DIR"/ 2>/dev/null || true
    fi
    if [[ $KEEP_TMP == 1 ]]; then
        log "kept $TMP"
    else
        rm -rf "$TMP"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start_proc name logfile cmd...: runs cmd in a new session (so the whole group can be
# stopped), with an environment free of REGISTRY_* and the rest of ours.
start_proc() {
    local name=$1 logf=$2
    shift 2
    setsid env -i PATH="$PATH" HOME="${HOME:-/root}" LANG=C.UTF-8 "$@" >"$logf" 2>&1 </dev/null &
    PIDS[$name]=$!
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_http() { # name url: until the url answers at all (any HTTP status)
    local name=$1 url=$2 i code
    for ((i = 0; i < 600; i++)); do
        alive "${PIDS[$name]}" || die "$name exited while starting"
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" || true)
        [[ $code != 000 ]] && return 0
        sleep 0.05
    done
    die "$name did not answer on $url"
}

# ---------------------------------------------------------------- the services

mkdir -p "$TMP/logs" "$TMP/www" "$RESULTS_DIR"
cp "$JAR" "$TMP/registry-cache.jar"
JAR_COPY=$TMP/registry-cache.jar

registry_config() { # file port rootdir [remoteurl]
    cat >"$1" <<EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  cache:
    blobdescriptor: inmemory
  filesystem:
    rootdirectory: $3
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$2
EOF
    if [[ -n ${4:-} ]]; then
        printf 'proxy:\n  remoteurl: %s\n' "$4" >>"$1"
    fi
}

UP_PORT=$(free_port)
UP=http://127.0.0.1:$UP_PORT
registry_config "$TMP/upstream.yml" "$UP_PORT" "$TMP/upstream-data"
start_proc upstream "$TMP/logs/upstream.log" docker-registry serve "$TMP/upstream.yml"
wait_http upstream "$UP/v2/"
log "upstream docker-registry on $UP"

STOCK_PORT=$(free_port)
STOCK=http://127.0.0.1:$STOCK_PORT
STOCK_GEN=0
start_stock() { # a fresh, empty proxy storage each time
    stop_proc stock
    rm -rf "$TMP/stock-data"
    STOCK_GEN=$((STOCK_GEN + 1))
    registry_config "$TMP/stock.yml" "$STOCK_PORT" "$TMP/stock-data" "$UP"
    start_proc stock "$TMP/logs/stock-$STOCK_GEN.log" docker-registry serve "$TMP/stock.yml"
    wait_http stock "$STOCK/v2/"
}

NODE_PORT=$(free_port)
NODE=http://127.0.0.1:$NODE_PORT
NODE_GEN=0
echo '{"auths":{"quay.io":{}}}' >"$TMP/ps.json"
start_node() { # a fresh, empty data dir each time
    stop_proc node
    rm -rf "$TMP/node-data" "$TMP/node-logs"
    mkdir -p "$TMP/node-data" "$TMP/node-logs"
    NODE_GEN=$((NODE_GEN + 1))
    # shellcheck disable=SC2086 # NODE_JAVA_OPTS is a list of options
    start_proc node "$TMP/logs/node-$NODE_GEN.log" env UPSTREAM_ENDPOINTS="quay.io=$UP" \
        "$JAVA_BIN" $NODE_JAVA_OPTS -jar "$JAR_COPY" node --upstream quay.io --pull-secret "$TMP/ps.json" \
        --data-dir "$TMP/node-data" --log-dir "$TMP/node-logs" --port "$NODE_PORT"
    wait_http node "$NODE/v2/"
    NODE_PID=${PIDS[node]}
    # setsid and env exec, so the pid is the JVM's own
    [[ $(cat "/proc/$NODE_PID/comm" 2>/dev/null) == java ]] ||
        die "pid $NODE_PID is $(cat "/proc/$NODE_PID/comm" 2>/dev/null), not the JVM"
}

# ---------------------------------------------------------------- the upstream's content

push_blob() { # repo file hex: monolithic upload through the HTTP API
    local repo=$1 file=$2 hex=$3 loc sep
    loc=$(curl -sS -f -X POST -D - -o /dev/null "$UP/v2/$repo/blobs/uploads/" |
        awk 'tolower($1) == "location:" { print $2 }' | tr -d '\r')
    [[ -n $loc ]] || die "no upload location for $repo"
    [[ $loc == http* ]] || loc=$UP$loc
    sep='?'
    [[ $loc == *\?* ]] && sep='&'
    curl -sS -f -o /dev/null -X PUT -H 'Expect:' -H 'Content-Type: application/octet-stream' \
        -T "$file" "$loc${sep}digest=sha256:$hex" || die "upload of $file failed"
}

sha() { sha256sum "$1" | cut -d' ' -f1; }

log "generating ${BLOB_MIB} MiB and ${BIG_MIB} MiB random blobs"
head -c "$((BLOB_MIB * 1024 * 1024))" /dev/urandom >"$TMP/www/blob"
chmod 644 "$TMP/www/blob"
BLOB_HEX=$(sha "$TMP/www/blob")
BLOB_SIZE=$((BLOB_MIB * 1024 * 1024))
push_blob "$REPO" "$TMP/www/blob" "$BLOB_HEX"

printf '{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$BLOB_HEX" >"$TMP/config.json"
CONFIG_HEX=$(sha "$TMP/config.json")
CONFIG_SIZE=$(stat -c %s "$TMP/config.json")
push_blob "$REPO" "$TMP/config.json" "$CONFIG_HEX"

printf '{"schemaVersion":2,"mediaType":"%s","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%d}]}' \
    "$OCI_MANIFEST" "$CONFIG_HEX" "$CONFIG_SIZE" "$BLOB_HEX" "$BLOB_SIZE" >"$TMP/manifest.json"
MANIFEST_DIGEST=sha256:$(sha "$TMP/manifest.json")
curl -sS -f -o /dev/null -X PUT -H "Content-Type: $OCI_MANIFEST" --data-binary @"$TMP/manifest.json" \
    "$UP/v2/$REPO/manifests/latest" || die "manifest upload failed"

if has rss; then
    head -c "$((BIG_MIB * 1024 * 1024))" /dev/urandom >"$TMP/big"
    BIG_HEX=$(sha "$TMP/big")
    push_blob "$BIG_REPO" "$TMP/big" "$BIG_HEX"
    rm -f "$TMP/big" # the upstream holds its copy
fi
log "pushed blob sha256:$BLOB_HEX, manifest $MANIFEST_DIGEST"

# ---------------------------------------------------------------- measuring

RAW=$RESULTS_DIR/raw.tsv
printf 'metric\tsubject\trun\tvalue\n' >"$RAW"
record() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$RAW"; }

# timed_get url expected_size: prints "time_total speed_download"; fails on a bad status or size
timed_get() {
    local out code size t speed
    out=$(curl -sS -o /dev/null -w '%{http_code} %{size_download} %{time_total} %{speed_download}' "$1") ||
        die "GET $1 failed"
    read -r code size t speed <<<"$out"
    [[ $code == 200 ]] || die "GET $1: HTTP $code"
    [[ $size == "$2" ]] || die "GET $1: $size bytes, expected $2"
    echo "$t $speed"
}

check_digest() { # url hex: the served bytes hash to hex
    local got
    got=$(curl -sS -f "$1" | sha256sum | cut -d' ' -f1)
    [[ $got == "$2" ]] || die "GET $1 served content with sha256 $got, expected $2"
}

settle() { sync; sleep "${1:-1}"; } # let the previous writes reach the disk before timing

BLOB_PATH=$REPO/blobs/sha256:$BLOB_HEX
CONFIG_PATH=$REPO/blobs/sha256:$CONFIG_HEX
N_BLOB=$NODE/v2/$PREFIX/$BLOB_PATH
S_BLOB=$STOCK/v2/$BLOB_PATH
U_BLOB=$UP/v2/$BLOB_PATH
blob_file() { echo "$1/docker/registry/v2/blobs/sha256/${2:0:2}/$2/data"; }

# fresh node and stock proxy, each warmed up with GET /v2/ and a cold GET of the small config blob
fresh_proxies() {
    start_node
    start_stock
    local u
    for u in "$NODE/v2/" "$NODE/v2/$PREFIX/$CONFIG_PATH" "$STOCK/v2/" "$STOCK/v2/$CONFIG_PATH" "$UP/v2/$CONFIG_PATH"; do
        curl -sS -o /dev/null "$u"
    done
}

if has cold; then
    for ((i = 1; i <= RUNS; i++)); do
        fresh_proxies
        settle
        out=$(timed_get "$U_BLOB" "$BLOB_SIZE")
        d=${out% *}
        settle
        out=$(timed_get "$N_BLOB" "$BLOB_SIZE")
        n=${out% *}
        settle
        out=$(timed_get "$S_BLOB" "$BLOB_SIZE")
        s=${out% *}
        record cold_s direct "$i" "$d"
        record cold_s node "$i" "$n"
        record cold_s stock "$i" "$s"
        log "cold run $i/$RUNS: direct $d s, node $n s, stock $s s"
    done
elif has warm || has manifest; then
    fresh_proxies
fi

if has warm; then
    NGINX_PORT=$(free_port)
    NGINX=http://127.0.0.1:$NGINX_PORT
    mkdir -p "$TMP/nginx"
    cat >"$TMP/nginx/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 1;
pid $TMP/nginx/nginx.pid;
error_log $TMP/logs/nginx-error.log warn;
events { worker_connections 256; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    default_type application/octet-stream;
    client_body_temp_path $TMP/nginx/client_body;
    proxy_temp_path $TMP/nginx/proxy;
    fastcgi_temp_path $TMP/nginx/fastcgi;
    uwsgi_temp_path $TMP/nginx/uwsgi;
    scgi_temp_path $TMP/nginx/scgi;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $TMP/www;
    }
}
EOF
    start_proc nginx "$TMP/logs/nginx.log" nginx -e "$TMP/logs/nginx-error.log" -c "$TMP/nginx/nginx.conf" -p "$TMP/nginx"
    wait_http nginx "$NGINX/"
    log "nginx on $NGINX"

    # both proxies hold the blob (the stock proxy stores it in the background), and serve it right
    check_digest "$N_BLOB" "$BLOB_HEX"
    check_digest "$S_BLOB" "$BLOB_HEX"
    for ((k = 0; k < 600; k++)); do
        [[ -f $(blob_file "$TMP/node-data" "$BLOB_HEX") && -f $(blob_file "$TMP/stock-data" "$BLOB_HEX") ]] && break
        sleep 0.1
    done
    [[ -f $(blob_file "$TMP/node-data" "$BLOB_HEX") ]] || die "the node did not store the blob"
    [[ -f $(blob_file "$TMP/stock-data" "$BLOB_HEX") ]] || die "the stock proxy did not store the blob"
    settle 2
    for u in "$N_BLOB" "$S_BLOB" "$NGINX/blob"; do timed_get "$u" "$BLOB_SIZE" >/dev/null; done
    for ((i = 1; i <= WARM_RUNS; i++)); do
        line="warm run $i/$WARM_RUNS:"
        for s in node stock nginx; do
            case $s in node) u=$N_BLOB ;; stock) u=$S_BLOB ;; nginx) u=$NGINX/blob ;; esac
            out=$(timed_get "$u" "$BLOB_SIZE")
            mbps=$(awk -v b="${out#* }" 'BEGIN { printf "%.1f", b / 1e6 }')
            record warm_MBps "$s" "$i" "$mbps"
            line+=" $s $mbps MB/s,"
        done
        log "${line%,}"
    done
    stop_proc nginx
fi

if has manifest; then
    mkdir -p "$RESULTS_DIR/wrk"
    N_MAN=$NODE/v2/$PREFIX/$REPO/manifests/$MANIFEST_DIGEST
    S_MAN=$STOCK/v2/$REPO/manifests/$MANIFEST_DIGEST
    for u in "$N_MAN" "$S_MAN"; do
        got=$(curl -sS -f -H "Accept: $OCI_MANIFEST" "$u" | sha256sum | cut -d' ' -f1)
        [[ sha256:$got == "$MANIFEST_DIGEST" ]] || die "GET $u: manifest bytes differ from the upstream's"
    done
    wrk_run() { # subject url run seconds: prints req/s
        local f=$RESULTS_DIR/wrk/$1-$3.txt rps bad
        wrk -t"$WRK_THREADS" -c"$WRK_CONNS" -d"${4}s" --latency -H "Accept: $OCI_MANIFEST" "$2" >"$f" 2>&1 ||
            die "wrk failed: $(cat "$f")"
        rps=$(awk '/^Requests\/sec:/ { print $2 }' "$f")
        bad=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$f")
        [[ -n $rps ]] || die "no Requests/sec in $f"
        [[ -z $bad ]] || log "WARNING: $1 answered $bad non-2xx responses in run $3 ($f)"
        if grep -q 'Socket errors' "$f"; then log "WARNING: $1 run $3: $(grep 'Socket errors' "$f")"; fi
        echo "$rps"
    }
    wrk_run node "$N_MAN" warmup "$WRK_WARMUP_SECS" >/dev/null
    wrk_run stock "$S_MAN" warmup "$WRK_WARMUP_SECS" >/dev/null
    for ((i = 1; i <= RUNS; i++)); do
        n=$(wrk_run node "$N_MAN" "$i" "$WRK_SECS")
        s=$(wrk_run stock "$S_MAN" "$i" "$WRK_SECS")
        record manifest_rps node "$i" "$n"
        record manifest_rps stock "$i" "$s"
        log "manifest run $i/$RUNS: node $n req/s, stock $s req/s"
    done
fi

stop_proc stock

if has rss; then
    mkdir -p "$RESULTS_DIR/rss"
    BIG_BLOB=$NODE/v2/$PREFIX/$BIG_REPO/blobs/sha256:$BIG_HEX
    for ((i = 1; i <= RUNS; i++)); do
        start_node
        curl -sS -o /dev/null "$NODE/v2/"
        curl -sS -o /dev/null "$NODE/v2/$PREFIX/$CONFIG_PATH"
        settle 2
        idle=$(awk '/^VmRSS:/ { print $2 }' "/proc/$NODE_PID/status")
        samples=$RESULTS_DIR/rss/run-$i.txt
        python3 "$HERE/rss_sampler.py" "$NODE_PID" "$samples" 0.1 &
        SAMPLER=$!
        sleep 0.2
        out=$(timed_get "$BIG_BLOB" "$((BIG_MIB * 1024 * 1024))")
        t=${out% *}
        sleep 0.3
        kill -TERM "$SAMPLER" 2>/dev/null || true
        wait "$SAMPLER" 2>/dev/null || true
        SAMPLER=
        read -r max hwm < <(awk '$1 == "#" { print $3, $5 }' "$samples")
        [[ -n $max && -n $hwm ]] || die "no RSS samples in $samples"
        record rss_idle_MiB node "$i" "$(awk -v k="$idle" 'BEGIN { printf "%.1f", k / 1024 }')"
        record rss_max_MiB node "$i" "$(awk -v k="$max" 'BEGIN { printf "%.1f", k / 1024 }')"
        record rss_hwm_MiB node "$i" "$(awk -v k="$hwm" 'BEGIN { printf "%.1f", k / 1024 }')"
        record cold1g_s node "$i" "$t"
        log "rss run $i/$RUNS: idle $((idle / 1024)) MiB, max while streaming $((max / 1024)) MiB (VmHWM $((hwm / 1024)) MiB), 1 GiB in $t s"
        if ((i == RUNS)); then check_digest "$BIG_BLOB" "$BIG_HEX"; fi
    done
fi
stop_proc node

# ---------------------------------------------------------------- report

{
    echo "date:           $STAMP"
    echo "git:            $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)$(git -C "$ROOT" diff --quiet 2>/dev/null || echo ' (+ uncommitted changes)')"
    echo "java:           $JAVA_BIN: $("$JAVA_BIN" -version 2>&1 | head -n 2 | tail -n 1)"
    echo "NODE_JAVA_OPTS: $NODE_JAVA_OPTS"
    echo "runs:           $RUNS (warm $WARM_RUNS); wrk -t$WRK_THREADS -c$WRK_CONNS -d${WRK_SECS}s; blobs $BLOB_MIB MiB / $BIG_MIB MiB"
    echo "machine:        $(nproc) cores, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$RESULTS_DIR/env.txt"
python3 "$HERE/summarize.py" "$RAW" "$BLOB_MIB" "$BIG_MIB" >"$RESULTS_DIR/summary.txt"
cp "$TMP"/logs/node-1.log "$RESULTS_DIR/" 2>/dev/null || true

echo
cat "$RESULTS_DIR/env.txt"
echo
cat "$RESULTS_DIR/summary.txt"
echo
echo "raw results: $RESULTS_DIR"
