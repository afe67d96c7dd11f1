// xmppcore — the JID value type (draft §3).
//
// Parsing follows draft §3.1 `jid = [ node "@" ] domain [ "/" resource ]` literally:
//   * the resource is everything after the first '/' (it may contain '@' and '/');
//   * the node is what precedes the first '@' that comes before that '/';
//   * the rest is the domain (jid/domain.hpp).
// A separator with nothing on its side is an error (`@d`, `n@d` with empty node, `d/`), so is an
// empty domain, and so is a part that prepares to nothing (U+00AD alone; the profiles themselves
// return the empty string, as RFC 3454 does). Each part is prepared (node: Nodeprep, draft
// App. A; domain: Nameprep + IDNA, §3.2, see domain.hpp; resource: Resourceprep, App. B) and
// must be at most 1023 bytes afterwards (§3.1). Every error is the peer's (jid-malformed) except
// resource_failure, which only ICU failing to open its data can cause.
//
// Storage: one std::string holding the prepared `node@domain/resource` plus two offsets.
// Node and domain can contain neither '@' nor '/' after preparation, so equality, ordering and
// hashing on that string are equality, ordering and hashing of the prepared parts (§3.2-3.4:
// compare only prepared forms; §14.10: anything else lets one user reach another's account).
//
// Allocation: input that is already in prepared form and pure ASCII (the common case) is
// detected by a scan without building anything; `parse(std::string&&)` then adopts the caller's
// buffer (no allocation at all) and `parse(std::string_view)` copies it once into the jid (no
// heap allocation when it fits the small-string buffer). Other input is prepared straight into
// the jid's single buffer; ICU work buffers live on the stack for parts up to 256 UTF-16 units.
// (The preparer's domain memo, see stringprep.hpp, allocates when it learns a new IDN domain.)
//
// Inputs of more than 4 x 1023 bytes per part are refused (too_long) before any preparation:
// only padding with mapped-to-nothing characters could shrink them to 1023 bytes, and preparing
// them would let a peer make us do unbounded work.
#pragma once

#include <xmppcore/jid/domain.hpp>
#include <xmppcore/jid/error.hpp>
#include <xmppcore/jid/stringprep.hpp>
#include <xmppcore/result.hpp>

#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace xmppcore::jid {

/// Largest raw (unprepared) input accepted per part; see the note at the top of this file.
inline constexpr std::size_t max_raw_part_bytes = 4 * max_part_bytes;

/// Options for parsing.
struct parse_options {
  /// prep_mode::query accepts unassigned code points (RFC 3454 §7): never for JIDs you store or
  /// authorize against; fine for looking something up.
  prep_mode mode = prep_mode::stored;
  /// The IDNA rules for the domain (jid/domain.hpp): the draft's IDNA2003 by default.
  idna_rules idna = idna_rules::idna2003;
};

/// A prepared, validated JID. Immutable value type; cheap to move.
class jid {
 public:
  /// Parses and prepares `s` (draft §3.1). Errors name the part and the reason.
  static result<jid, jid_error> parse(std::string_view s, preparer& prep, parse_options opt = {}) {
    return parse_impl(s, nullptr, prep, opt);
  }
  /// As above; reuses `s`'s buffer when `s` is already prepared ASCII (no allocation).
  static result<jid, jid_error> parse(std::string&& s, preparer& prep, parse_options opt = {}) {
    return parse_impl(s, &s, prep, opt);
  }
  /// As parse(std::string_view, ...); resolves the ambiguity for string literals.
  static result<jid, jid_error> parse(const char* s, preparer& prep, parse_options opt = {}) {
    return parse_impl(std::string_view(s), nullptr, prep, opt);
  }
  /// One-shot parse with a temporary preparer (slower on non-ASCII input: opens ICU profiles).
  static result<jid, jid_error> parse(std::string_view s, parse_options opt = {}) {
    preparer prep;
    return parse_impl(s, nullptr, prep, opt);
  }

