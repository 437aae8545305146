#!/usr/bin/env bash
# Wall times of a suite's shards, from their databases: per run (training, scoring, threads,
# when) and per shard (runs finished, the sum of their times, and the span from the first
# run's start to the last run's end; a shard resumed in a later session spans the gap too,
# so its sum is the number to compare). docs/scaling.md tabulates them.
#
# Usage (from the repository root):
#   results/wall_times.sh SUITE          # every shard of results/SUITE/shards/
#   results/wall_times.sh SHARD.db ...   # the named databases
set -euo pipefail
if (( $# < 1 )); then
  echo "usage: $0 SUITE | SHARD.db ..." >&2
  exit 2
fi
shopt -s nullglob
if [[ "$1" == *.db ]]; then
  dbs=("$@")
else
  dbs=(results/"$1"/shards/*.db)
  (( ${#dbs[@]} > 0 )) || { echo "$0: no shard databases in results/$1/shards" >&2; exit 1; }
fi
for db in "${dbs[@]}"; do
  [[ -f "$db" ]] || { echo "$0: no database $db" >&2; exit 1; }
  echo "== $db"
  sqlite3 -readonly -header -column "$db" "
    SELECT id, seed, status, threads, round(train_seconds, 1) AS train_s,
           round(score_seconds, 1) AS score_s, created_at, finished_at,
           substr(method_spec, 1, 60) AS method
    FROM runs ORDER BY id;"
  sqlite3 -readonly -header -column "$db" "
    SELECT count(*) AS finished, round(sum(train_seconds + score_seconds)) AS sum_s,
           round((julianday(max(finished_at)) - julianday(min(created_at))) * 86400) AS span_s
    FROM runs WHERE status = 'ok';"
done
