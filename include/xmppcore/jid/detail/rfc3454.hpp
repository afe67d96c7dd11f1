// xmppcore — lookups in the RFC 3454 tables of rfc3454_tables.hpp: the bidi rule of RFC 3454 §6
// with tables D.1/D.2, and the mapping step of §3 (tables B.1, B.2; RFC 4013 §2.1 for SASLprep).
//
// ICU's usprep runs the mapping, normalization, prohibition and unassigned checks with Unicode
// 3.2 data, as RFC 3454 asks, but its bidi step asks ICU's current Bidi_Class (e.g. Braille
// U+2800-28FF became L in Unicode 4.0; U+17B4/5 stopped being L), and it cannot be switched off.
// stringprep.hpp therefore runs §6 itself on usprep's output with these tables, and when usprep
// refused a string for bidi only, rebuilds the output it would have produced (map_utf16() here,
// then usprep's own normalization) to judge it by RFC 3454's tables instead.
#pragma once

#include <xmppcore/jid/detail/rfc3454_tables.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace xmppcore::jid::detail::rfc3454 {

template <std::size_t N>
constexpr bool in_ranges(const std::array<cp_range, N>& t, char32_t c) noexcept {
  // The first range whose end is not below c; c is in the table iff that range starts at or before c.
  const auto it = std::lower_bound(t.begin(), t.end(), c, [](const cp_range& r, char32_t v) { return r.last < v; });
  return it != t.end() && it->first <= c;
}

/// D.1 over U+0580..U+07FF (Hebrew, Arabic, Syriac, Thaana) as a bitmap: the RandALCat
/// characters that survive NFKC (the presentation forms at U+FB1D.. do not) in one lookup.
inline constexpr char32_t d1_bitmap_first = 0x0580, d1_bitmap_end = 0x0800;
inline constexpr std::array<std::uint64_t, (d1_bitmap_end - d1_bitmap_first) / 64> d1_bitmap = [] {
  std::array<std::uint64_t, (d1_bitmap_end - d1_bitmap_first) / 64> b{};
  for (const cp_range& r : d1)
    for (char32_t c = r.first; c <= r.last; ++c)
      if (c >= d1_bitmap_first && c < d1_bitmap_end)
        b[(c - d1_bitmap_first) / 64] |= std::uint64_t{1} << ((c - d1_bitmap_first) % 64);
  return b;
}();

/// RandALCat: table D.1.
constexpr bool is_randal(char32_t c) noexcept {
  if (c >= d1_bitmap_first && c < d1_bitmap_end)
    return (d1_bitmap[(c - d1_bitmap_first) / 64] >> ((c - d1_bitmap_first) % 64)) & 1;
  // Every other D.1 entry lies in one of these spans: a cheap test first.
  if (!(c == 0x200F || (c >= 0xFB1D && c <= 0xFEFC))) return false;
  return in_ranges(d1, c);
}

/// LCat: table D.2.
constexpr bool is_lcat(char32_t c) noexcept {
  if (c < 0x80) return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
  return in_ranges(d2, c);
}

/// RFC 3454 table C.1.2 (non-ASCII space characters), which SASLprep maps to SPACE.
constexpr bool is_non_ascii_space(char32_t c) noexcept {
  return c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200B) || c == 0x202F || c == 0x205F || c == 0x3000;
}

/// Table B.1 (commonly mapped to nothing).
constexpr bool in_b1(char32_t c) noexcept {
  return c >= b1.front() && c <= b1.back() && std::binary_search(b1.begin(), b1.end(), c);
}

/// Decodes one code point of well-formed or ill-formed UTF-16 at u[i] (an unpaired surrogate is
/// returned as itself); advances i.
constexpr char32_t next_utf16(const char16_t* u, std::int32_t n, std::int32_t& i) noexcept {
  const char32_t c = u[i++];
  if (c >= 0xD800 && c <= 0xDBFF && i < n && u[i] >= 0xDC00 && u[i] <= 0xDFFF)
    return 0x10000 + ((c - 0xD800) << 10) + (static_cast<char32_t>(u[i++]) - 0xDC00);
  return c;
}

/// The code point before position `end` of UTF-16 `u` (end > 0).
constexpr char32_t last_utf16(const char16_t* u, std::int32_t end) noexcept {
  const char32_t c = u[end - 1];
  if (c >= 0xDC00 && c <= 0xDFFF && end >= 2 && u[end - 2] >= 0xD800 && u[end - 2] <= 0xDBFF)
    return 0x10000 + ((static_cast<char32_t>(u[end - 2]) - 0xD800) << 10) + (c - 0xDC00);
  return c;
}

