#ifndef LRB_DATASETS_DATASET_IO_H_
#define LRB_DATASETS_DATASET_IO_H_

// Dataset directories: manifest.json plus NumPy .npy files, readable from Python with
// numpy.load alone. Format "lrb.dataset_files.v1":
//
//   file               dtype  shape        present
//   manifest.json                          always (schema below)
//   features_p.npy     <f4    (n, n_p)     always (class-mean proxies without ground truth)
//   features_r.npy     <f4    (n, n_r)     transcoder targets only
//   codes_indptr.npy   <i8    (N + 1,)     with ground truth: CSR codes, N x n
//   codes_indices.npy  <i4    (nnz,)         column indices ascending within a row
//   codes_values.npy   <f4    (nnz,)         positive magnitudes
//   anchor_order.npy   <i4    (n,)         always: anchoring with k anchors uses the first k
//   split.npy          <i8    (2,)         always: [num_train, N]; train = rows [0, num_train)
//   parent.npy         <i4    (n,)         lrb_hier: parent feature, -1 for roots
//   dense_inputs.npy   <f4    (N, n_p)     user activations (rows in stored order)
//   labels.npy         <i8    (N,)         user activations with labels
//   source_rows.npy    <i8    (N,)         user activations: the user's row of each stored row
//   x_p.npy, x_r.npy   <f4    (N, n_p)     only after ExportDense; not part of the dataset
//                             (N, n_r)     (x_r only when it differs from x_p)
//
// manifest.json: {"format": "lrb.dataset_files.v1", "spec": canonical DatasetSpec,
//   "content_hash": 16 hex, "n", "n_p", "n_r", "num_samples", "num_train", "nnz",
//   "has_ground_truth": bool, "source_dims": [..], "noise": {"sigma", "seed"},
//   "files": {name: {"dtype", "shape"}}, "report": {pgd_iterations, max_interference, tms_final_loss,
//   tms_represented: deterministic generation facts, informative only; no timings}}
//
// LoadDataset checks everything it reads and says which file and what is wrong: a path that
// is missing or not a regular file, a truncated file or a bad .npy header (datasets/npy.h),
// a wrong dtype or shape, a NaN or infinity, CSR structure (indptr from 0 to nnz and
// non-decreasing, reported against codes_indptr.npy; indices in [0, n) and strictly
// ascending within a row, against codes_indices.npy; values >= 0), anchor_order and
// source_rows permutations, parent in [-1, n) without cycles, labels in [0, n), manifest
// fields of the wrong JSON type or range (naming field, value and expectation; no exception
// escapes), sizes that disagree with the files, and finally the content hash of the loaded
// bytes against the manifest's (which catches any corrupted value).
//
// SaveDataset writes every file atomically (util/atomic_file.h) and manifest.json last,
// after removing any previous manifest.json: a directory is a complete dataset exactly when
// manifest.json exists. A failed save leaves no manifest, no partial and no temporary file.

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "datasets/dataset.h"

namespace lrb::datasets {

inline constexpr char kDatasetFilesFormat[] = "lrb.dataset_files.v1";

// Writes `dataset` into `dir` (created if missing, with parents); existing files of the
// same names are replaced, and the dataset files and dense exports (x_p.npy, x_r.npy) of a
// previous dataset there that this one does not have are removed.
absl::Status SaveDataset(const Dataset& dataset, const std::string& dir);

absl::StatusOr<Dataset> LoadDataset(const std::string& dir);

// Writes x_p.npy (N x n_p) and, when the targets differ from the inputs (transcoder),
// x_r.npy (N x n_r) into `dir`, materialised in chunks with `threads` threads (noise
// included); returns the paths written. Each file is atomic: whole or absent.
absl::StatusOr<std::vector<std::string>> ExportDense(const Dataset& dataset,
                                                     const std::string& dir, int threads);

}  // namespace lrb::datasets

#endif  // LRB_DATASETS_DATASET_IO_H_
