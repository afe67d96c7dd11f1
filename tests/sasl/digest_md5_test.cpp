#include <xmppcore/sasl/digest_md5.hpp>

#include "gsasl_peer.hpp"
#include "support.hpp"

#include <doctest/doctest.h>

#include <xmppcore/crypto/hex.hpp>
#include <xmppcore/sasl/detail/text.hpp>

#include <string>

using namespace xmppcore::sasl;
using xmppcore::sasl_condition;
using xc_test::scripted_random;

namespace {
// RFC 2831 §4 (ERRATA.md: the draft's §6.5 values are not consistent; these are).
const std::string rfc_challenge =
    R"(realm="elwood.innosoft.com",nonce="OA6MG9tEQGm2hh",qop="auth",algorithm=md5-sess,charset=utf-8)";
const std::string rfc_response =
    R"(charset=utf-8,username="chris",realm="elwood.innosoft.com",nonce="OA6MG9tEQGm2hh",nc=00000001,)"
    R"(cnonce="OA6MHXh6VqTrRk",digest-uri="imap/elwood.innosoft.com",)"
    R"(response=d388dad90d4bbd760a152321f2143af7,qop=auth)";

digest_md5_client_options rfc_client_options() {
  digest_md5_client_options o;
  o.username = "chris";
  o.password = "secret";
  o.service = "imap";
  o.host = "elwood.innosoft.com";
  o.cnonce_length = 14;
  return o;
}

std::string hex(const std::string& s) { return xmppcore::crypto::to_hex(s); }

struct server_fixture {
  xc_test::memory_store store;
  xc_test::list_authorizer authz;
  scripted_random rng;
  digest_md5_server_options opts;
  server_fixture() {
    store.passwords["juliet"] = "r0m30myr0m30";
    opts.hosts = {"example.com"};
  }
  server_context ctx() { return server_context{&store, &authz, &rng}; }
};

// A digest-response built by hand for the server's nonce, with fields the test may override.
struct response_builder {
  std::string username = "juliet", realm = "example.com", password = "r0m30myr0m30", nonce, cnonce = "abcdefgh",
              nc = "00000001", qop = "auth", uri = "xmpp/example.com", authzid, extra;
  bool with_realm = true, with_qop = true;
  std::string response_override;
  std::string build() const {
    const std::string secret = digest_md5_secret(username, realm, password);
    const std::string resp = response_override.empty()
                                 ? digest_md5_response_value(secret, nonce, cnonce, nc, qop, uri, authzid, false)
                                 : response_override;
    std::string s = "charset=utf-8,username=\"" + username + "\"";
    if (with_realm) s += ",realm=\"" + realm + "\"";
    s += ",nonce=\"" + nonce + "\",cnonce=\"" + cnonce + "\",nc=" + nc;
    if (with_qop) s += ",qop=" + qop;
    s += ",digest-uri=\"" + uri + "\",response=" + resp;
    if (!authzid.empty()) s += ",authzid=\"" + authzid + "\"";
    return s + extra;
  }
};

// Runs the server to its first challenge and returns the verdict on `b`'s response.
server_step server_verdict(server_fixture& f, response_builder b) {
  digest_md5_server srv(f.opts, f.ctx());
  auto c = srv.step(std::nullopt);
  REQUIRE(c.is_challenge());
  b.nonce = srv.nonce();
  return srv.step(std::string_view(b.build()));
}
}  // namespace

TEST_CASE("digest-md5 response, RFC 2831 §4 example") {
  // The hash functions alone.
  const std::string secret = digest_md5_secret("chris", "elwood.innosoft.com", "secret");
  CHECK(digest_md5_response_value(secret, "OA6MG9tEQGm2hh", "OA6MHXh6VqTrRk", "00000001", "auth",
                                  "imap/elwood.innosoft.com", "", false) == "d388dad90d4bbd760a152321f2143af7");
  CHECK(digest_md5_response_value(secret, "OA6MG9tEQGm2hh", "OA6MHXh6VqTrRk", "00000001", "auth",
                                  "imap/elwood.innosoft.com", "", true) == "ea40f60335c427b5527b84dbabcdfffd");
  // The client, with the cnonce fixed through the random source.
  scripted_random rng(xc_test::spell("OA6MHXh6VqTrRk", detail::nonce_alphabet_base64));
  digest_md5_client c(rfc_client_options(), rng);
  CHECK(c.name() == "DIGEST-MD5");
  auto ir = c.initial_response();
  REQUIRE(ir);
  CHECK_FALSE(*ir);  // server speaks first
  auto r = c.respond(rfc_challenge);
  REQUIRE(r);
  CHECK(*r == rfc_response);
  SUBCASE("rspauth in a second challenge (draft §6.5)") {
    auto e = c.respond("rspauth=ea40f60335c427b5527b84dbabcdfffd");
    REQUIRE(e);
    CHECK(e->empty());
    CHECK(c.finish(std::nullopt));
  }
  SUBCASE("rspauth as success data (RFC 6120 §6.4.6)") {
    CHECK(c.finish(std::string_view("rspauth=ea40f60335c427b5527b84dbabcdfffd")));
  }
  SUBCASE("the draft's rspauth with its stray 'n' is refused") {
    CHECK(c.respond("rspauth=ea40f60335c427b5527b84dbabcdnfffd").error() == client_error::malformed_challenge);
  }
  SUBCASE("a wrong rspauth is refused") {
    CHECK(c.respond("rspauth=ea40f60335c427b5527b84dbabcdfffe").error() == client_error::server_not_authenticated);
  }
  SUBCASE("success without rspauth: the server never proved itself") {
    CHECK(c.finish(std::nullopt).error() == client_error::server_not_authenticated);
  }
}

