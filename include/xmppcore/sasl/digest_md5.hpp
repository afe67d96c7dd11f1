// xmppcore — DIGEST-MD5 (RFC 2831), the draft's mandatory mechanism (§6, §14.7),
// client and server, with qop="auth" only (no security layer: TLS provides one; README, "Architecture").
//
//   server                                     client
//   challenge: realm, nonce, qop="auth",  ──▶  parse strictly, pick realm,
//     charset=utf-8, algorithm=md5-sess        make cnonce, compute response
//                                         ◀──  username, realm, nonce, cnonce,
//   check every directive, compare             nc, qop, digest-uri, response[, authzid]
//   response in constant time
//   rspauth (challenge, or success data)  ──▶  verify rspauth in constant time
//   success                               ◀──  empty response (challenge form only)
//
// Hashing (RFC 2831 §2.1.2.1):
//   A1 = { H({username ":" realm ":" passwd}) ":" nonce ":" cnonce [":" authzid] }
//   A2 = { "AUTHENTICATE:" digest-uri }        (rspauth: A2 = { ":" digest-uri })
//   response = HEX(KD(HEX(H(A1)), {nonce ":" nc ":" cnonce ":" qop ":" HEX(H(A2))}))
//   KD(k, s) = H({k ":" s})
// With charset=utf-8, each of username, realm and password is converted to
// ISO 8859-1 before hashing when all its characters are representable.
#pragma once

#include <xmppcore/conditions.hpp>
#include <xmppcore/crypto/constant_time.hpp>
#include <xmppcore/crypto/hex.hpp>
#include <xmppcore/crypto/md5.hpp>
#include <xmppcore/result.hpp>
#include <xmppcore/sasl/detail/text.hpp>
#include <xmppcore/sasl/digest_md5_directives.hpp>
#include <xmppcore/sasl/mechanism.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace xmppcore::sasl {

/// How the ISO 8859-1 rule of RFC 2831 §2.1.2.1 is applied before hashing.
enum class digest_md5_charset_rule : std::uint8_t {
  rfc2831,        ///< username, realm and password each converted when representable (RFC 2831, Cyrus SASL)
  password_only,  ///< only the password converted; names hashed as UTF-8 (GNU SASL 2.2 behaviour)
};

/// H({username ":" realm ":" password}) as 16 raw octets, from UTF-8 inputs,
/// applying the ISO 8859-1 rule of RFC 2831 §2.1.2.1 (by default to each of
/// the three). This is what a server may store instead of the password.
/// The two rules differ only when the username or realm has a non-ASCII
/// character that ISO 8859-1 can represent.
inline std::string digest_md5_secret(std::string_view username, std::string_view realm, std::string_view password,
                                     digest_md5_charset_rule rule = digest_md5_charset_rule::rfc2831) {
  const bool names = rule == digest_md5_charset_rule::rfc2831;
  crypto::md5 h;
  h.update(names ? detail::digest_md5_hash_form(username) : std::string(username)).update(":");
  h.update(names ? detail::digest_md5_hash_form(realm) : std::string(realm)).update(":");
  h.update(detail::digest_md5_hash_form(password));
  const auto d = h.finish();
  return std::string(reinterpret_cast<const char*>(d.data()), d.size());
}

/// The response-value (or, with `for_rspauth`, the rspauth value) of RFC 2831
/// §2.1.2.1 for qop=auth, as 32 lowercase hex digits. `secret` is the 16
/// octets of digest_md5_secret(); `authzid` empty means "not sent".
inline std::string digest_md5_response_value(std::string_view secret, std::string_view nonce,
                                             std::string_view cnonce, std::string_view nc,
                                             std::string_view qop, std::string_view digest_uri,
                                             std::string_view authzid, bool for_rspauth) {
  crypto::md5 h;
  h.update(secret).update(":").update(nonce).update(":").update(cnonce);
  if (!authzid.empty()) h.update(":").update(authzid);
  const std::string ha1 = crypto::to_hex(h.finish());
  h.update(for_rspauth ? ":" : "AUTHENTICATE:").update(digest_uri);
  const std::string ha2 = crypto::to_hex(h.finish());
  h.update(ha1).update(":").update(nonce).update(":").update(nc).update(":").update(cnonce).update(":");
  h.update(qop).update(":").update(ha2);
  return crypto::to_hex(h.finish());
}

