#include <xmppcore/stream/features.hpp>

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <xmppcore/xml/document.hpp>  // xml::document (parse_doc's result)

using namespace xmppcore;
using namespace xmppcore::stream;

// Defined in header_test.cpp.
namespace stream_test {
xml::document parse_doc(std::string_view bytes, std::string_view content_ns);
bool expat_accepts(std::string_view element, std::string_view content_ns);
std::string expat_reading(std::string_view element, std::string_view content_ns, bool drop_space);
}  // namespace stream_test

namespace {

features parse_ok(std::string_view bytes, std::string_view content_ns = ns::client) {
  const auto d = stream_test::parse_doc(bytes, content_ns);
  auto f = parse_features(d.root());
  if (!f) FAIL("refused: " << bytes << " (" << f.error().reason << ")");
  return std::move(*f);
}

violation refused(std::string_view bytes) {
  const auto d = stream_test::parse_doc(bytes, ns::client);
  auto f = parse_features(d.root());
  REQUIRE_FALSE(f.has_value());
  return f.error();
}

// expat's reading of one element written for a stream (checked against our
// parser's), white-space-only text runs removed: the spec's examples are
// indented, what we write is not.
std::string expat_canonical(std::string_view element, std::string_view content_ns = ns::client) {
  return stream_test::expat_reading(element, content_ns, true);
}

bool expat_parse_ok(std::string_view element) { return stream_test::expat_accepts(element, ns::client); }

std::vector<std::string> names(std::initializer_list<const char*> l) { return {l.begin(), l.end()}; }

}  // namespace

// ------------------------------------------------------ the draft's examples --

