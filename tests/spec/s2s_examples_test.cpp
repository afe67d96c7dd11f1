// The draft's server-to-server examples replayed against our s2s machines:
// §5.4 (STARTTLS between servers), §6.6 (SASL DIGEST-MD5 between servers,
// with the sending domain as the simple user name, §6.1 rule 6) and the
// steps of §8.3 (dialback), each in the roles our library plays. The other
// side's lines are fed as the draft prints them and compacted, whole, in
// small chunks and cut at every offset (spec/support.hpp, grind()); our
// answers are compared with the example's next step by expat.
//
// Independent truth besides expat: GNU SASL computes the DIGEST-MD5 side we
// do not play (client for our receiving server, server for our initiating
// server), and the dialback key is the check value that ERRATA-style
// independent computation gave for XEP-0185 (Python hashlib/hmac):
// secret 's3cr3tf0rd14lb4ck', receiving 'example.net', originating
// 'example.com', stream id 'D60000229F' ->
// 008c689ff366b50c63d69a3e2d2c0e0e1f8404b0118eb688a0102c87cb691bdc.
//
// Where the draft's examples need correcting (each is said where it is used):
// §8.3 names the servers 'Receiving Server' etc. and truncates ids and keys
// ('457F9224A0...'): real domains and a real id and key stand in for them;
// §6.6 step 11 writes xmlns='jabber:client' on a server-to-server stream
// (jabber:server is right, draft §11.2.2); §6.6 step 6's digest-uri names the
// client's domain (xmpp/example.org), while RFC 2831 §2.1.2 wants the
// server's: GNU SASL and our server use xmpp/example.com.
#include "sasl/gsasl_peer.hpp"
#include "spec/support.hpp"

#include <xmppcore/session/s2s_initiator.hpp>
#include <xmppcore/session/s2s_receiver.hpp>

#include <doctest/doctest.h>

using namespace xs_spec;

namespace {

constexpr std::string_view streams_el = "{http://etherx.jabber.org/streams}stream";
constexpr std::string_view features_el = "{http://etherx.jabber.org/streams}features";
constexpr std::string_view mechanisms_el = "{urn:ietf:params:xml:ns:xmpp-sasl}mechanisms";
constexpr std::string_view mechanism_el = "{urn:ietf:params:xml:ns:xmpp-sasl}mechanism";
constexpr std::string_view tls_ns = "{urn:ietf:params:xml:ns:xmpp-tls}";

/// The decoded data of the one `name` SASL element in `out` (nullopt if none or not base64).
std::optional<std::string> sasl_data(std::string_view out, std::string_view name) {
  const auto r = read_stream(out);
  for (const auto& it : r.items)
    if (it.node.name == "{urn:ietf:params:xml:ns:xmpp-sasl}" + std::string(name))
      return it.node.text.empty() ? std::optional<std::string>(std::string()) : base64_strict_decode(it.node.text);
  return std::nullopt;
}
/// True when one of the step's events is `kind` (whatever identity or condition follows it).
bool saw(const step_result& r, std::string_view kind) {
  return std::any_of(r.events.begin(), r.events.end(), [&](const std::string& e) {
    return e == kind || e.starts_with(std::string(kind) + " ");
  });
}
std::string sasl_wire(std::string_view name, std::string_view data) {
  return "<" + std::string(name) + " xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>" +
         (data.empty() ? std::string("=") : base64_encode(data)) + "</" + std::string(name) + ">";
}

// ------------------------------------------------------------------ §5.4 --

constexpr std::string_view s54_step1 = R"(<stream:stream
  xmlns='jabber:server'
  xmlns:stream='http://etherx.jabber.org/streams'
  to='example.com'
  version='1.0'>)";
constexpr std::string_view s54_step2 = R"(<stream:stream
  xmlns='jabber:server'
  xmlns:stream='http://etherx.jabber.org/streams'
  from='example.com'
  id='s2s_123'
  version='1.0'>)";
constexpr std::string_view s54_step3 = R"(<stream:features>
  <starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'>
    <required/>
  </starttls>
  <mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>
    <mechanism>DIGEST-MD5</mechanism>
    <mechanism>KERBEROS_V4</mechanism>
  </mechanisms>
