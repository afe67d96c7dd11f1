// xmppcore — stream features (draft §4.6): what a receiving entity announces
// after its response header, read by the initiator and written by the receiver.
//
// Wire format (draft §5.3 step 3, §6.5 step 11, RFC 3921 §3, XEP-0478 §3),
// shown indented; sent with no white space between elements (draft §5.1 rule
// 5, §6.1 rule 4), which write_features() never adds:
//   <stream:features>
//     <starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'>      TLS offered (draft §5.1 rule 3)
//       <required/>                                          TLS required (draft §5.2 step 3)
//     </starttls>
//     <mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>   SASL, one or more (draft §6.1 rule 3)
//       <mechanism>DIGEST-MD5</mechanism>
//       <mechanism>PLAIN</mechanism>
//     </mechanisms>
//     <bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>         resource binding (draft §7)
//     <session xmlns='urn:ietf:params:xml:ns:xmpp-session'/>   session establishment (RFC 3921 §3)
//     <limits xmlns='urn:xmpp:stream-limits:0'>                stream limits (XEP-0478)
//       <max-bytes>262144</max-bytes>
//       <idle-seconds>840</idle-seconds>
//     </limits>
//     [any other feature]                                     kept as features::other (draft §4.6)
//   </stream:features>
// An empty list is `<stream:features/>` (draft §6.6 step 11).
//
// What parse_features() accepts and refuses. It refuses (<bad-format/>, the
// condition for XML that is well-formed but not what the spec says it holds,
// draft §4.7.3):
//   - a known feature that appears twice (draft App. C.1 lists each one once);
//   - character data other than white space directly inside <stream:features/>,
//     <starttls/>, <mechanisms/>, <bind/>, <session/> or <limits/>, all of
//     which hold elements only (draft App. C.1, C.3, C.4, C.5);
//   - a <mechanism/> whose content is not a SASL mechanism name, exactly:
//     1 to 20 of A-Z 0-9 '-' '_' (RFC 4422 §3.1), with no white space around
//     it, or that holds an element;
//   - a <mechanisms/> without any <mechanism/> (draft §6.1 rule 3: "one or
//     more"; App. C.4);
//   - a <max-bytes/> or <idle-seconds/> that is not a decimal number of ASCII
//     digits that fits the field (64 and 32 bits), is given twice, or holds an
//     element (XEP-0478 §3: each "contains an integer").
// It ignores, as draft §4.6 asks of what an entity does not understand:
// attributes, white space between elements (the spec's examples are indented;
// XML 1.0 §3.2.1 allows it in element content), and unknown children of a
// known feature, such as XEP-0233's <hostname/> inside <mechanisms/>. Unknown
// features are not ignored but kept, in order, in features::other, so the
// embedder can act on the ones it knows.
//
// A feature is known by its expanded name (namespace and local name): a
// <starttls/> in any other namespace is an unknown feature.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <xmppcore/conditions.hpp>
#include <xmppcore/result.hpp>
#include <xmppcore/stream/header.hpp>
#include <xmppcore/xml/element.hpp>
#include <xmppcore/xml/writer.hpp>

namespace xmppcore::stream {

/// The namespace of XEP-0478 stream limits.
inline constexpr std::string_view ns_stream_limits = "urn:xmpp:stream-limits:0";

/// A feature this library does not model (draft §4.6).
struct feature_element {
  std::string ns, name;  ///< its expanded name
  /// The whole element. parse_features() fills it with the element
  /// serialized, its namespace declared on itself so that it means the same
  /// in any stream; write_features() copies it verbatim, so an embedder who
  /// sets it promises one well-formed element.
  std::string xml;

  friend bool operator==(const feature_element&, const feature_element&) = default;
};

/// XEP-0478 <limits xmlns='urn:xmpp:stream-limits:0'>: what the announcing
/// entity accepts on this stream. nullopt: not announced.
struct stream_limits {
  std::optional<std::uint64_t> max_bytes;     ///< <max-bytes>: largest top-level element, in bytes
  std::optional<std::uint32_t> idle_seconds;  ///< <idle-seconds>: silence after which the stream may be dropped

