// xmppcore — preparing and validating a JID domain (draft §3.2).
//
// A domain is one of
//  * a bracketed IPv6 literal `[2001:db8::1]` (RFC 4291 §2.2 text forms, an IPv4 tail allowed,
//    no zone id), stored in the RFC 5952 canonical text form (lower case, no leading zeros, the
//    longest run of zero groups as "::", an IPv4-mapped address with a dotted tail), so that
//    `[2001:DB8:0::1]` and `[2001:db8::1]` are one JID domain;
//  * an IPv4 dotted quad `192.0.2.1` (four decimal octets 0-255, no leading zeros, since some
//    resolvers read `010` as octal), kept byte for byte. Any domain made only of digits and
//    exactly three dots is taken as an IPv4 literal and must be a valid one;
//  * otherwise an internationalized domain name, which draft §3.2 defines by IDNA (RFC 3490,
//    often called IDNA2003). By default (idna_rules::idna2003) exactly that:
//      1. the IDNA label separators U+002E, U+3002, U+FF0E, U+FF61 all split labels
//         (RFC 3490 §3.1 req. 1), and one trailing separator is removed (a fully qualified
//         `example.com.` names the same domain as `example.com`);
//      2. every label must pass ToASCII (RFC 3490 §4.1) with UseSTD3ASCIIRules, and with
//         AllowUnassigned only in prep_mode::query (§4: stored strings must not have it): a label
//         with a non-ASCII code point is Nameprep'ed (RFC 3491, stringprep.hpp, with the bidi rule
//         of RFC 3454 §6 on Unicode 3.2 tables); then only letters, digits and '-' among its ASCII
//         code points, no '-' at either end; a non-ASCII result must not start with "xn--", and its
//         ACE form "xn--" + Punycode (RFC 3492, detail/punycode.hpp) must fit in 63 octets, as
//         must an ASCII label;
//      3. the Nameprep'ed labels joined with '.' are the stored form, in Unicode (not ACE): two
//         domains are equal when these forms are (draft §3.2: "apply the Nameprep profile to the
//         labels ... before comparing"). An ASCII label is lower-cased (Nameprep of ASCII).
//         A label given in ACE (`xn--...`) is stored decoded when it is the ACE form of a label
//         (RFC 3490 §4.2 ToUnicode: Punycode-decode, Nameprep, and ToASCII must give the label
//         back), because §3.1 req. 3 makes labels with equal ToASCII forms equal:
//         `xn--bcher-kva.example` and `bücher.example` are one domain, not two names for one
//         account (draft §14.10). Any other `xn--` label is valid for RFC 3490 (ToASCII leaves
//         ASCII labels alone) and is stored as it is, lower-cased;
//      4. the stored form is at most 1023 bytes (draft §3.1). RFC 3490 sets no limit on the whole
//         name; the 253 octets of DNS (RFC 1035 §2.3.4) are one of the strict rules below.
//    These are the verdicts of GNU libidn's idna_to_ascii_8z with IDNA_USE_STD3_ASCII_RULES, the
//    library RFC 3920 servers such as Prosody use (tests/jid/idna_diff_test.cpp compares them on
//    thousands of generated names). Our own limits come on top: 1023 bytes, IPv4 literals, runs
//    of at most 30 combining marks (stringprep.hpp), and no label separator produced by Nameprep
//    (the stored form must split into the same labels when parsed again).
//
//    idna_rules::strict adds what later practice (IDNA2008, RFC 5890-5893, as UTS #46 applies
//    it) refuses, for deployments that want names that resolve today: each stored label must
//    also pass ICU's UTS #46 ToASCII (transitional processing, STD3 rules), which refuses code
//    points IDNA2003 allowed (U+2260, U+04C0, U+10A0-U+10C5, U+3164, U+FFA0, U+2183, ...), a
//    label starting with a combining mark, and bidi rules of RFC 5893; an `xn--` label must be
//    the ACE form of a valid label; and the whole name must fit in 253 octets in ACE form. A
//    `--` in positions 3-4 of a label stays allowed (UTS #46 CheckHyphens would refuse `ab--cd`).
//    The stored form is the same under both rules: strict only refuses more.
//
// The ACE form of a domain (for DNS and SRV lookups, certificate name checks, dialback) is
// to_ace() below, or jid::domain_ace().
//
// ASCII fast path: an all-ASCII name with no `xn--` label is checked here without ICU (Nameprep
// of ASCII is lower-casing); tests/jid/domain_test.cpp checks that this equals the verdict of
// the ICU path.
#pragma once

