// xmppcore — the receiving entity of a client-to-server stream (draft §4-§7):
// a server's side of one client connection, as a sans-I/O state machine.
//
// Theory of operation
// -------------------
// The machine answers each stream header of the client with its own header
// and the features that fit the stream's phase, and then acts only on the
// elements the phase expects (draft §5.2, §6.2, §7; RFC 6120 §4.3):
//
//   client                                     c2s_server (state)
//   <stream:stream to='example.com'> ───────▶ expecting_header
//                                   ◀──────── <stream:stream from id version> <stream:features>
//                                             starttls[required], mechanisms, limits
//   <starttls/> ────────────────────────────▶ expecting_negotiation
//                                   ◀──────── <proceed/>   STOP after its '>' (draft §5.1 rule 6):
//                                             event switch_to_tls; bytes after <starttls/>'s '>'
//                                             are handed back, never parsed (CVE-2011-0411)
//   (TLS; embedder calls tls_established)      expecting_header (new stream, no STARTTLS offered,
//                                             §5.1 rule 11)
//   <auth mechanism='…'>…</auth> ───────────▶ expecting_negotiation
//   <response>…</response>  ◀──▶ <challenge>  expecting_sasl_response  (awaiting_embedder when
//                                             the credentials store answers later)
//                                   ◀──────── <success/> (or <failure/>, retries: §6.2 step 2)
//   <stream:stream …> (restart, §6.2) ──────▶ expecting_header
//                                   ◀──────── header + features: bind, session, limits
//   <iq type='set'><bind/></iq> ────────────▶ expecting_bind  (awaiting_embedder for "is this
//                                   ◀──────── result with <jid/>     resource free")
//   stanzas ◀──────────────────────────────▶ established
//
// Gating (draft §4.3, §7, §9.1.2): before authentication any stanza, or any
// element the phase does not expect, is a <not-authorized/> stream error;
// after authentication and before binding only the bind IQ is processed and
// other stanzas get a <not-authorized/> stanza error; after binding 'from' is
// checked or stamped (stanza::check_c2s_from) and IQs that break the IQ rules
// get <bad-request/>. Limits: the parser runs with the pre-authentication
// profile until SASL succeeds, and its per-element byte limit is advertised
// with XEP-0478 (<limits xmlns='urn:xmpp:stream-limits:0'>).
//
// What only the embedder knows comes through small interfaces (credentials,
// authorization, "is this resource free", randomness). Credentials,
// authorization and resource checks may instead be answered later: leave the
// pointer null and the machine emits a request event, stops with status
// `waiting`, and goes on when answer_*() is called. The SASL mechanism is
// copied before each step and the step is replayed with the answers, so the
// mechanisms themselves stay synchronous (a PBKDF2 in PLAIN may then run twice
// when an authorization decision is asked for; the other paths repeat only
// parsing).
//
// No whitespace is ever written between elements (draft §5.1 rule 5, §6.1
// rule 4), and DIGEST-MD5 runs with qop=auth only, so <success/> needs no
// transport switch; the input still stops exactly after each negotiation
// element.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <xmppcore/conditions.hpp>
#include <xmppcore/crypto/hex.hpp>
#include <xmppcore/crypto/random_source.hpp>
#include <xmppcore/jid/jid.hpp>
#include <xmppcore/sasl/digest_md5.hpp>
#include <xmppcore/sasl/external.hpp>
#include <xmppcore/sasl/mechanism.hpp>
#include <xmppcore/sasl/payload.hpp>
#include <xmppcore/sasl/plain.hpp>
#include <xmppcore/sasl/scram.hpp>
#include <xmppcore/session/detail/stream_machine.hpp>
#include <xmppcore/session/event.hpp>
#include <xmppcore/session/negotiation.hpp>
#include <xmppcore/stanza/addressing.hpp>
#include <xmppcore/stanza/binding.hpp>
#include <xmppcore/stanza/delivery.hpp>
#include <xmppcore/stanza/reply.hpp>
#include <xmppcore/stanza/rules.hpp>
#include <xmppcore/stanza/stanza.hpp>
#include <xmppcore/stream/features.hpp>
#include <xmppcore/stream/header.hpp>
#include <xmppcore/xml/limits.hpp>

