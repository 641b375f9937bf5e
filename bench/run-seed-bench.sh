#!/usr/bin/env bash
# "The original as the anchor": our whole stack (the supervisor with its node JVMs, gateway, logger
# and cleaner, from `java -jar`) side by side with the original project's architecture (the
# "seed", manuvaldi/registry-cache) assembled from the same stock parts on this machine: Debian's
# haproxy terminating TLS with one certs.pem and routing /v2/<registry>/... to one docker-registry
# proxy per registry, configured as the original's container/haproxy/haproxy.cfg and
# container/toolbox/generate-config.sh and config-base.yaml did (see seed_haproxy_config below for
# what differs). Not a test: it prints medians and ratios (ours / seed) and writes the raw results
# to bench/results/<stamp>-seed[-LABEL]/.
#
# Two registries, quay.io and docker.io, each with its own upstream: a plain docker-registry
# serving what this script pushes (a BLOB_MIB single-layer image on quay.io, an image of
# IMAGE_LAYERS_MIB layers on docker.io). Runs alternate: ours, seed, ours, seed... (RUNS each,
# after a first start of each that is only timed, "first start", and makes our class-data
# archives, kept from then on as on a host); every run starts its side fresh with an empty
# datastore and measures, over TLS:
#   start     from the exec to the first 200 on GET https://127.0.0.1:PORT/v2/ (polled every 10 ms)
#   idle      RSS (and PSS) of every process of the side, IDLE_SECS after that 200
#   pull      `skopeo copy docker://127.0.0.1:PORT/docker.io/<repo>:latest dir:...` cold (nothing
#             cached) and warm (again, to a new folder): wall time
#   blob      `curl --http1.1` GET of the BLOB_MIB blob of quay.io/<repo>, cold and warm: wall time
#   pull2     a cold pull of a second image (layers of the same sizes, other bytes) after those
#             transfers: the cold pull again, with the JIT's work done ("first pull" against this)
#   CPU/GB    for each of those four transfers, the user + system CPU time (/proc/<pid>/stat) of
#             every process of the side from right before the client starts until the side is idle
#             again (so a proxy's copy that goes on after the response counts), divided by the
#             bytes served (GB = 10^9 bytes); and the part of it used by JIT compiler threads
#             (C1/C2 CompilerThread: our JVMs compile while serving their first requests), and the
#             part used by the process that terminates TLS (our gateway; the seed's haproxy)
#   manifest  requests per second by tag and by digest for the docker.io image (wrk, WRK_SECS each,
#             after the pulls, so both are cached); for the seed also through a second haproxy
#             frontend that keeps connections alive ("seed keep-alive"): the original's
#             `option httpclose` makes every request a new TLS connection
#
# Everything runs on 127.0.0.1 on free ports in a temporary folder that is removed at the end;
# every process started here is stopped on exit, failure or Ctrl-C.
#
# Environment (all optional):
#   RUNS=5                 measured runs of each side (medians are reported)
#   BLOB_MIB=512           the single-layer blob for the curl GETs
#   IMAGE_LAYERS_MIB="2 10 40 76"   the layers of the image pulled with skopeo (MiB, random data)
#   IDLE_SECS=5            wait after the first 200 before the idle snapshot
#   WRK_SECS=5 WRK_THREADS=2 WRK_CONNS=16   manifest requests
#   SEED_KEEPALIVE=1       0: no keep-alive frontend on the seed's haproxy
#   SUPERVISOR_JAVA_OPTS="-XX:+UnlockDiagnosticVMOptions -XX:ArchiveRelocationMode=0 -XX:+UseSerialGC -Xms2m -Xmn1m -Xmx48m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 -XX:TieredStopAtLevel=1 -XX:TrimNativeHeapInterval=3000"
#                          the supervisor JVM's options, by default those of docker/Containerfile
#   JAVA_BIN=java  JAR=supervisor/target/registry-cache.jar (copied at start)  START_TIMEOUT=60
#   OURS_ENV=              more environment for our stack, e.g. "WARMUP_MIB=0"
#   BEFORE_JAR=            a third side, "before": our stack from this jar (another build, e.g. main
#                          before a change), started and measured like ours, in turn with the others
#                          (ours, before, seed, ours...), with its own data dir and archives
#   BEFORE_ENV=            more environment for the "before" side
#   CPU_SETTLE_MAX=20      at most this many seconds of waiting for a side to be idle after a transfer
#   QUIET_CPU=0.3 QUIET_MAX=180   before each run, wait (at most QUIET_MAX s) until the other
#                          processes of the machine keep at most QUIET_CPU cores busy
#   TRAIN=0                1: our first start (run 0) also pulls the image and GETs the blob, cold and
#                          warm, before it stops, so the class-data archives (JDK 25: the AOT cache
#                          with method profiles) it writes at exit were trained on that workload
#   RESULTS_DIR=bench/results/<UTC stamp>-seed[-LABEL]   LABEL=   KEEP_TMP=0
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"