</stream:features>)";
constexpr std::string_view s54_step4 = "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>";
constexpr std::string_view s54_step5 = "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>";
constexpr std::string_view s54_step5_alt = R"(<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>
</stream:stream>)";
constexpr std::string_view s54_step7 = s54_step1;
constexpr std::string_view s54_step8 = R"(<stream:stream
  xmlns='jabber:server'
  xmlns:stream='http://etherx.jabber.org/streams'
  from='example.com'
  id='s2s_234'
  version='1.0'>
<stream:features>
  <mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>
    <mechanism>DIGEST-MD5</mechanism>
    <mechanism>KERBEROS_V4</mechanism>
    <mechanism>EXTERNAL</mechanism>
  </mechanisms>
</stream:features>)";

session::s2s_receiver_config receiver_cfg(crypto::random_source& rng, sasl::credential_store* store) {
  session::s2s_receiver_config c;
  c.hosts = {"example.com"};
  c.random = &rng;
  c.credentials = store;
  return c;
}

/// Our header and features as the examples show them: the id by form only,
/// and KERBEROS_V4, which we do not implement, taken out of the example.
stream_reading expected(std::string_view text) {
  auto want = read_stream(text);
  drop_child(want, mechanisms_el, mechanism_el, "KERBEROS_V4");
  return want;
}

void s54_server(session::tls_offer tls, feed_plan plan, bool pretty) {
  xs_test::test_random rng;
  xs_test::accounts store;
  auto cfg = receiver_cfg(rng, &store);
  cfg.tls = tls;
  session::s2s_receiver server(cfg);

  // Step 1 -> steps 2 and 3. With TLS required we offer nothing else before
  // it (as our c2s server: RFC 6120 §5.3.1), so <mechanisms/> goes; with TLS
  // offered, <required/> goes.
  auto r1 = feed(server, wire(s54_step1, pretty), plan);
  CHECK(r1.status == session::receive_status::ok);
  auto want3 = expected(std::string(s54_step2) + std::string(s54_step3));
  if (tls == session::tls_offer::required) drop_child(want3, features_el, mechanisms_el);
  else drop_child(want3, std::string(tls_ns) + "starttls", std::string(tls_ns) + "required");
  CHECK(mismatch_items(want3, read_stream(r1.out), server_stream_allowances()) == "");

  // Step 4 -> step 5; TLS begins right after the '>' (draft §5.1 rule 6).
  auto r4 = feed(server, wire(s54_step4, pretty) + "\x16\x03\x01", plan);
  CHECK(r4.status == session::receive_status::switch_transport);
  CHECK(r4.rest == (pretty ? "\n\x16\x03\x01" : "\x16\x03\x01"));
  CHECK(mismatch_items(s54_step5, r4.out) == "");

  // Step 6 (stand-in: the certificate names example.org), step 7 -> step 8:
  // DIGEST-MD5 and EXTERNAL, in the example's order.
  REQUIRE(server.tls_established("example.org"));
  auto r7 = feed(server, wire(s54_step7, pretty), plan);
  CHECK(r7.status == session::receive_status::ok);
  CHECK(mismatch_items(expected(s54_step8), read_stream(r7.out), server_stream_allowances()) == "");
  CHECK(read_stream(r1.out).items.at(0).node.attrs["id"] != read_stream(r7.out).items.at(0).node.attrs["id"]);
}

}  // namespace

TEST_CASE("draft §5.4 steps 1-8, receiving server (STARTTLS required, and offered)") {
  for (auto tls : {session::tls_offer::required, session::tls_offer::offered}) {
    const int mode = static_cast<int>(tls);
    CAPTURE(mode);
    grind([&](feed_plan plan, bool pretty) { s54_server(tls, plan, pretty); }, s54_step1.size() + 8);
  }
}

TEST_CASE("draft §5.4 step 5 (alt), receiving server: <failure/> and the close when STARTTLS cannot be had") {
  xs_test::test_random rng;
  auto cfg = receiver_cfg(rng, nullptr);
  cfg.tls = session::tls_offer::not_offered;
  session::s2s_receiver server(cfg);
  feed(server, s54_step1);
  auto r4 = feed(server, s54_step4);
  CHECK(mismatch_items(s54_step5_alt, r4.out) == "");
  CHECK(server.ended());
}

