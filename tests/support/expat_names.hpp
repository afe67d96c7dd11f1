// Test- and fuzz-only: where expat's XML name tables disagree with ours.
//
// Expat classifies non-ASCII name characters by XML 1.0 4th edition
// (Appendix B), we by the 5th edition productions [4]/[4a]. The differential
// test and fuzz target use this to recognise that exception class: a code
// point is probed with expat itself (as a name start and as a later name
// character) and compared with our tables.
#pragma once

#include <xmppcore/xml/detail/chars.hpp>

#include <expat.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace xmppcore::test {

/// Whether expat and we classify the non-ASCII code point `cp` differently.
inline bool expat_name_divergent(std::uint32_t cp) {
  static std::unordered_map<std::uint32_t, bool> cache;
  if (auto it = cache.find(cp); it != cache.end()) return it->second;
  char b[4];
  const std::string c(b, xml::detail::encode_utf8(cp, b));
  auto accepts = [](const std::string& d) {
    XML_Parser p = XML_ParserCreateNS(nullptr, '\x01');
    const bool ok = XML_Parse(p, d.data(), static_cast<int>(d.size()), XML_TRUE) == XML_STATUS_OK;
    XML_ParserFree(p);
    return ok;
  };
  const bool div = accepts("<" + c + "/>") != xml::detail::is_name_start_nonascii(cp) ||
                   accepts("<a" + c + "/>") != xml::detail::is_name_nonascii(cp);
  cache.emplace(cp, div);
  return div;
}

/// Whether `s` holds a character (valid UTF-8, an XML Char) on which the tables differ.
inline bool has_expat_divergent_char(std::string_view s) {
  const char* p = s.data();
  const char* const end = p + s.size();
  while (p < end) {
    if (static_cast<unsigned char>(*p) < 0x80) {
      ++p;
      continue;
    }
    std::uint32_t cp;
    unsigned len;
    if (xml::detail::decode_utf8(reinterpret_cast<const unsigned char*>(p), reinterpret_cast<const unsigned char*>(end),
                                 cp, len) != xml::detail::utf8_status::ok) {
      ++p;
      continue;
    }
    if (xml::detail::is_char_nonascii(cp) && expat_name_divergent(cp)) return true;
    p += len;
  }
  return false;
}

}  // namespace xmppcore::test
