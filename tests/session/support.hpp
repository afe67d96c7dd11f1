// Test-only helpers for tests/session and tests/spec: deterministic
// randomness, an in-memory account store, and a client/server pair wired
// through their output buffers (h11's ConnectionPair, quinn's Pair) with any
// chunking of both byte streams and of the writes.
#pragma once

#include <xmppcore/crypto/random_source.hpp>
#include <xmppcore/sasl/digest_md5.hpp>
#include <xmppcore/sasl/mechanism.hpp>
#include <xmppcore/sasl/scram.hpp>
#include <xmppcore/session/c2s_client.hpp>
#include <xmppcore/session/c2s_server.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace xs_test {

using namespace xmppcore;

/// splitmix64: deterministic, different for each seed.
struct test_random final : crypto::random_source {
  std::uint64_t s;
  explicit test_random(std::uint64_t seed = 0x5eed) : s(seed) {}
  void fill(std::span<std::byte> out) override {
    for (auto& b : out) {
      std::uint64_t z = (s += 0x9e3779b97f4a7c15ull);
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
      b = static_cast<std::byte>((z ^ (z >> 31)) & 0xff);
    }
  }
};

/// Accounts with plaintext passwords (every mechanism can use them).
struct accounts final : sasl::credential_store {
  std::map<std::string, std::string> passwords;
  int lookups = 0;
  sasl::lookup_result<std::string> password(std::string_view user, std::string_view) override {
    ++lookups;
    auto it = passwords.find(std::string(user));
    if (it == passwords.end()) return std::optional<std::string>{};
    return std::optional<std::string>{it->second};
  }
};

/// Resources in use, per full JID.
struct resources final : session::resource_checker {
  std::set<std::string> taken;
  std::set<std::string> refused_accounts;  // bare JIDs that may bind nothing (not-allowed)
  session::bind_verdict check(const jid::jid& full) override {
    if (refused_accounts.count(std::string(full.bare_view()))) return session::bind_verdict::not_allowed;
    return taken.count(std::string(full.full())) ? session::bind_verdict::conflict : session::bind_verdict::accept;
  }
};

inline session::c2s_server_config server_config(crypto::random_source& rng, sasl::credential_store* store,
                                                session::resource_checker* res) {
  session::c2s_server_config c;
  c.hosts = {"example.com"};
  c.random = &rng;
  c.credentials = store;
  c.resources = res;
  return c;
}

inline session::c2s_client_config client_config(crypto::random_source& rng, std::string user = "juliet",
                                                std::string pass = "r0m30myr0m30") {
  session::c2s_client_config c;
  c.domain = "example.com";
  c.username = std::move(user);
  c.password = std::move(pass);
  c.resource = "balcony";
  c.random = &rng;
  return c;
}

/// What a pair run saw.
struct pair_log {
  std::vector<std::string> client_events, server_events;
  std::string c2s, s2c;  // every byte each side wrote, in order
  std::vector<std::string> client_stanzas, server_stanzas;  // stanzas received, re-serialized
};

inline std::string describe(const session::event& ev) {
  std::string s(to_string(ev.kind));
  if (!ev.identity.empty()) s += " " + std::string(ev.identity);
  if (ev.condition) s += " " + std::string(to_string(*ev.condition));
  return s;
}

/// Drives a client and a server against each other until neither moves.
/// `chunk_c2s` / `chunk_s2c`: how many bytes each receive() gets at most;
/// `write_chunk`: how many bytes each mark_sent() takes at most (partial writes).
/// `on_server_event` may answer request events (asynchronous stores).
struct pair {
  pair(session::c2s_client& c, session::c2s_server& s) : client(c), server(s) {}
  session::c2s_client& client;
  session::c2s_server& server;
  std::size_t chunk_c2s = SIZE_MAX, chunk_s2c = SIZE_MAX, write_chunk = SIZE_MAX;
  std::function<void(session::c2s_server&, const session::event&)> on_server_event;
  std::function<void(session::c2s_client&, const session::event&)> on_client_event;
  /// A man in the middle: may rewrite each piece the server writes before the client reads it.
  std::function<void(std::string&)> tamper_s2c;
  pair_log log;
  std::string to_server, to_client;  // in flight

  template <class M>
  bool flush(M& m, std::string& wire, std::string& all, const std::function<void(std::string&)>* tamper = nullptr) {
    bool moved = false;
    while (m.wants_output()) {
      auto out = m.pending_output();
      const std::size_t n = std::min(out.size(), write_chunk);
      std::string piece(out.data(), n);
      m.mark_sent(n);
      if (tamper && *tamper) (*tamper)(piece);
      wire += piece;
      all += piece;
      moved = true;
    }
    return moved;
  }

  template <class M, class H>
  bool feed(M& m, std::string& wire, std::size_t chunk, std::vector<std::string>& events,
            std::vector<std::string>& stanzas, H& handler) {
    bool moved = false;
    for (int guard = 0; guard < 100000; ++guard) {
      const std::size_t n = std::min(wire.size(), chunk);
      auto r = m.receive(std::string_view(wire).substr(0, n));
      REQUIRE(r.consumed <= n);
      wire.erase(0, r.consumed);
      moved |= r.consumed > 0;
      bool any = false;
      while (auto ev = m.next_event()) {
        any = true;
        events.push_back(describe(*ev));
        if (ev->element) stanzas.push_back(xml::to_xml(*ev->element));
        if (ev->kind == session::event_kind::switch_to_tls) m.tls_established();  // pass-through "TLS"
        if (handler) handler(m, *ev);
      }
      moved |= any;
      if (wire.empty() || m.ended()) break;
      if (r.consumed == 0 && !any) break;  // waiting for somebody else
    }
    return moved;
  }

  pair_log& run() {
    for (int round = 0; round < 1000; ++round) {
      bool moved = false;
      moved |= flush(client, to_server, log.c2s);
      moved |= flush(server, to_client, log.s2c, &tamper_s2c);
      moved |= feed(server, to_server, chunk_c2s, log.server_events, log.server_stanzas, on_server_event);
      moved |= feed(client, to_client, chunk_s2c, log.client_events, log.client_stanzas, on_client_event);
      if (!moved) break;
    }
    return log;
  }
};

inline bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace xs_test