TEST_CASE("parse_features: the draft's examples (§5.3, §5.4, §6.5, §6.6, §7), and what we write means the same") {
  struct row {
    const char* where;
    const char* content_ns;
    const char* bytes;
    bool starttls, required;
    std::vector<std::string> mechanisms;  // empty: no <mechanisms/>
    bool bind, session;
    const char* written;  // hand-typed: the example without its indentation
  };
  const row table[] = {
      {"§5.3 step 3", "jabber:client",
       "<stream:features>\n  <starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'>\n    <required/>\n  </starttls>\n"
       "  <mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>\n    <mechanism>DIGEST-MD5</mechanism>\n"
       "    <mechanism>PLAIN</mechanism>\n  </mechanisms>\n</stream:features>",
       true, true, names({"DIGEST-MD5", "PLAIN"}), false, false,
       "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>"
       "<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>DIGEST-MD5</mechanism>"
       "<mechanism>PLAIN</mechanism></mechanisms></stream:features>"},
      {"§5.3 step 8", "jabber:client",
       "<stream:features>\n  <mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>\n    <mechanism>DIGEST-MD5</mechanism>\n"
       "    <mechanism>PLAIN</mechanism>\n    <mechanism>EXTERNAL</mechanism>\n  </mechanisms>\n</stream:features>",
       false, false, names({"DIGEST-MD5", "PLAIN", "EXTERNAL"}), false, false,
       "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>DIGEST-MD5</mechanism>"
       "<mechanism>PLAIN</mechanism><mechanism>EXTERNAL</mechanism></mechanisms></stream:features>"},
      {"§5.4 step 3", "jabber:server",
       "<stream:features>\n  <starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'>\n    <required/>\n  </starttls>\n"
       "  <mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>\n    <mechanism>DIGEST-MD5</mechanism>\n"
       "    <mechanism>KERBEROS_V4</mechanism>\n  </mechanisms>\n</stream:features>",
       true, true, names({"DIGEST-MD5", "KERBEROS_V4"}), false, false,
       "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>"
       "<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>DIGEST-MD5</mechanism>"
       "<mechanism>KERBEROS_V4</mechanism></mechanisms></stream:features>"},
      {"§5.4 step 8", "jabber:server",
       "<stream:features>\n  <mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>\n    <mechanism>DIGEST-MD5</mechanism>\n"
       "    <mechanism>KERBEROS_V4</mechanism>\n    <mechanism>EXTERNAL</mechanism>\n  </mechanisms>\n</stream:features>",
       false, false, names({"DIGEST-MD5", "KERBEROS_V4", "EXTERNAL"}), false, false,
       "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>DIGEST-MD5</mechanism>"
       "<mechanism>KERBEROS_V4</mechanism><mechanism>EXTERNAL</mechanism></mechanisms></stream:features>"},
      {"§6.5 step 3", "jabber:client",
       "<stream:features>\n  <mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>\n    <mechanism>DIGEST-MD5</mechanism>\n"
       "    <mechanism>PLAIN</mechanism>\n  </mechanisms>\n</stream:features>",
       false, false, names({"DIGEST-MD5", "PLAIN"}), false, false,
       "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>DIGEST-MD5</mechanism>"
       "<mechanism>PLAIN</mechanism></mechanisms></stream:features>"},
      {"§6.5 step 11", "jabber:client",
       "<stream:features>\n  <bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>\n"
       "  <session xmlns='urn:ietf:params:xml:ns:xmpp-session'/>\n</stream:features>",
       false, false, {}, true, true,
       "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"
       "<session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></stream:features>"},
      {"§6.6 step 3", "jabber:server",
       "<stream:features>\n  <mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>\n    <mechanism>DIGEST-MD5</mechanism>\n"
       "    <mechanism>KERBEROS_V4</mechanism>\n  </mechanisms>\n</stream:features>",
       false, false, names({"DIGEST-MD5", "KERBEROS_V4"}), false, false,
       "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>DIGEST-MD5</mechanism>"
       "<mechanism>KERBEROS_V4</mechanism></mechanisms></stream:features>"},
      {"§6.6 step 11", "jabber:server", "<stream:features/>", false, false, {}, false, false, "<stream:features/>"},
      {"§7", "jabber:client",
       "<stream:features>\n  <bind xmlns='urn:ietf:params:xml:ns:xmpp-bind' />\n</stream:features>", false, false, {},
       true, false, "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>"},
  };
  for (const auto& r : table) {
    CAPTURE(r.where);
    const features f = parse_ok(r.bytes, r.content_ns);
    CHECK(f.starttls == r.starttls);
    CHECK(f.starttls_required == r.required);
    if (r.mechanisms.empty()) {
      CHECK_FALSE(f.mechanisms.has_value());
    } else {
      REQUIRE(f.mechanisms.has_value());
      CHECK(*f.mechanisms == r.mechanisms);
    }
    CHECK(f.bind == r.bind);
    CHECK(f.session == r.session);
    CHECK_FALSE(f.session_optional);
    CHECK_FALSE(f.limits.has_value());
    CHECK(f.other.empty());

    const std::string w = write_features(f);
    CHECK(w == r.written);
    // expat reads our bytes as it reads the draft's (indentation aside), and
    // so does our parser; parsing them gives the same features back.
    CHECK(expat_canonical(w, r.content_ns) == expat_canonical(r.bytes, r.content_ns));
    CHECK(parse_ok(w, r.content_ns) == f);
  }
}

