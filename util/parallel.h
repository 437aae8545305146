#ifndef LRB_UTIL_PARALLEL_H_
#define LRB_UTIL_PARALLEL_H_

// Static fork-join parallelism over an index range. Chunks are contiguous and fixed by
// (begin, end, threads) alone, so code that writes disjoint outputs per index is
// deterministic for any thread count. Meant for work of a millisecond or more per call
// (it starts threads per call; no pool to configure or leak).

#include <cstdint>
#include <functional>

namespace lrb {

// The number of threads to use by default: hardware concurrency, at least 1, unless a
// program's main capped it with SetDefaultThreadCount.
int DefaultThreadCount();

// Caps DefaultThreadCount() for the whole process (`lrb run --threads=N --jobs=M` gives
// each of M concurrent runs N threads); 0 restores hardware concurrency. For a main to call
// once, before any parallel work: libraries read DefaultThreadCount() once and keep it.
void SetDefaultThreadCount(int threads);

// Calls fn(chunk_begin, chunk_end) on up to `threads` contiguous chunks covering
// [begin, end), the first chunk on the calling thread. Chunks are at least `min_chunk`
// long (so tiny ranges run inline). Returns when all chunks are done.
void ParallelFor(int64_t begin, int64_t end, int threads,
                 const std::function<void(int64_t, int64_t)>& fn, int64_t min_chunk = 1);

}  // namespace lrb

#endif  // LRB_UTIL_PARALLEL_H_
