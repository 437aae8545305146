"""Makes Debian's rules_cc (bazel-rules-cc 0.0.4) loadable by Debian's Bazel 4.2.3.

rules_cc 0.0.4 calls `use_cpp_toolchain()`, which Bazel 4.2.3's @bazel_tools does not
provide. Only two files use it; this rule copies the installed tree into the external
repository and rewrites those two call sites to the plain toolchain-type list that
`use_cpp_toolchain()` returns on Bazel 4.
"""

_PATCHED_FILES = [
    "cc/private/rules_impl/compiler_flag.bzl",
    "cc/private/rules_impl/cc_flags_supplier.bzl",
]

def _debian_rules_cc_impl(ctx):
    src = ctx.attr.path
    if not ctx.path(src + "/cc/defs.bzl").exists:
        fail("rules_cc not found at %s: install Debian's bazel-rules-cc (./bazelw does)" % src)
    result = ctx.execute(["cp", "-r", src + "/.", "."])
    if result.return_code != 0:
        fail("copying %s failed: %s" % (src, result.stderr))
    for f in _PATCHED_FILES:
        text = ctx.read(f)
        text = text.replace(
            '"find_cpp_toolchain", "use_cpp_toolchain")',
            '"find_cpp_toolchain")',
        )
        text = text.replace(
            "use_cpp_toolchain()",
            '["@bazel_tools//tools/cpp:toolchain_type"]',
        )
        ctx.file(f, text)

debian_rules_cc = repository_rule(
    implementation = _debian_rules_cc_impl,
    attrs = {"path": attr.string(default = "/usr/share/bazel/rules/cc")},
    local = True,
)
