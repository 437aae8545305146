#include "util/parallel.h"

#include <atomic>
#include <vector>

#include "gtest/gtest.h"

namespace lrb {
namespace {

TEST(ParallelFor, CoversRangeExactlyOnceForAnyThreadCount) {
  for (int threads : {1, 2, 3, 8, 100}) {
    for (int64_t n : {0, 1, 2, 7, 1000}) {
      std::vector<std::atomic<int>> hits(n);
      ParallelFor(0, n, threads, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) hits[i]++;
      });
      for (int64_t i = 0; i < n; ++i) ASSERT_EQ(hits[i].load(), 1) << "threads=" << threads;
    }
  }
}

TEST(ParallelFor, RespectsMinimumChunk) {
  std::atomic<int> calls = 0;
  ParallelFor(0, 10, 8, [&](int64_t, int64_t) { calls++; }, /*min_chunk=*/5);
  EXPECT_EQ(calls.load(), 2);
}

}  // namespace
}  // namespace lrb
