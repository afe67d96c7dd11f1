// Complete SASL exchanges per second (sasl/digest_md5.hpp, sasl/scram.hpp):
// client and server together in memory, and each role alone against
// replayed messages of the other (a constant random source makes the
// nonces, and so the messages, identical on every iteration).
#include <xmppcore/sasl/digest_md5.hpp>
#include <xmppcore/sasl/scram.hpp>

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <optional>
#include <span>
#include <string>

namespace {
using namespace xmppcore::sasl;

struct constant_random final : xmppcore::crypto::random_source {
  void fill(std::span<std::byte> out) override {
    for (auto& b : out) b = std::byte{5};
  }
};

struct store final : credential_store {
  scram_credentials keys;
  store() { keys = *scram_derive_credentials<xmppcore::crypto::sha256>("r0m30myr0m30", "0123456789abcdef", 4096); }
  lookup_result<std::string> password(std::string_view u, std::string_view) override {
    if (u == "juliet") return std::optional<std::string>{"r0m30myr0m30"};
    return std::optional<std::string>{};
  }
  lookup_result<scram_credentials> scram(scram_hash h, std::string_view u) override {
    if (h == scram_hash::sha256 && u == "juliet") return std::optional<scram_credentials>{keys};
    return std::optional<scram_credentials>{};
  }
};

digest_md5_server_options dopts() {
  digest_md5_server_options o;
  o.hosts = {"example.com"};
  return o;
}
digest_md5_client_options copts() {
  digest_md5_client_options o;
  o.username = "juliet";
  o.password = "r0m30myr0m30";
  o.host = "example.com";
  return o;
}
scram_client_options sopts() {
  scram_client_options o;
  o.username = "juliet";
  o.password = "r0m30myr0m30";
  return o;
}

void check(bool ok) {
  if (!ok) std::abort();
}

// Transcript of one exchange, recorded once per benchmark.
struct digest_transcript {
  std::string challenge, response, rspauth;
  digest_transcript() {
    constant_random rng;
    store st;
    digest_md5_server s(dopts(), server_context{&st, nullptr, &rng});
    digest_md5_client c(copts(), rng);
    challenge = s.step(std::nullopt).data;
    response = *c.respond(challenge);
    rspauth = s.step(std::string_view(response)).data;
  }
};

void digest_md5_exchange(benchmark::State& state) {
  constant_random rng;
  store st;
  for (auto _ : state) {
    digest_md5_server s(dopts(), server_context{&st, nullptr, &rng});
    digest_md5_client c(copts(), rng);
    auto ch = s.step(std::nullopt);
    auto r = c.respond(ch.data);
    auto ra = s.step(std::string_view(*r));
    auto e = c.respond(ra.data);
    check(s.step(std::string_view(*e)).is_success() && c.finish(std::nullopt).has_value());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
void digest_md5_server_role(benchmark::State& state) {
  const digest_transcript t;
  constant_random rng;
  store st;
  for (auto _ : state) {
    digest_md5_server s(dopts(), server_context{&st, nullptr, &rng});
    (void)s.step(std::nullopt);
    auto ra = s.step(std::string_view(t.response));
    check(ra.is_challenge() && s.step(std::string_view("")).is_success());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
void digest_md5_client_role(benchmark::State& state) {
  const digest_transcript t;
  constant_random rng;
  for (auto _ : state) {
    digest_md5_client c(copts(), rng);
    auto r = c.respond(t.challenge);
    auto e = c.respond(t.rspauth);
    check(r.has_value() && e.has_value() && c.finish(std::nullopt).has_value());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

struct scram_transcript {
  std::string client_first, server_first, client_final, server_final;
  scram_transcript() {
    constant_random rng;
    store st;
    scram_sha256_server s(scram_server_options{}, server_context{&st, nullptr, &rng});
    scram_sha256_client c(sopts(), rng);
    client_first = **c.initial_response();
    server_first = s.step(std::string_view(client_first)).data;
    client_final = *c.respond(server_first);
    server_final = s.step(std::string_view(client_final)).data;
  }
};

// Server with stored keys and the default equalize_timing (so a stand-in PBKDF2 on the server
// too), client from the password (PBKDF2, 4096 rounds).
void scram_sha256_exchange(benchmark::State& state) {
  constant_random rng;
  store st;
  for (auto _ : state) {
    scram_sha256_server s(scram_server_options{}, server_context{&st, nullptr, &rng});
    scram_sha256_client c(sopts(), rng);
    auto sf = s.step(std::string_view(**c.initial_response()));
    auto cf = c.respond(sf.data);
    auto v = s.step(std::string_view(*cf));
    auto e = c.respond(v.data);
    check(s.step(std::string_view(*e)).is_success() && c.finish(std::nullopt).has_value());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
// Stored keys; state.range(0): equalize_timing (the PBKDF2 stand-in) on or off.
void scram_sha256_server_role(benchmark::State& state) {
  const scram_transcript t;
  constant_random rng;
  store st;
  scram_server_options o;
  o.equalize_timing = state.range(0) != 0;
  for (auto _ : state) {
    scram_sha256_server s(o, server_context{&st, nullptr, &rng});
    (void)s.step(std::string_view(t.client_first));
    auto v = s.step(std::string_view(t.client_final));
    check(v.is_challenge() && s.step(std::string_view("")).is_success());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
void scram_sha256_client_role(benchmark::State& state) {
  const scram_transcript t;
  constant_random rng;
  for (auto _ : state) {
    scram_sha256_client c(sopts(), rng);
    (void)c.initial_response();
    auto cf = c.respond(t.server_first);
    auto e = c.respond(t.server_final);
    check(cf.has_value() && e.has_value() && c.finish(std::nullopt).has_value());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
}  // namespace

BENCHMARK(digest_md5_exchange);
BENCHMARK(digest_md5_server_role);
BENCHMARK(digest_md5_client_role);
BENCHMARK(scram_sha256_exchange);
BENCHMARK(scram_sha256_server_role)->ArgName("equalize_timing")->Arg(1)->Arg(0);
BENCHMARK(scram_sha256_client_role);
