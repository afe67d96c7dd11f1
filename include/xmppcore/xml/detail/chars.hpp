// xmppcore — character classes of XML 1.0 (5th edition) and a strict UTF-8 decoder.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
// AVX2 paths are compiled for x86-64 with GCC or clang whatever the build
// flags (a target attribute per function) and taken only when the CPU has
// AVX2 (checked at run time): one header serves every x86-64 machine.
#if defined(__x86_64__) && defined(__GNUC__)
#define XMPPCORE_XML_AVX2 1
#include <immintrin.h>
#else
#define XMPPCORE_XML_AVX2 0
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

#if XMPPCORE_XML_AVX2
/// Whether the CPU running this has AVX2 (cpuid, cached by the runtime).
inline bool cpu_has_avx2() noexcept { return __builtin_cpu_supports("avx2") != 0; }

/// The UTF-8 check of a 32-byte block works on the high and low nibble of
/// the previous byte and the high nibble of the current one: each error
/// below is a conjunction of one set of values per nibble, so three table
/// lookups ANDed together flag every byte pair that breaks RFC 3629 §4
/// (after Keiser and Lemire, "Validating UTF-8 in less than one instruction
/// per byte", 2021). The tables are built here from those sets.
namespace utf8_nibbles {
enum : std::uint8_t {
  too_short = 0x01,   // a lead byte not followed by a continuation byte
  too_long = 0x02,    // ASCII followed by a continuation byte
  overlong_3 = 0x04,  // E0 80..9F
  too_large = 0x08,   // F4 90..BF, F5..FF 90..BF
  surrogate = 0x10,   // ED A0..BF
  overlong_2 = 0x20,  // C0, C1 with a continuation byte
  f0_f5_80 = 0x40,    // F0 80..8F (overlong), F5..FF 80..8F (too large)
  two_conts = 0x80,   // a continuation byte after a continuation byte
};
struct nibble_sets {
  std::uint16_t hi1, lo1, hi2;  // bit n: nibble value n is in the set
};
constexpr std::uint16_t range(int a, int b) { return static_cast<std::uint16_t>(((1u << (b + 1)) - 1) & ~((1u << a) - 1)); }
inline constexpr nibble_sets sets[8] = {
    {range(0xC, 0xF), range(0, 0xF), static_cast<std::uint16_t>(range(0, 7) | range(0xC, 0xF))},  // too_short
    {range(0, 7), range(0, 0xF), range(8, 0xB)},                                                   // too_long
    {range(0xE, 0xE), range(0, 0), range(8, 9)},                                                   // overlong_3
    {range(0xF, 0xF), range(4, 0xF), range(9, 0xB)},                                               // too_large
    {range(0xE, 0xE), range(0xD, 0xD), range(0xA, 0xB)},                                           // surrogate
    {range(0xC, 0xC), range(0, 1), range(8, 0xB)},                                                 // overlong_2
    {range(0xF, 0xF), static_cast<std::uint16_t>(range(0, 0) | range(5, 0xF)), range(8, 8)},       // f0_f5_80
    {range(8, 0xB), range(0, 0xF), range(8, 0xB)},                                                 // two_conts
};
// which: 0 = high nibble of the previous byte, 1 = its low nibble, 2 = high nibble of this byte
constexpr std::array<std::uint8_t, 32> table(int which) {
  std::array<std::uint8_t, 32> t{};
  for (int v = 0; v < 16; ++v) {
    std::uint8_t bits = 0;
    for (int b = 0; b < 8; ++b) {
      const std::uint16_t set = which == 0 ? sets[b].hi1 : which == 1 ? sets[b].lo1 : sets[b].hi2;
      if (set & (1u << v)) bits = static_cast<std::uint8_t>(bits | (1u << b));
    }
    t[v] = t[v + 16] = bits;  // the same in both 128-bit lanes (vpshufb looks up per lane)
  }
  return t;
}
inline constexpr std::array<std::uint8_t, 32> prev_hi = table(0), prev_lo = table(1), cur_hi = table(2);
}  // namespace utf8_nibbles

