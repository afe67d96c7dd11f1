// xmppcore — which RFC 3454 table made a string fail, for error messages and logs.
//
// ICU reports only "prohibited" / "unassigned"; `prepare_detailed` adds the offending code
// point, its byte offset in the input and, for prohibited output, the table (RFC 3454 App. C, or
// the eight extra Nodeprep characters of draft App. A.5). The tables below are typed from
// RFC 3454 Appendix C; tests/jid/prohibited_test.cpp checks them against libidn's copies for
// every code point. The verdict itself always comes from ICU (stringprep.hpp); this file only
// explains it, so an imperfect explanation can never accept a bad string.
#pragma once

#include <xmppcore/jid/detail/utf.hpp>
#include <xmppcore/jid/stringprep.hpp>
#include <xmppcore/result.hpp>

#include <unicode/unorm2.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace xmppcore::jid {

/// The prohibition tables of RFC 3454 App. C plus Nodeprep's extra characters.
enum class prohibited_table : std::uint8_t {
  none,
  c_1_1,           ///< ASCII space
  c_1_2,           ///< non-ASCII space
  c_2_1,           ///< ASCII control
  c_2_2,           ///< non-ASCII control
  c_3,             ///< private use
  c_4,             ///< non-character code points
  c_5,             ///< surrogate code points
  c_6,             ///< inappropriate for plain text
  c_7,             ///< inappropriate for canonical representation
  c_8,             ///< change display properties or deprecated
  c_9,             ///< tagging characters
  nodeprep_extra,  ///< draft App. A.5: " & ' / : < > @
};

constexpr std::string_view to_string(prohibited_table t) noexcept {
  switch (t) {
    case prohibited_table::none: return "none";
    case prohibited_table::c_1_1: return "C.1.1";
    case prohibited_table::c_1_2: return "C.1.2";
    case prohibited_table::c_2_1: return "C.2.1";
    case prohibited_table::c_2_2: return "C.2.2";
    case prohibited_table::c_3: return "C.3";
    case prohibited_table::c_4: return "C.4";
    case prohibited_table::c_5: return "C.5";
    case prohibited_table::c_6: return "C.6";
    case prohibited_table::c_7: return "C.7";
    case prohibited_table::c_8: return "C.8";
    case prohibited_table::c_9: return "C.9";
    case prohibited_table::nodeprep_extra: return "nodeprep-extra";
  }
  return "unknown";
}

/// True if `cp` is in table `t` (RFC 3454 App. C as published; Unicode 3.2).
constexpr bool in_table(prohibited_table t, char32_t cp) noexcept {
  auto in = [cp](char32_t lo, char32_t hi) { return cp >= lo && cp <= hi; };
  switch (t) {
    case prohibited_table::none: return false;
    case prohibited_table::c_1_1: return cp == 0x20;
    case prohibited_table::c_1_2: return detail::rfc3454::is_non_ascii_space(cp);
    case prohibited_table::c_2_1: return cp <= 0x1F || cp == 0x7F;
    case prohibited_table::c_2_2:
      return in(0x80, 0x9F) || cp == 0x6DD || cp == 0x70F || cp == 0x180E || cp == 0x200C || cp == 0x200D ||
             cp == 0x2028 || cp == 0x2029 || in(0x2060, 0x2063) || in(0x206A, 0x206F) || cp == 0xFEFF ||
             in(0xFFF9, 0xFFFC) || in(0x1D173, 0x1D17A);
    case prohibited_table::c_3: return in(0xE000, 0xF8FF) || in(0xF0000, 0xFFFFD) || in(0x100000, 0x10FFFD);
    case prohibited_table::c_4: return in(0xFDD0, 0xFDEF) || (cp <= 0x10FFFF && (cp & 0xFFFE) == 0xFFFE);
    case prohibited_table::c_5: return in(0xD800, 0xDFFF);
    case prohibited_table::c_6: return in(0xFFF9, 0xFFFD);
    case prohibited_table::c_7: return in(0x2FF0, 0x2FFB);
    case prohibited_table::c_8: return cp == 0x340 || cp == 0x341 || cp == 0x200E || cp == 0x200F || in(0x202A, 0x202E) || in(0x206A, 0x206F);
    case prohibited_table::c_9: return cp == 0xE0001 || in(0xE0020, 0xE007F);
    case prohibited_table::nodeprep_extra:
      return cp == '"' || cp == '&' || cp == '\'' || cp == '/' || cp == ':' || cp == '<' || cp == '>' || cp == '@';
  }
  return false;
}

