// xmppcore — the stringprep profiles XMPP needs (RFC 3454), through ICU.
//
//   nodeprep      draft App. A   (RFC 3920 Nodeprep)
//   resourceprep  draft App. B   (RFC 3920 Resourceprep)
//   nameprep      RFC 3491       (domain labels, draft §3.2; IDNA checks live in jid/domain.hpp)
//   saslprep      RFC 4013       (SASL user names and passwords, draft §6)
//
// UTF-8 in, UTF-8 out. Two ways to call:
//  * `preparer`: an object the embedder owns that opens each ICU profile the first time it is
//    needed and keeps the handle until destroyed. Use one per thread (it is not synchronised)
//    on any hot path: opening a profile costs far more than preparing a short string.
//  * free functions `nodeprep()` etc.: open the profile, prepare, close. Convenient, slower.
//    (ICU itself caches loaded profile data; that is ICU's business, not a global of ours.)
//
// ASCII fast path: pure-ASCII input never reaches ICU. For ASCII the four profiles reduce to
// small tables (RFC 3454 tables B.2 and C.1.1/C.2.1 restricted to U+0000..U+007F plus the
// eight extra Nodeprep exclusions, draft App. A.5); tests/jid/stringprep_test.cpp proves the
// fast path equal to ICU on every ASCII string of length 1-2 and on random longer ones.
//
// Stored strings vs queries (RFC 3454 §7): by default unassigned code points (table A.1) are an
// error, as for stored strings (JIDs on a server, SASL passwords); pass allow_unassigned = true
// for query strings. Known deviation in query mode (ICU's, found by tests/jid/libidn_diff_test.cpp):
// the RFC 3454 §6 bidi check should treat code points unassigned in Unicode 3.2 as neither
// RandALCat nor LCat (tables D.1/D.2); ICU uses their current Bidi_Class instead, so a query string
// containing such a code point can pass or fail the bidi rule differently from RFC 3454/libidn.
// Stored-string mode is exact for unassigned code points (refused before the bidi step), but not
// for the ~265 assigned ones whose bidi class changed after Unicode 3.2 (Braille U+2800..U+28FF,
// U+2132, U+302E/F became L; U+17B4/5, U+1885/6 stopped being L): ICU classes them as Unicode 15
// does, so e.g. U+05D0 U+2800 U+05D0 is a bidi error here and valid for RFC 3454 and libidn.
// Matching RFC 3454 exactly would mean running §6 ourselves with tables D.1/D.2, which ICU's
// usprep does not allow (its profiles always run their own bidi step).
//
// Empty output is reported as prep_error::empty by every profile: an empty node, resource,
// domain label, SASL user name or password is never valid in XMPP (draft §3.1; RFC 4616 §2 and
// RFC 5802 §5.1 need non-empty prepared names/passwords). Input made only of mapped-to-nothing
// characters (RFC 3454 table B.1, e.g. U+00AD) therefore gives `empty` too.
#pragma once

#include <xmppcore/jid/detail/utf.hpp>
#include <xmppcore/result.hpp>

#include <unicode/uidna.h>
#include <unicode/usprep.h>
#include <unicode/utypes.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace xmppcore::jid {

/// Why a string could not be prepared.
enum class prep_error : std::uint8_t {
  invalid_utf8,      ///< input is not well-formed UTF-8 (RFC 3629)
  prohibited,        ///< output contains a prohibited code point (RFC 3454 §5, tables C.*; see prohibited.hpp)
  unassigned,        ///< an unassigned code point (RFC 3454 table A.1) in stored-string mode (§7)
  bidi,              ///< RFC 3454 §6 bidirectional rules violated
  empty,             ///< the prepared string is empty
  too_long,          ///< longer than the caller's limit (jid: 1023 bytes, draft §3.1)
  resource_failure,  ///< ICU could not open the profile or failed internally
};

/// Wire-like name of a prep_error ("invalid-utf8", "prohibited", ...), for logs and error text.
constexpr std::string_view to_string(prep_error e) noexcept {
  switch (e) {
    case prep_error::invalid_utf8: return "invalid-utf8";
    case prep_error::prohibited: return "prohibited";
    case prep_error::unassigned: return "unassigned";
    case prep_error::bidi: return "bidi";
    case prep_error::empty: return "empty";
    case prep_error::too_long: return "too-long";
    case prep_error::resource_failure: return "resource-failure";
  }
  return "unknown";
}

