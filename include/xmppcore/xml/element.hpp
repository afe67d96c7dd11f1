// xmppcore — the element tree of one top-level element, as views into the
// parser's reusable arena.
//
// Theory of operation: the parser copies every string it reports (names,
// namespace URIs, decoded attribute values and text) into one growable byte
// arena, and records nodes and attributes in flat vectors. Every offset and
// index stored in a record is relative to the start of its top-level element,
// so the arena can be compacted with a plain memmove when earlier elements are
// released, and no record ever holds a pointer. Views (element, node,
// attribute) are built from the records on access.
//
// Lifetime: every view returned for an element is valid until the next
// non-const call on the parser that produced it (receive, restart, ...).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace xmppcore::xml {

namespace detail {

/// A string in the arena (relative to the element base) or, with the top bit of
/// `off` set, in the parser's persistent stream-header storage.
struct sref {
  std::uint32_t off = 0;
  std::uint32_t len = 0;
};
inline constexpr std::uint32_t persistent_bit = 0x80000000u;
inline constexpr std::uint32_t no_index = 0xffffffffu;

struct node_rec {
  bool is_text = false;
  std::uint32_t parent = no_index;
  std::uint32_t next_sibling = no_index;
  std::uint32_t first_child = no_index;
  std::uint32_t last_child = no_index;
  sref local;   // element: local name; text node: the text
  sref ns;      // element: namespace URI (empty: no namespace)
  sref prefix;  // element: prefix as written (empty: none)
  std::uint32_t attr_begin = 0, attr_count = 0;
  std::uint32_t decl_begin = 0, decl_count = 0;
};

struct attr_rec {
  sref local, ns, prefix, value;
};

struct decl_rec {
  sref prefix, uri;  // empty prefix: the default namespace
};

/// A growable byte buffer with the appends the parser needs inlined: a few
/// instructions per append in steady state (std::vector's range insert is a
/// library call per copy). Grows geometrically; memory is released only by
/// release() or destruction.
class byte_buffer {
 public:
  byte_buffer() = default;
  byte_buffer(const byte_buffer&) = delete;
  byte_buffer& operator=(const byte_buffer&) = delete;
  byte_buffer(byte_buffer&& o) noexcept : p_(o.p_), n_(o.n_), cap_(o.cap_) { o.p_ = nullptr, o.n_ = o.cap_ = 0; }
  byte_buffer& operator=(byte_buffer&& o) noexcept {
    std::swap(p_, o.p_);
    std::swap(n_, o.n_);
    std::swap(cap_, o.cap_);
    return *this;
  }
  ~byte_buffer() { ::operator delete(p_); }

  char* data() noexcept { return p_; }
  const char* data() const noexcept { return p_; }
  std::size_t size() const noexcept { return n_; }
  bool empty() const noexcept { return n_ == 0; }
  std::size_t capacity() const noexcept { return cap_; }
  void clear() noexcept { n_ = 0; }
  [[gnu::always_inline]] void append(const char* s, std::size_t n) {
    if (n > cap_ - n_) [[unlikely]]
      grow(n);
    char* d = p_ + n_;
    // Short copies (names, short values) inline as two overlapping moves;
    // the library call is for the long ones.
    if (n >= 8 && n <= 16) {
      std::uint64_t a, b;
      std::memcpy(&a, s, 8);
      std::memcpy(&b, s + n - 8, 8);
      std::memcpy(d, &a, 8);
      std::memcpy(d + n - 8, &b, 8);
    } else if (n >= 4 && n < 8) {
      std::uint32_t a, b;
      std::memcpy(&a, s, 4);
      std::memcpy(&b, s + n - 4, 4);
      std::memcpy(d, &a, 4);
      std::memcpy(d + n - 4, &b, 4);
    } else if (n < 4) {
      for (std::size_t i = 0; i < n; ++i) d[i] = s[i];
    } else {
      std::memcpy(d, s, n);
    }
    n_ += n;
  }
  /// append() for bytes that lie in a larger buffer readable up to
  /// `readable_end`: a copy of up to 32 bytes moves 32 at once, with no
  /// branch on its length (the extra bytes land in spare capacity past the
  /// end, never in the data).
  [[gnu::always_inline]] void append_within(const char* s, std::size_t n, const char* readable_end) {
    if (n <= 32 && readable_end - s >= 32) [[likely]] {
      if (cap_ - n_ < 32) [[unlikely]]
        grow(32);
      std::memcpy(p_ + n_, s, 32);
      n_ += n;
      return;
    }
    append(s, n);
  }
  void push_back(char c) {
    if (n_ == cap_) [[unlikely]]
      grow(1);
    p_[n_++] = c;
  }
  /// Shrinks (or zero-fills when growing).
  void resize(std::size_t n) {
    if (n > n_) {
      if (n - n_ > cap_ - n_) grow(n - n_);
      std::memset(p_ + n_, 0, n - n_);
    }
    n_ = n;
  }
  /// Drops the first n bytes (memmove of the rest).
  void erase_front(std::size_t n) noexcept {
    if (n >= n_) {
      n_ = 0;
      return;
    }
    std::memmove(p_, p_ + n, n_ - n);
    n_ -= n;
  }
  /// Gives back unused capacity (all of it when empty).
  void shrink_to_fit() {
    if (n_ == 0) {
      release();
    } else if (n_ < cap_) {
      reallocate(n_);
    }
  }
  void release() noexcept {
    ::operator delete(p_);
    p_ = nullptr;
    n_ = cap_ = 0;
  }

