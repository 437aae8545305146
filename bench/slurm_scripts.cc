#include "bench/slurm_scripts.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace lrb::bench {
namespace {

constexpr int kMaxCpusPerTask = 1024;

// A non-empty run of decimal digits (no sign, no spaces), as a value below 10^9.
bool ParseDigits(absl::string_view text, int64_t* value) {
  if (text.empty() || text.size() > 9) return false;
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return absl::SimpleAtoi(text, value);
}

absl::Status BadTime(absl::string_view text, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrFormat(
      "--time=%s: %s; expected a Slurm time limit: MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM or "
      "D-HH:MM:SS (e.g. --time=30 or --time=1-12:00:00)",
      text, why));
}

// The #SBATCH lines every script starts with. `name` is the job's name, `output` its output
// file (with Slurm's %j / %a patterns), `role` one line on what the script does.
std::string Header(const SlurmJobSpec& spec, absl::string_view role, absl::string_view name,
                   absl::string_view output, absl::string_view extra_sbatch_lines) {
  std::string text = absl::StrFormat(
      "#!/bin/bash\n"
      "# Written by `lrb slurm --suite=%s --shards=%d` (suite %s): %s\n"
      "# The jobs run %s/bin/lrb, copied from %s (stable hash %s).\n"
      "#SBATCH --job-name=%s\n"
      "#SBATCH --chdir=\"%s\"\n"
      "#SBATCH --output=\"%s/logs/%s\"\n"
      "#SBATCH --cpus-per-task=%d\n",
      spec.suite, spec.shards, spec.suite_id, role, spec.out_dir, spec.binary_source,
      spec.binary_hash, name, spec.out_dir, spec.out_dir, output, spec.cpus_per_task);
  if (!spec.partition.empty()) absl::StrAppend(&text, "#SBATCH --partition=", spec.partition, "\n");
  if (!spec.time_limit.empty()) absl::StrAppend(&text, "#SBATCH --time=", spec.time_limit, "\n");
  absl::StrAppend(&text, extra_sbatch_lines, "set -euo pipefail\n", "dir=", ShellQuote(spec.out_dir),
                  "\n");
  return text;
}

std::string GenerateScript(const SlurmJobSpec& spec) {
  return absl::StrCat(
      Header(spec, "the suite's datasets, once, for every shard", "lrb-" + spec.suite + "-generate",
             "generate-%j.out", ""),
      "# Deterministic and idempotent: datasets already complete are kept.\n",
      "\"$dir/bin/lrb\" generate --suite=", spec.suite, " --out=\"$dir/data\"\n");
}

std::string ArrayScript(const SlurmJobSpec& spec) {
  const int last = spec.shards - 1;
  return absl::StrCat(
      Header(spec, absl::StrFormat("one array task per shard, 0-%d", last), "lrb-" + spec.suite,
             "shard-%a.out", absl::StrFormat("#SBATCH --array=0-%d\n", last)),
      absl::StrFormat(
          "shards=%d\n"
          "task=${SLURM_ARRAY_TASK_ID:?this is a job array script: sbatch --array=0-%d "
          "array.sbatch}\n"
          "if ((task < 0 || task >= shards)); then\n"
          "  echo \"array.sbatch: task $task is not a shard of 0-%d\" >&2\n"
          "  exit 2\n"
          "fi\n"
          "# The marker says the shard finished; a rerun (sbatch --array=$task) first removes it.\n"
          "rm -f \"$dir/shard-$task.done\"\n"
          "\"$dir/bin/lrb\" run --suite=%s --shard=\"$task/$shards\" --data=\"$dir/data\" \\\n"
          "  --db=\"$dir/shard-$task.db\" --threads=%d\n"
          "touch \"$dir/shard-$task.done\"\n",
          spec.shards, last, last, spec.suite, spec.cpus_per_task));
}

