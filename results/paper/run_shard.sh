#!/usr/bin/env bash
# One shard of the `paper` suite (docs/results.md): the runs of the given seeds, cut into N
# contiguous shards, shard I trained into its own database results/paper/shards/.
#
# Usage (from the repository root, on a clean tree: the runs record the commit):
#   results/paper/run_shard.sh SEEDS I/N THREADS [DATA_DIR]
#   e.g. results/paper/run_shard.sh 0 0/2 2      # seed 0, first half, 2 threads
# Resumable: a finished run in the shard's database is reused, never retrained, so a shard
# cut short by the end of a session continues where it stopped. results/paper/merge.sh then
# folds every shard into results/paper/paper.db.
set -euo pipefail
if (( $# < 3 )); then
  echo "usage: $0 SEEDS I/N THREADS [DATA_DIR]" >&2
  exit 2
fi
seeds=$1 shard=$2 threads=$3 data=${4:-/tmp/lrb-paper-data}
lrb() { ./bazelw run --noshow_progress --ui_event_filters=-info //bench:lrb -- "$@"; }
[[ -f "$data/suite.json" ]] || lrb generate --suite=paper --out="$data"
mkdir -p results/paper/shards results/paper/logs
name="seeds${seeds}_shard${shard%/*}of${shard#*/}"
lrb run --suite=paper --data="$data" --seeds="$seeds" --shard="$shard" --threads="$threads" \
  --db="results/paper/shards/$name.db" >> "results/paper/logs/$name.log" 2>&1