  /// Builds a JID from separate parts (e.g. a resource chosen at binding time, draft §7), each
  /// prepared as in parse(). An engaged but empty node or resource is an error.
  static result<jid, jid_error> from_parts(std::optional<std::string_view> node, std::string_view domain,
                                           std::optional<std::string_view> resource, preparer& prep,
                                           parse_options opt = {}) {
    jid j;
    if (auto r = j.build(node, domain, resource, prep, opt); !r) return unexpected{r.error()};
    return j;
  }

  /// The prepared node, or empty when there is none.
  std::string_view node() const noexcept { return has_node() ? std::string_view(s_).substr(0, node_len_) : std::string_view{}; }
  /// The prepared domain (always present).
  std::string_view domain() const noexcept {
    const std::size_t b = has_node() ? node_len_ + 1u : 0u;
    return std::string_view(s_).substr(b, domain_end_ - b);
  }
  /// The prepared resource, or empty when there is none.
  std::string_view resource() const noexcept {
    return has_resource() ? std::string_view(s_).substr(domain_end_ + 1u) : std::string_view{};
  }
  bool has_node() const noexcept { return node_len_ != no_node; }
  bool has_resource() const noexcept { return domain_end_ < s_.size(); }
  /// True for `node@domain` or `domain` (no resource).
  bool is_bare() const noexcept { return !has_resource(); }
  /// True when a resource is present (a "full JID", draft §3.5).
  bool is_full() const noexcept { return has_resource(); }

  /// The JID without its resource (draft §3.3 "bare JID").
  jid bare() const {
    jid j;
    j.s_.assign(s_, 0, domain_end_);
    j.node_len_ = node_len_;
    j.domain_end_ = domain_end_;
    return j;
  }
  /// The whole prepared JID as text; valid while this jid lives and is not assigned to.
  std::string_view full() const noexcept { return s_; }
  /// `node@domain` (or `domain`) as text, a view into this jid.
  std::string_view bare_view() const noexcept { return std::string_view(s_).substr(0, domain_end_); }
  /// The prepared JID as a string (for the wire: `to`/`from` attributes).
  std::string to_string() const { return s_; }
  /// The domain in ACE form (RFC 3490 ToASCII of each label: `b\u00FCcher.example` gives
  /// `xn--bcher-kva.example`), for DNS/SRV lookups, certificate name checks and dialback.
  std::string domain_ace() const {
    std::string out;
    append_ace(domain(), out);
    return out;
  }

  friend bool operator==(const jid& a, const jid& b) noexcept { return a.s_ == b.s_; }
  friend std::strong_ordering operator<=>(const jid& a, const jid& b) noexcept {
    const int c = a.s_.compare(b.s_);
    return c < 0 ? std::strong_ordering::less : c > 0 ? std::strong_ordering::greater : std::strong_ordering::equal;
  }

 private:
  static constexpr std::uint16_t no_node = 0xFFFF;

  jid() = default;

  static result<jid, jid_error> parse_impl(std::string_view s, std::string* owned, preparer& prep,
                                           parse_options opt) {
    // draft §3.1: resource after the first '/'; node before the first '@' preceding it.
    std::optional<std::string_view> node, resource;
    std::string_view head = s;
    if (const auto slash = s.find('/'); slash != std::string_view::npos) {
      resource = s.substr(slash + 1);
      head = s.substr(0, slash);
    }
    std::string_view domain = head;
    if (const auto at = head.find('@'); at != std::string_view::npos) {
      node = head.substr(0, at);
      domain = head.substr(at + 1);
    }
    jid j;
    if (prep.uses_ascii_fast_path() && already_prepared_ascii(node, domain, resource)) {
      if (owned) j.s_ = std::move(*owned);
      else j.s_.assign(s);
      j.node_len_ = node ? static_cast<std::uint16_t>(node->size()) : no_node;
      j.domain_end_ = static_cast<std::uint16_t>(head.size());
      return j;
    }
    if (auto r = j.build(node, domain, resource, prep, opt); !r) return unexpected{r.error()};
    return j;
  }

