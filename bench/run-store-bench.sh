#!/usr/bin/env bash
# Benchmark of the two store maintenance components, the cleaner and the logger, on synthetic
# stores. Not a test, but it checks what the components did (stat only) and reports every wrong
# behaviour found. Prints a table of medians, targets and verdicts; raw results, the components'
# output, GC logs and check reports go to bench/results/<stamp>-store[-LABEL]/.
#
#   cleaner  a store of BLOBS blobs (MIN_SIZE..MAX_SIZE bytes of distinct random content, layer
#            links in REPOS repositories, MANIFESTS manifests with revisions and tags; last uses
#            spread over the past week, distinct at ms resolution), rebuilt for every run. On each
#            fresh store, in this order: a pass with nothing over the threshold (CLEANER_MAXSIZE =
#            size / 1.1: above MAXSIZE, below the threshold), a --dry-run pass that would delete
#            DELETE_PCT %, and the real pass deleting DELETE_PCT % (CLEANER_MAXSIZE = size x
#            (1 - DELETE_PCT/100)). Wall time exec -> exit and the "<n> ms" the cleaner prints,
#            CPU, peak RSS (wait4 ru_maxrss = VmHWM at exit; VmRSS sampled every 50 ms), GC.
#            "scan": the no-op pass again with repositories/ moved aside, i.e. the blob scan alone
#            (no-op minus scan = the walk over every link that each pass makes).
#            Checked afterwards: the no-op pass deleted nothing; the real one deleted exactly the
#            least recently used blobs, left <= MAXSIZE, pruned exactly the dangling links and tags.
#            The subject "python" (ref_cleaner.py) does the same real pass in plain Python: what
#            this filesystem costs.  Targets: one pass <= 5 s wall, RSS <= RSS_TARGET_MIB.
#   logger   a store of LOG_BLOBS blobs (LOG_MANIFESTS manifests, LOG_INDEXES indexes) and an
#            access log of LOG_LINES lines over LOG_SPAN_S seconds (make_store.py access-log);
#            each run: access times reset, no state file, logger started, time until
#            .logger-state.json records the log's full size (its mtime, minus the exec time);
#            lines/s = LOG_LINES / that ("net": minus the start-up time, measured as the time to
#            the first state file with an empty log). Checked afterwards (stat only): every used
#            blob's atime is its last use (within the logger's 5 s re-touch window), others
#            unchanged, mtimes unchanged. Also: SIGTERM STOP_AFTER_S into a run -> exit time (the
#            supervisor kills a child 10 s after SIGTERM), and how much of the log the state file
#            recorded by then.
#            Target: >= 50,000 lines/s.
#
# Each JVM variant is a subject: c1 = JAVA_OPTS_C1 (as the supervisor runs these two), tiered =
# JAVA_OPTS_TIERED (the same without -XX:TieredStopAtLevel=1). Every JVM logs GC to a file.
# Page cache: the store and the log are written right before they are measured, so they are
# warm (dentries, inodes, link and manifest contents); DROP_CACHES=1 drops caches before each
# timed pass where /proc/sys/vm/drop_caches is writable (root outside a container).
#
# Everything runs in a temporary folder that is removed at the end; every process started here
# is stopped on exit, failure or Ctrl-C.
#
# Environment (all optional):
#   RUNS=5   MEASURE=cleaner,logger   VARIANTS=c1,tiered   CLEANER_SUBJECTS=noop,dry,scan,delete,python
#   JAVA_OPTS_C1="-Xmx64m -XX:+UseSerialGC -Xss512k -XX:TieredStopAtLevel=1"
#   JAVA_OPTS_TIERED="-Xmx64m -XX:+UseSerialGC -Xss512k"
#   JAVA_BIN=java   JAR=supervisor/target/registry-cache.jar (copied at start)
#   BUILD=0         1: git clone the repository's HEAD into the temporary folder and build the jar
#                   there (mvn -B -q package -DskipTests; uncommitted changes are not in it)
#   BLOBS=100000 REPOS=300 MANIFESTS=500 MIN_SIZE=1024 MAX_SIZE=4096 DELETE_PCT=20
#   THRESHOLD=20 (CLEANER_THRESHOLD_PERCENTAGE)  GRACE=0s (--grace)   RSS_TARGET_MIB=128
#   LOG_LINES=1000000 LOG_BLOBS=10000 LOG_MANIFESTS=200 LOG_INDEXES=5 LOG_SPAN_S=86400
#   STOP_AFTER_S=3   seconds after the start at which the catch-up SIGTERM is sent
#   DROP_CACHES=0   RESULTS_DIR=bench/results/<UTC stamp>-store[-LABEL]   LABEL=   KEEP_TMP=0
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"

