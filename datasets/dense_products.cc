#include "datasets/dense_products.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "util/parallel.h"

namespace lrb::datasets {
namespace {

// Outputs are computed in kTile x kTile register tiles: 16 double accumulators take 8 of
// the 16 SSE2 registers, leaving room for the operands of one depth step. (4 x 6 measured
// ~10% faster; not worth non-square tiles in the triangular Gram.)
constexpr int64_t kTile = 4;

// Tiles per parallel chunk: one tile at paper depth is ~12k multiply-adds, too little to
// be worth a thread on its own.
constexpr int64_t kMinTilesPerChunk = 64;

int64_t NumPanels(int64_t extent) { return (extent + kTile - 1) / kTile; }

// Panel p of the result holds source rows [p * kTile, p * kTile + kTile) transposed, so
// one depth step of a tile reads kTile consecutive doubles: element (d, r) of panel p is
// at p * depth * kTile + d * kTile + r. Rows past the end are zero; they only feed output
// entries that are never stored. src: rows x depth, row-major.
std::vector<double> PackRowPanels(const double* src, int64_t rows, int64_t depth) {
  std::vector<double> packed(NumPanels(rows) * depth * kTile, 0.0);
  for (int64_t r = 0; r < rows; ++r) {
    double* panel = packed.data() + (r / kTile) * depth * kTile + r % kTile;
    const double* row = src + r * depth;
    for (int64_t d = 0; d < depth; ++d) panel[d * kTile] = row[d];
  }
  return packed;
}

// The same layout for the columns of src (depth x cols, row-major): element (d, c) of
// panel p is source element (d, p * kTile + c).
std::vector<double> PackColumnPanels(const double* src, int64_t depth, int64_t cols) {
  std::vector<double> packed(NumPanels(cols) * depth * kTile, 0.0);
  for (int64_t d = 0; d < depth; ++d) {
    for (int64_t c = 0; c < cols; ++c) {
      packed[(c / kTile) * depth * kTile + d * kTile + c % kTile] = src[d * cols + c];
    }
  }
  return packed;
}

struct Tile {
  double v[kTile][kTile];
};

// tile(r, c) = sum over d ascending of a(d, r) * b(d, c), for one packed panel of each.
// Each accumulator sees its terms in depth order; the tiling only interleaves independent
// sums, which is what makes the result equal the naive loop bit for bit.
Tile MultiplyPanels(const double* a_panel, const double* b_panel, int64_t depth) {
  Tile acc = {};
  for (int64_t d = 0; d < depth; ++d) {
    const double* a = a_panel + d * kTile;
    const double* b = b_panel + d * kTile;
    // Fully unrolled so that the accumulators live in registers (GCC -O2 keeps them in
    // memory otherwise, at less than half the speed).
#pragma GCC unroll 4
    for (int64_t r = 0; r < kTile; ++r) {
#pragma GCC unroll 4
      for (int64_t c = 0; c < kTile; ++c) acc.v[r][c] += a[r] * b[c];
    }
  }
  return acc;
}

// Writes the part of `tile` inside the m x n output at (i0, j0); transposed if asked.
void StoreTile(const Tile& tile, int64_t i0, int64_t j0, int64_t m, int64_t n, bool transpose,
               double* out, int64_t ld) {
  const int64_t rows = std::min(kTile, m - i0);
  const int64_t cols = std::min(kTile, n - j0);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) {
      if (transpose) {
        out[(j0 + c) * ld + i0 + r] = tile.v[r][c];
      } else {
        out[(i0 + r) * ld + j0 + c] = tile.v[r][c];
      }
    }
  }
}

// The column jp of the upper-triangle tile enumeration (0,0), (0,1), (1,1), (0,2), ...
// that contains flat tile index t.
int64_t TriangleColumn(int64_t t) {
  int64_t jp = static_cast<int64_t>((std::sqrt(8.0 * static_cast<double>(t) + 1.0) - 1.0) / 2.0);
  while (jp * (jp + 1) / 2 > t) --jp;
  while ((jp + 1) * (jp + 2) / 2 <= t) ++jp;
  return jp;
}

}  // namespace

void Gram(const double* rows, int64_t m, int64_t depth, int threads, double* gram) {
  const std::vector<double> panels = PackRowPanels(rows, m, depth);
  const int64_t num_panels = NumPanels(m);
  const int64_t panel_size = depth * kTile;
  // Only tiles on or above the diagonal are computed; each also writes its mirror image.
  // Products commute exactly, so the mirror equals what the naive loop gives there too.
  const int64_t num_tiles = num_panels * (num_panels + 1) / 2;
  ParallelFor(
      0, num_tiles, threads,
      [&](int64_t begin, int64_t end) {
        int64_t jp = TriangleColumn(begin);
        int64_t ip = begin - jp * (jp + 1) / 2;
        // Column-panel-major order keeps panel jp in L1 across consecutive tiles.
        for (int64_t t = begin; t < end; ++t) {
          const Tile tile = MultiplyPanels(panels.data() + ip * panel_size,
                                           panels.data() + jp * panel_size, depth);
          StoreTile(tile, ip * kTile, jp * kTile, m, m, /*transpose=*/false, gram, m);
          if (ip != jp) StoreTile(tile, ip * kTile, jp * kTile, m, m, /*transpose=*/true, gram, m);
          if (++ip > jp) {
            ++jp;
            ip = 0;
          }
        }
      },
      kMinTilesPerChunk);
}

void MatMul(const double* a, const double* b, int64_t m, int64_t depth, int64_t n, int threads,
            double* c) {
  const std::vector<double> a_panels = PackRowPanels(a, m, depth);
  const std::vector<double> b_panels = PackColumnPanels(b, depth, n);
  const int64_t row_panels = NumPanels(m);
  const int64_t panel_size = depth * kTile;
  ParallelFor(
      0, row_panels * NumPanels(n), threads,
      [&](int64_t begin, int64_t end) {
        for (int64_t t = begin; t < end; ++t) {
          // Row panel fastest, so column panel t / row_panels stays in L1.
          const int64_t ip = t % row_panels;
          const int64_t jp = t / row_panels;
          const Tile tile = MultiplyPanels(a_panels.data() + ip * panel_size,
                                           b_panels.data() + jp * panel_size, depth);
          StoreTile(tile, ip * kTile, jp * kTile, m, n, /*transpose=*/false, c, n);
        }
      },
      kMinTilesPerChunk);
}

}  // namespace lrb::datasets