  // Cheap pre-check for the common case: every part ASCII, within limits, and already in the
  // form preparation would produce, so the input can be kept as it is.
  static bool already_prepared_ascii(const std::optional<std::string_view>& node, std::string_view domain,
                                     const std::optional<std::string_view>& resource) noexcept {
    if (node && (node->empty() || node->size() > max_part_bytes || !detail::is_ascii(*node) ||
                 detail::scan_ascii(profile::nodeprep, *node) != detail::ascii_scan::prepared))
      return false;
    if (resource && (resource->empty() || resource->size() > max_part_bytes || !detail::is_ascii(*resource) ||
                     detail::scan_ascii(profile::resourceprep, *resource) != detail::ascii_scan::prepared))
      return false;
    // Domain: lower-case LDH labels, no empty label, no trailing dot, within DNS limits (what
    // prepare_domain_append would output unchanged), or an IPv4 literal. Not '[' literals or
    // xn-- labels: those take the general path.
    if (domain.empty() || domain.size() > max_domain_octets) return false;
    std::size_t label_start = 0;
    bool all_numeric = true;
    int dots = 0;
    for (std::size_t i = 0; i <= domain.size(); ++i) {
      if (i == domain.size() || domain[i] == '.') {
        const std::string_view l = domain.substr(label_start, i - label_start);
        if (l.empty() || l.size() > max_label_octets || l.front() == '-' || l.back() == '-' ||
            detail::starts_with_ace_prefix(l))
          return false;
        if (i < domain.size()) ++dots;
        label_start = i + 1;
        continue;
      }
      const char c = domain[i];
      if (detail::is_digit(c)) continue;
      all_numeric = false;
      if (!((c >= 'a' && c <= 'z') || c == '-')) return false;
    }
    if (all_numeric && dots == 3) return detail::is_ipv4_literal(domain);
    return true;
  }

  result<void, jid_error> build(std::optional<std::string_view> node, std::string_view domain,
                                std::optional<std::string_view> resource, preparer& prep, parse_options opt) {
    auto part_fail = [](part p, errc e) -> result<void, jid_error> { return unexpected{jid_error{p, e}}; };
    if (node && node->size() > max_raw_part_bytes) return part_fail(part::node, errc::too_long);
    if (domain.size() > max_raw_part_bytes) return part_fail(part::domain, errc::too_long);
    if (resource && resource->size() > max_raw_part_bytes) return part_fail(part::resource, errc::too_long);
    s_.clear();
    s_.reserve((node ? node->size() + 1 : 0) + domain.size() + (resource ? resource->size() + 1 : 0));
    node_len_ = no_node;
    if (node) {
      if (auto r = prep.prepare_append(profile::nodeprep, *node, s_, opt.mode); !r)
        return part_fail(part::node, to_errc(r.error()));
      if (s_.empty()) return part_fail(part::node, errc::empty);
      if (s_.size() > max_part_bytes) return part_fail(part::node, errc::too_long);
      node_len_ = static_cast<std::uint16_t>(s_.size());
      s_.push_back('@');
    }
    const std::size_t domain_begin = s_.size();
    if (auto r = prepare_domain_append(prep, domain, s_, opt.mode, opt.idna); !r)
      return part_fail(part::domain, r.error());
    if (s_.size() - domain_begin > max_part_bytes) return part_fail(part::domain, errc::too_long);
    domain_end_ = static_cast<std::uint16_t>(s_.size());
    if (resource) {
      s_.push_back('/');
      const std::size_t res_begin = s_.size();
      if (auto r = prep.prepare_append(profile::resourceprep, *resource, s_, opt.mode); !r)
        return part_fail(part::resource, to_errc(r.error()));
      if (s_.size() == res_begin) return part_fail(part::resource, errc::empty);
      if (s_.size() - res_begin > max_part_bytes) return part_fail(part::resource, errc::too_long);
    }
    return {};
  }

