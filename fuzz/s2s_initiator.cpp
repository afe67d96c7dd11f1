// Fuzz target: the initiating side of a server-to-server stream
// (session/s2s_initiator.hpp): the originating server of dialback, or a
// receiving server's verify-only stream to an authoritative server, fed
// arbitrary server bytes after a valid prefix.
//
// The prefix is real: an s2s_receiver (the receiving server example.net, or
// for a verify-only stream the authoritative server example.com) answers the
// initiator in memory until the milestone byte 0 names, its bytes reaching
// the initiator one at a time so that the stop is exact; what it wrote after
// that point is dropped and the fuzz bytes take its place.
//
// Input layout: bytes 0-2 are options, the rest is what the server sends.
//   byte 0 bits 0-2  milestone: 0 nothing received (our header written);
//                    1 the server's header read (features expected); 2 the
//                    features read, <starttls/> sent; 3 <proceed/> read and
//                    TLS established (a new header written); 4 a dialback
//                    request pending: <db:result/> sent, the verdict awaited
//                    (step 4 done, step 10 awaited); 5 a verify-only stream
//                    established and verify() asked (step 8 done, step 9
//                    awaited); 6 the pair example.com -> example.net valid
//                    (stanzas flow); 7 <auth mechanism='EXTERNAL'/> sent.
//                    A milestone the options make unreachable skips the
//                    input (returns -1); see options::reachable(). Any other
//                    prefix that stops short of its milestone is a failure.
//          bits 3-4  our TLS policy: require, if_offered, never, if_offered
//          bit 5     SASL EXTERNAL after TLS, and the prefix server's TLS
//                    layer sees example.com's certificate (so it offers it)
//          bit 6     piggybacking: at the milestone, if established, we also
//                    ask for chat.example.com -> example.net (end of §8.3)
//          bit 7     the TLS handshake fails (tls_failed()) when the fuzz
//                    bytes lead to a switch_to_tls
//   byte 1 bits 0-1  the prefix server's TLS offer: offered, required, not
//                    offered, offered
//          bits 2-3  stanzas sent for each asked pair at the milestone
//                    (held while the pair is pending)
//          bit 4     max_held_bytes = 200 (a second held stanza is refused)
//          bit 5     tight limits: 1 KiB elements, every element delivered
//                    alone (backpressure)
//          bit 6     a verify-only stream at every milestone (always at 5)
//          bit 7     on a verify-only stream, two verify() at the milestone
//   byte 2 bits 0-6  chunking: 0 cuts the rest at each 0xff byte (the cut
//                    bytes are dropped), n > 0 cuts it every n bytes
//
// Properties: those of fuzz/dialback.cpp's driver (its file comment lists
// them: receive() bookkeeping, nothing after the end, </stream:stream> after
// a stream error and on every close, well-formed output, output bound, the
// same verdict, events and output whole, chunked and one byte at a time),
// and against the shadow (expat's reading of the server's bytes, one
// document per stream, in the one-byte run):
//  * the k-th dialback_result is the server's k-th <db:result type=…/>, for
//    the pair it names ('to' originating, 'from' receiving), valid exactly
//    when type='valid', an error exactly when type='error' (XEP-0220), and a
//    pair we asked for;
//  * a pair is valid only after a <db:result type='valid'/> that names it
//    (or, for our own pair, SASL EXTERNAL's <success/>);
//  * the k-th verify_result is the server's k-th <db:verify type=…/>, with its
//    id, 'from' and 'to', and answers a verify() we asked and not yet answered;
//  * every <db:result/> we write carries make_key(secret, to, from, id)
//    (XEP-0185, computed here) for the id of a stream header the server sent;
//  * stanzas held for a pair are written once it is valid and never before
//    (checked after every call), and never when it was refused.
#define XC_DIALBACK_FUZZ_DRIVER_ONLY
#include "dialback.cpp"

