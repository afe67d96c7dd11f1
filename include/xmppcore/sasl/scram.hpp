// xmppcore — SCRAM-SHA-1 (RFC 5802) and SCRAM-SHA-256 (RFC 7677), client and
// server, without channel binding (gs2 flags "n" and "y").
//
//   client                                            server
//   n,[a=authzid],n=user,r=cnonce               ──▶   look up salt, i, StoredKey, ServerKey
//                                               ◀──   r=cnonce+snonce,s=salt,i=4096
//   c=base64(gs2-header),r=nonce,p=ClientProof  ──▶   H(ClientProof ^ ClientSignature) == StoredKey ?
//                                               ◀──   v=ServerSignature  (challenge, or success data)
//   verify ServerSignature in constant time
//
// RFC 5802 §3:
//   SaltedPassword  = Hi(Normalize(password), salt, i)      Hi = PBKDF2 with dkLen = hLen
//   ClientKey       = HMAC(SaltedPassword, "Client Key");   StoredKey = H(ClientKey)
//   ServerKey       = HMAC(SaltedPassword, "Server Key")
//   AuthMessage     = client-first-bare "," server-first "," client-final-without-proof
//   ClientSignature = HMAC(StoredKey, AuthMessage);         ClientProof = ClientKey XOR ClientSignature
//   ServerSignature = HMAC(ServerKey, AuthMessage)
// Normalize is SASLprep as a query string (RFC 5802 §2.2).
//
// Channel binding: a server that advertised a -PLUS variant must refuse "y"
// (RFC 5802 §6: a downgrade); "p=" is always refused here (no -PLUS support).
//
// The server does not tell which users exist (the concern behind RFC 5802
// §7's note that a server may report "other-error" instead of the real
// reason): an unknown user gets a server-first-message too, with a made-up
// salt, and fails at the client-final-message exactly like a wrong password;
// every server-first costs one PBKDF2 run. What this cannot hide is listed
// with scram_server_options::salt_key and scram_server.
#pragma once

#include <xmppcore/conditions.hpp>
#include <xmppcore/crypto/base64.hpp>
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

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace xmppcore::sasl {

/// Why a SCRAM message was refused.
enum class scram_error : std::uint8_t {
  too_long,            ///< over the size limit
  syntax,              ///< attributes missing, out of order or malformed
  invalid_name,        ///< saslname with a bad "=" escape, NUL or invalid UTF-8
  invalid_authzid,     ///< the gs2 header's a= saslname is malformed (the rest being well-formed)
  invalid_nonce,       ///< empty, or a character outside `printable`
  invalid_base64,      ///< salt, channel binding or proof is not strict base64
  invalid_iterations,  ///< not a positive decimal number below 2^32
  mandatory_extension, ///< "m=" present (RFC 5802 §5.1: must fail)
};

/// Name of a scram_error, for logs.
constexpr std::string_view to_string(scram_error e) noexcept {
  switch (e) {
    case scram_error::too_long: return "too-long";
    case scram_error::syntax: return "syntax";
    case scram_error::invalid_name: return "invalid-name";
    case scram_error::invalid_authzid: return "invalid-authzid";
    case scram_error::invalid_nonce: return "invalid-nonce";
    case scram_error::invalid_base64: return "invalid-base64";
    case scram_error::invalid_iterations: return "invalid-iterations";
    case scram_error::mandatory_extension: return "mandatory-extension";
  }
  return "unknown";
}

/// client-first-message (RFC 5802 §7). Views point into the parsed text.
struct scram_client_first {
  char cbind_flag = 'n';         ///< 'n', 'y' or 'p'
  std::string cb_name;           ///< for 'p'
  std::string authzid;           ///< unescaped; empty when absent
  std::string username;          ///< unescaped, not prepared
  std::string nonce;
  std::string_view gs2_header;   ///< "n,,", "y,a=...," ... (into the input)
  std::string_view bare;         ///< client-first-message-bare (into the input)
};

/// server-first-message.
struct scram_server_first {
  std::string nonce;
  std::string salt;              ///< decoded octets
  std::uint32_t iterations = 0;
};

/// client-final-message.
struct scram_client_final {
  std::string channel_binding;   ///< decoded c= value
  std::string nonce;
  std::string proof;             ///< decoded p= value
  std::string_view without_proof;  ///< client-final-message-without-proof (into the input)
};

/// server-final-message: either an error or the verifier.
struct scram_server_final {
  std::optional<std::string> error;  ///< e= value
  std::string verifier;              ///< decoded v= value
};

namespace detail {

// saslname = 1*(value-safe-char / "=2C" / "=3D"); value-safe-char excludes NUL, "=" and "," (RFC 5802 §7).
inline std::optional<std::string> scram_unescape(std::string_view s) {
  if (s.empty() || !is_utf8(s)) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '\0' || c == ',') return std::nullopt;
    if (c == '=') {
      if (s.substr(i, 3) == "=2C") {
        out += ',';
      } else if (s.substr(i, 3) == "=3D") {
        out += '=';
      } else {
        return std::nullopt;
      }
      i += 2;
      continue;
    }
    out += c;
  }
  return out;
}
inline std::string scram_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == ',') {
      out += "=2C";
    } else if (c == '=') {
      out += "=3D";
    } else {
      out += c;
    }
  }
  return out;
}
inline bool scram_printable(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s)
    if (c < 0x21 || c > 0x7e || c == ',') return false;
  return true;
}