 private:
  [[gnu::cold, gnu::noinline]] void grow(std::size_t more) {
    std::size_t cap = cap_ ? cap_ : 256;
    while (cap - n_ < more) cap *= 2;
    reallocate(cap);  // the limits keep requests bounded
  }
  // Through operator new, like the standard containers beside it, so an
  // embedder's replacement allocator (or a heap counter) sees all of the
  // parser's memory.
  void reallocate(std::size_t cap) {
    char* q = static_cast<char*>(::operator new(cap));
    if (n_) std::memcpy(q, p_, n_);
    ::operator delete(p_);
    p_ = q;
    cap_ = cap;
  }
  char* p_ = nullptr;
  std::size_t n_ = 0, cap_ = 0;
};

/// Where one top-level element starts in each store.
struct element_base {
  std::uint32_t node = 0, attr = 0, decl = 0, buf = 0, src = 0, src_len = 0;
  std::uint64_t end = 0;  // elements mode: stream offset just past the element's closing '>'
};

/// The stores the parser fills and the views read.
struct store {
  byte_buffer buf;            // strings of elements (relative offsets)
  std::string persistent;     // stream header strings (persistent_bit refs)
  std::vector<node_rec> nodes;
  std::vector<attr_rec> attrs;
  std::vector<decl_rec> decls;
  byte_buffer src;            // exact source bytes, when requested

  std::string_view str(const element_base& b, sref r) const noexcept {
    if (r.off & persistent_bit)
      return {persistent.data() + (r.off & ~persistent_bit), r.len};
    return {buf.data() + b.buf + r.off, r.len};
  }
};

}  // namespace detail

/// A namespace-resolved name: URI, local part and the prefix as written.
struct qname {
  std::string_view ns;      ///< namespace URI; empty for an unprefixed attribute
  std::string_view local;   ///< local part
  std::string_view prefix;  ///< prefix used in the source; empty for none
};

/// One attribute, namespace declarations excluded (those are `namespace_decl`s).
struct attribute {
  std::string_view ns;      ///< empty for unprefixed attributes (Namespaces in XML §6.2)
  std::string_view local;
  std::string_view prefix;
  std::string_view value;   ///< decoded: entities and character references replaced
};

/// One `xmlns` or `xmlns:p` declaration as written on an element.
struct namespace_decl {
  std::string_view prefix;  ///< empty for the default namespace
  std::string_view uri;
};

class element;

/// A child of an element: either character data or an element.
class node {
 public:
  node(const detail::store* s, const detail::element_base* b, std::uint32_t i) noexcept
      : s_(s), b_(b), i_(i) {}
  bool is_text() const noexcept { return rec().is_text; }
  bool is_element() const noexcept { return !rec().is_text; }
  /// The decoded text of a text node (empty for an element node).
  std::string_view text() const noexcept { return is_text() ? s_->str(*b_, rec().local) : std::string_view{}; }
  /// This node as an element; precondition: is_element().
  element as_element() const noexcept;

 private:
  const detail::node_rec& rec() const noexcept { return s_->nodes[b_->node + i_]; }
  const detail::store* s_;
  const detail::element_base* b_;
  std::uint32_t i_;
};

/// Forward range over the children of an element.
class child_range {
 public:
  class iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = node;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = node;
    iterator() = default;
    iterator(const detail::store* s, const detail::element_base* b, std::uint32_t i) noexcept
        : s_(s), b_(b), i_(i) {}
    node operator*() const noexcept { return node(s_, b_, i_); }
    iterator& operator++() noexcept {
      i_ = s_->nodes[b_->node + i_].next_sibling;
      return *this;
    }
    iterator operator++(int) noexcept {
      auto t = *this;
      ++*this;
      return t;
    }
    bool operator==(const iterator& o) const noexcept { return i_ == o.i_; }

