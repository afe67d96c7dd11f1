// Fuzz target: the receiving entity of a c2s stream (session/c2s_server.hpp)
// fed arbitrary client bytes after a valid prefix of a real session.
//
// The prefix is real: a c2s_client (deterministic randomness) negotiates
// with the server in memory until the milestone byte 0 names, the client's
// bytes reaching the server one at a time so that the stop is exact; the
// server's pending output is drained and the client is then dropped, and
// the fuzz bytes take its place.
//
// Input layout: bytes 0-2 are options, the rest is what the client sends.
//   byte 0 bits 0-2  milestone: 0 nothing received yet; 1 the first header
//                    answered (features sent); 2 TLS established (a new
//                    header expected); 3 the header after TLS answered;
//                    4 inside SASL: <auth/> answered with a challenge
//                    (DIGEST-MD5 or SCRAM only); 5 SASL succeeded (a new
//                    header expected); 6 the header after SASL answered
//                    (bind offered); 7 bound, session IQ answered
//                    (established). A milestone the options make
//                    unreachable (2-3 without TLS, 4 with PLAIN) skips the
//                    input (returns -1).
//          bits 3-4  TLS offer: offered, required, not offered, offered
//          bit 5     credentials answered from credentials_requested events
//                    (asynchronous store) instead of the synchronous store
//          bit 6     "is this resource free" answered from resource_requested
//                    events instead of a resource_checker
//          bit 7     plain_without_tls (server and prefix client)
//   byte 1 bits 0-1  the prefix client's mechanism: PLAIN, DIGEST-MD5,
//                    SCRAM-SHA-1, SCRAM-SHA-256 (SCRAM only for milestone 4,
//                    DIGEST-MD5 instead from 5 on: the client's PBKDF2 at
//                    4096 rounds would make every run slow)
//          bit 2     an authzid is allowed (juliet may act as
//                    juliet@example.com), by an authorizer, or with bit 5 set
//                    by authorization_requested events
//          bit 3     deliver_other_elements
//          bit 4     accept_version_0
//          bits 5-6  resources: all free; 'balcony' taken; none allowed
//                    (not-allowed); every one taken
//          bit 7     on a conflict bind a generated resource (else refuse);
//                    also: the TLS layer reports the client certificate's
//                    identity juliet@example.com (SASL EXTERNAL offered)
//   byte 2 bits 0-6  chunking: 0 cuts the rest at each 0xff byte (the cut
//                    bytes are dropped), n > 0 cuts it every n bytes
//          bit 7     the embedder fails (after the prefix only): on a request
//                    event the transport closes (receive_eof()) and the
//                    answer comes late; on switch_to_tls the handshake fails
//                    (tls_failed())
//
// The SCRAM keys in the store are stored keys (4096 rounds, derived once per
// process) with equalize_timing off, and PLAIN's stand-in derivation runs one
// round, so no run pays for a PBKDF2 on the server side.
//
// Properties (each failure prints its name and aborts):
//  * receive(): consumed <= size; the status is one of the enum's values;
//    `ok` means every byte was consumed; `closed` exactly when ended(); each
//    call consumes, reports an event, or stops on purpose (no livelock), and
//    the calls per input are bounded;
//  * every request event is answered and the answer is taken; a switch to
//    TLS is taken (pass-through TLS: the rest of the bytes are fed on); an
//    answer that comes after the stream ended is refused;
//  * a TLS switch stops right after the '>' of the peer's <starttls/>
//    (<proceed/> for the client): nothing after it was consumed (draft §5.1
//    rule 6; the STARTTLS command injection class, CVE-2011-0411);
//  * once ended(): end().reason != none, `closed` was the last event, and
//    receive() consumes nothing more, writes nothing more and reports no
//    event; the answer calls and tls_established() are refused;
//  * a stream ended by us or by the peer (stream errors both ways, the
//    peer's close, a refused SASL or policy) ends the output with
//    </stream:stream>, and a stream error we sent is followed by it;
//  * the whole output (the prefix's included) is well-formed XML stream data
//    for expat with namespaces: one document per stream header written (each
//    restart begins with an XML declaration), nothing before the first
//    header, every document unfinished or, when closed, complete;
//  * output after the prefix <= 4 KiB + 64 * input bytes (no amplification);
//  * the input fed whole and fed in the chosen chunks gives the same verdict
//    (end reason, condition, offset), the same event kinds in the same order
//    and the same output bytes.
//
// Seeds (fuzz/corpus/session_receiver, session_initiator; SHA-1 names, merged
// with libFuzzer -merge=1): for each milestone and option set, the real
// peer's bytes from that point of a recorded pair run to the close (some
// split at every byte or every 7 bytes), the draft's §5.3 and §6.5 examples
// as printed, examples/captures, the STARTTLS injection, error paths (SASL
// failures and retries, wrong host, version 0, stream errors, refused bind),
// and reproducers of the findings these properties made.
//
// The driver below (namespace xc_session_fuzz) is shared with
// fuzz/session_initiator.cpp, which includes this file with
// XC_SESSION_FUZZ_DRIVER_ONLY defined.
#include <xmppcore/sasl/scram.hpp>
#include <xmppcore/session/c2s_client.hpp>
#include <xmppcore/session/c2s_server.hpp>