/// Splits "k=v,k=v,..." one attribute at a time.
struct scram_reader {
  std::string_view s;
  std::size_t pos = 0;
  bool at_end() const noexcept { return pos >= s.size(); }
  /// The value of the next attribute if it is `key`; advances past its ','.
  std::optional<std::string_view> take(char key) {
    if (pos + 2 > s.size() || s[pos] != key || s[pos + 1] != '=') return std::nullopt;
    const std::size_t start = pos + 2;
    std::size_t end = s.find(',', start);
    if (end == std::string_view::npos) end = s.size();
    const std::string_view v = s.substr(start, end - start);
    pos = end == s.size() ? end : end + 1;
    if (end != s.size() && pos == s.size()) pos = s.size() + 1;  // trailing ',' is a syntax error
    return v;
  }
  /// Skips extensions: attr-val = ALPHA "=" value, ignored (RFC 5802 §5.1).
  bool skip_extensions() {
    while (pos < s.size()) {
      const char k = s[pos];
      if (!((k >= 'a' && k <= 'z') || (k >= 'A' && k <= 'Z'))) return false;
      if (!take(k)) return false;
    }
    return pos == s.size();
  }
};

/// The server-error-values RFC 5802 §7 defines, as static text: the one `e`
/// names, or "unrecognized server-error-value" (server-error-value-ext, which
/// a client must treat as other-error).
inline std::string_view scram_server_error_name(std::string_view e) noexcept {
  static constexpr std::string_view known[] = {
      "invalid-encoding",
      "extensions-not-supported",
      "invalid-proof",
      "channel-bindings-dont-match",
      "server-does-support-channel-binding",
      "channel-binding-not-supported",
      "unsupported-channel-binding-type",
      "unknown-user",
      "invalid-username-encoding",
      "no-resources",
      "other-error",
  };
  for (std::string_view k : known)
    if (k == e) return k;
  return "unrecognized server-error-value";
}

inline std::optional<std::uint32_t> parse_u32(std::string_view s) noexcept {
  if (s.empty() || s.size() > 10 || s[0] == '0') return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (v > 0xffffffffu) return std::nullopt;
  return static_cast<std::uint32_t>(v);
}

}  // namespace detail

/// Parses a client-first-message (RFC 5802 §7: gs2-header client-first-message-bare).
inline result<scram_client_first, scram_error> parse_scram_client_first(std::string_view msg,
                                                                       std::size_t max_size = default_max_message) {
  if (msg.size() > max_size) return unexpected{scram_error::too_long};
  scram_client_first m;
  std::size_t i;
  // gs2-cbind-flag = ("p=" cb-name) / "n" / "y"
  if (msg.starts_with("n,") || msg.starts_with("y,")) {
    m.cbind_flag = msg[0];
    i = 2;
  } else if (msg.starts_with("p=")) {
    m.cbind_flag = 'p';
    const auto c = msg.find(',');
    if (c == std::string_view::npos || c == 2) return unexpected{scram_error::syntax};
    for (char ch : msg.substr(2, c - 2))  // cb-name = 1*(ALPHA / DIGIT / "." / "-")
      if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
            ch == '-'))
        return unexpected{scram_error::syntax};
    m.cb_name.assign(msg.substr(2, c - 2));
    i = c + 1;
  } else {
    return unexpected{scram_error::syntax};
  }
  // [ authzid ] ","   with authzid = "a=" saslname. A malformed one is
  // reported after every other check, so that invalid_authzid (the server's
  // <invalid-authzid/>, draft §6.4) means the authzid alone is at fault.
  bool bad_authzid = false;
  if (msg.substr(i).starts_with("a=")) {
    const auto c = msg.find(',', i);
    if (c == std::string_view::npos) return unexpected{scram_error::syntax};
    auto a = detail::scram_unescape(msg.substr(i + 2, c - i - 2));
    if (a) {
      m.authzid = std::move(*a);
    } else {
      bad_authzid = true;
    }
    i = c;
  }
  if (i >= msg.size() || msg[i] != ',') return unexpected{scram_error::syntax};
  ++i;
  m.gs2_header = msg.substr(0, i);
  m.bare = msg.substr(i);
  detail::scram_reader r{m.bare};
  if (r.take('m')) return unexpected{scram_error::mandatory_extension};
  auto user = r.take('n');
  if (!user) return unexpected{scram_error::syntax};
  auto name = detail::scram_unescape(*user);
  if (!name) return unexpected{scram_error::invalid_name};
  m.username = std::move(*name);
  auto nonce = r.take('r');
  if (!nonce) return unexpected{scram_error::syntax};
  if (!detail::scram_printable(*nonce)) return unexpected{scram_error::invalid_nonce};
  m.nonce.assign(*nonce);
  if (!r.skip_extensions()) return unexpected{scram_error::syntax};
  if (bad_authzid) return unexpected{scram_error::invalid_authzid};
  return m;
}

