#include <xmppcore/stanza/stanza.hpp>

#include <doctest/doctest.h>

#include "support.hpp"

#include <string>
#include <string_view>

using namespace xmppcore;
using namespace xmppcore::stanza;
using stanza_test::view;
using stanza_test::parse_doc;

TEST_CASE("stanza view: the three kinds in both content namespaces (draft §9)") {
  struct row {
    const char* xml;
    const char* content_ns;
    stanza_kind kind;
  };
  const row rows[] = {
      {"<message/>", "jabber:client", stanza_kind::message},
      {"<presence/>", "jabber:client", stanza_kind::presence},
      {"<iq/>", "jabber:client", stanza_kind::iq},
      {"<message/>", "jabber:server", stanza_kind::message},
      {"<presence/>", "jabber:server", stanza_kind::presence},
      {"<iq/>", "jabber:server", stanza_kind::iq},
  };
  for (const auto& r : rows) {
    CAPTURE(r.xml);
    CAPTURE(r.content_ns);
    auto d = parse_doc(r.xml, r.content_ns);
    auto s = view(d);
    CHECK(s.kind() == r.kind);
    CHECK(s.content_namespace() == r.content_ns);
    CHECK(s.is_server_namespace() == (std::string_view(r.content_ns) == "jabber:server"));
  }
}

TEST_CASE("stanza view: elements that are not stanzas get a defined answer") {
  {
    auto d = parse_doc("<body/>");
    auto s = stanza_view::from(d.root());
    REQUIRE_FALSE(s);
    CHECK(s.error() == not_a_stanza::wrong_name);
  }
  {
    auto d = parse_doc("<message xmlns='urn:example'/>");
    auto s = stanza_view::from(d.root());
    REQUIRE_FALSE(s);
    CHECK(s.error() == not_a_stanza::wrong_namespace);
  }
  {
    auto d = parse_doc("<stream:features/>");
    auto s = stanza_view::from(d.root());
    REQUIRE_FALSE(s);
    CHECK(s.error() == not_a_stanza::wrong_namespace);
  }
  {  // the name alone is not enough: a child <iq/> in jabber:client is viewed only when asked
    auto d = parse_doc("<IQ/>");
    CHECK_FALSE(stanza_view::from(d.root()));
  }
}

TEST_CASE("stanza view: common attributes as received (draft §9.1)") {
  auto d = parse_doc(
      "<message to='romeo@example.net' from='juliet@example.com/balcony' id='m1' type='chat' "
      "xml:lang='en'><body>Art thou not Romeo?</body></message>");
  auto s = view(d);
  CHECK(s.to_attr() == std::optional<std::string_view>("romeo@example.net"));
  CHECK(s.from_attr() == std::optional<std::string_view>("juliet@example.com/balcony"));
  CHECK(s.id() == std::optional<std::string_view>("m1"));
  CHECK(s.type_attr() == std::optional<std::string_view>("chat"));
  CHECK(s.lang_attr() == std::optional<std::string_view>("en"));
  CHECK_FALSE(s.is_error());
  CHECK(s.payload_count() == 1);
  REQUIRE(s.first_payload());
  CHECK(s.first_payload()->name() == "body");
  CHECK_FALSE(s.error_child());

  auto e = parse_doc("<presence/>");
  auto p = view(e);
  CHECK_FALSE(p.to_attr());
  CHECK_FALSE(p.from_attr());
  CHECK_FALSE(p.id());
  CHECK_FALSE(p.type_attr());
  CHECK_FALSE(p.lang_attr());
  CHECK(p.payload_count() == 0);
}

TEST_CASE("stanza view: 'to' and 'from' as prepared JIDs, with the JID error") {
  jid::preparer prep;
  auto d = parse_doc("<iq to='Juliet@Example.COM/Balcony' from='example.net' type='get' id='1'><q xmlns='x'/></iq>");
  auto s = view(d);
  auto to = s.to(prep);
  REQUIRE(to);
  REQUIRE(to->has_value());
  CHECK((*to)->full() == "juliet@example.com/Balcony");  // node and domain lowered, resource kept (App. A, B)
  auto from = s.from(prep);
  REQUIRE(from);
  REQUIRE(from->has_value());
  CHECK((*from)->domain() == "example.net");
  CHECK_FALSE((*from)->has_node());

  auto e = parse_doc("<message to='@example.com' from='a@b@c'/>");
  auto m = view(e);
  auto bad_to = m.to(prep);
  REQUIRE_FALSE(bad_to);
  CHECK(bad_to.error().part == jid::part::node);
  CHECK(bad_to.error().code == jid::errc::empty);
  CHECK(bad_to.error().condition() == stanza_condition::jid_malformed);  // draft §9.3.3
  auto bad_from = m.from(prep);
  REQUIRE_FALSE(bad_from);  // '@' is prohibited in a domain (draft App. A/§3.2)
  CHECK(bad_from.error().condition() == stanza_condition::jid_malformed);

  auto f = parse_doc("<presence/>");
  auto p = view(f);
  auto none = p.to(prep);
  REQUIRE(none);
  CHECK_FALSE(none->has_value());
}

