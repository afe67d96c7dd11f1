// xmppcore — the XMPP encoding of SASL data inside <auth/>, <challenge/>,
// <response/> and <success/> (draft §6.2, §14.9; RFC 6120 §6.4.2, §6.4.6).
//
//   element text   meaning
//   ""             no data (no initial response; no additional data)
//   "="            data present, zero octets (draft §6.2 step 3)
//   otherwise      strict base64 (crypto/base64.hpp); anything else is
//                  <incorrect-encoding/> (draft §6.4)
//
// For <challenge/> and <response/>, "no data" and "zero octets" mean the same;
// use `.value_or("")` on the decoded value.
#pragma once

#include <xmppcore/conditions.hpp>
#include <xmppcore/crypto/base64.hpp>
#include <xmppcore/result.hpp>
#include <xmppcore/sasl/mechanism.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace xmppcore::sasl {

/// Cap on the decoded size of one SASL element's data.
inline constexpr std::size_t default_max_payload = 16384;

/// Decodes the character data of a SASL element. Fails with
/// sasl_condition::incorrect_encoding on anything but strict base64 or the
/// lone "=", and when the data would exceed `max_decoded` octets (checked
/// before allocating; a message that long is not a valid SASL message anyway).
inline result<std::optional<std::string>, sasl_condition> decode_payload(
    std::string_view text, std::size_t max_decoded = default_max_payload) {
  if (text.empty()) return std::optional<std::string>{};
  if (text == "=") return std::optional<std::string>{std::string{}};
  auto d = crypto::base64_decode(text, max_decoded);
  if (!d) return unexpected{sasl_condition::incorrect_encoding};
  return std::optional<std::string>{std::move(*d)};
}

/// Encodes data for a SASL element: nullopt → "" (no data), zero octets →
/// "=", otherwise base64.
inline std::string encode_payload(std::optional<std::string_view> data) {
  if (!data) return {};
  if (data->empty()) return "=";
  return crypto::base64_encode(*data);
}

}  // namespace xmppcore::sasl
