#include <xmppcore/crypto/base64.hpp>

#include "oracle.hpp"

#include <doctest/doctest.h>

#include <openssl/evp.h>

#include <string>

using namespace xmppcore::crypto;

TEST_CASE("base64: RFC 4648 §10 test vectors, both directions") {
  struct vec { const char* in; const char* out; };
  const vec v[] = {{"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},       {"foo", "Zm9v"},
                   {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (const auto& t : v) {
    CAPTURE(t.in);
    CHECK(base64_encode(std::string_view(t.in)) == t.out);
    auto d = base64_decode(t.out);
    REQUIRE(d);
    CHECK(*d == t.in);
  }
}

TEST_CASE("base64: every length 0..300 round-trips and matches OpenSSL's encoder") {
  xc_test::test_rng rng(99);
  for (std::size_t len = 0; len <= 300; ++len) {
    CAPTURE(len);
    const std::string data = rng.bytes(len);
    const std::string enc = base64_encode(data);
    std::string ossl(4 * ((len + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(ossl.data()),
                                  reinterpret_cast<const unsigned char*>(data.data()), static_cast<int>(len));
    ossl.resize(static_cast<std::size_t>(n));
    CHECK(enc == ossl);
    auto dec = base64_decode(enc);
    REQUIRE(dec);
    CHECK(*dec == data);
  }
}

TEST_CASE("base64: rejects a length that is not a multiple of 4") {
  for (const char* s : {"Z", "Zg", "Zg=", "Zm9vY", "Zm9vYmF", "Zg===", "="}) {
    CAPTURE(s);
    CHECK(base64_decode(s).error() == base64_error::invalid_length);
  }
}

TEST_CASE("base64: rejects characters outside the alphabet, whitespace and line breaks included") {
  for (const char* s : {"Zm9v\nYmFy", "Zm9v YmFy", "Zm9vYmF\t", "Zm9v\r\nYm==", "Zm-v", "Zm_v", "Zm9.",
                        "Zm9vYmFy\n", " Zm9", "Zm\x80v", "Zm\xffv"}) {
    CAPTURE(s);
    const auto r = base64_decode(s);
    REQUIRE_FALSE(r);
    // Either the foreign character or the length (when the whitespace broke it) is reported.
    CHECK((r.error() == base64_error::invalid_character || r.error() == base64_error::invalid_length));
  }
  CHECK(base64_decode("Zg=\n").error() == base64_error::misplaced_padding);  // '=' not at the end
  CHECK(base64_decode("Zm9v YmF").error() == base64_error::invalid_character);
  CHECK(base64_decode(std::string_view("Zm\0v", 4)).error() == base64_error::invalid_character);
  // Every byte value that is not in the alphabet, in every position of a quad.
  for (int c = 0; c < 256; ++c) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
                    c == '/' || c == '=';
    if (ok) continue;
    for (int pos = 0; pos < 4; ++pos) {
      std::string s = "QUJD";
      s[static_cast<std::size_t>(pos)] = static_cast<char>(c);
      CAPTURE(c);
      CHECK(base64_decode(s).error() == base64_error::invalid_character);
    }
  }
}

TEST_CASE("base64: rejects '=' anywhere but the last one or two positions") {
  for (const char* s : {"=Zm9", "Z=m9", "Zm=9", "Zg==Zm9v", "Zm8=Zm9v", "====", "Z===", "Zm9v=Zg=", "Zm9v===="}) {
    CAPTURE(s);
    CHECK(base64_decode(s).error() == base64_error::misplaced_padding);
  }
}

TEST_CASE("base64: rejects non-zero padding bits (RFC 4648 §3.5)") {
  CHECK(*base64_decode("Zg==") == "f");
  for (const char* s : {"Zh==", "Zi==", "Zv==", "Zm9=", "Zm+=", "Zm/="}) {
    CAPTURE(s);
    CHECK(base64_decode(s).error() == base64_error::nonzero_padding_bits);
  }
  CHECK(*base64_decode("Zm8=") == "fo");
}

TEST_CASE("base64: decoded-size limit is checked before allocating") {
  CHECK(*base64_decode("Zm9vYmFy", 6) == "foobar");
  CHECK(base64_decode("Zm9vYmFy", 5).error() == base64_error::too_long);
  CHECK(base64_decode("Zm9vYg==", 3).error() == base64_error::too_long);
  CHECK(*base64_decode("Zm9vYg==", 4) == "foob");
}

TEST_CASE("base64: the broken first challenge of draft §6.5 is rejected (ERRATA.md)") {
  // Copied from draft-ietf-xmpp-core-23 §6.5 step 5, as the element's text
  // (with its line breaks) and with the line breaks removed.
  const std::string line1 = "cmVhbG09InNvbWVyZWFSbSIscm9uY2U9Ik9BNk1H0XRFUdtMmhoIixxb3A9ImF1dGgi";
  const std::string line2 = "LGN0YXJzZXQ9dXRmLTgsYWxnb3JpdGhtPW1kNS1zZXNzCg==";
  CHECK_FALSE(base64_decode("\n" + line1 + "\n" + line2 + "\n"));
  const auto joined = base64_decode(line1 + line2);
  REQUIRE_FALSE(joined);
  CHECK(joined.error() == base64_error::invalid_length);  // 115 characters
}

TEST_CASE("base64: to_string names every error") {
  CHECK(to_string(base64_error::invalid_length) == "invalid-length");
  CHECK(to_string(base64_error::invalid_character) == "invalid-character");
  CHECK(to_string(base64_error::misplaced_padding) == "misplaced-padding");
  CHECK(to_string(base64_error::nonzero_padding_bits) == "nonzero-padding-bits");
  CHECK(to_string(base64_error::too_long) == "too-long");
}
