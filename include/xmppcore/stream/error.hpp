// xmppcore — stream errors (draft §4.7): the <stream:error/> an entity sends
// before it closes a stream, and reading the one a peer sent.
//
// Wire format (draft §4.7.2, §4.7.4):
//   <stream:error>
//     <defined-condition xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>   one of 24 (§4.7.3)
//     <text xmlns='urn:ietf:params:xml:ns:xmpp-streams' xml:lang='en'>    optional; for humans
//       OPTIONAL descriptive text                                        and logs, never to act on
//     </text>
//     [OPTIONAL application-specific condition element]                 any other namespace
//   </stream:error>
//   </stream:stream>
// <see-other-host/> carries the host to go to as its character data (§4.7.3).
//
// Rules (draft §4.7.1): stream errors are unrecoverable. The entity that
// detects one sends the error, then </stream:stream>, and closes the
// connection; during setup it first sends its stream header (with 'from' set
// to its own name when the peer's 'to' was unknown or absent). Those steps are
// the session's (session/); this header only writes and reads the element.
//
// Reading is lenient where the stream is ending anyway and more information
// beats none: the first condition element counts and later ones are ignored;
// a condition name this library does not know (a later RFC's, e.g. RFC 6120's
// <reset/>) reads as <undefined-condition/>, as RFC 6120 §4.9.3.21 says to
// treat it; the first <text/> and the first element in another namespace are
// kept; character data directly inside <stream:error/> is ignored. Only a
// missing condition element is refused (<bad-format/>): §4.7.2 says the error
// MUST contain one, and without it there is nothing to report.
//
// RFC 6120 §4.9.3.13 renamed <xml-not-well-formed/> to <not-well-formed/>;
// both read as stream_condition::xml_not_well_formed, which is written with
// the draft's name.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <xmppcore/conditions.hpp>
#include <xmppcore/result.hpp>
#include <xmppcore/stream/header.hpp>
#include <xmppcore/xml/element.hpp>
#include <xmppcore/xml/writer.hpp>

namespace xmppcore::stream {

/// A stream error to send or one received (draft §4.7.2).
struct stream_error {
  stream_condition condition = stream_condition::undefined_condition;
  /// Optional <text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>; empty: none
  /// (unless text_lang is set). Kept exactly as received, white space included.
  std::string text;
  std::string text_lang;  ///< its xml:lang (draft §4.7.2 "SHOULD possess"); empty: none
  /// The alternate host of <see-other-host/>, its character data (§4.7.3)
  /// with surrounding white space removed; used with that condition only.
  std::string see_other_host;
  /// Optional application-specific condition <app_name xmlns='app_ns'/>
  /// (§4.7.2, §4.7.4), written when app_name is set and app_ns is not the
  /// streams-errors namespace (an element there would read as a condition).
  std::string app_ns, app_name;
  /// The whole application element serialized, its namespace declared on
  /// itself. parse_error() fills it; write_error() copies it verbatim instead
  /// of <app_name xmlns='app_ns'/> when set, so an embedder who sets it
  /// promises one well-formed element.
  std::string app_xml;

  friend bool operator==(const stream_error&, const stream_error&) = default;
};

/// `<stream:error><condition xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>`
/// `[<text xmlns='urn:ietf:params:xml:ns:xmpp-streams' xml:lang='..'>..</text>][<app/>]</stream:error>`,
/// no white space. Always a well-formed element, because an error must go
/// out even when its decoration cannot: a text, language, host or
/// application name that cannot be written as XML (invalid UTF-8, a character
/// XML forbids, an invalid element name) is left out, not the error.
/// Escapes what it writes; app_xml is copied as is.
inline std::string write_error(const stream_error& e) {
  const std::string_view name = to_string(e.condition);
  std::string out = "<stream:error>";
  std::string condition;
  if (e.condition == stream_condition::see_other_host && !e.see_other_host.empty())
    condition = detail::write_standalone(
        [&](xml::writer& w) { w.start(ns::xmpp_streams, name).text(e.see_other_host).end(); });
  if (condition.empty()) condition = detail::write_standalone([&](xml::writer& w) { w.start(ns::xmpp_streams, name).end(); });
  out += condition;
  if (!e.text.empty() || !e.text_lang.empty()) {
    out += detail::write_standalone([&](xml::writer& w) {
      w.start(ns::xmpp_streams, "text");
      if (!e.text_lang.empty()) w.attr(ns::xml, "lang", e.text_lang);
      if (!e.text.empty()) w.text(e.text);
      w.end();
    });
  }
  if (!e.app_xml.empty()) {
    out += e.app_xml;
  } else if (!e.app_name.empty() && e.app_ns != ns::xmpp_streams) {
    out += detail::write_standalone([&](xml::writer& w) { w.start(e.app_ns, e.app_name).end(); });
  }
  out += "</stream:error>";
  return out;
}

/// Reads a <stream:error/> element received (draft §4.7.2); see the file
/// comment for what is kept and what is ignored. A missing condition element
/// is refused with <bad-format/>; an element that is not
/// {http://etherx.jabber.org/streams}error with <unsupported-stanza-type/>
/// (it is not the element the caller asked about). Copies what it keeps.
inline result<stream_error, violation> parse_error(const xml::element& e) {
  if (!e.is(ns::streams, "error"))
    return unexpected{violation{stream_condition::unsupported_stanza_type, "not a <stream:error/> element"}};
  stream_error r;
  bool have_condition = false, have_text = false, have_app = false;
  for (xml::node n : e.children()) {
    if (n.is_text()) continue;  // pre-XMPP servers wrote their reason here; no condition in it
    const xml::element c = n.as_element();
    if (c.ns() != ns::xmpp_streams) {
      if (!have_app) {
        have_app = true;
        r.app_ns = std::string(c.ns());
        r.app_name = std::string(c.name());
        r.app_xml = detail::to_standalone_xml(c);
      }
    } else if (c.name() == "text") {
      if (!have_text) {
        have_text = true;
        r.text = c.text();
        r.text_lang = std::string(c.attr("lang", ns::xml).value_or(std::string_view{}));
      }
    } else if (!have_condition) {
      have_condition = true;
      // RFC 6120 §4.9.3.21: an unknown condition is treated as <undefined-condition/>.
      r.condition = stream_condition_from_string(c.name()).value_or(stream_condition::undefined_condition);
      if (r.condition == stream_condition::see_other_host)
        r.see_other_host = std::string(detail::strip_xml_space(c.text()));
    }
  }
  if (!have_condition)
    return detail::bad_format("<stream:error/> without a condition element (draft §4.7.2)");
  return r;
}

}  // namespace xmppcore::stream
