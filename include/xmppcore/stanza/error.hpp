// xmppcore — stanza errors (draft §9.3): the condition/type table, the description of an error to
// send, and the parser for an error stanza received.
//
// An error stanza (draft §9.3.2):
//   <stanza-kind to='sender' type='error'>
//     [the original payload, RECOMMENDED]
//     <error type='cancel|continue|modify|auth|wait' [code='NNN' (XEP-0086, legacy)]>
//       <defined-condition xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>
//       <text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas' xml:lang='..'>optional</text>
//       [optional application-specific condition element, any other namespace]
//     </error>
//   </stanza-kind>
// Building the reply lives in stanza/reply.hpp; this header only describes and parses.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include <xmppcore/detail/ascii.hpp>
#include <xmppcore/conditions.hpp>
#include <xmppcore/result.hpp>
#include <xmppcore/stanza/stanza.hpp>
#include <xmppcore/xml/element.hpp>

namespace xmppcore::stanza {

/// The error type a condition SHOULD carry (draft §9.3.3). <undefined-condition/> may carry any
/// type; this library uses "cancel" for it (an arbitrary but stable choice, as RFC 6120 §8.3.3.21
/// also leaves it open). Note that RFC 6120 changed some defaults (e.g. <internal-server-error/>
/// and <gone/> became "cancel"); the draft's values are used here.
constexpr stanza_error_type default_type(stanza_condition c) noexcept {
  using t = stanza_error_type;
  switch (c) {
    case stanza_condition::bad_request: return t::modify;
    case stanza_condition::conflict: return t::cancel;
    case stanza_condition::feature_not_implemented: return t::cancel;
    case stanza_condition::forbidden: return t::auth;
    case stanza_condition::gone: return t::modify;
    case stanza_condition::internal_server_error: return t::wait;
    case stanza_condition::item_not_found: return t::cancel;
    case stanza_condition::jid_malformed: return t::modify;
    case stanza_condition::not_acceptable: return t::modify;
    case stanza_condition::not_allowed: return t::cancel;
    case stanza_condition::not_authorized: return t::auth;
    case stanza_condition::payment_required: return t::auth;
    case stanza_condition::recipient_unavailable: return t::wait;
    case stanza_condition::redirect: return t::modify;
    case stanza_condition::registration_required: return t::auth;
    case stanza_condition::remote_server_not_found: return t::cancel;
    case stanza_condition::remote_server_timeout: return t::wait;
    case stanza_condition::resource_constraint: return t::wait;
    case stanza_condition::service_unavailable: return t::cancel;
    case stanza_condition::subscription_required: return t::auth;
    case stanza_condition::undefined_condition: return t::cancel;  // any type allowed (§9.3.3)
    case stanza_condition::unexpected_request: return t::wait;
  }
  return t::cancel;
}

/// The legacy numeric code for a condition (XEP-0086 §2, "Supporting Legacy Entities").
constexpr std::uint16_t legacy_code(stanza_condition c) noexcept {
  switch (c) {
    case stanza_condition::bad_request: return 400;
    case stanza_condition::conflict: return 409;
    case stanza_condition::feature_not_implemented: return 501;
    case stanza_condition::forbidden: return 403;
    case stanza_condition::gone: return 302;
    case stanza_condition::internal_server_error: return 500;
    case stanza_condition::item_not_found: return 404;
    case stanza_condition::jid_malformed: return 400;
    case stanza_condition::not_acceptable: return 406;
    case stanza_condition::not_allowed: return 405;
    case stanza_condition::not_authorized: return 401;
    case stanza_condition::payment_required: return 402;
    case stanza_condition::recipient_unavailable: return 404;
    case stanza_condition::redirect: return 302;
    case stanza_condition::registration_required: return 407;
    case stanza_condition::remote_server_not_found: return 404;
    case stanza_condition::remote_server_timeout: return 504;
    case stanza_condition::resource_constraint: return 500;
    case stanza_condition::service_unavailable: return 503;
    case stanza_condition::subscription_required: return 407;
    case stanza_condition::undefined_condition: return 500;
    case stanza_condition::unexpected_request: return 400;
  }
  return 500;
}

/// A condition and type understood from a legacy code alone.
struct legacy_mapping {
  stanza_condition condition;
  stanza_error_type type;
};

/// The condition and type for a legacy code (XEP-0086 §3, "Implementing Legacy Protocols").
/// 302 maps to <redirect/> (the table allows <gone/> for a permanent move; it cannot tell).
constexpr std::optional<legacy_mapping> from_legacy_code(std::uint16_t code) noexcept {
  using c = stanza_condition;
  using t = stanza_error_type;
  switch (code) {
    case 302: return legacy_mapping{c::redirect, t::modify};
    case 400: return legacy_mapping{c::bad_request, t::modify};
    case 401: return legacy_mapping{c::not_authorized, t::auth};
    case 402: return legacy_mapping{c::payment_required, t::auth};
    case 403: return legacy_mapping{c::forbidden, t::auth};
    case 404: return legacy_mapping{c::item_not_found, t::cancel};
    case 405: return legacy_mapping{c::not_allowed, t::cancel};
    case 406: return legacy_mapping{c::not_acceptable, t::modify};
    case 407: return legacy_mapping{c::registration_required, t::auth};
    case 408: return legacy_mapping{c::remote_server_timeout, t::wait};
    case 409: return legacy_mapping{c::conflict, t::cancel};
    case 500: return legacy_mapping{c::internal_server_error, t::wait};
    case 501: return legacy_mapping{c::feature_not_implemented, t::cancel};
    case 502: return legacy_mapping{c::service_unavailable, t::wait};
    case 503: return legacy_mapping{c::service_unavailable, t::cancel};
    case 504: return legacy_mapping{c::remote_server_timeout, t::wait};
    case 510: return legacy_mapping{c::service_unavailable, t::cancel};
    default: return std::nullopt;
  }
}

/// An application-specific condition element to send (draft §9.3.4): an empty element
/// `<name xmlns='ns'/>`, or a copy of a parsed element when `element` is set (then ns/name are
/// ignored). Its namespace must not be the stanzas namespace nor a content namespace.
struct app_condition {
  std::string_view ns;
  std::string_view name;
  std::optional<xml::element> element;

