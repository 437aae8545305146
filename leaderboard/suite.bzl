"""Suites as Bazel build outputs.

lrb_suite(name, suite) generates the named suite of bench/suites.cc (the one list the CLI
and the tests read too) into the directory bazel-bin/<package>/<name>/ with
`lrb generate --suite=NAME --out=DIR`: suite.json plus one dataset directory per dataset
(datasets/dataset_io.h). The bytes depend only on the suite definition and the generator
code (no timings, no thread count, no paths are written), so Bazel caches the action,
locally or remotely, and `lrb run --data=DIR` checks every dataset's hash when it reads it.
"""

def _lrb_suite_impl(ctx):
    out = ctx.actions.declare_directory(ctx.attr.name)
    ctx.actions.run(
        executable = ctx.executable._lrb,
        arguments = ["generate", "--suite=" + ctx.attr.suite, "--out=" + out.path],
        outputs = [out],
        mnemonic = "LrbGenerateSuite",
        progress_message = "Generating LRB suite %s into %s" % (ctx.attr.suite, out.short_path),
    )
    return [DefaultInfo(files = depset([out]), runfiles = ctx.runfiles(files = [out]))]

lrb_suite = rule(
    implementation = _lrb_suite_impl,
    doc = "Generates an LRB suite's dataset files as a tree artifact (a directory output).",
    attrs = {
        "suite": attr.string(mandatory = True, doc = "suite name in bench/suites.cc"),
        "_lrb": attr.label(
            default = "//bench:lrb",
            executable = True,
            cfg = "exec",
        ),
    },
)
