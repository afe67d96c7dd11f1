// xmppcore — the small elements of STARTTLS (draft §5) and of the XMPP SASL
// profile (draft §6), written and read by both roles.
//
//   TLS   <starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>
//         <proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>
//         <failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>
//   SASL  <auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='NAME'>base64</auth>
//         <challenge …>base64</challenge>  <response …>base64</response>
//         <success …>[base64]</success>     <abort …/>
//         <failure …><condition/>[<text xml:lang='…'>…</text>]</failure>
//
// Data is base64 (draft §6.1 rule 5, RFC 3548 §3). A zero-length initial
// response is sent as "=" so that it is not mistaken for none (draft §6.2
// step 3); both "=" and an empty element are read as zero octets elsewhere.
// Elements are written with no whitespace around them (draft §5.1 rule 5,
// §6.1 rule 4).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <xmppcore/conditions.hpp>
#include <xmppcore/sasl/payload.hpp>
#include <xmppcore/xml/element.hpp>

namespace xmppcore::session::negotiation {

inline std::string starttls() { return "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"; }
inline std::string tls_proceed() { return "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"; }
inline std::string tls_failure() { return "<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"; }

/// `<name xmlns=sasl>base64</name>` for <challenge/>, <response/> and
/// <success/>; no data and zero octets both give an empty element, as the
/// draft's examples write an empty response (draft §6.5 step 7).
inline std::string sasl_element(std::string_view name, std::optional<std::string_view> data) {
  std::string out = "<";
  out += name;
  out += " xmlns='urn:ietf:params:xml:ns:xmpp-sasl'";
  if (!data || data->empty()) {
    out += "/>";
    return out;
  }
  out += '>';
  out += sasl::encode_payload(data);  // base64 has no character to escape
  out += "</";
  out += name;
  out += '>';
  return out;
}

/// `<auth mechanism='NAME'>` with the initial response (nullopt: none).
inline std::string sasl_auth(std::string_view mechanism, std::optional<std::string_view> initial) {
  std::string out = "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='";
  out += mechanism;  // a SASL name: [A-Z0-9-_] only (RFC 4422 §3.1), nothing to escape
  out += '\'';
  const std::string b64 = sasl::encode_payload(initial);
  if (b64.empty()) {
    out += "/>";
    return out;
  }
  out += '>';
  out += b64;
  out += "</auth>";
  return out;
}

inline std::string sasl_abort() { return "<abort xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"; }

/// `<failure xmlns=sasl><condition/></failure>` (draft §6.4).
inline std::string sasl_failure(sasl_condition c) {
  std::string out = "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><";
  out += to_string(c);
  out += "/></failure>";
  return out;
}

/// The condition of a received SASL <failure/> (draft §6.4): the first child
/// in the SASL namespace that names a known condition; nullopt when there is
/// none (a peer may send an empty <failure/>, and RFC 6120 adds conditions).
inline std::optional<sasl_condition> read_sasl_failure(const xml::element& e) {
  for (xml::node n : e.children()) {
    if (!n.is_element()) continue;
    const xml::element c = n.as_element();
    if (c.ns() != ns::xmpp_sasl || c.name() == "text") continue;
    if (auto k = sasl_condition_from_string(c.name())) return *k;
  }
  return std::nullopt;
}

}  // namespace xmppcore::session::negotiation
