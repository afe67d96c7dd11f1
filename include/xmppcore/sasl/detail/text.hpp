// xmppcore — private helpers of sasl/: UTF-8 checks, the ISO 8859-1 conversion
// of RFC 2831 §2.1.2.1, random nonces, the authzid rule of draft §6.1.
#pragma once

#include <xmppcore/detail/ascii.hpp>
#include <xmppcore/crypto/random_source.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace xmppcore::sasl::detail {

/// True when `s` is well-formed UTF-8 (RFC 3629: no overlongs, no surrogates, <= U+10FFFF).
inline bool is_utf8(std::string_view s) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    std::uint32_t cp;
    if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (n - i < len) return false;
    for (std::size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3f);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
      return false;
    i += len;
  }
  return true;
}

/// RFC 2831 §2.1.2.1: with charset=utf-8, a string whose characters all lie in
/// ISO 8859-1 is converted to ISO 8859-1 before hashing. Returns the Latin-1
/// octets when that applies; otherwise nullopt (hash the UTF-8 as is).
/// Precondition: is_utf8(s).
inline std::optional<std::string> utf8_to_latin1(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if ((c == 0xc2 || c == 0xc3) && i + 1 < s.size()) {  // U+0080..U+00FF
      out += static_cast<char>(((c & 0x03) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3f));
      ++i;
    } else {
      return std::nullopt;
    }
  }
  return out;
}

/// The octets RFC 2831 §2.1.2.1 hashes for a UTF-8 username, realm or password.
inline std::string digest_md5_hash_form(std::string_view utf8) {
  if (auto l = utf8_to_latin1(utf8)) return std::move(*l);
  return std::string(utf8);
}

/// ISO 8859-1 octets to UTF-8 (every octet is a character).
inline std::string latin1_to_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size() * 2);
  for (unsigned char c : s) {
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else {
      out += static_cast<char>(0xc0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3f));
    }
  }
  return out;
}

using xmppcore::detail::ascii_iequals;  // domain names, directive names

/// `n` characters drawn uniformly from `alphabet` (at most 256 characters)
/// using the embedder's random source; rejection sampling avoids modulo bias.
/// Asks the source for exactly the bytes still needed, so a scripted test
/// source can spell a chosen nonce (RFC vectors).
inline std::string random_chars(crypto::random_source& rng, std::size_t n, std::string_view alphabet) {
  const std::size_t limit = 256 - 256 % alphabet.size();
  std::string out;
  out.reserve(n);
  std::byte buf[64];
  while (out.size() < n) {
    const std::size_t want = std::min(sizeof buf, n - out.size());
    rng.fill(std::span<std::byte>(buf, want));
    for (std::size_t i = 0; i < want; ++i) {
      const auto b = static_cast<std::size_t>(buf[i]);
      if (b < limit) out += alphabet[b % alphabet.size()];
    }
  }
  return out;
}

/// Base64 alphabet: safe inside a quoted-string and a SCRAM attribute.
inline constexpr std::string_view nonce_alphabet_base64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
/// SCRAM `printable` (RFC 5802 §7): %x21-2B / %x2D-7E, i.e. visible ASCII but ','.
inline constexpr std::string_view nonce_alphabet_printable =
    "!\"#$%&'()*+-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";

/// Why our own authzid cannot be sent, or empty when it can: every mechanism
/// takes an authzid as UTF-8 without NUL (our servers answer anything else
/// with <invalid-authzid/>). Static text, for client_error::reason.
inline std::string_view authzid_fault(std::string_view authzid) noexcept {
  if (!is_utf8(authzid)) return "authzid is not UTF-8";
  if (authzid.find('\0') != std::string_view::npos) return "authzid contains NUL";
  return {};
}

/// Draft §6.1 rule 7: send an authzid only when it differs from the default
/// identity derived from the authentication identity (authcid, or authcid@domain
/// for a client's bare JID).
inline bool should_send_authzid(std::string_view authzid, std::string_view authcid, std::string_view domain) {
  if (authzid.empty() || authzid == authcid) return false;
  if (!domain.empty() && authzid.size() == authcid.size() + 1 + domain.size() &&
      authzid.substr(0, authcid.size()) == authcid && authzid[authcid.size()] == '@' &&
      ascii_iequals(authzid.substr(authcid.size() + 1), domain))
    return false;
  return true;
}

}  // namespace xmppcore::sasl::detail
