// Tests for xml/detail/chars.hpp: the SIMD scanners against byte-at-a-time
// definitions written out from XML 1.0 §2.2-§2.4.
#include <xmppcore/xml/detail/chars.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <random>
#include <string>
#include <vector>

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

namespace {
// RFC 3629 §3 read as a definition: the sequence's length from its lead
// byte, continuation bytes 10xxxxxx, the code point assembled, then the
// shortest form, no surrogates, nothing above U+10FFFF; and XML §2.2 [2]
// Char on top (no U+FFFE, U+FFFF). Returns the length of a valid sequence
// at p (the whole of it before end), else 0.
std::size_t nonascii_char_reference(const unsigned char* p, const unsigned char* end) {
  const unsigned b0 = p[0];
  std::size_t len;
  std::uint32_t cp;
  if ((b0 & 0xE0) == 0xC0) len = 2, cp = b0 & 0x1F;
  else if ((b0 & 0xF0) == 0xE0) len = 3, cp = b0 & 0x0F;
  else if ((b0 & 0xF8) == 0xF0) len = 4, cp = b0 & 0x07;
  else return 0;
  if (static_cast<std::size_t>(end - p) < len) return 0;
  for (std::size_t i = 1; i < len; ++i) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (p[i] & 0x3F);
  }
  const std::uint32_t shortest = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
  if (cp < shortest || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  if (cp == 0xFFFE || cp == 0xFFFF) return 0;
  return len;
}
const char* nonascii_run_reference(const char* p, const char* end) {
  while (p < end) {
    const auto n = nonascii_char_reference(reinterpret_cast<const unsigned char*>(p),
                                           reinterpret_cast<const unsigned char*>(end));
    if (n == 0) break;
    p += n;
  }
  return p;
}
}  // namespace

TEST_CASE("skip_nonascii_chars: every lead and second byte, boundary third and fourth bytes, every cut") {
  static const unsigned char edge[] = {0x00, 0x41, 0x7F, 0x80, 0x81, 0x8F, 0x90, 0x9F,
                                       0xA0, 0xBD, 0xBE, 0xBF, 0xC0, 0xF5, 0xFF};
  std::size_t mismatches = 0;
  for (unsigned b0 = 0x80; b0 < 0x100; ++b0)
    for (unsigned b1 = 0; b1 < 0x100; ++b1)
      for (unsigned char b2 : edge)
        for (unsigned char b3 : edge) {
          const char s[5] = {static_cast<char>(b0), static_cast<char>(b1), static_cast<char>(b2),
                             static_cast<char>(b3), 'a'};
          for (std::size_t n = 1; n <= 5; ++n) {  // every cut, then the sequence followed by ASCII
            if (skip_nonascii_chars(s, s + n) != nonascii_run_reference(s, s + n) && ++mismatches < 10) {
              CAPTURE(b0);
              CAPTURE(b1);
              CAPTURE(static_cast<unsigned>(b2));
              CAPTURE(static_cast<unsigned>(b3));
              CAPTURE(n);
              CHECK(skip_nonascii_chars(s, s + n) == nonascii_run_reference(s, s + n));
            }
          }
        }
  CHECK(mismatches == 0);
  // the limits themselves
  const std::string ok = "\xC2\x80\xDF\xBF\xE0\xA0\x80\xED\x9F\xBF\xEE\x80\x80\xEF\xBF\xBD\xF0\x90\x80\x80\xF4\x8F\xBF\xBF";
  CHECK(skip_nonascii_chars(ok.data(), ok.data() + ok.size()) == ok.data() + ok.size());
  for (const std::string bad : {"\xC1\xBF", "\xE0\x9F\xBF", "\xED\xA0\x80", "\xEF\xBF\xBE", "\xEF\xBF\xBF",
                                "\xF0\x8F\xBF\xBF", "\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\x80"}) {
    const std::string s = "\xC3\xA9" + bad;
    CHECK(skip_nonascii_chars(s.data(), s.data() + s.size()) == s.data() + 2);
  }
}

TEST_CASE("skip_nonascii_chars agrees with its definition on random runs") {
  std::mt19937_64 rng(3629);
  static const std::string pool[] = {"\xC3\xA9", "\xD0\x96", "\xE4\xBD\xA0", "\xEF\xBF\xBD", "\xF0\x9F\x98\x80",
                                     "\xEF\xBF\xBE", "\xED\xA0\x80", "\xC0\x80", "\x80", "a", "\xF4\x90\x80\x80"};
  for (int round = 0; round < 20000; ++round) {
    std::string s;
    const std::size_t parts = rng() % 12;
    for (std::size_t i = 0; i < parts; ++i) s += (rng() % 8 == 0) ? pool[5 + rng() % 6] : pool[rng() % 5];
    if (!s.empty() && rng() % 3 == 0) s.resize(rng() % s.size());  // a cut anywhere
    const char* e = s.data() + s.size();
    for (std::size_t from = 0; from < s.size(); ++from)
      CHECK(skip_nonascii_chars(s.data() + from, e) == nonascii_run_reference(s.data() + from, e));
  }
}

