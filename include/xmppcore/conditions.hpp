// xmppcore — the protocol condition vocabularies shared by every layer.
//
// Stream errors (draft §4.7.3), stanza errors (draft §9.3.3) and SASL failures
// (draft §6.4) are closed sets of names defined by the spec. They live here, at
// the bottom of the layer stack, because the XML parser already has to report
// stream conditions (<restricted-xml/>, <xml-not-well-formed/>, ...) and the
// parser comes before stream/ in the layer order (README, "Architecture").
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace xmppcore {

/// Stream-level error conditions, draft §4.7.3 (24 of them), spelled as on the wire.
enum class stream_condition : std::uint8_t {
  bad_format,
  bad_namespace_prefix,
  conflict,
  connection_timeout,
  host_gone,
  host_unknown,
  improper_addressing,
  internal_server_error,
  invalid_from,
  invalid_id,
  invalid_namespace,
  invalid_xml,
  not_authorized,
  policy_violation,
  remote_connection_failed,
  resource_constraint,
  restricted_xml,
  see_other_host,
  system_shutdown,
  undefined_condition,
  unsupported_encoding,
  unsupported_stanza_type,
  unsupported_version,
  xml_not_well_formed,
};

/// Stanza-level error conditions, draft §9.3.3 (22 of them).
enum class stanza_condition : std::uint8_t {
  bad_request,
  conflict,
  feature_not_implemented,
  forbidden,
  gone,
  internal_server_error,
  item_not_found,
  jid_malformed,
  not_acceptable,
  not_allowed,
  not_authorized,
  payment_required,
  recipient_unavailable,
  redirect,
  registration_required,
  remote_server_not_found,
  remote_server_timeout,
  resource_constraint,
  service_unavailable,
  subscription_required,
  undefined_condition,
  unexpected_request,
};

/// SASL failure conditions: the 7 of draft §6.4, then one that RFC 6120 added.
enum class sasl_condition : std::uint8_t {
  aborted,
  incorrect_encoding,  ///< the XMPP element's base64 is bad (draft §6.4), never a mechanism's own syntax
  invalid_authzid,
  invalid_mechanism,
  mechanism_too_weak,
  not_authorized,
  temporary_auth_failure,
  /// Not in the draft: RFC 6120 §6.5.8 added it for a request that is malformed,
  /// e.g. "the data sent violates the syntax for the specified SASL mechanism".
  /// The mechanisms here answer it for a message that cannot be parsed (see
  /// sasl/mechanism.hpp). A peer that knows only the draft's seven still reads
  /// the <failure/> as the end of the handshake; the child only says why (draft §6.2).
  malformed_request,
};

/// The four stanza error types of draft §9.3.2 plus "continue" (five in all).
enum class stanza_error_type : std::uint8_t { cancel, continue_, modify, auth, wait };

namespace detail {

inline constexpr std::array<std::string_view, 24> stream_condition_names{
    "bad-format",          "bad-namespace-prefix",
    "conflict",            "connection-timeout",
    "host-gone",           "host-unknown",
    "improper-addressing", "internal-server-error",
    "invalid-from",        "invalid-id",
    "invalid-namespace",   "invalid-xml",
    "not-authorized",      "policy-violation",
    "remote-connection-failed", "resource-constraint",
    "restricted-xml",      "see-other-host",
    "system-shutdown",     "undefined-condition",
    "unsupported-encoding", "unsupported-stanza-type",
    "unsupported-version", "xml-not-well-formed",
};

inline constexpr std::array<std::string_view, 22> stanza_condition_names{
    "bad-request",           "conflict",
    "feature-not-implemented", "forbidden",
    "gone",                  "internal-server-error",
    "item-not-found",        "jid-malformed",
    "not-acceptable",        "not-allowed",
    "not-authorized",        "payment-required",
    "recipient-unavailable", "redirect",
    "registration-required", "remote-server-not-found",
    "remote-server-timeout", "resource-constraint",
    "service-unavailable",   "subscription-required",
    "undefined-condition",   "unexpected-request",
};

inline constexpr std::array<std::string_view, 8> sasl_condition_names{
    "aborted",           "incorrect-encoding",  "invalid-authzid",        "invalid-mechanism",
    "mechanism-too-weak", "not-authorized",     "temporary-auth-failure", "malformed-request",
};

inline constexpr std::array<std::string_view, 5> stanza_error_type_names{
    "cancel", "continue", "modify", "auth", "wait"};

template <class E, std::size_t N>
constexpr std::optional<E> lookup(const std::array<std::string_view, N>& names,
                                  std::string_view s) noexcept {
  for (std::size_t i = 0; i < N; ++i)
    if (names[i] == s) return static_cast<E>(i);
  return std::nullopt;
}

}  // namespace detail

/// Wire name of a stream condition, e.g. "restricted-xml".
constexpr std::string_view to_string(stream_condition c) noexcept {
  return detail::stream_condition_names[static_cast<std::size_t>(c)];
}
/// Wire name of a stanza condition, e.g. "item-not-found".
constexpr std::string_view to_string(stanza_condition c) noexcept {
  return detail::stanza_condition_names[static_cast<std::size_t>(c)];
}
/// Wire name of a SASL failure condition, e.g. "incorrect-encoding".
constexpr std::string_view to_string(sasl_condition c) noexcept {
  return detail::sasl_condition_names[static_cast<std::size_t>(c)];
}
/// Wire name of a stanza error type, e.g. "modify".
constexpr std::string_view to_string(stanza_error_type t) noexcept {
  return detail::stanza_error_type_names[static_cast<std::size_t>(t)];
}

/// Parses a stream condition's wire name. RFC 6120 renamed <xml-not-well-formed/>
/// to <not-well-formed/>; both are accepted here, the draft's name is produced.
constexpr std::optional<stream_condition> stream_condition_from_string(std::string_view s) noexcept {
  if (s == "not-well-formed") return stream_condition::xml_not_well_formed;  // RFC 6120 §4.9.3.13
  return detail::lookup<stream_condition>(detail::stream_condition_names, s);
}
/// Parses a stanza condition's wire name.
constexpr std::optional<stanza_condition> stanza_condition_from_string(std::string_view s) noexcept {
  return detail::lookup<stanza_condition>(detail::stanza_condition_names, s);
}
/// Parses a SASL failure condition's wire name.
constexpr std::optional<sasl_condition> sasl_condition_from_string(std::string_view s) noexcept {
  return detail::lookup<sasl_condition>(detail::sasl_condition_names, s);
}
/// Parses a stanza error type.
constexpr std::optional<stanza_error_type> stanza_error_type_from_string(std::string_view s) noexcept {
  return detail::lookup<stanza_error_type>(detail::stanza_error_type_names, s);
}

/// Namespace names used throughout the core (draft §11.2, §4.7, §6, §5, §8, §9.3).
namespace ns {
inline constexpr std::string_view streams = "http://etherx.jabber.org/streams";
inline constexpr std::string_view client = "jabber:client";
inline constexpr std::string_view server = "jabber:server";
inline constexpr std::string_view dialback = "jabber:server:dialback";
inline constexpr std::string_view xmpp_streams = "urn:ietf:params:xml:ns:xmpp-streams";
inline constexpr std::string_view xmpp_stanzas = "urn:ietf:params:xml:ns:xmpp-stanzas";
inline constexpr std::string_view xmpp_tls = "urn:ietf:params:xml:ns:xmpp-tls";
inline constexpr std::string_view xmpp_sasl = "urn:ietf:params:xml:ns:xmpp-sasl";
inline constexpr std::string_view xmpp_bind = "urn:ietf:params:xml:ns:xmpp-bind";
inline constexpr std::string_view xmpp_session = "urn:ietf:params:xml:ns:xmpp-session";
inline constexpr std::string_view xml = "http://www.w3.org/XML/1998/namespace";
inline constexpr std::string_view xmlns = "http://www.w3.org/2000/xmlns/";
}  // namespace ns

}  // namespace xmppcore
