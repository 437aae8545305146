#include "bench/scoring/reconstruction.h"

#include <limits>

#include "Eigen/Core"
#include "absl/strings/str_format.h"
#include "util/status_macros.h"

namespace lrb::scoring {
namespace {

using RowMajorFloats = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

}  // namespace

absl::StatusOr<ReconstructionScores> ScoreReconstruction(const CodesView& codes,
                                                         const float* decoder_rows,
                                                         const float* decoder_bias,
                                                         int64_t n_r, const float* targets,
                                                         const sdl::KernelTable& kernels) {
  if (codes.rows < 1 || n_r < 1) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "cannot score the reconstruction of %d samples of dimension %d", codes.rows, n_r));
  }
  LRB_RETURN_IF_ERROR(ValidateCodes(codes, "learned codes"));
  const int64_t rows = codes.rows;
  // x: the targets, rows x n_r; x_hat: their reconstructions W_D x_q + b_D, one CSR row per
  // sparse_decode call (k = the row's entry count).
  const Eigen::Map<const RowMajorFloats> x(targets, rows, n_r);
  RowMajorFloats x_hat(rows, n_r);
  for (int64_t r = 0; r < rows; ++r) {
    kernels.sparse_decode(codes.indices + codes.begin(r), codes.values + codes.begin(r), 1,
                          codes.end(r) - codes.begin(r), decoder_rows, n_r, n_r, decoder_bias,
                          x_hat.row(r).data(), n_r);
  }
  // Stored scores depend on these bits: both sums of squares are double sums over samples,
  // then dimensions, in index order, and the mean is each column's double sum in sample
  // order. Eigen keeps that order because it never vectorises a float -> double cast
  // (squaredNorm is then its plain left-to-right reduction over the row-major expression);
  // reconstruction_test pins FVU against that loop. The reconstructions are therefore
  // materialised (rows x n_r floats, the size of the targets): summing per sample and then
  // over samples would round differently.
  Eigen::RowVectorXd mean = Eigen::RowVectorXd::Zero(n_r);
  for (int64_t r = 0; r < rows; ++r) mean += x.row(r).cast<double>();
  mean /= static_cast<double>(rows);
  const double residual_sq = (x_hat.cast<double>() - x.cast<double>()).squaredNorm();
  const double total_sq = (x.cast<double>().rowwise() - mean).squaredNorm();
  ReconstructionScores scores;
  if (total_sq > 0) {
    scores.fvu = residual_sq / total_sq;
  } else {
    scores.fvu = residual_sq > 0 ? std::numeric_limits<double>::infinity() : 0.0;
  }
  return scores;
}

}  // namespace lrb::scoring
