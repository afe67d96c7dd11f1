#include <xmppcore/stream/error.hpp>

#include <doctest/doctest.h>

#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <xmppcore/xml/document.hpp>

using namespace xmppcore;
using namespace xmppcore::stream;

// Defined in header_test.cpp.
namespace stream_test {
xml::document parse_doc(std::string_view bytes, std::string_view content_ns);
std::string expat_reading(std::string_view element, std::string_view content_ns, bool drop_space);
}  // namespace stream_test

namespace {

constexpr std::string_view errors_ns = "urn:ietf:params:xml:ns:xmpp-streams";

result<stream_error, violation> parse(std::string_view bytes, std::string_view content_ns = ns::client) {
  return parse_error(stream_test::parse_doc(bytes, content_ns).root());
}

stream_error parse_ok(std::string_view bytes, std::string_view content_ns = ns::client) {
  auto e = parse(bytes, content_ns);
  if (!e) FAIL("refused: " << bytes << " (" << e.error().reason << ")");
  return std::move(*e);
}

// expat's reading of one element written for a jabber:client stream (checked
// against our parser's reading).
std::string expat_reading(std::string_view element) { return stream_test::expat_reading(element, ns::client, false); }

}  // namespace

// ------------------------------------------------------ the draft's examples --

TEST_CASE("parse_error: the draft §4.7.4 example (condition, text with xml:lang, application element)") {
  const stream_error e = parse_ok(
      "<stream:error>\n"
      "  <xml-not-well-formed\n"
      "    xmlns='urn:ietf:params:xml:ns:xmpp-streams' />\n"
      "  <text xml:lang='en' xmlns='urn:ietf:params:xml:ns:xmpp-streams'>\n"
      "    Some special application diagnostic information!\n"
      "  </text>\n"
      "  <escape-your-data xmlns='application-ns' />\n"
      "</stream:error>");
  CHECK(e.condition == stream_condition::xml_not_well_formed);
  CHECK(e.text == "\n    Some special application diagnostic information!\n  ");
  CHECK(e.text_lang == "en");
  CHECK(e.see_other_host == "");
  CHECK(e.app_ns == "application-ns");
  CHECK(e.app_name == "escape-your-data");
  CHECK(e.app_xml == "<escape-your-data xmlns='application-ns'/>");
  const std::string w = write_error(e);
  CHECK(w ==
        "<stream:error><xml-not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
        "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams' xml:lang='en'>\n    Some special application diagnostic "
        "information!\n  </text><escape-your-data xmlns='application-ns'/></stream:error>");
  CHECK(expat_reading(w) ==
        "<{http://etherx.jabber.org/streams}error>"
        "<{urn:ietf:params:xml:ns:xmpp-streams}xml-not-well-formed></>"
        "<{urn:ietf:params:xml:ns:xmpp-streams}text {http://www.w3.org/XML/1998/namespace}lang=[en]>"
        "T[\n    Some special application diagnostic information!\n  ]</>"
        "<{application-ns}escape-your-data></></>");
  CHECK(parse_ok(w) == e);
}

TEST_CASE("parse_error: the draft §4.8 'session gone bad' and the §4.7.2 syntax template") {
  const stream_error bad = parse_ok(
      "<stream:error>\n  <xml-not-well-formed\n    xmlns='urn:ietf:params:xml:ns:xmpp-streams' />\n</stream:error>");
  CHECK(bad == stream_error{stream_condition::xml_not_well_formed, "", "", "", "", "", ""});
  CHECK(write_error(bad) == "<stream:error><xml-not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>");
  // The template names no real condition: <defined-condition/> is unknown, hence undefined.
  const stream_error tmpl = parse_ok(
      "<stream:error>\n  <defined-condition xmlns='urn:ietf:params:xml:ns:xmpp-streams' />\n"
      "  <text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>\n    OPTIONAL descriptive text\n  </text>\n"
      "</stream:error>");
  CHECK(tmpl.condition == stream_condition::undefined_condition);
  CHECK(tmpl.text == "\n    OPTIONAL descriptive text\n  ");
  CHECK(tmpl.text_lang == "");
  CHECK(tmpl.app_name == "");
}