RUNS=${RUNS:-5}
BLOB_MIB=${BLOB_MIB:-512}
IMAGE_LAYERS_MIB=${IMAGE_LAYERS_MIB:-2 10 40 76}
IDLE_SECS=${IDLE_SECS:-5}
TRAIN=${TRAIN:-0}
WRK_SECS=${WRK_SECS:-5}
WRK_THREADS=${WRK_THREADS:-2}
WRK_CONNS=${WRK_CONNS:-16}
SEED_KEEPALIVE=${SEED_KEEPALIVE:-1}
SUPERVISOR_JAVA_OPTS=${SUPERVISOR_JAVA_OPTS-"-XX:+UnlockDiagnosticVMOptions -XX:ArchiveRelocationMode=0 -XX:+UseSerialGC -Xms2m -Xmn1m -Xmx48m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 -XX:TieredStopAtLevel=1 -XX:TrimNativeHeapInterval=3000"}
JAVA_BIN=${JAVA_BIN:-java}
JAR=${JAR:-$ROOT/supervisor/target/registry-cache.jar}
OURS_ENV=${OURS_ENV:-}
BEFORE_JAR=${BEFORE_JAR:-}
BEFORE_ENV=${BEFORE_ENV:-}
START_TIMEOUT=${START_TIMEOUT:-60}
CPU_SETTLE_MAX=${CPU_SETTLE_MAX:-20}
bench_settings seed

REGISTRIES=(quay.io docker.io)
BLOB_REPO=test/big    # on the quay.io upstream: the BLOB_MIB layer
IMAGE_REPO=test/image # on the docker.io upstream: the image pulled with skopeo
IMAGE2_REPO=test/image2 # the same layer sizes, other bytes: a cold pull on a side that served before

need curl python3 docker-registry haproxy skopeo wrk sha256sum setsid openssl pgrep
command -v "$JAVA_BIN" >/dev/null || die "JAVA_BIN=$JAVA_BIN not found"
JAVA_BIN=$(command -v "$JAVA_BIN")
[[ -f $JAR ]] || die "$JAR not found; build it with: mvn -B -q package -DskipTests"

bench_init seed-bench
cp "$JAR" "$TMP/ours.jar"
SIDES=(ours seed)
if [[ -n $BEFORE_JAR ]]; then
    [[ -f $BEFORE_JAR ]] || die "BEFORE_JAR $BEFORE_JAR not found"
    cp "$BEFORE_JAR" "$TMP/before.jar"
    SIDES=(ours before seed)
fi
declare -A SIDE_ENV=([ours]=$OURS_ENV [before]=$BEFORE_ENV)
make_cert "$TMP/tls"
CERTS=$TMP/tls/certs.pem
CACERT=$TMP/tls/cert.pem

# ---------------------------------------------------------------- upstreams and content

