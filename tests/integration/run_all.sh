#!/usr/bin/env bash
# Runs every tests/integration/*_test.sh one after another (they start daemons and Bazel
# servers: not in parallel on a small machine) and ends with the line
#   integration: N passed, M skipped, K failed
# Exit status 0 when none failed. A test's full output is printed when it fails or skips;
# a passing test shows its last line and its time. Used by .ci/run after `bazel test //...`.
#   tests/integration/run_all.sh                    every test
#   tests/integration/run_all.sh slurm_array_test   the named ones
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# A test that hangs is a failure, not a stuck CI: each gets this many seconds.
readonly TIME_LIMIT=${LRB_INTEGRATION_TIME_LIMIT:-1200}

tests=("$here"/*_test.sh)
if (($#)); then
  tests=()
  for name in "$@"; do tests+=("$here/${name%.sh}.sh"); done
fi

passed=0 skipped=0 failed=0
for test in "${tests[@]}"; do
  name=$(basename "$test" .sh)
  log=$(mktemp)
  start=$SECONDS
  timeout --kill-after=30 "$TIME_LIMIT" "$test" >"$log" 2>&1
  status=$?
  elapsed=$((SECONDS - start))
  case $status in
    0)
      passed=$((passed + 1))
      echo "integration: $name passed in ${elapsed} s ($(tail -n 1 "$log"))"
      ;;
    77)
      skipped=$((skipped + 1))
      cat "$log"
      echo "integration: $name SKIPPED in ${elapsed} s"
      ;;
    *)
      failed=$((failed + 1))
      cat "$log"
      [[ $status -eq 124 ]] && echo "integration: $name timed out after ${TIME_LIMIT} s"
      echo "integration: $name FAILED (exit $status) in ${elapsed} s"
      ;;
  esac
  rm -f "$log"
done
echo "integration: ${passed} passed, ${skipped} skipped, ${failed} failed"
((failed == 0))
