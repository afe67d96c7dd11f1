// The delivery bound of push_parser::receive() (parse_status::full): where a
// call stops, that nothing is lost or changed by stopping, that one element
// always gets through, and that the limits are clamped so that the arena's
// 32-bit offsets cannot overflow whatever a call is given.
#include <xmppcore/xml/push_parser.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <xmppcore/xml/document.hpp>

#include "support/transcript.hpp"

using namespace xmppcore;
using namespace xmppcore::xml;

namespace {

const std::string header =
    "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";
const std::string close_tag = "</stream:stream>";

std::string repeated(std::string_view unit, std::size_t times) {
  std::string s;
  s.reserve(unit.size() * times);
  for (std::size_t i = 0; i < times; ++i) s += unit;
  return s;
}

// One call's facts, for the checks below.
struct call {
  receive_result r;
  std::vector<event_kind> kinds;
  std::size_t from = 0;  // offset of the call's first byte in the input
};

// Feeds `in` as one read, calling again after every full; records each call.
std::vector<call> feed(push_parser& p, std::string_view in) {
  std::vector<call> calls;
  std::size_t at = 0;
  for (;;) {
    call c;
    c.from = at;
    c.r = p.receive(in.substr(at));
    at += c.r.consumed;
    while (auto ev = p.next_event()) c.kinds.push_back(ev->kind());
    calls.push_back(std::move(c));
    if (calls.back().r.status != parse_status::full) return calls;
  }
}

}  // namespace

TEST_CASE("full: a call stops right after the element or tag that reaches the bound, and the rest feeds on") {
  // 300 stanzas of three kinds; the bound is tiny so that almost every call stops.
  std::string body;
  for (int i = 0; i < 100; ++i)
    body += "<message id='" + std::to_string(i) + "'><body>x&amp;y</body></message>\n<presence/><iq type='get' id='q" +
            std::to_string(i) + "'><query xmlns='jabber:iq:roster'/></iq>";
  const std::string in = header + body + close_tag;
  for (auto mode : {parse_mode::elements, parse_mode::events}) {
    for (std::uint32_t events : {1u, 2u, 7u, 1024u}) {
      for (std::uint32_t bytes : {0u, 300u, 5000u, 1u << 20}) {
        CAPTURE(static_cast<int>(mode));
        CAPTURE(events);
        CAPTURE(bytes);
        parser_options o;
        o.mode = mode;
        o.limits.max_queued_events = events;
        o.limits.max_delivered_bytes = bytes;
        push_parser p(o);
        const auto calls = feed(p, in);
        REQUIRE(calls.back().r.status == parse_status::closed);
        CHECK(calls.back().from + calls.back().r.consumed == in.size());
        std::size_t stanzas = 0;
        for (const auto& c : calls) {
          for (auto k : c.kinds)
            stanzas += k == event_kind::element_received;
          if (c.r.status != parse_status::full) continue;
          // Never at the end of the input (that is ok), always after a '>'...
          CHECK(c.r.consumed > 0);
          CHECK(c.from + c.r.consumed < in.size());
          CHECK(in[c.from + c.r.consumed - 1] == '>');
          // ...and after at least one event, at most the bound and the
          // events of one tag beyond it (text, a start, an end).
          REQUIRE(!c.kinds.empty());
          CHECK(c.kinds.size() <= events + 5);  // the tags of one stanza past the bound
          if (mode == parse_mode::elements) {
            CHECK((c.kinds.back() == event_kind::element_received || c.kinds.back() == event_kind::stream_opened));
          } else {
            CHECK((c.kinds.back() == event_kind::element_ended || c.kinds.back() == event_kind::stream_opened));
          }
        }
        if (mode == parse_mode::elements) CHECK(stanzas == 300);
        // Stopping changes nothing: the same events and verdict as when the
        // bound is never reached, and as byte by byte.
        parser_options unbounded = o;
        unbounded.limits = limits::maximal();
        const auto reference = test::run_whole(in, unbounded);
        CHECK(reference.full_stops == 0);
        const auto whole = test::run_whole(in, o);
        CHECK(whole.events == reference.events);
        CHECK(whole.verdict() == reference.verdict());
        if (bytes == 0 && events == 1) CHECK(whole.full_stops == calls.size() - 1);
      }
    }
  }
}

