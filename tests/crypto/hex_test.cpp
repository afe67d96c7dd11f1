#include <xmppcore/crypto/hex.hpp>

#include <doctest/doctest.h>

#include <string>

using namespace xmppcore::crypto;

TEST_CASE("hex: encode lowercase, round trip every byte value") {
  CHECK(to_hex(std::string_view("")) == "");
  CHECK(to_hex(std::string_view("\x00\xff\x10\xab", 4)) == "00ff10ab");
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  const auto h = to_hex(all);
  CHECK(h.size() == 512);
  CHECK(h.substr(0, 8) == "00010203");
  CHECK(h.substr(504) == "fcfdfeff");
  auto back = from_hex(h);
  REQUIRE(back);
  CHECK(*back == all);
}

TEST_CASE("hex: decode accepts either case, rejects odd length and non-hex") {
  auto r = from_hex("ABcd");
  REQUIRE(r);
  CHECK(*r == "\xab\xcd");
  CHECK(from_hex("abc").error() == hex_error::odd_length);
  CHECK(from_hex("0g").error() == hex_error::invalid_character);
  CHECK(from_hex("g0").error() == hex_error::invalid_character);
  CHECK(from_hex(" 0").error() == hex_error::invalid_character);
}
