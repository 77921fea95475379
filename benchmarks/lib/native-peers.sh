#!/usr/bin/env bash
# The native forwarders the files_to_kafka and files_to_syslog scenarios compare against:
#   - rsyslog's omkafka (Debian package rsyslog-kafka; rsyslog itself comes from test/infra/install.sh),
#   - syslog-ng 3.38 with its kafka-c destination, unpacked (not installed) into
#     benchmarks/.work/syslog-ng: Debian's syslog-ng-core conflicts with rsyslog, so its packages are
#     fetched with `apt-get download` and extracted with `dpkg-deb -x`; the scenarios run
#     usr/sbin/syslog-ng from there with LD_LIBRARY_PATH and --module-path set.
# Idempotent and silent when everything is there. Needs root once (apt-get); as another user it
# says what is missing and exits 1, and the scenarios report those contenders as skipped.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PEERS="$HERE/../.work/syslog-ng"
# syslog-ng's own packages and the libraries they need that rsyslog's machine lacks.
SYSLOG_NG_DEBS=(syslog-ng-core syslog-ng-mod-rdkafka libivykis0 libnet1 libwrap0 libpcre3)

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
need_root() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "benchmarks/lib/native-peers.sh: $1; run it once as root: sudo bash benchmarks/lib/native-peers.sh" >&2
    exit 1
  fi
}
apt_quiet() {
  local log
  log=$(mktemp)
  if ! "$@" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    exit 1
  fi
  rm -f "$log"
}

missing=()
for p in rsyslog rsyslog-kafka kcat; do installed "$p" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  need_root "missing Debian packages: ${missing[*]}"
  echo "benchmarks/lib/native-peers.sh: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt_quiet apt-get update -qq
  apt_quiet apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ ! -x "$PEERS/root/usr/sbin/syslog-ng" ] || [ ! -f "$PEERS/root/usr/lib/syslog-ng/3.38/libkafka.so" ]; then
  mkdir -p "$PEERS/debs"
  echo "benchmarks/lib/native-peers.sh: fetching syslog-ng into $PEERS" >&2
  (cd "$PEERS/debs" && apt_quiet apt-get download "${SYSLOG_NG_DEBS[@]}") || {
    # The package lists may be missing on a fresh machine.
    need_root "apt-get download failed (no package lists?)"
    apt_quiet apt-get update -qq
    (cd "$PEERS/debs" && apt_quiet apt-get download "${SYSLOG_NG_DEBS[@]}")
  }
  rm -rf "$PEERS/root"
  for deb in "$PEERS"/debs/*.deb; do dpkg-deb -x "$deb" "$PEERS/root"; done
fi
