// xmppcore — views over a parsed top-level element as an XML stanza (draft §9).
//
// Three kinds of stanza exist in the 'jabber:client' and 'jabber:server' namespaces: <message/>,
// <presence/> and <iq/> (draft §9). They share five attributes (draft §9.1): 'to', 'from', 'id',
// 'type' and 'xml:lang'. A `stanza_view` is a cheap view (an xml::element plus the kind): it never
// copies and is valid exactly as long as the element it views (see xml/element.hpp: until the next
// non-const call on the parser, or as long as the xml::document lives).
//
// Nothing here rejects a stanza for its content: the rules of draft §9.2.3 and §9.3.1 are checked
// by stanza/rules.hpp, addressing by stanza/addressing.hpp. The view only refuses elements that
// are not stanzas at all (wrong name or namespace), so that any element gets a defined answer.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include <xmppcore/conditions.hpp>
#include <xmppcore/jid/jid.hpp>
#include <xmppcore/result.hpp>
#include <xmppcore/xml/element.hpp>

namespace xmppcore::stanza {

/// The three stanza kinds of draft §9.
enum class stanza_kind : std::uint8_t { message, presence, iq };

/// Wire name of a kind ("message", "presence", "iq").
constexpr std::string_view to_string(stanza_kind k) noexcept {
  switch (k) {
    case stanza_kind::message: return "message";
    case stanza_kind::presence: return "presence";
    case stanza_kind::iq: return "iq";
  }
  return "iq";
}

/// Message 'type' values (XMPP-IM, RFC 3921 §2.1.1; the draft defers to it in §9.1.4).
/// An absent 'type' means `normal`; a value not in the list is `unknown` (raw text: type_attr()).
enum class message_type : std::uint8_t { normal, chat, groupchat, headline, error, unknown };

/// Presence 'type' values (RFC 3921 §2.2.1). An absent 'type' means `available`.
enum class presence_type : std::uint8_t {
  available,
  unavailable,
  subscribe,
  subscribed,
  unsubscribe,
  unsubscribed,
  probe,
  error,
  unknown,
};

/// IQ 'type' values (draft §9.2.3 rule 2). `missing` and `unknown` break that rule and are kept
/// visible so that a checker can say which.
enum class iq_type : std::uint8_t { get, set, result, error, missing, unknown };

// Aliases usable inside `stanza_view`, whose member functions reuse the enums' names.
using message_type_t = message_type;
using presence_type_t = presence_type;
using iq_type_t = iq_type;

/// Why an element is not a stanza at all.
enum class not_a_stanza : std::uint8_t {
  wrong_namespace,  ///< not in 'jabber:client' or 'jabber:server' (draft §9, §11.2.2)
  wrong_name,       ///< in the content namespace but not message, presence or iq
};

constexpr std::string_view to_string(not_a_stanza e) noexcept {
  return e == not_a_stanza::wrong_namespace ? "wrong-namespace" : "wrong-name";
}

/// Outcome of parsing an address attribute: absent (nullopt), a prepared JID, or the JID error
/// (which maps to <jid-malformed/>, draft §9.3.3, via jid_error::condition()).
using address_result = result<std::optional<jid::jid>, jid::jid_error>;

/// A view of one stanza. See the file comment for lifetime.
class stanza_view {
 public:
  /// Views `e` as a stanza when it is <message/>, <presence/> or <iq/> qualified by
  /// 'jabber:client' or 'jabber:server' (draft §9); else says why not.
  static result<stanza_view, not_a_stanza> from(xml::element e) noexcept {
    const std::string_view ns_uri = e.ns();
    if (ns_uri != ns::client && ns_uri != ns::server) return unexpected{not_a_stanza::wrong_namespace};
    const std::string_view n = e.name();
    if (n == "message") return stanza_view(e, stanza_kind::message);
    if (n == "presence") return stanza_view(e, stanza_kind::presence);
    if (n == "iq") return stanza_view(e, stanza_kind::iq);
    return unexpected{not_a_stanza::wrong_name};
  }

  /// The element viewed.
  xml::element element() const noexcept { return e_; }
  stanza_kind kind() const noexcept { return kind_; }
  /// 'jabber:client' or 'jabber:server'.
  std::string_view content_namespace() const noexcept { return e_.ns(); }
  /// True for a stanza in 'jabber:server' (a server-to-server stream, draft §9.1.1).
  bool is_server_namespace() const noexcept { return e_.ns() == ns::server; }

