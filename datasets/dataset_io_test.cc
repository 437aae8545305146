#include "datasets/dataset_io.h"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "datasets/activations.h"
#include "datasets/generator.h"
#include "datasets/npy.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "util/file_size_limit_testing.h"
#include "util/testing/json_file.h"
#include "util/testing/temp_dir.h"

namespace lrb::datasets {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

using ::lrb::testing::FreshTempPath;
using ::lrb::testing::ReadJsonFile;
using ::lrb::testing::ReadTextFile;

Dataset Generate(const std::string& text) {
  absl::StatusOr<Dataset> dataset = GenerateDataset(text, 2);
  EXPECT_TRUE(dataset.ok()) << text << ": " << dataset.status();
  return dataset.ok() ? *std::move(dataset) : Dataset{};
}

void ExpectSame(const Dataset& a, const Dataset& b) {
  EXPECT_EQ(a.spec, b.spec);
  EXPECT_EQ(a.n, b.n);
  EXPECT_EQ(a.n_p, b.n_p);
  EXPECT_EQ(a.n_r, b.n_r);
  EXPECT_EQ(a.features_p, b.features_p);
  EXPECT_EQ(a.features_r, b.features_r);
  EXPECT_EQ(a.codes.rows, b.codes.rows);
  EXPECT_EQ(a.codes.cols, b.codes.cols);
  EXPECT_EQ(a.codes.indptr, b.codes.indptr);
  EXPECT_EQ(a.codes.indices, b.codes.indices);
  EXPECT_EQ(a.codes.values, b.codes.values);
  EXPECT_EQ(a.num_train, b.num_train);
  EXPECT_EQ(a.anchor_order, b.anchor_order);
  EXPECT_EQ(a.source_dims, b.source_dims);
  EXPECT_EQ(a.parent, b.parent);
  EXPECT_EQ(a.noise_sigma, b.noise_sigma);
  EXPECT_EQ(a.noise_seed, b.noise_seed);
  EXPECT_EQ(a.has_ground_truth, b.has_ground_truth);
  EXPECT_EQ(a.dense_inputs, b.dense_inputs);
  EXPECT_EQ(a.labels, b.labels);
  EXPECT_EQ(a.source_rows, b.source_rows);
  EXPECT_EQ(a.content_hash, b.content_hash);
  // What the generator reports of itself travels with the files (shown when loaded).
  EXPECT_EQ(a.report.pgd_iterations, b.report.pgd_iterations);
  EXPECT_EQ(a.report.max_interference, b.report.max_interference);
}

TEST(DatasetIo, SavesAndLoadsEveryFamily) {
  const std::vector<std::string> specs = {
      "lrb(n=24,np=16,N=200,S=0.8,M=0.5,seed=7)",
      "lrb(n=24,np=16,N=200,S=0.8,M=0.5,seed=7)+transcoder(nr=10)+noise(sigma=0.1)",
      "lrb(n=24,np=16,N=200,S=0.8,M=0.5,seed=7)+crosscoder(m=2)",
      "lrb_hier(roots=4,depth=2,branch=2,np=16,N=100,S=0.5,M=1)",
      "tms(n=8,np=3,steps=50,batch=16,N=50)",
  };
  for (const std::string& spec : specs) {
    SCOPED_TRACE(spec);
    const Dataset d = Generate(spec);
    const std::string dir = FreshTempPath("roundtrip");
    ASSERT_TRUE(SaveDataset(d, dir).ok());
    const absl::StatusOr<Dataset> loaded = LoadDataset(dir);
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    ExpectSame(*loaded, d);
  }
}

TEST(DatasetIo, ExportsDenseInputsAndTargets) {
  const Dataset d =
      Generate("lrb(n=24,np=16,N=5000,S=0.8,M=0.5,seed=7)+transcoder(nr=10)+noise(sigma=0.1)");
  const std::string dir = FreshTempPath("export");
  ASSERT_TRUE(SaveDataset(d, dir).ok());
  const absl::StatusOr<std::vector<std::string>> written = ExportDense(d, dir, 3);
  ASSERT_TRUE(written.ok()) << written.status();
  ASSERT_EQ(written->size(), 2u);
  std::vector<float> x(d.num_samples() * d.n_p), y(d.num_samples() * d.n_r);
  MaterializeInputs(d, 0, d.num_samples(), x.data());
  MaterializeTargets(d, 0, d.num_samples(), y.data());
  const absl::StatusOr<NpyArray<float>> x_file = ReadNpyFloat(dir + "/x_p.npy");
  const absl::StatusOr<NpyArray<float>> y_file = ReadNpyFloat(dir + "/x_r.npy");
  ASSERT_TRUE(x_file.ok() && y_file.ok());
  EXPECT_EQ(x_file->shape, (std::vector<int64_t>{5000, 16}));
  EXPECT_EQ(x_file->values, x);
  EXPECT_EQ(y_file->shape, (std::vector<int64_t>{5000, 10}));
  EXPECT_EQ(y_file->values, y);
  // Exported files are extra: the dataset still loads.
  EXPECT_TRUE(LoadDataset(dir).ok());
  // An SAE dataset has no separate x_r.
  const Dataset sae = Generate("lrb(n=24,np=16,N=20,S=0.8,M=0.5)");
  const std::string sae_dir = FreshTempPath("export_sae");
  fs::create_directories(sae_dir);
  const absl::StatusOr<std::vector<std::string>> sae_written = ExportDense(sae, sae_dir, 1);
  ASSERT_TRUE(sae_written.ok()) << sae_written.status();
  EXPECT_EQ(*sae_written, std::vector<std::string>{sae_dir + "/x_p.npy"});
  // Writing into a directory that does not exist fails with the path.
  EXPECT_THAT(std::string(ExportDense(sae, sae_dir + "/no/such", 1).status().message()),
              HasSubstr("no/such/x_p.npy"));
}

void WriteJson(const std::string& path, const nlohmann::json& j) { std::ofstream(path) << j.dump(); }

void SetField(const std::string& dir, const std::string& field, const nlohmann::json& value) {
  nlohmann::json j = ReadJsonFile(dir + "/manifest.json");
  j[field] = value;
  WriteJson(dir + "/manifest.json", j);
}

// Rewrites one entry of an integer .npy file, keeping its dtype.
void SetInt(const std::string& path, size_t index, int64_t value) {
  absl::StatusOr<NpyArray<int64_t>> array = ReadNpyInt(path);
  ASSERT_TRUE(array.ok()) << array.status();
  array->values[index] = value;
  if (array->descr == "<i8") {
    ASSERT_TRUE(WriteNpy(path, array->values, array->shape).ok());
  } else {
    ASSERT_TRUE(WriteNpy(path, std::vector<int32_t>(array->values.begin(), array->values.end()),
                         array->shape)
                    .ok());
  }
}

struct Corruption {
  std::string what;
  std::function<void(const std::string& dir)> corrupt;
  std::string message;
};

TEST(DatasetIo, LoadRejectsEachKindOfBadDirectoryWithAClearError) {
  const Dataset d = Generate("lrb(n=24,np=16,N=200,S=0.8,M=0.5,seed=7)+transcoder(nr=10)");
  const std::vector<Corruption> cases = {
      {"missing manifest", [](const std::string& dir) { fs::remove(dir + "/manifest.json"); },
       "manifest.json: cannot open"},
      {"manifest not json",
       [](const std::string& dir) { std::ofstream(dir + "/manifest.json") << "{not json"; },
       "not valid JSON"},
      {"wrong format tag",
       [](const std::string& dir) {
         auto j = ReadJsonFile(dir + "/manifest.json");
         j["format"] = "lrb.dataset_files.v0";
         WriteJson(dir + "/manifest.json", j);
       },
       "expected \"lrb.dataset_files.v1\""},
      {"missing file", [](const std::string& dir) { fs::remove(dir + "/features_r.npy"); },
       "features_r.npy: cannot open"},
      {"truncated file",
       [](const std::string& dir) {
         fs::resize_file(dir + "/codes_values.npy", fs::file_size(dir + "/codes_values.npy") - 4);
       },
       "codes_values.npy: truncated"},
      {"wrong dtype",
       [](const std::string& dir) {
         std::vector<int64_t> order(24);
         ASSERT_TRUE(WriteNpy(dir + "/anchor_order.npy", order, {24}).ok());
       },
       "anchor_order.npy: dtype '<i8', expected '<i4'"},
      {"NaN",
       [](const std::string& dir) {
         absl::StatusOr<NpyArray<float>> f = ReadNpyFloat(dir + "/features_p.npy");
         f->values[17] = std::numeric_limits<float>::quiet_NaN();
         ASSERT_TRUE(WriteNpy(dir + "/features_p.npy", f->values, f->shape).ok());
       },
       "features_p.npy: value nan at flat index 17 is not finite"},
      {"report not a number",
       [](const std::string& dir) {
         auto j = ReadJsonFile(dir + "/manifest.json");
         j["report"]["max_interference"] = "high";
         WriteJson(dir + "/manifest.json", j);
       },
       "report.max_interference"},
      {"manifest sizes disagree with files",
       [](const std::string& dir) {
         auto j = ReadJsonFile(dir + "/manifest.json");
         j["n_p"] = 17;
         WriteJson(dir + "/manifest.json", j);
       },
       "features_p.npy: shape (24, 16), but the manifest's sizes imply (24, 17)"},
      {"manifest file shape disagrees",
       [](const std::string& dir) {
         auto j = ReadJsonFile(dir + "/manifest.json");
         j["files"]["features_r"]["shape"] = {24, 11};
         WriteJson(dir + "/manifest.json", j);
       },
       "differs from the manifest's (24, 11)"},
      {"split disagrees",
       [](const std::string& dir) {
         ASSERT_TRUE(WriteNpy(dir + "/split.npy", std::vector<int64_t>{100, 200}, {2}).ok());
       },
       "split.npy: [100, 200] disagrees"},
      {"CSR out of range",
       [](const std::string& dir) {
         absl::StatusOr<NpyArray<int64_t>> idx = ReadNpyInt(dir + "/codes_indices.npy");
         std::vector<int32_t> values(idx->values.begin(), idx->values.end());
         values[3] = 99;
         ASSERT_TRUE(WriteNpy(dir + "/codes_indices.npy", values, idx->shape).ok());
       },
       "codes_indices.npy: row"},
      {"corrupted value",
       [](const std::string& dir) {
         absl::StatusOr<NpyArray<float>> v = ReadNpyFloat(dir + "/codes_values.npy");
         v->values[5] *= 1.5f;
         ASSERT_TRUE(WriteNpy(dir + "/codes_values.npy", v->values, v->shape).ok());
       },
       "a file was modified or corrupted"},
      {"manifest value of the wrong type",
       [](const std::string& dir) {
         auto j = ReadJsonFile(dir + "/manifest.json");
         j["files"]["features_p"]["shape"] = "24x16";
         WriteJson(dir + "/manifest.json", j);
       },
       "manifest.json: field \"files.features_p.shape\" is \"24x16\" (a string), expected "
       "an array of integers"},
      {"bad spec",
       [](const std::string& dir) {
         auto j = ReadJsonFile(dir + "/manifest.json");
         j["spec"] = "lrb(S=2)";
         WriteJson(dir + "/manifest.json", j);
       },
       "S=2"},
      // Problem 3: a corrupt indptr is reported against codes_indptr.npy, whatever it does
      // to the rows that follow.
      {"indptr jumps past nnz",
       [](const std::string& dir) { SetInt(dir + "/codes_indptr.npy", 5, 1000000); },
       "codes_indptr.npy: value 1000000 at index 5 is outside [0, "},
      {"indptr decreases",
       [](const std::string& dir) { SetInt(dir + "/codes_indptr.npy", 5, 0); },
       "codes_indptr.npy: decreases at row 4: indptr[4]="},
      {"indptr does not start at 0",
       [](const std::string& dir) { SetInt(dir + "/codes_indptr.npy", 0, 1); },
       "codes_indptr.npy: starts at 1, expected 0"},
      {"indptr does not end at nnz",
       [](const std::string& dir) {
         absl::StatusOr<NpyArray<int64_t>> p = ReadNpyInt(dir + "/codes_indptr.npy");
         SetInt(dir + "/codes_indptr.npy", p->values.size() - 1, p->values.back() - 1);
       },
       "codes_indptr.npy: ends at"},
      {"indices not ascending",
       [](const std::string& dir) {
         // Swap the first two indices of the first row with two or more.
         absl::StatusOr<NpyArray<int64_t>> p = ReadNpyInt(dir + "/codes_indptr.npy");
         absl::StatusOr<NpyArray<int64_t>> idx = ReadNpyInt(dir + "/codes_indices.npy");
         std::vector<int32_t> values(idx->values.begin(), idx->values.end());
         for (size_t r = 0; r + 1 < p->values.size(); ++r) {
           if (p->values[r + 1] - p->values[r] >= 2) {
             std::swap(values[p->values[r]], values[p->values[r] + 1]);
             break;
           }
         }
         ASSERT_TRUE(WriteNpy(dir + "/codes_indices.npy", values, idx->shape).ok());
       },
       "codes_indices.npy: row"},
      {"negative code value",
       [](const std::string& dir) {
         absl::StatusOr<NpyArray<float>> v = ReadNpyFloat(dir + "/codes_values.npy");
         v->values[2] = -1.0f;
         ASSERT_TRUE(WriteNpy(dir + "/codes_values.npy", v->values, v->shape).ok());
       },
       "codes_values.npy: value -1 at index 2 is negative"},
      {"anchor order not a permutation",
       [](const std::string& dir) {
         SetInt(dir + "/anchor_order.npy", 1, ReadNpyInt(dir + "/anchor_order.npy")->values[0]);
       },
       "at index 1: expected a permutation of [0, 24)"},
      {"anchor order out of range",
       [](const std::string& dir) { SetInt(dir + "/anchor_order.npy", 3, 24); },
       "anchor_order.npy: value 24 at index 3 is outside [0, 23]"},
      // Manifest fields of the wrong type or range: field, value and expectation.
      {"string where a number belongs", [](const std::string& dir) { SetField(dir, "n", "24"); },
       "field \"n\" is \"24\" (a string), expected an integer in [0, "},
      {"fraction where an integer belongs",
       [](const std::string& dir) { SetField(dir, "n_p", 16.5); },
       "field \"n_p\" is 16.5 (a non-integer number)"},
      {"huge integer", [](const std::string& dir) { SetField(dir, "nnz", 18446744073709551615u); },
       "field \"nnz\" is 18446744073709551615"},
      {"num_train above num_samples",
       [](const std::string& dir) { SetField(dir, "num_train", 201); },
       "field \"num_train\" is 201 (an integer), expected an integer in [1, 200]"},
      {"missing field",
       [](const std::string& dir) {
         auto j = ReadJsonFile(dir + "/manifest.json");
         j.erase("nnz");
         WriteJson(dir + "/manifest.json", j);
       },
       "manifest.json: missing field \"nnz\""},
      {"boolean of the wrong type",
       [](const std::string& dir) { SetField(dir, "has_ground_truth", "yes"); },
       "field \"has_ground_truth\" is \"yes\" (a string), expected true or false"},
      {"hash of the wrong type", [](const std::string& dir) { SetField(dir, "content_hash", 5); },
       "field \"content_hash\" is 5 (an integer), expected a string"},
      {"files not an object", [](const std::string& dir) { SetField(dir, "files", "all"); },
       "field \"files\" is \"all\" (a string), expected an object"},
      {"file entry not an object",
       [](const std::string& dir) {
         auto j = ReadJsonFile(dir + "/manifest.json");
         j["files"]["features_p"] = 3;
         WriteJson(dir + "/manifest.json", j);
       },
       "field \"files.features_p\" is 3 (an integer), expected an object"},
      {"file entry dtype disagrees",
       [](const std::string& dir) {
         auto j = ReadJsonFile(dir + "/manifest.json");
         j["files"]["split"]["dtype"] = "<f4";
         WriteJson(dir + "/manifest.json", j);
       },
       "field \"files.split.dtype\" is \"<f4\" (a string), expected \"<i8\""},
      {"file missing from the manifest",
       [](const std::string& dir) {
         auto j = ReadJsonFile(dir + "/manifest.json");
         j["files"].erase("anchor_order");
         WriteJson(dir + "/manifest.json", j);
       },
       "field \"files\" lacks \"anchor_order\""},
      {"noise of the wrong type",
       [](const std::string& dir) {
         auto j = ReadJsonFile(dir + "/manifest.json");
         j["noise"]["sigma"] = "0.1";
         WriteJson(dir + "/manifest.json", j);
       },
       "field \"noise.sigma\" is \"0.1\" (a string), expected a finite number >= 0"},
      {"noise seed missing",
       [](const std::string& dir) {
         auto j = ReadJsonFile(dir + "/manifest.json");
         j["noise"].erase("seed");
         WriteJson(dir + "/manifest.json", j);
       },
       "missing field \"noise.seed\""},
      {"source dims do not add up",
       [](const std::string& dir) { SetField(dir, "source_dims", nlohmann::json{8, 4}); },
       "field \"source_dims\" is [8,4] (an array), expected dimensions summing to n_p=16"},
      {"manifest is an array",
       [](const std::string& dir) { std::ofstream(dir + "/manifest.json") << "[1, 2]"; },
       "not valid JSON (or not a JSON object)"},
      {"manifest is huge",
       [](const std::string& dir) { fs::resize_file(dir + "/manifest.json", 65 << 20); },
       "more than the 67108864"},
      {"hash mismatch", [](const std::string& dir) { SetField(dir, "content_hash", "0123"); },
       "manifest.json's \"content_hash\" is \"0123\": a file was modified or corrupted"},
      // Problem 2: paths that are not regular files.
      {"manifest is a directory",
       [](const std::string& dir) {
         fs::remove(dir + "/manifest.json");
         fs::create_directories(dir + "/manifest.json/x");
       },
       "manifest.json is a directory, expected a regular file"},
      {"npy is a directory",
       [](const std::string& dir) {
         fs::remove(dir + "/features_p.npy");
         fs::create_directories(dir + "/features_p.npy");
       },
       "features_p.npy is a directory, expected a regular file"},
      {"npy is a FIFO",
       [](const std::string& dir) {
         fs::remove(dir + "/codes_values.npy");
         ASSERT_EQ(::mkfifo((dir + "/codes_values.npy").c_str(), 0600), 0);
       },
       "codes_values.npy is a FIFO"},
      {"npy is /dev/zero",
       [](const std::string& dir) {
         fs::remove(dir + "/split.npy");
         fs::create_symlink("/dev/zero", dir + "/split.npy");
       },
       "split.npy is a character device"},
      {"symlink loop",
       [](const std::string& dir) {
         fs::remove(dir + "/features_r.npy");
         fs::create_symlink(dir + "/features_r.npy", dir + "/features_r.npy");
       },
       "features_r.npy: cannot open for reading: Too many levels of symbolic links"},
      // Problem 1 through a dataset: a header whose shape overflows.
      {"npy header overflows",
       [](const std::string& dir) {
         const std::string dict =
             "{'descr': '<f4', 'fortran_order': False, 'shape': (2147483648, 2147483648), }\n";
         std::string bytes("\x93NUMPY\x01\x00", 8);
         bytes.push_back(static_cast<char>(dict.size()));
         bytes.push_back(0);
         std::ofstream(dir + "/features_p.npy", std::ios::binary | std::ios::trunc)
             << bytes << dict;
       },
       "features_p.npy: the header says shape (2147483648, 2147483648) of '<f4', more than"},
      {"files swapped",
       [](const std::string& dir) {
         fs::rename(dir + "/features_p.npy", dir + "/tmp");
         fs::rename(dir + "/codes_values.npy", dir + "/features_p.npy");
         fs::rename(dir + "/tmp", dir + "/codes_values.npy");
       },
       "features_p.npy: shape ("},
      {"float16 where float32 belongs",
       [](const std::string& dir) {
         const uint16_t halves[2] = {0x3c00, 0x3c00};
         const std::string dict =
             "{'descr': '<f2', 'fortran_order': False, 'shape': (2,), }\n";
         std::string bytes("\x93NUMPY\x01\x00", 8);
         bytes.push_back(static_cast<char>(dict.size()));
         bytes.push_back(0);
         std::ofstream(dir + "/split.npy", std::ios::binary | std::ios::trunc)
             << bytes << dict << std::string(reinterpret_cast<const char*>(halves), 4);
       },
       "split.npy: dtype '<f2' where an integer type"},
  };
  for (const Corruption& c : cases) {
    const std::string dir = FreshTempPath("bad");
    ASSERT_TRUE(SaveDataset(d, dir).ok());
    c.corrupt(dir);
    const absl::StatusOr<Dataset> loaded = LoadDataset(dir);
    ASSERT_FALSE(loaded.ok()) << c.what;
    EXPECT_THAT(std::string(loaded.status().message()), HasSubstr(c.message)) << c.what;
  }
}

TEST(DatasetIo, LoadChecksHierarchiesAndUserActivationFiles) {
  const Dataset hier = Generate("lrb_hier(roots=4,depth=2,branch=2,np=16,N=100,S=0.5,M=1)");
  const std::string dir = FreshTempPath("bad_hier");
  ASSERT_TRUE(SaveDataset(hier, dir).ok());
  SetInt(dir + "/parent.npy", 0, 0);
  EXPECT_THAT(std::string(LoadDataset(dir).status().message()),
              HasSubstr("parent.npy: feature 0 is its own ancestor"));
  SetInt(dir + "/parent.npy", 0, 99);
  EXPECT_THAT(std::string(LoadDataset(dir).status().message()),
              HasSubstr("parent.npy: value 99 at index 0 is outside [-1, "));

  ActivationsInput input{{}, 20, 2, {}};
  for (int64_t r = 0; r < 20; ++r) {
    input.matrix.insert(input.matrix.end(), {1.0f + r, 2.0f});
    input.labels.push_back(r % 2);
  }
  const absl::StatusOr<Dataset> acts = MakeActivationsDataset(input, {});
  ASSERT_TRUE(acts.ok()) << acts.status();
  const std::string acts_dir = FreshTempPath("bad_acts");
  ASSERT_TRUE(SaveDataset(*acts, acts_dir).ok());
  SetInt(acts_dir + "/labels.npy", 4, 2);
  EXPECT_THAT(std::string(LoadDataset(acts_dir).status().message()),
              HasSubstr("labels.npy: value 2 at index 4 is outside [0, 1]"));
  ASSERT_TRUE(SaveDataset(*acts, acts_dir).ok());
  SetInt(acts_dir + "/source_rows.npy", 0, acts->source_rows[1]);
  EXPECT_THAT(std::string(LoadDataset(acts_dir).status().message()),
              HasSubstr("source_rows.npy: value"));
}

// Each file of a saved dataset cut at random points, or with random bytes changed: the
// load either fails naming a file of the directory or returns the very same dataset (a
// change in header padding or in the informative "report" may be harmless).
TEST(DatasetIo, TruncatedOrFlippedFilesNeverLoadAsSomethingElse) {
  const Dataset d = Generate("lrb(n=24,np=16,N=200,S=0.8,M=0.5,seed=7)+transcoder(nr=10)");
  const std::string saved = FreshTempPath("pristine");
  ASSERT_TRUE(SaveDataset(d, saved).ok());
  const uint32_t seed = 20261202;
  SCOPED_TRACE(::testing::Message() << "replay: mt19937 seed " << seed);
  std::mt19937 rng(seed);
  for (const auto& entry : fs::directory_iterator(saved)) {
    const std::string name = entry.path().filename().string();
    const std::string bytes = ReadTextFile(entry.path().string());
    for (int trial = 0; trial < 12; ++trial) {
      std::string mutant = bytes;
      std::string what;
      if (trial < 4) {
        const size_t cut = rng() % bytes.size();
        mutant.resize(cut);
        what = absl::StrCat(name, " cut at ", cut);
      } else {
        // Half the flips land in the first 128 bytes, where the headers are.
        const size_t limit = trial % 2 == 0 ? std::min<size_t>(128, bytes.size()) : bytes.size();
        const size_t pos = rng() % limit;
        const char flip = static_cast<char>(1 + rng() % 255);
        mutant[pos] = static_cast<char>(mutant[pos] ^ flip);
        what = absl::StrCat(name, " byte ", pos, " ^ ", static_cast<int>(flip) & 0xff);
      }
      const std::string dir = FreshTempPath("mutant");
      fs::copy(saved, dir);
      std::ofstream(dir + "/" + name, std::ios::binary | std::ios::trunc) << mutant;
      const absl::StatusOr<Dataset> loaded = LoadDataset(dir);
      if (loaded.ok()) {
        EXPECT_EQ(loaded->content_hash, d.content_hash) << what;
        EXPECT_EQ(loaded->features_p, d.features_p) << what;
      } else {
        EXPECT_THAT(std::string(loaded.status().message()), HasSubstr(dir)) << what;
      }
    }
  }
}

// Problem 4: a save or an export that fails part-way (here at a file-size limit, as on a full
// disk) leaves no partial file, no temporary file, and no manifest: the directory does not
// load, rather than loading as something else.
TEST(DatasetIo, AFailedSaveOrExportLeavesNoPartialFiles) {
  const Dataset d = Generate("lrb(n=24,np=16,N=200,S=0.8,M=0.5,seed=7)+transcoder(nr=10)");
  const std::string dir = FreshTempPath("full_disk");
  const std::string message = RunWithFileSizeLimit(2048, [&] { return SaveDataset(d, dir); });
  EXPECT_THAT(message, HasSubstr("File too large"));
  EXPECT_THAT(message, HasSubstr(dir + "/"));
  EXPECT_FALSE(fs::exists(dir + "/manifest.json"));
  for (const auto& entry : fs::directory_iterator(dir)) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos)
        << entry.path();
    EXPECT_TRUE(ReadNpyHeader(entry.path().string()).ok()) << entry.path();  // whole files
  }
  EXPECT_THAT(std::string(LoadDataset(dir).status().message()),
              HasSubstr("writing did not finish"));

  // Re-saving over a complete dataset: the old manifest goes first, so a failure cannot
  // leave it describing a mix of old and new files.
  ASSERT_TRUE(SaveDataset(d, dir).ok());
  const Dataset other = Generate("lrb(n=24,np=16,N=300,S=0.8,M=0.5,seed=8)");
  EXPECT_THAT(RunWithFileSizeLimit(2048, [&] { return SaveDataset(other, dir); }),
              HasSubstr("File too large"));
  EXPECT_FALSE(fs::exists(dir + "/manifest.json"));

  // Export: x_p.npy is whole or absent, never a header declaring the full shape over a
  // partial body.
  ASSERT_TRUE(SaveDataset(d, dir).ok());
  EXPECT_THAT(RunWithFileSizeLimit(8192, [&] { return ExportDense(d, dir, 1).status(); }),
              HasSubstr(dir + "/x_p.npy: write failed"));
  EXPECT_FALSE(fs::exists(dir + "/x_p.npy"));
  EXPECT_TRUE(LoadDataset(dir).ok());
  for (const auto& entry : fs::directory_iterator(dir)) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos)
        << entry.path();
  }
}

