// c2s_server, rule by rule: for each rule of draft §4-§7 the machine keeps,
// one input that follows it and one that breaks it. The client side is typed
// by hand here (the bytes a client sends), so that the server is checked
// against the draft's text and not against our own client.
#include <xmppcore/session/c2s_server.hpp>

#include "session/support.hpp"

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

using namespace xmppcore;
using namespace xs_test;

namespace {

constexpr std::string_view hdr =
    "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
    "xmlns:stream='http://etherx.jabber.org/streams' to='example.com' version='1.0'>";

std::string header_to(std::string_view to, std::string_view version = "1.0") {
  std::string h = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'";
  if (!to.empty()) h += " to='" + std::string(to) + "'";
  if (!version.empty()) h += " version='" + std::string(version) + "'";
  return h + ">";
}

std::string b64(std::string_view s) { return crypto::base64_encode(s); }
std::string auth_plain(std::string_view user, std::string_view pass) {
  std::string m;
  m += '\0';
  m += user;
  m += '\0';
  m += pass;
  return "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" + b64(m) + "</auth>";
}
constexpr std::string_view starttls = "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>";

struct fixture {
  test_random rng{7};
  accounts store;
  resources res;
  session::c2s_server_config cfg;
  std::vector<std::string> events;
  std::string out;  // everything the server wrote
  fixture() {
    store.passwords["juliet"] = "r0m30myr0m30";
    cfg = server_config(rng, &store, &res);
  }
};

/// Feeds `bytes` to `s` until they are consumed or it stops; records events and output.
session::receive_result feed(session::c2s_server& s, fixture& f, std::string_view bytes) {
  session::receive_result last{};
  std::size_t total = 0;
  for (int guard = 0; guard < 10000; ++guard) {
    last = s.receive(bytes.substr(total));
    total += last.consumed;
    while (auto ev = s.next_event()) f.events.push_back(describe(*ev));
    if (s.wants_output()) {
      f.out += s.pending_output();
      s.mark_sent(s.pending_output().size());
    }
    if (total == bytes.size() || last.status == session::receive_status::closed ||
        last.status == session::receive_status::switch_transport || last.status == session::receive_status::waiting)
      break;
  }
  last.consumed = total;
  return last;
}

/// A server taken through TLS (pass-through) and, if asked, SASL PLAIN and binding.
enum class phase { features, tls, authenticated, bound };
void advance(session::c2s_server& s, fixture& f, phase p) {
  feed(s, f, hdr);
  if (p == phase::features) return;
  auto r = feed(s, f, starttls);
  REQUIRE(r.status == session::receive_status::switch_transport);
  REQUIRE(s.tls_established());
  feed(s, f, hdr);
  if (p == phase::tls) return;
  feed(s, f, auth_plain("juliet", "r0m30myr0m30"));
  REQUIRE(s.account().has_value());
  feed(s, f, hdr);
  if (p == phase::authenticated) return;
  feed(s, f, "<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>balcony</resource>"
             "</bind></iq>");
  REQUIRE(s.state() == session::c2s_server_state::established);
}

bool ends_with_error(const std::string& out, std::string_view condition) {
  const std::string want = "<stream:error><" + std::string(condition) + " xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>";
  return out.find(want) != std::string::npos && out.ends_with("</stream:stream>");
}

std::size_t count(std::string_view hay, std::string_view needle) {
  std::size_t n = 0;
  for (std::size_t at = 0; (at = hay.find(needle, at)) != std::string_view::npos; ++at) ++n;
  return n;
}

}  // namespace