TEST_CASE("draft §5.4, initiating server: step 4 for step 3, step 7 after step 5, SASL after step 8") {
  for (bool pretty : {true, false}) {
    for (auto plan : standard_plans()) {
      CAPTURE(pretty);
      CAPTURE(plan.chunk);
      session::s2s_initiator_config c;
      c.local_domain = "example.org";
      c.remote_domain = "example.com";
      session::s2s_initiator s1(c);
      step_result r0;
      drain(s1, r0);  // our step 1 (with 'from' and xmlns:db, which the example leaves out: both optional)
      auto h = read_stream(r0.out);
      REQUIRE(h.items.size() == 1);
      CHECK(h.items[0].node.attrs["to"] == "example.com");
      CHECK(h.items[0].node.attrs["version"] == "1.0");
      auto r2 = feed(s1, wire(std::string(s54_step2) + std::string(s54_step3), pretty), plan);
      CHECK(mismatch_items(s54_step4, r2.out) == "");  // step 4, exactly
      auto r5 = feed(s1, wire(s54_step5, pretty) + "\x17\x03\x03", plan);
      CHECK(r5.status == session::receive_status::switch_transport);
      CHECK(r5.rest == (pretty ? "\n\x17\x03\x03" : "\x17\x03\x03"));
      REQUIRE(s1.tls_established());
      step_result r6;
      drain(s1, r6);  // step 7: a new stream header
      CHECK(read_stream(r6.out).items.size() == 1);
      // Step 8 offers EXTERNAL: step 9 is SASL (draft §6), EXTERNAL first (§8.1: then no dialback).
      auto r8 = feed(s1, wire(s54_step8, pretty), plan);
      CHECK(mismatch_items("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='EXTERNAL'>=</auth>", r8.out) ==
            "");
    }
  }
}

// ------------------------------------------------------------------ §6.6 --

namespace {

constexpr std::string_view s66_step1 = s54_step1;
constexpr std::string_view s66_step2 = R"(<stream:stream
  xmlns='jabber:server'
  xmlns:stream='http://etherx.jabber.org/streams'
  from='example.com'
  id='s2s_234'
  version='1.0'>)";
constexpr std::string_view s66_step3 = R"(<stream:features>
  <mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>
    <mechanism>DIGEST-MD5</mechanism>
    <mechanism>KERBEROS_V4</mechanism>
  </mechanisms>
</stream:features>)";
constexpr std::string_view s66_step4 = R"(<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl'
  mechanism='DIGEST-MD5' />)";
constexpr std::string_view s66_step8 = "<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>";
constexpr std::string_view s66_step8_alt = "<abort xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>";
constexpr std::string_view s66_step9 = "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>";
constexpr std::string_view s66_step9_alt = R"(<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>
  <aborted/>
</failure>)";
constexpr std::string_view s66_step10 = s54_step1;
// Step 11 with jabber:server (the draft's jabber:client is a slip, see the file comment).
constexpr std::string_view s66_step11 = R"(<stream:stream
  xmlns='jabber:server'
  xmlns:stream='http://etherx.jabber.org/streams'
  from='example.com'
  id='s2s_345'
  version='1.0'>
<stream:features/>)";

/// GNU SASL as the DIGEST-MD5 client of Server1 (example.org), §6.1 rule 6.
struct gsasl_client {
  xc_test::gsasl_lib lib;
  xc_test::gsasl_props props;
  Gsasl_session* s = nullptr;
  explicit gsasl_client(std::string_view authid = "example.org", std::string_view password = "s2s-secret") {
    REQUIRE(gsasl_client_start(lib.ctx, "DIGEST-MD5", &s) == GSASL_OK);
    props.values[GSASL_AUTHID] = std::string(authid);
    props.values[GSASL_PASSWORD] = std::string(password);
    props.values[GSASL_SERVICE] = "xmpp";
    props.values[GSASL_HOSTNAME] = "example.com";
    gsasl_session_hook_set(s, &props);
  }
  ~gsasl_client() { gsasl_finish(s); }
  gsasl_client(const gsasl_client&) = delete;
  gsasl_client& operator=(const gsasl_client&) = delete;
};

/// GNU SASL as the DIGEST-MD5 server of Server2 (example.com), sharing `secret` with example.org.
struct gsasl_server {
  xc_test::gsasl_lib lib;
  xc_test::gsasl_props props;
  Gsasl_session* s = nullptr;
  explicit gsasl_server(std::string_view secret) {
    props.users["example.org"] = std::string(secret);
    props.values[GSASL_SERVICE] = "xmpp";
    props.values[GSASL_HOSTNAME] = "example.com";
    props.values[GSASL_REALM] = "example.com";
    REQUIRE(gsasl_server_start(lib.ctx, "DIGEST-MD5", &s) == GSASL_OK);
    gsasl_session_hook_set(s, &props);
  }
  ~gsasl_server() { gsasl_finish(s); }
  gsasl_server(const gsasl_server&) = delete;
  gsasl_server& operator=(const gsasl_server&) = delete;
};

