// xmppcore — MD5 (RFC 1321), needed by DIGEST-MD5 (RFC 2831, draft §6, §14.7).
//
// MD5 is broken for collision resistance; it is here only because the SASL
// mechanism the draft mandates is defined with it. Do not use it for anything new.
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

/// Streaming MD5: `update()` any number of times, then `finish()`.
class md5 : public detail::block_hash<md5, 16, false> {
 public:
  md5() noexcept { reset(); }

  /// Starts a new message.
  void reset() noexcept {
    h_ = {0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u};  // RFC 1321 §3.3
    reset_buffer();
  }

  /// One-shot digest of `data`.
  static digest_type hash(std::span<const std::byte> data) noexcept { return md5{}.update(data).finish(); }
  /// One-shot digest of the octets of `data`.
  static digest_type hash(std::string_view data) noexcept { return md5{}.update(data).finish(); }

 private:
  friend class detail::block_hash<md5, 16, false>;

  // RFC 1321 §3.4: four rounds of 16 operations on each 16-word block.
  void compress(const unsigned char* p, std::size_t blocks) noexcept {
    std::uint32_t a0 = h_[0], b0 = h_[1], c0 = h_[2], d0 = h_[3];
    for (; blocks != 0; --blocks, p += 64) {
      std::uint32_t x[16];
      for (int i = 0; i < 16; ++i) x[i] = detail::load_le32(p + 4 * i);
      std::uint32_t a = a0, b = b0, c = c0, d = d0;
#define XMPPCORE_MD5_STEP(f, a, b, c, d, k, s, t) \
  a += f(b, c, d) + x[k] + t;                     \
  a = detail::rotl32(a, s) + b;
#define XMPPCORE_MD5_F(x, y, z) (z ^ (x & (y ^ z)))
#define XMPPCORE_MD5_G(x, y, z) (y ^ (z & (x ^ y)))
#define XMPPCORE_MD5_H(x, y, z) (x ^ y ^ z)
#define XMPPCORE_MD5_I(x, y, z) (y ^ (x | ~z))
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_F, a, b, c, d, 0, 7, 0xd76aa478u)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_F, d, a, b, c, 1, 12, 0xe8c7b756u)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_F, c, d, a, b, 2, 17, 0x242070dbu)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_F, b, c, d, a, 3, 22, 0xc1bdceeeu)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_F, a, b, c, d, 4, 7, 0xf57c0fafu)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_F, d, a, b, c, 5, 12, 0x4787c62au)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_F, c, d, a, b, 6, 17, 0xa8304613u)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_F, b, c, d, a, 7, 22, 0xfd469501u)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_F, a, b, c, d, 8, 7, 0x698098d8u)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_F, d, a, b, c, 9, 12, 0x8b44f7afu)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_F, c, d, a, b, 10, 17, 0xffff5bb1u)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_F, b, c, d, a, 11, 22, 0x895cd7beu)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_F, a, b, c, d, 12, 7, 0x6b901122u)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_F, d, a, b, c, 13, 12, 0xfd987193u)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_F, c, d, a, b, 14, 17, 0xa679438eu)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_F, b, c, d, a, 15, 22, 0x49b40821u)

      XMPPCORE_MD5_STEP(XMPPCORE_MD5_G, a, b, c, d, 1, 5, 0xf61e2562u)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_G, d, a, b, c, 6, 9, 0xc040b340u)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_G, c, d, a, b, 11, 14, 0x265e5a51u)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_G, b, c, d, a, 0, 20, 0xe9b6c7aau)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_G, a, b, c, d, 5, 5, 0xd62f105du)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_G, d, a, b, c, 10, 9, 0x02441453u)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_G, c, d, a, b, 15, 14, 0xd8a1e681u)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_G, b, c, d, a, 4, 20, 0xe7d3fbc8u)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_G, a, b, c, d, 9, 5, 0x21e1cde6u)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_G, d, a, b, c, 14, 9, 0xc33707d6u)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_G, c, d, a, b, 3, 14, 0xf4d50d87u)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_G, b, c, d, a, 8, 20, 0x455a14edu)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_G, a, b, c, d, 13, 5, 0xa9e3e905u)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_G, d, a, b, c, 2, 9, 0xfcefa3f8u)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_G, c, d, a, b, 7, 14, 0x676f02d9u)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_G, b, c, d, a, 12, 20, 0x8d2a4c8au)

      XMPPCORE_MD5_STEP(XMPPCORE_MD5_H, a, b, c, d, 5, 4, 0xfffa3942u)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_H, d, a, b, c, 8, 11, 0x8771f681u)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_H, c, d, a, b, 11, 16, 0x6d9d6122u)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_H, b, c, d, a, 14, 23, 0xfde5380cu)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_H, a, b, c, d, 1, 4, 0xa4beea44u)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_H, d, a, b, c, 4, 11, 0x4bdecfa9u)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_H, c, d, a, b, 7, 16, 0xf6bb4b60u)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_H, b, c, d, a, 10, 23, 0xbebfbc70u)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_H, a, b, c, d, 13, 4, 0x289b7ec6u)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_H, d, a, b, c, 0, 11, 0xeaa127fau)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_H, c, d, a, b, 3, 16, 0xd4ef3085u)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_H, b, c, d, a, 6, 23, 0x04881d05u)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_H, a, b, c, d, 9, 4, 0xd9d4d039u)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_H, d, a, b, c, 12, 11, 0xe6db99e5u)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_H, c, d, a, b, 15, 16, 0x1fa27cf8u)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_H, b, c, d, a, 2, 23, 0xc4ac5665u)

      XMPPCORE_MD5_STEP(XMPPCORE_MD5_I, a, b, c, d, 0, 6, 0xf4292244u)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_I, d, a, b, c, 7, 10, 0x432aff97u)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_I, c, d, a, b, 14, 15, 0xab9423a7u)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_I, b, c, d, a, 5, 21, 0xfc93a039u)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_I, a, b, c, d, 12, 6, 0x655b59c3u)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_I, d, a, b, c, 3, 10, 0x8f0ccc92u)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_I, c, d, a, b, 10, 15, 0xffeff47du)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_I, b, c, d, a, 1, 21, 0x85845dd1u)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_I, a, b, c, d, 8, 6, 0x6fa87e4fu)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_I, d, a, b, c, 15, 10, 0xfe2ce6e0u)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_I, c, d, a, b, 6, 15, 0xa3014314u)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_I, b, c, d, a, 13, 21, 0x4e0811a1u)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_I, a, b, c, d, 4, 6, 0xf7537e82u)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_I, d, a, b, c, 11, 10, 0xbd3af235u)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_I, c, d, a, b, 2, 15, 0x2ad7d2bbu)
      XMPPCORE_MD5_STEP(XMPPCORE_MD5_I, b, c, d, a, 9, 21, 0xeb86d391u)
#undef XMPPCORE_MD5_STEP
#undef XMPPCORE_MD5_F
#undef XMPPCORE_MD5_G
#undef XMPPCORE_MD5_H
#undef XMPPCORE_MD5_I
      a0 += a;
      b0 += b;
      c0 += c;
      d0 += d;
    }
    h_ = {a0, b0, c0, d0};
  }

  void write_digest(unsigned char* out) const noexcept {
    for (int i = 0; i < 4; ++i) detail::store_le32(out + 4 * i, h_[i]);  // RFC 1321 §3.5
  }

  std::array<std::uint32_t, 4> h_{};
};

}  // namespace xmppcore::crypto