// ------------------------------------------------------ the 24 conditions --

TEST_CASE("all 24 conditions of draft §4.7.3 round-trip through write_error and parse_error") {
  // Typed from the draft's list, in its order: the wire names are not taken from the code.
  const char* names[] = {"bad-format", "bad-namespace-prefix", "conflict", "connection-timeout", "host-gone",
                         "host-unknown", "improper-addressing", "internal-server-error", "invalid-from", "invalid-id",
                         "invalid-namespace", "invalid-xml", "not-authorized", "policy-violation",
                         "remote-connection-failed", "resource-constraint", "restricted-xml", "see-other-host",
                         "system-shutdown", "undefined-condition", "unsupported-encoding", "unsupported-stanza-type",
                         "unsupported-version", "xml-not-well-formed"};
  static_assert(std::size(names) == 24);
  std::set<stream_condition> seen;
  for (const char* name : names) {
    CAPTURE(name);
    // The condition as a peer would send it: parsed from hand-typed bytes.
    const std::string sent = std::string("<stream:error><") + name + " xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>";
    const stream_error e = parse_ok(sent);
    CHECK(to_string(e.condition) == name);
    seen.insert(e.condition);
    // Written back: the same bytes, which expat reads as that expanded name.
    const std::string w = write_error(e);
    CHECK(w == sent);
    CHECK(expat_reading(w) == std::string("<{http://etherx.jabber.org/streams}error><{urn:ietf:params:xml:ns:xmpp-streams}") +
                                  name + "></></>");
    CHECK(parse_ok(w) == e);
    // And with a text and an application element.
    stream_error full = e;
    full.text = "why";
    full.text_lang = "en";
    full.app_ns = "urn:example:app";
    full.app_name = "detail";
    const stream_error back = parse_ok(write_error(full));
    CHECK(back.condition == e.condition);
    CHECK(back.text == "why");
    CHECK(back.text_lang == "en");
    CHECK(back.app_ns == "urn:example:app");
    CHECK(back.app_name == "detail");
    CHECK(back.app_xml == "<detail xmlns='urn:example:app'/>");
  }
  CHECK(seen.size() == 24);
}

TEST_CASE("parse_error: RFC 6120's <not-well-formed/> and unknown conditions (RFC 6120 §4.9.3.21)") {
  const stream_error nwf = parse_ok("<stream:error><not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>");
  CHECK(nwf.condition == stream_condition::xml_not_well_formed);
  CHECK(write_error(nwf) == "<stream:error><xml-not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>");
  // <reset/> is RFC 6120's (§4.9.3.17), not the draft's; case matters in XML names.
  for (const char* name : {"reset", "Conflict", "bad_format", "x"}) {
    CAPTURE(name);
    const stream_error e = parse_ok(std::string("<stream:error><") + name +
                                    " xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>t</text></stream:error>");
    CHECK(e.condition == stream_condition::undefined_condition);
    CHECK(e.text == "t");
  }
}

// --------------------------------------------------------- text, host, app --

TEST_CASE("write_error: text with xml:lang, escaped; expat reads what we meant") {
  stream_error e;
  e.condition = stream_condition::policy_violation;
  e.text = "Too many <stanzas> & 'quotes' \"here\"\r\n\xc3\xa9";
  e.text_lang = "fr-CA";
  const std::string w = write_error(e);
  CHECK(w ==
        "<stream:error><policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
        "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams' xml:lang='fr-CA'>Too many &lt;stanzas&gt; &amp; 'quotes' "
        "\"here\"&#13;\n\xc3\xa9</text></stream:error>");
  CHECK(expat_reading(w) ==
        "<{http://etherx.jabber.org/streams}error><{urn:ietf:params:xml:ns:xmpp-streams}policy-violation></>"
        "<{urn:ietf:params:xml:ns:xmpp-streams}text {http://www.w3.org/XML/1998/namespace}lang=[fr-CA]>"
        "T[Too many <stanzas> & 'quotes' \"here\"\r\n\xc3\xa9]</></>");
  CHECK(parse_ok(w) == e);
  // A language without text, and text without a language.
  stream_error lang_only;
  lang_only.condition = stream_condition::conflict;
  lang_only.text_lang = "en";
  CHECK(write_error(lang_only) ==
        "<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
        "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams' xml:lang='en'/></stream:error>");
  CHECK(parse_ok(write_error(lang_only)) == lang_only);
  stream_error text_only;
  text_only.condition = stream_condition::conflict;
  text_only.text = "Replaced by new connection";
  CHECK(write_error(text_only) ==
        "<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
        "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>Replaced by new connection</text></stream:error>");
  CHECK(parse_ok(write_error(text_only)) == text_only);
}

