#!/usr/bin/env bash
# Benchmark of the single image as users run it, beside the same supervisor started bare from the
# jar (the figures the README gives for the stack). Not a test: prints medians, writes raw results
# to bench/results/<stamp>-image/.
#
#   size      the image, its base, what it adds to the base (our layers), and for comparison the
#             same jar on Debian's full JRE 17 (openjdk-17-jre-headless on the same base: a stand-in
#             for a temurin:17-jre based image) and the stock registry's binary (Debian's
#             docker-registry; the public registry:2 image is that binary on Alpine)
#   ready     from `podman run -d` (resp. the exec of `java -jar`) to the first 200 on GET /v2/
#             over TLS, and to the supervisor's "ready in" line
#   rss       IDLE_SECS after ready: VmRSS of every process of the stack (the container's are its
#             PID 1 and descendants, seen from the host), and the container's cgroup memory
#             (rss + mapped files, what `podman stats` shows without the page cache)
#   stop      from `podman stop` (resp. SIGTERM) to the end, and the exit code
#
# Runs alternate: container, bare, container, bare... Two registries (quay.io, docker.io), TLS, no
# client auth, an empty datastore each run (the class-data archives in DATA_DIR/.jvm-cds are kept,
# as on a host's volume). Needs podman able to build and run the image (see docker/Containerfile).
#
# Environment: RUNS=5 IDLE_SECS=5 IMAGE=localhost/registry-cache:bench BUILD_ARGS="" LABEL= KEEP_TMP=0
#              JAR=supervisor/target/registry-cache.jar
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"

RUNS=${RUNS:-5}
IDLE_SECS=${IDLE_SECS:-5}
IMAGE=${IMAGE:-localhost/registry-cache:bench}
BUILD_ARGS=${BUILD_ARGS:-}
JAR=${JAR:-$ROOT/supervisor/target/registry-cache.jar}
JAVA_BIN=$(command -v java)
MEASURE=
bench_settings image
SUPERVISOR_OPTS=(-XX:+UnlockDiagnosticVMOptions -XX:ArchiveRelocationMode=0 -XX:+UseSerialGC -Xms2m -Xmn1m -Xmx48m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 -XX:TieredStopAtLevel=1 -XX:TrimNativeHeapInterval=3000) # the image's ENTRYPOINT
CONTAINER=registry-cache-bench-$$

need podman curl python3 openssl
[[ -f $JAR ]] || die "$JAR not found; build it with: mvn -B -q package -DskipTests"
bench_init image-bench
cleanup_container() { podman rm -f -t 0 "$CONTAINER" >/dev/null 2>&1 || true; }
trap 'cleanup_container; cleanup' EXIT

# ---------------------------------------------------------------- sizes
log "building $IMAGE (--target prebuilt $BUILD_ARGS)"
# shellcheck disable=SC2086
(cd "$ROOT" && podman build -q --format docker -f docker/Containerfile --target prebuilt $BUILD_ARGS -t "$IMAGE" . >/dev/null)
base=$(sed -n 's/^ARG BASE_IMAGE=//p' "$ROOT/docker/Containerfile")
size() { podman image inspect "$1" --format '{{.Size}}'; }
record size image 0 "$(size "$IMAGE")"
record size base 0 "$(size "$base")"
mkdir -p "$TMP/jre-variant"
cp "$JAR" "$TMP/jre-variant/registry-cache.jar"
printf 'FROM %s\nRUN apt-get update && apt-get install -y --no-install-recommends openjdk-17-jre-headless && rm -rf /var/lib/apt/lists/*\nCOPY registry-cache.jar /opt/registry-cache/registry-cache.jar\n' "$base" \
    >"$TMP/jre-variant/Containerfile"
