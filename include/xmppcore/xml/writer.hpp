// xmppcore — the XML writer: stream headers, elements and closing tags.
//
// Theory of operation: the writer appends to one std::string the caller owns
// (or takes). It keeps a small stack of the default namespace and the prefixes
// declared per open element, and declares a namespace only where the reader
// would not already have it in scope:
//   - content in the stream's content namespace (jabber:client /
//     jabber:server) gets no prefix and no declaration (draft §11.2.2);
//   - elements in the streams namespace get the `stream:` prefix and elements
//     in the dialback namespace the `db:` prefix (draft §11.2.1, §11.2.3);
//   - any other namespace becomes the default namespace of its element.
// Text escapes & < > and attribute values & < " ' (draft §11.1 forbids
// nothing here, but XML does). Characters the reader would normalize (CR in
// text; TAB, LF, CR in attribute values, XML §2.11, §3.3.3) are written as
// character references, so that parse(write(x)) == x exactly.
//
// Input that cannot be written as well-formed XML (invalid UTF-8, a code point
// that is not an XML Char, an invalid name) makes the writer fail: nothing
// more is appended and ok() turns false. No exceptions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <xmppcore/conditions.hpp>
#include <xmppcore/xml/detail/chars.hpp>
#include <xmppcore/xml/element.hpp>

namespace xmppcore::xml {

/// Attributes of a stream header (draft §4.4); empty ones are omitted.
struct stream_header_fields {
  std::string_view content_namespace = ns::client;  ///< jabber:client or jabber:server
  std::string_view to, from, id, lang, version = "1.0";
  bool dialback = false;  ///< declare xmlns:db (server-to-server, draft §8)
  bool xml_declaration = true;
};

/// Streaming XML writer. See the file comment.
class writer {
 public:
  /// `content_ns` is the default namespace in scope at the top level (the
  /// stream's content namespace when writing stanzas for an open stream).
  /// `streams_prefix_in_scope`: the `stream` prefix is already declared (true
  /// inside a stream); when false it is declared where used.
  explicit writer(std::string_view content_ns = ns::client, bool streams_prefix_in_scope = true,
                  bool db_prefix_in_scope = false)
      : top_ns_(content_ns), stream_in_scope_(streams_prefix_in_scope), db_in_scope_(db_prefix_in_scope) {}

  /// The bytes written so far.
  const std::string& buffer() const noexcept { return out_; }
  /// Takes the bytes written so far, leaving the buffer empty.
  std::string take() { return std::exchange(out_, {}); }
  /// False once an input could not be written (see the file comment).
  bool ok() const noexcept { return ok_; }
  /// Depth of open elements.
  std::size_t depth() const noexcept { return stack_.size(); }
  /// Whitespace between elements: none unless asked (draft §5.1 rule 5 and
  /// §6.1 rule 4 forbid it during TLS and SASL negotiation).
  void set_indent(bool on) noexcept { indent_ = on; }

  /// `<?xml version='1.0'?><stream:stream ...>` (draft §4.4). The writer's top
  /// level becomes the stream's content namespace.
  writer& open_stream(const stream_header_fields& h) {
    if (!ok_) return *this;
    if (h.xml_declaration) out_ += "<?xml version='1.0'?>";
    out_ += "<stream:stream xmlns='";
    escape_attr(h.content_namespace);
    out_ += "' xmlns:stream='";
    out_ += ns::streams;
    out_ += '\'';
    if (h.dialback) {
      out_ += " xmlns:db='";
      out_ += ns::dialback;
      out_ += '\'';
    }
    header_attr("to", h.to);
    header_attr("from", h.from);
    header_attr("id", h.id);
    if (!h.lang.empty()) header_attr("xml:lang", h.lang);
    header_attr("version", h.version);
    out_ += '>';
    top_ns_ = std::string(h.content_namespace);
    stream_in_scope_ = true;
    db_in_scope_ = h.dialback;
    return *this;
  }
  /// `</stream:stream>` (draft §4.4).
  writer& close_stream() {
    if (ok_) out_ += "</stream:stream>";
    return *this;
  }