#include <expat.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace xc_session_fuzz {

using namespace xmppcore;
namespace se = xmppcore::session;

[[noreturn]] inline void property_failed(const char* what) {
  std::fprintf(stderr, "session fuzz: property failed: %s\n", what);
  std::abort();
}
/// XC_SESSION_FUZZ_SKIP=<text>[|<text>...]: properties whose name contains
/// one of the texts are reported once but not enforced, so that fuzzing can
/// go on past a known, reported failure. Unset (the default, and in the
/// corpus replays) every property is enforced.
inline bool skipped(std::string_view what) {
  static const char* const env = std::getenv("XC_SESSION_FUZZ_SKIP");
  for (std::string_view rest = env ? env : ""; !rest.empty();) {
    const auto bar = rest.find('|');
    const auto text = rest.substr(0, bar);
    if (!text.empty() && what.find(text) != std::string_view::npos) return true;
    rest = bar == std::string_view::npos ? std::string_view() : rest.substr(bar + 1);
  }
  return false;
}
inline void require(bool ok, const char* what) {
  if (ok) return;
  if (!skipped(what)) property_failed(what);
  static bool told = false;
  if (!told) std::fprintf(stderr, "session fuzz: property failed, not enforced: %s\n", what);
  told = true;
}

/// Deterministic bytes (a counter through Knuth's multiplicative hash): every
/// run of an input sees the same nonces, salts and stream ids, so a recorded
/// transcript replays exactly.
struct fixed_random final : crypto::random_source {
  std::uint32_t n;
  explicit fixed_random(std::uint32_t seed) : n(seed) {}
  void fill(std::span<std::byte> out) override {
    for (auto& b : out) b = static_cast<std::byte>((++n * 2654435761u) >> 24);
  }
};

constexpr std::string_view user = "juliet";
constexpr std::string_view password = "r0m30myr0m30";
constexpr std::string_view account = "juliet@example.com";

/// One account: its plaintext password and its SCRAM stored keys (derived
/// once per process, 4096 rounds, as a real store would keep them).
struct account_store final : sasl::credential_store, sasl::authorizer {
  sasl::lookup_result<std::string> password(std::string_view u, std::string_view) override {
    if (u == user) return std::optional<std::string>{std::string(xc_session_fuzz::password)};
    return std::optional<std::string>{};
  }
  sasl::lookup_result<sasl::scram_credentials> scram(sasl::scram_hash h, std::string_view u) override {
    if (u != user) return std::optional<sasl::scram_credentials>{};
    static const sasl::scram_credentials sha1 =
        *sasl::scram_derive_credentials<crypto::sha1>(xc_session_fuzz::password, "saltsaltsaltsalt", 4096);
    static const sasl::scram_credentials sha256 =
        *sasl::scram_derive_credentials<crypto::sha256>(xc_session_fuzz::password, "saltsaltsaltsalt", 4096);
    return std::optional<sasl::scram_credentials>{h == sasl::scram_hash::sha1 ? sha1 : sha256};
  }
  bool authorize(std::string_view authcid, std::string_view authzid) override {
    return authcid == user && authzid == account;
  }
};