declare -A UPS=()
start_upstreams "${REGISTRIES[@]}"
log "upstreams: quay.io ${UPS[quay.io]}, docker.io ${UPS[docker.io]}"

log "generating and pushing a ${BLOB_MIB} MiB blob and an image of layers of $IMAGE_LAYERS_MIB MiB"
BLOB_SIZE=$((BLOB_MIB * 1024 * 1024))
head -c "$BLOB_SIZE" /dev/urandom >"$TMP/blob"
push_image "${UPS[quay.io]}" "$BLOB_REPO" latest "$TMP/blob" "$TMP/blob-image"
BLOB_HEX=$IMG_LAYER_HEX
rm -f "$TMP/blob" # the upstream holds its copy
layers=()
for m in $IMAGE_LAYERS_MIB; do
    head -c $((m * 1024 * 1024)) /dev/urandom >"$TMP/layer-${#layers[@]}"
    layers+=("$TMP/layer-${#layers[@]}")
done
push_image "${UPS[docker.io]}" "$IMAGE_REPO" latest "${layers[0]}" "$TMP/image" "${layers[@]:1}"
IMAGE_DIGEST=$IMG_MANIFEST_DIGEST
IMAGE_BYTES=$IMG_BYTES
rm -f "${layers[@]}"
# the second image: layers of the same sizes, other bytes, pulled cold once the side is JIT-warm
layers2=()
for m in $IMAGE_LAYERS_MIB; do
    head -c $((m * 1024 * 1024)) /dev/urandom >"$TMP/layer2-${#layers2[@]}"
    layers2+=("$TMP/layer2-${#layers2[@]}")
done
push_image "${UPS[docker.io]}" "$IMAGE2_REPO" latest "${layers2[0]}" "$TMP/image2" "${layers2[@]:1}"
IMAGE2_BYTES=$IMG_BYTES
rm -f "${layers2[@]}"
log "pushed quay.io/$BLOB_REPO (blob sha256:$BLOB_HEX) and docker.io/$IMAGE_REPO ($IMAGE_DIGEST, $IMAGE_BYTES bytes)"

echo '{"auths":{"quay.io":{},"docker.io":{}}}' >"$TMP/ps.json"

# ---------------------------------------------------------------- the seed's configuration

declare -A SEED_PORTS=()
for reg in "${REGISTRIES[@]}"; do SEED_PORTS[$reg]=$(free_port); done

# seed_registry_config file port debug-port rootdir remoteurl service: the original's
# config-base.yaml (its addresses on 127.0.0.1) with generate-config.sh's proxy section, less the
# notifications to the original's logger.py, which is not part of this setup
seed_registry_config() {
    cat >"$1" <<EOF
version: 0.1
log:
  accesslog:
    disabled: true
  level: warn
  fields:
    service: $6
storage:
  filesystem:
    rootdirectory: $4
  delete:
    enabled: false
http:
  addr: 127.0.0.1:$2
  headers:
    X-Content-Type-Options: [nosniff]
  debug:
    addr: 127.0.0.1:$3
health:
  storagedriver:
    enabled: true
    interval: 10s
    threshold: 3
proxy:
  remoteurl: $5
EOF
}

