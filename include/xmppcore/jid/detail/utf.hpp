// xmppcore — strict UTF-8 <-> UTF-16 transcoding for the ICU calls of jid/.
//
// ICU's C API works on UTF-16. We decode ourselves so that "invalid UTF-8" has
// one exact meaning everywhere in jid/ (RFC 3629 §3/§4: no overlongs, no
// surrogates, nothing above U+10FFFF, no truncated sequences) and does not
// depend on ICU's lenient or substituting modes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace xmppcore::jid::detail {

/// True when every byte of `s` is below 0x80.
inline bool is_ascii(std::string_view s) noexcept {
  unsigned char acc = 0;
  for (char c : s) acc |= static_cast<unsigned char>(c);
  return acc < 0x80;
}

/// Decodes one UTF-8 scalar value starting at s[i]; advances i. Returns
/// 0xFFFFFFFF on any ill-formed sequence (RFC 3629 §4 syntax).
inline char32_t decode_utf8(std::string_view s, std::size_t& i) noexcept {
  constexpr char32_t bad = 0xFFFFFFFFu;
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) { ++i; return b0; }
  std::size_t n = 0;
  char32_t cp = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) { n = 1; cp = b0 & 0x1Fu; }
  else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 2; cp = b0 & 0x0Fu;
    if (b0 == 0xE0) lo = 0xA0;        // no overlongs
    if (b0 == 0xED) hi = 0x9F;        // no UTF-16 surrogates (RFC 3629 §3)
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 3; cp = b0 & 0x07u;
    if (b0 == 0xF0) lo = 0x90;        // no overlongs
    if (b0 == 0xF4) hi = 0x8F;        // nothing above U+10FFFF
  } else {
    return bad;                       // C0, C1, F5..FF, or a stray continuation byte
  }
  if (s.size() - i <= n) return bad;  // truncated
  for (std::size_t k = 1; k <= n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) return bad;
    cp = (cp << 6) | (b & 0x3Fu);
  }
  i += n + 1;
  return cp;
}

/// True when `s` is well-formed UTF-8 (RFC 3629).
inline bool is_utf8(std::string_view s) noexcept {
  for (std::size_t i = 0; i < s.size();)
    if (decode_utf8(s, i) == 0xFFFFFFFFu) return false;
  return true;
}

/// Appends the UTF-16 form of UTF-8 `s` to `out` (capacity >= s.size() code
/// units; UTF-16 never needs more units than UTF-8 needs bytes). Returns the
/// number of units written, or -1 when `s` is not well-formed UTF-8. With
/// `longest_non_ascii`, also stores there the largest number of consecutive
/// non-ASCII code points (for the stream-safe check of detail/stream_safe.hpp).
inline std::int32_t utf8_to_utf16(std::string_view s, char16_t* out, std::int32_t* longest_non_ascii = nullptr) noexcept {
  std::int32_t n = 0, stretch = 0, longest = 0;
  for (std::size_t i = 0; i < s.size();) {
    const char32_t cp = decode_utf8(s, i);
    if (cp == 0xFFFFFFFFu) return -1;
    stretch = cp < 0x80 ? 0 : stretch + 1;
    longest = stretch > longest ? stretch : longest;
    if (cp < 0x10000) {
      out[n++] = static_cast<char16_t>(cp);
    } else {
      out[n++] = static_cast<char16_t>(0xD800 + ((cp - 0x10000) >> 10));
      out[n++] = static_cast<char16_t>(0xDC00 + ((cp - 0x10000) & 0x3FF));
    }
  }
  if (longest_non_ascii) *longest_non_ascii = longest;
  return n;
}

/// Appends the UTF-8 form of scalar value `cp` to `out`.
inline void append_utf8(char32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

/// Appends UTF-16 `u` (as produced by ICU: well-formed) to `out` as UTF-8.
/// An unpaired surrogate (never produced by usprep) is written as U+FFFD.
inline void utf16_to_utf8(const char16_t* u, std::int32_t len, std::string& out) {
  for (std::int32_t i = 0; i < len; ++i) {
    char32_t cp = u[i];
    if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < len && u[i + 1] >= 0xDC00 && u[i + 1] <= 0xDFFF) {
      cp = 0x10000 + ((cp - 0xD800) << 10) + (static_cast<char32_t>(u[i + 1]) - 0xDC00);
      ++i;
    } else if (cp >= 0xD800 && cp <= 0xDFFF) {
      cp = 0xFFFD;
    }
    append_utf8(cp, out);
  }
}

}  // namespace xmppcore::jid::detail