  std::string s_;                  // prepared "node@domain/resource"
  std::uint16_t node_len_ = no_node;  // bytes of node, or no_node
  std::uint16_t domain_end_ = 0;   // offset one past the domain (== s_.size() when no resource)
};

/// A JID known to have no resource (`node@domain` or `domain`; draft §3.3 "bare JID"), e.g. an
/// account or roster key. The guarantee is in the type.
class bare_jid {
 public:
  /// The bare part of any JID (drops a resource if there is one).
  explicit bare_jid(const jid& j) : j_(j.bare()) {}
  /// Parses a JID that must not have a resource: {part::resource, errc::not_allowed} if it has.
  static result<bare_jid, jid_error> parse(std::string_view s, preparer& prep, parse_options opt = {}) {
    auto r = jid::parse(s, prep, opt);
    if (!r) return unexpected{r.error()};
    if (r->has_resource()) return unexpected{jid_error{part::resource, errc::not_allowed}};
    return bare_jid(std::move(*r), 0);
  }
  const jid& as_jid() const noexcept { return j_; }
  std::string_view node() const noexcept { return j_.node(); }
  std::string_view domain() const noexcept { return j_.domain(); }
  bool has_node() const noexcept { return j_.has_node(); }
  std::string_view full() const noexcept { return j_.full(); }
  std::string to_string() const { return j_.to_string(); }
  friend bool operator==(const bare_jid&, const bare_jid&) noexcept = default;
  friend std::strong_ordering operator<=>(const bare_jid& a, const bare_jid& b) noexcept { return a.j_ <=> b.j_; }

 private:
  bare_jid(jid&& j, int) noexcept : j_(std::move(j)) {}
  jid j_;
};

/// A JID known to have a resource (`node@domain/resource` or `domain/resource`; draft §3.5
/// "full JID"), e.g. a connected resource after binding (draft §7).
class full_jid {
 public:
  /// Checks that `j` has a resource: {part::resource, errc::missing} if not.
  static result<full_jid, jid_error> from(jid j) {
    if (!j.has_resource()) return unexpected{jid_error{part::resource, errc::missing}};
    return full_jid(std::move(j));
  }
  /// Parses a JID that must have a resource.
  static result<full_jid, jid_error> parse(std::string_view s, preparer& prep, parse_options opt = {}) {
    auto r = jid::parse(s, prep, opt);
    if (!r) return unexpected{r.error()};
    return from(std::move(*r));
  }
  const jid& as_jid() const noexcept { return j_; }
  bare_jid bare() const { return bare_jid(j_); }
  std::string_view node() const noexcept { return j_.node(); }
  std::string_view domain() const noexcept { return j_.domain(); }
  std::string_view resource() const noexcept { return j_.resource(); }
  bool has_node() const noexcept { return j_.has_node(); }
  std::string_view full() const noexcept { return j_.full(); }
  std::string to_string() const { return j_.to_string(); }
  friend bool operator==(const full_jid&, const full_jid&) noexcept = default;
  friend std::strong_ordering operator<=>(const full_jid& a, const full_jid& b) noexcept { return a.j_ <=> b.j_; }

 private:
  explicit full_jid(jid&& j) noexcept : j_(std::move(j)) {}
  jid j_;
};

}  // namespace xmppcore::jid

/// Hashes of the prepared form, consistent with operator==.
template <>
struct std::hash<xmppcore::jid::jid> {
  std::size_t operator()(const xmppcore::jid::jid& j) const noexcept { return std::hash<std::string_view>{}(j.full()); }
};
template <>
struct std::hash<xmppcore::jid::bare_jid> {
  std::size_t operator()(const xmppcore::jid::bare_jid& j) const noexcept { return std::hash<std::string_view>{}(j.full()); }
};
template <>
struct std::hash<xmppcore::jid::full_jid> {
  std::size_t operator()(const xmppcore::jid::full_jid& j) const noexcept { return std::hash<std::string_view>{}(j.full()); }
};
