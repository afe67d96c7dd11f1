// xmppcore — PLAIN (RFC 4616), client and server.
//
//   message = [authzid] UTF8NUL authcid UTF8NUL passwd
//
// Only over TLS (the XMPP layer's policy). The authcid and password are
// prepared with SASLprep (RFC 4013, ICU's profile via jid/stringprep.hpp) as
// query strings on both sides (RFC 4616 §2), and compared in constant time.
// The server can verify against a stored plaintext password or, without any
// plaintext, against SCRAM stored keys (SaltedPassword → ClientKey → StoredKey).
// Checking stored keys costs a PBKDF2 run; every other verdict (unknown user,
// plaintext password, unusable keys) pays for a stand-in run of the same
// shape, so the answer's timing does not tell which users exist.
#pragma once

#include <xmppcore/conditions.hpp>
#include <xmppcore/crypto/constant_time.hpp>
#include <xmppcore/crypto/hmac.hpp>
#include <xmppcore/crypto/pbkdf2.hpp>
#include <xmppcore/crypto/sha1.hpp>
#include <xmppcore/crypto/sha256.hpp>
#include <xmppcore/jid/stringprep.hpp>
#include <xmppcore/result.hpp>
#include <xmppcore/sasl/detail/saslprep.hpp>
#include <xmppcore/sasl/detail/text.hpp>
#include <xmppcore/sasl/mechanism.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace xmppcore::sasl {

/// Why a PLAIN message was refused.
enum class plain_error : std::uint8_t {
  too_long,      ///< over the size limit
  syntax,        ///< not exactly two NULs
  invalid_utf8,  ///< a field is not UTF-8 (RFC 4616 §2: UTF8-SAFE)
  empty,         ///< empty authcid or password (RFC 4616 §2: 1*SAFE)
  /// The authzid is not UTF-8 (RFC 4616 §2: authzid = 1*SAFE); only reported
  /// when the rest of the message is well-formed.
  invalid_authzid,
};

/// Name of a plain_error, for logs.
constexpr std::string_view to_string(plain_error e) noexcept {
  switch (e) {
    case plain_error::too_long: return "too-long";
    case plain_error::syntax: return "syntax";
    case plain_error::invalid_utf8: return "invalid-utf8";
    case plain_error::empty: return "empty";
    case plain_error::invalid_authzid: return "invalid-authzid";
  }
  return "unknown";
}

/// The three fields of a PLAIN message, as sent (not yet prepared).
struct plain_message {
  std::string authzid;
  std::string authcid;
  std::string password;
};

/// Parses a PLAIN message (RFC 4616 §2) strictly.
inline result<plain_message, plain_error> parse_plain_message(std::string_view msg,
                                                             std::size_t max_size = default_max_message) {
  if (msg.size() > max_size) return unexpected{plain_error::too_long};
  const auto a = msg.find('\0');
  if (a == std::string_view::npos) return unexpected{plain_error::syntax};
  const auto b = msg.find('\0', a + 1);
  if (b == std::string_view::npos || msg.find('\0', b + 1) != std::string_view::npos)
    return unexpected{plain_error::syntax};
  plain_message m{std::string(msg.substr(0, a)), std::string(msg.substr(a + 1, b - a - 1)),
                  std::string(msg.substr(b + 1))};
  if (!detail::is_utf8(m.authcid) || !detail::is_utf8(m.password)) return unexpected{plain_error::invalid_utf8};
  if (m.authcid.empty() || m.password.empty()) return unexpected{plain_error::empty};
  // Last, so that the server can answer <invalid-authzid/> for a message that
  // is malformed in its authzid only (draft §6.4, RFC 6120 §6.5.6). The form
  // of a valid authzid (a JID) is the application's (RFC 4616 §2): the authorizer's.
  if (!detail::is_utf8(m.authzid)) return unexpected{plain_error::invalid_authzid};
  return m;
}

/// Client configuration (UTF-8 strings).
struct plain_client_options {
  std::string username;  ///< authcid
  std::string password;
  std::string authzid;   ///< sent only if it differs from the default (draft §6.1 rule 7)
  std::string domain;    ///< our domain, to recognise authzid == username@domain as the default
};

