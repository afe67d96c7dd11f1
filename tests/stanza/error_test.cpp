#include <xmppcore/stanza/error.hpp>

#include <doctest/doctest.h>

#include "support.hpp"

#include <set>
#include <string>

using namespace xmppcore;
using namespace xmppcore::stanza;
using stanza_test::view;
using stanza_test::parse_doc;

// Typed from the text of draft §9.3.3 ("the associated error type SHOULD be ..."), one line per
// bullet, as wire strings, so that neither side comes from the code under test.
TEST_CASE("the 22 conditions and their default types, draft §9.3.3") {
  struct row {
    const char* condition;
    const char* type;
  };
  const row table[] = {
      {"bad-request", "modify"},
      {"conflict", "cancel"},
      {"feature-not-implemented", "cancel"},
      {"forbidden", "auth"},
      {"gone", "modify"},
      {"internal-server-error", "wait"},
      {"item-not-found", "cancel"},
      {"jid-malformed", "modify"},
      {"not-acceptable", "modify"},
      {"not-allowed", "cancel"},
      {"not-authorized", "auth"},
      {"payment-required", "auth"},
      {"recipient-unavailable", "wait"},
      {"redirect", "modify"},
      {"registration-required", "auth"},
      {"remote-server-not-found", "cancel"},
      {"remote-server-timeout", "wait"},
      {"resource-constraint", "wait"},
      {"service-unavailable", "cancel"},
      {"subscription-required", "auth"},
      {"undefined-condition", nullptr},  // "any error type may be associated"
      {"unexpected-request", "wait"},
  };
  std::set<std::string> seen;
  for (const auto& r : table) {
    CAPTURE(r.condition);
    auto c = stanza_condition_from_string(r.condition);
    REQUIRE(c);
    CHECK(to_string(*c) == r.condition);
    seen.insert(r.condition);
    if (r.type) CHECK(to_string(default_type(*c)) == r.type);
    CHECK(stanza_error::of(*c).effective_type() == default_type(*c));
  }
  CHECK(seen.size() == 22);
  for (std::size_t i = 0; i < 22; ++i) CHECK(seen.count(std::string(to_string(static_cast<stanza_condition>(i)))) == 1);
  // The five types of draft §9.3.2.
  for (const char* t : {"cancel", "continue", "modify", "auth", "wait"}) {
    CAPTURE(t);
    auto ty = stanza_error_type_from_string(t);
    REQUIRE(ty);
    CHECK(to_string(*ty) == t);
  }
  CHECK_FALSE(stanza_error_type_from_string("Cancel"));
  CHECK_FALSE(stanza_condition_from_string("policy-violation"));  // RFC 6120 only, not in the draft
}

// XEP-0086 §2 table (condition -> code), typed from the XEP.
TEST_CASE("legacy codes, XEP-0086") {
  struct row {
    const char* condition;
    int code;
  };
  const row to_code[] = {
      {"bad-request", 400},           {"conflict", 409},           {"feature-not-implemented", 501},
      {"forbidden", 403},             {"gone", 302},               {"internal-server-error", 500},
      {"item-not-found", 404},        {"jid-malformed", 400},      {"not-acceptable", 406},
      {"not-allowed", 405},           {"not-authorized", 401},     {"payment-required", 402},
      {"recipient-unavailable", 404}, {"redirect", 302},           {"registration-required", 407},
      {"remote-server-not-found", 404}, {"remote-server-timeout", 504}, {"resource-constraint", 500},
      {"service-unavailable", 503},   {"subscription-required", 407}, {"undefined-condition", 500},
      {"unexpected-request", 400},
  };
  for (const auto& r : to_code) {
    CAPTURE(r.condition);
    CHECK(legacy_code(*stanza_condition_from_string(r.condition)) == r.code);
  }
  // XEP-0086 §3 table (code -> condition, type).
  struct back {
    int code;
    const char* condition;
    const char* type;
  };
  const back from_code[] = {
      {302, "redirect", "modify"},          {400, "bad-request", "modify"},
      {401, "not-authorized", "auth"},      {402, "payment-required", "auth"},
      {403, "forbidden", "auth"},           {404, "item-not-found", "cancel"},
      {405, "not-allowed", "cancel"},       {406, "not-acceptable", "modify"},
      {407, "registration-required", "auth"}, {408, "remote-server-timeout", "wait"},
      {409, "conflict", "cancel"},          {500, "internal-server-error", "wait"},
      {501, "feature-not-implemented", "cancel"}, {502, "service-unavailable", "wait"},
      {503, "service-unavailable", "cancel"}, {504, "remote-server-timeout", "wait"},
      {510, "service-unavailable", "cancel"},
  };
  for (const auto& r : from_code) {
    CAPTURE(r.code);
    auto m = from_legacy_code(static_cast<std::uint16_t>(r.code));
    REQUIRE(m);
    CHECK(to_string(m->condition) == r.condition);
    CHECK(to_string(m->type) == r.type);
  }
  for (int c : {0, 200, 301, 410, 418, 505, 999}) CHECK_FALSE(from_legacy_code(static_cast<std::uint16_t>(c)));
}