TEST_CASE("digest-md5: ISO 8859-1 conversion rule for charset=utf-8 (RFC 2831 §2.1.2.1)") {
  // Expected values from python3: hashlib.md5(s.encode('latin-1' or 'utf-8')).
  CHECK(hex(digest_md5_secret("j\xc3\xbcrgen", "example.com", "p\xc3\xa4ssw\xc3\xb6rd")) ==
        "520c2db3cb19ae4a39dfdcd720284cc0");  // all three Latin-1 representable
  // Username not representable (CJK): stays UTF-8; the password still converts.
  CHECK(hex(digest_md5_secret("\xe7\x94\xa8\xe6\x88\xb7", "example.com", "p\xc3\xa4ssw\xc3\xb6rd")) ==
        "f9cd2da8d3b4271a5d87942cab8e9b78");
  CHECK(detail::utf8_to_latin1("\xc3\xbf") == std::optional<std::string>("\xff"));
  CHECK_FALSE(detail::utf8_to_latin1("\xc4\x80"));  // U+0100
  CHECK(detail::latin1_to_utf8("\xe9") == "\xc3\xa9");
}

TEST_CASE("digest-md5: our client against our server") {
  server_fixture f;
  scripted_random crng;
  SUBCASE("password credentials, rspauth in a challenge") {
    digest_md5_server srv(f.opts, f.ctx());
    digest_md5_client cl({"juliet", "r0m30myr0m30", "", "xmpp", "example.com", "", "", 24}, crng);
    auto o = xc_test::run_exchange(cl, srv);
    CAPTURE(o.transcript);
    CHECK(o.server_success);
    CHECK(o.client_ok);
    CHECK(o.challenges == 2);
    CHECK(srv.authcid() == "juliet");
    CHECK(srv.authzid() == "");
    CHECK(srv.nonce().size() == 32);
  }
  SUBCASE("stored H(user:realm:pass) only, rspauth as success data") {
    f.store.passwords.clear();
    f.store.digest[{"juliet", "example.com"}] = digest_md5_secret("juliet", "example.com", "r0m30myr0m30");
    f.opts.rspauth_in_success = true;
    digest_md5_server srv(f.opts, f.ctx());
    digest_md5_client cl({"juliet", "r0m30myr0m30", "", "xmpp", "example.com", "", "", 24}, crng);
    auto o = xc_test::run_exchange(cl, srv);
    CHECK(o.server_success);
    CHECK(o.client_ok);
    CHECK(o.challenges == 1);
  }
  SUBCASE("non-ASCII names, Latin-1 representable and not, stored hash") {
    for (const auto& up : {std::pair<std::string, std::string>{"j\xc3\xbcrgen", "p\xc3\xa4ssw\xc3\xb6rd"},
                           {"\xe7\x94\xa8\xe6\x88\xb7", "\xd0\xbf\xd0\xb0\xd1\x80\xd0\xbe\xd0\xbb\xd1\x8c"}}) {
      const std::string user = up.first, pass = up.second;
      f.store.digest[{user, "example.com"}] = digest_md5_secret(user, "example.com", pass);
      digest_md5_server srv(f.opts, f.ctx());
      digest_md5_client cl({user, pass, "", "xmpp", "example.com", "", "", 24}, crng);
      auto o = xc_test::run_exchange(cl, srv);
      CAPTURE(user);
      CHECK(o.server_success);
      CHECK(o.client_ok);
      CHECK(srv.authcid() == user);
    }
  }
  SUBCASE("authzid: allowed, refused, and the default not sent") {
    f.authz.allowed.insert({"juliet", "romeo@example.com"});
    {
      digest_md5_server srv(f.opts, f.ctx());
      digest_md5_client cl({"juliet", "r0m30myr0m30", "romeo@example.com", "xmpp", "example.com", "", "", 24}, crng);
      auto o = xc_test::run_exchange(cl, srv);
      CHECK(o.client_ok);
      CHECK(srv.authzid() == "romeo@example.com");
    }
    {
      digest_md5_server srv(f.opts, f.ctx());
      digest_md5_client cl({"juliet", "r0m30myr0m30", "nurse@example.com", "xmpp", "example.com", "", "", 24}, crng);
      auto o = xc_test::run_exchange(cl, srv);
      CHECK(o.server_failure == sasl_condition::invalid_authzid);
    }
    {
      // draft §6.1 rule 7: juliet@example.com is the default identity, so no authzid is sent.
      digest_md5_server srv(f.opts, f.ctx());
      digest_md5_client cl({"juliet", "r0m30myr0m30", "juliet@example.com", "xmpp", "example.com", "", "", 24},
                           crng);
      auto o = xc_test::run_exchange(cl, srv);
      CHECK(o.client_ok);
      CHECK(srv.authzid() == "");
      CHECK(o.transcript[2].find(xmppcore::crypto::base64_encode(std::string_view("authzid"))) == std::string::npos);
    }
  }
  SUBCASE("wrong password") {
    digest_md5_server srv(f.opts, f.ctx());
    digest_md5_client cl({"juliet", "wrong", "", "xmpp", "example.com", "", "", 24}, crng);
    CHECK(xc_test::run_exchange(cl, srv).server_failure == sasl_condition::not_authorized);
  }
  SUBCASE("unknown user") {
    digest_md5_server srv(f.opts, f.ctx());
    digest_md5_client cl({"nobody", "x", "", "xmpp", "example.com", "", "", 24}, crng);
    CHECK(xc_test::run_exchange(cl, srv).server_failure == sasl_condition::not_authorized);
  }
  SUBCASE("credential store unavailable → temporary-auth-failure") {
    f.store.failure = sasl_condition::temporary_auth_failure;
    digest_md5_server srv(f.opts, f.ctx());
    digest_md5_client cl({"juliet", "r0m30myr0m30", "", "xmpp", "example.com", "", "", 24}, crng);
    CHECK(xc_test::run_exchange(cl, srv).server_failure == sasl_condition::temporary_auth_failure);
  }
  SUBCASE("several realms offered; the client picks the configured one") {
    f.opts.realms = {"a.example", "example.com"};
    digest_md5_server srv(f.opts, f.ctx());
    digest_md5_client cl({"juliet", "r0m30myr0m30", "", "xmpp", "example.com", "", "example.com", 24}, crng);
    CHECK(xc_test::run_exchange(cl, srv).client_ok);
  }
}

