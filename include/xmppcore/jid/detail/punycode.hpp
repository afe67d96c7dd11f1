// xmppcore — Punycode (RFC 3492), the encoding of IDNA labels in ACE form (RFC 3490 §4.1 step 6).
//
// Bootstring with the RFC 3492 §5 parameters, written for labels: both work in caller-provided
// fixed buffers and stop as soon as the result would not fit (a DNS label has room for 59
// characters after "xn--"), so they never allocate. Mixed-case annotation (RFC 3492 App. A) is
// not produced, and ignored when decoding: case is Nameprep's business.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace xmppcore::jid::detail::punycode {

inline constexpr std::uint32_t base = 36, tmin = 1, tmax = 26, skew = 38, damp = 700;
inline constexpr std::uint32_t initial_bias = 72, initial_n = 0x80;
inline constexpr std::uint32_t max_code_point = 0x10FFFF;

/// RFC 3492 §6.1 bias adaptation.
constexpr std::uint32_t adapt(std::uint64_t delta, std::uint64_t points, bool first) noexcept {
  delta = first ? delta / damp : delta / 2;
  delta += delta / points;
  std::uint32_t k = 0;
  while (delta > ((base - tmin) * tmax) / 2) {
    delta /= base - tmin;
    k += base;
  }
  return static_cast<std::uint32_t>(k + (base - tmin + 1) * delta / (delta + skew));
}

/// The basic code point for digit d (0-25: 'a'-'z', 26-35: '0'-'9').
constexpr char encode_digit(std::uint64_t d) noexcept {
  return static_cast<char>(d < 26 ? 'a' + d : '0' + (d - 26));
}

/// The value of a digit character, or base when `c` is not one (either case accepted).
constexpr std::uint32_t decode_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return static_cast<std::uint32_t>(c - '0') + 26;
  if (c >= 'a' && c <= 'z') return static_cast<std::uint32_t>(c - 'a');
  if (c >= 'A' && c <= 'Z') return static_cast<std::uint32_t>(c - 'A');
  return base;
}

/// The threshold t of RFC 3492 §6.2/6.3 for position k.
constexpr std::uint32_t threshold(std::uint32_t k, std::uint32_t bias) noexcept {
  return k <= bias ? tmin : (k >= bias + tmax ? tmax : k - bias);
}

/// RFC 3492 §6.3: writes the Punycode form of code points `in` (n of them, each at most
/// U+10FFFF) to `out`, which has room for `cap` characters. Returns its length, or -1 (with a
/// partial result written) if it would be longer than `cap`.
inline int encode(const char32_t* in, std::size_t n, char* out, std::size_t cap) noexcept {
  std::size_t len = 0;
  auto put = [&](char c) {
    if (len == cap) return false;
    out[len++] = c;
    return true;
  };
  std::uint64_t basic = 0;
  for (std::size_t j = 0; j < n; ++j) {
    if (in[j] < 0x80) {
      if (!put(static_cast<char>(in[j]))) return -1;
      ++basic;
    }
  }
  if (basic > 0 && !put('-')) return -1;
  // 64 bits: delta stays below 0x110000 * (n + 1), far from overflowing for any string in memory.
  std::uint64_t cp = initial_n, delta = 0, handled = basic;
  std::uint32_t bias = initial_bias;
  while (handled < n) {
    std::uint64_t m = max_code_point + 1;  // the smallest code point not yet handled
    for (std::size_t j = 0; j < n; ++j)
      if (in[j] >= cp && in[j] < m) m = in[j];
    delta += (m - cp) * (handled + 1);
    cp = m;
    for (std::size_t j = 0; j < n; ++j) {
      if (in[j] < cp) ++delta;
      if (in[j] != cp) continue;
      std::uint64_t q = delta;
      for (std::uint32_t k = base;; k += base) {
        const std::uint32_t t = threshold(k, bias);
        if (q < t) break;
        if (!put(encode_digit(t + (q - t) % (base - t)))) return -1;
        q = (q - t) / (base - t);
      }
      if (!put(encode_digit(q))) return -1;
      bias = adapt(delta, handled + 1, handled == basic);
      delta = 0;
      ++handled;
    }
    ++delta;
    ++cp;
  }
  return static_cast<int>(len);
}

/// RFC 3492 §6.2: decodes Punycode `in` (at most `cap` code points result) into `out`; returns
/// the number of code points, or -1 if `in` is not valid Punycode: a character that is neither
/// basic nor a digit, a digit sequence cut short, an overflow, or a result that is a basic code
/// point, a surrogate or above U+10FFFF.
inline int decode(std::string_view in, char32_t* out, std::size_t cap) noexcept {
  std::size_t n_out = 0;
  const std::size_t delim = in.rfind('-');
  std::size_t pos = 0;
  if (delim != std::string_view::npos) {
    for (; pos < delim; ++pos) {
      const auto c = static_cast<unsigned char>(in[pos]);
      if (c >= 0x80 || n_out == cap) return -1;
      out[n_out++] = c;
    }
    pos = delim + 1;
  }
  std::uint32_t cp = initial_n, i = 0, bias = initial_bias;
  while (pos < in.size()) {
    const std::uint32_t old_i = i;
    std::uint32_t w = 1;
    for (std::uint32_t k = base;; k += base) {
      if (pos == in.size()) return -1;
      const std::uint32_t d = decode_digit(in[pos++]);
      if (d >= base) return -1;
      if (d > (UINT32_MAX - i) / w) return -1;
      i += d * w;
      const std::uint32_t t = threshold(k, bias);
      if (d < t) break;
      if (w > UINT32_MAX / (base - t)) return -1;
      w *= base - t;
    }
    const auto len = static_cast<std::uint32_t>(n_out + 1);
    bias = adapt(i - old_i, len, old_i == 0);
    if (i / len > max_code_point - cp) return -1;
    cp += i / len;
    i %= len;
    if (cp < 0x80 || (cp >= 0xD800 && cp <= 0xDFFF) || n_out == cap) return -1;
    for (std::size_t j = n_out; j > i; --j) out[j] = out[j - 1];
    out[i] = cp;
    ++n_out;
    ++i;
  }
  return static_cast<int>(n_out);
}

}  // namespace xmppcore::jid::detail::punycode
