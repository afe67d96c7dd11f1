// xmppcore — the one interface every SASL mechanism implements, for both roles,
// and the small interfaces through which the embedder supplies credentials,
// authorization decisions and randomness (README, "Architecture").
//
// Theory of operation (draft §6.2, RFC 4422 §3):
//
//   client object                       XMPP layer                server object
//   initial_response() ──▶ <auth mechanism=... >[data]</auth> ──▶ step(initial or nullopt)
//                                                              ◀── server_step:
//   respond(challenge) ◀── <challenge>data</challenge> ◀──────────  challenge(data)
//          └──────────────▶ <response>data</response> ─────────▶ step(data)
//   finish(data?)      ◀── <success>[data]</success>   ◀──────────  success(data?)
//   (abort)            ◀── <failure><condition/></failure> ◀──────  failure(condition)
//
// Mechanism objects only transform octet strings: base64 and the XML elements
// are the XMPP layer's job (sasl/payload.hpp helps with the former). They do no
// I/O, keep no global state and throw nothing on the receive path; every
// malformed input gives a defined failure. Each object serves one exchange.
//
// Payloads are octet strings held in std::string (not necessarily text).
//
// Which <failure/> condition a server mechanism answers (draft §6.4, with
// RFC 6120 §6.5 where it is more precise):
//   incorrect-encoding      the element's base64 is bad; sasl/payload.hpp says
//                           so before any mechanism runs (draft §6.4)
//   malformed-request       the decoded message breaks the mechanism's own
//                           grammar or size limit, base64 inside a SCRAM
//                           attribute included (RFC 6120 §6.5.8: "the data sent
//                           violates the syntax for the specified SASL
//                           mechanism"); also a name or password that SASLprep
//                           refuses for its form, e.g. a run of more than 30
//                           combining marks (sasl/detail/saslprep.hpp)
//   invalid-authzid         a malformed authzid, or one the authorizer refuses
//                           (draft §6.4, RFC 6120 §6.5.6)
//   not-authorized          everything else the peer got wrong in a well-formed
//                           message: unknown user, wrong password or proof,
//                           wrong nonce, realm or digest-uri, a name SASLprep
//                           prohibits (RFC 4616 §2: verification fails),
//                           refused channel binding or extension, a message out
//                           of turn
//   temporary-auth-failure  the credential store or ICU failed, or the server
//                           is not configured: not the peer's fault
// server_step::reason and ::detail say which case it was, for logs; on the
// client side client_error carries the same two.
#pragma once

#include <xmppcore/conditions.hpp>
#include <xmppcore/crypto/random_source.hpp>
#include <xmppcore/result.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace xmppcore::sasl {

using crypto::random_source;

/// Mechanism names as registered with IANA and sent in <mechanism/> (draft §6.1).
namespace mechanism_name {
inline constexpr std::string_view digest_md5 = "DIGEST-MD5";
inline constexpr std::string_view plain = "PLAIN";
inline constexpr std::string_view external = "EXTERNAL";
inline constexpr std::string_view scram_sha1 = "SCRAM-SHA-1";
inline constexpr std::string_view scram_sha256 = "SCRAM-SHA-256";
}  // namespace mechanism_name

/// The mechanisms this library implements.
enum class mechanism_id : std::uint8_t { digest_md5, plain, external, scram_sha1, scram_sha256 };

/// IANA name of a mechanism_id.
constexpr std::string_view to_string(mechanism_id m) noexcept {
  switch (m) {
    case mechanism_id::digest_md5: return mechanism_name::digest_md5;
    case mechanism_id::plain: return mechanism_name::plain;
    case mechanism_id::external: return mechanism_name::external;
    case mechanism_id::scram_sha1: return mechanism_name::scram_sha1;
    case mechanism_id::scram_sha256: return mechanism_name::scram_sha256;
  }
  return {};
}

/// The mechanism named by an <auth mechanism='...'/> attribute. Names are
/// case-sensitive upper case (RFC 4422 §3.1); anything else, including a
/// mechanism we do not implement, is <invalid-mechanism/> (draft §6.4).
/// Whether it was offered on this stream is the caller's check (same condition).
inline result<mechanism_id, sasl_condition> parse_mechanism_name(std::string_view name) noexcept {
  for (auto m : {mechanism_id::digest_md5, mechanism_id::plain, mechanism_id::external, mechanism_id::scram_sha1,
                 mechanism_id::scram_sha256})
    if (to_string(m) == name) return m;
  return unexpected{sasl_condition::invalid_mechanism};
}

/// Default cap on one decoded SASL message (challenge, response, initial
/// response). Larger inputs are refused before any parsing: every quantity a peer
/// controls has a limit checked before memory is set aside.
inline constexpr std::size_t default_max_message = 4096;

