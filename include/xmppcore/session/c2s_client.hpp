// xmppcore — the initiating entity of a client-to-server stream (draft §4-§7):
// a client's connection, as a sans-I/O state machine.
//
// Theory of operation
// -------------------
//   c2s_client (state)                                server
//   (made) writes <stream:stream to version='1.0'>  ───▶
//   expecting_header        ◀─── <stream:stream from id version>
//   expecting_features      ◀─── <stream:features>
//     TLS not up, <starttls/> offered and allowed: <starttls/> ───▶
//   expecting_proceed       ◀─── <proceed/>   STOP after its '>' (draft §5.1 rule 6): event
//                                switch_to_tls; the bytes after it are TLS, never parsed here
//   (TLS; tls_established())     writes a new header (§5.2 step 7); expecting_header
//     authenticated? no: the strongest mechanism both sides have: <auth/> ───▶
//   expecting_sasl_outcome  ◀──▶ <challenge/> / <response/>  …  ◀─── <success/> | <failure/>
//     <success/>: the server's proof is checked (SCRAM v=, DIGEST-MD5 rspauth),
//     then a new header (draft §6.2 step 3); expecting_header
//     authenticated: <iq type='set'><bind>[<resource/>]</bind></iq> ───▶
//   expecting_bind_result   ◀─── result with <jid/>; then <session/> if offered
//   expecting_session_result ◀── result
//   established             ◀──▶ stanzas; `ready` reported with the full JID
//
// Security policy (draft §5.1, §6.1, §14): with tls_policy::require the
// machine never goes on over a stream whose features lack <starttls/> (a
// man in the middle who strips it gets nothing: not even a mechanism choice),
// and PLAIN is never chosen without TLS unless allowed. A <success/> without
// a valid server proof ends the stream (mutual authentication failed).
//
// Mechanisms are chosen by the client's preference among those offered
// (default: SCRAM-SHA-256, SCRAM-SHA-1, DIGEST-MD5, PLAIN). Stanzas sent after
// `ready` are checked against the server's XEP-0478 <max-bytes/> so that a
// too-large stanza is refused here, with a clear error, instead of getting the
// stream closed by the server.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <xmppcore/conditions.hpp>
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
#include <xmppcore/stanza/stanza.hpp>
#include <xmppcore/stream/features.hpp>
#include <xmppcore/stream/header.hpp>
#include <xmppcore/xml/writer.hpp>