/// Server1 (example.org) with the secret it shares with example.com; no TLS, as in the example.
session::s2s_initiator_config initiator_cfg(crypto::random_source& rng) {
  session::s2s_initiator_config cfg;
  cfg.local_domain = "example.org";
  cfg.remote_domain = "example.com";
  cfg.sasl_secret = "s2s-secret";
  cfg.random = &rng;
  cfg.tls = session::tls_policy::never;
  return cfg;
}

void s66_server(feed_plan plan, bool pretty) {
  xs_test::test_random rng;
  xs_test::accounts store;
  store.passwords["example.org"] = "s2s-secret";  // the secret shared with example.org
  auto cfg = receiver_cfg(rng, &store);
  cfg.tls = session::tls_offer::not_offered;  // the example shows no TLS
  session::s2s_receiver server(cfg);
  gsasl_client c;

  auto r1 = feed(server, wire(s66_step1, pretty), plan);
  CHECK(mismatch_items(expected(std::string(s66_step2) + std::string(s66_step3)), read_stream(r1.out),
                       server_stream_allowances()) == "");
  // Step 4 -> step 5: a challenge (the draft's values are illustrations; GNU
  // SASL judges ours), realm our domain, qop auth, md5-sess, utf-8.
  auto r4 = feed(server, wire(s66_step4, pretty), plan);
  auto challenge = sasl_data(r4.out, "challenge");
  REQUIRE(challenge.has_value());
  const auto ds = directives(*challenge);
  CHECK(directive(ds, "realm") == "\"example.com\"");
  CHECK(directive(ds, "qop") == "\"auth\"");
  CHECK(directive(ds, "algorithm") == "md5-sess");
  CHECK(directive(ds, "charset") == "utf-8");
  // Step 6 from GNU SASL -> step 7: the rspauth challenge, which GNU SASL verifies.
  std::string response;
  REQUIRE(xc_test::gsasl_do_step(c.s, *challenge, response) == GSASL_NEEDS_MORE);
  CHECK(response.find("username=\"example.org\"") != std::string::npos);
  auto r6 = feed(server, sasl_wire("response", response), plan);
  auto rspauth = sasl_data(r6.out, "challenge");
  REQUIRE(rspauth.has_value());
  std::string empty;
  CHECK(xc_test::gsasl_do_step(c.s, *rspauth, empty) == GSASL_OK);
  // Step 8 -> step 9, exactly; then steps 10 and 11 (empty features: nothing is left to negotiate).
  auto r8 = feed(server, wire(s66_step8, pretty), plan);
  CHECK(mismatch_items(s66_step9, r8.out) == "");
  CHECK(r8.has("authenticated example.org"));
  auto r10 = feed(server, wire(s66_step10, pretty), plan);
  CHECK(mismatch_items(s66_step11, r10.out, server_stream_allowances()) == "");
  CHECK(server.is_validated("example.org", "example.com"));
  // Stanzas from the authenticated domain are delivered now.
  auto rm = feed(server, "<message from='a@example.org' to='b@example.com'><body>hi</body></message>", plan);
  CHECK(saw(rm, "stanza-received"));
}

}  // namespace

TEST_CASE("draft §6.6 steps 1-11, receiving server, GNU SASL as Server1 (user name: its domain)") {
  grind(s66_server, s66_step1.size() + 8);
}

TEST_CASE("draft §6.6 step 8 (alt) -> step 9 (alt), receiving server: <abort/> gets <failure><aborted/>") {
  xs_test::test_random rng;
  xs_test::accounts store;
  store.passwords["example.org"] = "s2s-secret";
  auto cfg = receiver_cfg(rng, &store);
  cfg.tls = session::tls_offer::not_offered;
  session::s2s_receiver server(cfg);
  feed(server, s66_step1);
  auto r4 = feed(server, s66_step4);
  REQUIRE(sasl_data(r4.out, "challenge").has_value());
  auto r8 = feed(server, s66_step8_alt);
  // The example then closes the stream; we keep it for another attempt or
  // dialback (draft §6.2 step 5 allows the retry; sasl_retries bounds them).
  CHECK(mismatch_items(s66_step9_alt, r8.out) == "");
  CHECK(saw(r8, "sasl-failed"));
  CHECK_FALSE(server.ended());
}

