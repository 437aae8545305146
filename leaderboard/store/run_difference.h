#ifndef LRB_LEADERBOARD_STORE_RUN_DIFFERENCE_H_
#define LRB_LEADERBOARD_STORE_RUN_DIFFERENCE_H_

// Whether two records of one run key say the same thing: used when databases are merged
// (`lrb merge`), where a key present twice must carry the same results or be refused.

#include <string>

#include "leaderboard/store/run_record.h"

namespace lrb::leaderboard {

// The first way in which `a` and `b` differ in what a run is and what it measured, e.g.
// "metric \"m_ip\": 0.91 vs 0.87" or "dataset_hash: 1a2b... vs 3c4d..."; "" when they agree.
// Compared: the identity fields (dataset spec and hash, method and train specs, backend
// requested and used, seed, scorer version), the external provenance, every metric, feature
// row and trajectory point, exactly (stored doubles round-trip, so equal results are
// bit-equal). Not compared: where, when and by whom the run was made (environment, times,
// timings, owner), which legitimately differ between two copies of one result, nor the
// suite it was trained for and the suites it belongs to: the key leaves the suite out, so
// two suites that trained the same key made the same run (the store unites their suites).
std::string FirstDifference(const RunRecord& a, const RunRecord& b);

}  // namespace lrb::leaderboard

#endif  // LRB_LEADERBOARD_STORE_RUN_DIFFERENCE_H_
