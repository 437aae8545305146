#ifndef LRB_BENCH_SUITES_H_
#define LRB_BENCH_SUITES_H_

// Named, versioned suites: each a list of datasets with its standard method matrix, seeds,
// backends and training budget. This list is the one place the CLI and the tests read;
// change a suite's version whenever any of its results would change.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace lrb::bench {

struct Suite {
  std::string name;         // e.g. "smoke"
  int version = 1;          // "smoke@1"
  std::string description;  // one line for `lrb suites`
  std::vector<std::string> datasets;  // canonical or shorthand DatasetSpecs
  std::vector<std::string> methods;   // MethodSpecs
  std::vector<std::string> backends;  // "scalar", "simd"
  std::vector<uint64_t> seeds;
  std::string train;                  // TrainSpec
  // tiny_all: besides its listed rows, one row per method family (sdl/method_families.inc)
  // that none of them trains as an SAE, at the family's tiny example. A new family joins
  // the suite with no edit to it (see PinnedFingerprint).
  bool one_row_per_family = false;

  std::string id() const { return name + "@" + std::to_string(version); }
  // Runs in the matrix: (dataset, method) pairs that fit (MethodFitsDataset) x backends x
  // seeds.
  int64_t size() const;
};

// Whether a method's topology is the one the dataset calls for: `transcoder.*` on datasets
// with +transcoder, `crosscoder.*(sources=m)` on +crosscoder(m=m), `sae.*` on the rest. A
// suite lists every method once and each dataset trains the ones that fit. Specs that do not
// parse fit nothing (suites_test checks that every spec parses).
bool MethodFitsDataset(std::string_view method_spec, std::string_view dataset_spec);

const std::vector<Suite>& AllSuites();

// Stable hash of everything that defines the suite's runs (datasets, methods, backends,
// seeds, budget) and of the dataset format version. suites_test pins it per suite id, so a
// suite cannot change while keeping its version.
std::string SuiteFingerprint(const Suite& suite);

// What suites_test pins per suite id: SuiteFingerprint, except that the rows a
// one_row_per_family suite derives from the family list are left out. Adding a family adds
// runs to tiny_all without changing any existing run (each run's key names its method and
// the family's version), so it needs no version bump; a change to any row listed by hand, to
// the datasets, backends, seeds or budget still does.
std::string PinnedFingerprint(const Suite& suite);

// The rows `suite` derives from the family list (empty unless one_row_per_family).
std::vector<std::string> FamilyRows(const Suite& suite);

// The suite called `name` (without version); the error lists the known names.
absl::StatusOr<const Suite*> FindSuite(std::string_view name);

}  // namespace lrb::bench

#endif  // LRB_BENCH_SUITES_H_
