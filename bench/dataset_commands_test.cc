#include "bench/dataset_commands.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "bench/suites.h"
#include "datasets/dataset_io.h"
#include "datasets/generator.h"
#include "datasets/npy.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "util/file_size_limit_testing.h"
#include "util/testing/json_file.h"
#include "util/testing/status_matchers.h"
#include "util/testing/temp_dir.h"

namespace lrb::bench {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

// A path that does not exist yet, private to the running test.
std::string TempDir(const std::string& name) { return ::lrb::testing::FreshTempPath(name); }

nlohmann::json ReadJson(const std::string& path) { return ::lrb::testing::ReadJsonFile(path); }

TEST(GenerateSpecCommand, WritesOneDatasetOfAnySpecAndKeepsItOnASecondCall) {
  const std::string out = TempDir("own");
  const std::string spec = "lrb(n=24,np=16,N=1500,S=0.9,M=0.5,seed=3)";
  std::ostringstream log;
  LRB_ASSERT_OK(GenerateSpecCommand(spec, out, 1, &log));
  LRB_ASSERT_OK_AND_ASSIGN(const datasets::Dataset loaded, datasets::LoadDataset(out));
  LRB_ASSERT_OK_AND_ASSIGN(const datasets::Dataset fresh, datasets::GenerateDataset(spec, 2));
  EXPECT_EQ(loaded.spec, fresh.spec);
  EXPECT_EQ(loaded.content_hash, fresh.content_hash);
  EXPECT_THAT(log.str(), HasSubstr(loaded.content_hash));
  std::ostringstream again;
  LRB_ASSERT_OK(GenerateSpecCommand(spec, out, 1, &again));
  EXPECT_THAT(again.str(), HasSubstr("already generated"));
  // Another spec into the same directory replaces it.
  LRB_ASSERT_OK(GenerateSpecCommand("lrb(n=24,np=16,N=1500,S=0.9,M=0.5,seed=4)", out, 1, nullptr));
  LRB_ASSERT_OK_AND_ASSIGN(const datasets::Dataset replaced, datasets::LoadDataset(out));
  EXPECT_NE(replaced.content_hash, loaded.content_hash);
}

TEST(GenerateSpecCommand, RefusesBadSpecsAndDirectoriesOfSomethingElse) {
  EXPECT_THAT(GenerateSpecCommand("lrb(n=24,bogus=1)", TempDir("bad"), 1, nullptr),
              ::lrb::testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                       HasSubstr("--spec=lrb(n=24,bogus=1)")));
  const std::string other = ::lrb::testing::NewTempDir("other");
  std::ofstream(other + "/notes.txt") << "mine";
  EXPECT_THAT(GenerateSpecCommand("lrb(n=24,np=16,N=1500,S=0.9,M=0.5)", other, 1, nullptr),
              ::lrb::testing::StatusIs(absl::StatusCode::kFailedPrecondition,
                                       HasSubstr("without manifest.json")));
  EXPECT_TRUE(fs::exists(other + "/notes.txt"));
  EXPECT_THAT(GenerateSpecCommand("lrb(n=24,np=16,N=1500,S=0.9,M=0.5)", "", 1, nullptr),
              ::lrb::testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                       HasSubstr("--out=DIR is required")));
}

TEST(GenerateSuiteCommand, WritesEveryDatasetAndResumes) {
  const absl::StatusOr<const Suite*> suite = FindSuite("tiny");
  ASSERT_TRUE(suite.ok());
  const std::string out = TempDir("tiny");
  std::ostringstream log;
  ASSERT_TRUE(GenerateSuiteCommand(**suite, out, 2, &log).ok());
  const nlohmann::json manifest = ReadJson(out + "/suite.json");
  EXPECT_EQ(manifest["suite"], (*suite)->id());
  EXPECT_EQ(manifest["fingerprint"], SuiteFingerprint(**suite));
  ASSERT_EQ(manifest["datasets"].size(), (*suite)->datasets.size());
  for (size_t i = 0; i < (*suite)->datasets.size(); ++i) {
    const nlohmann::json& entry = manifest["datasets"][i];
    const absl::StatusOr<datasets::Dataset> loaded =
        datasets::LoadDataset(out + "/" + entry["dir"].get<std::string>());
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    const absl::StatusOr<datasets::Dataset> fresh =
        datasets::GenerateDataset((*suite)->datasets[i], 1);
    ASSERT_TRUE(fresh.ok());
    EXPECT_EQ(loaded->content_hash, fresh->content_hash);
    EXPECT_EQ(entry["content_hash"], fresh->content_hash);
    EXPECT_EQ(entry["spec"], fresh->spec);
  }
  std::ostringstream again;
  ASSERT_TRUE(GenerateSuiteCommand(**suite, out, 1, &again).ok());
  EXPECT_THAT(again.str(), HasSubstr("already generated"));
  // The suite.json of a resumed run is the same file.
  EXPECT_EQ(ReadJson(out + "/suite.json"), manifest);
}