RUNS=${RUNS:-5}
MEASURE=${MEASURE:-cleaner,logger}
VARIANTS=${VARIANTS:-c1,tiered}
CLEANER_SUBJECTS=${CLEANER_SUBJECTS:-noop,dry,scan,delete,python}
JAVA_OPTS_C1=${JAVA_OPTS_C1-"-Xmx64m -XX:+UseSerialGC -Xss512k -XX:TieredStopAtLevel=1"}
JAVA_OPTS_TIERED=${JAVA_OPTS_TIERED-"-Xmx64m -XX:+UseSerialGC -Xss512k"}
JAVA_BIN=${JAVA_BIN:-java}
JAR=${JAR:-$ROOT/supervisor/target/registry-cache.jar}
BUILD=${BUILD:-0}
BLOBS=${BLOBS:-100000}
REPOS=${REPOS:-300}
MANIFESTS=${MANIFESTS:-500}
MIN_SIZE=${MIN_SIZE:-1024}
MAX_SIZE=${MAX_SIZE:-4096}
DELETE_PCT=${DELETE_PCT:-20}
THRESHOLD=${THRESHOLD:-20}
GRACE=${GRACE:-0s}
RSS_TARGET_MIB=${RSS_TARGET_MIB:-128}
LOG_LINES=${LOG_LINES:-1000000}
LOG_BLOBS=${LOG_BLOBS:-10000}
LOG_MANIFESTS=${LOG_MANIFESTS:-200}
LOG_INDEXES=${LOG_INDEXES:-5}
LOG_SPAN_S=${LOG_SPAN_S:-86400}
STOP_AFTER_S=${STOP_AFTER_S:-3}
DROP_CACHES=${DROP_CACHES:-0}
bench_settings store

need python3 setsid git
export PYTHONDONTWRITEBYTECODE=1 # no __pycache__ in bench/
command -v "$JAVA_BIN" >/dev/null || die "JAVA_BIN=$JAVA_BIN not found"
variant_opts() {
    case $1 in
    c1) echo "$JAVA_OPTS_C1" ;;
    tiered) echo "$JAVA_OPTS_TIERED" ;;
    *) die "unknown variant $1 (c1 or tiered)" ;;
    esac
}
IFS=, read -r -a VARIANT_LIST <<<"$VARIANTS"
for v in "${VARIANT_LIST[@]}"; do variant_opts "$v" >/dev/null; done
((DELETE_PCT > 0 && DELETE_PCT < 100)) || die "DELETE_PCT must be 1..99"
((DELETE_PCT * 100 / (100 - DELETE_PCT) > THRESHOLD)) ||
    die "DELETE_PCT=$DELETE_PCT is too small to get above THRESHOLD=$THRESHOLD %"
has_subject() { [[ ",$CLEANER_SUBJECTS," == *",$1,"* ]]; }

bench_init store-bench
mkdir -p "$RESULTS_DIR/gc" "$RESULTS_DIR/checks" "$RESULTS_DIR/out"

if [[ $BUILD == 1 ]]; then
    log "building the jar in a clone of $ROOT (HEAD $(git -C "$ROOT" rev-parse --short HEAD))"
    git clone -q "$ROOT" "$TMP/src"
    (cd "$TMP/src" && mvn -B -q package -DskipTests) >"$TMP/logs/build.log" 2>&1 || die "build failed (see build.log)"
    JAR=$TMP/src/supervisor/target/registry-cache.jar
