// Fuzz target: the push parser (include/xmppcore/xml/push_parser.hpp).
//
// Input layout: byte 0 chooses the options, byte 1 seeds the chunking, the
// rest is one direction of a stream.
//   byte 0 bit 0    parse_mode::events (else elements)
//          bit 1    restricted_xml_policy::ignore_comments_and_pis
//          bit 2    keep_source
//          bits 3-4 limits: 0 defaults, 1 pre_authentication, 2 tiny, 3 defaults
//          bit 5    pause after every top-level element; after <proceed/> (TLS)
//                   and <success/> (SASL) restart the stream, after <success/>
//                   also switch to the default limits (what a session does)
//          bit 6    release_memory() after every other chunk of a split run
//          bit 7    a tiny delivery bound (max_delivered_bytes 0-896 and
//                   max_queued_events 1-4, from byte 1): receive() stops with
//                   parse_status::full every few events
//
// Besides "no crash, no UB", aborts when one of these properties fails:
//  * receive() never reports more consumed bytes than it was given, and
//    consumes everything unless it pauses, closes, fails or stops for the
//    delivery bound (full: then consumed < size, the call delivered at least
//    one event and at most max_queued_events plus one element's, and it
//    stopped right after the '>' of what its last event reports: a complete
//    top-level element, or the stream header);
//  * the same bytes cut at pseudo-random points (derived from the input), and
//    one byte at a time for inputs up to 4 KiB, give exactly the same events
//    (kinds, depths, names, prefixes, attributes, declarations, text per run)
//    and the same verdict (status, condition, offset) as one whole buffer;
//  * after failed (or closed) the parser stays so: receive() consumes 0 and
//    receive_eof() and error() do not change;
//  * keep_source: every element's source() is the input's bytes at the
//    element's place (exactly at the pause point in pause mode), starts with
//    '<', ends with '>', and re-parsing `header + source + </stream:stream>`
//    gives an equal element;
//  * a pause stops exactly after a '>' that ends a top-level element;
//  * elements and events modes agree on the verdict unless a limit was hit
//    (the two modes count text and buffered bytes differently by design);
//  * the writer takes every element the parser delivered, and parsing what it
//    wrote gives the same element by expanded names, attribute values and
//    text (parse(write(x)) == x; prefixes and declarations are the writer's).
#include <xmppcore/xml/document.hpp>
#include <xmppcore/xml/push_parser.hpp>
#include <xmppcore/xml/writer.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

using namespace xmppcore;
using namespace xmppcore::xml;

