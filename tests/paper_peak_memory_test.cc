// Peak memory of paper-size runs (manual: minutes of work). Each test is one run of the
// paper setting through the whole harness -- generate the dataset (n=1000, n_p=768,
// N=100,000), train `kSteps` steps at batch 1024 with n_q = 16,000, score, record -- in this
// process, and checks the process's peak resident set (VmHWM) stays under 4 GiB. Run each
// test in its own process to measure it alone:
//   bazel run //tests:paper_peak_memory_test -- --gtest_filter='*Relu*'
// Buffers reach their size in the first steps, so a short run has the full run's peak.

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>

#include "bench/runner.h"
#include "bench/suites.h"
#include "gtest/gtest.h"
#include "leaderboard/store/store.h"

namespace lrb {
namespace {

constexpr int kSteps = 50;

// The process's peak resident set in bytes (VmHWM), or -1 if unknown.
int64_t PeakResidentBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6)) * 1024;
  }
  return -1;
}

void RunOne(const std::string& dataset, const std::string& method) {
  bench::Suite suite;
  suite.name = "paper_peak_memory";
  suite.datasets = {dataset};
  suite.methods = {method};
  suite.backends = {"simd"};
  suite.seeds = {0};
  suite.train = "train(steps=" + std::to_string(kSteps) +
                ",batch=1024,lr=0.0005,warmup=500,decay=0.2,clip=1)";
  const std::string db = testing::TempDir() + "/paper_peak_memory.db";
  std::remove(db.c_str());
  auto store = leaderboard::Store::Open(db);
  ASSERT_TRUE(store.ok()) << store.status();
  bench::RunOptions options;
  options.force = true;
  const auto summary = bench::RunSuite(suite, **store, options);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->trained, 1);
  EXPECT_EQ(summary->failed, 0);
  const int64_t peak = PeakResidentBytes();
  std::printf("peak resident set: %.0f MiB (%s on %s, %d steps)\n", peak / 1048576.0,
              method.c_str(), dataset.c_str(), kSteps);
  EXPECT_GT(peak, 0);
  EXPECT_LT(peak, int64_t{4} << 30) << "bytes";
}

// ReLU starts on the pipeline's dense path (most latents active at initialisation): the
// largest activation-sized buffers.
TEST(PaperPeakMemory, ReluSae) { RunOne("lrb", "sae.relu(latents=16000)"); }

// The crosscoder (m = 2 sources) doubles the data and model width: the largest model.
TEST(PaperPeakMemory, TopkCrosscoder) {
  RunOne("lrb+crosscoder(m=2)", "crosscoder.topk(sources=2,latents=16000,k=64)");
}

}  // namespace
}  // namespace lrb
