#include <xmppcore/sasl/detail/saslprep.hpp>

#include "support.hpp"

#include <doctest/doctest.h>

#include <xmppcore/sasl/plain.hpp>
#include <xmppcore/sasl/scram.hpp>

#include <string>

using namespace xmppcore::sasl;
using xmppcore::sasl_condition;
using xmppcore::jid::prep_error;
using namespace std::string_literals;

namespace {
// U+0301 COMBINING ACUTE ACCENT, canonical combining class 230 (UnicodeData.txt):
// a non-starter. UAX #15 §13 (Stream-Safe Text Format) allows at most 30 in a row.
std::string acutes(std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += "\xcc\x81";
  return s;
}
}  // namespace

TEST_CASE("saslprep: which condition each SASLprep failure gives") {
  // Content the profile forbids: verification fails (RFC 4616 §2, RFC 5802 §5.1).
  CHECK(detail::saslprep_condition(prep_error::prohibited) == sasl_condition::not_authorized);
  CHECK(detail::saslprep_condition(prep_error::bidi) == sasl_condition::not_authorized);
  CHECK(detail::saslprep_condition(prep_error::unassigned) == sasl_condition::not_authorized);
  CHECK(detail::saslprep_condition(prep_error::empty) == sasl_condition::not_authorized);
  // Our own failure, not the peer's.
  CHECK(detail::saslprep_condition(prep_error::resource_failure) == sasl_condition::temporary_auth_failure);
  // The input's form: malformed-request (RFC 6120 §6.5.8).
  CHECK(detail::saslprep_condition(prep_error::invalid_utf8) == sasl_condition::malformed_request);
  CHECK(detail::saslprep_condition(prep_error::too_long) == sasl_condition::malformed_request);
  CHECK(detail::saslprep_condition(prep_error::not_stream_safe) == sasl_condition::malformed_request);
}

TEST_CASE("saslprep: a run of more than 30 combining marks is malformed-request (UAX #15 §13)") {
  xc_test::memory_store store;
  store.passwords["juliet"] = "r0m30myr0m30";
  const server_context ctx{&store, nullptr, nullptr};
  SUBCASE("PLAIN authcid and password") {
    struct attempt { std::string msg; sasl_condition c; const char* reason; const char* detail; };
    const attempt attempts[] = {
        {"\0a"s + acutes(31) + "\0pw"s, sasl_condition::malformed_request, "authcid fails SASLprep",
         "not-stream-safe"},
        {"\0juliet\0"s + "a" + acutes(31), sasl_condition::malformed_request, "password fails SASLprep",
         "not-stream-safe"},
        // 30 marks are stream-safe: prepared, then an unknown user or a wrong password.
        {"\0a"s + acutes(30) + "\0pw"s, sasl_condition::not_authorized, "unknown user", ""},
        {"\0juliet\0"s + "a" + acutes(30), sasl_condition::not_authorized, "wrong password", ""},
    };
    for (const auto& a : attempts) {
      CAPTURE(a.reason);
      store.asked.clear();
      plain_server_options o;
      o.dummy_iterations = 1;
      plain_server s(o, ctx);
      const auto v = s.step(std::string_view(a.msg));
      REQUIRE(v.is_failure());
      CHECK(v.condition == a.c);
      CHECK(v.reason == a.reason);
      CHECK(v.detail == a.detail);
      if (a.c == sasl_condition::malformed_request) CHECK(store.asked.empty());
    }
  }
  SUBCASE("SCRAM username") {
    xc_test::scripted_random rng;
    const server_context sctx{&store, nullptr, &rng};
    scram_sha256_server s(scram_server_options{}, sctx);
    const auto v = s.step(std::string_view("n,,n=a" + acutes(31) + ",r=abc"));
    REQUIRE(v.is_failure());
    CHECK(v.condition == sasl_condition::malformed_request);
    CHECK(v.reason == "username fails SASLprep");
    CHECK(v.detail == "not-stream-safe");
    CHECK(store.asked.empty());
    scram_sha256_server ok(scram_server_options{}, sctx);
    CHECK(ok.step(std::string_view("n,,n=a" + acutes(30) + ",r=abc")).is_challenge());  // unknown user: carries on
  }
  SUBCASE("our own client refuses to send such a name") {
    plain_client c({"a" + acutes(31), "pw", "", ""});
    const auto e = c.initial_response().error();
    CHECK(e == client_error::invalid_credentials);
    CHECK(e.reason == "username fails SASLprep");
    CHECK(e.detail == "not-stream-safe");
  }
}
