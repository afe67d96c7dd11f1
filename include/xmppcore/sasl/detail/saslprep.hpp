// xmppcore — private helper of sasl/: SASLprep (RFC 4013) as PLAIN and SCRAM
// apply it to names and passwords, and the condition a server answers when a
// peer's string does not prepare.
#pragma once

#include <xmppcore/conditions.hpp>
#include <xmppcore/jid/stringprep.hpp>
#include <xmppcore/result.hpp>

#include <string>
#include <string_view>
#include <utility>

namespace xmppcore::sasl::detail {

/// The SASL failure condition for a string SASLprep refused:
///  - prohibited output, wrong bidi, an unassigned code point: the string is
///    well-formed but cannot be anybody's name or password, so verification
///    fails (RFC 4616 §2, RFC 5802 §5.1): <not-authorized/>, as for a wrong
///    password (draft §6.4);
///  - ICU could not run the profile: our fault, not the peer's:
///    <temporary-auth-failure/> (draft §6.4);
///  - anything else is about the form of the input rather than its content
///    (not UTF-8, over a length limit, a run of more than 30 combining marks,
///    UAX #15 §13): the message breaks the mechanism's syntax,
///    <malformed-request/> (RFC 6120 §6.5.8). New SASLprep errors fall here
///    unless they are listed above.
constexpr sasl_condition saslprep_condition(jid::prep_error e) noexcept {
  switch (e) {
    case jid::prep_error::prohibited:
    case jid::prep_error::unassigned:
    case jid::prep_error::bidi:
    case jid::prep_error::empty: return sasl_condition::not_authorized;
    case jid::prep_error::resource_failure: return sasl_condition::temporary_auth_failure;
    case jid::prep_error::not_stream_safe:  // UAX #15 §13, refused before normalization
    default: return sasl_condition::malformed_request;
  }
}

/// Why a string could not be used after SASLprep.
struct saslprep_failure {
  sasl_condition condition;  ///< what a server answers (saslprep_condition(), or not-authorized for "empty")
  std::string_view detail;   ///< SASLprep's name for the fault, or "empty" (static text)
};

/// SASLprep of a name or password as a query string (unassigned code points
/// allowed: RFC 4616 §2, RFC 5802 §2.2), where an empty result is a failure
/// too: "If preparation fails or results in an empty string, verification
/// SHALL fail" (RFC 4616 §2; RFC 5802 §5.1 likewise for the username).
inline result<std::string, saslprep_failure> saslprep_nonempty(std::string_view s) {
  auto p = jid::saslprep(s, jid::prep_mode::query);
  if (!p) return unexpected{saslprep_failure{saslprep_condition(p.error()), jid::to_string(p.error())}};
  if (p->empty()) return unexpected{saslprep_failure{sasl_condition::not_authorized, "empty"}};
  return std::move(*p);
}

}  // namespace xmppcore::sasl::detail