namespace xmppcore::session {

/// Whether a server offers STARTTLS (draft §5).
enum class tls_offer : std::uint8_t {
  not_offered,  ///< no <starttls/> (a <starttls/> from the client gets <failure/> and the close)
  offered,      ///< offered; SASL mechanisms are offered beside it
  required,     ///< offered with <required/>; nothing else is offered until TLS is up
};

/// May this full JID be bound (draft §7)?
enum class bind_verdict : std::uint8_t {
  accept,       ///< yes
  conflict,     ///< in use, and the server does not allow two such resources: <conflict/> (or see
                ///< resource_conflict)
  not_allowed,  ///< the account may not bind another resource: <not-allowed/>
};

/// What to do when a resource the client asked for is in use (draft §7).
enum class resource_conflict : std::uint8_t {
  refuse,    ///< <conflict/> (the draft's option 2)
  generate,  ///< bind a server-made resource instead (draft §7: the server MAY override)
  replace,   ///< accept; the embedder ends the other session on resource_bound (option 1)
};

/// The embedder's synchronous answer to "may this full JID be bound".
class resource_checker {
 public:
  virtual ~resource_checker() = default;
  virtual bind_verdict check(const jid::jid& full) = 0;
};

/// A resource_checker over the stanza layer's directory of connected resources:
/// a connected resource is a conflict.
class directory_resource_checker final : public resource_checker {
 public:
  explicit directory_resource_checker(const stanza::resource_directory& d) noexcept : d_(d) {}
  bind_verdict check(const jid::jid& full) override {
    return d_.is_connected(full) ? bind_verdict::conflict : bind_verdict::accept;
  }

 private:
  const stanza::resource_directory& d_;
};

inline sasl::scram_server_options scram_in_success() {
  sasl::scram_server_options o;
  o.final_in_success = true;
  return o;
}

/// Configuration of a c2s_server. Pointed-to objects must outlive the machine.
struct c2s_server_config {
  /// The domains served (prepared); the first one answers a header without 'to'
  /// and signs stream errors sent before the host is known (draft §4.7.1).
  std::vector<std::string> hosts;
  tls_offer tls = tls_offer::offered;
  /// Mechanisms offered, in this order.
  std::vector<sasl::mechanism_id> mechanisms{sasl::mechanism_id::scram_sha256, sasl::mechanism_id::scram_sha1,
                                             sasl::mechanism_id::digest_md5, sasl::mechanism_id::plain};
  /// PLAIN sends the password itself: offered only over TLS unless this is set (draft §6.2 step 2).
  bool plain_without_tls = false;
  /// Failed SASL attempts allowed after the first (draft §6.2: at least 2); values below 2 count as 2.
  unsigned sasl_retries = 2;
  /// Randomness for stream ids, nonces, salts, generated resources. Required.
  crypto::random_source* random = nullptr;
  /// Credentials; null: credentials_requested events (answer_credentials()).
  sasl::credential_store* credentials = nullptr;
  /// Authorization decisions for a non-empty authzid; null and ask_authorization
  /// false: every such authzid is refused (<invalid-authzid/>).
  sasl::authorizer* authorizer = nullptr;
  /// With no authorizer: emit authorization_requested (answer_authorization()).
  bool ask_authorization = false;
  /// "May this resource be bound"; null: resource_requested events (answer_resource()).
  resource_checker* resources = nullptr;
  resource_conflict on_conflict = resource_conflict::refuse;
  /// Always bind a server-made resource, whatever the client asks (draft §7 "MAY override").
  bool always_generate_resource = false;
  /// Offer the session element of RFC 3921 §3 and answer its IQ.
  bool offer_session = true;
  /// Parser limits before SASL succeeds and after (the per-element byte limit is advertised).
  xml::limits pre_auth_limits = xml::limits::pre_authentication();
  xml::limits limits = xml::limits::defaults();
  /// XEP-0478 idle-seconds to advertise (the embedder's timer enforces it).
  std::optional<std::uint32_t> idle_seconds;
  /// Answer a header without 'version' (0.0, draft §4.4.1 rule 4) with a
  /// version-less header and no features, instead of <unsupported-version/>.
  /// Such a client can only get <not-authorized/>: legacy authentication is not implemented.
  bool accept_version_0 = false;
  /// xml:lang of our stream header (empty: none).
  std::string lang = "en";
  /// Extra features offered after authentication (written verbatim).
  std::vector<stream::feature_element> extra_features;
  /// Top-level elements that are not stanzas, after binding: deliver them as
  /// element_received (e.g. for extensions) instead of <unsupported-stanza-type/>.
  bool deliver_other_elements = false;
  /// Whether a bare JID is accepted as 'from' (draft §9.1.2 asks for the full JID).
  stanza::c2s_from_options from_check;
  /// Per-mechanism options (digest_md5.hosts defaults to `hosts`).
  sasl::digest_md5_server_options digest_md5;
  /// SCRAM's server signature (v=) goes in <success/> as additional data (draft
  /// §6.2 step 3 allows it; RFC 6120 clients such as libstrophe 0.12 accept
  /// nothing else); false sends it in a last <challenge/>.
  sasl::scram_server_options scram = scram_in_success();
  sasl::plain_server_options plain;
};

/// Where a c2s_server is; named for what it expects next.
enum class c2s_server_state : std::uint8_t {
  expecting_header,         ///< a (new) stream header from the client
  expecting_negotiation,    ///< <starttls/> or <auth/> (features were sent)
  expecting_tls,            ///< <proceed/> sent: the embedder runs TLS and calls tls_established()
  expecting_sasl_response,  ///< <response/> or <abort/> in a SASL exchange
  expecting_bind,           ///< authenticated; the bind IQ
  awaiting_embedder,        ///< a request event waits for answer_*()
  established,              ///< a resource is bound; stanzas flow
  closed,                   ///< the stream ended
};

constexpr std::string_view to_string(c2s_server_state s) noexcept {
  switch (s) {
    case c2s_server_state::expecting_header: return "expecting-header";
    case c2s_server_state::expecting_negotiation: return "expecting-negotiation";
    case c2s_server_state::expecting_tls: return "expecting-tls";
    case c2s_server_state::expecting_sasl_response: return "expecting-sasl-response";
    case c2s_server_state::expecting_bind: return "expecting-bind";
    case c2s_server_state::awaiting_embedder: return "awaiting-embedder";
    case c2s_server_state::established: return "established";
    case c2s_server_state::closed: return "closed";
  }
  return "unknown";
}

namespace detail {

/// The credentials store and authorizer the mechanisms see when the embedder
/// answers asynchronously: known answers are served, the first unknown
/// lookup is recorded and fails (the step is then discarded and replayed).
class deferred_store final : public sasl::credential_store, public sasl::authorizer {
 public:
  struct request {
    credential_kind kind = credential_kind::password;
    bool authorization = false;
    std::string username, realm, authzid;
  };

