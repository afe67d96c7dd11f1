// xmppcore — SHA-256 (FIPS 180-4 §6.2), for SCRAM-SHA-256 (RFC 7677), HMAC,
// PBKDF2 and XEP-0185 dialback keys.
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

/// Streaming SHA-256: `update()` any number of times, then `finish()`.
class sha256 : public detail::block_hash<sha256, 32, true> {
 public:
  sha256() noexcept { reset(); }

  /// Starts a new message.
  void reset() noexcept {
    h_ = {0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
          0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u};  // FIPS 180-4 §5.3.3
    reset_buffer();
  }

  /// One-shot digest of `data`.
  static digest_type hash(std::span<const std::byte> data) noexcept { return sha256{}.update(data).finish(); }
  /// One-shot digest of the octets of `data`.
  static digest_type hash(std::string_view data) noexcept { return sha256{}.update(data).finish(); }

 private:
  friend class detail::block_hash<sha256, 32, true>;

  // FIPS 180-4 §4.2.2: the 64 round constants.
  static constexpr std::uint32_t k_[64] = {
      0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u, 0x923f82a4u,
      0xab1c5ed5u, 0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu,
      0x9bdc06a7u, 0xc19bf174u, 0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu,
      0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau, 0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u,
      0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u, 0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu,
      0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u, 0xa2bfe8a1u, 0xa81a664bu,
      0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u, 0x19a4c116u,
      0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
      0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u, 0x90befffau, 0xa4506cebu, 0xbef9a3f7u,
      0xc67178f2u};

  // FIPS 180-4 §6.2.2, with the 16-word rolling message schedule. Fully
  // unrolled: the eight working variables rotate by renaming, not moving.
  void compress(const unsigned char* p, std::size_t blocks) noexcept {
    using detail::rotr32;
    for (; blocks != 0; --blocks, p += 64) {
      std::uint32_t w[16];
      for (int i = 0; i < 16; ++i) w[i] = detail::load_be32(p + 4 * i);
      std::uint32_t a = h_[0], b = h_[1], c = h_[2], d = h_[3];
      std::uint32_t e = h_[4], f = h_[5], g = h_[6], h = h_[7];
#define XMPPCORE_SHA256_SCHED(r)                                                                       \
  do {                                                                                                 \
    const std::uint32_t w15 = w[((r) + 1) & 15], w2 = w[((r) + 14) & 15];                              \
    w[(r)&15] += (rotr32(w15, 7) ^ rotr32(w15, 18) ^ (w15 >> 3)) + w[((r) + 9) & 15] +                \
                 (rotr32(w2, 17) ^ rotr32(w2, 19) ^ (w2 >> 10));                                       \
  } while (0)
#define XMPPCORE_SHA256_ROUND(a, b, c, d, e, f, g, h, i, r)                                            \
  do {                                                                                                 \
    if ((i) != 0) XMPPCORE_SHA256_SCHED(r);                                                            \
    const std::uint32_t t1 =                                                                           \
        h + (rotr32(e, 6) ^ rotr32(e, 11) ^ rotr32(e, 25)) + (g ^ (e & (f ^ g))) + k_[(i) + (r)] + w[r]; \
    d += t1;                                                                                           \
    h = t1 + (rotr32(a, 2) ^ rotr32(a, 13) ^ rotr32(a, 22)) + ((a & b) | (c & (a | b)));               \
  } while (0)
      for (int i = 0; i < 64; i += 16) {
        XMPPCORE_SHA256_ROUND(a, b, c, d, e, f, g, h, i, 0);
        XMPPCORE_SHA256_ROUND(h, a, b, c, d, e, f, g, i, 1);
        XMPPCORE_SHA256_ROUND(g, h, a, b, c, d, e, f, i, 2);
        XMPPCORE_SHA256_ROUND(f, g, h, a, b, c, d, e, i, 3);
        XMPPCORE_SHA256_ROUND(e, f, g, h, a, b, c, d, i, 4);
        XMPPCORE_SHA256_ROUND(d, e, f, g, h, a, b, c, i, 5);
        XMPPCORE_SHA256_ROUND(c, d, e, f, g, h, a, b, i, 6);
        XMPPCORE_SHA256_ROUND(b, c, d, e, f, g, h, a, i, 7);
        XMPPCORE_SHA256_ROUND(a, b, c, d, e, f, g, h, i, 8);
        XMPPCORE_SHA256_ROUND(h, a, b, c, d, e, f, g, i, 9);
        XMPPCORE_SHA256_ROUND(g, h, a, b, c, d, e, f, i, 10);
        XMPPCORE_SHA256_ROUND(f, g, h, a, b, c, d, e, i, 11);
        XMPPCORE_SHA256_ROUND(e, f, g, h, a, b, c, d, i, 12);
        XMPPCORE_SHA256_ROUND(d, e, f, g, h, a, b, c, i, 13);
        XMPPCORE_SHA256_ROUND(c, d, e, f, g, h, a, b, i, 14);
        XMPPCORE_SHA256_ROUND(b, c, d, e, f, g, h, a, i, 15);
      }
#undef XMPPCORE_SHA256_ROUND
#undef XMPPCORE_SHA256_SCHED
      h_[0] += a;
      h_[1] += b;
      h_[2] += c;
      h_[3] += d;
      h_[4] += e;
      h_[5] += f;
      h_[6] += g;
      h_[7] += h;
    }
  }

  void write_digest(unsigned char* out) const noexcept {
    for (int i = 0; i < 8; ++i) detail::store_be32(out + 4 * i, h_[i]);
  }

  std::array<std::uint32_t, 8> h_{};
};

}  // namespace xmppcore::crypto
