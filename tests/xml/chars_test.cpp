// Tests for xml/detail/chars.hpp: the SIMD scanners against byte-at-a-time
// definitions written out from XML 1.0 §2.2-§2.4.
#include <xmppcore/xml/detail/chars.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <string>

using namespace xmppcore::xml::detail;

namespace {
// XML §2.3 [4a] NameChar restricted to ASCII, ':' excluded.
bool ascii_name_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == '-';
}
const char* name_end_reference(const char* p, const char* end) {
  while (p < end && ascii_name_char(static_cast<unsigned char>(*p))) ++p;
  return p;
}
// XML §2.4: bytes that may stand for themselves in character data (no markup
// start, no '>' for the "]]>" check, no control characters, ASCII only).
const char* text_special_reference(const char* p, const char* end) {
  for (; p < end; ++p) {
    const auto c = static_cast<unsigned char>(*p);
    if (c < 0x20 || c >= 0x80 || c == '<' || c == '&' || c == '>') break;
  }
  return p;
}
const char* attr_special_reference(const char* p, const char* end) {
  for (; p < end; ++p) {
    const auto c = static_cast<unsigned char>(*p);
    if (c < 0x20 || c >= 0x80 || c == '<' || c == '&' || c == '\'' || c == '"') break;
  }
  return p;
}
}  // namespace

TEST_CASE("find_name_end: every byte value at every position of the first 40") {
  for (std::size_t len : {1u, 15u, 16u, 17u, 31u, 40u}) {
    for (std::size_t at = 0; at < len; ++at) {
      for (int b = 0; b < 256; ++b) {
        std::string s(len, 'k');
        s[at] = static_cast<char>(b);
        const char* e = s.data() + s.size();
        if (find_name_end(s.data(), e) != name_end_reference(s.data(), e)) {
          CAPTURE(len);
          CAPTURE(at);
          CAPTURE(b);
          CHECK(find_name_end(s.data(), e) == name_end_reference(s.data(), e));
        }
      }
    }
  }
  // the class itself, spelled out
  const std::string all = "azAZ09_.-";
  CHECK(find_name_end(all.data(), all.data() + all.size()) == all.data() + all.size());
  for (char c : std::string(":@[`{/ \t>='\"\x80\xff")) {
    const std::string s = std::string("abcdefghijklmnopqrstuvwxyz").insert(20, 1, c);
    CHECK(find_name_end(s.data(), s.data() + s.size()) == s.data() + 20);
  }
}

TEST_CASE("the SIMD scanners agree with their definitions on random input") {
  std::mt19937_64 rng(2026);
  for (int round = 0; round < 20000; ++round) {
    const std::size_t len = rng() % 70;
    std::string s(len, '\0');
    // biased towards the interesting bytes
    static const std::string pool = "aZ09_.-:<>&'\"] \t\r\n\x01\x7f\x80\xc3\xa9\xff";
    for (auto& c : s) c = (rng() % 4 == 0) ? static_cast<char>(rng() % 256) : pool[rng() % pool.size()];
    for (std::size_t from = 0; from <= len; from += 1 + rng() % 8) {
      const char* p = s.data() + from;
      const char* e = s.data() + len;
      CHECK(find_name_end(p, e) == name_end_reference(p, e));
      CHECK(find_text_special(p, e) == text_special_reference(p, e));
      CHECK(find_attr_special(p, e) == attr_special_reference(p, e));
    }
  }
}
