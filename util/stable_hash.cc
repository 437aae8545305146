#include "util/stable_hash.h"

#include "absl/strings/str_format.h"

namespace lrb {

StableHasher& StableHasher::Update(const void* data, size_t size) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  uint64_t h = state_;
  for (size_t i = 0; i < size; ++i) {
    h ^= bytes[i];
    h *= 0x100000001b3ULL;
  }
  state_ = h;
  return *this;
}

StableHasher& StableHasher::UpdateField(std::string_view text) {
  const uint64_t size = text.size();
  Update(&size, sizeof(size));
  return Update(text);
}

uint64_t StableHasher::Digest() const {
  // splitmix64 finaliser: FNV-1a's low bits mix poorly on their own.
  uint64_t z = state_;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::string StableHasher::HexDigest() const { return absl::StrFormat("%016x", Digest()); }

}  // namespace lrb