/// Parses a server-first-message: [m=..,] r=nonce,s=salt,i=count[,ext].
inline result<scram_server_first, scram_error> parse_scram_server_first(std::string_view msg,
                                                                       std::size_t max_size = default_max_message) {
  if (msg.size() > max_size) return unexpected{scram_error::too_long};
  detail::scram_reader r{msg};
  if (r.take('m')) return unexpected{scram_error::mandatory_extension};
  scram_server_first m;
  auto nonce = r.take('r');
  if (!nonce) return unexpected{scram_error::syntax};
  if (!detail::scram_printable(*nonce)) return unexpected{scram_error::invalid_nonce};
  m.nonce.assign(*nonce);
  auto salt = r.take('s');
  if (!salt) return unexpected{scram_error::syntax};
  auto s = crypto::base64_decode(*salt, max_size);
  if (!s || s->empty()) return unexpected{scram_error::invalid_base64};
  m.salt = std::move(*s);
  auto it = r.take('i');
  if (!it) return unexpected{scram_error::syntax};
  auto n = detail::parse_u32(*it);
  if (!n) return unexpected{scram_error::invalid_iterations};
  m.iterations = *n;
  if (!r.skip_extensions()) return unexpected{scram_error::syntax};
  return m;
}

/// Parses a client-final-message: c=cbind,r=nonce[,ext],p=proof.
inline result<scram_client_final, scram_error> parse_scram_client_final(std::string_view msg,
                                                                       std::size_t max_size = default_max_message) {
  if (msg.size() > max_size) return unexpected{scram_error::too_long};
  const auto pp = msg.rfind(",p=");
  if (pp == std::string_view::npos) return unexpected{scram_error::syntax};
  scram_client_final m;
  m.without_proof = msg.substr(0, pp);
  auto proof = crypto::base64_decode(msg.substr(pp + 3), max_size);
  if (!proof || proof->empty()) return unexpected{scram_error::invalid_base64};
  m.proof = std::move(*proof);
  detail::scram_reader r{m.without_proof};
  auto c = r.take('c');
  if (!c) return unexpected{scram_error::syntax};
  auto cb = crypto::base64_decode(*c, max_size);
  if (!cb) return unexpected{scram_error::invalid_base64};
  m.channel_binding = std::move(*cb);
  auto nonce = r.take('r');
  if (!nonce) return unexpected{scram_error::syntax};
  if (!detail::scram_printable(*nonce)) return unexpected{scram_error::invalid_nonce};
  m.nonce.assign(*nonce);
  if (!r.skip_extensions()) return unexpected{scram_error::syntax};
  return m;
}

/// Parses a server-final-message: e=error or v=verifier, then extensions.
inline result<scram_server_final, scram_error> parse_scram_server_final(std::string_view msg,
                                                                       std::size_t max_size = default_max_message) {
  if (msg.size() > max_size) return unexpected{scram_error::too_long};
  detail::scram_reader r{msg};
  scram_server_final m;
  if (auto e = r.take('e')) {
    if (e->empty()) return unexpected{scram_error::syntax};
    m.error = std::string(*e);
  } else if (auto v = r.take('v')) {
    auto d = crypto::base64_decode(*v, max_size);
    if (!d || d->empty()) return unexpected{scram_error::invalid_base64};
    m.verifier = std::move(*d);
  } else {
    return unexpected{scram_error::syntax};
  }
  if (!r.skip_extensions()) return unexpected{scram_error::syntax};
  return m;
}

