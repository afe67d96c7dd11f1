// The RFC 3454 tables of detail/rfc3454_tables.hpp (generated from the RFC's text) against GNU
// libidn's independent copies, on every code point; and the output stringprep.hpp rebuilds when
// usprep refused a string for bidi only (our B.1/B.2 mapping, then Unicode 3.2 NFKC) against
// usprep's own output, wherever usprep succeeds.
#include <xmppcore/jid/detail/rfc3454.hpp>
#include <xmppcore/jid/stringprep.hpp>

#include <doctest/doctest.h>

#include "oracles.hpp"

#include <stringprep.h>
#include <unicode/usprep.h>

#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

using namespace xmppcore::jid;
namespace rfc = xmppcore::jid::detail::rfc3454;

namespace {

const Stringprep_table_element* find(const Stringprep_table_element* t, char32_t cp) {
  for (std::size_t i = 0; t[i].start != 0 || t[i].end != 0; ++i) {
    const std::uint32_t hi = t[i].end ? t[i].end : t[i].start;
    if (cp >= t[i].start && cp <= hi) return &t[i];
  }
  return nullptr;
}

// libidn's tables are linear arrays: look each code point up once, through a bitmap.
std::vector<bool> members(const Stringprep_table_element* t) {
  std::vector<bool> m(0x110000);
  for (std::size_t i = 0; t[i].start != 0 || t[i].end != 0; ++i) {
    const std::uint32_t hi = t[i].end ? t[i].end : t[i].start;
    for (std::uint32_t cp = t[i].start; cp <= hi; ++cp) m[cp] = true;
  }
  return m;
}

std::u16string utf16(const std::vector<char32_t>& cps) {
  return xc_jid_oracle::utf16(std::u32string(cps.begin(), cps.end()));
}

}  // namespace

TEST_CASE("RFC 3454 tables D.1, D.2, B.1 and B.2 equal libidn's on every code point") {
  const auto d1 = members(stringprep_rfc3454_D_1), d2 = members(stringprep_rfc3454_D_2),
             b1 = members(stringprep_rfc3454_B_1), c12 = members(stringprep_rfc3454_C_1_2);
  long n_d1 = 0, n_d2 = 0, n_b1 = 0, n_b2 = 0, mismatches = 0;
  for (char32_t cp = 0; cp <= 0x10FFFF; ++cp) {
    const bool ours_d1 = rfc::is_randal(cp), ours_d2 = rfc::is_lcat(cp), ours_b1 = rfc::in_b1(cp);
    n_d1 += ours_d1;
    n_d2 += ours_d2;
    n_b1 += ours_b1;
    std::array<char32_t, 4> to{};
    const int k = rfc::map_b2(cp, to.data());
    const Stringprep_table_element* e = find(stringprep_rfc3454_B_2, cp);
    std::array<char32_t, 4> expect{};
    int expect_k = 1;
    expect[0] = cp;
    if (e) {
      ++n_b2;
      expect_k = 0;
      for (int j = 0; j < 4 && e->map[j]; ++j) expect[static_cast<std::size_t>(expect_k++)] = e->map[j];
    }
    const bool ok = ours_d1 == d1[cp] && ours_d2 == d2[cp] && ours_b1 == b1[cp] && k == expect_k && to == expect &&
                    rfc::is_non_ascii_space(cp) == c12[cp];
    if (!ok) {
      ++mismatches;
      CAPTURE(static_cast<unsigned>(cp));
      CHECK(ours_d1 == d1[cp]);
      CHECK(ours_d2 == d2[cp]);
      CHECK(ours_b1 == b1[cp]);
      CHECK(k == expect_k);
      CHECK(rfc::is_non_ascii_space(cp) == c12[cp]);
    }
  }
  CHECK(mismatches == 0);
  CHECK(n_d1 > 1000);
  CHECK(n_d2 > 10000);
  CHECK(n_b1 == 27);
  CHECK(n_b2 == 1371);
}

