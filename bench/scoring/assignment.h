#ifndef LRB_BENCH_SCORING_ASSIGNMENT_H_
#define LRB_BENCH_SCORING_ASSIGNMENT_H_

// Exact rectangular linear assignment (the "Hungarian matching" behind MCC).
//
// Problem: given a dense cost matrix C (rows x cols, rows <= cols), find an injective
// col: [0, rows) -> [0, cols) minimising sum_i C[i, col(i)]. Every row is assigned; cols - rows
// columns stay free.
//
// Algorithm: shortest augmenting paths with Dijkstra on reduced costs (Jonker & Volgenant 1987,
// in the rectangular form of Crouse 2016, "On implementing 2D rectangular assignment
// algorithms", the algorithm behind SciPy's linear_sum_assignment). Rows are added one at a
// time; each addition runs one Dijkstra over the columns, whose every step scans one row in
// O(cols), until it reaches a free column. Dual potentials u (rows) and v (columns) keep all
// reduced costs C[i, j] - u[i] - v[j] >= 0, which is what makes every path shortest and the
// final assignment optimal (not approximate).
//
// Cost: O(rows * L * cols) time, where L is the mean number of Dijkstra steps per row; L = 1
// when every row's cheapest column is free (a good dictionary), and L <= rows always, so the
// worst case is O(rows^2 cols). Memory: the matrix (read only, never copied) plus O(rows + cols).
// Sparsifying the matrix (keeping each row's best few columns) would be faster but not exact,
// so it is not done.
//
// The potentials are returned as an optimality certificate (linear programming duality):
//   u[i] + v[j] <= C[i, j] for all i, j   (dual feasibility),
//   u[i] + v[col(i)] == C[i, col(i)]      (complementary slackness),
//   v[j] <= 0 for all j, v[j] == 0 for every free column,
// which together prove that no assignment is cheaper. CheckAssignmentCertificate verifies them.
// Arithmetic is in double over float costs, so the certificate holds to rounding (~1e-12 of
// the cost scale), and "optimal" means optimal up to that rounding.

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace lrb::scoring {

struct Assignment {
  std::vector<int32_t> column_of_row;  // rows entries, distinct, each in [0, cols)
  double total_cost = 0;               // sum_i C[i, column_of_row[i]], accumulated in double
  std::vector<double> row_potential;   // u, rows entries
  std::vector<double> column_potential;  // v, cols entries
};

// cost: rows x cols row-major with leading dimension ld >= cols; 1 <= rows <= cols, and every
// entry finite (InvalidArgument otherwise, naming the first bad entry). Deterministic: ties are
// broken by preferring a free column, then the lowest column index.
absl::StatusOr<Assignment> SolveAssignment(const float* cost, int64_t rows, int64_t cols,
                                           int64_t ld);

// Verifies the certificate above with absolute tolerance `tolerance` (e.g. 1e-9 for costs of
// order 1). Returns the first violated condition, naming the row, column and values.
absl::Status CheckAssignmentCertificate(const float* cost, int64_t rows, int64_t cols,
                                        int64_t ld, const Assignment& assignment,
                                        double tolerance);

}  // namespace lrb::scoring

#endif  // LRB_BENCH_SCORING_ASSIGNMENT_H_
