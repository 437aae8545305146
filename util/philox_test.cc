#include "util/philox.h"

#include <cmath>

#include "gtest/gtest.h"

namespace lrb {
namespace {

// Known-answer vectors from the Random123 distribution (kat_vectors, philox4x32 10 rounds).
TEST(Philox4x32, MatchesRandom123KnownAnswers) {
  EXPECT_EQ(Philox4x32({0, 0, 0, 0}, {0, 0}),
            (std::array<uint32_t, 4>{0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}));
  EXPECT_EQ(Philox4x32({0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu},
                       {0xffffffffu, 0xffffffffu}),
            (std::array<uint32_t, 4>{0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}));
  EXPECT_EQ(Philox4x32({0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u},
                       {0xa4093822u, 0x299f31d0u}),
            (std::array<uint32_t, 4>{0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}));
}

TEST(CounterRng, StreamsAndSeedsAreIndependent) {
  const CounterRng a(7, 0), b(7, 1), c(8, 0);
  EXPECT_NE(a.Bits64(0), b.Bits64(0));
  EXPECT_NE(a.Bits64(0), c.Bits64(0));
  EXPECT_EQ(a.Bits64(12345), CounterRng(7, 0).Bits64(12345));
}

TEST(CounterRng, DistributionMomentsMatch) {
  const CounterRng rng(42, 3);
  constexpr int kDraws = 200000;
  double u_sum = 0, n_sum = 0, n_sq = 0, e_sum = 0;
  for (int i = 0; i < kDraws; ++i) {
    const double u = rng.Uniform(i);
    ASSERT_GT(u, 0.0);
    ASSERT_LT(u, 1.0);
    u_sum += u;
    const double n = rng.Normal(i);
    n_sum += n;
    n_sq += n * n;
    e_sum += rng.Exponential(i);
  }
  // Tolerances are ~5 standard errors of each mean.
  EXPECT_NEAR(u_sum / kDraws, 0.5, 5 * std::sqrt(1.0 / 12 / kDraws));
  EXPECT_NEAR(n_sum / kDraws, 0.0, 5 * std::sqrt(1.0 / kDraws));
  EXPECT_NEAR(n_sq / kDraws, 1.0, 5 * std::sqrt(2.0 / kDraws));
  EXPECT_NEAR(e_sum / kDraws, 1.0, 5 * std::sqrt(1.0 / kDraws));
}

TEST(CounterRng, BelowStaysInRangeAndCoversIt) {
  const CounterRng rng(1, 1);
  int counts[7] = {};
  for (int i = 0; i < 70000; ++i) {
    const uint64_t v = rng.Below(i, 7);
    ASSERT_LT(v, 7u);
    ++counts[v];
  }
  for (int c : counts) EXPECT_NEAR(c, 10000, 500);
}

}  // namespace
}  // namespace lrb
