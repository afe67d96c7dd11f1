// xmppcore — the initiating side of a server-to-server stream (draft §4.2, §5,
// §6, §8): the "Originating Server" of dialback, and the receiving server's
// stream to an authoritative server for <db:verify/>, on one sans-I/O machine.
//
// Theory of operation
// -------------------
//   s2s_initiator                                      peer
//   (made) <stream:stream xmlns='jabber:server' xmlns:db=… from=O to=R version='1.0'> ──▶
//   expecting_header   ◀── header with the stream id (kept: the keys hash it, draft §8.3 step 3)
//   expecting_features ◀── features (none from a pre-1.0 peer: straight to dialback)
//     STARTTLS per tls_policy ──▶ <proceed/> STOP after its '>' (§5.1 rule 6), then a new stream
//     after TLS, EXTERNAL offered and allowed: <auth mechanism='EXTERNAL'/> ──▶ <success/>:
//       the pair (O, R) is authenticated; no dialback needed (§8.1)
//     else DIGEST-MD5 offered and a shared secret configured (draft §6.1 rule 6:
//       the simple user name is our domain O; §6.6): <auth mechanism='DIGEST-MD5'/>,
//       challenge/response, the server's rspauth checked ──▶ <success/>, as EXTERNAL
//     otherwise, with dialback: <db:result from=O to=R>KEY</db:result> ──▶   (step 4)
//   established        ◀── <db:result type='valid'|'invalid'|'error'/>   (step 10)
//                      ◀── <db:verify type='valid'|'invalid' id=…/>      (step 9, verify())
//
// Stanzas for a pair whose dialback is still pending are held (up to
// max_held_bytes) and written once it is valid; they are dropped if it is
// refused. More pairs can be asked for on the same stream (piggybacking,
// request_dialback()). Answers are checked against what was asked: an unknown
// verify id is <invalid-id/>, a 'to' that is not the domain that asked is
// <host-unknown/>, a 'from' that is not the domain asked about is <invalid-from/>
// (step 9).
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
#include <xmppcore/sasl/digest_md5.hpp>
#include <xmppcore/sasl/payload.hpp>
#include <xmppcore/session/c2s_client.hpp>
#include <xmppcore/session/detail/stream_machine.hpp>
#include <xmppcore/session/event.hpp>
#include <xmppcore/session/negotiation.hpp>
#include <xmppcore/stream/features.hpp>
#include <xmppcore/stream/header.hpp>

namespace xmppcore::session {

struct s2s_initiator_config {
  std::string local_domain;   ///< O: our domain ('from'; prepared, IDNs in ACE form)
  std::string remote_domain;  ///< R: the peer's domain ('to')
  /// Our network's dialback secret (XEP-0185 keys for the originating role).
  std::string dialback_secret;
  tls_policy tls = tls_policy::if_offered;
  /// After TLS, authenticate with SASL EXTERNAL when offered (then no dialback, §8.1).
  bool sasl_external = true;
  /// DIGEST-MD5 between servers (draft §6.1 rule 6, §6.6): the secret shared
  /// with remote_domain, used when the peer offers DIGEST-MD5 and EXTERNAL is
  /// not taken; our user name is local_domain. Empty: not used. Needs `random`.
  std::string sasl_secret;
  crypto::random_source* random = nullptr;  ///< DIGEST-MD5's cnonce
  /// Ask dialback for (local_domain, remote_domain) as soon as the stream allows.
  /// False for a stream used only for verify() (the receiving server's side of step 8).
  bool dialback = true;
  /// Bytes of stanzas held for pairs whose dialback is pending (more: send() refuses).
  std::size_t max_held_bytes = 64 * 1024;
  xml::limits limits = xml::limits::defaults();
};

enum class s2s_initiator_state : std::uint8_t {
  expecting_header,
  expecting_features,
  expecting_proceed,
  expecting_tls,
  expecting_sasl_outcome,
  established,  ///< dialback requests, verifies and (for valid pairs) stanzas may flow
  closed,
};

class s2s_initiator final : public detail::stream_machine {
 public:
  explicit s2s_initiator(s2s_initiator_config cfg) : stream_machine(parser_options_for(cfg)), cfg_(std::move(cfg)) {
    open_stream();
  }

  s2s_initiator_state state() const noexcept { return ended() ? s2s_initiator_state::closed : state_; }

