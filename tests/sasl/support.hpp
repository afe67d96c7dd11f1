// Test-only helpers for tests/sasl: deterministic randomness, an in-memory
// credential store and authorizer, and an in-memory exchange driver.
#pragma once

#include <xmppcore/crypto/random_source.hpp>
#include <xmppcore/sasl/mechanism.hpp>
#include <xmppcore/sasl/payload.hpp>

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace xc_test {

/// Processor time of the fastest of `runs` calls of `step(server)`, each on a
/// fresh server from `make()`; `check(verdict)` runs on every verdict.
/// Processor time leaves out the time other processes hold the CPU, and the
/// minimum drops one-off costs (ICU's first load, cache misses), so ratios of
/// these hold on a loaded machine (the timing tests of plain and scram).
template <class Make, class Step, class Check>
double fastest_cpu_seconds(Make make, Step step, Check check, int runs = 5) {
  double best = 1e9;
  for (int i = 0; i < runs; ++i) {
    auto server = make();
    const std::clock_t t0 = std::clock();
    const auto v = step(server);
    const std::clock_t t1 = std::clock();
    check(v);
    best = std::min(best, static_cast<double>(t1 - t0) / CLOCKS_PER_SEC);
  }
  return best;
}

/// Gives the scripted bytes first, then a splitmix64 stream.
struct scripted_random final : xmppcore::crypto::random_source {
  std::string script;
  std::size_t pos = 0;
  std::uint64_t s = 0x1234;
  std::size_t calls = 0;
  scripted_random() = default;
  explicit scripted_random(std::string bytes) : script(std::move(bytes)) {}
  void fill(std::span<std::byte> out) override {
    ++calls;
    for (auto& b : out) {
      if (pos < script.size()) {
        b = static_cast<std::byte>(script[pos++]);
      } else {
        std::uint64_t z = (s += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        b = static_cast<std::byte>((z ^ (z >> 31)) & 0xff);
      }
    }
  }
};

/// Bytes that make detail::random_chars() spell `text` over `alphabet`
/// (each byte is the character's index, below the rejection limit).
inline std::string spell(std::string_view text, std::string_view alphabet) {
  std::string out;
  for (char c : text) out += static_cast<char>(alphabet.find(c));
  return out;
}

/// In-memory credential store with switchable forms.
struct memory_store final : xmppcore::sasl::credential_store {
  std::map<std::string, std::string> passwords;                       // username → password
  std::map<std::pair<std::string, std::string>, std::string> digest;  // (user, realm) → H(u:r:p)
  std::map<std::pair<int, std::string>, xmppcore::sasl::scram_credentials> scram_keys;
  std::optional<xmppcore::sasl_condition> failure;                    // every lookup fails with this
  std::vector<std::string> asked;                                     // usernames looked up

  xmppcore::sasl::lookup_result<std::string> password(std::string_view u, std::string_view) override {
    asked.emplace_back(u);
    if (failure) return xmppcore::unexpected{*failure};
    auto it = passwords.find(std::string(u));
    if (it == passwords.end()) return std::optional<std::string>{};
    return std::optional<std::string>{it->second};
  }
  xmppcore::sasl::lookup_result<std::string> digest_md5_secret(std::string_view u, std::string_view r) override {
    if (failure) return xmppcore::unexpected{*failure};
    auto it = digest.find({std::string(u), std::string(r)});
    if (it == digest.end()) return std::optional<std::string>{};
    return std::optional<std::string>{it->second};
  }
  xmppcore::sasl::lookup_result<xmppcore::sasl::scram_credentials> scram(xmppcore::sasl::scram_hash h,
                                                                        std::string_view u) override {
    if (failure) return xmppcore::unexpected{*failure};
    auto it = scram_keys.find({static_cast<int>(h), std::string(u)});
    if (it == scram_keys.end()) return std::optional<xmppcore::sasl::scram_credentials>{};
    return std::optional<xmppcore::sasl::scram_credentials>{it->second};
  }
};

/// Allows exactly the listed (authcid, authzid) pairs.
struct list_authorizer final : xmppcore::sasl::authorizer {
  std::set<std::pair<std::string, std::string>> allowed;
  bool authorize(std::string_view c, std::string_view z) override {
    return allowed.count({std::string(c), std::string(z)}) != 0;
  }
};

/// How an in-memory exchange ended.
struct outcome {
  bool server_success = false;
  bool client_ok = false;  // client accepted the success (mutual authentication)
  std::optional<xmppcore::sasl_condition> server_failure;
  std::optional<xmppcore::sasl::client_error> client_failure;
  std::vector<std::string> transcript;  // "C: ..." / "S: ..." as base64 element text
  int challenges = 0;
};

/// Drives `c` against `s` through the XMPP payload encoding (base64 both ways).
inline outcome run_exchange(xmppcore::sasl::client_mechanism& c, xmppcore::sasl::server_mechanism& s) {
  using namespace xmppcore::sasl;
  outcome o;
  auto ir = c.initial_response();
  if (!ir) {
    o.client_failure = ir.error();
    return o;
  }
  std::string wire = encode_payload(*ir ? std::optional<std::string_view>(**ir) : std::nullopt);
  o.transcript.push_back("C: auth " + wire);
  auto decoded = decode_payload(wire);
  REQUIRE(decoded);
  std::optional<std::string> in = *decoded;
  for (int round = 0; round < 10; ++round) {
    auto st = s.step(in ? std::optional<std::string_view>(*in) : std::nullopt);
    if (st.is_failure()) {
      o.server_failure = st.condition;
      o.transcript.push_back("S: failure " + std::string(xmppcore::to_string(st.condition)) + " (" +
                             std::string(st.reason) + ")");
      return o;
    }
    if (st.is_success()) {
      o.server_success = true;
      const std::string w = encode_payload(st.has_data ? std::optional<std::string_view>(st.data) : std::nullopt);
      o.transcript.push_back("S: success " + w);
      auto d = decode_payload(w);
      REQUIRE(d);
      auto f = c.finish(*d ? std::optional<std::string_view>(**d) : std::nullopt);
      if (f) {
        o.client_ok = true;
      } else {
        o.client_failure = f.error();
      }
      return o;
    }
    ++o.challenges;
    const std::string w = encode_payload(st.data);
    o.transcript.push_back("S: challenge " + w);
    auto d = decode_payload(w);
    REQUIRE(d);
    auto r = c.respond(d->value_or(std::string{}));
    if (!r) {
      o.client_failure = r.error();
      return o;
    }
    const std::string rw = encode_payload(*r);
    o.transcript.push_back("C: response " + rw);
    auto rd = decode_payload(rw);
    REQUIRE(rd);
    in = rd->value_or(std::string{});
  }
  FAIL("exchange did not finish");
  return o;
}

}  // namespace xc_test
