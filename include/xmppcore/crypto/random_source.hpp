// xmppcore — the randomness interface (README, "Architecture": what only the embedder knows).
//
// The library never reads /dev/urandom or a global RNG itself: nonces and
// cnonces come from the embedder's source, and tests pass a deterministic one
// so that RFC vectors replay exactly.
#pragma once

#include <cstddef>
#include <span>

namespace xmppcore::crypto {

/// Source of cryptographically secure random octets, implemented by the embedder
/// (for example over getrandom(2), arc4random_buf or its TLS library's DRBG).
struct random_source {
  /// Fills every byte of `out`. Must not fail; an embedder whose RNG can fail
  /// should abort rather than return predictable bytes.
  virtual void fill(std::span<std::byte> out) = 0;

 protected:
  ~random_source() = default;
};

}  // namespace xmppcore::crypto
