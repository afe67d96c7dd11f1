// Fuzz target: strict base64 decoding (crypto/base64.hpp, RFC 4648 §4) and the
// XMPP payload convention on top of it (sasl/payload.hpp, draft §6.2, §14.9).
// Properties: a decoded text is the canonical encoding of its output
// (encode(decode(t)) == t), sizes add up, the size cap holds, and
// decode(encode(bytes)) == bytes for the raw input.
#include <xmppcore/crypto/base64.hpp>
#include <xmppcore/sasl/payload.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace xmppcore;
  if (size == 0) return 0;
  // First byte: the decoded-size cap (0xff = none).
  const std::size_t cap = data[0] == 0xff ? std::size_t(-1) : data[0];
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

  auto d = crypto::base64_decode(text, cap);
  if (d) {
    if (d->size() > cap) std::abort();
    if (crypto::base64_encode(*d) != text) std::abort();  // canonical: strict decode accepts only encode's output
    if (text.size() / 4 * 3 - d->size() > 2) std::abort();
  } else if (d.error() == crypto::base64_error::too_long) {
    // Checked from the length alone, before the characters are looked at.
    if (text.size() % 4 != 0 || text.size() / 4 * 3 <= cap) std::abort();
  }

  auto p = sasl::decode_payload(text, cap);
  if (p && *p) {
    if (sasl::encode_payload(**p) != (text == "=" ? std::string_view("=") : text)) std::abort();
  } else if (p && text.size() != 0) {
    std::abort();  // "no data" only for the empty text
  }

  // Any octets survive encode → decode.
  const std::string enc = crypto::base64_encode(text);
  auto back = crypto::base64_decode(enc);
  if (!back || *back != text) std::abort();
  return 0;
}
