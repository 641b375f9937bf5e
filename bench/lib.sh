# shellcheck shell=bash
# Helpers shared by run-gateway-bench.sh and run-stack-bench.sh, with the conventions of
# run-node-bench.sh: everything on 127.0.0.1 on free ports, in a temporary folder removed by a
# trap; every process started here runs in its own session (process group) and is stopped on
# exit, failure or Ctrl-C; raw results as "metric subject run value" lines in raw.tsv.
#
# The sourcing script sets HERE, ROOT, RESULTS_DIR and KEEP_TMP, then calls bench_init NAME.

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
has() { [[ ",$MEASURE," == *",$1,"* ]]; }

need() { # tool...: each must be on the PATH
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null || die "$tool is missing"
    done
}

# ---------------------------------------------------------------- processes and cleanup

declare -A PIDS=()       # name -> pid, each the leader of its own process group
declare -A STOP_FIRST=() # name -> pid to send SIGTERM to first (e.g. the supervisor under a launcher)
declare -A SAMPLERS=()   # pid -> 1: background samplers (not process-group leaders)
TMP=

alive() { # pid: running (not gone, not a zombie)
    local st
    st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
    [[ -n $st && $st != Z ]]
}

group_alive() { # pgid: some process of the group is still running
    local p
    for p in $(pgrep -g "$1" 2>/dev/null); do
        alive "$p" && return 0
    done
    return 1
}