#include <xmppcore/jid/detail/punycode.hpp>
#include <xmppcore/jid/detail/utf.hpp>
#include <xmppcore/jid/error.hpp>
#include <xmppcore/jid/stringprep.hpp>
#include <xmppcore/result.hpp>

#include <unicode/uidna.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace xmppcore::jid {

inline constexpr std::size_t max_part_bytes = 1023;   ///< draft §3.1, per part after preparation
inline constexpr std::size_t max_label_octets = 63;   ///< RFC 3490 §4.1 step 8, RFC 1035 §2.3.4
inline constexpr std::size_t max_domain_octets = 253; ///< RFC 1035 §2.3.4 in ACE form (strict rules only)

/// Which IDNA rules a domain must pass (see the top of this file).
enum class idna_rules : std::uint8_t {
  idna2003,  ///< the draft's: RFC 3490 ToASCII with UseSTD3ASCIIRules (the default)
  strict,    ///< idna2003 plus ICU's UTS #46 ToASCII on each label, valid ACE labels, 253 octets
};

namespace detail {

constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
constexpr bool is_hex(char c) noexcept {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/// RFC 3986 §3.2.2 dec-octet "." dec-octet "." dec-octet "." dec-octet (no leading zeros).
constexpr bool is_ipv4_literal(std::string_view s) noexcept {
  int parts = 0;
  std::size_t i = 0;
  for (;;) {
    const std::size_t start = i;
    int v = 0;
    while (i < s.size() && is_digit(s[i])) {
      if (i - start == 3) return false;
      v = v * 10 + (s[i] - '0');
      ++i;
    }
    const std::size_t n = i - start;
    if (n == 0 || v > 255 || (n > 1 && s[start] == '0')) return false;
    ++parts;
    if (i == s.size()) break;
    if (s[i] != '.' || parts == 4) return false;
    ++i;
  }
  return parts == 4;
}

/// RFC 4291 §2.2: eight 1-4 digit hex groups, one "::" for a run of zero groups, optionally the
/// last two groups as a dotted quad. No zone id (RFC 6874 is for URIs, not JIDs). The address's
/// eight groups, or nullopt when `s` is not such a literal.
constexpr std::optional<std::array<std::uint16_t, 8>> parse_ipv6(std::string_view s) noexcept {
  std::array<std::uint16_t, 8> g{};
  int groups = 0;
  int gap = -1;  // where "::" stands, in groups
  std::size_t i = 0;
  if (s.size() >= 2 && s[0] == ':' && s[1] == ':') {
    gap = 0;
    i = 2;
  } else if (!s.empty() && s[0] == ':') {
    return std::nullopt;
  }
  while (i < s.size()) {
    const std::size_t start = i;
    std::uint32_t v = 0;
    while (i < s.size() && is_hex(s[i]) && i - start < 5) {
      const char c = s[i++];
      v = v * 16 + static_cast<std::uint32_t>(is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    if (i < s.size() && s[i] == '.') {  // embedded IPv4, must be the last 32 bits
      const std::string_view quad = s.substr(start);
      if (!is_ipv4_literal(quad) || groups > 6) return std::nullopt;
      std::uint32_t q = 0, octet = 0;
      for (const char c : quad) {
        if (c == '.') {
          q = (q << 8) | octet;
          octet = 0;
        } else {
          octet = octet * 10 + static_cast<std::uint32_t>(c - '0');
        }
      }
      q = (q << 8) | octet;
      g[static_cast<std::size_t>(groups++)] = static_cast<std::uint16_t>(q >> 16);
      g[static_cast<std::size_t>(groups++)] = static_cast<std::uint16_t>(q & 0xFFFF);
      break;
    }
    const std::size_t n = i - start;
    if (n == 0 || n > 4 || groups == 8) return std::nullopt;
    g[static_cast<std::size_t>(groups++)] = static_cast<std::uint16_t>(v);
    if (i == s.size()) break;
    if (s[i] != ':') return std::nullopt;
    ++i;
    if (i < s.size() && s[i] == ':') {
      if (gap >= 0) return std::nullopt;  // at most one "::"
      gap = groups;
      ++i;
    } else if (i == s.size()) {
      return std::nullopt;  // trailing single ':'
    }
  }
  if (gap < 0) return groups == 8 ? std::optional(g) : std::nullopt;
  if (groups > 7) return std::nullopt;
  // The groups after "::" go to the end; the ones it stands for are zero.
  std::array<std::uint16_t, 8> out{};
  for (int k = 0; k < gap; ++k) out[static_cast<std::size_t>(k)] = g[static_cast<std::size_t>(k)];
  for (int k = gap; k < groups; ++k) out[static_cast<std::size_t>(8 - groups + k)] = g[static_cast<std::size_t>(k)];
  return out;
}

/// The RFC 5952 §4 text form of an address: lower-case hex without leading zeros, the longest
/// run of two or more zero groups (the first on a tie) as "::", and the IPv4-mapped prefix
/// ::ffff:0:0/96 with a dotted-quad tail (§5).
inline void append_ipv6_canonical(const std::array<std::uint16_t, 8>& g, std::string& out) {
  int best = -1, best_len = 1;
  for (int k = 0; k < 8;) {
    if (g[static_cast<std::size_t>(k)] != 0) {
      ++k;
      continue;
    }
    int e = k;
    while (e < 8 && g[static_cast<std::size_t>(e)] == 0) ++e;
    if (e - k > best_len) {
      best = k;
      best_len = e - k;
    }
    k = e;
  }
  const bool mapped = g[0] == 0 && g[1] == 0 && g[2] == 0 && g[3] == 0 && g[4] == 0 && g[5] == 0xFFFF;
  const int hex_groups = mapped ? 6 : 8;
  static constexpr char digits[] = "0123456789abcdef";
  for (int k = 0; k < hex_groups;) {
    if (k == best) {
      out += "::";
      k += best_len;
      continue;
    }
    if (k > 0 && k != best + best_len) out += ':';
    const std::uint16_t v = g[static_cast<std::size_t>(k)];
    bool started = false;
    for (int sh = 12; sh >= 0; sh -= 4) {
      const unsigned d = (v >> sh) & 0xF;
      if (d || started || sh == 0) {
        out += digits[d];
        started = true;
      }
    }
    ++k;
  }
  if (mapped) {
    if (out.back() != ':') out += ':';
    out += std::to_string(g[6] >> 8) + '.' + std::to_string(g[6] & 0xFF) + '.' + std::to_string(g[7] >> 8) + '.' +
           std::to_string(g[7] & 0xFF);
  }
}

/// Length in bytes of an IDNA label separator starting at s[i] (RFC 3490 §3.1: U+002E, U+3002,
/// U+FF0E, U+FF61), or 0.
constexpr std::size_t separator_at(std::string_view s, std::size_t i) noexcept {
  if (s[i] == '.') return 1;
  if (s.size() - i < 3) return 0;
  const auto b0 = static_cast<unsigned char>(s[i]);
  const auto b1 = static_cast<unsigned char>(s[i + 1]);
  const auto b2 = static_cast<unsigned char>(s[i + 2]);
  if (b0 == 0xE3 && b1 == 0x80 && b2 == 0x82) return 3;  // U+3002 IDEOGRAPHIC FULL STOP
  if (b0 == 0xEF && b1 == 0xBC && b2 == 0x8E) return 3;  // U+FF0E FULLWIDTH FULL STOP
  if (b0 == 0xEF && b1 == 0xBD && b2 == 0xA1) return 3;  // U+FF61 HALFWIDTH IDEOGRAPHIC FULL STOP
  return 0;
}

constexpr bool is_ldh(char32_t c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

inline bool starts_with_ace_prefix(std::string_view l) noexcept {
  return l.size() >= 4 && (l[0] == 'x' || l[0] == 'X') && (l[1] == 'n' || l[1] == 'N') && l[2] == '-' &&
         l[3] == '-';
}

/// True for strings of ASCII digits and exactly three '.', which must be IPv4 literals.
constexpr bool looks_like_ipv4(std::string_view s) noexcept {
  int dots = 0;
  for (char c : s) {
    if (c == '.') ++dots;
    else if (!is_digit(c)) return false;
  }
  return dots == 3;
}

/// RFC 3490 §4.1 steps 3 and 8 for a label that is ASCII from the start or after Nameprep
/// (lower case, non-empty): STD3 rules (letters, digits, '-'; no '-' at either end), 1-63 octets.
inline result<void, errc> check_ascii_label(std::string_view l) noexcept {
  for (char c : l)
    if (!is_ldh(static_cast<unsigned char>(c))) return unexpected{errc::invalid_label};
  if (l.front() == '-' || l.back() == '-') return unexpected{errc::invalid_label};
  if (l.size() > max_label_octets) return unexpected{errc::label_too_long};
  return {};
}

/// True if prepared UTF-16 contains an IDNA label separator (RFC 3490 §3.1). Nameprep's NFKC can
/// make '.' (U+2024 ONE DOT LEADER); the stored form must split into the same labels again.
inline bool has_separator(const UChar* u, std::int32_t n) noexcept {
  for (std::int32_t i = 0; i < n; ++i)
    if (u[i] == 0x2E || u[i] == 0x3002 || u[i] == 0xFF0E || u[i] == 0xFF61) return true;
  return false;
}

inline bool is_ascii16(const UChar* u, std::int32_t n) noexcept {
  for (std::int32_t i = 0; i < n; ++i)
    if (u[i] >= 0x80) return false;
  return true;
}

/// Room for the Punycode part of an ACE label: 63 octets minus "xn--".
inline constexpr std::size_t max_punycode_chars = max_label_octets - 4;

/// RFC 3490 §4.1 steps 3 and 5-8 for a Nameprep'ed label that has a non-ASCII code point, given
/// as UTF-16: STD3 rules on its ASCII code points, no ACE prefix, and "xn--" + Punycode within
/// 63 octets. Returns the length of that ACE form; with `ace`, also appends it there.
inline result<std::size_t, errc> to_ascii_non_ascii_label(const UChar* u, std::int32_t n, std::string* ace = nullptr) {
  // The ACE form has at least four octets more than the label has code points (RFC 3492: one
  // character per basic code point, and at least one per other code point).
  std::array<char32_t, max_punycode_chars> cps;
  std::size_t k = 0;
  for (std::int32_t i = 0; i < n;) {
    if (k == cps.size()) return unexpected{errc::label_too_long};
    cps[k++] = rfc3454::next_utf16(u, n, i);
  }
  for (std::size_t j = 0; j < k; ++j)
    if (cps[j] < 0x80 && !is_ldh(cps[j])) return unexpected{errc::invalid_label};
  if (cps[0] == '-' || cps[k - 1] == '-') return unexpected{errc::invalid_label};
  if (k >= 4 && cps[0] == 'x' && cps[1] == 'n' && cps[2] == '-' && cps[3] == '-') return unexpected{errc::invalid_label};
  std::array<char, max_punycode_chars> puny;
  const int len = punycode::encode(cps.data(), k, puny.data(), puny.size());
  if (len < 0) return unexpected{errc::label_too_long};
  if (ace) {
    *ace += "xn--";
    ace->append(puny.data(), static_cast<std::size_t>(len));
  }
  return 4 + static_cast<std::size_t>(len);
}

/// RFC 3490 §4.2 ToUnicode of a lower-case ASCII label with the ACE prefix, as our stored form:
/// appends the Nameprep'ed Unicode label to `out` and returns true when `ace` is the ToASCII of
/// it; returns false (and appends nothing) for any other label, which then stays as it is.
inline bool append_ace_label_as_unicode(preparer& prep, std::string_view ace, prep_mode mode, std::string& out) {
  std::array<char32_t, max_label_octets> cps;
  const int n = punycode::decode(ace.substr(4), cps.data(), cps.size());
  if (n <= 0) return false;
  std::string decoded;
  for (int i = 0; i < n; ++i) append_utf8(cps[static_cast<std::size_t>(i)], decoded);
  u16_buffer buf;
  if (!prepare_icu_utf16(prep.icu(), profile::nameprep, decoded, mode, buf)) return false;
  if (buf.len == 0 || has_separator(buf.data, buf.len) || is_ascii16(buf.data, buf.len)) return false;
  std::string back;
  if (!to_ascii_non_ascii_label(buf.data, buf.len, &back) || back != ace) return false;
  utf16_to_utf8(buf.data, buf.len, out);
  return true;
}

/// The strict rules' check of one stored label (UTF-8): ICU's UTS #46 ToASCII must report no
/// error but a "--" in positions 3-4.
inline result<void, errc> check_uts46_label(preparer& prep, std::string_view label) {
  const UIDNA* idna = prep.uts46();
  if (!idna) return unexpected{errc::resource_failure};
  std::array<char, 256> dst;  // a label of at most 63 octets in ACE form; more is too long anyway
  UIDNAInfo info = UIDNA_INFO_INITIALIZER;
  UErrorCode st = U_ZERO_ERROR;
  uidna_labelToASCII_UTF8(idna, label.data(), static_cast<std::int32_t>(label.size()), dst.data(),
                          static_cast<std::int32_t>(dst.size()), &info, &st);
  if (st == U_BUFFER_OVERFLOW_ERROR || st == U_INPUT_TOO_LONG_ERROR) return unexpected{errc::label_too_long};
  if (U_FAILURE(st)) return unexpected{errc::resource_failure};
  const std::uint32_t errors = info.errors & ~static_cast<std::uint32_t>(UIDNA_ERROR_HYPHEN_3_4);
  if (errors & ~static_cast<std::uint32_t>(UIDNA_ERROR_LABEL_TOO_LONG)) return unexpected{errc::invalid_label};
  if (errors) return unexpected{errc::label_too_long};
  return {};
}

/// One label (non-empty UTF-8 between separators): appends its stored form to `out` and returns
/// the length of its ACE form. Sets `used_icu` when ICU was involved (worth remembering).
inline result<std::size_t, errc> append_label(preparer& prep, std::string_view label, prep_mode mode, idna_rules rules,
                                              std::string& out, bool& used_icu) {
  const std::size_t mark = out.size();
  if (prep.uses_ascii_fast_path() && is_ascii(label)) {
    for (char c : label) out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c);
  } else {
    used_icu = true;
    u16_buffer buf;
    if (auto r = prepare_icu_utf16(prep.icu(), profile::nameprep, label, mode, buf); !r)
      return unexpected{to_errc(r.error())};
    if (buf.len == 0) return unexpected{errc::empty_label};
    if (has_separator(buf.data, buf.len)) return unexpected{errc::invalid_label};
    if (!is_ascii16(buf.data, buf.len)) {
      const auto ace = to_ascii_non_ascii_label(buf.data, buf.len);
      if (!ace) return unexpected{ace.error()};
      utf16_to_utf8(buf.data, buf.len, out);
      if (rules == idna_rules::strict)
        if (auto r = check_uts46_label(prep, std::string_view(out).substr(mark)); !r) return unexpected{r.error()};
      return *ace;
    }
    for (std::int32_t i = 0; i < buf.len; ++i) out.push_back(static_cast<char>(buf.data[i]));
  }
  // An ASCII label, as given or as Nameprep left it (RFC 3490 §4.1 step 4 skips to step 8).
  const std::size_t len = out.size() - mark;
  if (auto r = check_ascii_label(std::string_view(out).substr(mark)); !r) return unexpected{r.error()};
  if (starts_with_ace_prefix(std::string_view(out).substr(mark))) {
    used_icu = true;
    const std::string ace = out.substr(mark);
    out.resize(mark);
    if (append_ace_label_as_unicode(prep, ace, mode, out)) {
      if (rules == idna_rules::strict)
        if (auto r = check_uts46_label(prep, std::string_view(out).substr(mark)); !r) return unexpected{r.error()};
    } else {
      if (rules == idna_rules::strict) return unexpected{errc::invalid_label};
      out += ace;
    }
  }
  return len;
}

/// The memo key of a set of domain options.
constexpr std::uint8_t memo_key(prep_mode mode, idna_rules rules) noexcept {
  return static_cast<std::uint8_t>(static_cast<unsigned>(mode) | (static_cast<unsigned>(rules) << 1));
}

}  // namespace detail

/// Prepares and validates domain `in` (draft §3.2, rules at the top of this file) and appends
/// the stored form to `out`. On error `out` is left as it was. `mode` selects Nameprep's query
/// mode (RFC 3454 §7: unassigned code points allowed; never for names you store); `rules` the
/// IDNA rules. Errors: invalid_utf8 first, then that of the first bad label, left to right, then
/// those of the whole name. Never throws except std::bad_alloc.
inline result<void, errc> prepare_domain_append(preparer& prep, std::string_view in, std::string& out,
                                                prep_mode mode = prep_mode::stored,
                                                idna_rules rules = idna_rules::idna2003) {
  if (in.empty()) return unexpected{errc::empty};
  const std::size_t mark = out.size();
  auto fail = [&](errc e) -> result<void, errc> {
    out.resize(mark);
    return unexpected{e};
  };

  // Not UTF-8 is reported as such, whatever else is wrong with the labels before the bad bytes.
  if (!detail::is_ascii(in) && !detail::is_utf8(in)) return unexpected{errc::invalid_utf8};

  if (in.front() == '[') {  // draft §3.1 address-literal, IPv6 form
    const auto address = in.size() >= 3 && in.back() == ']' ? detail::parse_ipv6(in.substr(1, in.size() - 2)) : std::nullopt;
    if (!address) return unexpected{errc::invalid_ip_literal};
    if (in.size() > max_part_bytes) return unexpected{errc::too_long};
    out += '[';
    detail::append_ipv6_canonical(*address, out);
    out += ']';
    return {};
  }

  // One trailing label separator names the same (absolute) domain; remove it.
  std::string_view name = in;
  for (std::size_t len : {std::size_t{1}, std::size_t{3}}) {
    if (name.size() > len && detail::separator_at(name, name.size() - len) == len) {
      name.remove_suffix(len);
      break;
    }
  }

  // draft §3.1 address-literal, IPv4 form: all digits and exactly three dots.
  if (detail::looks_like_ipv4(name)) {
    if (!detail::is_ipv4_literal(name)) return unexpected{errc::invalid_ip_literal};
    out.append(name);
    return {};
  }

  // Checks on the whole prepared name, after the labels (`ace_octets`: its length in ACE form).
  auto finish = [&](std::size_t ace_octets) -> result<void, errc> {
    const std::string_view prepared = std::string_view(out).substr(mark);
    if (prepared.size() > max_part_bytes) return fail(errc::too_long);
    // The rule "digits and three dots is an IPv4 literal" must also hold for the prepared form,
    // or it would not be a fixed point: "1\u3002" "2\u3002" "3\u3002" "999" or fullwidth digits
    // would prepare to a name that no longer parses (found by fuzz/jid.cpp).
    if (detail::looks_like_ipv4(prepared) && !detail::is_ipv4_literal(prepared)) return fail(errc::invalid_ip_literal);
    if (rules == idna_rules::strict && ace_octets > max_domain_octets) return fail(errc::too_long);
    return {};
  };

  if (prep.uses_ascii_fast_path() && detail::is_ascii(name)) {
    // Whole-name ASCII fast path: Nameprep is lower-casing and ToASCII leaves the labels as they
    // are; the same checks, in the same order, as append_label. ACE labels take the general path.
    const std::size_t n0 = out.size();
    out.resize(n0 + name.size());
    char* w = out.data() + n0;
    bool ace = false;
    std::size_t label_start = 0;
    for (std::size_t i = 0; i <= name.size() && !ace; ++i) {
      if (i == name.size() || name[i] == '.') {
        const std::string_view l(w + label_start, i - label_start);
        if (l.empty()) return fail(errc::empty_label);
        ace = detail::starts_with_ace_prefix(l);
        if (!ace)
          if (auto r = detail::check_ascii_label(l); !r) return fail(r.error());
        if (i < name.size()) w[i] = '.';
        label_start = i + 1;
        continue;
      }
      const char c = name[i];
      w[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
    }
    if (!ace) return finish(name.size());
    out.resize(mark);
  }
  // The memo is for names that need ICU; the ASCII path above is cheaper than a lookup.
  const std::uint8_t key = detail::memo_key(mode, rules);
  if (const std::string* known = prep.find_domain(in, key)) {
    out.append(*known);
    return {};
  }
  bool used_icu = false;  // worth remembering (preparer::use_domain_memo)
  std::size_t ace_octets = 0;
  for (std::size_t start = 0, i = 0;;) {
    const std::size_t sep = i < name.size() ? detail::separator_at(name, i) : 0;
    if (i < name.size() && sep == 0) {
      ++i;
      continue;
    }
    const std::string_view label = name.substr(start, i - start);
    if (label.empty()) return fail(errc::empty_label);
    const auto r = detail::append_label(prep, label, mode, rules, out, used_icu);
    if (!r) return fail(r.error());
    ace_octets += *r;
    if (i == name.size()) break;
    out.push_back('.');
    ++ace_octets;
    i += sep;
    start = i;
  }
  if (auto r = finish(ace_octets); !r) return r;
  if (used_icu) prep.remember_domain(in, key, std::string_view(out).substr(mark));
  return {};
}

/// Prepares and validates a domain; returns its stored form. See prepare_domain_append.
inline result<std::string, errc> prepare_domain(preparer& prep, std::string_view in, prep_mode mode = prep_mode::stored,
                                                idna_rules rules = idna_rules::idna2003) {
  std::string out;
  if (auto r = prepare_domain_append(prep, in, out, mode, rules); !r) return unexpected{r.error()};
  return out;
}

/// Appends the ACE form of a domain already in stored form (what prepare_domain() returns and
/// jid::domain() holds): RFC 3490 §4.1 ToASCII of each label, "xn--" + Punycode for a label
/// with a non-ASCII code point, the others (and IP literals) as they are. This is the name to
/// look up in DNS (SRV records), to match against certificates and to use in dialback.
/// Precondition: `stored` is such a stored form (anything else gives an unspecified result).
inline void append_ace(std::string_view stored, std::string& out) {
  std::size_t start = 0;
  for (std::size_t i = 0; i <= stored.size(); ++i) {
    if (i < stored.size() && stored[i] != '.') continue;
    const std::string_view label = stored.substr(start, i - start);
    // A stored non-ASCII label has at most 59 code points (4 bytes each at most in UTF-8), and
    // UTF-16 needs no more units than UTF-8 needs bytes.
    std::array<UChar, 4 * detail::max_punycode_chars> u;
    std::int32_t n = 0;
    if (detail::is_ascii(label) || label.size() > u.size() || (n = detail::utf8_to_utf16(label, u.data())) <= 0 ||
        !detail::to_ascii_non_ascii_label(u.data(), n, &out))
      out += label;
    if (i < stored.size()) out += '.';
    start = i + 1;
  }
}

/// The ACE form of domain `in` (any spelling: it is prepared and validated first, as by
/// prepare_domain): e.g. "B\u00DCCHER.example." gives "xn--bcher-kva.example".
inline result<std::string, errc> to_ace(preparer& prep, std::string_view in, prep_mode mode = prep_mode::stored,
                                        idna_rules rules = idna_rules::idna2003) {
  std::string stored;
  if (auto r = prepare_domain_append(prep, in, stored, mode, rules); !r) return unexpected{r.error()};
  std::string ace;
  append_ace(stored, ace);
  return ace;
}

}  // namespace xmppcore::jid
