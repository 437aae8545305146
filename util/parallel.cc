#include "util/parallel.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace lrb {

namespace {
std::atomic<int> thread_count_override{0};
}  // namespace

void SetDefaultThreadCount(int threads) { thread_count_override.store(threads > 0 ? threads : 0); }

int DefaultThreadCount() {
  if (const int cap = thread_count_override.load(); cap > 0) return cap;
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

void ParallelFor(int64_t begin, int64_t end, int threads,
                 const std::function<void(int64_t, int64_t)>& fn, int64_t min_chunk) {
  const int64_t total = end - begin;
  if (total <= 0) return;
  min_chunk = std::max<int64_t>(min_chunk, 1);
  const int64_t chunks =
      std::clamp<int64_t>(std::min<int64_t>(threads, total / min_chunk), 1, total);
  if (chunks == 1) {
    fn(begin, end);
    return;
  }
  const auto chunk_begin = [&](int64_t c) { return begin + total * c / chunks; };
  std::vector<std::thread> workers;
  workers.reserve(chunks - 1);
  for (int64_t c = 1; c < chunks; ++c) {
    workers.emplace_back(fn, chunk_begin(c), chunk_begin(c + 1));
  }
  fn(chunk_begin(0), chunk_begin(1));
  for (auto& w : workers) w.join();
}

}  // namespace lrb