TEST_CASE("draft §6.1 rules 6 and 7 between servers: the user name must be a domain, and the stream's") {
  xs_test::test_random rng;
  xs_test::accounts store;
  store.passwords["node@example.org"] = "s2s-secret";
  store.passwords["example.org"] = "s2s-secret";
  auto run = [&](std::string_view header, std::string_view authid, std::string_view password) {
    auto cfg = receiver_cfg(rng, &store);
    cfg.tls = session::tls_offer::not_offered;
    session::s2s_receiver server(cfg);
    gsasl_client c(authid, password);
    feed(server, header);
    auto r4 = feed(server, s66_step4);
    auto challenge = sasl_data(r4.out, "challenge");
    REQUIRE(challenge.has_value());
    std::string response;
    REQUIRE(xc_test::gsasl_do_step(c.s, *challenge, response) == GSASL_NEEDS_MORE);
    auto r6 = feed(server, sasl_wire("response", response));
    if (auto rsp = sasl_data(r6.out, "challenge")) {
      std::string empty;
      REQUIRE(xc_test::gsasl_do_step(c.s, *rsp, empty) == GSASL_OK);
      r6 = feed(server, s66_step8);
    }
    return r6;
  };
  SUBCASE("a user name that is not a domain is refused even with the right secret") {
    auto r = run(s66_step1, "node@example.org", "s2s-secret");
    CHECK(r.out.find("<not-authorized/>") != std::string::npos);
    CHECK_FALSE(saw(r, "authenticated"));
  }
  SUBCASE("a domain other than the stream's 'from' is refused") {
    auto r = run("<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' "
                 "from='example.net' to='example.com' version='1.0'>",
                 "example.org", "s2s-secret");
    CHECK(r.out.find("<not-authorized/>") != std::string::npos);
    CHECK_FALSE(saw(r, "authenticated"));
  }
  SUBCASE("a wrong secret is <not-authorized/>") {
    auto r = run(s66_step1, "example.org", "wrong");
    CHECK(r.out.find("<not-authorized/>") != std::string::npos);
    CHECK_FALSE(saw(r, "authenticated"));
  }
  SUBCASE("the right domain and secret, with 'from' matching, succeed") {
    auto r = run("<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' "
                 "from='example.org' to='example.com' version='1.0'>",
                 "example.org", "s2s-secret");
    CHECK(r.has("authenticated example.org"));
  }
}

TEST_CASE("draft §6.6, initiating server: steps 4, 6 and 8 against GNU SASL as Server2, then step 10") {
  for (auto plan : standard_plans()) {
    CAPTURE(plan.chunk);
    xs_test::test_random rng;
    session::s2s_initiator s1(initiator_cfg(rng));
    step_result r0;
    drain(s1, r0);

    gsasl_server server("s2s-secret");
    auto& props = server.props;
    Gsasl_session* srv = server.s;

    auto r2 = feed(s1, std::string(s66_step2) + std::string(s66_step3), plan);
    CHECK(mismatch_items(s66_step4, r2.out) == "");  // step 4, exactly
    std::string challenge;
    REQUIRE(xc_test::gsasl_do_step(srv, std::nullopt, challenge) == GSASL_NEEDS_MORE);
    auto r5 = feed(s1, sasl_wire("challenge", challenge), plan);
    auto response = sasl_data(r5.out, "response");
    REQUIRE(response.has_value());
    std::string rspauth;
    // GNU SASL accepts our response and hands out its rspauth in the same step.
    const int rc = xc_test::gsasl_do_step(srv, *response, rspauth);
    REQUIRE(rc == GSASL_OK);
    CHECK(rspauth.starts_with("rspauth="));
    CHECK(props.seen_authid == "example.org");  // §6.1 rule 6: our domain as the simple user name
    auto r7 = feed(s1, sasl_wire("challenge", rspauth), plan);
    CHECK(mismatch_items(s66_step8, r7.out) == "");  // step 8: the empty response, after checking rspauth
    auto r9 = feed(s1, s66_step9, plan);
    CHECK(r9.has("authenticated example.org"));
    auto h = read_stream(r9.out);  // step 10: a new stream
    REQUIRE(h.items.size() == 1);
    CHECK(h.items[0].node.name == streams_el);
    auto r11 = feed(s1, s66_step11, plan);
    CHECK(saw(r11, "ready"));
    CHECK(s1.is_valid("example.org", "example.com"));
  }
}

