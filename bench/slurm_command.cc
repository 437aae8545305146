#include "bench/slurm_command.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <ostream>
#include <sstream>
#include <string>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "bench/command_line.h"
#include "bench/slurm_scripts.h"
#include "util/atomic_file.h"
#include "util/stable_hash.h"
#include "util/status_macros.h"

namespace lrb::bench {
namespace {

namespace fs = std::filesystem;

// Names the job a directory holds, so that a second `lrb slurm` into it cannot mix shards of
// two different jobs (merge.sbatch trusts every shard-I.done it finds).
constexpr char kManifestName[] = "lrb-slurm.txt";

std::string Manifest(const Suite& suite, int shards) {
  return absl::StrFormat("suite=%s\nshards=%d\n", suite.id(), shards);
}

absl::Status AsUsageError(const absl::Status& status) {
  if (status.ok()) return status;
  return UsageError("slurm", status.message());
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrFormat("cannot read %s: %s", path, std::strerror(errno)));
  }
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrFormat("error reading %s", path));
  return bytes.str();
}

// OUT is missing, empty, or holds this very job (same manifest).
absl::Status CheckJobDirectory(const std::string& dir, const std::string& manifest) {
  std::error_code error;
  const fs::file_status status = fs::status(dir, error);
  if (!fs::exists(status)) return absl::OkStatus();
  if (!fs::is_directory(status)) {
    return absl::FailedPreconditionError(
        absl::StrFormat("--out=%s exists and is not a directory", dir));
  }
  const std::string manifest_path = dir + "/" + kManifestName;
  if (fs::exists(manifest_path, error)) {
    LRB_ASSIGN_OR_RETURN(const std::string existing, ReadWholeFile(manifest_path));
    if (existing == manifest) return absl::OkStatus();
    return absl::FailedPreconditionError(absl::StrFormat(
        "--out=%s holds another lrb slurm job (%s: %s); pass another --out or remove it",
        dir, kManifestName, existing));
  }
  if (!fs::is_empty(dir, error)) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "--out=%s is not empty and holds no lrb slurm job (%s); pass a new or empty directory",
        dir, kManifestName));
  }
  return absl::OkStatus();
}

