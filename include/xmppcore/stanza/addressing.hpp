// xmppcore — the addressing rules a server applies to stanzas it receives (draft §9.1.1, §9.1.2).
//
// Client-to-server ('jabber:client', draft §9.1.2): once a resource is bound, the server either
// validates that 'from' is the connected resource, or adds ('stamps') the 'from' itself. Any
// other 'from' is an <invalid-from/> stream error, which closes the stream ("helps to prevent a
// denial of service attack launched from a rogue client").
//
// Server-to-server ('jabber:server', draft §9.1.1, §9.1.2, §8): 'to' and 'from' are both
// required (else <improper-addressing/>), and the domain of 'from' must be one the peer has
// validated through SASL or dialback (else <invalid-from/>). Both close the stream.
//
// All checks compare prepared JIDs only (draft §3, §14.10: comparing raw strings would let one
// spelling of an address slip past a check made on another).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include <xmppcore/conditions.hpp>
#include <xmppcore/jid/jid.hpp>
#include <xmppcore/result.hpp>
#include <xmppcore/stanza/stanza.hpp>
#include <xmppcore/xml/writer.hpp>

namespace xmppcore::stanza {

/// A stream error an addressing rule calls for, with a static reason for logs and <text/>.
struct stream_violation {
  stream_condition condition;
  std::string_view reason;
};

/// What to do with a c2s stanza whose 'from' passed the check.
enum class from_action : std::uint8_t {
  accept,  ///< 'from' names the connected resource: pass the stanza on as it is
  stamp,   ///< no 'from': add the bound JID (draft §9.1.2 option 2); see stamp_from()
};

/// Options for check_c2s_from().
struct c2s_from_options {
  /// Also accept the account's bare JID as 'from'. The draft (§9.1.2) asks for "a connected
  /// resource", so the default is the full JID only; RFC 6120 §8.1.2.1 servers commonly accept
  /// the bare JID too.
  bool accept_bare = false;
};

/// Checks 'from' on a stanza received over a c2s stream whose bound full JID is `bound`
/// (draft §9.1.2). Errors: <invalid-from/> when 'from' is malformed or names anyone else.
inline result<from_action, stream_violation> check_c2s_from(const stanza_view& s, const jid::jid& bound,
                                                            jid::preparer& prep, c2s_from_options o = {}) {
  const auto raw = s.from_attr();
  if (!raw) return from_action::stamp;
  // Fast path: the prepared form of a prepared JID is itself, so equal text means equal JIDs.
  if (*raw == bound.full()) return from_action::accept;
  auto j = jid::jid::parse(*raw, prep);
  if (!j) return unexpected{stream_violation{stream_condition::invalid_from, "'from' is not a valid JID"}};
  if (*j == bound) return from_action::accept;
  if (o.accept_bare && j->is_bare() && j->full() == bound.bare_view()) return from_action::accept;
  return unexpected{stream_violation{stream_condition::invalid_from, "'from' is not the connected resource"}};
}

/// The stanza re-serialized with 'from' set to `from` (draft §9.1.2 option 2: "add a 'from'
/// address to the stanza"), any 'from' it had replaced, everything else kept. Empty when the
/// element cannot be written (not for elements from our parser).
inline std::string stamp_from(const stanza_view& s, const jid::jid& from) {
  const xml::element e = s.element();
  xml::writer w(s.content_namespace());
  w.start(e.ns(), e.name());
  for (std::size_t i = 0; i < e.attribute_count(); ++i) {
    const xml::attribute a = e.attribute_at(i);
    if (a.ns.empty() && a.local == "from") continue;
    w.attr(a.ns, a.local, a.value, a.prefix);
  }
  w.attr("from", from.full());
  for (xml::node n : e.children()) {
    if (n.is_text()) w.text(n.text());
    else w.write(n.as_element());
  }
  w.end();
  return w.ok() ? w.take() : std::string();
}

/// The domains a server-to-server peer has proven it may send for (SASL or dialback, draft §6,
/// §8): implemented by the embedder. Domains are compared in prepared form.
class validated_domains {
 public:
  virtual ~validated_domains() = default;
  /// True when stanzas 'from' this prepared domain are allowed on this stream.
  virtual bool is_validated(std::string_view prepared_domain) const = 0;
};

/// A fixed list of prepared domains (e.g. the one the stream authenticated as).
class validated_domain_list final : public validated_domains {
 public:
  explicit validated_domain_list(std::span<const std::string_view> domains) noexcept : d_(domains) {}
  bool is_validated(std::string_view prepared_domain) const override {
    for (std::string_view d : d_)
      if (d == prepared_domain) return true;
    return false;
  }

 private:
  std::span<const std::string_view> d_;
};

/// Checks a stanza received over a s2s stream (draft §9.1.1, §9.1.2). Errors:
/// <improper-addressing/> when 'to' or 'from' is missing; <invalid-from/> when 'from' is not a
/// valid JID or its domain was not validated. A malformed 'to' is not a stream error here: it is
/// answered with <jid-malformed/> by delivery (stanza/delivery.hpp).
inline result<void, stream_violation> check_s2s_addressing(const stanza_view& s, const validated_domains& v,
                                                           jid::preparer& prep) {
  if (!s.to_attr()) return unexpected{stream_violation{stream_condition::improper_addressing, "no 'to' (§9.1.1)"}};
  const auto raw = s.from_attr();
  if (!raw) return unexpected{stream_violation{stream_condition::improper_addressing, "no 'from' (§9.1.2)"}};
  auto j = jid::jid::parse(*raw, prep);
  if (!j) return unexpected{stream_violation{stream_condition::invalid_from, "'from' is not a valid JID"}};
  if (!v.is_validated(j->domain()))
    return unexpected{stream_violation{stream_condition::invalid_from, "'from' domain not validated"}};
  return {};
}

}  // namespace xmppcore::stanza