namespace detail {
/// A quoted-string holding `v` (RFC 2616 §2.2). '"', '\' and control
/// characters go out as quoted-pairs, since qdtext may not hold a CTL.
inline void append_quoted(std::string& out, std::string_view v) {
  out += '"';
  for (char c : v) {
    if (c == '"' || c == '\\' || detail::is_ctl(static_cast<unsigned char>(c))) out += '\\';
    out += c;
  }
  out += '"';
}
/// Parses a message that must hold exactly one directive, rspauth=32LHEX.
inline std::optional<std::string> parse_rspauth(std::string_view msg) {
  auto ds = parse_digest_md5_directives(msg, {2048, 4});
  if (!ds || ds->size() != 1 || !ascii_iequals((*ds)[0].name, "rspauth") || !is_lhex((*ds)[0].value, 32))
    return std::nullopt;
  return std::move((*ds)[0].value);
}
}  // namespace detail

/// Client configuration. Strings are UTF-8.
struct digest_md5_client_options {
  std::string username;          ///< authentication identity (a JID's localpart for c2s)
  std::string password;
  std::string authzid;           ///< sent only if it differs from the default (draft §6.1 rule 7)
  std::string service = "xmpp";  ///< digest-uri serv-type (draft §6.1: "xmpp")
  std::string host;              ///< digest-uri host: the server's domain
  std::string serv_name;         ///< optional digest-uri serv-name
  std::string realm;             ///< empty: the first realm offered (or none)
  std::size_t cnonce_length = 24;  ///< characters of 6 random bits each (at least 8 are used)
  /// rfc2831 by default; password_only to talk to a GNU SASL server when the
  /// username or realm has Latin-1-representable non-ASCII characters.
  digest_md5_charset_rule charset_rule = digest_md5_charset_rule::rfc2831;
};

/// DIGEST-MD5 client (RFC 2831 §2.1.2). One exchange per object.
class digest_md5_client final : public client_mechanism {
 public:
  digest_md5_client(digest_md5_client_options opts, random_source& rng) : o_(std::move(opts)), rng_(rng) {
    if (o_.cnonce_length < 8) o_.cnonce_length = 8;
  }

  std::string_view name() const noexcept override { return mechanism_name::digest_md5; }

  /// None: the server speaks first (RFC 2831 §2.1).
  result<std::optional<std::string>, client_error> initial_response() override {
    return std::optional<std::string>{};
  }

  result<std::string, client_error> respond(std::string_view challenge) override {
    switch (state_) {
      case state::expect_challenge: return answer(challenge);
      case state::expect_rspauth: {
        if (auto e = check_rspauth(challenge); !e) return unexpected{e.error()};
        return std::string{};  // RFC 2831 §2.1.3: the reply to rspauth is empty
      }
      default: return fail({client_error::unexpected_message, out_of_turn()});
    }
  }

  result<void, client_error> finish(std::optional<std::string_view> data) override {
    if (state_ == state::expect_rspauth && data) return check_rspauth(*data);  // RFC 6120 §6.4.6 form
    if (state_ == state::verified && (!data || data->empty())) {
      state_ = state::done;
      return {};
    }
    // Success without a verified rspauth: the server never proved it knows
    // the password; mutual authentication failed.
    client_error e{client_error::unexpected_message, out_of_turn()};
    if (state_ == state::expect_rspauth)
      e = {client_error::server_not_authenticated, "success without rspauth"};
    else if (state_ == state::verified)
      e = {client_error::unexpected_message, "additional data with success after rspauth was verified"};
    state_ = state::failed;
    return unexpected{e};
  }

 private:
  enum class state : std::uint8_t { expect_challenge, expect_rspauth, verified, done, failed };

  result<std::string, client_error> fail(client_error e) {
    state_ = state::failed;
    return unexpected{e};
  }

  // Why a server message is not expected now (static text for client_error::reason).
  std::string_view out_of_turn() const noexcept {
    switch (state_) {
      case state::expect_challenge: return "success before the digest-challenge";
      case state::expect_rspauth:  // handled by respond() and finish()
      case state::verified:
      case state::done: return "a message after rspauth was verified";
      case state::failed: break;
    }
    return "the exchange already failed";
  }