TEST_CASE("parse_features: XEP-0478 limits") {
  const features f = parse_ok(
      "<stream:features>\n  <limits xmlns='urn:xmpp:stream-limits:0'>\n    <max-bytes>262144</max-bytes>\n"
      "    <idle-seconds>840</idle-seconds>\n  </limits>\n</stream:features>");
  REQUIRE(f.limits.has_value());
  CHECK(f.limits->max_bytes == 262144u);
  CHECK(f.limits->idle_seconds == 840u);
  CHECK(f.other.empty());

  // Either child may be missing ("SHOULD contain", XEP-0478 §3); ranges are the fields' own.
  struct row {
    const char* inner;
    std::optional<std::uint64_t> bytes;
    std::optional<std::uint32_t> idle;
  };
  const row table[] = {
      {"", std::nullopt, std::nullopt},
      {"<max-bytes>10000</max-bytes>", 10000u, std::nullopt},
      {"<idle-seconds>600</idle-seconds>", std::nullopt, 600u},
      {"<idle-seconds>0</idle-seconds><max-bytes>0</max-bytes>", 0u, 0u},
      {"<max-bytes>000123</max-bytes>", 123u, std::nullopt},
      {"<max-bytes>18446744073709551615</max-bytes>", 18446744073709551615ull, std::nullopt},
      {"<idle-seconds>4294967295</idle-seconds>", std::nullopt, 4294967295u},
      // A limit a later version may define, and one in another namespace: ignored.
      {"<max-stanzas>5</max-stanzas><max-bytes xmlns='urn:x'>x</max-bytes><max-bytes>7</max-bytes>", 7u, std::nullopt},
  };
  for (const auto& r : table) {
    CAPTURE(r.inner);
    const std::string bytes =
        std::string("<stream:features><limits xmlns='urn:xmpp:stream-limits:0'>") + r.inner + "</limits></stream:features>";
    const features g = parse_ok(bytes);
    REQUIRE(g.limits.has_value());
    CHECK(g.limits->max_bytes == r.bytes);
    CHECK(g.limits->idle_seconds == r.idle);
  }
}

TEST_CASE("parse_features: unknown features are kept, in order, with their XML") {
  const std::string bytes =
      "<stream:features>"
      "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"
      "<sm xmlns='urn:xmpp:sm:3'/>"
      "<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='http://example.com/c' ver='QgayPKawpkPSDYmwT/WM94uAlu0='/>"
      "<starttls xmlns='urn:x:not-tls'><required/></starttls>"  // a starttls, but not TLS's
      "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"      // TLS's namespace, not a feature we know
      "<x/>"                                                    // in the content namespace
      "<dialback xmlns='urn:xmpp:features:dialback'>\n  <errors/>\n</dialback>"
      "<f xmlns='urn:f' xmlns:p='urn:p' p:a='1&amp;2'>t&lt;<g p:b=\"'\"/></f>"
      "</stream:features>";
  for (std::string_view content_ns : {ns::client, ns::server}) {
    CAPTURE(content_ns);
    const features f = parse_ok(bytes, content_ns);
    CHECK(f.starttls);
    CHECK_FALSE(f.starttls_required);
    REQUIRE(f.other.size() == 7);
    const std::string x_ns(content_ns);
    const feature_element expected[] = {
        {"urn:xmpp:sm:3", "sm", "<sm xmlns='urn:xmpp:sm:3'/>"},
        {"http://jabber.org/protocol/caps", "c",
         "<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='http://example.com/c' "
         "ver='QgayPKawpkPSDYmwT/WM94uAlu0='/>"},
        {"urn:x:not-tls", "starttls", "<starttls xmlns='urn:x:not-tls'><required/></starttls>"},
        {"urn:ietf:params:xml:ns:xmpp-tls", "proceed", "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"},
        // Its namespace is declared on it, so copied into any stream it stays in x_ns.
        {x_ns, "x", "<x xmlns='" + x_ns + "'/>"},
        {"urn:xmpp:features:dialback", "dialback", "<dialback xmlns='urn:xmpp:features:dialback'>\n  <errors/>\n</dialback>"},
        {"urn:f", "f", "<f xmlns='urn:f' xmlns:p='urn:p' p:a='1&amp;2'>t&lt;<g p:b='&apos;'/></f>"},
    };
    for (std::size_t i = 0; i < 7; ++i) {
      CAPTURE(i);
      CHECK(f.other[i] == expected[i]);
    }
    // Written back in the other kind of stream, each still means what it meant
    // (known features come first when written, as <starttls/> does here).
    const std::string_view elsewhere = content_ns == ns::client ? ns::server : ns::client;
    const std::string w = write_features(f);
    CHECK(parse_ok(w, elsewhere) == f);
    CHECK(expat_canonical(w, elsewhere) == expat_canonical(bytes, content_ns));
  }
}

