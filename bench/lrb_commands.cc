#include "bench/lrb_commands.h"

#include <string>
#include <utility>

#include "bench/suites.h"

namespace lrb::bench {
namespace {

FlagSpec StringFlag(std::string name, std::string value_name, std::string default_value,
                    std::string help) {
  FlagSpec flag;
  flag.name = std::move(name);
  flag.type = FlagType::kString;
  flag.value_name = std::move(value_name);
  flag.default_value = std::move(default_value);
  flag.help = std::move(help);
  return flag;
}

FlagSpec RequiredFlag(std::string name, std::string value_name, std::string help) {
  FlagSpec flag = StringFlag(std::move(name), std::move(value_name), "", std::move(help));
  flag.required = true;
  return flag;
}

FlagSpec BoolFlag(std::string name, std::string help) {
  FlagSpec flag;
  flag.name = std::move(name);
  flag.type = FlagType::kBool;
  flag.default_value = "false";
  flag.help = std::move(help);
  return flag;
}

// `lrb run smoke` most likely meant --suite=smoke.
FlagSpec WithBareWordHint(FlagSpec flag) {
  flag.bare_word_hint = true;
  return flag;
}

// --suite=NAME; the choices let `lrb run smok` suggest --suite=smoke.
FlagSpec SuiteFlag(std::string help) {
  FlagSpec flag = WithBareWordHint(StringFlag("suite", "NAME", "smoke", std::move(help)));
  for (const Suite& suite : AllSuites()) flag.choices.push_back(suite.name);
  return flag;
}

// `lrb merge`, `lrb compare`, `lrb baseline` (and `lrb score`): combining and judging results.
void AddResultsCommands(std::vector<CommandSpec>& commands) {
  commands.push_back(
      {"merge",
       "add the finished runs of other databases (shards, processes, machines) to one",
       {RequiredFlag("db", "OUT", "the database to add to, created if missing"),
        StringFlag("data", "DIR", "",
                   "a suite directory from `lrb generate` to check dataset hashes against "
                   "(default: generate the datasets to hash them)")},
       {"merge --db=all.db shard0.db shard1.db"},
       {{"IN.db", "a database to read runs from (read only)", 1, kUnbounded}}});
  FlagSpec format = StringFlag("format", "text|md", "text",
                               "text for a terminal, md for a pull-request comment");
  format.choices = {"text", "md"};
  commands.push_back(
      {"compare",
       "compare two sets of results; exit 1 on a regression or a missing run",
       {format, StringFlag("suite", "NAME", "", "compare only this suite's runs (default: all)")},
       {"compare baseline.json lrb.db", "compare old.db new.db --format=md"},
       {{"BASE", "the reference: a database (.db) or a baseline file (.json)", 1, 1},
        {"CANDIDATE", "the results to judge: a database or a baseline file", 1, 1}}});
  FlagSpec baseline_suite = SuiteFlag("the suite whose results to write");
  baseline_suite.required = true;
  baseline_suite.default_value = "";
  commands.push_back(
      {"baseline",
       "write a suite's results as a deterministic baseline file for `lrb compare`",
       {baseline_suite,
        StringFlag("db", "PATH", "lrb.db", "SQLite database file to read; never created"),
        RequiredFlag("out", "FILE.json", "the baseline file to write (replaced)")},
       {"baseline --suite=smoke --db=lrb.db --out=bench/baselines/smoke.json"}});
}

std::vector<CommandSpec> MakeCommands() {
  std::vector<CommandSpec> commands;
  commands.push_back(
      {"run",
       "train and score every run of a suite, record them in the database, print its board",
       {SuiteFlag("the suite to run; `lrb suites` lists them"),
        StringFlag("db", "PATH", "lrb.db", "SQLite database file, created if missing"),
        BoolFlag("force",
                 "retrain runs that are already finished (their stored results are replaced)"),
        StringFlag("export_models", "DIR", "",
                   "also write every model trained to DIR/<run_key>/ (.npy files + model.json)")},
       {"run --suite=smoke", "run --suite=smoke --export_models=models"}});
  commands.push_back(
      {"leaderboard",
       "print a suite's leaderboard from the database",
       {SuiteFlag("the suite whose board to print; `lrb suites` lists them"),
        StringFlag("db", "PATH", "lrb.db", "SQLite database file to read; never created"),
        BoolFlag("all", "include runs from debug builds and dirty trees")},
       {"leaderboard --suite=smoke"}});
  commands.push_back({"suites", "list the suites", {}, {"suites"}});
  commands.push_back(
      {"generate",
       "write a suite's datasets as .npy files with a manifest (suite.json)",
       {SuiteFlag("the suite whose datasets to write; `lrb suites` lists them"),
        RequiredFlag("out", "DIR", "the directory to write suite.json and the datasets into")},
       {"generate --suite=paper --out=data"}});
  commands.push_back(
      {"export",
       "write the dense x_p.npy (and x_r.npy) of datasets, for Python",
       {WithBareWordHint(RequiredFlag(
            "dataset", "DIR", "a dataset directory, or a suite directory from `lrb generate`")),
        BoolFlag("dense",
                 "write x_p.npy (and x_r.npy for a transcoder); the only export so far, "
                 "so it must be given")},
       {"export --dataset=data --dense"}});
  commands.push_back(
      {"import",
       "turn your own activations (.npy) into a dataset directory",
       {RequiredFlag("activations", "X.npy", "N x d activations (.npy, float32 or float16)"),
        StringFlag("labels", "Y.npy", "", "N integer class labels (.npy), optional"),
        RequiredFlag("out", "DIR", "the dataset directory to write")},
       {"import --activations=acts.npy --labels=labels.npy --out=mine"}});
  AddResultsCommands(commands);
  commands.push_back(
      {"slurm",
       "write a suite's Slurm jobs: datasets once, one array task per shard, then a merge",
       {SuiteFlag("the suite to run; `lrb suites` lists them"),
        StringFlag("shards", "N", "1", "array tasks, each `lrb run --shard=I/N` (at most the runs)"),
        StringFlag("partition", "NAME", "", "Slurm partition(s); the cluster's default if not given"),
        StringFlag("time", "LIMIT", "", "time limit per job, e.g. 30, 4:00:00 or 1-12:00:00"),
        StringFlag("cpus", "N", "1", "CPUs per task, also each run's --threads"),
        RequiredFlag("out", "DIR", "the job directory, on a filesystem every node sees"),
        BoolFlag("submit", "also submit the jobs (runs DIR/submit.sh)")},
       {"slurm --suite=smoke --shards=4 --out=jobs/smoke",
        "slurm --suite=paper --shards=16 --time=4:00:00 --cpus=2 --out=jobs/paper --submit"}});
  return commands;
}

}  // namespace

const std::vector<CommandSpec>& LrbCommands() {
  static const std::vector<CommandSpec>* const commands =
      new std::vector<CommandSpec>(MakeCommands());
  return *commands;
}

}  // namespace lrb::bench