log "building the comparison image: the jar on Debian's openjdk-17-jre-headless over $base"
podman build -q -t localhost/registry-cache-bench-fulljre:1 "$TMP/jre-variant" >/dev/null
record size full-jre 0 "$(size localhost/registry-cache-bench-fulljre:1)"
podman rmi -f localhost/registry-cache-bench-fulljre:1 >/dev/null 2>&1 || true
command -v docker-registry >/dev/null && record size docker-registry-binary 0 "$(stat -c %s "$(command -v docker-registry)")"

# ---------------------------------------------------------------- setup
declare -A UPS=()
start_upstreams quay.io docker.io
make_cert "$TMP/certs"
echo '{"auths":{"quay.io":{},"docker.io":{}}}' >"$TMP/pull-secret.json"
ENDPOINTS="quay.io=${UPS[quay.io]} docker.io=${UPS[docker.io]}"
mkdir -p "$TMP/c-data" "$TMP/c-logs" "$TMP/b-data" "$TMP/b-logs"
chown 1001:1001 "$TMP/c-data" "$TMP/c-logs"

now_ms() { date +%s%3N; }
await_200() { # url: ms when it answered 200, or dies after 120 s
    local i
    for ((i = 0; i < 12000; i++)); do
        [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 1 --cacert "$TMP/certs/cert.pem" "$1" || true) == 200 ]] && { now_ms; return; }
        sleep 0.01
    done
    die "no 200 from $1"
}
await_line() { # command text: until the command's output holds the text
    local i
    for ((i = 0; i < 1200; i++)); do
        "${@:1:$#-1}" 2>/dev/null | grep -q "${*: -1}" && return 0
        sleep 0.1
    done
    die "no '${*: -1}'"
}
rss_total() { python3 "$HERE/rss_tree.py" snapshot "$1" | awk -F'\t' '$1 == "total" { print $2 }'; }

run_container() { # run
    local run=$1 port t0 t200 pid cg rss
    rm -rf "${TMP:?}/c-data/docker" "$TMP/c-logs"/*
    port=$(free_port)
    t0=$(now_ms)
    # as the README runs it: a published port (the container's own network); nothing here needs the upstreams
    podman run -d --name "$CONTAINER" -p "127.0.0.1:$port:8443" -e "UPSTREAM_ENDPOINTS=$ENDPOINTS" \
        -v "$TMP/c-data:/var/lib/registry:Z" -v "$TMP/c-logs:/var/log/registry-cache:Z" -v "$TMP/certs:/certs:Z" \
        -v "$TMP/pull-secret.json:/pull-secret.json:Z" "$IMAGE" >/dev/null 2>"$TMP/logs/podman-run.log"
    t200=$(await_200 "https://127.0.0.1:$port/v2/")
    record ready-200-ms container "$run" $((t200 - t0))
    await_line podman logs "$CONTAINER" "registry-cache ready in"
    record ready-line-ms container "$run" "$(podman logs "$CONTAINER" 2>&1 | sed -n 's/.*registry-cache ready in \([0-9]*\) ms.*/\1/p' | head -1)"
    sleep "$IDLE_SECS"
    pid=$(podman inspect "$CONTAINER" --format '{{.State.Pid}}')
    rss=$(rss_total "$pid")
    record idle-rss-kib container "$run" "$rss"
    cg=$(grep -l "" /sys/fs/cgroup/memory/libpod_parent/libpod-"$(podman inspect "$CONTAINER" --format '{{.Id}}')"/memory.stat 2>/dev/null || true)
    if [[ -n $cg ]]; then
        record cgroup-rss-kib container "$run" "$(awk '$1 == "total_rss" { r = $2 } $1 == "total_mapped_file" { m = $2 } END { print int((r + m) / 1024) }' "$cg")"
    fi
    t0=$(now_ms)
    podman stop -t 10 "$CONTAINER" >/dev/null 2>&1
    record stop-ms container "$run" $(($(now_ms) - t0))
    record stop-exit container "$run" "$(podman inspect "$CONTAINER" --format '{{.State.ExitCode}}')"
    podman rm -f "$CONTAINER" >/dev/null 2>&1
}

