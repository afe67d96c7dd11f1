// xmppcore — character classes of XML 1.0 (5th edition) and a strict UTF-8 decoder.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <string_view>

namespace xmppcore::xml::detail {

/// Byte classes for the ASCII hot loops.
enum : std::uint8_t {
  cc_text = 1,        // may appear verbatim in character data (not < & > ] \r, not a control)
  cc_attr = 2,        // may appear verbatim in an attribute value (not < & ' " \r \n \t, not a control)
  cc_name_start = 4,  // ASCII NameStartChar except ':' (handled apart for NCName rules)
  cc_name = 8,        // ASCII NameChar except ':'
  cc_space = 16,      // S ::= (#x20 | #x9 | #xD | #xA)+   (XML 1.0 §2.3 [3])
};

inline constexpr std::array<std::uint8_t, 256> char_class = [] {
  std::array<std::uint8_t, 256> t{};
  for (int c = 0x20; c < 0x80; ++c) {
    t[c] |= cc_text | cc_attr;
  }
  t['\t'] |= cc_text;
  t['\n'] |= cc_text;
  for (char c : {'<', '&', '>', ']'}) t[static_cast<unsigned char>(c)] &= static_cast<std::uint8_t>(~cc_text);
  for (char c : {'<', '&', '\'', '"'}) t[static_cast<unsigned char>(c)] &= static_cast<std::uint8_t>(~cc_attr);
  for (int c = 'a'; c <= 'z'; ++c) t[c] |= cc_name_start | cc_name;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] |= cc_name_start | cc_name;
  t['_'] |= cc_name_start | cc_name;
  for (int c = '0'; c <= '9'; ++c) t[c] |= cc_name;
  t['-'] |= cc_name;
  t['.'] |= cc_name;
  for (char c : {' ', '\t', '\r', '\n'}) t[static_cast<unsigned char>(c)] |= cc_space;
  return t;
}();

inline constexpr bool is_space(unsigned char c) noexcept { return char_class[c] & cc_space; }

/// XML 1.0 §2.2 [2] Char, for code points >= 0x80 (the decoder already
/// excluded surrogates and values above U+10FFFF).
inline constexpr bool is_char_nonascii(std::uint32_t cp) noexcept {
  return cp != 0xFFFE && cp != 0xFFFF;
}

/// XML 1.0 §2.2 [2] Char for any code point (used for character references).
inline constexpr bool is_char(std::uint32_t cp) noexcept {
  return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
         (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

/// XML 1.0 (5th ed.) §2.3 [4] NameStartChar, for code points >= 0x80.
inline constexpr bool is_name_start_nonascii(std::uint32_t c) noexcept {
  return (c >= 0xC0 && c <= 0xD6) || (c >= 0xD8 && c <= 0xF6) || (c >= 0xF8 && c <= 0x2FF) ||
         (c >= 0x370 && c <= 0x37D) || (c >= 0x37F && c <= 0x1FFF) || (c >= 0x200C && c <= 0x200D) ||
         (c >= 0x2070 && c <= 0x218F) || (c >= 0x2C00 && c <= 0x2FEF) || (c >= 0x3001 && c <= 0xD7FF) ||
         (c >= 0xF900 && c <= 0xFDCF) || (c >= 0xFDF0 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0xEFFFF);
}

/// XML 1.0 (5th ed.) §2.3 [4a] NameChar, for code points >= 0x80.
inline constexpr bool is_name_nonascii(std::uint32_t c) noexcept {
  return is_name_start_nonascii(c) || c == 0xB7 || (c >= 0x300 && c <= 0x36F) || (c >= 0x203F && c <= 0x2040);
}

/// The first byte in [p, end) that is not plain character data: a control
/// character, a byte >= 0x80, '<', '&' or '>' (SSE2: 16 bytes per step).
inline const char* find_text_special(const char* p, const char* end) noexcept {
#if defined(__SSE2__)
  const __m128i sp = _mm_set1_epi8(0x20), lt = _mm_set1_epi8('<'), amp = _mm_set1_epi8('&'), gt = _mm_set1_epi8('>');
  while (end - p >= 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    // signed compare: bytes >= 0x80 are negative, so "< 0x20" catches them too
    const __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(v, sp), _mm_cmpeq_epi8(v, lt)),
                                   _mm_or_si128(_mm_cmpeq_epi8(v, amp), _mm_cmpeq_epi8(v, gt)));
    if (const int mask = _mm_movemask_epi8(m)) return p + __builtin_ctz(static_cast<unsigned>(mask));
    p += 16;
  }
#endif
  while (p < end) {
    const auto c = static_cast<unsigned char>(*p);
    if (c < 0x20 || c >= 0x80 || c == '<' || c == '&' || c == '>') break;
    ++p;
  }
  return p;
}

