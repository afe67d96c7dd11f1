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

  // FIPS 180-4 §6.1.2, with the 16-word rolling message schedule. Fully
  // unrolled: the five working variables rotate by renaming, not moving.
  void compress(const unsigned char* p, std::size_t blocks) noexcept {
    using detail::rotl32;
    for (; blocks != 0; --blocks, p += 64) {
      std::uint32_t w[16];
      for (int i = 0; i < 16; ++i) w[i] = detail::load_be32(p + 4 * i);
      std::uint32_t a = h_[0], b = h_[1], c = h_[2], d = h_[3], e = h_[4];
#define XMPPCORE_SHA1_CH(b, c, d) (d ^ (b & (c ^ d)))
#define XMPPCORE_SHA1_PAR(b, c, d) (b ^ c ^ d)
#define XMPPCORE_SHA1_MAJ(b, c, d) ((b & c) | (d & (b | c)))
#define XMPPCORE_SHA1_ROUND(a, b, c, d, e, f, k, t)                                                      \
  do {                                                                                                   \
    if ((t) >= 16)                                                                                       \
      w[(t)&15] = rotl32(w[((t) + 13) & 15] ^ w[((t) + 8) & 15] ^ w[((t) + 2) & 15] ^ w[(t)&15], 1);     \
    e += rotl32(a, 5) + f(b, c, d) + (k) + w[(t)&15];                                                    \
    b = rotl32(b, 30);                                                                                   \
  } while (0)
      XMPPCORE_SHA1_ROUND(a, b, c, d, e, XMPPCORE_SHA1_CH, 0x5a827999u, 0);
      XMPPCORE_SHA1_ROUND(e, a, b, c, d, XMPPCORE_SHA1_CH, 0x5a827999u, 1);
      XMPPCORE_SHA1_ROUND(d, e, a, b, c, XMPPCORE_SHA1_CH, 0x5a827999u, 2);
      XMPPCORE_SHA1_ROUND(c, d, e, a, b, XMPPCORE_SHA1_CH, 0x5a827999u, 3);
      XMPPCORE_SHA1_ROUND(b, c, d, e, a, XMPPCORE_SHA1_CH, 0x5a827999u, 4);
      XMPPCORE_SHA1_ROUND(a, b, c, d, e, XMPPCORE_SHA1_CH, 0x5a827999u, 5);
      XMPPCORE_SHA1_ROUND(e, a, b, c, d, XMPPCORE_SHA1_CH, 0x5a827999u, 6);
      XMPPCORE_SHA1_ROUND(d, e, a, b, c, XMPPCORE_SHA1_CH, 0x5a827999u, 7);
      XMPPCORE_SHA1_ROUND(c, d, e, a, b, XMPPCORE_SHA1_CH, 0x5a827999u, 8);
      XMPPCORE_SHA1_ROUND(b, c, d, e, a, XMPPCORE_SHA1_CH, 0x5a827999u, 9);
      XMPPCORE_SHA1_ROUND(a, b, c, d, e, XMPPCORE_SHA1_CH, 0x5a827999u, 10);
      XMPPCORE_SHA1_ROUND(e, a, b, c, d, XMPPCORE_SHA1_CH, 0x5a827999u, 11);
      XMPPCORE_SHA1_ROUND(d, e, a, b, c, XMPPCORE_SHA1_CH, 0x5a827999u, 12);
      XMPPCORE_SHA1_ROUND(c, d, e, a, b, XMPPCORE_SHA1_CH, 0x5a827999u, 13);
      XMPPCORE_SHA1_ROUND(b, c, d, e, a, XMPPCORE_SHA1_CH, 0x5a827999u, 14);
      XMPPCORE_SHA1_ROUND(a, b, c, d, e, XMPPCORE_SHA1_CH, 0x5a827999u, 15);
      XMPPCORE_SHA1_ROUND(e, a, b, c, d, XMPPCORE_SHA1_CH, 0x5a827999u, 16);
      XMPPCORE_SHA1_ROUND(d, e, a, b, c, XMPPCORE_SHA1_CH, 0x5a827999u, 17);
      XMPPCORE_SHA1_ROUND(c, d, e, a, b, XMPPCORE_SHA1_CH, 0x5a827999u, 18);
      XMPPCORE_SHA1_ROUND(b, c, d, e, a, XMPPCORE_SHA1_CH, 0x5a827999u, 19);
      XMPPCORE_SHA1_ROUND(a, b, c, d, e, XMPPCORE_SHA1_PAR, 0x6ed9eba1u, 20);
      XMPPCORE_SHA1_ROUND(e, a, b, c, d, XMPPCORE_SHA1_PAR, 0x6ed9eba1u, 21);
      XMPPCORE_SHA1_ROUND(d, e, a, b, c, XMPPCORE_SHA1_PAR, 0x6ed9eba1u, 22);
      XMPPCORE_SHA1_ROUND(c, d, e, a, b, XMPPCORE_SHA1_PAR, 0x6ed9eba1u, 23);
      XMPPCORE_SHA1_ROUND(b, c, d, e, a, XMPPCORE_SHA1_PAR, 0x6ed9eba1u, 24);
      XMPPCORE_SHA1_ROUND(a, b, c, d, e, XMPPCORE_SHA1_PAR, 0x6ed9eba1u, 25);
      XMPPCORE_SHA1_ROUND(e, a, b, c, d, XMPPCORE_SHA1_PAR, 0x6ed9eba1u, 26);
      XMPPCORE_SHA1_ROUND(d, e, a, b, c, XMPPCORE_SHA1_PAR, 0x6ed9eba1u, 27);
      XMPPCORE_SHA1_ROUND(c, d, e, a, b, XMPPCORE_SHA1_PAR, 0x6ed9eba1u, 28);
      XMPPCORE_SHA1_ROUND(b, c, d, e, a, XMPPCORE_SHA1_PAR, 0x6ed9eba1u, 29);
      XMPPCORE_SHA1_ROUND(a, b, c, d, e, XMPPCORE_SHA1_PAR, 0x6ed9eba1u, 30);
      XMPPCORE_SHA1_ROUND(e, a, b, c, d, XMPPCORE_SHA1_PAR, 0x6ed9eba1u, 31);
      XMPPCORE_SHA1_ROUND(d, e, a, b, c, XMPPCORE_SHA1_PAR, 0x6ed9eba1u, 32);
      XMPPCORE_SHA1_ROUND(c, d, e, a, b, XMPPCORE_SHA1_PAR, 0x6ed9eba1u, 33);
      XMPPCORE_SHA1_ROUND(b, c, d, e, a, XMPPCORE_SHA1_PAR, 0x6ed9eba1u, 34);
      XMPPCORE_SHA1_ROUND(a, b, c, d, e, XMPPCORE_SHA1_PAR, 0x6ed9eba1u, 35);
      XMPPCORE_SHA1_ROUND(e, a, b, c, d, XMPPCORE_SHA1_PAR, 0x6ed9eba1u, 36);
      XMPPCORE_SHA1_ROUND(d, e, a, b, c, XMPPCORE_SHA1_PAR, 0x6ed9eba1u, 37);
      XMPPCORE_SHA1_ROUND(c, d, e, a, b, XMPPCORE_SHA1_PAR, 0x6ed9eba1u, 38);
      XMPPCORE_SHA1_ROUND(b, c, d, e, a, XMPPCORE_SHA1_PAR, 0x6ed9eba1u, 39);
      XMPPCORE_SHA1_ROUND(a, b, c, d, e, XMPPCORE_SHA1_MAJ, 0x8f1bbcdcu, 40);
      XMPPCORE_SHA1_ROUND(e, a, b, c, d, XMPPCORE_SHA1_MAJ, 0x8f1bbcdcu, 41);
      XMPPCORE_SHA1_ROUND(d, e, a, b, c, XMPPCORE_SHA1_MAJ, 0x8f1bbcdcu, 42);
      XMPPCORE_SHA1_ROUND(c, d, e, a, b, XMPPCORE_SHA1_MAJ, 0x8f1bbcdcu, 43);
      XMPPCORE_SHA1_ROUND(b, c, d, e, a, XMPPCORE_SHA1_MAJ, 0x8f1bbcdcu, 44);
      XMPPCORE_SHA1_ROUND(a, b, c, d, e, XMPPCORE_SHA1_MAJ, 0x8f1bbcdcu, 45);
      XMPPCORE_SHA1_ROUND(e, a, b, c, d, XMPPCORE_SHA1_MAJ, 0x8f1bbcdcu, 46);
      XMPPCORE_SHA1_ROUND(d, e, a, b, c, XMPPCORE_SHA1_MAJ, 0x8f1bbcdcu, 47);
      XMPPCORE_SHA1_ROUND(c, d, e, a, b, XMPPCORE_SHA1_MAJ, 0x8f1bbcdcu, 48);
      XMPPCORE_SHA1_ROUND(b, c, d, e, a, XMPPCORE_SHA1_MAJ, 0x8f1bbcdcu, 49);
      XMPPCORE_SHA1_ROUND(a, b, c, d, e, XMPPCORE_SHA1_MAJ, 0x8f1bbcdcu, 50);
      XMPPCORE_SHA1_ROUND(e, a, b, c, d, XMPPCORE_SHA1_MAJ, 0x8f1bbcdcu, 51);
      XMPPCORE_SHA1_ROUND(d, e, a, b, c, XMPPCORE_SHA1_MAJ, 0x8f1bbcdcu, 52);
      XMPPCORE_SHA1_ROUND(c, d, e, a, b, XMPPCORE_SHA1_MAJ, 0x8f1bbcdcu, 53);
      XMPPCORE_SHA1_ROUND(b, c, d, e, a, XMPPCORE_SHA1_MAJ, 0x8f1bbcdcu, 54);
      XMPPCORE_SHA1_ROUND(a, b, c, d, e, XMPPCORE_SHA1_MAJ, 0x8f1bbcdcu, 55);
      XMPPCORE_SHA1_ROUND(e, a, b, c, d, XMPPCORE_SHA1_MAJ, 0x8f1bbcdcu, 56);
      XMPPCORE_SHA1_ROUND(d, e, a, b, c, XMPPCORE_SHA1_MAJ, 0x8f1bbcdcu, 57);
      XMPPCORE_SHA1_ROUND(c, d, e, a, b, XMPPCORE_SHA1_MAJ, 0x8f1bbcdcu, 58);
      XMPPCORE_SHA1_ROUND(b, c, d, e, a, XMPPCORE_SHA1_MAJ, 0x8f1bbcdcu, 59);
      XMPPCORE_SHA1_ROUND(a, b, c, d, e, XMPPCORE_SHA1_PAR, 0xca62c1d6u, 60);
      XMPPCORE_SHA1_ROUND(e, a, b, c, d, XMPPCORE_SHA1_PAR, 0xca62c1d6u, 61);
      XMPPCORE_SHA1_ROUND(d, e, a, b, c, XMPPCORE_SHA1_PAR, 0xca62c1d6u, 62);
      XMPPCORE_SHA1_ROUND(c, d, e, a, b, XMPPCORE_SHA1_PAR, 0xca62c1d6u, 63);
      XMPPCORE_SHA1_ROUND(b, c, d, e, a, XMPPCORE_SHA1_PAR, 0xca62c1d6u, 64);
      XMPPCORE_SHA1_ROUND(a, b, c, d, e, XMPPCORE_SHA1_PAR, 0xca62c1d6u, 65);
      XMPPCORE_SHA1_ROUND(e, a, b, c, d, XMPPCORE_SHA1_PAR, 0xca62c1d6u, 66);
      XMPPCORE_SHA1_ROUND(d, e, a, b, c, XMPPCORE_SHA1_PAR, 0xca62c1d6u, 67);
      XMPPCORE_SHA1_ROUND(c, d, e, a, b, XMPPCORE_SHA1_PAR, 0xca62c1d6u, 68);
      XMPPCORE_SHA1_ROUND(b, c, d, e, a, XMPPCORE_SHA1_PAR, 0xca62c1d6u, 69);
      XMPPCORE_SHA1_ROUND(a, b, c, d, e, XMPPCORE_SHA1_PAR, 0xca62c1d6u, 70);
      XMPPCORE_SHA1_ROUND(e, a, b, c, d, XMPPCORE_SHA1_PAR, 0xca62c1d6u, 71);
      XMPPCORE_SHA1_ROUND(d, e, a, b, c, XMPPCORE_SHA1_PAR, 0xca62c1d6u, 72);
      XMPPCORE_SHA1_ROUND(c, d, e, a, b, XMPPCORE_SHA1_PAR, 0xca62c1d6u, 73);
      XMPPCORE_SHA1_ROUND(b, c, d, e, a, XMPPCORE_SHA1_PAR, 0xca62c1d6u, 74);
      XMPPCORE_SHA1_ROUND(a, b, c, d, e, XMPPCORE_SHA1_PAR, 0xca62c1d6u, 75);
      XMPPCORE_SHA1_ROUND(e, a, b, c, d, XMPPCORE_SHA1_PAR, 0xca62c1d6u, 76);
      XMPPCORE_SHA1_ROUND(d, e, a, b, c, XMPPCORE_SHA1_PAR, 0xca62c1d6u, 77);
      XMPPCORE_SHA1_ROUND(c, d, e, a, b, XMPPCORE_SHA1_PAR, 0xca62c1d6u, 78);
      XMPPCORE_SHA1_ROUND(b, c, d, e, a, XMPPCORE_SHA1_PAR, 0xca62c1d6u, 79);
#undef XMPPCORE_SHA1_ROUND
#undef XMPPCORE_SHA1_CH
#undef XMPPCORE_SHA1_PAR
#undef XMPPCORE_SHA1_MAJ
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
