// xmppcore — PBKDF2 (RFC 8018 §5.2) with HMAC-H as the PRF; SCRAM's Hi()
// (RFC 5802 §2.2) is PBKDF2 with dkLen = hLen.
#pragma once

#include <xmppcore/crypto/hmac.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace xmppcore::crypto {

/// Fills `out` with PBKDF2-HMAC-Hash(password, salt, iterations). `iterations`
/// of 0 is treated as 1 (RFC 8018 requires c >= 1). Cost is linear in
/// `iterations`: callers that take the count from the network must cap it.
template <class Hash>
void pbkdf2(std::span<const std::byte> password, std::span<const std::byte> salt,
            std::uint32_t iterations, std::span<std::byte> out) noexcept {
  const hmac<Hash> keyed(password);  // key processing once, reused for every block and round
  if (iterations == 0) iterations = 1;
  std::uint32_t block = 1;
  for (std::size_t done = 0; done < out.size(); ++block) {
    hmac<Hash> prf = keyed;
    const std::byte index[4] = {std::byte(block >> 24), std::byte(block >> 16), std::byte(block >> 8),
                                std::byte(block)};
    prf.update(salt).update(std::span<const std::byte>(index));  // U1 = PRF(P, S || INT(i))
    auto u = prf.finish();
    auto t = u;
    for (std::uint32_t r = 1; r < iterations; ++r) {
      u = prf.update(std::span<const std::byte>(u)).finish();  // U_r = PRF(P, U_{r-1})
      for (std::size_t j = 0; j < t.size(); ++j) t[j] ^= u[j];
    }
    const std::size_t n = std::min(t.size(), out.size() - done);
    std::copy_n(t.begin(), n, out.begin() + static_cast<std::ptrdiff_t>(done));
    done += n;
  }
}

/// Convenience form taking octet strings and returning one hLen-sized block (SCRAM's Hi()).
template <class Hash>
typename Hash::digest_type pbkdf2(std::string_view password, std::string_view salt,
                                  std::uint32_t iterations) noexcept {
  typename Hash::digest_type out;
  pbkdf2<Hash>({reinterpret_cast<const std::byte*>(password.data()), password.size()},
               {reinterpret_cast<const std::byte*>(salt.data()), salt.size()}, iterations,
               std::span<std::byte>(out));
  return out;
}

}  // namespace xmppcore::crypto
