// xmppcore — the Merkle–Damgård buffering shared by MD5, SHA-1 and SHA-256.
//
// All three hashes cut the message into 64-byte blocks and finish with the
// same padding: 0x80, zeros, then the message length in bits as a 64-bit
// integer (little-endian for MD5, RFC 1321 §3.2; big-endian for SHA,
// FIPS 180-4 §5.1.1). This base does the buffering once; the derived class
// supplies `compress(const unsigned char* blocks, std::size_t n)` (n whole
// blocks) and `write_digest(unsigned char* out)`.
//
// Speed: update() hands whole blocks to compress() straight from the caller's
// memory; only a partial block at either end is copied into the buffer.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

namespace xmppcore::crypto::detail {

inline std::uint32_t rotl32(std::uint32_t x, int n) noexcept {
  return (x << n) | (x >> (32 - n));
}
inline std::uint32_t rotr32(std::uint32_t x, int n) noexcept {
  return (x >> n) | (x << (32 - n));
}
inline std::uint32_t load_le32(const unsigned char* p) noexcept {
  return std::uint32_t(p[0]) | (std::uint32_t(p[1]) << 8) | (std::uint32_t(p[2]) << 16) |
         (std::uint32_t(p[3]) << 24);
}
inline std::uint32_t load_be32(const unsigned char* p) noexcept {
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) |
         std::uint32_t(p[3]);
}
inline void store_le32(unsigned char* p, std::uint32_t v) noexcept {
  p[0] = static_cast<unsigned char>(v);
  p[1] = static_cast<unsigned char>(v >> 8);
  p[2] = static_cast<unsigned char>(v >> 16);
  p[3] = static_cast<unsigned char>(v >> 24);
}
inline void store_be32(unsigned char* p, std::uint32_t v) noexcept {
  p[0] = static_cast<unsigned char>(v >> 24);
  p[1] = static_cast<unsigned char>(v >> 16);
  p[2] = static_cast<unsigned char>(v >> 8);
  p[3] = static_cast<unsigned char>(v);
}

/// CRTP base: buffering, length counting and final padding for 64-byte-block hashes.
template <class Derived, std::size_t DigestSize, bool BigEndianLength>
class block_hash {
 public:
  static constexpr std::size_t block_size = 64;
  static constexpr std::size_t digest_size = DigestSize;
  using digest_type = std::array<std::byte, DigestSize>;

  /// Absorbs `data`; may be called any number of times.
  Derived& update(std::span<const std::byte> data) noexcept {
    absorb(reinterpret_cast<const unsigned char*>(data.data()), data.size());
    return static_cast<Derived&>(*this);
  }
  /// Absorbs the octets of `data` (any bytes, not only text).
  Derived& update(std::string_view data) noexcept {
    absorb(reinterpret_cast<const unsigned char*>(data.data()), data.size());
    return static_cast<Derived&>(*this);
  }

  /// Pads, returns the digest and resets the object for a new message.
  digest_type finish() noexcept {
    // The length counts bits modulo 2^64 (RFC 1321 §3.2, FIPS 180-4 §5.1.1).
    const std::uint64_t bits = total_ << 3;
    unsigned char pad[block_size * 2] = {0x80};
    const std::size_t padlen = (buffered_ < 56 ? 56 : 120) - buffered_;
    unsigned char len[8];
    for (int i = 0; i < 8; ++i) {
      const int shift = BigEndianLength ? 56 - 8 * i : 8 * i;
      len[i] = static_cast<unsigned char>(bits >> shift);
    }
    absorb(pad, padlen);
    absorb(len, 8);
    digest_type out;
    static_cast<Derived*>(this)->write_digest(reinterpret_cast<unsigned char*>(out.data()));
    static_cast<Derived*>(this)->reset();
    return out;
  }

 protected:
  void reset_buffer() noexcept {
    buffered_ = 0;
    total_ = 0;
  }

 private:
  void absorb(const unsigned char* p, std::size_t n) noexcept {
    total_ += n;
    if (buffered_ != 0) {
      const std::size_t take = n < block_size - buffered_ ? n : block_size - buffered_;
      std::memcpy(buf_.data() + buffered_, p, take);
      buffered_ += take;
      p += take;
      n -= take;
      if (buffered_ < block_size) return;
      static_cast<Derived*>(this)->compress(buf_.data(), 1);
      buffered_ = 0;
    }
    if (n >= block_size) {  // whole blocks straight from the caller's memory
      const std::size_t blocks = n / block_size;
      static_cast<Derived*>(this)->compress(p, blocks);
      p += blocks * block_size;
      n -= blocks * block_size;
    }
    if (n != 0) {
      std::memcpy(buf_.data(), p, n);
      buffered_ = n;
    }
  }

  std::array<unsigned char, block_size> buf_{};
  std::size_t buffered_ = 0;
  std::uint64_t total_ = 0;
};

}  // namespace xmppcore::crypto::detail
