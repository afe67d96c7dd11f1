#include <xmppcore/sasl/scram.hpp>

#include "gsasl_peer.hpp"
#include "support.hpp"

#include <doctest/doctest.h>

#include <xmppcore/crypto/base64.hpp>
#include <xmppcore/sasl/detail/text.hpp>

#include <algorithm>
#include <string>
#include <type_traits>

using namespace xmppcore::sasl;
using xmppcore::sasl_condition;
using xc_test::scripted_random;

namespace {
std::string b64d(std::string_view s) { return *xmppcore::crypto::base64_decode(s); }
const std::string_view printable = detail::nonce_alphabet_printable;

template <class Hash>
scram_credentials creds(std::string_view password, std::string_view salt_b64, std::uint32_t i) {
  auto c = scram_derive_credentials<Hash>(password, b64d(salt_b64), i);
  REQUIRE(c);
  return *c;
}

struct fixture {
  xc_test::memory_store store;
  xc_test::list_authorizer authz;
  scripted_random rng;
  server_context ctx() { return server_context{&store, &authz, &rng}; }
};
}  // namespace

TEST_CASE("scram-sha-1: RFC 5802 §5 example, client side") {
  scripted_random rng(xc_test::spell("fyko+d2lbbFgONRv9qkxdawL", printable));
  scram_client_options o;
  o.username = "user";
  o.password = "pencil";
  scram_sha1_client c(o, rng);
  CHECK(c.name() == "SCRAM-SHA-1");
  auto first = c.initial_response();
  REQUIRE(first);
  REQUIRE(*first);
  CHECK(**first == "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL");
  auto final_msg = c.respond("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096");
  REQUIRE(final_msg);
  CHECK(*final_msg == "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=");
  SUBCASE("verifier in a challenge") {
    auto e = c.respond("v=rmF9pqV8S7suAoZWja4dJRkFsKQ=");
    REQUIRE(e);
    CHECK(e->empty());
    CHECK(c.finish(std::nullopt));
  }
  SUBCASE("verifier as success data") { CHECK(c.finish(std::string_view("v=rmF9pqV8S7suAoZWja4dJRkFsKQ="))); }
  SUBCASE("wrong verifier") {
    const auto e = c.finish(std::string_view("v=rmF9pqV8S7suAoZWja4dJRkFsKA=")).error();
    CHECK(e == client_error::server_not_authenticated);
    CHECK(e.reason == "server signature (v=) does not match");
  }
  SUBCASE("success without a verifier") {
    const auto e = c.finish(std::nullopt).error();
    CHECK(e == client_error::server_not_authenticated);
    CHECK(e.reason == "success without the server signature (v=)");
  }
  SUBCASE("server error: the server-error-value is kept (RFC 5802 §7)") {
    const auto e = c.respond("e=invalid-proof").error();
    CHECK(e == client_error::server_error);
    CHECK(e.detail == "invalid-proof");
    CHECK(to_string(e) == "server-error: server-final-message reports an error (e=) (invalid-proof)");
  }
  SUBCASE("server error: an extension value (server-error-value-ext) is named as such") {
    CHECK(c.respond("e=too-many-attempts").error().detail == "unrecognized server-error-value");
  }
  SUBCASE("malformed verifier: the parser's reason is kept") {
    const auto e = c.respond("v=rmF9pqV8S7suAoZWja4dJRkFsKQ").error();  // base64 without its padding
    CHECK(e == client_error::malformed_challenge);
    CHECK(e.reason == "server-final-message does not parse");
    CHECK(e.detail == "invalid-base64");
  }
}

TEST_CASE("scram-sha-1: RFC 5802 §5 example, server side") {
  fixture f;
  f.store.scram_keys[{int(scram_hash::sha1), "user"}] = creds<xmppcore::crypto::sha1>("pencil", "QSXCR+Q6sek8bf92", 4096);
  f.rng.script = xc_test::spell("3rfcNHYJY1ZVvWVs7j", printable);
  scram_server_options o;
  o.nonce_length = 18;
  scram_sha1_server s(o, f.ctx());
  auto a = s.step(std::string_view("n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL"));
  REQUIRE(a.is_challenge());
  CHECK(a.data == "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096");
  auto b = s.step(std::string_view(
      "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts="));
  REQUIRE(b.is_challenge());
  CHECK(b.data == "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=");
  CHECK(s.step(std::string_view("")).is_success());
  CHECK(s.authcid() == "user");
}

