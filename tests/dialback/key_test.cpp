#include <xmppcore/dialback/key.hpp>

#include "crypto/oracle.hpp"


#include <doctest/doctest.h>

#include <cstdio>
#include <string>
#include <vector>

using namespace xmppcore;

namespace {

std::string hex(std::string_view raw) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += d[c >> 4];
    out += d[c & 15];
  }
  return out;
}

/// The XEP-0185 key computed with OpenSSL only (the independent side).
std::string oracle_key(std::string_view secret, std::string_view recv, std::string_view orig, std::string_view id) {
  const std::string k = hex(xc_test::openssl_digest("SHA256", secret));
  const std::string text = std::string(recv) + " " + std::string(orig) + " " + std::string(id);
  return hex(xc_test::openssl_hmac("SHA256", k, text));
}

}  // namespace

TEST_CASE("dialback key: the XEP-0185 check value (computed with Python's hashlib/hmac)") {
  CHECK(dialback::make_key("s3cr3tf0rd14lb4ck", "example.net", "example.com", "D60000229F") ==
        "008c689ff366b50c63d69a3e2d2c0e0e1f8404b0118eb688a0102c87cb691bdc");
  CHECK(dialback::check_key("008c689ff366b50c63d69a3e2d2c0e0e1f8404b0118eb688a0102c87cb691bdc", "s3cr3tf0rd14lb4ck",
                            "example.net", "example.com", "D60000229F"));
  // The draft's examples carry the key as text with whitespace around it (§8.3 step 4).
  CHECK(dialback::check_key("\n  008c689ff366b50c63d69a3e2d2c0e0e1f8404b0118eb688a0102c87cb691bdc\n",
                            "s3cr3tf0rd14lb4ck", "example.net", "example.com", "D60000229F"));
}

TEST_CASE("dialback key: anything else is refused (one character, swapped domains, another id, upper case)") {
  const std::string k = "008c689ff366b50c63d69a3e2d2c0e0e1f8404b0118eb688a0102c87cb691bdc";
  CHECK_FALSE(dialback::check_key("108c689ff366b50c63d69a3e2d2c0e0e1f8404b0118eb688a0102c87cb691bdc",
                                  "s3cr3tf0rd14lb4ck", "example.net", "example.com", "D60000229F"));
  CHECK_FALSE(dialback::check_key(k, "s3cr3tf0rd14lb4ck", "example.com", "example.net", "D60000229F"));
  CHECK_FALSE(dialback::check_key(k, "s3cr3tf0rd14lb4ck", "example.net", "example.com", "D60000229E"));
  CHECK_FALSE(dialback::check_key(k, "other-secret", "example.net", "example.com", "D60000229F"));
  CHECK_FALSE(dialback::check_key("008C689FF366B50C63D69A3E2D2C0E0E1F8404B0118EB688A0102C87CB691BDC",
                                  "s3cr3tf0rd14lb4ck", "example.net", "example.com", "D60000229F"));
  CHECK_FALSE(dialback::check_key(k.substr(0, 63), "s3cr3tf0rd14lb4ck", "example.net", "example.com", "D60000229F"));
  CHECK_FALSE(dialback::check_key("", "s3cr3tf0rd14lb4ck", "example.net", "example.com", "D60000229F"));
}

TEST_CASE("dialback key: 300 keys against OpenSSL for varied secrets, domains (IDNs in ACE form) and ids") {
  // IDNs go over the wire (and into the key) in their ACE form: both ends hash
  // the same octets whatever Unicode version or mapping each uses.
  const std::vector<std::string> domains = {"example.com", "example.net", "chat.example.org", "xn--bcher-kva.example",
                                            "xn--80akhbyknj4f.xn--p1ai", "a.b.c.d.e.example", "192.0.2.1",
                                            "[2001:db8::1]", "localhost", "x"};
  xc_test::test_rng rng(185);
  int n = 0;
  for (int i = 0; i < 300; ++i) {
    const std::string secret = rng.bytes(1 + rng.next() % 80);
    const std::string& recv = domains[rng.next() % domains.size()];
    const std::string& orig = domains[rng.next() % domains.size()];
    const std::string id = hex(rng.bytes(1 + rng.next() % 32));
    CAPTURE(i);
    const std::string ours = dialback::make_key(secret, recv, orig, id);
    CHECK(ours == oracle_key(secret, recv, orig, id));
    CHECK(ours.size() == 64);
    CHECK(dialback::check_key(ours, secret, recv, orig, id));
    ++n;
  }
  CHECK(n == 300);
}
