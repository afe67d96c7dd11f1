// xmppcore — comparison of secrets without data-dependent timing.
//
// SASL proofs, DIGEST-MD5 responses and dialback keys are compared
// with this, so a network peer cannot learn how many leading bytes matched.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace xmppcore::crypto {

/// True when `a` and `b` hold the same octets. The time taken depends only on
/// the lengths (which are public: a mismatch in length returns at once), never
/// on where the contents differ.
inline bool constant_time_equal(std::span<const std::byte> a, std::span<const std::byte> b) noexcept {
  if (a.size() != b.size()) return false;
  // Accumulate every difference; no branch depends on secret data. The
  // volatile read keeps the optimiser from turning the loop into an early exit.
  unsigned diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned>(a[i] ^ b[i]);
  volatile unsigned sink = diff;
  return sink == 0;
}

/// The same over octet strings.
inline bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  return constant_time_equal(std::span<const std::byte>(reinterpret_cast<const std::byte*>(a.data()), a.size()),
                             std::span<const std::byte>(reinterpret_cast<const std::byte*>(b.data()), b.size()));
}

}  // namespace xmppcore::crypto