TEST(DatasetIo, SavingOverADatasetRemovesItsStaleFiles) {
  const Dataset transcoder =
      Generate("lrb(n=24,np=16,N=200,S=0.8,M=0.5,seed=7)+transcoder(nr=10)");
  const std::string dir = FreshTempPath("resave");
  ASSERT_TRUE(SaveDataset(transcoder, dir).ok());
  ASSERT_TRUE(ExportDense(transcoder, dir, 1).ok());
  ASSERT_TRUE(fs::exists(dir + "/features_r.npy") && fs::exists(dir + "/x_r.npy"));
  const Dataset sae = Generate("lrb(n=24,np=16,N=100,S=0.8,M=0.5,seed=3)");
  ASSERT_TRUE(SaveDataset(sae, dir).ok());
  EXPECT_FALSE(fs::exists(dir + "/features_r.npy"));
  EXPECT_FALSE(fs::exists(dir + "/x_p.npy"));
  EXPECT_FALSE(fs::exists(dir + "/x_r.npy"));
  const absl::StatusOr<Dataset> loaded = LoadDataset(dir);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->content_hash, sae.content_hash);

  // A file where the directory should be.
  const std::string file = FreshTempPath("plain_file");
  std::ofstream(file) << "x";
  EXPECT_THAT(std::string(SaveDataset(sae, file).message()),
              HasSubstr(file + ": cannot create the dataset directory"));
  EXPECT_FALSE(SaveDataset(sae, "").ok());
}