# seed_haproxy_config file: the original's haproxy.cfg with generate-config.sh's rules and
# backends, for haproxy 2.6: `reqadd` -> `http-request add-header`, `reqrep` ->
# `http-request replace-path` (same expression); the certificate and the addresses are ours; no
# `log` lines (the original sent every request's line to an rsyslogd, not part of this setup);
# `option httpclose` moved from `defaults` to the frontend (same effect there), so that the
# optional second frontend (SEED_KEEPALIVE=1) can keep connections alive.
seed_haproxy_config() {
    local f=$1 name port reg last regs
    # generate-config.sh: registries sorted by the length of their name, longest first; the last
    # one is the default backend (which answers /v2/)
    regs=$(printf '%s\n' "${REGISTRIES[@]}" | sort | awk '{ print length($0) "\t" $0 }' | sort -s -n -k1,1 -r | cut -f2)
    last=$(tail -n 1 <<<"$regs")
    cat >"$f" <<EOF
global
    maxconn                   2048
    tune.ssl.default-dh-param 2048

defaults
    mode                    http
    option                  dontlognull
    option forwardfor       except 127.0.0.0/8
    option                  redispatch
    retries                 3
    timeout http-request    10s
    timeout queue           1m
    timeout connect         10s
    timeout client          1m
    timeout server          1m
    timeout http-keep-alive 10s
    timeout check           10s
EOF
    for name in global keepalive; do
        if [[ $name == global ]]; then
            port=$SEED_PORT
        else
            [[ $SEED_KEEPALIVE == 1 ]] || continue
            port=$SEED_KA_PORT
        fi
        {
            echo
            echo "frontend $name"
            echo "    bind 127.0.0.1:$port ssl crt $CERTS"
            [[ $name == global ]] && echo "    option httpclose"
            echo "    http-request redirect scheme https unless { ssl_fc }"
            echo "    http-request add-header X-Forwarded-Port $port"
            echo "    http-request add-header X-Forwarded-Proto https"
            echo "    http-request add-header X-Forwarded-Scheme https"
            for reg in $regs; do
                echo "    use_backend $reg if { path_reg ^(?:/v2)?/$reg }"
            done
            echo "    default_backend $last"
        } >>"$f"
    done
    for reg in $regs; do
        printf '\nbackend %s\n    http-request replace-path ^(.*)/v2/[a-z0-9.]*/(.*) \\1/v2/\\2\n    server registry_backend 127.0.0.1:%s\n' \
            "$reg" "${SEED_PORTS[$reg]}" >>"$f"
    done
}

SEED_PORT=$(free_port)
SEED_KA_PORT=$(free_port)
seed_haproxy_config "$TMP/haproxy.cfg"
haproxy -c -f "$TMP/haproxy.cfg" >"$TMP/logs/haproxy-check.log" 2>&1 || die "haproxy rejects its configuration: $(cat "$TMP/logs/haproxy-check.log")"
cp "$TMP/haproxy.cfg" "$RESULTS_DIR/seed-haproxy.cfg"

declare -A PORTS=([ours]=$(free_port) [before]=$(free_port) [seed]=$SEED_PORT)
declare -A BASE HOSTPORT
for side in ours before seed; do
    BASE[$side]=https://127.0.0.1:${PORTS[$side]}
    HOSTPORT[$side]=127.0.0.1:${PORTS[$side]}
done

# ---------------------------------------------------------------- starting and stopping a side

ROOTS=() # pid=label of the processes whose trees make the running side

