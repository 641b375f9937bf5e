#!/usr/bin/env bash
# The S3 client library for the S3 driver (issue 26, point 2), chosen by measurement: the AWS SDK for Java v2 on
# its HttpURLConnection client, MinIO's Java client (OkHttp), and a minimal SigV4 client on the Jetty 12
# HttpClient the product ships already (bench/s3-clients/: one class per candidate, the same workload for all).
# For each: what it adds to the shaded jar (bench/jar_growth.py), and, in a JVM of its own with the node's
# options, round after round in turn: a checked warm-up of every request the driver makes (PUT, conditional PUT,
# HEAD, Range GET, LIST v2, COPY, DELETE, multipart upload and abort), heap after GC and RSS after it, then a
# BLOB_MIB multipart upload streamed from a file in PART_MIB parts (the cold path writing a blob) and a GET of
# it, with MB/s and the CPU seconds per GB of the client JVM and of s3proxy. Against s3proxy
# (org.gaul:s3proxy, filesystem store) on 127.0.0.1, over TLS unless TLS=0. Not a test: medians, raw results in
# bench/results/<stamp>-s3-clients[-LABEL]/.
#
# Needs the build (mvn -B -q package -DskipTests: the shaded jar and common's test jar, whose S3Signer the
# Jetty candidate uses), mvn (resolves bench/s3-clients/pom.xml's profiles), curl, python3, the JDK's javac and
# keytool. Run it with nice on a shared machine.
#
# Environment (all optional):
#   RUNS=3                rounds (medians reported); the candidates' order turns each round
#   BLOB_MIB=512  PART_MIB=16  WARM=100 (rounds of the warm-up workload)
#   TLS=1                 s3proxy on HTTPS (as S3 is used); 0 for plain HTTP
#   CLIENT_JAVA_OPTS      the candidates' JVM options; default those the supervisor gives a node
#   S3PROXY_JAVA_OPTS     default -XX:+UseSerialGC -Xmx512m
#   CANDIDATES="aws minio jetty"   JAVA_BIN=java  JAR=supervisor/target/registry-cache.jar  LABEL=  KEEP_TMP=0
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
QUIET_MAX=${QUIET_MAX:-60}
# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"

RUNS=${RUNS:-3}
BLOB_MIB=${BLOB_MIB:-512}
PART_MIB=${PART_MIB:-16}
WARM=${WARM:-100}
TLS=${TLS:-1}
read -r -a CANDIDATES <<<"${CANDIDATES:-aws minio jetty}"
DEFAULT_JAVA_OPTS="-XX:+UseSerialGC -Xss512k -XX:ReservedCodeCacheSize=32m -XX:MaxMetaspaceSize=64m -Xms16m -Xmx128m -XX:MaxDirectMemorySize=64m"
[[ $(uname -m) == x86_64 ]] && DEFAULT_JAVA_OPTS+=" -XX:UseAVX=2"
CLIENT_JAVA_OPTS=${CLIENT_JAVA_OPTS-$DEFAULT_JAVA_OPTS}
S3PROXY_JAVA_OPTS=${S3PROXY_JAVA_OPTS:--XX:+UseSerialGC -Xmx512m}
JAVA_BIN=${JAVA_BIN:-java}
JDK_BIN=$(dirname "$(readlink -f "$(command -v "$JAVA_BIN")")")
JAR=${JAR:-$ROOT/supervisor/target/registry-cache.jar}
TESTS_JAR=$ROOT/common/target/common-0.1.0-SNAPSHOT-tests.jar
ACCESS=bench
SECRET=bench-secret-key
BUCKET=bench
REGION=us-east-1

bench_settings s3-clients
need mvn curl python3 pgrep "$JAVA_BIN" "$JDK_BIN/javac" "$JDK_BIN/keytool"
[[ -f $JAR && -f $TESTS_JAR ]] || die "$JAR or $TESTS_JAR not found; build them with: mvn -B -q package -DskipTests"
bench_init s3-client-bench

# ---------------------------------------------------------------- the candidates, built

own_classes() { # candidate: its own classes (patterns under $TMP/classes), counted in its jar bytes
    case $1 in
    aws) echo 'AwsSdkCandidate*' ;;
    minio) echo 'MinioCandidate*' ;;
    jetty) echo 'JettyCandidate*' 'dev/registrycache/testsupport/S3Signer*' \
        'dev/registrycache/testsupport/Sha256*' 'dev/registrycache/testsupport/TestCredentials*' ;;
    esac
}

