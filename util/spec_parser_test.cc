#include "util/spec_parser.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lrb {
namespace {

using ::testing::HasSubstr;

TEST(ParseSpecTerms, ReadsTermsKeysAndValues) {
  const auto terms = ParseSpecTerms("sae.topk(k=64)+anchor(k=100,lambda=0.1)+bare");
  ASSERT_TRUE(terms.ok()) << terms.status();
  ASSERT_EQ(terms->size(), 3u);
  EXPECT_EQ((*terms)[0].name, "sae.topk");
  EXPECT_EQ((*terms)[0].args.size(), 1u);
  EXPECT_EQ((*terms)[1].args[1].first, "lambda");
  EXPECT_EQ((*terms)[1].args[1].second, "0.1");
  EXPECT_EQ((*terms)[2].name, "bare");
  EXPECT_TRUE((*terms)[2].args.empty());
}

TEST(ParseSpecTerms, ExponentPlusStaysInsideValue) {
  const auto terms = ParseSpecTerms("lrb(N=1e+05)+x");
  ASSERT_TRUE(terms.ok()) << terms.status();
  ASSERT_EQ(terms->size(), 2u);
  EXPECT_EQ((*terms)[0].args[0].second, "1e+05");
}

TEST(ParseSpecTerms, RejectsMalformedSpecsWithPosition) {
  for (const char* bad : {"", "a(", "a(k)", "a(k=)", "a(k=1", "a b", "A", "a(k=1)b", "a+",
                          "a(k=1,)", "a(=1)"}) {
    const auto terms = ParseSpecTerms(bad);
    EXPECT_FALSE(terms.ok()) << bad;
    EXPECT_THAT(std::string(terms.status().message()), HasSubstr("expected")) << bad;
  }
}

TEST(FormatSpecNumber, RoundTripsShortest) {
  EXPECT_EQ(FormatSpecNumber(0.1), "0.1");
  EXPECT_EQ(FormatSpecNumber(0.99), "0.99");
  EXPECT_EQ(FormatSpecNumber(1e-3), "0.001");
  EXPECT_EQ(FormatSpecNumber(2.0), "2");
  for (double v : {0.1, 1.0 / 3.0, 1e-7, 12345.678, 0.95}) {
    SpecTerm t{"t", {{"x", FormatSpecNumber(v)}}};
    SpecArgReader r(t);
    double back = 0;
    ASSERT_TRUE(r.Double("x", 0, -1e9, 1e9, &back).ok());
    EXPECT_EQ(back, v);
  }
}

TEST(SpecArgReader, DefaultsRangesAndUnknownKeys) {
  SpecTerm t{"lrb", {{"n", "50"}, {"S", "0.5"}, {"typo", "1"}}};
  SpecArgReader r(t);
  int64_t n = 0, missing = 0;
  double s = 0;
  ASSERT_TRUE(r.Int("n", 1000, 1, 100, &n).ok());
  EXPECT_EQ(n, 50);
  ASSERT_TRUE(r.Int("np", 768, 1, 10000, &missing).ok());
  EXPECT_EQ(missing, 768);
  ASSERT_TRUE(r.Double("S", 0.99, 0, 1, &s).ok());
  const absl::Status finish = r.Finish();
  EXPECT_FALSE(finish.ok());
  EXPECT_THAT(std::string(finish.message()), HasSubstr("typo=1"));
  EXPECT_THAT(std::string(finish.message()), HasSubstr("np"));
}

TEST(SpecArgReader, ErrorsNameKeyValueAndRange) {
  SpecTerm t{"lrb", {{"n", "0"}, {"S", "1.5"}, {"k", "2.5"}, {"M", "nan"}}};
  SpecArgReader r(t);
  int64_t i = 0;
  double d = 0;
  absl::Status s = r.Int("n", 1, 1, 100, &i);
  EXPECT_THAT(std::string(s.message()), HasSubstr("n=0"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("[1, 100]"));
  s = r.Double("S", 0.9, 0, 1, &d);
  EXPECT_THAT(std::string(s.message()), HasSubstr("S=1.5"));
  s = r.Int("k", 1, 1, 10, &i);
  EXPECT_THAT(std::string(s.message()), HasSubstr("not an integer"));
  s = r.Double("M", 0.1, -1, 1, &d);
  EXPECT_THAT(std::string(s.message()), HasSubstr("not a finite number"));
}

TEST(SpecArgReader, AcceptsWholeNumbersInExponentForm) {
  SpecTerm t{"lrb", {{"N", "1e5"}}};
  SpecArgReader r(t);
  int64_t n = 0;
  ASSERT_TRUE(r.Int("N", 1, 1, 1000000, &n).ok());
  EXPECT_EQ(n, 100000);
}

TEST(SpecArgReader, RejectsRepeatedKeys) {
  SpecTerm t{"lrb", {{"n", "5"}, {"n", "6"}}};
  SpecArgReader r(t);
  int64_t n = 0;
  ASSERT_TRUE(r.Int("n", 1, 1, 10, &n).ok());
  EXPECT_THAT(std::string(r.Finish().message()), HasSubstr("twice"));
}

}  // namespace
}  // namespace lrb