/// Hash traits: which hash, which name, which credential_store key.
template <class Hash>
struct scram_traits;
template <>
struct scram_traits<crypto::sha1> {
  static constexpr std::string_view name = mechanism_name::scram_sha1;
  static constexpr scram_hash id = scram_hash::sha1;
};
template <>
struct scram_traits<crypto::sha256> {
  static constexpr std::string_view name = mechanism_name::scram_sha256;
  static constexpr scram_hash id = scram_hash::sha256;
};

namespace detail {
template <class A>
std::string_view as_sv(const A& a) noexcept {
  return std::string_view(reinterpret_cast<const char*>(a.data()), a.size());
}
template <class A>
std::span<const std::byte> as_bytes(const A& a) noexcept {
  return std::span<const std::byte>(reinterpret_cast<const std::byte*>(a.data()), a.size());
}
}  // namespace detail

/// Why scram_derive_credentials() made no keys.
enum class scram_derive_error : std::uint8_t {
  password_fails_saslprep,  ///< SASLprep refused the password or left nothing of it (RFC 4013; RFC 4616 §2)
  empty_salt,               ///< s= must carry at least one octet (RFC 5802 §7), and scram_server ignores such keys
  zero_iterations,          ///< i= is a positive number (RFC 5802 §7), and scram_server ignores such keys
};

/// Name of a scram_derive_error, for logs.
constexpr std::string_view to_string(scram_derive_error e) noexcept {
  switch (e) {
    case scram_derive_error::password_fails_saslprep: return "password-fails-saslprep";
    case scram_derive_error::empty_salt: return "empty-salt";
    case scram_derive_error::zero_iterations: return "zero-iterations";
  }
  return "unknown";
}

/// The server-side keys for `password` (SASLprep'd here as a query string),
/// `salt` (raw octets) and `iterations`, so that no plaintext need be stored.
/// A server-side helper (registration, password change, stored-key
/// migration); it fails only on inputs no exchange could use.
template <class Hash>
result<scram_credentials, scram_derive_error> scram_derive_credentials(std::string_view password,
                                                                       std::string_view salt,
                                                                       std::uint32_t iterations) {
  if (salt.empty()) return unexpected{scram_derive_error::empty_salt};
  if (iterations == 0) return unexpected{scram_derive_error::zero_iterations};
  auto p = detail::saslprep_nonempty(password);
  if (!p) return unexpected{scram_derive_error::password_fails_saslprep};
  const auto salted = crypto::pbkdf2<Hash>(*p, salt, iterations);
  const auto client_key = crypto::hmac<Hash>::mac(detail::as_sv(salted), "Client Key");
  const auto stored_key = Hash::hash(std::span<const std::byte>(client_key));
  const auto server_key = crypto::hmac<Hash>::mac(detail::as_sv(salted), "Server Key");
  return scram_credentials{std::string(salt), iterations, std::string(detail::as_sv(stored_key)),
                           std::string(detail::as_sv(server_key))};
}

/// Client configuration (UTF-8 strings).
struct scram_client_options {
  std::string username;
  std::string password;
  std::string authzid;                   ///< sent only if it differs from the default (draft §6.1 rule 7)
  std::string domain;                    ///< to recognise authzid == username@domain as the default
  char gs2_flag = 'n';                   ///< 'n': no channel binding support; 'y': supported but not offered
  /// Printable characters (~6.5 bits each); at least 16 are used, as by the
  /// server: RFC 5802 §5.1 wants a non-empty, random nonce.
  std::size_t nonce_length = 24;
  std::uint32_t min_iterations = 4096;   ///< refuse weaker (RFC 7677 §4: at least 4096)
  std::uint32_t max_iterations = 1000000;  ///< refuse costlier (a hostile server cannot burn our CPU)
};

/// SCRAM client over `Hash` (crypto::sha1 or crypto::sha256).
template <class Hash>
class scram_client final : public client_mechanism {
 public:
  scram_client(scram_client_options o, random_source& rng) : o_(std::move(o)), rng_(rng) {
    // RFC 5802 §5.1: "r=" is a non-empty printable string that must carry
    // enough randomness to be unpredictable; the server's floor (~104 bits).
    if (o_.nonce_length < 16) o_.nonce_length = 16;
  }
  std::string_view name() const noexcept override { return scram_traits<Hash>::name; }