TEST_CASE("scram-sha-256: RFC 7677 §3 example, both sides") {
  scripted_random crng(xc_test::spell("rOprNGfwEbeRWgbNEkqO", printable));
  scram_client_options co;
  co.username = "user";
  co.password = "pencil";
  co.nonce_length = 20;
  scram_sha256_client c(co, crng);
  CHECK(c.name() == "SCRAM-SHA-256");
  auto first = c.initial_response();
  REQUIRE(first);
  CHECK(**first == "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");

  fixture f;
  f.store.scram_keys[{int(scram_hash::sha256), "user"}] =
      creds<xmppcore::crypto::sha256>("pencil", "W22ZaJ0SNY7soEsUEjb6gQ==", 4096);
  f.rng.script = xc_test::spell("%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0", printable);
  scram_server_options so;
  so.nonce_length = 30;
  so.final_in_success = true;
  scram_sha256_server s(so, f.ctx());
  auto sf = s.step(std::string_view(**first));
  REQUIRE(sf.is_challenge());
  CHECK(sf.data == "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
  auto cf = c.respond(sf.data);
  REQUIRE(cf);
  CHECK(*cf ==
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
        "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
  auto fin = s.step(std::string_view(*cf));
  REQUIRE(fin.is_success());
  REQUIRE(fin.has_data);
  CHECK(fin.data == "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
  CHECK(c.finish(std::string_view(fin.data)));
}

TEST_CASE("scram: message parsers") {
  auto a = parse_scram_client_first("y,a=ad=2Cmin=3D,n=us=2Cer=3D,r=abc,x=ext");
  REQUIRE(a);
  CHECK(a->cbind_flag == 'y');
  CHECK(a->authzid == "ad,min=");
  CHECK(a->username == "us,er=");
  CHECK(a->nonce == "abc");
  CHECK(a->gs2_header == "y,a=ad=2Cmin=3D,");
  CHECK(a->bare == "n=us=2Cer=3D,r=abc,x=ext");
  auto p = parse_scram_client_first("p=tls-unique,,n=u,r=x");
  REQUIRE(p);
  CHECK(p->cbind_flag == 'p');
  CHECK(p->cb_name == "tls-unique");
  struct bad { const char* in; scram_error e; };
  const bad cf[] = {
      {"", scram_error::syntax},
      {"x,,n=u,r=a", scram_error::syntax},
      {"n,n=u,r=a", scram_error::syntax},
      {"n,,r=a", scram_error::syntax},
      {"n,,n=u", scram_error::syntax},
      {"n,,n=u,r=a,", scram_error::syntax},
      {"n,,n=u,r=a,1=x", scram_error::syntax},
      {"n,,n=u,r=a,x", scram_error::syntax},
      {"n,,n=,r=a", scram_error::invalid_name},
      {"n,,n=u=2c,r=a", scram_error::invalid_name},
      {"n,,n=u=,r=a", scram_error::invalid_name},
      {"n,,n=\xff,r=a", scram_error::invalid_name},
      {"n,a=b=x,n=u,r=a", scram_error::invalid_authzid},
      {"n,a=,n=u,r=a", scram_error::invalid_authzid},            // saslname = 1*(...)
      {"n,a=\xc3\x28,n=u,r=a", scram_error::invalid_authzid},    // not UTF-8
      {"y,a=\xed\xa0\x80,n=u,r=a", scram_error::invalid_authzid},  // surrogate
      // Another fault wins: invalid_authzid means the authzid alone is at fault.
      {"n,a=b=x,n=u", scram_error::syntax},
      {"n,a=b=x,n=u,r=a,", scram_error::syntax},
      {"n,a=b=x,m=x,n=u,r=a", scram_error::mandatory_extension},
      {"n,a=b=x,n=\xff,r=a", scram_error::invalid_name},
      {"n,a=b=x,n=u,r=", scram_error::invalid_nonce},
      {"n,,n=u,r=", scram_error::invalid_nonce},
      {"n,,n=u,r=a b", scram_error::invalid_nonce},
      {"n,,n=u,r=a\x7f", scram_error::invalid_nonce},
      {"n,,m=x,n=u,r=a", scram_error::mandatory_extension},
      {"p=,n=u,r=a", scram_error::syntax},
      {"p=tls_unique,,n=u,r=a", scram_error::syntax},
  };
  for (const auto& t : cf) {
    CAPTURE(std::string(t.in));
    auto r = parse_scram_client_first(t.in);
    REQUIRE_FALSE(r);
    CHECK(r.error() == t.e);
  }
  CHECK(parse_scram_client_first(std::string(5000, 'n')).error() == scram_error::too_long);
  CHECK(parse_scram_client_first(std::string("n,a=a\0b,n=u,r=a", 15)).error() == scram_error::invalid_authzid);

  auto s = parse_scram_server_first("r=abc,s=QSXCR+Q6sek8bf92,i=4096,z=ext");
  REQUIRE(s);
  CHECK(s->iterations == 4096);
  CHECK(s->salt.size() == 12);
  const bad sf[] = {
      {"r=abc,s=QSXCR+Q6sek8bf92", scram_error::syntax},
      {"s=QSXCR+Q6sek8bf92,r=abc,i=1", scram_error::syntax},
      {"r=abc,s=QSXCR+Q6sek8bf9,i=1", scram_error::invalid_base64},
      {"r=abc,s=,i=1", scram_error::invalid_base64},
      {"r=abc,s=QSXC R+Q6sek8bf92,i=1", scram_error::invalid_base64},
      {"r=abc,s=QSXCR+Q6sek8bf92,i=0", scram_error::invalid_iterations},
      {"r=abc,s=QSXCR+Q6sek8bf92,i=04096", scram_error::invalid_iterations},
      {"r=abc,s=QSXCR+Q6sek8bf92,i=4294967296", scram_error::invalid_iterations},
      {"r=abc,s=QSXCR+Q6sek8bf92,i=-1", scram_error::invalid_iterations},
      {"r=abc,s=QSXCR+Q6sek8bf92,i=", scram_error::invalid_iterations},
      {"m=1,r=abc,s=QSXCR+Q6sek8bf92,i=1", scram_error::mandatory_extension},
      {"r=a,bc,s=QSXCR+Q6sek8bf92,i=1", scram_error::syntax},
  };
  for (const auto& t : sf) {
    CAPTURE(std::string(t.in));
    auto r = parse_scram_server_first(t.in);
    REQUIRE_FALSE(r);
    CHECK(r.error() == t.e);
  }
  CHECK(parse_scram_server_first("r=abc,s=QSXCR+Q6sek8bf92,i=4294967295")->iterations == 4294967295u);

  auto c = parse_scram_client_final("c=biws,r=abc,e=x,p=dGVzdA==");
  REQUIRE(c);
  CHECK(c->channel_binding == "n,,");
  CHECK(c->without_proof == "c=biws,r=abc,e=x");
  CHECK(c->proof == "test");
  const bad cfin[] = {
      {"c=biws,r=abc", scram_error::syntax},
      {"r=abc,c=biws,p=dGVzdA==", scram_error::syntax},
      {"c=biws,r=abc,p=dGVzdA", scram_error::invalid_base64},
      {"c=biws,r=abc,p=", scram_error::invalid_base64},
      {"c=biws,r=abc,p=dGVzdA==,x=y", scram_error::invalid_base64},
      {"c=bi,r=abc,p=dGVzdA==", scram_error::invalid_base64},
      {"c=biws,r=a c,p=dGVzdA==", scram_error::invalid_nonce},
  };
  for (const auto& t : cfin) {
    CAPTURE(std::string(t.in));
    auto r = parse_scram_client_final(t.in);
    REQUIRE_FALSE(r);
    CHECK(r.error() == t.e);
  }
  auto v = parse_scram_server_final("v=dGVzdA==");
  REQUIRE(v);
  CHECK(v->verifier == "test");
  CHECK_FALSE(v->error);
  CHECK(*parse_scram_server_final("e=other-error")->error == "other-error");
  CHECK(parse_scram_server_final("x=1").error() == scram_error::syntax);
  CHECK(parse_scram_server_final("e=").error() == scram_error::syntax);
  CHECK(parse_scram_server_final("v=dGVzd").error() == scram_error::invalid_base64);
  CHECK(to_string(scram_error::mandatory_extension) == "mandatory-extension");
}

TEST_CASE("scram: our client against our server, both hashes, credentials forms and modes") {
  for (bool sha256 : {false, true}) {
    for (bool stored : {false, true}) {
      for (bool in_success : {false, true}) {
        CAPTURE(sha256);
        CAPTURE(stored);
        CAPTURE(in_success);
        fixture f;
        const std::string user = "j\xc3\xbcrgen,=x", pass = "I\xc2\xadX p\xc3\xa4ss";  // RFC 4013: U+00AD maps to nothing
        if (stored) {
          auto c1 = scram_derive_credentials<xmppcore::crypto::sha1>("IX p\xc3\xa4ss", "salt", 4096);
          auto c2 = scram_derive_credentials<xmppcore::crypto::sha256>("IX p\xc3\xa4ss", "salt", 4096);
          f.store.scram_keys[{int(scram_hash::sha1), user}] = *c1;
          f.store.scram_keys[{int(scram_hash::sha256), user}] = *c2;
        } else {
          f.store.passwords[user] = "IX p\xc3\xa4ss";
        }
        scram_server_options so;
        so.final_in_success = in_success;
        scripted_random crng;
        scram_client_options co;
        co.username = user;
        co.password = pass;
        xc_test::outcome o;
        if (sha256) {
          scram_sha256_server s(so, f.ctx());
          scram_sha256_client c(co, crng);
          o = xc_test::run_exchange(c, s);
          CHECK(s.authcid() == user);
        } else {
          scram_sha1_server s(so, f.ctx());
          scram_sha1_client c(co, crng);
          o = xc_test::run_exchange(c, s);
          CHECK(s.authcid() == user);
        }
        CAPTURE(o.transcript);
        CHECK(o.server_success);
        CHECK(o.client_ok);
        CHECK(o.challenges == (in_success ? 1 : 2));
      }
    }
  }
}

namespace {
// A full exchange against a fresh sha256 server; returns the final server verdict.
struct scram_run {
  fixture f;
  scram_server_options so;
  scram_client_options co;
  xc_test::outcome run() {
    scram_sha256_server s(so, f.ctx());
    scripted_random crng;
    scram_sha256_client c(co, crng);
    auto o = xc_test::run_exchange(c, s);
    authzid = s.authzid();
    return o;
  }
  std::string authzid;
  scram_run() {
    f.store.passwords["juliet"] = "r0m30myr0m30";
    co.username = "juliet";
    co.password = "r0m30myr0m30";
  }
};

// Runs the server to its server-first message for client-first `cf`.
std::string server_first_for(scram_sha256_server& s, std::string_view cf) {
  auto a = s.step(cf);
  REQUIRE(a.is_challenge());
  return a.data;
}
}  // namespace

TEST_CASE("scram server: every rejection") {
  SUBCASE("wrong password → not-authorized") {
    scram_run r;
    r.co.password = "x";
    CHECK(r.run().server_failure == sasl_condition::not_authorized);
  }
  SUBCASE("unknown user: a server-first is still sent, then not-authorized") {
    scram_run r;
    r.co.username = "nobody";
    auto o = r.run();
    CHECK(o.challenges == 1);
    CHECK(o.server_failure == sasl_condition::not_authorized);
  }
  SUBCASE("made-up salts: random per attempt, or stable per user with salt_key (RFC 5802 §9)") {
    fixture f;
    f.store.passwords["juliet"] = "r0m30myr0m30";
    auto salt_of = [&](const scram_server_options& so, std::string_view cf) {
      scram_sha256_server s(so, f.ctx());
      return parse_scram_server_first(server_first_for(s, cf))->salt;
    };
    scram_server_options so;
    CHECK(salt_of(so, "n,,n=nobody,r=abc") != salt_of(so, "n,,n=nobody,r=abc"));
    so.salt_key = "k";
    CHECK(salt_of(so, "n,,n=nobody,r=abc") == salt_of(so, "n,,n=nobody,r=abc"));
    CHECK(salt_of(so, "n,,n=juliet,r=abc") == salt_of(so, "n,,n=juliet,r=xyz"));
    CHECK(salt_of(so, "n,,n=juliet,r=abc") != salt_of(so, "n,,n=nobody,r=abc"));
    CHECK(salt_of(so, "n,,n=nobody,r=abc").size() == 16);
  }
  SUBCASE("credential store unavailable → temporary-auth-failure") {
    scram_run r;
    r.f.store.failure = sasl_condition::temporary_auth_failure;
    CHECK(r.run().server_failure == sasl_condition::temporary_auth_failure);
  }
  SUBCASE("authzid: refused → invalid-authzid; allowed → success; default not sent") {
    scram_run r;
    r.co.authzid = "romeo@example.com";
    CHECK(r.run().server_failure == sasl_condition::invalid_authzid);
    r.f.authz.allowed.insert({"juliet", "romeo@example.com"});
    CHECK(r.run().client_ok);
    CHECK(r.authzid == "romeo@example.com");
    r.co.authzid = "juliet@example.com";
    r.co.domain = "example.com";
    CHECK(r.run().client_ok);
    CHECK(r.authzid == "");
  }
  SUBCASE("authzid with a wrong password → not-authorized, allowed or refused") {
    scram_run r;
    r.f.authz.allowed.insert({"juliet", "romeo@example.com"});
    r.co.password = "x";
    r.co.authzid = "romeo@example.com";
    CHECK(r.run().server_failure == sasl_condition::not_authorized);
    r.co.authzid = "nurse@example.com";
    CHECK(r.run().server_failure == sasl_condition::not_authorized);
    r.co.password = "r0m30myr0m30";
    CHECK(r.run().server_failure == sasl_condition::invalid_authzid);
  }
  SUBCASE("gs2 'y': accepted without -PLUS, refused when -PLUS was advertised (downgrade)") {
    scram_run r;
    r.co.gs2_flag = 'y';
    CHECK(r.run().client_ok);
    r.so.plus_advertised = true;
    CHECK(r.run().server_failure == sasl_condition::not_authorized);
    r.co.gs2_flag = 'n';
    CHECK(r.run().client_ok);  // 'n' is fine either way
  }
  fixture f;
  f.store.passwords["juliet"] = "r0m30myr0m30";
  scram_server_options so;
  SUBCASE("malformed client-first messages") {
    struct bad { std::string in; sasl_condition c; const char* detail; };
    const bad cases[] = {
        // Well-formed (RFC 5802 §7) but refused: not-authorized, the draft's catch-all.
        {"p=tls-unique,,n=juliet,r=abc", sasl_condition::not_authorized, ""},  // no -PLUS here
        {"n,,m=x,n=juliet,r=abc", sasl_condition::not_authorized, "mandatory-extension"},  // RFC 5802 §5.1
        {"n,,n=\xc2\xad,r=abc", sasl_condition::not_authorized, "empty"},  // SASLprep leaves nothing (§5.1)
        // Not RFC 5802 §7's grammar: malformed-request (RFC 6120 §6.5.8).
        {"x,,n=juliet,r=abc", sasl_condition::malformed_request, "syntax"},  // gs2-cbind-flag
        {"n,,n=juliet", sasl_condition::malformed_request, "syntax"},        // no nonce
        {"", sasl_condition::malformed_request, "syntax"},
        {"n,,n=juliet,r=a b", sasl_condition::malformed_request, "invalid-nonce"},  // printable excludes SP
        {"n,,n=jul=2ciet,r=abc", sasl_condition::malformed_request, "invalid-name"},  // "=2C" only, upper case
        {std::string(5000, 'a'), sasl_condition::malformed_request, "too-long"},
    };
    for (const auto& t : cases) {
      CAPTURE(t.in);
      f.store.asked.clear();
      scram_sha256_server s(so, f.ctx());
      auto v = s.step(std::string_view(t.in));
      REQUIRE(v.is_failure());
      CHECK(v.condition == t.c);
      CHECK(v.detail == t.detail);
      if (v.condition == sasl_condition::malformed_request) CHECK(f.store.asked.empty());
      CHECK(s.step(std::string_view("")).is_failure());
    }
    // Draft §6.4, RFC 6120 §6.5.6: an "incorrectly formatted" authzid is
    // invalid-authzid, answered before any credential lookup.
    for (std::string cf : {std::string("n,a=bad=escape,n=juliet,r=abc"), std::string("n,a=,n=juliet,r=abc"),
                           std::string("n,a=r\xc3\x28meo,n=juliet,r=abc"),
                           std::string("y,a=a\0b,n=juliet,r=abc", 22)}) {
      CAPTURE(cf);
      f.store.asked.clear();
      scram_sha256_server s(so, f.ctx());
      auto v = s.step(std::string_view(cf));
      REQUIRE(v.is_failure());
      CHECK(v.condition == sasl_condition::invalid_authzid);
      CHECK(f.store.asked.empty());
      CHECK(s.step(std::string_view("")).is_failure());
    }
    // A message also malformed elsewhere is malformed-request, not an authzid problem.
    scram_sha256_server s(so, f.ctx());
    auto v = s.step(std::string_view("n,a=bad=escape,n=juliet"));
    REQUIRE(v.is_failure());
    CHECK(v.condition == sasl_condition::malformed_request);
  }
  SUBCASE("server nonce and iteration count floors") {
    scram_server_options weak;
    weak.nonce_length = 0;
    weak.iterations = 0;
    scram_sha256_server s(weak, f.ctx());
    auto sf = parse_scram_server_first(server_first_for(s, "n,,n=juliet,r=abc"));
    REQUIRE(sf);
    CHECK(sf->nonce.size() == 3 + 16);
    CHECK(sf->iterations == 4096);
  }
  SUBCASE("no initial response: empty challenge first") {
    scram_sha256_server s(so, f.ctx());
    auto c = s.step(std::nullopt);
    REQUIRE(c.is_challenge());
    CHECK(c.data.empty());
    CHECK(s.step(std::string_view("n,,n=juliet,r=abc")).is_challenge());
  }
  SUBCASE("client-final: channel binding, nonce, proof") {
    const std::string cf = "n,,n=juliet,r=abcdef";
    auto proof_for = [&](const std::string& sfirst, const std::string& without_proof) {
      const auto salt = *parse_scram_server_first(sfirst);
      auto k = scram_derive_credentials<xmppcore::crypto::sha256>("r0m30myr0m30", salt.salt, salt.iterations);
      REQUIRE(k);
      // ClientKey from scratch (RFC 5802 §3), independent of the server object.
      const auto salted = xmppcore::crypto::pbkdf2<xmppcore::crypto::sha256>("r0m30myr0m30", salt.salt, salt.iterations);
      const auto ck = xmppcore::crypto::hmac<xmppcore::crypto::sha256>::mac(
          std::string_view(reinterpret_cast<const char*>(salted.data()), salted.size()), "Client Key");
      const std::string am = "n=juliet,r=abcdef," + sfirst + "," + without_proof;
      auto sig = xmppcore::crypto::hmac<xmppcore::crypto::sha256>::mac(k->stored_key, am);
      for (std::size_t i = 0; i < sig.size(); ++i) sig[i] ^= ck[i];
      return xmppcore::crypto::base64_encode(std::span<const std::byte>(sig));
    };
    struct mutation { const char* what; int kind; };
    for (auto m : {mutation{"good", 0}, mutation{"c=eSws (y) after n", 1}, mutation{"nonce truncated", 2},
                   mutation{"proof flipped", 3}, mutation{"proof short", 4}, mutation{"nonce is client's only", 5}}) {
      CAPTURE(m.what);
      scram_sha256_server s(so, f.ctx());
      const std::string sfirst = server_first_for(s, cf);
      std::string nonce = parse_scram_server_first(sfirst)->nonce;
      std::string cb = "biws";
      if (m.kind == 1) cb = "eSws";
      if (m.kind == 2) nonce.pop_back();
      if (m.kind == 5) nonce = "abcdef";
      const std::string wp = "c=" + cb + ",r=" + nonce;
      std::string proof = proof_for(sfirst, wp);
      if (m.kind == 3) proof[0] = proof[0] == 'A' ? 'B' : 'A';
      if (m.kind == 4) proof = "dGVzdA==";
      auto v = s.step(std::string_view(wp + ",p=" + proof));
      if (m.kind == 0) {
        CHECK(v.is_challenge());
        CHECK(s.step(std::string_view("x")).is_failure());  // the reply to v= must be empty
      } else {
        REQUIRE(v.is_failure());
        CHECK(v.condition == sasl_condition::not_authorized);
      }
    }
  }
  SUBCASE("malformed client-final messages: malformed-request (RFC 6120 §6.5.8), base64 inside included") {
    // Bad base64 inside c= or p= breaks SCRAM's own grammar (RFC 5802 §7); it
    // is not <incorrect-encoding/>, which is about the XMPP element's text (draft §6.4).
    struct bad { std::string in; const char* detail; };
    const bad cases[] = {
        {"c=biws,r=abcdef,p=not base64", "invalid-base64"},
        {"c=bi!s,r=abcdef,p=dGVzdA==", "invalid-base64"},
        {"r=abcdef,p=dGVzdA==", "syntax"},    // c= first
        {"c=biws,r=abcdef", "syntax"},        // no proof
        {"c=biws,r=a b,p=dGVzdA==", "invalid-nonce"},
        {"", "syntax"},
    };
    for (const auto& t : cases) {
      CAPTURE(t.in);
      scram_sha256_server s(so, f.ctx());
      (void)server_first_for(s, "n,,n=juliet,r=abcdef");
      auto v = s.step(std::string_view(t.in));
      REQUIRE(v.is_failure());
      CHECK(v.condition == sasl_condition::malformed_request);
      CHECK(v.reason == "malformed client-final-message");
      CHECK(v.detail == t.detail);
    }
  }
  SUBCASE("unconfigured server") {
    scram_sha256_server s(so, server_context{});
    auto v = s.step(std::string_view("n,,n=juliet,r=abc"));
    REQUIRE(v.is_failure());
    CHECK(v.condition == sasl_condition::temporary_auth_failure);
  }
}

namespace {
// Processor time of the fastest of `runs` answers to client-first `cf`; every
// answer must be a server-first (xc_test::fastest_cpu_seconds).
template <class Hash>
double server_first_cpu(fixture& f, std::string_view cf, const scram_server_options& o = {}, int runs = 5) {
  return xc_test::fastest_cpu_seconds([&] { return scram_server<Hash>(o, f.ctx()); },
                                      [&](scram_server<Hash>& s) { return s.step(cf); },
                                      [](const auto& v) { CHECK(v.is_challenge()); }, runs);
}

// The server-first's timing must not tell which users exist or how their
// credentials are stored. The attacker measures the time from client-first to
// server-first. A plaintext password means running Hi() = PBKDF2 (RFC 5802
// §3) at 4096 iterations, a millisecond or so; an unknown user or stored keys
// need no derivation and were answered in microseconds, two orders of
// magnitude apart, against the factor 3 allowed here either way. Then the
// exchange fails the same way for all of them at the client-final, which
// costs two HMACs and a hash whatever the user.
template <class Hash>
void server_first_timing() {
  fixture f;
  f.store.passwords["pat"] = "pencil";
  f.store.passwords["eve"] = "bell\x07";  // fails SASLprep (RFC 4013 §2.3): no keys can be derived
  f.store.scram_keys[{int(scram_traits<Hash>::id), "tim"}] =
      *scram_derive_credentials<Hash>("pencil", "saltsaltsaltsalt", 4096);
  auto broken = *scram_derive_credentials<Hash>("pencil", "saltsaltsaltsalt", 4096);
  broken.stored_key.pop_back();  // unusable, and no password: treated as unknown
  f.store.scram_keys[{int(scram_traits<Hash>::id), "bob"}] = broken;
  f.store.scram_keys[{int(scram_traits<Hash>::id), "ann"}] =
      *scram_derive_credentials<Hash>("pencil", "saltsaltsaltsalt", 8 * 4096);
  auto huge = *scram_derive_credentials<Hash>("pencil", "saltsaltsaltsalt", 1);
  huge.iterations = 0xffffffffu;  // e.g. a corrupt entry
  f.store.scram_keys[{int(scram_traits<Hash>::id), "max"}] = huge;
  (void)server_first_cpu<Hash>(f, "n,,n=pat,r=warm-up", {}, 1);

  const double known = server_first_cpu<Hash>(f, "n,,n=pat,r=abc");
  REQUIRE(known > 0);
  struct timed { std::string label, cf, iterations; };
  const timed cases[] = {
      {"plaintext password (the reference)", "n,,n=pat,r=xyz", "4096"},
      {"unknown user", "n,,n=nobody,r=abc", "4096"},
      {"stored keys", "n,,n=tim,r=abc", "4096"},
      {"unusable stored keys", "n,,n=bob,r=abc", "4096"},
      {"password failing SASLprep", "n,,n=eve,r=abc", "4096"},
      {"unknown user, authzid", "n,a=boss@example.com,n=nobody,r=abc", "4096"},
      // Stored at a count the server never announces for anybody else: the
      // i= value already says the user exists, and the stand-in stops at the
      // server's own count (a client could make it run 2^32-1 rounds otherwise).
      {"stored keys, higher count", "n,,n=ann,r=abc", "32768"},
      {"stored keys, corrupt count", "n,,n=max,r=abc", "4294967295"},
  };
  for (const auto& t : cases) {
    CAPTURE(t.label);
    const double other = server_first_cpu<Hash>(f, t.cf);
    CAPTURE(known);
    CAPTURE(other);
    CHECK(other * 3 > known);
    CHECK(other < known * 3);
    // The messages are unchanged: a server-first with the announced count,
    // then for a wrong proof not-authorized, the same for every user.
    scram_server<Hash> s(scram_server_options{}, f.ctx());
    const auto sf = parse_scram_server_first(s.step(std::string_view(t.cf)).data);
    REQUIRE(sf);
    CHECK(std::to_string(sf->iterations) == t.iterations);
    const std::string wp = "c=" + xmppcore::crypto::base64_encode(t.cf.substr(0, t.cf.find(",n=") + 1)) + ",r=" +
                           sf->nonce;
    const auto v = s.step(std::string_view(wp + ",p=" +
                                           xmppcore::crypto::base64_encode(std::string(Hash::digest_size, 'x'))));
    REQUIRE(v.is_failure());
    CHECK(v.condition == sasl_condition::not_authorized);
    CHECK(v.reason == "wrong proof");
  }
  // A server that announces a higher count pays it for unknown users too.
  scram_server_options eight;
  eight.iterations = 8 * 4096;
  const double slow = server_first_cpu<Hash>(f, "n,,n=nobody,r=abc", eight, 3);
  CAPTURE(slow);
  CHECK(slow > known * 3);
  // equalize_timing off (a store with stored keys for everybody): no PBKDF2
  // for unknown users or stored keys, and both cost the same again.
  scram_server_options fast;
  fast.equalize_timing = false;
  const double fast_unknown = server_first_cpu<Hash>(f, "n,,n=nobody,r=abc", fast);
  const double fast_stored = server_first_cpu<Hash>(f, "n,,n=tim,r=abc", fast);
  CAPTURE(fast_unknown);
  CAPTURE(fast_stored);
  CHECK(fast_unknown * 20 < known);
  CHECK(fast_stored * 20 < known);
  // Malformed messages never reach the store and pay nothing.
  const double malformed = xc_test::fastest_cpu_seconds(
      [&] { return scram_server<Hash>(scram_server_options{}, f.ctx()); },
      [](scram_server<Hash>& s) { return s.step(std::string_view("n,,n=nobody,r=a b")); },
      [](const auto& v) { CHECK(v.is_failure()); });
  CHECK(malformed * 20 < known);
}
}  // namespace

TEST_CASE("scram server: the server-first costs the same whoever the user and however stored (SHA-1)") {
  server_first_timing<xmppcore::crypto::sha1>();
}
TEST_CASE("scram server: the server-first costs the same whoever the user and however stored (SHA-256)") {
  server_first_timing<xmppcore::crypto::sha256>();
}

TEST_CASE("scram client: every rejection") {
  auto client = [](scripted_random& rng, scram_client_options o = {}) {
    if (o.username.empty()) {
      o.username = "user";
      o.password = "pencil";
    }
    return scram_sha1_client(o, rng);
  };
  // Each refusal keeps its reason, and the parser's own one when the message
  // did not parse (RFC 5802 §7 grammar; nonces from the RFC 5802 §5 example).
  struct bad { const char* in; client_error::kind e; const char* reason; const char* detail; };
  const char* const unparsed = "server-first-message does not parse";
  const bad cases[] = {
      {"r=XXXXfyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=4096", client_error::malformed_challenge,
       "server-first nonce does not start with our client nonce", ""},
      {"r=fyko+d2lbbFgONRv9qkxdawL,s=QSXCR+Q6sek8bf92,i=4096", client_error::malformed_challenge,
       "server-first nonce adds nothing to ours", ""},
      {"r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=4095", client_error::unsupported_challenge,
       "iteration count below min_iterations", ""},
      {"r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=1000001", client_error::unsupported_challenge,
       "iteration count above max_iterations", ""},
      {"r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=0", client_error::malformed_challenge, unparsed,
       "invalid-iterations"},
      {"r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf9,i=4096", client_error::malformed_challenge, unparsed,
       "invalid-base64"},
      {"r=fyko+d2lbbFgONRv9qkxdawL3rfc,i=4096", client_error::malformed_challenge, unparsed, "syntax"},
      {"r=fyko+d2lbbFgONRv9qkxdawL3r c,s=QSXCR+Q6sek8bf92,i=4096", client_error::malformed_challenge, unparsed,
       "invalid-nonce"},
      {"m=x,r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=4096", client_error::malformed_challenge, unparsed,
       "mandatory-extension"},
      {"", client_error::malformed_challenge, unparsed, "syntax"},
  };
  for (const auto& t : cases) {
    CAPTURE(std::string(t.in));
    scripted_random rng(xc_test::spell("fyko+d2lbbFgONRv9qkxdawL", printable));
    auto c = client(rng);
    REQUIRE(c.initial_response());
    const auto e = c.respond(t.in).error();
    CHECK(e == t.e);
    CHECK(e.reason == t.reason);
    CHECK(e.detail == t.detail);
    const auto again = c.respond("v=rmF9pqV8S7suAoZWja4dJRkFsKQ=").error();
    CHECK(again == client_error::unexpected_message);
    CHECK(again.reason == "the exchange already failed");
  }
  SUBCASE("malformed server-final and unexpected messages") {
    scripted_random rng(xc_test::spell("fyko+d2lbbFgONRv9qkxdawL", printable));
    auto c = client(rng);
    REQUIRE(c.initial_response());
    REQUIRE(c.respond("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096"));
    CHECK(c.respond("v=not base64").error() == client_error::malformed_challenge);
    scripted_random rng2;
    auto c2 = client(rng2);
    CHECK(c2.respond("r=x,s=QSXCR+Q6sek8bf92,i=4096").error() == client_error::unexpected_message);  // before start
    CHECK(c2.initial_response().error() == client_error::unexpected_message);  // failure is final
  }
  SUBCASE("credentials that fail SASLprep, and an invalid gs2 flag") {
    scripted_random rng;
    scram_client_options o;
    o.username = "user";
    o.password = "bell\x07";  // RFC 4013 §2.3: control characters are prohibited
    const auto e = client(rng, o).initial_response().error();
    CHECK(e == client_error::invalid_credentials);
    CHECK(e.reason == "password fails SASLprep");
    CHECK(e.detail == "prohibited");
    o.password = "\xc2\xad";  // mapped to nothing (RFC 4013 §2.2): nothing left to send
    CHECK(client(rng, o).initial_response().error().detail == "empty");
    o.password = "pencil";
    o.gs2_flag = 'p';
    CHECK(client(rng, o).initial_response().error() == client_error::invalid_credentials);
  }
  SUBCASE("client nonce floor: at least 16 printable characters, as the server's (RFC 5802 §5.1)") {
    for (std::size_t asked : {std::size_t{0}, std::size_t{1}, std::size_t{15}, std::size_t{16}, std::size_t{40}}) {
      CAPTURE(asked);
      scripted_random rng;
      scram_client_options o;
      o.username = "user";
      o.password = "pencil";
      o.nonce_length = asked;
      auto ir = client(rng, o).initial_response();
      REQUIRE(ir);
      auto cf = parse_scram_client_first(**ir);
      REQUIRE(cf);
      CHECK(cf->nonce.size() == std::max<std::size_t>(asked, 16));
    }
    scram_run r;
    r.co.nonce_length = 0;
    CHECK(r.run().client_ok);
  }
  SUBCASE("authzid and username escaping in the gs2 header") {
    scripted_random rng;
    scram_client_options o;
    o.username = "a,b=c";
    o.password = "p";
    o.authzid = "x,y@example.com";
    auto ir = client(rng, o).initial_response();
    REQUIRE(ir);
    CHECK((*ir)->starts_with("n,a=x=2Cy@example.com,n=a=2Cb=3Dc,r="));
  }
}

// ---------------------------------------------------------------- GNU SASL interop ---

namespace {
struct interop_case {
  std::string label, user, pass, authzid;
};
const interop_case scram_interop[] = {
    {"ascii", "juliet", "r0m30myr0m30", ""},
    {"authzid", "juliet", "r0m30myr0m30", "romeo@example.com"},
    {"latin-1 name and password", "j\xc3\xbcrgen", "p\xc3\xa4ssw\xc3\xb6rd", ""},
    {"CJK name, Cyrillic password", "\xe7\x94\xa8\xe6\x88\xb7", "\xd0\xbf\xd0\xb0\xd1\x80\xd0\xbe\xd0\xbb\xd1\x8c", ""},
    {"name needing escapes", "a,b=c", "pw", ""},
};

template <class Hash>
void interop_both_ways(const char* mech) {
  for (const auto& t : scram_interop) {
    CAPTURE(t.label);
    {  // our client → GNU SASL server
      xc_test::gsasl_props props;
      props.users[t.user] = t.pass;
      scripted_random rng;
      scram_client_options o;
      o.username = t.user;
      o.password = t.pass;
      o.authzid = t.authzid;
      scram_client<Hash> c(o, rng);
      std::string why;
      CHECK_MESSAGE(xc_test::our_client_vs_gsasl_server(c, mech, props, &why), why);
      CHECK(props.seen_authid == t.user);
      CHECK(props.seen_authzid == t.authzid);
    }
    for (bool in_success : {false, true}) {  // GNU SASL client → our server
      CAPTURE(in_success);
      fixture f;
      f.store.passwords[t.user] = t.pass;
      f.authz.allowed.insert({t.user, "romeo@example.com"});
      scram_server_options so;
      so.final_in_success = in_success;
      scram_server<Hash> s(so, f.ctx());
      xc_test::gsasl_props props;
      props.values[GSASL_AUTHID] = t.user;
      props.values[GSASL_PASSWORD] = t.pass;
      if (!t.authzid.empty()) props.values[GSASL_AUTHZID] = t.authzid;
      std::string why;
      CHECK_MESSAGE(xc_test::gsasl_client_vs_our_server(s, mech, props, false, &why), why);
      CHECK(s.authcid() == t.user);
      CHECK(s.authzid() == t.authzid);
    }
  }
  SUBCASE("stored keys only, GNU SASL client") {
    fixture f;
    f.store.scram_keys[{int(scram_traits<Hash>::id), "juliet"}] =
        *scram_derive_credentials<Hash>("r0m30myr0m30", "0123456789abcdef", 4096);
    scram_server<Hash> s(scram_server_options{}, f.ctx());
    xc_test::gsasl_props props;
    props.values[GSASL_AUTHID] = "juliet";
    props.values[GSASL_PASSWORD] = "r0m30myr0m30";
    std::string why;
    CHECK_MESSAGE(xc_test::gsasl_client_vs_our_server(s, mech, props, false, &why), why);
  }
  SUBCASE("GNU SASL client, wrong password") {
    fixture f;
    f.store.passwords["juliet"] = "r0m30myr0m30";
    scram_server<Hash> s(scram_server_options{}, f.ctx());
    xc_test::gsasl_props props;
    props.values[GSASL_AUTHID] = "juliet";
    props.values[GSASL_PASSWORD] = "wrong";
    CHECK_FALSE(xc_test::gsasl_client_vs_our_server(s, mech, props, false));
  }
}
}  // namespace

TEST_CASE("scram-sha-1 interop with GNU SASL, both directions") { interop_both_ways<xmppcore::crypto::sha1>("SCRAM-SHA-1"); }
TEST_CASE("scram-sha-256 interop with GNU SASL, both directions") {
  interop_both_ways<xmppcore::crypto::sha256>("SCRAM-SHA-256");
}

TEST_CASE("scram_derive_credentials: a server-side helper with its own error type") {
  using xmppcore::crypto::sha256;
  static_assert(std::is_same_v<decltype(scram_derive_credentials<sha256>("", "", 0))::error_type, scram_derive_error>);
  // RFC 4013 §2.3: control characters are prohibited; RFC 4616 §2: nothing left is a failure too.
  CHECK(scram_derive_credentials<sha256>("bell\x07", "salt", 4096).error() ==
        scram_derive_error::password_fails_saslprep);
  CHECK(scram_derive_credentials<sha256>("\xc2\xad", "salt", 4096).error() ==
        scram_derive_error::password_fails_saslprep);
  // RFC 5802 §7: salt = 1*base64-char's worth of octets, iteration-count = posit-number.
  // Keys made otherwise are ones scram_server would never use.
  CHECK(scram_derive_credentials<sha256>("pencil", "", 4096).error() == scram_derive_error::empty_salt);
  CHECK(scram_derive_credentials<sha256>("pencil", "salt", 0).error() == scram_derive_error::zero_iterations);
  CHECK(to_string(scram_derive_error::zero_iterations) == "zero-iterations");
  auto k = scram_derive_credentials<sha256>("pencil", "salt", 1);
  REQUIRE(k);
  CHECK(k->iterations == 1);
}