fi
[[ -f $JAR ]] || die "$JAR not found; build it (or BUILD=1)"
cp "$JAR" "$TMP/registry-cache.jar"
JAR_COPY=$TMP/registry-cache.jar
JAR_INFO="$JAR ($(stat -c %y "$JAR" | cut -d. -f1), sha256 $(sha256sum "$JAR_COPY" | cut -c1-12)), copied at start; HEAD then $(git -C "${JAR%/supervisor/target/*}" rev-parse --short HEAD 2>/dev/null || echo '?')"
CLK_TCK=$(getconf CLK_TCK)

PAGE_CACHE="warm: store and log written just before the runs"
if [[ $DROP_CACHES == 1 ]]; then
    if [[ -w /proc/sys/vm/drop_caches ]] && (echo 3 >/proc/sys/vm/drop_caches) 2>/dev/null; then
        PAGE_CACHE="cold: caches dropped before each timed cleaner pass and logger run"
    else
        log "WARNING: DROP_CACHES=1 but /proc/sys/vm/drop_caches is not writable here; caches stay warm"
        DROP_CACHES=0
    fi
fi
drop_caches() { if [[ $DROP_CACHES == 1 ]]; then sync && echo 3 >/proc/sys/vm/drop_caches; fi; }

# gc_stats file: "<pauses> <total pause ms> <max heap after GC, MiB>" from a -Xlog:gc log
gc_stats() {
    awk '/Pause/ {
            n++
            if (match($0, /[0-9.]+ms$/)) t += substr($0, RSTART, RLENGTH - 2)
            if (match($0, /->[0-9]+M/)) { h = substr($0, RSTART + 2, RLENGTH - 3) + 0; if (h > m) m = h }
         }
         END { printf "%d %.1f %d\n", n, t, m }' "$1" 2>/dev/null || echo "0 0 0"
}

kv() { awk -v k="$2" '$1 == k { print $2 }' "$1"; } # file key: the value of a "key value" line

# note_checks component report: prints the number of FAIL lines, which it adds to failures.txt
note_checks() {
    local comp=$1 report=$2 n
    n=$(grep -c '^FAIL' "$report" || true)
    if ((n > 0)); then
        grep '^FAIL' "$report" | sed "s|^|[$comp] |" >>"$RESULTS_DIR/failures.txt"
        grep '^FAIL' "$report" | while read -r line; do log "WRONG ($comp): ${line#FAIL }"; done
    fi
    echo "$n"
}

# ---------------------------------------------------------------- cleaner

STORE=$TMP/store
IDX=$TMP/store.tsv

build_store() { # the cleaner's store; sets STORE_BYTES
    rm -rf "$STORE"
    local out
    out=$(python3 "$HERE/make_store.py" build --data-dir "$STORE" --index "$IDX" --blobs "$BLOBS" \
        --manifests "$MANIFESTS" --repos "$REPOS" --min-size "$MIN_SIZE" --max-size "$MAX_SIZE" --seed 1) ||
        die "make_store.py build failed"
    STORE_BYTES=$(awk '{ print $3 }' <<<"$out")
    [[ $STORE_BYTES =~ ^[0-9]+$ ]] || die "make_store.py said: $out"
    echo "$out"
}

# cleaner_pass subject variant run maxsize extra-args...: one timed pass; records its metrics; sets
# PASS_SUMMARY to the summary line
cleaner_pass() {
    local subject=$1 v=$2 i=$3 max=$4
    shift 4
    local opts tag=$subject-$v-$i stats out gc
    opts=$(variant_opts "$v")
    stats=$TMP/stats-$tag
    out=$RESULTS_DIR/out/cleaner-$tag.txt
    gc=$RESULTS_DIR/gc/cleaner-$tag.log
    drop_caches
    # shellcheck disable=SC2086 # opts is a list of options
    start_proc cleaner "$TMP/logs/cleaner-$tag.log" python3 "$HERE/proc_stats.py" "$stats" "$out" 0.05 -- \
        env CLEANER_MAXSIZE="$max" CLEANER_THRESHOLD_PERCENTAGE="$THRESHOLD" \
        "$JAVA_BIN" $opts "-Xlog:gc:file=$gc" -jar "$JAR_COPY" cleaner --data-dir "$STORE" --once --grace "$GRACE" "$@"
    local pid=${PIDS[cleaner]} rc=0
    wait "$pid" || rc=$?
    unset "PIDS[cleaner]"
    ((rc == 0)) || die "cleaner ($tag) failed: $(tail -n 5 "$out")"
    if (($(wc -l <"$out") > 20)); then # --dry-run prints a line per blob: keep a sample and the count
        { head -n 5 "$out"; echo "... ($(grep -c '^would delete' "$out" || true) 'would delete' lines in all)"; tail -n 5 "$out"; } >"$out.tmp"
        mv "$out.tmp" "$out"
    fi
    PASS_SUMMARY=$(grep -E '^cleaner' "$out" | tail -n 1)
    [[ -n $PASS_SUMMARY ]] || die "no summary line from the cleaner ($tag): $(tail -n 5 "$out")"
    local ms wall user sys hwm rss g
    ms=$(sed -nE 's/.*; ([0-9]+) ms$/\1/p' <<<"$PASS_SUMMARY")
    wall=$(kv "$stats" wall_s) user=$(kv "$stats" user_s) sys=$(kv "$stats" sys_s)
    hwm=$(kv "$stats" maxrss_kib) rss=$(kv "$stats" sampled_max_kib)
    read -r -a g < <(gc_stats "$gc")
    record "cleaner_${subject}_wall_s" "$v" "$i" "$wall"
    record "cleaner_${subject}_pass_s" "$v" "$i" "$(awk -v m="$ms" 'BEGIN { printf "%.3f", m / 1000 }')"
    record "cleaner_${subject}_cpu_user_s" "$v" "$i" "$user"
    record "cleaner_${subject}_cpu_sys_s" "$v" "$i" "$sys"
    record "cleaner_${subject}_hwm_MiB" "$v" "$i" "$(mib "$hwm")"
    record "cleaner_${subject}_rss_MiB" "$v" "$i" "$(mib "$rss")"
    record "cleaner_${subject}_gc_n" "$v" "$i" "${g[0]}"
    record "cleaner_${subject}_gc_ms" "$v" "$i" "${g[1]}"
    record "cleaner_${subject}_heap_MiB" "$v" "$i" "${g[2]}"
    log "cleaner $subject $v run $i: wall $wall s (pass $ms ms, user $user s, sys $sys s), VmHWM $((hwm / 1024)) MiB, GC ${g[0]} pauses ${g[1]} ms"
}

# check_cleaner subject variant run max mode: check_store.py; records the failures
check_cleaner() {
    local report=$RESULTS_DIR/checks/cleaner-$1-$2-$3.txt n
    python3 "$HERE/check_store.py" cleaner --data-dir "$STORE" --index "$IDX" --max "$4" --threshold "$THRESHOLD" \
        --mode "$5" ${PASS_SUMMARY:+--summary "$PASS_SUMMARY"} >"$report" || die "check_store.py failed"
    n=$(note_checks "cleaner $1 $2" "$report")
    record cleaner_check_fails "$2" "$3" "$n"
}

if has cleaner; then
    for ((i = 1; i <= RUNS; i++)); do
        for v in "${VARIANT_LIST[@]}"; do
            log "building a store of $BLOBS blobs (run $i, $v)"
            build_store >"$TMP/build.txt"
            ((i == 1)) && cp "$TMP/build.txt" "$RESULTS_DIR/store-cleaner.txt"
            MAX_DELETE=$((STORE_BYTES * (100 - DELETE_PCT) / 100))
            MAX_NOOP=$((STORE_BYTES * 100 / 110))
            settle 2
            if has_subject noop; then
                cleaner_pass noop "$v" "$i" "$MAX_NOOP"
                check_cleaner noop "$v" "$i" "$MAX_NOOP" noop
            fi
            if has_subject dry; then
                cleaner_pass dry "$v" "$i" "$MAX_DELETE" --dry-run
                PASS_SUMMARY=
                check_cleaner dry "$v" "$i" "$MAX_DELETE" noop
            fi
            if has_subject scan; then # the same pass with repositories/ moved aside: the blob scan alone
                mv "$STORE/docker/registry/v2/repositories" "$STORE/repositories.aside"
                cleaner_pass scan "$v" "$i" "$MAX_NOOP"
                mv "$STORE/repositories.aside" "$STORE/docker/registry/v2/repositories"
            fi
            if has_subject delete; then
                cleaner_pass delete "$v" "$i" "$MAX_DELETE"
                check_cleaner delete "$v" "$i" "$MAX_DELETE" delete
                settle 1 # the deletions' writeback, before the next build
            fi
        done
        if has_subject python; then
            log "building a store of $BLOBS blobs (run $i, python reference)"
            build_store >/dev/null
            MAX_DELETE=$((STORE_BYTES * (100 - DELETE_PCT) / 100))
            settle 2
            drop_caches
            t0=$EPOCHREALTIME
            out=$(python3 "$HERE/ref_cleaner.py" "$STORE" "$MAX_DELETE" "$THRESHOLD") || die "ref_cleaner.py failed"
            wall=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }')
            echo "$out" >"$RESULTS_DIR/out/cleaner-python-$i.txt"
            record cleaner_delete_wall_s python "$i" "$wall"
            record cleaner_delete_pass_s python "$i" "$(sed -nE 's/.*; ([0-9]+) ms$/\1/p' <<<"$out" | awk '{ printf "%.3f", $1 / 1000 }')"
            for phase in scan delete links; do
                record "cleaner_ref_${phase}_s" python "$i" "$(sed -nE "s/.* $phase ([0-9]+) ms.*/\1/p" <<<"$out" | awk '{ printf "%.3f", $1 / 1000 }')"
            done
            PASS_SUMMARY=
            check_cleaner python python "$i" "$MAX_DELETE" delete
            log "python reference run $i: $wall s ($out)"
            settle 1
        fi
    done
    rm -rf "$STORE"
fi

# ---------------------------------------------------------------- logger

if has logger; then
    LSTORE=$TMP/lstore
    LIDX=$TMP/lstore.tsv
    ACCESS=$TMP/access
    EMPTY=$TMP/access-empty
    LOGFILE_NAME=node-quay.io.access.log
    mkdir -p "$ACCESS" "$EMPTY"
    log "building a store of $LOG_BLOBS blobs and an access log of $LOG_LINES lines"
    python3 "$HERE/make_store.py" build --data-dir "$LSTORE" --index "$LIDX" --blobs "$LOG_BLOBS" \
        --manifests "$LOG_MANIFESTS" --indexes "$LOG_INDEXES" --repos 50 --min-size "$MIN_SIZE" --max-size "$MAX_SIZE" \
        --min-age-h $((LOG_SPAN_S / 3600 + 2)) --max-age-h $((LOG_SPAN_S / 3600 + 24 * 7)) --seed 3 \
        --reserve-ref-only 500 --reserve-failed 100 --reserve-unused 100 >"$RESULTS_DIR/store-logger.txt" ||
        die "make_store.py build failed"
    python3 "$HERE/make_store.py" access-log --index "$LIDX" --out "$ACCESS/$LOGFILE_NAME" --expected "$TMP/expected.txt" \
        --lines "$LOG_LINES" --span-s "$LOG_SPAN_S" --seed 4 >>"$RESULTS_DIR/store-logger.txt" ||
        die "make_store.py access-log failed"
    head -n 3 "$ACCESS/$LOGFILE_NAME" >"$RESULTS_DIR/access-log-head.txt"
    LOG_SIZE=$(stat -c %s "$ACCESS/$LOGFILE_NAME")
    : >"$EMPTY/$LOGFILE_NAME"
    cat "$ACCESS/$LOGFILE_NAME" >/dev/null # in the page cache, as a log just written is
    settle 2

    # start_logger variant tag logdir: the JVM (setsid, env exec: the pid is the JVM's); sets LOGGER_PID, T0
    start_logger() {
        local opts
        opts=$(variant_opts "$1")
        drop_caches
        T0=$EPOCHREALTIME
        # shellcheck disable=SC2086 # opts is a list of options
        start_proc logger "$TMP/logs/logger-$2.log" "$JAVA_BIN" $opts "-Xlog:gc:file=$RESULTS_DIR/gc/logger-$2.log" \
            -jar "$JAR_COPY" logger --log-dir "$3" --data-dir "$LSTORE"
        LOGGER_PID=${PIDS[logger]}
    }
    # stop_timed: SIGTERM to the logger JVM, prints the seconds until it is gone (SIGKILL after 120 s)
    stop_timed() {
        local t0=$EPOCHREALTIME k
        kill -TERM "$LOGGER_PID" 2>/dev/null || true
        for ((k = 0; k < 12000; k++)); do
            alive "$LOGGER_PID" || break
            sleep 0.01
        done
        local t1=$EPOCHREALTIME
        stop_proc logger 1
        awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
    }

    for ((i = 1; i <= RUNS; i++)); do
        for v in "${VARIANT_LIST[@]}"; do
            tag=$v-$i
            # start-up: empty log, time to the first state file
            rm -f "$EMPTY/.logger-state.json"
            start_logger "$v" "startup-$tag" "$EMPTY"
            out=$(python3 "$HERE/wait_offset.py" "$EMPTY/.logger-state.json" "$LOGFILE_NAME" 0 "$T0" "$LOGGER_PID" 60) ||
                die "logger start-up ($tag): $out"
            startup=$(kv <(echo "$out") done_s)
            stop_proc logger 5
            record logger_startup_s "$v" "$i" "$startup"

            # catch up with the whole log
            python3 "$HERE/make_store.py" reset-times --data-dir "$LSTORE" --index "$LIDX" || die "reset-times failed"
            rm -f "$ACCESS/.logger-state.json" "$ACCESS/.logger-state.json.tmp"
            settle 1
            start_logger "$v" "$tag" "$ACCESS"
            python3 "$HERE/rss_sampler.py" "$LOGGER_PID" "$RESULTS_DIR/out/logger-rss-$tag.txt" 0.1 &
            SAMPLERS[$!]=1
            sampler=$!
            out=$(python3 "$HERE/wait_offset.py" "$ACCESS/.logger-state.json" "$LOGFILE_NAME" "$LOG_SIZE" "$T0" "$LOGGER_PID" 1200) ||
                die "logger ($tag): $out"
            read -r _ _ _ _ _ _ _ _ _ _ _ _ _ ut st _ < <(sed 's/.*) //' "/proc/$LOGGER_PID/stat" | awk '{ $1 = $1; print "x x " $0 }')
            kill -TERM "$sampler" 2>/dev/null || true
            wait "$sampler" 2>/dev/null || true
            unset "SAMPLERS[$sampler]"
            done_s=$(kv <(echo "$out") done_s)
            stop_s=$(stop_timed)
            read -r max hwm < <(awk '$1 == "#" { print $3, $5 }' "$RESULTS_DIR/out/logger-rss-$tag.txt")
            read -r -a g < <(gc_stats "$RESULTS_DIR/gc/logger-$tag.log")
            record logger_total_s "$v" "$i" "$done_s"
            record logger_lines_per_s "$v" "$i" "$(awk -v n="$LOG_LINES" -v t="$done_s" 'BEGIN { printf "%.0f", n / t }')"
            record logger_net_lines_per_s "$v" "$i" "$(awk -v n="$LOG_LINES" -v t="$done_s" -v s="$startup" 'BEGIN { printf "%.0f", n / (t - s) }')"
            record logger_cpu_user_s "$v" "$i" "$(awk -v t="$ut" -v c="$CLK_TCK" 'BEGIN { printf "%.2f", t / c }')"
            record logger_cpu_sys_s "$v" "$i" "$(awk -v t="$st" -v c="$CLK_TCK" 'BEGIN { printf "%.2f", t / c }')"
            record logger_rss_MiB "$v" "$i" "$(mib "$max")"
            record logger_hwm_MiB "$v" "$i" "$(mib "$hwm")"
            record logger_gc_n "$v" "$i" "${g[0]}"
            record logger_gc_ms "$v" "$i" "${g[1]}"
            record logger_heap_MiB "$v" "$i" "${g[2]}"
            record logger_stop_idle_s "$v" "$i" "$stop_s"
            report=$RESULTS_DIR/checks/logger-$tag.txt
            python3 "$HERE/check_store.py" logger --data-dir "$LSTORE" --index "$LIDX" --expected "$TMP/expected.txt" \
                >"$report" || die "check_store.py failed"
            n=$(note_checks "logger $v" "$report")
            record logger_check_fails "$v" "$i" "$n"
            log "logger $v run $i: $LOG_LINES lines in $done_s s (start-up $startup s), user $(awk -v t="$ut" -v c="$CLK_TCK" 'BEGIN { printf "%.1f", t / c }') s, sys $(awk -v t="$st" -v c="$CLK_TCK" 'BEGIN { printf "%.1f", t / c }') s, RSS max $((max / 1024)) MiB, GC ${g[0]} pauses ${g[1]} ms, stop $stop_s s, $(grep -c '^FAIL' "$report" || true) failed checks"
        done
    done

    # SIGTERM while catching up: how long until it exits, and what it saved
    for v in "${VARIANT_LIST[@]}"; do
        python3 "$HERE/make_store.py" reset-times --data-dir "$LSTORE" --index "$LIDX" || die "reset-times failed"
        rm -f "$ACCESS/.logger-state.json" "$ACCESS/.logger-state.json.tmp"
        settle 1
        start_logger "$v" "stop-$v" "$ACCESS"
        sleep "$STOP_AFTER_S"
        alive "$LOGGER_PID" || die "the logger exited by itself"
        pre=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2],{}).get("offset","none"))' \
            "$ACCESS/.logger-state.json" "$LOGFILE_NAME" 2>/dev/null || echo none)
        stop_s=$(stop_timed)
        saved=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2],{}).get("offset","none"))' \
            "$ACCESS/.logger-state.json" "$LOGFILE_NAME" 2>/dev/null || echo none)
        record logger_stop_catchup_s "$v" 1 "$stop_s"
        record logger_saved_before_stop_MiB "$v" 1 "$(awk -v b="$pre" 'BEGIN { printf "%.1f", (b == "none" ? 0 : b) / 1048576 }')"
        echo "$v: SIGTERM ${STOP_AFTER_S}s after start; state before: offset $pre; exit after $stop_s s; state after: offset $saved of $LOG_SIZE" \
            >>"$RESULTS_DIR/logger-stop.txt"
        log "logger $v: SIGTERM while catching up (${STOP_AFTER_S}s after start, saved offset before: $pre): gone after $stop_s s, saved offset $saved of $LOG_SIZE"
    done