   private:
    const detail::store* s_ = nullptr;
    const detail::element_base* b_ = nullptr;
    std::uint32_t i_ = detail::no_index;
  };
  child_range(const detail::store* s, const detail::element_base* b, std::uint32_t first) noexcept
      : s_(s), b_(b), first_(first) {}
  iterator begin() const noexcept { return {s_, b_, first_}; }
  iterator end() const noexcept { return {s_, b_, detail::no_index}; }
  bool empty() const noexcept { return first_ == detail::no_index; }

 private:
  const detail::store* s_;
  const detail::element_base* b_;
  std::uint32_t first_;
};

/// A view of one parsed element (a top-level element or any descendant).
class element {
 public:
  element(const detail::store* s, const detail::element_base* b, std::uint32_t i) noexcept
      : s_(s), b_(b), i_(i) {}

  std::string_view name() const noexcept { return str(rec().local); }
  std::string_view ns() const noexcept { return str(rec().ns); }
  std::string_view prefix() const noexcept { return str(rec().prefix); }
  qname qualified_name() const noexcept { return {ns(), name(), prefix()}; }
  /// True when this element's namespace and local name are `ns_uri` and `local`.
  bool is(std::string_view ns_uri, std::string_view local) const noexcept {
    return name() == local && ns() == ns_uri;
  }

  std::size_t attribute_count() const noexcept { return rec().attr_count; }
  /// The i-th attribute in document order; precondition: i < attribute_count().
  attribute attribute_at(std::size_t i) const noexcept {
    const auto& a = s_->attrs[b_->attr + rec().attr_begin + i];
    return {str(a.ns), str(a.local), str(a.prefix), str(a.value)};
  }
  /// The value of the attribute with this local name and namespace (empty
  /// namespace: an unprefixed attribute), if present.
  std::optional<std::string_view> attr(std::string_view local, std::string_view ns_uri = {}) const noexcept {
    const auto& r = rec();
    for (std::uint32_t k = 0; k < r.attr_count; ++k) {
      const auto& a = s_->attrs[b_->attr + r.attr_begin + k];
      if (str(a.local) == local && str(a.ns) == ns_uri) return str(a.value);
    }
    return std::nullopt;
  }

  std::size_t namespace_decl_count() const noexcept { return rec().decl_count; }
  namespace_decl namespace_decl_at(std::size_t i) const noexcept {
    const auto& d = s_->decls[b_->decl + rec().decl_begin + i];
    return {str(d.prefix), str(d.uri)};
  }

  /// All children (text and elements) in document order.
  child_range children() const noexcept { return {s_, b_, rec().first_child}; }
  /// The first child element with this namespace and local name, if any.
  std::optional<element> child(std::string_view ns_uri, std::string_view local) const noexcept {
    for (node n : children())
      if (n.is_element() && n.as_element().is(ns_uri, local)) return n.as_element();
    return std::nullopt;
  }
  /// The first child element, if any.
  std::optional<element> first_child_element() const noexcept {
    for (node n : children())
      if (n.is_element()) return n.as_element();
    return std::nullopt;
  }
  /// Number of child elements.
  std::size_t child_element_count() const noexcept {
    std::size_t c = 0;
    for (node n : children()) c += n.is_element();
    return c;
  }
  /// The concatenated text of the direct text children (allocates only when
  /// there is more than one text run; see text_view()).
  std::string text() const {
    std::string out;
    for (node n : children())
      if (n.is_text()) out.append(n.text());
    return out;
  }
  /// The text when it is a single run (the usual case), else the first run.
  std::string_view text_view() const noexcept {
    for (node n : children())
      if (n.is_text()) return n.text();
    return {};
  }
  /// The parent element, if this is not the top-level element.
  std::optional<element> parent() const noexcept {
    auto p = rec().parent;
    if (p == detail::no_index) return std::nullopt;
    return element(s_, b_, p);
  }
  /// The exact bytes of this top-level element as received, when the parser
  /// was asked to keep them (parser_options::keep_source); else empty.
  std::string_view source() const noexcept {
    if (rec().parent != detail::no_index || b_->src_len == 0) return {};
    return {s_->src.data() + b_->src, b_->src_len};
  }

 private:
  const detail::node_rec& rec() const noexcept { return s_->nodes[b_->node + i_]; }
  std::string_view str(detail::sref r) const noexcept { return s_->str(*b_, r); }
  const detail::store* s_;
  const detail::element_base* b_;
  std::uint32_t i_;
};

inline element node::as_element() const noexcept { return element(s_, b_, i_); }

}  // namespace xmppcore::xml
