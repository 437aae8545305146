#!/usr/bin/env bash
# Speed regressions of the training step: builds //sdl:training_step_benchmark at a base
# revision and in the working tree (uncommitted changes included), runs the two binaries
# interleaved, and compares them with a Mann-Whitney U test (tools/benchmark_compare, as
# Google Benchmark's compare.py --utest does). Not part of CI: timings need a quiet machine.
# docs/regressions.md explains how to read the result.
#
#   tools/compare_speed.sh [--base=REV] [--rounds=N] [--repetitions=R] [--filter=REGEX]
#                          [--sizes=paper|smoke] [--time=real|cpu] [--out=DIR]
#
#   --base         revision to compare against (default: HEAD, i.e. measure uncommitted work)
#   --rounds       how many times each binary runs, alternating base / new (default 3)
#   --repetitions  --benchmark_repetitions per run (default 3); the U test pools
#                  rounds x repetitions samples per side (9 by default, compare.py's minimum
#                  advice)
#   --filter       --benchmark_filter (default: every benchmark of the sizes)
#   --sizes        the benchmark's --lrb_sizes (default paper)
#   --time         the time tested: real (default) or cpu
#   --out          where the JSON outputs and the report go (default: a new temp dir)
# Exit status: 0 no benchmark significantly slower, 1 one is (or a build or run failed),
# 2 bad usage.
set -euo pipefail

base=HEAD
rounds=3
repetitions=3
filter=.
sizes=paper
time_kind=real
out=
for arg in "$@"; do
  case "$arg" in
    --base=*) base=${arg#*=} ;;
    --rounds=*) rounds=${arg#*=} ;;
    --repetitions=*) repetitions=${arg#*=} ;;
    --filter=*) filter=${arg#*=} ;;
    --sizes=*) sizes=${arg#*=} ;;
    --time=*) time_kind=${arg#*=} ;;
    --out=*) out=${arg#*=} ;;
    -h | --help)
      sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "compare_speed.sh: unknown argument $arg (see --help)" >&2
      exit 2
      ;;
  esac
done
for number in "$rounds" "$repetitions"; do
  if ! [[ "$number" =~ ^[1-9][0-9]*$ ]]; then
    echo "compare_speed.sh: --rounds and --repetitions take a positive integer, got $number" >&2
    exit 2
  fi
done

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
base_commit=$(git rev-parse --verify --quiet "$base^{commit}") || {
  echo "compare_speed.sh: --base=$base is not a revision of $repo" >&2
  exit 2
}
out=${out:-$(mktemp -d -t lrb-compare-speed.XXXXXX)}
mkdir -p "$out"
scratch=$(mktemp -d -t lrb-compare-speed-base.XXXXXX)
worktree="$scratch/base"

cleanup() {
  if [[ -d "$worktree" ]]; then
    # The base checkout has its own Bazel server (its own output base): stop it, then drop the
    # checkout.
    (cd "$worktree" && ./bazelw shutdown >/dev/null 2>&1) || true
    git -C "$repo" worktree remove --force "$worktree" >/dev/null 2>&1 || true
  fi
  rm -rf "$scratch"
}
trap cleanup EXIT

# Builds the benchmark in the checkout $1 and copies the binary to $2, so that the two builds'
# bazel-bin symlinks cannot be confused later.
build_benchmark() {
  local checkout=$1 binary=$2
  echo "== building //sdl:training_step_benchmark in $checkout" >&2
  (cd "$checkout" && ./bazelw build -c opt //sdl:training_step_benchmark >&2)
  cp "$checkout/bazel-bin/sdl/training_step_benchmark" "$binary"
}

echo "== base: $base ($base_commit); new: the working tree of $repo" >&2
git worktree add --detach "$worktree" "$base_commit" >&2
build_benchmark "$worktree" "$out/base_benchmark"
build_benchmark "$repo" "$out/new_benchmark"
echo "== building //tools:benchmark_compare" >&2
./bazelw build -c opt //tools:benchmark_compare >&2
cp bazel-bin/tools/benchmark_compare "$out/benchmark_compare"

# Alternate base and new, so slow drifts of the machine (heat, other load) fall on both.
base_files=()
new_files=()
for ((round = 1; round <= rounds; round++)); do
  for side in base new; do
    json="$out/${side}_round${round}.json"
    echo "== round $round of $rounds: $side" >&2
    "$out/${side}_benchmark" --lrb_sizes="$sizes" --benchmark_filter="$filter" \
      --benchmark_repetitions="$repetitions" --benchmark_out="$json" \
      --benchmark_out_format=json >/dev/null
    if [[ $side == base ]]; then base_files+=("$json"); else new_files+=("$json"); fi
  done
done

join() { local IFS=,; echo "$*"; }
status=0
"$out/benchmark_compare" --base="$(join "${base_files[@]}")" \
  --contender="$(join "${new_files[@]}")" --time="$time_kind" | tee "$out/report.txt" ||
  status=$?
echo "== outputs and report in $out" >&2
exit "$status"
