#!/usr/bin/env bash
# Benchmark of the whole product (the supervisor with its node JVMs, gateway and whatever other
# components it starts) for two registries, side by side with the same setup made of stock
# processes: two docker-registry proxies (proxy.remoteurl), one per upstream. Not a test: it
# prints a table of medians, ratios and target verdicts and writes the raw results to
# bench/results/<stamp>-stack[-LABEL]/.
#
# Each run starts both setups fresh (empty datastores; the stack keeps its LOG_DIR and the class
# data archives in DATA_DIR/.jvm-cds from run to run, as a host would: the first start, without
# them, is reported on its own), one
# after the other, and measures:
#   startup   from the exec to the supervisor's "registry-cache ready in" line, and to the first
#             200 on GET /v2/ through the gateway port (polled every 10 ms); the "ready in" figure
#             the supervisor prints; for each component (found by its --port argument) when it was
#             spawned and when its port accepted a connection, and the CPU time it used until that
#             first 200 (the output is kept with ms stamps in stack-logs/). Stock: to the first
#             200 on GET /v2/ from both proxies.
#             Target: <= 4 s.
#   rss       VmRSS (and PSS) of every process of each setup (the supervisor and all its children
#             found again at each sample), IDLE_SECS after ready, and the max (0.1 s samples)
#             during a cold BLOB_MIB pull through the gateway, resp. through one stock proxy.
#             Target: stack total idle <= 400 MiB.
#   stop      from SIGTERM to the supervisor until every process is gone; its exit code.
#   cold      the time of that cold pull (and of a direct GET from the upstream, for reference).
#
# Everything runs on 127.0.0.1 on free ports in a temporary folder that is removed at the end;
# every process started here is stopped on exit, failure or Ctrl-C.
#
# Environment (all optional):
#   RUNS=5                 repetitions (medians are reported)
#   MEASURE=rss,stock      rss: idle and cold-pull memory of each run; stock: the docker-registry setup
#   STACK_TLS=1            0: no certificate (plain HTTP), 1: a self-signed certs.pem for 127.0.0.1
#   IDLE_SECS=5            wait after ready before the idle snapshot
#   SUPERVISOR_JAVA_OPTS="-XX:+UnlockDiagnosticVMOptions -XX:ArchiveRelocationMode=0 -XX:+UseSerialGC -Xms2m -Xmn1m -Xmx48m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 -XX:TieredStopAtLevel=1 -XX:TrimNativeHeapInterval=3000"
#                          JVM options of the supervisor JVM only (`java $SUPERVISOR_JAVA_OPTS -jar ...`),
#                          by default those of docker/Containerfile's ENTRYPOINT; "" for the JVM's defaults
#   ALL_JAVA_TOOL_OPTIONS= JAVA_TOOL_OPTIONS given to the supervisor, which every child JVM inherits
#   STACK_ENV=             more K=V words for the supervisor's environment
#   CDS=0                  1: build an AppCDS archive of the jar first (class lists of a node, a TLS
#                          gateway and the supervisor) and add -XX:SharedArchiveFile to every JVM
#   JAVA_BIN=java  JAR=supervisor/target/registry-cache.jar (copied at start)  BUILD=0
#   BLOB_MIB=512  START_TIMEOUT=60
#   QUIET_CPU=0.3 QUIET_MAX=180   before each run, wait (at most QUIET_MAX s) until the other
#                          processes of the machine keep at most QUIET_CPU cores busy
#   RESULTS_DIR=bench/results/<UTC stamp>-stack[-LABEL]   LABEL=   KEEP_TMP=0
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"

