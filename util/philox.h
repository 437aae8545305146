#ifndef LRB_UTIL_PHILOX_H_
#define LRB_UTIL_PHILOX_H_

// Counter-based random numbers (Philox4x32-10, Salmon et al., SC'11). A draw is a pure
// function of (seed, stream, index), so any thread may compute any draw and the bytes never
// depend on the thread count or the order of work. The distribution transforms are ours
// (never std::*_distribution, whose outputs differ between standard libraries); they are
// part of every dataset's bytes, so changing them changes dataset content hashes.

#include <array>
#include <cmath>
#include <cstdint>

namespace lrb {

// One Philox4x32-10 block: 128 random bits for a 128-bit counter under a 64-bit key.
std::array<uint32_t, 4> Philox4x32(std::array<uint32_t, 4> counter, std::array<uint32_t, 2> key);

// The random stream `stream` of seed `seed`; draw `index` is independent of every other.
class CounterRng {
 public:
  CounterRng(uint64_t seed, uint64_t stream) : seed_(seed), stream_(stream) {}

  // 128 random bits for draw `index`.
  std::array<uint32_t, 4> Block(uint64_t index) const {
    return Philox4x32({static_cast<uint32_t>(index), static_cast<uint32_t>(index >> 32),
                       static_cast<uint32_t>(stream_), static_cast<uint32_t>(stream_ >> 32)},
                      {static_cast<uint32_t>(seed_), static_cast<uint32_t>(seed_ >> 32)});
  }

  uint64_t Bits64(uint64_t index) const {
    const auto b = Block(index);
    return (static_cast<uint64_t>(b[1]) << 32) | b[0];
  }

  // Uniform in the open interval (0, 1), 53 random bits.
  double Uniform(uint64_t index) const { return ToOpenUnit(Bits64(index)); }

  // Standard normal by Box-Muller from the block's two 64-bit halves (one value per draw).
  double Normal(uint64_t index) const {
    const auto b = Block(index);
    const double u1 = ToOpenUnit((static_cast<uint64_t>(b[1]) << 32) | b[0]);
    const double u2 = ToOpenUnit((static_cast<uint64_t>(b[3]) << 32) | b[2]);
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586476925286766559 * u2);
  }

  // Exponential with mean 1.
  double Exponential(uint64_t index) const { return -std::log(Uniform(index)); }

  // Uniform integer in [0, bound), bound >= 1 (multiply-shift; bias below 2^-32 for our sizes).
  uint64_t Below(uint64_t index, uint64_t bound) const {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Bits64(index)) * bound) >> 64);
  }

 private:
  static double ToOpenUnit(uint64_t bits) {
    return (static_cast<double>(bits >> 11) + 0.5) * (1.0 / 9007199254740992.0);
  }

  uint64_t seed_;
  uint64_t stream_;
};

}  // namespace lrb

#endif  // LRB_UTIL_PHILOX_H_
