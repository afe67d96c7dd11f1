// Server dialback with three parties, all from this library, wired only
// through their output buffers (draft §8.3): the originating server O
// (example.com) opens a stream to the receiving server R (example.net); R
// checks O's key over its own stream V to the authoritative server A of
// example.com, which shares O's secret.
#include <xmppcore/session/s2s_initiator.hpp>
#include <xmppcore/session/s2s_receiver.hpp>

#include "session/support.hpp"

#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <vector>

using namespace xmppcore;
using namespace xs_test;

namespace {

constexpr std::string_view secret_com = "s3cr3tf0rd14lb4ck";  // example.com's network
constexpr std::string_view secret_net = "another-secret";     // example.net's network

/// Moves bytes between two machines until neither moves.
struct wire_link {
  std::size_t chunk = SIZE_MAX;
  std::string a_to_b, b_to_a;
  std::vector<std::string> a_events, b_events;
  std::string a_out, b_out;

  template <class M>
  static bool feed(M& m, std::string& wire, std::size_t chunk, std::vector<std::string>& log,
                   const std::function<void(const session::event&)>& h) {
    bool moved = false;
    for (int guard = 0; guard < 100000 && !wire.empty() && !m.ended(); ++guard) {
      auto r = m.receive(std::string_view(wire).substr(0, std::min(chunk, wire.size())));
      REQUIRE(r.consumed <= wire.size());
      wire.erase(0, r.consumed);
      bool any = false;
      while (auto ev = m.next_event()) {
        any = true;
        std::string d = describe(*ev);
        if (!ev->originating.empty()) d += " " + std::string(ev->originating) + ">" + std::string(ev->receiving);
        if (ev->kind == session::event_kind::dialback_result || ev->kind == session::event_kind::verify_result)
          d += ev->valid ? " valid" : " invalid";
        log.push_back(d);
        if (ev->kind == session::event_kind::switch_to_tls) m.tls_established();
        if (h) h(*ev);
      }
      moved |= r.consumed > 0 || any;
      if (r.consumed == 0 && !any) break;
    }
    return moved;
  }
  template <class M>
  static bool flush(M& m, std::string& wire, std::string& all) {
    if (!m.wants_output()) return false;
    wire += m.pending_output();
    all += m.pending_output();
    m.mark_sent(m.pending_output().size());
    return true;
  }
  template <class A, class B>
  bool step(A& a, B& b, const std::function<void(const session::event&)>& ha,
            const std::function<void(const session::event&)>& hb) {
    bool moved = flush(a, a_to_b, a_out);
    moved |= flush(b, b_to_a, b_out);
    moved |= feed(b, a_to_b, chunk, b_events, hb);
    moved |= feed(a, b_to_a, chunk, a_events, ha);
    return moved;
  }
};

struct world {
  test_random r1{11}, r2{12};
  session::s2s_initiator o, v;
  session::s2s_receiver r, a;
  wire_link o_r, v_a;
  std::function<void(const session::event&)> on_o, on_r, on_v, on_a;
  bool verify_stream_opened = false;

  static session::s2s_initiator_config o_cfg(std::string_view secret) {
    session::s2s_initiator_config c;
    c.local_domain = "example.com";
    c.remote_domain = "example.net";
    c.dialback_secret = std::string(secret);
    return c;
  }
  static session::s2s_initiator_config v_cfg() {
    session::s2s_initiator_config c;
    c.local_domain = "example.net";
    c.remote_domain = "example.com";
    c.dialback = false;  // only verify() on this stream
    return c;
  }
  static session::s2s_receiver_config r_cfg(crypto::random_source& rng, std::vector<std::string> hosts,
                                            std::string_view secret) {
    session::s2s_receiver_config c;
    c.hosts = std::move(hosts);
    c.random = &rng;
    c.dialback_secret = std::string(secret);
    return c;
  }

