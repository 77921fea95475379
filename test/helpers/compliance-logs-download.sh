#!/usr/bin/env bash
# Downloads every log file of one event type after a time, and prints their lines to stdout:
# the flow of OpenAI's cookbook quickstart for the Compliance Logs Platform, written here from
# the API reference (docs/ and the Compliance Logs API notes), not from the cookbook's script.
# The tests run it when the cookbook's own script is not beside the clone (test/helpers/cookbook.ts).
#
#   compliance-logs-download.sh <workspace_or_org_id> <event_type> <limit> <after>
#   env: COMPLIANCE_API_KEY (required), API_BASE (default https://api.chatgpt.com/v1/compliance)
#
# List pages of at most <limit> files with `after`, the next `after` being the page's
# last_end_time, while has_more; download each listed file (the API answers a redirect to a signed
# URL on another host, fetched without the bearer token); print each file's body followed by a
# newline, so that a file without a trailing newline does not run into the next one. Progress goes
# to stderr. Exit 2 on usage errors, 1 on the first failed request. Like the cookbook: no retries,
# no rate limiting, no de-duplication, and files sharing an end_time split by a page boundary are
# skipped (the strict `after`).
set -euo pipefail

usage() {
  echo "Usage: $0 <workspace_or_org_id> <event_type> <limit> <after>" >&2
  exit 2
}
[ $# -eq 4 ] || usage
principal=$1 event_type=$2 limit=$3 after=$4
[[ $limit =~ ^[1-9][0-9]*$ ]] && ((limit <= 100)) || usage
if [ -z "${COMPLIANCE_API_KEY:-}" ]; then
  echo "$0: set COMPLIANCE_API_KEY" >&2
  exit 2
fi
api_base=${API_BASE:-https://api.chatgpt.com/v1/compliance}
case $principal in
  org-*) logs="$api_base/organizations/$principal/logs" ;;
  *) logs="$api_base/workspaces/$principal/logs" ;;
esac
auth="Authorization: Bearer $COMPLIANCE_API_KEY"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# fail WHAT STATUS: reports a failed request (STATUS "none": no HTTP answer) with the start of
# its body, and exits 1.
fail() {
  if [ "$2" = none ]; then echo "$0: $1 failed: no HTTP answer" >&2; else echo "$0: $1 failed: HTTP $2" >&2; fi
  head -c 500 "$tmp/body" >&2 2>/dev/null || true
  echo >&2
  exit 1
}

files=0
page=0
while :; do
  page=$((page + 1))
  echo "Listing page $page of $event_type files after $after" >&2
  status=$(curl -sS -G -o "$tmp/body" -w '%{http_code}' -H "$auth" \
    --data-urlencode "event_type=$event_type" --data-urlencode "after=$after" \
    --data-urlencode "limit=$limit" "$logs") || fail "listing" "none"
  [ "$status" = 200 ] || fail "listing" "$status"
  mv "$tmp/body" "$tmp/page"
  mapfile -t ids < <(jq -r '.data[].id' "$tmp/page")
  has_more=$(jq -r '.has_more' "$tmp/page")
  last_end_time=$(jq -r '.last_end_time // empty' "$tmp/page")
  for id in "${ids[@]}"; do
    echo "Downloading $id" >&2
    # No -L: the redirect is followed below, without the Authorization header.
    read -r status location < <(curl -sS -o "$tmp/body" -w '%{http_code} %{redirect_url}\n' -H "$auth" \
      "$logs/$id") || fail "download of $id" "none"
    case $status in
      200) ;;
      301 | 302 | 303 | 307 | 308)
        status=$(curl -sS -o "$tmp/body" -w '%{http_code}' "$location") || fail "signed download of $id" "none"
        [ "$status" = 200 ] || fail "signed download of $id" "$status"
        ;;
      *) fail "download of $id" "${status:-none}" ;;
    esac
    cat "$tmp/body"
    echo
    files=$((files + 1))
  done
  # An empty page answers last_end_time null: nothing further to ask for.
  [ "$has_more" = true ] && [ -n "$last_end_time" ] || break
  after=$last_end_time
done
echo "Completed downloading $files log files" >&2
