// The run key is persisted: a stored run is found again only if the same inputs give the
// same key in every later build. The golden value pins the hash; every field must matter.

#include "bench/run_key.h"

#include <set>
#include <string>

#include "gtest/gtest.h"

namespace lrb::bench {
namespace {

RunIdentity Example() {
  return {.dataset_hash = "13618d466fe90340",
          .method_spec = "sae.topk(latents=128,k=4,unit_norm=1,tied=0,bias=1)",
          .family_version = "sae.topk@1",
          .train_spec = "train(steps=300,batch=64,lr=0.005,warmup=20,decay=0.2,clip=1)",
          .backend_used = "simd:AVX2",
          .seed = 3,
          .scorer_version = "score@2"};
}

TEST(RunKeyTest, GoldenValue) {
  // Recomputed outside C++ from util/stable_hash.h's definition (64-bit FNV-1a over
  // length-prefixed fields, splitmix64 finaliser). Changing this value orphans every stored
  // run: only with a new "lrb-run-key@N" tag.
  EXPECT_EQ(RunKey(Example()), "f14d82877fcf00c5");
}

TEST(RunKeyTest, IsSixteenLowerCaseHexDigits) {
  const std::string key = RunKey(Example());
  ASSERT_EQ(key.size(), 16u);
  for (const char c : key) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << key;
}

TEST(RunKeyTest, EveryFieldChangesTheKey) {
  std::set<std::string> keys = {RunKey(Example())};
  const auto add = [&keys](RunIdentity id) { keys.insert(RunKey(id)); };
  RunIdentity id = Example();
  id.dataset_hash = "13618d466fe90341";
  add(id);
  id = Example();
  id.method_spec += "+anchor(k=8,lambda=0.1)";
  add(id);
  id = Example();
  id.family_version = "sae.topk@2";
  add(id);
  id = Example();
  id.train_spec = "train(steps=301,batch=64,lr=0.005,warmup=20,decay=0.2,clip=1)";
  add(id);
  id = Example();
  id.backend_used = "simd:AVX3";
  add(id);
  id = Example();
  id.seed = 4;
  add(id);
  id = Example();
  id.scorer_version = "score@3";
  add(id);
  // Fields are delimited: moving text from one field to the next is another key.
  id = Example();
  id.dataset_hash += "s";
  id.method_spec = id.method_spec.substr(1);
  add(id);
  EXPECT_EQ(keys.size(), 9u);
}

}  // namespace
}  // namespace lrb::bench