TEST_CASE("see-other-host carries the host as character data (draft §4.7.3)") {
  stream_error e;
  e.condition = stream_condition::see_other_host;
  e.see_other_host = "[2001:db8::1]:9222";
  const std::string w = write_error(e);
  CHECK(w == "<stream:error><see-other-host xmlns='urn:ietf:params:xml:ns:xmpp-streams'>[2001:db8::1]:9222"
             "</see-other-host></stream:error>");
  CHECK(expat_reading(w) ==
        "<{http://etherx.jabber.org/streams}error>"
        "<{urn:ietf:params:xml:ns:xmpp-streams}see-other-host>T[[2001:db8::1]:9222]</></>");
  CHECK(parse_ok(w) == e);
  // Surrounding white space is not part of the host.
  const stream_error spaced = parse_ok(
      "<stream:error>\n  <see-other-host xmlns='urn:ietf:params:xml:ns:xmpp-streams'>\n    im.example.com\n  "
      "</see-other-host>\n</stream:error>");
  CHECK(spaced.condition == stream_condition::see_other_host);
  CHECK(spaced.see_other_host == "im.example.com");
  // Without a host: an empty element.
  stream_error none;
  none.condition = stream_condition::see_other_host;
  CHECK(write_error(none) == "<stream:error><see-other-host xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>");
  // Only with that condition: ignored on other conditions, both ways.
  stream_error other;
  other.condition = stream_condition::host_gone;
  other.see_other_host = "elsewhere.example";
  CHECK(write_error(other) == "<stream:error><host-gone xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>");
  CHECK(parse_ok("<stream:error><host-gone xmlns='urn:ietf:params:xml:ns:xmpp-streams'>x</host-gone></stream:error>")
            .see_other_host == "");
  // A host the writer cannot carry leaves an empty <see-other-host/>, never a broken error.
  e.see_other_host = "bad\xc0\xaf";
  CHECK(write_error(e) == "<stream:error><see-other-host xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>");
}

