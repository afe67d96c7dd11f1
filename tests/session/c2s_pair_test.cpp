// A c2s_client against a c2s_server, wired only through their output buffers:
// whole negotiations for every mechanism, every split of both byte streams,
// partial writes, messages both ways, and the close.
#include <xmppcore/session/c2s_client.hpp>
#include <xmppcore/session/c2s_server.hpp>

#include "session/support.hpp"

#include <doctest/doctest.h>

using namespace xmppcore;
using namespace xs_test;

namespace {

struct setup {
  test_random srng{1}, crng{2};
  accounts store;
  resources res;
  session::c2s_server_config scfg;
  session::c2s_client_config ccfg;
  setup() {
    store.passwords["juliet"] = "r0m30myr0m30";
    scfg = server_config(srng, &store, &res);
    ccfg = client_config(crng);
  }
};

xml::document parse_one(std::string_view xml_text) {
  auto d = xml::document::parse(xml_text, ns::client);
  REQUIRE(d.has_value());
  return std::move(*d);
}

}  // namespace

TEST_CASE("c2s pair: a whole session with each mechanism (STARTTLS, SASL, restart, bind, session)") {
  for (auto m : {sasl::mechanism_id::scram_sha256, sasl::mechanism_id::scram_sha1, sasl::mechanism_id::digest_md5,
                 sasl::mechanism_id::plain}) {
    CAPTURE(sasl::to_string(m));
    setup s;
    s.ccfg.mechanisms = {m};
    session::c2s_server server(s.scfg);
    session::c2s_client client(s.ccfg);
    pair p{client, server};
    auto& log = p.run();
    CHECK(client.state() == session::c2s_client_state::established);
    CHECK(server.state() == session::c2s_server_state::established);
    CHECK(client.mechanism() == sasl::to_string(m));
    CHECK(client.tls_active());
    CHECK(server.tls_active());
    REQUIRE(client.bound().has_value());
    CHECK(client.bound()->full() == "juliet@example.com/balcony");
    REQUIRE(server.bound().has_value());
    CHECK(server.bound()->full() == "juliet@example.com/balcony");
    CHECK(contains(log.client_events, "ready juliet@example.com/balcony"));
    CHECK(contains(log.server_events, "ready juliet@example.com/balcony"));
    CHECK(contains(log.server_events, "authenticated juliet@example.com"));
    // No whitespace between elements during TLS and SASL negotiation (draft §5.1 rule 5, §6.1 rule 4).
    CHECK(log.c2s.find("> <") == std::string::npos);
    CHECK(log.c2s.find(">\n") == std::string::npos);
    CHECK(log.s2c.find(">\n") == std::string::npos);
    // STARTTLS is offered once, before TLS only (draft §5.1 rule 11).
    std::size_t n_starttls = 0;
    for (std::size_t at = 0; (at = log.s2c.find("<starttls", at)) != std::string::npos; ++at) ++n_starttls;
    CHECK(n_starttls == 1);
  }
}

TEST_CASE("c2s pair: messages both ways after binding, then the client closes") {
  setup s;
  session::c2s_server server(s.scfg);
  session::c2s_client client(s.ccfg);
  pair p{client, server};
  p.run();
  REQUIRE(client.state() == session::c2s_client_state::established);

  auto m1 = parse_one("<message to='romeo@example.net' type='chat'><body>Art thou not Romeo?</body></message>");
  REQUIRE(client.send(m1.root()).has_value());
  auto m2 = parse_one("<message from='romeo@example.net' to='juliet@example.com/balcony' type='chat'>"
                      "<body>Neither, fair saint</body></message>");
  REQUIRE(server.send(m2.root()));
  auto& log = p.run();
  REQUIRE(log.server_stanzas.size() == 1);
  CHECK(log.server_stanzas[0].find("Art thou not Romeo?") != std::string::npos);
  REQUIRE(log.client_stanzas.size() == 1);
  CHECK(log.client_stanzas[0].find("Neither, fair saint") != std::string::npos);

  client.close();
  p.run();
  CHECK(client.ended());
  CHECK(client.end().reason == session::end_reason::local_close);
  CHECK(server.ended());
  CHECK(server.end().reason == session::end_reason::peer_closed);
  CHECK(p.log.c2s.ends_with("</stream:stream>"));
  CHECK(p.log.s2c.ends_with("</stream:stream>"));
}

