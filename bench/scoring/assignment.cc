#include "bench/scoring/assignment.h"

#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"

namespace lrb::scoring {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// State of the solver across rows. Column j is free iff row_of_column[j] == -1.
struct Solver {
  Solver(const float* cost_in, int64_t rows_in, int64_t cols_in, int64_t ld_in)
      : cost(cost_in), rows(rows_in), cols(cols_in), ld(ld_in), u(rows, 0.0), v(cols, 0.0),
        column_of_row(rows, -1), row_of_column(cols, -1), distance(cols),
        predecessor_row(cols, -1), unvisited(cols), row_visited(rows), column_visited(cols) {}

  const float* cost;
  int64_t rows, cols, ld;
  std::vector<double> u, v;                  // dual potentials
  std::vector<int32_t> column_of_row;        // -1 until the row is added
  std::vector<int32_t> row_of_column;        // -1 while free
  // Scratch of one Dijkstra run.
  std::vector<double> distance;              // shortest reduced path cost to each column
  std::vector<int32_t> predecessor_row;      // row from which each column was last reached
  std::vector<int32_t> unvisited;            // columns not yet taken out of the frontier
  std::vector<char> row_visited, column_visited;

  // One Dijkstra from the free row `start` over reduced costs; returns the free column that
  // ends the shortest augmenting path and sets `path_cost` to its length. Every row and
  // column it settles is flagged in row_visited / column_visited. Each step scans the
  // unvisited columns of one row: O(cols) per step.
  int32_t ShortestAugmentingPath(int32_t start, double& path_cost) {
    std::fill(distance.begin(), distance.end(), kInf);
    std::fill(row_visited.begin(), row_visited.end(), 0);
    std::fill(column_visited.begin(), column_visited.end(), 0);
    int64_t num_unvisited = cols;
    for (int64_t j = 0; j < cols; ++j) unvisited[j] = static_cast<int32_t>(j);

    double settled = 0;  // distance of the last settled column (0 at the start row)
    int32_t i = start;
    while (true) {
      row_visited[i] = 1;
      const float* row = cost + i * ld;
      const double offset = settled - u[i];
      double lowest = kInf;
      int64_t lowest_at = -1;
      for (int64_t t = 0; t < num_unvisited; ++t) {
        const int32_t j = unvisited[t];
        const double reduced = offset + static_cast<double>(row[j]) - v[j];
        if (reduced < distance[j]) {
          distance[j] = reduced;
          predecessor_row[j] = i;
        }
        // Among equally short columns prefer a free one: the search can stop there.
        if (distance[j] < lowest || (distance[j] == lowest && row_of_column[j] == -1)) {
          lowest = distance[j];
          lowest_at = t;
        }
      }
      // Every cost is finite and every unvisited column was just scanned, so lowest is finite.
      settled = lowest;
      const int32_t j = unvisited[lowest_at];
      column_visited[j] = 1;
      unvisited[lowest_at] = unvisited[--num_unvisited];
      if (row_of_column[j] == -1) {
        path_cost = settled;
        return j;
      }
      i = row_of_column[j];
    }
  }

  void AddRow(int32_t start) {
    double path_cost = 0;
    const int32_t sink = ShortestAugmentingPath(start, path_cost);
    // Update the potentials so that reduced costs stay >= 0 and are 0 along the new path.
    u[start] += path_cost;
    for (int64_t i = 0; i < rows; ++i) {
      if (row_visited[i] && i != start) u[i] += path_cost - distance[column_of_row[i]];
    }
    for (int64_t j = 0; j < cols; ++j) {
      if (column_visited[j]) v[j] -= path_cost - distance[j];
    }
    // Flip the path: each column on it takes the row that reached it.
    int32_t j = sink;
    while (true) {
      const int32_t i = predecessor_row[j];
      row_of_column[j] = i;
      std::swap(column_of_row[i], j);
      if (i == start) break;
    }
  }
};

}  // namespace

absl::StatusOr<Assignment> SolveAssignment(const float* cost, int64_t rows, int64_t cols,
                                           int64_t ld) {
  if (rows < 1 || rows > cols || ld < cols || cols > std::numeric_limits<int32_t>::max()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "assignment needs 1 <= rows <= cols < 2^31 and ld >= cols; got rows %d, cols %d, ld %d",
        rows, cols, ld));
  }
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) {
      if (!std::isfinite(cost[i * ld + j])) {
        return absl::InvalidArgumentError(
            absl::StrFormat("assignment cost [%d, %d] is %g; costs must be finite", i, j,
                            cost[i * ld + j]));
      }
    }
  }
  Solver solver(cost, rows, cols, ld);
  for (int64_t i = 0; i < rows; ++i) solver.AddRow(static_cast<int32_t>(i));

  Assignment result;
  result.column_of_row = std::move(solver.column_of_row);
  result.row_potential = std::move(solver.u);
  result.column_potential = std::move(solver.v);
  for (int64_t i = 0; i < rows; ++i) result.total_cost += cost[i * ld + result.column_of_row[i]];
  return result;
}

absl::Status CheckAssignmentCertificate(const float* cost, int64_t rows, int64_t cols,
                                        int64_t ld, const Assignment& a, double tolerance) {
  if (static_cast<int64_t>(a.column_of_row.size()) != rows ||
      static_cast<int64_t>(a.row_potential.size()) != rows ||
      static_cast<int64_t>(a.column_potential.size()) != cols) {
    return absl::InvalidArgumentError("assignment does not have the shape of the matrix");
  }
  std::vector<char> taken(cols, 0);
  for (int64_t i = 0; i < rows; ++i) {
    const int32_t j = a.column_of_row[i];
    if (j < 0 || j >= cols || taken[j]) {
      return absl::FailedPreconditionError(
          absl::StrFormat("row %d has column %d: out of range or taken twice", i, j));
    }
    taken[j] = 1;
    const double slack = cost[i * ld + j] - a.row_potential[i] - a.column_potential[j];
    if (std::fabs(slack) > tolerance) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "assigned pair (%d, %d) has reduced cost %g, expected 0", i, j, slack));
    }
  }
  for (int64_t j = 0; j < cols; ++j) {
    const double v = a.column_potential[j];
    if (v > tolerance || (!taken[j] && std::fabs(v) > tolerance)) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "column %d (%s) has potential %g; expected <= 0, and 0 when free", j,
          taken[j] ? "assigned" : "free", v));
    }
  }
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) {
      const double slack = cost[i * ld + j] - a.row_potential[i] - a.column_potential[j];
      if (slack < -tolerance) {
        return absl::FailedPreconditionError(absl::StrFormat(
            "pair (%d, %d) has reduced cost %g < 0: the potentials are not dual feasible", i, j,
            slack));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace lrb::scoring
