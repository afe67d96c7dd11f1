// Runs of combining marks (UAX #15 §13 Stream-Safe Text Format), refused before ICU normalizes
// them in time quadratic in their length. The verdict is compared with an independent measure:
// ICU's NFKD of the whole string, without what the profile maps to nothing (libidn's tables),
// has a run of more than 30 characters with a non-zero canonical combining class.
#include <xmppcore/jid/jid.hpp>

#include <doctest/doctest.h>

#include "oracles.hpp"

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

using namespace xmppcore::jid;

namespace {

std::string show(const xmppcore::result<std::string, prep_error>& r) {
  return r ? *r : "!" + std::string(to_string(r.error()));
}

std::string repeat(const std::string& s, int n) {
  std::string r;
  for (int i = 0; i < n; ++i) r += s;
  return r;
}

int longest_run(const std::vector<char32_t>& s, profile pr) {
  const int run = xc_jid_oracle::longest_non_starter_run(std::u32string(s.begin(), s.end()), pr == profile::saslprep);
  REQUIRE(run >= 0);
  return run;
}

const profile all_profiles[] = {profile::nodeprep, profile::resourceprep, profile::nameprep, profile::saslprep};

}  // namespace

TEST_CASE("stream-safe: at most 30 non-starters in a row, in every profile") {
  preparer p;
  for (const profile pr : all_profiles) {
    CAPTURE(static_cast<int>(pr));
    auto run = [&](const std::string& s) { return show(p.prepare(pr, s)); };
    CHECK(run("a" + repeat("\u0301", 30))[0] != '!');
    CHECK(run("a" + repeat("\u0301", 31)) == "!not-stream-safe");
    CHECK(run(repeat("\u0301", 31)) == "!not-stream-safe");                  // no starter at all
    // Precomposed: U+00E1 is a + U+0301 in NFKD, one trailing non-starter.
    CHECK(run("\u00E1" + repeat("\u0301", 29))[0] != '!');
    CHECK(run("\u00E1" + repeat("\u0301", 30)) == "!not-stream-safe");
    // U+0344 decomposes to two non-starters; U+FF9E (combining class 0) to one (U+3099) by NFKD.
    CHECK(run("a" + repeat("\u0344", 15))[0] != '!');
    CHECK(run("a" + repeat("\u0344", 16)) == "!not-stream-safe");
    CHECK(run("\u30AB" + repeat("\uFF9E", 31)) == "!not-stream-safe");
    // A starter ends the run.
    CHECK(run("a" + repeat("\u0301", 30) + "b" + repeat("\u0301", 30))[0] != '!');
    // What the mapping removes does not: U+00AD, U+034F (COMBINING GRAPHEME JOINER), U+FE0F.
    for (const char* gone : {"\u00AD", "\u034F", "\uFE0F"}) {
      CAPTURE(gone);
      CHECK(run("a" + repeat("\u0301", 20) + gone + repeat("\u0301", 20)) == "!not-stream-safe");
    }
  }
  // U+200B is mapped to nothing by Nodeprep but to SPACE (a starter) by SASLprep.
  const std::string zwsp = "a" + repeat("\u0301", 20) + "\u200B" + repeat("\u0301", 20);
  CHECK(show(p.nodeprep(zwsp)) == "!not-stream-safe");
  CHECK(show(p.saslprep(zwsp))[0] != '!');
  // The free functions and the error of each layer.
  CHECK(show(saslprep("a" + repeat("\u0301\u0334", 40))) == "!not-stream-safe");
  CHECK(to_errc(prep_error::not_stream_safe) == errc::not_stream_safe);
  CHECK(to_string(prep_error::not_stream_safe) == "not-stream-safe");
  CHECK(jid_error{part::resource, errc::not_stream_safe}.condition() == xmppcore::stanza_condition::jid_malformed);
}

TEST_CASE("stream-safe: the 4 KiB alternating-mark part that took milliseconds is refused") {
  preparer p;
  std::string part = "a";
  while (part.size() < 4000) part += "\u0301\u0334";
  for (const profile pr : all_profiles) CHECK(show(p.prepare(pr, part)) == "!not-stream-safe");
  auto j = jid::parse("x@example.com/" + part, p);
  REQUIRE_FALSE(j);
  CHECK(j.error() == jid_error{part::resource, errc::not_stream_safe});
}

