// xmppcore — resource limits enforced by the XML push parser while it parses.
//
// Every quantity an attacker controls has a cap that is checked before memory is
// set aside for the excess (STYLE.md §4; h11's incomplete-event cap, Beast's
// header_limit). Exceeding any of them is a <policy-violation/> stream error.
#pragma once

#include <cstdint>

namespace xmppcore::xml {

/// One limits profile. Can be swapped between top-level elements
/// (push_parser::set_limits), e.g. from pre_authentication() to defaults()
/// after SASL succeeds.
struct limits {
  /// Source bytes of one top-level element (also of the stream header).
  std::uint32_t max_element_bytes = 256 * 1024;
  /// Nesting depth below the stream root; a top-level stanza has depth 1.
  std::uint32_t max_depth = 32;
  /// Elements inside one top-level element, itself included.
  std::uint32_t max_elements = 1024;
  /// Attributes on one element (namespace declarations included).
  std::uint32_t max_attributes = 64;
  /// Decoded bytes of one attribute value.
  std::uint32_t max_attribute_bytes = 64 * 1024;
  /// Decoded character data inside one top-level element (or one text run in
  /// fine-grained mode).
  std::uint32_t max_text_bytes = 256 * 1024;
  /// Bytes of one qualified name (element, attribute, prefix, entity).
  std::uint32_t max_name_bytes = 1024;
  /// Namespace declarations in scope at once, the stream header's included.
  std::uint32_t max_namespace_declarations = 64;
  /// Bytes the parser holds for unfinished work across receive() calls: the
  /// element being built, its source copy, open tag names and namespace scope.
  std::uint32_t max_buffered_bytes = 1024 * 1024;

  /// Safe defaults for an authenticated stream.
  static constexpr limits defaults() noexcept { return limits{}; }

  /// A stricter profile for streams that have not authenticated yet: nothing
  /// before SASL success needs more than a few KiB (draft §5, §6).
  static constexpr limits pre_authentication() noexcept {
    limits l;
    l.max_element_bytes = 8 * 1024;
    l.max_depth = 8;
    l.max_elements = 32;
    l.max_attributes = 16;
    l.max_attribute_bytes = 4 * 1024;
    l.max_text_bytes = 8 * 1024;
    l.max_name_bytes = 256;
    l.max_namespace_declarations = 16;
    l.max_buffered_bytes = 32 * 1024;
    return l;
  }
};

}  // namespace xmppcore::xml
