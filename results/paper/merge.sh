#!/usr/bin/env bash
# Folds every shard database of results/paper/shards/ into results/paper/paper.db (runs
# already there are kept; dataset hashes are checked against DATA_DIR) and writes the suite's
# board (board.md: mean and spread over seeds, anchoring deltas) and HTML report beside it.
#
# Usage (from the repository root): results/paper/merge.sh [DATA_DIR]
set -euo pipefail
data=${1:-/tmp/lrb-paper-data}
lrb() { ./bazelw run --noshow_progress --ui_event_filters=-info //bench:lrb -- "$@"; }
[[ -f "$data/suite.json" ]] || lrb generate --suite=paper --out="$data"
shopt -s nullglob
shards=("$PWD"/results/paper/shards/*.db)
(( ${#shards[@]} > 0 )) || { echo "no shard databases in results/paper/shards" >&2; exit 1; }
for db in "${shards[@]}"; do sqlite3 "$db" 'PRAGMA wal_checkpoint(TRUNCATE);' > /dev/null; done
lrb merge --db="$PWD/results/paper/paper.db" --data="$data" "${shards[@]}"
sqlite3 results/paper/paper.db 'PRAGMA wal_checkpoint(TRUNCATE);' > /dev/null
lrb report --suite=paper --db="$PWD/results/paper/paper.db" --out="$PWD/results/paper/paper.html"
lrb leaderboard --suite=paper --db="$PWD/results/paper/paper.db" --format=md \
  > results/paper/board.md
