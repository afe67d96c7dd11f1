// xmppcore — the Stream-Safe Text Format test of UAX #15 §13, run before ICU sees a string.
//
// Normalization puts each run of non-starters (characters with a non-zero canonical combining
// class) into canonical order, and ICU does that by insertion, which is quadratic in the length
// of the run: a 4 KiB JID part of alternating U+0301 U+0334 costs milliseconds, where ordinary
// text costs microseconds. UAX #15 §13 calls a string stream-safe if its NFKD form has no run of
// more than 30 non-starters, and gives a process that finds where such a run would form: keep a
// count of the non-starters in a row; for each code point C, with S its NFKD decomposition, the
// run is too long if count + (number of non-starters at the start of S) > 30; afterwards the
// count grows by the length of S if S has no starter, else becomes the number of non-starters
// after S's last starter. (The process inserts U+034F there; we refuse the string instead.)
//
// One addition for stringprep: characters the profile maps to nothing (RFC 3454 table B.1, e.g.
// U+034F itself or U+200B) are removed before normalization, so they do not end a run here.
// Otherwise U+034F every 30 marks would bring the quadratic case back.
#pragma once

#include <xmppcore/jid/detail/rfc3454.hpp>

#include <unicode/unorm2.h>
#include <unicode/utypes.h>

#include <array>
#include <cstdint>

namespace xmppcore::jid::detail {

/// Longest run of non-starters a stream-safe string may have (UAX #15 §13).
inline constexpr int max_non_starters = 30;

/// Most non-starters one code point adds to a run: its NFKD decomposition ends with at most 3
/// (U+1D160 MUSICAL SYMBOL EIGHTH NOTE and others) or is at most 2 non-starters (U+0344, U+0F73,
/// ...); tests/jid/stream_safe_test.cpp checks this on every code point with ICU's data. ASCII
/// ends every run, so a string whose stretches of non-ASCII code points are all at most
/// max_non_starters / 3 long cannot hold a run that is too long, and is not looked at further.
inline constexpr int max_non_starters_per_code_point = 3;
inline constexpr std::int32_t min_unsafe_stretch = max_non_starters / max_non_starters_per_code_point + 1;

/// True if UTF-16 `u` (n units) is in Stream-Safe Text Format once the mapping `m` removed its
/// mapped-to-nothing characters. `nfkd` is ICU's NFKD instance. `longest_non_ascii`, if known
/// (utf8_to_utf16 counts it), is the largest number of consecutive non-ASCII code points in `u`.
inline bool stream_safe(const UNormalizer2* nfkd, rfc3454::mapping m, const char16_t* u, std::int32_t n,
                        std::int32_t longest_non_ascii = min_unsafe_stretch) noexcept {
  if (longest_non_ascii < min_unsafe_stretch) return true;
  int run = 0;  // non-starters in a row so far
  for (std::int32_t i = 0; i < n;) {
    const char32_t c = rfc3454::next_utf16(u, n, i);
    // ASCII, CJK unified ideographs (starters without a decomposition) and Hangul syllables
    // (NFKD: jamo, all starters) end a run; they are common enough to spare the calls into ICU.
    if (c < 0x80 || (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xAC00 && c <= 0xD7A3)) {
      run = 0;
      continue;
    }
    if (rfc3454::maps_to_nothing(m, c)) continue;
    const auto cp = static_cast<UChar32>(c);
    if (unorm2_isInert(nfkd, cp)) {  // a starter that is its own NFKD and does not interact
      run = 0;
      continue;
    }
    std::array<UChar, 32> d;  // the longest NFKD decomposition (U+FDFA) has 18 code points
    UErrorCode st = U_ZERO_ERROR;
    const std::int32_t len = unorm2_getDecomposition(nfkd, cp, d.data(), static_cast<std::int32_t>(d.size()), &st);
    if (U_FAILURE(st) || len < 0) {  // no decomposition: S is c itself
      if (unorm2_getCombiningClass(nfkd, cp) == 0) {
        run = 0;
      } else if (++run > max_non_starters) {
        return false;
      }
      continue;
    }
    int leading = 0, trailing = 0, total = 0;
    bool seen_starter = false;
    for (std::int32_t k = 0; k < len;) {
      const char32_t dc = rfc3454::next_utf16(d.data(), len, k);
      ++total;
      if (unorm2_getCombiningClass(nfkd, static_cast<UChar32>(dc)) == 0) {
        seen_starter = true;
        trailing = 0;
      } else {
        ++trailing;
        if (!seen_starter) ++leading;
      }
    }
    if (run + leading > max_non_starters) return false;
    run = seen_starter ? trailing : run + total;
  }
  return true;
}

}  // namespace xmppcore::jid::detail