  sasl::lookup_result<std::string> password(std::string_view user, std::string_view realm) override {
    return string_answer(credential_kind::password, user, realm);
  }
  sasl::lookup_result<std::string> digest_md5_secret(std::string_view user, std::string_view realm) override {
    return string_answer(credential_kind::digest_md5_secret, user, realm);
  }
  sasl::lookup_result<sasl::scram_credentials> scram(sasl::scram_hash h, std::string_view user) override {
    const auto k = h == sasl::scram_hash::sha1 ? credential_kind::scram_sha1 : credential_kind::scram_sha256;
    for (const auto& a : scram_)
      if (a.kind == k && a.username == user) return a.value;
    miss(k, user, {});
    return unexpected{sasl_condition::temporary_auth_failure};
  }
  bool authorize(std::string_view authcid, std::string_view authzid) override {
    for (const auto& a : authz_)
      if (a.username == authcid && a.authzid == authzid) return a.allowed;
    if (!missing_) {
      missing_ = request{credential_kind::password, true, std::string(authcid), {}, std::string(authzid)};
    }
    return false;
  }

  const std::optional<request>& missing() const noexcept { return missing_; }
  void clear_missing() noexcept { missing_.reset(); }
  /// Forgets every answer and gives their memory back (an authenticated
  /// stream keeps none of it).
  void reset() noexcept {
    missing_.reset();
    std::vector<string_entry>().swap(strings_);
    std::vector<scram_entry>().swap(scram_);
    std::vector<authz_entry>().swap(authz_);
  }
  bool answer(sasl::lookup_result<std::string> v) {
    if (!missing_ || missing_->authorization || missing_->kind == credential_kind::scram_sha1 ||
        missing_->kind == credential_kind::scram_sha256)
      return false;
    strings_.push_back({missing_->kind, missing_->username, missing_->realm, std::move(v)});
    missing_.reset();
    return true;
  }
  bool answer(sasl::lookup_result<sasl::scram_credentials> v) {
    if (!missing_ || missing_->authorization ||
        (missing_->kind != credential_kind::scram_sha1 && missing_->kind != credential_kind::scram_sha256))
      return false;
    scram_.push_back({missing_->kind, missing_->username, std::move(v)});
    missing_.reset();
    return true;
  }
  bool answer_authorization(bool allowed) {
    if (!missing_ || !missing_->authorization) return false;
    authz_.push_back({missing_->username, missing_->authzid, allowed});
    missing_.reset();
    return true;
  }

 private:
  struct string_entry {
    credential_kind kind;
    std::string username, realm;
    sasl::lookup_result<std::string> value;
  };
  struct scram_entry {
    credential_kind kind;
    std::string username;
    sasl::lookup_result<sasl::scram_credentials> value;
  };
  struct authz_entry {
    std::string username, authzid;
    bool allowed;
  };

  sasl::lookup_result<std::string> string_answer(credential_kind k, std::string_view user, std::string_view realm) {
    for (const auto& a : strings_)
      if (a.kind == k && a.username == user && a.realm == realm) return a.value;
    miss(k, user, realm);
    return unexpected{sasl_condition::temporary_auth_failure};
  }
  void miss(credential_kind k, std::string_view user, std::string_view realm) {
    if (!missing_) missing_ = request{k, false, std::string(user), std::string(realm), {}};
  }