/// The stringprep profiles this library applies.
enum class profile : std::uint8_t { nodeprep, resourceprep, nameprep, saslprep };

namespace detail {

// Per-profile behaviour on ASCII code points (bit 0: prohibited, bit 1: mapped to lower case).
inline constexpr std::uint8_t ascii_prohibited = 1;
inline constexpr std::uint8_t ascii_upper = 2;

constexpr std::array<std::uint8_t, 128> make_ascii_table(profile p) {
  std::array<std::uint8_t, 128> t{};
  for (int c = 0; c < 128; ++c) {
    std::uint8_t f = 0;
    const bool control = c < 0x20 || c == 0x7F;  // RFC 3454 table C.2.1
    const bool upper = c >= 'A' && c <= 'Z';     // RFC 3454 table B.2 (ASCII rows)
    switch (p) {
      case profile::nodeprep:  // draft App. A.3 (B.1, B.2), A.5 (C.1.1, C.2.1 and " & ' / : < > @)
        if (control || c == ' ' || c == '"' || c == '&' || c == '\'' || c == '/' || c == ':' ||
            c == '<' || c == '>' || c == '@')
          f |= ascii_prohibited;
        if (upper) f |= ascii_upper;
        break;
      case profile::resourceprep:  // draft App. B.3 (B.1 only: no case map), B.5 (C.1.2, C.2.1, ...)
        if (control) f |= ascii_prohibited;
        break;
      case profile::nameprep:  // RFC 3491 §5 prohibits neither C.1.1 nor C.2.1 (STD3 rules do that)
        if (upper) f |= ascii_upper;
        break;
      case profile::saslprep:  // RFC 4013 §2.2 (no case map), §2.3 (C.2.1 prohibited, space allowed)
        if (control) f |= ascii_prohibited;
        break;
    }
    t[static_cast<std::size_t>(c)] = f;
  }
  return t;
}

inline constexpr std::array<std::array<std::uint8_t, 128>, 4> ascii_tables = {
    make_ascii_table(profile::nodeprep), make_ascii_table(profile::resourceprep),
    make_ascii_table(profile::nameprep), make_ascii_table(profile::saslprep)};

/// What the ASCII fast path found in an all-ASCII string.
enum class ascii_scan : std::uint8_t { prepared, needs_lowering, prohibited };

/// Precondition: is_ascii(s).
inline ascii_scan scan_ascii(profile p, std::string_view s) noexcept {
  const auto& t = ascii_tables[static_cast<std::size_t>(p)];
  std::uint8_t acc = 0;
  for (char c : s) acc |= t[static_cast<unsigned char>(c)];
  if (acc & ascii_prohibited) return ascii_scan::prohibited;
  return (acc & ascii_upper) ? ascii_scan::needs_lowering : ascii_scan::prepared;
}

/// Appends the prepared form of pure-ASCII `s`. Precondition: is_ascii(s).
inline result<void, prep_error> prepare_ascii(profile p, std::string_view s, std::string& out) {
  switch (scan_ascii(p, s)) {
    case ascii_scan::prohibited: return unexpected{prep_error::prohibited};
    case ascii_scan::prepared: out.append(s); break;
    case ascii_scan::needs_lowering: {
      const std::size_t n0 = out.size();
      out.resize(n0 + s.size());
      char* w = out.data() + n0;
      for (char c : s) *w++ = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
      break;
    }
  }
  if (s.empty()) return unexpected{prep_error::empty};
  return {};
}

constexpr UStringPrepProfileType icu_type(profile p) noexcept {
  switch (p) {
    case profile::nodeprep: return USPREP_RFC3920_NODEPREP;
    case profile::resourceprep: return USPREP_RFC3920_RESOURCEPREP;
    case profile::nameprep: return USPREP_RFC3491_NAMEPREP;
    case profile::saslprep: return USPREP_RFC4013_SASLPREP;
  }
  return USPREP_RFC3491_NAMEPREP;
}

struct usprep_closer {
  void operator()(UStringPrepProfile* p) const noexcept { usprep_close(p); }
};
using usprep_handle = std::unique_ptr<UStringPrepProfile, usprep_closer>;

inline usprep_handle open_profile(profile p) noexcept {
  UErrorCode st = U_ZERO_ERROR;
  UStringPrepProfile* h = usprep_openByType(icu_type(p), &st);
  if (U_FAILURE(st)) {
    if (h) usprep_close(h);
    return nullptr;
  }
  return usprep_handle(h);
}

/// A UTF-16 buffer on the stack for short strings, on the heap beyond that.
struct u16_buffer {
  std::array<UChar, 512> stack;
  std::unique_ptr<UChar[]> heap;
  UChar* data = nullptr;
  std::int32_t len = 0;

