#!/usr/bin/env bash
# One shard of a suite's committed results (docs/results.md, "The runs"): the suite's runs
# for the given seeds, cut into N contiguous shards, shard I trained into its own database
# results/SUITE/shards/seeds{SEEDS}_shard{I}of{N}.db, its output appended to a log beside it.
#
# Usage (from the repository root, on a clean tree: every run records the commit):
#   results/run_shard.sh SUITE SEEDS I/N THREADS [DATA_DIR]
#   e.g. results/run_shard.sh paper 0 0/2 2      # paper suite, seed 0, first half, 2 threads
#        results/run_shard.sh topk 0 0/1 2       # the whole TopK sweep at seed 0
# DATA_DIR (default /tmp/lrb-SUITE-data) holds the suite's datasets; they are generated there
# when missing (deterministic, so regenerating gives the same hashes).
# Resumable: a finished run in the shard's database is reused, never retrained, so a shard
# cut short (the end of a session) continues where it stopped. results/merge.sh SUITE then
# folds every shard into results/SUITE/SUITE.db.
# A sweep reuses the runs it shares with the paper suite (the TopK runs on the paper's
# dataset): when results/paper/paper.db exists, `lrb run --reuse_from` copies those runs from
# it instead of training them again (same run key: same data, method, budget, seed, backend).
# Each invocation logs to a file of its own (results/SUITE/logs/NAME.TIME.log): appending to a
# committed log would modify a tracked file before lrb starts, and lrb would record the runs
# as made from a dirty tree (left off the boards). For the same reason it refuses to start
# while tracked files are modified.
set -euo pipefail
if (( $# < 4 )); then
  echo "usage: $0 SUITE SEEDS I/N THREADS [DATA_DIR]" >&2
  exit 2
fi
suite=$1 seeds=$2 shard=$3 threads=$4 data=${5:-/tmp/lrb-$1-data}
if [[ ! "$suite" =~ ^[a-z_0-9]+$ ]]; then
  echo "$0: suite '$suite' is not a suite name (lrb suites lists them)" >&2
  exit 2
fi
if [[ ! "$shard" =~ ^[0-9]+/[0-9]+$ ]]; then
  echo "$0: shard '$shard' is not I/N (e.g. 0/2)" >&2
  exit 2
fi
dirty=$(git status --porcelain --untracked-files=no)
if [[ -n "$dirty" ]]; then
  echo "$0: tracked files are modified; commit them first, or every run would be recorded as" \
    "made from a dirty tree and left off the boards:" >&2
  echo "$dirty" >&2
  exit 1
fi
lrb() { ./bazelw run --noshow_progress --ui_event_filters=-info //bench:lrb -- "$@"; }
[[ -f "$data/suite.json" ]] || lrb generate --suite="$suite" --out="$data"
mkdir -p "results/$suite/shards" "results/$suite/logs"
name="seeds${seeds}_shard${shard%/*}of${shard#*/}"
reuse=()
if [[ "$suite" != paper && -f results/paper/paper.db ]]; then
  reuse=(--reuse_from="$PWD/results/paper/paper.db")
fi
lrb run --suite="$suite" --data="$data" --seeds="$seeds" --shard="$shard" --threads="$threads" \
  "${reuse[@]}" \
  --db="results/$suite/shards/$name.db" >> "results/$suite/logs/$name.$(date -u +%Y%m%dT%H%M%SZ).log" 2>&1
