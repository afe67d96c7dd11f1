#include <xmppcore/xml/document.hpp>

#include <doctest/doctest.h>

using namespace xmppcore;
using namespace xmppcore::xml;

TEST_CASE("document: exactly one element, same rules as a stream") {
  auto ok = document::parse("  <presence type='unavailable'/>\n");
  REQUIRE(ok.has_value());
  CHECK(ok->root().name() == "presence");
  CHECK(ok->root().ns() == ns::client);
  CHECK(ok->root().attr("type") == "unavailable");

  auto s2s = document::parse("<db:verify id='x'/>", ns::server);
  REQUIRE(s2s.has_value());
  CHECK(s2s->root().is(ns::dialback, "verify"));

  CHECK_FALSE(document::parse("").has_value());
  CHECK_FALSE(document::parse("<a/><b/>").has_value());
  CHECK_FALSE(document::parse("<a>").has_value());
  CHECK_FALSE(document::parse("text").has_value());
  auto bad = document::parse("<a><!-- no --></a>");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().condition == stream_condition::restricted_xml);
  CHECK(bad.error().offset == 3);  // the comment's "<", relative to the input, not the synthetic header
  auto close = document::parse("</stream:stream>");
  CHECK_FALSE(close.has_value());
}

TEST_CASE("document: limits apply") {
  limits l = limits::pre_authentication();
  CHECK(document::parse("<a>" + std::string(10000, 'x') + "</a>").has_value());
  auto r = document::parse("<a>" + std::string(10000, 'x') + "</a>", ns::client, l);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().condition == stream_condition::policy_violation);
}
