// xmppcore — the DIGEST-MD5 message grammar (RFC 2831 §2.1, §7), parsed
// strictly, and the meaning of the challenge and response directives.
//
// Grammar (RFC 2831 §7.1, §7.2, with RFC 2616 §2.2 basics):
//   message     = 1#directive                 ; "#rule": commas, empty elements allowed
//   directive   = token "=" ( token | quoted-string )
//   quoted-string = <"> *( qdtext | quoted-pair ) <">
//   qdtext      = any octet except CTLs and <">, but including LWS
//   quoted-pair = "\" CHAR                    ; CHAR = US-ASCII 0..127
//   LWS         = [CRLF] 1*( SP | HT )        ; implied between tokens and separators
//   token       = 1*<any CHAR except CTLs or separators>
// Directive names compare case-insensitively. A value may be written as a
// token or as a quoted-string; both mean the same octets (RFC 2831 §7.2
// auth-param). The message is limited in size (RFC 2831 §2.1.1: a challenge
// is under 2048 bytes; §2.1.2: a response under 4096) and in directive count.
#pragma once

#include <xmppcore/result.hpp>
#include <xmppcore/sasl/detail/text.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xmppcore::sasl {

/// Why a DIGEST-MD5 message was refused.
enum class digest_md5_error : std::uint8_t {
  too_long,           ///< over the size limit (RFC 2831 §2.1.1, §2.1.2)
  too_many,           ///< more directives than the limit
  syntax,             ///< breaks the #rule / directive grammar
  bad_quoted_string,  ///< unterminated, control character, or non-ASCII escape
  duplicate,          ///< a directive given twice that may appear once
  missing,            ///< a required directive is absent
  invalid_value,      ///< a directive's value is outside its grammar
  unsupported,        ///< valid, but not what we accept (algorithm, charset, qop)
  /// A digest-response whose authzid is not UTF-8 or holds a NUL; only
  /// reported when the rest of the response is well-formed.
  invalid_authzid,
};

/// Name of a digest_md5_error, for logs.
constexpr std::string_view to_string(digest_md5_error e) noexcept {
  switch (e) {
    case digest_md5_error::too_long: return "too-long";
    case digest_md5_error::too_many: return "too-many";
    case digest_md5_error::syntax: return "syntax";
    case digest_md5_error::bad_quoted_string: return "bad-quoted-string";
    case digest_md5_error::duplicate: return "duplicate";
    case digest_md5_error::missing: return "missing";
    case digest_md5_error::invalid_value: return "invalid-value";
    case digest_md5_error::unsupported: return "unsupported";
    case digest_md5_error::invalid_authzid: return "invalid-authzid";
  }
  return "unknown";
}

/// One parsed directive: its name as written, and its value with quoting removed.
struct digest_md5_directive {
  std::string name;
  std::string value;
  bool quoted = false;
};

/// Limits of the directive parser.
struct digest_md5_limits {
  std::size_t max_size = 4096;       ///< octets per message (RFC 2831 §2.1.2)
  std::size_t max_directives = 32;   ///< directives per message (known ones number 15)
};

namespace detail {
inline bool is_ctl(unsigned char c) noexcept { return c < 32 || c == 127; }
inline bool is_token_char(unsigned char c) noexcept {
  if (c >= 128 || is_ctl(c)) return false;
  switch (c) {  // RFC 2616 §2.2 separators
    case '(': case ')': case '<': case '>': case '@': case ',': case ';': case ':': case '\\':
    case '"': case '/': case '[': case ']': case '?': case '=': case '{': case '}': case ' ':
    case '\t':
      return false;
    default:
      return true;
  }
}
/// Skips LWS = [CRLF] 1*(SP|HT) (any number of them).
inline void skip_lws(std::string_view s, std::size_t& i) noexcept {
  for (;;) {
    if (i < s.size() && (s[i] == ' ' || s[i] == '\t')) {
      ++i;
    } else if (i + 2 < s.size() && s[i] == '\r' && s[i + 1] == '\n' && (s[i + 2] == ' ' || s[i + 2] == '\t')) {
      i += 3;
    } else {
      return;
    }
  }
}
inline bool is_token(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (unsigned char c : s)
    if (!is_token_char(c)) return false;
  return true;
}
}  // namespace detail

