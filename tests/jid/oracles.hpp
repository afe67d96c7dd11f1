// Test-only helpers shared by the jid tests and fuzz/jid_idn_diff.cpp: GNU libidn as an oracle
// (its RFC 3454 tables, its stringprep profiles, its RFC 3490 ToASCII), and the UAX #15 §13
// measure of a string computed with ICU's normalizer on the whole string. Header-only, no doctest.
#pragma once

#include <xmppcore/jid/detail/utf.hpp>

#include <idna.h>
#include <stringprep.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/utf16.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace xc_jid_oracle {

/// True if `cp` is in one of libidn's zero-terminated RFC 3454 tables (`end` is 0 for a single
/// code point in libidn 1.41).
inline bool in_table(const Stringprep_table_element* t, char32_t cp) {
  for (std::size_t i = 0; t[i].start != 0 || t[i].end != 0; ++i) {
    const std::uint32_t hi = t[i].end ? t[i].end : t[i].start;
    if (cp >= t[i].start && cp <= hi) return true;
  }
  return false;
}

/// The code points of UTF-8 `s`; false if `s` is not well-formed.
inline bool decode(std::string_view s, std::u32string& out) {
  out.clear();
  for (std::size_t pos = 0; pos < s.size();) {
    const char32_t cp = xmppcore::jid::detail::decode_utf8(s, pos);
    if (cp == 0xFFFFFFFFu) return false;
    out += cp;
  }
  return true;
}

inline std::u16string utf16(std::u32string_view cps) {
  std::u16string u;
  for (const char32_t cp : cps) {
    if (cp < 0x10000) {
      u += static_cast<char16_t>(cp);
    } else {
      u += static_cast<char16_t>(0xD800 + ((cp - 0x10000) >> 10));
      u += static_cast<char16_t>(0xDC00 + ((cp - 0x10000) & 0x3FF));
    }
  }
  return u;
}

/// "U+05D0 a U+0301 ...": code points for failure messages.
inline std::string hex(std::string_view s) {
  std::u32string cps;
  if (!decode(s, cps)) return "(invalid UTF-8)";
  std::string h;
  for (const char32_t cp : cps) {
    char b[16];
    std::snprintf(b, sizeof b, cp < 0x80 && cp > 0x20 ? "%c " : "U+%04X ", static_cast<unsigned>(cp));
    h += b;
  }
  return h;
}