TEST_CASE("digest-md5 server: the challenge (RFC 2831 §2.1.1)") {
  server_fixture f;
  f.opts.nonce_length = 5;  // raised to the 22-character minimum (132 bits)
  digest_md5_server srv(f.opts, f.ctx());
  auto c = srv.step(std::nullopt);
  REQUIRE(c.is_challenge());
  CHECK(srv.nonce().size() == 22);
  auto parsed = parse_digest_md5_challenge(c.data);
  REQUIRE(parsed);
  CHECK(parsed->realms == std::vector<std::string>{"example.com"});
  CHECK(parsed->nonce == srv.nonce());
  CHECK(parsed->qop_options == std::vector<std::string>{"auth"});
  CHECK(parsed->utf8);
  CHECK(c.data.find("algorithm=md5-sess") != std::string::npos);
  // Two servers never share a nonce.
  digest_md5_server srv2(f.opts, f.ctx());
  (void)srv2.step(std::nullopt);
  CHECK(srv2.nonce() != srv.nonce());
}

TEST_CASE("digest-md5 server: every rejection") {
  server_fixture f;
  SUBCASE("baseline accepted") { CHECK(server_verdict(f, {}).is_challenge()); }
  struct mutation {
    const char* what;
    void (*apply)(response_builder&);
    sasl_condition expect;
  };
  const mutation cases[] = {
      {"wrong password", [](response_builder& b) { b.password = "x"; }, sasl_condition::not_authorized},
      {"response off by one digit",
       [](response_builder& b) {
         const std::string secret = digest_md5_secret(b.username, b.realm, b.password);
         std::string r = digest_md5_response_value(secret, b.nonce, b.cnonce, b.nc, b.qop, b.uri, "", false);
         r[31] = r[31] == '0' ? '1' : '0';
         b.response_override = r;
       },
       sasl_condition::not_authorized},
      {"nonce not the one issued", [](response_builder& b) { b.nonce += "x"; }, sasl_condition::not_authorized},
      {"nc 00000002", [](response_builder& b) { b.nc = "00000002"; }, sasl_condition::not_authorized},
      {"qop auth-int", [](response_builder& b) { b.qop = "auth-int"; }, sasl_condition::not_authorized},
      {"qop auth-conf with cipher", [](response_builder& b) { b.qop = "auth-conf"; b.extra = ",cipher=rc4"; },
       sasl_condition::not_authorized},
      {"cipher with qop auth", [](response_builder& b) { b.extra = ",cipher=rc4"; }, sasl_condition::not_authorized},
      {"digest-uri service imap", [](response_builder& b) { b.uri = "imap/example.com"; },
       sasl_condition::not_authorized},
      {"digest-uri host not ours", [](response_builder& b) { b.uri = "xmpp/example.net"; },
       sasl_condition::not_authorized},
      {"digest-uri serv-name not ours", [](response_builder& b) { b.uri = "xmpp/example.com/evil.example"; },
       sasl_condition::not_authorized},
      // RFC 6120 §6.5.8: data that "violates the syntax for the specified SASL
      // mechanism" is malformed-request (not in the draft, which had only not-authorized).
      {"digest-uri without '/'", [](response_builder& b) { b.uri = "xmpp"; }, sasl_condition::malformed_request},
      {"realm not offered", [](response_builder& b) { b.realm = "example.net"; }, sasl_condition::not_authorized},
      {"realm missing", [](response_builder& b) { b.with_realm = false; b.realm = ""; },
       sasl_condition::not_authorized},
      {"duplicate username", [](response_builder& b) { b.extra = ",username=\"juliet\""; },
       sasl_condition::malformed_request},  // RFC 2831 §2.1.2: "at most once"
      {"charset not utf-8", [](response_builder& b) { b.extra = ",charset=iso-8859-1"; },
       sasl_condition::malformed_request},  // RFC 2831 §2.1.2: charset = "utf-8" only
      {"unknown user", [](response_builder& b) { b.username = "romeo"; }, sasl_condition::not_authorized},
      {"authzid without an authorizer entry", [](response_builder& b) { b.authzid = "romeo@example.com"; },
       sasl_condition::invalid_authzid},
      // Draft §6.4, RFC 6120 §6.5.6: an "incorrectly formatted" authzid is invalid-authzid too.
      {"authzid not UTF-8", [](response_builder& b) { b.authzid = "\xc3\x28"; }, sasl_condition::invalid_authzid},
      {"authzid with a NUL (quoted-pair)", [](response_builder& b) { b.authzid = std::string("a\\\0b", 4); },
       sasl_condition::invalid_authzid},
      {"uppercase hex response",
       [](response_builder& b) {
         const std::string secret = digest_md5_secret(b.username, b.realm, b.password);
         std::string r = digest_md5_response_value(secret, b.nonce, b.cnonce, b.nc, b.qop, b.uri, "", false);
         for (auto& ch : r) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
         b.response_override = r;
       },
       sasl_condition::malformed_request},  // RFC 2831 §2.1.2: response-value = 32LHEX
  };
  for (const auto& m : cases) {
    CAPTURE(m.what);
    response_builder b;
    digest_md5_server srv(f.opts, f.ctx());
    REQUIRE(srv.step(std::nullopt).is_challenge());
    b.nonce = srv.nonce();
    m.apply(b);
    auto v = srv.step(std::string_view(b.build()));
    REQUIRE(v.is_failure());
    CHECK(v.condition == m.expect);
    // Failure is final.
    CHECK(srv.step(std::string_view("")).is_failure());
  }
  SUBCASE("authzid: malformed or refused → invalid-authzid; wrong credentials stay not-authorized") {
    f.authz.allowed.insert({"juliet", "romeo@example.com"});
    struct attempt { std::string authzid, password; sasl_condition c; std::size_t lookups; };
    const attempt attempts[] = {
        // Malformed: refused before any credential lookup, whatever the password.
        {"r\xf4\x90\x80\x80meo", "r0m30myr0m30", sasl_condition::invalid_authzid, 0},  // above U+10FFFF
        {"\xc3\x28", "wrong", sasl_condition::invalid_authzid, 0},
        // Well-formed but refused: after the response is verified.
        {"nurse@example.com", "r0m30myr0m30", sasl_condition::invalid_authzid, 1},
        // Wrong password: not-authorized, whether the authzid would be allowed or not.
        {"romeo@example.com", "wrong", sasl_condition::not_authorized, 1},
        {"nurse@example.com", "wrong", sasl_condition::not_authorized, 1},
    };
    for (const auto& a : attempts) {
      CAPTURE(a.authzid);
      CAPTURE(a.password);
      f.store.asked.clear();
      response_builder b;
      b.authzid = a.authzid;
      b.password = a.password;
      auto v = server_verdict(f, b);
      REQUIRE(v.is_failure());
      CHECK(v.condition == a.c);
      CHECK(f.store.asked.size() == a.lookups);
    }
    response_builder ok;
    ok.authzid = "romeo@example.com";
    CHECK(server_verdict(f, ok).is_challenge());
  }
  SUBCASE("a response without charset: names are ISO 8859-1, looked up as UTF-8 (RFC 2831 §2.1.2)") {
    f.store.passwords["j\xc3\xbcrgen"] = "p\xc3\xa4ss";
    digest_md5_server srv(f.opts, f.ctx());
    REQUIRE(srv.step(std::nullopt).is_challenge());
    const std::string secret = digest_md5_secret("j\xc3\xbcrgen", "example.com", "p\xc3\xa4ss");
    const std::string resp =
        digest_md5_response_value(secret, srv.nonce(), "abc", "00000001", "auth", "xmpp/example.com", "", false);
    const std::string msg = "username=\"j\xfcrgen\",realm=\"example.com\",nonce=\"" + srv.nonce() +
                            "\",cnonce=\"abc\",nc=00000001,qop=auth,digest-uri=\"xmpp/example.com\",response=" + resp;
    CHECK(srv.step(std::string_view(msg)).is_challenge());
    CHECK(srv.authcid() == "j\xc3\xbcrgen");
  }
  SUBCASE("host and realm compare: host case-insensitively, realm exactly") {
    response_builder b;
    b.uri = "xmpp/EXAMPLE.com";
    CHECK(server_verdict(f, b).is_challenge());
  }
  SUBCASE("malformed, oversized and empty responses: malformed-request with the parser's reason (RFC 6120 §6.5.8)") {
    struct bad { std::string in; const char* detail; };
    const bad cases[] = {
        {"", "missing"},                         // 1#directive: at least one (RFC 2831 §7.1)
        {"username=\"juliet", "bad-quoted-string"},  // unterminated quoted-string
        {std::string(5000, 'a'), "too-long"},    // a digest-response is under 4096 bytes (RFC 2831 §2.1.2)
        {std::string("\x00\x01", 2), "syntax"},  // not a token
    };
    for (const auto& t : cases) {
      CAPTURE(t.in);
      f.store.asked.clear();
      digest_md5_server srv(f.opts, f.ctx());
      REQUIRE(srv.step(std::nullopt).is_challenge());
      auto v = srv.step(std::string_view(t.in));
      REQUIRE(v.is_failure());
      CHECK(v.condition == sasl_condition::malformed_request);
      CHECK(v.reason == "malformed digest-response");
      CHECK(v.detail == t.detail);
      CHECK(f.store.asked.empty());
    }
  }
  SUBCASE("the draft §6.5 response is refused") {
    digest_md5_server srv(f.opts, f.ctx());
    REQUIRE(srv.step(std::nullopt).is_challenge());
    auto v = srv.step(std::string_view(
        "username=\"somenode\",reaRm=\"somerealm\",nonce=\"OA6MG9tEQGm2hh\",cnonce=\"OA6MHXh6pqTrRk\","
        "nc=00000001,qop=autt,digest-uri=\"xmpp/example.com\",response=d388dad90d4bbd760a152321f2143af7,"
        "ctarset=utf-8\n"));
    CHECK(v.is_failure());
  }
  SUBCASE("initial responses; non-empty final response refused; steps after the end refused") {
    digest_md5_server a(f.opts, f.ctx());
    auto va = a.step(std::string_view("x"));
    REQUIRE(va.is_failure());
    CHECK(va.condition == sasl_condition::malformed_request);  // not a digest-response (RFC 6120 §6.5.8)
    // An empty initial response is no response. A digest-response first is
    // subsequent authentication (RFC 2831 §2.2.1, here the §4 example), which
    // is not offered: the server sends the digest-challenge (§2.2.2) and the
    // exchange goes on as initial authentication.
    for (const std::string& first : {std::string(), rfc_response}) {
      for (const char* last : {"", "x"}) {
        CAPTURE(first);
        CAPTURE(last);
        digest_md5_server b(f.opts, f.ctx());
        auto c = b.step(std::string_view(first));
        REQUIRE(c.is_challenge());
        CHECK(parse_digest_md5_challenge(c.data));
        response_builder rb;
        rb.nonce = b.nonce();
        auto v = b.step(std::string_view(rb.build()));
        REQUIRE(v.is_challenge());
        CHECK(v.data.starts_with("rspauth="));
        CHECK(b.step(std::string_view(last)).is_success() == (*last == '\0'));  // the reply to rspauth is empty
        CHECK(b.step(std::string_view("")).is_failure());
      }
    }
  }
  SUBCASE("unconfigured server") {
    digest_md5_server_options o;
    digest_md5_server srv(o, f.ctx());
    auto v = srv.step(std::nullopt);
    REQUIRE(v.is_failure());
    CHECK(v.condition == sasl_condition::temporary_auth_failure);
  }
}

