"""Leaderboards as Bazel build outputs, and the regression gates that read them.

lrb_board(name, suite, shards) turns one suite of bench/suites.cc into actions:

    <name>_data      lrb generate --suite=S --out=DIR           (leaderboard/suite.bzl)
    shard i of N     lrb run --suite=S --data=DIR --shard=i/N --db=<name>_shards/i_of_N.db
                         --threads=1 --jobs=1
    <name>           lrb merge --db=<name>.db --data=DIR <every shard db>
    <name>.html      lrb report --suite=S --db=<name>.db --out=<name>.html  (docs/report.md)

so `bazel build //leaderboard:<name>` leaves bazel-bin/leaderboard/<name>.db and, beside it,
the board's HTML report <name>.html (also a target of its own, //leaderboard:<name>.html,
for rules that take the page as an input). Each action
reads only its declared inputs (the lrb binary, the suite directory, the shard databases)
and writes only its declared output, by paths relative to the execution root; it needs no
network and no database outside its outputs, so Bazel caches it (an unchanged build runs
nothing) and the same targets run on a remote-execution cluster. A shard runs one model at a
time on one thread, so Bazel's scheduler (one core per action) keeps the machine busy with
`shards` actions and a shard's cost is its share of the suite's runs.

Given a committed baseline (`lrb baseline` output), the macro also declares
    <name>_gate      test: lrb compare <baseline> <name>.db, fails on a regression
    <name>_baseline  `bazel run` it to rewrite the baseline file in the source tree from the
                     board this build made (a deliberate change, reviewed as a diff)

lrb_compare_test is the gate itself; with expect_regression it asserts the opposite, which is
how the gate is tested against a planted regression (leaderboard/BUILD.bazel).
"""

load(":suite.bzl", "lrb_suite")

# Tags that Bazel reads as execution requirements of a target's actions (e.g. "no-remote-exec"
# for a board whose shards outlast a cluster's action timeout). Starlark rules do not pass a
# target's tags to its actions by themselves in Bazel 4.
_EXECUTION_TAGS = ["no-sandbox", "no-cache", "no-remote", "no-remote-exec", "local"]

# A shard or merge action runs lrb, then checks that SQLite folded everything into the
# database file: a -wal (or rollback -journal) file left beside it would hold committed
# transactions that are not in the file Bazel keeps, and Bazel would drop it silently (it is
# no declared output). SQLite removes both when the last connection closes cleanly.
_RUN_AND_CHECK_CLOSED = """set -eu
db="$1"
shift
"$@"
for side in "$db-wal" "$db-shm" "$db-journal"; do
  if [ -e "$side" ]; then
    echo "lrb left $side beside $db: the database was not closed cleanly, so its file may" \
         "lack committed transactions" >&2
    exit 1
  fi
done
"""

def _execution_requirements(ctx):
    # "block-network": the sandbox gives the action no network (linux-sandbox; remote
    # executors honour it too). A board needs none, and this proves it.
    requirements = {"block-network": ""}
    for tag in ctx.attr.tags:
        if tag in _EXECUTION_TAGS:
            requirements[tag] = ""
    return requirements

def _run_lrb_closing_db(ctx, db, lrb_arguments, inputs, mnemonic, progress_message):
    ctx.actions.run_shell(
        command = _RUN_AND_CHECK_CLOSED,
        arguments = [db.path, ctx.executable._lrb.path] + lrb_arguments,
        inputs = inputs,
        tools = [ctx.executable._lrb],
        outputs = [db],
        mnemonic = mnemonic,
        progress_message = progress_message,
        execution_requirements = _execution_requirements(ctx),
    )

