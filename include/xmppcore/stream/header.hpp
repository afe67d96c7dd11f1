// xmppcore — the stream header (draft §4.4, §4.4.1): reading the one the
// parser delivered, writing ours, the version rules and fresh stream ids.
//
// The header each side sends (draft §4.8, §5.3 steps 1-2, §8.3 step 2):
//   <?xml version='1.0'?>                                 optional text declaration (draft §11.4)
//   <stream:stream xmlns='jabber:client'                  content namespace; 'jabber:server'
//                                                         between servers (draft §11.2.2)
//                  xmlns:stream='http://etherx.jabber.org/streams'
//                  [xmlns:db='jabber:server:dialback']    s2s with dialback (draft §8.3, §11.2.3)
//                  to='example.com' from='example.com'
//                  id='someid' xml:lang='en' version='1.0'>
//
// Who sends which attribute, and what the other side does with it (draft §4.4):
//                initiating -> receiving        receiving -> initiating
//   to           hostname of the receiver       silently ignored
//   from         silently ignored               hostname of the receiver
//   id           silently ignored               session key: unique, unpredictable
//   xml:lang     default language               default language
//   version      signals XMPP 1.0 support       signals XMPP 1.0 support
// read_header() reports all five as received; strip_ignored() applies the
// "silently ignored" cells once the direction is known. Any other attribute
// is dropped here: §4.4 defines no others, and a receiver ignores what it does
// not understand (the same rule as §4.6 gives for features).
//
// Version rules (draft §4.4.1), and where each one lives:
//   1. the initiator offers the highest version it supports: supported_version;
//   2. the receiver answers min(offered, its own), comparing major and minor as
//      separate integers ("2.4" < "2.13" < "12.3"): answer_version();
//   3. an answer at least one major version below the offer MAY end the stream
//      with <unsupported-version/> when the versions cannot interoperate:
//      major_downgrade() detects it, the initiator's policy decides;
//   4. no version attribute means "0.0", and the reply then carries none:
//      header::version is nullopt, answer_version(nullopt) is nullopt.
// Leading zeros are ignored when reading and never written (draft §4.4.1).
//
// The namespaces and prefixes of the header (draft §4.5, §11.2) are checked by
// the push parser before it reports stream_opened; nothing here repeats that.
// Nothing here allocates beyond the returned strings, throws on a received
// header or keeps state between calls.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <xmppcore/conditions.hpp>
#include <xmppcore/crypto/hex.hpp>
#include <xmppcore/crypto/random_source.hpp>
#include <xmppcore/result.hpp>
#include <xmppcore/xml/detail/chars.hpp>
#include <xmppcore/xml/element.hpp>
#include <xmppcore/xml/push_parser.hpp>
#include <xmppcore/xml/writer.hpp>

namespace xmppcore::stream {

/// An XMPP version "<major>.<minor>" (draft §4.4.1): two separate integers.
struct version {
  std::uint32_t major = 0, minor = 0;

  /// Numeric order, major first: {2,4} < {2,13} < {12,3} (draft §4.4.1).
  friend constexpr auto operator<=>(const version&, const version&) = default;

  /// "1.0": decimal, never with leading zeros (draft §4.4.1 "MUST NOT be sent").
  std::string to_string() const { return std::to_string(major) + '.' + std::to_string(minor); }

  /// Parses DIGITS "." DIGITS (ASCII digits only). Leading zeros are ignored
  /// ("01.010" is 1.10, draft §4.4.1 "MUST be ignored by recipients"). Anything
  /// else is nullopt: empty, a sign, white space anywhere, a missing part, a
  /// third part, or a part above 2^31-1 once its leading zeros are gone (no
  /// version will get there; the cap keeps every accepted value exact).
  static constexpr std::optional<version> parse(std::string_view s) noexcept {
    const std::size_t dot = s.find('.');
    if (dot == std::string_view::npos) return std::nullopt;
    const auto major = parse_part(s.substr(0, dot));
    const auto minor = parse_part(s.substr(dot + 1));
    if (!major || !minor) return std::nullopt;
    return version{*major, *minor};
  }