TEST_CASE("digest-md5 client: every rejection of a challenge") {
  // Each refusal keeps its reason, and the parser's own one when the
  // challenge did not parse (RFC 2831 §2.1.1 rules).
  struct bad { const char* in; client_error::kind e; const char* detail; };
  const bad cases[] = {
      // no nonce, no algorithm
      {R"(realm="r",qop="auth",charset=utf-8)", client_error::malformed_challenge, "missing"},
      {R"(nonce="n",qop="auth",charset=utf-8)", client_error::malformed_challenge, "missing"},  // no algorithm
      {R"(nonce="n",algorithm=md5,charset=utf-8)", client_error::unsupported_challenge, ""},    // not md5-sess
      {R"(nonce="n",nonce="m",algorithm=md5-sess)", client_error::malformed_challenge, "duplicate"},
      {R"(nonce="n",qop="auth-int,auth-conf",algorithm=md5-sess)", client_error::unsupported_challenge, ""},
      {R"(nonce="n",algorithm=md5-sess,maxbuf=abc)", client_error::malformed_challenge, "invalid-value"},
      {R"(nonce="n",algorithm=md5-sess,stale=maybe)", client_error::malformed_challenge, "invalid-value"},
      {R"(nonce="n,algorithm=md5-sess)", client_error::malformed_challenge, "bad-quoted-string"},  // unterminated
      {"", client_error::malformed_challenge, "missing"},
  };
  for (const auto& t : cases) {
    CAPTURE(t.in);
    scripted_random rng;
    digest_md5_client c(rfc_client_options(), rng);
    const auto e = c.respond(t.in).error();
    CHECK(e == t.e);
    CHECK(e.detail == t.detail);
    CHECK_FALSE(e.reason.empty());
    if (t.e == client_error::malformed_challenge) CHECK(e.reason == "digest-challenge does not parse");
    CHECK(c.respond(rfc_challenge).error() == client_error::unexpected_message);  // failure is final
  }
  SUBCASE("unsupported challenges say what is unsupported") {
    scripted_random rng;
    digest_md5_client c(rfc_client_options(), rng);
    CHECK(c.respond(R"(nonce="n",algorithm=md5,charset=utf-8)").error().reason ==
          "digest-challenge algorithm is not md5-sess");
    digest_md5_client c2(rfc_client_options(), rng);
    CHECK(c2.respond(R"(nonce="n",qop="auth-int,auth-conf",algorithm=md5-sess)").error().reason ==
          "digest-challenge does not offer qop=auth");
  }
  SUBCASE("oversized challenge") {
    scripted_random rng;
    digest_md5_client c(rfc_client_options(), rng);
    const auto e = c.respond(rfc_challenge + ",x=\"" + std::string(3000, 'a') + "\"").error();
    CHECK(e == client_error::malformed_challenge);
    CHECK(e.detail == "too-long");  // a digest-challenge is under 2048 bytes (RFC 2831 §2.1.1)
  }
  SUBCASE("rspauth message with extra directives, or a second challenge after rspauth") {
    scripted_random rng;
    digest_md5_client c(rfc_client_options(), rng);
    REQUIRE(c.respond(rfc_challenge));
    CHECK(c.respond("rspauth=ea40f60335c427b5527b84dbabcdfffd,x=y").error() == client_error::malformed_challenge);
    scripted_random rng2(xc_test::spell("OA6MHXh6VqTrRk", detail::nonce_alphabet_base64));
    digest_md5_client c2(rfc_client_options(), rng2);
    REQUIRE(c2.respond(rfc_challenge));
    REQUIRE(c2.respond("rspauth=ea40f60335c427b5527b84dbabcdfffd"));
    const auto e = c2.respond("rspauth=ea40f60335c427b5527b84dbabcdfffd").error();
    CHECK(e == client_error::unexpected_message);
    CHECK(e.reason == "a message after rspauth was verified");
  }
  SUBCASE("credentials that cannot be encoded") {
    scripted_random rng;
    auto o = rfc_client_options();
    o.password = "\xff";
    digest_md5_client c(o, rng);
    CHECK(c.respond(rfc_challenge).error() == client_error::invalid_credentials);
    // Without charset=utf-8 the server expects ISO 8859-1: a CJK name cannot be sent.
    auto o2 = rfc_client_options();
    o2.username = "\xe7\x94\xa8";
    digest_md5_client c2(o2, rng);
    CHECK(c2.respond(R"(nonce="n",algorithm=md5-sess)").error() == client_error::invalid_credentials);
    // An authzid our server would call malformed is not sent (UTF-8 without NUL, as in every mechanism).
    for (std::string bad : {std::string("\xc3\x28"), std::string("a\0b", 3)}) {
      auto o3 = rfc_client_options();
      o3.authzid = bad;
      digest_md5_client c3(o3, rng);
      auto r = c3.respond(rfc_challenge);
      REQUIRE_FALSE(r);
      CHECK(r.error() == client_error::invalid_credentials);
    }
  }
  SUBCASE("without charset=utf-8 a Latin-1 name is sent as ISO 8859-1") {
    scripted_random rng;
    auto o = rfc_client_options();
    o.username = "j\xc3\xbcrgen";
    digest_md5_client c(o, rng);
    auto r = c.respond(R"(realm="r",nonce="n",algorithm=md5-sess)");
    REQUIRE(r);
    CHECK(r->find("username=\"j\xfcrgen\"") != std::string::npos);
    CHECK(r->find("charset") == std::string::npos);
  }
  SUBCASE("cnonce length floor") {
    scripted_random rng;
    auto o = rfc_client_options();
    o.cnonce_length = 0;
    digest_md5_client c(o, rng);
    auto r = c.respond(rfc_challenge);
    REQUIRE(r);
    CHECK(parse_digest_md5_response(*r)->cnonce.size() == 8);
  }
  SUBCASE("quoted-string escaping of our own values") {
    scripted_random rng;
    auto o = rfc_client_options();
    o.username = "a\"b\\c";
    digest_md5_client c(o, rng);
    auto r = c.respond(rfc_challenge);
    REQUIRE(r);
    auto parsed = parse_digest_md5_response(*r);
    REQUIRE(parsed);
    CHECK(parsed->username == "a\"b\\c");
  }
}