  std::optional<request> missing_;
  std::vector<string_entry> strings_;
  std::vector<scram_entry> scram_;
  std::vector<authz_entry> authz_;
};

using server_mechanism_variant = std::variant<sasl::plain_server, sasl::digest_md5_server, sasl::scram_sha1_server,
                                              sasl::scram_sha256_server, sasl::external_server>;

}  // namespace detail

/// The receiving entity of a c2s stream. See the file comment.
class c2s_server final : public detail::stream_machine {
 public:
  explicit c2s_server(c2s_server_config cfg) : stream_machine(parser_options_for(cfg)), cfg_(std::move(cfg)) {
    if (cfg_.sasl_retries < 2) cfg_.sasl_retries = 2;  // draft §6.2 step 2: at least 2
    if (cfg_.digest_md5.hosts.empty()) cfg_.digest_md5.hosts = cfg_.hosts;
  }

  c2s_server_state state() const noexcept { return ended() ? c2s_server_state::closed : state_; }

  /// The TLS handshake after <proceed/> succeeded. `peer_identity`: the
  /// identity the client's certificate proves (a bare JID), if any; it enables
  /// SASL EXTERNAL (draft §6.2 step 2). The stream restarts: the client's new
  /// header is expected, everything learned before is forgotten (§5.1 rule 9).
  bool tls_established(std::string_view peer_identity = {}) {
    if (ended() || state_ != c2s_server_state::expecting_tls) return false;
    tls_switched();
    external_identity_.assign(peer_identity);
    restart_stream();
    return true;
  }
  /// The TLS handshake failed: the stream ends with no further XML (draft §5.2 step 7).
  bool tls_failed() {
    if (ended() || state_ != c2s_server_state::expecting_tls) return false;
    tls_handshake_failed();
    return true;
  }

  /// Answers a credentials_requested event for a password or a DIGEST-MD5 secret
  /// (nullopt: no such user; a condition: the store failed).
  bool answer_credentials(sasl::lookup_result<std::string> v) {
    if (ended() || state_ != c2s_server_state::awaiting_embedder || !store_.answer(std::move(v))) return false;
    resume_sasl();
    return true;
  }
  /// Answers a credentials_requested event for SCRAM stored keys.
  bool answer_credentials(sasl::lookup_result<sasl::scram_credentials> v) {
    if (ended() || state_ != c2s_server_state::awaiting_embedder || !store_.answer(std::move(v))) return false;
    resume_sasl();
    return true;
  }
  /// Answers an authorization_requested event.
  bool answer_authorization(bool allowed) {
    if (ended() || state_ != c2s_server_state::awaiting_embedder || !store_.answer_authorization(allowed)) return false;
    resume_sasl();
    return true;
  }
  /// Answers a resource_requested event.
  bool answer_resource(bind_verdict v) {
    if (ended() || state_ != c2s_server_state::awaiting_embedder || !pending_bind_) return false;
    stop_ = stop::none;
    state_ = c2s_server_state::expecting_bind;
    decide_bind(v);
    pump();
    return true;
  }

  /// Sends a stanza to the client (established only). The element is written
  /// as it is (from a parser of ours, or built with xml::writer and parsed).
  bool send(const xml::element& stanza) {
    if (ended() || local_closed_ || state_ != c2s_server_state::established) return false;
    xml::writer w(ns::client);
    w.write(stanza);
    if (!w.ok()) return false;
    write(w.buffer());
    return true;
  }
  /// Sends bytes the embedder vouches for: exactly one well-formed top-level
  /// element in jabber:client (e.g. the output of xml::writer or stanza/reply.hpp).
  bool send_serialized(std::string_view element_xml) {
    if (ended() || local_closed_ || state_ != c2s_server_state::established) return false;
    write(element_xml);
    return true;
  }
  /// Sends a stream error of our own (e.g. <system-shutdown/>, <conflict/> when
  /// a newer session replaced this one) and ends the stream (draft §4.7.1).
  void send_stream_error(const stream::stream_error& e) {
    if (ended()) return;
    write_own_header_for_error();
    write(stream::write_error(e));
    if (!local_closed_) write("</stream:stream>");
    end(end_reason::stream_error_sent, e.condition, "stream error sent by the embedder", parser_.offset());
  }

  /// The host this stream is for, once the first header was answered.
  std::string_view host() const noexcept { return host_; }
  /// The authenticated bare JID, once authenticated; the bound full JID once bound.
  const std::optional<jid::jid>& account() const noexcept { return account_; }
  const std::optional<jid::jid>& bound() const noexcept { return bound_; }
  /// Failed SASL attempts so far.
  unsigned sasl_failures() const noexcept { return failures_; }