  explicit world(std::string_view o_secret = secret_com, std::size_t chunk = SIZE_MAX)
      : o(o_cfg(o_secret)), v(v_cfg()), r(r_cfg(r1, {"example.net"}, secret_net)),
        a(r_cfg(r2, {"example.com", "chat.example.com"}, secret_com)) {
    o_r.chunk = v_a.chunk = chunk;
    // R: each key goes to the authoritative server over V (steps 5-8);
    // V: each verdict goes back to R (step 9 -> 10).
    on_r = [this](const session::event& ev) {
      if (ev.kind == session::event_kind::dialback_requested) {
        CHECK(v.verify(ev.originating, ev.receiving, ev.id, ev.key));
      }
    };
    on_v = [this](const session::event& ev) {
      if (ev.kind == session::event_kind::verify_result) {
        CHECK(r.answer_dialback(ev.originating, ev.receiving, ev.valid));
      }
    };
  }

  void run() {
    for (int i = 0; i < 500; ++i) {
      bool moved = o_r.step(o, r, on_o, on_r);
      moved |= v_a.step(v, a, on_v, on_a);
      if (!moved) break;
    }
  }
};

}  // namespace

TEST_CASE("dialback §8.3: a valid key validates the pair; held stanzas flow after it; R delivers them") {
  for (std::size_t chunk : {SIZE_MAX, std::size_t{1}, std::size_t{3}, std::size_t{64}}) {
    CAPTURE(chunk);
    world w(secret_com, chunk);
    // a stanza queued before validation is held (step 10: never sent before)
    w.run();
    REQUIRE(w.o.state() == session::s2s_initiator_state::established);
    CHECK(contains(w.o_r.b_events, "dialback-requested example.com>example.net"));
    CHECK(contains(w.v_a.a_events, "verify-result example.com>example.net valid"));
    CHECK(contains(w.o_r.a_events, "dialback-result example.com>example.net valid"));
    CHECK(w.o.is_valid("example.com", "example.net"));
    CHECK(w.r.is_validated("example.com", "example.net"));
    CHECK(w.o.send_serialized("example.com", "example.net",
                              "<message from='juliet@example.com/balcony' to='romeo@example.net'><body>hi</body></message>"));
    w.run();
    CHECK(contains(w.o_r.b_events, "stanza-received"));
    // the wire carries XEP-0185 keys: 64 hex digits after the stream id R gave
    CHECK(w.o_r.a_out.find("<db:result from='example.com' to='example.net'>" +
                           dialback::make_key(secret_com, "example.net", "example.com", w.r.stream_id()) +
                           "</db:result>") != std::string::npos);
  }
}

TEST_CASE("dialback §8.3: an invalid key is refused, R ends the stream, held stanzas are dropped") {
  world w("not-the-secret");
  bool held = false;
  w.on_o = [&](const session::event& ev) {
    if (ev.kind == session::event_kind::ready && !held)
      held = w.o.send_serialized("example.com", "example.net",
                                 "<message from='a@example.com' to='b@example.net'><body>x</body></message>");
  };
  w.run();
  CHECK(held);
  CHECK(contains(w.v_a.a_events, "verify-result example.com>example.net invalid"));
  CHECK(contains(w.o_r.a_events, "dialback-result example.com>example.net invalid"));
  CHECK(w.r.ended());
  CHECK(w.r.end().reason == session::end_reason::policy_refused);
  CHECK_FALSE(w.o.is_valid("example.com", "example.net"));
  CHECK(w.o_r.a_out.find("<message") == std::string::npos);  // never sent
}

TEST_CASE("dialback: piggybacking a second domain on a validated stream (end of §8.3)") {
  world w;
  w.run();
  REQUIRE(w.o.is_valid("example.com", "example.net"));
  CHECK(w.o.request_dialback("chat.example.com", "example.net"));
  w.run();
  CHECK(contains(w.o_r.a_events, "dialback-result chat.example.com>example.net valid"));
  CHECK(w.r.is_validated("chat.example.com", "example.net"));
  CHECK(w.o.send_serialized("chat.example.com", "example.net",
                            "<presence from='room@chat.example.com/x' to='romeo@example.net'/>"));
  w.run();
  CHECK_FALSE(w.r.ended());
}

