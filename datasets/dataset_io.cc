#include "datasets/dataset_io.h"

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "datasets/dataset_spec.h"
#include "datasets/npy.h"
#include "nlohmann/json.hpp"
#include "util/parallel.h"
#include "util/status_macros.h"

namespace lrb::datasets {
namespace {

using json = nlohmann::json;

std::string Join(const std::string& dir, const std::string& name) {
  return (std::filesystem::path(dir) / name).string();
}

json FileEntry(std::string_view dtype, const std::vector<int64_t>& shape) {
  return json{{"dtype", dtype}, {"shape", shape}};
}

absl::Status CorruptError(const std::string& where, std::string_view problem) {
  return absl::DataLossError(absl::StrCat(where, ": ", std::string(problem)));
}

// Reads and checks one array the manifest lists: dtype family, the shape the manifest says
// and the shape the dataset's sizes imply.
template <typename Array>
absl::Status CheckShape(const std::string& path, const Array& array,
                        const std::vector<int64_t>& expected, const json& entry) {
  if (entry.contains("shape") && entry["shape"].get<std::vector<int64_t>>() != array.shape) {
    return CorruptError(path, absl::StrFormat("shape (%s) differs from the manifest's (%s)",
                                              absl::StrJoin(array.shape, ", "),
                                              absl::StrJoin(entry["shape"].get<std::vector<int64_t>>(), ", ")));
  }
  if (array.shape != expected) {
    return CorruptError(path, absl::StrFormat("shape (%s), but the manifest's sizes imply (%s)",
                                              absl::StrJoin(array.shape, ", "),
                                              absl::StrJoin(expected, ", ")));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<float>> LoadFloats(const std::string& dir, const json& files,
                                              const std::string& name,
                                              const std::vector<int64_t>& expected) {
  const std::string path = Join(dir, name + ".npy");
  if (!files.contains(name)) {
    return CorruptError(Join(dir, "manifest.json"), absl::StrCat("files lacks \"", name, "\""));
  }
  LRB_ASSIGN_OR_RETURN(NpyArray<float> array, ReadNpyFloat(path));
  if (array.descr != "<f4") {
    return CorruptError(path, absl::StrFormat("dtype '%s', expected '<f4'", array.descr));
  }
  LRB_RETURN_IF_ERROR(CheckShape(path, array, expected, files[name]));
  for (size_t k = 0; k < array.values.size(); ++k) {
    if (!std::isfinite(array.values[k])) {
      return CorruptError(path, absl::StrFormat("value %g at flat index %d is not finite",
                                                array.values[k], k));
    }
  }
  return std::move(array.values);
}

template <typename T>
absl::StatusOr<std::vector<T>> LoadInts(const std::string& dir, const json& files,
                                        const std::string& name, std::string_view dtype,
                                        const std::vector<int64_t>& expected) {
  const std::string path = Join(dir, name + ".npy");
  if (!files.contains(name)) {
    return CorruptError(Join(dir, "manifest.json"), absl::StrCat("files lacks \"", name, "\""));
  }
  LRB_ASSIGN_OR_RETURN(NpyArray<int64_t> array, ReadNpyInt(path));
  if (array.descr != dtype) {
    return CorruptError(path, absl::StrFormat("dtype '%s', expected '%s'", array.descr, dtype));
  }
  LRB_RETURN_IF_ERROR(CheckShape(path, array, expected, files[name]));
  return std::vector<T>(array.values.begin(), array.values.end());
}

absl::Status CheckCodes(const std::string& dir, const Dataset& d) {
  const SparseCodes& c = d.codes;
  const std::string where = Join(dir, "codes_indptr.npy");
  if (c.indptr.front() != 0 || c.indptr.back() != static_cast<int64_t>(c.indices.size())) {
    return CorruptError(where, absl::StrFormat("must run from 0 to nnz=%d, runs from %d to %d",
                                               c.indices.size(), c.indptr.front(),
                                               c.indptr.back()));
  }
  for (int64_t s = 0; s < c.rows; ++s) {
    if (c.indptr[s] > c.indptr[s + 1]) {
      return CorruptError(where, absl::StrFormat("decreases at row %d", s));
    }
    for (int64_t k = c.indptr[s]; k < c.indptr[s + 1]; ++k) {
      if (c.indices[k] < 0 || c.indices[k] >= c.cols ||
          (k > c.indptr[s] && c.indices[k - 1] >= c.indices[k])) {
        return CorruptError(Join(dir, "codes_indices.npy"),
                            absl::StrFormat("row %d: index %d at position %d is out of [0, %d) "
                                            "or not ascending",
                                            s, c.indices[k], k, c.cols));
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<json> ReadManifest(const std::string& dir) {
  const std::string path = Join(dir, "manifest.json");
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open (not a dataset directory?)"));
  std::stringstream text;
  text << in.rdbuf();
  json manifest = json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (manifest.is_discarded() || !manifest.is_object()) {
    return CorruptError(path, "not valid JSON");
  }
  if (!manifest.contains("format") || manifest["format"] != kDatasetFilesFormat) {
    return CorruptError(path, absl::StrFormat("format %s, expected \"%s\"",
                                              manifest.value("format", json("(missing)")).dump(),
                                              kDatasetFilesFormat));
  }
  for (const char* key : {"spec", "content_hash", "n", "n_p", "n_r", "num_samples", "num_train",
                          "nnz", "has_ground_truth", "files"}) {
    if (!manifest.contains(key)) return CorruptError(path, absl::StrCat("missing key \"", key, "\""));
  }
  return manifest;
}

}  // namespace

absl::Status SaveDataset(const Dataset& d, const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    return absl::InternalError(absl::StrCat(dir, ": cannot create directory: ", error.message()));
  }
  const int64_t nnz = static_cast<int64_t>(d.codes.indices.size());
  json files = json::object();
  auto put = [&](const std::string& name, const auto& values, std::string_view dtype,
                 const std::vector<int64_t>& shape) -> absl::Status {
    files[name] = FileEntry(dtype, shape);
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
  const std::string path = Join(dir, "manifest.json");
  std::ofstream out(path, std::ios::trunc);
  out << manifest.dump(2) << "\n";
  out.close();
  if (!out) return absl::InternalError(absl::StrCat(path, ": write failed"));
  return absl::OkStatus();
}

namespace {

absl::StatusOr<Dataset> LoadDatasetUnguarded(const std::string& dir) {
  LRB_ASSIGN_OR_RETURN(const json manifest, ReadManifest(dir));
  const std::string manifest_path = Join(dir, "manifest.json");
  Dataset d;
  int64_t nnz = 0;
  try {
    nnz = manifest["nnz"].get<int64_t>();
    if (!manifest["files"].is_object()) return CorruptError(manifest_path, "files is not an object");
    d.spec = manifest["spec"].get<std::string>();
    d.n = manifest["n"].get<int64_t>();
    d.n_p = manifest["n_p"].get<int64_t>();
    d.n_r = manifest["n_r"].get<int64_t>();
    d.codes.rows = manifest["num_samples"].get<int64_t>();
    d.codes.cols = d.n;
    d.num_train = manifest["num_train"].get<int64_t>();
    d.has_ground_truth = manifest["has_ground_truth"].get<bool>();
    d.source_dims = manifest.value("source_dims", std::vector<int64_t>{});
    if (manifest.contains("noise")) {
      d.noise_sigma = manifest["noise"]["sigma"].get<double>();
      d.noise_seed = manifest["noise"]["seed"].get<uint64_t>();
    }
  } catch (const json::exception& e) {
    return CorruptError(manifest_path, absl::StrCat("bad value: ", e.what()));
  }
  const json& files = manifest["files"];
  if (d.n < 0 || d.n_p < 1 || d.n_r < 1 || d.num_samples() < 1 || d.num_train < 1 ||
      d.num_train > d.num_samples() || nnz < 0) {
    return CorruptError(manifest_path, "sizes out of range");
  }
  const absl::StatusOr<DatasetSpec> spec = ParseDatasetSpec(d.spec);
  if (!spec.ok()) return CorruptError(manifest_path, std::string(spec.status().message()));

  LRB_ASSIGN_OR_RETURN(d.features_p, LoadFloats(dir, files, "features_p", {d.n, d.n_p}));
  if (files.contains("features_r")) {
    LRB_ASSIGN_OR_RETURN(d.features_r, LoadFloats(dir, files, "features_r", {d.n, d.n_r}));
  }
  if (d.has_ground_truth) {
    LRB_ASSIGN_OR_RETURN(d.codes.indptr, (LoadInts<int64_t>(dir, files, "codes_indptr", "<i8",
                                                            {d.num_samples() + 1})));
    LRB_ASSIGN_OR_RETURN(d.codes.indices,
                         (LoadInts<int32_t>(dir, files, "codes_indices", "<i4", {nnz})));
    LRB_ASSIGN_OR_RETURN(d.codes.values, LoadFloats(dir, files, "codes_values", {nnz}));
    LRB_RETURN_IF_ERROR(CheckCodes(dir, d));
  }
  LRB_ASSIGN_OR_RETURN(d.anchor_order,
                       (LoadInts<int32_t>(dir, files, "anchor_order", "<i4", {d.n})));
  LRB_ASSIGN_OR_RETURN(const std::vector<int64_t> split,
                       (LoadInts<int64_t>(dir, files, "split", "<i8", {2})));
  if (split[0] != d.num_train || split[1] != d.num_samples()) {
    return CorruptError(Join(dir, "split.npy"),
                        absl::StrFormat("[%d, %d] disagrees with the manifest's num_train=%d, "
                                        "num_samples=%d",
                                        split[0], split[1], d.num_train, d.num_samples()));
  }
  if (files.contains("parent")) {
    LRB_ASSIGN_OR_RETURN(d.parent, (LoadInts<int32_t>(dir, files, "parent", "<i4", {d.n})));
  }
  if (files.contains("dense_inputs")) {
    LRB_ASSIGN_OR_RETURN(d.dense_inputs, LoadFloats(dir, files, "dense_inputs",
                                                    {d.num_samples(), d.n_p}));
  }
  if (files.contains("labels")) {
    LRB_ASSIGN_OR_RETURN(d.labels,
                         (LoadInts<int64_t>(dir, files, "labels", "<i8", {d.num_samples()})));
  }
  if (files.contains("source_rows")) {
    LRB_ASSIGN_OR_RETURN(d.source_rows, (LoadInts<int64_t>(dir, files, "source_rows", "<i8",
                                                           {d.num_samples()})));
  }
  if (!d.has_ground_truth && d.dense_inputs.empty()) {
    return CorruptError(manifest_path, "no ground truth and no dense_inputs: nothing to load");
  }
  d.content_hash = ComputeContentHash(d);
  const std::string expected = manifest["content_hash"].get<std::string>();
  if (d.content_hash != expected) {
    return CorruptError(dir, absl::StrFormat("content hash of the files is %s, the manifest says "
                                             "%s: a file was modified or corrupted",
                                             d.content_hash, expected));
  }
  return d;
}

}  // namespace

absl::StatusOr<Dataset> LoadDataset(const std::string& dir) {
  // A manifest value of the wrong JSON type (say, a string where a shape belongs) throws
  // from nlohmann::json; it is a corrupt file like any other.
  try {
    return LoadDatasetUnguarded(dir);
  } catch (const json::exception& e) {
    return CorruptError(Join(dir, "manifest.json"), absl::StrCat("bad value: ", e.what()));
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