TEST_CASE("draft §6.6, initiating server: a server whose rspauth is wrong is not trusted") {
  xs_test::test_random rng;
  session::s2s_initiator s1(initiator_cfg(rng));
  gsasl_server server("another-secret");  // the server does not know our secret
  Gsasl_session* srv = server.s;
  feed(s1, std::string(s66_step2) + std::string(s66_step3));
  std::string challenge;
  REQUIRE(xc_test::gsasl_do_step(srv, std::nullopt, challenge) == GSASL_NEEDS_MORE);
  auto r5 = feed(s1, sasl_wire("challenge", challenge));
  REQUIRE(sasl_data(r5.out, "response").has_value());
  // A made-up rspauth (the server cannot compute the right one): we abort (§6.2 step 5).
  auto r7 = feed(s1, sasl_wire("challenge", "rspauth=ea40f60335c427b5527b84dbabcdfffd"));
  CHECK(mismatch_items(s66_step8_alt, r7.out) == "");
  auto r9 = feed(s1, s66_step9);  // a success after our abort is not believed
  CHECK_FALSE(saw(r9, "authenticated"));
  CHECK(s1.ended());
}

// ------------------------------------------------------------------ §8.3 --

namespace {

// The names and values the draft leaves as placeholders, made real.
constexpr std::string_view receiving = "example.net";
constexpr std::string_view originating = "example.com";
constexpr std::string_view secret = "s3cr3tf0rd14lb4ck";
constexpr std::string_view stream_id = "D60000229F";
constexpr std::string_view check_key = "008c689ff366b50c63d69a3e2d2c0e0e1f8404b0118eb688a0102c87cb691bdc";

// Step 2 (and step 6: the same header).
constexpr std::string_view s83_step2 = R"(<stream:stream
  xmlns:stream='http://etherx.jabber.org/streams'
  xmlns='jabber:server'
  xmlns:db='jabber:server:dialback'>)";
// Step 3 (and step 7), with an id in place of '457F9224A0...'.
constexpr std::string_view s83_step3 = R"(<stream:stream
  xmlns:stream='http://etherx.jabber.org/streams'
  xmlns='jabber:server'
  xmlns:db='jabber:server:dialback'
  id='D60000229F'>)";
constexpr std::string_view s83_step4 = R"(<db:result
  to='example.net'
  from='example.com'>
  008c689ff366b50c63d69a3e2d2c0e0e1f8404b0118eb688a0102c87cb691bdc
</db:result>)";
constexpr std::string_view s83_step8 = R"(<db:verify
  from='example.net'
  to='example.com'
  id='D60000229F'>
  008c689ff366b50c63d69a3e2d2c0e0e1f8404b0118eb688a0102c87cb691bdc
</db:verify>)";
constexpr std::string_view s83_step9_valid = R"(<db:verify
  from='example.com'
  to='example.net'
  type='valid'
  id='D60000229F' />)";
constexpr std::string_view s83_step9_invalid = R"(<db:verify
  from='example.com'
  to='example.net'
  type='invalid'
  id='D60000229F' />)";
constexpr std::string_view s83_step10 = R"(<db:result
  from='example.net'
  to='example.com'
  type='valid'/>)";

/// A step as a sender writes it: the draft puts the key on a line of its own
/// for the page; the key itself has no white space around it (XEP-0185).
stream_reading as_sent(std::string_view step) {
  auto r = read_stream(step);
  for (auto& it : r.items) {
    auto& t = it.node.text;
    t.erase(0, t.find_first_not_of(" \t\r\n"));
    t.erase(t.find_last_not_of(" \t\r\n") + 1);
  }
  return r;
}

/// Our step 3: the header of the example; we add 'from' (our domain, optional
/// per the step's note) and the id is ours, checked by form.
allowances step3_allowances() {
  auto a = server_stream_allowances();
  a.extra_attrs.insert(std::string(streams_el) + "@from");
  return a;
}