std::string MergeScript(const SlurmJobSpec& spec) {
  return absl::StrCat(
      Header(spec, "merge the shards' databases", "lrb-" + spec.suite + "-merge", "merge-%j.out",
             ""),
      absl::StrFormat(
          "shards=%d\n"
          "inputs=()\n"
          "missing=()\n"
          "for ((task = 0; task < shards; task++)); do\n"
          "  if [[ -f \"$dir/shard-$task.done\" && -f \"$dir/shard-$task.db\" ]]; then\n"
          "    inputs+=(\"$dir/shard-$task.db\")\n"
          "  else\n"
          "    missing+=(\"$task\")\n"
          "  fi\n"
          "done\n"
          "if ((${#missing[@]})); then\n"
          "  list=$(IFS=,; echo \"${missing[*]}\")\n"
          "  echo \"merge.sbatch: ${#missing[@]} of $shards shards missing: $list; nothing merged\" >&2\n"
          "  echo \"(a shard without shard-N.done failed, was cancelled or has not run)\" >&2\n"
          "  echo \"resubmit them, then merge once they are done:\" >&2\n"
          "  printf '  sbatch --array=%%s %%q\\n' \"$list\" \"$dir/array.sbatch\" >&2\n"
          "  printf '  sbatch --dependency=afterok:ARRAY_JOB_ID %%q\\n' \"$dir/merge.sbatch\" >&2\n"
          "  exit 1\n"
          "fi\n"
          "# --data: the datasets' hashes are checked against the generated files, not regenerated.\n"
          "\"$dir/bin/lrb\" merge --db=\"$dir/%s.db\" --data=\"$dir/data\" \"${inputs[@]}\"\n"
          "\"$dir/bin/lrb\" leaderboard --suite=%s --db=\"$dir/%s.db\"\n",
          spec.shards, spec.suite, spec.suite, spec.suite));
}

std::string SubmitScript(const SlurmJobSpec& spec) {
  return absl::StrCat(
      absl::StrFormat(
          "#!/bin/bash\n"
          "# Written by `lrb slurm --suite=%s --shards=%d` (suite %s): submits generate.sbatch,\n"
          "# array.sbatch and merge.sbatch, each to start once the one before succeeded\n"
          "# (afterok); a job whose dependency fails is cancelled (--kill-on-invalid-dep).\n"
          "set -euo pipefail\n"
          "dir=%s\n",
          spec.suite, spec.shards, spec.suite_id, ShellQuote(spec.out_dir)),
      "if ! command -v sbatch >/dev/null; then\n"
      "  echo \"submit.sh: sbatch not found; run this where Slurm's commands are (a login node)\" "
      ">&2\n"
      "  exit 1\n"
      "fi\n"
      "mkdir -p \"$dir/logs\"\n"
      "# --parsable prints JOBID or JOBID;CLUSTER.\n"
      "out=$(sbatch --parsable \"$dir/generate.sbatch\")\n"
      "generate=${out%%;*}\n"
      "out=$(sbatch --parsable --dependency=afterok:\"$generate\" --kill-on-invalid-dep=yes \\\n"
      "  \"$dir/array.sbatch\")\n"
      "array=${out%%;*}\n"
      "out=$(sbatch --parsable --dependency=afterok:\"$array\" --kill-on-invalid-dep=yes \\\n"
      "  \"$dir/merge.sbatch\")\n"
      "merge=${out%%;*}\n"
      "printf '%s\\n' \"$generate\" \"$array\" \"$merge\" >\"$dir/jobs\"\n",
      absl::StrFormat(
          "echo \"submitted: generate job $generate, array job $array (tasks 0-%d), merge job "
          "$merge\"\n"
          "echo \"follow:    squeue -j $generate,$array,$merge\"\n"
          "printf 'result:    %%q (the merge job prints its board to %%q)\\n' \\\n"
          "  \"$dir/%s.db\" \"$dir/logs/merge-$merge.out\"\n",
          spec.shards - 1, spec.suite));
}

}  // namespace

