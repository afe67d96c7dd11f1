// xmppcore — what can be wrong with a JID, and where.
#pragma once

#include <xmppcore/conditions.hpp>
#include <xmppcore/jid/stringprep.hpp>

#include <cstdint>
#include <string_view>

namespace xmppcore::jid {

/// Why a JID part (or a domain) was rejected. jid_error::part says which part.
enum class errc : std::uint8_t {
  invalid_utf8,        ///< not well-formed UTF-8
  prohibited,          ///< stringprep prohibited output (RFC 3454 §5; draft App. A.5 / B.5; RFC 3491 §5)
  unassigned,          ///< unassigned code point, stored mode (RFC 3454 §7)
  bidi,                ///< RFC 3454 §6 bidi rules violated (tables D.1/D.2)
  empty,               ///< part missing where its separator says it exists (`@d`, `n@`, `d/`), or prepares to nothing
  too_long,            ///< the part is too long: over 1023 bytes after preparation (draft §3.1), over
                       ///< 4 x 1023 bytes before it (jid.hpp), or, a domain under the strict rules,
                       ///< over 253 octets in ACE form (RFC 1035 §2.3.4)
  resource_failure,    ///< ICU could not open a profile / IDNA object: our fault, not the input's
  empty_label,         ///< a domain label is empty (`a..b`, `.a`, `.` or `。` alone) or prepares to nothing
  label_too_long,      ///< a domain label is longer than 63 octets in ACE form (RFC 3490 §4.1 step 8)
  invalid_label,       ///< a domain label fails ToASCII: STD3 rules, hyphens, ACE prefix (RFC 3490 §4.1),
                       ///< or the strict rules (domain.hpp)
  invalid_ip_literal,  ///< looks like an IPv4 dotted quad or `[...]` but is not a valid address (draft §3.1)
  missing,             ///< a part the type requires is absent (full_jid without a resource)
  not_allowed,         ///< a part the type forbids is present (bare_jid with a resource)
  not_stream_safe,     ///< more than 30 combining marks in a row (UAX #15 §13; stringprep.hpp)
};

/// Maps a stringprep failure to the JID error of the same meaning.
constexpr errc to_errc(prep_error e) noexcept {
  switch (e) {
    case prep_error::invalid_utf8: return errc::invalid_utf8;
    case prep_error::prohibited: return errc::prohibited;
    case prep_error::unassigned: return errc::unassigned;
    case prep_error::bidi: return errc::bidi;
    case prep_error::empty: return errc::empty;
    case prep_error::too_long: return errc::too_long;
    case prep_error::resource_failure: return errc::resource_failure;
    case prep_error::not_stream_safe: return errc::not_stream_safe;
  }
  return errc::resource_failure;
}

/// Text for logs and error `<text/>` ("prohibited", "label-too-long", ...).
constexpr std::string_view to_string(errc e) noexcept {
  switch (e) {
    case errc::invalid_utf8: return "invalid-utf8";
    case errc::prohibited: return "prohibited";
    case errc::unassigned: return "unassigned";
    case errc::bidi: return "bidi";
    case errc::empty: return "empty";
    case errc::too_long: return "too-long";
    case errc::resource_failure: return "resource-failure";
    case errc::empty_label: return "empty-label";
    case errc::label_too_long: return "label-too-long";
    case errc::invalid_label: return "invalid-label";
    case errc::invalid_ip_literal: return "invalid-ip-literal";
    case errc::missing: return "missing";
    case errc::not_allowed: return "not-allowed";
    case errc::not_stream_safe: return "not-stream-safe";
  }
  return "unknown";
}

/// The three parts of a JID (draft §3.1).
enum class part : std::uint8_t { node, domain, resource };

constexpr std::string_view to_string(part p) noexcept {
  switch (p) {
    case part::node: return "node";
    case part::domain: return "domain";
    case part::resource: return "resource";
  }
  return "unknown";
}

/// A JID error: which part failed and why. Every one maps to the `<jid-malformed/>` stanza error
/// (draft §9.3.3), except resource_failure, which is our problem, not the peer's.
struct jid_error {
  jid::part part;
  errc code;

  friend constexpr bool operator==(const jid_error&, const jid_error&) noexcept = default;

  /// The stanza error condition to report for this error.
  constexpr stanza_condition condition() const noexcept {
    return code == errc::resource_failure ? stanza_condition::internal_server_error
                                          : stanza_condition::jid_malformed;
  }
};

}  // namespace xmppcore::jid
