// xmppcore — where a server sends a stanza (draft §10, "Server Rules for Handling XML Stanzas").
//
// classify() is a pure function of the stanza's 'to' and the server's configured hostnames and
// subdomains; decide() adds what only the embedder knows ("which resources are connected") and
// returns the action the spec prescribes, with the stanza error to send where it prescribes one.
//
//   no 'to'                                → §10.1 process on behalf of the sender
//   'to' not a JID                         → <jid-malformed/> (draft §9.3.3)
//   domain not ours, nor a subdomain of it → §10.2 route to the foreign domain
//   a subdomain of one of ours             → §10.3 configured: process or route to the service;
//                                            not configured: return an error
//   one of ours, <domain> or <domain/res>  → §10.4 the server processes it
//   one of ours, <node@domain>             → §10.5 rule 3: deliver to a connected resource
//   one of ours, <node@domain/resource>    → §10.5 rules 1-2: deliver, or <service-unavailable/>
//
// Anti-loop (draft §9.3.1, §9.2.3 rule 4): where an error is prescribed for an error stanza or an
// IQ result, the action is `drop` instead of `bounce`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <xmppcore/conditions.hpp>
#include <xmppcore/jid/jid.hpp>
#include <xmppcore/stanza/stanza.hpp>

namespace xmppcore::stanza {

/// The server's configured domains, prepared (lower-case, IDNA ToASCII as jid::jid produces).
struct hosted_domains {
  std::vector<std::string> hostnames;   ///< the server itself (draft §10.4, §10.5)
  std::vector<std::string> subdomains;  ///< configured services (draft §10.3), e.g. "conference.example.com"

