#!/usr/bin/env bash
# Benchmark of the gateway: the same node reached directly and through gateways (plain HTTP,
# TLS, each with and without htpasswd), with nginx serving the same file as a reference for what
# curl and TLS cost on this machine. Not a test: it prints a table of medians, ratios and target
# verdicts and writes the raw results to bench/results/<stamp>[-LABEL]/.
#
#   warm    a stored BLOB_MIB blob, GET with curl -o /dev/null (MB/s): the node directly, the
#           gateway over plain HTTP/1.1, over TLS with HTTP/1.1 and with HTTP/2 (ALPN); each run
#           GETs every subject once, in a rotating order. Target: gateway >= 0.85 x node.
#           Also per GET: curl's CPU time (user + system) and the serving process group's, and
#           "curl ceiling <way>" = blob size / curl's CPU time on the gateway's GETs that way: the
#           rate no server can exceed for that client, since curl then never waits for data.
#   manifest  manifest GET by digest with wrk (req/s): the node, the gateways without and with
#           htpasswd (wrk sends Authorization: Basic), over HTTP and TLS (wrk speaks HTTP/1.1).
#           Target: with htpasswd >= 0.9 x without.
#
# Everything runs on 127.0.0.1 on free ports in a temporary folder that is removed at the end;
# every process started here is stopped on exit, failure or Ctrl-C. All gateways run at the same
# time (idle when not measured) in front of one node, so every subject sees the same node.
#
# Environment (all optional):
#   RUNS=5                 repetitions of the wrk measurements (medians are reported)
#   WARM_RUNS=3*RUNS       repetitions of the warm blob GETs
#   MEASURE=warm,manifest  which measurements to run
#   NGINX=1                0: no nginx reference rows
#   NODE_JAVA_OPTS="-Xms16m -Xmx128m -XX:+UseSerialGC -XX:MaxDirectMemorySize=64m -Xss512k -XX:UseAVX=2"
#   GATEWAY_JAVA_OPTS="-Xms16m -Xmx160m -XX:+UseSerialGC -XX:MaxDirectMemorySize=96m -Xss512k"
#                          (as the supervisor runs it)
#   ALT_GATEWAY_JAVA_OPTS= ALT_JAR=   if either is set, two more gateways (HTTP and TLS, no htpasswd)
#                          run with these options (default GATEWAY_JAVA_OPTS) from this jar
#                          (default JAR), measured in the same runs as subjects "alt gateway ...",
#                          e.g. ALT_GATEWAY_JAVA_OPTS="$GATEWAY_JAVA_OPTS -XX:TieredStopAtLevel=1"
#   JAVA_BIN=java  JAR=supervisor/target/registry-cache.jar (copied at start)  BUILD=0
#   BLOB_MIB=512
#   WRK_THREADS=2 WRK_CONNS=32 WRK_SECS=10 WRK_WARMUP_SECS=5 (per subject, before the runs: JIT)
#   QUIET_CPU=0.3 QUIET_MAX=180   before each run, wait (at most QUIET_MAX s) until the other
#                          processes of the machine keep at most QUIET_CPU cores busy
#   HTPASSWD_COST=5        bcrypt cost of the htpasswd entry (htpasswd -B's default is 5)
#   RESULTS_DIR=bench/results/<UTC stamp>[-LABEL]   LABEL=   KEEP_TMP=0
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"