  result<std::optional<std::string>, client_error> initial_response() override {
    using R = std::optional<std::string>;
    if (state_ != state::start)
      return fail<R>({client_error::unexpected_message,
                      state_ == state::failed ? "the exchange already failed" : "initial response asked for twice"});
    auto user = detail::saslprep_nonempty(o_.username);
    if (!user) return fail<R>({client_error::invalid_credentials, "username fails SASLprep", user.error().detail});
    auto pass = detail::saslprep_nonempty(o_.password);
    if (!pass) return fail<R>({client_error::invalid_credentials, "password fails SASLprep", pass.error().detail});
    if (o_.gs2_flag != 'n' && o_.gs2_flag != 'y')
      return fail<R>({client_error::invalid_credentials, "gs2_flag is neither 'n' nor 'y'"});
    if (auto bad = detail::authzid_fault(o_.authzid); !bad.empty())
      return fail<R>({client_error::invalid_credentials, bad});
    password_ = std::move(*pass);
    gs2_header_ = std::string(1, o_.gs2_flag) + ",";
    if (detail::should_send_authzid(o_.authzid, o_.username, o_.domain))
      gs2_header_ += "a=" + detail::scram_escape(o_.authzid);
    gs2_header_ += ",";
    cnonce_ = detail::random_chars(rng_, o_.nonce_length, detail::nonce_alphabet_printable);
    bare_ = "n=" + detail::scram_escape(*user) + ",r=" + cnonce_;
    state_ = state::expect_server_first;
    return std::optional<std::string>{gs2_header_ + bare_};
  }

  result<std::string, client_error> respond(std::string_view challenge) override {
    switch (state_) {
      case state::expect_server_first: return client_final(challenge);
      case state::expect_server_final: {
        if (auto r = verify(challenge); !r) return unexpected{r.error()};
        return std::string{};  // draft-style: the verifier came as a challenge
      }
      default: return fail<std::string>({client_error::unexpected_message, out_of_turn()});
    }
  }

  result<void, client_error> finish(std::optional<std::string_view> data) override {
    if (state_ == state::expect_server_final && data) return verify(*data);  // RFC 6120 §6.4.6 form
    if (state_ == state::verified && (!data || data->empty())) {
      state_ = state::done;
      return {};
    }
    if (state_ == state::expect_server_final)
      return fail<void>({client_error::server_not_authenticated, "success without the server signature (v=)"});
    if (state_ == state::verified)
      return fail<void>({client_error::unexpected_message, "additional data with success after v= was verified"});
    return fail<void>({client_error::unexpected_message, out_of_turn()});
  }

 private:
  enum class state : std::uint8_t { start, expect_server_first, expect_server_final, verified, done, failed };

  template <class T>
  result<T, client_error> fail(client_error e) {
    state_ = state::failed;
    return unexpected{e};
  }

  // Why a server message is not expected now (static text for client_error::reason).
  std::string_view out_of_turn() const noexcept {
    switch (state_) {
      case state::start: return "a server message before the initial response";
      case state::expect_server_first: return "success before the server-first-message";
      case state::expect_server_final:  // handled by respond() and finish()
      case state::verified:
      case state::done: return "a message after the server signature was verified";
      case state::failed: break;
    }
    return "the exchange already failed";
  }

  result<std::string, client_error> client_final(std::string_view msg) {
    auto s = parse_scram_server_first(msg);
    if (!s)
      return fail<std::string>(
          {client_error::malformed_challenge, "server-first-message does not parse", to_string(s.error())});
    // The server's nonce must extend ours (RFC 5802 §5.1).
    if (!s->nonce.starts_with(cnonce_))
      return fail<std::string>(
          {client_error::malformed_challenge, "server-first nonce does not start with our client nonce"});
    if (s->nonce.size() == cnonce_.size())
      return fail<std::string>({client_error::malformed_challenge, "server-first nonce adds nothing to ours"});
    if (s->iterations < o_.min_iterations)
      return fail<std::string>({client_error::unsupported_challenge, "iteration count below min_iterations"});
    if (s->iterations > o_.max_iterations)
      return fail<std::string>({client_error::unsupported_challenge, "iteration count above max_iterations"});
    const auto salted = crypto::pbkdf2<Hash>(password_, s->salt, s->iterations);
    const std::string without_proof = "c=" + crypto::base64_encode(gs2_header_) + ",r=" + s->nonce;
    const std::string auth_message = bare_ + "," + std::string(msg) + "," + without_proof;
    const auto client_key = crypto::hmac<Hash>::mac(detail::as_sv(salted), "Client Key");
    const auto stored_key = Hash::hash(std::span<const std::byte>(client_key));
    auto proof = crypto::hmac<Hash>::mac(detail::as_sv(stored_key), auth_message);
    for (std::size_t i = 0; i < proof.size(); ++i) proof[i] ^= client_key[i];
    const auto server_key = crypto::hmac<Hash>::mac(detail::as_sv(salted), "Server Key");
    const auto sig = crypto::hmac<Hash>::mac(detail::as_sv(server_key), auth_message);
    server_signature_.assign(detail::as_sv(sig));
    state_ = state::expect_server_final;
    return without_proof + ",p=" + crypto::base64_encode(std::span<const std::byte>(proof));
  }

