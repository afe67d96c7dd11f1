// Differential test: our stringprep (ICU + ASCII fast path) against GNU libidn 1.41, an
// independent implementation of RFC 3454 with its own Unicode 3.2 tables. Test-only oracle.
#include <xmppcore/jid/stringprep.hpp>

#include <doctest/doctest.h>

#include <stringprep.h>
#include <unicode/uchar.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <vector>

using namespace xmppcore::jid;

namespace {

struct range {
  std::uint32_t lo, hi;
};

// Flattens one of libidn's zero-terminated RFC 3454 tables. In libidn 1.41 `end` is 0 for a
// single code point. Surrogates (table C.5) cannot appear in UTF-8 and are dropped.
std::vector<range> load(const Stringprep_table_element* t) {
  std::vector<range> v;
  for (std::size_t i = 0; t[i].start != 0 || t[i].end != 0; ++i) {
    const std::uint32_t lo = t[i].start, hi = t[i].end ? t[i].end : t[i].start;
    if (lo >= 0xD800 && hi <= 0xDFFF) continue;
    v.push_back({lo, hi});
  }
  return v;
}

void append_utf8(std::string& s, std::uint32_t cp) {
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else if (cp < 0x800) {
    s += static_cast<char>(0xC0 | (cp >> 6));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    s += static_cast<char>(0xE0 | (cp >> 12));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    s += static_cast<char>(0xF0 | (cp >> 18));
    s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Outcome as a comparable string: "=" + output, or "!" + error class.
std::string libidn_run(const Stringprep_profile* prof, const std::string& in, bool allow_unassigned) {
  std::vector<char> buf(in.size() * 24 + 64, '\0');
  std::copy(in.begin(), in.end(), buf.begin());
  const int rc = stringprep(buf.data(), buf.size(), allow_unassigned ? Stringprep_profile_flags{} : STRINGPREP_NO_UNASSIGNED, prof);
  switch (rc) {
    case STRINGPREP_OK: {
      std::string out(buf.data());
      return out.empty() ? "!empty" : "=" + out;  // our API reports empty output as an error
    }
    case STRINGPREP_CONTAINS_UNASSIGNED: return "!unassigned";
    case STRINGPREP_CONTAINS_PROHIBITED: return "!prohibited";
    case STRINGPREP_BIDI_BOTH_L_AND_RAL:
    case STRINGPREP_BIDI_LEADTRAIL_NOT_RAL: return "!bidi";
    case STRINGPREP_BIDI_CONTAINS_PROHIBITED: return "!prohibited";
    default: return "!libidn-rc-" + std::to_string(rc);
  }
}

std::string ours_run(preparer& p, profile pr, const std::string& in, bool allow_unassigned) {
  auto r = p.prepare(pr, in, allow_unassigned);
  return r ? "=" + *r : "!" + std::string(to_string(r.error()));
}

bool in_table(const std::vector<range>& t, std::uint32_t cp) {
  for (const auto& r : t)
    if (cp >= r.lo && cp <= r.hi) return true;
  return false;
}

}  // namespace

// Known, explained disagreements (found by this test, ICU 72.1 vs libidn 1.41):
//
//  1. Query mode only (allow_unassigned), bidi check only. RFC 3454 §6 defines RandALCat and
//     LCat by tables D.1 and D.2, which list Unicode 3.2 characters; a code point unassigned
//     in 3.2 (table A.1) is in neither. ICU's usprep instead asks its current (Unicode 15)
//     Bidi_Class data, where such code points can be R/AL (later additions such as U+061E,
//     U+0757, U+1E906 Adlam, or unassigned code points in RTL blocks such as U+FB45 and U+FDCC,
//     which default to R/AL) or L. So ICU rejects e.g. "a" U+FB45 (L + RandAL) that libidn
//     accepts, and accepts U+FDAB U+063C that libidn rejects (last character not RandAL in
//     3.2 terms). Stored mode is unaffected: unassigned code points are refused before bidi.
//     Query strings are for lookups only and never stored, so this does not create aliases of
//     stored JIDs. The test below accepts a disagreement only if it is exactly this case.
//
// Any other disagreement fails the test.

TEST_CASE("differential vs libidn: 120,000 strings from every RFC 3454 table, 4 profiles, stored and query mode") {
  struct named_table { const char* name; std::vector<range> r; };
  const std::vector<named_table> tables = {
      {"A.1", load(stringprep_rfc3454_A_1)},     {"B.1", load(stringprep_rfc3454_B_1)},
      {"B.2", load(stringprep_rfc3454_B_2)},     {"B.3", load(stringprep_rfc3454_B_3)},
      {"C.1.1", load(stringprep_rfc3454_C_1_1)}, {"C.1.2", load(stringprep_rfc3454_C_1_2)},
      {"C.2.1", load(stringprep_rfc3454_C_2_1)}, {"C.2.2", load(stringprep_rfc3454_C_2_2)},
      {"C.3", load(stringprep_rfc3454_C_3)},     {"C.4", load(stringprep_rfc3454_C_4)},
      {"C.6", load(stringprep_rfc3454_C_6)},     {"C.7", load(stringprep_rfc3454_C_7)},
      {"C.8", load(stringprep_rfc3454_C_8)},     {"C.9", load(stringprep_rfc3454_C_9)},
      {"D.1", load(stringprep_rfc3454_D_1)},     {"D.2", load(stringprep_rfc3454_D_2)},
  };
  for (const auto& t : tables) {
    CAPTURE(t.name);
    REQUIRE(!t.r.empty());
  }
  const auto& unassigned = tables[0].r;
  // Extra pools: combining marks (NFKC composition), Hangul (algorithmic NFKC), nodeprep's
  // extra exclusions, compatibility characters with NFKC expansions.
  const std::vector<range> extra = {{0x0300, 0x036F}, {0x1100, 0x11FF}, {0xAC00, 0xD7A3}, {0x0022, 0x0022},
                                    {0x0026, 0x0027}, {0x002F, 0x002F}, {0x003A, 0x003A}, {0x003C, 0x003C},
                                    {0x003E, 0x003E}, {0x0040, 0x0040}, {0xFB00, 0xFDFF}, {0xFE70, 0xFEFC},
                                    {0xFF00, 0xFFEF}, {0x2100, 0x24FF}, {0x3300, 0x33FF}, {0x1D400, 0x1D7FF},
                                    {0x2F800, 0x2FA1D}};

  const Stringprep_profile* lib[] = {stringprep_xmpp_nodeprep, stringprep_xmpp_resourceprep, stringprep_nameprep,
                                     stringprep_saslprep};
  const profile ours[] = {profile::nodeprep, profile::resourceprep, profile::nameprep, profile::saslprep};
  preparer p;

  std::mt19937 rng(3454);
  auto pick = [&](const std::vector<range>& t) {
    const auto& r = t[rng() % t.size()];
    return r.lo + static_cast<std::uint32_t>(rng() % (r.hi - r.lo + 1));
  };
  long strings = 0, comparisons = 0, accepted = 0, disagree_outcome = 0, disagree_class = 0, explained_bidi = 0, order_class = 0;
  std::map<std::string, long> classes;
  for (int n = 0; n < 120000; ++n) {
    std::string s;
    bool has_unassigned = false, has_unassigned_strong = false;
    const int len = 1 + static_cast<int>(rng() % 8);
    for (int k = 0; k < len; ++k) {
      std::uint32_t cp = 0;
      const unsigned roll = rng() % 100;
      if (roll < 40) cp = pick(tables[rng() % tables.size()].r);
      else if (roll < 70) cp = 0x21 + rng() % 94;
      else if (roll < 85) cp = pick(extra);
      else if (roll < 95) cp = 1 + rng() % 0xFFFF;
      else cp = 0x10000 + rng() % 0x100000;
      if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 'x';  // libidn takes NUL-terminated input; no surrogates in UTF-8
      if (in_table(unassigned, cp)) {
        has_unassigned = true;
        const auto dir = u_charDirection(static_cast<UChar32>(cp));
        has_unassigned_strong |= dir == U_LEFT_TO_RIGHT || dir == U_RIGHT_TO_LEFT || dir == U_RIGHT_TO_LEFT_ARABIC;
      }
      append_utf8(s, cp);
    }
    ++strings;
    for (int i = 0; i < 4; ++i) {
      for (bool query : {false, true}) {
        if (query && n % 4 != 0) continue;
        const std::string a = ours_run(p, ours[i], s, query), b = libidn_run(lib[i], s, query);
        ++comparisons;
        classes[a[0] == '!' ? a : "ok"]++;
        if (a[0] != '!') ++accepted;
        const bool both_fail = a[0] == '!' && b[0] == '!';
        if (a == b) continue;
        if (query && has_unassigned_strong && (a == "!bidi") != (b == "!bidi") && !both_fail) {
          ++explained_bidi;  // disagreement 1 above
          continue;
        }
        if (both_fail) {
          // Both reject; the reason may differ only through check order: ICU checks A.1 while
          // mapping (first), libidn after the prohibition and bidi checks (last). Allowed only
          // when an unassigned code point is present in stored mode.
          if (!query && has_unassigned && a == "!unassigned") {
            ++order_class;
            continue;
          }
          ++disagree_class;
        } else {
          ++disagree_outcome;
        }
        std::string hex;
        std::size_t pos = 0;
        while (pos < s.size()) {
          const char32_t cp = xmppcore::jid::detail::decode_utf8(s, pos);
          char b8[16];
          std::snprintf(b8, sizeof b8, "U+%04X ", static_cast<unsigned>(cp));
          hex += b8;
        }
        CAPTURE(hex);
        CAPTURE(i);
        CAPTURE(query);
        CHECK(a == b);
      }
    }
  }
  MESSAGE("libidn differential: " << strings << " strings, " << comparisons << " comparisons, " << accepted
                                  << " accepted; error class differing only by check order (unassigned first in ICU, last in libidn): "
                                  << order_class << "; disagreements: " << disagree_outcome << " outcome, "
                                  << disagree_class << " error class; explained (query-mode bidi of code points "
                                  << "unassigned in Unicode 3.2): " << explained_bidi);
  for (const auto& [k, v] : classes) MESSAGE("  " << k << ": " << v);
  CHECK(strings >= 100000);
  CHECK(disagree_outcome == 0);
  CHECK(disagree_class == 0);
  CHECK(order_class > 0);  // the situation the rule above allows for really occurs
  // Each class of outcome is actually reached, so the comparison is not vacuous.
  CHECK(classes["ok"] > 50000);
  CHECK(classes["!prohibited"] > 10000);
  CHECK(classes["!unassigned"] > 10000);
  CHECK(classes["!bidi"] > 1000);
  CHECK(classes["!empty"] > 10);
  CHECK(explained_bidi < comparisons / 100);  // a corner case, not a blanket excuse
}
