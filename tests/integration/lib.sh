# Shared helpers of the integration tests (sourced, never run). Bash 4+.
#
# Conventions: a test prints `PASS: <name>`, `FAIL: <name>: <why>` or `SKIP: <name>: <why>`
# as its last line and exits 0, 1 or 77 (the automake convention for "skipped"). A test is
# skipped only when what it needs cannot exist on this machine (not root, no package
# archive, daemons that cannot start); everything after that is a pass or a failure.
# Every daemon a test starts is recorded with its process id and stopped by that id.

readonly LRB_SKIP=77

lrb_log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

lrb_skip() {
  echo "SKIP: ${LRB_TEST_NAME:-integration}: $*"
  exit "$LRB_SKIP"
}

lrb_fail() {
  echo "FAIL: ${LRB_TEST_NAME:-integration}: $*"
  exit 1
}

# The repository root (this file is tests/integration/lib.sh).
lrb_repo_root() { (cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd); }

# Installs the integration packages through ./bazelw (the project's one install path), or
# skips the test when that cannot be done here (not root and packages missing).
lrb_require_integration_packages() {
  local root out
  root=$(lrb_repo_root)
  if ! out=$("$root/bazelw" --install-integration-packages 2>&1); then
    lrb_skip "cannot install the integration packages: ${out//$'\n'/ }"
  fi
}

# A TCP port on 127.0.0.1 that nothing listens on now. Racy by nature (another process may
# take it before the daemon binds); daemons' start-up checks catch that.
lrb_free_port() {
  local port
  for _ in $(seq 1 100); do
    port=$((20000 + RANDOM % 30000))
    if ! ss -Hltn "sport = :$port" | grep -q .; then
      echo "$port"
      return 0
    fi
  done
  return 1
}

# lrb_wait_until SECONDS COMMAND...: runs COMMAND every 0.2 s until it succeeds (0) or the
# time is up (1).
lrb_wait_until() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

# lrb_stop_pid PID [NAME]: SIGTERM, up to 10 s to exit, then SIGKILL. Only ever called with
# the id of a process this test started.
lrb_stop_pid() {
  local pid=$1 name=${2:-process}
  [[ -n "$pid" ]] || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.2
  done
  lrb_log "$name ($pid) ignored SIGTERM for 10 s; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
}

# Process ids (other than this shell and its parents) whose working directory or an open
# file lies under DIR: what a daemon this test started left behind (Slurm's slurmstepd
# detaches from slurmd, so its id is found this way).
lrb_pids_using_dir() {
  local dir=$1 pid
  local -A mine=()
  pid=$$
  while [[ -n "$pid" && "$pid" != 0 ]]; do
    mine[$pid]=1
    pid=$(awk '/^PPid:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
  done
  mine[$BASHPID]=1
  # One find over every process's cwd and open files (readlink per file would take minutes
  # next to a JVM's thousands of descriptors).
  find /proc/[0-9]*/cwd /proc/[0-9]*/fd -maxdepth 1 \( -lname "$dir" -o -lname "$dir/*" \) \
    2>/dev/null | cut -d/ -f3 | sort -un | while read -r pid; do
    [[ -n "${mine[$pid]:-}" ]] || echo "$pid"
  done
}
