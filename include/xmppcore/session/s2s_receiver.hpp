// xmppcore — the receiving side of a server-to-server stream (draft §4.2, §5,
// §6, §8): the "Receiving Server" of dialback for <db:result/> and the
// "Authoritative Server" for <db:verify/>, on one sans-I/O machine, as
// deployed servers do.
//
// Theory of operation
// -------------------
//   peer (originating or receiving server)        s2s_receiver
//   <stream:stream xmlns='jabber:server' xmlns:db=…> ──▶ expecting_header
//                         ◀── header (fresh 128-bit id, draft §8.1) + features:
//                             starttls, EXTERNAL after TLS, <dialback/> (XEP-0220 §2.1)
//   <starttls/>           ◀── <proceed/>  STOP after its '>' (draft §5.1 rule 6)
//   <auth mechanism='EXTERNAL'/> (after TLS; the certificate's domain, or an
//                             authzid that is a domain only, §6.1 rule 7) ◀── <success/>
//   <auth mechanism='DIGEST-MD5'/> (with `credentials`; §6.1 rule 6, §6.6): the
//                             simple user name is the peer's domain, the
//                             secret the embedder shares with it; ◀── challenge,
//                             response, rspauth challenge (as §6.6 shows),
//                             empty response ◀── <success/>
//   <db:result from=O to=R>KEY  (step 4): 'to' must be ours (<host-unknown/>);
//       event dialback_requested; the embedder verifies KEY with the
//       authoritative server of O (an s2s_initiator's verify()) and calls
//       answer_dialback(); ◀── <db:result type='valid'|'invalid'/> (step 10),
//       and the stream ends after 'invalid'. More pairs may follow on a
//       validated stream (piggybacking, end of §8.3).
//   <db:verify from=R to=O id=ID>KEY (step 8): we are the authoritative
//       server for O: 'to' must be ours (<host-unknown/>), 'from' the peer's
//       announced domain if it gave one (<invalid-from/>); the key is
//       checked with the dialback secret ◀── <db:verify type='valid'|'invalid'/>
//   stanzas: dropped silently until a pair is validated (step 10); after
//       that 'to' and 'from' are required (<improper-addressing/>) and 'from'
//       must be a validated domain (<invalid-from/>) (§8.3 end, §9.1.2).
//
// Keeping an established stream while a new one for the same domain is
// checked, and refusing the new one (§8.3 step 4), needs knowledge of the
// other streams: that is the embedder's, through refuse_duplicate(). A verify
// stream that fails is reported with verify_failed(), which ends this stream
// with <remote-connection-failed/> (step 7).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <xmppcore/conditions.hpp>
#include <xmppcore/crypto/random_source.hpp>
#include <xmppcore/dialback/elements.hpp>
#include <xmppcore/dialback/key.hpp>
#include <xmppcore/jid/jid.hpp>
#include <xmppcore/sasl/digest_md5.hpp>
#include <xmppcore/sasl/external.hpp>
#include <xmppcore/sasl/payload.hpp>
#include <xmppcore/session/c2s_server.hpp>
#include <xmppcore/session/detail/stream_machine.hpp>
#include <xmppcore/session/event.hpp>
#include <xmppcore/session/negotiation.hpp>
#include <xmppcore/stanza/addressing.hpp>
#include <xmppcore/stanza/stanza.hpp>
#include <xmppcore/stream/features.hpp>
#include <xmppcore/stream/header.hpp>