/// Parses `msg` into its directives, in order, without interpreting them.
inline result<std::vector<digest_md5_directive>, digest_md5_error> parse_digest_md5_directives(
    std::string_view msg, const digest_md5_limits& limits = {}) {
  using detail::is_token_char;
  if (msg.size() > limits.max_size) return unexpected{digest_md5_error::too_long};
  std::vector<digest_md5_directive> out;
  std::size_t i = 0;
  const std::size_t n = msg.size();
  for (;;) {
    detail::skip_lws(msg, i);
    if (i == n) break;
    if (msg[i] == ',') {  // #rule: empty list element
      ++i;
      continue;
    }
    if (out.size() == limits.max_directives) return unexpected{digest_md5_error::too_many};
    digest_md5_directive d;
    const std::size_t name_start = i;
    while (i < n && is_token_char(static_cast<unsigned char>(msg[i]))) ++i;
    if (i == name_start) return unexpected{digest_md5_error::syntax};
    d.name.assign(msg.substr(name_start, i - name_start));
    detail::skip_lws(msg, i);
    if (i == n || msg[i] != '=') return unexpected{digest_md5_error::syntax};
    ++i;
    detail::skip_lws(msg, i);
    if (i < n && msg[i] == '"') {
      d.quoted = true;
      ++i;
      bool closed = false;
      while (i < n) {
        const auto c = static_cast<unsigned char>(msg[i]);
        if (c == '"') {
          closed = true;
          ++i;
          break;
        }
        if (c == '\\') {  // quoted-pair = "\" CHAR
          if (i + 1 == n || static_cast<unsigned char>(msg[i + 1]) >= 128)
            return unexpected{digest_md5_error::bad_quoted_string};
          d.value += msg[i + 1];
          i += 2;
          continue;
        }
        if (c == '\r') {  // only as part of LWS folding
          if (i + 2 < n && msg[i + 1] == '\n' && (msg[i + 2] == ' ' || msg[i + 2] == '\t')) {
            d.value.append(msg.substr(i, 3));
            i += 3;
            continue;
          }
          return unexpected{digest_md5_error::bad_quoted_string};
        }
        if (detail::is_ctl(c) && c != '\t') return unexpected{digest_md5_error::bad_quoted_string};
        d.value += static_cast<char>(c);
        ++i;
      }
      if (!closed) return unexpected{digest_md5_error::bad_quoted_string};
    } else {
      const std::size_t v = i;
      while (i < n && is_token_char(static_cast<unsigned char>(msg[i]))) ++i;
      if (i == v) return unexpected{digest_md5_error::syntax};
      d.value.assign(msg.substr(v, i - v));
    }
    out.push_back(std::move(d));
    detail::skip_lws(msg, i);
    if (i == n) break;
    if (msg[i] != ',') return unexpected{digest_md5_error::syntax};
    ++i;
  }
  if (out.empty()) return unexpected{digest_md5_error::missing};  // 1#: at least one element
  return out;
}

/// Splits a quoted #rule list of tokens (qop-options, cipher-opts) into its
/// elements; empty elements are skipped, anything but tokens is refused.
inline result<std::vector<std::string>, digest_md5_error> parse_digest_md5_token_list(std::string_view v) {
  std::vector<std::string> out;
  std::size_t i = 0;
  for (;;) {
    detail::skip_lws(v, i);
    if (i == v.size()) break;
    if (v[i] == ',') {
      ++i;
      continue;
    }
    const std::size_t s = i;
    while (i < v.size() && detail::is_token_char(static_cast<unsigned char>(v[i]))) ++i;
    if (i == s) return unexpected{digest_md5_error::invalid_value};
    if (out.size() == 16) return unexpected{digest_md5_error::too_many};
    out.emplace_back(v.substr(s, i - s));
    detail::skip_lws(v, i);
    if (i == v.size()) break;
    if (v[i] != ',') return unexpected{digest_md5_error::invalid_value};
    ++i;
  }
  return out;
}

/// A server's digest-challenge (RFC 2831 §2.1.1), interpreted.
struct digest_md5_challenge {
  std::vector<std::string> realms;         ///< zero or more, in order
  std::string nonce;
  std::vector<std::string> qop_options;    ///< {"auth"} when absent
  bool stale = false;
  std::optional<std::uint32_t> maxbuf;
  bool utf8 = false;                       ///< charset=utf-8 given
  std::vector<std::string> cipher_opts;
};