  friend bool operator==(const stream_limits&, const stream_limits&) = default;
};

/// The content of <stream:features/> (draft §4.6).
struct features {
  bool starttls = false;           ///< <starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/> (draft §5)
  bool starttls_required = false;  ///< ... with a <required/> child (draft §5.2 step 3); written only with starttls
  /// <mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>, the <mechanism/>
  /// names in order (draft §6.2 step 2); nullopt: no SASL offered.
  std::optional<std::vector<std::string>> mechanisms;
  bool bind = false;     ///< <bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/> (draft §7)
  bool session = false;  ///< <session xmlns='urn:ietf:params:xml:ns:xmpp-session'/> (RFC 3921 §3)
  /// ... with an <optional/> child: the server does not need the request.
  /// RFC 6121 dropped session establishment; draft-cridland-xmpp-session-00
  /// keeps the feature for old clients as an optional no-op, marked this way,
  /// so a new client may skip it. Written only with session.
  bool session_optional = false;
  std::optional<stream_limits> limits;  ///< XEP-0478
  /// Features not modelled above, in the order received (the embedder may add its own).
  std::vector<feature_element> other;

  friend bool operator==(const features&, const features&) = default;
};

namespace detail {

/// RFC 4422 §3.1: sasl-mech = 1*20mech-char; mech-char = UPPER-ALPHA / DIGIT / "-" / "_".
constexpr bool is_sasl_mechanism_name(std::string_view s) noexcept {
  if (s.empty() || s.size() > 20) return false;
  for (char c : s)
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return false;
  return true;
}

/// A decimal number of ASCII digits no larger than `max` (leading zeros allowed).
constexpr std::optional<std::uint64_t> parse_decimal(std::string_view s, std::uint64_t max) noexcept {
  if (s.empty()) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (v > (max - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

/// The character data of an element that may hold text only; nullopt when it
/// holds an element.
inline std::optional<std::string> text_only(const xml::element& e) {
  if (e.first_child_element()) return std::nullopt;
  return e.text();
}

/// Calls `on_element(child)` for each child element of `e` in order, and
/// refuses non-white-space character data among them with `text_reason`.
/// `on_element` returns a violation to stop with, or nullopt to go on.
template <class F>
std::optional<violation> for_each_child(const xml::element& e, std::string_view text_reason, F&& on_element) {
  for (xml::node n : e.children()) {
    if (n.is_text()) {
      if (!is_xml_space(n.text())) return violation{stream_condition::bad_format, text_reason};
      continue;
    }
    if (auto v = on_element(n.as_element())) return v;
  }
  return std::nullopt;
}

inline std::optional<violation> refuse(std::string_view why) noexcept {
  return violation{stream_condition::bad_format, why};
}

inline std::optional<violation> read_mechanisms(const xml::element& e, std::vector<std::string>& out) {
  auto v = for_each_child(e, "character data in <mechanisms/>", [&](const xml::element& c) -> std::optional<violation> {
    if (!c.is(ns::xmpp_sasl, "mechanism")) return std::nullopt;  // an extension, e.g. XEP-0233
    auto name = text_only(c);
    if (!name) return refuse("an element inside <mechanism/>");
    if (!is_sasl_mechanism_name(*name)) return refuse("a <mechanism/> that is not a SASL mechanism name (RFC 4422 §3.1)");
    out.push_back(std::move(*name));
    return std::nullopt;
  });
  if (v) return v;
  if (out.empty()) return refuse("<mechanisms/> without a <mechanism/> (draft §6.1 rule 3)");
  return std::nullopt;
}

inline std::optional<violation> read_limits(const xml::element& e, stream_limits& out) {
  return for_each_child(e, "character data in <limits/>", [&](const xml::element& c) -> std::optional<violation> {
    if (c.ns() != ns_stream_limits) return std::nullopt;
    const bool bytes = c.name() == "max-bytes";
    if (!bytes && c.name() != "idle-seconds") return std::nullopt;  // a later version's limit
    if (bytes ? out.max_bytes.has_value() : out.idle_seconds.has_value())
      return refuse(bytes ? "two <max-bytes/> in <limits/>" : "two <idle-seconds/> in <limits/>");
    const auto text = text_only(c);
    if (!text) return refuse("an element inside a XEP-0478 limit");
    const std::uint64_t max = bytes ? std::numeric_limits<std::uint64_t>::max() : std::numeric_limits<std::uint32_t>::max();
    const auto n = parse_decimal(*text, max);
    if (!n) return refuse("a XEP-0478 limit that is not a decimal number in range");
    if (bytes) out.max_bytes = *n;
    else out.idle_seconds = static_cast<std::uint32_t>(*n);
    return std::nullopt;
  });
}

/// Reads a flag feature (<starttls/>, <bind/>, <session/>): elements only,
/// none of them required. When `marker` is given, `*marker` tells whether the
/// empty element {the feature's namespace}`marker_name` (<required/>,
/// <optional/>) is among them; other children are ignored.
inline std::optional<violation> read_flag(const xml::element& e, std::string_view text_reason,
                                          std::string_view marker_name = {}, bool* marker = nullptr) {
  return for_each_child(e, text_reason, [&](const xml::element& c) -> std::optional<violation> {
    if (marker && c.is(e.ns(), marker_name)) *marker = true;
    return std::nullopt;
  });
}

}  // namespace detail

/// Parses a <stream:features/> element (draft §4.6) received from the peer.
/// See the file comment for what is refused (<bad-format/>) and what is
/// ignored. An element that is not {http://etherx.jabber.org/streams}features
/// is refused with <unsupported-stanza-type/>: it is not the element the
/// caller asked about. Copies what it keeps; `e` may go away afterwards.
inline result<features, violation> parse_features(const xml::element& e) {
  if (!e.is(ns::streams, "features"))
    return unexpected{violation{stream_condition::unsupported_stanza_type, "not a <stream:features/> element"}};
  features f;
  auto v = detail::for_each_child(e, "character data in <stream:features/>", [&](const xml::element& c) -> std::optional<violation> {
    if (c.is(ns::xmpp_tls, "starttls")) {
      if (f.starttls) return detail::refuse("two <starttls/> features");
      f.starttls = true;
      return detail::read_flag(c, "character data in <starttls/>", "required", &f.starttls_required);
    }
    if (c.is(ns::xmpp_sasl, "mechanisms")) {
      if (f.mechanisms) return detail::refuse("two <mechanisms/> features");
      f.mechanisms.emplace();
      return detail::read_mechanisms(c, *f.mechanisms);
    }
    if (c.is(ns::xmpp_bind, "bind")) {
      if (f.bind) return detail::refuse("two <bind/> features");
      f.bind = true;
      return detail::read_flag(c, "character data in <bind/>");  // no child defined (draft §7)
    }
    if (c.is(ns::xmpp_session, "session")) {
      if (f.session) return detail::refuse("two <session/> features");
      f.session = true;
      return detail::read_flag(c, "character data in <session/>", "optional", &f.session_optional);
    }
    if (c.is(ns_stream_limits, "limits")) {
      if (f.limits) return detail::refuse("two <limits/> features");
      f.limits.emplace();
      return detail::read_limits(c, *f.limits);
    }
    f.other.push_back({std::string(c.ns()), std::string(c.name()), detail::to_standalone_xml(c)});
    return std::nullopt;
  });
  if (v) return unexpected{*v};
  return f;
}

/// `<stream:features>`, the features that are set, `</stream:features>`, with
/// no white space (draft §5.1 rule 5, §6.1 rule 4), or `<stream:features/>`
/// when none is set. Order: starttls, mechanisms, bind, session, limits, then
/// `other` verbatim. Mechanism names are written as given (escaped); only
/// RFC 4422 names will be accepted by parse_features() on the other side.
/// Empty when a name cannot be written as XML (invalid UTF-8, a character XML
/// forbids): nothing partial is ever returned.
inline std::string write_features(const features& f) {
  const std::string known = detail::write_standalone([&](xml::writer& w) {
    if (f.starttls) {
      w.start(ns::xmpp_tls, "starttls");
      if (f.starttls_required) w.start(ns::xmpp_tls, "required").end();
      w.end();
    }
    if (f.mechanisms) {
      w.start(ns::xmpp_sasl, "mechanisms");
      for (const auto& m : *f.mechanisms) w.start(ns::xmpp_sasl, "mechanism").text(m).end();
      w.end();
    }
    if (f.bind) w.start(ns::xmpp_bind, "bind").end();
    if (f.session) {
      w.start(ns::xmpp_session, "session");
      if (f.session_optional) w.start(ns::xmpp_session, "optional").end();
      w.end();
    }
    if (f.limits) {
      w.start(ns_stream_limits, "limits");
      if (f.limits->max_bytes) w.start(ns_stream_limits, "max-bytes").text(std::to_string(*f.limits->max_bytes)).end();
      if (f.limits->idle_seconds)
        w.start(ns_stream_limits, "idle-seconds").text(std::to_string(*f.limits->idle_seconds)).end();
      w.end();
    }
  });
  const bool any = f.starttls || f.mechanisms || f.bind || f.session || f.limits;
  if (any && known.empty()) return {};  // the writer refused a mechanism name
  std::size_t other_size = 0;
  for (const auto& o : f.other) other_size += o.xml.size();
  if (known.empty() && other_size == 0) return "<stream:features/>";
  std::string out;
  out.reserve(known.size() + other_size + 36);
  out += "<stream:features>";
  out += known;
  for (const auto& o : f.other) out += o.xml;
  out += "</stream:features>";
  return out;
}

}  // namespace xmppcore::stream