 private:
  static xml::parser_options parser_options_for(const c2s_server_config& cfg) {
    xml::parser_options po;
    po.limits = cfg.pre_auth_limits;
    po.content_namespaces = {std::string(ns::client)};  // draft §11.2.2: c2s is jabber:client
    return po;
  }

  bool wants_pause() const noexcept override { return state_ != c2s_server_state::established; }

  void write_own_header_for_error() override {
    if (header_sent_) return;
    // draft §4.7.1: an error during set-up still opens the stream first; 'from' is
    // our own host (the default one when 'to' was missing or not ours).
    stream::header h;
    h.content_namespace = std::string(ns::client);
    h.from = host_.empty() ? (cfg_.hosts.empty() ? std::string() : cfg_.hosts.front()) : host_;
    if (cfg_.random) h.id = stream::make_stream_id(*cfg_.random);
    h.version = stream::supported_version;
    write(stream::write_header(h));
    header_sent_ = true;
  }

  // ------------------------------------------------------------ header --
  void on_header(const stream::header& h) override {
    if (state_ != c2s_server_state::expecting_header) {
      fail_here(stream_condition::xml_not_well_formed, "unexpected stream header");
      return;
    }
    if (!cfg_.random) {
      fail_here(stream_condition::internal_server_error, "server misconfigured: no random source");
      return;
    }
    // Which host (draft §4.4 'to'): ours, compared in prepared form; none given
    // means the default host (RFC 6120 §4.7.1 leaves that to the server).
    std::string host;
    if (h.to.empty()) {
      if (cfg_.hosts.empty()) return fail_here(stream_condition::host_unknown, "no 'to' and no default host");
      host = cfg_.hosts.front();
    } else {
      auto d = jid::jid::parse(h.to, prep_);
      if (!d || d->has_node() || d->has_resource())
        return fail_here(stream_condition::host_unknown, "'to' is not a domain we serve");
      for (const auto& x : cfg_.hosts)
        if (x == d->domain()) host = x;
      if (host.empty()) return fail_here(stream_condition::host_unknown, "'to' is not a domain we serve");
    }
    if (!host_.empty() && host != host_) {
      host_ = std::move(host);
      return fail_here(stream_condition::host_unknown, "a restarted stream must be to the same host");
    }
    host_ = std::move(host);

    // Version (draft §4.4.1): answer min(offered, ours); none means 0.0.
    const auto v = stream::answer_version(h.version);
    const bool modern = v && v->major >= 1;
    stream::header mine;
    mine.content_namespace = std::string(ns::client);
    mine.from = host_;
    stream_id_ = stream::make_stream_id(*cfg_.random);
    mine.id = stream_id_;
    mine.lang = cfg_.lang;
    if (modern) mine.version = *v;
    else if (v) mine.version = *v;
    if (!modern && !cfg_.accept_version_0) {
      mine.version = stream::supported_version;
      write(stream::write_header(mine));
      header_sent_ = true;
      push(event_kind::stream_opened);
      return fail_here(stream_condition::unsupported_version, "version 1.0 or later is required");
    }
    write(stream::write_header(mine));
    header_sent_ = true;
    push(event_kind::stream_opened);
    if (!modern) {  // rule 4: no features for a pre-1.0 stream
      state_ = authenticated_ ? c2s_server_state::expecting_bind : c2s_server_state::expecting_negotiation;
      return;
    }
    write(stream::write_features(current_features()));
    state_ = authenticated_ ? c2s_server_state::expecting_bind : c2s_server_state::expecting_negotiation;
  }

  bool tls_blocks_sasl() const noexcept { return cfg_.tls == tls_offer::required && !tls_done_; }

  bool mechanism_offered(sasl::mechanism_id m) const noexcept {
    if (tls_blocks_sasl()) return false;
    bool listed = false;
    for (auto x : cfg_.mechanisms) listed |= x == m;
    if (!listed && m != sasl::mechanism_id::external) return false;
    switch (m) {
      case sasl::mechanism_id::plain: return tls_done_ || cfg_.plain_without_tls;  // draft §6.2 step 2
      case sasl::mechanism_id::external: return tls_done_ && !external_identity_.empty();  // §6.2 step 2
      default: return true;
    }
  }

