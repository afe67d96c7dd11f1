// xmppcore — conversion between parsed elements and pugixml trees, so users
// get pugixml's XPath and mutation on stanzas.
//
// pugixml has no namespace support: a converted document carries explicit
// xmlns declarations wherever the namespace changes, and the conversion back
// resolves prefixes by walking the ancestors' xmlns attributes. An empty
// xmlns='' is a declaration like any other (Namespaces in XML 1.0 §6.2): it
// ends the walk, and leaves unprefixed elements in its scope in no namespace.
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
/// the default namespace (xmlns='' when it is none) and the `stream`/`db`
/// prefixes where used explicitly. Whitespace-only text is kept. Returns an
/// empty document on failure.
inline pugi::xml_document to_pugi(const element& e) {
  writer w(/*content_ns=*/{}, /*streams_prefix_in_scope=*/false, /*db_prefix_in_scope=*/false);
  w.write(e);
  pugi::xml_document doc;
  if (!w.ok()) return doc;
  const std::string& s = w.buffer();
  if (!doc.load_buffer(s.data(), s.size(), pugi::parse_default | pugi::parse_ws_pcdata, pugi::encoding_utf8)) {
    doc.reset();
    return doc;
  }
  // The writer starts with no default namespace in scope, so it declares
  // nothing for an unprefixed element in no namespace at the top (the root
  // itself, or a child of a stream:/db: root). Reading the document back,
  // "nothing declared" means the stream's content namespace; an explicit
  // xmlns='' on the root keeps such elements in no namespace.
  pugi::xml_node root = doc.document_element();
  if (!root.attribute("xmlns")) root.prepend_attribute("xmlns");  // value ""
  return doc;
}

namespace detail {

// What the xmlns attributes in scope at a pugixml node say about a prefix.
struct pugi_binding {
  bool declared = false;  // an xmlns / xmlns:p attribute on the node or an ancestor
  std::string_view uri;   // its value; empty for xmlns='' (default namespace undeclared)
};

// Finds the nearest declaration of `prefix` (empty: the default namespace) at
// `n` or its ancestors. Scoping follows Namespaces in XML 1.0 §6.1: the
// nearest declaration wins, including an empty one, which for the default
// namespace means "no namespace" (§6.2) and must stop the walk rather than be
// read as "not declared here". The xml prefix is bound by definition (§3).
inline pugi_binding pugi_lookup(pugi::xml_node n, std::string_view prefix) {
  if (prefix == "xml") return {true, ns::xml};
  const std::string attr_name = prefix.empty() ? std::string("xmlns") : "xmlns:" + std::string(prefix);
  for (; n && n.type() == pugi::node_element; n = n.parent()) {
    if (auto a = n.attribute(attr_name.c_str())) return {true, a.value()};
  }
  return {};
}

// `content_ns`: the namespace of unprefixed elements with no default
// namespace declaration in scope (the stream's content namespace).
inline bool pugi_write(writer& w, pugi::xml_node n, std::string_view content_ns) {
  const std::string_view qn = n.name();
  const auto colon = qn.find(':');
  const std::string_view prefix = colon == std::string_view::npos ? std::string_view{} : qn.substr(0, colon);
  const std::string_view local = colon == std::string_view::npos ? qn : qn.substr(colon + 1);
  const pugi_binding b = pugi_lookup(n, prefix);
  std::string_view uri;
  if (prefix.empty()) {
    uri = b.declared ? b.uri : content_ns;  // declared empty: no namespace
  } else {
    // Unbound, or bound to '' (not namespace-well-formed, §3 "No Prefix
    // Undeclaring"): refused either way.
    if (!b.declared || b.uri.empty()) return false;
    uri = b.uri;
  }
  w.start(uri, local);
  for (pugi::xml_attribute a : n.attributes()) {
    const std::string_view an = a.name();
    if (an.starts_with("xmlns:") && *a.value() == '\0') return false;  // xmlns:p='' (§3, as above)
    if (an == "xmlns" || an.starts_with("xmlns:")) continue;  // the writer declares what it needs
    const auto c = an.find(':');
    if (c == std::string_view::npos) {
      w.attr(an, a.value());
    } else {
      // Prefixed attributes: the default namespace never applies (§6.2).
      const std::string_view p = an.substr(0, c);
      const pugi_binding ab = pugi_lookup(n, p);
      if (!ab.declared || ab.uri.empty()) return false;
      w.attr(ab.uri, an.substr(c + 1), a.value(), p);
    }
  }
  for (pugi::xml_node c : n.children()) {
    switch (c.type()) {
      case pugi::node_element:
        if (!pugi_write(w, c, content_ns)) return false;
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
/// content namespace is `content_ns`. Unprefixed elements with no default
/// namespace declaration in scope (xmlns on the element or an ancestor,
/// including `n`'s ancestors) are taken to be in `content_ns`; in the scope of
/// xmlns='' they are in no namespace. Empty on failure (unbound prefix, a
/// prefix declared empty, invalid names or characters).
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
