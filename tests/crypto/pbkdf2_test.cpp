#include <xmppcore/crypto/pbkdf2.hpp>

#include "oracle.hpp"

#include <doctest/doctest.h>

#include <xmppcore/crypto/hex.hpp>
#include <xmppcore/crypto/md5.hpp>
#include <xmppcore/crypto/sha1.hpp>
#include <xmppcore/crypto/sha256.hpp>

#include <string>

using namespace xmppcore::crypto;

namespace {
template <class Hash>
std::string derive(std::string_view p, std::string_view s, std::uint32_t c, std::size_t len) {
  std::string out(len, '\0');
  pbkdf2<Hash>({reinterpret_cast<const std::byte*>(p.data()), p.size()},
               {reinterpret_cast<const std::byte*>(s.data()), s.size()}, c,
               {reinterpret_cast<std::byte*>(out.data()), out.size()});
  return out;
}
}  // namespace

TEST_CASE("pbkdf2-hmac-sha1: RFC 6070 §2 test vectors") {
  CHECK(to_hex(pbkdf2<sha1>("password", "salt", 1)) == "0c60c80f961f0e71f3a9b524af6012062fe037a6");
  CHECK(to_hex(pbkdf2<sha1>("password", "salt", 2)) == "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957");
  CHECK(to_hex(pbkdf2<sha1>("password", "salt", 4096)) == "4b007901b765489abead49d926f721d065a429c1");
  CHECK(to_hex(derive<sha1>("passwordPASSWORDpassword", "saltSALTsaltSALTsaltSALTsaltSALTsalt", 4096, 25)) ==
        "3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038");
  using namespace std::string_view_literals;
  CHECK(to_hex(derive<sha1>("pass\0word"sv, "sa\0lt"sv, 4096, 16)) == "56fa6aa75548099dcc37d7f03425e0c3");
  // The 16777216-iteration vector of RFC 6070 is left out: seconds of CPU for
  // no coverage the 4096 one lacks.
}

TEST_CASE("pbkdf2-hmac-sha256: known value (python3 hashlib.pbkdf2_hmac)") {
  CHECK(to_hex(pbkdf2<sha256>("password", "salt", 4096)) ==
        "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a");
}

TEST_CASE("pbkdf2: zero iterations act as one") {
  CHECK(pbkdf2<sha1>("password", "salt", 0) == pbkdf2<sha1>("password", "salt", 1));
}

TEST_CASE("pbkdf2: lengths, salts and counts match OpenSSL") {
  xc_test::test_rng rng(7);
  for (std::size_t len = 0; len <= 300; len += (len < 70 ? 1 : 23)) {
    CAPTURE(len);
    const std::string pass = rng.bytes(rng.next() % 100), salt = rng.bytes(rng.next() % 80);
    const int iters = 1 + static_cast<int>(rng.next() % 40);
    CHECK(derive<sha1>(pass, salt, static_cast<std::uint32_t>(iters), len) ==
          xc_test::openssl_pbkdf2("SHA1", pass, salt, iters, len));
    CHECK(derive<sha256>(pass, salt, static_cast<std::uint32_t>(iters), len) ==
          xc_test::openssl_pbkdf2("SHA256", pass, salt, iters, len));
    CHECK(derive<md5>(pass, salt, static_cast<std::uint32_t>(iters), len) ==
          xc_test::openssl_pbkdf2("MD5", pass, salt, iters, len));
  }
}
