#!/usr/bin/env bash
# `lrb slurm` on a real one-node Slurm cluster: the smoke suite as 4 shards (datasets
# generated once, a 4-task job array, the merge after it), and the merged database checked
# against a plain `lrb run --suite=smoke` by the same binary: the same run keys, every
# metric identical (timings aside: they are not metrics), and the same printed board once
# the training-time column is dropped.
set -euo pipefail
LRB_TEST_NAME=slurm
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib.sh"
source "$here/slurm_cluster.sh"
root=$(lrb_repo_root)

readonly SUITE=smoke SHARDS=4

[[ $(id -u) -eq 0 ]] || lrb_skip "needs root to run Slurm's daemons (SlurmUser=root)"
lrb_require_integration_packages

work=$(mktemp -d /tmp/lrb-slurm.XXXXXX)
cleanup() {
  slurm_cluster_stop
  rm -rf "$work"
}
trap cleanup EXIT

(cd "$root" && ./bazelw build //bench:lrb >"$work/build.log" 2>&1) ||
  { tail -n 30 "$work/build.log"; lrb_fail "cannot build //bench:lrb"; }
lrb="$work/lrb"
cp "$root/bazel-bin/bench/lrb" "$lrb"

slurm_cluster_start "$work/cluster" || lrb_skip "the Slurm daemons cannot start here (see above)"
lrb_log "cluster up: $(sinfo -h -N -o '%N %t %c CPUs')"

# A space in the job directory: the scripts must quote it.
job="$work/slurm job"
start=$SECONDS
"$lrb" slurm --suite=$SUITE --shards=$SHARDS --cpus=1 --out="$job" --submit ||
  lrb_fail "lrb slurm --submit failed"
mapfile -t jobs <"$job/jobs"
((${#jobs[@]} == 3)) || lrb_fail "submit.sh recorded ${#jobs[@]} job ids, not 3"
if ! slurm_cluster_wait 900 "${jobs[@]}"; then
  slurm_cluster_logs
  lrb_fail "jobs ${jobs[*]} not over after 900 s: $(slurm_cluster_states "${jobs[@]}" | tr '\n' ' ')"
fi
slurm_seconds=$((SECONDS - start))
states=$(slurm_cluster_states "${jobs[@]}" | tr '\n' ' ')
lrb_log "slurm jobs over in ${slurm_seconds} s: $states"
expected="${jobs[0]} COMPLETED "
for ((task = 0; task < SHARDS; task++)); do expected+="${jobs[1]}_$task COMPLETED "; done
expected+="${jobs[2]} COMPLETED "
if [[ "$states" != "$expected" ]]; then
  cat "$job"/logs/*.out >&2 || true
  lrb_fail "job states: $states; expected $expected"
fi
merged="$job/$SUITE.db"
[[ -f "$merged" ]] || lrb_fail "the merge job left no $merged"

# The same suite in one plain process, one thread per run like the array tasks.
start=$SECONDS
"$lrb" run --suite=$SUITE --db="$work/plain.db" --threads=1 >"$work/plain.log" 2>&1 ||
  { cat "$work/plain.log"; lrb_fail "the plain lrb run failed"; }
lrb_log "plain run: $((SECONDS - start)) s"

# Every finished run's metrics, by run key, to 17 significant digits (exact for doubles).
metrics() {
  sqlite3 -readonly "$1" "SELECT r.run_key, m.name, printf('%.17g', m.value)
    FROM runs r JOIN metrics m ON m.run_id = r.id WHERE r.status = 'ok' ORDER BY 1, 2"
}
metrics "$merged" >"$work/merged.metrics"
metrics "$work/plain.db" >"$work/plain.metrics"
runs=$(cut -d'|' -f1 "$work/plain.metrics" | sort -u | wc -l)
suite_runs=$("$lrb" suites | awk -v s="$SUITE@" 'index($1, s) == 1 {print $2}')
((runs == suite_runs)) || lrb_fail "the plain run finished $runs runs, the suite has $suite_runs"
if ! diff -u "$work/plain.metrics" "$work/merged.metrics" >"$work/metrics.diff"; then
  head -n 40 "$work/metrics.diff"
  lrb_fail "the merged database's metrics differ from the plain run's (diff above)"
fi

# The printed boards, without the training time (the last column), which is a timing.
board() {
  "$lrb" leaderboard --suite=$SUITE --db="$1" --all | sed -E 's/ +[^ ]+$//'
}
board "$merged" >"$work/merged.board"
board "$work/plain.db" >"$work/plain.board"
if ! diff -u "$work/plain.board" "$work/merged.board"; then
  lrb_fail "the merged board differs from the plain run's (diff above)"
fi
echo "PASS: $LRB_TEST_NAME ($SHARDS shards through Slurm in ${slurm_seconds} s;" \
  "$runs runs, $(wc -l <"$work/plain.metrics") metrics identical)"