def _lrb_board_impl(ctx):
    shards = ctx.attr.shards
    if shards < 1:
        fail("shards must be at least 1, got %d" % shards, attr = "shards")
    data = ctx.file.data
    if not data.is_directory:
        fail("data must be an lrb_suite target (a directory), got %s" % data.short_path, attr = "data")
    shard_dbs = []
    for i in range(shards):
        shard_db = ctx.actions.declare_file("%s_shards/%d_of_%d.db" % (ctx.label.name, i, shards))
        _run_lrb_closing_db(
            ctx,
            db = shard_db,
            lrb_arguments = [
                "run",
                "--suite=" + ctx.attr.suite,
                "--data=" + data.path,
                "--shard=%d/%d" % (i, shards),
                "--db=" + shard_db.path,
                "--threads=1",
                "--jobs=1",
            ],
            inputs = [data],
            mnemonic = "LrbRunShard",
            progress_message = "Running LRB suite %s, shard %d of %d" % (ctx.attr.suite, i + 1, shards),
        )
        shard_dbs.append(shard_db)
    board = ctx.actions.declare_file(ctx.label.name + ".db")
    _run_lrb_closing_db(
        ctx,
        db = board,
        # --data: the merge checks every run's dataset hash against the suite's files instead
        # of generating the datasets again to hash them.
        lrb_arguments = ["merge", "--db=" + board.path, "--data=" + data.path] +
                        [db.path for db in shard_dbs],
        inputs = shard_dbs + [data],
        mnemonic = "LrbMergeShards",
        progress_message = "Merging %d shard(s) of LRB suite %s into %s" % (shards, ctx.attr.suite, board.short_path),
    )
    report = ctx.outputs.report
    ctx.actions.run(
        executable = ctx.executable._lrb,
        # Reads the board read-only: no journal or -wal file is made, so the database Bazel
        # keeps is untouched.
        arguments = ["report", "--suite=" + ctx.attr.suite, "--db=" + board.path, "--out=" + report.path],
        inputs = [board],
        outputs = [report],
        mnemonic = "LrbReport",
        progress_message = "Writing the HTML report of LRB suite %s to %s" % (ctx.attr.suite, report.short_path),
        execution_requirements = _execution_requirements(ctx),
    )
    return [DefaultInfo(files = depset([board, report]), runfiles = ctx.runfiles(files = [board]))]

_lrb_board = rule(
    implementation = _lrb_board_impl,
    doc = "Runs an LRB suite in `shards` cached actions, merges them into <name>.db and " +
          "writes its report <name>.html.",
    outputs = {"report": "%{name}.html"},
    attrs = {
        "suite": attr.string(mandatory = True, doc = "suite name in bench/suites.cc"),
        "data": attr.label(
            mandatory = True,
            allow_single_file = True,
            doc = "the suite's datasets: an lrb_suite target of the same suite",
        ),
        "shards": attr.int(mandatory = True, doc = "number of run actions (>= 1)"),
        "_lrb": attr.label(default = "//bench:lrb", executable = True, cfg = "exec"),
    },
)

def _runfile(file):
    # Tests and `bazel run` start in the workspace's runfiles directory, so runfiles are named
    # by their short paths; the scripts run lrb without BUILD_WORKING_DIRECTORY, which would
    # otherwise make it resolve them against the user's directory under `bazel run`.
    return _shell_quote(file.short_path)

def _shell_quote(text):
    return "'" + text.replace("'", "'\\''") + "'"

def _results_file(ctx, attr_name):
    # A board's default outputs are its database and its HTML report; a baseline is one
    # .json file. The results are the one .db or .json among the target's files.
    files = [f for f in getattr(ctx.files, attr_name) if f.extension in ["db", "json"]]
    if len(files) != 1:
        fail("expected exactly one .db or .json file, got %s" % [f.short_path for f in getattr(ctx.files, attr_name)], attr = attr_name)
    return files[0]

def _compare_command(ctx):
    command = ["env", "-u", "BUILD_WORKING_DIRECTORY", _runfile(ctx.executable._lrb), "compare", _runfile(_results_file(ctx, "baseline")), _runfile(_results_file(ctx, "candidate"))]
    if ctx.attr.suite:
        command.append(_shell_quote("--suite=" + ctx.attr.suite))
    return " ".join(command)

_GATE_SCRIPT = """#!/usr/bin/env bash
# Generated by lrb_compare_test (leaderboard/boards.bzl): fails when {candidate} regresses
# from {baseline}. A deliberate change rewrites the baseline: see docs/regressions.md.
exec {compare}
"""

_EXPECT_REGRESSION_SCRIPT = """#!/usr/bin/env bash
# Generated by lrb_compare_test (leaderboard/boards.bzl): passes only when `lrb compare`
# finds a regression (exit 1) in {candidate} against {baseline} and names {metric}.
output=$({compare} 2>&1)
status=$?
printf '%s\\n' "$output"
if [[ $status -ne 1 ]]; then
  echo "FAIL: lrb compare exited with $status; expected 1 (a regression) for the planted" \\
       "regression of {metric}" >&2
  exit 1
fi
if [[ "$output" != *{metric_quoted}* ]]; then
  echo "FAIL: lrb compare found a regression but did not name the metric {metric}" >&2
  exit 1
fi
echo "PASS: the gate fails on the planted regression of {metric}"
"""

