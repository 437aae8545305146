#include "bench/suite_dataset_hashes.h"

#include <filesystem>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "datasets/dataset_spec.h"
#include "datasets/generator.h"
#include "nlohmann/json.hpp"
#include "util/input_file.h"
#include "util/status_macros.h"

namespace lrb::bench {
namespace {

using json = nlohmann::json;

constexpr int64_t kMaxSuiteJsonBytes = 1 << 20;

absl::StatusOr<std::string> Canonical(const std::string& spec) {
  LRB_ASSIGN_OR_RETURN(const datasets::DatasetSpec parsed, datasets::ParseDatasetSpec(spec));
  return datasets::ToString(parsed);
}

}  // namespace

std::string SuiteDatasetHashes::Source() const {
  if (data_dir_.empty()) return "generated to hash them";
  return absl::StrCat("read from ", (std::filesystem::path(data_dir_) / "suite.json").string());
}

absl::StatusOr<bool> SuiteDatasetHashes::ReadSuiteJson(const Suite& suite) {
  if (const auto it = suite_json_read_.find(suite.id()); it != suite_json_read_.end()) {
    return it->second;
  }
  const std::string path = (std::filesystem::path(data_dir_) / "suite.json").string();
  LRB_ASSIGN_OR_RETURN(const std::string text, ReadSmallFile(path, kMaxSuiteJsonBytes));
  const json manifest = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (manifest.is_discarded() || !manifest.is_object() || !manifest.contains("suite") ||
      !manifest["suite"].is_string() || !manifest.contains("datasets") ||
      !manifest["datasets"].is_array()) {
    return absl::DataLossError(absl::StrCat(
        path, " is not a suite.json written by `lrb generate` (expected an object with "
              "\"suite\" and \"datasets\")"));
  }
  const bool describes = manifest["suite"].get<std::string>() == suite.id();
  if (describes) {
    const std::string fingerprint =
        manifest.contains("fingerprint") && manifest["fingerprint"].is_string()
            ? manifest["fingerprint"].get<std::string>()
            : "";
    if (fingerprint != SuiteFingerprint(suite)) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "%s describes %s with fingerprint \"%s\", but this lrb's %s has fingerprint %s; "
          "regenerate it with `lrb generate --suite=%s`",
          path, suite.id(), fingerprint, suite.id(), SuiteFingerprint(suite), suite.name));
    }
    for (const json& entry : manifest["datasets"]) {
      if (!entry.is_object() || !entry.contains("spec") || !entry["spec"].is_string() ||
          !entry.contains("content_hash") || !entry["content_hash"].is_string()) {
        return absl::DataLossError(
            absl::StrCat(path, ": a dataset entry lacks \"spec\" or \"content_hash\""));
      }
      known_[{suite.id(), entry["spec"].get<std::string>()}] =
          entry["content_hash"].get<std::string>();
    }
  }
  suite_json_read_[suite.id()] = describes;
  return describes;
}

absl::StatusOr<std::string> SuiteDatasetHashes::Expected(const Suite& suite,
                                                         const std::string& dataset_spec) {
  std::vector<std::string> canonical_specs;
  bool in_suite = false;
  for (const std::string& spec : suite.datasets) {
    LRB_ASSIGN_OR_RETURN(std::string canonical, Canonical(spec));
    in_suite = in_suite || canonical == dataset_spec;
    canonical_specs.push_back(std::move(canonical));
  }
  if (!in_suite) {
    return absl::NotFoundError(absl::StrFormat("%s has no dataset %s; its datasets are %s",
                                               suite.id(), dataset_spec,
                                               absl::StrJoin(canonical_specs, ", ")));
  }
  const std::pair<std::string, std::string> key{suite.id(), dataset_spec};
  if (const auto it = known_.find(key); it != known_.end()) return it->second;
  if (!data_dir_.empty()) {
    LRB_ASSIGN_OR_RETURN(const bool describes, ReadSuiteJson(suite));
    if (describes) {
      if (const auto it = known_.find(key); it != known_.end()) return it->second;
      return absl::DataLossError(absl::StrFormat("%s/suite.json lists no dataset %s of %s",
                                                 data_dir_, dataset_spec, suite.id()));
    }
  }
  const int threads = threads_ > 0 ? threads_
                                    : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  LRB_ASSIGN_OR_RETURN(const datasets::Dataset dataset,
                       datasets::GenerateDataset(dataset_spec, threads));
  known_[key] = dataset.content_hash;
  return dataset.content_hash;
}

}  // namespace lrb::bench
