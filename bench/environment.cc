#include "bench/environment.h"

#include <sqlite3.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "hwy/highway.h"
#include "hwy/targets.h"

namespace lrb::bench {
namespace {

std::string CpuModel() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (absl::StartsWith(line, "model name")) {
      const size_t colon = line.find(':');
      if (colon != std::string::npos) {
        return std::string(absl::StripAsciiWhitespace(line.substr(colon + 1)));
      }
    }
  }
  return "unknown";
}

// Output of a shell command (trimmed), or "" if it fails.
std::string CommandOutput(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (pipe == nullptr) return "";
  std::string output;
  std::array<char, 256> buffer;
  while (fgets(buffer.data(), buffer.size(), pipe.get()) != nullptr) output += buffer.data();
  return std::string(absl::StripAsciiWhitespace(output));
}

std::string ShellQuote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

}  // namespace

leaderboard::Environment CaptureEnvironment(int threads) {
  leaderboard::Environment env;
  env.cpu = CpuModel();
  // The best target this CPU supports among those Highway can compile for.
  const int64_t supported = hwy::SupportedTargets();
  env.simd_target = supported == 0 ? "none" : hwy::TargetName(supported & -supported);
#if defined(__clang__)
  env.compiler = absl::StrCat("clang ", __clang_major__, ".", __clang_minor__, ".",
                              __clang_patchlevel__);
#elif defined(__GNUC__)
  env.compiler = absl::StrCat("gcc ", __GNUC__, ".", __GNUC_MINOR__, ".", __GNUC_PATCHLEVEL__);
#else
  env.compiler = "unknown";
#endif
#ifdef NDEBUG
  env.build_mode = "opt";
#else
  env.build_mode = "dbg";
#endif
  // The libraries whose code computes or stores results (OpenBLAS is only a test and
  // benchmark reference, sdl/kernels/blas_gemm.h).
  env.library_versions = absl::StrFormat("sqlite %s; hwy %d.%d.%d", sqlite3_libversion(),
                                         HWY_MAJOR, HWY_MINOR, HWY_PATCH);
  std::array<char, 256> host{};
  if (gethostname(host.data(), host.size() - 1) == 0) env.hostname = host.data();
  env.threads = threads;

  if (const char* workspace = std::getenv("BUILD_WORKSPACE_DIRECTORY")) {
    const std::string git = absl::StrCat("git -C ", ShellQuote(workspace), " ");
    env.git_commit = CommandOutput(git + "rev-parse HEAD 2>/dev/null");
    if (!env.git_commit.empty()) {
      env.git_dirty =
          !CommandOutput(git + "status --porcelain --untracked-files=no 2>/dev/null").empty();
    }
  }
  return env;
}

}  // namespace lrb::bench