start_side() { # side run subject: starts it fresh and records start_v2_s
    local side=$1 run=$2 subject=$3 tf=$TMP/$1-$2.timings pid probe reg cfgs=()
    rm -f "$tf"
    if [[ $side != seed ]]; then
        # an empty datastore each run; the class-data archives (<data-dir>/.jvm-cds) and LOG_DIR
        # stay, as on a host whose data dir is a volume that outlives the process
        mkdir -p "$TMP/$side-data" "$TMP/$side-logdir"
        find "$TMP/$side-data" -mindepth 1 -maxdepth 1 ! -name .jvm-cds -exec rm -rf {} +
        # shellcheck disable=SC2086 # SUPERVISOR_JAVA_OPTS and SIDE_ENV are lists
        start_proc "$side" "$TMP/logs/$side-launcher-$run.log" env PULL_SECRET="$TMP/ps.json" DATA_DIR="$TMP/$side-data" \
            LOG_DIR="$TMP/$side-logdir" PORT="${PORTS[$side]}" CERTS="$CERTS" \
            UPSTREAM_ENDPOINTS="quay.io=${UPS[quay.io]} docker.io=${UPS[docker.io]}" ${SIDE_ENV[$side]} \
            python3 "$HERE/launch_timed.py" --log "$TMP/logs/$side-$run.log" --timings "$tf" \
            --probe "${BASE[$side]}/v2/" --cacert "$CACERT" \
            -- "$JAVA_BIN" $SUPERVISOR_JAVA_OPTS -jar "$TMP/$side.jar"
        pid=$(wait_timing "$tf" pid "$side")
        STOP_FIRST[$side]=$pid
        ROOTS=("$pid=supervisor")
    else
        # as the original's supervisord: one docker-registry per registry and haproxy (without the
        # original's `sleep 10` before haproxy), started together; start_proc's `env -i` keeps
        # every REGISTRY_* variable (which docker-registry would read as configuration) away
        for reg in "${REGISTRIES[@]}"; do
            rm -rf "$TMP/seed-$reg"
            seed_registry_config "$TMP/registry-$reg.yml" "${SEED_PORTS[$reg]}" "$(free_port)" "$TMP/seed-$reg" \
                "${UPS[$reg]}" "$reg"
            cfgs+=("$TMP/registry-$reg.yml")
        done
        start_proc seed "$TMP/logs/seed-launcher-$run.log" python3 "$HERE/launch_timed.py" --log "$TMP/logs/seed-$run.log" \
            --timings "$tf" --probe "${BASE[seed]}/v2/" --cacert "$CACERT" \
            -- bash -c 'for c in "${@:2}"; do docker-registry serve "$c" & done; exec haproxy -f "$1"' seed \
            "$TMP/haproxy.cfg" "${cfgs[@]}"
        pid=$(wait_timing "$tf" pid seed)
        ROOTS=("$pid=haproxy")
    fi
    probe=$(wait_timing "$tf" probe_ms "$side")
    record start_v2_s "$subject" "$run" "$(secs "$probe")"
    log "$subject run $run: GET /v2/ 200 at $(secs "$probe") s"
}

stop_side() { # side run
    stop_proc "$1" 40
    cp "$TMP/logs/$1-$2.log" "$RESULTS_DIR/logs/" 2>/dev/null || true
}

# ---------------------------------------------------------------- measuring a side

# cpu_idle root...: waits until the trees are idle again (less than 20 ms of CPU in 0.5 s), at
# most CPU_SETTLE_MAX seconds
cpu_idle() {
    local a b i
    b=$(tree_cpu "$@")
    for ((i = 0; i < CPU_SETTLE_MAX * 2; i++)); do
        a=$b
        sleep 0.5
        b=$(tree_cpu "$@")
        awk -v a="${a%% *}" -v b="${b%% *}" 'BEGIN { exit !(b - a < 0.02) }' && return 0
    done
    log "WARNING: still busy ${CPU_SETTLE_MAX}s after a transfer"
}

front_cpu() { # CPU seconds so far of the side's TLS front: our gateway, the seed's haproxy
    python3 "$HERE/rss_tree.py" snapshot "${ROOTS[@]}" | awk -F'\t' '$1 == "gateway" || $1 == "haproxy" { c += $4 } END { printf "%.2f", c }'
}

