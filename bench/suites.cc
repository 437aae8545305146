#include "bench/suites.h"

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace lrb::bench {

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

}  // namespace lrb::bench