TEST_CASE("parse_features ignores attributes, white space and unknown children of known features") {
  const features f = parse_ok(
      "<stream:features xmlns:q='urn:q' q:x='1' y='2'>\n\t\r\n"
      "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls' extra='1'><foo xmlns='urn:x'/><required xmlns='urn:x'/></starttls>"
      "<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
      "<hostname xmlns='urn:xmpp:domain-based-name:1'>example.com</hostname>"  // XEP-0233
      "<mechanism a='b'>X-OAUTH2</mechanism><required/><mechanism>ABCDEFGHIJKLMNOPQRST</mechanism>"
      "<mechanism>A</mechanism><mechanism>SCRAM-SHA-1-PLUS</mechanism><mechanism>X_Y-0</mechanism>"
      "</mechanisms>"
      "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>r</resource></bind>"
      "<session xmlns='urn:ietf:params:xml:ns:xmpp-session'><optional/><other/></session>"
      "</stream:features>");
  CHECK(f.starttls);
  CHECK_FALSE(f.starttls_required);  // {urn:x}required is not TLS's <required/>
  REQUIRE(f.mechanisms.has_value());
  CHECK(*f.mechanisms == names({"X-OAUTH2", "ABCDEFGHIJKLMNOPQRST", "A", "SCRAM-SHA-1-PLUS", "X_Y-0"}));
  CHECK(f.bind);
  CHECK(f.session);
  CHECK(f.session_optional);
  CHECK(f.other.empty());
  // A mechanism named twice is kept twice (nothing forbids it; the client picks one).
  const features g = parse_ok(
      "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism>"
      "<mechanism>PLAIN</mechanism></mechanisms></stream:features>");
  CHECK(*g.mechanisms == names({"PLAIN", "PLAIN"}));
  // CDATA is character data like any other.
  const features h = parse_ok(
      "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism><![CDATA[PLAIN]]></mechanism>"
      "</mechanisms></stream:features>");
  CHECK(*h.mechanisms == names({"PLAIN"}));
}

// ------------------------------------------------------------ refusals --

