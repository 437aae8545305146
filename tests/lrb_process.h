#ifndef LRB_TESTS_LRB_PROCESS_H_
#define LRB_TESTS_LRB_PROCESS_H_

// Runs the real `lrb` binary (bench/lrb in the test's runfiles) the way a user's shell would,
// for the tests of the command line.

#include <string>

namespace lrb::testing {

struct LrbResult {
  int exit_code = -1;  // -1 when lrb did not exit normally (e.g. killed by a signal)
  std::string out;     // stdout
  std::string err;     // stderr
  std::string output() const { return out + err; }
};

// Runs `env bench/lrb args` through /bin/sh: `args` are shell words (quote specs), `env` is
// optional VAR=value words. Call from the runfiles directory (Bazel's default for tests).
LrbResult RunLrb(const std::string& args, const std::string& env = "");

}  // namespace lrb::testing

#endif  // LRB_TESTS_LRB_PROCESS_H_