TEST(Activations, ClassMeansOfTheTrainingSplitBecomeTheProxyFeatures) {
  // 40 rows in 3 dims, 4 classes; class c rows are e_c-ish plus an offset.
  ActivationsInput input;
  input.num_rows = 40;
  input.dim = 3;
  for (int64_t r = 0; r < 40; ++r) {
    const int64_t label = r % 4;
    input.labels.push_back(label);
    for (int64_t k = 0; k < 3; ++k) {
      input.matrix.push_back(static_cast<float>((k == label % 3 ? 2.0 : 0.1) + 0.01 * r + label));
    }
  }
  const absl::StatusOr<Dataset> d = MakeActivationsDataset(input, {.eval_fraction = 0.25, .seed = 3});
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_FALSE(d->has_ground_truth);
  EXPECT_EQ(d->n, 4);
  EXPECT_EQ(d->n_p, 3);
  EXPECT_EQ(d->num_samples(), 40);
  EXPECT_EQ(d->num_train, 30);
  EXPECT_THAT(d->spec, HasSubstr("acts(data="));
  EXPECT_THAT(d->spec, HasSubstr(",N=40,d=3,classes=4,eval=0.25,seed=3)"));
  EXPECT_TRUE(d->codes.indptr.empty());
  // Stored rows are a permutation of the user's, labels alongside.
  std::vector<bool> seen(40, false);
  for (int64_t s = 0; s < 40; ++s) {
    const int64_t source = d->source_rows[s];
    seen[source] = true;
    EXPECT_EQ(d->labels[s], input.labels[source]);
    for (int64_t k = 0; k < 3; ++k) EXPECT_EQ(d->dense_inputs[s * 3 + k], input.matrix[source * 3 + k]);
  }
  EXPECT_EQ(std::count(seen.begin(), seen.end(), true), 40);
  // Reference class means over the training rows, from the user's matrix.
  for (int64_t c = 0; c < 4; ++c) {
    std::vector<double> mean(3, 0.0);
    for (int64_t s = 0; s < d->num_train; ++s) {
      if (d->labels[s] != c) continue;
      for (int64_t k = 0; k < 3; ++k) mean[k] += input.matrix[d->source_rows[s] * 3 + k];
    }
    const double norm = std::sqrt(mean[0] * mean[0] + mean[1] * mean[1] + mean[2] * mean[2]);
    for (int64_t k = 0; k < 3; ++k) {
      EXPECT_NEAR(d->features_p[c * 3 + k], mean[k] / norm, 1e-6) << "class " << c;
    }
  }
  // Materialisation reads the stored rows.
  std::vector<float> rows(2 * 3);
  MaterializeInputs(*d, 5, 7, rows.data());
  EXPECT_TRUE(std::equal(rows.begin(), rows.end(), d->dense_inputs.begin() + 15));
  MaterializeTargets(*d, 5, 7, rows.data());
  EXPECT_TRUE(std::equal(rows.begin(), rows.end(), d->dense_inputs.begin() + 15));

  // Saved and loaded like any dataset.
  const std::string dir = FreshTempPath("acts");
  ASSERT_TRUE(SaveDataset(*d, dir).ok());
  const absl::StatusOr<Dataset> loaded = LoadDataset(dir);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ExpectSame(*loaded, *d);
}