// ---------------------------------------------------------------- GNU SASL interop ---

namespace {
struct interop_case {
  std::string label, user, pass, authzid;
  bool latin1_name;  // a non-ASCII, ISO 8859-1 representable username
};
const interop_case interop_cases[] = {
    {"ascii", "juliet", "r0m30myr0m30", "", false},
    {"ascii + authzid", "juliet", "r0m30myr0m30", "romeo@example.com", false},
    {"ascii name, latin-1 password", "juliet", "p\xc3\xa4ssw\xc3\xb6rd", "", false},
    {"latin-1 name and password", "j\xc3\xbcrgen", "p\xc3\xa4ssw\xc3\xb6rd", "", true},
    {"latin-1 name + authzid", "j\xc3\xbcrgen", "p\xc3\xa4ssw\xc3\xb6rd", "romeo@example.com", true},
    {"not latin-1 (CJK name, Cyrillic password)", "\xe7\x94\xa8\xe6\x88\xb7",
     "\xd0\xbf\xd0\xb0\xd1\x80\xd0\xbe\xd0\xbb\xd1\x8c", "", false},
    {"not latin-1 + authzid", "\xe7\x94\xa8\xe6\x88\xb7", "\xd0\xbf\xd0\xb0\xd1\x80\xd0\xbe\xd0\xbb\xd1\x8c",
     "romeo@example.com", false},
};

bool run_our_client(const interop_case& t, digest_md5_charset_rule rule, xc_test::gsasl_props& props,
                    std::string& why) {
  props.users[t.user] = t.pass;
  props.values[GSASL_SERVICE] = "xmpp";
  props.values[GSASL_HOSTNAME] = "example.com";
  props.values[GSASL_REALM] = "example.com";
  scripted_random rng;
  digest_md5_client_options o{t.user, t.pass, t.authzid, "xmpp", "example.com", "", "", 24, rule};
  digest_md5_client c(o, rng);
  return xc_test::our_client_vs_gsasl_server(c, "DIGEST-MD5", props, &why);
}

bool run_gsasl_client(const interop_case& t, bool in_success, bool compat, std::string& why,
                      std::string* authcid = nullptr, std::string* authzid = nullptr) {
  server_fixture f;
  f.store.passwords[t.user] = t.pass;
  f.authz.allowed.insert({t.user, "romeo@example.com"});
  f.opts.rspauth_in_success = in_success;
  f.opts.accept_password_only_rule = compat;
  digest_md5_server srv(f.opts, f.ctx());
  xc_test::gsasl_props props;
  props.values[GSASL_AUTHID] = t.user;
  props.values[GSASL_PASSWORD] = t.pass;
  if (!t.authzid.empty()) props.values[GSASL_AUTHZID] = t.authzid;
  props.values[GSASL_SERVICE] = "xmpp";
  props.values[GSASL_HOSTNAME] = "example.com";
  const bool ok = xc_test::gsasl_client_vs_our_server(srv, "DIGEST-MD5", props, true, &why);
  if (authcid) *authcid = srv.authcid();
  if (authzid) *authzid = srv.authzid();
  return ok;
}
}  // namespace

