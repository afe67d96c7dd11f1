// xmppcore — HMAC (RFC 2104) over any crypto/ hash (md5, sha1, sha256).
//
// The object keeps the hash states after absorbing K^ipad and K^opad, so
// re-using a keyed object (reset()) costs no key processing; PBKDF2 relies on that.
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string_view>

namespace xmppcore::crypto {

/// Streaming HMAC-H. `Hash` is md5, sha1 or sha256 (any type with the same interface).
template <class Hash>
class hmac {
 public:
  static constexpr std::size_t digest_size = Hash::digest_size;
  using digest_type = typename Hash::digest_type;

  /// Keys the MAC. Keys longer than the block size are hashed first (RFC 2104 §2).
  explicit hmac(std::span<const std::byte> key) noexcept { set_key(key); }
  explicit hmac(std::string_view key) noexcept {
    set_key({reinterpret_cast<const std::byte*>(key.data()), key.size()});
  }

  /// Absorbs message octets.
  hmac& update(std::span<const std::byte> data) noexcept {
    inner_.update(data);
    return *this;
  }
  hmac& update(std::string_view data) noexcept {
    inner_.update(data);
    return *this;
  }

  /// Returns HMAC(K, message) and resets to the keyed initial state.
  digest_type finish() noexcept {
    const digest_type inner = inner_.finish();
    Hash outer = outer_start_;
    outer.update(std::span<const std::byte>(inner));
    inner_ = inner_start_;
    return outer.finish();
  }

  /// Drops any absorbed message; the key stays.
  void reset() noexcept { inner_ = inner_start_; }

  /// One-shot HMAC(key, data).
  static digest_type mac(std::span<const std::byte> key, std::span<const std::byte> data) noexcept {
    return hmac(key).update(data).finish();
  }
  static digest_type mac(std::string_view key, std::string_view data) noexcept {
    return hmac(key).update(data).finish();
  }

 private:
  void set_key(std::span<const std::byte> key) noexcept {
    std::array<std::byte, Hash::block_size> k{};
    if (key.size() > Hash::block_size) {
      const auto d = Hash::hash(key);
      for (std::size_t i = 0; i < d.size(); ++i) k[i] = d[i];
    } else {
      for (std::size_t i = 0; i < key.size(); ++i) k[i] = key[i];
    }
    std::array<std::byte, Hash::block_size> pad;
    for (std::size_t i = 0; i < pad.size(); ++i) pad[i] = k[i] ^ std::byte{0x36};  // ipad
    inner_start_.update(std::span<const std::byte>(pad));
    for (std::size_t i = 0; i < pad.size(); ++i) pad[i] = k[i] ^ std::byte{0x5c};  // opad
    outer_start_.update(std::span<const std::byte>(pad));
    inner_ = inner_start_;
  }

  Hash inner_start_{};
  Hash outer_start_{};
  Hash inner_{};
};

}  // namespace xmppcore::crypto
