"""A cc_library over a system library described by pkg-config.

Abseil ships ~137 pkg-config modules with a strict link order; asking pkg-config for the
modules we use gives that order instead of a hand-maintained list.
"""

def _pkg_config_library_impl(ctx):
    args = ["pkg-config", "--libs"] + ctx.attr.modules
    result = ctx.execute(args)
    if result.return_code != 0:
        fail("`%s` failed (is the -dev package installed? ./bazelw installs it): %s" %
             (" ".join(args), result.stderr))
    linkopts = [flag for flag in result.stdout.strip().split(" ") if flag]
    ctx.file("WORKSPACE", 'workspace(name = "%s")\n' % ctx.name)
    ctx.file("BUILD.bazel", """\
load("@rules_cc//cc:defs.bzl", "cc_library")

cc_library(
    name = "{name}",
    linkopts = {linkopts},
    visibility = ["//visibility:public"],
)
""".format(name = ctx.attr.target_name, linkopts = repr(linkopts)))

pkg_config_library = repository_rule(
    implementation = _pkg_config_library_impl,
    attrs = {
        "modules": attr.string_list(mandatory = True),
        "target_name": attr.string(mandatory = True),
    },
    local = True,
)
