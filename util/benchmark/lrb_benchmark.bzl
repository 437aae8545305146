"""lrb_benchmark: a Google Benchmark binary that also runs, tiny, in `bazel test //...`."""

load("@rules_cc//cc:defs.bzl", "cc_binary", "cc_library", "cc_test")

def lrb_benchmark(name, srcs, deps = [], copts = [], smoke_args = [], testonly = False, **kwargs):
    """Declares `name` and `name + "_smoke"` from one compiled copy of `srcs`.

    `name` is a cc_binary tagged manual: `bazel run -c opt //pkg:name` runs the paper-sized
    benchmarks (add --benchmark_* flags as usual). `name_smoke` is a small cc_test that runs
    every benchmark once at --lrb_sizes=smoke, so that no benchmark rots unnoticed.

    The sources' main() calls lrb::benchmarking::RunBenchmarkMain
    (util/benchmark/benchmark_main.h), which owns --lrb_sizes=paper|smoke.

    Args:
      name: the binary; the test is name + "_smoke".
      srcs: the benchmark sources, main() included.
      deps: their dependencies (//util/benchmark:benchmark_main and @benchmark are added).
      copts: compiler options for the sources.
      smoke_args: extra arguments for the smoke test only.
      testonly: set when a dependency is testonly (e.g. a comparison library).
      **kwargs: passed to the binary and the test (e.g. visibility).
    """
    cc_library(
        name = name + "_lib",
        testonly = testonly,
        srcs = srcs,
        copts = copts,
        deps = deps + [
            "//util/benchmark:benchmark_main",
            "@benchmark",
        ],
        # main() and the benchmarks registered at static initialisation live here.
        alwayslink = True,
        visibility = ["//visibility:private"],
    )
    cc_binary(
        name = name,
        testonly = testonly,
        tags = ["manual"],
        deps = [":" + name + "_lib"],
        **kwargs
    )
    cc_test(
        name = name + "_smoke",
        size = "small",
        args = [
            "--lrb_sizes=smoke",
            "--benchmark_min_time=0.01",
        ] + smoke_args,
        deps = [":" + name + "_lib"],
        **kwargs
    )
