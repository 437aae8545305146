#!/usr/bin/env bash
# The paper suite's wall times: results/wall_times.sh (see there), by default of every shard
# of results/paper/shards/.
#   results/paper/wall_times.sh [SHARD.db ...]
if (( $# == 0 )); then set -- paper; fi
exec "$(dirname "$0")/../wall_times.sh" "$@"
