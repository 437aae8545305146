#ifndef LRB_TESTS_FUZZ_FUZZ_SUPPORT_H_
#define LRB_TESTS_FUZZ_FUZZ_SUPPORT_H_

// Helpers for fuzz targets whose parser reads files: a scratch directory private to the
// fuzzer process, and a failure that libFuzzer reports as a crash (with the input saved).

#include <string>
#include <string_view>

namespace lrb::fuzz {

// $TMPDIR/lrb_fuzz_<pid>/<name>, created on first use; the same path on every call, so a
// fuzzer rewrites one directory instead of filling the disk. `name` is a plain name.
std::string ScratchPath(std::string_view name);

// An empty directory ScratchPath(name) (emptied if it exists).
std::string FreshScratchDir(std::string_view name);

// Writes `bytes` to `path`, replacing it; aborts if it cannot (that is the harness, not
// the parser, failing).
void WriteFileOrDie(const std::string& path, std::string_view bytes);

// An oracle violation: prints `what` and aborts, which libFuzzer reports as a crash.
[[noreturn]] void FailOracle(std::string_view what);

}  // namespace lrb::fuzz

#endif  // LRB_TESTS_FUZZ_FUZZ_SUPPORT_H_