  /// Raw attribute values as received (decoded), absent when not present (draft §9.1).
  std::optional<std::string_view> to_attr() const noexcept { return e_.attr("to"); }
  std::optional<std::string_view> from_attr() const noexcept { return e_.attr("from"); }
  std::optional<std::string_view> id() const noexcept { return e_.attr("id"); }
  std::optional<std::string_view> type_attr() const noexcept { return e_.attr("type"); }
  /// The stanza's own xml:lang attribute, if any (draft §9.1.5).
  std::optional<std::string_view> lang_attr() const noexcept { return e_.attr("lang", ns::xml); }

  /// The language of the stanza's human-readable text: its own xml:lang, else the stream's
  /// default (draft §9.1.5: "MUST assume that the default language is that specified for the
  /// stream"; §13). An explicit empty xml:lang (XML §2.12: "no language") stays empty.
  std::string_view lang(std::string_view stream_default) const noexcept {
    if (auto l = lang_attr()) return *l;
    return stream_default;
  }

  /// 'to' as a prepared JID (draft §9.1.1, §3). Absent gives nullopt; malformed gives the error.
  address_result to(jid::preparer& prep) const { return parse_address(to_attr(), prep); }
  /// 'from' as a prepared JID (draft §9.1.2, §3).
  address_result from(jid::preparer& prep) const { return parse_address(from_attr(), prep); }

  /// True when 'type' is "error", the one value common to all kinds (draft §9.1.4, §9.3).
  bool is_error() const noexcept { return type_attr() == std::optional<std::string_view>("error"); }

  /// The message type; only meaningful for kind() == message.
  message_type_t message_type() const noexcept {
    const auto t = type_attr();
    if (!t) return message_type_t::normal;
    for (std::size_t i = 0; i < message_names.size(); ++i)
      if (*t == message_names[i]) return static_cast<message_type_t>(i);
    return message_type_t::unknown;
  }
  /// The presence type; only meaningful for kind() == presence.
  presence_type_t presence_type() const noexcept {
    const auto t = type_attr();
    if (!t) return presence_type_t::available;
    for (std::size_t i = 1; i < presence_names.size(); ++i)
      if (*t == presence_names[i]) return static_cast<presence_type_t>(i);
    return presence_type_t::unknown;
  }
  /// The IQ type; only meaningful for kind() == iq (draft §9.2.3 rule 2).
  iq_type_t iq_type() const noexcept {
    const auto t = type_attr();
    if (!t) return iq_type_t::missing;
    if (*t == "get") return iq_type_t::get;
    if (*t == "set") return iq_type_t::set;
    if (*t == "result") return iq_type_t::result;
    if (*t == "error") return iq_type_t::error;
    return iq_type_t::unknown;
  }
  /// True for an IQ of type get or set: a request that needs a response (draft §9.2.3 rule 3).
  bool is_iq_request() const noexcept {
    if (kind_ != stanza_kind::iq) return false;
    const auto t = iq_type();
    return t == iq_type_t::get || t == iq_type_t::set;
  }

  /// The first <error/> child in the stanza's namespace (draft §9.3.2), if any.
  std::optional<xml::element> error_child() const noexcept { return e_.child(e_.ns(), "error"); }

  /// Number of child elements other than <error/> in the stanza's namespace: the payload.
  std::size_t payload_count() const noexcept {
    std::size_t n = 0;
    for (xml::node c : e_.children())
      if (c.is_element() && !is_error_element(c.as_element())) ++n;
    return n;
  }
  /// The first payload child (a child element that is not the stanza <error/>), if any.
  std::optional<xml::element> first_payload() const noexcept {
    for (xml::node c : e_.children())
      if (c.is_element() && !is_error_element(c.as_element())) return c.as_element();
    return std::nullopt;
  }
  /// True when `c` is the stanza-level <error/> element (same namespace as the stanza).
  bool is_error_element(const xml::element& c) const noexcept { return c.is(e_.ns(), "error"); }

 private:
  static constexpr std::array<std::string_view, 5> message_names{"normal", "chat", "groupchat", "headline",
                                                                 "error"};
  // Index 0 (available) has no wire value: it is the absence of 'type' (RFC 3921 §2.2.1).
  static constexpr std::array<std::string_view, 8> presence_names{
      "", "unavailable", "subscribe", "subscribed", "unsubscribe", "unsubscribed", "probe", "error"};

  stanza_view(xml::element e, stanza_kind k) noexcept : e_(e), kind_(k) {}

  static address_result parse_address(std::optional<std::string_view> v, jid::preparer& prep) {
    if (!v) return std::optional<jid::jid>{};
    auto j = jid::jid::parse(*v, prep);
    if (!j) return unexpected{j.error()};
    return std::optional<jid::jid>(std::move(*j));
  }

  xml::element e_;
  stanza_kind kind_;
};

}  // namespace xmppcore::stanza