namespace xmppcore::session {

/// When a client uses TLS (draft §5).
enum class tls_policy : std::uint8_t {
  require,     ///< STARTTLS or nothing: a stream without <starttls/> is abandoned
  if_offered,  ///< STARTTLS when the server offers it
  never,       ///< never (a server that requires TLS is abandoned)
};

/// Configuration of a c2s_client.
struct c2s_client_config {
  std::string domain;    ///< the server's domain ('to'; digest-uri host)
  std::string username;  ///< the account's node (the SASL "simple username", draft §6.1 rule 6)
  std::string password;
  std::string authzid;   ///< empty: act as the account itself (draft §6.1 rule 7)
  /// Mechanisms in order of preference; the first one the server offers is used.
  std::vector<sasl::mechanism_id> mechanisms{sasl::mechanism_id::scram_sha256, sasl::mechanism_id::scram_sha1,
                                             sasl::mechanism_id::digest_md5, sasl::mechanism_id::plain};
  tls_policy tls = tls_policy::require;
  /// Allow PLAIN (the password itself) without TLS.
  bool plain_without_tls = false;
  /// The resource to ask for; empty: let the server make one (draft §7).
  std::string resource;
  /// Randomness for nonces (DIGEST-MD5, SCRAM). Required.
  crypto::random_source* random = nullptr;
  /// xml:lang of our stream header (empty: none).
  std::string lang = "en";
  /// Limits for what the server sends (the server is trusted no more than a client).
  xml::limits limits = xml::limits::defaults();
  /// Top-level elements that are not stanzas, once ready: deliver them as
  /// element_received instead of ending with <unsupported-stanza-type/>.
  bool deliver_other_elements = false;
};

/// Where a c2s_client is; named for what it expects next.
enum class c2s_client_state : std::uint8_t {
  expecting_header,
  expecting_features,
  expecting_proceed,
  expecting_tls,  ///< switch_to_tls was reported; waiting for tls_established()
  expecting_sasl_outcome,
  expecting_bind_result,
  expecting_session_result,
  established,
  closed,
};

constexpr std::string_view to_string(c2s_client_state s) noexcept {
  switch (s) {
    case c2s_client_state::expecting_header: return "expecting-header";
    case c2s_client_state::expecting_features: return "expecting-features";
    case c2s_client_state::expecting_proceed: return "expecting-proceed";
    case c2s_client_state::expecting_tls: return "expecting-tls";
    case c2s_client_state::expecting_sasl_outcome: return "expecting-sasl-outcome";
    case c2s_client_state::expecting_bind_result: return "expecting-bind-result";
    case c2s_client_state::expecting_session_result: return "expecting-session-result";
    case c2s_client_state::established: return "established";
    case c2s_client_state::closed: return "closed";
  }
  return "unknown";
}

/// Why send() refused a stanza.
enum class send_error : std::uint8_t {
  not_ready,   ///< the session is not established (or is closing)
  too_large,   ///< larger than the server's XEP-0478 <max-bytes/>
  unwritable,  ///< the element cannot be written as XML
};

constexpr std::string_view to_string(send_error e) noexcept {
  switch (e) {
    case send_error::not_ready: return "not-ready";
    case send_error::too_large: return "too-large";
    case send_error::unwritable: return "unwritable";
  }
  return "unknown";
}

/// The initiating entity of a c2s stream. See the file comment.
class c2s_client final : public detail::stream_machine {
 public:
  /// Writes the initial stream header at once (pending_output()).
  explicit c2s_client(c2s_client_config cfg) : stream_machine(parser_options_for(cfg)), cfg_(std::move(cfg)) {
    open_stream();
  }

  c2s_client_state state() const noexcept { return ended() ? c2s_client_state::closed : state_; }

  /// The TLS handshake after <proceed/> succeeded (the embedder checked the
  /// server's certificate against the configured domain, draft §5.1 rules 7-8):
  /// a new stream is opened and what was learned before is forgotten (rule 10).
  bool tls_established() {
    if (ended() || state_ != c2s_client_state::expecting_tls) return false;
    tls_switched();
    features_.reset();
    parser_.restart();
    open_stream();
    return true;
  }
  /// The TLS handshake failed: the stream ends (draft §5.2 step 7).
  bool tls_failed() {
    if (ended() || state_ != c2s_client_state::expecting_tls) return false;
    tls_handshake_failed();
    return true;
  }

  /// Sends a stanza (once ready). Refused, with nothing written, when not
  /// ready, when it cannot be written, or when it is larger than the
  /// server's advertised <max-bytes/> (XEP-0478).
  result<void, send_error> send(const xml::element& stanza) {
    if (ended() || local_closed_ || state_ != c2s_client_state::established) return unexpected{send_error::not_ready};
    xml::writer w(ns::client);
    w.write(stanza);
    if (!w.ok()) return unexpected{send_error::unwritable};
    return send_serialized(w.buffer());
  }
  /// Sends one top-level element the embedder vouches for (e.g. xml::writer's output).
  result<void, send_error> send_serialized(std::string_view element_xml) {
    if (ended() || local_closed_ || state_ != c2s_client_state::established) return unexpected{send_error::not_ready};
    if (max_bytes_ && element_xml.size() > *max_bytes_) return unexpected{send_error::too_large};
    write(element_xml);
    return {};
  }