/// What a server mechanism wants sent next.
struct server_step {
  enum class kind : std::uint8_t {
    challenge,  ///< send <challenge/> with `data`, then feed the next <response/> to step()
    success,    ///< send <success/>, with `data` when `has_data` (RFC 6120 §6.4.6 additional data)
    failure,    ///< send <failure/> with `condition`; the exchange is over
  };
  kind what = kind::failure;
  std::string data;
  bool has_data = false;  ///< success only: additional data present (even if empty)
  sasl_condition condition = sasl_condition::not_authorized;
  std::string_view reason;  ///< failure only: static text for logs, never sent
  /// failure only: the parser's or SASLprep's own name for the fault, when a
  /// message did not parse or a string did not prepare (static text; may be empty)
  std::string_view detail;

  static server_step challenge(std::string d) {
    server_step s;
    s.what = kind::challenge;
    s.data = std::move(d);
    return s;
  }
  static server_step success() {
    server_step s;
    s.what = kind::success;
    return s;
  }
  static server_step success(std::string additional) {
    server_step s;
    s.what = kind::success;
    s.data = std::move(additional);
    s.has_data = true;
    return s;
  }
  static server_step failure(sasl_condition c, std::string_view why, std::string_view lower = {}) {
    server_step s;
    s.what = kind::failure;
    s.condition = c;
    s.reason = why;
    s.detail = lower;
    return s;
  }
  bool is_challenge() const noexcept { return what == kind::challenge; }
  bool is_success() const noexcept { return what == kind::success; }
  bool is_failure() const noexcept { return what == kind::failure; }
};

/// Why a client mechanism gave up: the coarse kind, which tells the XMPP layer
/// what to do, and the mechanism's own reason, which tells a person what
/// happened. In every case the XMPP layer sends <abort/> (draft §6.2 step 5)
/// or, after <success/>, treats the stream as untrusted.
///
/// Compares equal to its kind (`r.error() == client_error::malformed_challenge`)
/// and is built from one, so code that only cares about the kind reads as if
/// this were the enum. `reason` and `detail` are static text: they stay valid
/// after the mechanism object is gone and cost nothing to copy.
struct client_error {
  enum class kind : std::uint8_t {
    malformed_challenge,       ///< the server's data does not follow the mechanism's grammar
    unsupported_challenge,     ///< well-formed, but asks for what we refuse (algorithm, qop, weak iteration count)
    server_not_authenticated,  ///< rspauth / server signature wrong or missing (mutual authentication failed)
    invalid_credentials,       ///< our own username/password/authzid cannot be encoded (SASLprep, charset)
    unexpected_message,        ///< a challenge or success the mechanism did not expect at this point
    server_error,              ///< the server reported an error inside the mechanism (SCRAM "e=")
  };
  // client_error::malformed_challenge etc. name the kinds (not `using enum`:
  // GCC 12 crashes on its enumerators inside templates).
  static constexpr kind malformed_challenge = kind::malformed_challenge;
  static constexpr kind unsupported_challenge = kind::unsupported_challenge;
  static constexpr kind server_not_authenticated = kind::server_not_authenticated;
  static constexpr kind invalid_credentials = kind::invalid_credentials;
  static constexpr kind unexpected_message = kind::unexpected_message;
  static constexpr kind server_error = kind::server_error;

  kind what = kind::unexpected_message;
  /// What the mechanism refused, for logs ("server-first nonce does not start
  /// with our client nonce"). Set by every failure this library reports.
  std::string_view reason;
  /// The lower layer's own name for the fault, when there is one: the
  /// parser's error (to_string of scram_error, digest_md5_error), SASLprep's
  /// (jid::to_string(prep_error)), or the SCRAM server-error-value the server
  /// sent (RFC 5802 §7). Empty otherwise.
  std::string_view detail;

  constexpr client_error() noexcept = default;
  // Implicit by design: `unexpected{client_error::server_error}` keeps working.
  constexpr client_error(kind k, std::string_view why = {}, std::string_view lower = {}) noexcept  // NOLINT
      : what(k), reason(why), detail(lower) {}

  friend constexpr bool operator==(const client_error& e, kind k) noexcept { return e.what == k; }
};

/// Name of a client_error kind, for logs.
constexpr std::string_view to_string(client_error::kind e) noexcept {
  switch (e) {
    case client_error::malformed_challenge: return "malformed-challenge";
    case client_error::unsupported_challenge: return "unsupported-challenge";
    case client_error::server_not_authenticated: return "server-not-authenticated";
    case client_error::invalid_credentials: return "invalid-credentials";
    case client_error::unexpected_message: return "unexpected-message";
    case client_error::server_error: return "server-error";
  }
  return "unknown";
}

/// One line for logs: "kind: reason (detail)", e.g. "malformed-challenge:
/// server-first-message does not parse (invalid-nonce)".
inline std::string to_string(const client_error& e) {
  std::string out(to_string(e.what));
  if (!e.reason.empty()) out.append(": ").append(e.reason);
  if (!e.detail.empty()) out.append(" (").append(e.detail).append(")");
  return out;
}

