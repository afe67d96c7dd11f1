#include <xmppcore/stanza/rules.hpp>

#include <doctest/doctest.h>

#include "support.hpp"

#include <optional>

using namespace xmppcore;
using namespace xmppcore::stanza;
using stanza_test::parse_doc;

namespace {
constexpr const char* err = "<error type='cancel'><bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>";
}

// Table typed from draft §9.2.3 rules 1-7 and §9.3.1 (not derived from the checker).
TEST_CASE("IQ rules, draft §9.2.3, table-driven") {
  struct row {
    std::string xml;
    std::optional<rule> broken;  // nullopt: valid
  };
  const std::string q = "<query xmlns='jabber:iq:roster'/>";
  const std::string v = "<vCard xmlns='vcard-temp'/>";
  const row rows[] = {
      // rule 1: id required
      {"<iq type='get'>" + q + "</iq>", rule::iq_id_missing},
      {"<iq type='result'/>", rule::iq_id_missing},
      {"<iq type='error'>" + std::string(err) + "</iq>", rule::iq_id_missing},
      // rule 2: type required, one of four
      {"<iq id='1'>" + q + "</iq>", rule::iq_type_missing},
      {"<iq id='1' type='query'>" + q + "</iq>", rule::iq_type_unknown},
      {"<iq id='1' type='Get'>" + q + "</iq>", rule::iq_type_unknown},
      {"<iq id='1' type=''>" + q + "</iq>", rule::iq_type_unknown},
      // rule 5: get/set exactly one child element
      {"<iq id='1' type='get'>" + q + "</iq>", std::nullopt},
      {"<iq id='1' type='set'>" + q + "</iq>", std::nullopt},
      {"<iq id='1' type='get'/>", rule::iq_request_child_count},
      {"<iq id='1' type='set'>just text</iq>", rule::iq_request_child_count},
      {"<iq id='1' type='get'>" + q + v + "</iq>", rule::iq_request_child_count},
      {"<iq id='1' type='set'>" + q + q + "</iq>", rule::iq_request_child_count},
      {"<iq id='1' type='get'> " + q + " \n</iq>", std::nullopt},  // text does not count
      // §9.3.1: an <error/> only with type='error' (here as the single child of a get)
      {"<iq id='1' type='get'>" + std::string(err) + "</iq>", rule::error_child_not_allowed},
      // rule 6: result has zero or one child
      {"<iq id='1' type='result'/>", std::nullopt},
      {"<iq id='1' type='result'>" + q + "</iq>", std::nullopt},
      {"<iq id='1' type='result'>" + q + v + "</iq>", rule::iq_result_child_count},
      {"<iq id='1' type='result'>" + std::string(err) + "</iq>", rule::error_child_not_allowed},
      // rule 7: error has an <error/> child, and SHOULD echo the request
      {"<iq id='1' type='error'>" + std::string(err) + "</iq>", std::nullopt},
      {"<iq id='1' type='error'>" + q + std::string(err) + "</iq>", std::nullopt},
      {"<iq id='1' type='error'>" + q + "</iq>", rule::error_child_missing},
      {"<iq id='1' type='error'/>", rule::error_child_missing},
      {"<iq id='1' type='error'><error xmlns='urn:other' type='cancel'/></iq>", rule::error_child_missing},
      {"<iq id='1' type='error'>" + std::string(err) + err + "</iq>", rule::error_child_repeated},
      // the id may be any string (§9.1.3), even empty: only presence is required
      {"<iq id='' type='get'>" + q + "</iq>", std::nullopt},
  };
  for (const auto& r : rows) {
    CAPTURE(r.xml);
    auto d = parse_doc(r.xml);
    auto s = stanza_view::from(d.root());
    REQUIRE(s);
    auto c = check(*s);
    if (!r.broken) {
      CHECK(c.has_value());
      if (!c) CAPTURE(to_string(c.error()));
    } else {
      REQUIRE_FALSE(c.has_value());
      CHECK(c.error() == *r.broken);
    }
  }
}

TEST_CASE("error placement, draft §9.3.1, for message and presence") {
  struct row {
    std::string xml;
    std::optional<rule> broken;
  };
  const row rows[] = {
      {"<message><body>hi</body></message>", std::nullopt},
      {"<message type='chat'/>", std::nullopt},
      {"<message>" + std::string(err) + "</message>", rule::error_child_not_allowed},
      {"<message type='chat'>" + std::string(err) + "</message>", rule::error_child_not_allowed},
      {"<message type='error'>" + std::string(err) + "</message>", std::nullopt},
      {"<message type='error'><body>x</body></message>", rule::error_child_missing},
      {"<presence type='error'/>", rule::error_child_missing},
      {"<presence type='error'>" + std::string(err) + "</presence>", std::nullopt},
      {"<presence>" + std::string(err) + "</presence>", rule::error_child_not_allowed},
      {"<presence type='unavailable'/>", std::nullopt},
      // message and presence have no child-count rules in the core (§9.2.1, §9.2.2)
      {"<message><a xmlns='a'/><b xmlns='b'/><c xmlns='c'/></message>", std::nullopt},
  };
  for (const auto& r : rows) {
    CAPTURE(r.xml);
    auto d = parse_doc(r.xml);
    auto s = stanza_view::from(d.root());
    REQUIRE(s);
    auto c = check(*s);
    if (!r.broken) {
      CHECK(c.has_value());
    } else {
      REQUIRE_FALSE(c.has_value());
      CHECK(c.error() == *r.broken);
    }
  }
}

TEST_CASE("rule names, sections and the condition to answer with") {
  CHECK(to_string(rule::iq_id_missing) == "iq-id-missing");
  CHECK(to_string(rule::error_child_not_allowed) == "error-child-not-allowed");
  CHECK(section(rule::iq_request_child_count) == "9.2.3");
  CHECK(section(rule::error_child_missing) == "9.3.1");
  // draft §9.3.3 bad-request: "e.g., an IQ stanza that includes an unrecognized value of the 'type'"
  CHECK(condition_for(rule::iq_type_unknown) == stanza_condition::bad_request);
}
