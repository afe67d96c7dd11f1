// Differential test: our domain preparation (jid/domain.hpp, idna_rules::idna2003) against GNU
// libidn 1.41's RFC 3490 ToASCII, idna_to_ascii_8z with IDNA_USE_STD3_ASCII_RULES (and
// IDNA_ALLOW_UNASSIGNED in query mode), which RFC 3920 servers such as Prosody use. Test-only
// oracle. Compared: accept or refuse, and for accepted names the ACE form (to_ace()), which must
// equal libidn's output, lower-cased (ToASCII leaves the case of ASCII labels alone; Nameprep,
// which draft §3.2 applies before comparing, lowers it) and without a trailing dot (we drop one
// trailing separator, libidn keeps it).
#include <xmppcore/jid/domain.hpp>

#include <doctest/doctest.h>

#include "oracles.hpp"

#include <idna.h>
#include <stringprep.h>
#include <unicode/uvernum.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <vector>

using namespace xmppcore::jid;

namespace {

void put(std::string& s, char32_t cp) { xmppcore::jid::detail::append_utf8(cp, s); }

std::u32string decode(std::string_view s) {
  std::u32string v;
  if (!xc_jid_oracle::decode(s, v)) FAIL_CHECK("the generator made invalid UTF-8");
  return v;
}

std::string ours_ace(preparer& p, const std::string& in, bool query) {
  auto r = to_ace(p, in, query ? prep_mode::query : prep_mode::stored);
  return r ? "=" + *r : "!" + std::string(to_string(r.error()));
}

struct pool {
  char32_t lo, hi;
};

}  // namespace

