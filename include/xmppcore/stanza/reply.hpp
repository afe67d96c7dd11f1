// xmppcore — building replies to a stanza: the IQ "result" (draft §9.2.3 rule 3) and the error
// stanza (draft §9.3).
//
// Both keep the 'id' (draft §9.2.3 rule 3), swap the addresses (the reply goes to the original
// 'from'; its 'from' is the original 'to', draft §9.1.1: "setting the 'from' attribute of the
// error stanza to the value provided in the 'to' attribute of the offending stanza"), keep the
// stanza's own xml:lang (draft §13: a server "MUST NOT modify or delete 'xml:lang' attributes")
// and are written in the stanza's own content namespace, for the stream it arrived on.
//
// Anti-loop (draft §9.3.1 last rule, §9.2.3 rule 4): no error reply is ever built for an error
// stanza, and no reply of any kind for an IQ result or error; the builder returns "no reply".
//
// Bad input never yields a reply the receiver would reject: each reply is parsed again with our own
// parser under the caller's limits (the receiver's, normally limits::defaults()). When it does not
// pass, the builder falls back step by step, as draft §9.3.1 makes the original XML only a SHOULD
// and <text/> optional: (1) without the original payload, (2) also without <text/>, (3) also
// without the application condition. When even the bare error does not fit, "no reply"
// (too_large): that only happens when the stanza's own attributes are close to the limits.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <xmppcore/conditions.hpp>
#include <xmppcore/jid/jid.hpp>
#include <xmppcore/result.hpp>
#include <xmppcore/stanza/error.hpp>
#include <xmppcore/stanza/stanza.hpp>
#include <xmppcore/xml/document.hpp>
#include <xmppcore/xml/limits.hpp>
#include <xmppcore/xml/push_parser.hpp>
#include <xmppcore/xml/writer.hpp>

namespace xmppcore::stanza {

/// Why no reply was built.
enum class no_reply : std::uint8_t {
  original_is_error,          ///< draft §9.3.1: never answer an error stanza with an error
  original_is_response,       ///< draft §9.2.3 rule 4: never answer an IQ result (or error)
  not_a_request,              ///< an IQ result was asked for something that is not a get/set IQ
  invalid_alternate_address,  ///< <gone/>/<redirect/> address is not a valid JID (draft §9.3.3)
  invalid_app_condition,      ///< application element in the stanzas or a content namespace (§9.3.4)
  unwritable,                 ///< text, language or names given cannot be written as XML
  too_large,                  ///< even the minimal reply exceeds the limits (see file comment)
  not_answerable,             ///< an IQ without 'id' (draft §9.2.3 rule 1): no reply can match it
};

constexpr std::string_view to_string(no_reply r) noexcept {
  switch (r) {
    case no_reply::original_is_error: return "original-is-error";
    case no_reply::original_is_response: return "original-is-response";
    case no_reply::not_a_request: return "not-a-request";
    case no_reply::invalid_alternate_address: return "invalid-alternate-address";
    case no_reply::invalid_app_condition: return "invalid-app-condition";
    case no_reply::unwritable: return "unwritable";
    case no_reply::not_answerable: return "not-answerable";
    case no_reply::too_large: return "too-large";
  }
  return "unknown";
}

/// Whether the error reply carries the original payload (draft §9.3.1: SHOULD, so by default).
enum class payload_policy : std::uint8_t { include, omit };

/// Parses replies again with our own parser, reusing one parser per content namespace so that
/// checking a reply allocates nothing in steady state (the builders' re-parse is most of their
/// cost otherwise). Holds no state between calls that matters; not thread-safe: one per thread.
class reply_checker {
 public:
  /// True when `bytes` are exactly one element (surrounding white space allowed) that our parser
  /// accepts under `lim` in a stream whose content namespace is `content_ns`, as
  /// xml::document::parse would.
  bool reparses(std::string_view bytes, std::string_view content_ns, const xml::limits& lim) {
    std::unique_ptr<xml::push_parser>* slot = content_ns == ns::client   ? &client_
                                              : content_ns == ns::server ? &server_
                                                                         : nullptr;
    if (!slot) return xml::document::parse(bytes, content_ns, lim).has_value();
    if (!*slot) {
      xml::parser_options po;
      po.limits = lim;
      po.content_namespaces = {std::string(content_ns)};
      *slot = std::make_unique<xml::push_parser>(std::move(po));
    } else {
      (*slot)->set_limits(lim);  // applied at once, or by restart() when the last check failed
      (*slot)->restart();
    }
    xml::push_parser& p = **slot;
    // The same synthetic header as xml::document (content namespace, stream and db prefixes).
    const std::string_view head =
        content_ns == ns::client
            ? "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
              "xmlns:db='jabber:server:dialback'>"
            : "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' "
              "xmlns:db='jabber:server:dialback'>";
    if (p.receive(head).status != xml::parse_status::ok) return false;
    if (p.receive(bytes).status != xml::parse_status::ok || !p.between_elements()) return false;
    int n = 0;
    while (auto ev = p.next_event()) n += ev->kind() == xml::event_kind::element_received;
    return n == 1;
  }

