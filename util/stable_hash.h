#ifndef LRB_UTIL_STABLE_HASH_H_
#define LRB_UTIL_STABLE_HASH_H_

// A content hash that is stable across processes, builds and machines (unlike absl::Hash,
// which is salted per process). Used for dataset content hashes and run keys, so its
// algorithm is part of the stored format: changing it changes every key.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace lrb {

// Incremental 64-bit FNV-1a over bytes, finished with a 64-bit avalanche mix.
// Byte order matters: feed little-endian data (all our buffers are native x86/ARM LE).
class StableHasher {
 public:
  StableHasher& Update(const void* data, size_t size);
  StableHasher& Update(std::string_view text) { return Update(text.data(), text.size()); }
  // Hashes the length first, so ("ab","c") and ("a","bc") differ.
  StableHasher& UpdateField(std::string_view text);
  uint64_t Digest() const;
  // 16 lower-case hex digits of Digest().
  std::string HexDigest() const;

 private:
  uint64_t state_ = 0xcbf29ce484222325ULL;
};

}  // namespace lrb

#endif  // LRB_UTIL_STABLE_HASH_H_