def _lrb_compare_test_impl(ctx):
    script = ctx.actions.declare_file(ctx.label.name + ".sh")
    baseline = _results_file(ctx, "baseline")
    candidate = _results_file(ctx, "candidate")
    fields = {
        "baseline": baseline.short_path,
        "candidate": candidate.short_path,
        "compare": _compare_command(ctx),
        "metric": ctx.attr.expect_regression,
        "metric_quoted": _shell_quote(ctx.attr.expect_regression),
    }
    template = _EXPECT_REGRESSION_SCRIPT if ctx.attr.expect_regression else _GATE_SCRIPT
    ctx.actions.write(script, template.format(**fields), is_executable = True)
    runfiles = ctx.runfiles(files = [baseline, candidate])
    runfiles = runfiles.merge(ctx.attr._lrb[DefaultInfo].default_runfiles)
    return [DefaultInfo(executable = script, runfiles = runfiles)]

lrb_compare_test = rule(
    implementation = _lrb_compare_test_impl,
    test = True,
    doc = "`lrb compare BASELINE CANDIDATE` as a test: fails on a regression.",
    attrs = {
        # One .json or .db among the target's files (a board's are its .db and its .html).
        "baseline": attr.label(mandatory = True, allow_files = [".json", ".db", ".html"]),
        "candidate": attr.label(mandatory = True, allow_files = [".json", ".db", ".html"]),
        "suite": attr.string(doc = "restricts the comparison to this suite's runs"),
        "expect_regression": attr.string(
            doc = "a metric name: the test then passes only if compare reports a regression " +
                  "(exit 1) whose report names it; for testing the gate itself",
        ),
        # Target configuration: the test runs it, like any test binary.
        "_lrb": attr.label(default = "//bench:lrb", executable = True, cfg = "target"),
    },
)

_BASELINE_WRITER_SCRIPT = """#!/usr/bin/env bash
# Generated by lrb_board (leaderboard/boards.bzl): rewrites {baseline} in the source tree
# from the board this build made. Run through `bazel run`, on purpose; commit the diff.
set -euo pipefail
if [[ -z "${{BUILD_WORKSPACE_DIRECTORY:-}}" ]]; then
  echo "run this with bazel run: it writes {baseline} into the source tree" >&2
  exit 2
fi
env -u BUILD_WORKING_DIRECTORY {lrb} baseline --suite={suite} --db={board} \\
  --out="$BUILD_WORKSPACE_DIRECTORY"/{baseline_quoted}
echo "wrote $BUILD_WORKSPACE_DIRECTORY/{baseline}; review it with git diff before committing"
"""

def _lrb_baseline_writer_impl(ctx):
    script = ctx.actions.declare_file(ctx.label.name + ".sh")
    baseline = ctx.attr.baseline_path
    ctx.actions.write(script, _BASELINE_WRITER_SCRIPT.format(
        baseline = baseline,
        baseline_quoted = _shell_quote(baseline),
        lrb = _runfile(ctx.executable._lrb),
        suite = _shell_quote(ctx.attr.suite),
        board = _runfile(_results_file(ctx, "board")),
    ), is_executable = True)
    runfiles = ctx.runfiles(files = [_results_file(ctx, "board")])
    runfiles = runfiles.merge(ctx.attr._lrb[DefaultInfo].default_runfiles)
    return [DefaultInfo(executable = script, runfiles = runfiles)]

_lrb_baseline_writer = rule(
    implementation = _lrb_baseline_writer_impl,
    executable = True,
    attrs = {
        "board": attr.label(mandatory = True, allow_files = [".db", ".html"]),
        "suite": attr.string(mandatory = True),
        "baseline_path": attr.string(mandatory = True, doc = "workspace-relative path"),
        "_lrb": attr.label(default = "//bench:lrb", executable = True, cfg = "target"),
    },
)

def lrb_board(name, suite, shards, baseline = None, tags = [], **kwargs):
    """A suite's leaderboard as build outputs, with its regression gate.

    Args:
      name: the board; bazel-bin/<package>/<name>.db.
      suite: suite name in bench/suites.cc.
      shards: number of cached run actions; each runs about 1/shards of the suite's runs.
      baseline: optional committed `lrb baseline` file in this package; declares <name>_gate
        and <name>_baseline.
      tags: for every target; execution tags (e.g. "no-remote-exec") reach the actions.
      **kwargs: common attributes (visibility, ...) for the board target.
    """
    lrb_suite(name = name + "_data", suite = suite, tags = tags)
    _lrb_board(name = name, suite = suite, data = ":" + name + "_data", shards = shards, tags = tags, **kwargs)
    if baseline == None:
        return
    lrb_compare_test(
        name = name + "_gate",
        size = "small",
        baseline = baseline,
        candidate = ":" + name,
        suite = suite,
        tags = tags,
    )
    _lrb_baseline_writer(
        name = name + "_baseline",
        board = ":" + name,
        suite = suite,
        baseline_path = native.package_name() + "/" + baseline.lstrip(":"),
        tags = tags,
    )