# transfer side run kind bytes cmd...: runs the client cmd; records <kind>_s (its wall time),
# cpu_<kind>_s_per_GB (the side's CPU time until idle again, per 10^9 bytes served) and
# jit_<kind>_s_per_GB (the part of it the JIT compiler threads used) and front_<kind>_s_per_GB (the
# part used by the process that terminates TLS: our gateway, the seed's haproxy)
transfer() {
    local side=$1 run=$2 kind=$3 bytes=$4 c0 c1 f0 f1 t0 t1 t cpg jpg
    shift 4
    settle
    f0=$(front_cpu)
    c0=$(tree_cpu "${ROOTS[@]}")
    t0=$(date +%s%N)
    "$@" || die "$side run $run: $kind failed"
    t1=$(date +%s%N)
    cpu_idle "${ROOTS[@]}"
    c1=$(tree_cpu "${ROOTS[@]}")
    f1=$(front_cpu)
    t=$(awk -v n=$((t1 - t0)) 'BEGIN { printf "%.3f", n / 1e9 }')
    per_gb() { awk -v a="$1" -v b="$2" -v n="$bytes" 'BEGIN { printf "%.3f", (b - a) / (n / 1e9) }'; }
    cpg=$(per_gb "${c0%% *}" "${c1%% *}")
    jpg=$(per_gb "${c0##* }" "${c1##* }")
    record "${kind}_s" "$side" "$run" "$t"
    record "cpu_${kind}_s_per_GB" "$side" "$run" "$cpg"
    record "jit_${kind}_s_per_GB" "$side" "$run" "$jpg"
    record "front_${kind}_s_per_GB" "$side" "$run" "$(per_gb "$f0" "$f1")"
    log "$side run $run: $kind $t s, server CPU $(awk -v a="${c0%% *}" -v b="${c1%% *}" 'BEGIN { printf "%.2f", b - a }') s ($cpg s/GB, JIT $jpg s/GB)"
}

pull() { # side dest [repo]: skopeo copy of the docker.io image to a dir: destination
    rm -rf "$2"
    skopeo --insecure-policy copy --quiet --src-tls-verify=false \
        "docker://${HOSTPORT[$1]}/docker.io/${3:-$IMAGE_REPO}:latest" "dir:$2" >>"$TMP/logs/skopeo.log" 2>&1
}

blob_get() { # side
    timed_get "${BASE[$1]}/v2/quay.io/$BLOB_REPO/blobs/sha256:$BLOB_HEX" "$BLOB_SIZE" --http1.1 --cacert "$CACERT" >/dev/null
}

manifests() { # side run subject base-url: wrk by tag and by digest
    local side=$1 run=$2 subject=$3 base=$4 kind ref out rps p99 bad
    for kind in tag digest; do
        ref=latest
        [[ $kind == digest ]] && ref=$IMAGE_DIGEST
        out=$(wrk_get "$RESULTS_DIR/wrk/${subject// /-}-$kind-$run.txt" "$base/v2/docker.io/$IMAGE_REPO/manifests/$ref" \
            -t"$WRK_THREADS" -c"$WRK_CONNS" -d"${WRK_SECS}s")
        read -r rps p99 bad <<<"$out"
        record "manifest_${kind}_rps" "$subject" "$run" "$rps"
        record "manifest_${kind}_p99_ms" "$subject" "$run" "$p99"
        if [[ $bad != 0 ]]; then
            record "manifest_${kind}_non2xx" "$subject" "$run" "$bad"
            log "WARNING: $subject run $run: $bad of the manifest requests by $kind were answered with an error"
        fi
        log "$subject run $run: manifest by $kind $rps req/s (p99 $p99 ms)"
    done
}

check_side() { # side: what each side serves is what the upstreams hold
    local side=$1 got
    got=$(curl -sS -f --cacert "$CACERT" -H "Accept: $OCI_MANIFEST" "${BASE[$side]}/v2/docker.io/$IMAGE_REPO/manifests/latest" |
        sha256sum | cut -d' ' -f1)
    [[ sha256:$got == "$IMAGE_DIGEST" ]] || die "$side: GET docker.io/$IMAGE_REPO:latest served other bytes"
    check_digest "${BASE[$side]}/v2/quay.io/$BLOB_REPO/blobs/sha256:$BLOB_HEX" "$BLOB_HEX" --cacert "$CACERT"
    [[ sha256:$(sha "$TMP/pull/$side-warm/manifest.json") == "$IMAGE_DIGEST" ]] ||
        die "$side: skopeo stored another manifest"
}

