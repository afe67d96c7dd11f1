#include <xmppcore/crypto/sha256.hpp>

#include "hash_checks.hpp"

#include <doctest/doctest.h>

#include <xmppcore/crypto/hex.hpp>

using xmppcore::crypto::sha256;
using xmppcore::crypto::to_hex;

TEST_CASE("sha256: FIPS 180 examples (one block, two blocks, one million 'a')") {
  CHECK(to_hex(sha256::hash(std::string_view("abc"))) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(to_hex(sha256::hash(std::string_view("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))) ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(to_hex(sha256::hash(std::string(1000000, 'a'))) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  // Empty message (python3 hashlib).
  CHECK(to_hex(sha256::hash(std::string_view())) ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("sha256: streaming split at every offset equals one-shot") {
  xc_test::split_everywhere<sha256>(
      "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrs"
      "mnopqrstnopqrstu");
}

TEST_CASE("sha256: every length 0..300 and random chunked inputs match OpenSSL") {
  xc_test::compare_with_openssl<sha256>("SHA256");
}

TEST_CASE("sha256: interface facts") {
  static_assert(sha256::digest_size == 32 && sha256::block_size == 64);
  sha256 h;
  h.update("a").update("").update("bc");
  CHECK(to_hex(h.finish()) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
