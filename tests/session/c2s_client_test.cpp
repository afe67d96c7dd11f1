// c2s_client, rule by rule: its TLS policy (a stripped STARTTLS gets nothing),
// its mechanism choice, mutual authentication (a wrong or missing server proof
// ends the stream), the byte-precise stop after <proceed/>, failures as values,
// and the XEP-0478 send limit. Servers are typed by hand, or our server with a
// man in the middle rewriting what it sends.
#include <xmppcore/session/c2s_client.hpp>

#include "session/support.hpp"

#include <xmppcore/crypto/base64.hpp>

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

using namespace xmppcore;
using namespace xs_test;

namespace {

constexpr std::string_view s_hdr =
    "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
    "from='example.com' id='c2s_123' version='1.0'>";

std::string mechs(std::initializer_list<std::string_view> names) {
  std::string s = "<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>";
  for (auto n : names) s += "<mechanism>" + std::string(n) + "</mechanism>";
  return s + "</mechanisms>";
}
std::string features(std::string_view inner) { return "<stream:features>" + std::string(inner) + "</stream:features>"; }

struct run {
  std::vector<std::string> events;
  std::string out;
};

session::receive_result feed(session::c2s_client& c, run& r, std::string_view bytes) {
  auto res = c.receive(bytes);
  while (auto ev = c.next_event()) r.events.push_back(describe(*ev));
  r.out += c.pending_output();
  c.mark_sent(c.pending_output().size());
  return res;
}

/// Rewrites the data of every SASL element `name` whose decoded data starts with `prefix`.
std::function<void(std::string&)> corrupt(std::string_view name, std::string_view prefix) {
  return [name = std::string(name), prefix = std::string(prefix)](std::string& piece) {
    const std::string open = "<" + name + " xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>";
    const auto a = piece.find(open);
    if (a == std::string::npos) return;
    const auto b = piece.find('<', a + open.size());
    auto data = crypto::base64_decode(std::string_view(piece).substr(a + open.size(), b - a - open.size()), 4096);
    if (!data || !data->starts_with(prefix)) return;
    char& c = (*data)[prefix.size() + 2];
    c = c == 'A' ? 'B' : 'A';  // one character of the proof changed
    piece.replace(a + open.size(), b - a - open.size(), crypto::base64_encode(*data));
  };
}

}  // namespace

TEST_CASE("client: the initial header (draft §4.4, §4.4.1 rule 1)") {
  test_random rng;
  session::c2s_client c(client_config(rng));
  CHECK(c.pending_output() ==
        "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
        "to='example.com' xml:lang='en' version='1.0'>");
  CHECK(c.state() == session::c2s_client_state::expecting_header);
}