  result<std::string, client_error> answer(std::string_view challenge) {
    auto c = parse_digest_md5_challenge(challenge);
    if (!c) {
      // The parser reports `unsupported` only for an algorithm other than md5-sess.
      if (c.error() == digest_md5_error::unsupported)
        return fail({client_error::unsupported_challenge, "digest-challenge algorithm is not md5-sess"});
      return fail({client_error::malformed_challenge, "digest-challenge does not parse", to_string(c.error())});
    }
    bool auth_offered = false;
    for (const auto& q : c->qop_options) auth_offered |= (q == "auth");
    if (!auth_offered) return fail({client_error::unsupported_challenge, "digest-challenge does not offer qop=auth"});
    if (o_.username.empty()) return fail({client_error::invalid_credentials, "username is empty"});
    if (!detail::is_utf8(o_.username)) return fail({client_error::invalid_credentials, "username is not UTF-8"});
    if (!detail::is_utf8(o_.password)) return fail({client_error::invalid_credentials, "password is not UTF-8"});
    // The authzid as every mechanism takes it: UTF-8 without NUL (our server
    // answers anything else with <invalid-authzid/>).
    if (auto bad = detail::authzid_fault(o_.authzid); !bad.empty())
      return fail({client_error::invalid_credentials, bad});

    // The realm, as UTF-8 (a Latin-1 challenge realm is converted).
    std::string realm = o_.realm;
    if (realm.empty() && !c->realms.empty())
      realm = c->utf8 ? c->realms.front() : detail::latin1_to_utf8(c->realms.front());

    // Wire form of username and realm: UTF-8 with charset=utf-8; otherwise the
    // server expects ISO 8859-1 (RFC 2831 §2.1.2), so everything must fit.
    std::string wire_user = o_.username, wire_realm = realm;
    if (!c->utf8) {
      auto u = detail::utf8_to_latin1(o_.username), r = detail::utf8_to_latin1(realm),
           p = detail::utf8_to_latin1(o_.password);
      if (!u || !r || !p)
        return fail({client_error::invalid_credentials,
                     "no charset=utf-8 offered, and a credential has characters beyond ISO 8859-1"});
      wire_user = std::move(*u);
      wire_realm = std::move(*r);
    }
    cnonce_ = detail::random_chars(rng_, o_.cnonce_length, detail::nonce_alphabet_base64);
    uri_ = o_.service + "/" + o_.host;
    if (!o_.serv_name.empty()) uri_ += "/" + o_.serv_name;
    authzid_ = detail::should_send_authzid(o_.authzid, o_.username, o_.host) ? o_.authzid : std::string{};
    secret_ = digest_md5_secret(o_.username, realm, o_.password, c->utf8 ? o_.charset_rule
                                                                        : digest_md5_charset_rule::rfc2831);
    nonce_ = c->nonce;

    std::string out;
    if (c->utf8) out += "charset=utf-8,";
    out += "username=";
    detail::append_quoted(out, wire_user);
    if (!realm.empty() || !c->realms.empty()) {
      out += ",realm=";
      detail::append_quoted(out, wire_realm);
    }
    out += ",nonce=";
    detail::append_quoted(out, nonce_);
    out += ",nc=00000001,cnonce=";
    detail::append_quoted(out, cnonce_);
    out += ",digest-uri=";
    detail::append_quoted(out, uri_);
    out += ",response=";
    out += digest_md5_response_value(secret_, nonce_, cnonce_, "00000001", "auth", uri_, authzid_, false);
    out += ",qop=auth";
    if (!authzid_.empty()) {
      out += ",authzid=";
      detail::append_quoted(out, authzid_);
    }
    state_ = state::expect_rspauth;
    return out;
  }

  result<void, client_error> check_rspauth(std::string_view msg) {
    auto v = detail::parse_rspauth(msg);
    if (!v) {
      state_ = state::failed;
      return unexpected{client_error{client_error::malformed_challenge, "not a single rspauth=32LHEX directive"}};
    }
    const std::string expected =
        digest_md5_response_value(secret_, nonce_, cnonce_, "00000001", "auth", uri_, authzid_, true);
    if (!crypto::constant_time_equal(*v, expected)) {  // the server must know the password too
      state_ = state::failed;
      return unexpected{client_error{client_error::server_not_authenticated, "rspauth does not match"}};
    }
    state_ = state::verified;
    return {};
  }

  digest_md5_client_options o_;
  random_source& rng_;
  state state_ = state::expect_challenge;
  std::string cnonce_, nonce_, uri_, authzid_, secret_;
};

