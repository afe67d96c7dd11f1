#include <xmppcore/sasl/detail/text.hpp>

#include "support.hpp"

#include <doctest/doctest.h>

#include <map>
#include <string>

using namespace xmppcore::sasl::detail;

TEST_CASE("detail: UTF-8 validation (RFC 3629)") {
  for (const char* ok : {"", "abc", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf"}) {
    CAPTURE(std::string(ok));
    CHECK(is_utf8(ok));
  }
  for (const char* bad : {"\x80", "\xc0\xaf", "\xc1\xbf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                          "\xf5\x80\x80\x80", "\xc3", "\xe2\x82", "\xff", "a\xc3(b"}) {
    CAPTURE(std::string(bad));
    CHECK_FALSE(is_utf8(bad));
  }
}

TEST_CASE("detail: nonce alphabets and uniform random characters") {
  CHECK(nonce_alphabet_printable.size() == 93);
  CHECK(nonce_alphabet_printable.find(',') == std::string_view::npos);
  CHECK(nonce_alphabet_base64.size() == 64);
  xc_test::scripted_random rng;
  const std::string s = random_chars(rng, 93 * 200, nonce_alphabet_printable);
  CHECK(s.size() == 93 * 200);
  std::map<char, int> counts;
  for (char c : s) ++counts[c];
  CHECK(counts.size() == 93);  // every character reachable, none outside
  for (const auto& cn : counts) {
    const char c = cn.first;
    const int n = cn.second;
    CAPTURE(c);
    CHECK(nonce_alphabet_printable.find(c) != std::string_view::npos);
    CHECK((n > 120 && n < 290));  // roughly uniform (expected 200)
  }
  // Bytes at or above the rejection limit (186 for 93 characters) are skipped.
  xc_test::scripted_random scripted(std::string("\xff\xba\x00", 3));
  CHECK(random_chars(scripted, 1, nonce_alphabet_printable) == "!");
}

TEST_CASE("detail: authzid default rule (draft §6.1 rule 7)") {
  CHECK_FALSE(should_send_authzid("", "juliet", "example.com"));
  CHECK_FALSE(should_send_authzid("juliet", "juliet", "example.com"));
  CHECK_FALSE(should_send_authzid("juliet@example.com", "juliet", "example.com"));
  CHECK_FALSE(should_send_authzid("juliet@EXAMPLE.com", "juliet", "example.com"));
  CHECK(should_send_authzid("romeo@example.com", "juliet", "example.com"));
  CHECK(should_send_authzid("juliet@example.net", "juliet", "example.com"));
  CHECK(should_send_authzid("juliet@example.com", "juliet", ""));
}