TEST_CASE("parse_error: draft §9.3.4 first example (condition + application element)") {
  auto d = parse_doc(R"(<iq type='error' id='some-id'>
  <error type='modify'>
    <bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas' />
    <too-many-parameters xmlns='application-ns' />
  </error>
</iq>)");
  auto e = parse_error(view(d));
  REQUIRE(e);
  CHECK(e->condition == stanza_condition::bad_request);
  CHECK(e->type == stanza_error_type::modify);
  CHECK(e->type_valid);
  CHECK(e->texts.empty());
  CHECK_FALSE(e->text());
  REQUIRE(e->app);
  CHECK(e->app->is("application-ns", "too-many-parameters"));
  CHECK_FALSE(e->code);
  CHECK_FALSE(e->condition_from_legacy_code);
  CHECK(e->payload_count == 0);
  CHECK(e->legacy_text.empty());  // white space only
}

TEST_CASE("parse_error: draft §9.3.4 second example (condition, text with xml:lang, application)") {
  auto d = parse_doc(R"(<message type='error' id='another-id'>
  <error type='modify'>
    <undefined-condition
      xmlns='urn:ietf:params:xml:ns:xmpp-stanzas' />
    <text xml:lang='en'
      xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>
      Some special application diagnostic information...
    </text>
    <special-application-condition xmlns='application-ns' />
  </error>
</message>)");
  auto e = parse_error(view(d));
  REQUIRE(e);
  CHECK(e->condition == stanza_condition::undefined_condition);
  CHECK(e->type == stanza_error_type::modify);
  REQUIRE(e->texts.size() == 1);
  CHECK(e->texts[0].lang == "en");
  CHECK(stanza_test::trim(e->texts[0].text) == "Some special application diagnostic information...");
  CHECK(e->text("EN").has_value());
  REQUIRE(e->app);
  CHECK(e->app->name() == "special-application-condition");
}

TEST_CASE("parse_error: draft §7 binding errors") {
  struct row {
    const char* xml;
    stanza_condition c;
    stanza_error_type t;
  };
  const row rows[] = {
      {R"(<iq type='error' id='bind_2'>
  <bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>
    <resource>someresource</resource>
  </bind>
  <error type='modify'>
    <bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas' />
  </error>
</iq>)",
       stanza_condition::bad_request, stanza_error_type::modify},
      {R"(<iq type='error' id='bind_2'>
  <bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>
    <resource>someresource</resource>
  </bind>
  <error type='cancel'>
    <not-allowed xmlns='urn:ietf:params:xml:ns:xmpp-stanzas' />
  </error>
</iq>)",
       stanza_condition::not_allowed, stanza_error_type::cancel},
      {R"(<iq type='error' id='bind_2'>
  <bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>
    <resource>someresource</resource>
  </bind>
  <error type='cancel'>
    <conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas' />
  </error>
</iq>)",
       stanza_condition::conflict, stanza_error_type::cancel},
  };
  for (const auto& r : rows) {
    CAPTURE(r.xml);
    auto d = parse_doc(r.xml);
    auto e = parse_error(view(d));
    REQUIRE(e);
    CHECK(e->condition == r.c);
    CHECK(e->type == r.t);
    CHECK(e->payload_count == 1);
    CHECK_FALSE(e->app);
  }
}

TEST_CASE("parse_error: texts by language, resolved against stanza and stream (§9.1.5)") {
  auto d = parse_doc(
      "<presence type='error' xml:lang='de'><error type='wait'>"
      "<resource-constraint xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
      "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas' xml:lang='en'>busy</text>"
      "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>beschäftigt</text>"
      "</error></presence>");
  auto e = parse_error(view(d), "fr");
  REQUIRE(e);
  REQUIRE(e->texts.size() == 2);
  CHECK(e->texts[0].lang == "en");
  CHECK(e->texts[1].lang == "de");  // inherits the stanza's xml:lang
  CHECK(e->text("de") == std::optional<std::string_view>("beschäftigt"));
  CHECK(e->text("en") == std::optional<std::string_view>("busy"));
  CHECK(e->text("ja") == std::optional<std::string_view>("busy"));  // none matches: the first

  auto d2 = parse_doc(
      "<message type='error'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
      "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>gone fishing</text></error></message>");
  auto e2 = parse_error(view(d2), "fr");
  REQUIRE(e2);
  CHECK(e2->texts[0].lang == "fr");  // the stream default
}