  bool empty() const noexcept { return !element && name.empty(); }
};

/// The description of a stanza error to send (draft §9.3.2). Views only: the strings must
/// outlive the call that builds the reply.
struct stanza_error {
  stanza_condition condition = stanza_condition::undefined_condition;
  /// The error type; nullopt uses default_type(condition) (draft §9.3.3).
  std::optional<stanza_error_type> type;
  /// Optional descriptive <text/> (draft §9.3.2); empty means none.
  std::string_view text;
  /// xml:lang of the text (draft §9.3.2 "SHOULD possess an 'xml:lang' attribute"); empty: none.
  std::string_view text_lang;
  /// Optional application-specific condition (draft §9.3.4).
  app_condition app;
  /// The new address carried in <gone/> or <redirect/> (draft §9.3.3; <redirect/>'s "MUST be a
  /// valid JID"). Checked as a JID by the reply builder; ignored for other conditions.
  std::string_view alternate_address;

  /// A stanza_error for `c` with its default type.
  static stanza_error of(stanza_condition c) noexcept {
    stanza_error e;
    e.condition = c;
    return e;
  }
  /// The type that will be sent.
  stanza_error_type effective_type() const noexcept { return type ? *type : default_type(condition); }
};

// ------------------------------------------------------------------------------------------------
// Parsing an error stanza received.

/// One <text/> of an error with its language resolved (own xml:lang, else the stanza's, else
/// the stream default: draft §9.1.5, §13).
struct error_text {
  std::string_view lang;
  std::string_view text;  ///< the first text run (the usual single run), decoded
};

/// An error stanza understood (draft §9.3). Views into the parsed element: same lifetime.
struct received_error {
  stanza_condition condition = stanza_condition::undefined_condition;
  stanza_error_type type = stanza_error_type::cancel;
  /// The 'type' attribute of <error/> as received (may be absent or unknown: then `type` is
  /// the condition's default and type_valid is false).
  std::optional<std::string_view> type_attr;
  bool type_valid = false;
  /// The defined condition was absent and `condition`/`type` come from the legacy code.
  bool condition_from_legacy_code = false;
  /// A child in the stanzas namespace that names no defined condition (a future condition, or
  /// a typo); the first one seen.
  std::optional<std::string_view> unknown_condition;
  /// The texts, in document order.
  std::vector<error_text> texts;
  /// The application-specific condition element (first child in another namespace).
  std::optional<xml::element> app;
  /// The legacy XEP-0086 'code' attribute, when present and a number in 100..999.
  std::optional<std::uint16_t> code;
  /// Text directly inside <error/> (pre-XMPP errors: `<error code='404'>Not Found</error>`).
  std::string_view legacy_text;
  /// The character data of <gone/> or <redirect/> (the new address), else empty.
  std::string_view alternate_address;
  /// The original payload echoed back (child elements of the stanza other than <error/>).
  std::size_t payload_count = 0;

