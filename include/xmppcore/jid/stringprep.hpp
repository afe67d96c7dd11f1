// xmppcore — the stringprep profiles XMPP needs (RFC 3454), through ICU.
//
//   nodeprep      draft App. A   (RFC 3920 Nodeprep)
//   resourceprep  draft App. B   (RFC 3920 Resourceprep)
//   nameprep      RFC 3491       (domain labels, draft §3.2; IDNA checks live in jid/domain.hpp)
//   saslprep      RFC 4013       (SASL user names and passwords, draft §6)
//
// UTF-8 in, UTF-8 out. Two ways to call:
//  * `preparer`: an object the embedder owns that opens each ICU object the first time it is
//    needed and keeps the handle until destroyed. Use one per thread (it is not synchronised)
//    on any hot path: opening a profile costs far more than preparing a short string.
//  * free functions `nodeprep()` etc.: open what they need, prepare, close. Convenient, slower.
//    (ICU itself caches loaded profile data; that is ICU's business, not a global of ours.)
//
// How a string is prepared:
//  1. Pure-ASCII input never reaches ICU. For ASCII the four profiles reduce to small tables
//     (RFC 3454 tables B.2 and C.1.1/C.2.1 restricted to U+0000..U+007F plus the eight extra
//     Nodeprep exclusions, draft App. A.5); tests/jid/stringprep_test.cpp proves the fast path
//     equal to ICU on every ASCII string of length 1-2 and on random longer ones.
//  2. Other input must be well-formed UTF-8 and in Stream-Safe Text Format (UAX #15 §13: no run
//     of more than 30 combining marks; see detail/stream_safe.hpp). A longer run is refused with
//     prep_error::not_stream_safe before ICU sees it, because normalizing it costs time quadratic
//     in its length. This is a limit of ours, like the 1023-byte JID parts: RFC 3454 has none.
//  3. ICU's usprep maps (RFC 3454 §3), normalizes (NFKC, §4, restricted to Unicode 3.2 as §4
//     requires), checks prohibited output (§5) and unassigned code points (§7), all with the
//     Unicode 3.2 tables of RFC 3454.
//  4. The bidi rule (§6) is ours, with tables D.1 and D.2 of RFC 3454 (detail/rfc3454.hpp):
//     usprep's own bidi step uses today's Bidi_Class instead (Braille U+2800-28FF is L now,
//     U+17B4/5 no longer are, code points unassigned in 3.2 have classes now), and cannot be
//     turned off. So the result of usprep is checked again, and when usprep refused a string for
//     bidi alone, its output is rebuilt (the B.1/B.2 mapping from RFC 3454's tables, then the
//     same Unicode 3.2 NFKC usprep uses) and judged by D.1/D.2. The verdicts are RFC 3454's, and
//     tests/jid/libidn_diff_test.cpp finds GNU libidn in agreement on every string it generates.
//
// Stored strings vs queries (RFC 3454 §7): by default (prep_mode::stored) unassigned code points
// (table A.1) are an error, as for stored strings (JIDs on a server, SASL passwords); pass
// prep_mode::query for query strings. Unassigned code points are in neither D.1 nor D.2, so in
// query mode they count as neither for §6, as RFC 3454 says.
//
// An empty result is a result: input made only of mapped-to-nothing characters (RFC 3454 table
// B.1, e.g. U+00AD) prepares to "", as with RFC 3454, libidn and ICU. Whether an empty string is
// acceptable is the caller's decision: the JID layer refuses empty parts (draft §3.1), the SASL
// layer empty names and passwords (RFC 4616 §2, RFC 5802 §5.1).
#pragma once

#include <xmppcore/jid/detail/rfc3454.hpp>
#include <xmppcore/jid/detail/stream_safe.hpp>
#include <xmppcore/jid/detail/utf.hpp>
#include <xmppcore/result.hpp>

#include <unicode/uidna.h>
#include <unicode/unorm2.h>
#include <unicode/uset.h>
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

/// Stored strings or queries (RFC 3454 §7).
enum class prep_mode : std::uint8_t {
  stored,  ///< unassigned code points (RFC 3454 table A.1) are an error: JIDs and passwords you keep
  query,   ///< unassigned code points pass through: only for looking something up, never for storing
};

