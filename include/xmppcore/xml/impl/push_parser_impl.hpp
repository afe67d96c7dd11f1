// xmppcore — push_parser: the state machine's body. Included by push_parser.hpp.
#pragma once

#include <xmppcore/xml/push_parser.hpp>

namespace xmppcore::xml {

inline void push_parser::reset_stream() {
  // Bytes of a UTF-8 sequence held back were consumed (by the caller's
  // count): the offsets go on counting from after them.
  processed_ += pend_len_;
  stream_start_ = processed_;
  depth_ = 0;
  scope_.clear();
  scope_chars_.clear();
  open_names_.clear();
  opens_.clear();
  st_.persistent.assign(ns::xml);  // offset 0: the implicit xml prefix's URI
  header_ = stream_header{};
  header_ok_ = false;
  pend_len_ = 0;
  pause_requested_ = false;
  now_ = 0;
  q_.clear();
  q_head_ = 0;
  clear_arena();
  raw_attrs_.clear();
  text_open_ = false;
  text_bytes_ = 0;
  brackets_ = 0;
  skip_lf_ = false;
  decl_allowed_ = true;
  src_active_ = false;
  elem_start_off_ = processed_;
  if (pending_lim_) {
    lim_ = *pending_lim_;
    pending_lim_.reset();
  }
}

inline void push_parser::clear_arena() {
  st_.buf.clear();
  st_.nodes.clear();
  st_.attrs.clear();
  st_.decls.clear();
  st_.src.clear();
  bases_.clear();
  cur_ = {};
  ++gen_;
}

// A top-level element (or something else at depth 1) starts at this '<'.
inline void push_parser::begin_top_level(const char* lt) {
  if (opt_.mode == parse_mode::elements)
    cur_ = {static_cast<std::uint32_t>(st_.nodes.size()), static_cast<std::uint32_t>(st_.attrs.size()),
          static_cast<std::uint32_t>(st_.decls.size()), static_cast<std::uint32_t>(st_.buf.size()),
          static_cast<std::uint32_t>(st_.src.size()), 0, 0};
  elem_start_off_ = off(lt);
  reclamp_ = true;
  elements_in_top_ = 0;
  text_bytes_ = 0;
  if (keep_src_) {
    src_active_ = true;
    src_mark_ = lt;
  }
}

// ------------------------------------------------------------------- receive --

inline receive_result push_parser::receive(const char* data, std::size_t size) {
  if (state_ == st::failed || state_ == st::closed) return {0, status_now()};
  now_ = 0;
  q_.clear();
  q_head_ = 0;
  // Drop what earlier calls delivered. Elements mode: keep only the element in
  // progress, moved to offset 0 (its records hold relative offsets, so a
  // memmove is all it takes; each element moves at most once). Events mode:
  // keep only the start tag in progress.
  if (opt_.mode == parse_mode::elements) {
    if (state_ == st::between || depth_ == 0) {
      if (depth_ == 0 && state_ != st::start && state_ != st::prolog && state_ != st::bom) {
        // the stream header is being parsed: its data sits at base 0 already
      } else {
        clear_arena();
      }
    } else if ((cur_.node | cur_.attr | cur_.decl | cur_.buf | cur_.src) != 0) {  // one test, not five branches
      st_.buf.erase_front(cur_.buf);
      st_.nodes.erase(st_.nodes.begin(), st_.nodes.begin() + cur_.node);
      st_.attrs.erase(st_.attrs.begin(), st_.attrs.begin() + cur_.attr);
      st_.decls.erase(st_.decls.begin(), st_.decls.begin() + cur_.decl);
      st_.src.erase_front(cur_.src);
      cur_ = {};
      bases_.clear();
    } else {
      bases_.clear();
    }
  } else {
    st_.nodes.clear();
    st_.attrs.clear();
    st_.decls.clear();
    const bool in_tag = state_ >= st::stag_name && state_ <= st::empty_gt;
    const bool in_ref_attr = state_ == st::ref && ret_ == st::attr_value;
    if ((in_tag || in_ref_attr) && tag_buf_start_ > 0) {
      st_.buf.erase_front(tag_buf_start_);
      for (auto& a : raw_attrs_) {
        a.qname.off -= tag_buf_start_;
        a.value.off -= tag_buf_start_;
      }
      tag_buf_start_ = 0;
    } else if (!(in_tag || in_ref_attr)) {
      st_.buf.clear();
    }
    ++gen_;
    opens_this_call_ = depth_;  // opens_ holds depth_ complete start tags (one more inside a tag)
    if (text_open_) text_open_ = false;  // the run continues as a new piece
  }

  std::size_t used = 0;
  if (pend_len_) {
    // Finish the UTF-8 sequence the previous chunk cut, and run the machine
    // over exactly those bytes.
    const auto lead = static_cast<unsigned char>(pend_[0]);
    const unsigned need = lead >= 0xF0 ? 4u : lead >= 0xE0 ? 3u : 2u;
    while (pend_len_ < need && used < size) pend_[pend_len_++] = data[used++];
    char tmp[4];
    std::memcpy(tmp, pend_, sizeof tmp);
    const unsigned n = pend_len_;
    // A sequence that reaches past the element's byte limit is that limit's
    // violation, whatever its bytes turn out to be: one buffer sees the same
    // (its input ends at the limit, so the sequence is cut there).
    if (counting()) {
      const std::uint64_t limit_off = elem_start_off_ + lim_.max_element_bytes;
      if (processed_ + n > limit_off) {
        // ...unless its bytes before the limit already break UTF-8 (E0 87):
        // one buffer reads those before it reaches the limit.
        const auto room = static_cast<unsigned>(limit_off > processed_ ? std::min<std::uint64_t>(limit_off - processed_, n) : 0);
        std::uint32_t cp;
        unsigned len;
        if (room > 0 && detail::decode_utf8(reinterpret_cast<const unsigned char*>(tmp),
                                            reinterpret_cast<const unsigned char*>(tmp + room), cp,
                                            len) == detail::utf8_status::invalid) {
          run_begin_ = tmp;
          run_base_off_ = processed_;
          pend_len_ = 0;
          not_wf("invalid UTF-8", tmp);
          return {used, parse_status::failed};
        }
        pend_len_ = 0;
        fail_at(stream_condition::policy_violation, "element exceeds max_element_bytes", limit_off);
        return {used, parse_status::failed};
      }
    }
    if (n < need) {
      std::uint32_t cp;
      unsigned len;
      if (detail::decode_utf8(reinterpret_cast<const unsigned char*>(tmp),
                              reinterpret_cast<const unsigned char*>(tmp + n), cp, len) == detail::utf8_status::invalid) {
        run_begin_ = tmp;
        run_base_off_ = processed_;
        pend_len_ = 0;
        not_wf("invalid UTF-8", tmp);
        return {used, parse_status::failed};
      }
      return {used, parse_status::ok};
    }
    pend_len_ = 0;
    run_base_off_ = processed_;
    const char* stop = run(tmp, tmp + n);
    processed_ += static_cast<std::uint64_t>(stop - tmp);
    if (state_ != st::failed && stop != tmp + n) not_wf("invalid UTF-8", stop);  // a whole sequence cannot need more
    // (One character completes no element or tag, so the delivery bound
    // cannot be reached here; finish_call() handles it all the same.)
    if (state_ == st::failed || (now_ & (now_paused | now_full)) || state_ == st::closed) return finish_call(used, size);
  }
  // Small feeds (down to one byte per call) continuing character data or an
  // attribute value take their plain bytes here, without a trip through the
  // state machine; large ones go to run()'s SIMD scans directly.
  if (size - used <= small_feed && (state_ == st::text || state_ == st::attr_value) && !skip_lf_ && !src_active_) {
    used += take_plain(data + used, data + size);
    if (state_ == st::failed) return {used, parse_status::failed};
    if (used == size) return {size, parse_status::ok};
  }
  const char* begin = data + used;
  const char* end = data + size;
  run_base_off_ = processed_;
  const char* stop = run(begin, end);
  processed_ += static_cast<std::uint64_t>(stop - begin);
  if (state_ == st::failed || (now_ & (now_paused | now_full)) || state_ == st::closed) [[unlikely]]
    return finish_call(static_cast<std::size_t>(stop - data), size);
  if (stop < end) {
    // An incomplete UTF-8 sequence at the very end (at most 3 bytes): keep it.
    const auto rest = static_cast<unsigned>(end - stop);
    std::memcpy(pend_, stop, rest);
    pend_len_ = rest;
  }
  if (now_ & now_completed) [[unlikely]]
    shrink_if_oversized();
  return {size, parse_status::ok};
}

// The result of a call that stopped early or for good, having consumed
// `consumed` of `size` bytes.
// Out of line, so that receive()'s hot path stays small (a one-byte feed
// measured 5-10% slower with this inlined, at the same instruction count).
// Not marked cold: shrink_if_oversized() below runs after most large calls,
// and a cold mark there cost the chunked feeds 4% more instructions.
[[gnu::noinline]] inline receive_result push_parser::finish_call(std::size_t consumed, std::size_t size) {
  if (state_ == st::failed) return {consumed, parse_status::failed};
  if (now_ & now_paused) return {consumed, parse_status::paused};
  if (state_ == st::closed) return {consumed, parse_status::closed};
  if (now_ & now_completed) shrink_if_oversized();
  // Stopped by the delivery bound (always right after a top-level element,
  // never inside a UTF-8 sequence): the rest is the caller's to feed again. A
  // stop at the very end consumed everything: plain ok.
  return {consumed, consumed < size ? parse_status::full : parse_status::ok};
}

// Gives back the capacity a burst left behind (large elements, a profile
// raised for a while), at the end of a call that completed a top-level
// element: the burst's own delivery was dropped by then (at the start of this
// call or of an earlier one), and a stream whose calls keep ending inside
// elements still gets here. In the steady state the stores hold what one call
// delivers (max_delivered_bytes plus one element) in at most twice that
// capacity, so nothing happens below four times the bound (and 64 KiB): a
// steady stream never reallocates here. Past it, each store using less than
// half of its capacity is cut to its size (what it holds -- this call's
// delivery and any unfinished element -- stays valid: it is copied).
[[gnu::noinline]] inline void push_parser::shrink_if_oversized() {
  const std::size_t steady = std::max<std::size_t>(lim_.max_delivered_bytes, 16 * 1024);
  const std::size_t cap = st_.buf.capacity() + st_.src.capacity() + bytes_of(st_.nodes) + bytes_of(st_.attrs) +
                          bytes_of(st_.decls) + bytes_of(bases_) + bytes_of(q_) + bytes_of(raw_attrs_) +
                          bytes_of(dup_idx_);
  if (cap <= 4 * steady) [[likely]]
    return;
  auto cut = [](auto& c) {
    if (c.capacity() > 2 * c.size()) c.shrink_to_fit();
  };
  cut(st_.buf);
  cut(st_.src);
  cut(st_.nodes);
  cut(st_.attrs);
  cut(st_.decls);
  cut(bases_);
  cut(q_);
  cut(raw_attrs_);
  cut(dup_idx_);
}

// The plain ASCII bytes at the front of [p, end) in character data or an
// attribute value: exactly what scan_text / scan_attr_value would append for
// them, with the same limit checks (a byte-at-a-time feed and one buffer give
// the same verdicts). Stops short of the element's byte limit, so the clamp
// in run() still reports that one; anything that is not plain (markup, a
// quote, a line end, non-ASCII) is left to run(). Returns the bytes taken.
inline std::size_t push_parser::take_plain(const char* p, const char* end) {
  const std::uint64_t limit_off = elem_start_off_ + lim_.max_element_bytes;  // first byte over the limit
  if (processed_ + 1 >= limit_off) return 0;
  const std::uint64_t room = limit_off - processed_ - 1;
  if (room < static_cast<std::uint64_t>(end - p)) end = p + room;
  const std::uint8_t plain = state_ == st::text ? detail::cc_text : detail::cc_attr;
  const char* q = p;
  while (q < end && (detail::char_class[static_cast<unsigned char>(*q)] & plain)) ++q;
  const auto n = static_cast<std::size_t>(q - p);
  if (n == 0) return 0;
  run_begin_ = p;  // error offsets are relative to these
  run_base_off_ = processed_;
  processed_ += n;  // on failure too, as run() would have consumed them
  if (state_ == st::text) {
    brackets_ = 0;  // no ']' among plain bytes (XML §2.4 "]]>")
    append_text(p, n, p, true);
  } else {
    const auto& a = raw_attrs_.back();
    if (grow(arena_rel() - a.value.off, n, lim_.max_attribute_bytes, "attribute value exceeds max_attribute_bytes", p,
             true))
      st_.buf.append(p, n);
  }
  return n;
}

// ---------------------------------------------------------------- the machine --

// Reads one character (ASCII or a UTF-8 sequence) that must be an XML Char.
// On success copies its bytes to out/len and advances p.
inline bool push_parser::scan_char(const char*& p, const char* end, bool& need_more, char* out, unsigned& len) {
  const auto c = static_cast<unsigned char>(*p);
  if (c < 0x80) {
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return not_wf("character not allowed in XML", p);
    out[0] = static_cast<char>(c);
    len = 1;
    ++p;
    return true;
  }
  const auto r = detail::xml_char_at(p, end, len);
  if (r == detail::char_status::need_more) {
    need_more = true;
    return true;
  }
  if (r != detail::char_status::ok) return not_wf(detail::char_error(r), p);
  std::memcpy(out, p, len);
  p += len;
  return true;
}

template <class Out>
inline bool push_parser::scan_name(const char*& p, const char* end, Out& out, std::size_t name_start,
                                   name_buffer where, bool& need_more) {
  const char* s = p;
  // An error further into the name than max_name_bytes allows is reported as
  // the limit, at the first byte over it: what a byte-at-a-time feed sees.
  // Names kept in the arena or open_names_ count toward max_buffered_bytes
  // (held()); the end-tag and PI-target scratch buffers do not (they are bounded
  // by max_name_bytes alone), so only the name limit applies to them, or the
  // verdict would depend on how the name was split.
  auto fits = [&] {
    const std::size_t cur = out.size() - name_start, n = static_cast<std::size_t>(p - s);
    if (where == name_buffer::held) return grow(cur, n, lim_.max_name_bytes, "name exceeds max_name_bytes", s, true);
    if (cur + n <= lim_.max_name_bytes) return true;
    return fail(stream_condition::policy_violation, "name exceeds max_name_bytes",
                s + (lim_.max_name_bytes >= cur ? lim_.max_name_bytes - cur : 0));
  };
  auto bad = [&](std::string_view why) {
    if (!fits()) return false;
    return not_wf(why, p);
  };
  while (p < end) {
    if (!name_need_start_) {  // the hot loop: ASCII name characters
      while (p < end && (detail::char_class[static_cast<unsigned char>(*p)] & detail::cc_name)) ++p;
      if (p == end) break;
    }
    const auto c = static_cast<unsigned char>(*p);
    const auto cls = detail::char_class[c];
    if (name_need_start_) {
      if (cls & detail::cc_name_start) {
        name_need_start_ = false;
        ++p;
        continue;
      }
      if (c < 0x80) return bad(c == ':' ? "misplaced ':' in a name" : "invalid name start character");
    } else {
      if (cls & detail::cc_name) {
        ++p;
        continue;
      }
      if (c == ':') {
        // Namespaces in XML §3: a QName has at most one colon, not at either end.
        if (name_colon_) return bad("more than one ':' in a name");
        if (name_no_colon_) return bad("':' in a processing instruction target (Namespaces in XML §7)");
        name_colon_ = static_cast<std::uint32_t>(out.size() - name_start + static_cast<std::size_t>(p - s)) + 1;
        name_need_start_ = true;
        ++p;
        continue;
      }
      if (c < 0x80) break;  // the name ends here
    }
    std::uint32_t cp;
    unsigned len;
    const auto r = detail::decode_utf8(reinterpret_cast<const unsigned char*>(p),
                                       reinterpret_cast<const unsigned char*>(end), cp, len);
    if (r == detail::utf8_status::need_more) {
      need_more = true;
      break;
    }
    if (r == detail::utf8_status::invalid) return bad("invalid UTF-8");
    if (!detail::is_char_nonascii(cp)) return bad("character not allowed in XML");
    if (name_need_start_) {
      if (!detail::is_name_start_nonascii(cp)) return bad("invalid name start character");
      name_need_start_ = false;
    } else if (!detail::is_name_nonascii(cp)) {
      break;
    }
    p += len;
  }
  if (!fits()) return false;
  out.append(s, static_cast<std::size_t>(p - s));
  return true;
}

inline std::uint32_t push_parser::add_node(const detail::node_rec& rec, std::uint32_t parent) {
  const auto idx = static_cast<std::uint32_t>(st_.nodes.size() - cur_.node);
  st_.nodes.push_back(rec);
  st_.nodes.back().parent = parent;
  if (parent != detail::no_index) {
    auto& pr = st_.nodes[cur_.node + parent];
    if (pr.last_child == detail::no_index) pr.first_child = idx;
    else st_.nodes[cur_.node + pr.last_child].next_sibling = idx;
    pr.last_child = idx;
  }
  return idx;
}

inline bool push_parser::append_text(const char* s, std::size_t n, const char* at, bool plain) {
  if (opt_.mode == parse_mode::events) {
    // Events mode delivers text as it arrives and holds none of it past the
    // receive() call, so only the run's own limit applies (counting the piece
    // against max_buffered_bytes would make the verdict depend on the split).
    // The characters of a run that still fit are delivered before the
    // failure, whatever the split: a byte-at-a-time feed would have queued them.
    const std::size_t max_text = lim_.max_text_bytes;
    const std::size_t room = max_text - std::min(text_bytes_, max_text);
    if (n > room) {
      if (plain) {
        std::size_t fit = room;
        while (fit > 0 && (static_cast<unsigned char>(s[fit]) & 0xC0) == 0x80) --fit;  // whole characters only
        if (fit > 0 && !append_text(s, fit, at, plain)) return false;
      }
      return fail(stream_condition::policy_violation, "text exceeds max_text_bytes", plain ? at + room : at);
    }
  } else if (!fits(text_bytes_, n, lim_.max_text_bytes)) {
    return grow(text_bytes_, n, lim_.max_text_bytes, "text exceeds max_text_bytes", at, plain);
  }
  text_bytes_ += n;
  if (!text_open_) {
    text_open_ = true;
    if (opt_.mode == parse_mode::elements) {
      // Text split only by a CDATA section or a skipped comment continues the
      // previous text node: it ends exactly where the arena ends.
      const auto& parent = st_.nodes[cur_.node + opens_.back().node];
      const std::uint32_t last = parent.last_child;
      if (last != detail::no_index && st_.nodes[cur_.node + last].is_text &&
          st_.nodes[cur_.node + last].local.off + st_.nodes[cur_.node + last].local.len == arena_rel()) {
        text_node_ = last;
      } else {
        detail::node_rec r;
        r.is_text = true;
        r.local = {arena_rel(), 0};
        text_node_ = add_node(r, opens_.back().node);
      }
    } else {
      queued e;
      e.kind = event_kind::text;
      e.depth = depth_ - 1;
      e.text_off = static_cast<std::uint32_t>(st_.buf.size());
      e.text_len = 0;
      q_.push_back(e);
      text_node_ = static_cast<std::uint32_t>(q_.size() - 1);
    }
  }
  st_.buf.append(s, n);
  if (opt_.mode == parse_mode::elements)
    st_.nodes[cur_.node + text_node_].local.len += static_cast<std::uint32_t>(n);
  else
    q_[text_node_].text_len += static_cast<std::uint32_t>(n);
  return true;
}

inline void push_parser::close_text() {
  text_open_ = false;
  if (opt_.mode == parse_mode::events) text_bytes_ = 0;  // the limit is per run in events mode
}

[[gnu::always_inline]] inline bool push_parser::bound(std::string_view prefix, detail::sref& ns) {
  if (prefix == "xml") {  // bound by definition (Namespaces in XML §3)
    ns = {detail::persistent_bit, static_cast<std::uint32_t>(xmppcore::ns::xml.size())};  // see reset_stream
    return true;
  }
  const scope_rec* b = lookup(prefix);
  if (!b) {
    ns = {};
    return prefix.empty();  // no default namespace declared: none
  }
  ns = uri_ref(*b);
  return true;
}

inline bool push_parser::resolve(std::string_view prefix, detail::sref& ns, const char* at) {
  return bound(prefix, ns) || not_wf("undeclared namespace prefix", at);
}

template <class Cmp>
inline std::size_t push_parser::first_repeat(std::size_t n, Cmp cmp) {
  constexpr std::size_t pairwise_max = 16;  // at most 120 comparisons
  if (n > pairwise_max) [[unlikely]]
    return first_repeat_sorted(n, cmp);
  for (std::size_t i = 1; i < n; ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (cmp(j, i) == 0) return i;
  return n;
}

template <class Cmp>
std::size_t push_parser::first_repeat_sorted(std::size_t n, Cmp cmp) {
  dup_idx_.resize(n);
  for (std::size_t i = 0; i < n; ++i) dup_idx_[i] = static_cast<std::uint32_t>(i);
  std::sort(dup_idx_.begin(), dup_idx_.end(), [&](std::uint32_t a, std::uint32_t b) {
    const int c = cmp(a, b);
    return c < 0 || (c == 0 && a < b);
  });
  // Equal names are now adjacent, in document order within each run; every
  // name after the first of its run repeats one, and the smallest such index
  // is the first repeat in document order.
  std::size_t first = n;
  for (std::size_t k = 1; k < n; ++k)
    if (dup_idx_[k] < first && cmp(dup_idx_[k - 1], dup_idx_[k]) == 0) first = dup_idx_[k];
  return first;
}

// Character data (draft §11, XML §2.4): one SIMD-assisted scan over plain
// bytes; multi-byte UTF-8 is validated in place; the run is copied once.
inline const char* push_parser::scan_text(const char* p, const char* end, bool& need_more) {
  if (skip_lf_) {  // the previous chunk ended with '\r' (XML §2.11)
    skip_lf_ = false;
    if (*p == '\n') return p + 1;
  }
  if (*p == '<' && !text_open_) {  // no text before the next tag: the common case
    brackets_ = 0;
    // A text run that ended exactly at the end of the previous chunk ends
    // here (its piece was closed by receive()): its count must restart too.
    close_text();
    state_ = st::lt;
    return p + 1;
  }
  const char* s = p;
  bool cut = false;
#if XMPPCORE_XML_AVX2
  const bool avx2 = detail::cpu_has_avx2();
#endif
  for (;;) {
#if XMPPCORE_XML_AVX2
    if (end - p >= 32 && avx2) {
      p = detail::skip_text_avx2(p, end);
      // The common result is markup that ends the run; otherwise the scalar
      // scan goes on (after a cut or malformed sequence, or the last bytes).
      if (p != end) {
        const auto c = static_cast<unsigned char>(*p);
        if (c >= 0x20 && c < 0x80 && c != '<' && c != '&' && c != '>') p = detail::find_text_special(p, end);
      }
    } else {
      p = detail::find_text_special(p, end);
    }
#else
    p = detail::find_text_special(p, end);
#endif
    if (p == end) break;
    const auto c = static_cast<unsigned char>(*p);
    if (c >= 0x80) {
      if (const char* q = detail::skip_nonascii_chars(p, end); q != p) {
        p = q;
        continue;
      }
      unsigned len;
      const auto r = detail::xml_char_at(p, end, len);
      if (r == detail::char_status::ok) {
        p += len;
        continue;
      }
      if (r == detail::char_status::need_more) {
        cut = true;
        break;
      }
      // Text before the error is reported first, as a smaller chunk would have.
      if (p != s && !append_text(s, static_cast<std::size_t>(p - s), s, true)) return p;
      not_wf(detail::char_error(r), p);
      return p;
    }
    if (c == '\n' || c == '\t') {
      ++p;
      continue;
    }
    if (c == '>') {
      // XML §2.4: "]]>" may not appear in content; the ']' may lie in an
      // earlier chunk (brackets_ counts them).
      const auto run = static_cast<std::size_t>(p - s);
      const bool b1 = run >= 1 ? p[-1] == ']' : brackets_ >= 1;
      const bool b2 = run >= 2 ? p[-2] == ']' : run == 1 ? brackets_ >= 1 : brackets_ >= 2;
      if (b1 && b2) {
        if (p != s && !append_text(s, static_cast<std::size_t>(p - s), s, true)) return p;
        not_wf("']]>' in character data", p);
        return p;
      }
      ++p;
      continue;
    }
    break;  // '<', '&', '\r' or a control character
  }
  if (p != s) {
    unsigned t = 0;
    while (t < 2 && s + t < p && p[-1 - static_cast<std::ptrdiff_t>(t)] == ']') ++t;
    brackets_ = t == static_cast<std::size_t>(p - s) ? std::min(2u, brackets_ + t) : t;
    if (!append_text(s, static_cast<std::size_t>(p - s), s, true)) return p;
  }
  if (cut) {
    need_more = true;
    return p;
  }
  if (p == end) return p;
  switch (*p) {
    case '<':
      brackets_ = 0;
      close_text();
      state_ = st::lt;
      return p + 1;
    case '&':
      brackets_ = 0;
      ref_.clear();
      ret_ = st::text;
      state_ = st::ref;
      return p + 1;
    case '\r':
      brackets_ = 0;
      if (!append_text("\n", 1, p, false)) return p;
      ++p;
      if (p == end) skip_lf_ = true;
      else if (*p == '\n') ++p;
      return p;
    default:
      not_wf("character not allowed in XML", p);
      return p;
  }
}

// An attribute value (XML §3.1, §3.3.3): like text, but TAB, LF and CR become
// spaces, the other quote is plain, '<' is an error.
inline const char* push_parser::scan_attr_value(const char* p, const char* end, bool& need_more) {
  auto& a = raw_attrs_.back();
  if (skip_lf_) {
    skip_lf_ = false;
    if (*p == '\n') return p + 1;
  }
  while (p < end) {
    const char* s = p;
    bool cut = false;
    for (;;) {
      p = detail::find_attr_special(p, end);
      if (p == end) break;
      const auto c = static_cast<unsigned char>(*p);
      if (c >= 0x80) {
        if (const char* q = detail::skip_nonascii_chars(p, end); q != p) {
          p = q;
          continue;
        }
        unsigned len;
        const auto r = detail::xml_char_at(p, end, len);
        if (r == detail::char_status::ok) {
          p += len;
          continue;
        }
        if (r == detail::char_status::need_more) {
          cut = true;
          break;
        }
        // The value before the error counts first, as a smaller chunk would.
        if (p != s && !grow(arena_rel() - a.value.off, static_cast<std::size_t>(p - s), lim_.max_attribute_bytes,
                            "attribute value exceeds max_attribute_bytes", s, true))
          return p;
        not_wf(detail::char_error(r), p);
        return p;
      }
      if ((c == '"' || c == '\'') && c != static_cast<unsigned char>(quote_)) {
        ++p;
        continue;
      }
      break;
    }
    if (p != s) {
      if (!grow(arena_rel() - a.value.off, static_cast<std::size_t>(p - s), lim_.max_attribute_bytes,
                "attribute value exceeds max_attribute_bytes", s, true))
        return p;
      st_.buf.append(s, static_cast<std::size_t>(p - s));
    }
    if (cut) {
      need_more = true;
      return p;
    }
    if (p == end) return p;
    const char c = *p;
    if (c == quote_) {
      a.value.len = arena_rel() - a.value.off;
      state_ = st::attr_after_value;
      return p + 1;
    }
    if (c == '&') {
      ref_.clear();
      ret_ = st::attr_value;
      state_ = st::ref;
      return p + 1;
    }
    if (c == '<') {
      not_wf("'<' in an attribute value", p);
      return p;
    }
    if (c != '\t' && c != '\n' && c != '\r') {
      not_wf("character not allowed in XML", p);
      return p;
    }
    // attribute-value normalization: white space becomes a space (XML §3.3.3);
    // CR LF and a lone CR are one line end first (XML §2.11).
    if (!grow(arena_rel() - a.value.off, 1, lim_.max_attribute_bytes, "attribute value exceeds max_attribute_bytes",
              p, true))
      return p;
    st_.buf.push_back(' ');
    ++p;
    if (c == '\r') {
      if (p == end) skip_lf_ = true;
      else if (*p == '\n') ++p;
    }
  }
  return p;
}

inline const char* push_parser::run(const char* p, const char* const hard_end) {
  run_begin_ = p;
  if (src_active_) src_mark_ = p;
  // max_element_bytes is enforced by clamping the end of the input to the
  // first byte the element in progress may not have; reaching that clamp
  // while still inside the element is the violation. The check costs nothing
  // per byte and gives the same offset for every split of the input.
  const char* end = hard_end;
  auto clamp = [&] {
    end = hard_end;
    if (!counting()) return;
    const std::uint64_t limit_off = elem_start_off_ + lim_.max_element_bytes;  // first byte over the limit
    const std::uint64_t room = limit_off > run_base_off_ ? limit_off - run_base_off_ : 0;
    if (room < static_cast<std::uint64_t>(hard_end - run_begin_)) end = run_begin_ + room;
  };
  clamp();
  bool need_more = false;
  // The hot cycle of content (text, '<', a tag, text...) jumps from state to
  // state directly instead of through the switch: one well-predicted branch
  // instead of an indirect jump per token. Allowed only where the loop's own
  // checks below would change nothing (input left, no re-clamp, no pause, no
  // stop for the delivery bound).
  auto can_thread = [&](st next, const char* at, const char* stop) {
    return state_ == next && at < stop && !reclamp_ && !(now_ & (now_paused | now_full));
  };
  while (!need_more) {
    if (p >= end) {
      if (end == hard_end) break;
      if (counting()) {
        fail(stream_condition::policy_violation, "element exceeds max_element_bytes", p);
        return p;
      }
      clamp();
      continue;
    }
    if (reclamp_) {
      reclamp_ = false;
      clamp();
      continue;
    }
    switch (state_) {
      // ------------------------------------------------------- stream start --
      case st::start: {
        const auto c = static_cast<unsigned char>(*p);
        elem_start_off_ = off(p);
        if (c == 0xEF) {  // UTF-8 byte order mark, allowed at the start (XML §4.3.3)
          decl_.assign(1, static_cast<char>(c));
          state_ = st::bom;
          ++p;
          break;
        }
        // A UTF-16/UTF-32 BOM, or UTF-16/32 text without one (a NUL byte in
        // the first position): draft §11.5 allows UTF-8 only.
        if (c == 0xFE || c == 0xFF || c == 0x00) {
          fail(stream_condition::unsupported_encoding, "only UTF-8 is supported (draft §11.5)", p);
          return p;
        }
        state_ = st::prolog;
        break;
      }
      case st::bom: {
        static constexpr unsigned char bom[3] = {0xEF, 0xBB, 0xBF};
        if (static_cast<unsigned char>(*p) != bom[decl_.size()]) {
          not_wf("invalid UTF-8 at the start of the stream", p);
          return p;
        }
        decl_.push_back(*p++);
        if (decl_.size() == 3) state_ = st::prolog;
        break;
      }
      case st::prolog: {
        const auto c = static_cast<unsigned char>(*p);
        if (detail::is_space(c)) {
          decl_allowed_ = false;  // the XML declaration must be the very first thing
          ++p;
          break;
        }
        if (c == '<') {
          ++p;
          state_ = st::lt;
          break;
        }
        not_wf("content before the stream header", p);
        return p;
      }
      // ----------------------------------------------------------- markup --
      case st::lt:
      lt_state: {
        const char c = *p;
        lt_off_ = off(p) - 1;
        if (c == '\0' && depth_ == 0) {  // "<\0": UTF-16LE without a byte order mark
          fail(stream_condition::unsupported_encoding, "only UTF-8 is supported (draft §11.5)", p);
          return p;
        }
        if (c == '/') {
          if (depth_ == 0) {
            not_wf("end tag before the stream header", p);
            return p;
          }
          ++p;
          // Fast path: the end tag is the open element's name and '>' all in
          // this chunk (and within the element's byte limit): the name was
          // checked at the start tag, so a byte comparison is the whole job.
          // Anything else (white space, a mismatch, a cut) takes the general
          // path below, which gives the same verdicts and offsets.
          {
            const open_rec& o = opens_.back();
            if (static_cast<std::size_t>(end - p) > o.name_len && p[o.name_len] == '>' &&
                detail::same_bytes(p, open_names_.data() + o.name_off, o.name_len)) {
              p += o.name_len + 1;
              if (!end_element(p)) return p;
              if (can_thread(st::text, p, end)) goto text_state;
              break;
            }
          }
          etag_.clear();
          begin_name();
          state_ = st::etag_name;
          break;
        }
        if (c == '?') {
          ++p;
          if (depth_ == 0 && decl_allowed_) {
            decl_.clear();
            state_ = st::xmldecl;
            break;
          }
          decl_allowed_ = false;
          // Whether this is a processing instruction at all (and so restricted
          // XML, or skipped) depends on its target: read that first
          // (st::pi_target decides, under either policy).
          // Between top-level elements the PI is no part of any element's
          // source; inside one it is (keep_source gives the exact bytes).
          if (keep_src_ && depth_ == 1) {
            src_active_ = false;
            st_.src.resize(cur_.src);
          }
          ret_ = depth_ >= 2 ? st::text : depth_ == 1 ? st::between : st::prolog;
          decl_.clear();
          begin_name();
          name_no_colon_ = true;
          state_ = st::pi_target;
          break;
        }
        if (c == '!') {
          ++p;
          decl_allowed_ = false;
          decl_.clear();
          state_ = st::bang;
          break;
        }
        decl_allowed_ = false;
        // A start tag: the name is scanned into open_names_.
        tag_name_start_ = static_cast<std::uint32_t>(open_names_.size());
        raw_attrs_.clear();
        tag_buf_start_ = static_cast<std::uint32_t>(st_.buf.size());
        if (const char* q = fast_start_tag(p, end)) {  // the whole tag in one pass
          p = q;
          if (can_thread(st::text, p, end)) goto text_state;
          break;
        }
        begin_name();
        state_ = st::stag_name;
        break;
      }
      case st::stag_name: {
        if (!scan_name(p, end, open_names_, tag_name_start_, name_buffer::held, need_more)) return p;
        if (need_more || p == end) break;
        if (name_need_start_) {
          not_wf("a name cannot end with ':'", p);
          return p;
        }
        const char c = *p;
        opens_.push_back({tag_name_start_, static_cast<std::uint32_t>(open_names_.size()) - tag_name_start_,
                          name_colon_, 0, static_cast<std::uint32_t>(scope_.size()),
                          static_cast<std::uint32_t>(scope_chars_.size())});
        if (detail::is_space(static_cast<unsigned char>(c))) {
          ++p;
          state_ = st::stag_ws;
        } else if (c == '>') {
          ++p;
          if (!finish_start_tag(p, false)) return p;
        } else if (c == '/') {
          ++p;
          state_ = st::empty_gt;
        } else {
          not_wf("invalid character in a start tag", p);
          return p;
        }
        break;
      }
      case st::stag_ws: {
        while (p < end && detail::is_space(static_cast<unsigned char>(*p))) ++p;
        if (p == end) break;
        const char c = *p;
        if (c == '>') {
          ++p;
          if (!finish_start_tag(p, false)) return p;
          break;
        }
        if (c == '/') {
          ++p;
          state_ = st::empty_gt;
          break;
        }
        if (raw_attrs_.size() >= lim_.max_attributes) {
          fail(stream_condition::policy_violation, "element exceeds max_attributes", p);
          return p;
        }
        raw_attrs_.push_back({{arena_rel(), 0}, 0, {}});
        begin_name();
        state_ = st::attr_name;
        break;
      }
      case st::attr_name: {
        auto& a = raw_attrs_.back();
        if (!scan_name(p, end, st_.buf, cur_.buf + a.qname.off, name_buffer::held, need_more)) return p;
        if (need_more || p == end) break;
        if (name_need_start_) {
          not_wf("a name cannot end with ':'", p);
          return p;
        }
        a.qname.len = arena_rel() - a.qname.off;
        a.colon = name_colon_;
        const char c = *p++;
        if (c == '=') {
          state_ = st::attr_after_eq;
        } else if (detail::is_space(static_cast<unsigned char>(c))) {
          state_ = st::attr_before_eq;
        } else {
          not_wf("expected '=' after an attribute name", p - 1);
          return p - 1;
        }
        break;
      }
      case st::attr_before_eq: {
        while (p < end && detail::is_space(static_cast<unsigned char>(*p))) ++p;
        if (p == end) break;
        if (*p != '=') {
          not_wf("expected '=' after an attribute name", p);
          return p;
        }
        ++p;
        state_ = st::attr_after_eq;
        break;
      }
      case st::attr_after_eq: {
        while (p < end && detail::is_space(static_cast<unsigned char>(*p))) ++p;
        if (p == end) break;
        if (*p != '"' && *p != '\'') {
          not_wf("attribute value must be quoted", p);
          return p;
        }
        quote_ = *p++;
        raw_attrs_.back().value = {arena_rel(), 0};
        skip_lf_ = false;
        state_ = st::attr_value;
        break;
      }
      case st::attr_value:
        p = scan_attr_value(p, end, need_more);
        if (state_ == st::failed) return p;
        break;
      case st::attr_after_value: {
        const char c = *p;
        if (detail::is_space(static_cast<unsigned char>(c))) {
          ++p;
          state_ = st::stag_ws;
        } else if (c == '>') {
          ++p;
          if (!finish_start_tag(p, false)) return p;
        } else if (c == '/') {
          ++p;
          state_ = st::empty_gt;
        } else {
          not_wf("attributes must be separated by whitespace", p);
          return p;
        }
        break;
      }
      case st::empty_gt: {
        if (*p != '>') {
          not_wf("expected '>' after '/' in a tag", p);
          return p;
        }
        ++p;
        if (!finish_start_tag(p, true)) return p;
        break;
      }
      case st::etag_name: {
        if (!scan_name(p, end, etag_, 0, name_buffer::scratch, need_more)) return p;
        if (need_more || p == end) break;
        if (name_need_start_) {
          not_wf("a name cannot end with ':'", p);
          return p;
        }
        const char c = *p++;
        if (c == '>') {
          if (!finish_end_tag(p)) return p;
        } else if (detail::is_space(static_cast<unsigned char>(c))) {
          state_ = st::etag_ws;
        } else {
          not_wf("invalid character in an end tag", p - 1);
          return p - 1;
        }
        break;
      }
      case st::etag_ws: {
        while (p < end && detail::is_space(static_cast<unsigned char>(*p))) ++p;
        if (p == end) break;
        if (*p != '>') {
          not_wf("invalid character in an end tag", p);
          return p;
        }
        ++p;
        if (!finish_end_tag(p)) return p;
        break;
      }
      // ---------------------------------------------------------- content --
      case st::between: {
        // Depth 1: only whitespace between top-level elements (keepalives).
        while (p < end && detail::is_space(static_cast<unsigned char>(*p))) ++p;
        if (p == end) break;
        if (*p != '<') {
          fail(stream_condition::bad_format, "character data between top-level elements", p);
          return p;
        }
        begin_top_level(p);
        ++p;
        state_ = st::lt;
        break;
      }
      case st::text:
      text_state:
        p = scan_text(p, end, need_more);
        if (state_ == st::failed) return p;
        if (can_thread(st::lt, p, end)) goto lt_state;
        break;
      case st::ref: {
        // &name; &#123; &#x1F;  — collect up to ';' (bounded), then decode.
        while (p < end && *p != ';') {
          const char c = *p;
          if (c == '<' || c == '&' || c == '"' || c == '\'' || detail::is_space(static_cast<unsigned char>(c))) {
            not_wf("malformed character or entity reference", p);
            return p;
          }
          if (ref_.size() >= lim_.max_name_bytes + 12) {
            fail(stream_condition::policy_violation, "reference exceeds max_name_bytes", p);
            return p;
          }
          ref_.push_back(c);
          ++p;
        }
        if (p == end) break;
        ++p;  // ';'
        if (!finish_ref(p)) return p;
        state_ = ret_;
        break;
      }
      // ------------------------------------------ <! ... : comments, CDATA --
      case st::bang: {
        decl_.push_back(*p++);
        if (depth_ == 0 && decl_[0] == '[') {
          // Before the root only comments, PIs and a DOCTYPE may start with
          // "<!" (XML §2.8): "<![" is wrong at once, at its '<' (as expat says).
          fail_at(stream_condition::xml_not_well_formed, "CDATA section outside the root element", lt_off_);
          return p;
        }
        if (decl_ == "--") {
          if (opt_.restricted == restricted_xml_policy::reject) {
            fail_at(stream_condition::restricted_xml, "comment (draft §11.1)", lt_off_);
            return p;
          }
          if (keep_src_ && depth_ == 1) {
            src_active_ = false;
            st_.src.resize(cur_.src);
          }
          ret_ = depth_ >= 2 ? st::text : depth_ == 1 ? st::between : st::prolog;
          dashes_ = 0;
          state_ = st::comment;
        } else if (decl_[0] == 'D') {
          fail_at(stream_condition::restricted_xml, "document type declaration (draft §11.1)", lt_off_);
          return p;
        } else if (std::string_view("[CDATA[").starts_with(decl_)) {
          if (decl_.size() == 7) {
            if (depth_ < 2) {
              // Reported at the '<', like the restricted constructs (draft §11.1).
              if (depth_ == 1) fail_at(stream_condition::bad_format, "character data between top-level elements", lt_off_);
              else fail_at(stream_condition::xml_not_well_formed, "CDATA section outside the root element", lt_off_);
              return p;
            }
            brackets_ = 0;
            state_ = st::cdata;
          }
        } else if (!(decl_.size() == 1 && decl_[0] == '-')) {
          not_wf("invalid markup after '<!'", p - 1);  // the byte just taken
          return p - 1;
        }
        break;
      }
      case st::cdata: {
        // CDATA content is text; "]]>" ends it. ']' are held back in brackets_
        // until we know whether they end the section.
        char buf[4];
        unsigned len = 0;
        const char c = *p;
        if (skip_lf_) {
          skip_lf_ = false;
          if (c == '\n') {
            ++p;
            break;
          }
        }
        if (c == ']') {
          ++brackets_;
          ++p;
          break;
        }
        if (c == '>' && brackets_ >= 2) {
          for (unsigned i = 2; i < brackets_; ++i)
            if (!append_text("]", 1, p, false)) return p;
          brackets_ = 0;
          ++p;
          state_ = st::text;
          break;
        }
        for (; brackets_ > 0; --brackets_)
          if (!append_text("]", 1, p, false)) return p;
        if (c == '\r') {
          ++p;
          if (!append_text("\n", 1, p - 1, false)) return p - 1;
          if (p == end) skip_lf_ = true;
          else if (*p == '\n') ++p;
          break;
        }
        const char* at = p;
        if (!scan_char(p, end, need_more, buf, len)) return p;
        if (need_more) break;
        if (!append_text(buf, len, at, false)) return at;
        break;
      }
      case st::comment:
      case st::pi: {
        // Comments only with restricted_xml_policy::ignore_comments_and_pis;
        // PIs also with reject, for the '>' of "<?target?>" only.
        // Comment: "--" must be followed by '>' (XML §2.5). PI: ends at "?>".
        char buf[4];
        unsigned len = 0;
        const char c = *p;
        if (state_ == st::comment) {
          if (c == '-') {
            if (dashes_ >= 2) {  // "---": '--' not followed by '>' (XML §2.5 [15])
              not_wf("'--' inside a comment", p);
              return p;
            }
            ++dashes_;
            ++p;
            break;
          }
          if (dashes_ >= 2) {
            if (c != '>') {
              not_wf("'--' inside a comment", p);
              return p;
            }
            ++p;
            state_ = ret_;
            break;
          }
          dashes_ = 0;
        } else {
          if (c == '>' && dashes_ >= 1) {
            if (opt_.restricted == restricted_xml_policy::reject) {
              fail_at(stream_condition::restricted_xml, "processing instruction (draft §11.1)", lt_off_);
              return p;
            }
            ++p;
            state_ = ret_;
            break;
          }
          if (dashes_ == 2) {  // "<?target?" must be "<?target?>" (XML §2.6 [16])
            not_wf("processing instruction target not followed by white space or '?>'", p);
            return p;
          }
          dashes_ = (c == '?') ? 1 : 0;
        }
        if (!scan_char(p, end, need_more, buf, len)) return p;
        break;
      }
      case st::pi_target: {
        // XML §2.6 [16]-[17]: PITarget is a Name other than [Xx][Mm][Ll],
        // followed by white space or "?>". Anything else after "<?" is no
        // processing instruction but ill-formed XML: an XML declaration
        // anywhere but at the very start (XML §2.8 [23]), in any case, or a
        // missing target. So the target decides between <xml-not-well-formed/>
        // and a PI, whichever the policy; then a PI is <restricted-xml/> (at
        // its '<') or skipped.
        if (!scan_name(p, end, decl_, 0, name_buffer::scratch, need_more)) return p;
        if (need_more || p == end) break;
        if (decl_.empty()) {
          not_wf("processing instruction without a target", p);
          return p;
        }
        if (decl_.size() == 3 && (decl_[0] | 0x20) == 'x' && (decl_[1] | 0x20) == 'm' && (decl_[2] | 0x20) == 'l') {
          fail_at(stream_condition::xml_not_well_formed,
                  "reserved processing instruction target (an XML declaration not at the start)", lt_off_ + 2);
          return p;
        }
        const char c = *p;
        if (detail::is_space(static_cast<unsigned char>(c))) {
          if (opt_.restricted == restricted_xml_policy::reject) {
            fail_at(stream_condition::restricted_xml, "processing instruction (draft §11.1)", lt_off_);
            return p;
          }
          dashes_ = 0;
        } else if (c == '?') {
          dashes_ = 2;  // only '>' may follow (st::pi decides under the reject policy)
          ++p;
        } else {
          not_wf("processing instruction target not followed by white space or '?>'", p);
          return p;
        }
        state_ = st::pi;
        break;
      }
      case st::xmldecl: {
        // "<?" at the very start: an XML declaration if "xml" and white space
        // follow (XML §2.8 [23]), collected (bounded) and parsed whole. Any
        // other target makes it an ordinary PI, handed to the PI states as
        // soon as the bytes rule the declaration out (so a long PI there is
        // restricted or skipped like any other, not "too long").
        const std::size_t k = decl_.size();
        if (k < 4 && (k < 3 ? *p != "xml"[k] : !detail::is_space(static_cast<unsigned char>(*p)))) {
          decl_allowed_ = false;
          // decl_ holds a prefix of "xml": the target's first characters;
          // this byte is read again as part of the target.
          ret_ = st::prolog;
          begin_name();
          name_no_colon_ = true;
          name_need_start_ = k == 0;
          state_ = st::pi_target;
          break;
        }
        decl_.push_back(*p++);
        if (decl_.size() >= 2 && decl_[decl_.size() - 2] == '?' && decl_.back() == '>') {
          if (!parse_xmldecl(p)) return p;
          break;
        }
        if (decl_.size() > 256) {
          not_wf("XML declaration too long", p);
          return p;
        }
        break;
      }
      case st::closed:
      case st::failed:
        return p;
    }
    if (state_ == st::failed) return p;
    if ((now_ & (now_paused | now_full)) || state_ == st::closed) break;
  }
  if (state_ == st::failed) return p;
  if (need_more && end != hard_end) {
    // A UTF-8 sequence straddles the element's last allowed byte.
    fail(stream_condition::policy_violation, "element exceeds max_element_bytes", end);
    return p;
  }
  if (src_active_) {
    st_.src.append(src_mark_, static_cast<std::size_t>(p - src_mark_));
  }
  return p;
}

// --------------------------------------------------------------- start tags --

// A start tag that lies whole in this chunk (before the element's byte
// limit), with ASCII names and attribute values free of references, line ends
// and '<' -- nearly every tag XMPP sends -- is parsed here in one straight
// pass instead of one state transition per token. Anything else (a cut, a
// limit reached, a non-ASCII name, a reference, an error of any kind) undoes
// what this function did and returns nullptr; the state machine then reads the
// same bytes from the name on, so verdicts and offsets are exactly those of
// the general path (the split-invariance tests and fuzz target hold it to
// that: a tag cut by a chunk boundary always takes the general path).
inline const char* push_parser::fast_start_tag(const char* p, const char* end) {
  using detail::cc_name;
  using detail::cc_name_start;
  using detail::char_class;
  auto cls = [](char c) { return char_class[static_cast<unsigned char>(c)]; };
  // An ASCII QName at q (Namespaces in XML §3): its end, or nullptr.
  auto qname = [&](const char* q, std::uint32_t& colon) -> const char* {
    const char* s = q;
    colon = 0;
    if (!(cls(*q) & cc_name_start)) return nullptr;
    ++q;
    for (;;) {
      q = detail::find_name_end(q, end);
      if (q == end) return nullptr;
      if (*q != ':') break;
      if (colon) return nullptr;
      colon = static_cast<std::uint32_t>(q - s) + 1;
      if (++q == end || !(cls(*q) & cc_name_start)) return nullptr;
      ++q;
    }
    return static_cast<unsigned char>(*q) < 0x80 ? q : nullptr;
  };
  auto skip_space = [&](const char* q) {
    while (q < end && detail::is_space(static_cast<unsigned char>(*q))) ++q;
    return q;
  };
  const st saved = state_;
  state_ = st::stag_name;  // so that held() counts the tag in progress as the general path does
  bool pushed = false;
  auto undo = [&]() -> const char* {
    if (pushed) opens_.pop_back();
    open_names_.resize(tag_name_start_);
    st_.buf.resize(tag_buf_start_);
    raw_attrs_.clear();
    state_ = saved;
    return nullptr;
  };

  std::uint32_t colon = 0;
  const char* q = qname(p, colon);
  if (!q) return undo();
  auto n = static_cast<std::size_t>(q - p);
  if (!fits(0, n, lim_.max_name_bytes)) return undo();
  open_names_.append_within(p, n, end);
  opens_.push_back({tag_name_start_, static_cast<std::uint32_t>(n), colon, 0, static_cast<std::uint32_t>(scope_.size()),
                    static_cast<std::uint32_t>(scope_chars_.size())});
  pushed = true;
  for (;;) {
    const char* after = skip_space(q);
    if (after == end) return undo();
    // From here on the general path would do exactly this (a failure in
    // finish_start_tag is final either way).
    if (*after == '>') {
      finish_start_tag(after + 1, false);
      return after + 1;
    }
    if (*after == '/') {
      if (after + 1 == end || after[1] != '>') return undo();
      finish_start_tag(after + 2, true);
      return after + 2;
    }
    if (after == q || raw_attrs_.size() >= lim_.max_attributes) return undo();  // no separating white space
    // name
    q = qname(after, colon);
    if (!q) return undo();
    n = static_cast<std::size_t>(q - after);
    if (!fits(0, n, lim_.max_name_bytes)) return undo();
    raw_attr a{{arena_rel(), static_cast<std::uint32_t>(n)}, colon, {}};
    st_.buf.append_within(after, n, end);
    // = and the opening quote
    q = skip_space(q);
    if (q == end || *q != '=') return undo();
    q = skip_space(q + 1);
    if (q == end || (*q != '\'' && *q != '"')) return undo();
    const char quote = *q++;
    const char* v = q;
    for (;;) {
      q = detail::find_attr_special(q, end);
      if (q == end) return undo();
      const auto c = static_cast<unsigned char>(*q);
      if (c == static_cast<unsigned char>(quote)) break;
      if (c == '\'' || c == '"') {
        ++q;
        continue;
      }
      if (c < 0x80) return undo();  // '&', '<', a line end or TAB, a control character
      const char* r = detail::skip_nonascii_chars(q, end);
      if (r == q) return undo();  // cut, malformed or not a Char: the general path says which
      q = r;
    }
    n = static_cast<std::size_t>(q - v);
    if (!fits(0, n, lim_.max_attribute_bytes)) return undo();
    a.value = {arena_rel(), static_cast<std::uint32_t>(n)};
    st_.buf.append_within(v, n, end);
    raw_attrs_.push_back(a);
    skip_lf_ = false;
    ++q;  // the closing quote
    if (q == end) return undo();
  }
}

inline bool push_parser::finish_start_tag(const char* p, bool empty) {
  const char* at = p - 1;
  open_rec& o = opens_.back();
  ++depth_;
  if (depth_ >= 2) {
    if (depth_ - 1 > lim_.max_depth)
      return fail(stream_condition::policy_violation, "element exceeds max_depth", at);
    if (++elements_in_top_ > lim_.max_elements)
      return fail(stream_condition::policy_violation, "element exceeds max_elements", at);
  }
  // 1. Namespace declarations (Namespaces in XML §3), and unique attribute
  //    names as written (XML §3.1 WFC: Unique Att Spec). Errors come out in
  //    document order: a repeated name is reported when the loop reaches it.
  const char* abase = st_.buf.data() + cur_.buf;  // raw attribute names live in the arena
  auto raw_name = [&](std::size_t i) {
    return std::string_view(abase + raw_attrs_[i].qname.off, raw_attrs_[i].qname.len);
  };
  const std::size_t nraw = raw_attrs_.size();  // once: the loop's stores would make it reload each time
  const std::size_t repeat =
      first_repeat(nraw, [&](std::size_t i, std::size_t j) { return name_order(raw_name(i), raw_name(j)); });
  for (std::size_t i = 0; i < nraw; ++i) {
    if (i == repeat) return not_wf("duplicate attribute", at);
    auto& a = raw_attrs_[i];
    const std::string_view qn = raw_name(i);
    std::string_view prefix;
    if (qn.size() < 5 || qn[0] != 'x' || qn.compare(0, 5, "xmlns") != 0) {
      continue;
    } else if (qn.size() == 5) {
      prefix = {};
    } else if (a.colon == 6) {
      prefix = qn.substr(6);
    } else {
      continue;
    }
    a.colon = decl_mark;
    const std::string_view uri = arena_view(a.value);
    if (prefix == "xmlns") return not_wf("the xmlns prefix cannot be declared", at);
    if ((prefix == "xml") != (uri == ns::xml)) return not_wf("the xml prefix and its namespace go together", at);
    if (uri == ns::xmlns) return not_wf("the xmlns namespace cannot be declared", at);
    if (!prefix.empty() && uri.empty()) return not_wf("a prefix cannot be undeclared (Namespaces in XML 1.0)", at);
    // draft §11.2.3: the db prefix belongs to the dialback namespace.
    if (prefix == "db" && uri != ns::dialback)
      return fail(stream_condition::invalid_namespace, "the db prefix must be bound to jabber:server:dialback (draft §11.2.3)", at);
    if (scope_.size() >= lim_.max_namespace_declarations)
      return fail(stream_condition::policy_violation, "too many namespace declarations in scope", at);
    scope_rec r{};
    r.prefix_off = static_cast<std::uint32_t>(scope_chars_.size());
    r.prefix_len = static_cast<std::uint32_t>(prefix.size());
    scope_chars_.append(prefix);
    r.uri_off = static_cast<std::uint32_t>(scope_chars_.size());
    r.uri_len = static_cast<std::uint32_t>(uri.size());
    scope_chars_.append(uri);
    r.persistent = false;
    r.arena = a.value;  // the declaration's value is already in the arena
    r.gen = gen_;
    scope_.push_back(r);
  }

  // 2. The element's name.
  const std::string_view qn(open_names_.data() + o.name_off, o.name_len);
  const std::string_view prefix = o.colon ? qn.substr(0, o.colon - 1) : std::string_view{};
  const std::string_view local = o.colon ? qn.substr(o.colon) : qn;
  if (prefix == "xmlns") return not_wf("an element cannot have the xmlns prefix", at);
  detail::sref ns_ref;
  if (!resolve(prefix, ns_ref, at)) return false;

  // 3. Attributes: resolve prefixes, unique by expanded name (Namespaces in
  //    XML §6.3). Errors in document order: a prefix that fails is reported
  //    only if no attribute before it repeats an expanded name.
  const auto attr_first = static_cast<std::uint32_t>(st_.attrs.size());
  const auto decl_first = static_cast<std::uint32_t>(st_.decls.size());
  std::string_view bad_prefix;  // why the first attribute with a bad prefix is wrong, if one is
  std::size_t prefixed = 0;
  for (const auto& a : raw_attrs_) {
    if (a.colon == decl_mark) {
      const std::string_view q = arena_view(a.qname);
      detail::decl_rec d;
      d.prefix = q.size() > 5 ? detail::sref{a.qname.off + 6, a.qname.len - 6} : detail::sref{};
      d.uri = a.value;
      st_.decls.push_back(d);
      continue;
    }
    detail::attr_rec r;
    r.value = a.value;
    if (a.colon) {
      r.prefix = {a.qname.off, a.colon - 1};
      r.local = {a.qname.off + a.colon, a.qname.len - a.colon};
      const std::string_view ap = arena_view(r.prefix);
      if (ap == "xmlns") bad_prefix = "the xmlns prefix cannot be used";
      else if (!bound(ap, r.ns)) bad_prefix = "undeclared namespace prefix";
      if (!bad_prefix.empty()) break;
      ++prefixed;
    } else {
      r.local = a.qname;
    }
    st_.attrs.push_back(r);
  }
  // Unprefixed names are unique (step 1) and have no namespace, while a
  // prefix always binds a non-empty one: only two prefixed ones can clash.
  if (prefixed >= 2) {
    const detail::attr_rec* ar = st_.attrs.data() + attr_first;
    const std::size_t n = st_.attrs.size() - attr_first;
    const auto expanded_order = [&](std::size_t i, std::size_t j) {
      const int c = name_order(arena_view(ar[i].local), arena_view(ar[j].local));
      return c != 0 ? c : name_order(arena_view(ar[i].ns), arena_view(ar[j].ns));
    };
    if (first_repeat(n, expanded_order) < n) return not_wf("duplicate attribute (same namespace and local name)", at);
  }
  if (!bad_prefix.empty()) return not_wf(bad_prefix, at);

  if (depth_ == 1) {
    if (!finish_root(p)) return false;
    return empty ? end_element(p) : true;
  }

  // draft §11.2.1: stream-level elements in the streams namespace carry the
  // streams prefix (RFC 6120 §4.9.3.2).
  if (depth_ == 2 && arena_or_persistent_eq(ns_ref, ns::streams) && prefix.empty() &&
      (local == "features" || local == "error"))
    return fail(stream_condition::bad_namespace_prefix, "stream features and errors need the streams prefix (draft §11.2.1)", at);

  // 4. Record the element.
  detail::node_rec n;
  const detail::sref whole = arena_append(qn);  // one copy; prefix and local are parts of it
  n.prefix = {whole.off, static_cast<std::uint32_t>(prefix.size())};
  n.local = {whole.off + (o.colon ? o.colon : 0), static_cast<std::uint32_t>(local.size())};
  n.ns = ns_ref;
  n.attr_begin = attr_first - cur_.attr;
  n.attr_count = static_cast<std::uint32_t>(st_.attrs.size()) - attr_first;
  n.decl_begin = decl_first - cur_.decl;
  n.decl_count = static_cast<std::uint32_t>(st_.decls.size()) - decl_first;
  const std::uint32_t parent =
      (opt_.mode == parse_mode::elements && depth_ >= 3) ? opens_.end()[-2].node : detail::no_index;
  o.node = add_node(n, parent);
  if (opt_.mode == parse_mode::events) {
    queued e;
    e.kind = event_kind::element_started;
    e.depth = depth_ - 1;
    e.node = o.node;
    q_.push_back(e);
  }
  raw_attrs_.clear();
  tag_buf_start_ = static_cast<std::uint32_t>(st_.buf.size());
  if (empty) return end_element(p);
  state_ = st::text;
  return true;
}

inline bool push_parser::finish_root(const char* p) {
  const char* at = p - 1;
  const open_rec& o = opens_.back();
  const std::string_view qn(open_names_.data() + o.name_off, o.name_len);
  const std::string_view prefix = o.colon ? qn.substr(0, o.colon - 1) : std::string_view{};
  const std::string_view local = o.colon ? qn.substr(o.colon) : qn;
  const scope_rec* b = prefix.empty() ? lookup({}) : lookup(prefix);
  const std::string_view root_ns = b ? scope_uri(*b) : std::string_view{};
  // draft §11.2.1: the root is <stream/> in http://etherx.jabber.org/streams.
  if (local != "stream" || root_ns != ns::streams)
    return fail(stream_condition::invalid_namespace, "the root must be stream in http://etherx.jabber.org/streams (draft §11.2.1)", at);
  // draft §11.2.2: the default namespace is one of the content namespaces.
  const scope_rec* d = lookup({});
  const std::string_view content = d ? scope_uri(*d) : std::string_view{};
  bool ok = false;
  for (const auto& c : opt_.content_namespaces) ok = ok || (c == content);
  if (!ok)
    return fail(stream_condition::invalid_namespace, "the default namespace must be jabber:client or jabber:server (draft §11.2.2)", at);

  // Move everything the header declared into persistent storage: its
  // bindings stay in scope for the whole stream.
  std::string& ps = st_.persistent;
  for (auto& r : scope_) {
    const std::string_view pf = scope_prefix(r), u = scope_uri(r);
    r.prefix_off = static_cast<std::uint32_t>(ps.size());
    ps.append(pf);
    r.uri_off = static_cast<std::uint32_t>(ps.size());
    ps.append(u);
    r.persistent = true;
  }
  scope_chars_.clear();
  opens_.back().scope_chars = 0;
  struct offs {
    std::uint32_t ns_off, ns_len, local_off, local_len, prefix_off, prefix_len, val_off, val_len;
  };
  std::vector<offs> tmp;
  tmp.reserve(st_.attrs.size());
  auto put = [&](std::string_view s, std::uint32_t& o2, std::uint32_t& l) {
    o2 = static_cast<std::uint32_t>(ps.size());
    l = static_cast<std::uint32_t>(s.size());
    ps.append(s);
  };
  for (const auto& a : st_.attrs) {
    offs t{};
    put(st_.str(cur_, a.ns), t.ns_off, t.ns_len);
    put(st_.str(cur_, a.local), t.local_off, t.local_len);
    put(st_.str(cur_, a.prefix), t.prefix_off, t.prefix_len);
    put(st_.str(cur_, a.value), t.val_off, t.val_len);
    tmp.push_back(t);
  }
  std::uint32_t pre_off, pre_len;
  put(prefix, pre_off, pre_len);
  // Views only after all appends (ps may have reallocated while growing).
  header_ = stream_header{};
  header_.attributes.reserve(tmp.size());
  for (const auto& t : tmp)
    header_.attributes.push_back({{ps.data() + t.ns_off, t.ns_len}, {ps.data() + t.local_off, t.local_len},
                                  {ps.data() + t.prefix_off, t.prefix_len}, {ps.data() + t.val_off, t.val_len}});
  header_.declarations.reserve(scope_.size());
  for (const auto& r : scope_) header_.declarations.push_back({scope_prefix(r), scope_uri(r)});
  header_.prefix = {ps.data() + pre_off, pre_len};
  header_.content_namespace = scope_uri(*lookup({}));
  header_ok_ = true;
  clear_arena();
  raw_attrs_.clear();
  queued e;
  e.kind = event_kind::stream_opened;
  q_.push_back(e);
  header_end_ = off(p);
  state_ = st::between;
  reclamp_ = true;
  if (pending_lim_) {
    lim_ = *pending_lim_;
    pending_lim_.reset();
  }
  check_delivery_bound();
  return true;
}

inline bool push_parser::arena_or_persistent_eq(detail::sref r, std::string_view s) const noexcept {
  return st_.str(cur_, r) == s;
}

// ----------------------------------------------------------------- end tags --

inline bool push_parser::finish_end_tag(const char* p) {
  const open_rec& o = opens_.back();
  if (std::string_view(open_names_.data() + o.name_off, o.name_len) != std::string_view(etag_.data(), etag_.size()))
    return not_wf("end tag does not match the start tag", p - 1);
  return end_element(p);
}

inline bool push_parser::end_element(const char* p) {
  close_text();
  const open_rec o = opens_.back();
  if (depth_ == 1) {  // </stream:stream> (draft §4.4)
    queued e;
    e.kind = event_kind::stream_closed;
    q_.push_back(e);
    state_ = st::closed;
    src_active_ = false;
    return true;
  }
  if (opt_.mode == parse_mode::events && depth_ > opens_this_call_) {  // o is opens_[depth_ - 1]
    // The start tag was recorded in this call: its name, prefix and
    // namespace serve the end event as they are.
    const detail::node_rec& s = st_.nodes[o.node];
    detail::node_rec n;
    n.prefix = s.prefix;
    n.local = s.local;
    n.ns = s.ns;
    queued e;
    e.kind = event_kind::element_ended;
    e.depth = depth_ - 1;
    e.node = add_node(n, detail::no_index);
    q_.push_back(e);
  } else if (opt_.mode == parse_mode::events) {
    // The start tag's records are gone (an earlier receive call), so the
    // name is recorded again for the end event. (Its open_rec is about to go:
    // the one below it becomes the last that may be from this call.)
    opens_this_call_ = depth_ - 1;
    const std::string_view qn(open_names_.data() + o.name_off, o.name_len);
    const std::string_view prefix = o.colon ? qn.substr(0, o.colon - 1) : std::string_view{};
    detail::node_rec n;
    const detail::sref whole = arena_append(qn);  // one copy; prefix and local are parts of it
    n.prefix = {whole.off, static_cast<std::uint32_t>(prefix.size())};
    n.local = {whole.off + o.colon, o.name_len - o.colon};
    if (!resolve(prefix, n.ns, p - 1)) return false;
    queued e;
    e.kind = event_kind::element_ended;
    e.depth = depth_ - 1;
    e.node = add_node(n, detail::no_index);
    q_.push_back(e);
  }
  scope_.resize(o.scope_size);
  scope_chars_.resize(o.scope_chars);
  open_names_.resize(o.name_off);
  opens_.pop_back();
  --depth_;
  if (depth_ > 1) {
    state_ = st::text;
    return true;
  }
  // A top-level element is complete.
  state_ = st::between;
  reclamp_ = true;
  if (opt_.mode == parse_mode::elements) {
    detail::element_base b = cur_;
    if (src_active_) {
      st_.src.append(src_mark_, static_cast<std::size_t>(p - src_mark_));
      src_active_ = false;
    }
    b.src_len = keep_src_ ? static_cast<std::uint32_t>(st_.src.size() - cur_.src) : 0;
    b.end = off(p);  // p is just past the closing '>' (as in every caller)
    bases_.push_back(b);
    queued e;
    e.kind = event_kind::element_received;
    e.depth = 1;
    e.node = 0;
    e.base = static_cast<std::uint32_t>(bases_.size() - 1);
    q_.push_back(e);
    // The next element starts after everything recorded so far.
    cur_ = {static_cast<std::uint32_t>(st_.nodes.size()), static_cast<std::uint32_t>(st_.attrs.size()),
            static_cast<std::uint32_t>(st_.decls.size()), static_cast<std::uint32_t>(st_.buf.size()),
            static_cast<std::uint32_t>(st_.src.size()), 0, 0};
    ++gen_;
  }
  src_active_ = false;
  if (pending_lim_) {
    lim_ = *pending_lim_;
    pending_lim_.reset();
  }
  if (pause_requested_) {
    pause_requested_ = false;
    now_ |= now_paused;
  }
  // Both modes stop only here, between top-level elements: all a call holds
  // past its last check is then the rest of one element (a check per stanza
  // costs nothing measurable; one per tag did, in events mode).
  check_delivery_bound();
  return true;
}

// ------------------------------------------------------------ references --

inline bool push_parser::finish_ref(const char* p) {
  const char* at = p - 1;
  const std::string_view r = ref_;
  char out[4];
  unsigned len = 0;
  if (!r.empty() && r[0] == '#') {
    // XML §4.1 [66] CharRef; the value must be a legal Char (WFC: Legal Character).
    const bool hex = r.size() > 1 && r[1] == 'x';
    const std::string_view digits = r.substr(hex ? 2 : 1);
    if (digits.empty()) return not_wf("empty character reference", at);
    std::uint32_t v = 0;
    for (char c : digits) {
      unsigned d;
      if (c >= '0' && c <= '9') d = static_cast<unsigned>(c - '0');
      else if (hex && c >= 'a' && c <= 'f') d = static_cast<unsigned>(c - 'a' + 10);
      else if (hex && c >= 'A' && c <= 'F') d = static_cast<unsigned>(c - 'A' + 10);
      else return not_wf("malformed character reference", at);
      v = v * (hex ? 16u : 10u) + d;
      if (v > 0x10FFFF) return not_wf("character reference out of range", at);
    }
    if (!detail::is_char(v)) return not_wf("character reference to a non-Char", at);
    len = detail::encode_utf8(v, out);
  } else {
    if (r == "lt") out[0] = '<';
    else if (r == "gt") out[0] = '>';
    else if (r == "amp") out[0] = '&';
    else if (r == "quot") out[0] = '"';
    else if (r == "apos") out[0] = '\'';
    else {
      // Is it a well-formed entity reference at all? Then §11.1 forbids it;
      // otherwise it is simply not well-formed.
      if (!detail::is_xml_name(r)) return not_wf("malformed entity reference", at);
      return fail(stream_condition::restricted_xml, "entity reference other than the predefined five (draft §11.1)", at);
    }
    len = 1;
  }
  if (ret_ == st::attr_value) {
    auto& a = raw_attrs_.back();
    if (!grow(arena_rel() - a.value.off, len, lim_.max_attribute_bytes, "attribute value exceeds max_attribute_bytes",
              at, false))
      return false;
    st_.buf.append(out, len);
    return true;
  }
  if (depth_ < 2) {
    return fail(stream_condition::bad_format, "character data between top-level elements", at);
  }
  return append_text(out, len, at, false);
}

// -------------------------------------------------------- XML declaration --

inline bool push_parser::parse_xmldecl(const char* p) {
  const char* at = p - 1;
  decl_allowed_ = false;
  std::string_view d(decl_);
  d.remove_suffix(2);  // "?>"
  // st::xmldecl only gets here with "xml" and white space after the "<?".
  d.remove_prefix(3);
  // XML §2.8 [23] XMLDecl ::= '<?xml' VersionInfo EncodingDecl? SDDecl? S? '?>'
  auto skip_ws = [&] {
    std::size_t n = 0;
    while (n < d.size() && detail::is_space(static_cast<unsigned char>(d[n]))) ++n;
    d.remove_prefix(n);
    return n;
  };
  auto pseudo_attr = [&](std::string_view name, std::string_view& value) -> bool {
    if (!d.starts_with(name)) return false;
    d.remove_prefix(name.size());
    skip_ws();
    if (d.empty() || d[0] != '=') return false;
    d.remove_prefix(1);
    skip_ws();
    if (d.empty() || (d[0] != '"' && d[0] != '\'')) return false;
    const char q = d[0];
    const auto close = d.find(q, 1);
    if (close == std::string_view::npos) return false;
    value = d.substr(1, close - 1);
    d.remove_prefix(close + 1);
    return true;
  };
  std::string_view v;
  if (!skip_ws() || !pseudo_attr("version", v)) return not_wf("malformed XML declaration", at);
  if (v != "1.0") return not_wf("only XML 1.0 is supported", at);
  std::size_t ws = skip_ws();
  if (ws && d.starts_with("encoding")) {
    std::string_view enc;
    if (!pseudo_attr("encoding", enc) || enc.empty()) return not_wf("malformed XML declaration", at);
    // XML §4.3.3 [81] EncName ::= [A-Za-z] ([A-Za-z0-9._] | '-')*
    if (!((enc[0] >= 'A' && enc[0] <= 'Z') || (enc[0] >= 'a' && enc[0] <= 'z')))
      return not_wf("malformed encoding name", at);
    for (char c : enc)
      if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
        return not_wf("malformed encoding name", at);
    std::string lower(enc);
    for (auto& c : lower) c = static_cast<char>((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
    if (lower != "utf-8")
      return fail(stream_condition::unsupported_encoding, "only UTF-8 is supported (draft §11.5)", at);
    ws = skip_ws();
  }
  if (ws && d.starts_with("standalone")) {
    std::string_view sd;
    if (!pseudo_attr("standalone", sd) || (sd != "yes" && sd != "no")) return not_wf("malformed XML declaration", at);
    skip_ws();
  }
  if (!d.empty()) return not_wf("malformed XML declaration", at);
  state_ = st::prolog;
  return true;
}

}  // namespace xmppcore::xml
