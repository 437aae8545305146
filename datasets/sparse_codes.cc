#include "datasets/sparse_codes.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "datasets/rng_streams.h"
#include "util/parallel.h"
#include "util/philox.h"

namespace lrb::datasets {
namespace {

// Samples per block. Blocks, not threads, own the temporary buffers, and they are fixed by
// N alone; concatenating them in order gives the same CSR arrays for any thread count.
constexpr int64_t kSamplesPerBlock = 4096;

struct CodeBlock {
  std::vector<int64_t> row_sizes;
  std::vector<int32_t> indices;
  std::vector<float> values;
};

void GenerateBlock(const CodeOptions& options, int64_t begin, int64_t end, CodeBlock& block) {
  const CounterRng rng(options.seed, kCodeStream);
  // S = 0 (log S = -inf) is spelled out below: every gap is 0. Its gap draws are skipped,
  // not renumbered, so the magnitudes keep their odd indices.
  const double log_s = std::log(options.sparsity);
  block.row_sizes.reserve(end - begin);
  for (int64_t s = begin; s < end; ++s) {
    const uint64_t base = CodeDrawBase(s);
    const size_t row_start = block.indices.size();
    int64_t next = 0;  // first feature not yet decided
    for (uint64_t draw = base;; draw += 2) {
      // Compared before converting: near S = 1 a gap can be far larger than n (up to ~4e7).
      const double gap =
          options.sparsity == 0 ? 0.0 : std::floor(std::log(rng.Uniform(draw)) / log_s);
      if (gap >= static_cast<double>(options.n - next)) break;
      const int64_t feature = next + static_cast<int64_t>(gap);
      block.indices.push_back(static_cast<int32_t>(feature));
      block.values.push_back(
          static_cast<float>(options.c_min + options.beta * rng.Exponential(draw + 1)));
      next = feature + 1;
    }
    block.row_sizes.push_back(static_cast<int64_t>(block.indices.size() - row_start));
  }
}

}  // namespace

SparseCodes GenerateSparseCodes(const CodeOptions& options, int threads) {
  const int64_t num_samples = options.num_samples;
  const int64_t num_blocks = (num_samples + kSamplesPerBlock - 1) / kSamplesPerBlock;
  std::vector<CodeBlock> blocks(num_blocks);
  ParallelFor(0, num_blocks, threads, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      GenerateBlock(options, b * kSamplesPerBlock,
                    std::min(num_samples, (b + 1) * kSamplesPerBlock), blocks[b]);
    }
  });

  SparseCodes codes;
  codes.rows = num_samples;
  codes.cols = options.n;
  codes.indptr.resize(num_samples + 1);
  codes.indptr[0] = 0;
  std::vector<int64_t> block_start(num_blocks + 1, 0);
  for (int64_t b = 0; b < num_blocks; ++b) {
    int64_t row = b * kSamplesPerBlock;
    for (const int64_t size : blocks[b].row_sizes) {
      codes.indptr[row + 1] = codes.indptr[row] + size;
      ++row;
    }
    block_start[b + 1] = codes.indptr[row];
  }
  codes.indices.resize(codes.indptr[num_samples]);
  codes.values.resize(codes.indptr[num_samples]);
  ParallelFor(0, num_blocks, threads, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      std::copy(blocks[b].indices.begin(), blocks[b].indices.end(),
                codes.indices.begin() + block_start[b]);
      std::copy(blocks[b].values.begin(), blocks[b].values.end(),
                codes.values.begin() + block_start[b]);
      // Release as we go: at S = 0.9 and paper size the blocks hold ~120 MB.
      blocks[b] = CodeBlock();
    }
  });
  return codes;
}

}  // namespace lrb::datasets
