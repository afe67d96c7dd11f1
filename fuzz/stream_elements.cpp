// Fuzz target: the stream layer (include/xmppcore/stream/): stream headers,
// <stream:features/> and <stream:error/> as received from a peer.
//
// Input layout: byte 0 chooses the framing, the rest goes through
// xml::push_parser (fed in a loop until consumed, failed or closed):
//   byte 0 bits 0-1  0: the rest is the content of <stream:features>
//                    1: the rest is the content of <stream:error>
//                    2: the rest continues a '<stream:stream' start tag
//                       (attributes, '>', then anything)
//                    3: the rest is a whole stream, header included
//          bit 2     content namespace jabber:server (else jabber:client)
//          bit 3     write_header() with the XML declaration
// Whatever the framing, read_header() runs on the stream header and both
// parse_features() and parse_error() on every top-level element.
//
// Besides "no crash, no UB", aborts when one of these properties fails:
//  * parse(write(parse(x))) == parse(x): what parse_features / parse_error /
//    read_header accept is written (write_features / write_error /
//    write_header), the bytes parse again with our parser, in a stream of
//    either content namespace for features and errors (their unknown
//    elements carry their own namespace), and give an equal value; writing
//    that value again gives the same bytes;
//  * what the writers produce is well-formed for expat too;
//  * refusals use only the documented conditions: <bad-format/> or
//    <unsupported-stanza-type/> for elements, <unsupported-version/> for a
//    header, and the latter exactly when 'version' is there and does not parse;
//  * version::parse(v.to_string()) == v for every version read.
#include <xmppcore/stream/error.hpp>
#include <xmppcore/stream/features.hpp>
#include <xmppcore/stream/header.hpp>
#include <xmppcore/xml/document.hpp>
#include <xmppcore/xml/push_parser.hpp>

#include "../tests/support/expat_names.hpp"

#include <expat.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

using namespace xmppcore;
using namespace xmppcore::stream;

namespace {

[[noreturn]] void violated(const char* what, int line) {
  std::fprintf(stderr, "stream_elements fuzz property violated (line %d): %s\n", line, what);
  std::abort();
}
#define PROP(cond)                           \
  do {                                       \
    if (!(cond)) violated(#cond, __LINE__); \
  } while (0)

constexpr std::string_view stream_open_tag = "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' xmlns='";

std::string open_stream(std::string_view content_ns) {
  std::string s(stream_open_tag);
  s += content_ns;
  s += "'>";
  return s;
}

// Whether expat finds `doc` well-formed; also true when `doc` has a character
// whose name class expat (XML 1.0 4th edition) and we (5th edition) disagree
// on, where expat is no judge (see tests/support/expat_names.hpp).
bool expat_well_formed(const std::string& doc) {
  if (test::has_expat_divergent_char(doc)) return true;
  XML_Parser p = XML_ParserCreateNS(nullptr, '\x01');
  const bool ok = XML_Parse(p, doc.data(), static_cast<int>(doc.size()), XML_TRUE) == XML_STATUS_OK;
  XML_ParserFree(p);
  return ok;
}

std::string_view other_ns(std::string_view content_ns) { return content_ns == ns::client ? ns::server : ns::client; }

// The element properties for one element kind: `parse` (parse_features or
// parse_error) on `e`, which is a {streams}`local` or not; when it accepts,
// `write` it, parse that again in a stream of either content namespace (our
// parser, and expat for well-formedness): equal value, equal bytes.
template <class Parse, class Write>
void check_element(const xml::element& e, std::string_view content_ns, std::string_view local, Parse parse, Write write) {
  const auto r = parse(e);
  if (!r) {
    const auto c = r.error().condition;
    PROP(c == stream_condition::bad_format || c == stream_condition::unsupported_stanza_type);
    PROP(!r.error().reason.empty());
    PROP((c == stream_condition::unsupported_stanza_type) == !e.is(ns::streams, local));
    return;
  }
  const std::string w = write(*r);
  PROP(!w.empty());
  for (std::string_view cns : {content_ns, other_ns(content_ns)}) {
    PROP(expat_well_formed(open_stream(cns) + w + "</stream:stream>"));
    const auto d = xml::document::parse(w, cns);
    PROP(d.has_value());
    const auto back = parse(d->root());
    PROP(back.has_value());
    PROP(*back == *r);
    PROP(write(*back) == w);
  }
}

void check_header(const xml::stream_header& h, bool xml_declaration) {
  const auto r = read_header(h);
  const auto v = h.attr("version");
  if (!r) {
    PROP(r.error().condition == stream_condition::unsupported_version);
    PROP(v.has_value() && !version::parse(*v).has_value());
    return;
  }
  PROP(!v || r->version.has_value());
  if (r->version) PROP(version::parse(r->version->to_string()) == r->version);
  const std::string w = write_header(*r, xml_declaration);
  PROP(!w.empty());
  PROP(expat_well_formed(w + "</stream:stream>"));
  // Read back through a fresh parser: the same header.
  xml::push_parser p;
  std::optional<header> back;
  std::size_t off = 0;
  while (off < w.size()) {
    const auto rr = p.receive(std::string_view(w).substr(off));
    off += rr.consumed;
    while (auto ev = p.next_event())
      if (ev->kind() == xml::event_kind::stream_opened) {
        auto again = read_header(*p.header());
        PROP(again.has_value());
        back = std::move(*again);
      }
    PROP(rr.status != xml::parse_status::failed && rr.status != xml::parse_status::closed);
    PROP(rr.consumed > 0 || off == w.size());
  }
  PROP(back.has_value());
  PROP(*back == *r);
  PROP(write_header(*back, xml_declaration) == w);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const unsigned options = data[0];
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::string_view content_ns = (options & 4) ? ns::server : ns::client;
  const bool xml_declaration = (options & 8) != 0;

  std::string input;
  switch (options & 3) {
    case 0: input = open_stream(content_ns) + "<stream:features>" + std::string(rest) + "</stream:features>"; break;
    case 1: input = open_stream(content_ns) + "<stream:error>" + std::string(rest) + "</stream:error>"; break;
    case 2: input = std::string(stream_open_tag) + std::string(content_ns) + "'" + std::string(rest); break;
    default: input = std::string(rest); break;
  }

  xml::push_parser p;
  std::size_t off = 0;
  int idle = 0;
  while (off < input.size()) {
    const auto r = p.receive(std::string_view(input).substr(off));
    PROP(r.consumed <= input.size() - off);
    off += r.consumed;
    // Every event is handled before the next receive(): views die with it.
    while (auto ev = p.next_event()) {
      switch (ev->kind()) {
        case xml::event_kind::stream_opened:
          check_header(*p.header(), xml_declaration);
          break;
        case xml::event_kind::element_received: {
          const xml::element e = ev->element();
          const std::string_view cns = p.header()->content_namespace;
          check_element(e, cns, "features", [](const xml::element& x) { return parse_features(x); },
                        [](const features& f) { return write_features(f); });
          check_element(e, cns, "error", [](const xml::element& x) { return parse_error(x); },
                        [](const stream_error& x) { return write_error(x); });
          break;
        }
        default: break;
      }
    }
    if (r.status == xml::parse_status::failed || r.status == xml::parse_status::closed) break;
    idle = r.consumed == 0 ? idle + 1 : 0;
    if (idle > 1) break;  // no progress after draining: a paused parser, not ours to resume
  }
  return 0;
}
