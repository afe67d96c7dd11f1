// xmppcore — strict base64 (RFC 4648 §4, the RFC 3548 §3 encoding that draft
// §14.9 requires for SASL data).
//
// Decoding is strict, as draft §14.9 demands ("MUST reject any character that
// is not explicitly allowed by the base64 alphabet"):
//  - only A–Z a–z 0–9 + / and '=' padding; whitespace and line breaks are errors
//    (RFC 4648 §3.1, §3.3);
//  - the length must be a multiple of 4 (padding is mandatory, RFC 4648 §3.2);
//  - '=' may appear only as the last one or two characters;
//  - the unused low bits before padding must be zero (RFC 4648 §3.5), so every
//    accepted text is the canonical encoding of its output: encode(decode(t)) == t.
// The empty text decodes to the empty string. The XMPP convention that a lone
// '=' means "empty initial response" (draft §6.2) is not base64 and lives in
// sasl/payload.hpp.
//
// Decoded octets are returned in a std::string (an octet string, not text).
#pragma once

#include <xmppcore/result.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace xmppcore::crypto {

/// Why base64_decode() refused its input.
enum class base64_error : std::uint8_t {
  invalid_length,        ///< not a multiple of 4
  invalid_character,     ///< outside the alphabet (whitespace included)
  misplaced_padding,     ///< '=' other than as the last one or two characters
  nonzero_padding_bits,  ///< non-canonical: bits discarded by padding were not zero
  too_long,              ///< decoded size would exceed the caller's limit
};

/// Wire-independent name of a base64_error, for logs.
constexpr std::string_view to_string(base64_error e) noexcept {
  switch (e) {
    case base64_error::invalid_length: return "invalid-length";
    case base64_error::invalid_character: return "invalid-character";
    case base64_error::misplaced_padding: return "misplaced-padding";
    case base64_error::nonzero_padding_bits: return "nonzero-padding-bits";
    case base64_error::too_long: return "too-long";
  }
  return "unknown";
}

namespace detail {
inline constexpr char base64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// 0..63 for alphabet characters, 0xff for everything else ('=' included).
inline constexpr std::array<std::uint8_t, 256> base64_table = [] {
  std::array<std::uint8_t, 256> t{};
  for (auto& v : t) v = 0xff;
  for (std::uint8_t i = 0; i < 64; ++i) t[static_cast<unsigned char>(base64_alphabet[i])] = i;
  return t;
}();
}  // namespace detail

/// Base64 of `data` with padding, no line breaks (RFC 4648 §4).
inline std::string base64_encode(std::span<const std::byte> data) {
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  const std::size_t n = data.size();
  std::string out;
  out.resize((n + 2) / 3 * 4);
  char* o = out.data();
  std::size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const std::uint32_t v = (std::uint32_t(p[i]) << 16) | (std::uint32_t(p[i + 1]) << 8) | p[i + 2];
    *o++ = detail::base64_alphabet[v >> 18];
    *o++ = detail::base64_alphabet[(v >> 12) & 63];
    *o++ = detail::base64_alphabet[(v >> 6) & 63];
    *o++ = detail::base64_alphabet[v & 63];
  }
  if (n - i == 1) {
    const std::uint32_t v = std::uint32_t(p[i]) << 16;
    *o++ = detail::base64_alphabet[v >> 18];
    *o++ = detail::base64_alphabet[(v >> 12) & 63];
    *o++ = '=';
    *o++ = '=';
  } else if (n - i == 2) {
    const std::uint32_t v = (std::uint32_t(p[i]) << 16) | (std::uint32_t(p[i + 1]) << 8);
    *o++ = detail::base64_alphabet[v >> 18];
    *o++ = detail::base64_alphabet[(v >> 12) & 63];
    *o++ = detail::base64_alphabet[(v >> 6) & 63];
    *o++ = '=';
  }
  return out;
}
/// Base64 of the octets of `data`.
inline std::string base64_encode(std::string_view data) {
  return base64_encode(std::span<const std::byte>(reinterpret_cast<const std::byte*>(data.data()), data.size()));
}

/// Strictly decodes `text` (see the file comment). Fails with `too_long` before
/// allocating when the output would exceed `max_decoded` octets. Never reads
/// outside `text`.
inline result<std::string, base64_error> base64_decode(std::string_view text,
                                                       std::size_t max_decoded = std::size_t(-1)) {
  const std::size_t n = text.size();
  if (n % 4 != 0) return unexpected{base64_error::invalid_length};
  if (n == 0) return std::string{};
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  // Padding: zero, one or two '=' at the very end (RFC 4648 §4).
  std::size_t pad = 0;
  if (p[n - 1] == '=') pad = (p[n - 2] == '=') ? 2 : 1;
  const std::size_t out_len = n / 4 * 3 - pad;
  if (out_len > max_decoded) return unexpected{base64_error::too_long};
  std::string out(out_len, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  const std::size_t full = (pad != 0) ? n - 4 : n;  // quads without padding
  for (std::size_t i = 0; i < full; i += 4) {
    const std::uint32_t a = detail::base64_table[p[i]], b = detail::base64_table[p[i + 1]],
                        c = detail::base64_table[p[i + 2]], d = detail::base64_table[p[i + 3]];
    if ((a | b | c | d) & 0x80) {
      // '=' before the last two positions is misplaced; anything else is foreign.
      for (std::size_t j = i; j < i + 4; ++j)
        if (detail::base64_table[p[j]] == 0xff)
          return unexpected{p[j] == '=' ? base64_error::misplaced_padding : base64_error::invalid_character};
    }
    const std::uint32_t v = (a << 18) | (b << 12) | (c << 6) | d;
    *o++ = static_cast<unsigned char>(v >> 16);
    *o++ = static_cast<unsigned char>(v >> 8);
    *o++ = static_cast<unsigned char>(v);
  }
  if (pad != 0) {
    const std::size_t i = n - 4;
    const std::size_t data_chars = 4 - pad;  // 2 or 3
    std::uint32_t v = 0;
    for (std::size_t j = 0; j < data_chars; ++j) {
      const std::uint8_t x = detail::base64_table[p[i + j]];
      if (x == 0xff)
        return unexpected{p[i + j] == '=' ? base64_error::misplaced_padding : base64_error::invalid_character};
      v = (v << 6) | x;
    }
    if (pad == 2) {
      // 12 bits carry 8: the low 4 must be zero (RFC 4648 §3.5).
      if (v & 0x0f) return unexpected{base64_error::nonzero_padding_bits};
      *o++ = static_cast<unsigned char>(v >> 4);
    } else {
      // 18 bits carry 16: the low 2 must be zero.
      if (v & 0x03) return unexpected{base64_error::nonzero_padding_bits};
      *o++ = static_cast<unsigned char>(v >> 10);
      *o++ = static_cast<unsigned char>(v >> 2);
    }
  }
  return out;
}

}  // namespace xmppcore::crypto