/// The first byte in [p, end) that is not plain in an attribute value: a
/// control character, a byte >= 0x80, '<', '&', '\'' or '"'.
inline const char* find_attr_special(const char* p, const char* end) noexcept {
#if defined(__SSE2__)
  const __m128i sp = _mm_set1_epi8(0x20), lt = _mm_set1_epi8('<'), amp = _mm_set1_epi8('&'), q1 = _mm_set1_epi8('\''),
                q2 = _mm_set1_epi8('"');
  while (end - p >= 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(v, sp), _mm_cmpeq_epi8(v, lt)),
                                   _mm_or_si128(_mm_cmpeq_epi8(v, amp), _mm_or_si128(_mm_cmpeq_epi8(v, q1), _mm_cmpeq_epi8(v, q2))));
    if (const int mask = _mm_movemask_epi8(m)) return p + __builtin_ctz(static_cast<unsigned>(mask));
    p += 16;
  }
#endif
  while (p < end) {
    const auto c = static_cast<unsigned char>(*p);
    if (c < 0x20 || c >= 0x80 || c == '<' || c == '&' || c == '\'' || c == '"') break;
    ++p;
  }
  return p;
}

/// The first byte in [p, end) that is not an ASCII NameChar other than ':'
/// (XML §2.3 [4a] restricted to [A-Za-z0-9._-]; SSE2: 16 bytes per step, so
/// a short name ends without a per-byte loop exit).
inline const char* find_name_end(const char* p, const char* end) noexcept {
#if defined(__SSE2__)
  // x in [lo, lo + n) iff (x + 0x80 - lo) mod 256, read as a signed byte, is
  // below -128 + n (SSE2 compares signed bytes only).
  const __m128i alpha_bias = _mm_set1_epi8(static_cast<char>(0x80 - 'a')), alpha_lim = _mm_set1_epi8(-128 + 26),
                digit_bias = _mm_set1_epi8(static_cast<char>(0x80 - '0')), digit_lim = _mm_set1_epi8(-128 + 10),
                case_bit = _mm_set1_epi8(0x20), us = _mm_set1_epi8('_'), dot = _mm_set1_epi8('.'),
                dash = _mm_set1_epi8('-');
  while (end - p >= 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i alpha = _mm_cmplt_epi8(_mm_add_epi8(_mm_or_si128(v, case_bit), alpha_bias), alpha_lim);
    const __m128i digit = _mm_cmplt_epi8(_mm_add_epi8(v, digit_bias), digit_lim);
    const __m128i other = _mm_or_si128(_mm_cmpeq_epi8(v, us), _mm_or_si128(_mm_cmpeq_epi8(v, dot), _mm_cmpeq_epi8(v, dash)));
    const auto ok = static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(alpha, digit), other)));
    if (ok != 0xFFFFu) return p + __builtin_ctz(~ok);
    p += 16;
  }
#endif
  while (p < end && (char_class[static_cast<unsigned char>(*p)] & cc_name)) ++p;
  return p;
}

/// Whether the n bytes at a and b are equal: two overlapping loads per side
/// for the short names of end tags (1-16 bytes), memcmp beyond. Reads
/// nothing outside [a, a + n) and [b, b + n).
inline bool same_bytes(const char* a, const char* b, std::size_t n) noexcept {
  auto load8 = [](const char* p) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
  };
  auto load4 = [](const char* p) {
    std::uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
  };
  if (n >= 8) {
    if (n > 16) return std::memcmp(a, b, n) == 0;
    return ((load8(a) ^ load8(b)) | (load8(a + n - 8) ^ load8(b + n - 8))) == 0;
  }
  if (n >= 4) return ((load4(a) ^ load4(b)) | (load4(a + n - 4) ^ load4(b + n - 4))) == 0;
  for (std::size_t i = 0; i < n; ++i)
    if (a[i] != b[i]) return false;
  return true;
}

/// Result of decoding one UTF-8 sequence.
enum class utf8_status : std::uint8_t { ok, need_more, invalid };

/// Decodes one UTF-8 sequence starting at p (a byte >= 0x80), strictly per
/// RFC 3629 §4: no overlongs, no surrogates, nothing above U+10FFFF. When the
/// available bytes are a valid but incomplete prefix, reports need_more.
inline utf8_status decode_utf8(const unsigned char* p, const unsigned char* end, std::uint32_t& cp,
                               unsigned& len) noexcept {
  const unsigned char b0 = p[0];
  unsigned char lo = 0x80, hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
    cp = b0 & 0x1Fu;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    cp = b0 & 0x0Fu;
    if (b0 == 0xE0) lo = 0xA0;  // overlong
    if (b0 == 0xED) hi = 0x9F;  // surrogates U+D800..DFFF
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    cp = b0 & 0x07u;
    if (b0 == 0xF0) lo = 0x90;  // overlong
    if (b0 == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return utf8_status::invalid;
  }
  for (unsigned i = 1; i < len; ++i) {
    if (p + i >= end) return utf8_status::need_more;
    const unsigned char b = p[i];
    if (b < (i == 1 ? lo : 0x80) || b > (i == 1 ? hi : 0xBF)) return utf8_status::invalid;
    cp = (cp << 6) | (b & 0x3Fu);
  }
  return utf8_status::ok;
}

