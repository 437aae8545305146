#include "datasets/dataset_io.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <new>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "datasets/dataset_spec.h"
#include "datasets/npy.h"
#include "nlohmann/json.hpp"
#include "util/atomic_file.h"
#include "util/input_file.h"
#include "util/parallel.h"
#include "util/status_macros.h"

namespace lrb::datasets {
namespace {

using json = nlohmann::json;

// Generous bounds for a manifest: far above any real one, low enough that a hostile file
// cannot make us allocate much or overflow a size computation.
constexpr int64_t kMaxManifestBytes = int64_t{64} << 20;
constexpr int64_t kMaxSize = int64_t{1} << 40;

// Every file name SaveDataset or ExportDense may write (without ".npy"); SaveDataset removes
// the ones a new dataset does not have, so that no stale file outlives its dataset.
constexpr const char* kKnownFiles[] = {
    "features_p",   "features_r", "codes_indptr", "codes_indices", "codes_values", "anchor_order",
    "split",        "parent",     "dense_inputs", "labels",        "source_rows",  "x_p",
    "x_r"};

std::string Join(const std::string& dir, const std::string& name) {
  return (std::filesystem::path(dir) / name).string();
}

json FileEntry(std::string_view dtype, const std::vector<int64_t>& shape) {
  return json{{"dtype", dtype}, {"shape", shape}};
}

absl::Status CorruptError(const std::string& where, std::string_view problem) {
  return absl::DataLossError(absl::StrCat(where, ": ", std::string(problem)));
}

// A JSON value for an error message, short and safe to print.
std::string Shown(const json& value) {
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > 80) text = text.substr(0, 77) + "...";
  return text;
}

std::string_view TypeName(const json& value) {
  if (value.is_number_integer()) return "an integer";
  if (value.is_number_float()) return "a non-integer number";
  if (value.is_string()) return "a string";
  if (value.is_boolean()) return "a boolean";
  if (value.is_null()) return "null";
  if (value.is_array()) return "an array";
  return "an object";
}

// Typed access to manifest fields: every error names the manifest, the field, the value
// found and what was expected. Nothing here throws.
class ManifestReader {
 public:
  ManifestReader(const json& manifest, std::string path)
      : manifest_(manifest), path_(std::move(path)) {}

  const std::string& path() const { return path_; }

  absl::Status Bad(std::string_view field, const json& value, std::string_view expected) const {
    return CorruptError(path_, absl::StrFormat("field \"%s\" is %s (%s), expected %s", field,
                                               Shown(value), TypeName(value), expected));
  }

  // object[key]; `prefix` ("noise.") completes the field's name for messages.
  absl::StatusOr<const json*> Field(const json& object, std::string_view key,
                                    std::string_view prefix = "") const {
    const auto it = object.find(std::string(key));
    if (it == object.end()) {
      return CorruptError(path_, absl::StrFormat("missing field \"%s%s\"", prefix, key));
    }
    return &*it;
  }

  absl::StatusOr<int64_t> Int(const json& value, std::string_view field, int64_t min,
                              int64_t max) const {
    const std::string expected = absl::StrFormat("an integer in [%d, %d]", min, max);
    if (!value.is_number_integer()) return Bad(field, value, expected);
    if (value.is_number_unsigned() && value.get<uint64_t>() > static_cast<uint64_t>(max)) {
      return Bad(field, value, expected);
    }
    const int64_t v = value.get<int64_t>();
    if (v < min || v > max) return Bad(field, value, expected);
    return v;
  }
  absl::StatusOr<int64_t> Int(std::string_view field, int64_t min, int64_t max) const {
    LRB_ASSIGN_OR_RETURN(const json* value, Field(manifest_, field));
    return Int(*value, field, min, max);
  }

  absl::StatusOr<std::string> String(std::string_view field) const {
    LRB_ASSIGN_OR_RETURN(const json* value, Field(manifest_, field));
    if (!value->is_string()) return Bad(field, *value, "a string");
    return value->get<std::string>();
  }