  /// The server's latest features (reset by each restart), once received.
  const stream::features* peer_features() const noexcept { return features_ ? &*features_ : nullptr; }
  /// The full JID bound to the stream, once ready.
  const std::optional<jid::jid>& bound() const noexcept { return bound_; }
  /// The mechanism used, once chosen.
  std::string_view mechanism() const noexcept { return mech_name_; }
  /// The server's XEP-0478 per-stanza byte limit, if it advertised one.
  std::optional<std::uint64_t> max_stanza_bytes() const noexcept { return max_bytes_; }

 private:
  static constexpr std::string_view bind_id = "bind_1";
  static constexpr std::string_view session_id = "sess_1";

  static xml::parser_options parser_options_for(const c2s_client_config& cfg) {
    xml::parser_options po;
    po.limits = cfg.limits;
    po.content_namespaces = {std::string(ns::client)};
    return po;
  }

  void open_stream() {
    stream::header h;
    h.content_namespace = std::string(ns::client);
    h.to = cfg_.domain;
    h.lang = cfg_.lang;
    h.version = stream::supported_version;  // draft §4.4.1 rule 1, §5.1 rule 1
    write(stream::write_header(h));
    header_sent_ = true;
    state_ = c2s_client_state::expecting_header;
  }

  bool wants_pause() const noexcept override { return state_ != c2s_client_state::established; }
  void write_own_header_for_error() override {}  // the client's header is always written first

  void on_header(const stream::header& h) override {
    if (state_ != c2s_client_state::expecting_header)
      return fail_here(stream_condition::xml_not_well_formed, "unexpected stream header");
    // draft §4.4.1 rule 3: a server below 1.0 cannot negotiate TLS, SASL or binding.
    if (!h.version || h.version->major < 1)
      return fail_here(stream_condition::unsupported_version, "the server does not support version 1.0");
    stream_id_ = h.id;
    state_ = c2s_client_state::expecting_features;
    push(event_kind::stream_opened);
  }

  void on_element(const xml::element& e) override {
    switch (state_) {
      case c2s_client_state::expecting_features: return on_features(e);
      case c2s_client_state::expecting_proceed: return on_proceed(e);
      case c2s_client_state::expecting_sasl_outcome: return on_sasl(e);
      case c2s_client_state::expecting_bind_result:
      case c2s_client_state::expecting_session_result: return on_iq_result(e);
      case c2s_client_state::established: return on_stanza(e);
      default: return fail_here(stream_condition::unsupported_stanza_type, "element not expected now");
    }
  }

  void on_features(const xml::element& e) {
    if (!e.is(ns::streams, "features"))
      return fail_here(stream_condition::unsupported_stanza_type, "expected <stream:features/>");
    auto f = stream::parse_features(e);
    if (!f) return fail_here(f.error().condition, f.error().reason);
    features_ = std::move(*f);
    if (features_->limits && features_->limits->max_bytes) max_bytes_ = features_->limits->max_bytes;
    push(event_kind::features_received);
    if (!tls_done_) {
      if (features_->starttls && cfg_.tls != tls_policy::never) {
        write(negotiation::starttls());
        state_ = c2s_client_state::expecting_proceed;
        return;
      }
      if (cfg_.tls == tls_policy::require)  // stripped STARTTLS: go no further
        return give_up(end_reason::policy_refused, "the server does not offer STARTTLS, which is required");
      if (features_->starttls_required)
        return give_up(end_reason::policy_refused, "the server requires TLS, which the policy forbids");
    }
    if (!authenticated_) return start_sasl();
    if (!features_->bind) return give_up(end_reason::policy_refused, "the server offers no resource binding");
    // draft §7: bind the configured resource, or let the server make one.
    xml::writer w(ns::client);
    w.start(ns::client, "iq").attr("type", "set").attr("id", bind_id).start(ns::xmpp_bind, "bind");
    if (!cfg_.resource.empty()) w.start(ns::xmpp_bind, "resource").text(cfg_.resource).end();
    w.end().end();
    if (!w.ok()) return give_up(end_reason::policy_refused, "the configured resource cannot be written");
    write(w.buffer());
    state_ = c2s_client_state::expecting_bind_result;
  }