/// Why a string could not be prepared.
enum class prep_error : std::uint8_t {
  invalid_utf8,      ///< input is not well-formed UTF-8 (RFC 3629)
  prohibited,        ///< output contains a prohibited code point (RFC 3454 §5, tables C.*; see prohibited.hpp)
  unassigned,        ///< an unassigned code point (RFC 3454 table A.1) in stored mode (§7)
  bidi,              ///< RFC 3454 §6 bidirectional rules violated (tables D.1/D.2)
  empty,             ///< never returned by the profiles (an empty result is valid for RFC 3454);
                     ///< for callers that refuse empty strings, such as the SASL layer
  too_long,          ///< longer than a limit (the JID layer's 1023 bytes, draft §3.1; ICU's int32 lengths)
  resource_failure,  ///< ICU could not open the profile or failed internally (our fault, not the input's)
  not_stream_safe,   ///< more than 30 combining marks in a row (UAX #15 §13); refused before normalization
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
    case prep_error::not_stream_safe: return "not-stream-safe";
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

/// The RFC 3454 §3 mapping each profile applies (draft App. A.3, B.3; RFC 3491 §3; RFC 4013 §2.1).
constexpr rfc3454::mapping mapping_of(profile p) noexcept {
  switch (p) {
    case profile::nodeprep:
    case profile::nameprep: return rfc3454::mapping::b1_b2;
    case profile::resourceprep: return rfc3454::mapping::b1;
    case profile::saslprep: return rfc3454::mapping::sasl;
  }
  return rfc3454::mapping::b1;
}

struct usprep_closer {
  void operator()(UStringPrepProfile* p) const noexcept { usprep_close(p); }
};
struct uset_closer {
  void operator()(USet* s) const noexcept { uset_close(s); }
};
struct unorm2_closer {
  void operator()(UNormalizer2* n) const noexcept { unorm2_close(n); }
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

/// The ICU objects preparation uses, each opened on first use and closed by the destructor
/// (movable, not copyable, not synchronised). A member of `preparer`; the one-shot functions
/// make a temporary one.
class icu_objects {
 public:
  /// The usprep profile for `p`; nullptr if ICU cannot open it.
  const UStringPrepProfile* profile_handle(profile p) noexcept {
    auto& h = profiles_[static_cast<std::size_t>(p)];
    if (!h) h = open_profile(p);
    return h.get();
  }
  /// ICU's NFKD instance (owned by ICU; for the stream-safe check); nullptr on failure.
  const UNormalizer2* nfkd() noexcept {
    if (!nfkd_) {
      UErrorCode st = U_ZERO_ERROR;
      const UNormalizer2* n = unorm2_getNFKDInstance(&st);
      nfkd_ = U_SUCCESS(st) ? n : nullptr;
    }
    return nfkd_;
  }
  /// NFKC restricted to the characters of Unicode 3.2 (others are left alone), the
  /// normalization usprep applies (RFC 3454 §4); nullptr if ICU cannot build it.
  const UNormalizer2* nfkc32() noexcept {
    if (!nfkc32_) {
      UErrorCode st = U_ZERO_ERROR;
      const UNormalizer2* nfkc = unorm2_getNFKCInstance(&st);
      static constexpr UChar pattern[] = u"[:age=3.2:]";
      std::unique_ptr<USet, uset_closer> set(U_SUCCESS(st) ? uset_openPattern(pattern, -1, &st) : nullptr);
      if (U_FAILURE(st) || !set) return nullptr;
      uset_freeze(set.get());
      std::unique_ptr<UNormalizer2, unorm2_closer> filtered(unorm2_openFiltered(nfkc, set.get(), &st));
      if (U_FAILURE(st) || !filtered) return nullptr;
      u32_ = std::move(set);  // must outlive the filtered normalizer (declared first, destroyed last)
      nfkc32_ = std::move(filtered);
    }
    return nfkc32_.get();
  }