namespace {

using namespace xc_dialback_fuzz;

constexpr std::string_view origin_sub = "chat.example.com";  // piggybacked on O's stream

struct options {
  unsigned milestone = 0;
  se::tls_policy policy = se::tls_policy::require;
  se::tls_offer offer = se::tls_offer::offered;
  bool external = false, piggyback = false, tls_fails = false;
  unsigned held = 0;
  bool small_hold = false, tight = false, verify_only = false, two_verifies = false;
  explicit options(const std::uint8_t* d) {
    milestone = d[0] & 7u;
    constexpr se::tls_policy policies[] = {se::tls_policy::require, se::tls_policy::if_offered,
                                           se::tls_policy::never, se::tls_policy::if_offered};
    policy = policies[(d[0] >> 3) & 3u];
    external = (d[0] & 0x20) != 0;
    piggyback = (d[0] & 0x40) != 0;
    tls_fails = (d[0] & 0x80) != 0;
    constexpr se::tls_offer offers[] = {se::tls_offer::offered, se::tls_offer::required, se::tls_offer::not_offered,
                                        se::tls_offer::offered};
    offer = offers[d[1] & 3u];
    held = (d[1] >> 2) & 3u;
    small_hold = (d[1] & 0x10) != 0;
    tight = (d[1] & 0x20) != 0;
    verify_only = milestone == 5 || (d[1] & 0x40) != 0;
    two_verifies = (d[1] & 0x80) != 0;
  }
  bool tls_happens() const { return policy != se::tls_policy::never && offer != se::tls_offer::not_offered; }
  /// We require TLS and the server does not offer it: we give up after its features.
  bool gives_up() const { return policy == se::tls_policy::require && offer == se::tls_offer::not_offered; }
  /// Whether the options allow the milestone; a prefix that stops short of a
  /// reachable one is a failure, not a skipped input. Dialback with a server
  /// that requires TLS is counted unreachable without TLS (RFC 6120 §5.3.1),
  /// whatever the server does today.
  bool reachable() const {
    const bool external_first = external && tls_happens();  // SASL EXTERNAL instead of dialback (§8.1)
    const bool dialback_allowed = !(offer == se::tls_offer::required && !tls_happens());
    switch (milestone) {
      case 0:
      case 1: return true;
      case 2:
      case 3: return tls_happens();
      case 4: return !verify_only && !gives_up() && !external_first && dialback_allowed;
      case 5: return !gives_up();
      case 6: return !gives_up() && (external_first || (!verify_only && dialback_allowed));
      default: return external_first;
    }
  }
};

/// A stanza we hand to send_serialized(), found again in our output by its id.
struct held_stanza {
  std::size_t pair = 0;
  std::string id, xml;
  bool accepted = false, written = false;
};

/// The embedder around the initiator under test.
struct initiator_side final : hooks {
  se::s2s_initiator& m;
  const options& o;
  const std::string local, remote;
  bool in_prefix = true, external_done = false;
  std::vector<std::pair<std::string, std::string>> asked;  ///< pairs (originating, receiving) we asked for
  struct verdict {
    std::string originating, receiving;
    bool valid = false, error = false;
  };
  std::vector<verdict> results;  ///< dialback_result events
  struct verify_req {
    std::string originating, receiving, id;
    bool answered = false;
  };
  std::vector<verify_req> verifies;  ///< verify() calls
  struct verify_answer {
    std::string originating, receiving, id;
    bool valid = false;
  };
  std::vector<verify_answer> verify_results;  ///< verify_result events
  std::vector<held_stanza> held;

  initiator_side(se::s2s_initiator& mm, const options& oo, std::string l, std::string r)
      : m(mm), o(oo), local(std::move(l)), remote(std::move(r)) {}