  result<void, client_error> verify(std::string_view msg) {
    auto f = parse_scram_server_final(msg);
    if (!f)
      return fail<void>(
          {client_error::malformed_challenge, "server-final-message does not parse", to_string(f.error())});
    if (f->error)
      return fail<void>({client_error::server_error, "server-final-message reports an error (e=)",
                         detail::scram_server_error_name(*f->error)});
    if (!crypto::constant_time_equal(f->verifier, server_signature_))
      return fail<void>({client_error::server_not_authenticated, "server signature (v=) does not match"});
    state_ = state::verified;
    return {};
  }

  scram_client_options o_;
  random_source& rng_;
  state state_ = state::start;
  std::string password_, gs2_header_, cnonce_, bare_, server_signature_;
};

/// Server configuration.
struct scram_server_options {
  bool plus_advertised = false;        ///< a -PLUS variant was offered: refuse gs2 flag "y" (RFC 5802 §6)
  bool final_in_success = false;       ///< false: v= in a challenge (draft §6); true: <success/> data (RFC 6120)
  std::size_t nonce_length = 24;       ///< printable characters added to the client's nonce (at least 16 are used)
  /// The count announced when the server derives the keys itself (plaintext
  /// password) and for unknown users (0: 4096). Set it to the count of the
  /// stored keys: a user announced with any other count is known to exist.
  std::uint32_t iterations = 4096;
  /// Length of the salts the server makes up, in octets (0: 16; at most 32).
  /// Idem: set it to the length of the stored salts.
  std::size_t salt_length = 16;
  /// Secret for salts the server has to make up (plaintext-password users and
  /// unknown users): when set, the salt is HMAC-SHA-256(salt_key, username),
  /// so repeated attempts see the same salt and an unknown user looks like a
  /// known one (RFC 5802 §9). Keep it secret (whoever knows it can compute the
  /// made-up salt of any name and compare) and stable (across restarts, and
  /// the same on every server answering for the domain).
  /// When empty, such salts are random per attempt, and a user with stored
  /// keys, whose salt never changes, can be told from an unknown user by
  /// asking twice: the library keeps no secret of its own (no global state),
  /// and a fixed, public key would tell them apart in one attempt.
  std::string salt_key;
  /// Run the timing stand-in (see scram_server): every server-first costs one
  /// PBKDF2. A store that keeps stored keys for every user may turn it off:
  /// there unknown and known users already cost the same (no derivation for
  /// either), and the server answers without any PBKDF2 at all.
  bool equalize_timing = true;
};

/// SCRAM server over `Hash` (crypto::sha1 or crypto::sha256).
///
/// Timing: for a user with a plaintext password the server derives
/// SaltedPassword = Hi(password, salt, i), PBKDF2 (RFC 5802 §3), before it can
/// answer the client-first-message; stored keys (RFC 5802 §3) and unknown
/// users need no derivation. So that the time to the server-first-message
/// does not tell these apart, every answer that ran no real derivation (unknown
/// user, stored keys, stored keys of the wrong size, a stored password failing
/// SASLprep) runs the same computation as scram_derive_credentials() over a
/// fixed password, the announced salt and the announced count, and discards
/// the result. That count is capped at `iterations`: only users with stored
/// keys can be announced with another count, so such an i= already says the
/// user exists and the extra rounds would tell nothing; uncapped, a corrupt
/// entry (i = 2^32-1) would stall the server for hours at any client's request.
/// The client-final-message then costs the same two HMACs and one hash for
/// everybody. Not covered: the credential store's own timing (one scram()
/// lookup for users with stored keys, a password() lookup too otherwise),
/// which is the embedder's.
template <class Hash>
class scram_server final : public server_mechanism {
 public:
  scram_server(scram_server_options o, server_context ctx) : o_(std::move(o)), ctx_(ctx) {
    if (o_.nonce_length < 16) o_.nonce_length = 16;  // ~104 bits of the server's own randomness
    if (o_.iterations == 0) o_.iterations = 4096;
  }
  std::string_view name() const noexcept override { return scram_traits<Hash>::name; }

