#include "util/stable_hash.h"

#include <cmath>

#include "gtest/gtest.h"

namespace lrb {
namespace {

TEST(StableHasher, IsPinnedAcrossBuilds) {
  // Stored content hashes depend on these exact values: if this fails, every stored
  // dataset hash and run key changed.
  EXPECT_EQ(StableHasher().Update("").HexDigest(), StableHasher().HexDigest());
  const std::string golden = StableHasher().Update("lrb").HexDigest();
  EXPECT_EQ(golden, "765c4434f136acf5");  // FNV-1a + splitmix64, checked in Python
  EXPECT_EQ(StableHasher().Update("lr").Update("b").HexDigest(), golden);
}

TEST(StableHasher, FieldsAreDelimited) {
  EXPECT_NE(StableHasher().UpdateField("ab").UpdateField("c").Digest(),
            StableHasher().UpdateField("a").UpdateField("bc").Digest());
}

TEST(StableHasher, SingleBitChangesDigest) {
  float a[3] = {1.0f, 2.0f, 3.0f};
  const uint64_t before = StableHasher().Update(a, sizeof(a)).Digest();
  a[2] = std::nextafter(a[2], 4.0f);
  EXPECT_NE(StableHasher().Update(a, sizeof(a)).Digest(), before);
}

}  // namespace
}  // namespace lrb