/// Which resources are free (byte 1 bits 5-6 of the receiver's layout).
struct resource_policy final : se::resource_checker {
  unsigned mode = 0;
  se::bind_verdict check(const jid::jid& full) override { return verdict(full.resource()); }
  se::bind_verdict verdict(std::string_view resource) const {
    switch (mode & 3u) {
      case 1: return resource == "balcony" ? se::bind_verdict::conflict : se::bind_verdict::accept;
      case 2: return se::bind_verdict::not_allowed;
      case 3: return se::bind_verdict::conflict;
      default: return se::bind_verdict::accept;
    }
  }
};

inline bool valid(se::receive_status s) {
  switch (s) {
    case se::receive_status::ok:
    case se::receive_status::full:
    case se::receive_status::switch_transport:
    case se::receive_status::waiting:
    case se::receive_status::closed: return true;
  }
  return false;
}
inline bool valid(se::event_kind k) { return to_string(k) != "unknown"; }
inline bool valid(se::end_reason r) { return to_string(r) != "unknown"; }

/// How the embedder around the machine under test behaves.
struct embedder {
  account_store* store = nullptr;        ///< answers credentials_requested from here
  resource_policy* resources = nullptr;  ///< answers resource_requested from here
  std::string_view tls_identity;         ///< what the TLS layer says the client proved
  /// The embedder fails: the transport closes while a request is pending
  /// (receive_eof(); the answer then comes late and must be refused), and the
  /// TLS handshake fails (tls_failed()).
  bool fails = false;
};

/// Everything one run of a machine showed: compared between the whole and
/// the chunked feed.
struct run_log {
  std::string output;       ///< all bytes the machine wrote
  std::size_t prefix_output = 0;  ///< of which during the prefix
  std::vector<se::event_kind> events;  ///< after the prefix
  bool saw_authenticated = false;
  std::string tail;  ///< the last bytes the machine consumed
  se::end_reason reason = se::end_reason::none;
  std::optional<stream_condition> condition;
  std::uint64_t offset = 0;
};

template <class M>
constexpr bool is_server = std::is_same_v<M, se::c2s_server>;

/// Answers a request event from the embedder's store; true if the machine took it.
inline bool answer(se::c2s_server& m, const se::event& ev, const embedder& env) {
  // The views die with the answer call: copy first.
  const std::string name(ev.username), realm(ev.realm), identity(ev.identity);
  switch (ev.kind) {
    case se::event_kind::credentials_requested:
      switch (ev.credential) {
        case se::credential_kind::password: return m.answer_credentials(env.store->password(name, realm));
        case se::credential_kind::digest_md5_secret:
          return m.answer_credentials(env.store->digest_md5_secret(name, realm));
        case se::credential_kind::scram_sha1:
          return m.answer_credentials(env.store->scram(sasl::scram_hash::sha1, name));
        case se::credential_kind::scram_sha256:
          return m.answer_credentials(env.store->scram(sasl::scram_hash::sha256, name));
      }
      return false;
    case se::event_kind::authorization_requested:
      return m.answer_authorization(env.store->authorize(name, identity));
    case se::event_kind::resource_requested: {
      auto j = jid::jid::parse(identity);
      require(j && j->has_resource(), "resource_requested names a full JID");
      return m.answer_resource(env.resources->verdict(j->resource()));
    }
    default: return false;
  }
}

