#!/usr/bin/env bash
# The paper suite's shards: results/run_shard.sh with SUITE = paper (see there).
#   results/paper/run_shard.sh SEEDS I/N THREADS [DATA_DIR]
exec "$(dirname "$0")/../run_shard.sh" paper "$@"