TEST_CASE("c2s pair: every split of both byte streams and partial writes give the same session") {
  // Reference run, whole buffers.
  std::vector<std::string> ref_c, ref_s;
  std::string ref_c2s, ref_s2c;
  {
    setup s;
    session::c2s_server server(s.scfg);
    session::c2s_client client(s.ccfg);
    pair p{client, server};
    auto& log = p.run();
    ref_c = log.client_events;
    ref_s = log.server_events;
    ref_c2s = log.c2s;
    ref_s2c = log.s2c;
    REQUIRE(client.state() == session::c2s_client_state::established);
  }
  for (std::size_t chunk : {1, 2, 3, 5, 7, 13, 64, 100}) {
    for (std::size_t wchunk : {std::size_t{1}, std::size_t{3}, SIZE_MAX}) {
      CAPTURE(chunk);
      CAPTURE(wchunk);
      setup s;
      session::c2s_server server(s.scfg);
      session::c2s_client client(s.ccfg);
      pair p{client, server};
      p.chunk_c2s = chunk;
      p.chunk_s2c = chunk == 1 ? 7 : chunk;
      p.write_chunk = wchunk;
      auto& log = p.run();
      CHECK(log.client_events == ref_c);
      CHECK(log.server_events == ref_s);
      CHECK(log.c2s == ref_c2s);
      CHECK(log.s2c == ref_s2c);
    }
  }
}

TEST_CASE("c2s pair: every mechanism, one byte at a time and other splits, gives the reference session") {
  for (auto m : {sasl::mechanism_id::scram_sha256, sasl::mechanism_id::scram_sha1, sasl::mechanism_id::digest_md5,
                 sasl::mechanism_id::plain}) {
    CAPTURE(sasl::to_string(m));
    std::vector<std::string> ref_c, ref_s;
    std::string ref_c2s, ref_s2c;
    {
      setup s;
      s.ccfg.mechanisms = {m};
      session::c2s_server server(s.scfg);
      session::c2s_client client(s.ccfg);
      pair p{client, server};
      auto& log = p.run();
      REQUIRE(client.state() == session::c2s_client_state::established);
      ref_c = log.client_events;
      ref_s = log.server_events;
      ref_c2s = log.c2s;
      ref_s2c = log.s2c;
    }
    for (std::size_t chunk : {std::size_t{1}, std::size_t{7}, std::size_t{64}}) {
      for (std::size_t wchunk : {std::size_t{1}, SIZE_MAX}) {
        CAPTURE(chunk);
        CAPTURE(wchunk);
        setup s;
        s.ccfg.mechanisms = {m};
        session::c2s_server server(s.scfg);
        session::c2s_client client(s.ccfg);
        pair p{client, server};
        p.chunk_c2s = chunk;
        p.chunk_s2c = chunk;
        p.write_chunk = wchunk;
        auto& log = p.run();
        CHECK(log.client_events == ref_c);
        CHECK(log.server_events == ref_s);
        CHECK(log.c2s == ref_c2s);
        CHECK(log.s2c == ref_s2c);
      }
    }
  }
}

TEST_CASE("c2s pair: an asynchronous server store gives the same session as a synchronous one, over any split") {
  for (auto m : {sasl::mechanism_id::scram_sha256, sasl::mechanism_id::digest_md5, sasl::mechanism_id::plain}) {
    for (std::size_t chunk : {std::size_t{1}, std::size_t{5}, SIZE_MAX}) {
      CAPTURE(sasl::to_string(m));
      CAPTURE(chunk);
      setup s;
      s.ccfg.mechanisms = {m};
      s.scfg.credentials = nullptr;
      s.scfg.resources = nullptr;
      session::c2s_server server(s.scfg);
      session::c2s_client client(s.ccfg);
      pair p{client, server};
      p.chunk_c2s = chunk;
      p.chunk_s2c = chunk;
      int requests = 0;
      p.on_server_event = [&](session::c2s_server& srv, const session::event& ev) {
        if (ev.kind == session::event_kind::credentials_requested) {
          ++requests;
          if (ev.credential == session::credential_kind::password)
            CHECK(srv.answer_credentials(s.store.password(ev.username, ev.realm)));
          else if (ev.credential == session::credential_kind::digest_md5_secret)
            CHECK(srv.answer_credentials(sasl::lookup_result<std::string>(std::optional<std::string>{})));
          else
            CHECK(srv.answer_credentials(
                sasl::lookup_result<sasl::scram_credentials>(std::optional<sasl::scram_credentials>{})));
        } else if (ev.kind == session::event_kind::resource_requested) {
          ++requests;
          CHECK(srv.answer_resource(s.res.check(*jid::jid::parse(ev.identity))));
        }
      };
      p.run();
      CHECK(requests >= 2);
      CHECK(client.state() == session::c2s_client_state::established);
      CHECK(server.state() == session::c2s_server_state::established);
      REQUIRE(client.bound().has_value());
      CHECK(client.bound()->full() == "juliet@example.com/balcony");
    }
  }
}
