// Session machines benchmark (session/c2s_client.hpp, session/c2s_server.hpp):
// whole c2s negotiations per second, the heap an idle established session
// holds on each side, and stanzas per second through each role next to the
// bare push parser on the same bytes, in one binary and one run.
//
// Benchmarks:
//   BM_negotiation/<mechanism>[/<variant>]  a client and a server in memory,
//       from the client's first header to `ready` on both sides (STARTTLS with
//       a pass-through stand-in for TLS, SASL, the restart, binding, the
//       session IQ); items = negotiations. The variants say what PBKDF2 runs:
//         PLAIN                      the server's timing stand-in (one
//                                    PBKDF2-SHA-256, 4096 rounds; plain_server)
//         PLAIN/stand_in_1_round     dummy_iterations = 1: the machines' own
//                                    cost (not a deployment setting)
//         DIGEST-MD5                 no PBKDF2 at all
//         SCRAM-SHA-256/plaintext    the server derives the keys from a
//                                    plaintext password (4096 rounds) and the
//                                    client does too: two PBKDF2s
//         SCRAM-SHA-256/stored_keys  stored keys (4096 rounds) and
//                                    equalize_timing off: the client's PBKDF2 only
//       A low-iteration SCRAM variant is not possible through the session
//       API: c2s_client_config has no scram_client_options, so the client
//       keeps min_iterations = 4096 (RFC 7677 §4) and refuses fewer rounds.
//   BM_idle_heap/<side>  the heap one established session holds after the
//       negotiation and five stanzas each way, events and output drained:
//       heap_bytes / heap_blocks (counters), for c2s_server and c2s_client
//       alone (each replays its peer's recorded bytes, so only its own memory
//       is counted), next to a bare push_parser fed the last stream of the
//       same bytes (held, and after release_memory()). object_bytes is
//       sizeof(machine), which the embedder allocates itself;
//       heap_at_construction is what the machine holds before any input.
//       The .../after_<n>KiB_read_of_presence variants then feed one read of
//       n KiB of <presence/> stanzas and measure the idle heap again (what a
//       burst leaves behind).
//   BM_stanzas/<direction>  64 copies of a small <message/> per iteration
//       after binding: client.send() -> server.receive() -> stanza_received
//       (c2s), or server.send() -> client.receive() (s2c), the receiver fed
//       4 KiB chunks; items = stanzas. BM_stanzas/push_parser_<direction>
//       parses the same bytes (the sender's output) with a bare push_parser in
//       elements mode, 4 KiB chunks: the ratio of the two is the machines'
//       cost over parsing. BM_stanzas/<direction>_receive_only feeds the
//       receiving machine a copy of one batch the sender wrote before the
//       loop: the receiving side alone, on exactly the parser's bytes.
//
// Heap accounting: this binary replaces the global operator new/delete; each
// block carries a 16-byte prefix holding its requested size, so the counters
// are the exact bytes requested and the live blocks (the allocator's own
// overhead per block comes on top).
//
// Randomness is a constant (nonces and stream ids repeat), so every iteration
// does the same work and recorded transcripts replay exactly.
#include <xmppcore/sasl/scram.hpp>
#include <xmppcore/session/c2s_client.hpp>
#include <xmppcore/session/c2s_server.hpp>
#include <xmppcore/xml/document.hpp>
#include <xmppcore/xml/push_parser.hpp>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

