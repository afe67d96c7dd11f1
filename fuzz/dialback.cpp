// Fuzz target: the receiving side of a server-to-server stream
// (session/s2s_receiver.hpp), in both of its dialback roles: the receiving
// server (<db:result/> requests, answered by the embedder) and the
// authoritative server (<db:verify/> requests, answered by the machine with
// the dialback secret). It is fed arbitrary peer bytes after a valid prefix.
//
// The prefix is real wherever it can be: an s2s_initiator (the originating
// server, or a receiving server's verify-only stream) talks to the receiver
// in memory until the milestone byte 0 names, its bytes reaching the receiver
// one at a time so that the stop is exact; the fuzz bytes then take its place.
//
// Input layout: bytes 0-2 are options, the rest is what the peer sends.
//   byte 0 bits 0-2  milestone: 0 nothing received; 1 a dialback header with
//                    version='1.0' answered (features sent); 2 a dialback
//                    header without 'version' answered (§8.3 step 2 as the
//                    draft writes it: no features); 3 the pair example.com ->
//                    example.net validated (step 10; established); 4 STARTTLS
//                    done, no peer identity from TLS (a new header expected);
//                    5 STARTTLS done, the certificate names example.com
//                    (EXTERNAL will be offered); 6 a <db:verify/> answered
//                    (the authoritative role, steps 8-9); 7 SASL EXTERNAL
//                    succeeded (a new header expected). Milestones 4, 5 and 7
//                    need TLS; with TLS not offered the input is skipped
//                    (returns -1). Any other prefix that stops short of its
//                    milestone is a failure: a broken machine cannot hide
//                    behind a skipped input.
//          bits 3-4  TLS offer: offered, required, not offered, offered
//          bit 5     the dialback secret is empty (every <db:verify/> is 'invalid')
//                    and DIGEST-MD5 is not offered (else it is, with a secret
//                    for example.com, draft §6.1 rule 6)
//          bit 6     the embedder answers dialback_requested only once all
//                    input was fed (else at once, while draining the event)
//          bit 7     the embedder fails (after the prefix only): the verify
//                    stream fails on a request (verify_failed()), the TLS
//                    handshake fails on switch_to_tls (tls_failed())
//   byte 1           the answers to the requests: request i uses bits
//                    2(i mod 4)..+1: 0 valid, 1 invalid, 2 an XEP-0220 error,
//                    3 what the authoritative server of example.com would say
//                    (valid exactly when the key is XEP-0185's for the pair and id)
//   byte 2 bits 0-6  chunking: 0 cuts the rest at each 0xff byte (the cut
//                    bytes are dropped), n > 0 cuts it every n bytes
//          bit 7     tight limits: 1 KiB elements before authentication, at
//                    most two requests awaiting an answer
//
// Each input runs three times: whole, in the chosen chunks, and one byte at a
// time. The one-byte run knows exactly where each stream restarts, so expat
// can read the peer's bytes as the machine did (one document per stream):
// the "shadow" that the dialback properties are checked against.
//
// Properties (each failure prints its name and aborts):
//  * receive(): consumed <= size; `ok` consumes all; `closed` exactly when
//    ended(); each call consumes, reports an event, or stops for a reason the
//    embedder then lifts; calls per input are bounded; once ended() nothing
//    more is consumed, written or reported, end().reason is not none,
//    `closed` was the last event, and no answer or TLS switch is taken;
//  * a stream error we sent is followed by </stream:stream>, and every close
//    ends our output with it;
//  * our output is well-formed XML with namespaces for expat, one document
//    per stream header, each completed with </stream:stream> if the stream
//    did not end it; nothing follows <proceed/> on its stream (draft §5.1
//    rule 6); output after the prefix <= 4 KiB + 8 * input bytes;
//  * whole, chunked and one-byte runs give the same verdict (end reason,
//    condition, offset), events and output when the answers come after all
//    input; when they come at once, the runs agree up to the first request
//    (after that, when an answer lands depends on the chunking by design);
//  * dialback_requested names one of our hosts, a domain, a key, and the
//    current stream id (also when an earlier request of the same call was
//    answered first); with TLS required it comes only after TLS (RFC 6120
//    §5.3.1, as the c2s server refuses SASL); the dialback_result that
//    follows an answer repeats it; an answer is taken while its request is
//    pending and the stream is open; after an invalid answer the stream ends
//    (step 10); a request from before STARTTLS is not answered after it
//    (draft §5.1 rule 9);
//  * each <db:verify/> answer in our output answers the peer's next
//    <db:verify/> in the shadow, with 'from' and 'to' swapped and the same
//    'id'; it is 'valid' ONLY when the request's key (its text, whitespace
//    around it removed) equals dialback::make_key(secret, from, to, id)
//    computed here, and a correct key is answered 'valid';
//  * each <db:result type=…/> we wrote is the embedder's answer, in order;
//  * a stanza is reported only when its 'from' and 'to' domains form a pair
//    that the embedder validated or SASL EXTERNAL authenticated.
//
// XC_DIALBACK_FUZZ_SKIP=<a>|<b>…: properties whose name contains one of the
// texts are reported once but not enforced, to fuzz on past a known, reported
// failure. Unset (the default, and in the corpus replays) all are enforced.
//
// The driver below (namespace xc_dialback_fuzz) is shared with
// fuzz/s2s_initiator.cpp, which includes this file with
// XC_DIALBACK_FUZZ_DRIVER_ONLY defined.
#include <xmppcore/crypto/random_source.hpp>
#include <xmppcore/dialback/key.hpp>
#include <xmppcore/jid/jid.hpp>
#include <xmppcore/session/s2s_initiator.hpp>
#include <xmppcore/session/s2s_receiver.hpp>