/// Drains events (answering requests, taking TLS switches) and output.
/// Returns the number of events taken.
template <class M>
std::size_t drain(M& m, run_log& log, const embedder& env, bool record) {
  std::size_t n = 0;
  bool closed_seen = false;
  while (auto ev = m.next_event()) {
    ++n;
    require(valid(ev->kind), "event kind is one of the enum's values");
    require(!closed_seen, "no event after `closed`");
    if (record) log.events.push_back(ev->kind);
    switch (ev->kind) {
      case se::event_kind::closed:
        closed_seen = true;
        require(m.ended(), "`closed` reported only when ended()");
        break;
      case se::event_kind::authenticated: log.saw_authenticated = true; break;
      case se::event_kind::switch_to_tls:
        if (env.fails) {
          require(m.tls_failed() && m.ended(), "tls_failed() ends the stream");
        } else if constexpr (is_server<M>) {
          // Pass-through TLS: the bytes after the stop are fed on as they are.
          require(m.tls_established(env.tls_identity), "server takes tls_established");
        } else {
          require(m.tls_established(), "client takes tls_established");
        }
        break;
      default: break;
    }
    if constexpr (is_server<M>) {
      if (ev->kind == se::event_kind::credentials_requested || ev->kind == se::event_kind::authorization_requested ||
          ev->kind == se::event_kind::resource_requested) {
        if (env.fails) {
          m.receive_eof();
          require(m.ended() && !answer(m, *ev, env), "a request pending at the end is not answered any more");
        } else {
          require(answer(m, *ev, env), "the answer to a request is taken");
        }
      }
    }
  }
  while (m.wants_output()) {
    const auto out = m.pending_output();
    require(!out.empty(), "wants_output() means pending_output() is not empty");
    // Partial writes: take at most 100 bytes at a time.
    const std::size_t k = std::min<std::size_t>(out.size(), 100);
    log.output.append(out.data(), k);
    m.mark_sent(k);
  }
  return n;
}

/// Feeds `bytes` as an embedder would: receive, drain, answer, and again with
/// the rest until all is consumed or the stream ended. Returns bytes consumed.
template <class M>
std::size_t feed(M& m, std::string_view bytes, run_log& log, const embedder& env, bool record) {
  std::size_t at = 0, calls = 0;
  for (;;) {
    const std::size_t before_out = log.output.size();
    const bool was_ended = m.ended();
    const auto r = m.receive(bytes.substr(at));
    require(++calls <= 64 + 4 * bytes.size(), "receive() calls per input are bounded");
    require(r.consumed <= bytes.size() - at, "consumed <= size");
    require(valid(r.status), "status is one of the enum's values");
    require((r.status == se::receive_status::closed) == m.ended(), "status closed exactly when ended()");
    if (r.status == se::receive_status::ok) require(r.consumed == bytes.size() - at, "ok consumes everything");
    log.tail.append(bytes.substr(at, r.consumed));
    if (log.tail.size() > 1024) log.tail.erase(0, log.tail.size() - 512);
    at += r.consumed;
    if (r.status == se::receive_status::switch_transport) {
      // draft §5.1 rule 6: the machine stops right after the '>' of the
      // peer's <starttls/> (server) or <proceed/> (client), having read
      // nothing after it (the STARTTLS command injection class, CVE-2011-0411).
      const std::string_view t = log.tail;
      const auto lt = t.rfind('<');
      require(lt != std::string_view::npos && t.ends_with(">") &&
                  t.substr(lt).find(is_server<M> ? "starttls" : "proceed") != std::string_view::npos,
              "a TLS switch stops right after the '>' of <starttls/> or <proceed/>");
    }
    const std::size_t events = drain(m, log, env, record);
    if (was_ended) {
      require(r.consumed == 0 && events == 0 && log.output.size() == before_out,
              "an ended machine consumes, reports and writes nothing");
    }
    if (m.ended()) {
      require(m.end().reason != se::end_reason::none && valid(m.end().reason), "ended() has a reason");
      return at;
    }
    require(m.end().reason == se::end_reason::none, "no end reason before the end");
    if (at == bytes.size()) return at;
    // No livelock: each call consumed, reported something, or stopped on
    // purpose (and the stop was dealt with in drain()).
    require(r.consumed > 0 || events > 0 || r.status == se::receive_status::switch_transport ||
                r.status == se::receive_status::waiting,
            "receive() makes progress");
  }
}

