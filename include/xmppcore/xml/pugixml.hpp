// xmppcore — conversion between parsed elements and pugixml trees, so users
// get pugixml's XPath and mutation on stanzas.
//
// pugixml has no namespace support: a converted document carries explicit
// xmlns declarations wherever the namespace changes, and the conversion back
// resolves prefixes by walking the ancestors' xmlns attributes.
#pragma once

#include <string>
#include <string_view>

#include <pugixml.hpp>

#include <xmppcore/conditions.hpp>
#include <xmppcore/result.hpp>
#include <xmppcore/xml/document.hpp>
#include <xmppcore/xml/element.hpp>
#include <xmppcore/xml/writer.hpp>

namespace xmppcore::xml {

/// A standalone pugixml document for one element; the root element declares
/// its namespace (and `stream`/`db` prefixes where used) explicitly.
/// Whitespace-only text is kept. Returns an empty document on failure.
inline pugi::xml_document to_pugi(const element& e) {
  writer w(/*content_ns=*/{}, /*streams_prefix_in_scope=*/false, /*db_prefix_in_scope=*/false);
  w.write(e);
  pugi::xml_document doc;
  if (!w.ok()) return doc;
  const std::string& s = w.buffer();
  if (!doc.load_buffer(s.data(), s.size(), pugi::parse_default | pugi::parse_ws_pcdata, pugi::encoding_utf8))
    doc.reset();
  return doc;
}

namespace detail {

// The namespace URI bound to `prefix` at `n` (xmlns / xmlns:p attributes on n
// or its ancestors); `found` false when unbound.
inline std::string_view pugi_lookup(pugi::xml_node n, std::string_view prefix, bool& found) {
  if (prefix == "xml") {
    found = true;
    return ns::xml;
  }
  std::string attr_name = prefix.empty() ? std::string("xmlns") : "xmlns:" + std::string(prefix);
  for (; n && n.type() == pugi::node_element; n = n.parent()) {
    if (auto a = n.attribute(attr_name.c_str())) {
      found = true;
      return a.value();
    }
  }
  found = prefix.empty();  // no default namespace declared: no namespace
  return {};
}

inline bool pugi_write(writer& w, pugi::xml_node n, std::string_view inherited_default) {
  const std::string_view qn = n.name();
  const auto colon = qn.find(':');
  const std::string_view prefix = colon == std::string_view::npos ? std::string_view{} : qn.substr(0, colon);
  const std::string_view local = colon == std::string_view::npos ? qn : qn.substr(colon + 1);
  bool found = false;
  std::string_view uri = pugi_lookup(n, prefix, found);
  if (!found) return false;
  if (prefix.empty() && uri.empty() && !n.attribute("xmlns")) uri = inherited_default;
  w.start(uri, local);
  for (pugi::xml_attribute a : n.attributes()) {
    const std::string_view an = a.name();
    if (an == "xmlns" || an.starts_with("xmlns:")) continue;  // the writer declares what it needs
    const auto c = an.find(':');
    if (c == std::string_view::npos) {
      w.attr(an, a.value());
    } else {
      bool f = false;
      const std::string_view p = an.substr(0, c);
      const std::string_view u = pugi_lookup(n, p, f);
      if (!f || u.empty()) return false;
      w.attr(u, an.substr(c + 1), a.value(), p);
    }
  }
  for (pugi::xml_node c : n.children()) {
    switch (c.type()) {
      case pugi::node_element:
        if (!pugi_write(w, c, inherited_default)) return false;
        break;
      case pugi::node_pcdata:
      case pugi::node_cdata:
        w.text(c.value());
        break;
      default:  // comments, PIs, doctype: not representable in XMPP (draft §11.1)
        break;
    }
  }
  w.end();
  return w.ok();
}

}  // namespace detail

/// Serializes a pugixml element (and subtree) as XMPP bytes for a stream whose
/// content namespace is `content_ns`. Unprefixed elements without a default
/// namespace declaration are taken to be in `content_ns`. Empty on failure
/// (unbound prefix, invalid names or characters).
inline std::string to_xml(pugi::xml_node n, std::string_view content_ns = ns::client) {
  if (n.type() == pugi::node_document) n = n.find_child([](pugi::xml_node c) { return c.type() == pugi::node_element; });
  if (n.type() != pugi::node_element) return {};
  writer w(content_ns);
  if (!detail::pugi_write(w, n, content_ns)) return {};
  return w.take();
}

/// Converts a pugixml element back into a parsed element (re-validated by the
/// strict parser).
inline result<document, parse_error> from_pugi(pugi::xml_node n, std::string_view content_ns = ns::client) {
  const std::string bytes = to_xml(n, content_ns);
  if (bytes.empty()) return unexpected{parse_error{stream_condition::bad_format, 0, "not convertible"}};
  return document::parse(bytes, content_ns);
}

}  // namespace xmppcore::xml
