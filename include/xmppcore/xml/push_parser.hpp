// xmppcore — the strict validating push parser for one direction of an XMPP stream.
//
// Theory of operation
// -------------------
// A resumable byte-level state machine: `receive()` runs it over whatever
// bytes arrive, any split, and every construct that straddles a chunk
// boundary is simply continued in the next call. The only bytes ever held back
// are an incomplete UTF-8 sequence (at most 3 bytes, kept in `pend_`). Names,
// values and text are copied into an arena as they are scanned, so nothing
// refers to the caller's buffer after receive() returns. Hot states (text,
// attribute values, names) scan runs of plain ASCII with a table lookup per
// byte and copy each run in one go.
//
// What it enforces: XML 1.0 well-formedness for the subset XMPP uses,
// Namespaces in XML, UTF-8 only (draft §11.5), the §11.1 restrictions
// (comments, PIs, DTDs, non-predefined entity references: <restricted-xml/>, as
// RFC 6120 §11.1 decided; an option ignores comments and PIs as the draft's
// text says), the §11.2 namespace rules for the stream root, the content
// namespace, the streams prefix and the dialback prefix, and the limits of
// limits.hpp (<policy-violation/>).
//
// Stream shape (draft §4): depth 0 is the <stream:stream> start tag and gives
// a stream_opened event; each complete depth-1 element is delivered whole
// (parse_mode::elements) or as start/text/end events at every depth
// (parse_mode::events); </stream:stream> gives stream_closed and nothing after
// it is consumed.
//
// Character data directly at depth 1 (between top-level elements): whitespace
// is allowed and dropped (keepalives, draft §5.1 and RFC 6120 §4.6.1); any
// other character data, references included, is <bad-format/> because the
// stream's content model has no text (the XML is well-formed, just not XMPP).
//
// Memory: the limits bound everything the parser holds, whatever the input
// and whatever the size of the caller's reads. Unfinished work (the element or
// start tag in progress, open names, the namespace scope) is bounded by
// max_element_bytes, max_buffered_bytes and the count limits. What one
// receive() call delivers -- its events and the elements completed in it,
// valid until the next call -- is bounded by max_delivered_bytes and
// max_queued_events (backpressure): once either is reached after a complete
// top-level element (in either mode), the call stops with parse_status::full,
// `consumed` says where, and the embedder drains the events and feeds the
// rest. So a call holds at most that bound plus one element: a 1 MiB read of
// tiny stanzas costs no more memory than a 64 KiB one (about 110-150 KiB with
// the default profile, in either mode). The arena's 32-bit offsets cannot
// overflow: limits are clamped (detail::arena_ceiling below). Capacity left
// over from a burst (large elements, a profile raised for a while) is given
// back at the end of the next call that completes an element, once the
// buffers exceed four times what the profile's steady state needs
// (shrink_if_oversized()); release_memory() gives back the rest between
// elements (an idle stream then holds only its header).
//
// Speed: small feeds (up to 32 bytes per call) of plain text or attribute
// bytes skip the state machine (take_plain()); the content cycle (text, '<',
// tag) jumps from state to state directly.
//
// Errors are values: receive() never throws; the first error is sticky
// (status failed, error() says the condition, byte offset and reason) until
// restart() begins a new stream.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <xmppcore/conditions.hpp>
#include <xmppcore/xml/detail/chars.hpp>
#include <xmppcore/xml/element.hpp>
#include <xmppcore/xml/limits.hpp>
#include <xmppcore/xml/parse_error.hpp>

