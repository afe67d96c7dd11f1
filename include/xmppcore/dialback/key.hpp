// xmppcore — server dialback keys (draft §8, with the key method of XEP-0185).
//
// The draft leaves the key method open ("any verifiable method", §8.3 step
// 8); the one deployed servers agree on is XEP-0185's:
//
//   key = hex( HMAC-SHA256( hex(SHA256(secret)), receiving ' ' originating ' ' stream-id ) )
//
// where hex() is lowercase and the HMAC key is the 64 hex characters of the
// secret's hash, taken as text. `receiving` and `originating` are the domains
// as they appear on the wire (prepared, and in their ACE form for IDNs, so that
// both ends hash the same octets whatever they do with Unicode), and the
// stream id is the receiving server's id for the stream the key was sent on:
// it must be unpredictable and non-repeating (draft §8.1), which is why
// stream::make_stream_id() draws 128 bits from the embedder's random source.
//
// Checking a key compares it in constant time (a peer must not learn how many
// leading characters matched).
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include <xmppcore/crypto/constant_time.hpp>
#include <xmppcore/crypto/hex.hpp>
#include <xmppcore/crypto/hmac.hpp>
#include <xmppcore/crypto/sha256.hpp>

namespace xmppcore::dialback {

/// The XEP-0185 dialback key: 64 lowercase hex digits.
inline std::string make_key(std::string_view secret, std::string_view receiving, std::string_view originating,
                            std::string_view stream_id) {
  const auto h = crypto::sha256::hash(secret);
  const std::string hmac_key = crypto::to_hex(std::span<const std::byte>(h));
  crypto::hmac<crypto::sha256> mac(hmac_key);
  mac.update(receiving).update(" ").update(originating).update(" ").update(stream_id);
  const auto d = mac.finish();
  return crypto::to_hex(std::span<const std::byte>(d));
}

/// Whether `key` (as received: surrounding whitespace of the element's text is
/// ignored) is the key for these names and id. Constant time in the key.
inline bool check_key(std::string_view key, std::string_view secret, std::string_view receiving,
                      std::string_view originating, std::string_view stream_id) {
  while (!key.empty() && (key.front() == ' ' || key.front() == '\t' || key.front() == '\n' || key.front() == '\r'))
    key.remove_prefix(1);
  while (!key.empty() && (key.back() == ' ' || key.back() == '\t' || key.back() == '\n' || key.back() == '\r'))
    key.remove_suffix(1);
  const std::string expected = make_key(secret, receiving, originating, stream_id);
  return crypto::constant_time_equal(key, expected);
}

}  // namespace xmppcore::dialback
