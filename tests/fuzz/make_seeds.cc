// Writes the seed corpora of the file fuzzers with the project's own writers, so that the
// seeds follow the formats as they evolve:
//   make_seeds npy OUT_DIR           .npy files of every dtype and header version
//   make_seeds dataset_dir OUT_DIR   file bundles (file_bundle.h) of SaveDataset directories
//   make_seeds store OUT_DIR         SQLite databases written by Store
// Built with the project's gcc toolchain (it is an ordinary cc_binary); run at build time
// by lrb_seed_corpus (fuzz.bzl). Exits non-zero, naming the failure, if any writer fails.

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "datasets/activations.h"
#include "datasets/dataset_io.h"
#include "datasets/generator.h"
#include "datasets/npy.h"
#include "leaderboard/store/store.h"
#include "tests/fuzz/file_bundle.h"
#include "util/status_macros.h"

namespace lrb::fuzz {
namespace {

namespace fs = std::filesystem;

absl::StatusOr<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path.string()));
  return std::string(std::istreambuf_iterator<char>(in), {});
}

absl::Status WriteFile(const fs::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path.string()));
  return absl::OkStatus();
}

// A .npy file assembled by hand, for what WriteNpy never writes (other header versions,
// '<f2'): magic, version, header length (2 bytes for 1.0, 4 for 2.0 and 3.0), the
// header padded with spaces to a multiple of 64 and ended by '\n', then `data`.
std::string HandMadeNpy(int major, std::string_view dict, std::string_view data) {
  const size_t length_bytes = major == 1 ? 2 : 4;
  std::string header(dict);
  while ((6 + 2 + length_bytes + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string file = "\x93NUMPY";
  file += static_cast<char>(major);
  file += '\0';
  for (size_t i = 0; i < length_bytes; ++i) file += static_cast<char>((header.size() >> (8 * i)) & 0xff);
  return file + header + std::string(data);
}

absl::Status WriteNpySeeds(const fs::path& out) {
  using datasets::WriteNpy;
  LRB_RETURN_IF_ERROR(WriteNpy((out / "f4_matrix.npy").string(),
                               std::vector<float>{1, -2, 0.5f, 3e-8f, 1e30f, -0.0f}, {2, 3}));
  LRB_RETURN_IF_ERROR(WriteNpy((out / "f4_scalar.npy").string(), std::vector<float>{7}, {}));
  LRB_RETURN_IF_ERROR(WriteNpy((out / "f4_empty.npy").string(), std::vector<float>{}, {0, 4}));
  LRB_RETURN_IF_ERROR(
      WriteNpy((out / "i4_vector.npy").string(), std::vector<int32_t>{0, 3, -1, 2}, {4}));
  LRB_RETURN_IF_ERROR(WriteNpy((out / "i8_cube.npy").string(),
                               std::vector<int64_t>{1, 2, 3, 4, 5, 6, 7, 8}, {2, 2, 2}));
  const std::string halves("\x00\x3c\x00\xc0\x01\x00\x00\x7c\x00\x7e\xff\x7b", 12);
  LRB_RETURN_IF_ERROR(WriteFile(
      out / "f2_v1.npy",
      HandMadeNpy(1, "{'descr': '<f2', 'fortran_order': False, 'shape': (2, 3), }", halves)));
  const std::string floats("\x00\x00\x80\x3f\x00\x00\x00\xc0", 8);
  LRB_RETURN_IF_ERROR(WriteFile(
      out / "f4_v2.npy",
      HandMadeNpy(2, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", floats)));
  LRB_RETURN_IF_ERROR(WriteFile(
      out / "f4_v3.npy",
      HandMadeNpy(3, "{'shape': (1, 2), 'fortran_order': False, 'descr': '<f4'}", floats)));
  // A seed must be a valid input: each one reads back.
  for (const fs::directory_entry& entry : fs::directory_iterator(out)) {
    const std::string path = entry.path().string();
    const bool is_int = entry.path().filename().string().starts_with("i");
    const absl::Status read = is_int ? datasets::ReadNpyInt(path).status()
                                     : datasets::ReadNpyFloat(path).status();
    if (!read.ok()) return absl::InternalError(absl::StrCat(path, " does not read: ", read.ToString()));
  }
  return absl::OkStatus();
}

// Bundles `dir` into `bundle`, then checks that the bundle unpacks to a directory
// LoadDataset accepts: a seed must be a valid input, or the fuzzer starts from nothing.
absl::Status BundleDirectory(const fs::path& dir, const fs::path& bundle) {
  std::map<std::string, std::string> files;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    LRB_ASSIGN_OR_RETURN(files[entry.path().filename().string()], ReadFile(entry.path()));
  }
  const std::string bytes = JoinFileBundle(files);
  LRB_RETURN_IF_ERROR(WriteFile(bundle, bytes));
  const fs::path unpacked = dir.string() + "_unpacked";
  fs::remove_all(unpacked);
  fs::create_directories(unpacked);
  for (const auto& [name, content] : SplitFileBundle(bytes)) {
    LRB_RETURN_IF_ERROR(WriteFile(unpacked / name, content));
  }
  const absl::Status loaded = datasets::LoadDataset(unpacked.string()).status();
  fs::remove_all(unpacked);
  if (!loaded.ok()) {
    return absl::InternalError(absl::StrCat(bundle.string(), " does not load: ", loaded.ToString()));
  }
  return absl::OkStatus();
}

absl::Status WriteDatasetSeeds(const fs::path& out) {
  // Tiny sizes: each seed is a few KB, so that mutations are cheap and land in the
  // structure rather than in bulk data.
  const std::vector<std::pair<std::string, std::string>> specs = {
      {"lrb", "lrb(n=8,np=4,N=12,S=0.7,M=1,iters=0,seed=1)"},
      {"transcoder_noise", "lrb(n=6,np=4,N=10,S=0.7,M=1,iters=0)+transcoder(nr=3)+noise(sigma=0.1)"},
      {"crosscoder", "lrb(n=6,np=3,N=10,S=0.7,M=1,iters=0)+crosscoder(m=2)"},
      {"hierarchy", "lrb_hier(roots=2,depth=1,branch=2,np=4,N=10,S=0.5,M=1,iters=0)"},
  };
  const fs::path scratch = out / "scratch";
  for (const auto& [name, spec] : specs) {
    LRB_ASSIGN_OR_RETURN(const datasets::Dataset dataset, datasets::GenerateDataset(spec, 1));
    fs::remove_all(scratch);
    LRB_RETURN_IF_ERROR(datasets::SaveDataset(dataset, scratch.string()));
    LRB_RETURN_IF_ERROR(BundleDirectory(scratch, out / (name + ".bundle")));
  }
  // User activations with labels: dense_inputs, labels and source_rows instead of codes.
  datasets::ActivationsInput input;
  input.num_rows = 6;
  input.dim = 3;
  for (int i = 0; i < 18; ++i) input.matrix.push_back(0.25f * static_cast<float>(i % 7) - 0.5f);
  input.labels = {0, 1, 0, 2, 1, 0};
  LRB_ASSIGN_OR_RETURN(const datasets::Dataset acts,
                       datasets::MakeActivationsDataset(input, {.eval_fraction = 0.5, .seed = 2}));
  fs::remove_all(scratch);
  LRB_RETURN_IF_ERROR(datasets::SaveDataset(acts, scratch.string()));
  LRB_RETURN_IF_ERROR(BundleDirectory(scratch, out / "acts.bundle"));
  fs::remove_all(scratch);
  return absl::OkStatus();
}

leaderboard::RunRecord SeedRun(const std::string& key) {
  leaderboard::RunRecord run;
  run.run_key = key;
  run.suite = "fuzz@1";
  run.dataset_spec = "lrb(n=8,np=4,N=12,S=0.7,M=1,iters=0,seed=1)";
  run.dataset_hash = "0123456789abcdef";
  run.method_spec = "sae.topk(latents=16,k=2)";
  run.train_spec = "train(steps=10)";
  run.backend = "scalar";
  run.seed = 3;
  run.scorer_version = "score@2";
  run.environment = {.cpu = "cpu", .simd_target = "AVX2", .compiler = "gcc",
                     .build_mode = "opt", .git_commit = "abc", .git_dirty = true,
                     .library_versions = "sqlite", .hostname = "host", .threads = 2};
  return run;
}

absl::Status WriteStoreSeeds(const fs::path& out) {
  const fs::path path = out / "runs.db";
  {
    LRB_ASSIGN_OR_RETURN(std::unique_ptr<leaderboard::Store> store,
                         leaderboard::Store::Open(path.string()));
    LRB_ASSIGN_OR_RETURN(const int64_t ok_id, store->BeginRun(SeedRun("fuzz-run-ok")));
    leaderboard::RunRecord outcome = SeedRun("fuzz-run-ok");
    outcome.backend_used = "scalar";
    outcome.train_seconds = 1.5;
    outcome.metrics = {{"m_gt@0.95", 0.75}, {"mcc", 0.5}};
    outcome.features = {{.feature = 0, .best_latent = 3, .best_cosine = 0.99, .recovered = true},
                        {.feature = 1, .firing_frequency = 0.25, .absorbed = true}};
    LRB_RETURN_IF_ERROR(store->FinishRun(ok_id, outcome));
    LRB_ASSIGN_OR_RETURN(const int64_t failed_id, store->BeginRun(SeedRun("fuzz-run-failed")));
    LRB_RETURN_IF_ERROR(store->FailRun(failed_id, "diverged"));
    LRB_RETURN_IF_ERROR(store->BeginRun(SeedRun("fuzz-run-running")).status());
  }  // Closing the last connection checkpoints the WAL into the file.
  for (const char* suffix : {"-wal", "-shm"}) {
    if (fs::exists(path.string() + suffix)) {
      return absl::InternalError(absl::StrCat(path.string(), suffix, " outlived the Store"));
    }
  }
  // A seed must be a valid input: it reopens with its three runs.
  LRB_ASSIGN_OR_RETURN(std::unique_ptr<leaderboard::Store> store,
                       leaderboard::Store::Open(path.string()));
  LRB_ASSIGN_OR_RETURN(const std::vector<leaderboard::RunRecord> runs, store->LoadRuns("fuzz@1"));
  if (runs.size() != 3) return absl::InternalError("the seed database does not hold 3 runs");
  store.reset();
  for (const char* suffix : {"-wal", "-shm"}) fs::remove(path.string() + suffix);
  return absl::OkStatus();
}

}  // namespace
}  // namespace lrb::fuzz

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s npy|dataset_dir|store OUT_DIR\n", argv[0]);
    return 2;
  }
  const std::string kind = argv[1];
  const fs::path out = argv[2];
  fs::create_directories(out);
  absl::Status status;
  if (kind == "npy") {
    status = lrb::fuzz::WriteNpySeeds(out);
  } else if (kind == "dataset_dir") {
    status = lrb::fuzz::WriteDatasetSeeds(out);
  } else if (kind == "store") {
    status = lrb::fuzz::WriteStoreSeeds(out);
  } else {
    status = absl::InvalidArgumentError("unknown seed kind " + kind);
  }
  if (!status.ok()) {
    std::fprintf(stderr, "make_seeds %s: %s\n", kind.c_str(), status.ToString().c_str());
    return 1;
  }
  return 0;
}
