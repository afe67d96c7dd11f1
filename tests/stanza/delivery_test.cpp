#include <xmppcore/stanza/delivery.hpp>

#include <doctest/doctest.h>

#include "support.hpp"

#include <set>
#include <string>

using namespace xmppcore;
using namespace xmppcore::stanza;
using stanza_test::view;
using stanza_test::parse_doc;

namespace {

struct fake_directory final : resource_directory {
  std::set<std::string> full;  // connected full JIDs
  bool is_connected(const jid::jid& j) const override { return full.count(std::string(j.full())) != 0; }
  bool has_connected_resource(const jid::jid& bare) const override {
    for (const auto& f : full)
      if (f.compare(0, bare.full().size() + 1, std::string(bare.full()) + "/") == 0) return true;
    return false;
  }
};

hosted_domains config() {
  hosted_domains h;
  h.hostnames = {"example.com", "example.org"};
  h.subdomains = {"conference.example.com"};
  return h;
}
}  // namespace

TEST_CASE("delivery classification, draft §10.1-§10.5") {
  jid::preparer prep;
  const auto h = config();
  struct row {
    const char* to;  // nullptr: absent
    destination dest;
  };
  const row rows[] = {
      {nullptr, destination::none},                                      // §10.1
      {"romeo@example.net", destination::foreign_domain},                // §10.2
      {"example.net", destination::foreign_domain},
      {"notexample.com", destination::foreign_domain},                   // suffix, not a subdomain
      {"example.com.evil.net", destination::foreign_domain},
      {"conference.example.com", destination::subdomain},                // §10.3 configured
      {"room@conference.example.com/nick", destination::subdomain},
      {"pubsub.example.com", destination::unknown_subdomain},            // §10.3 not configured
      {"a.b.example.org", destination::unknown_subdomain},
      {"example.com", destination::server},                              // §10.4
      {"EXAMPLE.ORG", destination::server},
      {"example.com/admin", destination::server_resource},
      {"juliet@example.com", destination::local_bare},                   // §10.5
      {"Juliet@Example.Com", destination::local_bare},
      {"juliet@example.com/balcony", destination::local_full},
      {"juliet@example.org/balcony", destination::local_full},
      {"juliet@@example.com", destination::malformed},
      {"example.com/", destination::malformed},
      {"", destination::malformed},
  };
  for (const auto& r : rows) {
    std::string xml = r.to ? std::string("<message to='") + r.to + "'/>" : std::string("<message/>");
    CAPTURE(xml);
    auto d = parse_doc(xml);
    auto c = classify(view(d), h, prep);
    CHECK(c.dest == r.dest);
    CHECK(c.to.has_value() == (r.to && r.dest != destination::malformed));
    CHECK(c.to_error.has_value() == (r.dest == destination::malformed));
  }
}

TEST_CASE("delivery decision with connected resources, draft §10.5 rules 1-3") {
  jid::preparer prep;
  const auto h = config();
  fake_directory dir;
  dir.full = {"juliet@example.com/balcony"};
  struct row {
    const char* xml;
    action what;
    std::optional<stanza_condition> error;
  };
  const row rows[] = {
      {"<message to='juliet@example.com/balcony'/>", action::deliver_to_resource, std::nullopt},   // rule 1
      {"<message to='juliet@example.com/garden'/>", action::bounce, stanza_condition::service_unavailable},  // rule 2
      {"<iq type='get' id='1' to='juliet@example.com/garden'><q xmlns='x'/></iq>", action::bounce,
       stanza_condition::service_unavailable},
      {"<message to='juliet@example.com'/>", action::deliver_to_any_resource, std::nullopt},      // rule 3
      {"<message to='romeo@example.com'/>", action::no_connected_resource, std::nullopt},
      {"<message to='romeo@example.com/x'/>", action::bounce, stanza_condition::service_unavailable},
      {"<presence/>", action::process_for_sender, std::nullopt},                                   // §10.1
      {"<message to='romeo@example.net'/>", action::route, std::nullopt},                          // §10.2
      {"<message to='conference.example.com'/>", action::process_or_route_service, std::nullopt}, // §10.3
      {"<message to='pubsub.example.com'/>", action::bounce, stanza_condition::remote_server_not_found},
      {"<iq type='get' id='1' to='example.com'><q xmlns='x'/></iq>", action::process_locally, std::nullopt},  // §10.4
      {"<message to='example.com/x'/>", action::process_locally, std::nullopt},
      {"<message to='a@@b'/>", action::bounce, stanza_condition::jid_malformed},
      // anti-loop: the error is prescribed but must not be sent
      {"<message type='error' to='juliet@example.com/garden'><error type='cancel'>"
       "<gone xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>",
       action::drop, stanza_condition::service_unavailable},
      {"<iq type='result' id='1' to='juliet@example.com/garden'/>", action::drop, stanza_condition::service_unavailable},
      {"<presence type='error' to='a@@b'/>", action::drop, stanza_condition::jid_malformed},
  };
  for (const auto& r : rows) {
    CAPTURE(r.xml);
    auto d = parse_doc(r.xml);
    auto dec = decide(view(d), h, dir, prep);
    CHECK(to_string(dec.what) == to_string(r.what));
    CHECK(dec.error == r.error);
  }
}
