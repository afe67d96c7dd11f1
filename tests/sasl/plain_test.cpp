#include <xmppcore/sasl/plain.hpp>

#include "gsasl_peer.hpp"
#include "support.hpp"

#include <doctest/doctest.h>

#include <xmppcore/sasl/scram.hpp>

#include <string>

using namespace xmppcore::sasl;
using xmppcore::sasl_condition;
using namespace std::string_literals;

namespace {
struct fixture {
  xc_test::memory_store store;
  xc_test::list_authorizer authz;
  server_context ctx() { return server_context{&store, &authz, nullptr}; }
};
server_step verdict(fixture& f, std::string_view msg) {
  plain_server s(f.ctx());
  return s.step(msg);
}
// Processor time of the fastest of `runs` verdicts on `msg` (a failure each).
double cpu_seconds(fixture& f, std::string_view msg, plain_server_options o = {}, int runs = 5) {
  return xc_test::fastest_cpu_seconds([&] { return plain_server(o, f.ctx()); },
                                      [&](plain_server& s) { return s.step(msg); },
                                      [](const auto& v) { CHECK(v.is_failure()); }, runs);
}
}  // namespace

TEST_CASE("plain: message parser (RFC 4616 §2)") {
  auto m = parse_plain_message("\0tim\0tanstaaftanstaaf"s);  // RFC 4616 §4 example
  REQUIRE(m);
  CHECK(m->authzid == "");
  CHECK(m->authcid == "tim");
  CHECK(m->password == "tanstaaftanstaaf");
  auto m2 = parse_plain_message("Ursel\0Kurt\0xipj3plmq"s);  // RFC 4616 §4 example
  REQUIRE(m2);
  CHECK(m2->authzid == "Ursel");
  CHECK(m2->authcid == "Kurt");
  struct bad { std::string in; plain_error e; };
  const bad cases[] = {
      {"", plain_error::syntax},
      {"tim", plain_error::syntax},
      {"\0tim"s, plain_error::syntax},
      {"\0tim\0pw\0"s, plain_error::syntax},
      {"\0\0pw"s, plain_error::empty},
      {"\0tim\0"s, plain_error::empty},
      {"\0t\xffm\0pw"s, plain_error::invalid_utf8},
      {"\0tim\0p\xed\xa0\x80"s, plain_error::invalid_utf8},  // surrogate
      // The authzid alone at fault: invalid_authzid (RFC 4616 §2: authzid = 1*SAFE).
      {"\xc3\0tim\0pw"s, plain_error::invalid_authzid},
      {"a\xed\xa0\x80\0tim\0pw"s, plain_error::invalid_authzid},
      // Another fault wins: invalid_authzid means the rest is well-formed.
      {"\xc3\0t\xffm\0pw"s, plain_error::invalid_utf8},
      {"\xc3\0\0pw"s, plain_error::empty},
      {"\xc3\0tim\0pw\0"s, plain_error::syntax},
      {"\0" + std::string(5000, 'a') + "\0pw"s, plain_error::too_long},
  };
  for (const auto& t : cases) {
    CAPTURE(t.in);
    auto r = parse_plain_message(t.in);
    REQUIRE_FALSE(r);
    CHECK(r.error() == t.e);
  }
}

TEST_CASE("plain: client messages") {
  plain_client c({"tim", "tanstaaftanstaaf", "", ""});
  CHECK(c.name() == "PLAIN");
  auto ir = c.initial_response();
  REQUIRE(ir);
  CHECK(**ir == "\0tim\0tanstaaftanstaaf"s);
  CHECK(c.respond("x").error() == client_error::unexpected_message);
  CHECK(c.finish(std::nullopt));
  CHECK(c.finish(std::string_view("data")).error() == client_error::unexpected_message);
  // authzid sent only when it differs from the default (draft §6.1 rule 7); SASLprep applied.
  CHECK(**plain_client({"Kurt", "I\xc2\xadX", "Ursel@example.com", "example.com"}).initial_response() ==
        "Ursel@example.com\0Kurt\0IX"s);
  CHECK(**plain_client({"Kurt", "pw", "Kurt@example.com", "example.com"}).initial_response() == "\0Kurt\0pw"s);
  CHECK(**plain_client({"Kurt", "pw", "Kurt", ""}).initial_response() == "\0Kurt\0pw"s);
  // Each refusal says which credential and why (RFC 4013 §2.3 prohibits controls;
  // RFC 4616 §2: authcid = 1*SAFE, so an empty one cannot be sent).
  struct bad { plain_client_options o; const char* reason; const char* detail; };
  const bad cases[] = {
      {{"Kurt", "bell\x07", "", ""}, "password fails SASLprep", "prohibited"},
      {{"Ku\x07rt", "pw", "", ""}, "username fails SASLprep", "prohibited"},
      {{"", "pw", "", ""}, "username fails SASLprep", "empty"},
      {{"Kurt", "pw", "a\0b"s, ""}, "authzid contains NUL", ""},
      {{"Kurt", "pw", "\xff", ""}, "authzid is not UTF-8", ""},
  };
  for (const auto& t : cases) {
    CAPTURE(t.reason);
    const auto e = plain_client(t.o).initial_response().error();
    CHECK(e == client_error::invalid_credentials);
    CHECK(e.reason == t.reason);
    CHECK(e.detail == t.detail);
  }
}