RUNS=${RUNS:-5}
MEASURE=${MEASURE:-rss,stock}
STACK_TLS=${STACK_TLS:-1}
IDLE_SECS=${IDLE_SECS:-5}
SUPERVISOR_JAVA_OPTS=${SUPERVISOR_JAVA_OPTS-"-XX:+UnlockDiagnosticVMOptions -XX:ArchiveRelocationMode=0 -XX:+UseSerialGC -Xms2m -Xmn1m -Xmx48m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 -XX:TieredStopAtLevel=1 -XX:TrimNativeHeapInterval=3000"}  # as the image runs it
ALL_JAVA_TOOL_OPTIONS=${ALL_JAVA_TOOL_OPTIONS:-}
STACK_ENV=${STACK_ENV:-}
CDS=${CDS:-0}
JAVA_BIN=${JAVA_BIN:-java}
JAR=${JAR:-$ROOT/supervisor/target/registry-cache.jar}
BUILD=${BUILD:-0}
BLOB_MIB=${BLOB_MIB:-512}
START_TIMEOUT=${START_TIMEOUT:-60}
bench_settings stack

REPO=test/hello       # on the quay.io upstream: the BLOB_MIB layer
SMALL_REPO=test/small # on the docker.io upstream: a 1 MiB layer
READY_TEXT="registry-cache ready in"

need curl python3 docker-registry sha256sum setsid openssl pgrep
command -v "$JAVA_BIN" >/dev/null || die "JAVA_BIN=$JAVA_BIN not found"
JAVA_BIN=$(command -v "$JAVA_BIN")

if [[ $BUILD == 1 ]]; then
    log "building the jar"
    (cd "$ROOT" && mvn -B -q package -DskipTests)
fi
[[ -f $JAR ]] || die "$JAR not found; build it with: mvn -B -q package -DskipTests (or BUILD=1)"

bench_init stack-bench
cp "$JAR" "$TMP/registry-cache.jar"
JAR_COPY=$TMP/registry-cache.jar
CURL_TLS=()
if [[ $STACK_TLS == 1 ]]; then
    make_cert "$TMP/tls"
    CERTS=$TMP/tls/certs.pem
    CURL_TLS=(--cacert "$TMP/tls/cert.pem")
    SCHEME=https
else
    CERTS=$TMP/no-such-certs.pem
    SCHEME=http
fi

# ---------------------------------------------------------------- upstreams and content

declare -A UPS=()
start_upstreams quay.io docker.io
log "upstreams: quay.io ${UPS[quay.io]}, docker.io ${UPS[docker.io]}"

log "generating and pushing a ${BLOB_MIB} MiB random blob"
head -c "$((BLOB_MIB * 1024 * 1024))" /dev/urandom >"$TMP/blob"
BLOB_SIZE=$((BLOB_MIB * 1024 * 1024))
push_image "${UPS[quay.io]}" "$REPO" latest "$TMP/blob" "$TMP/image"
BLOB_HEX=$IMG_LAYER_HEX
rm -f "$TMP/blob" # the upstream holds its copy
head -c $((1024 * 1024)) /dev/urandom >"$TMP/small"
push_image "${UPS[docker.io]}" "$SMALL_REPO" latest "$TMP/small" "$TMP/small-image"
SMALL_MANIFEST=$IMG_MANIFEST_DIGEST
SMALL_HEX=$IMG_LAYER_HEX
log "pushed quay.io/$REPO (blob sha256:$BLOB_HEX) and docker.io/$SMALL_REPO ($SMALL_MANIFEST)"

echo '{"auths":{"quay.io":{},"docker.io":{}}}' >"$TMP/ps.json"

# ---------------------------------------------------------------- AppCDS archive (CDS=1)

