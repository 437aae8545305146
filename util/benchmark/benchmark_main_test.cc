#include "util/benchmark/benchmark_main.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/testing/status_matchers.h"

namespace lrb::benchmarking {
namespace {

using ::lrb::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A mutable, null-terminated argv over `args` (args[0] is the program name).
class Argv {
 public:
  explicit Argv(std::vector<std::string> args) : args_(std::move(args)) {
    for (std::string& arg : args_) pointers_.push_back(arg.data());
    pointers_.push_back(nullptr);
    argc_ = static_cast<int>(args_.size());
  }
  int& argc() { return argc_; }
  char** argv() { return pointers_.data(); }
  std::vector<std::string> Remaining() const {
    std::vector<std::string> out;
    for (int i = 0; i < argc_; ++i) out.emplace_back(pointers_[i]);
    return out;
  }
  bool NullTerminated() const { return pointers_[argc_] == nullptr; }

 private:
  std::vector<std::string> args_;
  std::vector<char*> pointers_;
  int argc_ = 0;
};

TEST(TakeBenchmarkSizesFlagTest, DefaultsToPaperAndLeavesOtherFlags) {
  Argv args({"bench", "--benchmark_filter=dot", "--benchmark_min_time=0.01"});
  LRB_ASSERT_OK_AND_ASSIGN(const BenchmarkSizes sizes,
                           TakeBenchmarkSizesFlag(args.argc(), args.argv()));
  EXPECT_EQ(sizes, BenchmarkSizes::kPaper);
  EXPECT_THAT(args.Remaining(),
              ElementsAre("bench", "--benchmark_filter=dot", "--benchmark_min_time=0.01"));
}

TEST(TakeBenchmarkSizesFlagTest, TakesTheFlagOutAndTheLastOneWins) {
  Argv args({"bench", "--lrb_sizes=paper", "--benchmark_filter=dot", "--lrb_sizes=smoke",
             "--benchmark_min_time=0.01"});
  LRB_ASSERT_OK_AND_ASSIGN(const BenchmarkSizes sizes,
                           TakeBenchmarkSizesFlag(args.argc(), args.argv()));
  EXPECT_EQ(sizes, BenchmarkSizes::kSmoke);
  EXPECT_EQ(BenchmarkSizesName(sizes), "smoke");
  EXPECT_THAT(args.Remaining(),
              ElementsAre("bench", "--benchmark_filter=dot", "--benchmark_min_time=0.01"));
  EXPECT_TRUE(args.NullTerminated());
}

TEST(TakeBenchmarkSizesFlagTest, RejectsUnknownValuesNamingThem) {
  for (const char* bad : {"--lrb_sizes=tiny", "--lrb_sizes=", "--lrb_sizes=Paper"}) {
    Argv args({"bench", bad});
    EXPECT_THAT(TakeBenchmarkSizesFlag(args.argc(), args.argv()),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr(std::string("\"") + (bad + 12) + "\"; expected paper or smoke")))
        << bad;
  }
  Argv bare({"bench", "--lrb_sizes", "smoke"});
  EXPECT_THAT(TakeBenchmarkSizesFlag(bare.argc(), bare.argv()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--lrb_sizes=smoke")));
}

// A flag that merely starts with the same letters is not ours: Google Benchmark will report
// it as unrecognised.
TEST(TakeBenchmarkSizesFlagTest, LeavesLookalikeFlags) {
  Argv args({"bench", "--lrb_sizesx=smoke"});
  LRB_ASSERT_OK_AND_ASSIGN(const BenchmarkSizes sizes,
                           TakeBenchmarkSizesFlag(args.argc(), args.argv()));
  EXPECT_EQ(sizes, BenchmarkSizes::kPaper);
  EXPECT_THAT(args.Remaining(), ElementsAre("bench", "--lrb_sizesx=smoke"));
}

}  // namespace
}  // namespace lrb::benchmarking