#include <expat.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace xc_dialback_fuzz {

using namespace xmppcore;
namespace se = xmppcore::session;

constexpr std::string_view origin = "example.com";     // the originating server O
constexpr std::string_view receiving = "example.net";  // the receiving server R
constexpr std::string_view asking = "example.org";  // a receiving server that asks R to verify
/// example.com's dialback secret (the one of XEP-0185's check value).
constexpr std::string_view secret_com = "s3cr3tf0rd14lb4ck";
/// example.net's dialback secret.
constexpr std::string_view secret_net = "n3t-d14lb4ck-s3cr3t";

/// A failed property: abort, unless XC_DIALBACK_FUZZ_SKIP names it.
inline void check(bool ok, const char* what) {
  if (ok) return;
  static const std::string skip = [] {
    const char* s = std::getenv("XC_DIALBACK_FUZZ_SKIP");
    return std::string(s ? s : "");
  }();
  std::string_view rest = skip;
  while (!rest.empty()) {
    const auto bar = rest.find('|');
    const auto one = rest.substr(0, bar);
    if (!one.empty() && std::string_view(what).find(one) != std::string_view::npos) {
      static std::set<std::string> told;
      if (told.insert(what).second) std::fprintf(stderr, "dialback fuzz: not enforced: %s\n", what);
      return;
    }
    rest = bar == std::string_view::npos ? std::string_view() : rest.substr(bar + 1);
  }
  std::fprintf(stderr, "dialback fuzz: property failed: %s\n", what);
  std::abort();
}

/// Stream ids and nothing else: a fixed xorshift64* sequence per seed, so
/// every run of an input sees the same ids (and seeds can carry right keys).
struct fixed_random final : crypto::random_source {
  std::uint64_t x;
  explicit fixed_random(std::uint64_t seed) : x(seed | 1) {}
  void fill(std::span<std::byte> out) override {
    for (auto& b : out) {
      x ^= x >> 12;
      x ^= x << 25;
      x ^= x >> 27;
      b = static_cast<std::byte>((x * 0x2545f4914f6cdd1dull) >> 56);
    }
  }
};

inline bool valid(se::receive_status s) { return to_string(s) != "unknown"; }
inline bool valid(se::event_kind k) { return to_string(k) != "unknown"; }
inline bool valid(se::end_reason r) { return to_string(r) != "unknown"; }

/// What one run of a machine showed.
struct run_log {
  std::string output;             ///< every byte the machine wrote
  std::size_t prefix_output = 0;  ///< of which before the fuzz bytes
  std::vector<se::event_kind> events;  ///< after the prefix
  bool saw_authenticated = false;
  se::end_reason reason = se::end_reason::none;
  std::optional<stream_condition> condition;
  std::uint64_t offset = 0;
};

/// Byte 2 bits 0-6: the fuzz bytes as one piece and as the chunks they are
/// fed in. 0 cuts at each 0xff (which is dropped from both), n cuts every n bytes.
struct pieces_of {
  std::string whole;
  std::vector<std::string> chunks;
  pieces_of(std::uint8_t how, std::string_view rest) {
    const std::size_t every = how & 0x7fu;
    chunks.emplace_back();
    for (char c : rest) {
      if (every == 0 && static_cast<unsigned char>(c) == 0xff) {
        chunks.emplace_back();
        continue;
      }
      if (every != 0 && chunks.back().size() == every) chunks.emplace_back();
      chunks.back() += c;
      whole += c;
    }
  }
};