  server_step step(std::optional<std::string_view> response) override {
    switch (state_) {
      case state::start:
        if (!response) {  // RFC 4422 §5: no initial response → empty challenge
          state_ = state::expect_client_first;
          return server_step::challenge({});
        }
        return server_first(*response);
      case state::expect_client_first: return server_first(response.value_or(std::string_view{}));
      case state::expect_client_final: return server_final(response.value_or(std::string_view{}));
      case state::expect_empty_response:
        if (response && !response->empty()) return fail(sasl_condition::not_authorized, "non-empty final response");
        state_ = state::done;
        return server_step::success();
      default: return fail(sasl_condition::not_authorized, "exchange already finished");
    }
  }

 private:
  enum class state : std::uint8_t { start, expect_client_first, expect_client_final, expect_empty_response, done, failed };

  server_step fail(sasl_condition c, std::string_view why, std::string_view lower = {}) {
    state_ = state::failed;
    return server_step::failure(c, why, lower);
  }

  // The condition for a client message that did not parse:
  //  - a malformed authzid alone: <invalid-authzid/> (draft §6.4 "incorrectly
  //    formatted"; RFC 6120 §6.5.6), as in every mechanism;
  //  - "m=": well-formed (RFC 5802 §7 reserved-mext) but an extension we must
  //    refuse (RFC 5802 §5.1): <not-authorized/>, the draft's catch-all;
  //  - any other break of RFC 5802 §7's grammar, bad base64 inside c= or p=
  //    included (that is the mechanism's syntax, not the XMPP element's
  //    encoding, which is <incorrect-encoding/>), or over the size cap:
  //    <malformed-request/> (RFC 6120 §6.5.8).
  static sasl_condition parse_failure_condition(scram_error e) noexcept {
    switch (e) {
      case scram_error::invalid_authzid: return sasl_condition::invalid_authzid;
      case scram_error::mandatory_extension: return sasl_condition::not_authorized;
      default: return sasl_condition::malformed_request;
    }
  }

  server_step server_first(std::string_view msg) {
    if (!ctx_.random || !ctx_.credentials) return fail(sasl_condition::temporary_auth_failure, "server not configured");
    auto m = parse_scram_client_first(msg);
    if (!m) return fail(parse_failure_condition(m.error()), "malformed client-first-message", to_string(m.error()));
    if (m->cbind_flag == 'p') return fail(sasl_condition::not_authorized, "channel binding not supported");
    if (m->cbind_flag == 'y' && o_.plus_advertised)
      return fail(sasl_condition::not_authorized, "gs2 'y' although -PLUS was offered (downgrade)");
    // SASLprep refusals: see detail::saslprep_condition (not-authorized for
    // what cannot be a name, malformed-request for the input's form).
    auto user = detail::saslprep_nonempty(m->username);
    if (!user) return fail(user.error().condition, "username fails SASLprep", user.error().detail);
    username_ = std::move(*user);
    authzid_req_ = std::move(m->authzid);
    gs2_header_.assign(m->gs2_header);
    bare_.assign(m->bare);

    auto k = ctx_.credentials->scram(scram_traits<Hash>::id, username_);
    if (!k) return fail(k.error(), "credential store failure");
    bool derived = false;  // whether PBKDF2 ran for this answer
    if (*k && (*k)->stored_key.size() == Hash::digest_size && (*k)->server_key.size() == Hash::digest_size &&
        !(*k)->salt.empty() && (*k)->iterations != 0) {
      creds_ = std::move(**k);
      known_ = true;
    } else {
      auto p = ctx_.credentials->password(username_, {});
      if (!p) return fail(p.error(), "credential store failure");
      const std::string salt = made_up_salt();
      if (*p) {
        auto c = scram_derive_credentials<Hash>(**p, salt, o_.iterations);
        known_ = derived = c.has_value();
        if (known_) creds_ = std::move(*c);
      }
      if (!known_) {
        // Unknown user: carry on with a made-up salt and our own count, so
        // that the exchange looks like a known user's (see the top of this
        // file); the proof check at the client-final-message fails exactly
        // as for a wrong password.
        creds_ = scram_credentials{salt, o_.iterations, std::string(Hash::digest_size, '\0'),
                                   std::string(Hash::digest_size, '\0')};
      }
    }
    // No PBKDF2 ran above: run the stand-in (see the class comment).
    if (!derived && o_.equalize_timing) stand_in_derivation();
    nonce_ = m->nonce + detail::random_chars(*ctx_.random, o_.nonce_length, detail::nonce_alphabet_printable);
    server_first_ = "r=" + nonce_ + ",s=" + crypto::base64_encode(creds_.salt) + ",i=" + std::to_string(creds_.iterations);
    state_ = state::expect_client_final;
    return server_step::challenge(server_first_);
  }

