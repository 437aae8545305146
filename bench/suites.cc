#include "bench/suites.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "datasets/dataset_spec.h"
#include "sdl/family_traits.h"
#include "sdl/method_spec.h"
#include "util/stable_hash.h"

namespace lrb::bench {
namespace {

// The paper gives no optimiser settings (docs/paper.md section 6). This budget, the same for
// every method of every paper-scale suite and for with and without anchoring, was chosen from
// training curves measured on the tuning dataset lrb(seed=1), never on an evaluation dataset
// (docs/results.md, "How the budget is chosen"): at lr = 0.004 TopK's decoder-column recovery
// is flat within a point from step 2,000 of 3,000. eval_every records the curve of every run.
constexpr char kPaperTrain[] =
    "train(steps=3000,batch=1024,lr=0.004,warmup=200,decay=0.2,clip=1,eval_every=500)";

// The coefficients of the families without a k, chosen once on the tuning dataset with
// full-budget probes (docs/results.md, "ReLU's L1 coefficient" and "JumpReLU's L0
// coefficient"); the same with and without anchoring. Neither family can be matched to
// TopK's L0 = 64 at the end of this budget: ReLU's L0 either collapses to 28-40 or stays
// dense (~800) and JumpReLU's stays below 9 even without a penalty. Each trains at the
// coefficient whose settled L0 comes closest to 64 with its penalty on.
constexpr char kPaperReluL1[] = "0.006";
constexpr char kPaperJumpReluL0[] = "0.01";

// The standard matrix of one TopK dictionary: without and with feature anchoring (the
// paper's k = 100, lambda = 0.1 on LRB). `options` are further knobs, e.g. "relu=1".
std::vector<std::string> TopkMatrix(int64_t latents, int64_t k, int64_t anchors = 100,
                                    std::string_view options = "") {
  const std::string base =
      absl::StrFormat("sae.topk(latents=%d,k=%d%s%s)", latents, k, options.empty() ? "" : ",",
                      options);
  return {base, absl::StrFormat("%s+anchor(k=%d,lambda=0.1)", base, anchors)};
}

// The paper's Table 1 rows (docs/paper.md section 6): every SAE family of the table, the
// transcoder and the crosscoder (TopK, as the table's strongest family), each without and
// with feature anchoring. Each dataset of a suite trains the rows whose topology fits it.
std::vector<std::string> PaperMatrix(int64_t latents, int64_t k, int64_t anchors = 100) {
  const std::vector<std::string> bases = {
      absl::StrFormat("sae.relu(latents=%d,l1=%s)", latents, kPaperReluL1),
      absl::StrFormat("sae.jumprelu(latents=%d,l0=%s)", latents, kPaperJumpReluL0),
      absl::StrFormat("sae.topk(latents=%d,k=%d)", latents, k),
      absl::StrFormat("sae.batchtopk(latents=%d,k=%d)", latents, k),
      absl::StrFormat("sae.matryoshka_k(latents=%d,k=%d)", latents, k),
      absl::StrFormat("sae.matryoshka_prefix(latents=%d,k=%d)", latents, k),
      absl::StrFormat("transcoder.topk(latents=%d,k=%d)", latents, k),
      absl::StrFormat("crosscoder.topk(sources=2,latents=%d,k=%d)", latents, k),
  };
  std::vector<std::string> matrix;
  for (const std::string& base : bases) {
    matrix.push_back(base);
    matrix.push_back(absl::StrFormat("%s+anchor(k=%d,lambda=0.1)", base, anchors));
  }
  return matrix;
}

// tiny_all's rows: every family's tiny example (sdl/family_traits.h) in family-list order,
// except that a family trained by one of the `listed` SAE rows (which add modifiers) takes
// its first such row instead; then the remaining listed rows (options, topologies).
std::vector<std::string> OneRowPerFamily(const std::vector<std::string>& listed) {
  std::vector<std::string> rows;
  std::vector<bool> used(listed.size(), false);
  for (const sdl::FamilyTraits* family : sdl::AllFamilyTraits()) {
    bool stood_in = false;
    for (size_t i = 0; i < listed.size() && !stood_in; ++i) {
      const absl::StatusOr<sdl::MethodSpec> spec = sdl::ParseMethodSpec(listed[i]);
      if (spec.ok() && spec->topology == "sae" && spec->family == family->name) {
        rows.push_back(listed[i]);
        used[i] = stood_in = true;
      }
    }
    if (!stood_in) rows.emplace_back(family->tiny_example);
  }
  for (size_t i = 0; i < listed.size(); ++i) {
    if (!used[i]) rows.push_back(listed[i]);
  }
  return rows;
}

std::vector<std::string> Concat(const std::vector<std::vector<std::string>>& lists) {
  std::vector<std::string> out;
  for (const auto& list : lists) out.insert(out.end(), list.begin(), list.end());
  return out;
}

}  // namespace

bool MethodFitsDataset(std::string_view method_spec, std::string_view dataset_spec) {
  const absl::StatusOr<sdl::MethodSpec> method = sdl::ParseMethodSpec(method_spec);
  const absl::StatusOr<datasets::DatasetSpec> dataset = datasets::ParseDatasetSpec(dataset_spec);
  if (!method.ok() || !dataset.ok()) return false;
  if (dataset->transcoder.has_value()) return method->topology == "transcoder";
  if (dataset->crosscoder.has_value()) {
    return method->topology == "crosscoder" && method->sources == dataset->crosscoder->sources;
  }
  return method->topology == "sae";
}

int64_t Suite::size() const {
  int64_t pairs = 0;
  for (const std::string& dataset : datasets) {
    for (const std::string& method : methods) pairs += MethodFitsDataset(method, dataset);
  }
  return pairs * static_cast<int64_t>(backends.size() * seeds.size());
}

const std::vector<Suite>& AllSuites() {
  static const std::vector<Suite>* const suites = new std::vector<Suite>{
      {
          .name = "smoke",
          .version = 1,
          .description = "a small superposed LRB dataset: TopK with and without anchoring, "
                         "both backends, in under a minute",
          .datasets = {"lrb(n=320,np=192,N=30000,S=0.99,M=0.2,seed=0)"},
          .methods = {"sae.topk(latents=640,k=6)",
                      "sae.topk(latents=640,k=6)+anchor(k=32,lambda=0.1)"},
          .backends = {"scalar", "simd"},
          .seeds = {0},
          .train = "train(steps=1200,batch=128,lr=0.004,warmup=100,decay=0.2,clip=1)",
      },
      {
          .name = "tiny",
          .version = 1,
          .description = "a seconds-long sanity check of the whole pipeline (used by tests)",
          .datasets = {"lrb(n=64,np=48,N=4000,S=0.95,M=0.5,seed=0)"},
          .methods = {"sae.topk(latents=128,k=4)",
                      "sae.topk(latents=128,k=4)+anchor(k=8,lambda=0.1)"},
          .backends = {"scalar", "simd"},
          .seeds = {0},
          .train = "train(steps=300,batch=64,lr=0.005,warmup=20,decay=0.2,clip=1)",
      },
      {
          .name = "tiny_all",
          .version = 1,
          .description = "every method family and topology on tiny data: the whole method "
                         "matrix end to end in seconds (used by tests)",
          .datasets = {"lrb(n=64,np=48,N=4000,S=0.95,M=0.5,seed=0)",
                       "lrb(n=64,np=48,N=4000,S=0.95,M=0.5,seed=0)+transcoder(nr=32)",
                       "lrb(n=64,np=48,N=4000,S=0.95,M=0.5,seed=0)+crosscoder(m=2)"},
          // Every family's tiny example, and these rows for the modifiers, options and
          // topologies (OneRowPerFamily).
          .methods = OneRowPerFamily(
              {"sae.topk(latents=128,k=4)+auxk(k=16,lambda=0.03125,dead_steps=50)",
               "sae.matryoshka_prefix(latents=128,k=4,levels=2)+anchor(k=8,lambda=0.1)",
               "sae.topk(latents=128,k=4,tied=1,bias=0)+resample(every=100,until=200,"
               "dead_steps=50)",
               "transcoder.relu(latents=128,l1=0.1)",
               "transcoder.topk(latents=128,k=4)+anchor(k=8,lambda=0.1)",
               "crosscoder.relu(sources=2,latents=128,l1=0.1)",
               "crosscoder.topk(sources=2,latents=128,k=4)"}),
          .backends = {"simd"},
          .seeds = {0},
          .train = "train(steps=300,batch=64,lr=0.005,warmup=20,decay=0.2,clip=1)",
          .one_row_per_family = true,
      },
      // --- Paper-scale suites (docs/paper.md sections 3 and 6). Datasets are written in short
      // form; the canonical spec of each is stored with every run. All train with kPaperTrain;
      // version 1 had a first-guess budget (20,000 steps at lr = 0.0005) that was never run.
      // Bump the version when any field of a suite changes (suites_test pins a fingerprint
      // per version), so that runs of different definitions never share a board. ---
      {
          .name = "paper",
          .version = 2,
          .description = "the paper's Table 1 setting (n=1000, np=768, N=1e5, S=0.99, M=0.1): "
                         "SAE, transcoder and crosscoder targets from one ground truth",
          .datasets = {"lrb", "lrb+transcoder(nr=768)", "lrb+crosscoder(m=2)"},
          // The table's rows, then TopK with ReLU after the selection (relu=1), the variant
          // most other tools train, so that the TopK row is reported both ways.
          .methods = Concat({PaperMatrix(16000, 64), TopkMatrix(16000, 64, 100, "relu=1")}),
          .backends = {"simd"},
          .seeds = {0, 1, 2},
          .train = kPaperTrain,
      },
      {
          .name = "topk",
          .version = 2,
          .description = "the paper's TopK sweep: k in {32, 64, 128} on the paper's dataset",
          .datasets = {"lrb"},
          .methods = Concat({TopkMatrix(16000, 32), TopkMatrix(16000, 64),
                             TopkMatrix(16000, 128)}),
          .backends = {"simd"},
          .seeds = {0},
          .train = kPaperTrain,
      },
      {
          .name = "superposition",
          .version = 2,
          .description = "the paper's superposition sweep: n in {800, ..., 1400} features in "
                         "768 dimensions",
          .datasets = {"lrb(n=800)", "lrb(n=900)", "lrb(n=1000)", "lrb(n=1100)", "lrb(n=1200)",
                       "lrb(n=1300)", "lrb(n=1400)"},
          .methods = TopkMatrix(16000, 64),
          .backends = {"simd"},
          .seeds = {0},
          .train = kPaperTrain,
      },
      {
          .name = "interference",
          .version = 2,
          .description = "the paper's interference sweep: M in {0.05, 0.1, 0.2, 0.5}",
          .datasets = {"lrb(M=0.05)", "lrb(M=0.1)", "lrb(M=0.2)", "lrb(M=0.5)"},
          .methods = TopkMatrix(16000, 64),
          .backends = {"simd"},
          .seeds = {0},
          .train = kPaperTrain,
      },
      {
          .name = "sparsity",
          .version = 2,
          .description = "the paper's sparsity sweep: activation probability 1-S in {0.005, "
                         "0.01, 0.05, 0.1}",
          .datasets = {"lrb(S=0.995)", "lrb(S=0.99)", "lrb(S=0.95)", "lrb(S=0.9)"},
          .methods = TopkMatrix(16000, 64),
          .backends = {"simd"},
          .seeds = {0},
          .train = kPaperTrain,
      },
      {
          .name = "absorption",
          .version = 2,
          .description = "parent/child hierarchies, where theory predicts feature absorption: "
                         "exclusive and free children, similar and unrelated directions, depth "
                         "1 and 2",
          .datasets =
              {"lrb_hier(roots=200,depth=1,branch=4,exclusive=1,pchild=0.5,sim=0.5)",
               "lrb_hier(roots=200,depth=1,branch=4,exclusive=0,pchild=0.3,sim=0.5)",
               "lrb_hier(roots=200,depth=1,branch=4,exclusive=1,pchild=0.5,sim=0)",
               "lrb_hier(roots=50,depth=2,branch=4,exclusive=1,pchild=0.6,sim=0.4,S=0.95)"},
          .methods = TopkMatrix(16000, 64),
          .backends = {"simd"},
          .seeds = {0},
          .train = kPaperTrain,
      },
      {
          .name = "realistic",
          .version = 2,
          .description = "the paper's dataset made harder one knob at a time, then all at once: "
                         "Zipf firing rates, correlated co-activation, magnitude scales, noise",
          .datasets = {"lrb+zipf(alpha=0.7)", "lrb+corr(rank=8,rho=0.3)",
                       "lrb+scale(sigma=0.5)", "lrb+noise(sigma=0.02)",
                       "lrb+zipf(alpha=0.7)+corr(rank=8,rho=0.3)+scale(sigma=0.5)+"
                       "noise(sigma=0.02)"},
          .methods = TopkMatrix(16000, 64),
          .backends = {"simd"},
          .seeds = {0},
          .train = kPaperTrain,
      },
      {
          .name = "tms",
          .version = 1,
          .description = "a trained Toy Model of Superposition (64 features in 16 hidden units) "
                         "as a real learned representation with exactly known directions",
          .datasets = {"tms(n=64,np=16,S=0.95,N=50000)"},
          .methods = TopkMatrix(256, 4, /*anchors=*/8),
          .backends = {"scalar", "simd"},
          .seeds = {0},
          .train = "train(steps=2000,batch=256,lr=0.004,warmup=100,decay=0.2,clip=1)",
      },
  };
  return *suites;
}

absl::StatusOr<const Suite*> FindSuite(std::string_view name) {
  std::vector<std::string> names;
  for (const Suite& suite : AllSuites()) {
    if (suite.name == name) return &suite;
    names.push_back(suite.name);
  }
  return absl::NotFoundError(absl::StrFormat("unknown suite \"%s\"; expected one of: %s", name,
                                             absl::StrJoin(names, ", ")));
}

std::vector<std::string> FamilyRows(const Suite& suite) {
  std::vector<std::string> rows;
  if (!suite.one_row_per_family) return rows;
  for (const std::string& method : suite.methods) {
    for (const sdl::FamilyTraits* family : sdl::AllFamilyTraits()) {
      if (method == family->tiny_example) {
        rows.push_back(method);
        break;
      }
    }
  }
  return rows;
}

std::string PinnedFingerprint(const Suite& suite) {
  const std::vector<std::string> derived = FamilyRows(suite);
  Suite pinned = suite;
  pinned.methods.clear();
  for (const std::string& method : suite.methods) {
    if (std::find(derived.begin(), derived.end(), method) == derived.end()) {
      pinned.methods.push_back(method);
    }
  }
  return SuiteFingerprint(pinned);
}

std::string SuiteFingerprint(const Suite& suite) {
  StableHasher hasher;
  // The dataset file format and generator family versions: a change there changes the
  // bytes of every suite.
  hasher.UpdateField("lrb.suite.v1/lrb.dataset.v1/ext.v1");
  hasher.UpdateField(suite.name);
  for (const auto& list : {suite.datasets, suite.methods, suite.backends}) {
    const uint64_t size = list.size();
    hasher.Update(&size, sizeof(size));
    for (const std::string& item : list) hasher.UpdateField(item);
  }
  const uint64_t seeds = suite.seeds.size();
  hasher.Update(&seeds, sizeof(seeds));
  hasher.Update(suite.seeds.data(), suite.seeds.size() * sizeof(uint64_t));
  hasher.UpdateField(suite.train);
  return hasher.HexDigest();
}

}  // namespace lrb::bench