if [[ $CDS == 1 ]]; then
    log "CDS=1: recording the classes of a node, a TLS gateway and the supervisor"
    mkdir -p "$TMP/cds"
    [[ -f $TMP/tls/cert.pem ]] || make_cert "$TMP/tls"
    cp_port=$(free_port)
    gp=$(free_port)
    mkdir -p "$TMP/cds/data" "$TMP/cds/logs"
    start_proc cds-node "$TMP/logs/cds-node.log" env UPSTREAM_ENDPOINTS="quay.io=${UPS[quay.io]}" \
        "$JAVA_BIN" -XX:DumpLoadedClassList="$TMP/cds/node.lst" -jar "$JAR_COPY" node --upstream quay.io \
        --pull-secret "$TMP/ps.json" --data-dir "$TMP/cds/data" --log-dir "$TMP/cds/logs" --port "$cp_port"
    start_proc cds-gw "$TMP/logs/cds-gw.log" "$JAVA_BIN" -XX:DumpLoadedClassList="$TMP/cds/gateway.lst" -jar "$JAR_COPY" \
        gateway --host 127.0.0.1 --port "$gp" --certs "$TMP/tls/certs.pem" --node "quay.io=http://127.0.0.1:$cp_port"
    wait_http cds-node "http://127.0.0.1:$cp_port/v2/"
    wait_http cds-gw "https://127.0.0.1:$gp/v2/" --cacert "$TMP/tls/cert.pem"
    for opt in --http1.1 --http2; do
        curl -sS -f -o /dev/null --cacert "$TMP/tls/cert.pem" "$opt" "https://127.0.0.1:$gp/v2/quay.io/$REPO/manifests/latest"
        curl -sS -f -o /dev/null --cacert "$TMP/tls/cert.pem" "$opt" "https://127.0.0.1:$gp/v2/quay.io/$REPO/blobs/sha256:$IMG_CONFIG_HEX" 2>/dev/null || true
    done
    stop_proc cds-gw
    stop_proc cds-node
    # the supervisor's own classes (its children run normally: the option is not inherited)
    sp=$(free_port)
    start_proc cds-sup "$TMP/logs/cds-sup.log" env PULL_SECRET="$TMP/ps.json" DATA_DIR="$TMP/cds/data" \
        LOG_DIR="$TMP/cds/logs" PORT="$sp" CERTS="$TMP/tls/certs.pem" \
        UPSTREAM_ENDPOINTS="quay.io=${UPS[quay.io]} docker.io=${UPS[docker.io]}" \
        "$JAVA_BIN" -XX:DumpLoadedClassList="$TMP/cds/supervisor.lst" -jar "$JAR_COPY"
    for ((k = 0; k < 600; k++)); do
        grep -q "$READY_TEXT" "$TMP/logs/cds-sup.log" && break
        sleep 0.1
    done
    STOP_FIRST[cds-sup]=${PIDS[cds-sup]}
    stop_proc cds-sup 30
    # one list: class names once each (the "id:" numbers of each file would clash), and the
    # @lambda lines as they are
    cat "$TMP"/cds/*.lst | awk '/^@/ { if (!seen[$0]++) print; next } /^#/ { next } { if (!seen[$1]++) print $1 }' \
        >"$TMP/cds/classes.lst"
    "$JAVA_BIN" -Xshare:dump -XX:SharedClassListFile="$TMP/cds/classes.lst" -XX:SharedArchiveFile="$TMP/cds/app.jsa" \
        -cp "$JAR_COPY" >"$TMP/logs/cds-dump.log" 2>&1 || die "the CDS dump failed: $(tail -n 5 "$TMP/logs/cds-dump.log")"
    "$JAVA_BIN" -Xshare:on -XX:SharedArchiveFile="$TMP/cds/app.jsa" -cp "$JAR_COPY" \
        dev.registrycache.supervisor.RegistryCacheMain --version >/dev/null 2>&1 || die "the CDS archive cannot be mapped"
    log "CDS archive: $(wc -l <"$TMP/cds/classes.lst") classes, $(du -m "$TMP/cds/app.jsa" | cut -f1) MiB"
    ALL_JAVA_TOOL_OPTIONS="${ALL_JAVA_TOOL_OPTIONS:+$ALL_JAVA_TOOL_OPTIONS }-XX:SharedArchiveFile=$TMP/cds/app.jsa"
fi

# ---------------------------------------------------------------- helpers

# cold_pull prefix run url root...: GET url while sampling the trees; records rss_max, hwm, cold_s
cold_pull() {
    local prefix=$1 run=$2 url=$3 samples out t
    shift 3
    samples=$RESULTS_DIR/rss/$prefix-$run.tsv
    python3 "$HERE/rss_tree.py" sample "$samples" 0.1 "$@" &
    SAMPLERS[$!]=1
    local sampler=$!
    sleep 0.3
    out=$(timed_get "$url" "$BLOB_SIZE" "${CURL_TLS[@]}")
    t=${out%% *}
    sleep 0.3
    kill -TERM "$sampler" 2>/dev/null || true
    wait "$sampler" 2>/dev/null || true
    unset "SAMPLERS[$sampler]"
    [[ -f $samples.json ]] || die "no RSS samples in $samples.json"
    while IFS=$'\t' read -r metric label kib; do
        record "$metric" "$prefix $label" "$run" "$(mib "$kib")"
    done < <(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for k, v in d["max"].items(): print(f"rss_max_MiB\t{k}\t{v}")
for k, v in d["hwm"].items(): print(f"hwm_MiB\t{k}\t{v}")
' "$samples.json")
    record cold_s "$prefix" "$run" "$t"
    log "$prefix run $run: cold ${BLOB_MIB} MiB pull in $t s, max total RSS $(python3 -c 'import json,sys; print(round(json.load(open(sys.argv[1]))["max"]["total"]/1024))' "$samples.json") MiB"
}

# ---------------------------------------------------------------- one run of the stack

GW_PORT=$(free_port)
GW=$SCHEME://127.0.0.1:$GW_PORT
mkdir -p "$RESULTS_DIR/stack-logs" "$RESULTS_DIR/rss"
STACK_ENVS=()
[[ -n $STACK_ENV ]] && read -r -a STACK_ENVS <<<"$STACK_ENV"
[[ -n $ALL_JAVA_TOOL_OPTIONS ]] && STACK_ENVS+=("JAVA_TOOL_OPTIONS=$ALL_JAVA_TOOL_OPTIONS")
STACK_EXIT_CODES=()

stack_run() { # run subject: run 0 is the first start on a fresh host (no rss, no checks)
    local run=$1 subject=$2 tf sup ready probe line reported t0 t1 code key label v
    tf=$TMP/stack-$run.timings
    rm -f "$tf"
    # an empty datastore each run; the supervisor's class-data archives (<data-dir>/.jvm-cds) stay,
    # as on a host, whose data dir is the volume that outlives the process
    mkdir -p "$TMP/data" "$TMP/logdir"
    find "$TMP/data" -mindepth 1 -maxdepth 1 ! -name .jvm-cds -exec rm -rf {} +
    # shellcheck disable=SC2086 # SUPERVISOR_JAVA_OPTS is a list of options
    start_proc stack "$TMP/logs/stack-launcher-$run.log" env PULL_SECRET="$TMP/ps.json" DATA_DIR="$TMP/data" \
        LOG_DIR="$TMP/logdir" PORT="$GW_PORT" CERTS="$CERTS" \
        UPSTREAM_ENDPOINTS="quay.io=${UPS[quay.io]} docker.io=${UPS[docker.io]}" "${STACK_ENVS[@]}" \
        python3 "$HERE/launch_timed.py" --log "$TMP/logs/stack-$run.log" --timings "$tf" --ready-text "$READY_TEXT" \
        --probe "$GW/v2/" ${CURL_TLS[1]:+--cacert "${CURL_TLS[1]}"} --watch-children \
        -- "$JAVA_BIN" $SUPERVISOR_JAVA_OPTS -jar "$JAR_COPY"
    sup=$(wait_timing "$tf" pid stack)
    STOP_FIRST[stack]=$sup
    ready=$(wait_timing "$tf" ready_ms stack)
    probe=$(wait_timing "$tf" probe_ms stack)
    # CPU time every process used until then (on few cores, startup is CPU-bound)
    local snap mcpu
    snap=$(python3 "$HERE/rss_tree.py" snapshot "$sup=supervisor")
    while IFS=$'\t' read -r label _ _ cpu; do
        record start_cpu_s "$label" "$run" "$cpu"
    done <<<"$snap"
    # and the rest of the machine meanwhile (others' builds make a start slow too)
    mcpu=$(timing "$tf" machine_cpu_s)
    record busy_cores "others during stack start" "$run" \
        "$(awk -v m="${mcpu:-0}" -v p="$probe" -v c="$(awk -F'\t' '$1 == "total" { print $4 }' <<<"$snap")" \
            'BEGIN { v = (m - c) / (p / 1000); printf "%.2f", v < 0 ? 0 : v }')"
    line=$(grep -m1 "$READY_TEXT" "$TMP/logs/stack-$run.log" || true)
    reported=$(sed -n 's/.*ready in \([0-9]*\) ms.*/\1/p' <<<"$line")
    record start_ready_s "$subject" "$run" "$(secs "$ready")"
    record start_v2_s "$subject" "$run" "$(secs "$probe")"
    [[ -n $reported ]] && record ready_reported_s "$subject" "$run" "$(secs "$reported")"
    # when the supervisor started each component, and when its port accepted connections
    sleep 0.1
    while IFS=$'\t' read -r key label v; do
        record "start_${key}_s" "$label" "$run" "$(secs "$v")"
    done < <(awk '/^(spawn|listen):/ { split($1, k, ":"); l = k[2]; gsub(/_/, " ", l); print k[1] "\t" l "\t" $2 }' "$tf" | sort)
    log "stack run $run: ready line at $(secs "$ready") s, GET /v2/ 200 at $(secs "$probe") s (printed: ready in ${reported:-?} ms)"

    if [[ $run == 0 ]]; then # the first start: timings only
        stop_proc stack 40
        cp "$TMP/logs/stack-$run.log" "$RESULTS_DIR/stack-logs/run-$run.log"
        return 0
    fi
    # every registry answers through the gateway
    if [[ $run == 1 ]]; then
        got=$(curl -sS -f "${CURL_TLS[@]}" -H "Accept: $OCI_MANIFEST" "$GW/v2/docker.io/$SMALL_REPO/manifests/latest" | sha256sum | cut -d' ' -f1)
        [[ sha256:$got == "$SMALL_MANIFEST" ]] || die "GET docker.io/$SMALL_REPO:latest through the gateway: wrong manifest"
        check_digest "$GW/v2/docker.io/$SMALL_REPO/blobs/sha256:$SMALL_HEX" "$SMALL_HEX" "${CURL_TLS[@]}"
    fi

    if has rss; then
        sleep "$IDLE_SECS"
        record_snapshot stack "$run" "$sup=supervisor"
        cold_pull stack "$run" "$GW/v2/quay.io/$REPO/blobs/sha256:$BLOB_HEX" "$sup=supervisor"
        [[ $run == 1 ]] && check_digest "$GW/v2/quay.io/$REPO/blobs/sha256:$BLOB_HEX" "$BLOB_HEX" "${CURL_TLS[@]}"
    fi

    t0=$(date +%s%N)
    stop_proc stack 40
    t1=$(date +%s%N)
    code=$(timing "$tf" exit_code)
    record stop_s stack "$run" "$(awk -v n=$((t1 - t0)) 'BEGIN { printf "%.3f", n / 1e9 }')"
    STACK_EXIT_CODES+=("${code:-?}")
    [[ $code == 0 ]] || log "WARNING: the supervisor exited with code ${code:-?} after SIGTERM (run $run)"
    cp "$TMP/logs/stack-$run.log" "$RESULTS_DIR/stack-logs/run-$run.log"
}