std::string_view trim_ws(std::string_view s) {
  // The characters check_key() and the draft's examples put around a key (§8.3 step 4).
  constexpr std::string_view ws = " \t\r\n";
  const auto b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

// ------------------------------------------------------------ expat view ---

/// A top-level element (a child of the stream root) as expat read it.
struct xml_child {
  std::string ns, name;
  std::map<std::string, std::string, std::less<>> attrs;  ///< unprefixed ones by local name
  std::string text;                                      ///< its direct character data, concatenated
  std::vector<std::string> descendants;                  ///< "ns name" of every element inside it
  std::string_view attr(std::string_view n) const {
    auto it = attrs.find(n);
    return it == attrs.end() ? std::string_view() : std::string_view(it->second);
  }
  bool has(std::string_view n) const { return attrs.find(n) != attrs.end(); }
  bool is(std::string_view want_ns, std::string_view want_name) const { return ns == want_ns && name == want_name; }
};

/// One stream (one XML document) as expat read it.
struct xml_doc {
  std::map<std::string, std::string, std::less<>> root;  ///< the stream header's attributes
  std::string root_name;                                 ///< "ns name"
  std::vector<xml_child> children;
  bool ok = true;
  std::string error;
};

struct expat_reader {
  xml_doc doc;
  int depth = 0;
  xml_child cur;

  static std::pair<std::string, std::string> split(const char* n) {
    std::string_view s(n);
    const auto sep = s.find('\x01');
    if (sep == std::string_view::npos) return {std::string(), std::string(s)};
    return {std::string(s.substr(0, sep)), std::string(s.substr(sep + 1))};
  }
  static void XMLCALL on_start(void* ud, const char* name, const char** atts) {
    auto& r = *static_cast<expat_reader*>(ud);
    ++r.depth;
    auto [ns, local] = split(name);
    if (r.depth == 1) {
      r.doc.root_name = ns + " " + local;
      for (int i = 0; atts[i]; i += 2) r.doc.root[atts[i]] = atts[i + 1];
    } else if (r.depth == 2) {
      r.cur = xml_child{};
      r.cur.ns = std::move(ns);
      r.cur.name = std::move(local);
      for (int i = 0; atts[i]; i += 2) r.cur.attrs[atts[i]] = atts[i + 1];
    } else {
      r.cur.descendants.push_back(ns + " " + local);
    }
  }
  static void XMLCALL on_end(void* ud, const char*) {
    auto& r = *static_cast<expat_reader*>(ud);
    if (r.depth == 2) r.doc.children.push_back(std::move(r.cur));
    --r.depth;
  }
  static void XMLCALL on_text(void* ud, const char* s, int len) {
    auto& r = *static_cast<expat_reader*>(ud);
    if (r.depth == 2) r.cur.text.append(s, static_cast<std::size_t>(len));
  }
};

/// Reads one stream with expat (namespaces on). `final`: the document must be complete.
inline xml_doc read_xml(std::string_view bytes, bool final) {
  expat_reader r;
  XML_Parser p = XML_ParserCreateNS(nullptr, '\x01');
  XML_SetUserData(p, &r);
  XML_SetElementHandler(p, expat_reader::on_start, expat_reader::on_end);
  XML_SetCharacterDataHandler(p, expat_reader::on_text);
  if (XML_Parse(p, bytes.data(), static_cast<int>(bytes.size()), final ? XML_TRUE : XML_FALSE) != XML_STATUS_OK) {
    r.doc.ok = false;
    r.doc.error = std::string(XML_ErrorString(XML_GetErrorCode(p))) + " at byte " +
                  std::to_string(XML_GetCurrentByteIndex(p));
  }
  XML_ParserFree(p);
  return std::move(r.doc);
}

/// Where each stream of our output begins: at its XML declaration if it has
/// one, else at its <stream:stream header. Our writers escape '<' in every
/// value, so the text can only occur as markup.
inline std::vector<std::size_t> stream_starts(std::string_view out) {
  std::vector<std::size_t> starts;
  bool declared = false;  // a declaration began the current stream, its header not yet seen
  for (std::size_t at = 0; at < out.size(); ++at) {
    if (out.compare(at, 5, "<?xml") == 0) {
      starts.push_back(at);
      declared = true;
    } else if (out.compare(at, 14, "<stream:stream") == 0 && at + 14 < out.size() &&
               std::string_view(" \t\r\n>/").find(out[at + 14]) != std::string_view::npos) {
      if (!declared) starts.push_back(at);
      declared = false;
    }
  }
  return starts;
}

/// Our whole output as streams: each well-formed for expat once completed
/// with </stream:stream> (when the stream did not end itself).
inline std::vector<xml_doc> read_output(std::string_view out) {
  std::vector<xml_doc> docs;
  if (out.empty()) return docs;
  const auto starts = stream_starts(out);
  check(!starts.empty() && starts.front() == 0, "our output begins with a stream header");
  for (std::size_t i = 0; i < starts.size(); ++i) {
    const std::size_t end = i + 1 < starts.size() ? starts[i + 1] : out.size();
    const std::string_view doc = out.substr(starts[i], end - starts[i]);
    std::string whole(doc);
    if (!doc.ends_with("</stream:stream>")) whole += "</stream:stream>";
    docs.push_back(read_xml(whole, true));
    if (!docs.back().ok) {
      std::fprintf(stderr, "expat: %s in:\n%s\n", docs.back().error.c_str(), whole.c_str());
    }
    check(docs.back().ok, "our output is well-formed XML stream data (expat, each stream completed)");
    check(docs.back().root_name == std::string(ns::streams) + " stream", "each of our streams is a <stream:stream>");
    // draft §5.1 rule 6: TLS begins right after the '>' of <proceed/>.
    constexpr std::string_view proceed = "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>";
    const auto p = doc.find(proceed);
    if (p != std::string_view::npos)
      check(p + proceed.size() == doc.size(), "nothing follows <proceed/> on its stream (draft §5.1 rule 6)");
  }
  return docs;
}

/// The peer's bytes as the machine consumed them, and where a stream restart
/// (after STARTTLS or SASL) began a new document.
struct transcript {
  std::string bytes;
  std::vector<std::size_t> cuts;
};

/// The peer's streams as expat reads them (one document per stream; a
/// stream cut short by an error has the elements before it).
inline std::vector<xml_doc> read_shadow(const transcript& t) {
  std::vector<xml_doc> docs;
  std::size_t from = 0;
  auto one = [&](std::size_t to) {
    docs.push_back(read_xml(std::string_view(t.bytes).substr(from, to - from), false));
    from = to;
  };
  for (std::size_t c : t.cuts) one(c);
  one(t.bytes.size());
  return docs;
}

/// Every top-level element of these streams in the namespace and with the name.
inline std::vector<const xml_child*> all_of(const std::vector<xml_doc>& docs, std::string_view want_ns,
                                            std::string_view name) {
  std::vector<const xml_child*> v;
  for (const auto& d : docs)
    for (const auto& c : d.children)
      if (c.is(want_ns, name)) v.push_back(&c);
  return v;
}

// ------------------------------------------------------------- the driver ---

/// XC_DIALBACK_FUZZ_TRACE=1: each run prints its events and, at the end, its output.
inline bool tracing() {
  static const bool on = std::getenv("XC_DIALBACK_FUZZ_TRACE") != nullptr;
  return on;
}

/// What the embedder around a machine does with its events.
struct hooks {
  /// Handles one event; true when it began a new stream (TLS taken, or SASL success).
  virtual bool on_event(const se::event& ev) = 0;
  /// After the events and the output were drained.
  virtual void after_drain(const run_log&) {}
  virtual ~hooks() = default;
};

/// switch_to_tls with pass-through TLS: tls_established(identity…), or
/// tls_failed() when the embedder's handshake fails. True when a new stream began.
template <class M, class... Identity>
bool take_tls_switch(M& m, bool handshake_fails, const Identity&... identity) {
  if (handshake_fails) {
    check(m.tls_failed() && m.ended(), "tls_failed() ends the stream");
    return false;
  }
  check(m.tls_established(identity...), "the machine takes tls_established() after switch_to_tls");
  return true;
}

/// Takes every queued event, then the output (in partial writes). Returns the
/// number of events; `restarted` is set when one began a new stream.
template <class M>
std::size_t drain(M& m, run_log& log, bool record, hooks& h, bool& restarted) {
  std::size_t n = 0;
  bool after_closed = false;
  for (auto ev = m.next_event(); ev; ev = m.next_event()) {
    ++n;
    check(valid(ev->kind), "event kind is one of the enum's values");
    check(!after_closed, "no event after `closed`");
    after_closed = ev->kind == se::event_kind::closed;
    if (after_closed) check(m.ended(), "`closed` reported only when ended()");
    if (ev->kind == se::event_kind::authenticated) log.saw_authenticated = true;
    if (record) log.events.push_back(ev->kind);
    if (tracing() && record)
      std::fprintf(stderr, "  event %s %.*s>%.*s id=%.*s valid=%d\n", std::string(to_string(ev->kind)).c_str(),
                   static_cast<int>(ev->originating.size()), ev->originating.data(),
                   static_cast<int>(ev->receiving.size()), ev->receiving.data(), static_cast<int>(ev->id.size()),
                   ev->id.data(), ev->valid);
    restarted |= h.on_event(*ev);
  }
  for (std::string_view out = m.pending_output(); !out.empty(); out = m.pending_output()) {
    const std::size_t k = std::min<std::size_t>(out.size(), 61);  // partial writes
    log.output.append(out.substr(0, k));
    m.mark_sent(k);
  }
  check(!m.wants_output(), "wants_output() is false once pending_output() is empty");
  h.after_drain(log);
  return n;
}

/// Feeds `bytes`: receive, drain, again with the rest, until all is consumed
/// or the stream ended. Records what was consumed in `t`. Returns bytes consumed.
template <class M>
std::size_t feed(M& m, std::string_view bytes, run_log& log, transcript& t, bool record, hooks& h) {
  std::size_t done = 0;
  const std::size_t most_calls = 64 + 4 * bytes.size();
  for (std::size_t call = 1; call <= most_calls; ++call) {
    const std::string_view rest = bytes.substr(done);
    const bool ended_before = m.ended();
    const std::size_t out_before = log.output.size();
    const se::receive_result r = m.receive(rest);
    check(r.consumed <= rest.size(), "consumed <= size");
    check(valid(r.status), "status is one of the enum's values");
    check((r.status == se::receive_status::closed) == m.ended(), "status closed exactly when ended()");
    check(r.status != se::receive_status::ok || r.consumed == rest.size(), "ok consumes everything");
    if (tracing() && record)
      std::fprintf(stderr, " receive(%zu) -> %zu %s\n", rest.size(), r.consumed, std::string(to_string(r.status)).c_str());
    t.bytes.append(rest.substr(0, r.consumed));
    done += r.consumed;
    bool restarted = false;
    const std::size_t events = drain(m, log, record, h, restarted);
    if (restarted) t.cuts.push_back(t.bytes.size());
    if (ended_before)
      check(r.consumed == 0 && events == 0 && log.output.size() == out_before,
            "an ended machine consumes, reports and writes nothing");
    if (m.ended()) {
      check(m.end().reason != se::end_reason::none && valid(m.end().reason), "ended() has a reason");
      return done;
    }
    check(m.end().reason == se::end_reason::none, "no end reason before the end");
    if (done == bytes.size()) return done;
    // A stop reports its event; once the embedder dealt with it the next call goes on.
    if (r.consumed == 0 && events == 0) {
      check(false, "receive() makes progress (a stop the embedder dealt with is lifted)");
      return done;
    }
  }
  check(false, "receive() calls per input are bounded");
  return done;
}

/// Runs `target` against `peer` in memory until `reached()`: the target gets
/// the peer's bytes one at a time (so the stop is exact), the peer gets the
/// target's at once. With no peer, `script` is what the target gets.
/// False when the milestone was not reached.
template <class T, class P>
bool run_prefix(T& target, P* peer, std::string_view script, run_log& log, transcript& t, hooks& th, hooks& ph,
                const std::function<bool()>& reached) {
  run_log plog;
  transcript pt;
  std::size_t to_peer = 0, from_peer = 0;
  for (int round = 0; round < 64; ++round) {
    if (reached()) return true;
    if (target.ended() || (peer && peer->ended())) return false;
    bool moved = false;
    bool restarted = false;
    drain(target, log, false, th, restarted);
    if (restarted) t.cuts.push_back(t.bytes.size());
    if (peer) {
      if (to_peer < log.output.size()) {
        feed(*peer, std::string_view(log.output).substr(to_peer), plog, pt, false, ph);
        to_peer = log.output.size();
        moved = true;
      }
      drain(*peer, plog, false, ph, restarted);
    }
    const std::string incoming = peer ? plog.output.substr(from_peer) : std::string(script.substr(from_peer));
    from_peer += incoming.size();
    for (char c : incoming) {
      if (feed(target, std::string_view(&c, 1), log, t, false, th) != 1) return false;
      moved = true;
      if (reached()) return true;
    }
    if (!moved) return reached();
  }
  return false;
}

/// Ends a run: the transport closes if the stream is still open; then an
/// ended machine must take, write and report nothing, and how it ended must
/// show in its output. Returns the output as expat read it.
template <class M>
std::vector<xml_doc> conclude(M& m, run_log& log, hooks& h, bool one_byte) {
  bool restarted = false;
  if (!m.ended()) {
    m.receive_eof();
    drain(m, log, true, h, restarted);
    check(m.ended() && m.end().reason == se::end_reason::transport_closed, "receive_eof() ends an open stream");
  }
  const std::size_t out = log.output.size(), events = log.events.size();
  const auto r = m.receive(std::string_view("<db:result from='example.com' to='example.net'>k</db:result>"));
  check(r.consumed == 0 && r.status == se::receive_status::closed, "an ended machine consumes nothing");
  m.receive_eof();
  drain(m, log, true, h, restarted);
  check(log.output.size() == out && log.events.size() == events, "an ended machine writes and reports nothing");
  check(!log.events.empty() && log.events.back() == se::event_kind::closed, "`closed` is the last event");
  check(!m.tls_established() && !m.tls_failed(), "an ended machine takes no TLS switch");
  const se::end_info& e = m.end();
  if (tracing())
    std::fprintf(stderr, "end: %s %s at %llu: %.*s\n", std::string(to_string(e.reason)).c_str(),
                 e.condition ? std::string(to_string(*e.condition)).c_str() : "-",
                 static_cast<unsigned long long>(e.offset), static_cast<int>(e.text.size()), e.text.data());
  log.reason = e.reason;
  log.condition = e.condition;
  log.offset = e.offset;
  using er = se::end_reason;
  const bool error = e.reason == er::stream_error_sent || e.reason == er::stream_error_received;
  check(e.condition.has_value() == error, "a condition exactly for stream errors");
  const std::string_view all = log.output;
  if (error || e.reason == er::peer_closed || e.reason == er::local_close || e.reason == er::policy_refused)
    check(all.ends_with("</stream:stream>"), "a stream closed by either side ends our output with </stream:stream>");
  if (e.reason == er::stream_error_sent) {
    const auto at = all.rfind("<stream:error");
    check(at != std::string_view::npos && all.find("</stream:stream>", at) != std::string_view::npos,
          "a stream error we sent is followed by </stream:stream>");
  }
  if (tracing())
    std::fprintf(stderr, "run (%s): output:\n%s\n", one_byte ? "one byte" : "pieces", log.output.c_str());
  return read_output(log.output);
}

/// What one run gives: compared between runs, and checked against the shadow.
struct outcome {
  run_log log;
  transcript t;
  bool answered_early = false;  ///< a request was answered while input was still coming
  std::size_t first_request = SIZE_MAX;  ///< index in log.events of the first dialback_requested
};

/// The runs agree: everything when the embedder's timing does not depend on
/// the chunking, else up to the first request.
inline void check_agree(const outcome& a, const outcome& b) {
  if (!a.answered_early && !b.answered_early) {
    check(a.log.reason == b.log.reason && a.log.condition == b.log.condition,
          "same verdict (end reason and condition) whole and chunked");
    check(a.log.offset == b.log.offset, "same end offset whole and chunked");
    check(a.log.events == b.log.events, "same events whole and chunked");
    check(a.log.output == b.log.output, "same output whole and chunked");
    return;
  }
  const std::size_t n = std::min(a.first_request, b.first_request);
  check(a.first_request == b.first_request, "the first request comes at the same event whole and chunked");
  check(n < a.log.events.size() && n < b.log.events.size() &&
            std::equal(a.log.events.begin(), a.log.events.begin() + static_cast<std::ptrdiff_t>(n) + 1,
                       b.log.events.begin()),
        "same events whole and chunked up to the first request");
}

/// The checks every input gets: three runs, output bounds, agreement. `run`
/// is (pieces, one_byte) -> optional<outcome>; with one_byte (the pieces are
/// single bytes) it also checks the run against its shadow.
template <class Run>
int check_input(const std::uint8_t* data, std::size_t size, Run run) {
  const pieces_of ch(data[2], std::string_view(reinterpret_cast<const char*>(data + 3), size - 3));
  auto whole = run(std::vector<std::string>{ch.whole}, false);
  if (!whole) return -1;  // milestone not reachable with these options: not added to the corpus
  std::vector<std::string> bytes;
  for (char c : ch.whole) bytes.emplace_back(1, c);
  auto one = run(bytes, true);
  check(one.has_value(), "the prefix is deterministic");
  check(one->log.output.size() - one->log.prefix_output <= 4096 + 8 * ch.whole.size(),
        "output after the prefix <= 4 KiB + 8 * input");
  check_agree(*whole, *one);
  auto split = run(ch.chunks, false);
  check(split.has_value(), "the prefix is deterministic");
  check_agree(*whole, *split);
  return 0;
}

/// A whole fuzz input: the options from bytes 0-2, then check_input() with
/// run(options, pieces, one_byte).
template <class Options, class Run>
int fuzz_input(const std::uint8_t* data, std::size_t size, Run run) {
  if (size < 3) return -1;
  const Options o(data);
  return check_input(data, size, [&](const std::vector<std::string>& pieces, bool one_byte) {
    return run(o, pieces, one_byte);
  });
}

}  // namespace xc_dialback_fuzz