TEST_CASE("application-specific condition (draft §4.7.2, §4.7.4)") {
  stream_error e;
  e.condition = stream_condition::undefined_condition;  // "SHOULD be used only in conjunction with" one
  e.app_ns = "urn:example:app";
  e.app_name = "too-many-connections";
  CHECK(write_error(e) ==
        "<stream:error><undefined-condition xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
        "<too-many-connections xmlns='urn:example:app'/></stream:error>");
  // A parsed application element keeps its content, attributes and namespaces.
  const std::string sent =
      "<stream:error><policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
      "<limit xmlns='urn:example:app' xmlns:q='urn:q' q:max='10' kind='a&amp;b'><per>minute</per></limit>"
      "</stream:error>";
  const stream_error p = parse_ok(sent);
  CHECK(p.app_ns == "urn:example:app");
  CHECK(p.app_name == "limit");
  CHECK(p.app_xml == "<limit xmlns='urn:example:app' xmlns:q='urn:q' q:max='10' kind='a&amp;b'><per>minute</per></limit>");
  const std::string w = write_error(p);
  CHECK(w == sent);
  CHECK(expat_reading(w) ==
        "<{http://etherx.jabber.org/streams}error><{urn:ietf:params:xml:ns:xmpp-streams}policy-violation></>"
        "<{urn:example:app}limit {urn:q}max=[10] {}kind=[a&b]><{urn:example:app}per>T[minute]</></></>");
  CHECK(parse_ok(w) == p);
  // app_xml wins over app_ns/app_name when both are set.
  stream_error both = e;
  both.app_xml = "<x xmlns='urn:x'/>";
  CHECK(write_error(both) ==
        "<stream:error><undefined-condition xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><x xmlns='urn:x'/></stream:error>");
  // An element in the content namespace or in none is an application element too,
  // and keeps that namespace when copied.
  const stream_error in_content = parse_ok(
      "<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><x/><y xmlns=''/></stream:error>");
  CHECK(in_content.app_ns == "jabber:client");
  CHECK(in_content.app_xml == "<x xmlns='jabber:client'/>");
  const stream_error in_none = parse_ok(
      "<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><y xmlns=''/></stream:error>");
  CHECK(in_none.app_ns == "");
  CHECK(in_none.app_xml == "<y xmlns=''/>");
  CHECK(parse_ok(write_error(in_none), ns::server) == in_none);
  // Not written: an application element in the streams-errors namespace (it would
  // read as a second condition), or a name XML cannot carry.
  stream_error wrong = e;
  wrong.app_ns = errors_ns;
  CHECK(write_error(wrong) == "<stream:error><undefined-condition xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>");
  wrong.app_ns = "urn:x";
  for (const char* bad_name : {"1abc", "a b", "a:b", "a\xff", "<x>"}) {
    CAPTURE(bad_name);
    wrong.app_name = bad_name;
    CHECK(write_error(wrong) == "<stream:error><undefined-condition xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>");
  }
}

// ----------------------------------------------------------- leniency, refusals --

TEST_CASE("parse_error keeps the first condition, text and application element") {
  const stream_error e = parse_ok(
      "<stream:error>"
      "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams' xml:lang='en'>first</text>"
      "<app1 xmlns='urn:a'/>"
      "<conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
      "<system-shutdown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
      "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams' xml:lang='de'>zweite</text>"
      "<app2 xmlns='urn:b'/>"
      "legacy words"
      "</stream:error>");
  CHECK(e.condition == stream_condition::conflict);
  CHECK(e.text == "first");
  CHECK(e.text_lang == "en");
  CHECK(e.app_name == "app1");
  CHECK(e.app_ns == "urn:a");
}

TEST_CASE("parse_error refuses an error without a condition (<bad-format/>) and other elements") {
  for (const char* bytes : {
           "<stream:error/>",
           "<stream:error></stream:error>",
           "<stream:error>Disconnected</stream:error>",  // pre-XMPP servers
           "<stream:error><text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>why</text></stream:error>",
           "<stream:error><escape-your-data xmlns='application-ns'/></stream:error>",
           // A stanza error condition is not a stream error condition: an application element here.
           "<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></stream:error>",
           "<stream:error><conflict/></stream:error>",  // in jabber:client
       }) {
    CAPTURE(bytes);
    const auto r = parse(bytes);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().condition == stream_condition::bad_format);
    CHECK(r.error().reason.find("without a condition") != std::string_view::npos);
  }
  for (const char* bytes : {"<error/>", "<error xmlns='urn:ietf:params:xml:ns:xmpp-streams'><conflict/></error>",
                            "<stream:features/>"}) {
    CAPTURE(bytes);
    const auto r = parse(bytes);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().condition == stream_condition::unsupported_stanza_type);
  }
}

TEST_CASE("write_error always writes a well-formed error, leaving out what XML cannot carry") {
  stream_error e;
  e.condition = stream_condition::bad_format;
  e.text = "bad \xff byte";
  e.text_lang = "en";
  e.app_ns = "urn:x";
  e.app_name = "ok";
  const std::string w = write_error(e);
  CHECK(w == "<stream:error><bad-format xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><ok xmlns='urn:x'/></stream:error>");
  expat_reading(w);
  e.text = "fine";
  e.text_lang = "e\x01n";
  CHECK(write_error(e) == "<stream:error><bad-format xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><ok xmlns='urn:x'/></stream:error>");
  // Default-constructed: <undefined-condition/>.
  CHECK(write_error(stream_error{}) ==
        "<stream:error><undefined-condition xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>");
}
