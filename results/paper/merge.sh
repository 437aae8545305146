#!/usr/bin/env bash
# The paper suite's merge: results/merge.sh with SUITE = paper (see there).
#   results/paper/merge.sh [DATA_DIR]
exec "$(dirname "$0")/../merge.sh" paper "$@"