TEST_CASE("server §4.4: 'to' names a host we serve (prepared form); any other is <host-unknown/>") {
  SUBCASE("follows: to='Example.COM' is example.com") {
    fixture f;
    session::c2s_server s(f.cfg);
    feed(s, f, header_to("Example.COM"));
    CHECK(s.host() == "example.com");
    CHECK(f.out.find("from='example.com'") != std::string::npos);
    CHECK_FALSE(s.ended());
  }
  SUBCASE("breaks: to='example.org' → header first (from = our host), then <host-unknown/> (§4.7.1)") {
    fixture f;
    session::c2s_server s(f.cfg);
    auto r = feed(s, f, header_to("example.org"));
    CHECK(r.status == session::receive_status::closed);
    CHECK(f.out.starts_with("<?xml version='1.0'?><stream:stream"));
    CHECK(f.out.find("from='example.com'") != std::string::npos);
    CHECK(ends_with_error(f.out, "host-unknown"));
    CHECK(s.end().reason == session::end_reason::stream_error_sent);
    CHECK(s.end().condition == stream_condition::host_unknown);
  }
  SUBCASE("no 'to': the default host answers (RFC 6120 §4.7.1)") {
    fixture f;
    session::c2s_server s(f.cfg);
    feed(s, f, header_to(""));
    CHECK(s.host() == "example.com");
    CHECK_FALSE(s.ended());
  }
}

TEST_CASE("server §4.4.1: version negotiation") {
  SUBCASE("offered 1.0 → 1.0; offered 01.00 → 1.0 (leading zeros ignored, never sent)") {
    for (std::string_view v : {"1.0", "01.00"}) {
      fixture f;
      session::c2s_server s(f.cfg);
      feed(s, f, header_to("example.com", v));
      CHECK(f.out.find("version='1.0'") != std::string::npos);
      CHECK(f.out.find("<stream:features>") != std::string::npos);
    }
  }
  SUBCASE("offered 1.5 → min(offered, supported) = 1.0 (rule 2)") {
    fixture f;
    session::c2s_server s(f.cfg);
    feed(s, f, header_to("example.com", "1.5"));
    CHECK(f.out.find("version='1.0'") != std::string::npos);
  }
  SUBCASE("no version (0.0, rule 4): <unsupported-version/> by default") {
    fixture f;
    session::c2s_server s(f.cfg);
    feed(s, f, header_to("example.com", ""));
    CHECK(ends_with_error(f.out, "unsupported-version"));
  }
  SUBCASE("no version with accept_version_0: a version-less header and no features (rule 4)") {
    fixture f;
    f.cfg.accept_version_0 = true;
    session::c2s_server s(f.cfg);
    feed(s, f, header_to("example.com", ""));
    CHECK_FALSE(s.ended());
    CHECK(f.out.find("version=", f.out.find("<stream:stream")) == std::string::npos);
    CHECK(f.out.find("<stream:features") == std::string::npos);
    // and nothing can be done without authentication
    feed(s, f, "<message to='a@example.com'><body>x</body></message>");
    CHECK(ends_with_error(f.out, "not-authorized"));
  }
  SUBCASE("a malformed version is refused") {
    fixture f;
    session::c2s_server s(f.cfg);
    feed(s, f, header_to("example.com", "1.x"));
    CHECK(s.ended());
    CHECK(s.end().reason == session::end_reason::stream_error_sent);
  }
}

TEST_CASE("server §11.2.2: a c2s stream is jabber:client; the stream id is fresh and unpredictable") {
  SUBCASE("breaks: jabber:server on a c2s port is <invalid-namespace/>") {
    fixture f;
    session::c2s_server s(f.cfg);
    feed(s, f,
         "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' to='example.com' "
         "version='1.0'>");
    CHECK(ends_with_error(f.out, "invalid-namespace"));
  }
  SUBCASE("follows: each stream gets a new 128-bit id") {
    fixture f;
    session::c2s_server s(f.cfg);
    advance(s, f, phase::tls);
    const auto a = f.out.find(" id='");
    const auto b = f.out.find(" id='", a + 1);
    REQUIRE(a != std::string::npos);
    REQUIRE(b != std::string::npos);
    const std::string id1 = f.out.substr(a + 5, 32), id2 = f.out.substr(b + 5, 32);
    CHECK(id1 != id2);
    CHECK(f.out[a + 5 + 32] == '\'');
    CHECK(s.stream_id() == id2);
  }
}

