// generate_suite: writes one suite's dataset files (bench/dataset_commands.h). The Bazel
// rule lrb_suite (datasets/suite.bzl) runs it as a build action, so suites are cached
// build outputs; it links only the suite list and datasets/, not the trainer.
//
//   generate_suite --suite=NAME --out=DIR [--threads=N]

#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "bench/dataset_commands.h"
#include "bench/suites.h"

ABSL_FLAG(std::string, suite, "", "suite to generate (see `lrb suites`)");
ABSL_FLAG(std::string, out, "", "output directory");
ABSL_FLAG(int, threads, 0, "threads (0: all); the bytes do not depend on it");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string out = absl::GetFlag(FLAGS_out);
  if (out.empty()) {
    std::cerr << "generate_suite: --out=DIR is required\n";
    return 2;
  }
  const auto suite = lrb::bench::FindSuite(absl::GetFlag(FLAGS_suite));
  if (!suite.ok()) {
    std::cerr << "generate_suite: " << suite.status().message() << "\n";
    return 2;
  }
  const absl::Status status =
      lrb::bench::GenerateSuiteCommand(**suite, out, absl::GetFlag(FLAGS_threads), &std::cerr);
  if (!status.ok()) {
    std::cerr << "generate_suite: " << status.message() << "\n";
    return 1;
  }
  return 0;
}