/// Checks the run's end; called once all input was fed.
template <class M>
void finish(M& m, run_log& log, const embedder& env) {
  if (!m.ended()) {
    m.receive_eof();
    drain(m, log, env, true);
    require(m.ended() && m.end().reason == se::end_reason::transport_closed, "receive_eof() ends the stream");
  }
  // Ended: nothing more, whatever comes.
  const std::size_t out = log.output.size(), events = log.events.size();
  const auto r = m.receive(std::string_view("<presence/></stream:stream>"));
  require(r.consumed == 0 && r.status == se::receive_status::closed, "an ended machine consumes nothing");
  drain(m, log, env, true);
  m.receive_eof();
  drain(m, log, env, true);
  require(log.output.size() == out && log.events.size() == events, "an ended machine writes and reports nothing");
  require(!log.events.empty() && log.events.back() == se::event_kind::closed, "`closed` is the last event");
  if constexpr (is_server<M>) {
    require(!m.answer_resource(se::bind_verdict::accept) && !m.answer_authorization(true) &&
                !m.answer_credentials(sasl::lookup_result<std::string>(std::optional<std::string>{})) &&
                !m.tls_established(),
            "an ended server takes no answer");
  } else {
    require(!m.tls_established(), "an ended client takes no TLS switch");
  }
  const auto& e = m.end();
  log.reason = e.reason;
  log.condition = e.condition;
  log.offset = e.offset;
  require(e.condition.has_value() ==
              (e.reason == se::end_reason::stream_error_sent || e.reason == se::end_reason::stream_error_received),
          "a condition exactly for stream errors");
  using er = se::end_reason;
  const bool goodbye = e.reason == er::peer_closed || e.reason == er::local_close || e.reason == er::stream_error_sent ||
                       e.reason == er::stream_error_received || e.reason == er::authentication_failed ||
                       e.reason == er::policy_refused;
  const std::string_view all = log.output;
  if (goodbye) require(all.ends_with("</stream:stream>"), "a closed stream ends our output with </stream:stream>");
  if (e.reason == er::stream_error_sent) {
    const auto at = all.rfind("<stream:error");
    require(at != std::string_view::npos, "a stream error sent is in the output");
    require(all.find("</stream:stream>", at) != std::string_view::npos, "</stream:stream> follows our stream error");
  }
}

/// The output is well-formed XML stream data: one document per stream header
/// (each starts with an XML declaration), parsed by expat with namespaces.
/// A document that ends with </stream:stream> must be complete.
inline void check_output_xml(std::string_view all) {
  if (all.empty()) return;
  require(all.starts_with("<?xml"), "output begins with a stream header");
  std::size_t at = 0;
  while (at < all.size()) {
    std::size_t next = all.find("<?xml", at + 5);
    if (next == std::string_view::npos) next = all.size();
    const std::string_view doc = all.substr(at, next - at);
    XML_Parser p = XML_ParserCreateNS(nullptr, '\x01');
    const bool closed = doc.ends_with("</stream:stream>");
    const bool ok = XML_Parse(p, doc.data(), static_cast<int>(doc.size()), closed ? XML_TRUE : XML_FALSE) ==
                    XML_STATUS_OK;
    if (!ok) {
      std::fprintf(stderr, "expat: %s at byte %lu of:\n%.*s\n", XML_ErrorString(XML_GetErrorCode(p)),
                   static_cast<unsigned long>(XML_GetCurrentByteIndex(p)), static_cast<int>(doc.size()), doc.data());
    }
    XML_ParserFree(p);
    require(ok, "output is well-formed XML stream data (expat)");
    at = next;
  }
}

/// Compares the whole run with the chunked run.
inline void check_same(const run_log& a, const run_log& b) {
  require(a.reason == b.reason && a.condition == b.condition, "same verdict whole and chunked");
  require(a.offset == b.offset, "same end offset whole and chunked");
  require(a.events == b.events, "same events whole and chunked");
  require(a.output == b.output, "same output whole and chunked");
}