TEST_CASE("server §5: STARTTLS offered, proceeded, byte-precise, never re-offered") {
  SUBCASE("features before TLS: <starttls/> and the mechanisms allowed before TLS (no PLAIN, §6.2 step 2)") {
    fixture f;
    session::c2s_server s(f.cfg);
    feed(s, f, hdr);
    CHECK(f.out.find("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>") != std::string::npos);
    CHECK(f.out.find("<mechanism>SCRAM-SHA-256</mechanism>") != std::string::npos);
    CHECK(f.out.find("<mechanism>PLAIN</mechanism>") == std::string::npos);
    CHECK(f.out.find("<limits xmlns='urn:xmpp:stream-limits:0'><max-bytes>8192</max-bytes></limits>") !=
          std::string::npos);  // XEP-0478, the pre-authentication profile
  }
  SUBCASE("tls required: only <starttls><required/></starttls>; <auth/> before TLS is refused") {
    fixture f;
    f.cfg.tls = session::tls_offer::required;
    session::c2s_server s(f.cfg);
    feed(s, f, hdr);
    CHECK(f.out.find("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>") != std::string::npos);
    CHECK(f.out.find("<mechanisms") == std::string::npos);
    feed(s, f, auth_plain("juliet", "r0m30myr0m30"));
    CHECK(ends_with_error(f.out, "policy-violation"));
    CHECK_FALSE(s.account().has_value());
  }
  SUBCASE("the bytes after <starttls/>'s '>' are handed back, never parsed (CVE-2011-0411 class)") {
    fixture f;
    session::c2s_server s(f.cfg);
    feed(s, f, hdr);
    const std::string injected = std::string(starttls) + auth_plain("juliet", "r0m30myr0m30") + "<garbage";
    auto r = s.receive(injected);
    CHECK(r.status == session::receive_status::switch_transport);
    CHECK(r.consumed == starttls.size());  // exactly after the '>'
    while (auto ev = s.next_event()) f.events.push_back(describe(*ev));
    CHECK(contains(f.events, "switch-to-tls"));
    CHECK(s.pending_output() == "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    // Until the embedder reports TLS, nothing more is read.
    CHECK(s.receive(std::string_view(injected).substr(r.consumed)).consumed == 0);
    CHECK_FALSE(s.account().has_value());
    CHECK(s.tls_established());
    CHECK(s.state() == session::c2s_server_state::expecting_header);
  }
  SUBCASE("after TLS: a new header gets features without STARTTLS (rule 11), with PLAIN now") {
    fixture f;
    session::c2s_server s(f.cfg);
    advance(s, f, phase::tls);
    CHECK(count(f.out, "<starttls") == 1);
    CHECK(f.out.find("<mechanism>PLAIN</mechanism>") != std::string::npos);
    feed(s, f, starttls);  // asking again
    CHECK(s.end().reason == session::end_reason::tls_failed);
    CHECK(f.out.ends_with("<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:stream>"));
  }
  SUBCASE("TLS not offered: <starttls/> gets <failure/> and the close (§5.2 step 5)") {
    fixture f;
    f.cfg.tls = session::tls_offer::not_offered;
    session::c2s_server s(f.cfg);
    feed(s, f, hdr);
    CHECK(f.out.find("<starttls") == std::string::npos);
    feed(s, f, starttls);
    CHECK(s.end().reason == session::end_reason::tls_failed);
  }
  SUBCASE("the handshake fails: the stream ends with no more XML (§5.2 step 7)") {
    fixture f;
    session::c2s_server s(f.cfg);
    feed(s, f, hdr);
    feed(s, f, starttls);
    const auto before = f.out.size();
    CHECK(s.tls_failed());
    CHECK(s.end().reason == session::end_reason::tls_failed);
    CHECK_FALSE(s.wants_output());
    CHECK(f.out.size() == before);
  }
}

TEST_CASE("server §6: SASL failures, retries and success") {
  SUBCASE("<invalid-mechanism/>: not offered (PLAIN before TLS) and unknown names") {
    fixture f;
    session::c2s_server s(f.cfg);
    feed(s, f, hdr);
    feed(s, f, auth_plain("juliet", "r0m30myr0m30"));
    CHECK(f.out.ends_with("<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><invalid-mechanism/></failure>"));
    CHECK_FALSE(s.ended());
    feed(s, f, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='X-NOPE'/>");
    CHECK(f.out.ends_with("<invalid-mechanism/></failure>"));
  }
  SUBCASE("plain_without_tls offers PLAIN in the clear") {
    fixture f;
    f.cfg.plain_without_tls = true;
    session::c2s_server s(f.cfg);
    feed(s, f, hdr);
    CHECK(f.out.find("<mechanism>PLAIN</mechanism>") != std::string::npos);
    feed(s, f, auth_plain("juliet", "r0m30myr0m30"));
    CHECK(f.out.ends_with("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"));
  }
  SUBCASE("<incorrect-encoding/> for data that is not base64 (the draft §6.5 challenge, ERRATA)") {
    fixture f;
    session::c2s_server s(f.cfg);
    advance(s, f, phase::tls);
    feed(s, f, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>not*base64</auth>");
    CHECK(f.out.ends_with("<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><incorrect-encoding/></failure>"));
  }
  SUBCASE("<aborted/> for <abort/>") {
    fixture f;
    session::c2s_server s(f.cfg);
    advance(s, f, phase::tls);
    feed(s, f, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='DIGEST-MD5'/>");
    CHECK(s.state() == session::c2s_server_state::expecting_sasl_response);
    feed(s, f, "<abort xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
    CHECK(f.out.ends_with("<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><aborted/></failure>"));
    CHECK(s.state() == session::c2s_server_state::expecting_negotiation);
  }
  SUBCASE("<not-authorized/>, two retries allowed, the third failure closes (§6.2 step 2)") {
    fixture f;
    session::c2s_server s(f.cfg);
    advance(s, f, phase::tls);
    for (int i = 1; i <= 2; ++i) {
      feed(s, f, auth_plain("juliet", "wrong"));
      CHECK(f.out.ends_with("<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/></failure>"));
      CHECK_FALSE(s.ended());
    }
    feed(s, f, auth_plain("juliet", "wrong"));
    CHECK(s.ended());
    CHECK(s.end().reason == session::end_reason::authentication_failed);
    CHECK(f.out.ends_with("<not-authorized/></failure></stream:stream>"));
    CHECK(s.sasl_failures() == 3);
  }
  SUBCASE("a retry after a failure succeeds; then the stream restarts with bind, never STARTTLS") {
    fixture f;
    session::c2s_server s(f.cfg);
    advance(s, f, phase::tls);
    feed(s, f, auth_plain("juliet", "wrong"));
    feed(s, f, auth_plain("juliet", "r0m30myr0m30"));
    CHECK(f.out.ends_with("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"));
    CHECK(s.state() == session::c2s_server_state::expecting_header);
    const auto mark = f.out.size();
    feed(s, f, hdr);
    const std::string after = f.out.substr(mark);
    CHECK(after.find("<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>") != std::string::npos);
    CHECK(after.find("<starttls") == std::string::npos);
    CHECK(after.find("<mechanisms") == std::string::npos);
    CHECK(after.find("<max-bytes>262144</max-bytes>") != std::string::npos);  // the authenticated profile
  }
  SUBCASE("byte-precise after <success/>: the next header is parsed as a new stream") {
    fixture f;
    session::c2s_server s(f.cfg);
    advance(s, f, phase::tls);
    // The client pipelines its new header right after <auth/> (it cannot, in
    // practice, but nothing of it may be read under the old stream).
    auto r = feed(s, f, auth_plain("juliet", "r0m30myr0m30") + std::string(hdr));
    CHECK(r.status == session::receive_status::ok);
    CHECK(s.state() == session::c2s_server_state::expecting_bind);
  }
  SUBCASE("<auth/> after authentication is <unsupported-stanza-type/>") {
    fixture f;
    session::c2s_server s(f.cfg);
    advance(s, f, phase::authenticated);
    feed(s, f, auth_plain("juliet", "r0m30myr0m30"));
    CHECK(ends_with_error(f.out, "unsupported-stanza-type"));
  }
}

TEST_CASE("server §4.3, §9.1.2: nothing but negotiation before authentication") {
  for (std::string_view bad : {"<message to='romeo@example.net'><body>hi</body></message>",
                               "<iq type='get' id='1'><query xmlns='jabber:iq:roster'/></iq>",
                               "<presence/>", "<foo xmlns='urn:example'/>",
                               "<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"}) {
    CAPTURE(bad);
    fixture f;
    session::c2s_server s(f.cfg);
    advance(s, f, phase::tls);
    feed(s, f, bad);
    CHECK(ends_with_error(f.out, "not-authorized"));
    CHECK(s.end().reason == session::end_reason::stream_error_sent);
  }
}

TEST_CASE("server: the pre-authentication limits apply until SASL succeeds") {
  const std::string big = "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" +
                          std::string(9000, 'A') + "</auth>";
  SUBCASE("breaks: a 9 KB element before authentication is <policy-violation/>") {
    fixture f;
    session::c2s_server s(f.cfg);
    advance(s, f, phase::tls);
    feed(s, f, big);
    CHECK(ends_with_error(f.out, "policy-violation"));
  }
  SUBCASE("follows: the same size is fine once bound") {
    fixture f;
    session::c2s_server s(f.cfg);
    advance(s, f, phase::bound);
    feed(s, f, "<message to='romeo@example.net'><body>" + std::string(9000, 'A') + "</body></message>");
    CHECK_FALSE(s.ended());
    CHECK(contains(f.events, "stanza-received juliet@example.com/balcony"));
  }
}

TEST_CASE("server §7: resource binding") {
  auto bind_iq = [](std::string_view res) {
    std::string s = "<iq type='set' id='bind_2'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>";
    if (!res.empty()) s += "<resource>" + std::string(res) + "</resource>";
    return s + "</bind></iq>";
  };
  SUBCASE("<bind/> is offered only after SASL") {
    fixture f;
    session::c2s_server s(f.cfg);
    advance(s, f, phase::tls);
    CHECK(f.out.find("xmpp-bind") == std::string::npos);
  }
  SUBCASE("a client-chosen resource, prepared with Resourceprep") {
    fixture f;
    session::c2s_server s(f.cfg);
    advance(s, f, phase::authenticated);
    feed(s, f, bind_iq("Balcony\xE2\x84\xAB"));  // U+212B ANGSTROM SIGN → U+00C5 (NFKC)
    CHECK(f.out.ends_with("<iq id='bind_2' type='result'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>"
                          "juliet@example.com/Balcony\xC3\x85</jid></bind></iq>"));
    CHECK(contains(f.events, "ready juliet@example.com/Balcony\xC3\x85"));
  }
  SUBCASE("an empty <bind/>: a server-made resource, unique") {
    fixture f;
    session::c2s_server s(f.cfg);
    advance(s, f, phase::authenticated);
    feed(s, f, bind_iq(""));
    REQUIRE(s.bound().has_value());
    CHECK(s.bound()->resource().size() == 16);
    CHECK(f.out.find(std::string(s.bound()->full())) != std::string::npos);
  }
  SUBCASE("a resource Resourceprep refuses: <bad-request/> (modify), and the stream goes on") {
    fixture f;
    session::c2s_server s(f.cfg);
    advance(s, f, phase::authenticated);
    feed(s, f, bind_iq("bad\xE2\x80\x8E"));  // U+200E LEFT-TO-RIGHT MARK: prohibited (RFC 3454 C.8)
    CHECK(f.out.find("<error type='modify'><bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>") !=
          std::string::npos);
    CHECK_FALSE(s.ended());
    CHECK(s.state() == session::c2s_server_state::expecting_bind);
  }
  SUBCASE("in use: <conflict/> (cancel) by default") {
    fixture f;
    f.res.taken.insert("juliet@example.com/balcony");
    session::c2s_server s(f.cfg);
    advance(s, f, phase::authenticated);
    feed(s, f, bind_iq("balcony"));
    CHECK(f.out.find("<error type='cancel'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>") !=
          std::string::npos);
    CHECK_FALSE(s.bound().has_value());
  }
  SUBCASE("in use with resource_conflict::generate: a server-made resource instead") {
    fixture f;
    f.res.taken.insert("juliet@example.com/balcony");
    f.cfg.on_conflict = session::resource_conflict::generate;
    session::c2s_server s(f.cfg);
    advance(s, f, phase::authenticated);
    feed(s, f, bind_iq("balcony"));
    REQUIRE(s.bound().has_value());
    CHECK(s.bound()->resource() != "balcony");
  }
  SUBCASE("in use with resource_conflict::replace: accepted (the embedder ends the other session)") {
    fixture f;
    f.res.taken.insert("juliet@example.com/balcony");
    f.cfg.on_conflict = session::resource_conflict::replace;
    session::c2s_server s(f.cfg);
    advance(s, f, phase::authenticated);
    feed(s, f, bind_iq("balcony"));
    REQUIRE(s.bound().has_value());
    CHECK(s.bound()->resource() == "balcony");
  }
  SUBCASE("the account may not bind: <not-allowed/> (cancel)") {
    fixture f;
    f.res.refused_accounts.insert("juliet@example.com");
    session::c2s_server s(f.cfg);
    advance(s, f, phase::authenticated);
    feed(s, f, bind_iq("balcony"));
    CHECK(f.out.find("<error type='cancel'><not-allowed xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>") !=
          std::string::npos);
  }
  SUBCASE("always_generate_resource overrides the client's choice") {
    fixture f;
    f.cfg.always_generate_resource = true;
    session::c2s_server s(f.cfg);
    advance(s, f, phase::authenticated);
    feed(s, f, bind_iq("balcony"));
    REQUIRE(s.bound().has_value());
    CHECK(s.bound()->resource() != "balcony");
  }
  SUBCASE("before binding, other stanzas get a <not-authorized/> stanza error (§7 last paragraph)") {
    fixture f;
    session::c2s_server s(f.cfg);
    advance(s, f, phase::authenticated);
    feed(s, f, "<message to='romeo@example.net' id='m1'><body>hi</body></message>");
    CHECK(f.out.find("<not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>") != std::string::npos);
    CHECK(f.out.find("<message") != std::string::npos);
    CHECK_FALSE(s.ended());
    CHECK_FALSE(contains(f.events, "stanza-received juliet@example.com/balcony"));
  }
  SUBCASE("the session IQ of RFC 3921 §3 is answered") {
    fixture f;
    session::c2s_server s(f.cfg);
    advance(s, f, phase::bound);
    feed(s, f, "<iq type='set' id='sess_1'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>");
    CHECK(f.out.ends_with("<iq id='sess_1' type='result'/>"));
  }
}

TEST_CASE("server §9.1.2, §9.2.3: after binding, 'from' is checked and IQ rules are applied") {
  SUBCASE("follows: no 'from' or our full JID is delivered with the sender") {
    fixture f;
    session::c2s_server s(f.cfg);
    advance(s, f, phase::bound);
    feed(s, f, "<message to='romeo@example.net'><body>a</body></message>");
    feed(s, f, "<message from='juliet@example.com/balcony' to='romeo@example.net'><body>b</body></message>");
    CHECK(std::count(f.events.begin(), f.events.end(), "stanza-received juliet@example.com/balcony") == 2);
  }
  SUBCASE("breaks: somebody else's 'from' is <invalid-from/>") {
    fixture f;
    session::c2s_server s(f.cfg);
    advance(s, f, phase::bound);
    feed(s, f, "<message from='romeo@example.net/orchard' to='romeo@example.net'><body>x</body></message>");
    CHECK(ends_with_error(f.out, "invalid-from"));
  }
  SUBCASE("breaks: an IQ get with two payloads gets <bad-request/> and is not delivered") {
    fixture f;
    session::c2s_server s(f.cfg);
    advance(s, f, phase::bound);
    feed(s, f, "<iq type='get' id='q1'><a xmlns='urn:a'/><b xmlns='urn:b'/></iq>");
    CHECK(f.out.find("<bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>") != std::string::npos);
    CHECK_FALSE(contains(f.events, "stanza-received juliet@example.com/balcony"));
  }
  SUBCASE("a non-stanza element is <unsupported-stanza-type/>, or delivered when asked") {
    fixture f;
    session::c2s_server s(f.cfg);
    advance(s, f, phase::bound);
    feed(s, f, "<r xmlns='urn:xmpp:sm:3'/>");
    CHECK(ends_with_error(f.out, "unsupported-stanza-type"));
    fixture g;
    g.cfg.deliver_other_elements = true;
    session::c2s_server t(g.cfg);
    advance(t, g, phase::bound);
    feed(t, g, "<r xmlns='urn:xmpp:sm:3'/>");
    CHECK(contains(g.events, "element-received"));
    CHECK_FALSE(t.ended());
  }
}

TEST_CASE("server: credentials, authorization and resources answered later (asynchronous store)") {
  SUBCASE("PLAIN: a credentials request, `waiting`, the answer, success; pipelined bytes are kept") {
    fixture f;
    f.cfg.credentials = nullptr;
    f.cfg.resources = nullptr;
    session::c2s_server s(f.cfg);
    advance(s, f, phase::tls);
    const std::string in = auth_plain("juliet", "r0m30myr0m30") + std::string(hdr);
    auto r = s.receive(in);
    CHECK(r.status == session::receive_status::waiting);
    auto ev = s.next_event();
    REQUIRE(ev.has_value());
    CHECK(ev->kind == session::event_kind::credentials_requested);
    CHECK(ev->username == "juliet");
    CHECK(ev->mechanism == "PLAIN");
    // While waiting, nothing is read.
    CHECK(s.receive(std::string_view(in).substr(r.consumed)).consumed == 0);
    // Answers of the wrong kind are refused; the right one resumes.
    CHECK_FALSE(s.answer_resource(session::bind_verdict::accept));
    bool scram_asked = ev->credential != session::credential_kind::password;
    if (scram_asked) CHECK(s.answer_credentials(sasl::lookup_result<sasl::scram_credentials>(std::optional<sasl::scram_credentials>{})));
    else CHECK(s.answer_credentials(sasl::lookup_result<std::string>(std::optional<std::string>("r0m30myr0m30"))));
    for (int i = 0; i < 3 && s.state() == session::c2s_server_state::awaiting_embedder; ++i) {
      while (auto e = s.next_event()) {
        if (e->kind != session::event_kind::credentials_requested) continue;
        if (e->credential == session::credential_kind::password)
          CHECK(s.answer_credentials(sasl::lookup_result<std::string>(std::optional<std::string>("r0m30myr0m30"))));
        else
          CHECK(s.answer_credentials(sasl::lookup_result<sasl::scram_credentials>(std::optional<sasl::scram_credentials>{})));
      }
    }
    CHECK(s.account().has_value());
    while (s.next_event()) {
    }
    auto r2 = s.receive(std::string_view(in).substr(r.consumed));
    CHECK(r2.consumed == in.size() - r.consumed);
    CHECK(s.state() == session::c2s_server_state::expecting_bind);
  }
  SUBCASE("a store failure is <temporary-auth-failure/>") {
    fixture f;
    f.cfg.credentials = nullptr;
    session::c2s_server s(f.cfg);
    advance(s, f, phase::tls);
    feed(s, f, auth_plain("juliet", "r0m30myr0m30"));
    CHECK(s.state() == session::c2s_server_state::awaiting_embedder);
    CHECK(s.answer_credentials(sasl::lookup_result<std::string>(unexpected{sasl_condition::temporary_auth_failure})));
    if (s.wants_output()) f.out += s.pending_output();
    CHECK(f.out.ends_with("<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><temporary-auth-failure/></failure>"));
  }
  SUBCASE("an authzid: authorization asked for and refused → <invalid-authzid/>") {
    fixture f;
    f.cfg.ask_authorization = true;
    session::c2s_server s(f.cfg);
    advance(s, f, phase::tls);
    std::string m = "romeo@example.com";
    m += '\0';
    m += "juliet";
    m += '\0';
    m += "r0m30myr0m30";
    feed(s, f, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" + b64(m) + "</auth>");
    REQUIRE(s.state() == session::c2s_server_state::awaiting_embedder);
    CHECK(contains(f.events, "authorization-requested romeo@example.com"));
    CHECK(s.answer_authorization(false));
    f.out += s.pending_output();
    CHECK(f.out.ends_with("<invalid-authzid/></failure>"));
  }
  SUBCASE("an authzid allowed: the session is the authzid's") {
    fixture f;
    f.cfg.ask_authorization = true;
    session::c2s_server s(f.cfg);
    advance(s, f, phase::tls);
    std::string m = "romeo@example.com";
    m += '\0';
    m += "juliet";
    m += '\0';
    m += "r0m30myr0m30";
    feed(s, f, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" + b64(m) + "</auth>");
    CHECK(s.answer_authorization(true));
    REQUIRE(s.account().has_value());
    CHECK(s.account()->full() == "romeo@example.com");
  }
  SUBCASE("resource asked for asynchronously") {
    fixture f;
    f.cfg.resources = nullptr;
    session::c2s_server s(f.cfg);
    advance(s, f, phase::authenticated);
    const std::string bind = "<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>r"
                             "</resource></bind></iq>";
    const std::string in = bind + "<message to='a@example.com'><body>queued</body></message>";
    auto r = feed(s, f, in);
    CHECK(r.status == session::receive_status::waiting);
    CHECK(r.consumed == bind.size());  // stopped right after the bind IQ
    CHECK(contains(f.events, "resource-requested juliet@example.com/r"));
    CHECK(s.answer_resource(session::bind_verdict::accept));
    std::vector<std::string> later;
    while (auto ev = s.next_event()) later.push_back(describe(*ev));
    CHECK(contains(later, "ready juliet@example.com/r"));
    // the rest is read once the embedder feeds it again
    auto r2 = s.receive(std::string_view(in).substr(r.consumed));
    CHECK(r2.consumed == in.size() - bind.size());
    while (auto ev = s.next_event()) later.push_back(describe(*ev));
    CHECK(contains(later, "stanza-received juliet@example.com/r"));
  }
}

TEST_CASE("server: the peer's close and stream errors are values; a closed stream reads nothing") {
  SUBCASE("peer </stream:stream> is answered") {
    fixture f;
    session::c2s_server s(f.cfg);
    advance(s, f, phase::bound);
    feed(s, f, "</stream:stream>");
    CHECK(s.end().reason == session::end_reason::peer_closed);
    CHECK(f.out.ends_with("</stream:stream>"));
    CHECK(s.receive("<presence/>").consumed == 0);
  }
  SUBCASE("the peer's <stream:error/> is parsed and reported") {
    fixture f;
    session::c2s_server s(f.cfg);
    advance(s, f, phase::bound);
    feed(s, f, "<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
               "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>replaced</text></stream:error>");
    CHECK(s.end().reason == session::end_reason::stream_error_received);
    REQUIRE(s.peer_error() != nullptr);
    CHECK(s.peer_error()->condition == stream_condition::conflict);
    CHECK(s.end().text == "replaced");
  }
  SUBCASE("the transport ends mid-stream: transport_closed, nothing written") {
    fixture f;
    session::c2s_server s(f.cfg);
    advance(s, f, phase::bound);
    s.receive_eof();
    CHECK(s.end().reason == session::end_reason::transport_closed);
    CHECK_FALSE(s.wants_output());
  }
  SUBCASE("a stream error carries the byte offset where it was found") {
    fixture f;
    session::c2s_server s(f.cfg);
    advance(s, f, phase::bound);
    const auto before = s.offset();
    feed(s, f, "<message><body>x</bod></message>");
    CHECK(s.end().condition == stream_condition::xml_not_well_formed);
    CHECK(s.end().offset > before);
    CHECK(s.end().offset <= before + 32);
  }
}

TEST_CASE("server: what one receive() delivers is bounded by the limits, not by the read (backpressure)") {
  fixture f;
  session::c2s_server s(f.cfg);
  advance(s, f, phase::bound);
  std::string big;
  while (big.size() < (1u << 20)) big += "<presence/>";
  const auto lim = xml::limits::defaults();
  std::size_t at = 0, calls = 0, stanzas = 0, max_per_call = 0;
  while (at < big.size()) {
    auto r = s.receive(std::string_view(big).substr(at));
    REQUIRE((r.status == session::receive_status::ok || r.status == session::receive_status::full));
    REQUIRE(r.consumed > 0);
    at += r.consumed;
    ++calls;
    std::size_t n = 0;
    while (auto ev = s.next_event()) n += ev->kind == session::event_kind::stanza_received;
    stanzas += n;
    max_per_call = std::max(max_per_call, n);
    // Undrained events block further input (their views would be overwritten).
    if (r.status == session::receive_status::full) CHECK(r.consumed < big.size());
  }
  CHECK(stanzas == big.size() / 11);
  CHECK(calls > 1);
  CHECK(max_per_call <= lim.max_queued_events);
  CHECK_FALSE(s.ended());
  // A call that finds undrained events consumes nothing and says full.
  s.receive("<presence/><presence/>");
  CHECK(s.receive("<presence/>").status == session::receive_status::full);
}
