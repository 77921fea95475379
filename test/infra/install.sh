#!/usr/bin/env bash
# What the integration tests and benchmarks need on Debian 12, installed when missing; run by
# `npm test` (the pretest script) and by .ci/run. Silent when everything is there (a dpkg-query
# check, no apt-get update). Installing needs root, once: as another user it names what is
# missing and the command to run, and exits 1. Then it compiles the Kafka-protocol mock broker
# (test/infra/.build/kmock) when missing or older than its source. The receivers themselves are
# started by each test file on free loopback ports (test/infra/*.ts) and stopped by it; their
# certificates are made in a temporary directory by the test set-up (openssl).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# tinyproxy: a real forward proxy for the proxy tests (test/infra/proxy.ts).
PKGS=(librdkafka-dev kcat gcc libc6-dev rsyslog rsyslog-gnutls openssl curl jq tinyproxy)
# rsyslog-kafka: rsyslog's omkafka, a contender of the files_to_kafka benchmark (benchmarks/lib/native-peers.sh
# fetches syslog-ng, which conflicts with rsyslog, into benchmarks/.work without installing it).
PKGS+=(rsyslog-kafka)
# kubectl renders the Kubernetes manifests (kubectl kustomize); Debian's is kubernetes-client.
command -v kubectl >/dev/null 2>&1 || PKGS+=(kubernetes-client)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "test/infra/install.sh: missing Debian packages: ${missing[*]}; install them once as root: sudo bash test/infra/install.sh" >&2
    exit 1
  fi
  echo "test/infra/install.sh: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  log=$(mktemp)
  if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    exit 1
  fi
  rm -f "$log"
fi

if [ ! -x "$HERE/.build/kmock" ] || [ "$HERE/kafka/kmock.c" -nt "$HERE/.build/kmock" ]; then
  echo "test/infra/install.sh: compiling test/infra/.build/kmock" >&2
  mkdir -p "$HERE/.build"
  gcc -O2 -Wall -o "$HERE/.build/kmock" "$HERE/kafka/kmock.c" -lrdkafka
fi

# --- The Kafka sink's librdkafka client (@confluentinc/kafka-javascript, an optional dependency).
# Where its prebuilt addon cannot be downloaded, npm builds it from source: that needs a C/C++
# toolchain, these headers and CKJS_LINKING=dynamic (the default static build downloads zlib and
# OpenSSL sources). npm removes an optional dependency whose build failed, and the addon is not
# N-API (one build per Node ABI): when it does not load in the `node` on PATH, it is installed
# again from the lock file or rebuilt here, against that node's headers. Without it the sink runs
# on kafkajs, and the tests that name librdkafka fail.
RDKAFKA_PKGS=(g++ make python3 zlib1g-dev libssl-dev libzstd-dev liblz4-dev libsasl2-dev)
rdkafka_missing=()
for p in "${RDKAFKA_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || rdkafka_missing+=("$p")
done
if [ ${#rdkafka_missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "test/infra/install.sh: missing Debian packages: ${rdkafka_missing[*]}; install them once as root: sudo bash test/infra/install.sh" >&2
    exit 1
  fi
  echo "test/infra/install.sh: installing ${rdkafka_missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  log=$(mktemp)
  if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${rdkafka_missing[@]}"; } >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    exit 1
  fi
  rm -f "$log"
fi
ROOT="$(cd "$HERE/../.." && pwd)"
# CF_SKIP_ADDON_BUILD=1: .ci/run's first call, just before an `npm ci` that builds it anyway.
if [ "${CF_SKIP_ADDON_BUILD:-}" != 1 ] && [ -d "$ROOT/node_modules" ] &&
  ! (cd "$ROOT" && node -e "require('@confluentinc/kafka-javascript')" >/dev/null 2>&1); then
  # The headers of the node that will load it (npm's nodedir default may be another Node's).
  nodedir="$(cd "$(dirname "$(command -v node)")/.." && pwd)"
  [ -f "$nodedir/include/node/node.h" ] || nodedir=""
  export CKJS_LINKING=dynamic ${nodedir:+npm_config_nodedir="$nodedir"}
  log=$(mktemp)
  if [ -d "$ROOT/node_modules/@confluentinc/kafka-javascript" ]; then
    echo "test/infra/install.sh: building the librdkafka addon for Node $(node --version) (a minute or two)" >&2
    # node-pre-gyp keeps an addon it finds unless told to build.
    step=(env npm_config_build_from_source=true npm rebuild @confluentinc/kafka-javascript)
  else
    echo "test/infra/install.sh: installing @confluentinc/kafka-javascript from the lock file (a minute or two)" >&2
    step=(npm install --no-save --no-audit --no-fund)
  fi
  if ! (cd "$ROOT" && "${step[@]}") >"$log" 2>&1 ||
    ! (cd "$ROOT" && node -e "require('@confluentinc/kafka-javascript')") >>"$log" 2>&1; then
    tail -40 "$log" >&2
    rm -f "$log"
    echo "test/infra/install.sh: the librdkafka addon did not build (log above)" >&2
    exit 1
  fi
  rm -f "$log"
fi