TEST_CASE("bidi_ok: RFC 3454 §6 items 2 and 3") {
  auto ok = [](std::vector<char32_t> cps) {
    const auto u = utf16(cps);
    return rfc::bidi_ok(u.data(), static_cast<std::int32_t>(u.size()));
  };
  CHECK(ok({}));
  CHECK(ok({'a', '1'}));
  CHECK(ok({0x05D0}));
  CHECK(ok({0x05D0, '1', 0x05D1}));
  CHECK_FALSE(ok({0x05D0, '1'}));           // item 3: ends with a non-RandAL
  CHECK_FALSE(ok({'1', 0x05D0}));           // item 3: starts with one
  CHECK_FALSE(ok({0x05D0, 'a', 0x05D1}));   // item 2: L with RandAL
  CHECK(ok({0x05D0, 0x2800, 0x05D1}));      // Braille is neither in Unicode 3.2
  CHECK_FALSE(ok({0x05D0, 0x17B4, 0x05D1}));  // U+17B4 is L (D.2)
  // Cypriot U+10800 (R today) was unassigned in Unicode 3.2: neither L nor RandAL.
  CHECK(ok({0x05D0, 0x10800, 0x05D1}));
  CHECK_FALSE(ok({0x05D0, 0x10800}));
  CHECK(ok({0x10400, 0x10428}));            // Deseret is L, supplementary
  CHECK_FALSE(ok({0xFB1D, 0x10400, 0xFB1D}));
}

// The rebuilt output (used only when usprep reports a bidi error) must be the output usprep
// computes: checked on every code point up to U+2FFFF and in plane 14, and on random strings
// that exercise NFKC composition and reordering across the mapped characters, in all profiles.
TEST_CASE("the output rebuilt for usprep's bidi refusals equals usprep's output wherever usprep succeeds") {
  const profile profiles[] = {profile::nodeprep, profile::resourceprep, profile::nameprep, profile::saslprep};
  detail::icu_objects icu;
  long compared = 0, mismatches = 0;
  auto compare = [&](profile pr, const std::u16string& in) {
    const UStringPrepProfile* prof = icu.profile_handle(pr);
    REQUIRE(prof);
    std::array<UChar, 1024> out;
    UParseError pe;
    UErrorCode st = U_ZERO_ERROR;
    const std::int32_t n = usprep_prepare(prof, in.data(), static_cast<std::int32_t>(in.size()), out.data(),
                                          static_cast<std::int32_t>(out.size()), USPREP_ALLOW_UNASSIGNED, &pe, &st);
    if (st != U_ZERO_ERROR) return;
    detail::u16_buffer rebuilt;
    REQUIRE(detail::rebuild_without_bidi(icu, pr, in.data(), static_cast<std::int32_t>(in.size()), rebuilt));
    ++compared;
    if (std::u16string(rebuilt.data, static_cast<std::size_t>(rebuilt.len)) !=
        std::u16string(out.data(), static_cast<std::size_t>(n))) {
      ++mismatches;
      CAPTURE(static_cast<int>(pr));
      CAPTURE(in.size());
      CAPTURE(static_cast<unsigned>(in[0]));
      CHECK(false);
    }
  };
  for (const profile pr : profiles) {
    for (char32_t cp = 1; cp <= 0x2FFFF; ++cp)
      if (cp < 0xD800 || cp > 0xDFFF) compare(pr, utf16({cp}));
    for (char32_t cp = 0xE0000; cp <= 0xE0FFF; ++cp) compare(pr, utf16({cp}));
  }
  const std::u32string pools[] = {
      U"aAzZ\u00C0\u00C5\u00DF\u0130\u0345\u0390\u03A3\u03C2\u1E9E\u1F80\u212B\u2126\u3371\u33C6\uFB00",
      U"\u0300\u0301\u0308\u0323\u0327\u0334\u0345\u05B0\u05BC\u0651\u093C\u302A\u3099\uFF9E",
      U"\u00AD\u034F\u200B\u200C\u200D\u2060\uFE00\uFEFF\u00A0\u2000\u3000",
      U"\u1100\u1161\u11A8\uAC00\u0627\u0653\u05D0\u05B7\u0915\u093C\u2800\u17B4\uFDFA\u2474\u1D400",
  };
  std::mt19937 rng(3454);
  for (int n = 0; n < 20000; ++n) {
    std::vector<char32_t> cps;
    const int len = 1 + static_cast<int>(rng() % 10);
    for (int k = 0; k < len; ++k) {
      const auto& pool = pools[rng() % 4];
      cps.push_back(pool[rng() % pool.size()]);
    }
    compare(profiles[n % 4], utf16(cps));
  }
  MESSAGE(compared << " comparisons");
  CHECK(mismatches == 0);
  CHECK(compared > 400000);
}