RUNS=${RUNS:-5}
WARM_RUNS=${WARM_RUNS:-$((3 * RUNS))}
MEASURE=${MEASURE:-warm,manifest}
NGINX=${NGINX:-1}
DEFAULT_NODE_OPTS="-Xms16m -Xmx128m -XX:+UseSerialGC -XX:MaxDirectMemorySize=64m -Xss512k"
[[ $(uname -m) == x86_64 ]] && DEFAULT_NODE_OPTS+=" -XX:UseAVX=2" # JDK-8346653, see run-node-bench.sh
NODE_JAVA_OPTS=${NODE_JAVA_OPTS-$DEFAULT_NODE_OPTS}
GATEWAY_JAVA_OPTS=${GATEWAY_JAVA_OPTS-"-Xms16m -Xmx160m -XX:+UseSerialGC -XX:MaxDirectMemorySize=96m -Xss512k"}
ALT_GATEWAY_JAVA_OPTS=${ALT_GATEWAY_JAVA_OPTS:-}
ALT_JAR=${ALT_JAR:-}
ALT=0
[[ -n $ALT_GATEWAY_JAVA_OPTS || -n $ALT_JAR ]] && ALT=1
JAVA_BIN=${JAVA_BIN:-java}
JAR=${JAR:-$ROOT/supervisor/target/registry-cache.jar}
BUILD=${BUILD:-0}
BLOB_MIB=${BLOB_MIB:-512}
WRK_THREADS=${WRK_THREADS:-2}
WRK_CONNS=${WRK_CONNS:-32}
WRK_SECS=${WRK_SECS:-10}
WRK_WARMUP_SECS=${WRK_WARMUP_SECS:-5}
HTPASSWD_COST=${HTPASSWD_COST:-5}
bench_settings gateway

REPO=test/hello
PREFIX=quay.io
USER_NAME=bench
USER_PASS=bench-secret

need curl python3 docker-registry sha256sum setsid openssl htpasswd pgrep
has manifest && need wrk
[[ $NGINX == 1 ]] && has warm && need nginx
command -v "$JAVA_BIN" >/dev/null || die "JAVA_BIN=$JAVA_BIN not found"
curl -V | grep -q HTTP2 || die "curl has no HTTP/2 support"

if [[ $BUILD == 1 ]]; then
    log "building the jar"
    (cd "$ROOT" && mvn -B -q package -DskipTests)
fi
[[ -f $JAR ]] || die "$JAR not found; build it with: mvn -B -q package -DskipTests (or BUILD=1)"

bench_init gateway-bench
cp "$JAR" "$TMP/registry-cache.jar"
JAR_COPY=$TMP/registry-cache.jar
make_cert "$TMP/tls"
CACERT=(--cacert "$TMP/tls/cert.pem")
htpasswd -Bbc -C "$HTPASSWD_COST" "$TMP/htpasswd" "$USER_NAME" "$USER_PASS" 2>/dev/null
AUTH_HEADER="Authorization: Basic $(printf '%s:%s' "$USER_NAME" "$USER_PASS" | base64 -w0)"

# ---------------------------------------------------------------- the services

UP_PORT=$(free_port)
UP=http://127.0.0.1:$UP_PORT
registry_config "$TMP/upstream.yml" "$UP_PORT" "$TMP/upstream-data"
start_proc upstream "$TMP/logs/upstream.log" docker-registry serve "$TMP/upstream.yml"
wait_http upstream "$UP/v2/"
log "upstream docker-registry on $UP"

mkdir -p "$TMP/www"
log "generating and pushing a ${BLOB_MIB} MiB random blob"
head -c "$((BLOB_MIB * 1024 * 1024))" /dev/urandom >"$TMP/www/blob"
chmod 644 "$TMP/www/blob"
BLOB_SIZE=$((BLOB_MIB * 1024 * 1024))
push_image "$UP" "$REPO" latest "$TMP/www/blob" "$TMP/image"
BLOB_HEX=$IMG_LAYER_HEX
CONFIG_HEX=$IMG_CONFIG_HEX
MANIFEST_DIGEST=$IMG_MANIFEST_DIGEST
log "pushed blob sha256:$BLOB_HEX, manifest $MANIFEST_DIGEST"

NODE_PORT=$(free_port)
NODE=http://127.0.0.1:$NODE_PORT
echo '{"auths":{"quay.io":{}}}' >"$TMP/ps.json"
mkdir -p "$TMP/node-data" "$TMP/node-logs"
# shellcheck disable=SC2086 # the *_JAVA_OPTS are lists of options
start_proc node "$TMP/logs/node.log" env UPSTREAM_ENDPOINTS="quay.io=$UP" \
    "$JAVA_BIN" $NODE_JAVA_OPTS -jar "$JAR_COPY" node --upstream quay.io --pull-secret "$TMP/ps.json" \
    --data-dir "$TMP/node-data" --log-dir "$TMP/node-logs" --port "$NODE_PORT"