/// PLAIN client: everything goes in the initial response.
class plain_client final : public client_mechanism {
 public:
  explicit plain_client(plain_client_options o) : o_(std::move(o)) {}
  std::string_view name() const noexcept override { return mechanism_name::plain; }

  result<std::optional<std::string>, client_error> initial_response() override {
    auto user = detail::saslprep_nonempty(o_.username);
    if (!user) return unexpected{credentials_error("username fails SASLprep", user.error().detail)};
    auto pass = detail::saslprep_nonempty(o_.password);
    if (!pass) return unexpected{credentials_error("password fails SASLprep", pass.error().detail)};
    std::string out;
    if (detail::should_send_authzid(o_.authzid, o_.username, o_.domain)) {
      if (auto bad = detail::authzid_fault(o_.authzid); !bad.empty())
        return unexpected{credentials_error(bad)};
      out = o_.authzid;
    }
    out += '\0';
    out += *user;
    out += '\0';
    out += *pass;
    return std::optional<std::string>{std::move(out)};
  }
  /// PLAIN has no challenges (RFC 4616 §2).
  result<std::string, client_error> respond(std::string_view) override {
    return unexpected{client_error{client_error::unexpected_message, "a challenge, but PLAIN has none"}};
  }
  result<void, client_error> finish(std::optional<std::string_view> data) override {
    if (data && !data->empty())
      return unexpected{
          client_error{client_error::unexpected_message, "additional data with success, but PLAIN has none"}};
    return {};
  }

 private:
  static client_error credentials_error(std::string_view why, std::string_view lower = {}) noexcept {
    return {client_error::invalid_credentials, why, lower};
  }

  plain_client_options o_;
};

/// Server configuration.
struct plain_server_options {
  /// PBKDF2 iterations of the stand-in derivation (see plain_server). Set it
  /// to the iteration count of the stored SCRAM keys, so that an unknown user
  /// costs what a known one does (0: 4096, the scram_server_options default).
  std::uint32_t dummy_iterations = 4096;
};

/// PLAIN server.
///
/// Timing: verifying against stored SCRAM keys runs Hi() = PBKDF2 (RFC 5802
/// §3) over the offered password, which is slow by design; answering "no
/// such user" needs no computation at all. So that the time to answer does
/// not reveal which users exist, every attempt that reaches the credential
/// store and did not run the real derivation (unknown user, plaintext
/// password, keys with an unusable iteration count) runs the same
/// computation over a fixed salt with `dummy_iterations` (SHA-256, the hash
/// tried first) and discards the result. Verdicts are unchanged: an unknown
/// user or a wrong password is <not-authorized/> (draft §6.4), the server
/// having checked authcid and password against its own database (RFC 4616 §2).
class plain_server final : public server_mechanism {
 public:
  explicit plain_server(server_context ctx) : plain_server(plain_server_options{}, ctx) {}
  plain_server(plain_server_options o, server_context ctx) : o_(o), ctx_(ctx) {
    if (o_.dummy_iterations == 0) o_.dummy_iterations = 4096;
  }
  std::string_view name() const noexcept override { return mechanism_name::plain; }

  server_step step(std::optional<std::string_view> response) override {
    if (done_) return server_step::failure(sasl_condition::not_authorized, "exchange already finished");
    if (!response) {
      // After the empty challenge the message is due; no data at all is not one
      // (RFC 4616 §2: message = [authzid] UTF8NUL authcid UTF8NUL passwd).
      if (asked_) return finish_with(server_step::failure(sasl_condition::malformed_request, "no PLAIN message"));
      asked_ = true;  // RFC 4422 §5: no initial response → empty challenge
      return server_step::challenge({});
    }
    return finish_with(verify(*response));
  }

 private:
  server_step finish_with(server_step s) {
    done_ = true;
    return s;
  }