  /// Opens an element `local` in namespace `ns_uri`.
  writer& start(std::string_view ns_uri, std::string_view local) {
    if (!ok_) return *this;
    if (!valid_ncname(local)) return failed();
    close_start_tag();
    newline();
    frame f;
    f.ns = std::string(ns_uri);
    f.outer_default = current_default();
    f.stream_scope = in_scope_stream();
    f.db_scope = in_scope_db();
    out_ += '<';
    if (ns_uri == ns::streams && !ns_uri.empty()) {
      f.prefix = "stream";
      out_ += "stream:";
      out_ += local;
      if (!f.stream_scope) {
        out_ += " xmlns:stream='";
        out_ += ns::streams;
        out_ += '\'';
        f.stream_scope = true;
      }
      f.default_ns = f.outer_default;
    } else if (ns_uri == ns::xml) {
      // Namespaces in XML §3: the xml prefix is bound by definition, and its
      // namespace may not be declared (nor be the default namespace).
      f.prefix = "xml";
      out_ += "xml:";
      out_ += local;
      f.default_ns = f.outer_default;
    } else if (ns_uri == ns::dialback && (in_scope_db() || stack_.empty())) {
      f.prefix = "db";
      out_ += "db:";
      out_ += local;
      if (!f.db_scope) {
        out_ += " xmlns:db='";
        out_ += ns::dialback;
        out_ += '\'';
        f.db_scope = true;
      }
      f.default_ns = f.outer_default;
    } else {
      out_ += local;
      if (ns_uri != f.outer_default) {
        out_ += " xmlns='";
        escape_attr(ns_uri);
        out_ += '\'';
      }
      f.default_ns = f.ns;
    }
    f.local = std::string(local);
    stack_.push_back(std::move(f));
    open_tag_ = true;
    return *this;
  }

  /// An unprefixed attribute on the element just opened.
  writer& attr(std::string_view local, std::string_view value) { return attr({}, local, value); }

  /// A namespaced attribute: `xml:` for the XML namespace (xml:lang), else a
  /// prefix `prefix_hint` (or a generated one) declared on this element.
  writer& attr(std::string_view ns_uri, std::string_view local, std::string_view value,
               std::string_view prefix_hint = {}) {
    if (!ok_) return *this;
    if (!open_tag_ || !valid_ncname(local)) return failed();
    out_ += ' ';
    if (ns_uri == ns::xml) {
      out_ += "xml:";
    } else if (!ns_uri.empty()) {
      std::string p = declare_attr_prefix(ns_uri, prefix_hint);
      if (!ok_) return *this;
      out_ += p;
      out_ += ':';
    }
    out_ += local;
    out_ += "='";
    if (!escape_attr(value)) return failed();
    out_ += '\'';
    return *this;
  }

  /// Character data, escaped.
  writer& text(std::string_view s) {
    if (!ok_) return *this;
    if (stack_.empty()) return failed();  // no character data at stream level
    close_start_tag();
    if (!escape_text(s)) return failed();
    had_text_ = true;
    return *this;
  }

  /// Closes the innermost element (`<x/>` when it had no content).
  writer& end() {
    if (!ok_) return *this;
    if (stack_.empty()) return failed();
    frame& f = stack_.back();
    if (open_tag_) {
      out_ += "/>";
      open_tag_ = false;
    } else {
      if (!had_text_) newline(1);
      out_ += "</";
      if (!f.prefix.empty()) {
        out_ += f.prefix;
        out_ += ':';
      }
      out_ += f.local;
      out_ += '>';
    }
    had_text_ = false;
    stack_.pop_back();
    return *this;
  }

  /// Writes a parsed element and its subtree.
  writer& write(const element& e) {
    start(e.ns(), e.name());
    for (std::size_t i = 0; i < e.attribute_count(); ++i) {
      const attribute a = e.attribute_at(i);
      attr(a.ns, a.local, a.value, a.prefix);
    }
    for (node n : e.children()) {
      if (n.is_text()) text(n.text());
      else write(n.as_element());
    }
    return end();
  }

 private:
  struct frame {
    std::string ns, local, prefix, default_ns, outer_default;
    bool stream_scope = false, db_scope = false;
    std::vector<std::pair<std::string, std::string>> attr_prefixes;  // prefix -> uri declared here
  };

  writer& failed() noexcept {
    ok_ = false;
    return *this;
  }
  std::string_view current_default() const noexcept {
    return stack_.empty() ? std::string_view(top_ns_) : std::string_view(stack_.back().default_ns);
  }
  bool in_scope_stream() const noexcept { return stack_.empty() ? stream_in_scope_ : stack_.back().stream_scope; }
  bool in_scope_db() const noexcept { return stack_.empty() ? db_in_scope_ : stack_.back().db_scope; }