fi

# ---------------------------------------------------------------- report

write_env "jar measured:  $JAR_INFO" "opts c1:       $JAVA_OPTS_C1" "opts tiered:   $JAVA_OPTS_TIERED" \
    "cleaner:       $BLOBS blobs of $MIN_SIZE..$MAX_SIZE B, $REPOS repositories, $MANIFESTS manifests; delete $DELETE_PCT %, threshold $THRESHOLD %, grace $GRACE; runs $RUNS" \
    "logger:        $LOG_LINES lines over ${LOG_SPAN_S}s, $LOG_BLOBS blobs ($LOG_MANIFESTS manifests, $LOG_INDEXES indexes); runs $RUNS" \
    "page cache:    $PAGE_CACHE" \
    "filesystem:    $(df -PT "$TMP" | awk 'NR == 2 { print $2 " on " $1 }') ($(findmnt -no OPTIONS -T "$TMP" 2>/dev/null | head -n 1 || echo "?"))"
python3 "$HERE/summarize_store.py" "$RAW" "$RSS_TARGET_MIB" >"$RESULTS_DIR/summary.txt"
{
    if [[ -f $RESULTS_DIR/logger-stop.txt ]]; then
        echo
        echo "logger SIGTERM while catching up:"
        sed 's/^/  /' "$RESULTS_DIR/logger-stop.txt"
    fi
    echo
    if [[ -f $RESULTS_DIR/failures.txt ]]; then
        echo "wrong behaviour found ($(wc -l <"$RESULTS_DIR/failures.txt") failed checks; by kind, numbers as N):"
        sed -E 's/[0-9]+/N/g' "$RESULTS_DIR/failures.txt" | sort | uniq -c | sed 's/^/  /'
    else
        echo "checks: all passed (cleaner: LRU order, size <= max, links and tags; logger: atimes, mtimes)"
    fi
} >>"$RESULTS_DIR/summary.txt"

print_report
