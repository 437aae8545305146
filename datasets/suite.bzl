"""Suites as Bazel build outputs.

lrb_suite(name, suite) generates the named suite of bench/suites.cc (the one list the CLI
and the tests read too) into the directory bazel-bin/<package>/<name>/ with
//bench:generate_suite: suite.json plus one dataset directory per dataset
(datasets/dataset_io.h). The action's output depends only on the suite definition and the
generator code (no timings are written), so Bazel caches it, locally or remotely.
"""

def _lrb_suite_impl(ctx):
    out = ctx.actions.declare_directory(ctx.attr.name)
    ctx.actions.run(
        executable = ctx.executable._generator,
        arguments = [
            "--suite=" + ctx.attr.suite,
            "--out=" + out.path,
            "--threads=%d" % ctx.attr.threads,
        ],
        outputs = [out],
        mnemonic = "LrbGenerateSuite",
        progress_message = "Generating LRB suite %s" % ctx.attr.suite,
    )
    return [DefaultInfo(files = depset([out]), runfiles = ctx.runfiles(files = [out]))]

lrb_suite = rule(
    implementation = _lrb_suite_impl,
    doc = "Generates an LRB suite's dataset files as a tree artifact.",
    attrs = {
        "suite": attr.string(mandatory = True, doc = "suite name in bench/suites.cc"),
        "threads": attr.int(default = 2, doc = "generator threads; bytes do not depend on it"),
        "_generator": attr.label(
            default = "//bench:generate_suite",
            executable = True,
            cfg = "exec",
        ),
    },
)
