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

// Namespaces in XML 1.0 §6.2: an empty default namespace declaration means "no
// default namespace" for the whole scope of the declaration (§6.1), i.e. for
// the element and every descendant that does not declare one itself. The
// conversion back from pugixml must stop at the nearest xmlns attribute even
// when its value is empty, and not fall through to the stream's content
// namespace.
TEST_CASE("pugixml: an xmlns='' undeclaration reaches nested elements, both directions") {
  SUBCASE("element -> pugixml -> element") {
    struct row {
      const char* body;
      std::string want;
    };
    for (const row& r : {
             row{"<x xmlns='urn:a'><e xmlns=''><f/></e></x>", "<{urn:a}x><{}e><{}f></></></>"},
             // deeper, with text, and the undeclaration's scope ending at </e>
             row{"<x xmlns='urn:a'><e xmlns=''><f><g>t</g></f><f2/></e><k/></x>",
                 "<{urn:a}x><{}e><{}f><{}g>T[t]</></><{}f2></></><{urn:a}k></></>"},
             // a re-declaration below the undeclaration, and back to none after it
             row{"<x xmlns='urn:a'><e xmlns=''><g xmlns='urn:b'><h/></g><i/></e></x>",
                 "<{urn:a}x><{}e><{urn:b}g><{urn:b}h></></><{}i></></></>"},
             // prefixed elements are unaffected by the default's undeclaration
             row{"<x xmlns='urn:a' xmlns:p='urn:p'><e xmlns=''><p:f><g/></p:f></e></x>",
                 "<{urn:a}x><{}e><{urn:p}f><{}g></></></></>"},
             // inside a stanza in the content namespace
             row{"<message><x xmlns='urn:a'><e xmlns=''><f/></e></x></message>",
                 "<{jabber:client}message><{urn:a}x><{}e><{}f></></></></>"},
             // the root itself in no namespace (nothing to undeclare in the pugixml
             // document, which has no content namespace around it)
             row{"<e xmlns=''><f/></e>", "<{}e><{}f></></>"},
             // a prefixed root: the unprefixed child in no namespace
             row{"<stream:error><e xmlns=''><f/></e></stream:error>",
                 "<{http://etherx.jabber.org/streams}error><{}e><{}f></></></>"},
         }) {
      CAPTURE(r.body);
      auto d = document::parse(r.body);
      REQUIRE(d.has_value());
      REQUIRE(describe(d->root()) == r.want);  // the parser's reading, for reference
      auto doc = to_pugi(d->root());
      REQUIRE(doc.document_element());
      auto back = from_pugi(doc);
      REQUIRE(back.has_value());
      CHECK(describe(back->root()) == r.want);
    }

    // the pugixml side says so explicitly, for XPath users and for to_xml
    auto d = document::parse("<e xmlns=''><f/></e>");
    REQUIRE(d.has_value());
    auto doc = to_pugi(d->root());
    pugi::xml_attribute decl = doc.document_element().attribute("xmlns");
    REQUIRE(decl);
    CHECK(std::string(decl.value()).empty());
    CHECK(to_xml(doc) == "<e xmlns=''><f/></e>");
  }

  SUBCASE("pugixml node -> element and bytes") {
    pugi::xml_document doc;
    REQUIRE(doc.load_string("<x xmlns='urn:a'><e xmlns=''><f><g/></f></e><k/></x>"));
    auto conv = from_pugi(doc);
    REQUIRE(conv.has_value());
    CHECK(describe(conv->root()) == "<{urn:a}x><{}e><{}f><{}g></></></><{urn:a}k></></>");
    CHECK(to_xml(doc) == "<x xmlns='urn:a'><e xmlns=''><f><g/></f></e><k/></x>");

    // a subtree converted alone keeps the undeclaration made by its ancestor
    pugi::xml_node f = doc.select_node("/x/e/f").node();
    REQUIRE(f);
    CHECK(to_xml(f) == "<f xmlns=''><g/></f>");
    CHECK(to_xml(f, ns::server) == "<f xmlns=''><g/></f>");
    auto sub = from_pugi(f);
    REQUIRE(sub.has_value());
    CHECK(sub->root().ns().empty());
    CHECK(describe(sub->root()) == "<{}f><{}g></></>");

    // a re-declaration below the undeclaration
    pugi::xml_document re;
    REQUIRE(re.load_string("<e xmlns=''><g xmlns='urn:b'><h/></g><i/></e>"));
    auto rc = from_pugi(re);
    REQUIRE(rc.has_value());
    CHECK(describe(rc->root()) == "<{}e><{urn:b}g><{urn:b}h></></><{}i></></>");
    CHECK(to_xml(re) == "<e xmlns=''><g xmlns='urn:b'><h/></g><i/></e>");

    // no declaration anywhere: still the stream's content namespace
    pugi::xml_document plain;
    REQUIRE(plain.load_string("<a><b><c/></b></a>"));
    auto pc = from_pugi(plain);
    REQUIRE(pc.has_value());
    CHECK(describe(pc->root()) == "<{jabber:client}a><{jabber:client}b><{jabber:client}c></></></>");
    CHECK(to_xml(plain.document_element().first_child(), ns::server) == "<b><c/></b>");
  }

  SUBCASE("a prefix cannot be undeclared") {
    // Namespaces in XML 1.0 §3, "No Prefix Undeclaring": xmlns:p='' is not
    // namespace-well-formed, so the tree is refused rather than read as if p
    // were unbound, or bound to no namespace.
    for (const char* bad : {"<p:a xmlns:p='urn:p'><p:b xmlns:p=''/></p:a>",
                            "<p:a xmlns:p='urn:p'><b xmlns:p=''/></p:a>",
                            "<a xmlns:p='urn:p'><b xmlns:p='' p:at='1'/></a>"}) {
      CAPTURE(bad);
      pugi::xml_document doc;
      REQUIRE(doc.load_string(bad));
      CHECK(to_xml(doc).empty());
      CHECK_FALSE(from_pugi(doc).has_value());
    }
  }
}