wait_http node "$NODE/v2/"
log "node on $NODE"

# the gateways: name -> base URL; each one JVM in front of the same node
declare -A GW=()
start_gateway() { # name tls(0/1) auth(0/1) [java options [jar]]
    local name=$1 tls=$2 auth=$3 opts=${4:-$GATEWAY_JAVA_OPTS} jar=${5:-$JAR_COPY} port scheme certs envs=()
    port=$(free_port)
    if [[ $tls == 1 ]]; then scheme=https certs=$TMP/tls/certs.pem; else scheme=http certs=$TMP/no-such-certs.pem; fi
    [[ $auth == 1 ]] && envs=(REGISTRY_AUTH=htpasswd REGISTRY_AUTH_HTPASSWD_PATH="$TMP/htpasswd")
    # shellcheck disable=SC2086
    start_proc "$name" "$TMP/logs/$name.log" env "${envs[@]}" "$JAVA_BIN" $opts -jar "$jar" gateway \
        --host 127.0.0.1 --port "$port" --certs "$certs" --node "quay.io=$NODE" \
        --data-dir "$TMP/node-data" --log-dir "$TMP/node-logs" # as the supervisor runs it: the node's datastore
    GW[$name]=$scheme://127.0.0.1:$port
    wait_http "$name" "${GW[$name]}/v2/" "${CACERT[@]}"
    log "$name on ${GW[$name]}"
}
start_gateway gw-http 0 0
start_gateway gw-tls 1 0
start_gateway gw-http-auth 0 1
start_gateway gw-tls-auth 1 1
GATEWAYS=(gw-http gw-tls gw-http-auth gw-tls-auth)
if [[ $ALT == 1 ]]; then
    ALT_JAR_COPY=$JAR_COPY
    if [[ -n $ALT_JAR ]]; then
        [[ -f $ALT_JAR ]] || die "ALT_JAR=$ALT_JAR not found"
        cp "$ALT_JAR" "$TMP/alt-registry-cache.jar"
        ALT_JAR_COPY=$TMP/alt-registry-cache.jar
    fi
    start_gateway gw-http-alt 0 0 "${ALT_GATEWAY_JAVA_OPTS:-$GATEWAY_JAVA_OPTS}" "$ALT_JAR_COPY"
    start_gateway gw-tls-alt 1 0 "${ALT_GATEWAY_JAVA_OPTS:-$GATEWAY_JAVA_OPTS}" "$ALT_JAR_COPY"
    GATEWAYS+=(gw-http-alt gw-tls-alt)
fi

# ---------------------------------------------------------------- checks before measuring

BLOB_PATH=$PREFIX/$REPO/blobs/sha256:$BLOB_HEX
CONFIG_PATH=$PREFIX/$REPO/blobs/sha256:$CONFIG_HEX
MAN_PATH=$PREFIX/$REPO/manifests/$MANIFEST_DIGEST
AUTH=(-H "$AUTH_HEADER")

code_of() { curl -s -o /dev/null -w '%{http_code}' "${CACERT[@]}" "$@"; }
for g in gw-http-auth gw-tls-auth; do
    [[ $(code_of "${GW[$g]}/v2/$CONFIG_PATH") == 401 ]] || die "$g: a GET without credentials is not 401"
    [[ $(code_of -u "$USER_NAME:wrong" "${GW[$g]}/v2/$CONFIG_PATH") == 401 ]] || die "$g: a wrong password is not 401"
    curl -s -D - -o /dev/null "${CACERT[@]}" "${GW[$g]}/v2/" | grep -qi '^www-authenticate: Basic realm=' ||
        die "$g: no WWW-Authenticate: Basic challenge"
    [[ $(code_of "${AUTH[@]}" "${GW[$g]}/v2/$CONFIG_PATH") == 200 ]] || die "$g: a GET with credentials is not 200"