  server_step verify(std::string_view msg) {
    if (!ctx_.credentials) return server_step::failure(sasl_condition::temporary_auth_failure, "no credential store");
    auto m = parse_plain_message(msg);
    if (!m) {
      // A malformed authzid is <invalid-authzid/> (draft §6.4: "incorrectly
      // formatted"; RFC 6120 §6.5.6), as in every mechanism; any other break
      // of RFC 4616's grammar (or of our size cap) is <malformed-request/>
      // (RFC 6120 §6.5.8: "violates the syntax for the specified SASL
      // mechanism"). Either way no credential is looked up.
      if (m.error() == plain_error::invalid_authzid)
        return server_step::failure(sasl_condition::invalid_authzid, "malformed authzid", to_string(m.error()));
      return server_step::failure(sasl_condition::malformed_request, "malformed PLAIN message", to_string(m.error()));
    }
    // SASLprep refusals: see detail::saslprep_condition (not-authorized for
    // what cannot be a name or password, malformed-request for the input's form).
    auto user = detail::saslprep_nonempty(m->authcid);
    if (!user) return server_step::failure(user.error().condition, "authcid fails SASLprep", user.error().detail);
    auto pass = detail::saslprep_nonempty(m->password);
    if (!pass) return server_step::failure(pass.error().condition, "password fails SASLprep", pass.error().detail);

    bool ok = false, known = false, derived = false;
    auto stored = ctx_.credentials->password(*user, {});
    if (!stored) return server_step::failure(stored.error(), "credential store failure");
    if (*stored) {
      known = true;
      auto prepped = jid::saslprep(**stored, jid::prep_mode::query);
      ok = prepped && crypto::constant_time_equal(*prepped, *pass);
    } else {
      for (auto h : {scram_hash::sha256, scram_hash::sha1}) {
        auto k = ctx_.credentials->scram(h, *user);
        if (!k) return server_step::failure(k.error(), "credential store failure");
        if (!*k) continue;
        known = true;
        if (usable(**k)) {
          derived = true;
          ok = h == scram_hash::sha256 ? check_scram<crypto::sha256>(**k, *pass)
                                       : check_scram<crypto::sha1>(**k, *pass);
        }
        break;
      }
    }
    // No PBKDF2 ran above: run the stand-in, so that this answer takes as
    // long as one for a user with stored keys (see the class comment).
    if (!derived) dummy_check(*pass);
    if (!known) return server_step::failure(sasl_condition::not_authorized, "unknown user");
    if (!ok) return server_step::failure(sasl_condition::not_authorized, "wrong password");
    // Asked only once the credentials are verified: a refused authzid is
    // also <invalid-authzid/> (draft §6.4: no "permissions to authorize that ID").
    if (!m->authzid.empty() && (!ctx_.authz || !ctx_.authz->authorize(*user, m->authzid)))
      return server_step::failure(sasl_condition::invalid_authzid, "authzid refused");
    authcid_ = std::move(*user);
    authzid_ = std::move(m->authzid);
    return server_step::success();
  }

  // An iteration count we are willing to run: at least one, and a cap so that
  // a corrupt store entry cannot stall the server.
  static bool usable(const scram_credentials& k) noexcept {
    return k.iterations != 0 && k.iterations <= 10'000'000;
  }

  // StoredKey == H(HMAC(Hi(password, salt, i), "Client Key")) (RFC 5802 §3).
  // The final comparison goes through a volatile (constant_time_equal), so
  // the derivation cannot be optimised away even when the caller ignores the
  // result, as dummy_check() does.
  template <class Hash>
  static bool check_scram(const scram_credentials& k, std::string_view password) {
    const auto salted = crypto::pbkdf2<Hash>(password, k.salt, k.iterations);
    const auto client_key =
        crypto::hmac<Hash>::mac(std::span<const std::byte>(salted), std::span<const std::byte>(
                                                                        reinterpret_cast<const std::byte*>("Client Key"), 10));
    const auto stored = Hash::hash(std::span<const std::byte>(client_key));
    return crypto::constant_time_equal(
        std::string_view(reinterpret_cast<const char*>(stored.data()), stored.size()), k.stored_key);
  }

  // The stand-in: check_scram() over the offered password with a fixed
  // 16-octet salt (the length scram_server makes up) and a StoredKey no
  // derivation gives in practice; the verdict is discarded.
  void dummy_check(std::string_view password) const {
    const scram_credentials k{std::string("xmppcore-plain-\x01", 16), o_.dummy_iterations,
                              std::string(crypto::sha256::digest_size, '\0'), {}};
    (void)check_scram<crypto::sha256>(k, password);
  }

  plain_server_options o_;
  server_context ctx_;
  bool asked_ = false;
  bool done_ = false;
};

}  // namespace xmppcore::sasl
