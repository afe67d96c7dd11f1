#include <xmppcore/crypto/md5.hpp>

#include "hash_checks.hpp"

#include <doctest/doctest.h>

#include <xmppcore/crypto/hex.hpp>

using xmppcore::crypto::md5;
using xmppcore::crypto::to_hex;

TEST_CASE("md5: RFC 1321 §A.5 test suite") {
  struct vec { const char* in; const char* out; };
  const vec vectors[] = {
      {"", "d41d8cd98f00b204e9800998ecf8427e"},
      {"a", "0cc175b9c0f1b6a831c399e269772661"},
      {"abc", "900150983cd24fb0d6963f7d28e17f72"},
      {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
      {"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
      {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
       "d174ab98d277d9f5a5611c2c9f419d9f"},
      {"12345678901234567890123456789012345678901234567890123456789012345678901234567890",
       "57edf4a22be3c955ac49da2e2107b67a"},
  };
  for (const auto& v : vectors) {
    CAPTURE(v.in);
    CHECK(to_hex(md5::hash(std::string_view(v.in))) == v.out);
  }
}

TEST_CASE("md5: streaming split at every offset equals one-shot") {
  xc_test::split_everywhere<md5>(
      "The quick brown fox jumps over the lazy dog, then does it again and again until the "
      "message is longer than two blocks of sixty-four bytes each.");
}

TEST_CASE("md5: every length 0..300 and random chunked inputs match OpenSSL") {
  xc_test::compare_with_openssl<md5>("MD5");
}

TEST_CASE("md5: interface facts") {
  static_assert(md5::digest_size == 16 && md5::block_size == 64);
  static_assert(sizeof(md5::digest_type) == 16);
  CHECK(to_hex(md5::hash(std::string(1000000, 'a'))) == "7707d6ae4e027c70eea2a935c2296f21");  // python3 hashlib
}