#ifndef XC_DIALBACK_FUZZ_DRIVER_ONLY

namespace {

using namespace xc_dialback_fuzz;

struct options {
  unsigned milestone = 0;
  se::tls_offer tls = se::tls_offer::offered;
  bool empty_secret = false, answer_late = false, fails = false, tight = false;
  std::uint8_t answers = 0;
  explicit options(const std::uint8_t* d) {
    milestone = d[0] & 7u;
    constexpr se::tls_offer offers[] = {se::tls_offer::offered, se::tls_offer::required, se::tls_offer::not_offered,
                                        se::tls_offer::offered};
    tls = offers[(d[0] >> 3) & 3u];
    empty_secret = (d[0] & 0x20) != 0;
    answer_late = (d[0] & 0x40) != 0;
    fails = (d[0] & 0x80) != 0;
    answers = d[1];
    tight = (d[2] & 0x80) != 0;
  }
  bool needs_tls() const { return milestone == 4 || milestone == 5 || milestone == 7; }
  /// Every milestone but those needing TLS when TLS is not offered; a prefix
  /// that stops short of a reachable one is a failure, not a skipped input.
  bool reachable() const { return !needs_tls() || tls != se::tls_offer::not_offered; }
};

const std::vector<std::string> our_hosts = {std::string(receiving), "conference.example.net"};

/// A dialback request as the embedder keeps it (the event's views die with the next call).
struct request {
  std::string originating, receiving, key, id;
  unsigned index = 0;       ///< the how-manieth request
  unsigned generation = 0;  ///< TLS restarts before it came
};

/// An answer the embedder gave, as it must appear in our output.
struct decision {
  std::string originating, receiving;
  std::string type;  ///< valid, invalid or error
  std::optional<stanza_condition> condition;
};

/// The embedder around the receiver under test.
/// The receiver's DIGEST-MD5 secrets (draft §6.1 rule 6): one peer domain.
constexpr std::string_view shared_secret_domain = "example.com";
struct peer_secrets final : sasl::credential_store {
  sasl::lookup_result<std::string> password(std::string_view user, std::string_view) override {
    if (user == shared_secret_domain) return std::optional<std::string>{"s2s-shared-secret"};
    return std::optional<std::string>{};
  }
};

struct receiver_side final : hooks {
  se::s2s_receiver& m;
  const options& o;
  bool in_prefix = true;
  std::string tls_identity;   ///< what the TLS layer says the peer's certificate names
  unsigned generation = 0;    ///< TLS restarts so far
  unsigned requests = 0;
  bool answered_early = false;   ///< a request was answered while input was still coming
  std::vector<request> waiting;  ///< requests to answer once all input is fed
  std::vector<decision> decisions;
  std::vector<decision> results_due;  ///< dialback_result events our answers must produce
  std::set<std::pair<std::string, std::string>> validated;