log "resolving the candidates' classpaths (bench/s3-clients/pom.xml)"
for p in "${CANDIDATES[@]}" s3proxy; do
    mvn -B -q -f "$HERE/s3-clients/pom.xml" -P"$p" dependency:build-classpath -DincludeScope=runtime \
        -Dmdep.outputFile="$TMP/$p.cp" >"$TMP/logs/mvn-$p.log" 2>&1 || die "mvn could not resolve profile $p"
done
S3PROXY_JAR=$(cat "$TMP/s3proxy.cp")
ALL_CP=$(for p in "${CANDIDATES[@]}"; do printf '%s:' "$(cat "$TMP/$p.cp")"; done)
mkdir -p "$TMP/classes"
"$JDK_BIN/javac" -nowarn -d "$TMP/classes" -cp "$ALL_CP$TESTS_JAR" "$HERE"/s3-clients/*.java
(cd "$TMP/classes" && "$JDK_BIN/jar" xf "$TESTS_JAR" dev/registrycache/testsupport/S3Signer.class \
    dev/registrycache/testsupport/Sha256.class dev/registrycache/testsupport/TestCredentials.class)

for c in "${CANDIDATES[@]}"; do
    # shellcheck disable=SC2046 # the patterns are words
    python3 "$HERE/jar_growth.py" "$JAR" "$TMP/$c.cp" "$TMP/classes" $(own_classes "$c") >"$RESULTS_DIR/jars-$c.txt"
    record jars "$c" 0 "$(awk '$1 == "jars" { print $2 }' "$RESULTS_DIR/jars-$c.txt")"
    record jar_MB "$c" 0 "$(awk '$1 == "jar_bytes" { printf "%.3f", $2 / 1e6 }' "$RESULTS_DIR/jars-$c.txt")"
    record shaded_growth_MB "$c" 0 "$(awk '$1 == "shaded_growth_bytes" { printf "%.3f", $2 / 1e6 }' "$RESULTS_DIR/jars-$c.txt")"
done

# ---------------------------------------------------------------- s3proxy

PORT=$(free_port)
mkdir -p "$TMP/s3/$BUCKET" # the filesystem store's buckets are its folders
if [[ $TLS == 1 ]]; then
    EP=https://127.0.0.1:$PORT
    CA=$TMP/ca.pem
    "$JDK_BIN/keytool" -genkeypair -alias s3proxy -keyalg EC -groupname secp256r1 -validity 2 -dname CN=127.0.0.1 \
        -ext SAN=ip:127.0.0.1 -storetype PKCS12 -keystore "$TMP/keystore.p12" -storepass bench-pass >/dev/null 2>&1
    "$JDK_BIN/keytool" -exportcert -rfc -alias s3proxy -keystore "$TMP/keystore.p12" -storepass bench-pass \
        -file "$CA" >/dev/null 2>&1
    LISTEN="s3proxy.secure-endpoint=$EP
s3proxy.keystore-path=$TMP/keystore.p12
s3proxy.keystore-password=bench-pass"
    CURL_TLS=(--cacert "$CA")
else
    EP=http://127.0.0.1:$PORT
    CA=none
    LISTEN="s3proxy.endpoint=$EP"
    CURL_TLS=()
fi
cat >"$TMP/s3proxy.conf" <<EOF
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$ACCESS
s3proxy.credential=$SECRET
jclouds.provider=filesystem
jclouds.filesystem.basedir=$TMP/s3
$LISTEN
EOF
# shellcheck disable=SC2086 # S3PROXY_JAVA_OPTS is a list of options
start_proc s3proxy "$TMP/logs/s3proxy.log" env LOG_LEVEL=warn \
    "$JAVA_BIN" $S3PROXY_JAVA_OPTS -jar "$S3PROXY_JAR" --properties "$TMP/s3proxy.conf"
wait_http s3proxy "$EP/" "${CURL_TLS[@]}"
S3PROXY_PID=$(pgrep -g "${PIDS[s3proxy]}" java | head -n 1)

log "writing a $BLOB_MIB MiB random file"
head -c "$((BLOB_MIB * 1024 * 1024))" /dev/urandom >"$TMP/blob"
BLOB_HEX=$(sha "$TMP/blob")

# ---------------------------------------------------------------- the rounds

run_candidate() { # candidate run: one JVM, its "metric value" lines recorded
    local c=$1 i=$2 out
    # shellcheck disable=SC2086 # CLIENT_JAVA_OPTS is a list of options
    out=$("$JAVA_BIN" $CLIENT_JAVA_OPTS -cp "$TMP/classes:$(cat "$TMP/$c.cp")" S3ClientBench candidate="$c" \
        endpoint="$EP" bucket="$BUCKET" region="$REGION" access="$ACCESS" secret="$SECRET" ca="$CA" \
        file="$TMP/blob" part="$((PART_MIB << 20))" warm="$WARM" server="$S3PROXY_PID" key="big-$c-$i" \
        2>"$TMP/logs/$c-$i.err") || die "$c failed in round $i: $(tail -n 5 "$TMP/logs/$c-$i.err")"
    while read -r metric value; do
        record "$metric" "$c" "$i" "$value"
    done <<<"$out"
    if ((i == 1)); then # the bytes stored are the file's (not timed)
        [[ $(sha "$TMP/s3/$BUCKET/big-$c-$i") == "$BLOB_HEX" ]] || die "$c stored other bytes than the file's"
    fi
    rm -f "$TMP/s3/$BUCKET/big-$c-$i"
    awk '$1 == "put_MBps" { p = $2 } $1 == "get_MBps" { g = $2 } END { printf "put %.0f MB/s, get %.0f MB/s", p, g }' <<<"$out"
}

for ((i = 1; i <= RUNS; i++)); do
    wait_quiet
    record busy_cores round "$i" "$LAST_BUSY"
    line="round $i/$RUNS (other processes kept $LAST_BUSY cores busy):"
    for ((k = 0; k < ${#CANDIDATES[@]}; k++)); do
        c=${CANDIDATES[$(((k + i - 1) % ${#CANDIDATES[@]}))]}
        settle
        line+=" $c $(run_candidate "$c" "$i");"
    done
    log "$line"
done

write_env "candidates: ${CANDIDATES[*]} (bench/s3-clients/pom.xml)" \
    "s3proxy:        $(basename "$S3PROXY_JAR"), $S3PROXY_JAVA_OPTS, filesystem store, $([[ $TLS == 1 ]] && echo TLS || echo plain HTTP)" \
    "workload:       $RUNS rounds, blob $BLOB_MIB MiB in $PART_MIB MiB parts, warm-up $WARM rounds" \
    "client options: $CLIENT_JAVA_OPTS"
python3 - "$RAW" "${CANDIDATES[@]}" >"$RESULTS_DIR/summary.txt" <<'EOF'
import statistics, sys
from collections import defaultdict
values = defaultdict(list)
for line in open(sys.argv[1]).read().splitlines()[1:]:
    metric, subject, _, value = line.split("\t")
    values[(metric, subject)].append(float(value))
candidates = sys.argv[2:]
rows = [
    ("shaded_growth_MB", "added to the shaded jar, MB"), ("jar_MB", "jars added (bytes of the files), MB"),
    ("jars", "jars added"), ("start_ms", "client built, ms"), ("heap_MiB", "heap after warm-up + GC, MiB"),
    ("rss_warm_MiB", "RSS after warm-up, MiB"), ("classes", "classes loaded after warm-up"),
    ("threads", "threads after warm-up"), ("put_MBps", "multipart PUT, MB/s"),
    ("put_cpu_s_per_GB", "multipart PUT, client CPU s/GB"), ("put_server_cpu_s_per_GB", "multipart PUT, s3proxy CPU s/GB"),
    ("get_MBps", "GET, MB/s"), ("get_cpu_s_per_GB", "GET, client CPU s/GB"),
    ("get_server_cpu_s_per_GB", "GET, s3proxy CPU s/GB"), ("rss_peak_MiB", "peak RSS (VmHWM), MiB"),
]
print("medians (spread) | " + " | ".join(candidates))
for metric, title in rows:
    cells = []
    for c in candidates:
        v = values.get((metric, c), [])
        if not v:
            cells.append("-")
        elif len(v) == 1:
            cells.append(f"{v[0]:.2f}")
        else:
            cells.append(f"{statistics.median(v):.2f} ({min(v):.2f}-{max(v):.2f})")
    print(f"{title} | " + " | ".join(cells))
busy = values.get(("busy_cores", "round"), [])
if busy:
    print("cores kept busy by other processes before the rounds: " + ", ".join(f"{b:.2f}" for b in busy))
EOF
print_report