 private:
  static constexpr std::uint32_t max_part = 0x7fffffffu;
  static constexpr std::optional<std::uint32_t> parse_part(std::string_view s) noexcept {
    if (s.empty()) return std::nullopt;
    std::uint32_t v = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return std::nullopt;  // also refuses a second '.'
      const auto d = static_cast<std::uint32_t>(c - '0');
      if (v > (max_part - d) / 10) return std::nullopt;
      v = v * 10 + d;
    }
    return v;
  }
};

/// The version this library implements: XMPP 1.0 (draft §4.4.1 rule 1, §5.1 rule 1).
inline constexpr version supported_version{1, 0};

/// What the receiving entity puts in its response header (draft §4.4.1): for
/// no offer, nothing (rule 4: the peer is "0.0" and gets no version back);
/// else the lower of the offer and what we support, compared numerically (rule 2).
constexpr std::optional<version> answer_version(std::optional<version> offered,
                                                version supported = supported_version) noexcept {
  if (!offered) return std::nullopt;
  return *offered < supported ? *offered : supported;
}

/// Draft §4.4.1 rule 3, seen from the initiator: the answer (nullopt: "0.0",
/// rule 4) is at least one major version below what we offered. The initiator
/// SHOULD then close with <unsupported-version/> if it cannot speak that older
/// version; whether it can is its policy, not a rule this function can know.
constexpr bool major_downgrade(version offered, std::optional<version> answered) noexcept {
  return answered.value_or(version{}).major < offered.major;
}

/// Why a received header or element is refused, as the stream error to send
/// (draft §4.7.1: the stream ends with it).
struct violation {
  stream_condition condition;
  std::string_view reason;  ///< static text, fit for logs and <text/>

  friend constexpr bool operator==(const violation&, const violation&) = default;
};

/// A stream header's content (draft §4.4).
struct header {
  std::string content_namespace = std::string(ns::client);  ///< ns::client or ns::server (draft §11.2.2)
  std::string to, from, id, lang;  ///< empty: absent (an empty value reads as absent too); lang is xml:lang
  /// nullopt: no version attribute, i.e. "0.0" (draft §4.4.1 rule 4). (Spelled
  /// stream::version here because the member shares the type's name.)
  std::optional<stream::version> version;
  bool dialback = false;  ///< xmlns:db='jabber:server:dialback' declared (draft §8.3 step 2)

  friend bool operator==(const header&, const header&) = default;
};

/// Reads the header the parser delivered (push_parser::header() after
/// stream_opened). Copies what it keeps, so the result outlives the parser.
///
/// A version attribute that is present but not "<major>.<minor>" is refused
/// with <unsupported-version/>: the draft defines that condition for a version
/// value that names no version the receiver supports (§4.7.3), and a value
/// that names no version at all is the extreme case; treating it as absent
/// would silently downgrade the peer to "0.0" against its stated intent, and
/// <bad-format/> is the generic condition §4.7.3 says to avoid when a more
/// specific one fits. An empty version='' is malformed too.
inline result<header, violation> read_header(const xml::stream_header& h) {
  header out;
  out.content_namespace = std::string(h.content_namespace);
  // Unprefixed attributes are in no namespace (Namespaces in XML §6.2), so a
  // prefixed p:to='...' is not 'to' and is ignored like any other attribute.
  if (auto v = h.attr("to")) out.to = std::string(*v);
  if (auto v = h.attr("from")) out.from = std::string(*v);
  if (auto v = h.attr("id")) out.id = std::string(*v);
  if (auto v = h.attr("lang", ns::xml)) out.lang = std::string(*v);
  if (auto v = h.attr("version")) {
    const auto parsed = version::parse(*v);
    if (!parsed)
      return unexpected{violation{stream_condition::unsupported_version,
                                  "the version attribute is not <major>.<minor> (draft §4.4.1)"}};
    out.version = *parsed;
  }
  // The parser already refused a db prefix bound elsewhere (draft §11.2.3).
  for (const auto& d : h.declarations)
    if (d.prefix == "db" && d.uri == ns::dialback) out.dialback = true;
  return out;
}

/// Which side sent a header (draft §4.4 names them "initiating" and "receiving").
enum class sender : std::uint8_t { initiating, receiving };