// Excused disagreements, each confirmed by an independent computation and counted exactly (the
// generator is std::mt19937 with a fixed seed, so the names are the same on every run):
//  1. invalid-ip-literal: a name of digits and three dots is an IPv4 literal for us (draft §3.1
//     address-literal) and must be a valid dotted quad; libidn takes it as four labels. Confirmed
//     by libidn's own ACE output having that shape without being a dotted quad.
//  2. not-stream-safe: a run of more than 30 combining marks (UAX #15 §13), a limit of ours.
//     Confirmed by normalizing the whole name with ICU's NFKD, without the characters Nameprep
//     removes (libidn's table B.1), and finding a run of more than 30 non-starters.
//  3. too-long: the stored form is over 1023 bytes (draft §3.1). Confirmed by the length of
//     libidn's ToUnicode (idna_to_unicode_8z8z) of its own ACE output.
// Any other difference fails the test.
TEST_CASE("IDNA differential vs libidn idna_to_ascii_8z (STD3 rules): 40,000 generated domains, stored and query mode") {
  // Pools of code points: scripts, the code points IDNA2003 allows and UTS #46 refuses, combining
  // marks, what Nameprep maps to nothing, prohibited ones, compatibility characters that NFKC
  // changes (also into '.', '/', letters), right-to-left letters and reclassified bidi ones.
  const std::vector<pool> uts46_refused = {{0x2260, 0x2260}, {0x226E, 0x226F}, {0x04C0, 0x04C0}, {0x10A0, 0x10C5},
                                           {0x3164, 0x3164}, {0xFFA0, 0xFFA0}, {0x2183, 0x2183}};
  const std::vector<pool> scripts = {{0x00C0, 0x00FF}, {0x0100, 0x017F}, {0x0391, 0x03C9}, {0x0400, 0x04FF},
                                     {0x0531, 0x0587}, {0x0900, 0x097F}, {0x0E01, 0x0E5B}, {0x3041, 0x30FF},
                                     {0x4E00, 0x4FFF}, {0xAC00, 0xD7A3}, {0x1100, 0x11FF}, {0x1E00, 0x1EFF}};
  const std::vector<pool> rtl = {{0x05D0, 0x05EA}, {0x0621, 0x064A}, {0x0660, 0x0669}, {0xFB1D, 0xFB4F},
                                 {0xFE70, 0xFEFC}};
  const std::vector<pool> marks = {{0x0300, 0x036F}, {0x0591, 0x05BD}, {0x064B, 0x0655}, {0x093C, 0x094D},
                                   {0x302A, 0x302F}, {0xFF9E, 0xFF9F}};
  const std::vector<pool> nothing_or_space = {{0x00AD, 0x00AD}, {0x034F, 0x034F}, {0x200B, 0x200D}, {0x2060, 0x2060},
                                              {0xFE00, 0xFE0F}, {0xFEFF, 0xFEFF}, {0x00A0, 0x00A0}, {0x3000, 0x3000}};
  const std::vector<pool> odd = {{0x2024, 0x2024}, {0xFE52, 0xFE52}, {0xFF0F, 0xFF0F}, {0xFF20, 0xFF20},
                                 {0x2100, 0x24FF}, {0x3300, 0x33FF}, {0xFB00, 0xFB06}, {0xFF01, 0xFF5E},
                                 {0x1D400, 0x1D7FF}, {0x2800, 0x28FF}, {0x17B4, 0x17B5}, {0x0080, 0x009F},
                                 {0xE000, 0xE0FF}, {0xFFF9, 0xFFFD}, {0x2FF0, 0x2FFB}, {0x0221, 0x0221},
                                 {0x0234, 0x024F}, {0xE0002, 0xE0002}, {0x1D200, 0x1D245}, {0x2E80, 0x2E99}};
  const char* separators[] = {".", "\u3002", "\uFF0E", "\uFF61"};

  std::mt19937 rng(3490);
  auto pick = [&](const std::vector<pool>& ps) -> char32_t {
    const auto& r = ps[rng() % ps.size()];
    return r.lo + static_cast<char32_t>(rng() % (r.hi - r.lo + 1));
  };
  const std::string ldh = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-";
  auto ascii_label = [&](int len) {
    std::string l;
    for (int k = 0; k < len; ++k) l += (k == 0 || k == len - 1) ? ldh[rng() % 62] : ldh[rng() % ldh.size()];
    return l;
  };
  auto unicode_label = [&](int len) {
    std::string l;
    const unsigned flavour = rng() % 6;
    for (int k = 0; k < len; ++k) {
      const unsigned roll = rng() % 100;
      if (flavour == 0 && roll < 60) put(l, pick(rtl));
      else if (roll < 30) l += ldh[rng() % 62];
      else if (roll < 65) put(l, pick(scripts));
      else if (roll < 72) put(l, pick(uts46_refused));
      else if (roll < 80) put(l, pick(marks));
      else if (roll < 85) put(l, pick(nothing_or_space));
      else if (roll < 97) put(l, pick(odd));
      else put(l, static_cast<char32_t>(0xE000 + rng() % 0x2000));  // no surrogates
    }
    return l;
  };
  auto ace_of = [&](const std::string& unicode, std::string& ace) {
    char* out = nullptr;
    const int rc = idna_to_ascii_8z(unicode.c_str(), &out, IDNA_USE_STD3_ASCII_RULES);
    if (rc == IDNA_SUCCESS) ace = out;
    std::free(out);
    return rc == IDNA_SUCCESS && ace.rfind("xn--", 0) == 0;
  };

  preparer p;
  long domains = 0, comparisons = 0, both_ok = 0, both_refuse = 0, ace_labels_ok = 0, uts46_refused_ok = 0;
  std::map<std::string, long> excused, ours_errors;
  for (int n = 0; n < 40000; ++n) {
    std::string d;
    bool has_uts46_refused = false;
    const int labels = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < labels; ++k) {
      if (k) d += (rng() % 5 == 0) ? separators[rng() % 4] : ".";
      const unsigned kind = rng() % 100;
      std::string l;
      if (kind < 30) {
        l = ascii_label(1 + static_cast<int>(rng() % 12));
      } else if (kind < 70) {
        l = unicode_label(1 + static_cast<int>(rng() % 8));
      } else if (kind < 78) {
        // A valid ACE label (libidn's ToASCII of a Unicode label), sometimes upper-cased.
        std::string ace;
        if (ace_of(unicode_label(1 + static_cast<int>(rng() % 6)), ace)) {
          if (rng() % 3 == 0)
            for (char& c : ace) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
          l = ace;
        } else {
          l = "xn--" + ascii_label(2 + static_cast<int>(rng() % 8));
        }
      } else if (kind < 83) {
        l = "xn--" + ascii_label(1 + static_cast<int>(rng() % 10));  // mostly not Punycode of anything valid
      } else if (kind < 88) {
        l = ascii_label(58 + static_cast<int>(rng() % 10));  // around the 63-octet limit
      } else if (kind < 92) {
        // Non-ASCII labels around the limit of their ACE form.
        for (int c = 0, len = 15 + static_cast<int>(rng() % 40); c < len; ++c)
          put(l, rng() % 3 ? static_cast<char32_t>(ldh[rng() % 26]) : pick(scripts));
      } else if (kind < 94) {
        // A run of combining marks, sometimes broken by what Nameprep removes.
        l = "a";
        for (int c = 0, len = 25 + static_cast<int>(rng() % 12); c < len; ++c)
          put(l, rng() % 8 ? pick({{0x0300, 0x036F}}) : pick(nothing_or_space));
      } else if (kind < 96) {
        l = std::to_string(rng() % 400);  // digits: IPv4-literal-like names
      } else {
        l = unicode_label(40 + static_cast<int>(rng() % 200));  // long: up to and past ICU's 1000-unit limit
      }
      for (const char32_t cp : decode(l))
        for (const auto& r : uts46_refused) has_uts46_refused |= cp >= r.lo && cp <= r.hi;
      d += l;
    }
    if (rng() % 100 == 0) {  // an IPv4 literal, valid or not
      d.clear();
      for (int k = 0; k < 4; ++k) {
        const unsigned octet = rng() % 300;  // one rng() call per statement: the same names with every compiler
        d += (k ? "." : "") + std::to_string(octet) + (rng() % 10 ? "" : "0");
      }
    }
    if (rng() % 10 == 0) d += separators[rng() % 4];  // fully qualified
    if (rng() % 50 == 0) {                             // long names
      const std::string l63 = ascii_label(63);
      for (int k = 0; k < 16; ++k) d = l63 + "." + d;
    }
    ++domains;
    for (bool query : {false, true}) {
      if (query && n % 2) continue;
      ++comparisons;
      std::string raw;
      const std::string a = ours_ace(p, d, query), b = xc_jid_oracle::libidn_ace(d, query, &raw);
      if (a[0] == '!') ours_errors[a]++;
      if (a == b) {
        if (a[0] == '=') {
          ++both_ok;
          ace_labels_ok += a.find("xn--") != std::string::npos;
          uts46_refused_ok += has_uts46_refused;
        }
        continue;
      }
      if (a[0] == '!' && b[0] == '!') {
        ++both_refuse;
        continue;
      }
      const std::string why = xc_jid_oracle::excuse_domain_refusal(d, a, b, raw, query);
      if (!why.empty()) {
        ++excused[why];
        continue;
      }
      const std::string code_points = xc_jid_oracle::hex(d);
      CAPTURE(code_points);
      CAPTURE(query);
      CHECK(a == b);
    }
  }
  MESSAGE("IDNA differential (libidn " << std::string(stringprep_check_version(nullptr)) << ", ICU " << U_ICU_VERSION
                                       << "): " << domains << " domains, " << comparisons << " comparisons: "
                                       << both_ok << " accepted by both with the same ACE form (" << ace_labels_ok
                                       << " with an xn-- label, " << uts46_refused_ok
                                       << " with a code point UTS #46 refuses), " << both_refuse << " refused by both");
  for (const auto& [k, v] : excused) MESSAGE("  excused, " << k << ": " << v);
  for (const auto& [k, v] : ours_errors) MESSAGE("  ours " << k << ": " << v);
  CHECK(both_ok > 10000);
  CHECK(both_refuse > 10000);
  CHECK(ace_labels_ok > 5000);
  CHECK(uts46_refused_ok > 500);
  // Exact, for the fixed seed and ICU 72.1 / libidn 1.41: a new version that moves a count has
  // to be looked at again.
  CHECK(excused.size() == 3u);
  CHECK(excused["IPv4 literal"] == 376);
  CHECK(excused["stream-safe"] == 37);
  CHECK(excused["1023 bytes"] == 522);
}
