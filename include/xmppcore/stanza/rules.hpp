// xmppcore — the structural rules every stanza must follow: IQ semantics (draft §9.2.3) and the
// placement of <error/> (draft §9.3.1). A checker returns the first broken rule, named, so that a
// receiver can answer with the right stanza error (usually <bad-request/>, draft §9.3.3: "e.g.,
// an IQ stanza that includes an unrecognized value of the 'type' attribute").
#pragma once

#include <cstdint>
#include <string_view>

#include <xmppcore/conditions.hpp>
#include <xmppcore/result.hpp>
#include <xmppcore/stanza/stanza.hpp>

namespace xmppcore::stanza {

/// A broken stanza rule, named after the spec text it breaks.
enum class rule : std::uint8_t {
  iq_id_missing,             ///< draft §9.2.3 rule 1: 'id' is REQUIRED for IQ
  iq_type_missing,           ///< draft §9.2.3 rule 2: 'type' is REQUIRED for IQ
  iq_type_unknown,           ///< draft §9.2.3 rule 2: type MUST be get, set, result or error
  iq_request_child_count,    ///< draft §9.2.3 rule 5: get/set has exactly one child element
  iq_result_child_count,     ///< draft §9.2.3 rule 6: result has zero or one child elements
  error_child_missing,       ///< draft §9.2.3 rule 7, §9.3.1: type='error' MUST include <error/>
  error_child_not_allowed,   ///< draft §9.3.1: no <error/> unless type='error'
  error_child_repeated,      ///< draft §9.3.2 gives one <error/> element per error stanza
};

/// A short name for logs and <text/> ("iq-id-missing", ...).
constexpr std::string_view to_string(rule r) noexcept {
  switch (r) {
    case rule::iq_id_missing: return "iq-id-missing";
    case rule::iq_type_missing: return "iq-type-missing";
    case rule::iq_type_unknown: return "iq-type-unknown";
    case rule::iq_request_child_count: return "iq-request-child-count";
    case rule::iq_result_child_count: return "iq-result-child-count";
    case rule::error_child_missing: return "error-child-missing";
    case rule::error_child_not_allowed: return "error-child-not-allowed";
    case rule::error_child_repeated: return "error-child-repeated";
  }
  return "unknown";
}

/// The spec section a rule comes from ("9.2.3", "9.3.1", ...).
constexpr std::string_view section(rule r) noexcept {
  switch (r) {
    case rule::iq_id_missing:
    case rule::iq_type_missing:
    case rule::iq_type_unknown:
    case rule::iq_request_child_count:
    case rule::iq_result_child_count: return "9.2.3";
    case rule::error_child_missing:
    case rule::error_child_not_allowed: return "9.3.1";
    case rule::error_child_repeated: return "9.3.2";
  }
  return "9";
}

/// The stanza error condition to answer a stanza breaking `r` with: <bad-request/> for all of
/// them (draft §9.3.3, "XML that is malformed or that cannot be processed").
constexpr stanza_condition condition_for(rule) noexcept { return stanza_condition::bad_request; }

/// Checks one stanza against draft §9.2.3 (IQ) and §9.3.1 (<error/> placement). Only child
/// elements count as children; text is ignored. Returns the first broken rule, in the order of
/// the rule list above.
inline result<void, rule> check(const stanza_view& s) noexcept {
  std::size_t errors = 0, payload = 0;
  for (xml::node n : s.element().children()) {
    if (!n.is_element()) continue;
    if (s.is_error_element(n.as_element())) ++errors;
    else ++payload;
  }
  if (s.kind() == stanza_kind::iq) {
    if (!s.id()) return unexpected{rule::iq_id_missing};
    switch (s.iq_type()) {
      case iq_type_t::missing: return unexpected{rule::iq_type_missing};
      case iq_type_t::unknown: return unexpected{rule::iq_type_unknown};
      case iq_type_t::get:
      case iq_type_t::set:
        // rule 5: "one and only one child element"; an <error/> here is itself a child.
        if (errors + payload != 1) return unexpected{rule::iq_request_child_count};
        if (errors) return unexpected{rule::error_child_not_allowed};
        return {};
      case iq_type_t::result:
        if (errors + payload > 1) return unexpected{rule::iq_result_child_count};
        if (errors) return unexpected{rule::error_child_not_allowed};
        return {};
      case iq_type_t::error: break;
    }
  }
  if (s.is_error()) {
    if (errors == 0) return unexpected{rule::error_child_missing};
    if (errors > 1) return unexpected{rule::error_child_repeated};
  } else if (errors) {
    return unexpected{rule::error_child_not_allowed};
  }
  return {};
}

}  // namespace xmppcore::stanza
