#include <xmppcore/sasl/external.hpp>

#include "gsasl_peer.hpp"
#include "support.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace xmppcore::sasl;
using xmppcore::sasl_condition;
using namespace std::string_literals;

TEST_CASE("external client: authzid as the initial response (RFC 4422 App. A)") {
  external_client empty;
  CHECK(empty.name() == "EXTERNAL");
  auto ir = empty.initial_response();
  REQUIRE(ir);
  REQUIRE(*ir);
  CHECK((*ir)->empty());
  CHECK(encode_payload(**ir) == "=");  // draft §6.2 step 3: zero-length initial response
  external_client with("example.net");
  CHECK(**with.initial_response() == "example.net");
  CHECK(*with.respond("") == "example.net");  // an empty challenge is answered once
  CHECK(with.respond("").error() == client_error::unexpected_message);
  CHECK(external_client().respond("x").error() == client_error::unexpected_message);
  CHECK(with.finish(std::nullopt));
  CHECK(with.finish(std::string_view("x")).error() == client_error::unexpected_message);
  CHECK(external_client("a\0b"s).initial_response().error() == client_error::invalid_credentials);
  CHECK(external_client("\xff").initial_response().error() == client_error::invalid_credentials);
  CHECK(external_client("\xff").initial_response().error().reason == "authzid is not UTF-8");
  CHECK(with.respond("").error().reason == "a second challenge");
}

TEST_CASE("external server: identity from the embedder, authzid checked") {
  xc_test::list_authorizer authz;
  authz.allowed.insert({"example.net", "conference.example.net"});
  SUBCASE("empty authzid: the external identity") {
    external_server s("example.net", &authz);
    auto v = s.step(std::string_view(""));
    CHECK(v.is_success());
    CHECK_FALSE(v.has_data);
    CHECK(s.authcid() == "example.net");
    CHECK(s.authzid() == "");
    CHECK(s.step(std::string_view("")).is_failure());  // finished
  }
  SUBCASE("authzid equal to the identity needs no authorizer") {
    external_server s("example.net");
    CHECK(s.step(std::string_view("example.net")).is_success());
  }
  SUBCASE("allowed and refused authzids") {
    external_server a("example.net", &authz);
    CHECK(a.step(std::string_view("conference.example.net")).is_success());
    CHECK(a.authzid() == "conference.example.net");
    external_server b("example.net", &authz);
    CHECK(b.step(std::string_view("example.org")).condition == sasl_condition::invalid_authzid);
    external_server c("example.net");
    CHECK(c.step(std::string_view("conference.example.net")).condition == sasl_condition::invalid_authzid);
  }
  SUBCASE("no initial response: empty challenge, then the authzid") {
    external_server s("example.net");
    auto c = s.step(std::nullopt);
    REQUIRE(c.is_challenge());
    CHECK(c.data.empty());
    CHECK(s.step(std::string_view("")).is_success());
  }
  SUBCASE("twice without data fails") {
    external_server s("example.net");
    REQUIRE(s.step(std::nullopt).is_challenge());
    CHECK(s.step(std::nullopt).condition == sasl_condition::not_authorized);
  }
  SUBCASE("no external identity (no certificate) → not-authorized") {
    external_server s("");
    CHECK(s.step(std::string_view("")).condition == sasl_condition::not_authorized);
  }
  SUBCASE("malformed authzid → invalid-authzid (draft §6.4, RFC 6120 §6.5.6), with or without an identity") {
    for (std::string bad : {"a\0b"s, "\xc3"s, "\xc0\xaf"s, "\xed\xa0\x80"s, std::string(4000, 'a')}) {
      CAPTURE(bad);
      for (std::string identity : {"example.net"s, ""s}) {
        external_server s(identity, &authz);
        auto v = s.step(std::string_view(bad));
        REQUIRE(v.is_failure());
        CHECK(v.condition == sasl_condition::invalid_authzid);
        CHECK(s.step(std::string_view("")).is_failure());  // finished
      }
    }
    // Well-formed, but nobody was authenticated: not-authorized, even for an authzid the authorizer allows.
    external_server none("", &authz);
    CHECK(none.step(std::string_view("conference.example.net")).condition == sasl_condition::not_authorized);
  }
  SUBCASE("our client against our server") {
    external_client c("conference.example.net");
    external_server s("example.net", &authz);
    auto o = xc_test::run_exchange(c, s);
    CHECK(o.server_success);
    CHECK(o.client_ok);
    CHECK(o.transcript.front() == "C: auth " + xmppcore::crypto::base64_encode(std::string_view("conference.example.net")));
  }
}

TEST_CASE("external interop with GNU SASL, both directions") {
  for (std::string authzid : {std::string(""), std::string("conference.example.net")}) {
    CAPTURE(authzid);
    {
      xc_test::gsasl_props props;
      external_client c(authzid);
      std::string why;
      CHECK_MESSAGE(xc_test::our_client_vs_gsasl_server(c, "EXTERNAL", props, &why), why);
      CHECK(props.seen_authzid == authzid);
    }
    {
      xc_test::list_authorizer authz;
      authz.allowed.insert({"example.net", "conference.example.net"});
      external_server s("example.net", &authz);
      xc_test::gsasl_props props;
      if (!authzid.empty()) props.values[GSASL_AUTHZID] = authzid;
      std::string why;
      CHECK_MESSAGE(xc_test::gsasl_client_vs_our_server(s, "EXTERNAL", props, false, &why), why);
      CHECK(s.authzid() == authzid);
    }
  }
}
