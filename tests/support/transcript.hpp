// Test support: run the push parser over a stream with a given chunking and
// record everything it reports as text, so that different splits of the same
// bytes can be compared (Beast's parsegrind, h11's test_io).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <xmppcore/xml/push_parser.hpp>

namespace xmppcore::test {

inline void describe_element(const xml::element& e, std::string& out) {
  out += '<';
  out += '{';
  out += e.ns();
  out += '}';
  out += e.name();
  for (std::size_t i = 0; i < e.attribute_count(); ++i) {
    const auto a = e.attribute_at(i);
    out += " {";
    out += a.ns;
    out += '}';
    out += a.local;
    out += "=[";
    out += a.value;
    out += ']';
  }
  out += '>';
  for (auto n : e.children()) {
    if (n.is_text()) {
      out += "T[";
      out += n.text();
      out += ']';
    } else {
      describe_element(n.as_element(), out);
    }
  }
  out += "</>";
}

struct outcome {
  std::string events;  // one line per event; adjacent text pieces merged
  xml::parse_status status = xml::parse_status::ok;
  xml::parse_error error;
  std::size_t consumed = 0;
  std::size_t full_stops = 0;  // calls that stopped for the delivery bound (depends on the split)
  std::string verdict() const {
    std::string s;
    switch (status) {
      case xml::parse_status::ok: s = "ok"; break;
      case xml::parse_status::paused: s = "paused"; break;
      case xml::parse_status::full: s = "full"; break;  // never final: run_split feeds the rest
      case xml::parse_status::closed: s = "closed"; break;
      case xml::parse_status::failed:
        s = "failed " + std::string(to_string(error.condition)) + " @" + std::to_string(error.offset);
        break;
    }
    // Bytes of a UTF-8 sequence cut by a chunk boundary count as consumed when
    // they arrive, so "consumed" is compared only when the parser did not fail.
    return status == xml::parse_status::failed ? s : s + " consumed=" + std::to_string(consumed);
  }
};

/// Optional: bytes fed first in one call, then a limits profile switched to.
struct preamble {
  std::string_view bytes;
  xml::limits then;
};

/// Feeds `input` cut by `cuts` (increasing offsets) and records the events.
/// A call that stops with parse_status::full is followed by one with the rest
/// of its piece, after the events are drained, as an embedder does.
inline outcome run_split(std::string_view input, const std::vector<std::size_t>& cuts,
                         const xml::parser_options& opt = {}, const preamble* pre = nullptr) {
  xml::push_parser p(opt);
  outcome o;
  if (pre) {
    for (std::string_view rest = pre->bytes;;) {
      const auto r = p.receive(rest);
      while (p.next_event()) {
      }
      if (r.status != xml::parse_status::full) break;
      rest.remove_prefix(r.consumed);
    }
    p.set_limits(pre->then);
  }
  std::string pending_text;
  auto flush_text = [&] {
    if (!pending_text.empty()) {
      o.events += "text[" + pending_text + "]\n";
      pending_text.clear();
    }
  };
  auto record = [&] {
    while (auto ev = p.next_event()) {
      if (ev->kind() != xml::event_kind::text) flush_text();
      switch (ev->kind()) {
        case xml::event_kind::stream_opened: {
          o.events += "open";
          for (const auto& a : p.header()->attributes)
            o.events += " {" + std::string(a.ns) + "}" + std::string(a.local) + "=" + std::string(a.value);
          o.events += " ns=" + std::string(p.header()->content_namespace) + "\n";
          break;
        }
        case xml::event_kind::element_received:
          describe_element(ev->element(), o.events);
          o.events += "\n";
          break;
        case xml::event_kind::element_started: {
          const auto e = ev->element();
          o.events += "start " + std::to_string(ev->depth()) + " {" + std::string(e.ns()) + "}" + std::string(e.name());
          for (std::size_t i = 0; i < e.attribute_count(); ++i) {
            const auto a = e.attribute_at(i);
            o.events += " {" + std::string(a.ns) + "}" + std::string(a.local) + "=" + std::string(a.value);
          }
          o.events += "\n";
          break;
        }
        case xml::event_kind::element_ended:
          o.events += "end " + std::to_string(ev->depth()) + " {" + std::string(ev->name().ns) + "}" +
                      std::string(ev->name().local) + "\n";
          break;
        case xml::event_kind::text:
          pending_text += ev->text();
          break;
        case xml::event_kind::stream_closed:
          o.events += "close\n";
          break;
      }
    }
  };
  std::size_t pos = 0;
  std::size_t ci = 0;
  while (true) {
    std::size_t next = ci < cuts.size() ? cuts[ci++] : input.size();
    if (next < pos) continue;
    std::string_view piece = input.substr(pos, next - pos);
    xml::receive_result r;
    for (;;) {
      r = p.receive(piece);
      o.consumed += r.consumed;
      record();
      if (r.status != xml::parse_status::full) break;
      ++o.full_stops;
      piece.remove_prefix(r.consumed);
    }
    o.status = r.status;
    if (r.status != xml::parse_status::ok) break;
    pos = next;
    if (pos >= input.size() && ci >= cuts.size()) break;
  }
  flush_text();
  if (o.status == xml::parse_status::failed) o.error = p.error();
  return o;
}

inline outcome run_whole(std::string_view input, const xml::parser_options& opt = {},
                         const preamble* pre = nullptr) {
  return run_split(input, {}, opt, pre);
}

inline outcome run_bytewise(std::string_view input, const xml::parser_options& opt = {},
                            const preamble* pre = nullptr) {
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < input.size(); ++i) cuts.push_back(i);
  return run_split(input, cuts, opt, pre);
}

/// Feeds `input` in pieces of `chunk` bytes (the last one shorter).
inline outcome run_chunked(std::string_view input, std::size_t chunk, const xml::parser_options& opt = {},
                           const preamble* pre = nullptr) {
  std::vector<std::size_t> cuts;
  for (std::size_t i = chunk; i < input.size(); i += chunk) cuts.push_back(i);
  return run_split(input, cuts, opt, pre);
}

}  // namespace xmppcore::test