# stop_proc name [grace seconds=15]: SIGTERM to STOP_FIRST[name] if set (and wait for the group
# to end by itself), else to the whole process group; after the grace period, SIGKILL the group.
stop_proc() {
    local name=$1 grace=${2:-15} pid=${PIDS[$1]:-} first=${STOP_FIRST[$1]:-} i
    [[ -n $pid ]] || return 0
    unset "PIDS[$name]" "STOP_FIRST[$name]"
    if [[ -n $first ]] && alive "$first"; then
        kill -TERM "$first" 2>/dev/null || true
    else
        kill -TERM -- "-$pid" 2>/dev/null || true
    fi
    for ((i = 0; i < grace * 20; i++)); do
        group_alive "$pid" || break
        sleep 0.05
    done
    if group_alive "$pid"; then
        log "WARNING: $name (process group $pid) still running after ${grace}s; killing it"
        kill -KILL -- "-$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

stop_samplers() {
    local p
    for p in "${!SAMPLERS[@]}"; do
        kill -TERM "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    SAMPLERS=()
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    local name f
    stop_samplers
    for name in "${!PIDS[@]}"; do
        stop_proc "$name" 5
    done
    if [[ $rc != 0 && -n $TMP && -d $TMP ]]; then
        log "failed (exit $rc); last lines of the service logs:"
        for f in "$TMP"/logs/*.log; do
            [[ -f $f ]] || continue
            echo "---- $f" >&2
            tail -n 15 "$f" >&2
        done
        mkdir -p "$RESULTS_DIR/logs" && cp "$TMP"/logs/*.log "$RESULTS_DIR/logs/" 2>/dev/null || true
    fi
    if [[ -n $TMP && -d $TMP ]]; then
        if [[ $KEEP_TMP == 1 ]]; then
            log "kept $TMP"
        else
            rm -rf "$TMP"
        fi
    fi
    exit "$rc"
}

bench_settings() { # suite: LABEL, KEEP_TMP, STAMP, LOAD_BEFORE and RESULTS_DIR (unless set)
    LABEL=${LABEL:-}
    KEEP_TMP=${KEEP_TMP:-0}
    STAMP=$(date -u +%Y%m%dT%H%M%SZ)
    RESULTS_DIR=${RESULTS_DIR:-$HERE/results/$STAMP-$1${LABEL:+-$LABEL}}
    LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
}

bench_init() { # name: the temporary folder, the traps, the results folder and raw.tsv
    TMP=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
    chmod 755 "$TMP" # nginx workers may run as nobody
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    mkdir -p "$TMP/logs" "$RESULTS_DIR"
    RAW=$RESULTS_DIR/raw.tsv
    printf 'metric\tsubject\trun\tvalue\n' >"$RAW"
}

record() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$RAW"; }

# start_proc name logfile cmd...: runs cmd in a new session (so the whole group can be
# stopped), with an environment free of REGISTRY_* and the rest of ours; add variables with
# `env K=V` in cmd.
start_proc() {
    local name=$1 logf=$2
    shift 2
    setsid env -i PATH="$PATH" HOME="${HOME:-/root}" LANG=C.UTF-8 "$@" >"$logf" 2>&1 </dev/null &
    PIDS[$name]=$!
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_http() { # name url [curl options...]: until the url answers at all (any HTTP status)
    local name=$1 url=$2 i code
    shift 2
    for ((i = 0; i < 600; i++)); do
        alive "${PIDS[$name]}" || die "$name exited while starting"
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$@" "$url" || true)
        [[ $code != 000 ]] && return 0
        sleep 0.05
    done
    die "$name did not answer on $url"
}

mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; } # KiB -> MiB

# launch_timed.py's timings file ("key value" lines); START_TIMEOUT (seconds) bounds the waits
timing() { awk -v k="$2" '$1 == k { print $2; exit }' "$1" 2>/dev/null || true; } # file key

wait_timing() { # file key name: until the launcher noted key; fails when the command ended first
    local i v
    for ((i = 0; i < ${START_TIMEOUT:-60} * 100; i++)); do
        v=$(timing "$1" "$2")
        [[ -n $v ]] && { echo "$v"; return 0; }
        [[ -n $(timing "$1" exit_code) ]] && die "$3 exited (code $(timing "$1" exit_code)) before $2"
        sleep 0.01
    done
    die "$3: no $2 within ${START_TIMEOUT:-60}s"
}

secs() { awk -v m="$1" 'BEGIN { printf "%.3f", m / 1000 }'; } # ms -> s

# ---------------------------------------------------------------- process trees (rss_tree.py)

record_snapshot() { # prefix run root...: idle RSS/PSS per process and total
    local prefix=$1 run=$2 label rss pss n=0 snap
    shift 2
    snap=$(python3 "$HERE/rss_tree.py" snapshot "$@")
    while IFS=$'\t' read -r label rss pss _; do
        record rss_idle_MiB "$prefix $label" "$run" "$(mib "$rss")"
        record pss_idle_MiB "$prefix $label" "$run" "$(mib "$pss")"
        [[ $label == total ]] || n=$((n + 1))
    done <<<"$snap"
    record procs "$prefix" "$run" "$n"
    log "$prefix run $run idle RSS: $(awk -F'\t' '{ printf "%s %.0f MiB, ", $1, $2 / 1024 }' <<<"$snap" | sed 's/, $//')"
}

tree_cpu() { # root...: "<CPU s> <JIT CPU s>": user + system CPU seconds used so far by every
    # process of the trees, and by the JIT compiler threads among them
    python3 "$HERE/rss_tree.py" cpu "$@"
}

# ---------------------------------------------------------------- docker-registry and content

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

start_upstreams() { # registry...: one docker-registry each on a free port; UPS[registry] = its URL
    local reg port
    for reg in "$@"; do
        port=$(free_port)
        UPS[$reg]=http://127.0.0.1:$port
        registry_config "$TMP/upstream-$reg.yml" "$port" "$TMP/upstream-$reg"
        start_proc "upstream $reg" "$TMP/logs/upstream-$reg.log" docker-registry serve "$TMP/upstream-$reg.yml"
        wait_http "upstream $reg" "${UPS[$reg]}/v2/"
    done
}

sha() { sha256sum "$1" | cut -d' ' -f1; }

push_blob() { # upstream-url repo file hex: monolithic upload through the HTTP API
    local up=$1 repo=$2 file=$3 hex=$4 loc sep
    loc=$(curl -sS -f -X POST -D - -o /dev/null "$up/v2/$repo/blobs/uploads/" |
        awk 'tolower($1) == "location:" { print $2 }' | tr -d '\r')
    [[ -n $loc ]] || die "no upload location for $repo"
    [[ $loc == http* ]] || loc=$up$loc
    sep='?'
    [[ $loc == *\?* ]] && sep='&'
    curl -sS -f -o /dev/null -X PUT -H 'Expect:' -H 'Content-Type: application/octet-stream' \
        -T "$file" "$loc${sep}digest=sha256:$hex" || die "upload of $file failed"
}

OCI_MANIFEST=application/vnd.oci.image.manifest.v1+json

# push_image upstream-url repo tag layer-file dir [layer-file...]: pushes the layers, a config and
# an OCI manifest made for them; sets IMG_LAYER_HEX (the first layer's), IMG_CONFIG_HEX,
# IMG_MANIFEST_DIGEST and IMG_BYTES (layers, config and manifest) (files kept in dir)
push_image() {
    local up=$1 repo=$2 tag=$3 dir=$5 f hex size csize layers=() diffs=() descs=()
    layers=("$4" "${@:6}")
    mkdir -p "$dir"
    IMG_BYTES=0
    for f in "${layers[@]}"; do
        hex=$(sha "$f")
        size=$(stat -c %s "$f")
        push_blob "$up" "$repo" "$f" "$hex"
        diffs+=("\"sha256:$hex\"")
        descs+=("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"sha256:$hex\",\"size\":$size}")
        IMG_BYTES=$((IMG_BYTES + size))
    done
    IMG_LAYER_HEX=$(sha "$4")
    printf '{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":[%s]}}' \
        "$(IFS=,; echo "${diffs[*]}")" >"$dir/config.json"
    IMG_CONFIG_HEX=$(sha "$dir/config.json")
    csize=$(stat -c %s "$dir/config.json")
    push_blob "$up" "$repo" "$dir/config.json" "$IMG_CONFIG_HEX"
    printf '{"schemaVersion":2,"mediaType":"%s","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[%s]}' \
        "$OCI_MANIFEST" "$IMG_CONFIG_HEX" "$csize" "$(IFS=,; echo "${descs[*]}")" >"$dir/manifest.json"
    IMG_MANIFEST_DIGEST=sha256:$(sha "$dir/manifest.json")
    IMG_BYTES=$((IMG_BYTES + csize + $(stat -c %s "$dir/manifest.json")))
    curl -sS -f -o /dev/null -X PUT -H "Content-Type: $OCI_MANIFEST" --data-binary @"$dir/manifest.json" \
        "$up/v2/$repo/manifests/$tag" || die "manifest upload to $up/v2/$repo failed"
}

blob_file() { echo "$1/docker/registry/v2/blobs/sha256/${2:0:2}/$2/data"; }

# start_nginx port root [server-block]: nginx (one worker, sendfile) serving root on
# 127.0.0.1:port as PIDS[nginx], with one more server block if given (e.g. a TLS listener),
# its files in $TMP/nginx; returns once it answers
start_nginx() {
    local port=$1 root=$2 extra=${3:-}
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
        listen 127.0.0.1:$port;
        root $root;
    }
$extra
}
EOF
    start_proc nginx "$TMP/logs/nginx.log" nginx -e "$TMP/logs/nginx-error.log" -c "$TMP/nginx/nginx.conf" -p "$TMP/nginx"
    wait_http nginx "http://127.0.0.1:$port/"
}

# ---------------------------------------------------------------- clients

# timed_get url expected_size [curl options...]: prints "time_total speed_download http_version";
# fails on a bad status or size
timed_get() {
    local url=$1 want=$2 out code size t speed ver
    shift 2
    out=$(curl -sS -o /dev/null -w '%{http_code} %{size_download} %{time_total} %{speed_download} %{http_version}' "$@" "$url") ||
        die "GET $url failed"
    read -r code size t speed ver <<<"$out"
    [[ $code == 200 ]] || die "GET $url: HTTP $code"
    [[ $size == "$want" ]] || die "GET $url: $size bytes, expected $want"
    echo "$t $speed $ver"
}

check_digest() { # url hex [curl options...]: the served bytes hash to hex
    local url=$1 want=$2 got
    shift 2
    got=$(curl -sS -f "$@" "$url" | sha256sum | cut -d' ' -f1)
    [[ $got == "$want" ]] || die "GET $url served content with sha256 $got, expected $want"
}

# wrk_get out-file url [wrk options...]: GETs url with an OCI manifest Accept header for the
# given options (-t -c -d ...), wrk's output kept in out-file; prints "req/s p99-ms non-2xx-count"
# and warns about socket errors
wrk_get() {
    local f=$1 url=$2 rps bad p99
    shift 2
    wrk --latency -H "Accept: $OCI_MANIFEST" "$@" "$url" >"$f" 2>&1 || die "wrk failed: $(cat "$f")"
    rps=$(awk '/^Requests\/sec:/ { print $2 }' "$f")
    bad=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$f")
    p99=$(awk '$1 == "99%" { v = $2; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v) } else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 } print v }' "$f")
    [[ -n $rps ]] || die "no Requests/sec in $f"
    if grep -q 'Socket errors' "$f"; then log "WARNING: $url: $(grep 'Socket errors' "$f")"; fi
    echo "$rps ${p99:-0} ${bad:-0}"
}

settle() { sync; sleep "${1:-1}"; } # let the previous writes reach the disk before timing

cpu_busy() { # seconds: how many cores were busy (every process of the machine) over that time
    python3 -c '
import os, sys, time
def read():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    return sum(v), v[3] + v[4]
t1, i1 = read()
time.sleep(float(sys.argv[1]))
t2, i2 = read()
print(f"{(1 - (i2 - i1) / max(1, t2 - t1)) * os.cpu_count():.2f}")
' "$1"
}

# wait_quiet: called while our own processes are idle; waits (up to QUIET_MAX seconds) until the
# rest of the machine keeps at most QUIET_CPU cores busy, so that other people's builds do not
# end up in the figures; sets LAST_BUSY (cores busy in the last second) for the record
QUIET_CPU=${QUIET_CPU:-0.3}
QUIET_MAX=${QUIET_MAX:-180}
LAST_BUSY=
wait_quiet() {
    local i busy
    for ((i = 0; ; i++)); do
        busy=$(cpu_busy 1)
        if awk -v b="$busy" -v m="$QUIET_CPU" 'BEGIN { exit !(b <= m) }'; then
            LAST_BUSY=$busy
            return 0
        fi
        if ((i >= QUIET_MAX / 2)); then
            log "WARNING: still $busy cores busy after ${QUIET_MAX}s of waiting; measuring anyway"
            LAST_BUSY=$busy
            return 0
        fi
        ((i == 0)) && log "waiting for the machine to be quiet ($busy cores busy by other processes, want <= $QUIET_CPU)"
        sleep 1
    done
}

make_cert() { # dir: a self-signed certificate for 127.0.0.1: dir/cert.pem, dir/key.pem, dir/certs.pem
    mkdir -p "$1"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
        -addext subjectAltName=IP:127.0.0.1 -keyout "$1/key.pem" -out "$1/cert.pem" 2>/dev/null ||
        die "openssl could not make a certificate"
    cat "$1/cert.pem" "$1/key.pem" >"$1/certs.pem"
}

# ---------------------------------------------------------------- report

write_env() { # extra lines...: env.txt in the results folder
    {
        echo "date:           $STAMP${LABEL:+ ($LABEL)}"
        local src
        src=$(dirname "$JAR") # the jar's own checkout (JAR may come from a clone)
        echo "git:            $(git -C "$src" rev-parse --short HEAD 2>/dev/null)$(git -C "$src" diff --quiet 2>/dev/null || echo ' (+ uncommitted changes)') ($JAR, built $(stat -c %y "$JAR" 2>/dev/null | cut -d. -f1))"
        echo "java:           $JAVA_BIN: $("$JAVA_BIN" -version 2>&1 | head -n 2 | tail -n 1)"
        local line
        for line in "$@"; do echo "$line"; done
        echo "machine:        $(nproc) cores, $(uname -r), load before $LOAD_BEFORE, after $(cut -d' ' -f1-3 /proc/loadavg)"
    } >"$RESULTS_DIR/env.txt"
}

print_report() { # [note]: env.txt and summary.txt of the results folder, and where it is
    echo
    cat "$RESULTS_DIR/env.txt"
    echo
    cat "$RESULTS_DIR/summary.txt"
    echo
    echo "raw results: $RESULTS_DIR${1:+ ($1)}"
}