 private:
  std::array<usprep_handle, 4> profiles_{};
  const UNormalizer2* nfkd_ = nullptr;
  std::unique_ptr<USet, uset_closer> u32_;
  std::unique_ptr<UNormalizer2, unorm2_closer> nfkc32_;
};

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

/// The output usprep would have given for `in` without its bidi step: the RFC 3454 §3 mapping of
/// profile `p` from RFC 3454's own tables, then NFKC restricted to Unicode 3.2 (§4), into `out`.
/// For strings usprep refused for bidi only, so mapping and prohibition already passed.
inline result<void, prep_error> rebuild_without_bidi(icu_objects& icu, profile p, const UChar* in, std::int32_t in_len,
                                                     u16_buffer& out) {
  const UNormalizer2* nfkc = icu.nfkc32();
  if (!nfkc) return unexpected{prep_error::resource_failure};
  u16_buffer mapped;
  UChar* m = mapped.reserve(rfc3454::max_mapping_growth * in_len);
  const std::int32_t m_len = rfc3454::map_utf16(mapping_of(p), in, in_len, m);
  std::int32_t cap = std::max<std::int32_t>(static_cast<std::int32_t>(out.stack.size()), 2 * m_len);
  UErrorCode st = U_ZERO_ERROR;
  std::int32_t n = unorm2_normalize(nfkc, m, m_len, out.reserve(cap), cap, &st);
  if (st == U_BUFFER_OVERFLOW_ERROR) {
    cap = n;
    st = U_ZERO_ERROR;
    n = unorm2_normalize(nfkc, m, m_len, out.reserve(cap), cap, &st);
  }
  if (U_FAILURE(st)) return unexpected{prep_error::resource_failure};
  out.len = n;
  return {};
}

/// Prepares UTF-8 `s` with profile `p` (steps 2-4 of the comment at the top of this file); the
/// result (UTF-16) is left in `out`.
inline result<void, prep_error> prepare_icu_utf16(icu_objects& icu, profile p, std::string_view s, prep_mode mode,
                                                  u16_buffer& out) {
  if (s.size() > 0x3FFFFFF) return unexpected{prep_error::too_long};  // int32_t lengths in ICU
  std::array<UChar, 256> in_stack;
  std::unique_ptr<UChar[]> in_heap;
  UChar* in = in_stack.data();
  if (s.size() > in_stack.size()) {
    in_heap.reset(new UChar[s.size()]);
    in = in_heap.get();
  }
  std::int32_t longest_non_ascii = 0;
  const std::int32_t in_len = utf8_to_utf16(s, in, &longest_non_ascii);
  if (in_len < 0) return unexpected{prep_error::invalid_utf8};
  const UNormalizer2* nfkd = icu.nfkd();
  const UStringPrepProfile* prof = icu.profile_handle(p);
  if (!nfkd || !prof) return unexpected{prep_error::resource_failure};
  if (!stream_safe(nfkd, mapping_of(p), in, in_len, longest_non_ascii)) return unexpected{prep_error::not_stream_safe};

  const std::int32_t options = mode == prep_mode::query ? USPREP_ALLOW_UNASSIGNED : USPREP_DEFAULT;
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
    case U_ZERO_ERROR: out.len = n; break;
    case U_STRINGPREP_PROHIBITED_ERROR: return unexpected{prep_error::prohibited};
    case U_STRINGPREP_UNASSIGNED_ERROR: return unexpected{prep_error::unassigned};
    case U_STRINGPREP_CHECK_BIDI_ERROR:
      // usprep checks bidi last (after mapping, normalization, prohibition and unassigned code
      // points), with today's Bidi_Class: rebuild its output and apply RFC 3454's tables.
      if (auto r = rebuild_without_bidi(icu, p, in, in_len, out); !r) return r;
      break;
    case U_INVALID_CHAR_FOUND:
    case U_ILLEGAL_CHAR_FOUND: return unexpected{prep_error::invalid_utf8};
    default:
      if (U_FAILURE(st)) return unexpected{prep_error::resource_failure};
      out.len = n;
      break;  // other warnings
  }
  if (!rfc3454::bidi_ok(out.data, out.len)) return unexpected{prep_error::bidi};
  return {};
}

/// Appends the prepared form of UTF-8 `s` (any content) to `out`.
/// Short strings use stack buffers only; the sole allocation is growing `out`.
inline result<void, prep_error> prepare_icu(icu_objects& icu, profile p, std::string_view s, prep_mode mode,
                                            std::string& out) {
  u16_buffer buf;
  if (auto r = prepare_icu_utf16(icu, p, s, mode, buf); !r) return r;
  utf16_to_utf8(buf.data, buf.len, out);
  return {};
}

}  // namespace detail