  bool offered(std::string_view name) const {
    if (!features_->mechanisms) return false;
    for (const auto& m : *features_->mechanisms)
      if (m == name) return true;
    return false;
  }

  void start_sasl() {
    std::optional<sasl::mechanism_id> pick;
    for (auto m : cfg_.mechanisms) {
      if (!offered(sasl::to_string(m))) continue;
      if (m == sasl::mechanism_id::plain && !tls_done_ && !cfg_.plain_without_tls) continue;  // draft §6.2 step 2
      if (m == sasl::mechanism_id::external && !tls_done_) continue;
      pick = m;
      break;
    }
    if (!pick) return give_up(end_reason::policy_refused, "no acceptable SASL mechanism is offered");
    if (!cfg_.random) return give_up(end_reason::policy_refused, "client misconfigured: no random source");
    switch (*pick) {
      case sasl::mechanism_id::plain: {
        sasl::plain_client_options o;
        o.username = cfg_.username;
        o.password = cfg_.password;
        o.authzid = cfg_.authzid;
        o.domain = cfg_.domain;
        mech_ = std::make_unique<sasl::plain_client>(std::move(o));
        break;
      }
      case sasl::mechanism_id::digest_md5: {
        sasl::digest_md5_client_options o;
        o.username = cfg_.username;
        o.password = cfg_.password;
        o.authzid = cfg_.authzid;
        o.host = cfg_.domain;  // digest-uri "xmpp/domain" (draft §6.1)
        mech_ = std::make_unique<sasl::digest_md5_client>(std::move(o), *cfg_.random);
        break;
      }
      case sasl::mechanism_id::scram_sha1:
      case sasl::mechanism_id::scram_sha256: {
        sasl::scram_client_options o;
        o.username = cfg_.username;
        o.password = cfg_.password;
        o.authzid = cfg_.authzid;
        o.domain = cfg_.domain;
        if (*pick == sasl::mechanism_id::scram_sha1)
          mech_ = std::make_unique<sasl::scram_sha1_client>(std::move(o), *cfg_.random);
        else
          mech_ = std::make_unique<sasl::scram_sha256_client>(std::move(o), *cfg_.random);
        break;
      }
      case sasl::mechanism_id::external: mech_ = std::make_unique<sasl::external_client>(cfg_.authzid); break;
    }
    mech_name_ = sasl::to_string(*pick);
    auto first = mech_->initial_response();
    if (!first) return give_up(end_reason::policy_refused, "our credentials cannot be encoded for SASL");
    write(negotiation::sasl_auth(mech_name_, first->has_value() ? std::optional<std::string_view>(**first)
                                                                : std::nullopt));
    state_ = c2s_client_state::expecting_sasl_outcome;
  }

  void on_proceed(const xml::element& e) {  // draft §5.2 step 5: on <failure/> the server closes, so do we
    if (take_starttls_answer(e, "the server refused STARTTLS", true)) state_ = c2s_client_state::expecting_tls;
  }

  void abandon_sasl(std::string_view why) {
    write(negotiation::sasl_abort());
    mech_.reset();
    give_up(end_reason::policy_refused, why);
  }

