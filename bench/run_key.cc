#include "bench/run_key.h"

#include "absl/strings/str_cat.h"
#include "util/stable_hash.h"

namespace lrb::bench {

std::string RunKey(const RunIdentity& id) {
  StableHasher hasher;
  hasher.UpdateField("lrb-run-key@1")
      .UpdateField(id.dataset_hash)
      .UpdateField(id.method_spec)
      .UpdateField(id.family_version)
      .UpdateField(id.train_spec)
      .UpdateField(id.backend_used)
      .UpdateField(absl::StrCat(id.seed))
      .UpdateField(id.scorer_version);
  return hasher.HexDigest();
}

}  // namespace lrb::bench