/// RFC 3454 §6 items 2 and 3 on a mapped, normalized string (item 1, table C.8, is part of every
/// XMPP profile's prohibited output and checked with it): if any character is RandALCat, none may
/// be LCat, and the first and the last must be RandALCat. Code points unassigned in Unicode 3.2
/// are in neither table, so they count as neither, whatever their class is today.
constexpr bool bidi_ok(const char16_t* u, std::int32_t n) noexcept {
  bool randal = false;
  for (std::int32_t i = 0; i < n && !randal;) {
    if (u[i] < 0x05BE) {  // below the first RandALCat (and not a surrogate): the common case
      ++i;
      continue;
    }
    randal = is_randal(next_utf16(u, n, i));
  }
  if (!randal) return true;
  std::int32_t first = 0;
  if (!is_randal(next_utf16(u, n, first)) || !is_randal(last_utf16(u, n))) return false;
  // D.1 and D.2 do not overlap: only characters that are not RandALCat can be LCat.
  for (std::int32_t i = 0; i < n;) {
    const char32_t c = next_utf16(u, n, i);
    if (!is_randal(c) && is_lcat(c)) return false;
  }
  return true;
}

/// Which mapping of RFC 3454 §3 a profile applies.
enum class mapping : std::uint8_t {
  b1,             ///< B.1 only (Resourceprep, draft App. B.3)
  b1_b2,          ///< B.1 and B.2 (Nodeprep, draft App. A.3; Nameprep, RFC 3491 §3)
  sasl,           ///< C.1.2 to SPACE, the rest of B.1 to nothing (SASLprep, RFC 4013 §2.1)
};

/// True if the profile's mapping removes `c` (such characters vanish before normalization).
constexpr bool maps_to_nothing(mapping m, char32_t c) noexcept {
  // U+200B is in both B.1 and C.1.2; SASLprep maps it to SPACE (as ICU's SASLprep profile does).
  return in_b1(c) && !(m == mapping::sasl && is_non_ascii_space(c));
}

/// Writes the B.2 mapping of `c` (one to four code points) to `to`; returns how many.
constexpr int map_b2(char32_t c, char32_t* to) noexcept {
  const auto m = std::lower_bound(b2_multi.begin(), b2_multi.end(), c,
                                  [](const case_multi& e, char32_t v) { return e.from < v; });
  if (m != b2_multi.end() && m->from == c) {
    int k = 0;
    while (k < 4 && m->to[static_cast<std::size_t>(k)] != 0) {
      to[k] = m->to[static_cast<std::size_t>(k)];
      ++k;
    }
    return k;
  }
  const auto r = std::lower_bound(b2_runs.begin(), b2_runs.end(), c,
                                  [](const case_run& e, char32_t v) { return e.last < v; });
  if (r != b2_runs.end() && r->first <= c && (c - r->first) % r->stride == 0) {
    to[0] = static_cast<char32_t>(static_cast<std::int64_t>(c) + r->delta);
    return 1;
  }
  to[0] = c;
  return 1;
}

/// The five CJK compatibility ideographs whose decomposition Unicode Corrigendum #4 changed after
/// Unicode 3.2 (NormalizationCorrections.txt), with their Unicode 3.2 decompositions, which
/// RFC 3454 §4 normalization uses (and so do usprep and libidn). ICU's NFKC has the corrected
/// ones, so map_utf16 replaces these first; each is a singleton decomposition to an ideograph that
/// NFKC leaves alone.
inline constexpr std::array<std::array<char32_t, 2>, 5> unicode32_decompositions = {{
    {0x2F868, 0x2136A}, {0x2F874, 0x5F33}, {0x2F91F, 0x43AB}, {0x2F95F, 0x7AAE}, {0x2F9BF, 0x4D57}}};

/// Most UTF-16 units map_utf16 writes per input unit (a BMP code point can map to four BMP code
/// points; a supplementary one, two units, maps to one code point).
inline constexpr std::int32_t max_mapping_growth = 4;

/// RFC 3454 §3 mapping of UTF-16 `in` (n units) for a profile, into `out` (capacity at least
/// max_mapping_growth * n), and the five Unicode 3.2 decompositions above. Returns the number of
/// units written. Unassigned code points (RFC 3454 §7, query mode) are in none of the tables and
/// are copied.
constexpr std::int32_t map_utf16(mapping m, const char16_t* in, std::int32_t n, char16_t* out) noexcept {
  std::int32_t w = 0;
  auto put = [&](char32_t c) {
    if (c < 0x10000) {
      out[w++] = static_cast<char16_t>(c);
    } else {
      out[w++] = static_cast<char16_t>(0xD800 + ((c - 0x10000) >> 10));
      out[w++] = static_cast<char16_t>(0xDC00 + ((c - 0x10000) & 0x3FF));
    }
  };
  for (std::int32_t i = 0; i < n;) {
    char32_t c = next_utf16(in, n, i);
    if (maps_to_nothing(m, c)) continue;
    for (const auto& d : unicode32_decompositions)
      if (c == d[0]) c = d[1];
    if (m == mapping::sasl && is_non_ascii_space(c)) {
      put(0x20);
    } else if (m == mapping::b1_b2) {
      char32_t to[4] = {};
      const int k = map_b2(c, to);
      for (int j = 0; j < k; ++j) put(to[j]);
    } else {
      put(c);
    }
  }
  return w;
}

}  // namespace xmppcore::jid::detail::rfc3454
