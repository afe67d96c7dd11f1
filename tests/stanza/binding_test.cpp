#include <xmppcore/stanza/binding.hpp>

#include <doctest/doctest.h>

#include "support.hpp"

#include <string>

using namespace xmppcore;
using namespace xmppcore::stanza;
using stanza_test::view;
using stanza_test::canonical;
using stanza_test::parse_doc;

namespace {

// draft §7, verbatim (white space as printed; no ERRATA correction applies to these).
constexpr const char* bind_1 = R"(<iq type='set' id='bind_1'>
  <bind xmlns='urn:ietf:params:xml:ns:xmpp-bind' />
</iq>)";
constexpr const char* bind_2 = R"(<iq type='set' id='bind_2'>
  <bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>
    <resource>someresource</resource>
  </bind>
</iq>)";
constexpr const char* bind_result = R"(<iq type='result' id='bind_2'>
  <bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>
    <jid>somenode@example.com/someresource</jid>
  </bind>
</iq>)";
constexpr const char* err_bad_request = R"(<iq type='error' id='bind_2'>
  <bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>
    <resource>someresource</resource>
  </bind>
  <error type='modify'>
    <bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas' />
  </error>
</iq>)";
constexpr const char* err_not_allowed = R"(<iq type='error' id='bind_2'>
  <bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>
    <resource>someresource</resource>
  </bind>
  <error type='cancel'>
    <not-allowed xmlns='urn:ietf:params:xml:ns:xmpp-stanzas' />
  </error>
</iq>)";
constexpr const char* err_conflict = R"(<iq type='error' id='bind_2'>
  <bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>
    <resource>someresource</resource>
  </bind>
  <error type='cancel'>
    <conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas' />
  </error>
</iq>)";
}  // namespace

TEST_CASE("bind requests, draft §7 examples") {
  auto d1 = parse_doc(bind_1);
  auto r1 = parse_bind_request(view(d1));
  REQUIRE(r1);
  CHECK_FALSE(r1->resource);  // server generates the resource
  auto d2 = parse_doc(bind_2);
  auto r2 = parse_bind_request(view(d2));
  REQUIRE(r2);
  CHECK(r2->resource == std::optional<std::string_view>("someresource"));
  CHECK(is_bind_iq(view(d1)));
  CHECK(is_bind_iq(view(d2)));
}

TEST_CASE("bind requests that are not usable") {
  struct row {
    const char* xml;
    bind_request_problem why;
  };
  const row rows[] = {
      {"<iq type='set' id='b'><query xmlns='jabber:iq:roster'/></iq>", bind_request_problem::not_bind},
      {"<message><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></message>", bind_request_problem::not_bind},
      {"<iq type='set' id='b'><bind xmlns='urn:other'/></iq>", bind_request_problem::not_bind},
      {"<iq type='get' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>", bind_request_problem::not_set},
      {"<iq type='set'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>", bind_request_problem::bad_structure},
      {"<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><x xmlns='y'/></iq>",
       bind_request_problem::bad_structure},
      {"<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource/></bind></iq>",
       bind_request_problem::bad_structure},
      {"<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>a</resource>"
       "<resource>b</resource></bind></iq>",
       bind_request_problem::bad_structure},
  };
  for (const auto& r : rows) {
    CAPTURE(r.xml);
    auto d = parse_doc(r.xml);
    auto b = parse_bind_request(view(d));
    REQUIRE_FALSE(b);
    CHECK(b.error() == r.why);
  }
}

TEST_CASE("bind result reproduces the draft §7 example") {
  auto d = parse_doc(bind_2);
  auto bound = jid::jid::parse("somenode@example.com/someresource");
  REQUIRE(bound);
  auto r = make_bind_result(view(d), *bound);
  REQUIRE(r);
  CHECK(canonical(r->xml) == canonical(bind_result));
  auto m = parse_doc("<iq type='set' id='x'><q xmlns='x'/></iq>");
  CHECK(make_bind_result(view(m), *bound).error() == no_reply::not_a_request);
}

TEST_CASE("bind errors reproduce the three draft §7 examples") {
  auto d = parse_doc(bind_2);
  struct row {
    bind_failure f;
    const char* expect;
  };
  const row rows[] = {{bind_failure::bad_resource, err_bad_request},
                      {bind_failure::not_allowed, err_not_allowed},
                      {bind_failure::conflict, err_conflict}};
  for (const auto& r : rows) {
    CAPTURE(r.expect);
    auto rep = make_bind_error(view(d), r.f);
    REQUIRE(rep);
    CHECK(rep->payload_included);
    CHECK(canonical(rep->xml) == canonical(r.expect));
  }
}

TEST_CASE("stanzas before binding get <not-authorized/> (draft §7 last paragraph)") {
  auto m = parse_doc("<message to='romeo@example.net' id='early'><body>hi</body></message>");
  auto r = make_prebinding_error(view(m));
  REQUIRE(r);
  CHECK(canonical(r->xml) ==
        canonical("<message from='romeo@example.net' id='early' type='error'><body>hi</body>"
                  "<error type='auth'><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>"
                  "</message>"));
  auto q = parse_doc("<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>");
  auto rq = make_prebinding_error(view(q));
  REQUIRE(rq);
  CHECK(rq->xml.find("not-authorized") != std::string::npos);
  auto b = parse_doc(bind_2);
  CHECK(make_prebinding_error(view(b)).error() == no_reply::not_a_request);  // process it instead
  auto e = parse_doc("<presence type='error'/>");
  CHECK(make_prebinding_error(view(e)).error() == no_reply::original_is_error);
}

TEST_CASE("bind_jid: Resourceprep applied, unpreparable resources are bad-request (draft §7, App. B)") {
  jid::preparer prep;
  auto account = jid::jid::parse("somenode@example.com", prep);
  REQUIRE(account);
  auto ok = bind_jid(*account, "someresource", prep);
  REQUIRE(ok);
  CHECK(ok->full() == "somenode@example.com/someresource");
  auto spaced = bind_jid(*account, "Home Office", prep);  // spaces are allowed in resources
  REQUIRE(spaced);
  CHECK(spaced->resource() == "Home Office");
  for (std::string_view bad : {std::string_view(""), std::string_view("\xC3"), std::string_view("a\xE2\x80\x8F" "b"),
                               std::string_view("x\x01y")}) {
    CAPTURE(bad);
    auto r = bind_jid(*account, bad, prep);
    REQUIRE_FALSE(r);
    CHECK(r.error() == bind_failure::bad_resource);
  }
  auto too_long = bind_jid(*account, std::string(1024, 'r'), prep);  // draft §3.1: 1023 bytes at most
  REQUIRE_FALSE(too_long);
  CHECK(bind_jid(*account, std::string(1023, 'r'), prep).has_value());
}