/// Client side of one mechanism exchange.
class client_mechanism {
 public:
  virtual ~client_mechanism() = default;
  /// The IANA name, as sent in <auth mechanism='...'/>.
  virtual std::string_view name() const noexcept = 0;
  /// The initial response for <auth/>; nullopt when the mechanism has none
  /// (the server speaks first, as in DIGEST-MD5). An empty string is a
  /// zero-length response (sent as "=", draft §6.2 step 3). Call once, first.
  virtual result<std::optional<std::string>, client_error> initial_response() = 0;
  /// The response to one decoded <challenge/>.
  virtual result<std::string, client_error> respond(std::string_view challenge) = 0;
  /// <success/> arrived, with its additional data if any. An error means the
  /// server did not prove itself: do not trust the stream.
  virtual result<void, client_error> finish(std::optional<std::string_view> additional_data) = 0;
};

/// Server side of one mechanism exchange.
class server_mechanism {
 public:
  virtual ~server_mechanism() = default;
  /// The IANA name.
  virtual std::string_view name() const noexcept = 0;
  /// First call: the decoded initial response of <auth/>, or nullopt when
  /// there was none. Later calls: each decoded <response/>. After a success or
  /// failure, further calls fail with not-authorized.
  virtual server_step step(std::optional<std::string_view> response) = 0;

  /// After success: the authentication identity (as the credentials know it).
  const std::string& authcid() const noexcept { return authcid_; }
  /// After success: the requested authorization identity; empty means the
  /// default identity derived from authcid (draft §6.1 rule 7).
  const std::string& authzid() const noexcept { return authzid_; }

 protected:
  std::string authcid_;
  std::string authzid_;
};

/// A credentials lookup: the value, nullopt for "no such user / no such
/// credential", or a condition (typically temporary_auth_failure when the
/// embedder's store is unavailable) that ends the exchange.
template <class T>
using lookup_result = result<std::optional<T>, sasl_condition>;

/// Which SCRAM hash a stored key belongs to.
enum class scram_hash : std::uint8_t { sha1, sha256 };

/// SCRAM server-side credentials (RFC 5802 §3): no plaintext needed.
struct scram_credentials {
  std::string salt;        ///< raw octets
  std::uint32_t iterations = 0;
  std::string stored_key;  ///< raw octets, H(ClientKey)
  std::string server_key;  ///< raw octets, HMAC(SaltedPassword, "Server Key")
};

/// Server-side credentials, implemented by the embedder. Each lookup defaults
/// to "not stored", so an embedder overrides only the forms it keeps.
/// Usernames are passed as UTF-8 (SASLprep'd for PLAIN and SCRAM).
class credential_store {
 public:
  virtual ~credential_store() = default;
  /// The plaintext password of `username` (realm is empty except for DIGEST-MD5).
  virtual lookup_result<std::string> password(std::string_view username, std::string_view realm) {
    (void)username;
    (void)realm;
    return std::optional<std::string>{};
  }
  /// DIGEST-MD5: the 16 octets of H(username ":" realm ":" password) as
  /// sasl::digest_md5_secret() computes them (RFC 2831 §2.1.2.1).
  virtual lookup_result<std::string> digest_md5_secret(std::string_view username, std::string_view realm) {
    (void)username;
    (void)realm;
    return std::optional<std::string>{};
  }
  /// SCRAM stored keys for `username` (see sasl::scram_derive_credentials()).
  virtual lookup_result<scram_credentials> scram(scram_hash hash, std::string_view username) {
    (void)hash;
    (void)username;
    return std::optional<scram_credentials>{};
  }
};

/// Authorization decisions, implemented by the embedder: may the entity that
/// authenticated as `authcid` act as `authzid`? Only asked for a non-empty
/// authzid, and only after the credentials are verified; an empty one means
/// the default identity. The mechanisms check the authzid's encoding (UTF-8,
/// no NUL, the mechanism's own syntax) before asking; whether it is a valid
/// JID is the authorizer's call. Answer false both for an authzid that is
/// incorrectly formatted and for one `authcid` may not use: both are
/// <invalid-authzid/> (draft §6.4, RFC 6120 §6.5.6), in every mechanism, as is
/// every non-empty authzid when there is no authorizer.
class authorizer {
 public:
  virtual ~authorizer() = default;
  virtual bool authorize(std::string_view authcid, std::string_view authzid) = 0;
};

/// What every server mechanism gets from the embedder. The pointed-to objects
/// must outlive the mechanism object.
struct server_context {
  credential_store* credentials = nullptr;  ///< required by PLAIN, DIGEST-MD5, SCRAM
  authorizer* authz = nullptr;              ///< optional
  random_source* random = nullptr;          ///< required by DIGEST-MD5 and SCRAM (nonces, salts)
};

}  // namespace xmppcore::sasl
