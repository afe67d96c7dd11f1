// xmppcore — lowercase hexadecimal, as DIGEST-MD5 (RFC 2831 §2.1.2.1 HEX()) and
// XEP-0185 dialback keys use it.
#pragma once

#include <xmppcore/result.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace xmppcore::crypto {

/// Lowercase hex of `data` (two characters per octet).
inline std::string to_hex(std::span<const std::byte> data) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(data.size() * 2, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) {
    const auto b = static_cast<unsigned>(data[i]);
    out[2 * i] = digits[b >> 4];
    out[2 * i + 1] = digits[b & 15];
  }
  return out;
}
/// Lowercase hex of the octets of `data`.
inline std::string to_hex(std::string_view data) {
  return to_hex(std::span<const std::byte>(reinterpret_cast<const std::byte*>(data.data()), data.size()));
}

/// Why from_hex() refused its input.
enum class hex_error : std::uint8_t { odd_length, invalid_character };

/// Decodes hex (either case) into octets; fails on odd length or a non-hex character.
inline result<std::string, hex_error> from_hex(std::string_view text) {
  if (text.size() % 2 != 0) return unexpected{hex_error::odd_length};
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out(text.size() / 2, '\0');
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = nibble(text[2 * i]), lo = nibble(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return unexpected{hex_error::invalid_character};
    out[i] = static_cast<char>((hi << 4) | lo);
  }
  return out;
}

}  // namespace xmppcore::crypto