/// Byte 2 bits 0-6 of both layouts: the chunks the rest is cut into, and the same
/// bytes as one piece.
struct chunking {
  std::string whole;
  std::vector<std::string> chunks;
  chunking(std::uint8_t how, std::string_view rest) {
    how &= 0x7f;
    if (how == 0) {
      std::string cur;
      for (char c : rest) {
        if (static_cast<unsigned char>(c) == 0xff) {
          chunks.push_back(std::move(cur));
          cur.clear();
        } else {
          cur += c;
          whole += c;
        }
      }
      chunks.push_back(std::move(cur));
    } else {
      whole.assign(rest);
      for (std::size_t i = 0; i < rest.size(); i += how) chunks.emplace_back(rest.substr(i, how));
    }
  }
};

/// A client and a server in memory. The target gets its peer's bytes one at
/// a time until `reached()` holds; the peer gets the target's whole.
/// Returns false if the milestone was not reached (the pair stalled or ended).
template <class Target, class Peer, class Reached>
bool run_to(Target& target, Peer& peer, run_log& tlog, const embedder& tenv, const embedder& penv,
            Reached reached) {
  run_log plog;
  std::string to_target;
  std::size_t fed_to_peer = 0;
  for (int round = 0; round < 64; ++round) {
    if (reached()) return true;
    if (target.ended() || peer.ended()) return false;
    bool moved = false;
    // The target's output goes to the peer, whole.
    drain(target, tlog, tenv, false);
    if (fed_to_peer < tlog.output.size()) {
      fed_to_peer += feed(peer, std::string_view(tlog.output).substr(fed_to_peer), plog, penv, false);
      moved = true;
    }
    drain(peer, plog, penv, false);
    to_target += plog.output;
    plog.output.clear();
    // The peer's output goes to the target one byte at a time.
    std::size_t i = 0;
    for (; i < to_target.size(); ++i) {
      if (feed(target, std::string_view(to_target).substr(i, 1), tlog, tenv, false) != 1) return false;
      moved = true;
      if (reached()) return true;
    }
    to_target.erase(0, i);
    if (!moved) return reached();
  }
  return false;
}

/// What both targets' runs start from: the embedder's objects and the
/// configurations of both machines before the options are applied.
struct world {
  account_store store;
  resource_policy resources;
  fixed_random server_random{0x5e1f}, client_random{0xc11e};

  se::c2s_server_config server_config() {
    se::c2s_server_config c;
    c.hosts = {"example.com"};
    c.random = &server_random;
    c.credentials = &store;
    c.resources = &resources;
    c.plain.dummy_iterations = 1;     // PLAIN's timing stand-in: not what is fuzzed here
    c.scram.equalize_timing = false;  // the store has stored keys for its one user
    return c;
  }
  se::c2s_client_config client_config() {
    se::c2s_client_config c;
    c.domain = "example.com";
    c.username = std::string(user);
    c.password = std::string(password);
    c.resource = "balcony";
    c.random = &client_random;
    return c;
  }
};

/// After the prefix: feeds the pieces to the target, checks how it ended.
template <class M>
run_log fuzz_phase(M& m, run_log log, embedder env, bool fails, const std::vector<std::string>& pieces) {
  drain(m, log, env, false);
  log.prefix_output = log.output.size();
  env.fails = fails;
  for (const auto& p : pieces) feed(m, p, log, env, true);  // once ended: checks that nothing is consumed
  finish(m, log, env);
  return log;
}

/// The whole check of one input, given the target's options (bytes 0-2) and
/// its run(options, pieces) -> optional<run_log> (nullopt: milestone not
/// reachable with these options).
template <class Options, class Run>
int check_input(const std::uint8_t* data, std::size_t size, const Options& o, Run run) {
  const chunking ch(data[2], std::string_view(reinterpret_cast<const char*>(data + 3), size - 3));
  auto whole = run(o, std::vector<std::string>{ch.whole});
  if (!whole) return -1;  // not added to the corpus
  check_output_xml(whole->output);
  require(whole->output.size() - whole->prefix_output <= 4096 + 64 * ch.whole.size(),
          "output after the prefix <= 4 KiB + 64 * input");
  auto split = run(o, ch.chunks);
  require(split.has_value(), "the prefix is deterministic");
  check_same(*whole, *split);
  return 0;
}

}  // namespace xc_session_fuzz

#ifndef XC_SESSION_FUZZ_DRIVER_ONLY