TEST_CASE("digest-md5 interop: our client against GNU SASL's server") {
  for (const auto& t : interop_cases) {
    CAPTURE(t.label);
    std::string why;
    xc_test::gsasl_props props;
    if (!t.latin1_name) {
      CHECK_MESSAGE(run_our_client(t, digest_md5_charset_rule::rfc2831, props, why), why);
      CHECK(props.seen_authid == t.user);
      CHECK(props.seen_authzid == t.authzid);
      CHECK(props.seen_realm == "example.com");
    } else {
      // GNU SASL 2.2 converts only the password to ISO 8859-1, RFC 2831 §2.1.2.1
      // (and Cyrus SASL) the username too: by default the hashes differ...
      CHECK_FALSE(run_our_client(t, digest_md5_charset_rule::rfc2831, props, why));
      // ...and with the password_only rule they agree.
      xc_test::gsasl_props props2;
      CHECK_MESSAGE(run_our_client(t, digest_md5_charset_rule::password_only, props2, why), why);
      CHECK(props2.seen_authid == t.user);
      CHECK(props2.seen_authzid == t.authzid);
    }
  }
}

TEST_CASE("digest-md5 interop: GNU SASL's client against our server") {
  for (bool in_success : {false, true}) {
    for (const auto& t : interop_cases) {
      CAPTURE(t.label);
      CAPTURE(in_success);
      std::string why, authcid, authzid;
      if (!t.latin1_name) {
        CHECK_MESSAGE(run_gsasl_client(t, in_success, false, why, &authcid, &authzid), why);
      } else {
        CHECK_FALSE(run_gsasl_client(t, in_success, false, why));  // see the client-side case above
        CHECK_MESSAGE(run_gsasl_client(t, in_success, true, why, &authcid, &authzid), why);
      }
      CHECK(authcid == t.user);
      CHECK(authzid == t.authzid);
    }
  }
  SUBCASE("GNU SASL's client with a wrong password is refused") {
    interop_case t{"wrong", "juliet", "r0m30myr0m30", "", false};
    server_fixture f;
    f.store.passwords["juliet"] = "other";
    digest_md5_server srv(f.opts, f.ctx());
    xc_test::gsasl_props props;
    props.values[GSASL_AUTHID] = "juliet";
    props.values[GSASL_PASSWORD] = "nope";
    props.values[GSASL_SERVICE] = "xmpp";
    props.values[GSASL_HOSTNAME] = "example.com";
    CHECK_FALSE(xc_test::gsasl_client_vs_our_server(srv, "DIGEST-MD5", props, true));
  }
}

TEST_CASE("digest-md5: the password_only rule (GNU SASL compatibility) differs only for Latin-1 names") {
  using R = digest_md5_charset_rule;
  CHECK(digest_md5_secret("juliet", "example.com", "p\xc3\xa4ss", R::rfc2831) ==
        digest_md5_secret("juliet", "example.com", "p\xc3\xa4ss", R::password_only));
  CHECK(digest_md5_secret("\xe7\x94\xa8", "example.com", "x", R::rfc2831) ==
        digest_md5_secret("\xe7\x94\xa8", "example.com", "x", R::password_only));
  // python3: hashlib.md5('jürgen:example.com:'.encode() + 'pässwörd'.encode('latin-1'))
  CHECK(hex(digest_md5_secret("j\xc3\xbcrgen", "example.com", "p\xc3\xa4ssw\xc3\xb6rd", R::password_only)) ==
        "0802342f3e72dceea627569a413cacb0");
}
