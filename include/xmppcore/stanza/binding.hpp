// xmppcore — the stanzas of resource binding (draft §7): reading a bind request, the result with
// the bound JID, the three error replies, and the <not-authorized/> answer to any other stanza
// sent before binding completes (draft §7, last paragraph).
//
//   request:  <iq type='set' id='..'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>
//               [<resource>someresource</resource>]</bind></iq>
//   result:   <iq type='result' id='..'><bind ...><jid>node@domain/resource</jid></bind></iq>
//   errors:   bad-request (modify), not-allowed (cancel), conflict (cancel), each echoing <bind/>.
// The state ("is a resource bound yet", "is this resource in use") is session/'s; this header only
// reads and writes the stanzas.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include <xmppcore/conditions.hpp>
#include <xmppcore/jid/jid.hpp>
#include <xmppcore/result.hpp>
#include <xmppcore/stanza/error.hpp>
#include <xmppcore/stanza/reply.hpp>
#include <xmppcore/stanza/rules.hpp>
#include <xmppcore/stanza/stanza.hpp>

namespace xmppcore::stanza {

/// A bind request understood (draft §7).
struct bind_request {
  /// The resource the client asked for (raw, unprepared), or nullopt: "generate one for me".
  std::optional<std::string_view> resource;
};

/// Why a stanza is not a usable bind request.
enum class bind_request_problem : std::uint8_t {
  not_bind,       ///< not an IQ with a <bind/> child in the bind namespace
  not_set,        ///< the IQ is not of type "set" (draft §7: "an IQ stanza of type 'set'")
  bad_structure,  ///< breaks the IQ rules (draft §9.2.3) or <resource/> is repeated or empty
};

/// True when `s` is an IQ carrying a <bind/> in 'urn:ietf:params:xml:ns:xmpp-bind' — the only
/// stanza a client may send before binding completes (draft §7, last paragraph).
inline bool is_bind_iq(const stanza_view& s) noexcept {
  return s.kind() == stanza_kind::iq && s.element().child(ns::xmpp_bind, "bind").has_value();
}

/// Reads a bind request (draft §7).
inline result<bind_request, bind_request_problem> parse_bind_request(const stanza_view& s) {
  if (!is_bind_iq(s)) return unexpected{bind_request_problem::not_bind};
  if (s.iq_type() != iq_type_t::set) return unexpected{bind_request_problem::not_set};
  if (!check(s)) return unexpected{bind_request_problem::bad_structure};
  const xml::element bind = *s.element().child(ns::xmpp_bind, "bind");
  bind_request r;
  for (xml::node n : bind.children()) {
    if (!n.is_element()) continue;
    const xml::element c = n.as_element();
    if (!c.is(ns::xmpp_bind, "resource")) continue;  // unknown extensions are ignored
    if (r.resource) return unexpected{bind_request_problem::bad_structure};
    const std::string_view v = c.text_view();
    if (v.empty() || c.child_element_count() != 0) return unexpected{bind_request_problem::bad_structure};
    r.resource = v;
  }
  return r;
}

/// The three bind failures of draft §7.
enum class bind_failure : std::uint8_t;

/// The full JID to bind for `account` (its bare JID) and the resource asked for or generated:
/// `resource` is prepared with Resourceprep (draft App. B) and must fit 1023 bytes (§3.1); if it
/// cannot be, the answer is bind_failure::bad_resource (draft §7, first error case).
inline result<jid::jid, bind_failure> bind_jid(const jid::jid& account, std::string_view resource,
                                               jid::preparer& prep);

/// The three bind failures of draft §7.
enum class bind_failure : std::uint8_t {
  bad_resource,  ///< "cannot be processed ... in accordance with Resourceprep": <bad-request/>, modify
  not_allowed,   ///< "not allowed to bind a resource" (e.g. too many): <not-allowed/>, cancel
  conflict,      ///< "already in use" and no multiple binding: <conflict/>, cancel
};

inline result<jid::jid, bind_failure> bind_jid(const jid::jid& account, std::string_view resource,
                                               jid::preparer& prep) {
  std::optional<std::string_view> node;
  if (account.has_node()) node = account.node();
  auto j = jid::jid::from_parts(node, account.domain(), resource, prep);
  if (!j) return unexpected{bind_failure::bad_resource};
  return std::move(*j);
}

/// The condition and type of a bind failure, as in the draft §7 examples.
inline stanza_error bind_error(bind_failure f) noexcept {
  stanza_error e;
  switch (f) {
    case bind_failure::bad_resource:
      e.condition = stanza_condition::bad_request;
      e.type = stanza_error_type::modify;
      break;
    case bind_failure::not_allowed:
      e.condition = stanza_condition::not_allowed;
      e.type = stanza_error_type::cancel;
      break;
    case bind_failure::conflict:
      e.condition = stanza_condition::conflict;
      e.type = stanza_error_type::cancel;
      break;
  }
  return e;
}

/// The error reply to a bind request (draft §7 examples: the request's <bind/> is echoed).
inline reply_result make_bind_error(const stanza_view& request, bind_failure f, const reply_options& o = {}) {
  return make_error_reply(request, bind_error(f), o);
}

/// The result of a successful bind: `<bind><jid>full JID</jid></bind>` (draft §7).
inline reply_result make_bind_result(const stanza_view& request, const jid::jid& bound, const reply_options& o = {}) {
  if (!is_bind_iq(request)) return unexpected{no_reply::not_a_request};
  return make_iq_result_with(
      request,
      [&](xml::writer& w) { w.start(ns::xmpp_bind, "bind").start(ns::xmpp_bind, "jid").text(bound.full()).end().end(); },
      o);
}

/// The answer to a stanza received before binding completed (draft §7 last paragraph: "MUST NOT
/// process the stanza and SHOULD return a <not-authorized/> stanza error"). A bind IQ gets no
/// such error (not_a_request: process it as a bind request); error stanzas get none (§9.3.1).
inline reply_result make_prebinding_error(const stanza_view& s, const reply_options& o = {}) {
  if (is_bind_iq(s)) return unexpected{no_reply::not_a_request};
  return make_error_reply(s, stanza_error::of(stanza_condition::not_authorized), o);
}

}  // namespace xmppcore::stanza