  server_step server_final(std::string_view msg) {
    auto m = parse_scram_client_final(msg);
    if (!m) return fail(parse_failure_condition(m.error()), "malformed client-final-message", to_string(m.error()));
    // c= must repeat the gs2 header exactly (no channel binding data, RFC 5802 §5.1).
    if (m->channel_binding != gs2_header_) return fail(sasl_condition::not_authorized, "channel binding mismatch");
    if (!crypto::constant_time_equal(m->nonce, nonce_)) return fail(sasl_condition::not_authorized, "wrong nonce");
    if (m->proof.size() != Hash::digest_size) return fail(sasl_condition::not_authorized, "wrong proof size");
    const std::string auth_message = bare_ + "," + server_first_ + "," + std::string(m->without_proof);
    // ClientKey = ClientProof XOR HMAC(StoredKey, AuthMessage); H(ClientKey) must be StoredKey.
    auto key = crypto::hmac<Hash>::mac(creds_.stored_key, auth_message);
    for (std::size_t i = 0; i < key.size(); ++i) key[i] ^= static_cast<std::byte>(m->proof[i]);
    const auto stored = Hash::hash(std::span<const std::byte>(key));
    const bool ok = crypto::constant_time_equal(detail::as_sv(stored), creds_.stored_key);
    if (!ok || !known_) return fail(sasl_condition::not_authorized, "wrong proof");
    // Asked only once the proof is verified: a refused authzid is also
    // <invalid-authzid/> (draft §6.4: no "permissions to authorize that ID").
    if (!authzid_req_.empty() && (!ctx_.authz || !ctx_.authz->authorize(username_, authzid_req_)))
      return fail(sasl_condition::invalid_authzid, "authzid refused");
    authcid_ = username_;
    authzid_ = authzid_req_;
    const auto sig = crypto::hmac<Hash>::mac(creds_.server_key, auth_message);
    std::string v = "v=" + crypto::base64_encode(std::span<const std::byte>(sig));
    if (o_.final_in_success) {
      state_ = state::done;
      return server_step::success(std::move(v));
    }
    state_ = state::expect_empty_response;
    return server_step::challenge(std::move(v));
  }

  // What scram_derive_credentials() costs over the announced salt and count
  // (capped at ours), for a fixed password; the keys are discarded. The
  // comparison goes through a volatile (constant_time_equal), so that the
  // derivation cannot be optimised away although nothing uses its result.
  void stand_in_derivation() const {
    const auto c = scram_derive_credentials<Hash>("xmppcore-scram-stand-in", creds_.salt,
                                                  std::min(creds_.iterations, o_.iterations));
    if (c) (void)crypto::constant_time_equal(c->stored_key, creds_.stored_key);
  }

  std::string made_up_salt() {
    const std::size_t n = std::min<std::size_t>(o_.salt_length == 0 ? 16 : o_.salt_length, 32);
    if (!o_.salt_key.empty()) {
      const auto mac = crypto::hmac<crypto::sha256>::mac(o_.salt_key, username_);
      return std::string(reinterpret_cast<const char*>(mac.data()), n);
    }
    std::string s(n, '\0');
    ctx_.random->fill(std::span<std::byte>(reinterpret_cast<std::byte*>(s.data()), s.size()));
    return s;
  }

  scram_server_options o_;
  server_context ctx_;
  state state_ = state::start;
  bool known_ = false;
  scram_credentials creds_;
  std::string username_, authzid_req_, gs2_header_, bare_, nonce_, server_first_;
};

using scram_sha1_client = scram_client<crypto::sha1>;
using scram_sha256_client = scram_client<crypto::sha256>;
using scram_sha1_server = scram_server<crypto::sha1>;
using scram_sha256_server = scram_server<crypto::sha256>;

}  // namespace xmppcore::sasl
