// xmppcore — the verdict of the XML layer when input is rejected.
#pragma once

#include <cstdint>
#include <string_view>

#include <xmppcore/conditions.hpp>

namespace xmppcore::xml {

/// Why the parser stopped for good. Every rejection maps to the stream error
/// condition the spec prescribes (draft §4.7.3, §11; RFC 6120 §4.9.3), with the
/// byte offset of the offending byte (counted from the parser's construction,
/// across restarts) and a short static reason for logs and <text/>.
struct parse_error {
  stream_condition condition = stream_condition::xml_not_well_formed;
  std::uint64_t offset = 0;
  std::string_view reason;  ///< static storage; always valid
};

}  // namespace xmppcore::xml
