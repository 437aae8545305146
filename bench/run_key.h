#ifndef LRB_BENCH_RUN_KEY_H_
#define LRB_BENCH_RUN_KEY_H_

// A run's identity: a stable hash of its canonical inputs. The same
// key is never trained twice unless asked (--force).

#include <cstdint>
#include <string>

namespace lrb::bench {

struct RunIdentity {
  std::string dataset_hash;   // content hash of the generated data
  std::string method_spec;    // canonical
  std::string family_version; // e.g. "sae.topk@1+anchor@1"
  std::string train_spec;     // canonical
  std::string backend_used;   // e.g. "simd:AVX2": numbers differ slightly between targets
  uint64_t seed = 0;
  std::string scorer_version;
};

// 16 hex digits; changes if any field changes.
std::string RunKey(const RunIdentity& identity);

}  // namespace lrb::bench

#endif  // LRB_BENCH_RUN_KEY_H_