  void on_sasl(const xml::element& e) {
    if (e.is(ns::xmpp_sasl, "challenge")) {
      auto d = sasl::decode_payload(e.text_view());
      if (!d) return abandon_sasl("the server's challenge is not base64");
      auto r = mech_->respond(d->has_value() ? std::string_view(**d) : std::string_view{});
      if (!r) return abandon_sasl("the server's challenge was refused by the mechanism");
      write(negotiation::sasl_element("response", std::optional<std::string_view>(*r)));
      return;
    }
    if (e.is(ns::xmpp_sasl, "success")) {
      auto d = sasl::decode_payload(e.text_view());
      if (!d) return give_up(end_reason::policy_refused, "the server's success data is not base64");
      auto r = mech_->finish(d->has_value() ? std::optional<std::string_view>(**d) : std::nullopt);
      mech_.reset();
      // Mutual authentication: no valid proof, no session (RFC 5802 §5, RFC 2831 §2.1.3).
      if (!r) return give_up(end_reason::policy_refused, "the server did not prove that it knows the password");
      authenticated_ = true;
      auto acct = jid::jid::from_parts(std::string_view(cfg_.username), cfg_.domain, std::nullopt, prep_);
      account_text_ = acct ? std::string(acct->full()) : cfg_.username + "@" + cfg_.domain;
      event& ev = push(event_kind::authenticated);
      ev.mechanism = mech_name_;
      ev.username = cfg_.username;
      ev.identity = account_text_;
      features_.reset();
      parser_.restart();  // draft §6.2 step 3: a new stream, both ways
      open_stream();
      return;
    }
    if (e.is(ns::xmpp_sasl, "failure")) {
      mech_.reset();
      event& ev = push(event_kind::sasl_failed);
      ev.condition = negotiation::read_sasl_failure(e);
      return give_up(end_reason::authentication_failed, "the server refused the authentication");
    }
    fail_here(stream_condition::unsupported_stanza_type, "expected a SASL challenge, success or failure");
  }

  void on_iq_result(const xml::element& e) {
    auto s = stanza::stanza_view::from(e);
    const std::string_view want = state_ == c2s_client_state::expecting_bind_result ? bind_id : session_id;
    if (!s || s->kind() != stanza::stanza_kind::iq || s->id() != want) return;  // not the answer: ignored
    if (s->iq_type() == stanza::iq_type_t::error)
      return give_up(end_reason::policy_refused, state_ == c2s_client_state::expecting_bind_result
                                                     ? "the server refused to bind a resource"
                                                     : "the server refused to open the session");
    if (s->iq_type() != stanza::iq_type_t::result)
      return fail_here(stream_condition::bad_format, "expected an IQ result");
    if (state_ == c2s_client_state::expecting_bind_result) {
      auto b = e.child(ns::xmpp_bind, "bind");
      auto j = b ? b->child(ns::xmpp_bind, "jid") : std::nullopt;
      if (!j) return fail_here(stream_condition::bad_format, "bind result without <jid/>");
      auto full = jid::jid::parse(j->text_view(), prep_);
      if (!full || !full->has_resource()) return fail_here(stream_condition::bad_format, "bound JID is not a full JID");
      bound_ = std::move(*full);
      if (features_ && features_->session) {  // RFC 3921 §3
        xml::writer w(ns::client);
        w.start(ns::client, "iq").attr("type", "set").attr("id", session_id).start(ns::xmpp_session, "session")
            .end().end();
        write(w.buffer());
        state_ = c2s_client_state::expecting_session_result;
        push(event_kind::resource_bound).identity = bound_->full();
        return;
      }
      push(event_kind::resource_bound).identity = bound_->full();
    }
    state_ = c2s_client_state::established;
    push(event_kind::ready).identity = bound_->full();
  }

  void on_stanza(const xml::element& e) {
    auto s = stanza::stanza_view::from(e);
    if (s && s->content_namespace() == ns::client) return push_element(event_kind::stanza_received, e);
    if (cfg_.deliver_other_elements) return push_element(event_kind::element_received, e);
    fail_here(stream_condition::unsupported_stanza_type, "not a stanza");
  }

  c2s_client_config cfg_;
  c2s_client_state state_ = c2s_client_state::expecting_header;
  jid::preparer prep_;
  std::optional<stream::features> features_;
  std::unique_ptr<sasl::client_mechanism> mech_;
  std::string_view mech_name_;
  std::string account_text_;
  std::optional<jid::jid> bound_;
  std::optional<std::uint64_t> max_bytes_;
  bool authenticated_ = false;
};

}  // namespace xmppcore::session
