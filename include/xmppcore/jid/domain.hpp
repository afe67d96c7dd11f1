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
//  * otherwise an internationalized domain name (draft §3.2, RFC 3490):
//      1. the IDNA label separators U+002E, U+3002, U+FF0E, U+FF61 all split labels
//         (RFC 3490 §3.1 req. 1), and one trailing separator is removed (a fully qualified
//         `example.com.` names the same domain as `example.com`);
//      2. each label is Nameprep'ed (RFC 3491) and must be non-empty;
//      3. each prepared label must pass IDNA ToASCII with UseSTD3ASCIIRules (RFC 3490 §4.1): we
//         ask ICU's UTS #46 implementation (`uidna_labelToASCII`, transitional, STD3 rules; with
//         our flags its checks are per label) and treat any bit of UIDNAInfo.errors as failure
//         (with UTS #46 a failure shows only there, not in the UErrorCode) except
//         UIDNA_ERROR_HYPHEN_3_4: IDNA2003 allows `ab--cd`.
//         So: letters/digits/hyphen for ASCII labels, no leading/trailing hyphen, `xn--` labels
//         must be valid Punycode of a valid label, no label starting with a combining mark;
//      4. labels are at most 63 octets and the whole name at most 253 octets in ACE form
//         (RFC 1035 §2.3.4), and the prepared UTF-8 at most 1023 bytes (draft §3.1).
//    The stored form is the Nameprep'ed labels joined with '.', in Unicode (not ACE): two
//    domains are equal when these forms are (draft §3.2: "apply the Nameprep profile to the
//    labels ... before comparing"). A label given in ACE (`xn--...`) is decoded to that form
//    (ToUnicode, then Nameprep, and ToASCII of the result must give the label back), because
//    RFC 3490 §3.1 req. 3 makes labels with equal ToASCII forms equal: `xn--bcher-kva.example`
//    and `bücher.example` are one domain, not two names for one account (draft §14.10).
//
//
// ASCII fast path: an all-ASCII label that does not start with `xn--` is checked here without
// ICU (STD3: [a-z0-9-], no hyphen at either end, 1-63 octets); tests/jid/domain_test.cpp checks
// that this equals ICU's verdict.
#pragma once

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
inline constexpr std::size_t max_label_octets = 63;   ///< RFC 1035 §2.3.4 / RFC 3490 §4.1 step 8
inline constexpr std::size_t max_domain_octets = 253; ///< RFC 1035 §2.3.4 (255 minus length bytes), ACE form

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

/// STD3 ASCII rules (RFC 1123 §2.1 via RFC 3490 §4.1 step 3) and the length limit on an already
/// lower-cased, non-empty ASCII label, as UIDNA_ERROR_* bits like ICU reports them.
inline std::uint32_t ascii_label_errors(std::string_view l) noexcept {
  std::uint32_t e = 0;
  for (char c : l)
    if (!((c >= 'a' && c <= 'z') || is_digit(c) || c == '-')) e |= UIDNA_ERROR_DISALLOWED;
  if (l.front() == '-') e |= UIDNA_ERROR_LEADING_HYPHEN;
  if (l.back() == '-') e |= UIDNA_ERROR_TRAILING_HYPHEN;
  if (l.size() > max_label_octets) e |= UIDNA_ERROR_LABEL_TOO_LONG;
  return e;
}

/// One errc for a set of UIDNA_ERROR_* bits, with a fixed precedence so that the ASCII fast path
/// and ICU report the same error for the same name.
inline result<void, errc> map_idna_errors(std::uint32_t errors) noexcept {
  // IDNA2003 (RFC 3490) has no rule against "--" in positions 3-4 of a non-ACE label.
  errors &= ~static_cast<std::uint32_t>(UIDNA_ERROR_HYPHEN_3_4);
  constexpr std::uint32_t length_bits =
      UIDNA_ERROR_LABEL_TOO_LONG | UIDNA_ERROR_EMPTY_LABEL | UIDNA_ERROR_DOMAIN_NAME_TOO_LONG;
  if (errors & ~length_bits) return unexpected{errc::invalid_label};
  if (errors & UIDNA_ERROR_EMPTY_LABEL) return unexpected{errc::empty_label};
  if (errors & UIDNA_ERROR_LABEL_TOO_LONG) return unexpected{errc::label_too_long};
  if (errors & UIDNA_ERROR_DOMAIN_NAME_TOO_LONG) return unexpected{errc::domain_too_long};
  return {};
}