TEST_CASE("plain server: success paths") {
  fixture f;
  f.store.passwords["tim"] = "tanstaaftanstaaf";
  SUBCASE("plaintext password") {
    plain_server s(f.ctx());
    CHECK(s.step("\0tim\0tanstaaftanstaaf"s).is_success());
    CHECK(s.authcid() == "tim");
    CHECK(s.authzid() == "");
  }
  SUBCASE("SASLprep on both sides: soft hyphen and non-breaking space (RFC 4013 §3)") {
    f.store.passwords["user"] = "I\xc2\xadX p";  // stored un-prepared
    CHECK(verdict(f, "\0user\0IX\xc2\xa0p"s).is_success());
  }
  SUBCASE("SCRAM stored keys only (no plaintext)") {
    f.store.passwords.clear();
    f.store.scram_keys[{int(scram_hash::sha256), "tim"}] =
        *scram_derive_credentials<xmppcore::crypto::sha256>("tanstaaftanstaaf", "salt", 4096);
    CHECK(verdict(f, "\0tim\0tanstaaftanstaaf"s).is_success());
    CHECK(verdict(f, "\0tim\0tanstaaftanstaafX"s).condition == sasl_condition::not_authorized);
    f.store.scram_keys.clear();
    f.store.scram_keys[{int(scram_hash::sha1), "tim"}] =
        *scram_derive_credentials<xmppcore::crypto::sha1>("tanstaaftanstaaf", "salt", 4096);
    CHECK(verdict(f, "\0tim\0tanstaaftanstaaf"s).is_success());
  }
  SUBCASE("no initial response: empty challenge, then the message") {
    plain_server s(f.ctx());
    auto c = s.step(std::nullopt);
    REQUIRE(c.is_challenge());
    CHECK(c.data.empty());
    CHECK(s.step("\0tim\0tanstaaftanstaaf"s).is_success());
    CHECK(s.step("\0tim\0tanstaaftanstaaf"s).is_failure());  // finished
  }
  SUBCASE("allowed authzid") {
    f.authz.allowed.insert({"tim", "boss@example.com"});
    plain_server s(f.ctx());
    CHECK(s.step("boss@example.com\0tim\0tanstaaftanstaaf"s).is_success());
    CHECK(s.authzid() == "boss@example.com");
  }
}