  void close_start_tag() {
    if (open_tag_) {
      out_ += '>';
      open_tag_ = false;
    }
  }
  void newline(std::size_t back = 0) {
    if (!indent_ || (out_.empty())) return;
    out_ += '\n';
    out_.append((stack_.size() - back) * 2, ' ');
  }
  void header_attr(std::string_view name, std::string_view v) {
    if (v.empty()) return;
    out_ += ' ';
    out_ += name;
    out_ += "='";
    if (!escape_attr(v)) ok_ = false;
    out_ += '\'';
  }

  std::string declare_attr_prefix(std::string_view uri, std::string_view hint) {
    // Reuse a prefix bound to this URI by an open element, unless an inner
    // element has since re-bound that prefix to another URI (Namespaces in
    // XML §6.1: the innermost declaration of a prefix is the one in scope).
    for (auto it = stack_.rbegin(); it != stack_.rend(); ++it)
      for (const auto& [p, u] : it->attr_prefixes)
        if (u == uri && innermost_binding(p) == uri) return p;
    std::string p(hint);
    auto taken = [&](std::string_view cand) {
      if (cand == "xml" || cand == "xmlns" || cand == "stream" || cand == "db") return true;
      for (const auto& [q, u] : stack_.back().attr_prefixes)
        if (q == cand) return true;
      return false;
    };
    if (p.empty() || !valid_ncname(p) || taken(p)) {
      for (unsigned i = 0;; ++i) {
        p = "ns" + std::to_string(i);
        if (!taken(p)) break;
      }
    }
    // Declarations must precede nothing in particular: attributes can come in any order.
    out_ += "xmlns:";
    out_ += p;
    out_ += "='";
    escape_attr(uri);
    out_ += "' ";
    stack_.back().attr_prefixes.emplace_back(p, std::string(uri));
    return p;
  }

  // The URI `prefix` is bound to at the current element (empty if none).
  std::string_view innermost_binding(std::string_view prefix) const noexcept {
    for (auto it = stack_.rbegin(); it != stack_.rend(); ++it)
      for (const auto& [p, u] : it->attr_prefixes)
        if (p == prefix) return u;
    return {};
  }

  static bool valid_ncname(std::string_view s) noexcept {
    return detail::is_xml_name(s) && s.find(':') == std::string_view::npos;
  }

  // Copies s with escapes; false on invalid UTF-8 or a non-Char.
  template <bool Attr>
  bool escape(std::string_view s) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const auto* e = p + s.size();
    const auto* run = p;
    auto flush = [&](const unsigned char* to) { out_.append(reinterpret_cast<const char*>(run), static_cast<std::size_t>(to - run)); };
    while (p < e) {
      const unsigned char c = *p;
      const char* rep = nullptr;
      switch (c) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = Attr ? nullptr : "&gt;"; break;
        case '"': rep = Attr ? "&quot;" : nullptr; break;
        case '\'': rep = Attr ? "&apos;" : nullptr; break;
        case '\r': rep = "&#13;"; break;
        case '\n': rep = Attr ? "&#10;" : nullptr; break;
        case '\t': rep = Attr ? "&#9;" : nullptr; break;
        default: break;
      }
      if (rep) {
        flush(p);
        out_ += rep;
        run = ++p;
        continue;
      }
      if (c < 0x20 && c != '\n' && c != '\t') return false;
      if (c < 0x80) {
        ++p;
        continue;
      }
      unsigned len;
      if (detail::xml_char_at(reinterpret_cast<const char*>(p), reinterpret_cast<const char*>(e), len) !=
          detail::char_status::ok)
        return false;
      p += len;
    }
    flush(p);
    return true;
  }
  bool escape_text(std::string_view s) { return escape<false>(s); }
  bool escape_attr(std::string_view s) { return escape<true>(s); }

  std::string out_;
  std::string top_ns_;
  bool stream_in_scope_ = true;
  bool db_in_scope_ = false;
  std::vector<frame> stack_;
  bool open_tag_ = false;
  bool had_text_ = false;
  bool ok_ = true;
  bool indent_ = false;
};

/// Serializes one parsed element for a stream whose content namespace is
/// `content_ns` (so a jabber:client stanza gets no xmlns).
inline std::string to_xml(const element& e, std::string_view content_ns = ns::client) {
  writer w(content_ns);
  w.write(e);
  return w.ok() ? w.take() : std::string();
}

}  // namespace xmppcore::xml