/// A client's digest-response (RFC 2831 §2.1.2), interpreted. String values
/// are the octets as sent (UTF-8 when `utf8`, else ISO 8859-1).
struct digest_md5_response {
  std::string username;
  std::optional<std::string> realm;
  std::string nonce;
  std::string cnonce;
  std::string nc;                          ///< 8 lowercase hex digits as sent
  std::string qop = "auth";                ///< "auth" when absent
  std::string digest_uri;
  std::string response;                    ///< 32 lowercase hex digits
  std::optional<std::uint32_t> maxbuf;
  bool utf8 = false;
  std::optional<std::string> cipher;
  std::optional<std::string> authzid;
};

namespace detail {
inline bool is_lhex(std::string_view s, std::size_t len) noexcept {
  if (s.size() != len) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}
// maxbuf-value = 1*DIGIT; "bigger than 16 and smaller or equal to 16777215" (RFC 2831 §2.1.1).
inline std::optional<std::uint32_t> parse_maxbuf(std::string_view s) noexcept {
  if (s.empty() || s.size() > 8) return std::nullopt;
  std::uint32_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint32_t>(c - '0');
  }
  if (v <= 16 || v > 16777215) return std::nullopt;
  return v;
}
}  // namespace detail

/// Parses and checks a digest-challenge: exactly one nonce and algorithm
/// (md5-sess, required), at most one of qop, stale, maxbuf, charset, cipher;
/// realm any number of times; unknown directives are ignored (RFC 2831 §2.1.1).
inline result<digest_md5_challenge, digest_md5_error> parse_digest_md5_challenge(std::string_view msg) {
  auto ds = parse_digest_md5_directives(msg, {2048, 32});  // RFC 2831 §2.1.1: < 2048 bytes
  if (!ds) return unexpected{ds.error()};
  digest_md5_challenge c;
  bool have_nonce = false, have_qop = false, have_stale = false, have_maxbuf = false, have_charset = false,
       have_algorithm = false, have_cipher = false;
  auto once = [](bool& seen) {
    const bool dup = seen;
    seen = true;
    return !dup;
  };
  using detail::ascii_iequals;
  for (auto& d : *ds) {
    if (ascii_iequals(d.name, "realm")) {
      if (c.realms.size() == 16) return unexpected{digest_md5_error::too_many};
      c.realms.push_back(std::move(d.value));
    } else if (ascii_iequals(d.name, "nonce")) {
      if (!once(have_nonce)) return unexpected{digest_md5_error::duplicate};
      if (d.value.empty()) return unexpected{digest_md5_error::invalid_value};
      c.nonce = std::move(d.value);
    } else if (ascii_iequals(d.name, "qop")) {
      if (!once(have_qop)) return unexpected{digest_md5_error::duplicate};
      auto l = parse_digest_md5_token_list(d.value);
      if (!l) return unexpected{l.error()};
      c.qop_options = std::move(*l);
    } else if (ascii_iequals(d.name, "stale")) {
      if (!once(have_stale)) return unexpected{digest_md5_error::duplicate};
      if (!ascii_iequals(d.value, "true")) return unexpected{digest_md5_error::invalid_value};
      c.stale = true;
    } else if (ascii_iequals(d.name, "maxbuf")) {
      if (!once(have_maxbuf)) return unexpected{digest_md5_error::duplicate};
      c.maxbuf = detail::parse_maxbuf(d.value);
      if (!c.maxbuf) return unexpected{digest_md5_error::invalid_value};
    } else if (ascii_iequals(d.name, "charset")) {
      if (!once(have_charset)) return unexpected{digest_md5_error::duplicate};
      if (!ascii_iequals(d.value, "utf-8")) return unexpected{digest_md5_error::invalid_value};
      c.utf8 = true;
    } else if (ascii_iequals(d.name, "algorithm")) {
      if (!once(have_algorithm)) return unexpected{digest_md5_error::duplicate};
      if (!ascii_iequals(d.value, "md5-sess")) return unexpected{digest_md5_error::unsupported};
    } else if (ascii_iequals(d.name, "cipher")) {
      if (!once(have_cipher)) return unexpected{digest_md5_error::duplicate};
      auto l = parse_digest_md5_token_list(d.value);
      if (!l) return unexpected{l.error()};
      c.cipher_opts = std::move(*l);
    } else if (!detail::is_token(d.name)) {
      return unexpected{digest_md5_error::syntax};
    }  // else: auth-param, ignored
  }
  if (!have_nonce || !have_algorithm) return unexpected{digest_md5_error::missing};
  if (!have_qop) c.qop_options = {"auth"};  // RFC 2831 §2.1.1: absent means "auth"
  if (c.qop_options.empty()) return unexpected{digest_md5_error::invalid_value};
  if (!c.utf8) {
    // Without charset=utf-8 the realm is ISO 8859-1: any octet is a character.
  } else {
    for (const auto& r : c.realms)
      if (!detail::is_utf8(r)) return unexpected{digest_md5_error::invalid_value};
  }
  return c;
}