#if XMPPCORE_XML_AVX2
namespace {
// Where a byte-at-a-time reading of character data stops (XML §2.4, §2.2):
// markup ('<', '&', '>'), a control character other than TAB and LF, or a
// byte that does not start a whole valid non-ASCII Char. `bounds` collects
// the character boundaries passed on the way.
const char* text_stop_reference(const char* p, const char* end, std::vector<const char*>& bounds) {
  bounds.assign(1, p);
  while (p < end) {
    const auto c = static_cast<unsigned char>(*p);
    if (c < 0x80) {
      if (c == '<' || c == '&' || c == '>' || (c < 0x20 && c != '\t' && c != '\n')) break;
      ++p;
    } else {
      const auto n = nonascii_char_reference(reinterpret_cast<const unsigned char*>(p),
                                             reinterpret_cast<const unsigned char*>(end));
      if (n == 0) break;
      p += n;
    }
    bounds.push_back(p);
  }
  return p;
}
bool markup_or_control(char ch) {
  const auto c = static_cast<unsigned char>(ch);
  return c == '<' || c == '&' || c == '>' || (c < 0x20 && c != '\t' && c != '\n');
}
void check_text_avx2(const std::string& s, std::size_t from) {
  std::vector<const char*> bounds;
  const char* p = s.data() + from;
  const char* e = s.data() + s.size();
  const char* ref = text_stop_reference(p, e, bounds);
  const char* got = skip_text_avx2(p, e);
  // never past the reference stop, always on a character boundary, and
  // exactly the stop when it reports markup
  const bool on_boundary = std::find(bounds.begin(), bounds.end(), got) != bounds.end();
  const bool exact_if_markup = got == e || !markup_or_control(*got) || got == ref;
  if (got > ref || !on_boundary || !exact_if_markup) {
    CAPTURE(s.size());
    CAPTURE(from);
    CAPTURE(got - p);
    CAPTURE(ref - p);
    CHECK(got <= ref);
    CHECK(on_boundary);
    CHECK(exact_if_markup);
  }
}
}  // namespace

TEST_CASE("skip_text_avx2 against a byte-at-a-time reading of character data, at every alignment") {
  if (!cpu_has_avx2()) return;  // the parser does not take this path here either
  std::mt19937_64 rng(7);
  // whole characters (valid and not), markup and line ends; the run lengths
  // straddle the 32-byte blocks
  static const std::string pool[] = {"a",        "hello ",       " ",           "\t",       "\n",
                                     "\r",       "<",            "&",           ">",        "]",
                                     "\x01",     "\xC3\xA9",     "\xD0\x96",    "\xE4\xBD\xA0", "\xEF\xBF\xBD",
                                     "\xF0\x9F\x98\x80", "\xF4\x8F\xBF\xBF", "\xEF\xBF\xBE", "\xEF\xBF\xBF",
                                     "\xED\xA0\x80", "\xE0\x9F\xBF", "\xC0\xAF", "\xF4\x90\x80\x80", "\xF0\x8F\xBF\xBF",
                                     "\xF5\x80\x80\x80", "\x80", "\xC3", "\xE4\xBD", "\xF0\x9F\x98", "\xFF"};
  constexpr std::size_t n_valid_or_plain = 17;  // pool[0..16]: never an error by themselves (markup aside)
  for (int round = 0; round < 6000; ++round) {
    std::string s;
    const std::size_t target = 32 + rng() % 140;
    const bool clean = rng() % 2 == 0;  // half the rounds: valid text, markup only rarely
    while (s.size() < target) {
      std::size_t k = rng() % (clean ? n_valid_or_plain : std::size(pool));
      if (clean && k >= 5 && k <= 10 && rng() % 8 != 0) k = 0;
      s += pool[k];
    }
    for (std::size_t from = 0; from < 33 && from < s.size(); ++from) check_text_avx2(s, from);
  }
  // every byte value at every position of a valid 96-byte run
  std::string base;
  while (base.size() < 96) base += "\xD0\x96x\xE4\xBD\xA0 \xF0\x9F\x98\x80\xC3\xA9" "ab";
  base.resize(96);
  for (std::size_t at = 0; at < 70; ++at)
    for (int b = 0; b < 256; ++b) {
      std::string s = base;
      s[at] = static_cast<char>(b);
      check_text_avx2(s, 0);
    }
}

TEST_CASE("skip_text_avx2 goes through long valid text and stops exactly at markup") {
  if (!cpu_has_avx2()) return;
  std::string s;
  while (s.size() < 300) s += "Привет, 世界! 😀 caf\xC3\xA9\t\n";
  const std::size_t text = s.size();
  s += "</body>";
  s += std::string(40, 'x');
  for (std::size_t from = 0; from < 40; ++from) {
    const char* p = s.data() + from;
    // start on a character boundary only
    if ((static_cast<unsigned char>(*p) & 0xC0) == 0x80) continue;
    CHECK(skip_text_avx2(p, s.data() + s.size()) == s.data() + text);
  }
}
#endif