  absl::StatusOr<bool> Bool(std::string_view field) const {
    LRB_ASSIGN_OR_RETURN(const json* value, Field(manifest_, field));
    if (!value->is_boolean()) return Bad(field, *value, "true or false");
    return value->get<bool>();
  }

  // An array of integers in [min, max].
  absl::StatusOr<std::vector<int64_t>> IntArray(const json& value, std::string_view field,
                                                int64_t min, int64_t max) const {
    if (!value.is_array()) {
      return Bad(field, value, absl::StrFormat("an array of integers in [%d, %d]", min, max));
    }
    std::vector<int64_t> out;
    for (size_t k = 0; k < value.size(); ++k) {
      LRB_ASSIGN_OR_RETURN(const int64_t v,
                           Int(value[k], absl::StrFormat("%s[%d]", field, k), min, max));
      out.push_back(v);
    }
    return out;
  }

 private:
  const json& manifest_;
  std::string path_;
};

// Reads one array the manifest lists and checks its dtype and shape against the manifest's
// entry for it and against the shape the dataset's sizes imply.
template <typename Array>
absl::Status CheckEntry(const ManifestReader& manifest, const json& files,
                        const std::string& name, const std::string& path, const Array& array,
                        std::string_view dtype, const std::vector<int64_t>& expected) {
  const std::string field = absl::StrCat("files.", name);
  const json& entry = files[name];
  if (!entry.is_object()) return manifest.Bad(field, entry, "an object {\"dtype\", \"shape\"}");
  if (entry.contains("dtype") && entry["dtype"] != dtype) {
    return manifest.Bad(field + ".dtype", entry["dtype"], absl::StrFormat("\"%s\"", dtype));
  }
  if (entry.contains("shape")) {
    LRB_ASSIGN_OR_RETURN(const std::vector<int64_t> listed,
                         manifest.IntArray(entry["shape"], field + ".shape", 0, kMaxSize));
    if (listed != array.shape) {
      return CorruptError(path, absl::StrFormat("shape (%s) differs from the manifest's (%s)",
                                                absl::StrJoin(array.shape, ", "),
                                                absl::StrJoin(listed, ", ")));
    }
  }
  if (array.descr != dtype) {
    return CorruptError(path, absl::StrFormat("dtype '%s', expected '%s'", array.descr, dtype));
  }
  if (array.shape != expected) {
    return CorruptError(path, absl::StrFormat("shape (%s), but the manifest's sizes imply (%s)",
                                              absl::StrJoin(array.shape, ", "),
                                              absl::StrJoin(expected, ", ")));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<float>> LoadFloats(const std::string& dir,
                                              const ManifestReader& manifest, const json& files,
                                              const std::string& name,
                                              const std::vector<int64_t>& expected) {
  const std::string path = Join(dir, name + ".npy");
  if (!files.contains(name)) {
    return CorruptError(manifest.path(), absl::StrCat("field \"files\" lacks \"", name, "\""));
  }
  LRB_ASSIGN_OR_RETURN(NpyArray<float> array, ReadNpyFloat(path));
  LRB_RETURN_IF_ERROR(CheckEntry(manifest, files, name, path, array, "<f4", expected));
  for (size_t k = 0; k < array.values.size(); ++k) {
    if (!std::isfinite(array.values[k])) {
      return CorruptError(path, absl::StrFormat("value %g at flat index %d is not finite",
                                                array.values[k], k));
    }
  }
  return std::move(array.values);
}

// Integers of `dtype` whose values must lie in [min, max].
template <typename T>
absl::StatusOr<std::vector<T>> LoadInts(const std::string& dir, const ManifestReader& manifest,
                                        const json& files, const std::string& name,
                                        std::string_view dtype,
                                        const std::vector<int64_t>& expected, int64_t min,
                                        int64_t max) {
  const std::string path = Join(dir, name + ".npy");
  if (!files.contains(name)) {
    return CorruptError(manifest.path(), absl::StrCat("field \"files\" lacks \"", name, "\""));
  }
  LRB_ASSIGN_OR_RETURN(NpyArray<int64_t> array, ReadNpyInt(path));
  LRB_RETURN_IF_ERROR(CheckEntry(manifest, files, name, path, array, dtype, expected));
  for (size_t k = 0; k < array.values.size(); ++k) {
    if (array.values[k] < min || array.values[k] > max) {
      return CorruptError(path, absl::StrFormat("value %d at index %d is outside [%d, %d]",
                                                array.values[k], k, min, max));
    }
  }
  return std::vector<T>(array.values.begin(), array.values.end());
}

// `values` (read from `path`) must hold every integer of [0, values.size()) once.
template <typename T>
absl::Status CheckPermutation(const std::string& path, const std::vector<T>& values) {
  std::vector<bool> seen(values.size(), false);
  for (size_t k = 0; k < values.size(); ++k) {
    const int64_t v = values[k];
    if (v < 0 || v >= static_cast<int64_t>(values.size()) || seen[v]) {
      return CorruptError(path, absl::StrFormat("value %d at index %d: expected a permutation "
                                                "of [0, %d)",
                                                v, k, values.size()));
    }
    seen[v] = true;
  }
  return absl::OkStatus();
}

// CSR structure; each problem is reported against the file that holds it.
absl::Status CheckCodes(const std::string& dir, const Dataset& d) {
  const SparseCodes& c = d.codes;
  const int64_t nnz = static_cast<int64_t>(c.indices.size());
  const std::string indptr_path = Join(dir, "codes_indptr.npy");
  if (c.indptr.front() != 0) {
    return CorruptError(indptr_path, absl::StrFormat("starts at %d, expected 0",
                                                     c.indptr.front()));
  }
  for (int64_t s = 0; s < c.rows; ++s) {
    if (c.indptr[s] > c.indptr[s + 1]) {
      return CorruptError(indptr_path,
                          absl::StrFormat("decreases at row %d: indptr[%d]=%d > indptr[%d]=%d",
                                          s, s, c.indptr[s], s + 1, c.indptr[s + 1]));
    }
  }
  if (c.indptr.back() != nnz) {
    return CorruptError(indptr_path, absl::StrFormat("ends at %d, expected nnz=%d (the length "
                                                     "of codes_indices.npy)",
                                                     c.indptr.back(), nnz));
  }
  const std::string indices_path = Join(dir, "codes_indices.npy");
  for (int64_t s = 0; s < c.rows; ++s) {
    for (int64_t k = c.indptr[s]; k < c.indptr[s + 1]; ++k) {
      if (c.indices[k] < 0 || c.indices[k] >= c.cols) {
        return CorruptError(indices_path,
                            absl::StrFormat("row %d: index %d at position %d is outside [0, %d)",
                                            s, c.indices[k], k, c.cols));
      }
      if (k > c.indptr[s] && c.indices[k - 1] >= c.indices[k]) {
        return CorruptError(indices_path,
                            absl::StrFormat("row %d: index %d at position %d follows %d: "
                                            "indices must be strictly ascending within a row",
                                            s, c.indices[k], k, c.indices[k - 1]));
      }
    }
  }
  for (int64_t k = 0; k < nnz; ++k) {
    if (c.values[k] < 0) {
      return CorruptError(Join(dir, "codes_values.npy"),
                          absl::StrFormat("value %g at index %d is negative", c.values[k], k));
    }
  }
  return absl::OkStatus();
}

// parent[j] in [-1, n), and following parents from any feature reaches a root.
absl::Status CheckHierarchy(const std::string& path, const std::vector<int32_t>& parent) {
  const int64_t n = static_cast<int64_t>(parent.size());
  // 0: unvisited, 1: on the current path, 2: reaches a root.
  std::vector<uint8_t> state(n, 0);
  for (int64_t start = 0; start < n; ++start) {
    std::vector<int64_t> chain;
    int64_t j = start;
    while (j >= 0 && state[j] == 0) {
      state[j] = 1;
      chain.push_back(j);
      if (parent[j] < -1 || parent[j] >= n) {
        return CorruptError(path, absl::StrFormat("feature %d has parent %d, outside [-1, %d)",
                                                  j, parent[j], n));
      }
      j = parent[j];
    }
    if (j >= 0 && state[j] == 1) {
      return CorruptError(path, absl::StrFormat("feature %d is its own ancestor: the hierarchy "
                                                "has a cycle",
                                                j));
    }
    for (const int64_t k : chain) state[k] = 2;
  }
  return absl::OkStatus();
}

absl::StatusOr<json> ReadManifest(const std::string& dir) {
  const std::string path = Join(dir, "manifest.json");
  absl::StatusOr<std::string> text = ReadSmallFile(path, kMaxManifestBytes);
  if (!text.ok()) {
    if (absl::IsNotFound(text.status())) {
      return absl::NotFoundError(absl::StrCat(path, ": cannot open (not a dataset directory, or "
                                                    "one whose writing did not finish)"));
    }
    return text.status();
  }
  json manifest = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (manifest.is_discarded() || !manifest.is_object()) {
    return CorruptError(path, "not valid JSON (or not a JSON object)");
  }
  if (!manifest.contains("format") || manifest["format"] != kDatasetFilesFormat) {
    return CorruptError(path, absl::StrFormat("field \"format\" is %s, expected \"%s\"",
                                              manifest.contains("format")
                                                  ? Shown(manifest["format"])
                                                  : std::string("missing"),
                                              kDatasetFilesFormat));
  }
  return manifest;
}

}  // namespace

absl::Status SaveDataset(const Dataset& d, const std::string& dir) {
  if (dir.empty()) return absl::InvalidArgumentError("dataset directory: empty path");
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error || !std::filesystem::is_directory(dir)) {
    return absl::FailedPreconditionError(absl::StrCat(
        dir, ": cannot create the dataset directory: ",
        error ? error.message() : std::string("a file that is not a directory is in the way")));
  }
  // The manifest is the directory's commit point: it goes first and comes back last, so
  // an interrupted save leaves a directory that does not load instead of one whose old
  // manifest describes a mix of old and new files.
  const std::string manifest_path = Join(dir, "manifest.json");
  std::filesystem::remove(manifest_path, error);
  if (error) {
    return absl::InternalError(
        absl::StrCat(manifest_path, ": cannot remove the old manifest: ", error.message()));
  }
  LRB_RETURN_IF_ERROR(SyncDirectory(dir));

  const int64_t nnz = static_cast<int64_t>(d.codes.indices.size());
  json files = json::object();
  std::vector<std::string> names;
  auto put = [&](const std::string& name, const auto& values, std::string_view dtype,
                 const std::vector<int64_t>& shape) -> absl::Status {
    files[name] = FileEntry(dtype, shape);
    names.push_back(name);
    return WriteNpy(Join(dir, name + ".npy"), values, shape);
  };
  LRB_RETURN_IF_ERROR(put("features_p", d.features_p, "<f4", {d.n, d.n_p}));
  if (!d.features_r.empty()) {
    LRB_RETURN_IF_ERROR(put("features_r", d.features_r, "<f4", {d.n, d.n_r}));
  }
  if (d.has_ground_truth) {
    LRB_RETURN_IF_ERROR(put("codes_indptr", d.codes.indptr, "<i8", {d.num_samples() + 1}));
    LRB_RETURN_IF_ERROR(put("codes_indices", d.codes.indices, "<i4", {nnz}));
    LRB_RETURN_IF_ERROR(put("codes_values", d.codes.values, "<f4", {nnz}));
  }
  LRB_RETURN_IF_ERROR(put("anchor_order", d.anchor_order, "<i4", {d.n}));
  LRB_RETURN_IF_ERROR(
      put("split", std::vector<int64_t>{d.num_train, d.num_samples()}, "<i8", {2}));
  if (!d.parent.empty()) LRB_RETURN_IF_ERROR(put("parent", d.parent, "<i4", {d.n}));
  if (!d.dense_inputs.empty()) {
    LRB_RETURN_IF_ERROR(put("dense_inputs", d.dense_inputs, "<f4", {d.num_samples(), d.n_p}));
  }
  if (!d.labels.empty()) LRB_RETURN_IF_ERROR(put("labels", d.labels, "<i8", {d.num_samples()}));
  if (!d.source_rows.empty()) {
    LRB_RETURN_IF_ERROR(put("source_rows", d.source_rows, "<i8", {d.num_samples()}));
  }
  // Files of a dataset previously saved here that this one does not have, and dense exports
  // of it, would be stale.
  for (const char* name : kKnownFiles) {
    if (std::find(names.begin(), names.end(), name) != names.end()) continue;
    const std::string path = Join(dir, std::string(name) + ".npy");
    std::filesystem::remove(path, error);
    if (error) {
      return absl::InternalError(
          absl::StrCat(path, ": cannot remove a stale file: ", error.message()));
    }
  }
  const json manifest = {
      {"format", kDatasetFilesFormat},
      {"spec", d.spec},
      {"content_hash", d.content_hash},
      {"n", d.n},
      {"n_p", d.n_p},
      {"n_r", d.n_r},
      {"num_samples", d.num_samples()},
      {"num_train", d.num_train},
      {"nnz", nnz},
      {"has_ground_truth", d.has_ground_truth},
      {"source_dims", d.source_dims},
      {"noise", {{"sigma", d.noise_sigma}, {"seed", d.noise_seed}}},
      {"files", files},
      // Deterministic facts only (no timings), so that the directory's bytes are a function
      // of the spec and a Bazel action that writes it is reproducible.
      {"report",
       {{"pgd_iterations", d.report.pgd_iterations},
        {"max_interference", d.report.max_interference},
        {"tms_final_loss", d.report.tms_final_loss},
        {"tms_represented", d.report.tms_represented}}},
  };
  return WriteFileAtomically(manifest_path, manifest.dump(2) + "\n");
}

namespace {

absl::StatusOr<Dataset> LoadDatasetUnguarded(const std::string& dir) {
  LRB_ASSIGN_OR_RETURN(const json manifest_json, ReadManifest(dir));
  const ManifestReader manifest(manifest_json, Join(dir, "manifest.json"));
  Dataset d;
  LRB_ASSIGN_OR_RETURN(d.spec, manifest.String("spec"));
  LRB_ASSIGN_OR_RETURN(const std::string expected_hash, manifest.String("content_hash"));
  LRB_ASSIGN_OR_RETURN(d.n, manifest.Int("n", 0, kMaxSize));
  LRB_ASSIGN_OR_RETURN(d.n_p, manifest.Int("n_p", 1, kMaxSize));
  LRB_ASSIGN_OR_RETURN(d.n_r, manifest.Int("n_r", 1, kMaxSize));
  LRB_ASSIGN_OR_RETURN(d.codes.rows, manifest.Int("num_samples", 1, kMaxSize));
  d.codes.cols = d.n;
  LRB_ASSIGN_OR_RETURN(d.num_train, manifest.Int("num_train", 1, d.num_samples()));
  LRB_ASSIGN_OR_RETURN(const int64_t nnz, manifest.Int("nnz", 0, kMaxSize));
  LRB_ASSIGN_OR_RETURN(d.has_ground_truth, manifest.Bool("has_ground_truth"));
  if (manifest_json.contains("source_dims")) {
    LRB_ASSIGN_OR_RETURN(d.source_dims, manifest.IntArray(manifest_json["source_dims"],
                                                          "source_dims", 1, d.n_p));
    int64_t total = 0;
    for (const int64_t dim : d.source_dims) total += dim;
    if (!d.source_dims.empty() && total != d.n_p) {
      return manifest.Bad("source_dims", manifest_json["source_dims"],
                          absl::StrFormat("dimensions summing to n_p=%d", d.n_p));
    }
  }
  if (manifest_json.contains("noise")) {
    const json& noise = manifest_json["noise"];
    if (!noise.is_object()) return manifest.Bad("noise", noise, "an object {\"sigma\", \"seed\"}");
    LRB_ASSIGN_OR_RETURN(const json* sigma, manifest.Field(noise, "sigma", "noise."));
    if (!sigma->is_number() || !std::isfinite(sigma->get<double>()) || sigma->get<double>() < 0) {
      return manifest.Bad("noise.sigma", *sigma, "a finite number >= 0");
    }
    d.noise_sigma = sigma->get<double>();
    LRB_ASSIGN_OR_RETURN(const json* seed, manifest.Field(noise, "seed", "noise."));
    if (!seed->is_number_unsigned() && !(seed->is_number_integer() && seed->get<int64_t>() >= 0)) {
      return manifest.Bad("noise.seed", *seed, "an integer >= 0");
    }
    d.noise_seed = seed->get<uint64_t>();
  }
  // How the generator ran (absent from imported datasets): shown when the dataset is loaded
  // and stored with nothing else, so a loaded dataset reports what its generation did.
  if (manifest_json.contains("report")) {
    const json& report = manifest_json["report"];
    if (!report.is_object()) return manifest.Bad("report", report, "an object");
    if (report.contains("pgd_iterations")) {
      LRB_ASSIGN_OR_RETURN(const int64_t iterations,
                           manifest.Int(report["pgd_iterations"], "report.pgd_iterations", 0,
                                        std::numeric_limits<int>::max()));
      d.report.pgd_iterations = static_cast<int>(iterations);
    }
    if (report.contains("max_interference")) {
      const json& interference = report["max_interference"];
      if (!interference.is_number() || !std::isfinite(interference.get<double>())) {
        return manifest.Bad("report.max_interference", interference, "a finite number");
      }
      d.report.max_interference = interference.get<double>();
    }
  }
  LRB_ASSIGN_OR_RETURN(const json* files_field, manifest.Field(manifest_json, "files"));
  const json& files = *files_field;
  if (!files.is_object()) return manifest.Bad("files", files, "an object");
  const absl::StatusOr<DatasetSpec> spec = ParseDatasetSpec(d.spec);
  if (!spec.ok()) {
    return CorruptError(manifest.path(), absl::StrCat("field \"spec\": ", spec.status().message()));
  }

  LRB_ASSIGN_OR_RETURN(d.features_p,
                       LoadFloats(dir, manifest, files, "features_p", {d.n, d.n_p}));
  if (files.contains("features_r")) {
    LRB_ASSIGN_OR_RETURN(d.features_r,
                         LoadFloats(dir, manifest, files, "features_r", {d.n, d.n_r}));
  }
  if (d.has_ground_truth) {
    LRB_ASSIGN_OR_RETURN(d.codes.indptr,
                         (LoadInts<int64_t>(dir, manifest, files, "codes_indptr", "<i8",
                                            {d.num_samples() + 1}, 0, nnz)));
    LRB_ASSIGN_OR_RETURN(d.codes.indices,
                         (LoadInts<int32_t>(dir, manifest, files, "codes_indices", "<i4", {nnz},
                                            std::numeric_limits<int32_t>::min(),
                                            std::numeric_limits<int32_t>::max())));
    LRB_ASSIGN_OR_RETURN(d.codes.values,
                         LoadFloats(dir, manifest, files, "codes_values", {nnz}));
    LRB_RETURN_IF_ERROR(CheckCodes(dir, d));
  }
  LRB_ASSIGN_OR_RETURN(d.anchor_order,
                       (LoadInts<int32_t>(dir, manifest, files, "anchor_order", "<i4", {d.n},
                                          0, d.n - 1)));
  LRB_RETURN_IF_ERROR(CheckPermutation(Join(dir, "anchor_order.npy"), d.anchor_order));
  LRB_ASSIGN_OR_RETURN(const std::vector<int64_t> split,
                       (LoadInts<int64_t>(dir, manifest, files, "split", "<i8", {2}, 0,
                                          kMaxSize)));
  if (split[0] != d.num_train || split[1] != d.num_samples()) {
    return CorruptError(Join(dir, "split.npy"),
                        absl::StrFormat("[%d, %d] disagrees with the manifest's num_train=%d, "
                                        "num_samples=%d",
                                        split[0], split[1], d.num_train, d.num_samples()));
  }
  if (files.contains("parent")) {
    LRB_ASSIGN_OR_RETURN(d.parent, (LoadInts<int32_t>(dir, manifest, files, "parent", "<i4",
                                                      {d.n}, -1, d.n - 1)));
    LRB_RETURN_IF_ERROR(CheckHierarchy(Join(dir, "parent.npy"), d.parent));
  }
  if (files.contains("dense_inputs")) {
    LRB_ASSIGN_OR_RETURN(d.dense_inputs, LoadFloats(dir, manifest, files, "dense_inputs",
                                                    {d.num_samples(), d.n_p}));
  }
  if (files.contains("labels")) {
    LRB_ASSIGN_OR_RETURN(d.labels, (LoadInts<int64_t>(dir, manifest, files, "labels", "<i8",
                                                      {d.num_samples()}, 0, d.n - 1)));
  }
  if (files.contains("source_rows")) {
    LRB_ASSIGN_OR_RETURN(d.source_rows,
                         (LoadInts<int64_t>(dir, manifest, files, "source_rows", "<i8",
                                            {d.num_samples()}, 0, d.num_samples() - 1)));
    LRB_RETURN_IF_ERROR(CheckPermutation(Join(dir, "source_rows.npy"), d.source_rows));
  }
  if (!d.has_ground_truth && d.dense_inputs.empty()) {
    return CorruptError(manifest.path(),
                        "no ground truth and no dense_inputs: nothing to load");
  }
  d.content_hash = ComputeContentHash(d);
  if (d.content_hash != expected_hash) {
    return CorruptError(dir, absl::StrFormat("content hash of the files is %s, manifest.json's "
                                             "\"content_hash\" is %s: a file was modified or "
                                             "corrupted",
                                             d.content_hash, Shown(json(expected_hash))));
  }
  return d;
}

}  // namespace

absl::StatusOr<Dataset> LoadDataset(const std::string& dir) {
  // The checks above do not throw; this is the backstop that keeps an exception from a
  // library (a JSON type error, an allocation) from ending the process.
  try {
    return LoadDatasetUnguarded(dir);
  } catch (const json::exception& e) {
    return CorruptError(Join(dir, "manifest.json"), absl::StrCat("bad value: ", e.what()));
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(
        absl::StrCat(dir, ": out of memory while loading the dataset"));
  }
}

absl::StatusOr<std::vector<std::string>> ExportDense(const Dataset& dataset,
                                                     const std::string& dir, int threads) {
  constexpr int64_t kChunkRows = 4096;
  std::vector<std::string> written;
  auto write = [&](const std::string& name, int64_t cols, auto materialize) -> absl::Status {
    const std::string path = Join(dir, name);
    LRB_RETURN_IF_ERROR(WriteNpyFloatRows(
        path, dataset.num_samples(), cols, kChunkRows,
        [&](int64_t begin, int64_t end, float* out) {
          ParallelFor(
              begin, end, threads,
              [&](int64_t b, int64_t e) { materialize(dataset, b, e, out + (b - begin) * cols); },
              /*min_chunk=*/256);
        }));
    written.push_back(path);
    return absl::OkStatus();
  };
  LRB_RETURN_IF_ERROR(write("x_p.npy", dataset.n_p, MaterializeInputs));
  if (!dataset.features_r.empty()) {
    LRB_RETURN_IF_ERROR(write("x_r.npy", dataset.n_r, MaterializeTargets));
  }
  return written;
}

}  // namespace lrb::datasets
