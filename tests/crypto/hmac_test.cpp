#include <xmppcore/crypto/hmac.hpp>

#include "oracle.hpp"

#include <doctest/doctest.h>

#include <xmppcore/crypto/hex.hpp>
#include <xmppcore/crypto/md5.hpp>
#include <xmppcore/crypto/sha1.hpp>
#include <xmppcore/crypto/sha256.hpp>

#include <string>

using namespace xmppcore::crypto;

namespace {
std::string seq(int from, int to) {
  std::string s;
  for (int i = from; i <= to; ++i) s += static_cast<char>(i);
  return s;
}
struct vec {
  std::string key, data;
  const char* mac;
};
const std::string big_key_msg = "Test Using Larger Than Block-Size Key - Hash Key First";
const std::string big_both_msg = "Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data";
}  // namespace

TEST_CASE("hmac-md5: RFC 2202 §2 test cases 1-7") {
  const vec v[] = {
      {std::string(16, '\x0b'), "Hi There", "9294727a3638bb1c13f48ef8158bfc9d"},
      {"Jefe", "what do ya want for nothing?", "750c783e6ab0b503eaa86e310a5db738"},
      {std::string(16, '\xaa'), std::string(50, '\xdd'), "56be34521d144c88dbb8c733f0e8b3f6"},
      {seq(1, 25), std::string(50, '\xcd'), "697eaf0aca3a3aea3a75164746ffaa79"},
      {std::string(16, '\x0c'), "Test With Truncation", "56461ef2342edc00f9bab995690efd4c"},
      {std::string(80, '\xaa'), big_key_msg, "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd"},
      {std::string(80, '\xaa'), big_both_msg, "6f630fad67cda0ee1fb1f562db3aa53e"},
  };
  for (const auto& t : v) {
    CAPTURE(t.mac);
    CHECK(to_hex(hmac<md5>::mac(t.key, t.data)) == t.mac);
  }
}

TEST_CASE("hmac-sha1: RFC 2202 §3 test cases 1-7") {
  const vec v[] = {
      {std::string(20, '\x0b'), "Hi There", "b617318655057264e28bc0b6fb378c8ef146be00"},
      {"Jefe", "what do ya want for nothing?", "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"},
      {std::string(20, '\xaa'), std::string(50, '\xdd'), "125d7342b9ac11cd91a39af48aa17b4f63f175d3"},
      {seq(1, 25), std::string(50, '\xcd'), "4c9007f4026250c6bc8414f9bf50c86c2d7235da"},
      {std::string(20, '\x0c'), "Test With Truncation", "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04"},
      {std::string(80, '\xaa'), big_key_msg, "aa4ae5e15272d00e95705637ce8a3b55ed402112"},
      {std::string(80, '\xaa'), big_both_msg, "e8e99d0f45237d786d6bbaa7965c7808bbff1a91"},
  };
  for (const auto& t : v) {
    CAPTURE(t.mac);
    CHECK(to_hex(hmac<sha1>::mac(t.key, t.data)) == t.mac);
  }
}

TEST_CASE("hmac-sha256: RFC 4231 §4 test cases 1-7") {
  const vec v[] = {
      {std::string(20, '\x0b'), "Hi There", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      {"Jefe", "what do ya want for nothing?",
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {std::string(20, '\xaa'), std::string(50, '\xdd'),
       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
      {seq(1, 25), std::string(50, '\xcd'), "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
      {std::string(131, '\xaa'), big_key_msg, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
      {std::string(131, '\xaa'),
       "This is a test using a larger than block-size key and a larger than block-size data. The key needs "
       "to be hashed before being used by the HMAC algorithm.",
       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
  };
  for (const auto& t : v) {
    CAPTURE(t.mac);
    CHECK(to_hex(hmac<sha256>::mac(t.key, t.data)) == t.mac);
  }
  // Test case 5 is truncated to 128 bits (RFC 4231 §4.6).
  CHECK(to_hex(hmac<sha256>::mac(std::string(20, '\x0c'), "Test With Truncation")).substr(0, 32) ==
        "a3b6167473100ee06e0c796c2955552b");
}

TEST_CASE("hmac: streaming, reuse after finish and reset") {
  hmac<sha256> h(std::string_view("Jefe"));
  h.update("what do ya ").update("want for nothing?");
  const auto first = h.finish();
  CHECK(to_hex(first) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  h.update("what do ya want for nothing?");  // finish() left it keyed and empty
  CHECK(h.finish() == first);
  h.update("junk");
  h.reset();
  h.update("what do ya want for nothing?");
  CHECK(h.finish() == first);
}

TEST_CASE("hmac: key lengths 0..300 and message lengths 0..300 match OpenSSL") {
  xc_test::test_rng rng(42);
  for (std::size_t len = 0; len <= 300; ++len) {
    CAPTURE(len);
    const std::string key = rng.bytes(len), msg = rng.bytes(len), key2 = rng.bytes(rng.next() % 150);
    CHECK(xc_test::to_str(hmac<md5>::mac(key, msg)) == xc_test::openssl_hmac("MD5", key, msg));
    CHECK(xc_test::to_str(hmac<sha1>::mac(key, msg)) == xc_test::openssl_hmac("SHA1", key, msg));
    CHECK(xc_test::to_str(hmac<sha256>::mac(key, msg)) == xc_test::openssl_hmac("SHA256", key, msg));
    CHECK(xc_test::to_str(hmac<sha256>::mac(key2, msg)) == xc_test::openssl_hmac("SHA256", key2, msg));
  }
}
