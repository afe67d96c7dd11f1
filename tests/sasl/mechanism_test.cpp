#include <xmppcore/sasl/mechanism.hpp>

#include <doctest/doctest.h>

#include <type_traits>

using namespace xmppcore::sasl;
using xmppcore::sasl_condition;

TEST_CASE("mechanism: server_step constructors") {
  auto c = server_step::challenge("abc");
  CHECK(c.is_challenge());
  CHECK(c.data == "abc");
  auto s = server_step::success();
  CHECK(s.is_success());
  CHECK_FALSE(s.has_data);
  auto sd = server_step::success("");
  CHECK(sd.is_success());
  CHECK(sd.has_data);  // zero-length additional data is still data (sent as "=")
  auto f = server_step::failure(sasl_condition::invalid_authzid, "why");
  CHECK(f.is_failure());
  CHECK(f.condition == sasl_condition::invalid_authzid);
  CHECK(f.reason == "why");
}

TEST_CASE("mechanism: names and error names") {
  CHECK(mechanism_name::digest_md5 == "DIGEST-MD5");
  CHECK(mechanism_name::scram_sha256 == "SCRAM-SHA-256");
  CHECK(to_string(client_error::server_not_authenticated) == "server-not-authenticated");
  CHECK(to_string(client_error::malformed_challenge) == "malformed-challenge");
  static_assert(std::is_abstract_v<client_mechanism>);
  static_assert(std::is_abstract_v<server_mechanism>);
  static_assert(std::is_abstract_v<authorizer>);
  static_assert(std::is_abstract_v<random_source>);
}

TEST_CASE("mechanism: a client_error is its kind plus static reasons") {
  // Built from a kind alone (what `unexpected{client_error::x}` does) it has no reasons.
  const client_error bare = client_error::server_error;
  CHECK(bare == client_error::server_error);
  CHECK(bare.reason.empty());
  CHECK(to_string(bare) == "server-error");
  const client_error full{client_error::malformed_challenge, "server-first-message does not parse", "invalid-nonce"};
  CHECK(full == client_error::malformed_challenge);
  CHECK_FALSE(full == client_error::unsupported_challenge);
  CHECK(to_string(full) == "malformed-challenge: server-first-message does not parse (invalid-nonce)");
  CHECK(to_string(client_error{client_error::unexpected_message, "a second challenge"}) ==
        "unexpected-message: a second challenge");
  // Views of static text only: copying one costs no allocation and cannot dangle.
  static_assert(std::is_trivially_copyable_v<client_error>);
  static_assert(std::is_same_v<decltype(client_error::server_error), const client_error::kind>);
}

TEST_CASE("mechanism: server_step failures carry the lower layer's reason") {
  auto f = server_step::failure(sasl_condition::malformed_request, "malformed PLAIN message", "syntax");
  CHECK(f.condition == sasl_condition::malformed_request);
  CHECK(f.detail == "syntax");
  CHECK(server_step::failure(sasl_condition::not_authorized, "wrong password").detail.empty());
}

TEST_CASE("mechanism: credential_store defaults to 'not stored'") {
  struct empty_store final : credential_store {} st;
  auto p = st.password("u", "");
  REQUIRE(p);
  CHECK_FALSE(*p);
  auto d = st.digest_md5_secret("u", "r");
  REQUIRE(d);
  CHECK_FALSE(*d);
  auto k = st.scram(scram_hash::sha256, "u");
  REQUIRE(k);
  CHECK_FALSE(*k);
}

TEST_CASE("mechanism: names map to ids; anything else is invalid-mechanism (draft §6.4)") {
  for (auto m : {mechanism_id::digest_md5, mechanism_id::plain, mechanism_id::external, mechanism_id::scram_sha1,
                 mechanism_id::scram_sha256}) {
    auto r = parse_mechanism_name(to_string(m));
    REQUIRE(r);
    CHECK(*r == m);
  }
  CHECK(to_string(mechanism_id::scram_sha1) == "SCRAM-SHA-1");
  for (const char* bad : {"", "digest-md5", "DIGEST-MD5 ", "CRAM-MD5", "SCRAM-SHA-256-PLUS", "GSSAPI", "PLAIN-"}) {
    CAPTURE(std::string(bad));
    auto r = parse_mechanism_name(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error() == sasl_condition::invalid_mechanism);
  }
}