  /// The text in language `lang` (exact, ASCII case-insensitive as language tags are, RFC 3066
  /// §2.1), else the first text; nullopt when there is none.
  std::optional<std::string_view> text(std::string_view lang = {}) const noexcept {
    for (const auto& t : texts)
      if (xmppcore::detail::ascii_iequals(t.lang, lang)) return t.text;
    if (!texts.empty()) return texts.front().text;
    return std::nullopt;
  }

};

/// Why an element could not be understood as an error stanza.
enum class error_parse_failure : std::uint8_t {
  not_error_type,   ///< the stanza's 'type' is not "error" (draft §9.3.1)
  no_error_child,   ///< type='error' but no <error/> child (draft §9.3.1 "MUST contain")
  no_condition,     ///< <error/> has no condition element (defined or not), no application
                    ///< element and no usable legacy code: nothing to go on
};

constexpr std::string_view to_string(error_parse_failure f) noexcept {
  switch (f) {
    case error_parse_failure::not_error_type: return "not-error-type";
    case error_parse_failure::no_error_child: return "no-error-child";
    case error_parse_failure::no_condition: return "no-condition";
  }
  return "unknown";
}

namespace detail {
/// Parses a legacy code: 3 ASCII digits, 100..999 (XEP-0086 codes are HTTP-like).
constexpr std::optional<std::uint16_t> parse_code(std::string_view s) noexcept {
  if (s.size() != 3) return std::nullopt;
  std::uint16_t v = 0;
  for (char ch : s) {
    if (ch < '0' || ch > '9') return std::nullopt;
    v = static_cast<std::uint16_t>(v * 10 + static_cast<std::uint16_t>(ch - '0'));
  }
  if (v < 100) return std::nullopt;
  return v;
}
/// The string without leading/trailing XML white space (S production: space, tab, CR, LF).
constexpr std::string_view trim_xml_space(std::string_view s) noexcept {
  auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && ws(s.back())) s.remove_suffix(1);
  return s;
}
}  // namespace detail

/// Understands an error stanza (draft §9.3.2, plus the XEP-0086 'code'). `stream_lang` is the
/// stream's default xml:lang, used for <text/> without its own (draft §9.1.5). Lenient where the
/// spec is: an unknown or missing 'type' falls back to the condition's default (type_valid
/// false); a legacy-only error (code, no condition) is mapped per XEP-0086 §3.
inline result<received_error, error_parse_failure> parse_error(const stanza_view& s,
                                                              std::string_view stream_lang = {}) {
  if (!s.is_error()) return unexpected{error_parse_failure::not_error_type};
  const auto err = s.error_child();
  if (!err) return unexpected{error_parse_failure::no_error_child};
  received_error r;
  r.payload_count = s.payload_count();
  const std::string_view stanza_lang = s.lang(stream_lang);
  const std::string_view error_lang = err->attr("lang", ns::xml).value_or(stanza_lang);
  bool have_condition = false;
  for (xml::node n : err->children()) {
    if (n.is_text()) {
      if (r.legacy_text.empty()) r.legacy_text = detail::trim_xml_space(n.text());
      continue;
    }
    const xml::element c = n.as_element();
    if (c.ns() == ns::xmpp_stanzas) {
      if (c.name() == "text") {
        // xml:lang is inherited (XML §2.12): <text/>, then <error/>, then the stanza, then the stream.
        r.texts.push_back({c.attr("lang", ns::xml).value_or(error_lang), c.text_view()});
      } else if (auto cond = stanza_condition_from_string(c.name())) {
        if (!have_condition) {
          have_condition = true;
          r.condition = *cond;
          if (*cond == stanza_condition::gone || *cond == stanza_condition::redirect)
            r.alternate_address = detail::trim_xml_space(c.text_view());
        }
      } else if (!r.unknown_condition) {
        r.unknown_condition = c.name();
      }
    } else if (!r.app) {
      r.app = c;
    }
  }
  if (auto code = err->attr("code")) r.code = detail::parse_code(*code);
  std::optional<stanza_error_type> fallback;
  if (!have_condition) {
    const auto m = r.code ? from_legacy_code(*r.code) : std::nullopt;
    if (!m) {
      if (!r.unknown_condition && !r.app) return unexpected{error_parse_failure::no_condition};
      // draft §9.3.3: an unrecognised condition is, to us, an undefined one.
      r.condition = stanza_condition::undefined_condition;
    } else {
      r.condition = m->condition;
      fallback = m->type;
      r.condition_from_legacy_code = true;
    }
  }
  r.type_attr = err->attr("type");
  const auto t = r.type_attr ? stanza_error_type_from_string(*r.type_attr) : std::nullopt;
  r.type_valid = t.has_value();
  r.type = t ? *t : fallback ? *fallback : default_type(r.condition);
  return r;
}

}  // namespace xmppcore::stanza