/// Server configuration.
struct digest_md5_server_options {
  std::vector<std::string> hosts;    ///< our domains: digest-uri host (and serv-name) must be one
  std::vector<std::string> realms;   ///< realms offered; empty: the first host
  std::string service = "xmpp";      ///< required digest-uri serv-type (draft §6.1)
  bool rspauth_in_success = false;   ///< false: second challenge (draft §6.5); true: <success/> data (RFC 6120)
  std::size_t nonce_length = 32;     ///< characters of 6 random bits; at least 22 (>= 128 bits) is enforced
  /// Also accept the hash GNU SASL 2.2 clients compute (names not converted
  /// to ISO 8859-1, digest_md5_charset_rule::password_only). Only possible
  /// with a plaintext password; a stored secret fixes one rule.
  bool accept_password_only_rule = false;
};

/// DIGEST-MD5 server (RFC 2831 §2.1.1, §2.1.3). One exchange per object.
class digest_md5_server final : public server_mechanism {
 public:
  digest_md5_server(digest_md5_server_options opts, server_context ctx) : o_(std::move(opts)), ctx_(ctx) {
    if (o_.realms.empty() && !o_.hosts.empty()) o_.realms.push_back(o_.hosts.front());
    if (o_.nonce_length < 22) o_.nonce_length = 22;  // 22 * 6 = 132 bits
  }

  std::string_view name() const noexcept override { return mechanism_name::digest_md5; }

  server_step step(std::optional<std::string_view> response) override {
    switch (state_) {
      case state::start:
        // RFC 2831 §2.1 starts with the server's challenge. A client that sends
        // a digest-response first asks for subsequent authentication (§2.2),
        // which is not offered: "If the server does not support subsequent
        // authentication, then it sends a digest-challenge" (§2.2.2), and the
        // exchange goes on as usual. Anything else in that place breaks the
        // mechanism's syntax: <malformed-request/> (RFC 6120 §6.5.8).
        if (response && !response->empty()) {
          if (auto r = parse_digest_md5_response(*response); !r)
            return fail(sasl_condition::malformed_request, "initial response is not a digest-response",
                        to_string(r.error()));
        }
        return first_challenge();
      case state::expect_response: return check_response(response.value_or(std::string_view{}));
      case state::expect_empty_response:
        if (response && !response->empty()) return fail(sasl_condition::not_authorized, "non-empty final response");
        state_ = state::done;
        return server_step::success();
      default: return fail(sasl_condition::not_authorized, "exchange already finished");
    }
  }

  /// The nonce sent in the challenge (for tests and logs).
  const std::string& nonce() const noexcept { return nonce_; }

 private:
  enum class state : std::uint8_t { start, expect_response, expect_empty_response, done, failed };

  server_step fail(sasl_condition c, std::string_view why, std::string_view lower = {}) {
    state_ = state::failed;
    return server_step::failure(c, why, lower);
  }

  server_step first_challenge() {
    if (!ctx_.random || !ctx_.credentials || o_.hosts.empty())
      return fail(sasl_condition::temporary_auth_failure, "server not configured");
    nonce_ = detail::random_chars(*ctx_.random, o_.nonce_length, detail::nonce_alphabet_base64);
    std::string out;
    for (const auto& r : o_.realms) {
      out += "realm=";
      detail::append_quoted(out, r);
      out += ',';
    }
    out += "nonce=";
    detail::append_quoted(out, nonce_);
    out += ",qop=\"auth\",charset=utf-8,algorithm=md5-sess";
    state_ = state::expect_response;
    return server_step::challenge(std::move(out));
  }

  bool is_our_host(std::string_view h) const {
    for (const auto& x : o_.hosts)
      if (detail::ascii_iequals(x, h)) return true;
    return false;
  }