done
for g in gw-http gw-tls; do
    [[ $(code_of "${GW[$g]}/v2/$CONFIG_PATH") == 200 ]] || die "$g: GET of the config blob is not 200"
done

# the node stores the blob (cold GET), then every path serves the right bytes
timed_get "$NODE/v2/$BLOB_PATH" "$BLOB_SIZE" >/dev/null
for ((k = 0; k < 600; k++)); do
    [[ -f $(blob_file "$TMP/node-data" "$BLOB_HEX") ]] && break
    sleep 0.1
done
[[ -f $(blob_file "$TMP/node-data" "$BLOB_HEX") ]] || die "the node did not store the blob"
check_digest "${GW[gw-http]}/v2/$BLOB_PATH" "$BLOB_HEX"
check_digest "${GW[gw-tls]}/v2/$BLOB_PATH" "$BLOB_HEX" "${CACERT[@]}" --http2
check_digest "${GW[gw-tls-auth]}/v2/$BLOB_PATH" "$BLOB_HEX" "${CACERT[@]}" --http1.1 "${AUTH[@]}"
for u in "$NODE/v2/$MAN_PATH" "${GW[gw-http]}/v2/$MAN_PATH" "${GW[gw-tls]}/v2/$MAN_PATH"; do
    got=$(curl -sS -f "${CACERT[@]}" -H "Accept: $OCI_MANIFEST" "$u" | sha256sum | cut -d' ' -f1)
    [[ sha256:$got == "$MANIFEST_DIGEST" ]] || die "GET $u: manifest bytes differ from the upstream's"
done
log "checks passed: 401 and challenge without or with wrong credentials, same bytes on every path"

# ---------------------------------------------------------------- warm blob GETs