TEST_CASE("full: every split gives the same events and verdict, also with a tiny bound") {
  const std::string in = header + repeated("<a x='1'>t<b/>u</a>", 40) + close_tag;
  for (auto mode : {parse_mode::elements, parse_mode::events}) {
    parser_options o;
    o.mode = mode;
    o.limits.max_queued_events = 3;
    o.limits.max_delivered_bytes = 100;
    const auto whole = test::run_whole(in, o);
    REQUIRE(whole.status == parse_status::closed);
    CHECK(whole.full_stops > 10);
    CHECK(test::run_bytewise(in, o).events == whole.events);
    for (std::size_t cut = 0; cut <= in.size(); cut += 13) {
      const auto split = test::run_split(in, {cut, cut + 5, cut + 6}, o);
      CHECK(split.events == whole.events);
      CHECK(split.verdict() == whole.verdict());
    }
  }
}

TEST_CASE("full: one element larger than the bound is delivered whole") {
  parser_options o;
  o.limits.max_delivered_bytes = 1024;
  o.limits.max_queued_events = 1;
  const std::string text(200 * 1024, 't');
  const std::string in = header + "<message><body>" + text + "</body></message><presence/>" + close_tag;
  push_parser p(o);
  const auto calls = feed(p, in);
  // header | the big message | presence | close
  REQUIRE(calls.size() == 4);
  CHECK(calls[1].kinds == std::vector<event_kind>{event_kind::element_received});
  CHECK(calls.back().r.status == parse_status::closed);
  // Its content was not cut short either (checked before the next call).
  push_parser q(o);
  REQUIRE(q.receive(header).status == parse_status::ok);
  while (q.next_event()) {
  }
  const std::string rest = in.substr(header.size());
  const auto r = q.receive(rest);
  REQUIRE(r.status == parse_status::full);
  auto ev = q.next_event();
  REQUIRE(ev);
  CHECK(ev->element().child(ns::client, "body")->text_view() == text);
  CHECK(r.consumed == rest.find("<presence/>"));
}

TEST_CASE("full is not reported when the stop falls on the end of the input") {
  parser_options o;
  o.limits.max_queued_events = 1;
  push_parser p(o);
  CHECK(p.receive(header).status == parse_status::ok);  // stream_opened reached the bound, nothing left
  CHECK(p.receive("<a/>").status == parse_status::ok);
  const auto r = p.receive("<a/> ");
  CHECK(r.status == parse_status::full);
  CHECK(r.consumed == 4);
}

TEST_CASE("a pause wins over full; full never hides a failure or a close") {
  parser_options o;
  o.limits.max_queued_events = 1;
  {
    push_parser p(o);
    REQUIRE(p.receive(header).status == parse_status::ok);
    p.pause_after_next_element();
    const std::string in = "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>\x16\x03\x01";
    const auto r = p.receive(in);
    CHECK(r.status == parse_status::paused);
    CHECK(r.consumed == in.size() - 3);
  }
  {
    push_parser p(o);
    const auto r = p.receive(header + "<a/></stream:stream>");
    CHECK(r.status == parse_status::full);  // after stream_opened
    const auto r2 = p.receive("<a/></stream:stream>");
    CHECK(r2.status == parse_status::full);  // after <a/>
    CHECK(r2.consumed == 4);
    CHECK(p.receive("</stream:stream>").status == parse_status::closed);
  }
  {
    push_parser p(o);
    REQUIRE(p.receive(header).status == parse_status::ok);
    const auto r = p.receive("<a/><b></c>");
    CHECK(r.status == parse_status::full);
    const auto r2 = p.receive("<b></c>");
    CHECK(r2.status == parse_status::failed);
    CHECK(p.error().offset == header.size() + 4 + 6);  // the '>' of </c>
  }
}

TEST_CASE("document::parse: an element bigger than the delivery bound, white space after it") {
  limits l;
  l.max_delivered_bytes = 64;
  const std::string el = "<message><body>" + std::string(1000, 'b') + "</body></message>";
  auto d = document::parse(el + "  \n", ns::client, l);
  REQUIRE(d.has_value());
  CHECK(d->root().child(ns::client, "body")->text_view().size() == 1000);
  auto two = document::parse(el + "<presence/>", ns::client, l);
  REQUIRE(!two.has_value());
  CHECK(two.error().reason == "more than one element");
}

