#!/usr/bin/env bash
# What pulls by tag cost the upstream, and how fast a cached image is pulled when the upstream
# hangs (issue 24): one registry node (`registry-cache.jar node`) in front of Debian's
# docker-registry, with, in between, bench/hang_relay.py, a TCP relay that stops answering on
# demand. Not a test: prints a table and writes bench/results/<stamp>-tags[-LABEL]/.
#
# 1. Upstream requests per PULLS pulls of one tag (curl GET of the manifest by tag, one after
#    the other), counted in the upstream's access log, with TAG_TTL=0s (every pull asks) and with
#    TAG_TTL=1m (the default), each on a fresh datastore.
# 2. Pull time of a cached image (skopeo copy of a 3-layer image, by tag) with TAG_TTL=0s and the
#    default UPSTREAM_TAG_DEADLINE, RUNS pulls each: upstream answering, then hanging (accepts
#    connections, never answers); on another node, upstream refusing connections (the relay
#    stopped). With
#    BEFORE_JAR, the hanging upstream also for that build (e.g. main before issue 24), whose
#    every pull waits for its 30 s timeout: 2 pulls.
#
# Environment (all optional): PULLS=100  RUNS=5  JAVA_BIN=java
#   JAR=supervisor/target/registry-cache.jar  BEFORE_JAR=  LABEL=  KEEP_TMP=0
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"
MEASURE=
PULLS=${PULLS:-100}
RUNS=${RUNS:-5}
JAVA_BIN=${JAVA_BIN:-java}
JAR=${JAR:-$ROOT/supervisor/target/registry-cache.jar}
BEFORE_JAR=${BEFORE_JAR:-}
need curl skopeo docker-registry python3 "$JAVA_BIN"
[[ -f $JAR ]] || die "no $JAR: build it first (mvn -B -q package -DskipTests)"
bench_settings tags
bench_init tags
declare -A PIDS=() STOP_FIRST=() SAMPLERS=()

ACCEPT='application/vnd.oci.image.manifest.v1+json,application/vnd.oci.image.index.v1+json,application/vnd.docker.distribution.manifest.v2+json,application/vnd.docker.distribution.manifest.list.v2+json'

# the upstream, with its access log on (the counts come from it)
UP_PORT=$(free_port)
cat >"$TMP/upstream.yml" <<EOF
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $TMP/upstream
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$UP_PORT
EOF
start_proc upstream "$TMP/logs/upstream.log" docker-registry serve "$TMP/upstream.yml"
wait_http upstream "http://127.0.0.1:$UP_PORT/v2/"
for i in 1 2 3; do head -c $((4 << 20)) /dev/urandom >"$TMP/layer$i"; done
push_image "http://127.0.0.1:$UP_PORT" test/app v1 "$TMP/layer1" "$TMP/img" "$TMP/layer2" "$TMP/layer3"
log "pushed test/app:v1 ($IMG_MANIFEST_DIGEST)"

RELAY_PORT=$(free_port)
FLAG=$TMP/hang
start_relay() {
    stop_proc relay
    rm -f "$FLAG"
    start_proc relay "$TMP/logs/relay.log" python3 "$HERE/hang_relay.py" "$RELAY_PORT" "$UP_PORT" "$FLAG"
    wait_http relay "http://127.0.0.1:$RELAY_PORT/v2/"
}