  UChar* reserve(std::int32_t n) {
    if (n <= static_cast<std::int32_t>(stack.size())) return data = stack.data();
    heap.reset(new UChar[static_cast<std::size_t>(n)]);
    return data = heap.get();
  }
};

/// Prepares UTF-8 `s` with ICU profile `prof`; the result (UTF-16) is left in `out`.
inline result<void, prep_error> prepare_icu_utf16(const UStringPrepProfile* prof, std::string_view s,
                                                  bool allow_unassigned, u16_buffer& out) {
  if (s.size() > 0x3FFFFFF) return unexpected{prep_error::too_long};  // int32_t lengths in ICU
  std::array<UChar, 256> in_stack;
  std::unique_ptr<UChar[]> in_heap;
  UChar* in = in_stack.data();
  if (s.size() > in_stack.size()) {
    in_heap.reset(new UChar[s.size()]);
    in = in_heap.get();
  }
  const std::int32_t in_len = utf8_to_utf16(s, in);
  if (in_len < 0) return unexpected{prep_error::invalid_utf8};
  if (!prof) return unexpected{prep_error::resource_failure};

  const std::int32_t options = allow_unassigned ? USPREP_ALLOW_UNASSIGNED : USPREP_DEFAULT;
  // Mapping and NFKC may expand (U+FDFA becomes 18 code points): preflight when 2x is not enough.
  std::int32_t cap = std::max<std::int32_t>(static_cast<std::int32_t>(out.stack.size()), 2 * in_len);
  UChar* dst = out.reserve(cap);
  UErrorCode st = U_ZERO_ERROR;
  UParseError pe{};
  std::int32_t n = usprep_prepare(prof, in, in_len, dst, cap, options, &pe, &st);
  if (st == U_BUFFER_OVERFLOW_ERROR) {
    cap = n;
    dst = out.reserve(cap);
    st = U_ZERO_ERROR;
    n = usprep_prepare(prof, in, in_len, dst, cap, options, &pe, &st);
  }
  if (st == U_STRING_NOT_TERMINATED_WARNING) st = U_ZERO_ERROR;  // we pass lengths, never read a NUL
  switch (st) {
    case U_ZERO_ERROR: break;
    case U_STRINGPREP_PROHIBITED_ERROR: return unexpected{prep_error::prohibited};
    case U_STRINGPREP_UNASSIGNED_ERROR: return unexpected{prep_error::unassigned};
    case U_STRINGPREP_CHECK_BIDI_ERROR: return unexpected{prep_error::bidi};
    case U_INVALID_CHAR_FOUND:
    case U_ILLEGAL_CHAR_FOUND: return unexpected{prep_error::invalid_utf8};
    default:
      if (U_FAILURE(st)) return unexpected{prep_error::resource_failure};
      break;  // other warnings
  }
  if (n == 0) return unexpected{prep_error::empty};
  out.len = n;
  return {};
}

/// Appends the ICU-prepared form of UTF-8 `s` (any content) to `out`.
/// Short strings use stack buffers only; the sole allocation is growing `out`.
inline result<void, prep_error> prepare_icu(const UStringPrepProfile* prof, std::string_view s,
                                            bool allow_unassigned, std::string& out) {
  u16_buffer buf;
  if (auto r = prepare_icu_utf16(prof, s, allow_unassigned, buf); !r) return r;
  utf16_to_utf8(buf.data, buf.len, out);
  return {};
}

}  // namespace detail

