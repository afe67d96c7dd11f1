// xmppcore — ASCII helpers shared by the layers (no locale, no allocation).
#pragma once

#include <cstddef>
#include <string_view>

namespace xmppcore::detail {

/// ASCII case-insensitive equality: domain names, SASL directive names, language tags
/// (RFC 3066 §2.1). Bytes >= 0x80 compare exactly.
constexpr bool ascii_iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace xmppcore::detail