if has warm; then
    # subject -> "url curl-options..." (the options are word-split; none has spaces)
    declare -A WARM=(
        ["node h1"]="$NODE/v2/$BLOB_PATH --http1.1"
        ["gateway http h1"]="${GW[gw-http]}/v2/$BLOB_PATH --http1.1"
        ["gateway tls h1"]="${GW[gw-tls]}/v2/$BLOB_PATH --http1.1"
        ["gateway tls h2"]="${GW[gw-tls]}/v2/$BLOB_PATH --http2"
    )
    SUBJECTS=("node h1" "gateway http h1" "gateway tls h1" "gateway tls h2")
    if [[ $ALT == 1 ]]; then
        WARM["alt gateway http h1"]="${GW[gw-http-alt]}/v2/$BLOB_PATH --http1.1"
        WARM["alt gateway tls h1"]="${GW[gw-tls-alt]}/v2/$BLOB_PATH --http1.1"
        WARM["alt gateway tls h2"]="${GW[gw-tls-alt]}/v2/$BLOB_PATH --http2"
        SUBJECTS+=("alt gateway http h1" "alt gateway tls h1" "alt gateway tls h2")
    fi
    if [[ $NGINX == 1 ]]; then
        NGINX_PORT=$(free_port)
        NGINX_TLS_PORT=$(free_port)
        start_nginx "$NGINX_PORT" "$TMP/www" "
    server {
        listen 127.0.0.1:$NGINX_TLS_PORT ssl http2;
        ssl_certificate $TMP/tls/cert.pem;
        ssl_certificate_key $TMP/tls/key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
        root $TMP/www;
    }"
        log "nginx on http://127.0.0.1:$NGINX_PORT and https://127.0.0.1:$NGINX_TLS_PORT"
        WARM["nginx http h1"]="http://127.0.0.1:$NGINX_PORT/blob --http1.1"
        WARM["nginx tls h1"]="https://127.0.0.1:$NGINX_TLS_PORT/blob --http1.1"
        WARM["nginx tls h2"]="https://127.0.0.1:$NGINX_TLS_PORT/blob --http2"
        SUBJECTS+=("nginx http h1" "nginx tls h1" "nginx tls h2")
    fi
    proc_of() { # warm subject -> the process (group) serving it
        case $1 in
        node*) echo node ;;
        nginx*) echo nginx ;;
        "alt gateway http"*) echo gw-http-alt ;;
        "alt gateway tls"*) echo gw-tls-alt ;;
        "gateway http"*) echo gw-http ;;
        "gateway tls"*) echo gw-tls ;;
        esac
    }
    group_ticks() { # name: CPU clock ticks (user + system) used so far by the process group
        local p total=0 t
        for p in $(pgrep -g "${PIDS[$1]}" 2>/dev/null); do
            t=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{ print $12 + $13 }') || continue
            total=$((total + ${t:-0}))
        done
        echo "$total"
    }
    TICK_MS=$((1000 / $(getconf CLK_TCK)))
    # warm_get subject: prints "MB/s http_version client_cpu_ms server_cpu_ms"; the client's CPU
    # (curl's user + system time) bounds what any server can reach: size / client CPU
    warm_get() {
        local spec url out proc t0 t1 tf=$TMP/warm-get-time.txt
        read -r -a spec <<<"${WARM[$1]}"
        url=${spec[0]}
        proc=$(proc_of "$1")
        t0=$(group_ticks "$proc")
        { TIMEFORMAT='%3U %3S'; time timed_get "$url" "$BLOB_SIZE" "${CACERT[@]}" "${spec[@]:1}" >"$TMP/warm-get.txt"; } 2>"$tf" ||
            { cat "$tf" >&2; exit 1; }
        t1=$(group_ticks "$proc")
        read -r _ speed ver <"$TMP/warm-get.txt"
        read -r cu cs <"$tf"
        echo "$(awk -v b="$speed" 'BEGIN { printf "%.1f", b / 1e6 }') $ver $(awk -v u="$cu" -v s="$cs" 'BEGIN { printf "%.0f", (u + s) * 1000 }') $(((t1 - t0) * TICK_MS))"
    }
    settle 2
    for s in "${SUBJECTS[@]}"; do warm_get "$s" >/dev/null; done # warm-up: JIT, page cache
    : >"$RESULTS_DIR/http_versions.txt"
    n=${#SUBJECTS[@]}
    for ((i = 1; i <= WARM_RUNS; i++)); do
        wait_quiet
        record busy_cores "before warm run" "$i" "$LAST_BUSY"
        line="warm run $i/$WARM_RUNS:"
        for ((j = 0; j < n; j++)); do
            s=${SUBJECTS[$(((i - 1 + j) % n))]}
            out=$(warm_get "$s")
            read -r mbps ver client_ms server_ms <<<"$out"
            record warm_MBps "$s" "$i" "$mbps"
            record warm_client_cpu_ms "$s" "$i" "$client_ms"
            record warm_server_cpu_ms "$s" "$i" "$server_ms"
            if [[ $s == "gateway "* && $client_ms -gt 0 ]]; then # what curl alone could take in, this way
                record warm_MBps "curl ceiling ${s#gateway }" "$i" "$(awk -v b="$BLOB_SIZE" -v ms="$client_ms" 'BEGIN { printf "%.1f", b / ms / 1000 }')"
            fi
            printf '%s\t%s\t%s\n' "$s" "$i" "$ver" >>"$RESULTS_DIR/http_versions.txt"
            line+=" $s $mbps MB/s (HTTP/$ver),"
        done
        log "${line%,}"
    done
    stop_proc nginx
    sleep 1 # the gateway's access log is written in the background
    answered=$(grep -c '"kind":"blob"' "$TMP/node-logs/gateway.access.log" 2>/dev/null || true)
    log "blob GETs the gateways answered from the datastore (gateway.access.log): ${answered:-0}"
    record gateway_datastore_blob_answers all 1 "${answered:-0}"
fi

# ---------------------------------------------------------------- manifest GETs (wrk)

if has manifest; then
    mkdir -p "$RESULTS_DIR/wrk"
    declare -A MAN=(
        [node]="$NODE/v2/$MAN_PATH"
        ["gateway http"]="${GW[gw-http]}/v2/$MAN_PATH"
        ["gateway http auth"]="${GW[gw-http-auth]}/v2/$MAN_PATH"
        ["gateway tls"]="${GW[gw-tls]}/v2/$MAN_PATH"
        ["gateway tls auth"]="${GW[gw-tls-auth]}/v2/$MAN_PATH"
    )
    MSUBJECTS=(node "gateway http" "gateway http auth" "gateway tls" "gateway tls auth")
    if [[ $ALT == 1 ]]; then
        MAN["alt gateway http"]="${GW[gw-http-alt]}/v2/$MAN_PATH"
        MAN["alt gateway tls"]="${GW[gw-tls-alt]}/v2/$MAN_PATH"
        MSUBJECTS+=("alt gateway http" "alt gateway tls")
    fi
    wrk_run() { # subject run seconds: prints "req/s p99-ms"
        local f=$RESULTS_DIR/wrk/${1// /-}-$2.txt out hdr=()
        [[ $1 == *auth ]] && hdr=(-H "$AUTH_HEADER")
        out=$(wrk_get "$f" "${MAN[$1]}" -t"$WRK_THREADS" -c"$WRK_CONNS" -d"${3}s" "${hdr[@]}")
        [[ ${out##* } == 0 ]] || die "$1 answered ${out##* } non-2xx responses in run $2 ($f)"
        echo "${out% *}"
    }
    for s in "${MSUBJECTS[@]}"; do wrk_run "$s" warmup "$WRK_WARMUP_SECS" >/dev/null; done
    n=${#MSUBJECTS[@]}
    for ((i = 1; i <= RUNS; i++)); do
        wait_quiet
        record busy_cores "before manifest run" "$i" "$LAST_BUSY"
        line="manifest run $i/$RUNS:"
        for ((j = 0; j < n; j++)); do
            s=${MSUBJECTS[$(((i - 1 + j) % n))]}
            out=$(wrk_run "$s" "$i" "$WRK_SECS")
            read -r rps p99 <<<"$out"
            record manifest_rps "$s" "$i" "$rps"
            record manifest_p99_ms "$s" "$i" "$p99"
            line+=" $s $rps req/s,"
        done
        log "${line%,}"
    done
fi

for name in node "${GATEWAYS[@]}"; do
    pid=${PIDS[$name]}
    rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0)
    record rss_after_MiB "$name" 1 "$(mib "$rss")"
done
for name in "${GATEWAYS[@]}" node upstream; do stop_proc "$name"; done

# ---------------------------------------------------------------- report

write_env "NODE_JAVA_OPTS: $NODE_JAVA_OPTS" "GATEWAY_JAVA_OPTS: $GATEWAY_JAVA_OPTS$([[ $ALT == 1 ]] && echo " (alt gateways: ${ALT_GATEWAY_JAVA_OPTS:-same options}, jar ${ALT_JAR:-same jar})")" \
    "runs:           $RUNS (warm $WARM_RUNS); wrk -t$WRK_THREADS -c$WRK_CONNS -d${WRK_SECS}s; blob $BLOB_MIB MiB; htpasswd bcrypt cost $HTPASSWD_COST" \
    "curl:           $(curl -V | head -n 1 | cut -d' ' -f1-2), $(curl -V | head -n 1 | grep -o 'OpenSSL/[^ ]*'), $(curl -V | head -n 1 | grep -o 'nghttp2/[^ ]*')"
python3 "$HERE/summarize_suite.py" gateway "$RAW" "$BLOB_MIB" >"$RESULTS_DIR/summary.txt"
if [[ -s $RESULTS_DIR/http_versions.txt ]]; then
    echo >>"$RESULTS_DIR/summary.txt"
    echo "HTTP version curl negotiated (subject: versions seen):" >>"$RESULTS_DIR/summary.txt"
    awk -F'\t' '{ v[$1] = v[$1] (index(v[$1], "HTTP/" $3) ? "" : " HTTP/" $3) } END { for (s in v) printf "  %s:%s\n", s, v[s] }' \
        "$RESULTS_DIR/http_versions.txt" | sort >>"$RESULTS_DIR/summary.txt"
fi
cp "$TMP"/logs/node.log "$TMP"/logs/gw-*.log "$RESULTS_DIR/" 2>/dev/null || true

print_report