TEST_CASE("dialback: XEP-0220 errors are produced and parsed") {
  world w;
  w.on_r = [&](const session::event& ev) {
    if (ev.kind == session::event_kind::dialback_requested)
      CHECK(w.r.answer_dialback_error(ev.originating, ev.receiving, stanza_condition::remote_server_not_found));
  };
  w.run();
  CHECK(w.o_r.b_out.find("<db:result from='example.net' to='example.com' type='error'><error type='cancel'>"
                         "<remote-server-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></db:result>") !=
        std::string::npos);
  CHECK(contains(w.o_r.a_events, "dialback-result example.com>example.net invalid"));
  CHECK_FALSE(w.r.ended());
}

namespace {
session::s2s_receiver_config plain_receiver(crypto::random_source& rng) {
  session::s2s_receiver_config c;
  c.hosts = {"example.net"};
  c.random = &rng;
  c.dialback_secret = std::string(secret_net);
  return c;
}
constexpr std::string_view o_hdr =
    "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' "
    "xmlns:db='jabber:server:dialback' from='example.com' to='example.net'>";

std::string feed_all(session::s2s_receiver& r, std::string_view bytes, std::vector<std::string>* events = nullptr) {
  std::string out;
  std::size_t at = 0;
  for (int i = 0; i < 1000 && at < bytes.size() && !r.ended(); ++i) {
    auto res = r.receive(bytes.substr(at));
    at += res.consumed;
    while (auto ev = r.next_event())
      if (events) events->push_back(describe(*ev));
    if (res.consumed == 0) break;
  }
  out += r.pending_output();
  r.mark_sent(r.pending_output().size());
  return out;
}
bool has_error(const std::string& out, std::string_view cond) {
  return out.find("<" + std::string(cond) + " xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>") != std::string::npos &&
         out.ends_with("</stream:stream>");
}
}  // namespace

TEST_CASE("dialback receiving server: the rules of §8.3 steps 2, 4 and 10, followed and broken") {
  test_random rng(21);
  SUBCASE("a pre-1.0 dialback stream gets a header with an id and no features (step 3)") {
    session::s2s_receiver r(plain_receiver(rng));
    auto out = feed_all(r, o_hdr);
    CHECK(out.find("xmlns:db='jabber:server:dialback'") != std::string::npos);
    CHECK(out.find(" id='") != std::string::npos);
    CHECK(out.find("<stream:features") == std::string::npos);
  }
  SUBCASE("a wrong dialback namespace is <invalid-namespace/> (step 2)") {
    session::s2s_receiver r(plain_receiver(rng));
    auto out = feed_all(r, "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' "
                           "xmlns:db='jabber:server:dialbak' to='example.net'>");
    CHECK(has_error(out, "invalid-namespace"));
  }
  SUBCASE("a key for a domain we do not serve is <host-unknown/> (step 4)") {
    session::s2s_receiver r(plain_receiver(rng));
    auto out = feed_all(r, std::string(o_hdr) + "<db:result from='example.com' to='example.org'>abcd</db:result>");
    CHECK(has_error(out, "host-unknown"));
  }
  SUBCASE("stanzas before validation are dropped silently (step 10)") {
    session::s2s_receiver r(plain_receiver(rng));
    std::vector<std::string> evs;
    auto out = feed_all(r, std::string(o_hdr) + "<message from='a@example.com' to='b@example.net'><body>x</body></message>",
                        &evs);
    CHECK(r.dropped_stanzas() == 1);
    CHECK_FALSE(contains(evs, "stanza-received"));
    CHECK_FALSE(r.ended());
  }
  SUBCASE("after validation: no 'to' is <improper-addressing/>, another 'from' is <invalid-from/> (§8.3 end)") {
    for (std::string_view bad : {"<message from='a@example.com'><body>x</body></message>",
                                 "<message from='a@evil.example' to='b@example.net'><body>x</body></message>"}) {
      session::s2s_receiver r(plain_receiver(rng));
      std::vector<std::string> evs;
      feed_all(r, std::string(o_hdr) + "<db:result from='example.com' to='example.net'>k</db:result>", &evs);
      REQUIRE(contains(evs, "dialback-requested"));
      CHECK(r.answer_dialback("example.com", "example.net", true));
      r.mark_sent(r.pending_output().size());
      while (r.next_event()) {
      }
      auto out = feed_all(r, bad);
      CHECK(has_error(out, bad.find("evil") != std::string_view::npos ? "invalid-from" : "improper-addressing"));
    }
  }
  SUBCASE("a duplicate stream for a validated domain may be refused with <not-authorized/> (step 4)") {
    session::s2s_receiver r(plain_receiver(rng));
    std::vector<std::string> evs;
    feed_all(r, std::string(o_hdr) + "<db:result from='example.com' to='example.net'>k</db:result>", &evs);
    r.refuse_duplicate();
    CHECK(r.end().condition == stream_condition::not_authorized);
  }
  SUBCASE("the verify stream failing is <remote-connection-failed/> (step 7)") {
    session::s2s_receiver r(plain_receiver(rng));
    feed_all(r, std::string(o_hdr) + "<db:result from='example.com' to='example.net'>k</db:result>");
    r.verify_failed();
    CHECK(r.end().condition == stream_condition::remote_connection_failed);
  }
}

