#!/usr/bin/env bash
# A shared Bazel cache works for the boards: nginx serves an HTTP cache on localhost; the
# board is built in one output base (which fills the cache), then in a second, empty output
# base, whose build must execute nothing: Bazel's summary counts only remote cache hits and
# internal actions, and its execution log shows every training action as a cache hit.
#
# The developer's disk cache (--disk_cache in ~/.bazelrc) is turned off for both builds
# (--disk_cache=), so the hits can only come from the HTTP cache.
set -euo pipefail
LRB_TEST_NAME=bazel_remote_cache
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib.sh"
source "$here/http_cache.sh"
root=$(lrb_repo_root)

readonly TARGET=${LRB_CACHE_TEST_TARGET:-//leaderboard:smoke}
# The mnemonic of the actions that train (leaderboard/boards.bzl).
readonly TRAINING_MNEMONIC=${LRB_CACHE_TEST_MNEMONIC:-LrbRunShard}

lrb_require_integration_packages

work=$(mktemp -d /tmp/lrb-remote-cache.XXXXXX)
bazel_in() {  # bazel_in OUTPUT_BASE ARGS...: Bazel with its own server for that output base
  local base=$1
  shift
  "$root/bazelw" --output_base="$base" --max_idle_secs=300 "$@"
}
stop_bazel() {
  local base pid
  for base in "$work/base-a" "$work/base-b"; do
    [[ -d "$base" ]] || continue
    pid=$(cat "$base/server/server.pid.txt" 2>/dev/null || true)
    (cd "$root" && bazel --output_base="$base" shutdown >/dev/null 2>&1) || true
    lrb_stop_pid "$pid" "bazel server of $base"
  done
}
cleanup() {
  stop_bazel
  http_cache_stop
  chmod -R u+w "$work" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

http_cache_start "$work/cache" || lrb_skip "nginx cannot serve the HTTP cache here (see above)"
lrb_log "HTTP cache at $HTTP_CACHE_URL"
cd "$root"
flags=(--disk_cache= --remote_cache="$HTTP_CACHE_URL" --noshow_progress)

start=$SECONDS
bazel_in "$work/base-a" build "${flags[@]}" "$TARGET" >"$work/a.log" 2>&1 ||
  { tail -n 40 "$work/a.log"; lrb_fail "the first build of $TARGET failed"; }
lrb_log "first build (fills the cache): $((SECONDS - start)) s; $(grep -E '^INFO: [0-9]+ processes' "$work/a.log")"
stop_bazel

start=$SECONDS
bazel_in "$work/base-b" build "${flags[@]}" --execution_log_json_file="$work/b.json" "$TARGET" \
  >"$work/b.log" 2>&1 ||
  { tail -n 40 "$work/b.log"; lrb_fail "the second build of $TARGET failed"; }
summary=$(grep -E '^INFO: [0-9]+ processes' "$work/b.log" || true)
lrb_log "second build (clean output base): $((SECONDS - start)) s; $summary"

# "INFO: 97 processes: 60 remote cache hit, 37 internal." Anything else (linux-sandbox,
# local, processwrapper-sandbox, worker) is an action that ran here.
[[ -n "$summary" ]] || lrb_fail "no process summary in the second build's output"
executed=$(echo "$summary" | sed -E 's/^INFO: [0-9]+ processes:? ?//; s/\.$//' | tr ',' '\n' |
  sed -E 's/^ +//' | grep -vE '^[0-9]+ (remote cache hit|internal)$' | grep -v '^$' || true)
[[ -z "$executed" ]] || lrb_fail "the second build executed actions: $executed ($summary)"
echo "$summary" | grep -qE '[1-9][0-9]* remote cache hit' ||
  lrb_fail "the second build had no remote cache hit: $summary"

# The execution log: one JSON object per spawn; each training spawn must be a cache hit.
training=$(grep -c "\"mnemonic\": \"$TRAINING_MNEMONIC\"" "$work/b.json" || true)
((training > 0)) || lrb_fail "no $TRAINING_MNEMONIC action in $TARGET's execution log"
# SpawnExec's fields print in proto order: "mnemonic" before "remoteCacheHit".
hits=$(awk -v want="$TRAINING_MNEMONIC" '
  /"mnemonic":/ { mnemonic = $0; sub(/.*"mnemonic": "/, "", mnemonic); sub(/".*/, "", mnemonic) }
  /"remoteCacheHit": true/ { if (mnemonic == want) n++ }
  END { print n + 0 }' "$work/b.json")
((hits == training)) ||
  lrb_fail "only $hits of $training $TRAINING_MNEMONIC actions were remote cache hits"
echo "PASS: $LRB_TEST_NAME ($training $TRAINING_MNEMONIC actions, all remote cache hits)"
