#include <xmppcore/xml/writer.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include "support/transcript.hpp"
#include <xmppcore/xml/document.hpp>

using namespace xmppcore;
using namespace xmppcore::xml;

TEST_CASE("writer: escaping in text and attribute values") {
  writer w;
  w.start(ns::client, "message").attr("to", "a&b<c\"d'e>f").text("x < y & z > w \" '").end();
  REQUIRE(w.ok());
  CHECK(w.buffer() == "<message to='a&amp;b&lt;c&quot;d&apos;e>f'>x &lt; y &amp; z &gt; w \" '</message>");
}

TEST_CASE("writer: characters the reader would normalize become references") {
  writer w;
  w.start(ns::client, "body").attr("a", "1\t2\n3\r4").text("l1\r\nl2\n").end();
  REQUIRE(w.ok());
  CHECK(w.buffer() == "<body a='1&#9;2&#10;3&#13;4'>l1&#13;\nl2\n</body>");
}

TEST_CASE("writer: stream header, prefixes, no whitespace unless asked") {
  writer w;
  stream_header_fields h;
  h.to = "example.com";
  h.lang = "en";
  w.open_stream(h);
  w.start(ns::streams, "features").start(ns::xmpp_tls, "starttls").start(ns::xmpp_tls, "required").end().end().end();
  w.start(ns::client, "message").start(ns::client, "body").text("hi").end().end();
  w.close_stream();
  REQUIRE(w.ok());
  CHECK(w.buffer() ==
        "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
        "to='example.com' xml:lang='en' version='1.0'><stream:features><starttls "
        "xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features><message><body>hi</body>"
        "</message></stream:stream>");

  writer s2s("jabber:server");
  stream_header_fields hs;
  hs.content_namespace = ns::server;
  hs.dialback = true;
  hs.xml_declaration = false;
  hs.version = {};
  s2s.open_stream(hs);
  s2s.start(ns::dialback, "result").attr("to", "example.net").attr("from", "example.com").text("k").end();
  CHECK(s2s.buffer() ==
        "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' "
        "xmlns:db='jabber:server:dialback'><db:result to='example.net' from='example.com'>k</db:result>");
}

TEST_CASE("writer: refuses what cannot be well-formed") {
  CHECK_FALSE(writer().start(ns::client, "a b").ok());
  CHECK_FALSE(writer().start(ns::client, "p:x").ok());
  CHECK_FALSE(writer().start(ns::client, "body").text("\xC0\xAF").ok());
  CHECK_FALSE(writer().start(ns::client, "body").text("\x01").ok());
  CHECK_FALSE(writer().start(ns::client, "body").text("\xEF\xBF\xBF").ok());  // U+FFFF
  CHECK_FALSE(writer().start(ns::client, "body").attr("a", "\xED\xA0\x80").ok());
  CHECK_FALSE(writer().text("stream-level text").ok());
  CHECK_FALSE(writer().end().ok());
  CHECK(writer().start(ns::client, "body").text("\xF0\x9F\x98\x80 \xEF\xBF\xBD").end().ok());
}

namespace {

// Deterministic generator of element trees for the round-trip property.
struct gen {
  std::uint64_t s;
  std::uint64_t next() {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  }
  std::size_t pick(std::size_t n) { return static_cast<std::size_t>(next() % n); }
  std::string name() {
    static const char* names[] = {"a", "body", "x", "item", "m\xC3\xA9ssage", "\xE6\x97\xA5", "q.r-s_t", "B9"};
    return names[pick(8)];
  }
  std::string ns_uri() {
    static const char* uris[] = {"jabber:client", "urn:x", "urn:y:z", "", "http://etherx.jabber.org/streams",
                                 "jabber:server:dialback", "urn:xmpp:with'quote",
                                 "http://www.w3.org/XML/1998/namespace"};
    return uris[pick(8)];
  }
  std::string text() {
    static const char* parts[] = {"a", " ", "&", "<", ">", "]]>", "\"", "'", "\r", "\n", "\t", "\r\n",
                                  "\xC3\xA9", "\xF0\x9F\x98\x80", "]]", "x y"};
    std::string t;
    for (std::size_t i = 0, n = pick(6); i < n; ++i) t += parts[pick(16)];
    return t;
  }
  void element(writer& w, int depth) {
    w.start(ns_uri(), name());
    const char* used[] = {"id", "to", "type", "n"};
    for (std::size_t i = 0, n = pick(4); i < n; ++i) w.attr(used[i], text());
    if (pick(3) == 0) w.attr(ns::xml, "lang", "en");
    // Two URIs competing for one prefix hint: inner elements re-bind it.
    if (pick(4) == 0) w.attr(pick(2) ? "urn:attr" : "urn:attr2", "k", text(), "p");
    for (std::size_t i = 0, n = depth < 4 ? pick(4) : 0; i < n; ++i) {
      if (pick(2)) w.text(text());
      else element(w, depth + 1);
    }
    w.end();
  }
};

std::string describe(const element& e) {
  std::string s;
  test::describe_element(e, s);
  return s;
}

}  // namespace

