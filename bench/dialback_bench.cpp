// Server dialback (draft §8, XEP-0185 keys): what a key costs, ours next to
// the same key computed with OpenSSL's SHA-256 and HMAC in the same binary
// and run (through its one-shot calls, and with fetched algorithms and
// reused contexts), and how many whole dialback validations the machines do per
// second when the four parties of §8.3 talk in memory:
//
//   O (originating, example.com) ──stream──▶ R (receiving, example.net)
//        <db:result>KEY</db:result>            │ dialback_requested
//                                              ▼
//   A (authoritative, example.com) ◀──stream── V (R's verify stream)
//        <db:verify type='valid'/> ──▶ V: verify_result ──▶ R: answer_dialback()
//   O ◀── <db:result type='valid'/>: the pair example.com -> example.net is valid
//
// Each validation builds all four machines (new streams, new 128-bit ids)
// and pumps bytes until O reports the pair valid; the count is
// SetItemsProcessed, so items/s is validations per second.
#include <xmppcore/crypto/random_source.hpp>
#include <xmppcore/dialback/key.hpp>
#include <xmppcore/session/s2s_initiator.hpp>
#include <xmppcore/session/s2s_receiver.hpp>

#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace {

using namespace xmppcore;
namespace se = xmppcore::session;

constexpr std::string_view secret = "s3cr3tf0rd14lb4ck";  // XEP-0185's check value
constexpr std::string_view stream_id = "D60000229F";
constexpr std::string_view check_value = "008c689ff366b50c63d69a3e2d2c0e0e1f8404b0118eb688a0102c87cb691bdc";

std::string lower_hex(const unsigned char* p, unsigned n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  s.reserve(2 * n);
  for (unsigned i = 0; i < n; ++i) {
    s += digits[p[i] >> 4];
    s += digits[p[i] & 15];
  }
  return s;
}

/// The XEP-0185 key with OpenSSL only: hex(HMAC-SHA256(hex(SHA-256(secret)), "R O id")).
std::string openssl_key(std::string_view sec, std::string_view recv, std::string_view orig, std::string_view id) {
  unsigned char h[EVP_MAX_MD_SIZE];
  unsigned hn = 0;
  EVP_Digest(sec.data(), sec.size(), h, &hn, EVP_sha256(), nullptr);
  const std::string k = lower_hex(h, hn);
  std::string text;
  text.reserve(recv.size() + orig.size() + id.size() + 2);
  text.append(recv).append(" ").append(orig).append(" ").append(id);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned mn = 0;
  HMAC(EVP_sha256(), k.data(), static_cast<int>(k.size()), reinterpret_cast<const unsigned char*>(text.data()),
       text.size(), mac, &mn);
  return lower_hex(mac, mn);
}