inline bool starts_with_ace_prefix(std::string_view l) noexcept {
  return l.size() >= 4 && (l[0] == 'x' || l[0] == 'X') && (l[1] == 'n' || l[1] == 'N') && l[2] == '-' &&
         l[3] == '-';
}

/// True if prepared UTF-16 contains an IDNA label separator (RFC 3490 §3.1). Nameprep's NFKC can
/// create one (U+2024 ONE DOT LEADER becomes '.'); such a label fails ToASCII's STD3 check.
inline bool has_separator(const UChar* u, std::int32_t n) noexcept {
  for (std::int32_t i = 0; i < n; ++i)
    if (u[i] == 0x2E || u[i] == 0x3002 || u[i] == 0xFF0E || u[i] == 0xFF61) return true;
  return false;
}

/// RFC 3490 §4.1 ToASCII of one prepared label through ICU UTS #46 (`uidna_labelToASCII`). Adds
/// UIDNAInfo.errors to `errors` (with UTS #46 a failure shows only there, not in the status) and
/// returns the length of the ACE form, or -1 if ICU itself failed. With `ace`, the ACE form is
/// also written there.
inline std::int32_t uts46_label(const UIDNA* idna, const UChar* label, std::int32_t len, std::uint32_t& errors,
                                std::string* ace = nullptr) {
  if (!idna) return -1;
  std::array<UChar, 128> stack;
  std::unique_ptr<UChar[]> heap;
  UChar* dst = stack.data();
  std::int32_t cap = static_cast<std::int32_t>(stack.size());
  UIDNAInfo info = UIDNA_INFO_INITIALIZER;
  UErrorCode st = U_ZERO_ERROR;
  std::int32_t n = uidna_labelToASCII(idna, label, len, dst, cap, &info, &st);
  if (st == U_BUFFER_OVERFLOW_ERROR) {
    cap = n;
    heap.reset(new UChar[static_cast<std::size_t>(cap)]);
    dst = heap.get();
    info = UIDNA_INFO_INITIALIZER;
    st = U_ZERO_ERROR;
    n = uidna_labelToASCII(idna, label, len, dst, cap, &info, &st);
  }
  if (U_FAILURE(st)) return -1;
  errors |= info.errors;
  if (ace) utf16_to_utf8(dst, n, *ace);
  return n;
}

/// The stored (Unicode, Nameprep'ed) form of a valid ACE label, appended to `out`; false when
/// `ace` (lower-case ASCII, ToASCII already passed) is not the ACE form of a valid label. RFC 3490
/// §4.2: ToUnicode decodes, and ToASCII of the result must give the label back (step 7); so
/// every domain has exactly one stored form, whichever way it was spelled.
inline bool append_ace_label_as_unicode(preparer& prep, std::string_view ace, bool allow_unassigned, std::string& out) {
  const UIDNA* idna = prep.uts46();
  if (!idna || ace.size() > max_label_octets) return false;
  std::array<UChar, max_label_octets> in;
  for (std::size_t i = 0; i < ace.size(); ++i) in[i] = static_cast<UChar>(static_cast<unsigned char>(ace[i]));
  std::array<UChar, 2 * max_label_octets> dec;
  UIDNAInfo info = UIDNA_INFO_INITIALIZER;
  UErrorCode st = U_ZERO_ERROR;
  const std::int32_t n = uidna_labelToUnicode(idna, in.data(), static_cast<std::int32_t>(ace.size()), dec.data(),
                                              static_cast<std::int32_t>(dec.size()), &info, &st);
  if (U_FAILURE(st) || info.errors) return false;
  std::string decoded;
  utf16_to_utf8(dec.data(), n, decoded);
  u16_buffer buf;
  if (!prepare_icu_utf16(prep.handle(profile::nameprep), decoded, allow_unassigned, buf)) return false;
  if (has_separator(buf.data, buf.len)) return false;
  std::uint32_t errors = 0;
  std::string back;
  if (uts46_label(idna, buf.data, buf.len, errors, &back) < 0) return false;
  if ((errors & ~static_cast<std::uint32_t>(UIDNA_ERROR_HYPHEN_3_4)) || back != ace) return false;
  utf16_to_utf8(buf.data, buf.len, out);
  return true;
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

}  // namespace detail