  stream::features current_features() const {
    stream::features f;
    if (!authenticated_) {
      if (!tls_done_ && cfg_.tls != tls_offer::not_offered) {
        f.starttls = true;  // never again after TLS (draft §5.1 rule 11)
        f.starttls_required = cfg_.tls == tls_offer::required;
      }
      if (!tls_blocks_sasl()) {
        // In the configured order; EXTERNAL, offered whenever the certificate
        // proved an identity, goes first when the list does not name it.
        std::vector<std::string> names;
        bool listed = false;
        for (auto m : cfg_.mechanisms) listed |= m == sasl::mechanism_id::external;
        if (!listed && mechanism_offered(sasl::mechanism_id::external))
          names.emplace_back(sasl::mechanism_name::external);
        for (auto m : cfg_.mechanisms)
          if (mechanism_offered(m)) names.emplace_back(sasl::to_string(m));
        f.mechanisms = std::move(names);
      }
      f.limits = stream::stream_limits{cfg_.pre_auth_limits.max_element_bytes, cfg_.idle_seconds};
    } else {
      f.bind = true;  // draft §7: only after SASL
      f.session = cfg_.offer_session;
      f.limits = stream::stream_limits{cfg_.limits.max_element_bytes, cfg_.idle_seconds};
      f.other = cfg_.extra_features;
    }
    return f;
  }

  // ---------------------------------------------------------- elements --
  void on_element(const xml::element& e) override {
    switch (state_) {
      case c2s_server_state::expecting_negotiation: return on_negotiation(e);
      case c2s_server_state::expecting_sasl_response: return on_sasl_response(e);
      case c2s_server_state::expecting_bind:
      case c2s_server_state::established: return on_stanza_phase(e);
      default: return fail_here(stream_condition::not_authorized, "element not expected now");
    }
  }

  void on_negotiation(const xml::element& e) {
    if (e.is(ns::xmpp_tls, "starttls")) {  // draft §5.2 step 5 (or <failure/> and the close)
      if (answer_starttls(!tls_done_ && cfg_.tls != tls_offer::not_offered)) state_ = c2s_server_state::expecting_tls;
      return;
    }
    if (e.is(ns::xmpp_sasl, "auth")) {
      if (tls_blocks_sasl()) return fail_here(stream_condition::policy_violation, "STARTTLS is required first");
      const auto name = e.attr("mechanism").value_or(std::string_view{});
      const auto id = sasl::parse_mechanism_name(name);
      if (!id || !mechanism_offered(*id)) return sasl_failure(sasl_condition::invalid_mechanism);  // draft §6.4
      auto data = sasl::decode_payload(e.text_view());
      if (!data) return sasl_failure(data.error());
      start_mechanism(*id);
      payload_ = std::move(*data);
      run_step();
      return;
    }
    if (e.is(ns::xmpp_sasl, "abort")) return sasl_failure(sasl_condition::aborted);
    // draft §4.3 / §9.1.2: nothing else before authentication.
    fail_here(stream_condition::not_authorized, "not authenticated");
  }

  void on_sasl_response(const xml::element& e) {
    if (e.is(ns::xmpp_sasl, "response")) {
      auto data = sasl::decode_payload(e.text_view());
      if (!data) return sasl_failure(data.error());
      // An empty <response/> is a response with no data (RFC 4422 §5).
      payload_ = data->has_value() ? std::move(*data) : std::optional<std::string>(std::string());
      run_step();
      return;
    }
    if (e.is(ns::xmpp_sasl, "abort")) return sasl_failure(sasl_condition::aborted);  // draft §6.2
    fail_here(stream_condition::not_authorized, "element not expected during SASL");
  }

  void start_mechanism(sasl::mechanism_id id) {
    sasl::server_context ctx;
    ctx.random = cfg_.random;
    ctx.credentials = cfg_.credentials ? cfg_.credentials : &store_;
    ctx.authz = cfg_.authorizer ? cfg_.authorizer : (cfg_.ask_authorization ? &store_ : nullptr);
    store_.reset();
    mech_id_ = id;
    switch (id) {
      case sasl::mechanism_id::plain: mech_ = std::make_unique<detail::server_mechanism_variant>(
                                          std::in_place_type<sasl::plain_server>, cfg_.plain, ctx); break;
      case sasl::mechanism_id::digest_md5: mech_ = std::make_unique<detail::server_mechanism_variant>(
                                               std::in_place_type<sasl::digest_md5_server>, cfg_.digest_md5, ctx); break;
      case sasl::mechanism_id::scram_sha1: mech_ = std::make_unique<detail::server_mechanism_variant>(
                                               std::in_place_type<sasl::scram_sha1_server>, cfg_.scram, ctx); break;
      case sasl::mechanism_id::scram_sha256: mech_ = std::make_unique<detail::server_mechanism_variant>(
                                                 std::in_place_type<sasl::scram_sha256_server>, cfg_.scram, ctx); break;
      case sasl::mechanism_id::external: mech_ = std::make_unique<detail::server_mechanism_variant>(
                                             std::in_place_type<sasl::external_server>, external_identity_, ctx.authz); break;
    }
  }

  sasl::server_mechanism& mech() {
    return std::visit([](auto& m) -> sasl::server_mechanism& { return m; }, *mech_);
  }

  bool deferred() const noexcept { return !cfg_.credentials || (!cfg_.authorizer && cfg_.ask_authorization); }