  bool is_hostname(std::string_view d) const noexcept {
    for (const auto& h : hostnames)
      if (h == d) return true;
    return false;
  }
  bool is_configured_subdomain(std::string_view d) const noexcept {
    for (const auto& h : subdomains)
      if (h == d) return true;
    return false;
  }
  /// True when `d` is `label(s).hostname` for one of the hostnames (a DNS subdomain).
  bool is_subdomain_of_hostname(std::string_view d) const noexcept {
    for (const auto& h : hostnames)
      if (d.size() > h.size() + 1 && d.substr(d.size() - h.size()) == h && d[d.size() - h.size() - 1] == '.')
        return true;
    return false;
  }
};

/// Where the 'to' of a stanza points (draft §10).
enum class destination : std::uint8_t {
  none,               ///< §10.1 no 'to'
  malformed,          ///< 'to' is not a valid JID (§3; <jid-malformed/>)
  foreign_domain,     ///< §10.2
  subdomain,          ///< §10.3, a configured subdomain (service)
  unknown_subdomain,  ///< §10.3, a subdomain that is not configured
  server,             ///< §10.4 <domain>
  server_resource,    ///< §10.4 <domain/resource>
  local_bare,         ///< §10.5 <node@domain>
  local_full,         ///< §10.5 <node@domain/resource>
};

constexpr std::string_view to_string(destination d) noexcept {
  switch (d) {
    case destination::none: return "none";
    case destination::malformed: return "malformed";
    case destination::foreign_domain: return "foreign-domain";
    case destination::subdomain: return "subdomain";
    case destination::unknown_subdomain: return "unknown-subdomain";
    case destination::server: return "server";
    case destination::server_resource: return "server-resource";
    case destination::local_bare: return "local-bare";
    case destination::local_full: return "local-full";
  }
  return "unknown";
}

/// A classified 'to'.
struct classification {
  destination dest = destination::none;
  std::optional<jid::jid> to;              ///< the prepared 'to', when valid
  std::optional<jid::jid_error> to_error;  ///< why 'to' is malformed
};

/// Classifies a stanza by its 'to' (draft §10). Pure: depends only on the stanza and `domains`.
inline classification classify(const stanza_view& s, const hosted_domains& domains, jid::preparer& prep) {
  classification c;
  auto to = s.to(prep);
  if (!to) {
    c.dest = destination::malformed;
    c.to_error = to.error();
    return c;
  }
  if (!to->has_value()) return c;  // §10.1
  const jid::jid& j = **to;
  const std::string_view d = j.domain();
  if (domains.is_hostname(d)) {
    if (j.has_node()) c.dest = j.has_resource() ? destination::local_full : destination::local_bare;  // §10.5
    else c.dest = j.has_resource() ? destination::server_resource : destination::server;             // §10.4
  } else if (domains.is_configured_subdomain(d)) {
    c.dest = destination::subdomain;  // §10.3
  } else if (domains.is_subdomain_of_hostname(d)) {
    c.dest = destination::unknown_subdomain;  // §10.3 "if the subdomain is not configured"
  } else {
    c.dest = destination::foreign_domain;  // §10.2
  }
  c.to = std::move(**to);
  return c;
}

/// What the embedder knows about connected resources (draft §10.5).
class resource_directory {
 public:
  virtual ~resource_directory() = default;
  /// True when the full JID `full` is a connected resource.
  virtual bool is_connected(const jid::jid& full) const = 0;
  /// True when the bare JID `bare` has at least one connected resource.
  virtual bool has_connected_resource(const jid::jid& bare) const = 0;
};

/// The action for a stanza.
enum class action : std::uint8_t {
  process_for_sender,        ///< §10.1: no 'to'; process on behalf of the sending entity
  route,                     ///< §10.2: route to the foreign domain
  process_or_route_service,  ///< §10.3: process, or route to the service for the subdomain
  process_locally,           ///< §10.4: the server (or a resource of it) handles it
  deliver_to_resource,       ///< §10.5 rule 1: the exactly matching connected resource
  deliver_to_any_resource,   ///< §10.5 rule 3: at least one connected resource (app-specific choice)
  no_connected_resource,     ///< bare JID with no connected resource: the draft leaves this to the
                             ///< application (XMPP-IM, RFC 3921 §11: offline storage, or an error)
  bounce,                    ///< return `error` to the sender (stanza/reply.hpp)
  drop,                      ///< an error is prescribed but may not be sent (§9.3.1 anti-loop)
};

constexpr std::string_view to_string(action a) noexcept {
  switch (a) {
    case action::process_for_sender: return "process-for-sender";
    case action::route: return "route";
    case action::process_or_route_service: return "process-or-route-service";
    case action::process_locally: return "process-locally";
    case action::deliver_to_resource: return "deliver-to-resource";
    case action::deliver_to_any_resource: return "deliver-to-any-resource";
    case action::no_connected_resource: return "no-connected-resource";
    case action::bounce: return "bounce";
    case action::drop: return "drop";
  }
  return "unknown";
}

/// A delivery decision.
struct decision {
  classification where;
  action what = action::process_for_sender;
  /// The stanza error prescribed (with bounce or drop).
  std::optional<stanza_condition> error;
};

/// Decides what to do with a stanza (draft §10). Errors prescribed:
///  - malformed 'to': <jid-malformed/> (draft §9.3.3);
///  - a subdomain that is not configured: <remote-server-not-found/> (draft §10.3 says "return an
///    error" without naming it; §9.3.3 defines this one for "a remote server or service specified
///    as part or all of the JID of the intended recipient does not exist");
///  - <node@domain/resource> not connected: <service-unavailable/> (draft §10.5 rule 2).
inline decision decide(const stanza_view& s, const hosted_domains& domains, const resource_directory& dir,
                       jid::preparer& prep) {
  decision out;
  out.where = classify(s, domains, prep);
  auto fail = [&](stanza_condition c) {
    out.error = c;
    // §9.3.1: never an error for an error; §9.2.3 rule 4: nothing in response to an IQ result.
    const bool may_reply = !s.is_error() && !(s.kind() == stanza_kind::iq && s.iq_type() == iq_type_t::result);
    out.what = may_reply ? action::bounce : action::drop;
  };
  switch (out.where.dest) {
    case destination::none: out.what = action::process_for_sender; break;
    case destination::malformed: fail(stanza_condition::jid_malformed); break;
    case destination::foreign_domain: out.what = action::route; break;
    case destination::subdomain: out.what = action::process_or_route_service; break;
    case destination::unknown_subdomain: fail(stanza_condition::remote_server_not_found); break;
    case destination::server:
    case destination::server_resource: out.what = action::process_locally; break;
    case destination::local_full:
      if (dir.is_connected(*out.where.to)) out.what = action::deliver_to_resource;  // rule 1
      else fail(stanza_condition::service_unavailable);                            // rule 2
      break;
    case destination::local_bare:
      out.what = dir.has_connected_resource(*out.where.to) ? action::deliver_to_any_resource  // rule 3
                                                           : action::no_connected_resource;
      break;
  }
  return out;
}

}  // namespace xmppcore::stanza
