// xmppcore — resource limits enforced by the XML push parser while it parses.
//
// Every quantity an attacker controls has a cap that is checked before memory is
// set aside for the excess (h11's incomplete-event cap, Beast's header_limit).
// Exceeding any of them is a <policy-violation/> stream error, except the two
// delivery bounds (max_delivered_bytes, max_queued_events), which are
// backpressure: receive() stops early with parse_status::full and the embedder
// feeds the rest after draining the events.
#pragma once

#include <algorithm>
#include <cstdint>
#include <initializer_list>

namespace xmppcore::xml {

/// One limits profile. Can be swapped between top-level elements
/// (push_parser::set_limits), e.g. from pre_authentication() to defaults()
/// after SASL succeeds. The parser applies clamped() to every profile it is
/// given, so no setting can make its 32-bit arena offsets overflow.
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
  /// Backpressure: memory one receive() call may fill with what it delivers
  /// (decoded strings, element and attribute records, source copies, queued
  /// events) before it stops with parse_status::full. Checked after each
  /// complete top-level element, so one element of max_element_bytes always
  /// gets through; a call holds at most this plus one element, whatever the
  /// size of the caller's read.
  std::uint32_t max_delivered_bytes = 64 * 1024;
  /// Backpressure: events one receive() call may queue before it stops with
  /// parse_status::full (checked like max_delivered_bytes).
  std::uint32_t max_queued_events = 1024;

  /// Ceilings clamped() applies. With all of them, one receive() call can
  /// never put 2^31 bytes into the parser's arena (push_parser.hpp proves it
  /// with a static_assert), whose offsets are 32-bit with the top bit taken.
  static constexpr std::uint32_t ceiling_bytes = 1u << 28;            ///< element, attribute, text, buffered
  static constexpr std::uint32_t ceiling_delivered_bytes = 1u << 26;  ///< max_delivered_bytes
  static constexpr std::uint32_t ceiling_name_bytes = 1u << 20;       ///< max_name_bytes
  static constexpr std::uint32_t ceiling_count = 1u << 24;            ///< depth, elements, attributes, ...

  /// This profile with every field cut to its ceiling.
  constexpr limits clamped() const noexcept {
    limits l = *this;
    for (std::uint32_t* f : {&l.max_element_bytes, &l.max_attribute_bytes, &l.max_text_bytes, &l.max_buffered_bytes})
      *f = std::min(*f, ceiling_bytes);
    l.max_delivered_bytes = std::min(l.max_delivered_bytes, ceiling_delivered_bytes);
    l.max_name_bytes = std::min(l.max_name_bytes, ceiling_name_bytes);
    for (std::uint32_t* f : {&l.max_depth, &l.max_elements, &l.max_attributes, &l.max_namespace_declarations,
                             &l.max_queued_events})
      *f = std::min(*f, ceiling_count);
    return l;
  }

  /// The most permissive profile the parser accepts (every ceiling).
  static constexpr limits maximal() noexcept {
    limits l;
    for (std::uint32_t* f : {&l.max_element_bytes, &l.max_depth, &l.max_elements, &l.max_attributes,
                             &l.max_attribute_bytes, &l.max_text_bytes, &l.max_name_bytes,
                             &l.max_namespace_declarations, &l.max_buffered_bytes, &l.max_delivered_bytes,
                             &l.max_queued_events})
      *f = ~std::uint32_t{0};
    return l.clamped();
  }

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
    l.max_delivered_bytes = 16 * 1024;
    l.max_queued_events = 256;
    return l;
  }
};

}  // namespace xmppcore::xml