  bool tls_established() {
    if (ended() || state_ != s2s_initiator_state::expecting_tls) return false;
    tls_switched();
    parser_.restart();
    open_stream();
    return true;
  }
  bool tls_failed() {
    if (ended() || state_ != s2s_initiator_state::expecting_tls) return false;
    tls_handshake_failed();
    return true;
  }

  /// Asks dialback for another pair on this stream (piggybacking, end of §8.3).
  bool request_dialback(std::string_view originating, std::string_view receiving) {
    if (ended() || local_closed_ || state_ != s2s_initiator_state::established || !dialback_possible_) return false;
    if (find(originating, receiving)) return true;  // asked already
    pairs_.push_back({std::string(originating), std::string(receiving), pair_state::pending, {}});
    write(dialback::write_request(dialback::kind::result, originating, receiving,
                                  dialback::make_key(cfg_.dialback_secret, receiving, originating, stream_id_)));
    return true;
  }

  /// The receiving server's step 8: asks this (authoritative) peer whether
  /// `key`, sent by `originating` to `receiving` on the stream `id`, is valid.
  /// The answer comes as a verify_result event.
  bool verify(std::string_view originating, std::string_view receiving, std::string_view id, std::string_view key) {
    if (ended() || local_closed_ || state_ != s2s_initiator_state::established || !dialback_possible_) return false;
    verifies_.push_back({std::string(originating), std::string(receiving), std::string(id)});
    write(dialback::write_request(dialback::kind::verify, receiving, originating, key, id));
    return true;
  }

  /// Sends a stanza from `originating` to `receiving` (domains): written at once
  /// when the pair is valid, held while its dialback is pending.
  bool send_serialized(std::string_view originating, std::string_view receiving, std::string_view element_xml) {
    if (ended() || local_closed_) return false;
    pair_rec* p = find(originating, receiving);
    if (!p || p->state == pair_state::refused) return false;
    if (p->state == pair_state::valid && state_ == s2s_initiator_state::established) {
      write(element_xml);
      return true;
    }
    if (held_bytes_ + element_xml.size() > cfg_.max_held_bytes) return false;
    held_bytes_ += element_xml.size();
    p->held.emplace_back(element_xml);
    return true;
  }

  /// Whether stanzas for this pair are written now.
  bool is_valid(std::string_view originating, std::string_view receiving) const noexcept {
    for (const auto& p : pairs_)
      if (p.originating == originating && p.receiving == receiving) return p.state == pair_state::valid;
    return false;
  }

 private:
  enum class pair_state : std::uint8_t { pending, valid, refused };
  struct pair_rec {
    std::string originating, receiving;
    pair_state state;
    std::vector<std::string> held;
  };
  struct verify_rec {
    std::string originating, receiving, id;
  };

  static xml::parser_options parser_options_for(const s2s_initiator_config& cfg) {
    xml::parser_options po;
    po.limits = cfg.limits;
    po.content_namespaces = {std::string(ns::server)};
    return po;
  }

  pair_rec* find(std::string_view o, std::string_view r) {
    for (auto& p : pairs_)
      if (p.originating == o && p.receiving == r) return &p;
    return nullptr;
  }

  void open_stream() {
    stream::header h;
    h.content_namespace = std::string(ns::server);
    h.from = cfg_.local_domain;
    h.to = cfg_.remote_domain;
    h.dialback = true;  // draft §8.3 step 2: we support dialback
    h.version = stream::supported_version;
    write(stream::write_header(h, false));
    header_sent_ = true;
    state_ = s2s_initiator_state::expecting_header;
  }

  bool wants_pause() const noexcept override { return state_ != s2s_initiator_state::established; }
  void write_own_header_for_error() override {}

  void on_header(const stream::header& h) override {
    if (state_ != s2s_initiator_state::expecting_header)
      return fail_here(stream_condition::xml_not_well_formed, "unexpected stream header");
    if (h.id.empty()) return fail_here(stream_condition::invalid_id, "no stream id: dialback keys need one");
    stream_id_ = h.id;
    dialback_possible_ = h.dialback;
    push(event_kind::stream_opened);
    if (!h.version || h.version->major < 1) {  // a pre-1.0 peer: no features, dialback at once
      if (tls_done_ || cfg_.tls != tls_policy::require) return begin_dialback(false);
      return give_up(end_reason::policy_refused, "the peer cannot do TLS, which is required");
    }
    state_ = s2s_initiator_state::expecting_features;
  }

