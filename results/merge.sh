#!/usr/bin/env bash
# Folds every shard database of results/SUITE/shards/ into results/SUITE/SUITE.db (runs
# already there are kept; dataset hashes are checked against DATA_DIR) and writes the
# suite's board beside it (board.md: mean and spread over seeds, anchoring deltas with their
# seed noise) and its HTML report (SUITE.html, self-contained).
#
# Usage (from the repository root): results/merge.sh SUITE [DATA_DIR]
# DATA_DIR defaults to /tmp/lrb-SUITE-data and is generated when missing.
set -euo pipefail
if (( $# < 1 )); then
  echo "usage: $0 SUITE [DATA_DIR]" >&2
  exit 2
fi
suite=$1 data=${2:-/tmp/lrb-$1-data}
dir="$PWD/results/$suite"
lrb() { ./bazelw run --noshow_progress --ui_event_filters=-info //bench:lrb -- "$@"; }
shopt -s nullglob
shards=("$dir"/shards/*.db)
(( ${#shards[@]} > 0 )) || { echo "$0: no shard databases in results/$suite/shards" >&2; exit 1; }
[[ -f "$data/suite.json" ]] || lrb generate --suite="$suite" --out="$data"
# The shards are committed as single files: fold each one's write-ahead log into it first.
for db in "${shards[@]}"; do sqlite3 "$db" 'PRAGMA wal_checkpoint(TRUNCATE);' > /dev/null; done
lrb merge --db="$dir/$suite.db" --data="$data" "${shards[@]}"
sqlite3 "$dir/$suite.db" 'PRAGMA wal_checkpoint(TRUNCATE);' > /dev/null
lrb report --suite="$suite" --db="$dir/$suite.db" --out="$dir/$suite.html"
lrb leaderboard --suite="$suite" --db="$dir/$suite.db" --format=md > "$dir/board.md"