# ---------------------------------------------------------------- one run of the stock setup

declare -A STOCK_PORT=()
for reg in quay.io docker.io; do STOCK_PORT[$reg]=$(free_port); done

stock_run() { # run
    local run=$1 reg tf pid probe max=0 roots=()
    for reg in quay.io docker.io; do
        tf=$TMP/stock-$reg-$run.timings
        rm -rf "$TMP/stock-$reg" "$tf"
        registry_config "$TMP/stock-$reg.yml" "${STOCK_PORT[$reg]}" "$TMP/stock-$reg" "${UPS[$reg]}"
        start_proc "stock $reg" "$TMP/logs/stock-launcher-$reg.log" python3 "$HERE/launch_timed.py" \
            --log "$TMP/logs/stock-$reg-$run.log" --timings "$tf" --probe "http://127.0.0.1:${STOCK_PORT[$reg]}/v2/" \
            -- docker-registry serve "$TMP/stock-$reg.yml"
    done
    for reg in quay.io docker.io; do
        tf=$TMP/stock-$reg-$run.timings
        pid=$(wait_timing "$tf" pid "stock $reg")
        roots+=("$pid=$reg")
        probe=$(wait_timing "$tf" probe_ms "stock $reg")
        ((probe > max)) && max=$probe
    done
    record start_v2_s stock "$run" "$(secs "$max")"
    log "stock run $run: both proxies answer GET /v2/ at $(secs "$max") s"
    if has rss; then
        sleep "$IDLE_SECS"
        record_snapshot stock "$run" "${roots[@]}"
        cold_pull stock "$run" "http://127.0.0.1:${STOCK_PORT[quay.io]}/v2/$REPO/blobs/sha256:$BLOB_HEX" "${roots[@]}"
    fi
    stop_proc "stock quay.io"
    stop_proc "stock docker.io"
}

