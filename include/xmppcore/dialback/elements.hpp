// xmppcore — the elements of server dialback (draft §8.3), with the error
// form deployed servers use (XEP-0220 §2.4, §2.5).
//
//   request   <db:result from='originating' to='receiving'>KEY</db:result>          step 4
//   answer    <db:result from='receiving' to='originating' type='valid|invalid'/>  step 10
//   verify    <db:verify from='receiving' to='originating' id='ID'>KEY</db:verify>  step 8
//   verdict   <db:verify from='originating' to='receiving' id='ID' type='valid|invalid'/>  step 9
//   error     <db:result|db:verify … type='error'><error type='cancel'>
//               <remote-server-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>…
//
// The `db` prefix is bound to jabber:server:dialback on the stream header
// (draft §11.2.3); the parser has already checked that binding.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <xmppcore/conditions.hpp>
#include <xmppcore/result.hpp>
#include <xmppcore/stream/header.hpp>
#include <xmppcore/xml/element.hpp>
#include <xmppcore/xml/writer.hpp>

namespace xmppcore::dialback {

/// The stream feature of XEP-0220 §2.1 (urn:xmpp:features:dialback).
inline constexpr std::string_view ns_feature = "urn:xmpp:features:dialback";

enum class kind : std::uint8_t { result, verify };
enum class verdict : std::uint8_t { none, valid, invalid, error };

/// A dialback element as read.
struct element {
  dialback::kind what = kind::result;
  std::string_view from, to, id;  ///< views into the parsed element
  std::string_view key;           ///< the text, surrounding whitespace removed (requests only)
  verdict type = verdict::none;
  std::optional<stanza_condition> error;  ///< type='error': the condition, if a known one
};

/// Reads <db:result/> or <db:verify/>. Missing 'from' or 'to' is
/// <improper-addressing/> (draft §9.1.1 asks both of every s2s element);
/// <db:verify/> without 'id', a request without a key or an unknown 'type' is
/// <bad-format/>.
inline result<element, stream::violation> read(const xml::element& e) {
  element r;
  if (e.is(ns::dialback, "result")) r.what = kind::result;
  else if (e.is(ns::dialback, "verify")) r.what = kind::verify;
  else return unexpected{stream::violation{stream_condition::bad_format, "not a dialback element"}};
  const auto from = e.attr("from"), to = e.attr("to");
  if (!from || !to || from->empty() || to->empty())
    return unexpected{stream::violation{stream_condition::improper_addressing, "dialback element without from/to"}};
  r.from = *from;
  r.to = *to;
  if (auto id = e.attr("id")) r.id = *id;
  if (r.what == kind::verify && r.id.empty())
    return unexpected{stream::violation{stream_condition::bad_format, "<db:verify/> without an id"}};
  const auto type = e.attr("type");
  if (!type) r.type = verdict::none;
  else if (*type == "valid") r.type = verdict::valid;
  else if (*type == "invalid") r.type = verdict::invalid;
  else if (*type == "error") r.type = verdict::error;
  else return unexpected{stream::violation{stream_condition::bad_format, "unknown dialback type"}};
  if (r.type == verdict::none) {
    std::string_view k = e.text_view();
    while (!k.empty() && (k.front() == ' ' || k.front() == '\n' || k.front() == '\r' || k.front() == '\t'))
      k.remove_prefix(1);
    while (!k.empty() && (k.back() == ' ' || k.back() == '\n' || k.back() == '\r' || k.back() == '\t'))
      k.remove_suffix(1);
    if (k.empty()) return unexpected{stream::violation{stream_condition::bad_format, "dialback request without a key"}};
    r.key = k;
  }
  if (r.type == verdict::error) {
    if (auto err = e.child(ns::server, "error")) {
      for (xml::node n : err->children()) {
        if (!n.is_element()) continue;
        const auto c = n.as_element();
        if (c.ns() != ns::xmpp_stanzas) continue;
        if (auto k = stanza_condition_from_string(c.name())) {
          r.error = *k;
          break;
        }
      }
    }
  }
  return r;
}

namespace detail {
inline xml::writer db_writer() { return xml::writer(ns::server, true, true); }
}  // namespace detail

/// A request: <db:result/> (step 4) or <db:verify/> (step 8, with `id`).
inline std::string write_request(kind k, std::string_view from, std::string_view to, std::string_view key,
                                 std::string_view id = {}) {
  auto w = detail::db_writer();
  w.start(ns::dialback, k == kind::result ? "result" : "verify").attr("from", from).attr("to", to);
  if (k == kind::verify) w.attr("id", id);
  w.text(key).end();
  return w.ok() ? w.take() : std::string();
}

/// An answer: type='valid' or 'invalid' (steps 9, 10).
inline std::string write_answer(kind k, std::string_view from, std::string_view to, bool valid,
                                std::string_view id = {}) {
  auto w = detail::db_writer();
  w.start(ns::dialback, k == kind::result ? "result" : "verify").attr("from", from).attr("to", to);
  if (k == kind::verify) w.attr("id", id);
  w.attr("type", valid ? "valid" : "invalid").end();
  return w.ok() ? w.take() : std::string();
}

/// An XEP-0220 error answer with a stanza error condition (type 'cancel').
inline std::string write_error(kind k, std::string_view from, std::string_view to, stanza_condition c,
                               std::string_view id = {}) {
  auto w = detail::db_writer();
  w.start(ns::dialback, k == kind::result ? "result" : "verify").attr("from", from).attr("to", to);
  if (k == kind::verify) w.attr("id", id);
  w.attr("type", "error").start(ns::server, "error").attr("type", "cancel").start(ns::xmpp_stanzas, to_string(c))
      .end().end().end();
  return w.ok() ? w.take() : std::string();
}

}  // namespace xmppcore::dialback