void s83_receiving(feed_plan plan, bool pretty) {
  xs_test::test_random rng;
  session::s2s_receiver_config cfg;
  cfg.hosts = {std::string(receiving)};
  cfg.random = &rng;
  session::s2s_receiver r(cfg);
  // Step 2 -> step 3 (no 'version': a dialback-only peer gets no features).
  auto r2 = feed(r, wire(s83_step2, pretty), plan);
  CHECK(mismatch_items(s83_step3, r2.out, step3_allowances()) == "");
  CHECK(r2.out.find("<stream:features") == std::string::npos);
  // Step 4 -> the request to the embedder (steps 5-9 are its connection to
  // the authoritative server), whose verdict makes step 10.
  auto r4 = feed(r, wire(s83_step4, pretty), plan);
  CHECK(r4.out.empty());
  REQUIRE(saw(r4, "dialback-requested"));
  CHECK(r.answer_dialback(originating, receiving, true));
  step_result r10;
  drain(r, r10);
  CHECK(mismatch_items(s83_step10, r10.out) == "");
  CHECK(r.is_validated(originating, receiving));
}

void s83_authoritative(bool right_key, feed_plan plan, bool pretty) {
  xs_test::test_random rng;
  session::s2s_receiver_config cfg;
  cfg.hosts = {std::string(originating)};
  cfg.random = &rng;
  cfg.dialback_secret = std::string(secret);
  session::s2s_receiver a(cfg);
  feed(a, wire(s83_step2, pretty), plan);  // step 6 -> step 7 (as steps 2-3)
  std::string step8(s83_step8);
  if (!right_key) step8.replace(step8.find(check_key), 4, "ffff");
  auto r8 = feed(a, wire(step8, pretty), plan);
  CHECK(mismatch_items(right_key ? s83_step9_valid : s83_step9_invalid, r8.out) == "");
}

}  // namespace

TEST_CASE("draft §8.3 steps 2-4 and 10, receiving server") {
  grind(s83_receiving, s83_step2.size() + 8);
}

TEST_CASE("draft §8.3 steps 6-9, authoritative server: the XEP-0185 check value is 'valid', a changed key 'invalid'") {
  for (bool right : {true, false}) {
    CAPTURE(right);
    grind([&](feed_plan plan, bool pretty) { s83_authoritative(right, plan, pretty); }, s83_step8.size());
  }
}

TEST_CASE("draft §8.3 steps 3-4 and 7-9, originating server and the receiving server's verify stream") {
  for (auto plan : standard_plans()) {
    CAPTURE(plan.chunk);
    // Originating server: step 3's id gives the key of step 4 (XEP-0185 check value).
    session::s2s_initiator_config oc;
    oc.local_domain = std::string(originating);
    oc.remote_domain = std::string(receiving);
    oc.dialback_secret = std::string(secret);
    session::s2s_initiator o(oc);
    step_result r0;
    drain(o, r0);
    auto hdr = read_stream(r0.out);  // our step 2: the example's header, 'to'/'from'/'version' added (optional)
    REQUIRE(hdr.items.size() == 1);
    CHECK(hdr.items[0].node.decls == read_stream(s83_step2).items.at(0).node.decls);
    auto r3 = feed(o, s83_step3, plan);
    CHECK(mismatch_items(as_sent(s83_step4), read_stream(r3.out)) == "");
    // Step 10 reaches it: the pair is valid.
    auto r10 = feed(o, s83_step10, plan);
    CHECK(saw(r10, "dialback-result"));
    CHECK(o.is_valid(originating, receiving));

    // The receiving server's stream to the authoritative server: step 7's id
    // is the authoritative server's own; step 8 asks about the id of step 3.
    session::s2s_initiator_config vc;
    vc.local_domain = std::string(receiving);
    vc.remote_domain = std::string(originating);
    vc.dialback = false;
    session::s2s_initiator v(vc);
    drain(v, r0);
    feed(v, "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:server' "
            "xmlns:db='jabber:server:dialback' id='1251A342B'>",
         plan);
    REQUIRE(v.verify(originating, receiving, stream_id, check_key));
    step_result r8;
    drain(v, r8);
    CHECK(mismatch_items(as_sent(s83_step8), read_stream(r8.out)) == "");
    auto r9 = feed(v, s83_step9_valid, plan);
    CHECK(saw(r9, "verify-result"));
    CHECK_FALSE(v.ended());
  }
}