// ------------------------------------------------------------------ clamping --

TEST_CASE("limits are clamped: no profile lets one call overflow the arena's 31-bit offsets") {
  limits all_max;
  for (std::uint32_t* f : {&all_max.max_element_bytes, &all_max.max_depth, &all_max.max_elements,
                           &all_max.max_attributes, &all_max.max_attribute_bytes, &all_max.max_text_bytes,
                           &all_max.max_name_bytes, &all_max.max_namespace_declarations, &all_max.max_buffered_bytes,
                           &all_max.max_delivered_bytes, &all_max.max_queued_events})
    *f = 0xffffffffu;
  parser_options o;
  o.limits = all_max;
  push_parser p(o);
  const limits& l = p.current_limits();
  CHECK(l.max_element_bytes == limits::ceiling_bytes);
  CHECK(l.max_buffered_bytes == limits::ceiling_bytes);
  CHECK(l.max_delivered_bytes == limits::ceiling_delivered_bytes);
  CHECK(l.max_name_bytes == limits::ceiling_name_bytes);
  CHECK(l.max_queued_events == limits::ceiling_count);
  CHECK(l.max_attributes == limits::ceiling_count);
  // The arena a call can fill (push_parser.hpp derives it) stays below the
  // persistent bit, for these limits and for any smaller ones.
  CHECK(xml::detail::arena_ceiling(l) < xml::detail::persistent_bit);
  CHECK(xml::detail::arena_ceiling(limits::maximal()) == xml::detail::arena_ceiling(l));
  // set_limits clamps too (between elements it applies at once), and leaves
  // ordinary profiles alone.
  REQUIRE(p.receive(header).status == parse_status::ok);
  p.set_limits(limits::defaults());
  CHECK(p.current_limits().max_text_bytes == limits::defaults().max_text_bytes);
  p.set_limits(all_max);
  CHECK(p.current_limits().max_text_bytes == limits::ceiling_bytes);
  p.set_limits(limits::pre_authentication());
  CHECK(p.current_limits().max_element_bytes == limits::pre_authentication().max_element_bytes);
  CHECK(p.current_limits().max_delivered_bytes == limits::pre_authentication().max_delivered_bytes);
}

// One receive() of 64 MiB of <a/> with every limit at its ceiling. Events mode
// used to record every name of the call in one arena, so past 2 GiB (about
// 4 GiB of input) its 32-bit offsets ran into the persistent bit and names
// were read from the wrong storage, out of bounds. Now the call stops at the
// delivery bound, long before: consumed stays far below the input, the
// buffers below the ceiling, and every name reads back.
TEST_CASE("one huge call with maximal limits stops at the bound; the arena stays bounded") {
  const std::string in = header + repeated("<a/>", 16u << 20);  // 64 MiB
  for (auto mode : {parse_mode::events, parse_mode::elements}) {
    CAPTURE(static_cast<int>(mode));
    parser_options o;
    o.mode = mode;
    o.limits = limits::maximal();
    push_parser p(o);
    std::size_t at = 0, elements = 0;
    for (int round = 0; round < 3; ++round) {
      const auto r = p.receive(std::string_view(in).substr(at));
      REQUIRE(r.status == parse_status::full);
      at += r.consumed;
      CHECK(r.consumed < (16u << 20));  // a quarter of the input at most, in any mode
      // Everything it holds is the call's delivery: within twice the bound.
      CHECK(p.memory_footprint() <= 2 * std::size_t{limits::ceiling_delivered_bytes} + (1u << 20));
      while (auto ev = p.next_event()) {
        if (ev->kind() == event_kind::stream_opened) continue;
        const qname n = ev->name();
        if (n.local != "a" || n.ns != ns::client || ev->depth() != 1) {
          FAIL("event " << elements << " reads back as {" << n.ns << "}" << n.local);
          break;
        }
        elements += ev->kind() != event_kind::element_ended;
      }
    }
    CHECK(elements == (at - header.size()) / 4);
  }
}
