// Shared checks for the three hash tests: every length 0..300 and random longer
// inputs compared with OpenSSL, fed whole, in random chunks and from unaligned
// addresses; and streaming split at every offset of a message.
#pragma once

#include "oracle.hpp"

#include <doctest/doctest.h>

#include <span>
#include <string>

namespace xc_test {

template <class Hash>
void compare_with_openssl(const char* openssl_name) {
  test_rng rng(0x5eed0000u + Hash::digest_size);
  for (std::size_t len = 0; len <= 300; ++len) {
    CAPTURE(len);
    const std::string msg = rng.bytes(len);
    CHECK(to_str(Hash::hash(msg)) == openssl_digest(openssl_name, msg));
  }
  for (int round = 0; round < 200; ++round) {
    const std::size_t len = static_cast<std::size_t>(rng.next() % 20000);
    const std::size_t shift = static_cast<std::size_t>(rng.next() % 8);
    std::string buf = rng.bytes(len + shift);
    const std::string_view msg = std::string_view(buf).substr(shift);  // unaligned start
    CAPTURE(len);
    CAPTURE(shift);
    Hash h;
    std::size_t pos = 0;
    while (pos < msg.size()) {  // random chunk sizes, including 0 and > 64
      const std::size_t n = std::min<std::size_t>(msg.size() - pos, rng.next() % 200);
      h.update(msg.substr(pos, n));
      pos += n;
    }
    CHECK(to_str(h.finish()) == openssl_digest(openssl_name, msg));
  }
}

template <class Hash>
void split_everywhere(std::string_view msg) {
  const auto whole = Hash::hash(msg);
  for (std::size_t i = 0; i <= msg.size(); ++i) {
    CAPTURE(i);
    Hash h;
    h.update(msg.substr(0, i)).update(msg.substr(i));
    CHECK(h.finish() == whole);
  }
  // finish() resets: the object can be reused, and byte spans give the same digest.
  Hash h;
  h.update("garbage");
  (void)h.finish();
  h.update(std::span<const std::byte>(reinterpret_cast<const std::byte*>(msg.data()), msg.size()));
  CHECK(h.finish() == whole);
}

}  // namespace xc_test
