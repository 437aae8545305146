#ifndef LRB_BENCH_TUNE_COMMAND_H_
#define LRB_BENCH_TUNE_COMMAND_H_

// `lrb tune`: the value of a method's real knob that brings a metric to a target on one
// dataset (bench/tune.h), every probe a run recorded on the dataset's board like
// `lrb train`'s, so an interrupted search resumes without retraining a finished probe.

#include <cstdint>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "bench/tune.h"

namespace lrb::bench {

struct TuneCommandOptions {
  std::string dataset_dir;
  TuneRequest request;
  std::string train;  // "" for the default budget
  std::string backend = "simd";
  uint64_t seed = 0;
  int threads = 0;  // 0 = all cores
};

// Prints the probes and the chosen spec to `out`, progress to stderr. Fails (exit 1) when
// the search does not converge within --probes (the closest probe is still printed), when
// a probe's run fails, or for the reasons Tune gives.
absl::Status TuneCommand(const TuneCommandOptions& options, const std::string& db_path,
                         std::ostream& out);

}  // namespace lrb::bench

#endif  // LRB_BENCH_TUNE_COMMAND_H_