absl::StatusOr<int> ParseShardCount(absl::string_view text, int64_t suite_runs) {
  int64_t value = 0;
  if (!ParseDigits(text, &value) || value < 1) {
    return absl::InvalidArgumentError(
        absl::StrFormat("--shards=%s: expected a whole number of shards, at least 1", text));
  }
  if (value > suite_runs) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "--shards=%s: the suite has %d runs, so at most %d shards (each shard needs a run)", text,
        suite_runs, suite_runs));
  }
  return static_cast<int>(value);
}

absl::StatusOr<int> ParseCpusPerTask(absl::string_view text) {
  int64_t value = 0;
  if (!ParseDigits(text, &value) || value < 1 || value > kMaxCpusPerTask) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "--cpus=%s: expected CPUs per task, a whole number from 1 to %d", text, kMaxCpusPerTask));
  }
  return static_cast<int>(value);
}

absl::Status CheckSlurmTime(absl::string_view text) {
  if (text.empty()) return absl::OkStatus();
  absl::string_view clock = text;
  int64_t days = -1;
  if (const size_t dash = text.find('-'); dash != absl::string_view::npos) {
    if (!ParseDigits(text.substr(0, dash), &days)) return BadTime(text, "the days are not a number");
    clock = text.substr(dash + 1);
  }
  const std::vector<absl::string_view> fields =
      absl::StrSplit(clock, ':');
  if (fields.size() > 3) return BadTime(text, "too many ':' fields");
  std::vector<int64_t> values;
  for (absl::string_view field : fields) {
    int64_t value = 0;
    if (!ParseDigits(field, &value)) {
      return BadTime(text, absl::StrFormat("'%s' is not a number", field));
    }
    values.push_back(value);
  }
  // With days the fields are hours[:minutes[:seconds]]; without, minutes[:seconds] or
  // hours:minutes:seconds. Every field after the first is below 60; hours after days below 24.
  for (size_t i = 1; i < values.size(); ++i) {
    if (values[i] >= 60) return BadTime(text, absl::StrFormat("%d is not below 60", values[i]));
  }
  if (days >= 0 && values[0] >= 24) {
    return BadTime(text, absl::StrFormat("%d hours after a day count is not below 24", values[0]));
  }
  int64_t total = days > 0 ? days : 0;
  for (int64_t value : values) total += value;
  if (total == 0) return BadTime(text, "a zero time limit");
  return absl::OkStatus();
}

absl::Status CheckPartition(absl::string_view text) {
  if (text.empty()) return absl::OkStatus();
  for (absl::string_view name : absl::StrSplit(text, ',')) {
    bool ok = !name.empty();
    for (char c : name) {
      ok = ok && (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' ||
                  c == '.');
    }
    if (!ok) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "--partition=%s: expected partition names (letters, digits, '_', '-', '.'), "
          "separated by commas",
          text));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckJobDirectoryPath(absl::string_view path) {
  if (path.empty() || path[0] != '/') {
    return absl::InvalidArgumentError(
        absl::StrFormat("job directory %s: expected an absolute path", path));
  }
  for (char c : path) {
    if (c == '"' || c == '%' || c == '\\' || absl::ascii_iscntrl(static_cast<unsigned char>(c))) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "--out=%s: Slurm reads the job directory in #SBATCH lines, where '\"' quotes, '%%' "
          "starts a file name pattern and '\\' escapes; choose a directory without them or "
          "control characters",
          path));
    }
  }
  return absl::OkStatus();
}

std::string ShellQuote(absl::string_view text) {
  bool plain = !text.empty();
  for (char c : text) {
    plain = plain && (absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
                      absl::string_view("_-./+=:,@").find(c) != absl::string_view::npos);
  }
  if (plain) return std::string(text);
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  quoted += "'";
  return quoted;
}

SlurmScripts MakeSlurmScripts(const SlurmJobSpec& spec) {
  return SlurmScripts{.generate = GenerateScript(spec),
                      .array = ArrayScript(spec),
                      .merge = MergeScript(spec),
                      .submit = SubmitScript(spec)};
}

}  // namespace lrb::bench