/// Whether profile `p` prohibits table `t` in its output (draft App. A.5, B.5; RFC 3491 §5;
/// RFC 4013 §2.3).
constexpr bool prohibits(profile p, prohibited_table t) noexcept {
  switch (t) {
    case prohibited_table::none: return false;
    case prohibited_table::c_1_1: return p == profile::nodeprep;
    case prohibited_table::c_2_1: return p != profile::nameprep;
    case prohibited_table::nodeprep_extra: return p == profile::nodeprep;
    default: return true;  // C.1.2, C.2.2, C.3-C.9: all four
  }
}

/// The first table (in RFC 3454 order) of profile `p` that contains `cp`, or none.
constexpr prohibited_table find_prohibited_table(profile p, char32_t cp) noexcept {
  for (auto t = static_cast<std::uint8_t>(prohibited_table::c_1_1);
       t <= static_cast<std::uint8_t>(prohibited_table::nodeprep_extra); ++t) {
    const auto tt = static_cast<prohibited_table>(t);
    if (prohibits(p, tt) && in_table(tt, cp)) return tt;
  }
  return prohibited_table::none;
}

/// A preparation failure with what we could find out about its cause.
struct prep_failure {
  prep_error error;
  /// For `prohibited`: the table of the prohibited output code point; none if it came from an
  /// interaction of several input characters we could not pin down.
  prohibited_table table = prohibited_table::none;
  /// For `prohibited` / `unassigned`: the input code point responsible (0 if unknown).
  char32_t code_point = 0;
  /// Byte offset of that code point in the input; npos if unknown.
  std::size_t offset = std::string_view::npos;
};

/// Like preparer::prepare, but on failure says which input code point caused a `prohibited` or
/// `unassigned` error and, for `prohibited`, which table. Diagnosis re-prepares single code
/// points, so it costs more than the preparation; it runs only on failure.
inline result<std::string, prep_failure> prepare_detailed(preparer& prep, profile p, std::string_view in,
                                                          prep_mode mode = prep_mode::stored) {
  auto r = prep.prepare(p, in, mode);
  if (r) return std::move(*r);
  prep_failure f{r.error()};
  if (f.error != prep_error::prohibited && f.error != prep_error::unassigned) return unexpected{f};
  for (std::size_t i = 0; i < in.size();) {
    const std::size_t at = i;
    const char32_t cp = detail::decode_utf8(in, i);
    if (cp == 0xFFFFFFFFu) break;
    // The code point alone fails the same way: it is the culprit.
    auto one = prep.prepare(p, in.substr(at, i - at), f.error == prep_error::prohibited ? prep_mode::query : mode);
    if (one || one.error() != f.error) continue;
    f.code_point = cp;
    f.offset = at;
    if (f.error == prep_error::prohibited) {
      // Prohibition applies to the output (RFC 3454 §3: map, normalize, then prohibit), so look
      // at what the code point maps to first (U+FF20 -> '@', U+2003 -> SPACE), then at itself.
      // NFKC_Casefold approximates B.1 + B.2 + NFKC closely enough for an explanation.
      UErrorCode st = U_ZERO_ERROR;
      const UNormalizer2* norm = (p == profile::nodeprep || p == profile::nameprep)
                                     ? unorm2_getNFKCCasefoldInstance(&st)
                                     : unorm2_getNFKCInstance(&st);
      std::array<UChar, 2> src{};
      const std::int32_t n = detail::utf8_to_utf16(in.substr(at, i - at), src.data());
      std::array<UChar, 64> dst{};
      const std::int32_t m = U_SUCCESS(st) ? unorm2_normalize(norm, src.data(), n, dst.data(), 64, &st) : 0;
      if (U_SUCCESS(st)) {
        std::string mapped;
        detail::utf16_to_utf8(dst.data(), m, mapped);
        for (std::size_t k = 0; k < mapped.size() && f.table == prohibited_table::none;)
          f.table = find_prohibited_table(p, detail::decode_utf8(mapped, k));
      }
      if (f.table == prohibited_table::none) f.table = find_prohibited_table(p, cp);
    }
    break;
  }
  return unexpected{f};
}

}  // namespace xmppcore::jid