  void on_element(const xml::element& e) override {
    switch (state_) {
      case s2s_initiator_state::expecting_features: return on_features(e);
      case s2s_initiator_state::expecting_proceed:
        if (take_starttls_answer(e, "the peer refused STARTTLS", false)) state_ = s2s_initiator_state::expecting_tls;
        return;
      case s2s_initiator_state::expecting_sasl_outcome:
        if (mech_ && e.is(ns::xmpp_sasl, "challenge")) {
          auto d = sasl::decode_payload(e.text_view());
          auto r = d ? mech_->respond(d->has_value() ? std::string_view(**d) : std::string_view{})
                     : result<std::string, sasl::client_error>(unexpected{sasl::client_error{}});
          if (!r) {  // draft §6.2 step 5: we abort; dialback may still follow (§8.1)
            write(negotiation::sasl_abort());
            mech_.reset();
            awaiting_abort_answer_ = true;
            return;
          }
          write(negotiation::sasl_element("response", std::optional<std::string_view>(*r)));
          return;
        }
        if (e.is(ns::xmpp_sasl, "success")) {
          if (awaiting_abort_answer_)
            return give_up(end_reason::policy_refused, "success after we aborted the SASL exchange");
          if (mech_) {
            auto d = sasl::decode_payload(e.text_view());
            const bool proven =
                d && mech_->finish(d->has_value() ? std::optional<std::string_view>(**d) : std::nullopt).has_value();
            mech_.reset();
            // Mutual authentication: a server that did not prove it knows the secret is not trusted (RFC 2831 §2.1.3).
            if (!proven) return give_up(end_reason::policy_refused, "the peer did not prove that it knows the secret");
          }
          authenticated_ = true;
          pairs_.push_back({cfg_.local_domain, cfg_.remote_domain, pair_state::valid, {}});
          auto& ev = push(event_kind::authenticated);
          ev.mechanism = mech_name_;
          ev.identity = cfg_.local_domain;
          parser_.restart();  // draft §6.2 step 3
          open_stream();
          return;
        }
        if (e.is(ns::xmpp_sasl, "failure")) {
          mech_.reset();
          awaiting_abort_answer_ = false;
          push(event_kind::sasl_failed).condition = negotiation::read_sasl_failure(e);
          // SASL refused: dialback may still work on this stream (§8.1 fallback).
          return begin_dialback(true);
        }
        return fail_here(stream_condition::unsupported_stanza_type, "expected a SASL outcome");
      case s2s_initiator_state::established: return on_established(e);
      default: return fail_here(stream_condition::unsupported_stanza_type, "element not expected now");
    }
  }

  void on_features(const xml::element& e) {
    if (!e.is(ns::streams, "features")) return fail_here(stream_condition::unsupported_stanza_type, "expected features");
    auto f = stream::parse_features(e);
    if (!f) return fail_here(f.error().condition, f.error().reason);
    if (!tls_done_) {
      if (f->starttls && cfg_.tls != tls_policy::never) {
        write(negotiation::starttls());
        state_ = s2s_initiator_state::expecting_proceed;
        return;
      }
      if (cfg_.tls == tls_policy::require)
        return give_up(end_reason::policy_refused, "the peer does not offer STARTTLS, which is required");
    }
    if (authenticated_) {
      state_ = s2s_initiator_state::established;
      push(event_kind::ready).identity = cfg_.remote_domain;
      return flush_valid();
    }
    bool external = false, digest = false;
    if (f->mechanisms)
      for (const auto& m : *f->mechanisms) {
        external |= m == sasl::mechanism_name::external;
        digest |= m == sasl::mechanism_name::digest_md5;
      }
    if (tls_done_ && external && cfg_.sasl_external) {
      write(negotiation::sasl_auth("EXTERNAL", std::string_view{}));  // "=": no authzid (draft §6.2 step 3)
      mech_name_ = sasl::mechanism_name::external;
      state_ = s2s_initiator_state::expecting_sasl_outcome;
      return;
    }
    if (digest && !cfg_.sasl_secret.empty() && cfg_.random) {
      sasl::digest_md5_client_options o;
      o.username = cfg_.local_domain;  // draft §6.1 rule 6: the sending domain
      o.password = cfg_.sasl_secret;
      o.host = cfg_.remote_domain;     // digest-uri xmpp/<remote domain>
      mech_.emplace(std::move(o), *cfg_.random);
      mech_name_ = sasl::mechanism_name::digest_md5;
      write(negotiation::sasl_auth(mech_name_, std::nullopt));  // the server speaks first (RFC 2831 §2.1)
      state_ = s2s_initiator_state::expecting_sasl_outcome;
      return;
    }
    for (const auto& o : f->other) dialback_possible_ |= o.ns == dialback::ns_feature;
    begin_dialback(false);
  }