/// Owns the ICU handles the preparation needs (RAII; movable, not copyable).
///
/// Each profile (and the UTS #46 IDNA object used by jid/domain.hpp) is opened on first use and
/// closed by the destructor. Not thread-safe: give each thread its own preparer. All calls are
/// noexcept apart from std::bad_alloc when growing the output string.
class preparer {
 public:
  preparer() noexcept = default;
  preparer(const preparer&) = delete;
  preparer& operator=(const preparer&) = delete;
  preparer(preparer&&) noexcept = default;
  preparer& operator=(preparer&&) noexcept = default;
  ~preparer() = default;

  /// Prepares UTF-8 `in` with profile `p` and appends the result to `out`. On error `out` is left
  /// as it was. Errors: invalid_utf8, prohibited, unassigned (unless allow_unassigned), bidi,
  /// empty, resource_failure (ICU could not open the profile).
  result<void, prep_error> prepare_append(profile p, std::string_view in, std::string& out,
                                          bool allow_unassigned = false) {
    const std::size_t mark = out.size();
    result<void, prep_error> r{};
    if (ascii_fast_path_ && detail::is_ascii(in)) {
      r = detail::prepare_ascii(p, in, out);
    } else {
      r = detail::prepare_icu(handle(p), in, allow_unassigned, out);
    }
    if (!r) out.resize(mark);
    return r;
  }

  /// Prepares UTF-8 `in` with profile `p`; see prepare_append for the errors.
  result<std::string, prep_error> prepare(profile p, std::string_view in, bool allow_unassigned = false) {
    std::string out;
    auto r = prepare_append(p, in, out, allow_unassigned);
    if (!r) return unexpected{r.error()};
    return out;
  }

  /// Zero-copy form: when `in` is pure ASCII and already in prepared form (the common case:
  /// "juliet", "balcony"), returns `in` itself and allocates nothing. Otherwise prepares into
  /// `scratch` (replacing its contents) and returns a view of it. The view is valid while both
  /// `in` and `scratch` live unchanged.
  result<std::string_view, prep_error> prepare_view(profile p, std::string_view in, std::string& scratch,
                                                    bool allow_unassigned = false) {
    if (ascii_fast_path_ && !in.empty() && detail::is_ascii(in) &&
        detail::scan_ascii(p, in) == detail::ascii_scan::prepared)
      return in;
    scratch.clear();
    auto r = prepare_append(p, in, scratch, allow_unassigned);
    if (!r) return unexpected{r.error()};
    return std::string_view(scratch);
  }

  /// Nodeprep, draft App. A.
  result<std::string, prep_error> nodeprep(std::string_view in, bool allow_unassigned = false) {
    return prepare(profile::nodeprep, in, allow_unassigned);
  }
  /// Resourceprep, draft App. B.
  result<std::string, prep_error> resourceprep(std::string_view in, bool allow_unassigned = false) {
    return prepare(profile::resourceprep, in, allow_unassigned);
  }
  /// Nameprep, RFC 3491 (one label or a whole name: nameprep alone does not split at dots).
  result<std::string, prep_error> nameprep(std::string_view in, bool allow_unassigned = false) {
    return prepare(profile::nameprep, in, allow_unassigned);
  }
  /// SASLprep, RFC 4013.
  result<std::string, prep_error> saslprep(std::string_view in, bool allow_unassigned = false) {
    return prepare(profile::saslprep, in, allow_unassigned);
  }

  /// Turns the ASCII fast path off (every string goes through ICU). For tests and benchmarks
  /// that compare the two; results are identical either way.
  void use_ascii_fast_path(bool on) noexcept { ascii_fast_path_ = on; }
  /// Whether the ASCII fast path is on (the default).
  bool uses_ascii_fast_path() const noexcept { return ascii_fast_path_; }

  /// Turns the domain memo on or off (on by default). jid/domain.hpp remembers the last
  /// `domain_memo_size` domains that needed ICU (non-ASCII or ACE) and were valid, keyed by the
  /// exact input bytes and the unassigned-code-point mode, so a server that sees the same few
  /// IDN domains again and again does not run Nameprep + UTS #46 on them each time. Bounded:
  /// only inputs up to 255 bytes are kept. Results are identical with it on or off.
  void use_domain_memo(bool on) noexcept {
    domain_memo_on_ = on;
    if (!on) for (auto& e : memo_) e = {};
  }
  bool uses_domain_memo() const noexcept { return domain_memo_on_; }
  static constexpr std::size_t domain_memo_size = 8;
  static constexpr std::size_t domain_memo_max_input = 255;

