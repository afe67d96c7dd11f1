#include <xmppcore/crypto/sha1.hpp>

#include "hash_checks.hpp"

#include <doctest/doctest.h>

#include <xmppcore/crypto/hex.hpp>

using xmppcore::crypto::sha1;
using xmppcore::crypto::to_hex;

TEST_CASE("sha1: FIPS 180 examples (one block, two blocks, one million 'a')") {
  CHECK(to_hex(sha1::hash(std::string_view("abc"))) == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(to_hex(sha1::hash(std::string_view("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))) ==
        "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  CHECK(to_hex(sha1::hash(std::string(1000000, 'a'))) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
  // Empty message (python3 hashlib).
  CHECK(to_hex(sha1::hash(std::string_view())) == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

TEST_CASE("sha1: streaming split at every offset equals one-shot") {
  xc_test::split_everywhere<sha1>(
      "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrs"
      "mnopqrstnopqrstu");
}

TEST_CASE("sha1: every length 0..300 and random chunked inputs match OpenSSL") {
  xc_test::compare_with_openssl<sha1>("SHA1");
}

TEST_CASE("sha1: interface facts") {
  static_assert(sha1::digest_size == 20 && sha1::block_size == 64);
  sha1 h;
  h.update("ab").update("c");
  CHECK(to_hex(h.finish()) == "a9993e364706816aba3e25717850c26c9cd0d89d");
}