  /// A valid dialback_result was reported for asked[pair].
  bool valid_by_dialback(std::size_t pair) const {
    const auto& p = asked[pair];
    return std::any_of(results.begin(), results.end(), [&](const verdict& v) {
      return v.valid && v.originating == p.first && v.receiving == p.second;
    });
  }
  /// ... or SASL EXTERNAL made our own pair valid.
  bool reported_valid(std::size_t pair) const {
    return (external_done && asked[pair] == std::pair{local, remote}) || valid_by_dialback(pair);
  }

  bool on_event(const se::event& ev) override {
    switch (ev.kind) {
      case se::event_kind::stream_opened:
      case se::event_kind::ready:
      case se::event_kind::sasl_failed:
      case se::event_kind::stream_error_received:
      case se::event_kind::closed: return false;
      case se::event_kind::switch_to_tls: return take_tls_switch(m, o.tls_fails && !in_prefix);
      case se::event_kind::authenticated:
        // EXTERNAL over TLS, or DIGEST-MD5 with the shared secret (draft §6.1
        // rule 6; the fuzz bytes would have to answer its rspauth, so rare).
        check(((o.external && m.tls_active() && ev.mechanism == "EXTERNAL") || ev.mechanism == "DIGEST-MD5") &&
                  ev.identity == local,
              "authenticated: EXTERNAL over TLS or DIGEST-MD5, as our domain");
        external_done = true;
        if (asked.empty() || asked.front() != std::pair{local, remote}) asked.insert(asked.begin(), {local, remote});
        return true;
      case se::event_kind::dialback_result: {
        const std::pair<std::string, std::string> p{std::string(ev.originating), std::string(ev.receiving)};
        check(std::find(asked.begin(), asked.end(), p) != asked.end(), "a dialback_result is for a pair we asked for");
        check(m.is_valid(ev.originating, ev.receiving) == ev.valid, "is_valid() says what dialback_result said");
        check(!ev.valid || !ev.error.has_value(), "a valid verdict carries no error");
        results.push_back({p.first, p.second, ev.valid, ev.error.has_value()});
        return false;
      }
      case se::event_kind::verify_result: {
        auto it = std::find_if(verifies.begin(), verifies.end(), [&](const verify_req& v) {
          return !v.answered && v.id == ev.id && v.originating == ev.originating && v.receiving == ev.receiving;
        });
        check(it != verifies.end(), "a verify_result answers a verify() we asked and is not answered yet");
        if (it != verifies.end()) it->answered = true;
        verify_results.push_back({std::string(ev.originating), std::string(ev.receiving), std::string(ev.id), ev.valid});
        return false;
      }
      default: check(false, "the initiator reports only its own kinds of events"); return false;
    }
  }

  // Held stanzas: written only once their pair is valid (§8.3 step 10).
  void after_drain(const run_log& log) override {
    for (auto& h : held) {
      if (h.written || log.output.find(h.id) == std::string::npos) continue;
      h.written = true;
      check(h.accepted, "a stanza send_serialized() refused is never written");
      check(m.is_valid(asked[h.pair].first, asked[h.pair].second) && reported_valid(h.pair),
            "a held stanza is written only after its pair was reported valid");
    }
  }

  /// What the embedder does at the milestone: piggybacking, verify() calls, stanzas.
  void at_milestone() {
    using st = se::s2s_initiator_state;
    if (o.piggyback && !o.verify_only && m.state() == st::established) {
      check(m.request_dialback(origin_sub, receiving), "request_dialback() on an established stream");
      asked.emplace_back(origin_sub, receiving);
    }
    for (std::size_t p = 0; p < asked.size(); ++p) {
      for (unsigned i = 0; i < o.held; ++i) {
        held_stanza h;
        h.pair = p;
        h.id = "held-" + std::to_string(p) + "-" + std::to_string(i);
        h.xml = "<message from='nurse@" + asked[p].first + "' to='romeo@" + asked[p].second + "' id='" + h.id +
                "'><body>held</body></message>";
        h.accepted = m.send_serialized(asked[p].first, asked[p].second, h.xml);
        held.push_back(std::move(h));
      }
    }
  }