TEST_CASE("parse_features refuses malformed known features with <bad-format/>, each for its reason") {
  const std::string sasl = "<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>";
  const std::string lim = "<limits xmlns='urn:xmpp:stream-limits:0'>";
  struct row {
    std::string inner;       // inside <stream:features>
    std::string_view reason;  // the rule that must fire (a part of its reason text)
  };
  std::vector<row> table = {
      {"hello", "character data in <stream:features/>"},
      {"<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/> x ", "character data in <stream:features/>"},
      {"&amp;", "character data in <stream:features/>"},
      {"<![CDATA[x]]>", "character data in <stream:features/>"},
      {"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>",
       "two <starttls/>"},
      {sasl + "<mechanism>PLAIN</mechanism></mechanisms>" + sasl + "<mechanism>PLAIN</mechanism></mechanisms>",
       "two <mechanisms/>"},
      {"<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>", "two <bind/>"},
      {"<session xmlns='urn:ietf:params:xml:ns:xmpp-session'/><sm xmlns='urn:xmpp:sm:3'/>"
       "<session xmlns='urn:ietf:params:xml:ns:xmpp-session'/>",
       "two <session/>"},
      {lim + "</limits>" + lim + "</limits>", "two <limits/>"},
      {"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'>yes<required/></starttls>", "character data in <starttls/>"},
      {sasl + "PLAIN</mechanisms>", "character data in <mechanisms/>"},
      {sasl + "<mechanism>PLAIN</mechanism>,</mechanisms>", "character data in <mechanisms/>"},
      {"<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>x</bind>", "character data in <bind/>"},
      {"<session xmlns='urn:ietf:params:xml:ns:xmpp-session'>x</session>", "character data in <session/>"},
      {lim + "262144</limits>", "character data in <limits/>"},
      {sasl + "</mechanisms>", "without a <mechanism/>"},
      {sasl + "\n  \n</mechanisms>", "without a <mechanism/>"},
      {sasl + "<hostname xmlns='urn:xmpp:domain-based-name:1'>example.com</hostname></mechanisms>",
       "without a <mechanism/>"},
      {sasl + "<mechanism>PLAIN<x/></mechanism></mechanisms>", "an element inside <mechanism/>"},
      {sasl + "<mechanism><x/></mechanism></mechanisms>", "an element inside <mechanism/>"},
      {lim + "<max-bytes>1</max-bytes><max-bytes>1</max-bytes></limits>", "two <max-bytes/>"},
      {lim + "<idle-seconds>1</idle-seconds><max-bytes>2</max-bytes><idle-seconds>1</idle-seconds></limits>",
       "two <idle-seconds/>"},
      {lim + "<max-bytes><n>1</n></max-bytes></limits>", "an element inside a XEP-0478 limit"},
      {lim + "<idle-seconds>1<x/></idle-seconds></limits>", "an element inside a XEP-0478 limit"},
  };
  // RFC 4422 §3.1: 1 to 20 of A-Z 0-9 '-' '_', nothing else, nothing around.
  for (const char* bad : {"", "plain", "Plain", "DIGEST MD5", " PLAIN", "PLAIN ", "\nPLAIN\n", "PLAIN\t",
                          "ABCDEFGHIJKLMNOPQRSTU", "X.Y", "X+Y", "X/Y", "X*", "PL&#x130;N", "PL\xc3\x84N", "&#65;&#0066;c"})
    table.push_back({sasl + "<mechanism>" + bad + "</mechanism></mechanisms>", "not a SASL mechanism name"});
  for (const char* bad : {"", "abc", "-1", "+1", " 1", "1 ", "1.5", "1e3", "0x10", "1,000", "&#x661;",
                          "18446744073709551616", "99999999999999999999999"})
    table.push_back({lim + "<max-bytes>" + bad + "</max-bytes></limits>", "not a decimal number in range"});
  for (const char* bad : {"", "x", "-0", "4294967296", "10000000000", "\n600\n"})
    table.push_back({lim + "<idle-seconds>" + bad + "</idle-seconds></limits>", "not a decimal number in range"});

  for (const auto& r : table) {
    const std::string bytes = "<stream:features>" + r.inner + "</stream:features>";
    CAPTURE(bytes);
    const violation v = refused(bytes);
    CHECK(v.condition == stream_condition::bad_format);
    CHECK_MESSAGE(v.reason.find(r.reason) != std::string_view::npos, v.reason);
  }
}

TEST_CASE("parse_features refuses an element that is not <stream:features/> with <unsupported-stanza-type/>") {
  for (const char* bytes : {"<features/>",  // the content namespace
                            "<features xmlns='urn:x'/>", "<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>",
                            "<stream:feature/>", "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"}) {
    CAPTURE(bytes);
    const violation v = refused(bytes);
    CHECK(v.condition == stream_condition::unsupported_stanza_type);
  }
}

// ------------------------------------------------------------ writing --

