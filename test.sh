#!/usr/bin/env bash
# ./test.sh - installs what the tests need on a Debian machine (the peers of the end-to-end tests,
# from Debian's packages; root or sudo) and runs the whole suite: `mvn -B verify` on the default
# JDK, then, where a JDK 25 is installed under /usr/lib/jvm, the unit and jar tests on it too.
# CI (.ci/run) runs exactly this. With CI=true a missing tool fails the tests; they never skip.
#
# The image's tests build docker/Containerfile with podman: on a machine that cannot pull its
# public base images, provide local images under those names first (see README, "Testing").
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")"
export DEBIAN_FRONTEND=noninteractive

PACKAGES="docker-registry skopeo podman containerd docker.io apache2-utils systemd openssl prometheus"
if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
missing=
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "test.sh: installing$missing" >&2
    $SUDO apt-get update
    # shellcheck disable=SC2086
    $SUDO apt-get install -y $missing
fi

mvn -B verify

# The contract: the artifact runs on JDK 17 and JDK 25. The end-to-end tests ran above against the
# same tools; on JDK 25 the unit and jar-level tests run again.
JDK25=$(ls -d /usr/lib/jvm/temurin-25* /usr/lib/jvm/java-25* 2>/dev/null | head -1 || true)
if [ -n "$JDK25" ]; then
    JAVA_HOME="$JDK25" mvn -B verify -DexcludedGroups=e2e
    echo "test.sh: JDK 25: build, unit tests and jar tests OK"
elif [ "${CI:-}" = true ]; then
    echo "test.sh: JDK 25 not found under /usr/lib/jvm" >&2
    exit 1
fi