  void verify_now(unsigned n) {
    for (unsigned i = 0; i < n; ++i) {
      const std::string id = "s" + std::to_string(i) + "-4d1a7e5b9c02f386";  // an id R gave O's stream
      const std::string key = dialback::make_key(secret_com, receiving, origin, id);
      check(m.verify(origin, receiving, id, key), "verify() on an established verify stream");
      verifies.push_back({std::string(origin), std::string(receiving), id, false});
    }
  }
};

/// The server in the prefix: R (example.net) or, for a verify-only stream, A
/// (example.com). Its dialback requests get example.com's real verdict,
/// except at milestone 4, where the verdict must stay pending.
struct receiver_peer final : hooks {
  se::s2s_receiver& m;
  std::string identity;
  bool answer = true;
  receiver_peer(se::s2s_receiver& mm, std::string id) : m(mm), identity(std::move(id)) {}
  bool on_event(const se::event& ev) override {
    if (ev.kind == se::event_kind::switch_to_tls) return m.tls_established(identity);
    if (ev.kind == se::event_kind::dialback_requested && answer) {
      const std::string orig(ev.originating), recv(ev.receiving), key(ev.key), id(ev.id);
      m.answer_dialback(orig, recv, key == dialback::make_key(secret_com, recv, orig, id));
    }
    return ev.kind == se::event_kind::authenticated;
  }
};

std::optional<outcome> run(const options& o, const std::vector<std::string>& pieces, bool one_byte) {
  if (!o.reachable()) return std::nullopt;
  se::s2s_initiator_config ic;
  ic.local_domain = std::string(o.verify_only ? receiving : origin);
  ic.remote_domain = std::string(o.verify_only ? origin : receiving);
  ic.dialback_secret = std::string(o.verify_only ? secret_net : secret_com);
  ic.tls = o.policy;
  ic.sasl_external = o.external;
  ic.dialback = !o.verify_only;
  if (o.small_hold) ic.max_held_bytes = 200;
  // DIGEST-MD5 between servers when the peer offers it (never in the prefix:
  // the prefix server has no secrets), so the fuzz bytes reach its challenges.
  fixed_random irng(0xd16e);
  ic.sasl_secret = "s2s-shared-secret";
  ic.random = &irng;
  if (o.tight) {
    ic.limits.max_element_bytes = 1024;
    ic.limits.max_delivered_bytes = 1;
    ic.limits.max_queued_events = 1;
  }
  se::s2s_initiator target(ic);
  initiator_side side(target, o, ic.local_domain, ic.remote_domain);
  if (!o.verify_only) side.asked.emplace_back(ic.local_domain, ic.remote_domain);

  fixed_random prng(0x0e51);
  se::s2s_receiver_config pc;
  pc.hosts = {ic.remote_domain};
  pc.random = &prng;
  pc.dialback_secret = std::string(o.verify_only ? secret_com : secret_net);
  pc.tls = o.offer;
  se::s2s_receiver peer(pc);
  receiver_peer pside(peer, o.external ? ic.local_domain : std::string());
  pside.answer = o.milestone != 4;

  outcome res;
  using st = se::s2s_initiator_state;
  bool verified = false;
  const std::function<bool()> reached = [&] {
    const auto s = target.state();
    if (o.verify_only && s == st::established && !verified) {
      side.verify_now(o.two_verifies ? 2 : 1);
      verified = true;
    }
    switch (o.milestone) {
      case 0: return true;
      case 1: return s == st::expecting_features;
      case 2: return s == st::expecting_proceed;
      case 3: return target.tls_active() && s == st::expecting_header && !side.external_done;
      case 4: return s == st::established && !o.verify_only && side.results.empty() && !side.external_done;
      case 5: return s == st::established && verified;
      case 6: return s == st::established && target.is_valid(ic.local_domain, ic.remote_domain);
      default: return s == st::expecting_sasl_outcome;
    }
  };
  if (!run_prefix(target, &peer, "", res.log, res.t, side, pside, reached)) {
    check(false, "the prefix reaches its milestone (the options allow it)");
    return std::nullopt;
  }
  side.in_prefix = false;
  side.at_milestone();
  bool restarted = false;
  drain(target, res.log, false, side, restarted);
  res.log.prefix_output = res.log.output.size();
  for (const auto& p : pieces) feed(target, p, res.log, res.t, true, side);  // once ended: nothing is consumed
  const auto ours = conclude(target, res.log, side, one_byte);
  check(!target.request_dialback(origin_sub, receiving) && !target.verify(origin, receiving, "x", "k") &&
            !target.send_serialized(origin, receiving, "<message/>"),
        "an ended initiator takes no request, verify or stanza");
  // (Written only when valid was checked after each call; a pair is valid or refused, never both.)
  for (const auto& h : side.held)
    if (h.accepted && side.valid_by_dialback(h.pair)) check(h.written, "held stanzas are written once their pair is valid");
  if (!one_byte) return res;

  // Against the shadow: what the server really sent, as expat reads it.
  const auto shadow = read_shadow(res.t);
  const auto verdicts = all_of(shadow, ns::dialback, "result");
  check(side.results.size() <= verdicts.size(), "each dialback_result has its <db:result/> in the server's bytes (expat)");
  for (std::size_t k = 0; k < side.results.size() && k < verdicts.size(); ++k) {
    const auto& v = side.results[k];
    const xml_child& e = *verdicts[k];
    check(e.attr("to") == v.originating && e.attr("from") == v.receiving,
          "a dialback_result names the pair its <db:result/> names (step 10)");
    check(v.valid == (e.attr("type") == "valid") && v.error == (e.attr("type") == "error"),
          "a dialback_result is valid exactly for type='valid', an error exactly for type='error'");
  }
  for (const auto& pair : side.asked) {
    if (!target.is_valid(pair.first, pair.second)) continue;
    if (side.external_done && pair == std::pair{side.local, side.remote}) continue;
    check(std::any_of(verdicts.begin(), verdicts.end(),
                      [&](const xml_child* e) {
                        return e->attr("type") == "valid" && e->attr("to") == pair.first &&
                               e->attr("from") == pair.second;
                      }),
          "a pair is valid only after a <db:result type='valid'/> that names it");
  }
  const auto answers = all_of(shadow, ns::dialback, "verify");
  check(side.verify_results.size() <= answers.size(), "each verify_result has its <db:verify/> in the server's bytes (expat)");
  for (std::size_t k = 0; k < side.verify_results.size() && k < answers.size(); ++k) {
    const auto& v = side.verify_results[k];
    const xml_child& e = *answers[k];
    check(e.attr("id") == v.id && e.attr("from") == v.originating && e.attr("to") == v.receiving,
          "a verify_result has the id, 'from' and 'to' of its <db:verify/> (step 9)");
    check(v.valid == (e.attr("type") == "valid"), "a verify_result is valid exactly for type='valid'");
  }
  std::vector<std::string_view> ids;
  for (const auto& d : shadow)
    if (auto it = d.root.find("id"); it != d.root.end()) ids.push_back(it->second);
  for (const xml_child* r : all_of(ours, ns::dialback, "result")) {
    check(!r->has("type"), "the initiator writes only dialback requests");
    check(std::any_of(ids.begin(), ids.end(),
                      [&](std::string_view id) {
                        return trim_ws(r->text) == dialback::make_key(ic.dialback_secret, r->attr("to"), r->attr("from"), id);
                      }),
          "our <db:result/> carries make_key(secret, to, from, id) for a stream id the server gave");
  }
  return res;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return fuzz_input<options>(data, size, run);
}
