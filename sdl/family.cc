#include "sdl/family.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "util/parallel.h"

namespace lrb::sdl {

const std::vector<const Family*>& AllFamilies() {
  // Made once and never destroyed (families are stateless; traits are read at exit too).
  static const std::vector<const Family*>* const families = [] {
    auto* list = new std::vector<const Family*>;
#define LRB_METHOD_FAMILY(name) list->push_back(Make_##name().release());
#include "sdl/method_families.inc"
#undef LRB_METHOD_FAMILY
    return list;
  }();
  return *families;
}

const std::vector<const FamilyTraits*>& AllFamilyTraits() {
  static const std::vector<const FamilyTraits*>* const traits = [] {
    auto* list = new std::vector<const FamilyTraits*>;
    for (const Family* family : AllFamilies()) list->push_back(&family->traits());
    return list;
  }();
  return *traits;
}

const FamilyTraits* FindFamilyTraits(std::string_view name) {
  for (const FamilyTraits* traits : AllFamilyTraits()) {
    if (traits->name == name) return traits;
  }
  return nullptr;
}

const Family& FamilyOf(std::string_view family) {
  for (const Family* entry : AllFamilies()) {
    if (entry->traits().name == family) return *entry;
  }
  // Unreachable for a parsed spec (ParseMethodSpec accepts only listed families).
  std::fprintf(stderr, "unknown method family \"%s\"\n", std::string(family).c_str());
  std::abort();
}

absl::Status CheckFamilyKnobs(const MethodSpec& spec) {
  return FamilyOf(spec.family).CheckKnobs(spec);
}

std::string_view L0PromiseText(L0Promise promise) {
  switch (promise) {
    case L0Promise::kNone:
      return "set by training";
    case L0Promise::kExactlyKPerSample:
      return "exactly k per sample";
    case L0Promise::kKPerSampleInTraining:
      return "k per sample on average (k*B per training batch)";
    case L0Promise::kAtMostKPerSample:
      return "at most k per sample";
    case L0Promise::kAtMostKPerSampleInTraining:
      return "at most k per sample on average (at most k*B per training batch)";
  }
  return "?";
}

std::vector<std::string_view> TestedExamples(const FamilyTraits& traits) {
  std::vector<std::string_view> examples = {traits.example};
  examples.insert(examples.end(), traits.variant_examples.begin(), traits.variant_examples.end());
  return examples;
}

L0Promise L0PromiseOf(const MethodSpec& spec) {
  const FamilyTraits& traits = TraitsOf(spec);
  return traits.l0_of != nullptr ? traits.l0_of(spec) : traits.l0;
}

KnobTraits TopkReluKnob() {
  return {.name = "relu",
          .type = KnobType::kInt,
          .default_value = 0,
          .min = 0,
          .max = 1,
          .help = "1: ReLU after the selection, codes max(0, z), so L0 <= k",
          .omitted_at_default = true};
}

bool ReluAfterSelection(const MethodSpec& spec) { return spec.IntKnob("relu") == 1; }

L0Promise TopkL0Promise(const MethodSpec& spec) {
  return ReluAfterSelection(spec) ? L0Promise::kAtMostKPerSample : L0Promise::kExactlyKPerSample;
}

void ApplyReluAfterSelection(const MethodSpec& spec, int64_t size, float* a) {
  if (!ReluAfterSelection(spec)) return;
  for (int64_t i = 0; i < size; ++i) a[i] = a[i] > 0.0f ? a[i] : 0.0f;
}

void ApplyReluAfterSelection(const MethodSpec& spec, SparseCodes& codes) {
  if (!ReluAfterSelection(spec)) return;
  for (CodeList& list : codes.levels) {
    for (float& value : list.values) value = value > 0.0f ? value : 0.0f;
  }
}

std::pair<double, double> Family::SparseBackward(const SparseBackwardContext& c) const {
  for (size_t level = 0; level < c.codes.levels.size(); ++level) {
    const std::vector<float>& values = c.codes.levels[level].values;
    const std::vector<float>& grad_a = c.grad_a[level];
    std::vector<float>& grad_z = c.grad_z[level];
    for (size_t e = 0; e < values.size(); ++e) grad_z[e] = values[e] != 0.0f ? grad_a[e] : 0.0f;
  }
  return {0.0, 0.0};
}

void KeepTopkPerRow(const KernelTable& kernels, const float* z, int64_t rows, int64_t n_q,
                    int64_t k, float* a) {
  std::vector<int32_t> indices(rows * k);
  std::vector<float> values(rows * k);
  kernels.topk_rows(z, rows, n_q, n_q, k, indices.data(), values.data());
  std::fill_n(a, rows * n_q, 0.0f);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t j = 0; j < k; ++j) a[r * n_q + indices[r * k + j]] = values[r * k + j];
  }
}