namespace xmppcore::xml {

/// How content below the stream root is delivered.
enum class parse_mode : std::uint8_t {
  elements,  ///< one element_received event per complete top-level element (the common case)
  events,    ///< element_started / text / element_ended at every depth (SAX style)
};

/// What to do with comments and processing instructions (draft §11.1).
enum class restricted_xml_policy : std::uint8_t {
  reject,                   ///< <restricted-xml/> (RFC 6120 §11.1; the default)
  ignore_comments_and_pis,  ///< skip them, as the draft's §11.1 text says. Risk: a peer can
                            ///< pad the stream with data nobody sees; the element byte limit
                            ///< still applies inside elements, and skipped bytes are never buffered.
};

/// Parser configuration. Fixed at construction except the limits.
struct parser_options {
  parse_mode mode = parse_mode::elements;
  xml::limits limits = limits::defaults();
  restricted_xml_policy restricted = restricted_xml_policy::reject;
  /// Keep each top-level element's exact source bytes (element::source()).
  /// Elements mode only: events have no source, so events mode ignores it.
  bool keep_source = false;
  /// Accepted default namespaces of the stream (draft §11.2.2).
  std::vector<std::string> content_namespaces{std::string(ns::client), std::string(ns::server)};
};

/// Outcome of receive().
enum class parse_status : std::uint8_t {
  ok,      ///< all bytes consumed; more may come
  paused,  ///< stopped after the '>' of the top-level element asked for (pause_after_next_element)
  closed,  ///< </stream:stream> seen; bytes after it were not consumed
  failed,  ///< a stream error; see error(). Sticky.
  /// Backpressure: what this call delivered reached max_delivered_bytes or
  /// max_queued_events (limits.hpp), so it stopped with consumed < size,
  /// right after the '>' that completes a top-level element (or the stream
  /// header), in either mode. Drain next_event(), then call receive() again
  /// with the bytes from `consumed` on. Not an error; nothing is lost.
  full,
};

struct receive_result {
  std::size_t consumed = 0;  ///< bytes of the input consumed (<= its size)
  parse_status status = parse_status::ok;
};

enum class event_kind : std::uint8_t {
  stream_opened,     ///< the stream header arrived; see push_parser::header()
  element_received,  ///< elements mode: a complete top-level element
  element_started,   ///< events mode: a start tag (attributes, no children yet)
  text,              ///< events mode: character data (a run may arrive in several pieces)
  element_ended,     ///< events mode: an end tag (or the end of an empty-element tag)
  stream_closed,     ///< </stream:stream>
};

/// The stream header (draft §4.4): the root start tag's attributes and declarations.
struct stream_header {
  std::string_view prefix;             ///< the prefix the root used ("stream")
  std::string_view content_namespace;  ///< the default namespace ("jabber:client")
  std::vector<attribute> attributes;   ///< namespace declarations excluded
  std::vector<namespace_decl> declarations;
  /// The value of an attribute ('to', 'from', 'id', 'version'; 'lang' with ns::xml).
  std::optional<std::string_view> attr(std::string_view local, std::string_view ns_uri = {}) const noexcept {
    for (const auto& a : attributes)
      if (a.local == local && a.ns == ns_uri) return a.value;
    return std::nullopt;
  }
};

class push_parser;

namespace detail {
// The arena (detail::store::buf) is addressed by 32-bit offsets whose top bit
// marks header storage (persistent_bit), so it must stay below 2^31 bytes.
// Within one receive() call it holds:
//  - before the call's last delivery check, less than max_delivered_bytes
//    (the call stops with `full` once that is reached);
//  - from that check on, the bytes of at most one top-level element: the
//    unfinished part carried over from the previous call included, and each
//    source byte gives at most one arena byte (names, values and text are
//    copied once; references decode shorter), except that events mode
//    records an empty-element tag's name for its start and its end event
//    (two); so at most 2 * max_element_bytes;
//  - in events mode, namespace URIs copied for the events once per call (at
//    most the scope's characters, within max_buffered_bytes).
// limits::clamped() keeps this sum far below 2^31 for every profile.
constexpr std::uint64_t arena_ceiling(const limits& l) noexcept {
  return std::uint64_t{l.max_delivered_bytes} + 2 * std::uint64_t{l.max_element_bytes} + l.max_buffered_bytes;
}
static_assert(arena_ceiling(limits::maximal()) < persistent_bit, "clamped limits must keep arena offsets in 31 bits");
}  // namespace detail

/// One parser event. A view: valid until the next non-const call on the parser.
class event {
 public:
  event_kind kind() const noexcept { return kind_; }
  /// Depth of the element concerned: 1 for a top-level element.
  std::uint32_t depth() const noexcept { return depth_; }
  /// element_received: the whole element. element_started: the start tag
  /// (name, attributes, declarations; no children). element_ended: the name.
  xml::element element() const noexcept { return xml::element(s_, b_, node_); }
  /// element_started / element_ended: the element's name.
  qname name() const noexcept { return element().qualified_name(); }
  /// text: the decoded character data of this piece.
  std::string_view text() const noexcept { return text_; }
  /// element_received: the offset (bytes since the parser was made) just past
  /// the element's closing '>', the same for every split of the input; 0 for
  /// other events.
  std::uint64_t end_offset() const noexcept { return b_ ? b_->end : 0; }

