#include <xmppcore/stanza/addressing.hpp>

#include <doctest/doctest.h>

#include "support.hpp"

#include <string>

using namespace xmppcore;
using namespace xmppcore::stanza;
using stanza_test::view;
using stanza_test::canonical;
using stanza_test::parse_doc;

namespace {
jid::jid J(const char* s) {
  auto j = jid::jid::parse(s);
  REQUIRE(j);
  return *j;
}
}  // namespace

TEST_CASE("c2s 'from', draft §9.1.2: accept the bound resource, stamp when absent, else invalid-from") {
  jid::preparer prep;
  const jid::jid bound = J("juliet@example.com/balcony");
  struct row {
    const char* from;  // nullptr: absent
    bool accept_bare;
    std::optional<from_action> ok;  // nullopt: invalid-from
  };
  const row rows[] = {
      {nullptr, false, from_action::stamp},
      {"juliet@example.com/balcony", false, from_action::accept},
      {"Juliet@EXAMPLE.com/balcony", false, from_action::accept},  // compared prepared (§3.2-3.3)
      {"juliet@example.com/Balcony", false, std::nullopt},         // resources are case-sensitive (App. B)
      {"juliet@example.com/garden", false, std::nullopt},          // another resource
      {"juliet@example.com", false, std::nullopt},                 // bare: not "a connected resource"
      {"juliet@example.com", true, from_action::accept},           // unless the embedder allows it
      {"JULIET@example.com", true, from_action::accept},
      {"romeo@example.com", true, std::nullopt},
      {"example.com", true, std::nullopt},
      {"juliet@example.com/balcony/x", false, std::nullopt},
      {"@example.com", false, std::nullopt},  // malformed
      {"", false, std::nullopt},
  };
  for (const auto& r : rows) {
    std::string xml = r.from ? std::string("<message from='") + r.from + "'/>" : std::string("<message/>");
    CAPTURE(xml);
    CAPTURE(r.accept_bare);
    auto d = parse_doc(xml);
    c2s_from_options o;
    o.accept_bare = r.accept_bare;
    auto v = check_c2s_from(view(d), bound, prep, o);
    if (r.ok) {
      REQUIRE(v);
      CHECK(*v == *r.ok);
    } else {
      REQUIRE_FALSE(v);
      CHECK(v.error().condition == stream_condition::invalid_from);
      CHECK_FALSE(v.error().reason.empty());
    }
  }
}

TEST_CASE("c2s 'from' stamping keeps everything else") {
  const jid::jid bound = J("juliet@example.com/balcony");
  auto d = parse_doc(
      "<message to='romeo@example.net' id='x' xml:lang='en' xmlns:e='urn:e' e:flag='1'><body>hi &amp; bye</body>"
      "<e:ext/></message>");
  const std::string out = stamp_from(view(d), bound);
  REQUIRE_FALSE(out.empty());
  CHECK(canonical(out) ==
        canonical("<message to='romeo@example.net' from='juliet@example.com/balcony' id='x' xml:lang='en' "
                  "xmlns:e='urn:e' e:flag='1'><body>hi &amp; bye</body><e:ext/></message>"));
  // A 'from' already there is replaced, not duplicated.
  auto d2 = parse_doc("<presence from='juliet@example.com/balcony'/>");
  const std::string out2 = stamp_from(view(d2), bound);
  CHECK(canonical(out2) == canonical("<presence from='juliet@example.com/balcony'/>"));
  CHECK(out2.find("from=") == out2.rfind("from="));
}

TEST_CASE("s2s addressing, draft §9.1.1/§9.1.2: improper-addressing and invalid-from") {
  jid::preparer prep;
  const std::string_view domains[] = {"example.com", "conference.example.com"};
  validated_domain_list v(domains);
  struct row {
    const char* xml;
    std::optional<stream_condition> err;
  };
  const row rows[] = {
      {"<message to='romeo@example.net' from='juliet@example.com/balcony'/>", std::nullopt},
      {"<message to='romeo@example.net' from='room@conference.example.com/nick'/>", std::nullopt},
      {"<message to='romeo@example.net' from='EXAMPLE.COM'/>", std::nullopt},  // prepared before comparing
      {"<iq to='example.net' from='example.com' type='get' id='1'><ping xmlns='urn:xmpp:ping'/></iq>", std::nullopt},
      {"<message from='juliet@example.com'/>", stream_condition::improper_addressing},
      {"<message to='romeo@example.net'/>", stream_condition::improper_addressing},
      {"<presence/>", stream_condition::improper_addressing},
      {"<message to='romeo@example.net' from='juliet@example.org'/>", stream_condition::invalid_from},
      {"<message to='romeo@example.net' from='juliet@sub.example.com'/>", stream_condition::invalid_from},
      {"<message to='romeo@example.net' from='juliet@@example.com'/>", stream_condition::invalid_from},
      {"<message to='romeo@example.net' from=''/>", stream_condition::invalid_from},
      // a malformed 'to' is not a stream error: delivery answers it with <jid-malformed/>
      {"<message to='@example.net' from='juliet@example.com'/>", std::nullopt},
  };
  for (const auto& r : rows) {
    CAPTURE(r.xml);
    auto d = parse_doc(r.xml, "jabber:server");
    auto c = check_s2s_addressing(view(d), v, prep);
    if (!r.err) {
      CHECK(c.has_value());
    } else {
      REQUIRE_FALSE(c.has_value());
      CHECK(c.error().condition == *r.err);
    }
  }
}
