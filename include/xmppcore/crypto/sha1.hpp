// xmppcore — SHA-1 (FIPS 180-4 §6.1), for SCRAM-SHA-1 (RFC 5802) and HMAC/PBKDF2.
//
// Byte convention of crypto/: input is `std::span<const std::byte>` or a
// `std::string_view` of octets; digests are `std::array<std::byte, N>`.
#pragma once

#include <xmppcore/crypto/detail/block_hash.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace xmppcore::crypto {

/// Streaming SHA-1: `update()` any number of times, then `finish()`.
class sha1 : public detail::block_hash<sha1, 20, true> {
 public:
  sha1() noexcept { reset(); }

  /// Starts a new message.
  void reset() noexcept {
    h_ = {0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u, 0xc3d2e1f0u};  // FIPS 180-4 §5.3.1
    reset_buffer();
  }

  /// One-shot digest of `data`.
  static digest_type hash(std::span<const std::byte> data) noexcept { return sha1{}.update(data).finish(); }
  /// One-shot digest of the octets of `data`.
  static digest_type hash(std::string_view data) noexcept { return sha1{}.update(data).finish(); }

 private:
  friend class detail::block_hash<sha1, 20, true>;

  // FIPS 180-4 §6.1.2, with the 16-word rolling message schedule.
  void compress(const unsigned char* p, std::size_t blocks) noexcept {
    for (; blocks != 0; --blocks, p += 64) {
      std::uint32_t w[16];
      for (int i = 0; i < 16; ++i) w[i] = detail::load_be32(p + 4 * i);
      std::uint32_t a = h_[0], b = h_[1], c = h_[2], d = h_[3], e = h_[4];
      for (int t = 0; t < 80; ++t) {
        std::uint32_t wt;
        if (t < 16) {
          wt = w[t];
        } else {
          wt = detail::rotl32(w[(t + 13) & 15] ^ w[(t + 8) & 15] ^ w[(t + 2) & 15] ^ w[t & 15], 1);
          w[t & 15] = wt;
        }
        std::uint32_t f, k;
        if (t < 20) {
          f = d ^ (b & (c ^ d));  // Ch
          k = 0x5a827999u;
        } else if (t < 40) {
          f = b ^ c ^ d;  // Parity
          k = 0x6ed9eba1u;
        } else if (t < 60) {
          f = (b & c) | (d & (b | c));  // Maj
          k = 0x8f1bbcdcu;
        } else {
          f = b ^ c ^ d;
          k = 0xca62c1d6u;
        }
        const std::uint32_t tmp = detail::rotl32(a, 5) + f + e + k + wt;
        e = d;
        d = c;
        c = detail::rotl32(b, 30);
        b = a;
        a = tmp;
      }
      h_[0] += a;
      h_[1] += b;
      h_[2] += c;
      h_[3] += d;
      h_[4] += e;
    }
  }

  void write_digest(unsigned char* out) const noexcept {
    for (int i = 0; i < 5; ++i) detail::store_be32(out + 4 * i, h_[i]);
  }

  std::array<std::uint32_t, 5> h_{};
};

}  // namespace xmppcore::crypto