namespace xmppcore::session {

/// Configuration of an s2s_receiver. Pointed-to objects must outlive it.
struct s2s_receiver_config {
  std::vector<std::string> hosts;  ///< the domains we serve (prepared; IDNs in ACE form)
  crypto::random_source* random = nullptr;  ///< required: stream ids (draft §8.1)
  /// The secret of our network for XEP-0185 keys (the authoritative role).
  /// Empty: every <db:verify/> is answered 'invalid'.
  std::string dialback_secret;
  tls_offer tls = tls_offer::offered;
  bool offer_dialback = true;  ///< dialback on streams that declare xmlns:db
  xml::limits pre_auth_limits = xml::limits::pre_authentication();
  xml::limits limits = xml::limits::defaults();
  /// Dialback requests awaiting the embedder's answer at once (more: <policy-violation/>).
  std::size_t max_pending = 16;
  /// DIGEST-MD5 between servers (draft §6.1 rule 6, §6.6): the secrets shared
  /// with peer servers, looked up with the peer's domain as the user name and
  /// our first host as the realm. Null: DIGEST-MD5 is not offered. With TLS
  /// required it is offered after TLS only. Pointed-to object must outlive the machine.
  sasl::credential_store* credentials = nullptr;
  /// Failed SASL attempts allowed after the first (draft §6.2); then the stream ends.
  unsigned sasl_retries = 2;
};

enum class s2s_receiver_state : std::uint8_t {
  expecting_header,
  expecting_negotiation,  ///< STARTTLS, SASL, dialback elements; stanzas are dropped until validated
  expecting_tls,
  established,            ///< at least one domain pair is validated
  closed,
};

/// The receiving side of an s2s stream. See the file comment.
class s2s_receiver final : public detail::stream_machine,
                           private stanza::validated_domains,
                           private sasl::authorizer {
 public:
  explicit s2s_receiver(s2s_receiver_config cfg) : stream_machine(parser_options_for(cfg)), cfg_(std::move(cfg)) {}

  s2s_receiver_state state() const noexcept { return ended() ? s2s_receiver_state::closed : state_; }

  bool tls_established(std::string_view peer_domain = {}) {
    if (ended() || state_ != s2s_receiver_state::expecting_tls) return false;
    tls_switched();
    peer_identity_.assign(peer_domain);
    restart_stream();
    return true;
  }
  bool tls_failed() {
    if (ended() || state_ != s2s_receiver_state::expecting_tls) return false;
    tls_handshake_failed();
    return true;
  }

  /// The authoritative server's verdict on a dialback_requested pair (step 9):
  /// sends <db:result type='valid'|'invalid'/> (step 10); after 'invalid' the
  /// stream ends. False when no such request is pending.
  bool answer_dialback(std::string_view originating, std::string_view receiving, bool valid) {
    if (!take_pending(originating, receiving)) return false;
    write(dialback::write_answer(dialback::kind::result, receiving, originating, valid));
    auto& ev = push(event_kind::dialback_result);
    ev.originating = keep(originating);
    ev.receiving = keep(receiving);
    ev.valid = valid;
    if (valid && !is_validated(originating, receiving)) validated_.emplace_back(originating, receiving);
    if (!valid) {
      give_up(end_reason::policy_refused, "dialback key refused");  // step 10: MUST terminate
      return true;
    }
    state_ = s2s_receiver_state::established;
    return true;
  }
  /// The authoritative server could not be asked (XEP-0220 §2.4): answers with
  /// an error (e.g. remote-server-not-found, remote-server-timeout); the stream stays.
  bool answer_dialback_error(std::string_view originating, std::string_view receiving, stanza_condition c) {
    if (!take_pending(originating, receiving)) return false;
    write(dialback::write_error(dialback::kind::result, receiving, originating, c));
    return true;
  }
  /// The verify stream to the authoritative server failed: <remote-connection-failed/> (step 7).
  void verify_failed() { fail_here(stream_condition::remote_connection_failed, "the verify stream failed"); }
  /// Another stream already carries this domain: refuse this one with <not-authorized/> (step 4).
  void refuse_duplicate() { fail_here(stream_condition::not_authorized, "the domain already has a stream"); }

  /// True when stanzas from `originating` to `receiving` are accepted on this stream.
  bool is_validated(std::string_view originating, std::string_view receiving) const noexcept {
    for (const auto& p : validated_)
      if (p.first == originating && p.second == receiving) return true;
    return false;
  }
  /// Stanzas dropped because they came before their pair was validated (step 10).
  std::uint64_t dropped_stanzas() const noexcept { return dropped_; }

 private:
  static xml::parser_options parser_options_for(const s2s_receiver_config& cfg) {
    xml::parser_options po;
    po.limits = cfg.pre_auth_limits;
    po.content_namespaces = {std::string(ns::server)};  // draft §11.2.2
    return po;
  }

  // stanza::validated_domains: 'from' domains validated on this stream.
  bool is_validated(std::string_view prepared_domain) const override {
    for (const auto& p : validated_)
      if (p.first == prepared_domain) return true;
    return false;
  }

  bool wants_pause() const noexcept override { return state_ != s2s_receiver_state::established; }

  void write_own_header_for_error() override {
    if (header_sent_) return;
    stream::header h;
    h.content_namespace = std::string(ns::server);
    h.from = host_.empty() ? (cfg_.hosts.empty() ? std::string() : cfg_.hosts.front()) : host_;
    if (cfg_.random) h.id = stream::make_stream_id(*cfg_.random);
    h.version = stream::supported_version;
    write(stream::write_header(h));
    header_sent_ = true;
  }

  bool ours(std::string_view domain) const noexcept {
    for (const auto& h : cfg_.hosts)
      if (h == domain) return true;
    return false;
  }

  void on_header(const stream::header& h) override {
    if (state_ != s2s_receiver_state::expecting_header)
      return fail_here(stream_condition::xml_not_well_formed, "unexpected stream header");
    if (!cfg_.random) return fail_here(stream_condition::internal_server_error, "no random source");
    // 'to' and 'from' are optional on s2s headers (draft §8.3 step 2 note).
    if (!h.to.empty() && !ours(h.to)) return fail_here(stream_condition::host_unknown, "'to' is not a domain we serve");
    host_ = h.to.empty() ? (cfg_.hosts.empty() ? std::string() : cfg_.hosts.front()) : h.to;
    peer_domain_ = h.from;
    dialback_ok_ = h.dialback && cfg_.offer_dialback;
    stream::header mine;
    mine.content_namespace = std::string(ns::server);
    mine.from = host_;
    if (!h.from.empty()) mine.to = h.from;
    stream_id_ = stream::make_stream_id(*cfg_.random);
    mine.id = stream_id_;
    mine.dialback = h.dialback;
    const auto v = stream::answer_version(h.version);
    if (v) mine.version = *v;
    write(stream::write_header(mine));
    header_sent_ = true;
    push(event_kind::stream_opened);
    state_ = validated_.empty() ? s2s_receiver_state::expecting_negotiation : s2s_receiver_state::established;
    if (!v || v->major < 1) return;  // a pre-1.0 (dialback-only) peer gets no features (§4.4.1 rule 4)
    stream::features f;
    if (!authenticated_) {
      if (!tls_done_ && cfg_.tls != tls_offer::not_offered) {
        f.starttls = true;
        f.starttls_required = cfg_.tls == tls_offer::required;
      }
      std::vector<std::string> mechs;  // the order of draft §5.4 step 8
      if (cfg_.credentials && !(cfg_.tls == tls_offer::required && !tls_done_))
        mechs.emplace_back(sasl::mechanism_name::digest_md5);
      if (tls_done_ && !peer_identity_.empty()) mechs.emplace_back(sasl::mechanism_name::external);
      if (!mechs.empty()) f.mechanisms = std::move(mechs);
      if (dialback_ok_ && !(cfg_.tls == tls_offer::required && !tls_done_))
        f.other.push_back({std::string(dialback::ns_feature), "dialback",
                           "<dialback xmlns='urn:xmpp:features:dialback'/>"});
    }
    write(stream::write_features(f));
  }

  void on_element(const xml::element& e) override {
    if (e.ns() == ns::dialback) return on_dialback(e);
    if (!authenticated_ && state_ == s2s_receiver_state::expecting_negotiation) {
      if (mech_) {  // a DIGEST-MD5 exchange is under way (draft §6.2 steps 4-6)
        if (e.is(ns::xmpp_sasl, "response")) return on_response(e);
        if (e.is(ns::xmpp_sasl, "abort")) return sasl_refused(sasl_condition::aborted);
        return fail_here(stream_condition::unsupported_stanza_type, "expected <response/> or <abort/>");
      }
      if (e.is(ns::xmpp_tls, "starttls")) return on_starttls();
      if (e.is(ns::xmpp_sasl, "auth")) return on_auth(e);
    }
    if (e.is(ns::xmpp_tls, "starttls") || e.ns() == ns::xmpp_sasl)
      return fail_here(stream_condition::unsupported_stanza_type, "negotiation element not expected now");
    auto s = stanza::stanza_view::from(e);
    if (!s || s->content_namespace() != ns::server)
      return fail_here(stream_condition::unsupported_stanza_type, "not a stanza");
    if (validated_.empty()) {  // §8.3 step 10: silently dropped before validation
      ++dropped_;
      return;
    }
    auto ok = stanza::check_s2s_addressing(*s, *this, prep_);  // §9.1.1, §9.1.2
    if (!ok) return fail_here(ok.error().condition, ok.error().reason);
    auto to = jid::jid::parse(*s->to_attr(), prep_);
    auto from = jid::jid::parse(*s->from_attr(), prep_);
    if (!to || !from || !is_validated(from->domain(), to->domain()))
      return fail_here(stream_condition::invalid_from, "'from' is not validated for this 'to'");
    push_element(event_kind::stanza_received, e);
  }

  void on_starttls() {
    if (!answer_starttls(!tls_done_ && cfg_.tls != tls_offer::not_offered)) return;
    // draft §5.1 rule 9: what was negotiated before TLS is discarded, so the
    // dialback requests not yet answered are void: an answer now would be
    // written after <proceed/>, into the TLS handshake.
    pending_.clear();
    state_ = s2s_receiver_state::expecting_tls;
  }

  void on_auth(const xml::element& e) {
    const std::string_view name = e.attr("mechanism").value_or("");
    if (name == sasl::mechanism_name::digest_md5 && cfg_.credentials &&
        !(cfg_.tls == tls_offer::required && !tls_done_))
      return start_digest_md5(e);
    // s2s SASL: EXTERNAL over TLS with the certificate's domain (draft §6.1, §6.2 step 2).
    if (name != sasl::mechanism_name::external || !tls_done_ || peer_identity_.empty())
      return sasl_refused(sasl_condition::invalid_mechanism);
    auto data = sasl::decode_payload(e.text_view());
    if (!data) return sasl_refused(data.error());
    std::string_view authzid = data->has_value() ? std::string_view(**data) : std::string_view{};
    // §6.1 rule 7: a server's authorization identity is a domain only, and here only its own.
    if (!authzid.empty() && authzid != peer_identity_) return sasl_refused(sasl_condition::invalid_authzid);
    authenticated_as(sasl::mechanism_name::external, peer_identity_, std::nullopt);
  }

  /// <success/> for `domain`: every pair (domain, one of our hosts) is
  /// authenticated, and a new stream follows (draft §6.2 step 7).
  void authenticated_as(std::string_view mechanism, std::string_view domain, std::optional<std::string_view> data) {
    write(negotiation::sasl_element("success", data));
    authenticated_ = true;
    for (const auto& h : cfg_.hosts)
      if (!is_validated(domain, h)) validated_.emplace_back(domain, h);
    pending_.clear();  // dialback is not needed after SASL (§8.1); requests from before are void
    auto& ev = push(event_kind::authenticated);
    ev.mechanism = mechanism;
    ev.identity = keep(domain);
    parser_.set_limits(cfg_.limits);
    restart_stream();
  }

  void start_digest_md5(const xml::element& e) {
    auto data = sasl::decode_payload(e.text_view());
    if (!data) return sasl_refused(data.error());
    sasl::digest_md5_server_options o;
    o.hosts = cfg_.hosts;
    if (!host_.empty()) o.realms = {host_};
    o.rspauth_in_success = false;  // the second challenge of draft §6.6 step 7
    mech_.emplace(std::move(o), sasl::server_context{cfg_.credentials, this, cfg_.random});
    sasl_step(mech_->step(data->has_value() ? std::optional<std::string_view>(**data) : std::nullopt));
  }
  void on_response(const xml::element& e) {
    auto data = sasl::decode_payload(e.text_view());
    if (!data) return sasl_refused(data.error());
    sasl_step(mech_->step(data->has_value() ? std::optional<std::string_view>(**data) : std::nullopt));
  }
  void sasl_step(const sasl::server_step& s) {
    if (s.is_challenge()) {
      write(negotiation::sasl_element("challenge", std::optional<std::string_view>(s.data)));
      return;
    }
    if (s.is_failure()) return sasl_refused(s.condition);
    // draft §6.1 rule 6: the user name is the peer's domain, so it must be one
    // (a JID with a node or resource is not a server); and the stream's 'from',
    // if the peer gave one, is that domain.
    const std::string domain = mech_->authcid();
    mech_.reset();
    auto d = jid::jid::parse(domain, prep_);
    if (!d || d->has_node() || d->has_resource() || d->domain() != domain ||
        (!peer_domain_.empty() && peer_domain_ != domain))
      return sasl_refused(sasl_condition::not_authorized);
    authenticated_as(sasl::mechanism_name::digest_md5, domain,
                     s.has_data ? std::optional<std::string_view>(s.data) : std::nullopt);
  }
  void sasl_refused(sasl_condition c) {
    mech_.reset();
    write(negotiation::sasl_failure(c));
    push(event_kind::sasl_failed).condition = c;
    if (++sasl_failures_ > cfg_.sasl_retries) give_up(end_reason::authentication_failed, "too many failed SASL attempts");
  }
  // sasl::authorizer: §6.1 rule 7, a server may only be itself.
  bool authorize(std::string_view authcid, std::string_view authzid) override { return authcid == authzid; }

  void on_dialback(const xml::element& e) {
    if (!dialback_ok_) return fail_here(stream_condition::unsupported_stanza_type, "dialback not offered");
    // TLS required: nothing is authenticated before it (RFC 6120 §5.3.1, as
    // the c2s server refuses SASL), so no key is checked or taken either.
    if (cfg_.tls == tls_offer::required && !tls_done_)
      return fail_here(stream_condition::policy_violation, "STARTTLS is required first");
    auto d = dialback::read(e);
    if (!d) return fail_here(d.error().condition, d.error().reason);
    if (d->type != dialback::verdict::none)
      return fail_here(stream_condition::unsupported_stanza_type, "a dialback answer on an incoming stream");
    if (!ours(d->to)) return fail_here(stream_condition::host_unknown, "'to' is not a domain we serve");
    if (d->what == dialback::kind::verify) {
      // The authoritative role (step 8-9): 'from' is the receiving server,
      // which must be who opened this stream, if it said.
      if (!peer_domain_.empty() && d->from != peer_domain_)
        return fail_here(stream_condition::invalid_from, "'from' is not the server that opened the stream");
      const bool valid = !cfg_.dialback_secret.empty() &&
                         dialback::check_key(d->key, cfg_.dialback_secret, d->from, d->to, d->id);
      write(dialback::write_answer(dialback::kind::verify, d->to, d->from, valid, d->id));
      return;
    }
    // The receiving role (step 4).
    if (pending_.size() >= cfg_.max_pending)
      return fail_here(stream_condition::policy_violation, "too many dialback requests at once");
    auto o = jid::jid::parse(d->from, prep_);
    if (!o || o->has_node() || o->has_resource()) return fail_here(stream_condition::invalid_from, "'from' is not a domain");
    pending_.push_back({std::string(o->domain()), std::string(d->to)});
    // The event's strings are kept apart from pending_, which answers erase from.
    auto& ev = push(event_kind::dialback_requested);
    ev.originating = keep(o->domain());
    ev.receiving = keep(d->to);
    ev.key = keep(d->key);
    ev.id = keep(stream_id_);
  }

  struct pending_request {
    std::string originating, receiving;
  };
  bool take_pending(std::string_view originating, std::string_view receiving) {
    if (ended()) return false;
    for (auto it = pending_.begin(); it != pending_.end(); ++it) {
      if (it->originating == originating && it->receiving == receiving) {
        pending_.erase(it);
        return true;
      }
    }
    return false;
  }

  void restart_stream() {
    parser_.restart();
    header_sent_ = false;
    peer_header_.reset();
    state_ = s2s_receiver_state::expecting_header;
  }

  s2s_receiver_config cfg_;
  s2s_receiver_state state_ = s2s_receiver_state::expecting_header;
  jid::preparer prep_;
  std::string host_, peer_domain_, peer_identity_;
  std::vector<pending_request> pending_;
  std::vector<std::pair<std::string, std::string>> validated_;
  std::uint64_t dropped_ = 0;
  std::optional<sasl::digest_md5_server> mech_;  // DIGEST-MD5 in progress
  unsigned sasl_failures_ = 0;
  bool authenticated_ = false;
  bool dialback_ok_ = false;
};

}  // namespace xmppcore::session