// ------------------------------------------------------------ heap counting --
namespace {
std::int64_t g_heap_bytes = 0;   // live bytes requested through operator new
std::int64_t g_heap_blocks = 0;  // live blocks

// One allocation path for every operator new: the requested size sits in the
// last 8 bytes of a prefix of max(16, alignment) bytes.
void* heap_alloc(std::size_t n, std::size_t align) noexcept {
  const std::size_t pre = std::max<std::size_t>(16, align);
  void* base = align > 16 ? std::aligned_alloc(pre, (n + 2 * pre - 1) / pre * pre) : std::malloc(n + pre);
  if (base == nullptr) return nullptr;
  auto* user = static_cast<unsigned char*>(base) + pre;
  std::memcpy(user - sizeof n, &n, sizeof n);
  g_heap_bytes += static_cast<std::int64_t>(n);
  ++g_heap_blocks;
  return user;
}
void heap_free(void* p, std::size_t align) noexcept {
  if (p == nullptr) return;
  const std::size_t pre = std::max<std::size_t>(16, align);
  auto* user = static_cast<unsigned char*>(p);
  std::size_t n;
  std::memcpy(&n, user - sizeof n, sizeof n);
  g_heap_bytes -= static_cast<std::int64_t>(n);
  --g_heap_blocks;
  std::free(user - pre);
}
void* heap_alloc_or_throw(std::size_t n, std::size_t align) {
  if (void* p = heap_alloc(n, align)) return p;
  throw std::bad_alloc();
}
constexpr std::size_t plain_align = 16;
}  // namespace