/// Owns the ICU handles the preparation needs (RAII; movable, not copyable).
///
/// Each profile (and the normalizers, and the UTS #46 IDNA object of jid/domain.hpp's strict
/// rules) is opened on first use and closed by the destructor. Not thread-safe: give each thread
/// its own preparer. All calls are noexcept apart from std::bad_alloc when growing the output.
class preparer {
 public:
  preparer() noexcept = default;
  preparer(const preparer&) = delete;
  preparer& operator=(const preparer&) = delete;
  preparer(preparer&&) noexcept = default;
  preparer& operator=(preparer&&) noexcept = default;
  ~preparer() = default;

  /// Prepares UTF-8 `in` with profile `p` and appends the result (possibly empty) to `out`. On
  /// error `out` is left as it was. Errors: invalid_utf8, not_stream_safe, prohibited, unassigned
  /// (stored mode), bidi, too_long (input beyond ICU's int32 lengths), resource_failure (ICU
  /// could not open the profile).
  result<void, prep_error> prepare_append(profile p, std::string_view in, std::string& out,
                                          prep_mode mode = prep_mode::stored) {
    const std::size_t mark = out.size();
    result<void, prep_error> r{};
    if (ascii_fast_path_ && detail::is_ascii(in)) {
      r = detail::prepare_ascii(p, in, out);
    } else {
      r = detail::prepare_icu(icu_, p, in, mode, out);
    }
    if (!r) out.resize(mark);
    return r;
  }

  /// Prepares UTF-8 `in` with profile `p`; see prepare_append for the errors.
  result<std::string, prep_error> prepare(profile p, std::string_view in, prep_mode mode = prep_mode::stored) {
    std::string out;
    auto r = prepare_append(p, in, out, mode);
    if (!r) return unexpected{r.error()};
    return out;
  }

  /// Zero-copy form: when `in` is pure ASCII and already in prepared form (the common case:
  /// "juliet", "balcony"), returns `in` itself and allocates nothing. Otherwise prepares into
  /// `scratch` (replacing its contents) and returns a view of it. The view is valid while both
  /// `in` and `scratch` live unchanged.
  result<std::string_view, prep_error> prepare_view(profile p, std::string_view in, std::string& scratch,
                                                    prep_mode mode = prep_mode::stored) {
    if (ascii_fast_path_ && detail::is_ascii(in) && detail::scan_ascii(p, in) == detail::ascii_scan::prepared)
      return in;
    scratch.clear();
    auto r = prepare_append(p, in, scratch, mode);
    if (!r) return unexpected{r.error()};
    return std::string_view(scratch);
  }

  /// Nodeprep, draft App. A.
  result<std::string, prep_error> nodeprep(std::string_view in, prep_mode mode = prep_mode::stored) {
    return prepare(profile::nodeprep, in, mode);
  }
  /// Resourceprep, draft App. B.
  result<std::string, prep_error> resourceprep(std::string_view in, prep_mode mode = prep_mode::stored) {
    return prepare(profile::resourceprep, in, mode);
  }
  /// Nameprep, RFC 3491 (one label or a whole name: nameprep alone does not split at dots).
  result<std::string, prep_error> nameprep(std::string_view in, prep_mode mode = prep_mode::stored) {
    return prepare(profile::nameprep, in, mode);
  }
  /// SASLprep, RFC 4013.
  result<std::string, prep_error> saslprep(std::string_view in, prep_mode mode = prep_mode::stored) {
    return prepare(profile::saslprep, in, mode);
  }

  /// Turns the ASCII fast paths off (every string goes through ICU, every domain label through
  /// Nameprep). For tests and benchmarks that compare the two; results are identical either way.
  void use_ascii_fast_path(bool on) noexcept { ascii_fast_path_ = on; }
  /// Whether the ASCII fast path is on (the default).
  bool uses_ascii_fast_path() const noexcept { return ascii_fast_path_; }