void make_key_ours(benchmark::State& state) {
  if (dialback::make_key(secret, "example.net", "example.com", stream_id) != check_value)
    state.SkipWithError("make_key does not give XEP-0185's check value");
  for (auto _ : state) {
    auto k = dialback::make_key(secret, "example.net", "example.com", stream_id);
    benchmark::DoNotOptimize(k);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void make_key_openssl(benchmark::State& state) {
  if (openssl_key(secret, "example.net", "example.com", stream_id) != check_value)
    state.SkipWithError("the OpenSSL key is not XEP-0185's check value");
  for (auto _ : state) {
    auto k = openssl_key(secret, "example.net", "example.com", stream_id);
    benchmark::DoNotOptimize(k);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

// The same key with OpenSSL's algorithms fetched once and their contexts
// reused: what OpenSSL costs without the per-call fetch and allocation of its
// one-shot EVP_Digest() and HMAC() (OpenSSL 3 API).
void make_key_openssl_reused(benchmark::State& state) {
  EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  EVP_MD_CTX* dctx = EVP_MD_CTX_new();
  EVP_MAC* hmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* mctx = EVP_MAC_CTX_new(hmac);
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest_name, 0), OSSL_PARAM_construct_end()};
  const std::string text = "example.net example.com " + std::string(stream_id);
  auto one = [&] {
    unsigned char h[EVP_MAX_MD_SIZE];
    unsigned hn = 0;
    EVP_DigestInit_ex(dctx, md, nullptr);
    EVP_DigestUpdate(dctx, secret.data(), secret.size());
    EVP_DigestFinal_ex(dctx, h, &hn);
    const std::string k = lower_hex(h, hn);
    unsigned char mac[EVP_MAX_MD_SIZE];
    std::size_t mn = 0;
    EVP_MAC_init(mctx, reinterpret_cast<const unsigned char*>(k.data()), k.size(), params);
    EVP_MAC_update(mctx, reinterpret_cast<const unsigned char*>(text.data()), text.size());
    EVP_MAC_final(mctx, mac, &mn, sizeof mac);
    return lower_hex(mac, static_cast<unsigned>(mn));
  };
  if (one() != check_value) state.SkipWithError("the OpenSSL key is not XEP-0185's check value");
  for (auto _ : state) {
    auto k = one();
    benchmark::DoNotOptimize(k);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  EVP_MAC_CTX_free(mctx);
  EVP_MAC_free(hmac);
  EVP_MD_CTX_free(dctx);
  EVP_MD_free(md);
}

// check_key: a right key and a key wrong in its first character cost the same
// (a constant-time compare after the key is recomputed).
void check_key_ours(benchmark::State& state) {
  std::string key(check_value);
  if (state.range(0) == 0) key[0] = key[0] == '0' ? '1' : '0';
  const bool want = state.range(0) != 0;
  for (auto _ : state) {
    const bool ok = dialback::check_key(key, secret, "example.net", "example.com", stream_id);
    if (ok != want) state.SkipWithError("check_key gave the wrong verdict");
    benchmark::DoNotOptimize(ok);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.SetLabel(want ? "right key" : "wrong key");
}

/// Stream ids from a counter: the bench measures the machines, not a CSPRNG.
struct counter_random final : crypto::random_source {
  std::uint64_t n = 0;
  void fill(std::span<std::byte> out) override {
    for (auto& b : out) b = static_cast<std::byte>((++n * 0x9e3779b97f4a7c15ull) >> 56);
  }
};

/// Moves `from`'s pending output into `wire`.
template <class M>
void take_output(M& m, std::string& wire) {
  const std::string_view out = m.pending_output();
  wire.append(out);
  m.mark_sent(out.size());
}

/// Feeds `wire` to `m` and hands each event to `on`; false when nothing moved.
template <class M, class On>
bool deliver(M& m, std::string& wire, On&& on) {
  bool moved = false;
  while (!wire.empty() && !m.ended()) {
    const auto r = m.receive(wire);
    wire.erase(0, r.consumed);
    bool any = false;
    while (auto ev = m.next_event()) {
      any = true;
      on(*ev);
    }
    moved |= r.consumed > 0 || any;
    if (r.consumed == 0 && !any) break;
  }
  return moved;
}

/// One dialback validation of §8.3 with four machines. True when O ends with
/// the pair valid and R with it validated.
bool validate_once(counter_random& rng) {
  se::s2s_initiator_config oc;
  oc.local_domain = "example.com";
  oc.remote_domain = "example.net";
  oc.dialback_secret = std::string(secret);
  oc.tls = se::tls_policy::never;
  se::s2s_initiator o(oc);

  se::s2s_receiver_config rc;
  rc.hosts = {"example.net"};
  rc.random = &rng;
  rc.tls = se::tls_offer::not_offered;
  se::s2s_receiver r(rc);

  se::s2s_initiator_config vc;
  vc.local_domain = "example.net";
  vc.remote_domain = "example.com";
  vc.tls = se::tls_policy::never;
  vc.dialback = false;  // R's stream to A carries only <db:verify/>
  se::s2s_initiator v(vc);

  se::s2s_receiver_config ac;
  ac.hosts = {"example.com"};
  ac.random = &rng;
  ac.dialback_secret = std::string(secret);
  ac.tls = se::tls_offer::not_offered;
  se::s2s_receiver a(ac);

  std::string o_r, r_o, v_a, a_v;
  bool v_ready = false;
  std::string asked_orig, asked_recv, asked_id, asked_key;
  auto on_r = [&](const se::event& ev) {
    if (ev.kind != se::event_kind::dialback_requested) return;
    // Steps 5-8: R asks A over V (once V's stream is up).
    asked_orig.assign(ev.originating);
    asked_recv.assign(ev.receiving);
    asked_id.assign(ev.id);
    asked_key.assign(ev.key);
    if (v_ready) v.verify(asked_orig, asked_recv, asked_id, asked_key);
  };
  auto on_v = [&](const se::event& ev) {
    if (ev.kind == se::event_kind::ready) {
      v_ready = true;
      if (!asked_key.empty()) v.verify(asked_orig, asked_recv, asked_id, asked_key);
    } else if (ev.kind == se::event_kind::verify_result) {
      // Step 9 -> 10.
      const std::string orig(ev.originating), recv(ev.receiving);
      r.answer_dialback(orig, recv, ev.valid);
    }
  };
  auto none = [](const se::event&) {};
  for (int round = 0; round < 64 && !o.is_valid("example.com", "example.net"); ++round) {
    take_output(o, o_r);
    take_output(r, r_o);
    take_output(v, v_a);
    take_output(a, a_v);
    bool moved = deliver(r, o_r, on_r);
    moved |= deliver(o, r_o, none);
    moved |= deliver(a, v_a, none);
    moved |= deliver(v, a_v, on_v);
    if (!moved && o_r.empty() && r_o.empty() && v_a.empty() && a_v.empty() && !o.wants_output() &&
        !r.wants_output() && !v.wants_output() && !a.wants_output())
      break;
  }
  return o.is_valid("example.com", "example.net") && r.is_validated("example.com", "example.net");
}

void dialback_validation(benchmark::State& state) {
  counter_random rng;
  for (auto _ : state) {
    const bool ok = validate_once(rng);
    if (!ok) {
      state.SkipWithError("the pair was not validated");
      break;
    }
    benchmark::DoNotOptimize(ok);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

}  // namespace

BENCHMARK(make_key_ours);
BENCHMARK(make_key_openssl);
BENCHMARK(make_key_openssl_reused);
BENCHMARK(check_key_ours)->Arg(1)->Arg(0);
BENCHMARK(dialback_validation);