  /// One SASL step over payload_, replayed later if the embedder must answer first.
  void run_step() {
    std::optional<detail::server_mechanism_variant> snapshot;
    if (deferred()) snapshot.emplace(*mech_);
    sasl::server_step s = mech().step(payload_ ? std::optional<std::string_view>(*payload_) : std::nullopt);
    if (snapshot && store_.missing()) {
      *mech_ = std::move(*snapshot);  // the step never happened: replay it with the answer
      const auto& rq = *store_.missing();
      state_ = c2s_server_state::awaiting_embedder;
      stop_ = stop::waiting;
      event& ev = push(rq.authorization ? event_kind::authorization_requested : event_kind::credentials_requested);
      ev.mechanism = sasl::to_string(mech_id_);
      ev.username = rq.username;
      ev.realm = rq.realm;
      ev.identity = rq.authzid;
      ev.credential = rq.kind;
      return;
    }
    apply_step(std::move(s));
  }

  void resume_sasl() {
    stop_ = stop::none;
    state_ = c2s_server_state::expecting_sasl_response;
    run_step();
    pump();
  }

  void apply_step(sasl::server_step s) {
    if (s.is_challenge()) {
      write(negotiation::sasl_element("challenge", std::optional<std::string_view>(s.data)));
      state_ = c2s_server_state::expecting_sasl_response;
      return;
    }
    if (s.is_failure()) return sasl_failure(s.condition);
    // Success: who is this? (draft §6.1 rule 6-7; §7 binds below this bare JID)
    auto& m = mech();
    std::optional<jid::jid> who;
    if (!m.authzid().empty()) {
      auto j = jid::jid::parse(m.authzid(), prep_);
      if (!j || !j->has_node() || j->has_resource() || j->domain() != host_)
        return sasl_failure(sasl_condition::invalid_authzid);
      who = std::move(*j);
    } else if (mech_id_ == sasl::mechanism_id::external) {
      auto j = jid::jid::parse(m.authcid(), prep_);
      if (!j || !j->has_node() || j->has_resource() || j->domain() != host_)
        return sasl_failure(sasl_condition::not_authorized);
      who = std::move(*j);
    } else {
      auto j = jid::jid::from_parts(std::string_view(m.authcid()), host_, std::nullopt, prep_);
      if (!j) return sasl_failure(sasl_condition::not_authorized);
      who = std::move(*j);
    }
    write(negotiation::sasl_element("success", s.has_data ? std::optional<std::string_view>(s.data) : std::nullopt));
    account_ = std::move(who);
    username_ = m.authcid();
    authenticated_ = true;
    event& ev = push(event_kind::authenticated);
    ev.mechanism = sasl::to_string(mech_id_);
    ev.username = username_;
    ev.identity = account_->full();
    mech_.reset();
    store_.reset();
    payload_.reset();
    // draft §6.2 step 3: the stream restarts after <success/>; the parser
    // stopped right after the client's last element, so nothing of the new
    // stream has been read under the old one.
    parser_.set_limits(cfg_.limits);
    restart_stream();
  }

  void sasl_failure(sasl_condition c) {
    write(negotiation::sasl_failure(c));
    ++failures_;
    mech_.reset();
    store_.reset();
    payload_.reset();
    push(event_kind::sasl_failed).condition = c;
    state_ = c2s_server_state::expecting_negotiation;
    // draft §6.2 step 2: a configurable number of retries, then the connection ends.
    if (failures_ > cfg_.sasl_retries) give_up(end_reason::authentication_failed, "too many failed SASL attempts");
  }

  void restart_stream() {
    parser_.restart();
    header_sent_ = false;
    peer_header_.reset();
    state_ = c2s_server_state::expecting_header;
  }