side_run() { # side run
    local side=$1 run=$2
    settle
    wait_quiet
    record busy_cores "before $side run" "$run" "$LAST_BUSY"
    if [[ $run == 0 ]]; then # the first start: timings only (and, with TRAIN=1, the training workload)
        start_side "$side" 0 "$side first start"
        if [[ $TRAIN == 1 && $side != seed ]]; then
            mkdir -p "$TMP/pull"
            transfer "$side first start" 0 pull_cold "$IMAGE_BYTES" pull "$side" "$TMP/pull/train-cold"
            transfer "$side first start" 0 pull_warm "$IMAGE_BYTES" pull "$side" "$TMP/pull/train-warm"
            transfer "$side first start" 0 blob_cold "$BLOB_SIZE" blob_get "$side"
            transfer "$side first start" 0 blob_warm "$BLOB_SIZE" blob_get "$side"
            rm -rf "$TMP/pull"
        fi
        stop_side "$side" 0
        return 0
    fi
    start_side "$side" "$run" "$side"
    sleep "$IDLE_SECS"
    record_snapshot "$side" "$run" "${ROOTS[@]}"
    mkdir -p "$TMP/pull"
    transfer "$side" "$run" pull_cold "$IMAGE_BYTES" pull "$side" "$TMP/pull/$side-cold"
    transfer "$side" "$run" pull_warm "$IMAGE_BYTES" pull "$side" "$TMP/pull/$side-warm"
    transfer "$side" "$run" blob_cold "$BLOB_SIZE" blob_get "$side"
    transfer "$side" "$run" blob_warm "$BLOB_SIZE" blob_get "$side"
    transfer "$side" "$run" pull_cold2 "$IMAGE2_BYTES" pull "$side" "$TMP/pull/$side-cold2" "$IMAGE2_REPO"
    [[ $run == 1 ]] && check_side "$side"
    rm -rf "$TMP/pull"
    manifests "$side" "$run" "$side" "${BASE[$side]}"
    if [[ $side == seed && $SEED_KEEPALIVE == 1 ]]; then
        manifests "$side" "$run" "seed keep-alive" "https://127.0.0.1:$SEED_KA_PORT"
    fi
    stop_side "$side" "$run"
}

# ---------------------------------------------------------------- the runs

mkdir -p "$RESULTS_DIR/wrk" "$RESULTS_DIR/logs"
for ((i = 0; i <= RUNS; i++)); do
    for side in "${SIDES[@]}"; do
        side_run "$side" "$i"
    done
done
for reg in "${REGISTRIES[@]}"; do stop_proc "upstream $reg"; done

# ---------------------------------------------------------------- report

write_env "ours:           supervisor $([[ -n $SUPERVISOR_JAVA_OPTS ]] && echo "opts '$SUPERVISOR_JAVA_OPTS'" || echo 'with default JVM options'); TLS (self-signed certs.pem)${OURS_ENV:+; env $OURS_ENV}" \
    "before:         ${BEFORE_JAR:-(none)}${BEFORE_ENV:+; env $BEFORE_ENV}" \
    "seed:           $(haproxy -v | head -n 1 | cut -d' ' -f1-3) (TLS, option httpclose$([[ $SEED_KEEPALIVE == 1 ]] && echo '; keep-alive frontend too')) + docker-registry $(docker-registry --version 2>/dev/null | awk '{ print $3 }') x${#REGISTRIES[@]} (proxy.remoteurl); config: seed-haproxy.cfg" \
    "runs:           $RUNS each, alternating; image $IMAGE_BYTES bytes (layers $IMAGE_LAYERS_MIB MiB) with $(skopeo --version); blob $BLOB_MIB MiB with curl --http1.1; wrk -t$WRK_THREADS -c$WRK_CONNS -d${WRK_SECS}s"
python3 "$HERE/summarize_suite.py" seed "$RAW" "$BLOB_MIB" >"$RESULTS_DIR/summary.txt"

print_report