/// AVX2, character data (XML §2.4, §2.2): from p (a character boundary),
/// 32 bytes at a time while at least 32 remain, past plain bytes (ASCII
/// other than '<', '&', '>' and control characters; TAB and LF are plain
/// here) and whole non-ASCII characters that are XML Chars. Returns the first
/// '<', '&', '>' or control character when everything before it is valid;
/// otherwise a character boundary at or before the first byte it could not
/// vouch for (a malformed or cut sequence, U+FFFE/U+FFFF, the last bytes),
/// for the scalar scanners to go on from. Never past a byte they would stop at.
[[gnu::target("avx2")]] inline const char* skip_text_avx2(const char* p, const char* end) noexcept {
  using namespace utf8_nibbles;
  const char* const start = p;
  const __m256i t_prev_hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(prev_hi.data()));
  const __m256i t_prev_lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(prev_lo.data()));
  const __m256i t_cur_hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(cur_hi.data()));
  const __m256i nib = _mm256_set1_epi8(0x0F), lt = _mm256_set1_epi8('<'), amp = _mm256_set1_epi8('&'),
                gt = _mm256_set1_epi8('>'), tab = _mm256_set1_epi8('\t'), lf = _mm256_set1_epi8('\n'),
                c1f = _mm256_set1_epi8(0x1F), e0 = _mm256_set1_epi8(static_cast<char>(0xE0)),
                f0 = _mm256_set1_epi8(static_cast<char>(0xF0)), ef = _mm256_set1_epi8(static_cast<char>(0xEF)),
                bf = _mm256_set1_epi8(static_cast<char>(0xBF)), one = _mm256_set1_epi8(1),
                top = _mm256_set1_epi8(static_cast<char>(0x80)), zero = _mm256_setzero_si256();
  __m256i prev = zero;  // the bytes before p count as ASCII: p is a character boundary
  while (end - p >= 32) {
    const __m256i in = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    // the previous 1, 2, 3 bytes of each byte (across the 128-bit lanes and the blocks)
    const __m256i carry = _mm256_permute2x128_si256(prev, in, 0x21);
    const __m256i prev1 = _mm256_alignr_epi8(in, carry, 15), prev2 = _mm256_alignr_epi8(in, carry, 14),
                  prev3 = _mm256_alignr_epi8(in, carry, 13);
    const __m256i special_pairs =
        _mm256_and_si256(_mm256_and_si256(_mm256_shuffle_epi8(t_prev_hi, _mm256_and_si256(_mm256_srli_epi16(prev1, 4), nib)),
                                          _mm256_shuffle_epi8(t_prev_lo, _mm256_and_si256(prev1, nib))),
                         _mm256_shuffle_epi8(t_cur_hi, _mm256_and_si256(_mm256_srli_epi16(in, 4), nib)));
    // Third and fourth bytes of a sequence must be continuation bytes, and
    // there two_conts is no error: the XOR clears it where it is expected and
    // sets it where a continuation byte is missing.
    const __m256i must_cont = _mm256_or_si256(_mm256_cmpeq_epi8(_mm256_max_epu8(prev2, e0), prev2),
                                              _mm256_cmpeq_epi8(_mm256_max_epu8(prev3, f0), prev3));
    const __m256i err = _mm256_xor_si256(special_pairs, _mm256_and_si256(must_cont, top));
    // EF BF BE and EF BF BF: U+FFFE and U+FFFF are not Chars
    const __m256i nonchar = _mm256_and_si256(_mm256_and_si256(_mm256_cmpeq_epi8(prev2, ef), _mm256_cmpeq_epi8(prev1, bf)),
                                             _mm256_cmpeq_epi8(_mm256_or_si256(in, one), bf));
    const __m256i control = _mm256_andnot_si256(_mm256_or_si256(_mm256_cmpeq_epi8(in, tab), _mm256_cmpeq_epi8(in, lf)),
                                                _mm256_cmpeq_epi8(_mm256_min_epu8(in, c1f), in));
    const __m256i markup = _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(in, lt), _mm256_cmpeq_epi8(in, amp)),
                                           _mm256_or_si256(_mm256_cmpeq_epi8(in, gt), control));
    const auto bad = ~static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(err, zero))) |
                     static_cast<std::uint32_t>(_mm256_movemask_epi8(nonchar));
    const auto stop = static_cast<std::uint32_t>(_mm256_movemask_epi8(markup));
    if ((bad | stop) != 0) {
      if (stop != 0) {
        const unsigned j = static_cast<unsigned>(__builtin_ctz(stop));
        // everything up to the stop byte checked out (an error at the stop
        // byte itself is a sequence it cuts short)
        const std::uint32_t upto = j == 31 ? 0xFFFFFFFFu : (2u << j) - 1;
        if ((bad & upto) == 0) return p + j;
      }
      break;
    }
    prev = in;
    p += 32;
  }
  // The last block checked may end inside a sequence whose rest is unchecked:
  // go back to the lead byte of its last character (at most three
  // continuation bytes follow it), which the scalar scanners then read whole.
  if (p != start) {
    const char* q = p - 1;
    while (q > p - 4 && (static_cast<unsigned char>(*q) & 0xC0) == 0x80) --q;
    if (static_cast<unsigned char>(*q) >= 0xC0) p = q;
  }
  return p;
}
#endif

/// The parser's wording of a refused character.
constexpr std::string_view char_error(char_status s) noexcept {
  return s == char_status::invalid_utf8 ? "invalid UTF-8" : "character not allowed in XML";
}

}  // namespace xmppcore::xml::detail