namespace {

using namespace xc_session_fuzz;

struct options {
  unsigned milestone = 0;
  se::tls_offer tls = se::tls_offer::offered;
  bool async_credentials = false, async_resources = false, plain_without_tls = false;
  sasl::mechanism_id mech = sasl::mechanism_id::digest_md5;
  bool authorization = false, other_elements = false, version_0 = false, generate_on_conflict = false;
  bool embedder_fails = false;
  unsigned resource_mode = 0;
  explicit options(const std::uint8_t* d) {
    milestone = d[0] & 7u;
    constexpr se::tls_offer offers[] = {se::tls_offer::offered, se::tls_offer::required, se::tls_offer::not_offered,
                                        se::tls_offer::offered};
    tls = offers[(d[0] >> 3) & 3u];
    async_credentials = (d[0] & 0x20) != 0;
    async_resources = (d[0] & 0x40) != 0;
    plain_without_tls = (d[0] & 0x80) != 0;
    constexpr sasl::mechanism_id mechs[] = {sasl::mechanism_id::plain, sasl::mechanism_id::digest_md5,
                                            sasl::mechanism_id::scram_sha1, sasl::mechanism_id::scram_sha256};
    mech = mechs[d[1] & 3u];
    if (milestone >= 5 && (mech == sasl::mechanism_id::scram_sha1 || mech == sasl::mechanism_id::scram_sha256))
      mech = sasl::mechanism_id::digest_md5;
    authorization = (d[1] & 0x04) != 0;
    other_elements = (d[1] & 0x08) != 0;
    version_0 = (d[1] & 0x10) != 0;
    resource_mode = (d[1] >> 5) & 3u;
    generate_on_conflict = (d[1] & 0x80) != 0;
    embedder_fails = (d[2] & 0x80) != 0;
  }
};

/// One run: the prefix, then `pieces` fed in order. nullopt: milestone unreachable.
std::optional<run_log> run(const options& o, const std::vector<std::string>& pieces) {
  world w;
  w.resources.mode = o.resource_mode;
  se::c2s_server_config sc = w.server_config();
  sc.tls = o.tls;
  sc.plain_without_tls = o.plain_without_tls;
  if (o.async_credentials) sc.credentials = nullptr;
  sc.authorizer = o.authorization && !o.async_credentials ? &w.store : nullptr;
  sc.ask_authorization = o.authorization && o.async_credentials;
  if (o.async_resources) sc.resources = nullptr;
  sc.on_conflict = o.generate_on_conflict ? se::resource_conflict::generate : se::resource_conflict::refuse;
  sc.accept_version_0 = o.version_0;
  sc.deliver_other_elements = o.other_elements;
  se::c2s_server server(sc);

  se::c2s_client_config cc = w.client_config();
  cc.mechanisms = {o.mech};
  cc.tls = o.tls == se::tls_offer::not_offered ? se::tls_policy::never : se::tls_policy::require;
  cc.plain_without_tls = o.plain_without_tls;
  se::c2s_client client(cc);

  const embedder senv{&w.store, &w.resources, o.generate_on_conflict ? account : std::string_view{}};
  const embedder cenv{};
  run_log log;
  using st = se::c2s_server_state;
  auto reached = [&] {
    const auto s = server.state();
    switch (o.milestone) {
      case 0: return true;
      case 1: return s == st::expecting_negotiation;
      case 2: return server.tls_active() && s == st::expecting_header;
      case 3: return server.tls_active() && s == st::expecting_negotiation;
      case 4: return s == st::expecting_sasl_response;
      case 5: return server.account().has_value() && s == st::expecting_header;
      case 6: return s == st::expecting_bind;
      default: return s == st::established && client.state() == se::c2s_client_state::established;
    }
  };
  if (!run_to(server, client, log, senv, cenv, reached)) return std::nullopt;
  return fuzz_phase(server, std::move(log), senv, o.embedder_fails, pieces);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return size < 3 ? -1 : check_input(data, size, options(data), run);
}

#endif  // XC_SESSION_FUZZ_DRIVER_ONLY