  receiver_side(se::s2s_receiver& mm, const options& oo) : m(mm), o(oo) {}

  bool on_event(const se::event& ev) override {
    switch (ev.kind) {
      case se::event_kind::stream_opened:
      case se::event_kind::stream_error_received:
      case se::event_kind::sasl_failed:  // our <failure/> to a bad <auth/>
      case se::event_kind::closed: return false;
      case se::event_kind::switch_to_tls:
        if (!take_tls_switch(m, o.fails && !in_prefix, tls_identity)) return false;
        ++generation;
        return true;
      case se::event_kind::authenticated: {
        // EXTERNAL: the certificate's domain; DIGEST-MD5 (draft §6.1 rule 6):
        // the one domain whose secret the store holds.
        const bool external = ev.mechanism == "EXTERNAL" && ev.identity == tls_identity && !tls_identity.empty();
        const bool digest = ev.mechanism == "DIGEST-MD5" && ev.identity == shared_secret_domain;
        check(external || digest, "authenticated: EXTERNAL as the certificate's domain, or DIGEST-MD5 as a domain");
        for (const auto& h : our_hosts) validated.insert({std::string(ev.identity), h});
        return true;
      }
      case se::event_kind::dialback_requested: {
        const bool ours = std::find(our_hosts.begin(), our_hosts.end(), ev.receiving) != our_hosts.end();
        check(ours, "dialback_requested: 'receiving' is one of our hosts");
        auto dom = jid::jid::parse(ev.originating);
        const bool domain = dom && !dom->has_node() && !dom->has_resource() && dom->domain() == ev.originating;
        check(domain, "dialback_requested: 'originating' is a prepared domain");
        check(!ev.key.empty() && trim_ws(ev.key) == ev.key, "dialback_requested: a key, trimmed");
        check(!ev.id.empty() && ev.id == m.stream_id(), "dialback_requested: the id is the current stream's");
        if (!ours || !domain) return false;  // (only when those failures are not enforced) nothing to answer
        request r{std::string(ev.originating), std::string(ev.receiving), std::string(ev.key), std::string(ev.id),
                  requests++, generation};
        if (o.tls == se::tls_offer::required)
          check(m.tls_active(), "with TLS required, no dialback request is taken before TLS (RFC 6120 §5.3.1)");
        if (in_prefix) answer(r);
        else if (o.answer_late) waiting.push_back(std::move(r));
        else {
          answered_early = true;
          answer(r);
        }
        return false;
      }
      case se::event_kind::dialback_result: {
        check(!results_due.empty(), "a dialback_result follows an answer");
        const decision& d = results_due.front();
        check(ev.originating == d.originating && ev.receiving == d.receiving && ev.valid == (d.type == "valid"),
              "dialback_result repeats the answer");
        results_due.erase(results_due.begin());
        return false;
      }
      case se::event_kind::stanza_received: {
        check(ev.element.has_value(), "stanza_received carries the stanza");
        auto from = jid::jid::parse(ev.element->attr("from").value_or(""));
        auto to = jid::jid::parse(ev.element->attr("to").value_or(""));
        check(from && to && validated.count({std::string(from->domain()), std::string(to->domain())}) == 1,
              "a stanza is delivered only for a validated pair (§8.3 step 10)");
        return false;
      }
      default: check(false, "the receiver reports only its own kinds of events"); return false;
    }
  }

