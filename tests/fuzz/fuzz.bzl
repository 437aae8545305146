"""libFuzzer targets built with Debian's clang next to a gcc-configured Bazel.

Why this shape. The project's C++ toolchain is Bazel's auto-configured gcc, and gcc has no
libFuzzer. A second C++ toolchain (a crosstool for clang, selected by a platform or a
transition) is a lot of machinery for Bazel 4.2.3 offline, and it would change how every
other target is configured. Instead:

  * `_fuzz_objects_aspect` walks the ordinary cc_library graph below a fuzzer's `deps` and,
    for each library, compiles its `srcs` with clang++ (coverage + ASan + UBSan). The list
    of library sources therefore has exactly one home: the cc_library targets themselves.
    A file added to a library is fuzzed with no edit here; a library source that the fuzzer
    needs but cannot see is an undefined symbol at link time, so the build fails loudly
    instead of silently fuzzing less. Objects are cached per library and shared between
    fuzzers; a compile action only runs when some fuzzer links that library.
  * `lrb_fuzzer` links the closure of the libraries named in `link` (default: all of
    `deps`) with the fuzz target, `-fsanitize=fuzzer`, and the libraries' own linkopts
    (system Abseil, SQLite, ...). `link` exists because a package's facade can pull in far
    more than the parser under test (//sdl's facade brings the Highway kernels): the fuzzer
    names the facade for visibility and the private parser library for linking.
  * `lrb_fuzz_test` runs the fuzzer for a bounded time in `bazel test` (run_fuzzer.sh).

Nothing here goes through the cc toolchain, so the gcc flags of --config=asan/ubsan or
-c dbg never reach clang and these targets build the same under every configuration.
"""

# Debian's clang-14 and its compiler-rt (libclang-rt-14-dev): see ./bazelw.
_CLANG = "/usr/bin/clang++-14"

# Coverage instrumentation for libFuzzer plus ASan and UBSan, every UBSan report fatal.
# -O1 keeps the fuzzer fast without hiding bugs behind optimised-out code. NDEBUG stays
# undefined, unlike -c opt: library asserts (nlohmann::json's on a missing key) then catch
# what the release build would turn into undefined behaviour.
_SANITIZE = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all"]
_COMMON_COPTS = _SANITIZE + [
    "-fsanitize=fuzzer-no-link",
    "-std=c++20",
    "-O1",
    "-gline-tables-only",  # file:line in sanitizer stacks; full debug info only costs time
    # Paths relative to the execroot, not the per-action sandbox: stacks read
    # "datasets/npy.cc:296", and an object does not change with the sandbox it was built in.
    "-fdebug-compilation-dir=.",
    "-fno-omit-frame-pointer",
]

# Library sources are checked by the project's gcc -Werror build; clang's different warning
# set must not break the fuzz build of code this package does not own. The fuzz targets
# themselves are held to -Werror here.
_LIBRARY_WARNINGS = ["-w"]
_FUZZ_TARGET_WARNINGS = ["-Wall", "-Wextra", "-Werror"]

_CC_EXTENSIONS = ["cc", "cpp", "cxx", "c++", "C"]

FuzzObjectsInfo = provider(
    doc = "Clang-compiled objects of a cc_library closure, by library label.",
    fields = {
        # str(label) -> struct(objects = depset of File, linkopts = list of string), the
        # objects of that library and everything below it.
        "by_label": "dict",
    },
)

def _include_args(compilation_context):
    args = []
    for define in compilation_context.defines.to_list():
        args.append("-D" + define)
    for path in compilation_context.quote_includes.to_list():
        args += ["-iquote", path]
    for path in compilation_context.includes.to_list():
        args += ["-I", path]
    for path in compilation_context.system_includes.to_list():
        args += ["-isystem", path]
    return args

def _compile(actions, src, out, compilation_context, extra_inputs, copts):
    actions.run(
        executable = _CLANG,
        arguments = _COMMON_COPTS + copts + _include_args(compilation_context) +
                    ["-c", src.path, "-o", out.path],
        inputs = depset([src] + extra_inputs, transitive = [compilation_context.headers]),
        outputs = [out],
        mnemonic = "FuzzCompile",
        progress_message = "Compiling %s for fuzzing (clang)" % src.short_path,
    )

def _linkopts(cc_info):
    flags = []
    for linker_input in cc_info.linking_context.linker_inputs.to_list():
        flags += linker_input.user_link_flags
    return flags

def _rule_files(ctx, attr):
    return getattr(ctx.rule.files, attr, []) if hasattr(ctx.rule.files, attr) else []

def _fuzz_objects_aspect_impl(target, ctx):
    by_label = {}
    deps = getattr(ctx.rule.attr, "deps", [])
    for dep in deps:
        if FuzzObjectsInfo in dep:
            by_label.update(dep[FuzzObjectsInfo].by_label)
    if CcInfo not in target:
        return [FuzzObjectsInfo(by_label = by_label)]

    compilation_context = target[CcInfo].compilation_context
    # Private headers listed in srcs are inputs too (not always part of `headers`).
    headers = [
        f
        for attr in ("srcs", "hdrs", "textual_hdrs")
        for f in _rule_files(ctx, attr)
        if f.extension not in _CC_EXTENSIONS
    ]
    copts = _LIBRARY_WARNINGS + getattr(ctx.rule.attr, "copts", [])
    objects = []
    for src in _rule_files(ctx, "srcs"):
        if src.extension not in _CC_EXTENSIONS:
            continue
        out = ctx.actions.declare_file(
            "_fuzz_objs/%s/%s.o" % (ctx.label.name, src.short_path.replace("/", "_")),
        )
        _compile(ctx.actions, src, out, compilation_context, headers, copts)
        objects.append(out)

    below = [
        dep[FuzzObjectsInfo].by_label[str(dep.label)].objects
        for dep in deps
        if FuzzObjectsInfo in dep and str(dep.label) in dep[FuzzObjectsInfo].by_label
    ]
    by_label[str(target.label)] = struct(
        objects = depset(objects, transitive = below),
        linkopts = _linkopts(target[CcInfo]),
    )
    return [FuzzObjectsInfo(by_label = by_label)]