TEST_CASE("dialback authoritative server: <db:verify/> checks (steps 8-9)") {
  test_random rng(22);
  session::s2s_receiver_config c;
  c.hosts = {"example.com"};
  c.random = &rng;
  c.dialback_secret = std::string(secret_com);
  const std::string hdr = "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' "
                          "xmlns:db='jabber:server:dialback' from='example.net' to='example.com'>";
  const std::string key = dialback::make_key(secret_com, "example.net", "example.com", "D60000229F");
  SUBCASE("valid and invalid keys") {
    session::s2s_receiver a(c);
    auto out = feed_all(a, hdr + "<db:verify from='example.net' to='example.com' id='D60000229F'>" + key +
                               "</db:verify><db:verify from='example.net' to='example.com' id='D60000229E'>" + key +
                               "</db:verify>");
    CHECK(out.find("<db:verify from='example.com' to='example.net' id='D60000229F' type='valid'/>") !=
          std::string::npos);
    CHECK(out.find("<db:verify from='example.com' to='example.net' id='D60000229E' type='invalid'/>") !=
          std::string::npos);
  }
  SUBCASE("'to' not ours: <host-unknown/>") {
    session::s2s_receiver a(c);
    auto out = feed_all(a, hdr + "<db:verify from='example.net' to='example.org' id='x'>k</db:verify>");
    CHECK(has_error(out, "host-unknown"));
  }
  SUBCASE("'from' not the server that opened the stream: <invalid-from/>") {
    session::s2s_receiver a(c);
    auto out = feed_all(a, hdr + "<db:verify from='evil.example' to='example.com' id='x'>k</db:verify>");
    CHECK(has_error(out, "invalid-from"));
  }
}

TEST_CASE("dialback verify stream: answers must match what was asked (step 9)") {
  auto make = [] {
    session::s2s_initiator_config c;
    c.local_domain = "example.net";
    c.remote_domain = "example.com";
    c.dialback = false;
    return session::s2s_initiator(c);
  };
  const std::string a_hdr = "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' "
                            "xmlns:db='jabber:server:dialback' id='A1'>";
  auto drive = [&](session::s2s_initiator& v, std::string_view in) {
    auto r = v.receive(in);
    while (v.next_event()) {
    }
    return r;
  };
  SUBCASE("an unknown id is <invalid-id/>") {
    auto v = make();
    drive(v, a_hdr);
    REQUIRE(v.verify("example.com", "example.net", "ID1", "key"));
    drive(v, "<db:verify from='example.com' to='example.net' id='ID2' type='valid'/>");
    CHECK(v.end().condition == stream_condition::invalid_id);
  }
  SUBCASE("a 'to' that did not ask is <host-unknown/>; a 'from' not asked about is <invalid-from/>") {
    auto v = make();
    drive(v, a_hdr);
    REQUIRE(v.verify("example.com", "example.net", "ID1", "key"));
    drive(v, "<db:verify from='example.com' to='example.org' id='ID1' type='valid'/>");
    CHECK(v.end().condition == stream_condition::host_unknown);
    auto w = make();
    drive(w, a_hdr);
    REQUIRE(w.verify("example.com", "example.net", "ID1", "key"));
    drive(w, "<db:verify from='evil.example' to='example.net' id='ID1' type='valid'/>");
    CHECK(w.end().condition == stream_condition::invalid_from);
  }
  SUBCASE("the right answer is a verify_result") {
    auto v = make();
    drive(v, a_hdr);
    REQUIRE(v.verify("example.com", "example.net", "ID1", "key"));
    v.receive("<db:verify from='example.com' to='example.net' id='ID1' type='invalid'/>");
    std::vector<std::string> evs;
    while (auto ev = v.next_event()) evs.push_back(describe(*ev) + (ev->valid ? " valid" : " invalid"));
    CHECK(contains(evs, "verify-result invalid"));
    CHECK_FALSE(v.ended());
  }
}

