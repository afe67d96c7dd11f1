// xmppcore — the verdict of the XML layer when input is rejected.
#pragma once

#include <cstdint>
#include <string_view>

#include <xmppcore/conditions.hpp>

namespace xmppcore::xml {

/// Why the parser stopped for good. Every rejection maps to the stream error
/// condition the spec prescribes (draft §4.7.3, §11; RFC 6120 §4.9.3), with the
/// byte offset of the offending byte and a short static reason for logs and
/// <text/>.
struct parse_error {
  stream_condition condition = stream_condition::xml_not_well_formed;
  /// Offset of the offending byte counted from the parser's construction:
  /// the bytes of every stream before a restart() are included.
  std::uint64_t offset = 0;
  std::string_view reason;  ///< static storage; always valid
  /// Offset of the offending byte within the current stream: counted from
  /// the last restart() (or construction), i.e. from the first byte of the
  /// stream the error is about (draft §4.3: a new stream after STARTTLS or
  /// SASL starts again at 0).
  std::uint64_t stream_offset = 0;
};

}  // namespace xmppcore::xml