/// Prepares and validates domain `in` (draft §3.2, rules at the top of this file) and appends
/// the stored form to `out`. On error `out` is left as it was. `allow_unassigned` selects
/// Nameprep query mode (RFC 3454 §7). Never throws except std::bad_alloc.
inline result<void, errc> prepare_domain_append(preparer& prep, std::string_view in, std::string& out,
                                                bool allow_unassigned = false) {
  if (in.empty()) return unexpected{errc::empty};
  const std::size_t mark = out.size();
  auto fail = [&](errc e) -> result<void, errc> {
    out.resize(mark);
    return unexpected{e};
  };

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

  const bool fast = prep.uses_ascii_fast_path();
  if (fast && detail::is_ascii(name)) {
    // Whole-name ASCII fast path: Nameprep is lower-casing, STD3 checked here (same verdicts as
    // the per-label loop below; tests compare both with ICU). ACE labels take the general path.
    const std::size_t n0 = out.size();
    out.resize(n0 + name.size());
    char* w = out.data() + n0;
    std::uint32_t errors = 0;
    bool ace = false;
    std::size_t label_start = 0;
    for (std::size_t i = 0; i <= name.size(); ++i) {
      if (i == name.size() || name[i] == '.') {
        const std::string_view l(w + label_start, i - label_start);
        if (l.empty()) return fail(in == "." ? errc::empty : errc::empty_label);
        ace |= detail::starts_with_ace_prefix(l);
        errors |= detail::ascii_label_errors(l);
        if (i < name.size()) w[i] = '.';
        label_start = i + 1;
        continue;
      }
      const char c = name[i];
      w[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
    }
    if (!ace) {
      const std::string_view prepared(w, name.size());
      if (prepared.size() > max_part_bytes) return fail(errc::too_long);
      if (detail::looks_like_ipv4(prepared) && !detail::is_ipv4_literal(prepared)) return fail(errc::invalid_ip_literal);
      if (prepared.size() > max_domain_octets) errors |= UIDNA_ERROR_DOMAIN_NAME_TOO_LONG;
      if (auto r = detail::map_idna_errors(errors); !r) return fail(r.error());
      return {};
    }
    out.resize(mark);  // an ACE label: ICU must validate its Punycode
  }
  // The memo is for names that need ICU; the ASCII path above is cheaper than a lookup.
  if (const std::string* known = prep.find_domain(in, allow_unassigned)) {
    out.append(*known);
    return {};
  }
  bool used_icu = false;          // worth remembering (preparer::use_domain_memo)
  std::uint32_t idna_errors = 0;  // UIDNA_ERROR_* bits over all labels, from ICU or the ASCII check
  std::size_t ace_octets = 0;     // length of the whole name in ACE form
  detail::u16_buffer buf;
  std::size_t start = 0;
  for (std::size_t i = 0;; ) {
    const std::size_t sep = i < name.size() ? detail::separator_at(name, i) : 0;
    if (i < name.size() && sep == 0) { ++i; continue; }
    const std::string_view label = name.substr(start, i - start);
    if (label.empty()) return fail(in == "." ? errc::empty : errc::empty_label);
    const std::size_t label_mark = out.size();
    bool check_with_icu = true;
    if (fast && detail::is_ascii(label)) {
      // Nameprep of ASCII is lower-casing (stringprep.hpp); STD3 rules checked here, except for
      // ACE labels, whose Punycode ICU must validate.
      for (char c : label) out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c);
      const std::string_view l = std::string_view(out).substr(label_mark);
      if (!detail::starts_with_ace_prefix(l)) {
        idna_errors |= detail::ascii_label_errors(l);
        ace_octets += l.size();
        check_with_icu = false;
      } else {
        UChar* u = buf.reserve(static_cast<std::int32_t>(l.size()));
        for (std::size_t k = 0; k < l.size(); ++k) u[k] = static_cast<UChar>(l[k]);
        buf.len = static_cast<std::int32_t>(l.size());
      }
    } else {
      auto r = detail::prepare_icu_utf16(prep.handle(profile::nameprep), label, allow_unassigned, buf);
      if (!r) return fail(r.error() == prep_error::empty ? errc::empty_label : to_errc(r.error()));
      if (detail::has_separator(buf.data, buf.len)) return fail(errc::invalid_label);
      detail::utf16_to_utf8(buf.data, buf.len, out);
    }
    if (check_with_icu) {
      used_icu = true;
      std::uint32_t label_errors = 0;
      const std::int32_t n = detail::uts46_label(prep.uts46(), buf.data, buf.len, label_errors);
      if (n < 0) return fail(errc::resource_failure);
      ace_octets += static_cast<std::size_t>(n);
      idna_errors |= label_errors;
      // An ACE label is stored decoded (see the file comment), once it passed ToASCII.
      const std::string_view prepared_label = std::string_view(out).substr(label_mark);
      if (!(label_errors & ~static_cast<std::uint32_t>(UIDNA_ERROR_HYPHEN_3_4)) &&
          detail::starts_with_ace_prefix(prepared_label) && detail::is_ascii(prepared_label)) {
        const std::string ace(prepared_label);
        out.resize(label_mark);
        // Not the ACE form of a valid label: an IDNA error like the others, reported (as
        // invalid-label) after the whole name was checked, as the ASCII fast path would.
        if (!detail::append_ace_label_as_unicode(prep, ace, allow_unassigned, out)) {
          out.append(ace);
          idna_errors |= UIDNA_ERROR_PUNYCODE;
        }
      }
    }
    if (i == name.size()) break;
    out.push_back('.');
    ++ace_octets;
    i += sep;
    start = i;
  }
  const std::string_view prepared = std::string_view(out).substr(mark);
  if (prepared.size() > max_part_bytes) return fail(errc::too_long);
  // The rule "digits and three dots is an IPv4 literal" must also hold for the prepared form,
  // or it would not be a fixed point: "1\u3002" "2\u3002" "3\u3002" "999" or fullwidth digits
  // would prepare to a name that no longer parses (found by fuzz/jid.cpp).
  if (detail::looks_like_ipv4(prepared) && !detail::is_ipv4_literal(prepared)) return fail(errc::invalid_ip_literal);
  if (ace_octets > max_domain_octets) idna_errors |= UIDNA_ERROR_DOMAIN_NAME_TOO_LONG;
  if (auto r = detail::map_idna_errors(idna_errors); !r) return fail(r.error());
  if (used_icu) prep.remember_domain(in, allow_unassigned, prepared);
  return {};
}

/// Prepares and validates a domain; returns its stored form. See prepare_domain_append.
inline result<std::string, errc> prepare_domain(preparer& prep, std::string_view in, bool allow_unassigned = false) {
  std::string out;
  if (auto r = prepare_domain_append(prep, in, out, allow_unassigned); !r) return unexpected{r.error()};
  return out;
}

}  // namespace xmppcore::jid