TEST(ExportDenseCommand, ExportsASuiteOrOneDataset) {
  const absl::StatusOr<const Suite*> suite = FindSuite("tiny");
  ASSERT_TRUE(suite.ok());
  const std::string out = TempDir("tiny_export");
  ASSERT_TRUE(GenerateSuiteCommand(**suite, out).ok());
  EXPECT_THAT(std::string(ExportDenseCommand(out, /*dense=*/false).message()),
              HasSubstr("--dense"));
  ASSERT_TRUE(ExportDenseCommand(out, /*dense=*/true).ok());
  const absl::StatusOr<datasets::NpyHeader> header =
      datasets::ReadNpyHeader(out + "/dataset_00/x_p.npy");
  ASSERT_TRUE(header.ok()) << header.status();
  EXPECT_EQ(header->shape, (std::vector<int64_t>{4000, 48}));
  EXPECT_TRUE(ExportDenseCommand(out + "/dataset_00", true).ok());
  EXPECT_FALSE(ExportDenseCommand(out + "/nothing_here", true).ok());
}

TEST(ImportActivationsCommand, WritesALoadableDataset) {
  const std::string dir = TempDir("import_cmd");
  fs::create_directories(dir);
  std::vector<float> matrix;
  std::vector<int64_t> labels;
  for (int r = 0; r < 30; ++r) {
    matrix.insert(matrix.end(), {1.0f + r % 3, 2.0f, 0.5f * r});
    labels.push_back(r % 3);
  }
  ASSERT_TRUE(datasets::WriteNpy(dir + "/x.npy", matrix, {30, 3}).ok());
  ASSERT_TRUE(datasets::WriteNpy(dir + "/y.npy", labels, {30}).ok());
  ASSERT_TRUE(ImportActivationsCommand(dir + "/x.npy", dir + "/y.npy", dir + "/out", nullptr).ok());
  const absl::StatusOr<datasets::Dataset> d = datasets::LoadDataset(dir + "/out");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->n, 3);
  EXPECT_FALSE(d->has_ground_truth);
  EXPECT_THAT(std::string(ImportActivationsCommand("", "", dir + "/o2", nullptr).message()),
              HasSubstr("--activations"));
}

std::string Message(const absl::Status& status) { return std::string(status.message()); }

// Problem 5 and its class: every path flag is checked, and the message names the flag.
TEST(ImportActivationsCommand, RejectsMissingOrUnusablePathsNamingTheFlag) {
  const std::string dir = TempDir("import_paths");
  fs::create_directories(dir);
  ASSERT_TRUE(datasets::WriteNpy(dir + "/x.npy", std::vector<float>(60, 1.0f), {20, 3}).ok());
  std::ofstream(dir + "/a_file") << "x";
  fs::create_directories(dir + "/busy");
  std::ofstream(dir + "/busy/notes.txt") << "mine";

  EXPECT_THAT(Message(ImportActivationsCommand(dir + "/x.npy", "", "", nullptr)),
              HasSubstr("import: --out=DIR is required"));
  EXPECT_THAT(Message(ImportActivationsCommand(dir + "/x.npy", "", dir + "/a_file", nullptr)),
              HasSubstr("--out=" + dir + "/a_file exists and is not a directory"));
  EXPECT_THAT(Message(ImportActivationsCommand(dir + "/x.npy", "", dir + "/busy", nullptr)),
              HasSubstr("is a non-empty directory without manifest.json"));
  EXPECT_TRUE(fs::exists(dir + "/busy/notes.txt"));
  // Problem 2: a directory where the .npy file belongs.
  EXPECT_THAT(Message(ImportActivationsCommand(dir, "", dir + "/o", nullptr)),
              HasSubstr(dir + " is a directory, expected a regular file"));
  EXPECT_THAT(Message(ImportActivationsCommand(dir + "/x.npy", dir, dir + "/o", nullptr)),
              HasSubstr(dir + " is a directory, expected a regular file"));
  EXPECT_THAT(Message(ImportActivationsCommand("/dev/zero", "", dir + "/o", nullptr)),
              HasSubstr("character device"));
  // Problem 1: a header whose shape overflows int64 when multiplied out.
  {
    const std::string dict =
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2147483648, 2147483648), }\n";
    std::string bytes("\x93NUMPY\x01\x00", 8);
    bytes.push_back(static_cast<char>(dict.size()));
    bytes.push_back(0);
    std::ofstream(dir + "/ovf.npy", std::ios::binary) << bytes << dict;
  }
  EXPECT_THAT(Message(ImportActivationsCommand(dir + "/ovf.npy", "", dir + "/o", nullptr)),
              HasSubstr("more than 2^63 bytes"));
  // Nothing was created by the failed imports.
  EXPECT_FALSE(fs::exists(dir + "/o"));
  // Importing again over a finished import replaces it.
  const absl::Status first = ImportActivationsCommand(dir + "/x.npy", "", dir + "/o", nullptr);
  ASSERT_TRUE(first.ok()) << first;
  const absl::Status second = ImportActivationsCommand(dir + "/x.npy", "", dir + "/o", nullptr);
  ASSERT_TRUE(second.ok()) << second;
  EXPECT_TRUE(datasets::LoadDataset(dir + "/o").ok());
}