TEST(Activations, ImportsFloat16AndInt32FilesAndWorksWithoutLabels) {
  const std::string dir = FreshTempPath("import");
  fs::create_directories(dir);
  // float16 matrix written by hand: 4 x 2 of 1.0 / 2.0.
  const uint16_t halves[] = {0x3c00, 0x4000, 0x4000, 0x3c00, 0x3c00, 0x4000, 0x4000, 0x3c00};
  {
    const std::string dict = "{'descr': '<f2', 'fortran_order': False, 'shape': (4, 2), }\n";
    std::string out("\x93NUMPY\x01\x00", 8);
    const uint16_t len = static_cast<uint16_t>(dict.size());
    out.append(reinterpret_cast<const char*>(&len), 2);
    std::ofstream(dir + "/x.npy", std::ios::binary)
        << out << dict << std::string(reinterpret_cast<const char*>(halves), sizeof(halves));
  }
  ASSERT_TRUE(WriteNpy(dir + "/y.npy", std::vector<int32_t>{0, 1, 0, 1}, {4}).ok());
  const absl::StatusOr<Dataset> labelled =
      ImportActivations(dir + "/x.npy", dir + "/y.npy", {.eval_fraction = 0, .seed = 0});
  ASSERT_TRUE(labelled.ok()) << labelled.status();
  EXPECT_EQ(labelled->n, 2);
  // Class 0 rows are (1, 2): its unit mean is (1, 2) / sqrt(5).
  EXPECT_NEAR(labelled->features_p[0], 1 / std::sqrt(5.0), 1e-6);
  EXPECT_NEAR(labelled->features_p[1], 2 / std::sqrt(5.0), 1e-6);

  const absl::StatusOr<Dataset> unlabelled = ImportActivations(dir + "/x.npy", "", {.eval_fraction = 0.25, .seed = 0});
  ASSERT_TRUE(unlabelled.ok()) << unlabelled.status();
  EXPECT_EQ(unlabelled->n, 0);
  EXPECT_TRUE(unlabelled->features_p.empty());
  EXPECT_NE(unlabelled->content_hash, labelled->content_hash);

  ASSERT_TRUE(WriteNpy(dir + "/bad_labels.npy", std::vector<int32_t>{0, 1, 0}, {3}).ok());
  EXPECT_THAT(std::string(ImportActivations(dir + "/x.npy", dir + "/bad_labels.npy", {})
                              .status()
                              .message()),
              HasSubstr("expected 4 labels"));
}

TEST(Activations, RejectsNonFiniteValuesNegativeLabelsAndEmptyClasses) {
  ActivationsInput nan{{1, std::nanf(""), 3, 4}, 2, 2, {}};
  EXPECT_THAT(std::string(MakeActivationsDataset(nan, {}).status().message()),
              HasSubstr("row 0, column 1 is not finite"));
  ActivationsInput negative{{1, 2, 3, 4}, 2, 2, {0, -1}};
  EXPECT_THAT(std::string(MakeActivationsDataset(negative, {}).status().message()),
              HasSubstr("label -1 of row 1"));
  ActivationsInput gap{{1, 2, 3, 4}, 2, 2, {0, 2}};
  EXPECT_THAT(std::string(MakeActivationsDataset(gap, {.eval_fraction = 0}).status().message()),
              HasSubstr("class 1 has no training rows"));
}

}  // namespace
}  // namespace lrb::datasets
