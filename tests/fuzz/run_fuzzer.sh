#!/usr/bin/env bash
# The bounded fuzz test (fuzz.bzl, lrb_fuzz_test):
#   run_fuzzer.sh FUZZER SECONDS REGRESSION_DIR [SEED_FILE...]
# 1. replays each file of REGRESSION_DIR once (all of them, so that one report lists every
#    failing input), then
# 2. fuzzes for SECONDS from a fresh copy of the seed files (the fuzzer adds to its corpus,
#    so the seeds in runfiles are never written).
# Fails on any crash, sanitizer report, leak, input slower than 5 s or RSS over 2 GB. A
# crashing input is saved under the test's undeclared outputs
# (bazel-testlogs/tests/fuzz/<name>_test/test.outputs/).
set -euo pipefail

fuzzer=$1
seconds=$2
regressions=$3
shift 3

export TMPDIR="${TEST_TMPDIR:-$(mktemp -d)}"
# The fuzzers write every input to a file (and the store fuzzer has SQLite fsync it): on
# tmpfs that costs no disk I/O. Falls back to TEST_TMPDIR where /dev/shm is not writable.
if scratch=$(mktemp -d /dev/shm/lrb_fuzz.XXXXXX 2>/dev/null); then
  trap 'rm -rf "$scratch"' EXIT
  export TMPDIR="$scratch"
fi
artifacts="${TEST_UNDECLARED_OUTPUTS_DIR:-$TMPDIR}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
if [[ -x /usr/bin/llvm-symbolizer-14 ]]; then
  export ASAN_SYMBOLIZER_PATH=/usr/bin/llvm-symbolizer-14
fi
readonly limits=(-timeout=5 -rss_limit_mb=2048)
name=$(basename "$fuzzer")

failed=()
if [[ -d "$regressions" ]]; then
  while IFS= read -r -d '' input; do
    if ! "$fuzzer" "${limits[@]}" "$input" >"$TMPDIR/replay.log" 2>&1; then
      cat "$TMPDIR/replay.log" >&2
      echo "REGRESSION FAILS: $input" >&2
      failed+=("$input")
    fi
  done < <(find -L "$regressions" -type f -print0 | sort -z)
fi

corpus="$TMPDIR/corpus"
mkdir -p "$corpus"
i=0
# Seeds are files or directories (generated corpora); prefixed, since seeds from different
# places may share a base name.
if (($#)); then
  while IFS= read -r -d "" seed; do
    cp "$seed" "$corpus/seed_$((i++))_$(basename "$seed")"
  done < <(find -L "$@" -type f -print0)
fi

status=0
"$fuzzer" "${limits[@]}" -max_total_time="$seconds" -print_final_stats=1 \
  -artifact_prefix="$artifacts/" "$corpus" >"$TMPDIR/fuzz.log" 2>&1 || status=$?
if ((status != 0)); then
  cat "$TMPDIR/fuzz.log" >&2
  echo "FUZZING FAILED (exit $status); reproducer(s) in $artifacts:" >&2
  ls "$artifacts" >&2
  echo "replay: bazel run //tests/fuzz:$name -- \$PWD/<reproducer>" >&2
else
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$TMPDIR/fuzz.log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$TMPDIR/fuzz.log")
  echo "$name: ${runs:-?} inputs in ${seconds} s (${rate:-?} exec/s)," \
    "corpus $(find "$corpus" -type f | wc -l) files, ${#failed[@]} failing regressions"
fi

if ((${#failed[@]})); then
  echo "${#failed[@]} regression input(s) fail: ${failed[*]}" >&2
  exit 1
fi
exit "$status"