_fuzz_objects_aspect = aspect(
    implementation = _fuzz_objects_aspect_impl,
    attr_aspects = ["deps"],
)

def _lrb_fuzzer_impl(ctx):
    by_label = {}
    for dep in ctx.attr.deps:
        by_label.update(dep[FuzzObjectsInfo].by_label)
    link = [str(ctx.label.relative(name)) for name in ctx.attr.link] or \
           [str(dep.label) for dep in ctx.attr.deps]
    objects = []
    linkopts = []
    for name in link:
        if name not in by_label:
            fail("%s: `link` names %s, which is not a cc_library below `deps`" % (ctx.label, name))
        objects.append(by_label[name].objects)
        linkopts += by_label[name].linkopts

    compilation_context = cc_common.merge_cc_infos(
        cc_infos = [dep[CcInfo] for dep in ctx.attr.deps],
    ).compilation_context
    headers = [f for f in ctx.files.srcs if f.extension not in _CC_EXTENSIONS]
    own_objects = []
    for src in ctx.files.srcs:
        if src.extension not in _CC_EXTENSIONS:
            continue
        out = ctx.actions.declare_file("_fuzz_objs/%s/%s.o" % (ctx.label.name, src.basename))
        _compile(ctx.actions, src, out, compilation_context, headers, _FUZZ_TARGET_WARNINGS)
        own_objects.append(out)

    all_objects = depset(own_objects, transitive = objects).to_list()
    unique_linkopts = []
    for flag in linkopts:
        if flag not in unique_linkopts:
            unique_linkopts.append(flag)
    binary = ctx.actions.declare_file(ctx.label.name)
    ctx.actions.run(
        executable = _CLANG,
        arguments = _SANITIZE + ["-fsanitize=fuzzer", "-o", binary.path] +
                    [obj.path for obj in all_objects] + unique_linkopts,
        inputs = all_objects,
        outputs = [binary],
        mnemonic = "FuzzLink",
        progress_message = "Linking fuzzer %s (clang)" % binary.short_path,
    )
    return [DefaultInfo(files = depset([binary]), executable = binary)]

lrb_fuzzer = rule(
    implementation = _lrb_fuzzer_impl,
    doc = "A libFuzzer binary: `srcs` define LLVMFuzzerTestOneInput; library code comes " +
          "from the cc_library graph of `deps` (see the file comment).",
    attrs = {
        "srcs": attr.label_list(allow_files = True, mandatory = True),
        "deps": attr.label_list(
            aspects = [_fuzz_objects_aspect],
            providers = [CcInfo],
        ),
        # Labels of cc_libraries below `deps` whose closures are linked; default: `deps`.
        "link": attr.string_list(),
    },
    executable = True,
)

def lrb_fuzz_test(name, srcs, deps, seeds = [], link = [], max_total_time = 10, tags = [], **kwargs):
    """A libFuzzer target `<name>` and a bounded test `<name>_test` of it.

    The test replays every file under regressions/<name>/ (each must pass), then fuzzes for
    `max_total_time` seconds starting from `seeds` (files or a generated directory's files)
    plus corpus/<name>/, and fails on any crash, timeout, leak or sanitizer report.
    `bazel run //tests/fuzz:<name>` runs the fuzzer by hand (see docs/reliability.md).
    """
    corpus = native.glob(["corpus/%s/**" % name])
    lrb_fuzzer(
        name = name,
        srcs = srcs,
        deps = deps,
        link = link,
        testonly = True,
    )
    native.sh_test(
        name = name + "_test",
        srcs = ["run_fuzzer.sh"],
        args = [
            "$(rootpath :%s)" % name,
            str(max_total_time),
            "%s/regressions/%s" % (native.package_name(), name),
        ] + ["$(rootpaths %s)" % seed for seed in seeds] +
               ["%s/%s" % (native.package_name(), f) for f in corpus],
        data = [":" + name] + seeds + corpus + native.glob(["regressions/%s/**" % name]),
        # Leaves a margin over max_total_time for loading the corpus and the regressions.
        timeout = "short",
        tags = ["fuzz"] + tags,
        **kwargs
    )

def _lrb_seed_corpus_impl(ctx):
    out = ctx.actions.declare_directory(ctx.label.name)
    ctx.actions.run(
        executable = ctx.executable.tool,
        arguments = [ctx.attr.kind, out.path],
        outputs = [out],
        mnemonic = "FuzzSeeds",
        progress_message = "Writing %s seeds" % ctx.attr.kind,
    )
    return [DefaultInfo(files = depset([out]), runfiles = ctx.runfiles(files = [out]))]

# A seed corpus written at build time by `tool kind OUT_DIR` (make_seeds.cc): a directory
# whose file names only the tool knows, so adding a seed is an edit in one place.
lrb_seed_corpus = rule(
    implementation = _lrb_seed_corpus_impl,
    attrs = {
        "kind": attr.string(mandatory = True),
        "tool": attr.label(executable = True, cfg = "exec", mandatory = True),
    },
)
