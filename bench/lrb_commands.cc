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
  FlagSpec score_suite = StringFlag(
      "suite", "NAME", "", "the dataset is this suite's: the submission joins the suite's board");
  for (const Suite& suite : AllSuites()) score_suite.choices.push_back(suite.name);
  commands.push_back(
      {"score",
       "score a dictionary trained anywhere and put it on the board as an external submission",
       {RequiredFlag("dataset", "DIR", "the dataset directory it was trained on"),
        RequiredFlag("model", "DIR",
                     "W_E.npy, b_E.npy, W_D.npy, b_D.npy (extra.npy) and model.json naming "
                     "the activation (docs/submitting.md)"),
        RequiredFlag("name", "NAME", "the submission's name on the board (letters, digits, -_.)"),
        StringFlag("db", "PATH", "lrb.db", "SQLite database file, created if missing"),
        score_suite},
       {"score --dataset=data/dataset_00 --model=my_sae --name=my-sae --suite=smoke"}});
}

std::vector<CommandSpec> MakeCommands() {
  std::vector<CommandSpec> commands;
  commands.push_back(
      {"run",
       "train and score the runs of a suite (or a slice of it), record them in the database, "
       "print its board",
       {SuiteFlag("the suite to run; `lrb suites` lists them"),
        StringFlag("db", "PATH", "lrb.db", "SQLite database file, created if missing"),
        BoolFlag("force",
                 "retrain runs that are already finished (their stored results are replaced)"),
        StringFlag("export_models", "DIR", "",
                   "also write every model trained to DIR/<run_key>/ (.npy files + model.json)"),
        StringFlag("data", "DIR", "",
                   "read the datasets from DIR, written by `lrb generate --suite` for this "
                   "suite (hashes checked), instead of generating them"),
        StringFlag("methods", "LIST", "",
                   "only these methods: canonical specs or globs over them, comma-separated, "
                   "e.g. 'sae.topk*'"),
        StringFlag("backends", "LIST", "", "only these backends: scalar, simd"),
        StringFlag("anchoring", "LIST", "",
                   "off: only methods without +anchor; on: only with it; off,on: both"),
        StringFlag("seeds", "LIST", "",
                   "these seeds instead of the suite's: values and inclusive ranges, e.g. "
                   "0,5 or 0-4 (five seeds)"),
        StringFlag("datasets", "LIST", "",
                   "only these datasets: indices (0, dataset_00) or globs over specs"),
        StringFlag("shard", "I/N", "0/1",
                   "shard I (0 <= I < N) of N disjoint slices of the filtered matrix; the N "
                   "shards together train it once"),
        StringFlag("jobs", "N", "1",
                   "runs trained at once (results identical to 1 for the same --threads); "
                   "each holds its model, ~2 GiB at paper scale"),
        StringFlag("threads", "N", "0", "threads per run; 0 = cores / jobs"),
        BoolFlag("dry_run",
                 "print the plan (each run's key, state, estimated time) and write nothing"),
        StringFlag("reuse_from", "DB[,DB...]", "",
                   "copy a run these databases (read only) have finished instead of training "
                   "it, e.g. a run another suite shares with this one; not with --force")},
       {"run --suite=smoke", "run --suite=smoke --export_models=models",
        "run --suite=paper --methods='sae.topk*' --anchoring=on --seeds=0-2 --dry_run",
        "run --suite=paper --data=data --shard=0/4 --jobs=2",
        "run --suite=topk --data=data --db=topk.db --reuse_from=paper.db"}});
  FlagSpec board_format = StringFlag("format", "text|md|csv|json", "text",
                                     "text for a terminal (120 columns), md for GitHub, csv, or "
                                     "json (schema lrb.leaderboard/1, docs/leaderboard.md)");
  board_format.choices = {"text", "md", "csv", "json"};
  commands.push_back(
      {"leaderboard",
       "print a suite's leaderboard from the database",
       {SuiteFlag("the suite whose board to print; `lrb suites` lists them"),
        StringFlag("db", "PATH", "lrb.db", "SQLite database file to read; never created"),
        BoolFlag("all", "include runs from debug builds and dirty trees"),
        StringFlag("dataset", "DIR", "",
                   "print the board of this dataset directory instead (every run on it: "
                   "suites, `lrb train`, external submissions)"),
        StringFlag("rank_by", "METRIC", "decoder.m_gt@0.95",
                   "rank by this stored metric (docs/metrics.md), e.g. m_gt@0.95, eval.fvu; "
                   "lower is better for FVU, L0, dead and polysemantic fractions, losses"),
        board_format},
       {"leaderboard --suite=smoke", "leaderboard --dataset=data/dataset_00",
        "leaderboard --suite=smoke --rank_by=m_ip --format=md"}});
  commands.push_back({"suites", "list the suites", {}, {"suites"}});
  commands.push_back({"methods",
                      "list the method families with their knobs, defaults and promises",
                      {},
                      {"methods"}});
  FlagSpec generate_suite =
      SuiteFlag("the suite whose datasets to write (DIR/suite.json + DIR/dataset_NN)");
  generate_suite.default_value = "";  // --suite or --spec, not a default suite
  commands.push_back(
      {"generate",
       "write a suite's datasets (--suite), or any one dataset (--spec), as .npy files with "
       "a manifest",
       {generate_suite,
        StringFlag("spec", "DATASET_SPEC", "",
                   "one dataset of any spec, e.g. 'lrb_hier(roots=20,...)', into DIR"),
        RequiredFlag("out", "DIR", "the directory to write into")},
       {"generate --suite=paper --out=data",
        "generate --spec='lrb(n=256,np=128,N=20000,S=0.99,M=0.2)' --out=mine"}});
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
  commands.push_back(
      {"train",
       "train and score one method on any dataset directory (from `lrb generate` or "
       "`lrb import`), recorded on its dataset's board",
       {WithBareWordHint(RequiredFlag("dataset", "DIR", "the dataset directory")),
        RequiredFlag("method", "SPEC", "the method, e.g. 'sae.topk(latents=512,k=8)'"),
        StringFlag("train", "SPEC", "", "the training budget, e.g. 'train(steps=2000)'; "
                                        "default train()"),
        StringFlag("backend", "NAME", "simd", "scalar or simd"),
        StringFlag("seed", "N", "0", "the training seed"),
        StringFlag("db", "PATH", "lrb.db", "SQLite database file, created if missing"),
        StringFlag("threads", "N", "0", "threads; 0 = all cores")},
       {"train --dataset=mine --method='sae.topk(latents=512,k=8)'"}});
  commands.push_back(
      {"tune",
       "find the value of a method's real knob that brings a metric to a target on one "
       "dataset (e.g. an L1 coefficient at a matched L0); every probe is a recorded run",
       {WithBareWordHint(RequiredFlag("dataset", "DIR", "the dataset directory")),
        RequiredFlag("method", "SPEC", "the method; its value of --knob is replaced"),
        RequiredFlag("knob", "NAME", "a real knob of the method's family, e.g. l1"),
        StringFlag("metric", "NAME", "eval.l0", "the stored metric to bring to --target"),
        RequiredFlag("target", "X", "the value the metric should reach"),
        RequiredFlag("low", "X", "the smallest knob value to try (> 0; log-scale search)"),
        RequiredFlag("high", "X", "the largest knob value to try"),
        StringFlag("probes", "N", "8", "runs at most, both ends included"),
        StringFlag("tolerance", "F", "0.1", "done within this fraction of the target"),
        StringFlag("train", "SPEC", "", "the training budget of every probe; default train()"),
        StringFlag("backend", "NAME", "simd", "scalar or simd"),
        StringFlag("seed", "N", "0", "the training seed"),
        StringFlag("db", "PATH", "lrb.db", "SQLite database file, created if missing"),
        StringFlag("threads", "N", "0", "threads; 0 = all cores")},
       {"tune --dataset=tuning --method='sae.relu(latents=16000)' --knob=l1 --target=64 "
        "--low=0.001 --high=10"}});
  AddResultsCommands(commands);
  commands.push_back(
      {"slurm",
       "write a suite's Slurm jobs: datasets once, one array task per shard, then a merge",
       {SuiteFlag("the suite to run; `lrb suites` lists them"),
        StringFlag("shards", "N", "1",
                   "array tasks, each running one slice of the suite (at most its runs)"),
        StringFlag("partition", "NAME", "",
                   "Slurm partition(s); the cluster's default if not given"),
        StringFlag("time", "LIMIT", "", "time limit per job, e.g. 30, 4:00:00 or 1-12:00:00"),
        StringFlag("cpus", "N", "1", "CPUs per task, also each run's --threads"),
        RequiredFlag("out", "DIR", "the job directory, on a filesystem every node sees"),
        BoolFlag("submit", "also submit the jobs (runs DIR/submit.sh)")},
       {"slurm --suite=smoke --shards=4 --out=jobs/smoke",
        "slurm --suite=paper --shards=16 --time=4:00:00 --cpus=2 --out=jobs/paper --submit"}});
  commands.push_back(
      {"report",
       "write a suite's (or a dataset's) results as one self-contained HTML page with plots",
       {SuiteFlag("the suite to report on; `lrb suites` lists them"),
        StringFlag("db", "PATH", "lrb.db", "SQLite database file to read; never created"),
        RequiredFlag("out", "FILE.html", "the page to write (replaced whole, atomically)"),
        BoolFlag("all", "include runs from debug builds and dirty trees"),
        StringFlag("dataset", "DIR", "",
                   "report on this dataset directory instead (every run on it: suites, "
                   "`lrb train`, external submissions)")},
       {"report --suite=smoke --out=smoke.html",
        "report --dataset=data/dataset_00 --out=dataset_00.html"}});
  return commands;
}

}  // namespace

const std::vector<CommandSpec>& LrbCommands() {
  static const std::vector<CommandSpec>* const commands =
      new std::vector<CommandSpec>(MakeCommands());
  return *commands;
}

}  // namespace lrb::bench
