#include "bench/scoring/cosines.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "Eigen/Core"
#include "absl/strings/str_format.h"

namespace lrb::scoring {
namespace {

using RowMajorFloats = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// unit = the `count` x `dim` rows (row-major) each scaled to unit norm; a row with norm below
// `zero_norm` becomes exactly zero. Returns the norms before scaling (0 for zeroed rows), or
// -1 for a row with a non-finite entry (its unit row is then unspecified).
//
// Stored scores depend on these bits: the norm is the double sum of squares in index order,
// the scale is one double multiply by 1 / norm, rounded to float. Eigen keeps that order here
// because it never vectorises a float -> double cast (squaredNorm is then its plain
// left-to-right reduction); cosines_test pins the norms against that loop.
std::vector<float> UnitRows(const float* rows, int64_t count, int64_t dim, double zero_norm,
                            std::vector<float>& unit) {
  const Eigen::Map<const RowMajorFloats> in(rows, count, dim);
  unit.resize(count * dim);
  Eigen::Map<RowMajorFloats> out(unit.data(), count, dim);
  std::vector<float> norms(count);
  for (int64_t i = 0; i < count; ++i) {
    const double norm = std::sqrt(in.row(i).cast<double>().squaredNorm());
    if (!std::isfinite(norm)) {
      norms[i] = -1;
    } else if (norm < zero_norm) {
      out.row(i).setZero();
      norms[i] = 0;
    } else {
      out.row(i) = (in.row(i).cast<double>() * (1.0 / norm)).cast<float>();
      norms[i] = static_cast<float>(norm);
    }
  }
  return norms;
}

}  // namespace

absl::StatusOr<CosineMatrix> ComputeCosines(const float* learned, int64_t n_q,
                                            const float* features, int64_t n, int64_t dim,
                                            const sdl::KernelTable& kernels) {
  if (n_q < 1 || n < 1 || dim < 1) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "cannot compare %d learned directions with %d features of dimension %d", n_q, n, dim));
  }
  constexpr double kZeroNorm = 1e-6;
  std::vector<float> unit_features, unit_learned;
  const std::vector<float> feature_norms = UnitRows(features, n, dim, kZeroNorm, unit_features);
  for (int64_t j = 0; j < n; ++j) {
    if (feature_norms[j] <= 0) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "ground-truth feature %d has norm %g; features must be finite and non-zero", j,
          feature_norms[j]));
    }
  }
  CosineMatrix cosines;
  cosines.features = n;
  cosines.latents = n_q;
  cosines.latent_norms = UnitRows(learned, n_q, dim, kZeroNorm, unit_learned);
  for (int64_t i = 0; i < n_q; ++i) {
    if (cosines.latent_norms[i] < 0) {
      return absl::InvalidArgumentError(
          absl::StrFormat("learned direction %d has a non-finite entry", i));
    }
  }
  cosines.values.resize(n * n_q);
  kernels.gemm_nt(n, n_q, dim, 1.0f, unit_features.data(), dim, unit_learned.data(), dim, 0.0f,
                  cosines.values.data(), n_q);
  // Rounding can push the cosine of parallel unit vectors a hair past 1.
  for (float& c : cosines.values) c = std::clamp(c, -1.0f, 1.0f);
  return cosines;
}

}  // namespace lrb::scoring