  /// The remembered prepared form of domain input `in` (in mode `allow_unassigned`), or nullptr.
  const std::string* find_domain(std::string_view in, bool allow_unassigned) const noexcept {
    if (!domain_memo_on_) return nullptr;
    for (const auto& e : memo_)
      if (e.used && e.allow_unassigned == allow_unassigned && e.input == in) return &e.prepared;
    return nullptr;
  }
  /// Remembers that domain input `in` prepares to `prepared` (only call for valid domains).
  void remember_domain(std::string_view in, bool allow_unassigned, std::string_view prepared) {
    if (!domain_memo_on_ || in.size() > domain_memo_max_input) return;
    auto& e = memo_[memo_next_];
    memo_next_ = (memo_next_ + 1) % domain_memo_size;
    e.input.assign(in);
    e.prepared.assign(prepared);
    e.allow_unassigned = allow_unassigned;
    e.used = true;
  }

  /// The ICU profile handle for `p`, opened on first use; nullptr if ICU cannot open it.
  const UStringPrepProfile* handle(profile p) noexcept {
    auto& h = profiles_[static_cast<std::size_t>(p)];
    if (!h) h = detail::open_profile(p);
    return h.get();
  }

  /// The UTS #46 IDNA object (ToASCII checks of jid/domain.hpp), opened on first use with
  /// UIDNA_USE_STD3_RULES and transitional processing (IDNA2003-compatible mappings); nullptr if
  /// ICU cannot open it.
  const UIDNA* uts46() noexcept {
    if (!idna_) {
      UErrorCode st = U_ZERO_ERROR;
      UIDNA* h = uidna_openUTS46(UIDNA_USE_STD3_RULES, &st);
      if (U_FAILURE(st)) {
        if (h) uidna_close(h);
        return nullptr;
      }
      idna_.reset(h);
    }
    return idna_.get();
  }

 private:
  struct uidna_closer {
    void operator()(UIDNA* p) const noexcept { uidna_close(p); }
  };
  std::array<detail::usprep_handle, 4> profiles_{};
  struct memo_entry {
    std::string input, prepared;
    bool allow_unassigned = false;
    bool used = false;
  };
  std::unique_ptr<UIDNA, uidna_closer> idna_;
  std::array<memo_entry, domain_memo_size> memo_{};
  std::size_t memo_next_ = 0;
  bool ascii_fast_path_ = true;
  bool domain_memo_on_ = true;
};

/// One-shot preparation: ASCII never touches ICU; otherwise the ICU profile is opened for this
/// call only. Prefer a `preparer` when preparing many strings.
inline result<std::string, prep_error> prepare(profile p, std::string_view in, bool allow_unassigned = false) {
  std::string out;
  if (detail::is_ascii(in)) {
    auto r = detail::prepare_ascii(p, in, out);
    if (!r) return unexpected{r.error()};
    return out;
  }
  auto h = detail::open_profile(p);
  auto r = detail::prepare_icu(h.get(), in, allow_unassigned, out);
  if (!r) return unexpected{r.error()};
  return out;
}

/// Nodeprep (draft App. A), one-shot.
inline result<std::string, prep_error> nodeprep(std::string_view utf8, bool allow_unassigned = false) {
  return prepare(profile::nodeprep, utf8, allow_unassigned);
}
/// Resourceprep (draft App. B), one-shot.
inline result<std::string, prep_error> resourceprep(std::string_view utf8, bool allow_unassigned = false) {
  return prepare(profile::resourceprep, utf8, allow_unassigned);
}
/// Nameprep (RFC 3491), one-shot. Only the stringprep step; for a whole domain with the IDNA
/// checks use jid/domain.hpp.
inline result<std::string, prep_error> nameprep(std::string_view utf8, bool allow_unassigned = false) {
  return prepare(profile::nameprep, utf8, allow_unassigned);
}
/// SASLprep (RFC 4013, ICU USPREP_RFC4013_SASLPREP), one-shot. Empty output is
/// prep_error::empty (RFC 4616 §2, RFC 5802 §5.1: no empty prepared names or passwords).
inline result<std::string, prep_error> saslprep(std::string_view utf8, bool allow_unassigned = false) {
  return prepare(profile::saslprep, utf8, allow_unassigned);
}

}  // namespace xmppcore::jid