  /// Turns the domain memo on or off (on by default). jid/domain.hpp remembers the last
  /// `domain_memo_size` domains that needed ICU (non-ASCII or ACE) and were valid, keyed by the
  /// exact input bytes and the options they were prepared with, so a server that sees the same
  /// few IDN domains again and again does not prepare and check them each time. Bounded: only
  /// inputs up to 255 bytes are kept. Results are identical with it on or off.
  void use_domain_memo(bool on) noexcept {
    domain_memo_on_ = on;
    if (!on) for (auto& e : memo_) e = {};
  }
  bool uses_domain_memo() const noexcept { return domain_memo_on_; }
  static constexpr std::size_t domain_memo_size = 8;
  static constexpr std::size_t domain_memo_max_input = 255;

  /// The remembered prepared form of domain input `in` prepared with options `key` (an encoding
  /// of jid/domain.hpp's options), or nullptr.
  const std::string* find_domain(std::string_view in, std::uint8_t key) const noexcept {
    if (!domain_memo_on_) return nullptr;
    for (const auto& e : memo_)
      if (e.used && e.key == key && e.input == in) return &e.prepared;
    return nullptr;
  }
  /// Remembers that domain input `in` prepares to `prepared` with options `key` (only call for
  /// valid domains).
  void remember_domain(std::string_view in, std::uint8_t key, std::string_view prepared) {
    if (!domain_memo_on_ || in.size() > domain_memo_max_input) return;
    auto& e = memo_[memo_next_];
    memo_next_ = (memo_next_ + 1) % domain_memo_size;
    e.input.assign(in);
    e.prepared.assign(prepared);
    e.key = key;
    e.used = true;
  }

  /// The ICU objects preparation uses (for jid/domain.hpp).
  detail::icu_objects& icu() noexcept { return icu_; }

  /// The UTS #46 IDNA object for jid/domain.hpp's strict rules, opened on first use with
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
  struct memo_entry {
    std::string input, prepared;
    std::uint8_t key = 0;
    bool used = false;
  };
  detail::icu_objects icu_;
  std::unique_ptr<UIDNA, uidna_closer> idna_;
  std::array<memo_entry, domain_memo_size> memo_{};
  std::size_t memo_next_ = 0;
  bool ascii_fast_path_ = true;
  bool domain_memo_on_ = true;
};

/// One-shot preparation: ASCII never touches ICU; otherwise the ICU objects are opened for this
/// call only. Prefer a `preparer` when preparing many strings.
inline result<std::string, prep_error> prepare(profile p, std::string_view in, prep_mode mode = prep_mode::stored) {
  std::string out;
  result<void, prep_error> r{};
  if (detail::is_ascii(in)) {
    r = detail::prepare_ascii(p, in, out);
  } else {
    detail::icu_objects icu;
    r = detail::prepare_icu(icu, p, in, mode, out);
  }
  if (!r) return unexpected{r.error()};
  return out;
}

/// Nodeprep (draft App. A), one-shot.
inline result<std::string, prep_error> nodeprep(std::string_view utf8, prep_mode mode = prep_mode::stored) {
  return prepare(profile::nodeprep, utf8, mode);
}
/// Resourceprep (draft App. B), one-shot.
inline result<std::string, prep_error> resourceprep(std::string_view utf8, prep_mode mode = prep_mode::stored) {
  return prepare(profile::resourceprep, utf8, mode);
}
/// Nameprep (RFC 3491), one-shot. Only the stringprep step; for a whole domain with the IDNA
/// checks use jid/domain.hpp.
inline result<std::string, prep_error> nameprep(std::string_view utf8, prep_mode mode = prep_mode::stored) {
  return prepare(profile::nameprep, utf8, mode);
}
/// SASLprep (RFC 4013), one-shot. An empty result is returned as such: RFC 4616 §2 and RFC 5802
/// §5.1 make the SASL layer refuse empty prepared names and passwords.
inline result<std::string, prep_error> saslprep(std::string_view utf8, prep_mode mode = prep_mode::stored) {
  return prepare(profile::saslprep, utf8, mode);
}

}  // namespace xmppcore::jid