TEST_CASE("s2s over TLS with SASL EXTERNAL: no dialback needed (§8.1)") {
  test_random rng(31);
  session::s2s_initiator_config oc;
  oc.local_domain = "example.com";
  oc.remote_domain = "example.net";
  oc.tls = session::tls_policy::require;
  session::s2s_initiator o(oc);
  session::s2s_receiver r(plain_receiver(rng));
  wire_link l;
  std::function<void(const session::event&)> none;
  // The receiving server's TLS layer saw a certificate for example.com.
  bool tls_seen = false;
  for (int i = 0; i < 100; ++i) {
    bool moved = wire_link::flush(o, l.a_to_b, l.a_out);
    moved |= wire_link::flush(r, l.b_to_a, l.b_out);
    if (!l.a_to_b.empty() && !r.ended()) {
      auto res = r.receive(l.a_to_b);
      l.a_to_b.erase(0, res.consumed);
      while (auto ev = r.next_event()) {
        l.b_events.push_back(describe(*ev));
        if (ev->kind == session::event_kind::switch_to_tls) {
          tls_seen = true;
          r.tls_established("example.com");
        }
      }
      moved |= res.consumed > 0;
    }
    moved |= wire_link::feed(o, l.b_to_a, SIZE_MAX, l.a_events, none);
    if (!moved) break;
  }
  CHECK(tls_seen);
  CHECK(contains(l.b_events, "authenticated example.com"));
  CHECK(r.is_validated("example.com", "example.net"));
  CHECK(o.is_valid("example.com", "example.net"));
  CHECK(l.a_out.find("<db:result") == std::string::npos);
  CHECK(l.a_out.find("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='EXTERNAL'>=</auth>") !=
        std::string::npos);
}

// Regressions of the bugs fuzz/dialback and fuzz/s2s_initiator found (their
// reproducers are in the seed corpora now).
TEST_CASE("dialback events keep their strings while the embedder answers between them") {
  test_random rng(23);
  session::s2s_receiver_config c = plain_receiver(rng);
  c.hosts = {"example.net", "chat.example.net"};
  session::s2s_receiver r(c);
  // Three requests in one read; the embedder answers each as it drains it. An
  // answer erases its request: the events still queued must not move with it.
  r.receive(std::string(o_hdr) + "<db:result from='example.com' to='example.net'>key-one</db:result>"
                                 "<db:result from='example.com' to='chat.example.net'>key-two</db:result>"
                                 "<db:result from='conference.example.com' to='example.net'>key-three</db:result>");
  std::vector<std::string> seen, results;
  while (auto ev = r.next_event()) {
    if (ev->kind == session::event_kind::dialback_requested) {
      seen.push_back(std::string(ev->originating) + ">" + std::string(ev->receiving) + " " + std::string(ev->key));
      CHECK(ev->id == r.stream_id());
      CHECK(r.answer_dialback(ev->originating, ev->receiving, true));
    }
    if (ev->kind == session::event_kind::dialback_result)
      results.push_back(std::string(ev->originating) + ">" + std::string(ev->receiving));
  }
  CHECK(seen == std::vector<std::string>{"example.com>example.net key-one", "example.com>chat.example.net key-two",
                                         "conference.example.com>example.net key-three"});
  CHECK(results == std::vector<std::string>{"example.com>example.net", "example.com>chat.example.net",
                                            "conference.example.com>example.net"});
  CHECK(r.is_validated("conference.example.com", "example.net"));
}