  server_step check_response(std::string_view msg) {
    auto r = parse_digest_md5_response(msg);
    if (!r) {
      // A malformed authzid is <invalid-authzid/> (draft §6.4: "incorrectly
      // formatted"; RFC 6120 §6.5.6), as in every mechanism; any other break
      // of RFC 2831 §2.1.2's grammar, or a response over its size limit (a
      // response is under 4096 bytes), is <malformed-request/> (RFC 6120
      // §6.5.8). Either way no credential is looked up.
      if (r.error() == digest_md5_error::invalid_authzid)
        return fail(sasl_condition::invalid_authzid, "malformed authzid", to_string(r.error()));
      return fail(sasl_condition::malformed_request, "malformed digest-response", to_string(r.error()));
    }
    // Only the nonce we issued, only once (RFC 2831 §2.1.2: nc counts from 1;
    // a fresh object per exchange means no nonce is ever reused).
    if (!crypto::constant_time_equal(r->nonce, nonce_)) return fail(sasl_condition::not_authorized, "wrong nonce");
    if (r->nc != "00000001") return fail(sasl_condition::not_authorized, "nonce-count is not 00000001");
    if (r->qop != "auth") return fail(sasl_condition::not_authorized, "qop not offered");
    if (r->cipher) return fail(sasl_condition::not_authorized, "cipher without auth-conf");
    // digest-uri = serv-type "/" host [ "/" serv-name ] (RFC 2831 §2.1.2).
    {
      std::string_view uri = r->digest_uri;
      const auto s1 = uri.find('/');
      if (s1 == std::string_view::npos)  // breaks digest-uri-value's grammar (RFC 6120 §6.5.8)
        return fail(sasl_condition::malformed_request, "malformed digest-uri");
      const std::string_view serv = uri.substr(0, s1), rest = uri.substr(s1 + 1);
      const auto s2 = rest.find('/');
      const std::string_view host = rest.substr(0, s2);
      if (serv != o_.service) return fail(sasl_condition::not_authorized, "digest-uri service is not ours");
      if (!is_our_host(host)) return fail(sasl_condition::not_authorized, "digest-uri host is not ours");
      if (s2 != std::string_view::npos && !is_our_host(rest.substr(s2 + 1)))
        return fail(sasl_condition::not_authorized, "digest-uri serv-name is not ours");
    }
    // Identity strings as UTF-8 (without charset=utf-8 they are ISO 8859-1).
    const std::string username = r->utf8 ? r->username : detail::latin1_to_utf8(r->username);
    std::string realm;
    if (r->realm) realm = r->utf8 ? *r->realm : detail::latin1_to_utf8(*r->realm);
    bool offered = false;
    for (const auto& x : o_.realms) offered |= (x == realm);
    if (!offered) return fail(sasl_condition::not_authorized, "realm not offered");
    if (username.size() > 1023) return fail(sasl_condition::not_authorized, "username too long");

    std::string secret, alt_secret;
    {
      auto s = ctx_.credentials->digest_md5_secret(username, realm);
      if (!s) return fail(s.error(), "credential store failure");
      if (*s && s->value().size() == 16) {
        secret = std::move(s->value());
      } else {
        auto p = ctx_.credentials->password(username, realm);
        if (!p) return fail(p.error(), "credential store failure");
        if (!*p) return fail(sasl_condition::not_authorized, "unknown user");
        // Without charset=utf-8 the names were sent as ISO 8859-1 and are hashed
        // as sent, which is what the RFC rule produces from their UTF-8 form.
        secret = digest_md5_secret(username, realm, **p);
        if (o_.accept_password_only_rule && r->utf8)
          alt_secret = digest_md5_secret(username, realm, **p, digest_md5_charset_rule::password_only);
      }
    }
    const std::string authzid = r->authzid.value_or(std::string{});
    const std::string expected = digest_md5_response_value(secret, nonce_, r->cnonce, r->nc, r->qop,
                                                           r->digest_uri, authzid, false);
    bool ok = crypto::constant_time_equal(expected, r->response);  // constant time: no timing oracle
    if (!ok && !alt_secret.empty() && alt_secret != secret) {
      ok = crypto::constant_time_equal(
          digest_md5_response_value(alt_secret, nonce_, r->cnonce, r->nc, r->qop, r->digest_uri, authzid, false),
          r->response);
      if (ok) secret = alt_secret;  // rspauth must use the secret the client used
    }
    if (!ok) return fail(sasl_condition::not_authorized, "wrong response");
    // Asked only once the response is verified: a refused authzid is also
    // <invalid-authzid/> (draft §6.4: no "permissions to authorize that ID").
    if (!authzid.empty() && (!ctx_.authz || !ctx_.authz->authorize(username, authzid)))
      return fail(sasl_condition::invalid_authzid, "authzid refused");

    authcid_ = username;
    authzid_ = authzid;
    std::string rspauth = "rspauth=" + digest_md5_response_value(secret, nonce_, r->cnonce, r->nc, r->qop,
                                                                 r->digest_uri, authzid, true);
    if (o_.rspauth_in_success) {
      state_ = state::done;
      return server_step::success(std::move(rspauth));
    }
    state_ = state::expect_empty_response;
    return server_step::challenge(std::move(rspauth));
  }

  digest_md5_server_options o_;
  server_context ctx_;
  state state_ = state::start;
  std::string nonce_;
};

}  // namespace xmppcore::sasl