void* operator new(std::size_t n) { return heap_alloc_or_throw(n, plain_align); }
void* operator new[](std::size_t n) { return heap_alloc_or_throw(n, plain_align); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return heap_alloc(n, plain_align); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return heap_alloc(n, plain_align); }
void* operator new(std::size_t n, std::align_val_t a) { return heap_alloc_or_throw(n, static_cast<std::size_t>(a)); }
void* operator new[](std::size_t n, std::align_val_t a) { return heap_alloc_or_throw(n, static_cast<std::size_t>(a)); }
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return heap_alloc(n, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return heap_alloc(n, static_cast<std::size_t>(a));
}
void operator delete(void* p) noexcept { heap_free(p, plain_align); }
void operator delete[](void* p) noexcept { heap_free(p, plain_align); }
void operator delete(void* p, std::size_t) noexcept { heap_free(p, plain_align); }
void operator delete[](void* p, std::size_t) noexcept { heap_free(p, plain_align); }
void operator delete(void* p, const std::nothrow_t&) noexcept { heap_free(p, plain_align); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { heap_free(p, plain_align); }
void operator delete(void* p, std::align_val_t a) noexcept { heap_free(p, static_cast<std::size_t>(a)); }
void operator delete[](void* p, std::align_val_t a) noexcept { heap_free(p, static_cast<std::size_t>(a)); }
void operator delete(void* p, std::size_t, std::align_val_t a) noexcept { heap_free(p, static_cast<std::size_t>(a)); }
void operator delete[](void* p, std::size_t, std::align_val_t a) noexcept { heap_free(p, static_cast<std::size_t>(a)); }
void operator delete(void* p, std::align_val_t a, const std::nothrow_t&) noexcept {
  heap_free(p, static_cast<std::size_t>(a));
}
void operator delete[](void* p, std::align_val_t a, const std::nothrow_t&) noexcept {
  heap_free(p, static_cast<std::size_t>(a));
}

namespace {

using namespace xmppcore;
namespace se = xmppcore::session;

// ------------------------------------------------------------ the embedder --
struct constant_random final : crypto::random_source {
  void fill(std::span<std::byte> out) override { std::fill(out.begin(), out.end(), std::byte{0x5a}); }
};

/// juliet's password, and optionally her SCRAM-SHA-256 stored keys.
struct one_account final : sasl::credential_store, se::resource_checker {
  std::optional<sasl::scram_credentials> keys;
  sasl::lookup_result<std::string> password(std::string_view u, std::string_view) override {
    if (u == "juliet") return std::optional<std::string>{"r0m30myr0m30"};
    return std::optional<std::string>{};
  }
  sasl::lookup_result<sasl::scram_credentials> scram(sasl::scram_hash h, std::string_view u) override {
    if (h == sasl::scram_hash::sha256 && u == "juliet") return keys;
    return std::optional<sasl::scram_credentials>{};
  }
  se::bind_verdict check(const jid::jid&) override { return se::bind_verdict::accept; }
};

/// Both configurations of one benchmark case; the objects they point to live here.
struct setup {
  constant_random server_random, client_random;
  one_account account;
  se::c2s_server_config server;
  se::c2s_client_config client;
  explicit setup(sasl::mechanism_id m) {
    server.hosts = {"example.com"};
    server.random = &server_random;
    server.credentials = &account;
    server.resources = &account;
    client.domain = "example.com";
    client.username = "juliet";
    client.password = "r0m30myr0m30";
    client.resource = "balcony";
    client.random = &client_random;
    client.mechanisms = {m};
  }
};

/// Feeds `in` to `m` as an embedder does (receive, drain, again with the
/// rest), with a pass-through stand-in for TLS; returns the stanzas reported.
/// Stops early only if `m` ends or stalls.
template <class M>
std::size_t feed(M& m, std::string_view in, std::size_t chunk = SIZE_MAX) {
  std::size_t stanzas = 0;
  for (std::size_t at = 0; at < in.size() && !m.ended();) {
    const auto r = m.receive(in.substr(at, chunk));
    at += r.consumed;
    bool any = false;
    while (auto ev = m.next_event()) {
      any = true;
      if (ev->kind == se::event_kind::stanza_received) ++stanzas;
      if (ev->kind == se::event_kind::switch_to_tls) m.tls_established();
    }
    if (r.consumed == 0 && !any) break;
  }
  return stanzas;
}

/// Moves what `m` wrote to `wire` (and to `record`, if given).
template <class M>
bool take_output(M& m, std::string& wire, std::string* record = nullptr) {
  const auto out = m.pending_output();
  if (out.empty()) return false;
  wire.append(out);
  if (record) record->append(out);
  m.mark_sent(out.size());
  return true;
}

/// Runs the two machines against each other until neither moves; the bytes
/// each side sent are appended to c2s / s2c when given.
void converse(se::c2s_client& c, se::c2s_server& s, std::string* c2s = nullptr, std::string* s2c = nullptr) {
  std::string to_server, to_client;
  for (;;) {
    const bool client_wrote = take_output(c, to_server, c2s);
    const bool server_wrote = take_output(s, to_client, s2c);
    if (!client_wrote && !server_wrote) return;
    feed(s, to_server);
    to_server.clear();
    feed(c, to_client);
    to_client.clear();
  }
}

bool both_ready(const se::c2s_client& c, const se::c2s_server& s) {
  return c.state() == se::c2s_client_state::established && s.state() == se::c2s_server_state::established;
}

// --------------------------------------------------------- negotiations --
void bm_negotiation(benchmark::State& state, const setup& cfg) {
  for (auto _ : state) {
    se::c2s_server s(cfg.server);
    se::c2s_client c(cfg.client);
    converse(c, s);
    if (!both_ready(c, s)) {
      state.SkipWithError("the negotiation did not reach ready on both sides");
      break;
    }
    benchmark::DoNotOptimize(c.bound());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

// -------------------------------------------------------------- stanzas --
constexpr std::size_t batch = 64;
constexpr std::size_t read_size = 4 * 1024;
constexpr std::string_view client_stanza =
    "<message to='romeo@example.net' id='m1' type='chat'><body>Art thou not Romeo, and a Montague?</body></message>";
constexpr std::string_view server_stanza =
    "<message from='romeo@example.net/orchard' to='juliet@example.com/balcony' id='m2' type='chat'>"
    "<body>Neither, fair saint, if either thee dislike.</body></message>";

/// An established pair (DIGEST-MD5), everything drained.
struct established {
  setup cfg{sasl::mechanism_id::digest_md5};
  se::c2s_server server{cfg.server};
  se::c2s_client client{cfg.client};
  bool ok = false;
  established() {
    converse(client, server);
    ok = both_ready(client, server);
  }
};

/// `sender` writes `batch` stanzas, `receiver` gets them in 4 KiB reads.
template <class From, class To>
void bm_stanzas(benchmark::State& state, bool from_client, bool receive_only) {
  established p;
  auto doc = xml::document::parse(from_client ? client_stanza : server_stanza, ns::client);
  if (!p.ok || !doc) {
    state.SkipWithError("setup failed");
    return;
  }
  From& from = [&]() -> From& {
    if constexpr (std::is_same_v<From, se::c2s_client>) return p.client;
    else return p.server;
  }();
  To& to = [&]() -> To& {
    if constexpr (std::is_same_v<To, se::c2s_client>) return p.client;
    else return p.server;
  }();
  // receive_only: the sender writes one batch before the loop, and the
  // receiver gets a copy of those bytes on every iteration.
  std::string sent;
  if (receive_only) {
    for (std::size_t i = 0; i < batch; ++i) (void)from.send(doc->root());
    sent = from.pending_output();
    from.mark_sent(sent.size());
  }
  std::size_t bytes = 0;
  for (auto _ : state) {
    if (!receive_only)
      for (std::size_t i = 0; i < batch; ++i) (void)from.send(doc->root());
    const std::string_view out = receive_only ? std::string_view(sent) : from.pending_output();
    bytes = out.size();
    const std::size_t got = feed(to, out, read_size);
    if (!receive_only) from.mark_sent(out.size());
    if (got != batch || to.ended()) {
      state.SkipWithError("stanzas lost");
      break;
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
}

/// The bytes bm_stanzas gives the receiver: the header of the stream it is in,
/// and one batch of stanzas as the sender writes them.
struct stanza_bytes {
  std::string header, batch_bytes;
};
stanza_bytes sender_output(bool from_client) {
  established p;
  auto doc = xml::document::parse(from_client ? client_stanza : server_stanza, ns::client);
  stanza_bytes r;
  r.header = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
             "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>";
  if (!p.ok || !doc) return r;
  for (std::size_t i = 0; i < batch; ++i) {
    if (from_client) (void)p.client.send(doc->root());
    else (void)p.server.send(doc->root());
  }
  r.batch_bytes = from_client ? p.client.pending_output() : p.server.pending_output();
  return r;
}

std::size_t parse_elements(xml::push_parser& p, std::string_view in) {
  std::size_t n = 0;
  for (std::size_t at = 0; at < in.size();) {
    const auto r = p.receive(in.substr(at, read_size));
    at += r.consumed;
    while (auto ev = p.next_event()) n += ev->kind() == xml::event_kind::element_received;
    if (r.status == xml::parse_status::failed || r.status == xml::parse_status::closed) break;
  }
  return n;
}

xml::parser_options elements_options() {
  xml::parser_options o;
  o.mode = xml::parse_mode::elements;
  o.content_namespaces = {std::string(ns::client)};
  return o;
}

void bm_parser_stanzas(benchmark::State& state, bool from_client) {
  const auto in = sender_output(from_client);
  xml::push_parser p(elements_options());
  if (in.batch_bytes.empty() || parse_elements(p, in.header) != 0 || p.failed()) {
    state.SkipWithError("setup failed");
    return;
  }
  for (auto _ : state) {
    if (parse_elements(p, in.batch_bytes) != batch) {
      state.SkipWithError("stanzas lost");
      break;
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * in.batch_bytes.size()));
}

// ------------------------------------------------------------- idle heap --
/// A whole session recorded once (the client's default mechanisms: SCRAM-SHA-256),
/// five stanzas each way after `ready`.
struct transcript {
  std::string c2s, s2c;
  bool ok = false;
};
const transcript& recorded() {
  static const transcript t = [] {
    transcript r;
    setup cfg(sasl::mechanism_id::scram_sha256);
    se::c2s_server s(cfg.server);
    se::c2s_client c(cfg.client);
    converse(c, s, &r.c2s, &r.s2c);
    auto m1 = xml::document::parse(client_stanza, ns::client);
    auto m2 = xml::document::parse(server_stanza, ns::client);
    if (!both_ready(c, s) || !m1 || !m2) return r;
    for (int i = 0; i < 5; ++i) {
      (void)c.send(m1->root());
      (void)s.send(m2->root());
    }
    converse(c, s, &r.c2s, &r.s2c);
    r.ok = both_ready(c, s);
    return r;
  }();
  return t;
}

void set_heap(benchmark::State& state, std::int64_t bytes, std::int64_t blocks) {
  state.counters["heap_bytes"] = static_cast<double>(bytes);
  state.counters["heap_blocks"] = static_cast<double>(blocks);
}

/// One machine alone, fed its peer's recorded bytes in 4 KiB reads.
template <class M, class Config>
void bm_idle_machine(benchmark::State& state, Config setup::*which, std::size_t burst) {
  constexpr bool server = std::is_same_v<M, se::c2s_server>;
  const transcript& t = recorded();
  if (!t.ok) {
    state.SkipWithError("recording the session failed");
    return;
  }
  std::string presences;
  while (presences.size() + 11 <= burst) presences += "<presence/>";
  std::int64_t bytes = 0, blocks = 0, at_construction = 0;
  for (auto _ : state) {
    setup cfg(sasl::mechanism_id::scram_sha256);  // before the baseline: the embedder's
    const Config& mine = cfg.*which;
    const std::int64_t base_bytes = g_heap_bytes, base_blocks = g_heap_blocks;
    M m(mine);  // on the stack: only what it allocates is counted
    at_construction = g_heap_bytes - base_bytes;
    feed(m, server ? t.c2s : t.s2c, read_size);
    if (burst != 0) feed(m, presences, burst);  // one read full of tiny stanzas
    while (m.wants_output()) m.mark_sent(m.pending_output().size());
    bool ready = false;
    if constexpr (server) ready = m.state() == se::c2s_server_state::established;
    else ready = m.state() == se::c2s_client_state::established;
    bytes = g_heap_bytes - base_bytes;
    blocks = g_heap_blocks - base_blocks;
    if (!ready || m.pending_events() != 0) {
      state.SkipWithError("the replay did not reach an idle established session");
      break;
    }
  }
  set_heap(state, bytes, blocks);
  state.counters["heap_at_construction"] = static_cast<double>(at_construction);
  state.counters["object_bytes"] = static_cast<double>(sizeof(M));
}
void bm_idle_parser(benchmark::State& state) {
  const transcript& t = recorded();
  // The last stream the server read: from the client's last header on.
  const auto last = t.c2s.rfind("<?xml");
  if (!t.ok || last == std::string::npos) {
    state.SkipWithError("recording the session failed");
    return;
  }
  const std::string_view stream = std::string_view(t.c2s).substr(last);
  std::int64_t held = 0, held_blocks = 0, released = 0, released_blocks = 0;
  for (auto _ : state) {
    const std::int64_t base_bytes = g_heap_bytes, base_blocks = g_heap_blocks;
    xml::push_parser p(elements_options());  // on the stack: only what it allocates is counted
    if (parse_elements(p, stream) != 7 || !p.between_elements()) {  // bind, session, 5 messages
      state.SkipWithError("the parser did not take the stream");
      break;
    }
    held = g_heap_bytes - base_bytes;
    held_blocks = g_heap_blocks - base_blocks;
    p.release_memory();
    released = g_heap_bytes - base_bytes;
    released_blocks = g_heap_blocks - base_blocks;
  }
  set_heap(state, held, held_blocks);
  state.counters["heap_bytes_released"] = static_cast<double>(released);
  state.counters["heap_blocks_released"] = static_cast<double>(released_blocks);
  state.counters["object_bytes"] = static_cast<double>(sizeof(xml::push_parser));
}

// ------------------------------------------------------------ registration --
const setup& case_of(sasl::mechanism_id m, int variant) {
  // Built once, outside any timing (the stored keys cost a PBKDF2).
  static setup plain(sasl::mechanism_id::plain), plain_1(sasl::mechanism_id::plain),
      digest(sasl::mechanism_id::digest_md5), scram(sasl::mechanism_id::scram_sha256),
      scram_keys(sasl::mechanism_id::scram_sha256);
  static const bool ready = [] {
    plain_1.server.plain.dummy_iterations = 1;
    scram_keys.account.keys =
        *sasl::scram_derive_credentials<crypto::sha256>("r0m30myr0m30", "0123456789abcdef", 4096);
    scram_keys.server.scram.equalize_timing = false;  // stored keys for every user
    return true;
  }();
  (void)ready;
  switch (m) {
    case sasl::mechanism_id::plain: return variant == 0 ? plain : plain_1;
    case sasl::mechanism_id::digest_md5: return digest;
    default: return variant == 0 ? scram : scram_keys;
  }
}

const bool registered = [] {
  using benchmark::RegisterBenchmark;
  struct negotiation_case {
    const char* name;
    sasl::mechanism_id mechanism;
    int variant;
  };
  for (const negotiation_case c : {negotiation_case{"PLAIN", sasl::mechanism_id::plain, 0},
                                   negotiation_case{"PLAIN/stand_in_1_round", sasl::mechanism_id::plain, 1},
                                   negotiation_case{"DIGEST-MD5", sasl::mechanism_id::digest_md5, 0},
                                   negotiation_case{"SCRAM-SHA-256/plaintext", sasl::mechanism_id::scram_sha256, 0},
                                   negotiation_case{"SCRAM-SHA-256/stored_keys", sasl::mechanism_id::scram_sha256, 1}})
    RegisterBenchmark((std::string("BM_negotiation/") + c.name).c_str(), [c](benchmark::State& s) {
      bm_negotiation(s, case_of(c.mechanism, c.variant));
    })->Unit(benchmark::kMicrosecond);

  for (std::size_t burst : {std::size_t{0}, std::size_t{4} << 10, std::size_t{64} << 10}) {
    const std::string suffix = burst == 0 ? "" : "/after_" + std::to_string(burst >> 10) + "KiB_read_of_presence";
    RegisterBenchmark(("BM_idle_heap/c2s_server" + suffix).c_str(), [burst](benchmark::State& s) {
      bm_idle_machine<se::c2s_server>(s, &setup::server, burst);
    })->Iterations(1);
    RegisterBenchmark(("BM_idle_heap/c2s_client" + suffix).c_str(), [burst](benchmark::State& s) {
      bm_idle_machine<se::c2s_client>(s, &setup::client, burst);
    })->Iterations(1);
  }
  RegisterBenchmark("BM_idle_heap/push_parser_elements", bm_idle_parser)->Iterations(1);

  RegisterBenchmark("BM_stanzas/c2s", [](benchmark::State& s) {
    bm_stanzas<se::c2s_client, se::c2s_server>(s, true, false);
  });
  RegisterBenchmark("BM_stanzas/c2s_receive_only", [](benchmark::State& s) {
    bm_stanzas<se::c2s_client, se::c2s_server>(s, true, true);
  });
  RegisterBenchmark("BM_stanzas/push_parser_c2s", [](benchmark::State& s) { bm_parser_stanzas(s, true); });
  RegisterBenchmark("BM_stanzas/s2c", [](benchmark::State& s) {
    bm_stanzas<se::c2s_server, se::c2s_client>(s, false, false);
  });
  RegisterBenchmark("BM_stanzas/s2c_receive_only", [](benchmark::State& s) {
    bm_stanzas<se::c2s_server, se::c2s_client>(s, false, true);
  });
  RegisterBenchmark("BM_stanzas/push_parser_s2c", [](benchmark::State& s) { bm_parser_stanzas(s, false); });
  return true;
}();

}  // namespace
