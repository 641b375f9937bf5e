#!/usr/bin/env bash
# ./run.sh - runs the whole cache in the foreground from this checkout: builds the jar when it is
# missing or older than a source, then starts the supervisor. Ctrl-C stops it cleanly; running it
# again keeps the cache.
#
# Defaults for a developer's machine (each one of the contract's variables overrides them):
#   PULL_SECRET  .run/pull-secret.json, written when missing: docker.io and quay.io, anonymous
#   DATA_DIR     .run/data          LOG_DIR  .run/logs        (both ignored by git)
#   CERTS        .run/certs.pem: plain HTTP while it does not exist
#   PORT         8443
#   BIND_ADDRESS 127.0.0.1: this machine alone (0.0.0.0 serves every interface)
# Arguments are passed to the supervisor (e.g. --port 9443). Relative paths, in the settings and
# the arguments, are relative to the folder it is started from.
set -euo pipefail
HERE=$PWD # relative paths, in the settings and the arguments alike, mean the folder it was started from
ROOT=$(dirname "$(readlink -f "$0")")
JAR=$ROOT/supervisor/target/registry-cache.jar
RUN=$ROOT/.run

say() { printf 'run.sh: %s\n' "$*" >&2; }

command -v java >/dev/null || { say "java not found: install a JDK 17 or newer (apt-get install -y openjdk-17-jdk-headless)"; exit 1; }
version=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
if [[ ${version%%.*} -lt 17 ]]; then
    say "java $version is too old: the cache needs Java 17 or newer"
    exit 1
fi

# Build only what changed: a source, resource or POM newer than the jar.
cd "$ROOT"
if [[ ! -f $JAR ]] || [[ -n $(find pom.xml common registry-node gateway logger cleaner supervisor docker/pom.xml \
        -path '*/target' -prune -o -type f -newer "$JAR" -print -quit) ]]; then
    command -v mvn >/dev/null || { say "mvn not found: install Maven 3.8+ (apt-get install -y maven)"; exit 1; }
    say "building $JAR (mvn -B -q package -DskipTests)"
    mvn -B -q -Dstyle.color=never package -DskipTests
else
    say "$JAR is up to date"
fi
cd "$HERE"

mkdir -p "$RUN"
if [[ -z ${PULL_SECRET:-} ]]; then
    export PULL_SECRET=$RUN/pull-secret.json
    # credentials may be added to it: only its owner reads it
    if [[ ! -f $PULL_SECRET ]]; then
        (umask 077 && printf '{"auths":{"docker.io":{},"quay.io":{}}}\n' >"$PULL_SECRET")
    fi
    chmod 600 "$PULL_SECRET"
    say "no PULL_SECRET given: serving the registries in $PULL_SECRET (docker.io and quay.io, anonymously unless you add credentials)"
fi
export DATA_DIR=${DATA_DIR:-$RUN/data}
export LOG_DIR=${LOG_DIR:-$RUN/logs}
export CERTS=${CERTS:-$RUN/certs.pem}
export PORT=${PORT:-8443}
# this machine alone unless told otherwise: a cache on every interface without htpasswd is an open proxy
export BIND_ADDRESS=${BIND_ADDRESS:-127.0.0.1}

# the address the supervisor will listen on, the argument over the environment, for the line below
host=$BIND_ADDRESS
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
    case ${args[i]} in
        --host) host=${args[i + 1]:-} ;;
        --host=*) host=${args[i]#--host=} ;;
    esac
done
case $host in
    127.* | ::1 | localhost)
        say "it listens on $host, for this machine alone; BIND_ADDRESS=0.0.0.0 ./run.sh serves other machines too"
        say "  (then turn on REGISTRY_AUTH=htpasswd first: see README, Configuration)"
        ;;
esac
say "once ready it prints how to pull through it, for the registries it serves; Ctrl-C stops it"
exec java -XX:+UnlockDiagnosticVMOptions -XX:ArchiveRelocationMode=0 -XX:+UseSerialGC -Xms2m -Xmn1m -Xmx48m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 -XX:TieredStopAtLevel=1 -jar "$JAR" "$@"