absl::Status WriteExecutable(const std::string& path, const std::string& bytes) {
  LRB_RETURN_IF_ERROR(WriteFileAtomically(path, bytes));
  if (chmod(path.c_str(), 0755) != 0) {
    return absl::InternalError(
        absl::StrFormat("chmod 0755 %s: %s", path, std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::Status MakeDirectories(const std::string& dir) {
  std::error_code error;
  fs::create_directories(dir, error);
  if (error) {
    return absl::PermissionDeniedError(
        absl::StrFormat("cannot create %s: %s", dir, error.message()));
  }
  return absl::OkStatus();
}

void PrintInstructions(const SlurmJobSpec& spec, int64_t runs, std::ostream& out) {
  const std::string dir = spec.out_dir;
  out << absl::StrFormat("lrb slurm: suite %s (%d runs) as %d shard%s in %s\n", spec.suite_id,
                         runs, spec.shards, spec.shards == 1 ? "" : "s", dir);
  out << absl::StrFormat("  generate.sbatch  the datasets, once, into data/\n");
  out << absl::StrFormat(
      "  array.sbatch     tasks 0-%d: lrb run --shard=I/%d into shard-I.db\n", spec.shards - 1,
      spec.shards);
  out << absl::StrFormat(
      "  merge.sbatch     lrb merge into %s.db; names the shards missing\n", spec.suite);
  out << absl::StrFormat("  submit.sh        submits the three, each after the one before\n");
  out << absl::StrFormat("  bin/lrb          the binary they run (stable hash %s)\n",
                         spec.binary_hash);
  out << "The directory must be on a filesystem every node sees. Submit from a login node:\n";
  out << "  " << ShellQuote(dir + "/submit.sh") << "\n";
  out << "A shard that failed (say 3): resubmit it alone, then the merge after it:\n";
  out << "  sbatch --array=3 " << ShellQuote(dir + "/array.sbatch")
      << "      # prints ARRAY_JOB_ID\n";
  out << "  sbatch --dependency=afterok:ARRAY_JOB_ID " << ShellQuote(dir + "/merge.sbatch")
      << "\n";
}

absl::Status Submit(const std::string& dir, std::ostream& out) {
  out.flush();
  std::cout.flush();
  const std::string command = "/bin/bash " + ShellQuote(dir + "/submit.sh");
  const int status = std::system(command.c_str());
  if (status == -1) {
    return absl::InternalError(absl::StrFormat("cannot run %s: %s", command, std::strerror(errno)));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::UnavailableError(absl::StrFormat(
        "%s failed (%s); nothing or only part was submitted, see its messages above", command,
        WIFEXITED(status) ? absl::StrFormat("exit status %d", WEXITSTATUS(status))
                          : std::string("killed by a signal")));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status SlurmCommand(const Suite& suite, const SlurmCommandFlags& flags,
                          const std::string& lrb_binary, std::ostream& out) {
  SlurmJobSpec spec;
  spec.suite = suite.name;
  spec.suite_id = suite.id();
  const int64_t runs = suite.size();
  {
    absl::StatusOr<int> shards = ParseShardCount(flags.shards, runs);
    if (!shards.ok()) return AsUsageError(shards.status());
    spec.shards = *shards;
    absl::StatusOr<int> cpus = ParseCpusPerTask(flags.cpus);
    if (!cpus.ok()) return AsUsageError(cpus.status());
    spec.cpus_per_task = *cpus;
  }
  LRB_RETURN_IF_ERROR(AsUsageError(CheckSlurmTime(flags.time)));
  LRB_RETURN_IF_ERROR(AsUsageError(CheckPartition(flags.partition)));
  spec.time_limit = flags.time;
  spec.partition = flags.partition;
  if (flags.out_dir.empty()) return UsageError("slurm", "--out=DIR is required");
  std::error_code error;
  std::string dir = fs::absolute(flags.out_dir, error).lexically_normal().string();
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  LRB_RETURN_IF_ERROR(AsUsageError(CheckJobDirectoryPath(dir)));
  spec.out_dir = dir;

  const std::string manifest = Manifest(suite, spec.shards);
  LRB_RETURN_IF_ERROR(CheckJobDirectory(dir, manifest));
  LRB_RETURN_IF_ERROR(MakeDirectories(dir + "/bin"));
  LRB_RETURN_IF_ERROR(MakeDirectories(dir + "/logs"));

  // The cluster runs exactly the binary that wrote the scripts, even if the build changes.
  LRB_ASSIGN_OR_RETURN(const std::string binary, ReadWholeFile(lrb_binary));
  spec.binary_source = lrb_binary;
  spec.binary_hash = StableHasher().Update(binary).HexDigest();
  LRB_RETURN_IF_ERROR(WriteExecutable(dir + "/bin/lrb", binary));

  const SlurmScripts scripts = MakeSlurmScripts(spec);
  LRB_RETURN_IF_ERROR(WriteExecutable(dir + "/generate.sbatch", scripts.generate));
  LRB_RETURN_IF_ERROR(WriteExecutable(dir + "/array.sbatch", scripts.array));
  LRB_RETURN_IF_ERROR(WriteExecutable(dir + "/merge.sbatch", scripts.merge));
  LRB_RETURN_IF_ERROR(WriteExecutable(dir + "/submit.sh", scripts.submit));
  LRB_RETURN_IF_ERROR(WriteFileAtomically(dir + "/" + kManifestName, manifest));

  PrintInstructions(spec, runs, out);
  if (!flags.submit) return absl::OkStatus();
  return Submit(dir, out);
}

}  // namespace lrb::bench