TEST_CASE("stream-safe: verdict equals the UAX #15 measure on 40,000 random strings") {
  const std::vector<char32_t> pool = {
      'a', 'Z', '1', ' ', 0x00E1, 0x00C5, 0x01D5, 0x1E69, 0x1FB7, 0x0390, 0x00A8, 0x1FED, 0xAC00, 0x30AB,  // starters
      0x0301, 0x0334, 0x0308, 0x0323, 0x0345, 0x05B0, 0x0651, 0x093C, 0x302A, 0x3099, 0x1D167,          // non-starters
      0x0344, 0x0F73, 0x0F75, 0x0F81, 0xFF9E, 0xFF9F, 0x1D15E, 0x1D1BB,                                  // decompositions
      0x00AD, 0x034F, 0x200B, 0x200D, 0xFE00, 0xFEFF, 0x2060, 0x00A0, 0x3000, 0x1680, 0x2000};        // mapped
  std::mt19937 rng(15);
  preparer p;
  long refused = 0, accepted = 0, mismatches = 0;
  for (int n = 0; n < 40000; ++n) {
    // Segments: a starter or mapped character, then 20-39 characters that are mostly
    // non-starters, so that runs near the limit of 30 are common.
    std::vector<char32_t> cps;
    for (int seg = 0, segs = 1 + static_cast<int>(rng() % 4); seg < segs; ++seg) {
      cps.push_back(rng() % 4 ? pool[rng() % 14] : pool[33 + rng() % 11]);
      for (int k = 0, len = 20 + static_cast<int>(rng() % 20); k < len; ++k) {
        const unsigned roll = rng() % 100;
        cps.push_back(roll < 80 ? pool[14 + rng() % 11] : roll < 92 ? pool[25 + rng() % 8]
                              : roll < 98 ? pool[33 + rng() % 11] : pool[rng() % 14]);
      }
    }
    std::string s;
    for (const char32_t cp : cps) xmppcore::jid::detail::append_utf8(cp, s);
    const profile pr = all_profiles[n % 4];
    const bool ours = show(p.prepare(pr, s)) == "!not-stream-safe";
    const bool uax15 = longest_run(cps, pr) > 30;
    (ours ? refused : accepted)++;
    if (ours != uax15) {
      ++mismatches;
      CAPTURE(n);
      CHECK(ours == uax15);
    }
  }
  MESSAGE(refused << " refused, " << accepted << " not refused");
  CHECK(mismatches == 0);
  CHECK(refused > 5000);
  CHECK(accepted > 5000);
}

// detail/stream_safe.hpp skips strings whose stretches of non-ASCII code points are all short,
// assuming no code point adds more than max_non_starters_per_code_point non-starters to a run.
TEST_CASE("stream-safe: no code point adds more than 3 non-starters to a run (the short-stretch shortcut)") {
  UErrorCode st = U_ZERO_ERROR;
  const UNormalizer2* nfkd = unorm2_getNFKDInstance(&st);
  REQUIRE(U_SUCCESS(st));
  int most = 0;
  for (UChar32 c = 0x80; c <= 0x10FFFF; ++c) {
    if (c >= 0xD800 && c <= 0xDFFF) continue;
    std::u16string u = xc_jid_oracle::utf16(std::u32string(1, static_cast<char32_t>(c)));
    std::u16string d(64, u'\0');
    const std::int32_t n = unorm2_normalize(nfkd, u.data(), static_cast<std::int32_t>(u.size()), d.data(), 64, &st);
    REQUIRE(U_SUCCESS(st));
    int trailing = 0;  // non-starters after the last starter, or all of them if there is none
    for (std::int32_t i = 0; i < n;) {
      UChar32 x;
      U16_NEXT(d.data(), i, n, x);
      trailing = u_getCombiningClass(x) ? trailing + 1 : 0;
    }
    most = std::max(most, trailing);
  }
  CHECK(most == xmppcore::jid::detail::max_non_starters_per_code_point);
}

