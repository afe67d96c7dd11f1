#include <xmppcore/xml/pugixml.hpp>

#include <doctest/doctest.h>

#include <string>

#include "support/transcript.hpp"

using namespace xmppcore;
using namespace xmppcore::xml;

namespace {
std::string describe(const element& e) {
  std::string s;
  test::describe_element(e, s);
  return s;
}
}  // namespace

TEST_CASE("to_pugi: namespaces explicit, XPath works, text kept") {
  auto d = document::parse(
      "<iq type='get' id='r1'><query xmlns='jabber:iq:roster'><item jid='a@b' name='A &amp; B'> "
      "</item></query><stream:error/></iq>");
  REQUIRE(d.has_value());
  pugi::xml_document doc = to_pugi(d->root());
  pugi::xml_node root = doc.document_element();
  REQUIRE(root);
  CHECK(std::string(root.name()) == "iq");
  CHECK(std::string(root.attribute("xmlns").value()) == "jabber:client");
  auto item = doc.select_node("/iq/query/item").node();
  REQUIRE(item);
  CHECK(std::string(item.attribute("name").value()) == "A & B");
  CHECK(std::string(item.text().get()) == " ");  // whitespace-only text is kept
  CHECK(std::string(doc.select_node("/iq/query").node().attribute("xmlns").value()) == "jabber:iq:roster");
  CHECK(std::string(doc.select_node("/iq/stream:error").node().attribute("xmlns:stream").value()) == ns::streams);
}

TEST_CASE("from_pugi: a mutated tree comes back validated; prefixes are resolved") {
  auto d = document::parse("<message to='a@b'><body>hi</body></message>");
  REQUIRE(d.has_value());
  pugi::xml_document doc = to_pugi(d->root());
  auto m = doc.document_element();
  m.attribute("to").set_value("c@d");
  m.append_child("x").append_attribute("xmlns").set_value("jabber:x:oob");
  auto back = from_pugi(m);
  REQUIRE(back.has_value());
  CHECK(describe(back->root()) ==
        "<{jabber:client}message {}to=[c@d]><{jabber:client}body>T[hi]</><{jabber:x:oob}x></></>");
  CHECK(to_xml(m) == "<message to='c@d'><body>hi</body><x xmlns='jabber:x:oob'/></message>");

  pugi::xml_document other;
  REQUIRE(other.load_string("<p:a xmlns:p='urn:p' xmlns:q='urn:q' q:at='1'><p:b/></p:a>"));
  auto conv = from_pugi(other.document_element());
  REQUIRE(conv.has_value());
  CHECK(describe(conv->root()) == "<{urn:p}a {urn:q}at=[1]><{urn:p}b></></>");

  pugi::xml_document unbound;
  REQUIRE(unbound.load_string("<p:a/>"));
  CHECK_FALSE(from_pugi(unbound.document_element()).has_value());
}

TEST_CASE("element -> pugixml -> element is the identity") {
  for (const char* body : {"<message xml:lang='en' type='chat'><body>a\nb &lt;c&gt;</body><thread>t</thread></message>",
                           "<x xmlns='urn:a' xmlns:b='urn:b' b:c='1'><b:d/><e xmlns=''>1</e></x>",
                           "<presence><show>away</show><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' "
                           "node='n' ver='v'/></presence>"}) {
    CAPTURE(body);
    auto d = document::parse(body);
    REQUIRE(d.has_value());
    auto doc = to_pugi(d->root());
    auto back = from_pugi(doc);
    REQUIRE(back.has_value());
    CHECK(describe(back->root()) == describe(d->root()));
  }
}