 private:
  friend class push_parser;
  event_kind kind_{};
  std::uint32_t depth_ = 0;
  std::uint32_t node_ = 0;
  std::uint32_t base_ = detail::no_index;  // index into the parser's bases, or none
  const detail::store* s_ = nullptr;
  const detail::element_base* b_ = nullptr;
  std::string_view text_;
};

/// The push parser. See the file comment for the theory of operation.
///
/// ```cpp
/// xml::push_parser p;
/// auto r = p.receive(bytes);            // r.consumed, r.status
/// while (auto ev = p.next_event()) { ... ev->element() ... }
/// ```
class push_parser {
 public:
  explicit push_parser(parser_options opt = {})
      : opt_(std::move(opt)),
        lim_(opt_.limits.clamped()),
        keep_src_(opt_.keep_source && opt_.mode == parse_mode::elements) {
    reset_stream();
  }
  push_parser(const push_parser&) = delete;
  push_parser& operator=(const push_parser&) = delete;

  /// Feeds bytes: any split of the stream, one byte at a time included.
  /// Consumes all of them (status ok) unless it pauses, the stream closes, it
  /// fails, or what it delivered reached the limits' delivery bound (full:
  /// drain the events, then call again with the bytes from `consumed` on).
  /// Bytes not consumed stay the caller's (e.g. the TLS bytes after
  /// <proceed/>). Events of the previous call are dropped, new ones are queued
  /// for next_event(). Never throws on malformed input (only std::bad_alloc
  /// could escape, and the limits keep allocations bounded).
  ///
  /// ```cpp
  /// for (std::size_t at = 0;;) {
  ///   auto r = p.receive(bytes.subspan(at));
  ///   at += r.consumed;
  ///   while (auto ev = p.next_event()) handle(*ev);
  ///   if (r.status != xml::parse_status::full) break;  // ok: all consumed
  /// }
  /// ```
  receive_result receive(std::span<const std::byte> bytes) {
    return receive(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  }
  receive_result receive(std::string_view bytes) { return receive(bytes.data(), bytes.size()); }
  receive_result receive(const char* data, std::size_t size);

  /// The peer closed the transport. Returns closed when the stream was closed
  /// cleanly, else failed (xml-not-well-formed, "unexpected end of input").
  parse_status receive_eof() noexcept {
    if (state_ == st::closed || state_ == st::failed) return status_now();
    err_ = {stream_condition::xml_not_well_formed, offset(), "unexpected end of input", stream_offset()};
    state_ = st::failed;
    return parse_status::failed;
  }

  /// The next queued event, or nullopt when the queue is empty.
  std::optional<event> next_event() noexcept {
    if (q_head_ >= q_.size()) return std::nullopt;
    const queued& r = q_[q_head_++];
    event e;
    e.kind_ = r.kind;
    e.depth_ = r.depth;
    e.node_ = r.node;
    e.base_ = r.base;
    e.s_ = &st_;
    e.b_ = r.base == detail::no_index ? &event_base_ : &bases_[r.base];
    if (r.kind == event_kind::text) e.text_ = {st_.buf.data() + r.text_off, r.text_len};
    return e;
  }
  /// Number of events not yet taken.
  std::size_t pending_events() const noexcept { return q_.size() - q_head_; }

  /// Stop right after the closing '>' of the next complete top-level element
  /// (draft §5.1 rule 6: TLS starts right after the '>' of <proceed/>; §6.3
  /// likewise for a SASL security layer). One-shot.
  void pause_after_next_element() noexcept { pause_requested_ = true; }

  /// Expect a new stream header, which may again begin with a BOM and an XML
  /// declaration (draft §5.1 rule 9, §6.2). Everything the old stream
  /// declared is dropped; options and limits are kept. Also clears a failure.
  void restart() {
    reset_stream();
    state_ = st::start;
  }

  /// Swaps the limits profile (e.g. pre_authentication() -> defaults() after
  /// SASL). Applies at once between top-level elements, else when the element
  /// in progress ends. The profile is clamped (limits::clamped()).
  void set_limits(const limits& l) noexcept {
    if (between_elements()) {
      lim_ = l.clamped();
      pending_lim_.reset();
    } else {
      pending_lim_ = l.clamped();
    }
  }
  /// The profile in force, as clamped.
  const limits& current_limits() const noexcept { return lim_; }

  /// The stream header, once stream_opened was reported; else nullptr.
  const stream_header* header() const noexcept { return header_ok_ ? &header_ : nullptr; }
  /// The first error; meaningful once a call reported failed. Its `offset`
  /// counts from the parser's construction, across restart(); its
  /// `stream_offset` from the start of the current stream.
  const parse_error& error() const noexcept { return err_; }
  bool failed() const noexcept { return state_ == st::failed; }
  bool closed() const noexcept { return state_ == st::closed; }
  /// True between top-level elements of an open stream.
  bool between_elements() const noexcept { return state_ == st::between && pend_len_ == 0; }
  /// Bytes consumed since construction (across restarts).
  std::uint64_t offset() const noexcept { return processed_ + pend_len_; }
  /// Bytes consumed since the current stream began (the last restart(), or
  /// construction).
  std::uint64_t stream_offset() const noexcept { return offset() - stream_start_; }
  /// The offset just past the '>' of the current stream header, once
  /// stream_opened was reported (the same for every split of the input).
  std::uint64_t header_end_offset() const noexcept { return header_end_; }

  /// Heap bytes the parser's buffers hold (their capacity), for monitoring.
  std::size_t memory_footprint() const noexcept {
    return st_.buf.capacity() + st_.src.capacity() + st_.persistent.capacity() + open_names_.capacity() +
           etag_.capacity() + scope_chars_.capacity() + ref_.capacity() + decl_.capacity() + bytes_of(st_.nodes) +
           bytes_of(st_.attrs) + bytes_of(st_.decls) + bytes_of(bases_) + bytes_of(q_) + bytes_of(raw_attrs_) +
           bytes_of(dup_idx_) + bytes_of(opens_) + bytes_of(scope_) + bytes_of(header_.attributes) +
           bytes_of(header_.declarations);
  }

  /// Gives the arena's and the queue's memory back when between elements, so
  /// an idle stream holds only its header. Drops queued events.
  void release_memory() {
    if (!between_elements()) return;
    release_buffers();
    open_names_.shrink_to_fit();
    opens_.shrink_to_fit();
    scope_.shrink_to_fit();
    scope_chars_.shrink_to_fit();
  }
  /// release_memory() without fitting the open-element and scope records to
  /// their size (that would allocate): it only frees, so it may run where
  /// nothing may throw (e.g. a session machine's noexcept next_event()).
  void release_buffers() noexcept {
    if (!between_elements()) return;
    // What the last call's delivery used, for reserve_buffers() (bounded: a
    // burst is not taken back whole).
    auto used = [](std::size_t n) { return static_cast<std::uint32_t>(std::min<std::size_t>(n, 1u << 14)); };
    regrow_ = {used(st_.buf.size()), used(st_.src.size()), used(st_.nodes.size()), used(st_.attrs.size()),
               used(st_.decls.size()), used(bases_.size()), used(q_.size())};
    release(q_);
    q_head_ = 0;
    release(bases_);
    st_.buf.release();
    release(st_.nodes);
    release(st_.attrs);
    release(st_.decls);
    st_.src.release();
    release(raw_attrs_);
    release(dup_idx_);
    etag_.release();
    release(ref_);
    release(decl_);
    cur_ = {};
    ++gen_;
  }
  /// After release_buffers(): allocates at once as much as the last call's
  /// delivery used then, one allocation per store instead of a run of
  /// doublings while the next call fills them. Between elements only.
  void reserve_buffers() {
    if (!between_elements() || !st_.buf.empty()) return;
    const auto h = regrow_;
    regrow_ = {};
    if (h.buf) st_.buf.resize(h.buf), st_.buf.clear();
    if (h.src) st_.src.resize(h.src), st_.src.clear();
    st_.nodes.reserve(h.nodes);
    st_.attrs.reserve(h.attrs);
    st_.decls.reserve(h.decls);
    bases_.reserve(h.bases);
    q_.reserve(h.q);
  }

 private:
  template <class C>
  static void release(C& c) noexcept {
    C().swap(c);
  }
  template <class C>
  static std::size_t bytes_of(const C& c) noexcept {
    return c.capacity() * sizeof(typename C::value_type);
  }

  enum class st : std::uint8_t {
    start, bom, prolog, lt, xmldecl,
    stag_name, stag_ws, attr_name, attr_before_eq, attr_after_eq, attr_value, attr_after_value, empty_gt,
    etag_name, etag_ws,
    text, between,
    bang, comment, pi_target, pi, cdata,
    ref,
    closed, failed,
  };

  static constexpr std::uint32_t decl_mark = 0xffffffffu;
  static constexpr std::size_t small_feed = 32;  // receive() sizes that try take_plain() first
  struct raw_attr {
    detail::sref qname;       // in the arena (relative)
    std::uint32_t colon = 0;  // 1 + index of ':' in the qname, 0 if none; decl_mark for xmlns
    detail::sref value;
  };
  struct scope_rec {
    std::uint32_t prefix_off, prefix_len, uri_off, uri_len;  // into scope_chars_ or st_.persistent
    bool persistent;
    detail::sref arena;  // the URI as an arena ref, valid while gen == gen_
    std::uint64_t gen;
  };
  struct open_rec {
    std::uint32_t name_off, name_len, colon;  // the raw qname in open_names_
    std::uint32_t node;                       // node index (relative), elements mode
    std::uint32_t scope_size, scope_chars;    // scope sizes before this element's declarations
  };

  parse_status status_now() const noexcept {
    switch (state_) {
      case st::failed: return parse_status::failed;
      case st::closed: return parse_status::closed;
      default: return parse_status::ok;
    }
  }
  bool fail(stream_condition c, std::string_view why, const char* at) noexcept { return fail_at(c, why, off(at)); }
  bool fail_at(stream_condition c, std::string_view why, std::uint64_t offset) noexcept {
    if (state_ != st::failed) {
      err_ = {c, offset, why, offset - stream_start_};
      state_ = st::failed;
    }
    return false;
  }
  bool not_wf(std::string_view why, const char* at) noexcept {
    return fail(stream_condition::xml_not_well_formed, why, at);
  }
  std::uint64_t off(const char* p) const noexcept {
    return run_base_off_ + static_cast<std::uint64_t>(p - run_begin_);
  }

  void reset_stream();
  void clear_arena();
  void begin_top_level(const char* lt);
  receive_result finish_call(std::size_t consumed, std::size_t size);
  void shrink_if_oversized();

  // ------------------------------------------------------ delivery bound --
  // Bytes of the stores this call filled. Called right after an event, when
  // everything in them has been delivered (nothing is half-built).
  std::size_t delivered_bytes() const noexcept {
    return st_.buf.size() + st_.src.size() + used_bytes(st_.nodes) + used_bytes(st_.attrs) + used_bytes(st_.decls) +
           used_bytes(bases_) + used_bytes(q_);
  }
  // size() * sizeof(T), as the difference of two pointers (no division).
  template <class C>
  static std::size_t used_bytes(const C& c) noexcept {
    const auto* b = reinterpret_cast<const char*>(std::to_address(c.begin()));
    return static_cast<std::size_t>(reinterpret_cast<const char*>(std::to_address(c.end())) - b);
  }
  // After a complete top-level element and the stream header: stop this
  // call there once it delivered what the limits allow.
  void check_delivery_bound() noexcept {
    now_ |= now_completed;
    if (delivered_bytes() >= lim_.max_delivered_bytes || q_.size() >= lim_.max_queued_events) now_ |= now_full;
  }

  // --------------------------------------------------- unique attributes --
  // Index of the first of n names that repeats an earlier one, or n.
  // `cmp(i, j)` orders names i and j (<0, 0, >0). Pairwise up to a handful
  // of names (no allocation); beyond, a sort of their indices (dup_idx_,
  // reused): O(n log n) comparisons for any max_attributes, and no hash a
  // peer could flood.
  template <class Cmp>
  std::size_t first_repeat(std::size_t n, Cmp cmp);
  template <class Cmp>
  [[gnu::noinline]] std::size_t first_repeat_sorted(std::size_t n, Cmp cmp);

  std::uint32_t arena_rel() const noexcept { return static_cast<std::uint32_t>(st_.buf.size() - cur_.buf); }
  detail::sref arena_append(std::string_view s) {
    detail::sref r{arena_rel(), static_cast<std::uint32_t>(s.size())};
    st_.buf.append(s.data(), s.size());
    return r;
  }
  std::string_view arena_view(detail::sref r) const noexcept { return st_.str(cur_, r); }

  bool in_tag() const noexcept {
    return (state_ >= st::stag_name && state_ <= st::empty_gt) || (state_ == st::ref && ret_ == st::attr_value);
  }
  // Bytes held for unfinished work: the element (elements mode) or start tag
  // (events mode) being built, open tag names and the namespace scope. It
  // depends only on the bytes seen, never on how they were split.
  std::size_t held() const noexcept {
    const std::size_t a = opt_.mode == parse_mode::elements ? arena_rel()
                          : in_tag()                         ? st_.buf.size() - tag_buf_start_
                                                             : 0;
    return a + open_names_.size() + scope_chars_.size();
  }
  // Checks a growth by n bytes against one limit (cur + n <= max) and the
  // buffered budget, before anything is allocated. For a plain copy of input
  // bytes starting at `at`, the error offset is the first byte over the limit,
  // so the verdict is the same for every split of the input.
  // Whether growing by n bytes keeps a count `cur` within `max` and what the
  // parser holds within max_buffered_bytes (grow() without the verdict).
  bool fits(std::size_t cur, std::size_t n, std::size_t max) const noexcept {
    return cur + n <= max && held() + n <= lim_.max_buffered_bytes;
  }
  bool grow(std::size_t cur, std::size_t n, std::size_t max, std::string_view why, const char* at, bool plain) {
    if (fits(cur, n, max)) [[likely]]
      return true;
    return grow_failed(cur, n, max, why, at, plain);
  }
  // grow()'s verdict when a limit is crossed: kept out of line so the check
  // above inlines into every hot path.
  [[gnu::cold, gnu::noinline]] bool grow_failed(std::size_t cur, std::size_t n, std::size_t max, std::string_view why,
                                                const char* at, bool plain) {
    const std::size_t h = held(), max_held = lim_.max_buffered_bytes;
    const bool over = cur + n > max, over_held = h + n > max_held;
    // For plain bytes, each limit is exceeded at its own first byte; the
    // earlier one is reported (a byte-at-a-time feed meets it first). On a
    // tie the specific limit wins, as it is checked first byte by byte.
    constexpr std::size_t never = ~std::size_t{0};
    const std::size_t at_lim = !over ? never : (plain && max >= cur) ? max - cur : 0;
    const std::size_t at_held = !over_held ? never : (plain && max_held >= h) ? max_held - h : 0;
    if (at_lim <= at_held) return fail(stream_condition::policy_violation, why, at + at_lim);
    return fail(stream_condition::policy_violation, "parser buffer exceeds max_buffered_bytes", at + at_held);
  }
  // Whether the bytes at the current position count toward max_element_bytes:
  // everything but the whitespace between top-level elements.
  bool counting() const noexcept { return state_ != st::between && state_ != st::closed && state_ != st::failed; }

  // text
  bool append_text(const char* s, std::size_t n, const char* at, bool plain);
  void close_text();
  std::uint32_t add_node(const detail::node_rec& rec, std::uint32_t parent);

  // names
  void begin_name() noexcept {
    name_need_start_ = true;
    name_colon_ = 0;
    name_no_colon_ = false;
  }
  // Whether the buffer a name is scanned into counts toward max_buffered_bytes.
  enum class name_buffer : bool { scratch, held };
  template <class Out>
  bool scan_name(const char*& p, const char* end, Out& out, std::size_t name_start, name_buffer where,
                 bool& need_more);

  // namespaces
  const scope_rec* lookup(std::string_view prefix) const noexcept {
    for (auto it = scope_.rbegin(); it != scope_.rend(); ++it)
      if (scope_prefix(*it) == prefix) return &*it;
    return nullptr;
  }
  std::string_view scope_prefix(const scope_rec& r) const noexcept {
    return {(r.persistent ? st_.persistent.data() : scope_chars_.data()) + r.prefix_off, r.prefix_len};
  }
  std::string_view scope_uri(const scope_rec& r) const noexcept {
    return {(r.persistent ? st_.persistent.data() : scope_chars_.data()) + r.uri_off, r.uri_len};
  }
  detail::sref uri_ref(const scope_rec& r) {
    if (r.persistent) return {r.uri_off | detail::persistent_bit, r.uri_len};
    auto& m = const_cast<scope_rec&>(r);
    if (m.gen != gen_) {
      m.arena = arena_append(scope_uri(r));
      m.gen = gen_;
    }
    return m.arena;
  }
  // The namespace `prefix` is bound to (empty: none); false if undeclared.
  bool bound(std::string_view prefix, detail::sref& ns);
  bool resolve(std::string_view prefix, detail::sref& ns, const char* at);
  // A total order on names for first_repeat(): by length, then bytes.
  static int name_order(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
    return a.empty() ? 0 : std::memcmp(a.data(), b.data(), a.size());
  }

  bool arena_or_persistent_eq(detail::sref r, std::string_view s) const noexcept;
  const char* fast_start_tag(const char* p, const char* end);
  bool finish_start_tag(const char* p, bool empty);
  bool finish_root(const char* p);
  bool finish_end_tag(const char* p);
  bool end_element(const char* p);
  bool parse_xmldecl(const char* p);
  bool finish_ref(const char* p);
  bool scan_char(const char*& p, const char* end, bool& need_more, char* out, unsigned& len);

  const char* scan_text(const char* p, const char* end, bool& need_more);
  const char* scan_attr_value(const char* p, const char* end, bool& need_more);
  const char* run(const char* p, const char* end);
  std::size_t take_plain(const char* p, const char* end);

  // --------------------------------------------------------------- state --
  parser_options opt_;
  limits lim_;
  std::optional<limits> pending_lim_;
  bool keep_src_ = false;  // keep_source, in elements mode
  st state_ = st::start;
  st ret_ = st::text;  // where a reference or a skipped construct returns to
  parse_error err_;
  std::uint64_t processed_ = 0;  // offset (since construction) of the next byte the machine will see
  std::uint64_t stream_start_ = 0;  // offset where the current stream began
  std::uint64_t header_end_ = 0;    // offset just past the current stream header's closing bracket
  std::uint64_t run_base_off_ = 0;
  const char* run_begin_ = nullptr;
  std::uint64_t elem_start_off_ = 0;
  std::uint64_t lt_off_ = 0;  // offset of the last '<' (restricted constructs are reported there)

  char pend_[4] = {};  // a UTF-8 sequence cut by a chunk boundary
  unsigned pend_len_ = 0;

  bool name_need_start_ = false;
  bool name_no_colon_ = false;  // a processing instruction target (an NCName)
  std::uint32_t name_colon_ = 0;
  detail::byte_buffer open_names_;
  std::vector<open_rec> opens_;
  detail::byte_buffer etag_;
  std::uint32_t tag_name_start_ = 0;
  std::vector<raw_attr> raw_attrs_;
  std::vector<std::uint32_t> dup_idx_;  // first_repeat()'s sort scratch
  std::uint32_t tag_buf_start_ = 0;  // events mode: where the tag's arena data starts
  // Events mode: the start tags of opens_ from this index on were recorded
  // during this receive() call, so their node records are still in st_.nodes
  // (a tag cut by the call's start is recorded when it completes: in this call).
  std::uint32_t opens_this_call_ = 0;
  char quote_ = 0;
  std::uint32_t depth_ = 0;  // open elements, the stream root included
  std::uint32_t elements_in_top_ = 0;

  std::vector<scope_rec> scope_;
  std::string scope_chars_;

  bool text_open_ = false;
  std::uint32_t text_node_ = 0;
  std::size_t text_bytes_ = 0;
  unsigned brackets_ = 0;  // consecutive ']' seen (for "]]>")
  bool skip_lf_ = false;   // the previous byte was '\r' (XML §2.11 line ends)

  std::string ref_;
  std::string decl_;          // "<!" lookahead, XML declaration
  bool decl_allowed_ = true;  // nothing but a BOM seen yet
  unsigned dashes_ = 0;       // comment / PI end matching

  bool src_active_ = false;
  const char* src_mark_ = nullptr;

  detail::store st_;
  detail::element_base cur_;         // base of the element being built
  detail::element_base event_base_;  // all zero: events mode
  std::vector<detail::element_base> bases_;
  // What the queue holds (next_event() adds the views): a third of an event's size.
  struct queued {
    event_kind kind{};
    std::uint32_t depth = 0, node = 0, base = detail::no_index, text_off = 0, text_len = 0;
  };
  std::vector<queued> q_;
  std::size_t q_head_ = 0;
  std::uint64_t gen_ = 1;
  stream_header header_;
  bool header_ok_ = false;
  bool pause_requested_ = false;
  // What happened in this call (one byte: cleared with one store per call).
  enum : std::uint8_t {
    now_paused = 1,     // stop: the element pause_after_next_element() asked for ended
    now_full = 2,       // stop: the delivery bound was reached
    now_completed = 4,  // a top-level element (or the header) was completed
  };
  std::uint8_t now_ = 0;
  bool reclamp_ = false;  // the element byte window changed (see run())
  struct regrow_sizes {
    std::uint32_t buf = 0, src = 0, nodes = 0, attrs = 0, decls = 0, bases = 0, q = 0;
  };
  regrow_sizes regrow_;  // release_buffers() -> reserve_buffers()
};

}  // namespace xmppcore::xml

#include <xmppcore/xml/impl/push_parser_impl.hpp>
