// Test helpers for the stanza layer: parse a literal, and a canonical form of an element that is
// independent of our writer (namespace-resolved names, sorted attributes, text trimmed, white
// space-only text dropped), to compare what we build with the spec's pretty-printed examples.
#pragma once

#include <xmppcore/stanza/stanza.hpp>
#include <xmppcore/xml/document.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stanza_test {

inline xmppcore::xml::document parse_doc(std::string_view xml, std::string_view content_ns = xmppcore::ns::client) {
  auto d = xmppcore::xml::document::parse(xml, content_ns);
  if (!d) FAIL("does not parse: " << xml << " (" << d.error().reason << " at " << d.error().offset << ")");
  return std::move(*d);
}

/// The stanza view of a parsed document's root; the test fails if it is not a stanza.
inline xmppcore::stanza::stanza_view view(const xmppcore::xml::document& d) {
  auto s = xmppcore::stanza::stanza_view::from(d.root());
  REQUIRE(s.has_value());
  return *s;
}

inline std::string_view trim(std::string_view s) {
  auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && ws(s.back())) s.remove_suffix(1);
  return s;
}

inline void canon(const xmppcore::xml::element& e, std::string& out) {
  out += "<{";
  out += e.ns();
  out += '}';
  out += e.name();
  std::vector<std::pair<std::string, std::string>> attrs;
  for (std::size_t i = 0; i < e.attribute_count(); ++i) {
    auto a = e.attribute_at(i);
    attrs.emplace_back("{" + std::string(a.ns) + "}" + std::string(a.local), std::string(a.value));
  }
  std::sort(attrs.begin(), attrs.end());
  for (auto& [k, v] : attrs) out += " " + k + "=\"" + v + "\"";
  out += '>';
  for (auto n : e.children()) {
    if (n.is_text()) {
      auto t = trim(n.text());
      if (!t.empty()) {
        out += '"';
        out += t;
        out += '"';
      }
    } else {
      canon(n.as_element(), out);
    }
  }
  out += "</>";
}

/// Canonical form of the single element in `xml`.
inline std::string canonical(std::string_view xml, std::string_view content_ns = xmppcore::ns::client) {
  auto d = parse_doc(xml, content_ns);
  std::string out;
  canon(d.root(), out);
  return out;
}

}  // namespace stanza_test
