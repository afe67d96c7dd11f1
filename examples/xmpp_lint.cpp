// xmpp_lint — checks one direction of a captured XMPP stream.
//
// Usage: xmpp_lint [--chunk N] [--pre-auth] [--allow-comments] [FILE]   (stdin without FILE)
//
// Prints one line per top-level element (qualified name and byte range) and
// the verdict. The exit status tells the verdict:
//   0  the stream was closed cleanly (</stream:stream>), or a transport switch
//      (TLS after <proceed/>) was reached: the rest is not XML
//   1  a stream error: condition, byte offset and reason are printed
//   2  the input ended with the stream still open
//   64 usage or I/O error
//
// It shows the library's sans-I/O surface: bytes go in (in chunks of --chunk
// bytes, default 4096), events come out, and the parser stops byte-precisely
// after <proceed/> (draft §5.1 rule 6) and restarts after SASL <success/>
// (draft §6.2 step 7).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

#include <xmppcore/xml/push_parser.hpp>

namespace xml = xmppcore::xml;

namespace {

std::string display_name(const xml::element& e) {
  std::string s;
  if (!e.prefix().empty()) {
    s += e.prefix();
    s += ':';
  }
  s += e.name();
  if (e.prefix().empty() && !e.ns().empty()) {
    s += " {";
    s += e.ns();
    s += '}';
  }
  return s;
}

int usage() {
  std::fprintf(stderr, "usage: xmpp_lint [--chunk N] [--pre-auth] [--allow-comments] [FILE]\n");
  return 64;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t chunk = 4096;
  const char* path = nullptr;
  xml::parser_options opt;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--chunk") && i + 1 < argc) {
      chunk = static_cast<std::size_t>(std::strtoul(argv[++i], nullptr, 10));
      if (chunk == 0) return usage();
    } else if (!std::strcmp(argv[i], "--pre-auth")) {
      opt.limits = xml::limits::pre_authentication();
    } else if (!std::strcmp(argv[i], "--allow-comments")) {
      opt.restricted = xml::restricted_xml_policy::ignore_comments_and_pis;
    } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
      return usage();
    } else {
      path = argv[i];
    }
  }
  std::string data;
  if (path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "xmpp_lint: cannot open %s\n", path);
      return 64;
    }
    data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } else {
    data.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }

  opt.keep_source = true;
  xml::push_parser p(opt);
  std::size_t pos = 0;           // bytes of `data` consumed
  std::uint64_t elem_start = 0;  // stream offset where the current element's bytes began
  int streams = 0;
  p.pause_after_next_element();  // look at every element as it completes
  while (true) {
    const std::size_t n = std::min(chunk, data.size() - pos);
    const auto r = p.receive(std::string_view(data).substr(pos, n));
    pos += r.consumed;
    bool switch_transport = false;
    while (auto ev = p.next_event()) {
      switch (ev->kind()) {
        case xml::event_kind::stream_opened: {
          ++streams;
          const auto* h = p.header();
          std::printf("stream header #%d  %s:stream {%s}", streams, std::string(h->prefix).c_str(),
                      std::string(h->content_namespace).c_str());
          for (const char* a : {"to", "from", "id", "version"})
            if (auto v = h->attr(a)) std::printf(" %s='%s'", a, std::string(*v).c_str());
          std::printf("\n");
          break;
        }
        case xml::event_kind::element_received: {
          const auto e = ev->element();
          const auto len = e.source().size();
          elem_start = pos - len;  // the element ended exactly where we paused
          std::printf("  %-48s %6zu bytes at %llu\n", display_name(e).c_str(), len,
                      static_cast<unsigned long long>(elem_start));
          if (e.is(xmppcore::ns::xmpp_tls, "proceed")) switch_transport = true;
          if (e.is(xmppcore::ns::xmpp_sasl, "success")) {
            std::printf("  -- SASL success: the stream restarts (draft §6.2)\n");
            p.restart();
          }
          break;
        }
        case xml::event_kind::stream_closed:
          std::printf("verdict: closed cleanly at byte %zu\n", pos);
          return 0;
        default:
          break;
      }
    }
    if (switch_transport) {
      std::printf("verdict: TLS begins at byte %zu (draft §5.1 rule 6); %zu bytes follow that are not XML\n", pos,
                  data.size() - pos);
      return 0;
    }
    if (r.status == xml::parse_status::failed) {
      const auto& e = p.error();
      std::printf("verdict: stream error <%s/> at byte %llu: %s\n", std::string(xmppcore::to_string(e.condition)).c_str(),
                  static_cast<unsigned long long>(e.offset), std::string(e.reason).c_str());
      return 1;
    }
    if (r.status == xml::parse_status::paused) {
      p.pause_after_next_element();
      continue;
    }
    // full: the delivery bound stopped the call early; the loop feeds the
    // rest from `pos` after the events above were drained.
    if (pos >= data.size()) break;
  }
  p.receive_eof();
  std::printf("verdict: input ended with the stream open at byte %zu\n", pos);
  return 2;
}
