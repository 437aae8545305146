#include "bench/scoring/absorption.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_format.h"
#include "util/status_macros.h"

namespace lrb::scoring {

absl::Status ValidateHierarchy(const Hierarchy& hierarchy, int64_t n) {
  if (static_cast<int64_t>(hierarchy.parent.size()) != n) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "hierarchy has %d parent entries for %d features", hierarchy.parent.size(), n));
  }
  for (int64_t j = 0; j < n; ++j) {
    const int32_t p = hierarchy.parent[j];
    if (p < -1 || p >= n) {
      return absl::InvalidArgumentError(
          absl::StrFormat("feature %d has parent %d, outside [-1, %d)", j, p, n));
    }
  }
  // Walk up from every feature; 0 = unvisited, 1 = on the current path, 2 = reaches a root.
  std::vector<char> state(n, 0);
  for (int64_t start = 0; start < n; ++start) {
    std::vector<int64_t> path;
    int64_t j = start;
    while (j >= 0 && state[j] == 0) {
      state[j] = 1;
      path.push_back(j);
      j = hierarchy.parent[j];
    }
    if (j >= 0 && state[j] == 1) {
      return absl::InvalidArgumentError(
          absl::StrFormat("feature %d is its own ancestor (a cycle in the hierarchy)", j));
    }
    for (const int64_t k : path) state[k] = 2;
  }
  return absl::OkStatus();
}

absl::StatusOr<AbsorptionScores> ScoreAbsorption(const Hierarchy& hierarchy,
                                                 const CodesView& truth,
                                                 const CodesView& learned,
                                                 const std::vector<int32_t>& best_latent,
                                                 const CosineMatrix& decoder_cosines) {
  const int64_t n = truth.cols, n_q = learned.cols;
  LRB_RETURN_IF_ERROR(ValidateHierarchy(hierarchy, n));
  if (truth.rows != learned.rows || static_cast<int64_t>(best_latent.size()) != n ||
      decoder_cosines.features != n || decoder_cosines.latents != n_q) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "absorption: %d true and %d learned samples, %d features, %d latents, %d best latents, "
        "a %d x %d decoder cosine matrix",
        truth.rows, learned.rows, n, n_q, best_latent.size(), decoder_cosines.features,
        decoder_cosines.latents));
  }
  LRB_RETURN_IF_ERROR(ValidateCodes(truth, "true codes"));
  LRB_RETURN_IF_ERROR(ValidateCodes(learned, "learned codes"));

  AbsorptionScores scores;
  std::vector<int32_t> child_slot(n, -1);
  for (int64_t c = 0; c < n; ++c) {
    if (hierarchy.parent[c] < 0) continue;
    child_slot[c] = static_cast<int32_t>(scores.children.size());
    ChildAbsorption& child = scores.children.emplace_back();
    child.child = static_cast<int32_t>(c);
    child.parent = hierarchy.parent[c];
    child.parent_latent = best_latent[child.parent];
  }
  // Takers per child as (child slot, latent) keys, counted after the pass.
  std::vector<int64_t> takers;
  std::vector<char> active(n, 0);
  std::vector<float> code(n_q, 0.0f);  // a_i(s) of the current sample
  for (int64_t s = 0; s < truth.rows; ++s) {
    for (int64_t e = truth.begin(s); e < truth.end(s); ++e) {
      active[truth.indices[e]] = truth.values[e] != 0.0f;
    }
    for (int64_t e = learned.begin(s); e < learned.end(s); ++e) {
      code[learned.indices[e]] = learned.values[e];
    }
    for (int64_t e = truth.begin(s); e < truth.end(s); ++e) {
      const int32_t c = truth.indices[e];
      if (child_slot[c] < 0 || !active[c]) continue;
      ChildAbsorption& child = scores.children[child_slot[c]];
      if (!active[child.parent]) continue;
      ++child.co_active;
      if (child.parent_latent >= 0 && code[child.parent_latent] != 0.0f) continue;
      ++child.absorbed_samples;
      double best = 0;
      int32_t taker = -1;
      for (int64_t t = learned.begin(s); t < learned.end(s); ++t) {
        const int32_t i = learned.indices[t];
        if (i == child.parent_latent || learned.values[t] == 0.0f) continue;
        // a_i <d_i, w_p> with w_p unit: the activation times d_i's norm times the cosine.
        const double carried = static_cast<double>(learned.values[t]) *
                               decoder_cosines.latent_norms[i] *
                               decoder_cosines.at(child.parent, i);
        if (carried > best || (carried == best && taker >= 0 && i < taker)) {
          best = carried;
          taker = i;
        }
      }
      if (taker >= 0) takers.push_back(static_cast<int64_t>(child_slot[c]) * n_q + taker);
    }
    for (int64_t e = truth.begin(s); e < truth.end(s); ++e) active[truth.indices[e]] = 0;
    for (int64_t e = learned.begin(s); e < learned.end(s); ++e) code[learned.indices[e]] = 0;
  }

  // The most frequent taker per child: sorted keys make equal (child, latent) runs adjacent,
  // in ascending latent order, so a strict > keeps the lowest index among ties.
  std::sort(takers.begin(), takers.end());
  for (size_t run = 0; run < takers.size();) {
    size_t next = run;
    while (next < takers.size() && takers[next] == takers[run]) ++next;
    ChildAbsorption& child = scores.children[takers[run] / n_q];
    const int64_t count = static_cast<int64_t>(next - run);
    if (count > child.taker_samples) {
      child.taker_samples = count;
      child.taker = static_cast<int32_t>(takers[run] % n_q);
    }
    run = next;
  }

  int64_t absorbed_children = 0, absorbed_samples = 0, by_child_latent = 0;
  double rate_sum = 0;
  for (size_t run = 0; run < takers.size(); ++run) {
    const ChildAbsorption& child = scores.children[takers[run] / n_q];
    by_child_latent += takers[run] % n_q == best_latent[child.child];
  }
  for (ChildAbsorption& child : scores.children) {
    if (child.co_active == 0) continue;
    ++scores.children_scored;
    child.rate = static_cast<double>(child.absorbed_samples) / child.co_active;
    child.absorbed = child.rate >= kAbsorbedRate;
    rate_sum += child.rate;
    absorbed_children += child.absorbed;
    absorbed_samples += child.absorbed_samples;
  }
  if (scores.children_scored > 0) {
    scores.mean_rate = rate_sum / scores.children_scored;
    scores.absorbed_fraction = static_cast<double>(absorbed_children) / scores.children_scored;
  }
  if (absorbed_samples > 0) {
    scores.taken_by_child_latent = static_cast<double>(by_child_latent) / absorbed_samples;
  }
  return scores;
}

}  // namespace lrb::scoring