  /// The embedder's answer to request `r`: chosen by byte 1 (in the prefix:
  /// what example.com's authoritative server says).
  void answer(const request& r) {
    const unsigned mode = in_prefix ? 3u : (o.answers >> (2 * (r.index % 4))) & 3u;
    // Made before a STARTTLS that the machine has taken: the harness counts
    // TLS switches as it drains their events, but the machine may have read
    // <starttls/> already, later in the same receive() (STARTTLS happens once
    // per stream, so "taken" is expecting_tls or TLS active).
    const unsigned machine_generation =
        (m.tls_active() || m.state() == se::s2s_receiver_state::expecting_tls) ? 1u : 0u;
    const bool stale = r.generation != machine_generation;
    if (o.fails && !in_prefix) {
      m.verify_failed();
      check(m.ended(), "verify_failed() ends the stream");
      return;
    }
    if (m.ended()) {
      check(!m.answer_dialback(r.originating, r.receiving, true) &&
                !m.answer_dialback_error(r.originating, r.receiving, stanza_condition::remote_server_timeout),
            "an ended receiver takes no answer");
      return;
    }
    if (mode == 2) {
      const stanza_condition c =
          r.index % 2 ? stanza_condition::remote_server_timeout : stanza_condition::remote_server_not_found;
      const bool took = m.answer_dialback_error(r.originating, r.receiving, c);
      if (stale) check(!took, "a request from before STARTTLS is not answered after it (draft §5.1 rule 9)");
      else check(took, "the answer to a pending request is taken");
      if (!took) return;
      check(!m.ended(), "an XEP-0220 error answer keeps the stream");
      decisions.push_back({r.originating, r.receiving, "error", c});
      return;
    }
    const bool ok = mode == 0 || (mode == 3 && r.key == dialback::make_key(secret_com, r.receiving, r.originating, r.id));
    const bool took = m.answer_dialback(r.originating, r.receiving, ok);
    if (stale) check(!took, "a request from before STARTTLS is not answered after it (draft §5.1 rule 9)");
    else check(took, "the answer to a pending request is taken");
    if (!took) return;
    decisions.push_back({r.originating, r.receiving, ok ? "valid" : "invalid", std::nullopt});
    results_due.push_back(decisions.back());
    if (ok) validated.insert({r.originating, r.receiving});
    else check(m.ended() && m.end().reason == se::end_reason::policy_refused, "an invalid key ends the stream (step 10)");
  }
};

/// The originating server (or a verify-only stream) in the prefix.
struct initiator_peer final : hooks {
  se::s2s_initiator& m;
  std::function<void()> on_ready;
  bool verify_answered = false;
  explicit initiator_peer(se::s2s_initiator& mm) : m(mm) {}
  bool on_event(const se::event& ev) override {
    if (ev.kind == se::event_kind::switch_to_tls) return m.tls_established();
    if (ev.kind == se::event_kind::ready && on_ready) on_ready();
    if (ev.kind == se::event_kind::verify_result) verify_answered = true;
    return ev.kind == se::event_kind::authenticated;
  }
};

const std::string dialback_header_v0 =
    "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:server' "
    "xmlns:db='jabber:server:dialback' from='example.com' to='example.net'>";

std::optional<outcome> run(const options& o, const std::vector<std::string>& pieces, bool one_byte) {
  if (!o.reachable()) return std::nullopt;
  fixed_random rrng(0xdb0e), prng(0x5eed);
  se::s2s_receiver_config rc;
  rc.hosts = our_hosts;
  rc.random = &rrng;
  rc.dialback_secret = o.empty_secret ? std::string() : std::string(secret_net);
  rc.tls = o.tls;
  peer_secrets secrets;
  if (!o.empty_secret) rc.credentials = &secrets;  // DIGEST-MD5 offered too (with the dialback secret)
  if (o.tight) {
    rc.pre_auth_limits.max_element_bytes = 1024;
    rc.max_pending = 2;
  }
  se::s2s_receiver target(rc);
  receiver_side side(target, o);
  if (o.milestone == 5 || o.milestone == 7) side.tls_identity = std::string(origin);

  // The peer: the originating server example.com, or (milestone 6) example.org's
  // verify-only stream asking whether a key for example.net is good.
  se::s2s_initiator_config pc;
  pc.local_domain = std::string(o.milestone == 6 ? asking : origin);
  pc.remote_domain = std::string(receiving);
  pc.dialback_secret = std::string(secret_com);
  pc.tls = o.needs_tls() || o.tls == se::tls_offer::required ? se::tls_policy::require : se::tls_policy::never;
  pc.sasl_external = o.milestone == 7;
  pc.dialback = o.milestone == 3;
  se::s2s_initiator peer(pc);
  initiator_peer pside(peer);
  if (o.milestone == 6) {
    pside.on_ready = [&] {
      const std::string id = "5d2ea6d1a57e3b09";  // the id of some stream example.org received
      peer.verify(receiving, asking, id, dialback::make_key(secret_net, asking, receiving, id));
    };
  }

  outcome res;
  using st = se::s2s_receiver_state;
  const std::function<bool()> reached = [&] {
    const auto s = target.state();
    switch (o.milestone) {
      case 0: return true;
      case 1:
      case 2: return s == st::expecting_negotiation;
      case 3: return s == st::established && target.is_validated(origin, receiving);
      case 4:
      case 5: return target.tls_active() && s == st::expecting_header && !res.log.saw_authenticated;
      case 6: return pside.verify_answered;
      default: return res.log.saw_authenticated && s == st::expecting_header;
    }
  };
  const bool scripted = o.milestone == 2;
  if (!run_prefix(target, scripted || o.milestone == 0 ? nullptr : &peer, scripted ? dialback_header_v0 : "",
                  res.log, res.t, side, pside, reached)) {
    check(false, "the prefix reaches its milestone (the options allow it)");
    return std::nullopt;
  }
  bool restarted = false;
  drain(target, res.log, false, side, restarted);
  res.log.prefix_output = res.log.output.size();
  side.in_prefix = false;
  for (const auto& p : pieces) feed(target, p, res.log, res.t, true, side);  // once ended: nothing is consumed
  res.answered_early = side.answered_early;
  for (const auto& r : side.waiting) side.answer(r);
  side.waiting.clear();
  drain(target, res.log, true, side, restarted);
  for (std::size_t i = 0; i < res.log.events.size(); ++i)
    if (res.log.events[i] == se::event_kind::dialback_requested) {
      res.first_request = i;
      break;
    }
  const auto ours = conclude(target, res.log, side, one_byte);
  check(!target.answer_dialback(origin, receiving, true), "an ended receiver takes no answer");
  check(side.results_due.empty(), "every answer was reported as a dialback_result");
  // The dialback properties against the shadow, in the run that knows where
  // each stream began.
  if (!one_byte) return res;
  const auto shadow = read_shadow(res.t);
  const auto asked = all_of(shadow, ns::dialback, "verify");
  const auto said = all_of(ours, ns::dialback, "verify");
  for (std::size_t k = 0; k < said.size(); ++k) {
    check(k < asked.size(), "each <db:verify/> answer has its request in the peer's bytes (expat)");
    const xml_child& q = *asked[k];
    const xml_child& a = *said[k];
    check(a.attr("from") == q.attr("to") && a.attr("to") == q.attr("from") && a.attr("id") == q.attr("id") &&
              a.has("id"),
          "a <db:verify/> answer swaps 'from' and 'to' and keeps the 'id' (step 9)");
    const std::string want = dialback::make_key(rc.dialback_secret, q.attr("from"), q.attr("to"), q.attr("id"));
    const bool right = !rc.dialback_secret.empty() && trim_ws(q.text) == want;
    if (a.attr("type") == "valid") check(right, "<db:verify/> is 'valid' ONLY for the key make_key(secret, from, to, id)");
    else check(a.attr("type") == "invalid", "a <db:verify/> answer is 'valid' or 'invalid'");
    if (right) check(a.attr("type") == "valid", "a <db:verify/> with the right key is answered 'valid'");
  }
  const auto results = all_of(ours, ns::dialback, "result");
  check(results.size() == side.decisions.size(), "each <db:result/> we wrote is an answer of the embedder");
  for (std::size_t k = 0; k < results.size() && k < side.decisions.size(); ++k) {
    const xml_child& r = *results[k];
    const decision& d = side.decisions[k];
    check(r.attr("from") == d.receiving && r.attr("to") == d.originating && r.attr("type") == d.type,
          "a <db:result/> we wrote says what the embedder answered (step 10)");
    if (d.condition) {
      const std::string cond = std::string(ns::xmpp_stanzas) + " " + std::string(to_string(*d.condition));
      check(std::find(r.descendants.begin(), r.descendants.end(), cond) != r.descendants.end(),
            "an error answer carries its condition (XEP-0220)");
    }
  }
  return res;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return fuzz_input<options>(data, size, run);
}

#endif  // XC_DIALBACK_FUZZ_DRIVER_ONLY