TEST(ExportDenseCommand, RejectsBadDirectoriesAndSuiteManifests) {
  const std::string dir = TempDir("export_paths");
  fs::create_directories(dir);
  std::ofstream(dir + "/a_file") << "x";
  EXPECT_THAT(Message(ExportDenseCommand("", true)), HasSubstr("--dataset=DIR is required"));
  EXPECT_THAT(Message(ExportDenseCommand(dir + "/a_file", true)), HasSubstr("is not a directory"));
  EXPECT_THAT(Message(ExportDenseCommand(dir + "/missing", true)),
              HasSubstr("is not a directory"));
  struct Case {
    std::string suite_json;
    std::string message;
  };
  const Case cases[] = {
      {"{not json", "not a suite manifest"},
      {"[1, 2]", "not a suite manifest"},
      {R"({"datasets": 3})", "not a suite manifest"},
      {R"({"datasets": [3]})", "datasets[0] is 3, expected {\"dir\""},
      {R"({"datasets": [{"dir": 3}]})", "datasets[0] is {\"dir\":3}"},
      {R"({"datasets": [{"dir": "../elsewhere"}]})", "a directory name inside"},
      {R"({"datasets": [{"dir": ".."}]})", "a directory name inside"},
      {R"({"datasets": [{"dir": "dataset_00"}]})", "dataset_00/manifest.json: cannot open"},
  };
  for (const Case& c : cases) {
    std::ofstream(dir + "/suite.json", std::ios::trunc) << c.suite_json;
    EXPECT_THAT(Message(ExportDenseCommand(dir, true)), HasSubstr(c.message)) << c.suite_json;
  }
  fs::remove(dir + "/suite.json");
  fs::create_directories(dir + "/suite.json");
  EXPECT_THAT(Message(ExportDenseCommand(dir, true)),
              HasSubstr("suite.json is a directory, expected a regular file"));
}

TEST(GenerateSuiteCommand, RejectsBadOutputPathsAndLeavesNoSuiteJsonOnFailure) {
  const absl::StatusOr<const Suite*> suite = FindSuite("tiny");
  ASSERT_TRUE(suite.ok());
  const std::string dir = TempDir("generate_paths");
  fs::create_directories(dir + "/busy");
  std::ofstream(dir + "/busy/notes.txt") << "mine";
  std::ofstream(dir + "/a_file") << "x";
  EXPECT_THAT(Message(GenerateSuiteCommand(**suite, "")), HasSubstr("--out=DIR is required"));
  EXPECT_THAT(Message(GenerateSuiteCommand(**suite, dir + "/a_file")),
              HasSubstr("exists and is not a directory"));
  EXPECT_THAT(Message(GenerateSuiteCommand(**suite, dir + "/busy")),
              HasSubstr("not a suite directory"));

  // Problem 4: a generate that fails part-way (file-size limit, as on a full disk) leaves
  // no suite.json, no dataset manifest and no temporary file.
  const std::string out = dir + "/suite";
  const std::string message =
      RunWithFileSizeLimit(16384, [&] { return GenerateSuiteCommand(**suite, out); });
  EXPECT_THAT(message, HasSubstr("File too large"));
  EXPECT_FALSE(fs::exists(out + "/suite.json"));
  EXPECT_FALSE(fs::exists(out + "/dataset_00/manifest.json"));
  for (const auto& entry : fs::recursive_directory_iterator(out)) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << entry.path();
  }
  // The interrupted generate resumes.
  ASSERT_TRUE(GenerateSuiteCommand(**suite, out).ok());
  EXPECT_TRUE(datasets::LoadDataset(out + "/dataset_00").ok());
}

}  // namespace
}  // namespace lrb::bench