void PassGradientWhereActive(const float* a, const float* grad_a, int64_t size, float* grad_z) {
  for (int64_t i = 0; i < size; ++i) grad_z[i] = a[i] != 0.0f ? grad_a[i] : 0.0f;
}

void TopkCodes(const KernelTable& kernels, const float* z, int64_t rows, int64_t n_q, int64_t k,
               const std::vector<int64_t>& ends, SparseCodes& codes) {
  codes.rows = rows;
  codes.levels.resize(ends.size());
  if (ends.size() == 1) {
    // One level: the selection is the list itself.
    CodeList& list = codes.levels[0];
    list.width = k;
    list.indices.resize(rows * k);
    list.values.resize(rows * k);
    list.counts.assign(rows, static_cast<int32_t>(k));
    kernels.topk_rows(z, rows, n_q, n_q, k, list.indices.data(), list.values.data());
    return;
  }
  std::vector<int32_t> indices(rows * k);
  std::vector<float> values(rows * k);
  kernels.topk_rows(z, rows, n_q, n_q, k, indices.data(), values.data());
  int64_t begin = 0;
  for (size_t level = 0; level < ends.size(); ++level) {
    const int64_t width = ends[level] - begin;
    CodeList& list = codes.levels[level];
    list.width = width;
    list.indices.resize(rows * width);
    list.values.resize(rows * width);
    list.counts.assign(rows, static_cast<int32_t>(width));
    for (int64_t r = 0; r < rows; ++r) {
      std::copy_n(&indices[r * k + begin], width, &list.indices[r * width]);
      std::copy_n(&values[r * k + begin], width, &list.values[r * width]);
    }
    begin = ends[level];
  }
}

void CompactCodes(int64_t rows, int64_t max_width, const std::vector<int32_t>& counts,
                  const std::vector<int32_t>& indices, const std::vector<float>& values,
                  CodeList& list) {
  int64_t width = 1;
  for (const int32_t count : counts) width = std::max<int64_t>(width, count);
  list.width = width;
  list.counts = counts;
  list.indices.resize(rows * width);
  list.values.resize(rows * width);
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t count = counts[r];
    int32_t* idx = &list.indices[r * width];
    float* val = &list.values[r * width];
    std::copy_n(&indices[r * max_width], count, idx);
    std::copy_n(&values[r * max_width], count, val);
    // Padding repeats the row's last real index (its decoder row is already in cache).
    const int32_t pad = count > 0 ? idx[count - 1] : 0;
    std::fill(idx + count, idx + width, pad);
    std::fill(val + count, val + width, 0.0f);
  }
}

void ParallelRows(int64_t rows, int64_t work_per_row,
                  const std::function<void(int64_t, int64_t)>& fn) {
  static const int threads = DefaultThreadCount();
  constexpr int64_t kMinWorkPerThread = int64_t{1} << 17;
  const int64_t min_chunk = std::max<int64_t>(1, kMinWorkPerThread / std::max<int64_t>(1, work_per_row));
  ParallelFor(0, rows, threads, fn, min_chunk);
}

}  // namespace lrb::sdl