/// Parses and checks a digest-response: each directive at most once;
/// username, nonce, cnonce, nc, digest-uri and response required; nc 8LHEX,
/// response 32LHEX, qop a single token, charset only utf-8, names valid UTF-8
/// when charset=utf-8, authzid always UTF-8 (RFC 2831 §2.1.2) and without NUL
/// (a quoted-pair could carry one). A bad authzid is reported as
/// invalid_authzid, after every other check, so that the server can answer
/// <invalid-authzid/> exactly when the authzid alone is malformed (draft §6.4).
inline result<digest_md5_response, digest_md5_error> parse_digest_md5_response(std::string_view msg) {
  auto ds = parse_digest_md5_directives(msg, {4096, 32});  // RFC 2831 §2.1.2: < 4096 bytes
  if (!ds) return unexpected{ds.error()};
  digest_md5_response r;
  enum { username, realm, nonce, cnonce, nc, qop, digest_uri, response, maxbuf, charset, cipher, authzid, count };
  bool seen[count] = {};
  bool bad_authzid = false;
  static constexpr std::string_view names[count] = {"username", "realm",    "nonce",  "cnonce",
                                                    "nc",       "qop",      "digest-uri", "response",
                                                    "maxbuf",   "charset",  "cipher", "authzid"};
  for (auto& d : *ds) {
    int which = -1;
    for (int k = 0; k < count; ++k)
      if (detail::ascii_iequals(d.name, names[k])) which = k;
    if (which < 0) continue;  // auth-param: ignored
    if (seen[which]) return unexpected{digest_md5_error::duplicate};
    seen[which] = true;
    std::string& v = d.value;
    switch (which) {
      case username: r.username = std::move(v); break;
      case realm: r.realm = std::move(v); break;
      case nonce: r.nonce = std::move(v); break;
      case cnonce: r.cnonce = std::move(v); break;
      case nc:
        if (!detail::is_lhex(v, 8)) return unexpected{digest_md5_error::invalid_value};
        r.nc = std::move(v);
        break;
      case qop:
        if (!detail::is_token(v)) return unexpected{digest_md5_error::invalid_value};
        r.qop = std::move(v);
        break;
      case digest_uri: r.digest_uri = std::move(v); break;
      case response:
        if (!detail::is_lhex(v, 32)) return unexpected{digest_md5_error::invalid_value};
        r.response = std::move(v);
        break;
      case maxbuf:
        r.maxbuf = detail::parse_maxbuf(v);
        if (!r.maxbuf) return unexpected{digest_md5_error::invalid_value};
        break;
      case charset:
        if (!detail::ascii_iequals(v, "utf-8")) return unexpected{digest_md5_error::invalid_value};
        r.utf8 = true;
        break;
      case cipher: r.cipher = std::move(v); break;
      case authzid:
        bad_authzid = !detail::is_utf8(v) || v.find('\0') != std::string::npos;
        r.authzid = std::move(v);
        break;
      default: break;
    }
  }
  for (int k : {username, nonce, cnonce, nc, digest_uri, response})
    if (!seen[k]) return unexpected{digest_md5_error::missing};
  if (r.username.empty() || r.nonce.empty() || r.cnonce.empty() || r.digest_uri.empty())
    return unexpected{digest_md5_error::invalid_value};
  if (r.utf8 && (!detail::is_utf8(r.username) || (r.realm && !detail::is_utf8(*r.realm))))
    return unexpected{digest_md5_error::invalid_value};
  if (bad_authzid) return unexpected{digest_md5_error::invalid_authzid};
  return r;
}

}  // namespace xmppcore::sasl