TEST_CASE("plain server: every rejection") {
  fixture f;
  f.store.passwords["tim"] = "tanstaaftanstaaf";
  struct bad { std::string in; sasl_condition c; const char* detail; };
  const bad cases[] = {
      {"\0tim\0wrong"s, sasl_condition::not_authorized, ""},
      {"\0tom\0tanstaaftanstaaf"s, sasl_condition::not_authorized, ""},
      {"boss\0tim\0tanstaaftanstaaf"s, sasl_condition::invalid_authzid, ""},
      // Not RFC 4616 §2's message = [authzid] UTF8NUL authcid UTF8NUL passwd:
      // malformed-request, "the data sent violates the syntax for the specified
      // SASL mechanism" (RFC 6120 §6.5.8; the draft had only not-authorized).
      {"\0tim\0tanstaaftanstaaf\0"s, sasl_condition::malformed_request, "syntax"},
      {"tim tanstaaftanstaaf"s, sasl_condition::malformed_request, "syntax"},
      {""s, sasl_condition::malformed_request, "syntax"},
      {"\0\0tanstaaftanstaaf"s, sasl_condition::malformed_request, "empty"},  // authcid = 1*SAFE
      {"\0t\xffm\0pw"s, sasl_condition::malformed_request, "invalid-utf8"},
      {"\0tim\0" + std::string(5000, 'x'), sasl_condition::malformed_request, "too-long"},
      // Well-formed, but SASLprep prohibits a control character (RFC 4013 §2.3):
      // verification fails (RFC 4616 §2), not-authorized as for a wrong password.
      {"\0tim\0bell\x07"s, sasl_condition::not_authorized, "prohibited"},
      {"\0ti\x07m\0tanstaaftanstaaf"s, sasl_condition::not_authorized, "prohibited"},
      // Mapped to nothing by SASLprep (RFC 4013 §2.2, soft hyphen): an empty
      // password after preparation fails verification (RFC 4616 §2).
      {"\0tim\0\xc2\xad"s, sasl_condition::not_authorized, "empty"},
  };
  for (const auto& t : cases) {
    CAPTURE(t.in);
    f.store.asked.clear();
    auto v = verdict(f, t.in);
    REQUIRE(v.is_failure());
    CHECK(v.condition == t.c);
    CHECK(v.detail == t.detail);
    if (v.condition == sasl_condition::malformed_request) CHECK(f.store.asked.empty());  // refused before any lookup
  }
  SUBCASE("no message after the empty challenge: malformed-request") {
    plain_server s(f.ctx());
    REQUIRE(s.step(std::nullopt).is_challenge());
    CHECK(s.step(std::nullopt).condition == sasl_condition::malformed_request);
  }
  SUBCASE("authzid: malformed or refused → invalid-authzid; wrong credentials stay not-authorized") {
    // Draft §6.4, RFC 6120 §6.5.6: <invalid-authzid/> for an authzid that is
    // "incorrectly formatted" or that the entity may not use.
    f.authz.allowed.insert({"tim", "boss@example.com"});
    const auto check = [&](std::string msg, sasl_condition c) {
      CAPTURE(msg);
      f.store.asked.clear();
      auto v = verdict(f, msg);
      REQUIRE(v.is_failure());
      CHECK(v.condition == c);
      return f.store.asked.size();
    };
    // Malformed (not UTF-8): refused before any credential lookup, whatever the password.
    CHECK(check("\xc3\x28\0tim\0tanstaaftanstaaf"s, sasl_condition::invalid_authzid) == 0);
    CHECK(check("boss\xff\0tim\0tanstaaftanstaaf"s, sasl_condition::invalid_authzid) == 0);
    CHECK(check("\xc3\x28\0tim\0wrong"s, sasl_condition::invalid_authzid) == 0);
    // Well-formed but refused by the authorizer: invalid-authzid after the password check.
    CHECK(check("romeo@example.com\0tim\0tanstaaftanstaaf"s, sasl_condition::invalid_authzid) == 1);
    // Wrong password or unknown user: not-authorized, allowed authzid or not.
    CHECK(check("boss@example.com\0tim\0wrong"s, sasl_condition::not_authorized) == 1);
    CHECK(check("romeo@example.com\0tim\0wrong"s, sasl_condition::not_authorized) == 1);
    CHECK(check("boss@example.com\0tom\0tanstaaftanstaaf"s, sasl_condition::not_authorized) == 1);
    // A malformed authcid is not an authzid problem.
    CHECK(check("boss@example.com\0t\xffm\0tanstaaftanstaaf"s, sasl_condition::malformed_request) == 0);
    CHECK(verdict(f, "boss@example.com\0tim\0tanstaaftanstaaf"s).is_success());
  }
  f.store.failure = sasl_condition::temporary_auth_failure;
  CHECK(verdict(f, "\0tim\0tanstaaftanstaaf"s).condition == sasl_condition::temporary_auth_failure);
  plain_server no_store(server_context{});
  CHECK(no_store.step("\0tim\0x"s).condition == sasl_condition::temporary_auth_failure);
}