TEST_CASE("dialback and STARTTLS: a request from before TLS is void after <starttls/> (draft §5.1 rules 6, 9)") {
  test_random rng(24);
  session::s2s_receiver r(plain_receiver(rng));
  const std::string hdr10 = std::string(o_hdr.substr(0, o_hdr.size() - 1)) + " version='1.0'>";
  auto res = r.receive(hdr10 + "<db:result from='example.com' to='example.net'>k</db:result>"
                               "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
  CHECK(res.status == session::receive_status::switch_transport);
  bool requested = false, switched = false;
  while (auto ev = r.next_event()) {
    if (ev->kind == session::event_kind::dialback_requested) {
      requested = true;
      // Answering at once: the machine has read <starttls/> already, so the
      // answer is refused rather than written after <proceed/>.
      CHECK_FALSE(r.answer_dialback(ev->originating, ev->receiving, true));
    }
    switched |= ev->kind == session::event_kind::switch_to_tls;
  }
  CHECK(requested);
  CHECK(switched);
  const std::string out(r.pending_output());
  const std::string proceed = "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>";
  REQUIRE(out.ends_with(proceed));  // nothing after it in plaintext
  r.mark_sent(out.size());
  CHECK(r.tls_established());
  // After TLS the old request cannot be answered either (rule 9).
  CHECK_FALSE(r.answer_dialback("example.com", "example.net", true));
  CHECK_FALSE(r.wants_output());
}

TEST_CASE("dialback with TLS required: a <db:result/> before TLS is <policy-violation/> (RFC 6120 §5.3.1)") {
  test_random rng(25);
  session::s2s_receiver_config c = plain_receiver(rng);
  c.tls = session::tls_offer::required;
  session::s2s_receiver r(c);
  std::vector<std::string> evs;
  const std::string hdr10 = std::string(o_hdr.substr(0, o_hdr.size() - 1)) + " version='1.0'>";
  auto out = feed_all(r, hdr10 + "<db:result from='example.com' to='example.net'>k</db:result>", &evs);
  CHECK(out.find("<dialback xmlns='urn:xmpp:features:dialback'/>") == std::string::npos);  // not offered yet
  CHECK(has_error(out, "policy-violation"));
  CHECK_FALSE(contains(evs, "dialback-requested"));
}

TEST_CASE("dialback verify stream: two answers in one read give two intact verify_results") {
  session::s2s_initiator_config c;
  c.local_domain = "example.net";
  c.remote_domain = "example.com";
  c.dialback = false;
  session::s2s_initiator v(c);
  v.receive("<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' "
            "xmlns:db='jabber:server:dialback' id='A1'>");
  while (v.next_event()) {
  }
  REQUIRE(v.verify("example.com", "example.net", "first-stream-id-0001", "k1"));
  REQUIRE(v.verify("chat.example.com", "example.net", "second-stream-id-0002", "k2"));
  v.receive("<db:verify from='example.com' to='example.net' id='first-stream-id-0001' type='valid'/>"
            "<db:verify from='chat.example.com' to='example.net' id='second-stream-id-0002' type='invalid'/>");
  std::vector<std::string> got;
  while (auto ev = v.next_event())
    if (ev->kind == session::event_kind::verify_result)
      got.push_back(std::string(ev->originating) + " " + std::string(ev->id) + (ev->valid ? " valid" : " invalid"));
  CHECK(got == std::vector<std::string>{"example.com first-stream-id-0001 valid",
                                        "chat.example.com second-stream-id-0002 invalid"});
  CHECK_FALSE(v.ended());
}