TEST_CASE("stanza view: message types (RFC 3921 §2.1.1), unknown kept visible") {
  struct row {
    const char* type;  // nullptr: absent
    message_type expect;
  };
  const row rows[] = {{nullptr, message_type::normal},      {"normal", message_type::normal},
                      {"chat", message_type::chat},         {"groupchat", message_type::groupchat},
                      {"headline", message_type::headline}, {"error", message_type::error},
                      {"Chat", message_type::unknown},      {"", message_type::unknown},
                      {"urgent", message_type::unknown}};
  for (const auto& r : rows) {
    std::string xml = r.type ? std::string("<message type='") + r.type + "'/>" : std::string("<message/>");
    CAPTURE(xml);
    auto d = parse_doc(xml);
    auto s = view(d);
    CHECK(s.message_type() == r.expect);
    if (r.type) CHECK(s.type_attr() == std::optional<std::string_view>(r.type));
  }
}

TEST_CASE("stanza view: presence types (RFC 3921 §2.2.1), unknown kept visible") {
  struct row {
    const char* type;
    presence_type expect;
  };
  const row rows[] = {{nullptr, presence_type::available},          {"unavailable", presence_type::unavailable},
                      {"subscribe", presence_type::subscribe},       {"subscribed", presence_type::subscribed},
                      {"unsubscribe", presence_type::unsubscribe},   {"unsubscribed", presence_type::unsubscribed},
                      {"probe", presence_type::probe},               {"error", presence_type::error},
                      {"available", presence_type::unknown},         {"", presence_type::unknown},
                      {"invisible", presence_type::unknown}};
  for (const auto& r : rows) {
    std::string xml = r.type ? std::string("<presence type='") + r.type + "'/>" : std::string("<presence/>");
    CAPTURE(xml);
    auto d = parse_doc(xml);
    CHECK(view(d).presence_type() == r.expect);
  }
}

TEST_CASE("stanza view: IQ types (draft §9.2.3 rule 2)") {
  struct row {
    const char* type;
    iq_type expect;
    bool request;
  };
  const row rows[] = {{nullptr, iq_type::missing, false}, {"get", iq_type::get, true},
                      {"set", iq_type::set, true},        {"result", iq_type::result, false},
                      {"error", iq_type::error, false},   {"GET", iq_type::unknown, false},
                      {"", iq_type::unknown, false},      {"query", iq_type::unknown, false}};
  for (const auto& r : rows) {
    std::string xml = r.type ? std::string("<iq type='") + r.type + "'/>" : std::string("<iq/>");
    CAPTURE(xml);
    auto d = parse_doc(xml);
    auto s = view(d);
    CHECK(s.iq_type() == r.expect);
    CHECK(s.is_iq_request() == r.request);
  }
  auto d = parse_doc("<message type='get'/>");
  CHECK_FALSE(view(d).is_iq_request());
}

TEST_CASE("stanza view: xml:lang resolved against the stream default (draft §9.1.5, §13)") {
  auto a = parse_doc("<message xml:lang='fr'><body>Bonjour</body></message>");
  CHECK(view(a).lang("en") == "fr");
  auto b = parse_doc("<message><body>Hello</body></message>");
  CHECK(view(b).lang("en") == "en");
  CHECK(view(b).lang("") == "");
  auto c = parse_doc("<message xml:lang=''><body>?</body></message>");  // XML §2.12: no language
  CHECK(view(c).lang("en") == "");
  // A prefix bound to the XML namespace explicitly is still xml:lang.
  auto e = parse_doc("<message xmlns:xml='http://www.w3.org/XML/1998/namespace' xml:lang='de'/>");
  CHECK(view(e).lang("en") == "de");
}

TEST_CASE("stanza view: <error/> child and payload are told apart by namespace") {
  auto d = parse_doc(
      "<iq type='error' id='1'><query xmlns='jabber:iq:roster'/><error type='cancel'>"
      "<item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
  auto s = view(d);
  CHECK(s.is_error());
  REQUIRE(s.error_child());
  CHECK(s.error_child()->attr("type") == std::optional<std::string_view>("cancel"));
  CHECK(s.payload_count() == 1);
  // An <error/> in another namespace is payload, not the stanza error.
  auto e = parse_doc("<message><error xmlns='urn:example'/></message>");
  CHECK_FALSE(view(e).error_child());
  CHECK(view(e).payload_count() == 1);
}