TEST_CASE("parse_error: legacy code (XEP-0086) with and without a defined condition") {
  {  // both: the defined condition wins, the code is reported
    auto d = parse_doc(
        "<message type='error'><error code='404' type='cancel'>"
        "<item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>");
    auto e = parse_error(view(d));
    REQUIRE(e);
    CHECK(e->condition == stanza_condition::item_not_found);
    CHECK(e->code == std::optional<std::uint16_t>(404));
    CHECK_FALSE(e->condition_from_legacy_code);
  }
  {  // pre-XMPP error: code and text only
    auto d = parse_doc("<iq type='error' id='x'><error code='503'>Service Unavailable</error></iq>");
    auto e = parse_error(view(d));
    REQUIRE(e);
    CHECK(e->condition == stanza_condition::service_unavailable);
    CHECK(e->type == stanza_error_type::cancel);
    CHECK_FALSE(e->type_valid);
    CHECK(e->condition_from_legacy_code);
    CHECK(e->legacy_text == "Service Unavailable");
  }
  {  // 502 maps to service-unavailable with type wait (XEP-0086 §3)
    auto d = parse_doc("<iq type='error' id='x'><error code='502'/></iq>");
    auto e = parse_error(view(d));
    REQUIRE(e);
    CHECK(e->condition == stanza_condition::service_unavailable);
    CHECK(e->type == stanza_error_type::wait);
  }
  {  // unusable codes
    for (const char* code : {"4040", "40", "abc", "", "099", " 404", "418"}) {
      CAPTURE(code);
      auto d = parse_doc(std::string("<iq type='error' id='x'><error code='") + code + "'/></iq>");
      auto e = parse_error(view(d));
      REQUIRE_FALSE(e);
      CHECK(e.error() == error_parse_failure::no_condition);
    }
  }
}

TEST_CASE("parse_error: type attribute missing or unknown falls back to the default") {
  auto d = parse_doc(
      "<iq type='error' id='1'><error><forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
  auto e = parse_error(view(d));
  REQUIRE(e);
  CHECK(e->type == stanza_error_type::auth);
  CHECK_FALSE(e->type_valid);
  CHECK_FALSE(e->type_attr);
  auto d2 = parse_doc(
      "<iq type='error' id='1'><error type='retry'><forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
  auto e2 = parse_error(view(d2));
  REQUIRE(e2);
  CHECK(e2->type == stanza_error_type::auth);
  CHECK(e2->type_attr == std::optional<std::string_view>("retry"));
  CHECK_FALSE(e2->type_valid);
  auto d3 = parse_doc(
      "<iq type='error' id='1'><error type='continue'><forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
  CHECK(parse_error(view(d3))->type == stanza_error_type::continue_);
}

TEST_CASE("parse_error: gone/redirect carry the new address (draft §9.3.3)") {
  auto d = parse_doc(
      "<message type='error'><error type='modify'><redirect xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>"
      " chat@conference.example.com </redirect></error></message>");
  auto e = parse_error(view(d));
  REQUIRE(e);
  CHECK(e->condition == stanza_condition::redirect);
  CHECK(e->alternate_address == "chat@conference.example.com");
  auto d2 = parse_doc(
      "<message type='error'><error type='modify'><gone xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>"
      "juliet@capulet.example</gone></error></message>");
  CHECK(parse_error(view(d2))->alternate_address == "juliet@capulet.example");
  auto d3 = parse_doc(
      "<message type='error'><error type='modify'><bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>"
      "x</bad-request></error></message>");
  CHECK(parse_error(view(d3))->alternate_address.empty());
}

TEST_CASE("parse_error: failures and unknown conditions") {
  auto a = parse_doc("<message type='chat'><body>x</body></message>");
  REQUIRE_FALSE(parse_error(view(a)));
  CHECK(parse_error(view(a)).error() == error_parse_failure::not_error_type);
  auto b = parse_doc("<message type='error'><body>x</body></message>");
  CHECK(parse_error(view(b)).error() == error_parse_failure::no_error_child);
  auto c = parse_doc("<message type='error'><error type='cancel'/></message>");
  CHECK(parse_error(view(c)).error() == error_parse_failure::no_condition);
  auto f = parse_doc(
      "<message type='error'><error type='cancel'><policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
      "</error></message>");
  auto e = parse_error(view(f));
  REQUIRE(e);  // a condition this draft does not define (RFC 6120 added it): undefined to us
  CHECK(e->condition == stanza_condition::undefined_condition);
  CHECK(e->unknown_condition == std::optional<std::string_view>("policy-violation"));
  CHECK(e->type == stanza_error_type::cancel);
  // The first defined condition counts; the condition may come after <text/>.
  auto g = parse_doc(
      "<message type='error'><error type='cancel'><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>t</text>"
      "<conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><gone xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
      "</error></message>");
  CHECK(parse_error(view(g))->condition == stanza_condition::conflict);
}

TEST_CASE("parse_error: text by language (case-insensitive), fallback, and xml:lang inherited from <error/>") {
  auto d = parse_doc(
      "<message type='error' xml:lang='de'><error type='cancel' xml:lang='fr'>"
      "<item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
      "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>introuvable</text>"
      "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas' xml:lang='en-GB'>not found</text>"
      "</error></message>");
  auto e = parse_error(view(d), "it");
  REQUIRE(e);
  REQUIRE(e->texts.size() == 2);
  CHECK(e->texts[0].lang == "fr");  // from <error xml:lang='fr'>, not the stanza's 'de'
  CHECK(e->texts[1].lang == "en-GB");
  CHECK(e->text("EN-gb") == std::optional<std::string_view>("not found"));  // RFC 3066 §2.1: case-insensitive
  CHECK(e->text("FR") == std::optional<std::string_view>("introuvable"));
  CHECK(e->text("es") == std::optional<std::string_view>("introuvable"));  // no match: the first text
}