  // ------------------------------------------------------- stanza phase --
  void on_stanza_phase(const xml::element& e) {
    auto sv = stanza::stanza_view::from(e);
    if (!sv || sv->content_namespace() != ns::client) {
      if (e.is(ns::xmpp_sasl, "auth") || e.is(ns::xmpp_tls, "starttls"))
        return fail_here(stream_condition::unsupported_stanza_type, "negotiation is over");
      if (state_ == c2s_server_state::established && cfg_.deliver_other_elements)
        return push_element(event_kind::element_received, e);
      return fail_here(stream_condition::unsupported_stanza_type, "not a stanza");
    }
    const stanza::stanza_view& s = *sv;
    if (state_ == c2s_server_state::expecting_bind) {
      if (!stanza::is_bind_iq(s)) {
        // draft §7 last paragraph: not processed; <not-authorized/> stanza error.
        if (auto r = stanza::make_prebinding_error(s, reply_opts())) write(r->xml);
        return;
      }
      return on_bind(s);
    }
    // established
    if (stanza::is_bind_iq(s)) {  // one resource per stream
      if (auto r = stanza::make_bind_error(s, stanza::bind_failure::not_allowed, reply_opts())) write(r->xml);
      return;
    }
    if (s.kind() == stanza::stanza_kind::iq && s.element().child(ns::xmpp_session, "session") &&
        s.iq_type() == stanza::iq_type_t::set && cfg_.offer_session) {
      if (auto r = stanza::make_iq_result(s, std::nullopt, reply_opts())) write(r->xml);  // RFC 3921 §3
      return;
    }
    auto from = stanza::check_c2s_from(s, *bound_, prep_, cfg_.from_check);  // draft §9.1.2
    if (!from) return fail_here(from.error().condition, from.error().reason);
    if (auto ok = stanza::check(s); !ok) {  // draft §9.2.3
      if (auto r = stanza::make_error_reply(s, stanza::stanza_error::of(stanza_condition::bad_request), reply_opts()))
        write(r->xml);
      return;
    }
    push_element(event_kind::stanza_received, e);
    // The sender: 'from' was this JID or absent (then the router stamps it,
    // e.g. with stanza::stamp_from; draft §9.1.2 option 2).
    events_.back().identity = bound_->full();
  }

  stanza::reply_options reply_opts() {
    stanza::reply_options o;
    o.prep = &prep_;
    // No reply_checker kept: replies are rare (bind, session, errors), and a
    // kept one would hold a second parser for the life of every stream.
    return o;
  }

  void on_bind(const stanza::stanza_view& s) {
    auto req = stanza::parse_bind_request(s);
    if (!req) {
      if (auto r = stanza::make_bind_error(s, stanza::bind_failure::bad_resource, reply_opts())) write(r->xml);
      return;
    }
    pending_bind_ = s.element();
    generated_tries_ = 0;
    if (!req->resource || cfg_.always_generate_resource) return try_generated();
    auto full = stanza::bind_jid(*account_, *req->resource, prep_);  // Resourceprep, draft App. B
    if (!full) return bind_error(stanza::bind_failure::bad_resource);
    check_resource(std::move(*full));
  }

  void try_generated() {
    // draft §7: a server-made resource, unique for the account: 64 random bits.
    std::array<std::byte, 8> r{};
    cfg_.random->fill(r);
    auto full = stanza::bind_jid(*account_, crypto::to_hex(std::span<const std::byte>(r)), prep_);
    generating_ = true;
    ++generated_tries_;
    if (!full) return bind_error(stanza::bind_failure::not_allowed);
    check_resource(std::move(*full));
  }

  void check_resource(jid::jid full) {
    candidate_ = std::move(full);
    if (cfg_.resources) return decide_bind(cfg_.resources->check(*candidate_));
    state_ = c2s_server_state::awaiting_embedder;
    stop_ = stop::waiting;
    push(event_kind::resource_requested).identity = candidate_->full();
  }

  void decide_bind(bind_verdict v) {
    if (v == bind_verdict::conflict) {
      if (generating_ && generated_tries_ < 4) return try_generated();
      if (!generating_ && cfg_.on_conflict == resource_conflict::generate) return try_generated();
      if (cfg_.on_conflict != resource_conflict::replace || generating_)
        return bind_error(stanza::bind_failure::conflict);
    }
    if (v == bind_verdict::not_allowed) return bind_error(stanza::bind_failure::not_allowed);
    auto sv = stanza::stanza_view::from(*pending_bind_);
    if (auto r = stanza::make_bind_result(*sv, *candidate_, reply_opts())) write(r->xml);
    bound_ = std::move(candidate_);
    candidate_.reset();
    pending_bind_.reset();
    generating_ = false;
    state_ = c2s_server_state::established;
    push(event_kind::resource_bound).identity = bound_->full();
    push(event_kind::ready).identity = bound_->full();
  }

  void bind_error(stanza::bind_failure f) {
    auto sv = stanza::stanza_view::from(*pending_bind_);
    if (auto r = stanza::make_bind_error(*sv, f, reply_opts())) write(r->xml);
    pending_bind_.reset();
    candidate_.reset();
    generating_ = false;
    state_ = c2s_server_state::expecting_bind;
  }

  c2s_server_config cfg_;
  c2s_server_state state_ = c2s_server_state::expecting_header;
  jid::preparer prep_;
  detail::deferred_store store_;
  std::unique_ptr<detail::server_mechanism_variant> mech_;
  sasl::mechanism_id mech_id_ = sasl::mechanism_id::plain;
  std::optional<std::string> payload_;
  std::string host_, external_identity_, username_;
  std::optional<jid::jid> account_, bound_, candidate_;
  std::optional<xml::element> pending_bind_;
  unsigned failures_ = 0;
  unsigned generated_tries_ = 0;
  bool generating_ = false;
  bool authenticated_ = false;
};

}  // namespace xmppcore::session
