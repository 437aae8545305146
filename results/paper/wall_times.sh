#!/usr/bin/env bash
# Wall times of the `paper` suite's shards, from their databases: per run (training, scoring,
# threads, when) and per shard (runs finished, the sum of their times, and the span from the
# first run's start to the last run's end; a shard resumed in a later session spans the gap
# too, so its sum is the number to compare). docs/scaling.md tabulates them.
#
# Usage (from the repository root): results/paper/wall_times.sh [SHARD.db ...]
set -euo pipefail
shopt -s nullglob
dbs=("$@")
(( ${#dbs[@]} > 0 )) || dbs=(results/paper/shards/*.db)
for db in "${dbs[@]}"; do
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