run_bare() { # run
    local run=$1 port t0 t200 pid sup rc
    rm -rf "${TMP:?}/b-data/docker" "$TMP/b-logs"/*
    port=$(free_port)
    t0=$(now_ms)
    start_proc bare "$TMP/logs/bare-$run.log" env PORT="$port" "UPSTREAM_ENDPOINTS=$ENDPOINTS" PULL_SECRET="$TMP/pull-secret.json" \
        DATA_DIR="$TMP/b-data" LOG_DIR="$TMP/b-logs" CERTS="$TMP/certs/certs.pem" "$JAVA_BIN" "${SUPERVISOR_OPTS[@]}" -jar "$JAR"
    t200=$(await_200 "https://127.0.0.1:$port/v2/")
    record ready-200-ms bare "$run" $((t200 - t0))
    await_line cat "$TMP/logs/bare-$run.log" "registry-cache ready in"
    record ready-line-ms bare "$run" "$(sed -n 's/.*registry-cache ready in \([0-9]*\) ms.*/\1/p' "$TMP/logs/bare-$run.log" | head -1)"
    sleep "$IDLE_SECS"
    pid=${PIDS[bare]}
    sup=$(pgrep -f -- "-jar $JAR" | head -1) # the children run with -cp
    record idle-rss-kib bare "$run" "$(rss_total "$sup")"
    t0=$(now_ms)
    kill -TERM "$sup"
    rc=0
    wait "$pid" || rc=$?
    unset "PIDS[bare]"
    record stop-ms bare "$run" $(($(now_ms) - t0))
    record stop-exit bare "$run" "$rc"
}

for ((run = 1; run <= RUNS; run++)); do
    log "run $run/$RUNS: container"
    run_container "$run"
    log "run $run/$RUNS: bare"
    run_bare "$run"
done

write_env "image:          $IMAGE (base $base)" "runs:           $RUNS, idle snapshot ${IDLE_SECS}s after ready"
python3 - "$RAW" <<'PY' | tee "$RESULTS_DIR/summary.txt"
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
def med(metric, subject):
    v = [float(r["value"]) for r in rows if r["metric"] == metric and r["subject"] == subject]
    return (statistics.median(v), min(v), max(v)) if v else None
mb = lambda b: b / 1e6
print("size (podman image inspect, uncompressed)")
for subject, text in [("image", "the image"), ("base", "its base"), ("full-jre", "the jar on Debian's full JRE 17, same base"),
                      ("docker-registry-binary", "the stock registry's binary (Debian)")]:
    m = med("size", subject)
    if m:
        print(f"  {text:45s} {mb(m[0]):8.1f} MB")
if med("size", "image") and med("size", "base"):
    print(f"  {'added to the base by our layers':45s} {mb(med('size', 'image')[0] - med('size', 'base')[0]):8.1f} MB")
print()
print(f"{'':28s}{'container':>22s}{'bare jar':>22s}")
for metric, text, scale, unit in [("ready-200-ms", "start to first 200", 1, "ms"), ("ready-line-ms", "supervisor's 'ready in'", 1, "ms"),
                                  ("idle-rss-kib", "idle RSS, every process", 1 / 1024, "MiB"),
                                  ("cgroup-rss-kib", "idle, container cgroup", 1 / 1024, "MiB"),
                                  ("stop-ms", "stop", 1, "ms"), ("stop-exit", "stop exit code", 1, "")]:
    cells = []
    for subject in ("container", "bare"):
        m = med(metric, subject)
        cells.append(f"{m[0] * scale:.0f} ({m[1] * scale:.0f}-{m[2] * scale:.0f}) {unit}" if m else "-")
    print(f"{text:28s}{cells[0]:>22s}{cells[1]:>22s}")
PY
log "results in $RESULTS_DIR"