TEST_CASE("writer: a prefix re-bound by an inner element is not reused for the outer URI") {
  // Namespaces in XML §6.1: <y xmlns:p='urn:b'> shadows the outer p='urn:a'
  // for <z>, so an attribute of <z> in urn:a needs another prefix.
  auto d = document::parse(
      "<x xmlns='urn:x' xmlns:p='urn:a' p:one='1'><y xmlns:p='urn:b' p:two='2'>"
      "<z xmlns:q='urn:a' q:three='3'/></y></x>");
  REQUIRE(d.has_value());
  const std::string out = to_xml(d->root());
  auto back = document::parse(out);
  REQUIRE(back.has_value());
  const element z = (*(*back->root().children().begin()).as_element().children().begin()).as_element();
  REQUIRE(z.attribute_count() == 1);
  CHECK(z.attribute_at(0).ns == "urn:a");
  CHECK(z.attribute_at(0).local == "three");
  CHECK(describe(d->root()) == describe(back->root()));
}

TEST_CASE("writer: an element in the XML namespace keeps the xml prefix") {
  // Found by fuzz/stanza.cpp: <xml:bind/> was written as <bind xmlns='...XML/1998/namespace'/>,
  // which Namespaces in XML §3 forbids (and our parser rejects).
  auto d = document::parse("<iq xmlns='jabber:client'><xml:bind xmlns:p='urn:p' p:a='1'/></iq>");
  REQUIRE(d.has_value());
  const std::string out = to_xml(d->root());
  CHECK(out == "<iq><xml:bind xmlns:p='urn:p' p:a='1'/></iq>");
  auto back = document::parse(out, ns::client);
  REQUIRE(back.has_value());
  CHECK(describe(d->root()) == describe(back->root()));
}

TEST_CASE("writer: parse(write(x)) == x, property over 3000 generated trees") {
  gen g{0x9E3779B97F4A7C15ull};
  for (int i = 0; i < 3000; ++i) {
    writer w;
    g.element(w, 0);
    REQUIRE(w.ok());
    const std::string bytes = w.take();
    CAPTURE(bytes);
    auto d1 = document::parse(bytes);
    REQUIRE(d1.has_value());
    // write the parsed element again: a fixed point after one round
    const std::string again = to_xml(d1->root());
    auto d2 = document::parse(again);
    REQUIRE(d2.has_value());
    CHECK(describe(d1->root()) == describe(d2->root()));
    CHECK(again == to_xml(d2->root()));
  }
}

TEST_CASE("writer: every element of the bundled captures round-trips") {
  for (const char* body :
       {"<message from='juliet@example.com' to='romeo@example.net' xml:lang='en'><body>Art thou not Romeo, and a "
        "Montague?</body></message>",
        "<iq type='result' id='bind_2'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>someuser@example.com/"
        "someresource</jid></bind></iq>",
        "<stream:error><xml-not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><text xml:lang='en' "
        "xmlns='urn:ietf:params:xml:ns:xmpp-streams'>Some special application diagnostic information!</text>"
        "<escape-your-data xmlns='application-ns'/></stream:error>",
        "<db:result to='example.net' from='example.com'>key</db:result>",
        "<x xmlns='urn:a' xmlns:b='urn:b' b:c='1'><b:d/><e xmlns=''/></x>"}) {
    CAPTURE(body);
    auto d = document::parse(body);
    REQUIRE(d.has_value());
    auto again = document::parse(to_xml(d->root()));
    REQUIRE(again.has_value());
    CHECK(describe(d->root()) == describe(again->root()));
  }
}
