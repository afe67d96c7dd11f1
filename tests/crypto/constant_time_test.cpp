#include <xmppcore/crypto/constant_time.hpp>

#include <doctest/doctest.h>

#include <string>

using xmppcore::crypto::constant_time_equal;

TEST_CASE("constant_time_equal: equality, any differing position, length mismatch") {
  CHECK(constant_time_equal(std::string_view(""), std::string_view("")));
  CHECK(constant_time_equal(std::string_view("abc"), std::string_view("abc")));
  const std::string base(100, 'x');
  for (std::size_t i = 0; i < base.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string other = base;
      other[i] = static_cast<char>(other[i] ^ (1 << bit));
      CAPTURE(i);
      CHECK_FALSE(constant_time_equal(base, other));
    }
  }
  CHECK_FALSE(constant_time_equal(std::string_view("abc"), std::string_view("abcd")));
  CHECK_FALSE(constant_time_equal(std::string_view("abc"), std::string_view("")));
  const std::byte a[2] = {std::byte{1}, std::byte{2}}, b[2] = {std::byte{1}, std::byte{2}};
  CHECK(constant_time_equal(std::span<const std::byte>(a), std::span<const std::byte>(b)));
}