  void begin_dialback(bool after_sasl_failure) {
    (void)after_sasl_failure;
    state_ = s2s_initiator_state::established;
    push(event_kind::ready).identity = cfg_.remote_domain;
    if (!cfg_.dialback) return;
    if (!dialback_possible_) return give_up(end_reason::policy_refused, "the peer offers neither SASL nor dialback");
    if (!request_dialback(cfg_.local_domain, cfg_.remote_domain))
      give_up(end_reason::policy_refused, "dialback could not be requested");
  }

  void on_established(const xml::element& e) {
    if (e.ns() != ns::dialback) return;  // stanzas travel on the other stream (§4.2); ignored here
    auto d = dialback::read(e);
    if (!d) return fail_here(d.error().condition, d.error().reason);
    if (d->type == dialback::verdict::none)
      return fail_here(stream_condition::unsupported_stanza_type, "a dialback request on an outgoing stream");
    if (d->what == dialback::kind::verify) {
      // step 9 checks
      auto it = verifies_.begin();
      for (; it != verifies_.end(); ++it)
        if (it->id == d->id) break;
      if (it == verifies_.end()) return fail_here(stream_condition::invalid_id, "no verification was asked with this id");
      if (d->to != it->receiving) return fail_here(stream_condition::host_unknown, "'to' is not the domain that asked");
      if (d->from != it->originating) return fail_here(stream_condition::invalid_from, "'from' is not the domain asked about");
      auto& ev = push(event_kind::verify_result);
      // Copies that stay until the next receive(): a second answer in the same read must not move them.
      ev.originating = keep(it->originating);
      ev.receiving = keep(it->receiving);
      ev.id = keep(it->id);
      verifies_.erase(it);
      ev.valid = d->type == dialback::verdict::valid;
      if (d->type == dialback::verdict::error) ev.error = d->error.value_or(stanza_condition::undefined_condition);
      return;
    }
    // <db:result type=…/>: the receiving server's verdict on a pair (step 10)
    pair_rec* p = find(d->to, d->from);
    if (!p || p->state != pair_state::pending) return fail_here(stream_condition::invalid_from, "a verdict on a pair never asked for");
    const bool valid = d->type == dialback::verdict::valid;
    p->state = valid ? pair_state::valid : pair_state::refused;
    auto& ev = push(event_kind::dialback_result);
    ev.originating = keep(p->originating);  // pairs_ may grow (request_dialback) before this is taken
    ev.receiving = keep(p->receiving);
    ev.valid = valid;
    if (d->type == dialback::verdict::error) ev.error = d->error.value_or(stanza_condition::undefined_condition);
    if (valid) flush_valid();
    else {
      for (const auto& h : p->held) held_bytes_ -= h.size();
      p->held.clear();
    }
  }

  void flush_valid() {
    for (auto& p : pairs_) {
      if (p.state != pair_state::valid) continue;
      for (const auto& h : p.held) {
        write(h);
        held_bytes_ -= h.size();
      }
      p.held.clear();
      p.held.shrink_to_fit();
    }
  }

  s2s_initiator_config cfg_;
  s2s_initiator_state state_ = s2s_initiator_state::expecting_header;
  std::vector<pair_rec> pairs_;
  std::vector<verify_rec> verifies_;
  std::size_t held_bytes_ = 0;
  std::optional<sasl::digest_md5_client> mech_;  // DIGEST-MD5 in progress
  std::string_view mech_name_;                   // the mechanism tried (static text)
  bool awaiting_abort_answer_ = false;           // we sent <abort/>: a <failure/> is due
  bool authenticated_ = false;
  bool dialback_possible_ = false;
};

}  // namespace xmppcore::session
