#!/usr/bin/env bash
# Installs what the integration tests and benchmarks need on Debian 12 (run as root), and
# compiles the Kafka-protocol mock broker. Idempotent; the receivers themselves are started by
# each test file on free loopback ports (test/infra/*.ts) and stopped by it.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PKGS=(librdkafka-dev kcat gcc libc6-dev rsyslog rsyslog-gnutls openssl curl jq)
missing=()
for p in "${PKGS[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
mkdir -p "$HERE/.build"
if [ ! -x "$HERE/.build/kmock" ] || [ "$HERE/kafka/kmock.c" -nt "$HERE/.build/kmock" ]; then
  gcc -O2 -Wall -o "$HERE/.build/kmock" "$HERE/kafka/kmock.c" -lrdkafka
fi