 private:
  std::unique_ptr<xml::push_parser> client_, server_;
};

/// Options of the reply builders.
struct reply_options {
  payload_policy payload = payload_policy::include;
  /// Add the XEP-0086 'code' attribute for legacy receivers.
  bool legacy_code = false;
  /// The limits the reply must satisfy when parsed (the receiver's; ours by default).
  xml::limits limits = xml::limits::defaults();
  /// Used to check <gone/>/<redirect/> addresses; a temporary one when null.
  jid::preparer* prep = nullptr;
  /// Used to re-parse replies; a temporary one (one parser allocation per reply) when null.
  reply_checker* checker = nullptr;
  /// The reply's 'from' instead of the original 'to' (draft §9.1.1 asks for the 'to' value; a
  /// server may need its own domain instead, e.g. when that 'to' was malformed and the reply goes
  /// over a s2s stream, where 'from' must be a validated domain, §9.1.2). Empty view: omit 'from'.
  std::optional<std::string_view> from_override;
};

/// A reply ready to send: one top-level element for the stream the original came on.
struct reply {
  std::string xml;
  bool payload_included = false;  ///< the original payload is in it
  bool text_included = false;     ///< the <text/> asked for is in it
  bool app_included = false;      ///< the application condition asked for is in it
};

using reply_result = result<reply, no_reply>;

namespace detail {

/// Starts the reply element: same kind, type, id kept, addresses swapped, xml:lang kept.
inline void start_reply(xml::writer& w, const stanza_view& s, std::string_view type, const reply_options& o) {
  w.start(s.content_namespace(), to_string(s.kind()));
  if (auto from = s.from_attr()) w.attr("to", *from);
  if (o.from_override) {
    if (!o.from_override->empty()) w.attr("from", *o.from_override);
  } else if (auto to = s.to_attr()) {
    w.attr("from", *to);
  }
  if (auto id = s.id()) w.attr("id", *id);
  w.attr("type", type);
  if (auto lang = s.lang_attr()) w.attr(ns::xml, "lang", *lang);
}

/// RFC 3066 §2.1: Language-Tag = Primary-subtag *( "-" Subtag ), primary 1*8ALPHA, subtag 1*8(ALPHA / DIGIT).
constexpr bool is_language_tag(std::string_view t) noexcept {
  std::size_t i = 0;
  bool first = true;
  while (true) {
    std::size_t n = 0;
    while (i < t.size() && t[i] != '-') {
      const char c = t[i];
      const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      if (!alpha && (first || !(c >= '0' && c <= '9'))) return false;
      ++n;
      ++i;
    }
    if (n == 0 || n > 8) return false;
    if (i == t.size()) return true;
    ++i;  // '-'
    first = false;
  }
}

/// Copies the original payload: every child except a stanza-level <error/>.
inline void write_payload(xml::writer& w, const stanza_view& s) {
  for (xml::node n : s.element().children()) {
    if (n.is_text()) w.text(n.text());
    else if (!s.is_error_element(n.as_element())) w.write(n.as_element());
  }
}

/// True when `bytes` parse as exactly one element under the options' limits with our parser.
inline bool reparses(std::string_view bytes, std::string_view content_ns, const reply_options& o) {
  if (o.checker) return o.checker->reparses(bytes, content_ns, o.limits);
  reply_checker local;
  return local.reparses(bytes, content_ns, o.limits);
}

inline bool is_reserved_ns(std::string_view n) noexcept {
  return n.empty() || n == ns::xmpp_stanzas || n == ns::client || n == ns::server || n == ns::streams;
}

}  // namespace detail

/// Builds the error stanza answering `s` with `e` (draft §9.3). See the file comment for the
/// anti-loop rule and the fallbacks. Never throws on input (only std::bad_alloc).
inline reply_result make_error_reply(const stanza_view& s, const stanza_error& e, const reply_options& o = {}) {
  // draft §9.3.1: "MUST NOT respond to the stanza with a further error stanza".
  if (s.is_error()) return unexpected{no_reply::original_is_error};
  // draft §9.2.3 rule 4: no result/error in response to a result.
  if (s.kind() == stanza_kind::iq && s.iq_type() == iq_type_t::result)
    return unexpected{no_reply::original_is_response};

  // draft §9.1.5: xml:lang holds a language tag (RFC 3066 §2.1 syntax); refuse anything else
  // rather than write a reply a strict peer would reject.
  if (!e.text_lang.empty() && !detail::is_language_tag(e.text_lang)) return unexpected{no_reply::unwritable};
  // draft §9.2.3 rule 1: an IQ without 'id' cannot be answered (the reply could not carry the id,
  // and an IQ error without one breaks the same rule); the embedder decides (e.g. a stream error).
  if (s.kind() == stanza_kind::iq && !s.id()) return unexpected{no_reply::not_answerable};

  const bool has_alternate =
      e.condition == stanza_condition::gone || e.condition == stanza_condition::redirect;
  if (has_alternate && !e.alternate_address.empty()) {
    // draft §9.3.3: the <redirect/> address "MUST be a valid JID"; <gone/>'s likewise.
    jid::preparer local;
    jid::preparer& prep = o.prep ? *o.prep : local;
    if (!jid::jid::parse(e.alternate_address, prep)) return unexpected{no_reply::invalid_alternate_address};
  }  // draft §9.3.3: <gone/> MAY and <redirect/> SHOULD carry an address; absent is allowed
  if (!e.app.empty()) {
    const std::string_view app_ns = e.app.element ? e.app.element->ns() : e.app.ns;
    if (detail::is_reserved_ns(app_ns)) return unexpected{no_reply::invalid_app_condition};
  }

  const std::string_view content_ns = s.content_namespace();
  const std::string_view type_name = to_string(e.effective_type());
  auto build = [&](bool payload, bool text, bool app, std::string& out) -> bool {
    xml::writer w(content_ns);
    detail::start_reply(w, s, "error", o);
    if (payload) detail::write_payload(w, s);
    w.start(content_ns, "error").attr("type", type_name);
    if (o.legacy_code) {
      char code[4] = {};
      const std::uint16_t c = legacy_code(e.condition);
      code[0] = static_cast<char>('0' + c / 100);
      code[1] = static_cast<char>('0' + c / 10 % 10);
      code[2] = static_cast<char>('0' + c % 10);
      w.attr("code", std::string_view(code, 3));
    }
    w.start(ns::xmpp_stanzas, to_string(e.condition));
    if (has_alternate && !e.alternate_address.empty()) w.text(e.alternate_address);
    w.end();
    if (text) {
      w.start(ns::xmpp_stanzas, "text");
      if (!e.text_lang.empty()) w.attr(ns::xml, "lang", e.text_lang);
      w.text(e.text).end();
    }
    if (app) {
      if (e.app.element) w.write(*e.app.element);
      else w.start(e.app.ns, e.app.name).end();
    }
    w.end().end();
    if (!w.ok()) return false;
    out = w.take();
    return true;
  };

  const bool want_payload = o.payload == payload_policy::include && s.payload_count() > 0;
  const bool want_text = !e.text.empty();
  const bool want_app = !e.app.empty();
  struct step {
    bool payload, text, app;
  };
  const step steps[] = {{want_payload, want_text, want_app},
                        {false, want_text, want_app},
                        {false, false, want_app},
                        {false, false, false}};
  for (std::size_t i = 0; i < std::size(steps); ++i) {
    const step& st = steps[i];
    // Skip steps identical to the previous one.
    if (i > 0 && st.payload == steps[i - 1].payload && st.text == steps[i - 1].text && st.app == steps[i - 1].app)
      continue;
    reply r;
    if (!build(st.payload, st.text, st.app, r.xml)) {
      // Without the payload, only the caller's text, language or names can be at fault: say so
      // rather than silently dropping them.
      if (!st.payload) return unexpected{no_reply::unwritable};
      continue;
    }
    if (!detail::reparses(r.xml, content_ns, o)) continue;
    r.payload_included = st.payload;
    r.text_included = st.text;
    r.app_included = st.app;
    return r;
  }
  return unexpected{no_reply::too_large};
}

/// Builds the IQ "result" answering the get/set `s` (draft §9.2.3 rule 3), with the payload
/// written by `write_payload(xml::writer&)` (e.g. a <bind/> with the bound JID, draft §7; rule 6:
/// zero or one child). The callback must leave the writer at the depth it found it.
template <class F>
reply_result make_iq_result_with(const stanza_view& s, F&& write_payload, const reply_options& o = {}) {
  if (s.kind() == stanza_kind::iq && s.is_error()) return unexpected{no_reply::original_is_error};
  if (s.kind() == stanza_kind::iq && s.iq_type() == iq_type_t::result)
    return unexpected{no_reply::original_is_response};
  if (!s.is_iq_request()) return unexpected{no_reply::not_a_request};
  if (!s.id()) return unexpected{no_reply::not_answerable};  // draft §9.2.3 rule 1
  xml::writer w(s.content_namespace());
  detail::start_reply(w, s, "result", o);
  const std::size_t depth = w.depth(), before = w.buffer().size();
  write_payload(w);
  if (w.depth() != depth) return unexpected{no_reply::unwritable};
  reply r;
  r.payload_included = w.buffer().size() != before;
  w.end();
  if (!w.ok()) return unexpected{no_reply::unwritable};
  r.xml = w.take();
  if (!detail::reparses(r.xml, s.content_namespace(), o)) return unexpected{no_reply::too_large};
  return r;
}

/// As above, with an optional payload copied from a parsed element.
inline reply_result make_iq_result(const stanza_view& s, std::optional<xml::element> payload = std::nullopt,
                                   const reply_options& o = {}) {
  return make_iq_result_with(s, [&](xml::writer& w) { if (payload) w.write(*payload); }, o);
}

}  // namespace xmppcore::stanza
