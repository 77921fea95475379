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