/// XML 1.0 §2.3 [5] Name (':' allowed anywhere), for entity names.
inline bool is_xml_name(std::string_view s) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  bool first = true;
  while (p < end) {
    const unsigned char c = *p;
    if (c < 0x80) {
      const bool ok = c == ':' || (char_class[c] & (first ? cc_name_start : cc_name));
      if (!ok) return false;
      ++p;
    } else {
      std::uint32_t cp;
      unsigned len;
      if (decode_utf8(p, end, cp, len) != utf8_status::ok) return false;
      if (!(first ? is_name_start_nonascii(cp) : is_name_nonascii(cp))) return false;
      p += len;
    }
    first = false;
  }
  return !first;
}

/// Appends the UTF-8 encoding of a valid code point to out; returns its length.
inline unsigned encode_utf8(std::uint32_t cp, char* out) noexcept {
  if (cp < 0x80) {
    out[0] = static_cast<char>(cp);
    return 1;
  }
  if (cp < 0x800) {
    out[0] = static_cast<char>(0xC0 | (cp >> 6));
    out[1] = static_cast<char>(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = static_cast<char>(0xE0 | (cp >> 12));
    out[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out[2] = static_cast<char>(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = static_cast<char>(0xF0 | (cp >> 18));
  out[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
  out[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
  out[3] = static_cast<char>(0x80 | (cp & 0x3F));
  return 4;
}

/// Result of checking one non-ASCII character in the input.
enum class char_status : std::uint8_t { ok, need_more, invalid_utf8, not_a_char };

/// The sequence at p (a byte >= 0x80, p < end) as an XML Char (XML §2.2 [2]):
/// ok with its length, need_more when the input ends inside a valid prefix,
/// else why it is refused. The one check every scanner of the parser and the
/// writer shares.
inline char_status xml_char_at(const char* p, const char* end, unsigned& len) noexcept {
  std::uint32_t cp;
  switch (decode_utf8(reinterpret_cast<const unsigned char*>(p), reinterpret_cast<const unsigned char*>(end), cp, len)) {
    case utf8_status::ok: return is_char_nonascii(cp) ? char_status::ok : char_status::not_a_char;
    case utf8_status::need_more: return char_status::need_more;
    case utf8_status::invalid: break;
  }
  return char_status::invalid_utf8;
}

/// Past the longest run at p of whole non-ASCII characters that are XML Chars
/// (RFC 3629 §4 well-formed sequences minus U+FFFE and U+FFFF, XML §2.2 [2]):
/// what xml_char_at() accepts one at a time, with the byte ranges compared
/// directly instead of decoding. Stops at an ASCII byte, the end, or the
/// first sequence that is cut, malformed or not a Char, leaving its verdict
/// to xml_char_at(). The hot loop of non-ASCII text and attribute values.
inline const char* skip_nonascii_chars(const char* p, const char* end) noexcept {
  while (p < end) {
    const auto b0 = static_cast<unsigned char>(p[0]);
    const auto avail = end - p;
    if (b0 < 0xC2 || avail < 2) break;  // ASCII, a stray continuation byte, an overlong C0/C1 lead
    const auto b1 = static_cast<unsigned char>(p[1]);
    if (b0 < 0xE0) {  // U+0080..U+07FF
      if ((b1 & 0xC0) != 0x80) break;
      p += 2;
      continue;
    }
    if (avail < 3) break;
    const auto b2 = static_cast<unsigned char>(p[2]);
    if (b0 < 0xF0) {  // U+0800..U+FFFF: E0 needs A0..BF (no overlong), ED 80..9F (no surrogate)
      const unsigned lo = b0 == 0xE0 ? 0xA0u : 0x80u, hi = b0 == 0xED ? 0x9Fu : 0xBFu;
      if (b1 < lo || b1 > hi || (b2 & 0xC0) != 0x80) break;
      if (b0 == 0xEF && b1 == 0xBF && b2 >= 0xBE) break;  // U+FFFE, U+FFFF: not Chars
      p += 3;
      continue;
    }
    if (b0 > 0xF4 || avail < 4) break;
    const auto b3 = static_cast<unsigned char>(p[3]);
    // U+10000..U+10FFFF: F0 needs 90..BF (no overlong), F4 80..8F (nothing above U+10FFFF)
    const unsigned lo = b0 == 0xF0 ? 0x90u : 0x80u, hi = b0 == 0xF4 ? 0x8Fu : 0xBFu;
    if (b1 < lo || b1 > hi || (b2 & 0xC0) != 0x80 || (b3 & 0xC0) != 0x80) break;
    p += 4;
  }
  return p;
}

/// The parser's wording of a refused character.
constexpr std::string_view char_error(char_status s) noexcept {
  return s == char_status::invalid_utf8 ? "invalid UTF-8" : "character not allowed in XML";
}

}  // namespace xmppcore::xml::detail