NODE_PORT=$(free_port)
echo '{"auths":{"quay.io":{}}}' >"$TMP/ps.json"
start_node() { # jar ttl: a node on a fresh datastore, its upstream through the relay
    rm -rf "$TMP/data" "$TMP/nodelogs"
    mkdir -p "$TMP/data" "$TMP/nodelogs"
    start_proc node "$TMP/logs/node-$RANDOM.log" env TAG_TTL="$2" UPSTREAM_ENDPOINTS="quay.io=http://127.0.0.1:$RELAY_PORT" \
        WARMUP_SIZE=0 "$JAVA_BIN" -XX:+UseSerialGC -Xmx128m -jar "$1" node --upstream quay.io --port "$NODE_PORT" \
        --pull-secret "$TMP/ps.json" --data-dir "$TMP/data" --log-dir "$TMP/nodelogs"
    wait_http node "http://127.0.0.1:$NODE_PORT/v2/"
}
upstream_manifest_requests() { grep -c '"\(HEAD\|GET\) /v2/test/app/manifests/' "$TMP/logs/upstream.log" || true; }
pull() { # -> seconds of one skopeo copy of the cached image by tag
    local t0 t1
    rm -rf "$TMP/out"
    t0=$(date +%s.%N)
    skopeo copy -q --src-tls-verify=false "docker://127.0.0.1:$NODE_PORT/quay.io/test/app:v1" "dir:$TMP/out" \
        >>"$TMP/logs/skopeo.log" 2>&1 || die "skopeo pull failed: $(tail -3 "$TMP/logs/skopeo.log")"
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}

# 1. upstream requests per PULLS pulls by tag
start_relay
for ttl in 0s 1m; do
    start_node "$JAR" "$ttl"
    before=$(upstream_manifest_requests)
    for ((i = 0; i < PULLS; i++)); do
        curl -sS -f -o /dev/null -H "Accept: $ACCEPT" "http://127.0.0.1:$NODE_PORT/v2/quay.io/test/app/manifests/v1" ||
            die "pull $i failed"
    done
    sleep 0.5 # the upstream's access log line of the last request
    n=$(($(upstream_manifest_requests) - before))
    record upstream_requests "ttl=$ttl" 1 "$n"
    log "TAG_TTL=$ttl: $n upstream manifest requests for $PULLS pulls by tag"
    stop_proc node
done

# 2. pull time of a cached image: answering, hanging, refusing
measure_pulls() { # jar label runs: on a node with the image cached, the upstream answering then
    # hanging; then on another node with the image cached, the upstream refusing connections
    local s i state
    for state in hanging refusing; do
        start_relay
        start_node "$1" 0s
        s=$(pull)
        log "$2: first pull (cold) $s s"
        if [[ $state == hanging ]]; then
            for ((i = 1; i <= $3; i++)); do
                record pull_s "$2 answering" "$i" "$(pull)"
            done
            touch "$FLAG"
        else
            stop_proc relay
            ! curl -sS -m 5 -o /dev/null "http://127.0.0.1:$RELAY_PORT/v2/" 2>/dev/null || die "the relay still answers"
        fi
        for ((i = 1; i <= $3; i++)); do
            s=$(pull)
            record pull_s "$2 $state" "$i" "$s"
            log "$2, upstream $state, pull $i: $s s"
        done
        stop_proc node
    done
}
measure_pulls "$JAR" ours "$RUNS"
if [[ -n $BEFORE_JAR ]]; then
    measure_pulls "$BEFORE_JAR" before 2
fi

python3 - "$RAW" "$PULLS" >"$RESULTS_DIR/summary.txt" <<'EOF'
import csv, statistics, sys
from collections import defaultdict
rows = defaultdict(list)
with open(sys.argv[1]) as f:
    for r in csv.DictReader(f, delimiter="\t"):
        rows[(r["metric"], r["subject"])].append((int(r["run"]), float(r["value"])))
print(f"upstream manifest requests per {sys.argv[2]} pulls by tag")
for (m, s), v in rows.items():
    if m == "upstream_requests":
        print(f"  {s:<28} {int(v[0][1])}")
print("pull of a cached image (skopeo, 3 layers of 4 MiB), seconds: first pull, median of the rest (min-max)")
for (m, s), v in rows.items():
    if m == "pull_s":
        vals = [x for _, x in sorted(v)]
        rest = vals[1:] or vals
        print(f"  {s:<28} first {vals[0]:.3f}   then {statistics.median(rest):.3f} ({min(rest):.3f}-{max(rest):.3f})  n={len(vals)}")
EOF
write_env "jar:            $JAR${BEFORE_JAR:+; before: $BEFORE_JAR}" "pulls:          $PULLS by tag; $RUNS skopeo pulls per state"
print_report