TEST_CASE("plain server: an unknown user costs what a user with stored keys costs") {
  // What an attacker measures is the time to the verdict, so that is what is
  // checked. Checking stored keys runs PBKDF2 at 4096 iterations (about a
  // millisecond); without the stand-in derivation an unknown user is answered
  // in microseconds, a gap of two orders of magnitude, against the factor 3
  // allowed here either way.
  fixture f;
  f.store.scram_keys[{int(scram_hash::sha256), "tim"}] =
      *scram_derive_credentials<xmppcore::crypto::sha256>("tanstaaftanstaaf", "saltsaltsaltsalt", 4096);
  f.store.passwords["pat"] = "tanstaaftanstaaf";
  auto broken = *scram_derive_credentials<xmppcore::crypto::sha256>("tanstaaftanstaaf", "saltsaltsaltsalt", 4096);
  broken.iterations = 0;  // unusable: never derived with
  f.store.scram_keys[{int(scram_hash::sha256), "bob"}] = broken;
  (void)verdict(f, "\0tim\0warm-up"s);

  const double known = cpu_seconds(f, "\0tim\0not-the-password"s);
  REQUIRE(known > 0);
  struct timed { std::string label, msg; };
  const timed cases[] = {
      {"unknown user", "\0nobody\0not-the-password"s},
      {"plaintext password", "\0pat\0not-the-password"s},
      {"unusable stored keys", "\0bob\0not-the-password"s},
      {"unknown user, authzid", "boss@example.com\0nobody\0not-the-password"s},
  };
  for (const auto& t : cases) {
    CAPTURE(t.label);
    const double other = cpu_seconds(f, t.msg);
    CAPTURE(known);
    CAPTURE(other);
    CHECK(other * 3 > known);
    CHECK(other < known * 3);
    // The verdict itself is unchanged.
    const auto v = verdict(f, t.msg);
    REQUIRE(v.is_failure());
    CHECK(v.condition == sasl_condition::not_authorized);
  }
  // A store keyed at a higher count sets it; the stand-in follows. The
  // default is the SCRAM server's.
  CHECK(plain_server_options{}.dummy_iterations == scram_server_options{}.iterations);
  plain_server_options eight;
  eight.dummy_iterations = 8 * 4096;
  const double slow = cpu_seconds(f, "\0nobody\0not-the-password"s, eight);
  CAPTURE(slow);
  CHECK(slow > known * 3);
  // Malformed messages never reach the store and pay nothing.
  CHECK(cpu_seconds(f, "\0nobody\0bell\x07"s) * 20 < known);
}

TEST_CASE("plain interop with GNU SASL, both directions") {
  struct interop_case { std::string label, user, pass, authzid; };
  const interop_case cases[] = {
      {"ascii", "tim", "tanstaaftanstaaf", ""},
      {"authzid", "tim", "tanstaaftanstaaf", "boss@example.com"},
      {"latin-1", "j\xc3\xbcrgen", "p\xc3\xa4ssw\xc3\xb6rd", ""},
      {"CJK/Cyrillic", "\xe7\x94\xa8\xe6\x88\xb7", "\xd0\xbf\xd0\xb0\xd1\x80\xd0\xbe\xd0\xbb\xd1\x8c", ""},
  };
  for (const auto& t : cases) {
    CAPTURE(t.label);
    {
      xc_test::gsasl_props props;
      props.users[t.user] = t.pass;
      plain_client c({t.user, t.pass, t.authzid, ""});
      std::string why;
      CHECK_MESSAGE(xc_test::our_client_vs_gsasl_server(c, "PLAIN", props, &why), why);
      CHECK(props.seen_authid == t.user);
      if (t.authzid.empty()) {
        // GNU SASL's PLAIN server reports the authid as authzid when none was sent.
        CHECK((props.seen_authzid.empty() || props.seen_authzid == t.user));
      } else {
        CHECK(props.seen_authzid == t.authzid);
      }
    }
    {
      fixture f;
      f.store.passwords[t.user] = t.pass;
      f.authz.allowed.insert({t.user, "boss@example.com"});
      plain_server s(f.ctx());
      xc_test::gsasl_props props;
      props.values[GSASL_AUTHID] = t.user;
      props.values[GSASL_PASSWORD] = t.pass;
      if (!t.authzid.empty()) props.values[GSASL_AUTHZID] = t.authzid;
      std::string why;
      CHECK_MESSAGE(xc_test::gsasl_client_vs_our_server(s, "PLAIN", props, false, &why), why);
      CHECK(s.authcid() == t.user);
      CHECK(s.authzid() == t.authzid);
    }
  }
}