/// The UAX #15 §13 measure: the longest run of characters with a non-zero canonical combining
/// class in ICU's NFKD of `cps`, once what the profile maps to nothing is removed (libidn's table
/// B.1; for SASLprep not the C.1.2 spaces, which it maps to SPACE). -1 if ICU fails.
inline int longest_non_starter_run(std::u32string_view cps, bool saslprep) {
  std::u32string kept;
  for (const char32_t cp : cps) {
    const bool space = saslprep && in_table(stringprep_rfc3454_C_1_2, cp);
    if (!in_table(stringprep_rfc3454_B_1, cp) || space) kept += cp;
  }
  const std::u16string u = utf16(kept);
  UErrorCode st = U_ZERO_ERROR;
  const UNormalizer2* nfkd = unorm2_getNFKDInstance(&st);
  std::u16string d(u.size() * 18 + 16, u'\0');  // U+FDFA, the longest NFKD expansion, has 18
  const std::int32_t n = U_SUCCESS(st) ? unorm2_normalize(nfkd, u.data(), static_cast<std::int32_t>(u.size()),
                                                          d.data(), static_cast<std::int32_t>(d.size()), &st)
                                       : 0;
  if (U_FAILURE(st)) return -1;
  int run = 0, longest = 0;
  for (std::int32_t i = 0; i < n;) {
    UChar32 c;
    U16_NEXT(d.data(), i, n, c);
    run = u_getCombiningClass(c) ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  return longest;
}

/// libidn's stringprep() with a profile: "=" + output, or "!" + an error class named as ours.
inline std::string libidn_prep(const Stringprep_profile* prof, std::string_view in, bool query, int* rc_out = nullptr) {
  std::vector<char> buf(in.size() * 24 + 64, '\0');
  std::copy(in.begin(), in.end(), buf.begin());
  const int rc = stringprep(buf.data(), buf.size(), query ? Stringprep_profile_flags{} : STRINGPREP_NO_UNASSIGNED, prof);
  if (rc_out) *rc_out = rc;
  switch (rc) {
    case STRINGPREP_OK: return "=" + std::string(buf.data());
    case STRINGPREP_CONTAINS_UNASSIGNED: return "!unassigned";
    case STRINGPREP_CONTAINS_PROHIBITED:
    case STRINGPREP_BIDI_CONTAINS_PROHIBITED: return "!prohibited";
    case STRINGPREP_BIDI_BOTH_L_AND_RAL:
    case STRINGPREP_BIDI_LEADTRAIL_NOT_RAL: return "!bidi";
    default: return "!libidn-rc-" + std::to_string(rc);
  }
}

/// libidn's RFC 3490 ToASCII of a whole name (idna_to_ascii_8z, UseSTD3ASCIIRules, and
/// AllowUnassigned in query mode): "=" + the ACE form lower-cased without a trailing dot (ToASCII
/// keeps the case of ASCII labels; Nameprep, which draft §3.2 applies, lowers it; we drop one
/// trailing separator), or "!" + libidn's return code. `raw` gets libidn's output as it is.
inline std::string libidn_ace(const std::string& in, bool query, std::string* raw = nullptr) {
  char* out = nullptr;
  const int rc = idna_to_ascii_8z(in.c_str(), &out, IDNA_USE_STD3_ASCII_RULES | (query ? IDNA_ALLOW_UNASSIGNED : 0));
  if (rc != IDNA_SUCCESS) {
    std::free(out);
    return "!" + std::to_string(rc);
  }
  std::string s(out);
  std::free(out);
  if (raw) *raw = s;
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  if (!s.empty() && s.back() == '.') s.pop_back();
  return "=" + s;
}

/// Length in bytes of libidn's ToUnicode (idna_to_unicode_8z8z) of an ACE name without a trailing
/// dot: the length of the stored (Unicode) form of that domain. -1 if libidn fails.
inline long libidn_unicode_length(const std::string& ace, bool query) {
  char* u = nullptr;
  const int rc = idna_to_unicode_8z8z(ace.c_str(), &u, query ? IDNA_ALLOW_UNASSIGNED : 0);
  if (rc != IDNA_SUCCESS) {
    std::free(u);
    return -1;
  }
  std::string s(u);
  std::free(u);
  if (!s.empty() && s.back() == '.') s.pop_back();
  return static_cast<long>(s.size());
}

/// Digits and exactly three dots, but not a dotted quad of octets 0-255 without leading zeros:
/// what the JID layer refuses as an invalid IPv4 literal (draft §3.1) and IDNA takes as a name.
inline bool bad_ipv4_shape(std::string_view s) {
  int dots = 0;
  for (char c : s) {
    if (c == '.') ++dots;
    else if (c < '0' || c > '9') return false;
  }
  if (dots != 3) return false;
  std::size_t start = 0;
  for (int k = 0; k < 4; ++k) {
    const std::size_t end = std::min(s.find('.', start), s.size());
    const std::string_view o = s.substr(start, end - start);
    if (o.empty() || o.size() > 3 || (o.size() > 1 && o[0] == '0') || std::stoi(std::string(o)) > 255) return true;
    start = end + 1;
  }
  return false;
}

/// Which of the JID layer's own rules explains that it refused domain `in` (error `ours`) when
/// libidn accepted it (`libidn` is libidn_ace()'s result, `raw` its raw output): "root only"
/// (a lone separator, which libidn reads as the DNS root and the JID layer as an empty label),
/// "IPv4 literal", "stream-safe" or "1023 bytes", each confirmed independently as described in
/// tests/jid/idna_diff_test.cpp; "" if none does.
inline std::string excuse_domain_refusal(const std::string& in, const std::string& ours, const std::string& libidn,
                                         const std::string& raw, bool query) {
  if (libidn.empty() || libidn[0] != '=') return "";
  if (ours == "!empty-label" && libidn == "=" && (raw == "." || raw.empty())) return "root only";
  std::u32string cps;
  if (ours == "!invalid-ip-literal" && bad_ipv4_shape(std::string_view(libidn).substr(1))) return "IPv4 literal";
  if (ours == "!not-stream-safe" && decode(in, cps) && longest_non_starter_run(cps, false) > 30) return "stream-safe";
  if (ours == "!too-long" && libidn_unicode_length(raw, query) > 1023) return "1023 bytes";
  return "";
}

}  // namespace xc_jid_oracle
