#include "util/testing/best_cosines.h"

#include <cstdint>
#include <vector>

#include "Eigen/Core"

namespace lrb::testing {
namespace {

using RowMajorF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Rows scaled to unit length in double precision; zero rows stay zero.
Eigen::MatrixXd UnitRows(const float* data, int64_t count, int64_t dim) {
  Eigen::MatrixXd unit = Eigen::Map<const RowMajorF>(data, count, dim).cast<double>();
  for (int64_t i = 0; i < count; ++i) {
    const double norm = unit.row(i).norm();
    if (norm > 0) unit.row(i) /= norm;
  }
  return unit;
}

}  // namespace

std::vector<double> BestCosines(const std::vector<float>& rows, const std::vector<float>& features,
                                int64_t dim) {
  const int64_t n_rows = static_cast<int64_t>(rows.size()) / dim;
  const int64_t n_features = static_cast<int64_t>(features.size()) / dim;
  std::vector<double> best(n_features, 0.0);
  if (n_rows == 0) return best;
  const Eigen::MatrixXd cosines =
      (UnitRows(features.data(), n_features, dim) * UnitRows(rows.data(), n_rows, dim).transpose())
          .cwiseAbs();
  for (int64_t j = 0; j < n_features; ++j) best[j] = cosines.row(j).maxCoeff();
  return best;
}

double BestCosine(const std::vector<float>& rows, int64_t dim, const float* feature) {
  return BestCosines(rows, std::vector<float>(feature, feature + dim), dim)[0];
}

}  // namespace lrb::testing