# ---------------------------------------------------------------- measuring

# run 0: the first start with an empty LOG_DIR and DATA_DIR (anything the product keeps there, such
# as class data archives in DATA_DIR/.jvm-cds, is made then); LOG_DIR and DATA_DIR/.jvm-cds are
# kept from run to run as on a host, the datastore is not
rm -rf "$TMP/logdir" "$TMP/data"
wait_quiet
record busy_cores "before stack run" 0 "$LAST_BUSY"
stack_run 0 "stack first start"
for ((i = 1; i <= RUNS; i++)); do
    settle
    wait_quiet
    record busy_cores "before stack run" "$i" "$LAST_BUSY"
    stack_run "$i" stack
    if has stock; then
        settle
        wait_quiet
        record busy_cores "before stock run" "$i" "$LAST_BUSY"
        stock_run "$i"
    fi
    if has rss; then
        settle
        out=$(timed_get "${UPS[quay.io]}/v2/$REPO/blobs/sha256:$BLOB_HEX" "$BLOB_SIZE")
        record cold_s direct "$i" "${out%% *}"
    fi
done
for reg in quay.io docker.io; do stop_proc "upstream $reg"; done

# ---------------------------------------------------------------- report

write_env "stack:          supervisor $([[ -n $SUPERVISOR_JAVA_OPTS ]] && echo "opts '$SUPERVISOR_JAVA_OPTS'" || echo 'with default JVM options'), children with the supervisor's own options${ALL_JAVA_TOOL_OPTIONS:+; JAVA_TOOL_OPTIONS='$ALL_JAVA_TOOL_OPTIONS'}${STACK_ENV:+; env $STACK_ENV}; $SCHEME$([[ $STACK_TLS == 1 ]] && echo ' (self-signed certs.pem)'); CDS=$CDS" \
    "runs:           $RUNS; idle snapshot ${IDLE_SECS}s after ready; cold pull of a $BLOB_MIB MiB blob; exit codes after SIGTERM: ${STACK_EXIT_CODES[*]}" \
    "stock:          docker-registry $(docker-registry --version 2>/dev/null | awk '{ print $3 }') x2 (proxy.remoteurl, inmemory blobdescriptor cache)"
python3 "$HERE/summarize_suite.py" stack "$RAW" "$BLOB_MIB" >"$RESULTS_DIR/summary.txt"

print_report "startup output with ms stamps: stack-logs/"