/// Clears what draft §4.4 says the reader of a header from `from` silently
/// ignores: 'from' and 'id' from the initiating entity, 'to' from the receiving one.
inline void strip_ignored(header& h, sender from) noexcept {
  if (from == sender::initiating) {
    h.from.clear();
    h.id.clear();
  } else {
    h.to.clear();
  }
}

namespace detail {
/// A <bad-format/> refusal: the generic condition for an element that is
/// well-formed XML but not what the spec says it holds (draft §4.7.3).
inline unexpected<violation> bad_format(std::string_view why) noexcept {
  return unexpected{violation{stream_condition::bad_format, why}};
}

/// Whether `s` is only XML white space (XML 1.0 §2.3 [3] S), or empty.
constexpr bool is_xml_space(std::string_view s) noexcept {
  return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

/// `s` without leading and trailing XML white space.
constexpr std::string_view strip_xml_space(std::string_view s) noexcept {
  const std::size_t first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

/// The default namespace a writer starts from when the elements it writes
/// must not rely on one in scope: a string no namespace name can equal (U+0000
/// is not an XML Char), so every element declares its own namespace. An
/// element written this way means the same inside a jabber:client stream and
/// a jabber:server one, which is what copying it verbatim needs.
inline constexpr std::string_view no_inherited_ns{"\0", 1};

/// What `fill` writes with a fresh writer (see no_inherited_ns); empty when
/// the writer refused an input.
template <class F>
std::string write_standalone(F&& fill) {
  xml::writer w(no_inherited_ns);
  fill(w);
  return w.ok() ? w.take() : std::string();
}

/// A parsed element serialized with its namespace declared on it (see no_inherited_ns).
inline std::string to_standalone_xml(const xml::element& e) { return xml::to_xml(e, no_inherited_ns); }

/// Whether every character of `s` is an XML Char in valid UTF-8 (XML 1.0 §2.2),
/// i.e. the writer can put it in an attribute value.
inline bool is_xml_chars(std::string_view s) noexcept {
  const char* p = s.data();
  const char* const end = p + s.size();
  while (p < end) {
    const auto c = static_cast<unsigned char>(*p);
    if (c >= 0x80) {
      unsigned len = 0;
      if (xml::detail::xml_char_at(p, end, len) != xml::detail::char_status::ok) return false;
      p += len;
    } else {
      if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return false;
      ++p;
    }
  }
  return true;
}
}  // namespace detail

/// The header `h` as bytes: `<?xml version='1.0'?>` when `xml_declaration`,
/// then `<stream:stream ...>` with the namespace declarations and each
/// attribute that is set, in the order to, from, id, xml:lang, version (a
/// version only when h.version is set, draft §4.4.1 rule 4). Values are
/// escaped. Empty when a value cannot be written as XML at all (invalid
/// UTF-8, a character XML forbids) -- nothing partial is ever returned.
inline std::string write_header(const header& h, bool xml_declaration = true) {
  // The writer does not report a content namespace it could not escape.
  if (!detail::is_xml_chars(h.content_namespace)) return {};
  const std::string v = h.version ? h.version->to_string() : std::string();
  xml::stream_header_fields f;
  f.content_namespace = h.content_namespace;
  f.to = h.to;
  f.from = h.from;
  f.id = h.id;
  f.lang = h.lang;
  f.version = v;  // empty: not written
  f.dialback = h.dialback;
  f.xml_declaration = xml_declaration;
  xml::writer w(h.content_namespace);
  w.open_stream(f);
  return w.ok() ? w.take() : std::string();
}

/// A fresh stream id: 16 octets (128 bits) from `rng`, as 32 lowercase hex
/// digits. The id is a session key that MUST be unpredictable and
/// nonrepeating (draft §4.4 "id", RFC 6120 §4.7.3): unpredictable because the
/// octets come from the embedder's secure source, nonrepeating because 128
/// random bits collide with probability about n^2/2^129 after n ids (the
/// birthday bound; negligible for any server's lifetime). Hex is a valid
/// NMTOKEN, as draft App. C.1 types 'id', and needs no escaping anywhere.
inline std::string make_stream_id(crypto::random_source& rng) {
  std::array<std::byte, 16> octets{};
  rng.fill(octets);
  return crypto::to_hex(std::span<const std::byte>(octets));
}

}  // namespace xmppcore::stream