TEST_CASE("write_features: hand-typed bytes, expat's reading of them, and the round trip") {
  features f;
  f.starttls = true;
  f.starttls_required = true;
  f.mechanisms = names({"SCRAM-SHA-1", "PLAIN"});
  f.bind = true;
  f.session = true;
  f.session_optional = true;
  f.limits = stream_limits{262144u, 840u};
  f.other.push_back({"urn:xmpp:sm:3", "sm", "<sm xmlns='urn:xmpp:sm:3'/>"});
  const std::string w = write_features(f);
  CHECK(w ==
        "<stream:features>"
        "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>"
        "<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-1</mechanism>"
        "<mechanism>PLAIN</mechanism></mechanisms>"
        "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"
        "<session xmlns='urn:ietf:params:xml:ns:xmpp-session'><optional/></session>"
        "<limits xmlns='urn:xmpp:stream-limits:0'><max-bytes>262144</max-bytes><idle-seconds>840</idle-seconds></limits>"
        "<sm xmlns='urn:xmpp:sm:3'/>"
        "</stream:features>");
  // expat, with expanded names typed here.
  CHECK(expat_canonical(w) ==
        "<{http://etherx.jabber.org/streams}features>"
        "<{urn:ietf:params:xml:ns:xmpp-tls}starttls><{urn:ietf:params:xml:ns:xmpp-tls}required></></>"
        "<{urn:ietf:params:xml:ns:xmpp-sasl}mechanisms>"
        "<{urn:ietf:params:xml:ns:xmpp-sasl}mechanism>T[SCRAM-SHA-1]</>"
        "<{urn:ietf:params:xml:ns:xmpp-sasl}mechanism>T[PLAIN]</></>"
        "<{urn:ietf:params:xml:ns:xmpp-bind}bind></>"
        "<{urn:ietf:params:xml:ns:xmpp-session}session><{urn:ietf:params:xml:ns:xmpp-session}optional></></>"
        "<{urn:xmpp:stream-limits:0}limits><{urn:xmpp:stream-limits:0}max-bytes>T[262144]</>"
        "<{urn:xmpp:stream-limits:0}idle-seconds>T[840]</></>"
        "<{urn:xmpp:sm:3}sm></>"
        "</>");
  CHECK(parse_ok(w) == f);
  CHECK(parse_ok(w, ns::server) == f);
}

TEST_CASE("write_features -> parse_features round trip, XEP-0478 limits included") {
  std::vector<features> cases(9);
  cases[1].starttls = true;
  cases[2].mechanisms = names({"EXTERNAL"});
  cases[3].limits = stream_limits{};
  cases[4].limits = stream_limits{18446744073709551615ull, std::nullopt};
  cases[5].limits = stream_limits{std::nullopt, 4294967295u};
  cases[6].limits = stream_limits{0u, 0u};
  cases[6].bind = true;
  cases[7].session = true;
  cases[7].other.push_back({"urn:a", "a", "<a xmlns='urn:a'>x</a>"});
  cases[7].other.push_back({"urn:b", "b", "<b xmlns='urn:b'/>"});
  cases[8].other.push_back({"urn:a", "a", "<a xmlns='urn:a'/>"});
  for (std::size_t i = 0; i < cases.size(); ++i) {
    CAPTURE(i);
    const std::string w = write_features(cases[i]);
    CAPTURE(w);
    CHECK(expat_parse_ok(w));
    CHECK(parse_ok(w) == cases[i]);
  }
  CHECK(write_features(cases[0]) == "<stream:features/>");
  CHECK(write_features(cases[3]) == "<stream:features><limits xmlns='urn:xmpp:stream-limits:0'/></stream:features>");
  CHECK(write_features(cases[8]) == "<stream:features><a xmlns='urn:a'/></stream:features>");
}

TEST_CASE("write_features writes names as given, only with their feature, and nothing partial") {
  features f;
  f.starttls_required = true;  // without starttls: nothing to attach <required/> to
  f.session_optional = true;   // likewise
  CHECK(write_features(f) == "<stream:features/>");
  // A name that is not a SASL name is written escaped; the strict reader refuses it.
  f.mechanisms = names({"A<B&C"});
  const std::string w = write_features(f);
  CHECK(w == "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>A&lt;B&amp;C</mechanism>"
             "</mechanisms></stream:features>");
  CHECK(expat_canonical(w) ==
        "<{http://etherx.jabber.org/streams}features><{urn:ietf:params:xml:ns:xmpp-sasl}mechanisms>"
        "<{urn:ietf:params:xml:ns:xmpp-sasl}mechanism>T[A<B&C]</></></>");
  CHECK(refused(w).condition == stream_condition::bad_format);
  // A name XML cannot carry: no output at all.
  f.mechanisms = names({"PLAIN", "\xff"});
  CHECK(write_features(f).empty());
  f.mechanisms = names({"\x01"});
  CHECK(write_features(f).empty());
}
