// Fuzz target: the initiating entity of a c2s stream (session/c2s_client.hpp)
// fed arbitrary server bytes after a valid prefix of a real session.
//
// The prefix is real: a c2s_server (deterministic randomness) negotiates
// with the client in memory until the milestone byte 0 names, the server's
// bytes reaching the client one at a time so that the stop is exact (between
// the server's header and its features, say); what the server wrote after
// that point is dropped, and the fuzz bytes take its place.
//
// Input layout: bytes 0-2 are options, the rest is what the server sends.
//   byte 0 bits 0-2  milestone: 0 nothing received (our header written);
//                    1 the server's header read (features expected); 2 the
//                    features read, <starttls/> sent; 3 <proceed/> read and
//                    TLS established (a new header written); 4 inside SASL:
//                    <auth/> sent; 5 inside SASL one round on: the server's
//                    first challenge answered (DIGEST-MD5 and SCRAM only; for
//                    SCRAM this run pays the client's PBKDF2); 6 SASL
//                    succeeded (a new header written); 7 bound and ready.
//                    A milestone the options make unreachable skips the
//                    input (returns -1).
//          bits 3-4  our TLS policy: require, if_offered, never, if_offered
//          bits 5-6  the prefix server's TLS offer: offered, required, not
//                    offered, offered
//          bit 7     plain_without_tls (client and prefix server)
//   byte 1 bits 0-1  our mechanism: PLAIN, DIGEST-MD5, SCRAM-SHA-1,
//                    SCRAM-SHA-256 (DIGEST-MD5 instead of SCRAM for
//                    milestones 6-7, where it no longer matters, so that
//                    those runs pay no PBKDF2)
//          bit 2     we list all four mechanisms, that one first (else only it)
//          bit 3     no resource asked for (the server makes one)
//          bit 4     deliver_other_elements
//          bit 5     tight limits on what the server sends: 2 KiB elements,
//                    every element its own delivery (backpressure)
//          bit 6     we send the authzid juliet@example.com
//          bit 7     the prefix server does not offer the session IQ
//   byte 2 bits 0-6  chunking: 0 cuts the rest at each 0xff byte (the cut
//                    bytes are dropped), n > 0 cuts it every n bytes
//          bit 7     the TLS handshake fails (tls_failed()) when the fuzz
//                    bytes lead to a switch_to_tls
//
// Properties: those of fuzz/session_receiver.cpp (its file comment lists
// them), whose driver this target shares: consumed <= size, valid statuses
// and events, no livelock, nothing after the end, </stream:stream> after a
// stream error and on every close, the output well-formed for expat, output
// after the prefix <= 4 KiB + 64 * input, and the same verdict, events and
// output whole and chunked.
#define XC_SESSION_FUZZ_DRIVER_ONLY
#include "session_receiver.cpp"

namespace {

using namespace xc_session_fuzz;

struct options {
  unsigned milestone = 0;
  se::tls_policy policy = se::tls_policy::require;
  se::tls_offer offer = se::tls_offer::offered;
  bool plain_without_tls = false;
  sasl::mechanism_id mech = sasl::mechanism_id::digest_md5;
  bool all_mechanisms = false, no_resource = false, other_elements = false, tight_limits = false, authzid = false;
  bool no_session = false, tls_fails = false;
  explicit options(const std::uint8_t* d) {
    milestone = d[0] & 7u;
    constexpr se::tls_policy policies[] = {se::tls_policy::require, se::tls_policy::if_offered,
                                           se::tls_policy::never, se::tls_policy::if_offered};
    policy = policies[(d[0] >> 3) & 3u];
    constexpr se::tls_offer offers[] = {se::tls_offer::offered, se::tls_offer::required, se::tls_offer::not_offered,
                                        se::tls_offer::offered};
    offer = offers[(d[0] >> 5) & 3u];
    plain_without_tls = (d[0] & 0x80) != 0;
    constexpr sasl::mechanism_id mechs[] = {sasl::mechanism_id::plain, sasl::mechanism_id::digest_md5,
                                            sasl::mechanism_id::scram_sha1, sasl::mechanism_id::scram_sha256};
    mech = mechs[d[1] & 3u];
    if (milestone >= 6 && (mech == sasl::mechanism_id::scram_sha1 || mech == sasl::mechanism_id::scram_sha256))
      mech = sasl::mechanism_id::digest_md5;
    all_mechanisms = (d[1] & 0x04) != 0;
    no_resource = (d[1] & 0x08) != 0;
    other_elements = (d[1] & 0x10) != 0;
    tight_limits = (d[1] & 0x20) != 0;
    authzid = (d[1] & 0x40) != 0;
    no_session = (d[1] & 0x80) != 0;
    tls_fails = (d[2] & 0x80) != 0;
  }
};

std::optional<run_log> run(const options& o, const std::vector<std::string>& pieces) {
  world w;
  se::c2s_client_config cc = w.client_config();
  if (o.no_resource) cc.resource.clear();
  cc.mechanisms = {o.mech};
  if (o.all_mechanisms)
    for (auto m : {sasl::mechanism_id::scram_sha256, sasl::mechanism_id::scram_sha1, sasl::mechanism_id::digest_md5,
                   sasl::mechanism_id::plain})
      if (m != o.mech) cc.mechanisms.push_back(m);
  cc.tls = o.policy;
  cc.plain_without_tls = o.plain_without_tls;
  cc.deliver_other_elements = o.other_elements;
  if (o.authzid) cc.authzid = std::string(account);
  if (o.tight_limits) {
    cc.limits.max_element_bytes = 2048;
    cc.limits.max_delivered_bytes = 1;
    cc.limits.max_queued_events = 1;
  }
  se::c2s_client client(cc);

  se::c2s_server_config sc = w.server_config();
  sc.tls = o.offer;
  sc.plain_without_tls = o.plain_without_tls;
  sc.authorizer = &w.store;
  sc.offer_session = !o.no_session;
  se::c2s_server server(sc);

  const embedder cenv{}, senv{&w.store, &w.resources, {}};
  run_log log;
  using st = se::c2s_client_state;
  auto reached = [&] {
    const auto s = client.state();
    switch (o.milestone) {
      case 0: return true;
      case 1: return s == st::expecting_features;
      case 2: return s == st::expecting_proceed;
      case 3: return client.tls_active() && s == st::expecting_header && !log.saw_authenticated;
      case 4: return s == st::expecting_sasl_outcome;
      case 5:
        return s == st::expecting_sasl_outcome && log.output.find("<response") != std::string::npos;
      case 6: return log.saw_authenticated && s == st::expecting_header;
      default: return s == st::established;
    }
  };
  if (!run_to(client, server, log, cenv, senv, reached)) return std::nullopt;
  return fuzz_phase(client, std::move(log), cenv, o.tls_fails, pieces);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return size < 3 ? -1 : check_input(data, size, options(data), run);
}