TEST_CASE("client §5: TLS policy") {
  SUBCASE("require: a stream whose features lack <starttls/> is abandoned before any credential is sent") {
    test_random rng;
    session::c2s_client c(client_config(rng));
    run r;
    c.mark_sent(c.pending_output().size());
    feed(c, r, std::string(s_hdr) + features(mechs({"PLAIN", "DIGEST-MD5"})));
    CHECK(c.end().reason == session::end_reason::policy_refused);
    CHECK(r.out == "</stream:stream>");
    CHECK(r.out.find("<auth") == std::string::npos);
  }
  SUBCASE("require: <starttls/> offered → <starttls/> sent") {
    test_random rng;
    session::c2s_client c(client_config(rng));
    run r;
    c.mark_sent(c.pending_output().size());
    feed(c, r, std::string(s_hdr) + features("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>" + mechs({"PLAIN"})));
    CHECK(r.out == "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    CHECK(c.state() == session::c2s_client_state::expecting_proceed);
  }
  SUBCASE("the stop after <proceed/> is byte-precise (§5.1 rule 6): TLS bytes are never parsed") {
    test_random rng;
    session::c2s_client c(client_config(rng));
    run r;
    c.mark_sent(c.pending_output().size());
    feed(c, r, std::string(s_hdr) + features("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"));
    const std::string proceed = "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>";
    const std::string after = "\x16\x03\x01\x02\x00<not-xml";  // a TLS record, then junk
    auto res = feed(c, r, proceed + after);
    CHECK(res.status == session::receive_status::switch_transport);
    CHECK(res.consumed == proceed.size());
    CHECK(contains(r.events, "switch-to-tls"));
    CHECK_FALSE(c.ended());
    CHECK(c.tls_established());
    // a new stream header at once, and nothing learned before is kept (rule 10)
    CHECK(c.pending_output() ==
          "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
          "to='example.com' xml:lang='en' version='1.0'>");
    CHECK(c.peer_features() == nullptr);
  }
  SUBCASE("the server refuses STARTTLS (<failure/>): the stream ends as tls_failed") {
    test_random rng;
    session::c2s_client c(client_config(rng));
    run r;
    feed(c, r, std::string(s_hdr) + features("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>") +
                   "<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:stream>");
    CHECK(c.end().reason == session::end_reason::tls_failed);
  }
  SUBCASE("never: a server that requires TLS is abandoned") {
    test_random rng;
    auto cfg = client_config(rng);
    cfg.tls = session::tls_policy::never;
    session::c2s_client c(cfg);
    run r;
    feed(c, r, std::string(s_hdr) + features("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>"));
    CHECK(c.end().reason == session::end_reason::policy_refused);
  }
}

TEST_CASE("client §6: mechanism choice") {
  SUBCASE("without TLS (if_offered) PLAIN is never chosen; DIGEST-MD5 is") {
    test_random rng;
    auto cfg = client_config(rng);
    cfg.tls = session::tls_policy::if_offered;
    session::c2s_client c(cfg);
    run r;
    c.mark_sent(c.pending_output().size());
    feed(c, r, std::string(s_hdr) + features(mechs({"PLAIN", "DIGEST-MD5"})));
    CHECK(r.out == "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='DIGEST-MD5'/>");
  }
  SUBCASE("only PLAIN offered in the clear: abandoned; with plain_without_tls: PLAIN, RFC 4616 message") {
    {
      test_random rng;
      auto cfg = client_config(rng);
      cfg.tls = session::tls_policy::if_offered;
      session::c2s_client c(cfg);
      run r;
      feed(c, r, std::string(s_hdr) + features(mechs({"PLAIN"})));
      CHECK(c.end().reason == session::end_reason::policy_refused);
      CHECK(r.out.find("<auth") == std::string::npos);
    }
    {
      test_random rng;
      auto cfg = client_config(rng);
      cfg.tls = session::tls_policy::if_offered;
      cfg.plain_without_tls = true;
      session::c2s_client c(cfg);
      run r;
      c.mark_sent(c.pending_output().size());
      feed(c, r, std::string(s_hdr) + features(mechs({"PLAIN"})));
      const std::string want = std::string("\0juliet\0r0m30myr0m30", 20);
      CHECK(r.out == "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" +
                         crypto::base64_encode(want) + "</auth>");
    }
  }
  SUBCASE("the strongest both sides have, whatever the server's order") {
    test_random rng;
    auto cfg = client_config(rng);
    cfg.tls = session::tls_policy::if_offered;
    session::c2s_client c(cfg);
    run r;
    c.mark_sent(c.pending_output().size());
    feed(c, r, std::string(s_hdr) + features(mechs({"PLAIN", "DIGEST-MD5", "SCRAM-SHA-1", "X-UNKNOWN"})));
    CHECK(r.out.starts_with("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-1'>"));
    CHECK(c.mechanism() == "SCRAM-SHA-1");
  }
  SUBCASE("nothing acceptable offered: abandoned") {
    test_random rng;
    auto cfg = client_config(rng);
    cfg.tls = session::tls_policy::if_offered;
    session::c2s_client c(cfg);
    run r;
    feed(c, r, std::string(s_hdr) + features(mechs({"GSSAPI"})));
    CHECK(c.end().reason == session::end_reason::policy_refused);
  }
  SUBCASE("<failure/> is reported with its condition, then the client closes") {
    test_random rng;
    auto cfg = client_config(rng);
    cfg.tls = session::tls_policy::if_offered;
    session::c2s_client c(cfg);
    run r;
    feed(c, r, std::string(s_hdr) + features(mechs({"DIGEST-MD5"})));
    feed(c, r, "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><temporary-auth-failure/></failure>");
    CHECK(contains(r.events, "sasl-failed temporary-auth-failure"));
    CHECK(c.end().reason == session::end_reason::authentication_failed);
    CHECK(r.out.ends_with("</stream:stream>"));
  }
}

TEST_CASE("client §6: mutual authentication: the server's proof must be present and right") {
  struct param {
    sasl::mechanism_id m;
    const char* element;
    const char* prefix;
    bool scram_in_success;  // server option: SCRAM's v= in <success/> (default) or in a last <challenge/>
  };
  for (const param& p : {param{sasl::mechanism_id::scram_sha256, "success", "v=", true},
                         param{sasl::mechanism_id::scram_sha1, "success", "v=", true},
                         param{sasl::mechanism_id::scram_sha256, "challenge", "v=", false},
                         param{sasl::mechanism_id::scram_sha1, "challenge", "v=", false},
                         param{sasl::mechanism_id::digest_md5, "challenge", "rspauth=", false}}) {
    CAPTURE(sasl::to_string(p.m));
    CAPTURE(p.element);
    test_random srng(3), crng(4);
    accounts store;
    store.passwords["juliet"] = "r0m30myr0m30";
    resources res;
    auto scfg = server_config(srng, &store, &res);
    scfg.scram.final_in_success = p.scram_in_success;
    session::c2s_server server(scfg);
    auto ccfg = client_config(crng);
    ccfg.mechanisms = {p.m};
    session::c2s_client client(ccfg);
    pair pr(client, server);
    pr.tamper_s2c = corrupt(p.element, p.prefix);
    pr.run();
    CHECK(client.end().reason == session::end_reason::policy_refused);
    CHECK_FALSE(contains(pr.log.client_events, "ready juliet@example.com/balcony"));
    CHECK_FALSE(contains(pr.log.client_events, "authenticated juliet@example.com"));
    // A proof in a challenge is answered with <abort/> (draft §6.2); after a <success/> there is
    // nothing left to abort: the client closes the stream.
    if (std::string_view(p.element) == "challenge")
      CHECK(pr.log.c2s.find("<abort xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>") != std::string::npos);
    else
      CHECK(pr.log.c2s.ends_with("</stream:stream>"));
  }
  SUBCASE("a <success/> that skips the proof (DIGEST-MD5 rspauth) is refused") {
    test_random srng(3), crng(4);
    accounts store;
    store.passwords["juliet"] = "r0m30myr0m30";
    resources res;
    session::c2s_server server(server_config(srng, &store, &res));
    auto ccfg = client_config(crng);
    ccfg.mechanisms = {sasl::mechanism_id::digest_md5};
    session::c2s_client client(ccfg);
    pair pr(client, server);
    pr.tamper_s2c = [](std::string& piece) {
      const std::string open = "<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>";
      const auto a = piece.find(open);
      if (a == std::string::npos) return;
      auto b = piece.find("</challenge>", a);
      auto d = crypto::base64_decode(std::string_view(piece).substr(a + open.size(), b - a - open.size()), 4096);
      if (d && d->starts_with("rspauth="))
        piece.replace(a, b + 12 - a, "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
    };
    pr.run();
    CHECK(client.end().reason == session::end_reason::policy_refused);
    CHECK_FALSE(client.bound().has_value());
  }
}

TEST_CASE("client §4.4.1 rule 3: a server below version 1.0 is <unsupported-version/>") {
  test_random rng;
  session::c2s_client c(client_config(rng));
  run r;
  c.mark_sent(c.pending_output().size());
  feed(c, r, "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='example.com' "
             "id='x'>");
  CHECK(c.end().reason == session::end_reason::stream_error_sent);
  CHECK(c.end().condition == stream_condition::unsupported_version);
  CHECK(r.out == "<stream:error><unsupported-version xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
                 "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams' xml:lang='en'>the server does not support "
                 "version 1.0</text></stream:error></stream:stream>");
}

TEST_CASE("client: features that are malformed are <bad-format/>") {
  test_random rng;
  session::c2s_client c(client_config(rng));
  run r;
  feed(c, r, std::string(s_hdr) + features("<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>bad name"
                                           "</mechanism></mechanisms>"));
  CHECK(c.end().condition == stream_condition::bad_format);
}

TEST_CASE("client: XEP-0478 <max-bytes/> is respected when sending") {
  test_random srng(5), crng(6);
  accounts store;
  store.passwords["juliet"] = "r0m30myr0m30";
  resources res;
  auto scfg = server_config(srng, &store, &res);
  scfg.limits.max_element_bytes = 300;
  session::c2s_server server(scfg);
  session::c2s_client client(client_config(crng));
  pair pr(client, server);
  pr.run();
  REQUIRE(client.state() == session::c2s_client_state::established);
  CHECK(client.max_stanza_bytes() == 300);
  const std::string big = "<message to='romeo@example.net'><body>" + std::string(300, 'x') + "</body></message>";
  auto e = client.send_serialized(big);
  REQUIRE_FALSE(e.has_value());
  CHECK(e.error() == session::send_error::too_large);
  CHECK_FALSE(client.wants_output());
  CHECK(client.send_serialized("<message to='romeo@example.net'><body>ok</body></message>").has_value());
  pr.run();
  CHECK(contains(pr.log.server_events, "stanza-received juliet@example.com/balcony"));
  CHECK_FALSE(server.ended());
}

TEST_CASE("client: stanzas before ready are refused; the server's stream error is a value") {
  test_random rng;
  session::c2s_client c(client_config(rng));
  CHECK(c.send_serialized("<presence/>").error() == session::send_error::not_ready);
  run r;
  feed(c, r, std::string(s_hdr) + "<stream:error><system-shutdown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
                                  "</stream:error>");
  CHECK(contains(r.events, "stream-error-received"));
  CHECK(c.end().reason == session::end_reason::stream_error_received);
  CHECK(c.end().condition == stream_condition::system_shutdown);
}