namespace {

[[noreturn]] void violated(const char* what, int line) {
  std::fprintf(stderr, "xml_parser fuzz property violated (line %d): %s\n", line, what);
  std::abort();
}
#define PROP(cond)                           \
  do {                                       \
    if (!(cond)) violated(#cond, __LINE__); \
  } while (0)

limits tiny_limits() {
  limits l;
  l.max_element_bytes = 200;
  l.max_depth = 4;
  l.max_elements = 6;
  l.max_attributes = 6;
  l.max_attribute_bytes = 48;
  l.max_text_bytes = 64;
  l.max_name_bytes = 24;
  l.max_namespace_declarations = 5;
  l.max_buffered_bytes = 256;
  return l;
}

// Every limit at its ceiling (limits::clamped()): out of the way.
limits huge_limits() { return limits::maximal(); }

struct config {
  parser_options opt;
  bool pause = false;
  bool release = false;
};

// Length-prefixed, so that no name or value can forge a field boundary.
void put(std::string& out, std::string_view s) {
  out += std::to_string(s.size());
  out += ':';
  out += s;
}

// as_written: prefixes and namespace declarations too (the parser's view);
// else expanded names, attribute values and text only (what a writer keeps).
void describe(const element& e, std::string& out, bool as_written = true) {
  out += '<';
  put(out, e.ns());
  put(out, e.name());
  if (as_written) {
    put(out, e.prefix());
    for (std::size_t i = 0; i < e.namespace_decl_count(); ++i) {
      const auto d = e.namespace_decl_at(i);
      out += " d";
      put(out, d.prefix);
      put(out, d.uri);
    }
  }
  for (std::size_t i = 0; i < e.attribute_count(); ++i) {
    const auto a = e.attribute_at(i);
    out += " a";
    put(out, a.ns);
    put(out, a.local);
    if (as_written) put(out, a.prefix);
    put(out, a.value);
  }
  out += '>';
  for (auto n : e.children()) {
    if (n.is_text()) {
      out += 'T';
      put(out, n.text());
    } else {
      describe(n.as_element(), out, as_written);
    }
  }
  out += "</>";
}

void describe_header(const stream_header& h, std::string& out) {
  out += "open ";
  put(out, h.prefix);
  put(out, h.content_namespace);
  for (const auto& d : h.declarations) {
    out += " d";
    put(out, d.prefix);
    put(out, d.uri);
  }
  for (const auto& a : h.attributes) {
    out += " a";
    put(out, a.ns);
    put(out, a.local);
    put(out, a.prefix);
    put(out, a.value);
  }
  out += '\n';
}

struct outcome {
  std::string events;
  parse_status status = parse_status::ok;
  stream_condition condition = stream_condition::xml_not_well_formed;
  std::uint64_t offset = 0;
  std::string_view reason;
  std::size_t consumed = 0;  // compared only when not failed (see transcript.hpp)
  bool same_verdict(const outcome& o) const {
    if (status != o.status) return false;
    if (status == parse_status::failed) return condition == o.condition && offset == o.offset;
    return consumed == o.consumed;
  }
};

std::string escape_attr(std::string_view s) {
  std::string r;
  for (char c : s) {
    switch (c) {
      case '&': r += "&amp;"; break;
      case '<': r += "&lt;"; break;
      case '\'': r += "&apos;"; break;
      case '"': r += "&quot;"; break;
      case '\t': r += "&#9;"; break;
      case '\n': r += "&#10;"; break;
      case '\r': r += "&#13;"; break;
      default: r += c;
    }
  }
  return r;
}

// Re-parses one element's source under a header rebuilt from the stream's
// declarations; the element must come out equal.
void check_reparse(const stream_header& h, std::string_view src, const std::string& expected, const config& c) {
  std::string doc = "<";
  if (!h.prefix.empty()) doc.append(h.prefix).append(":");
  doc += "stream";
  for (const auto& d : h.declarations) {
    doc += d.prefix.empty() ? " xmlns" : " xmlns:" + std::string(d.prefix);
    doc += "='" + escape_attr(d.uri) + "'";
  }
  doc += '>';
  const std::size_t src_at = doc.size();
  doc += src;
  doc += "</";
  if (!h.prefix.empty()) doc.append(h.prefix).append(":");
  doc += "stream>";
  parser_options o;
  o.mode = parse_mode::elements;
  o.restricted = c.opt.restricted;
  o.keep_source = true;
  o.limits = huge_limits();
  o.content_namespaces = c.opt.content_namespaces;
  push_parser p(o);
  int opened = 0, elements = 0, closed = 0;
  std::size_t consumed = 0;
  for (receive_result r{0, parse_status::full}; r.status == parse_status::full;) {
    r = p.receive(std::string_view(doc).substr(consumed));
    consumed += r.consumed;
    PROP(r.status == parse_status::closed || r.status == parse_status::full);
    while (auto ev = p.next_event()) {
      switch (ev->kind()) {
        case event_kind::stream_opened: ++opened; break;
        case event_kind::element_received: {
          ++elements;
          std::string d;
          describe(ev->element(), d);
          PROP(d == expected);
          PROP(ev->element().source() == doc.substr(src_at, src.size()));
          break;
        }
        case event_kind::stream_closed: ++closed; break;
        default: PROP(false);
      }
    }
  }
  PROP(consumed == doc.size());
  PROP(opened == 1 && elements == 1 && closed == 1);
}

// parse(write(x)) == x for an element the parser delivered.
void check_write_round_trip(const stream_header& h, const element& e) {
  const std::string bytes = to_xml(e, h.content_namespace);
  if (bytes.empty()) {
    std::fprintf(stderr, "writer refused an element the parser accepted\n");
    PROP(false);
  }
  auto d = document::parse(bytes, h.content_namespace, huge_limits());
  if (!d) {
    std::fprintf(stderr, "writer output does not parse: %.*s\n%s\n", static_cast<int>(bytes.size()), bytes.data(),
                 std::string(d.error().reason).c_str());
    PROP(false);
  }
  std::string want, got;
  describe(e, want, false);
  describe(d->root(), got, false);
  if (want != got) {
    std::fprintf(stderr, "round trip changed the element:\n%s\n%s\nwritten: %s\n", want.c_str(), got.c_str(),
                 bytes.c_str());
    PROP(false);
  }
}

bool restarts_stream(const element& e) {
  return e.is(ns::xmpp_tls, "proceed") || e.is(ns::xmpp_sasl, "success");
}

// Feeds `in` cut at `cuts` (absolute offsets, increasing) and records the events.
outcome drive(std::string_view in, const std::vector<std::size_t>& cuts, const config& c, bool deep_checks) {
  push_parser p(c.opt);
  outcome o;
  std::string text;
  std::uint32_t text_depth = 0;
  auto flush_text = [&] {
    if (!text.empty()) {
      o.events += "text " + std::to_string(text_depth) + " ";
      put(o.events, text);
      o.events += '\n';
      text.clear();
    }
  };
  std::size_t pos = 0;   // next byte of `in` not yet consumed
  std::size_t src_from = 0;  // where the next element's source may start
  std::size_t ci = 0;
  std::size_t calls = 0;
  bool done = false;
  if (c.pause) p.pause_after_next_element();
  while (!done) {
    const std::size_t next = ci < cuts.size() ? std::max(cuts[ci++], pos) : in.size();
    std::string_view chunk = in.substr(pos, next - pos);
    while (true) {
      const auto r = p.receive(chunk);
      ++calls;
      PROP(r.consumed <= chunk.size());
      pos += r.consumed;
      o.consumed += r.consumed;
      chunk.remove_prefix(r.consumed);
      bool restart = false, switch_limits = false;
      bool last_was_top_end = false;
      event_kind last_kind = event_kind::text;
      std::size_t events = 0;
      while (auto ev = p.next_event()) {
        if (ev->kind() != event_kind::text) flush_text();
        last_was_top_end = false;
        last_kind = ev->kind();
        ++events;
        switch (ev->kind()) {
          case event_kind::stream_opened:
            PROP(p.header() != nullptr);
            describe_header(*p.header(), o.events);
            break;
          case event_kind::element_received: {
            const element e = ev->element();
            PROP(ev->depth() == 1);
            std::string d;
            describe(e, d);
            o.events += d;
            o.events += '\n';
            last_was_top_end = true;
            if (deep_checks) check_write_round_trip(*p.header(), e);
            restart = restarts_stream(e);
            switch_limits = e.is(ns::xmpp_sasl, "success");
            const std::string_view src = e.source();
            if (!c.opt.keep_source) {
              PROP(src.empty());
              break;
            }
            PROP(src.size() >= 4 && src.front() == '<' && src.back() == '>');
            const std::size_t at = in.find(src, src_from);
            PROP(at != std::string_view::npos && at + src.size() <= pos);
            src_from = at + src.size();
            if (deep_checks) check_reparse(*p.header(), src, d, c);
            break;
          }
          case event_kind::element_started: {
            const element e = ev->element();
            PROP(ev->depth() >= 1);
            o.events += "start " + std::to_string(ev->depth()) + " ";
            std::string d;
            describe(e, d);  // a start tag: no children yet
            PROP(d.size() >= 4 && d.compare(d.size() - 4, 4, "></>") == 0);
            o.events += d;
            o.events += '\n';
            PROP(e.source().empty());
            break;
          }
          case event_kind::text:
            PROP(ev->depth() >= 1);
            if (!text.empty()) PROP(text_depth == ev->depth());
            text_depth = ev->depth();
            text += ev->text();
            break;
          case event_kind::element_ended: {
            PROP(ev->depth() >= 1);
            const qname n = ev->name();
            o.events += "end " + std::to_string(ev->depth()) + " ";
            put(o.events, n.ns);
            put(o.events, n.local);
            put(o.events, n.prefix);
            o.events += '\n';
            last_was_top_end = ev->depth() == 1;
            if (ev->depth() == 1) {
              restart = (n.ns == ns::xmpp_tls && n.local == "proceed") || (n.ns == ns::xmpp_sasl && n.local == "success");
              switch_limits = n.ns == ns::xmpp_sasl && n.local == "success";
            }
            break;
          }
          case event_kind::stream_closed:
            o.events += "close\n";
            break;
        }
      }
      if (r.status == parse_status::paused) {
        PROP(c.pause);
        PROP(r.consumed > 0 && pos > 0 && in[pos - 1] == '>');
        PROP(last_was_top_end);
        PROP(p.between_elements());
        if (c.opt.keep_source && c.opt.mode == parse_mode::elements &&
            !(c.opt.restricted == restricted_xml_policy::ignore_comments_and_pis && in.find("<?") != std::string_view::npos))
          PROP(src_from == pos);
        flush_text();
        o.events += "paused\n";
        if (switch_limits) p.set_limits(limits::defaults());
        if (restart) {
          o.events += "restart\n";
          p.restart();
        }
        p.pause_after_next_element();
        if (chunk.empty()) break;
        continue;
      }
      if (r.status == parse_status::full) {
        // Backpressure: stopped early, right after the event that reached the
        // bound; the rest of the chunk is fed again, as an embedder does.
        const limits& l = p.current_limits();
        PROP(!chunk.empty());
        PROP(events >= 1 && events <= std::size_t{l.max_queued_events} + 3 * std::size_t{l.max_elements} + 3);
        PROP(pos > 0 && in[pos - 1] == '>');
        PROP(p.between_elements());
        PROP(last_was_top_end || last_kind == event_kind::stream_opened);
        continue;
      }
      o.status = r.status;
      if (r.status == parse_status::ok) {
        PROP(chunk.empty());
        break;
      }
      done = true;  // closed or failed
      break;
    }
    if (done) break;
    if (c.release && (ci & 1)) p.release_memory();
    if (pos >= in.size() && ci >= cuts.size()) break;
    if (calls > 4 * in.size() + 16) violated("no progress", __LINE__);
  }
  flush_text();
  if (o.status == parse_status::ok) {
    // The transport ends here: an open stream is an error.
    PROP(!p.failed() && !p.closed());
    o.status = p.receive_eof();
    PROP(o.status == parse_status::failed);
  }
  if (o.status == parse_status::closed) {
    PROP(p.closed());
    PROP(pos >= 1 && in[pos - 1] == '>');
    const auto r = p.receive("<a/>");
    PROP(r.consumed == 0 && r.status == parse_status::closed);
    PROP(p.receive_eof() == parse_status::closed);
    PROP(!p.next_event());
  } else {
    PROP(o.status == parse_status::failed && p.failed());
    const parse_error e = p.error();
    PROP(!e.reason.empty());
    PROP(e.offset <= in.size());
    const auto r = p.receive("<a/>");
    PROP(r.consumed == 0 && r.status == parse_status::failed);
    PROP(p.receive_eof() == parse_status::failed);
    PROP(!p.next_event());
    PROP(p.error().condition == e.condition && p.error().offset == e.offset && p.error().reason == e.reason);
    o.condition = e.condition;
    o.offset = e.offset;
    o.reason = e.reason;
  }
  return o;
}

void print(const char* what, const outcome& o) {
  std::fprintf(stderr, "--- %s: status %d condition %s offset %llu consumed %zu\n%s", what, static_cast<int>(o.status),
               std::string(to_string(o.condition)).c_str(), static_cast<unsigned long long>(o.offset), o.consumed,
               o.events.c_str());
}

// Both runs must agree; prints both (and the cuts) before aborting.
void same(const outcome& a, const outcome& b, const std::vector<std::size_t>& cuts, int line) {
  if (a.events == b.events && a.same_verdict(b)) return;
  print("whole", a);
  print("other", b);
  std::fprintf(stderr, "cuts:");
  for (auto c : cuts) std::fprintf(stderr, " %zu", c);
  std::fprintf(stderr, "\n");
  violated("a split (or the other mode) changed the events or the verdict", line);
}

std::uint64_t splitmix(std::uint64_t& s) {
  std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

std::vector<std::size_t> random_cuts(std::size_t n, std::uint64_t seed) {
  std::vector<std::size_t> cuts;
  if (n < 2) return cuts;
  std::uint64_t s = seed;
  const std::size_t k = 1 + splitmix(s) % 12;
  for (std::size_t i = 0; i < k; ++i) cuts.push_back(1 + splitmix(s) % (n - 1));
  if (splitmix(s) % 4 == 0) {  // a window cut at every byte
    const std::size_t from = splitmix(s) % n;
    for (std::size_t i = from; i < std::min(n, from + 24); ++i) cuts.push_back(i);
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  return cuts;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const std::uint8_t flags = data[0];
  const std::uint8_t seed = data[1];
  const std::string_view in(reinterpret_cast<const char*>(data) + 2, size - 2);

  config c;
  c.opt.mode = (flags & 1) ? parse_mode::events : parse_mode::elements;
  c.opt.restricted = (flags & 2) ? restricted_xml_policy::ignore_comments_and_pis : restricted_xml_policy::reject;
  c.opt.keep_source = (flags & 4) != 0;
  switch ((flags >> 3) & 3) {
    case 1: c.opt.limits = limits::pre_authentication(); break;
    case 2: c.opt.limits = tiny_limits(); break;
    default: c.opt.limits = limits::defaults(); break;
  }
  c.pause = (flags & 0x20) != 0;
  c.release = (flags & 0x40) != 0;
  if (flags & 0x80) {
    c.opt.limits.max_delivered_bytes = 128u * (seed & 7);
    c.opt.limits.max_queued_events = 1u + ((seed >> 3) & 3);
  }

  const outcome whole = drive(in, {}, c, true);

  std::uint64_t h = 0xcbf29ce484222325ull ^ seed;
  for (char ch : in) h = (h ^ static_cast<unsigned char>(ch)) * 0x100000001b3ull;
  const auto cuts = random_cuts(in.size(), h);
  const outcome split = drive(in, cuts, c, false);
  same(whole, split, cuts, __LINE__);

  if (in.size() <= 4096) {
    std::vector<std::size_t> every;
    for (std::size_t i = 1; i < in.size(); ++i) every.push_back(i);
    const outcome bytes = drive(in, every, c, false);
    same(whole, bytes, {}, __LINE__);
  }

  // The other mode: the same verdict unless a limit was involved.
  config other = c;
  other.opt.mode = c.opt.mode == parse_mode::events ? parse_mode::elements : parse_mode::events;
  const outcome alt = drive(in, {}, other, false);
  const bool limit_hit = (whole.status == parse_status::failed && whole.condition == stream_condition::policy_violation) ||
                         (alt.status == parse_status::failed && alt.condition == stream_condition::policy_violation);
  if (!limit_hit && !alt.same_verdict(whole)) {
    print("mode", whole);
    print("other mode", alt);
    violated("elements and events modes disagree on the verdict", __LINE__);
  }
  return 0;
}
