#!/usr/bin/env bash
# The one-node Slurm cluster itself: starts it, runs a 2-task job array, checks that each
# task ran once with its own index, stops every daemon. Needs root; nothing of LRB.
set -euo pipefail
LRB_TEST_NAME=slurm_array
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib.sh"
source "$here/slurm_cluster.sh"

[[ $(id -u) -eq 0 ]] || lrb_skip "needs root to run Slurm's daemons (SlurmUser=root)"
lrb_require_integration_packages

work=$(mktemp -d /tmp/lrb-slurm-array.XXXXXX)
cleanup() {
  slurm_cluster_stop
  rm -rf "$work"
}
trap cleanup EXIT

slurm_cluster_start "$work/cluster" || lrb_skip "the Slurm daemons cannot start here (see above)"
lrb_log "cluster up: $(sinfo -h -N -o '%N %t %c CPUs %m MB')"

cat >"$work/array.sbatch" <<'JOB'
#!/bin/bash
#SBATCH --job-name=lrb-array-test
echo "task $SLURM_ARRAY_TASK_ID of job $SLURM_ARRAY_JOB_ID on $(hostname)"
JOB
job=$(sbatch --parsable --array=0-1 --chdir="$work" --output="$work/task-%a.out" \
  "$work/array.sbatch") || lrb_fail "sbatch refused the array"
lrb_log "submitted array job $job"
if ! slurm_cluster_wait 60 "$job"; then
  slurm_cluster_logs
  lrb_fail "array job $job still queued or running after 60 s"
fi
for task in 0 1; do
  grep -q "^task $task of job $job " "$work/task-$task.out" 2>/dev/null ||
    lrb_fail "task $task left no output ($(cat "$work/task-$task.out" 2>&1))"
done
states=$(slurm_cluster_states "$job" | tr '\n' ' ')
[[ "$states" == "${job}_0 COMPLETED ${job}_1 COMPLETED " ]] || lrb_fail "job states: $states"
lrb_log "tasks' output: $(cat "$work"/task-*.out | tr '\n' ';')"
echo "PASS: $LRB_TEST_NAME"
