// Fuzz target: the push parser against expat (namespaces on, XML_ParserCreateNS).
//
// Input layout: byte 0 chooses the shape, the rest is the body.
//   byte 0 bits 0-1  0: the body alone (a whole stream)
//                    1: stream header + body + </stream:stream>
//                    2: stream header + body (the stream stays open)
//                    3: XML declaration + s2s header (db prefix) + body + </stream:stream>
//          bit 2     restricted_xml_policy::ignore_comments_and_pis (so that
//                    comments and PIs are compared too)
//
// Our verdict is compared with expat's, so that every disagreement is either
// one of the documented exception classes below or a bug (abort):
//  * we close the stream after consuming c bytes  =>  expat finds the first c
//    bytes a well-formed document;
//  * we fail with <xml-not-well-formed/>          =>  expat rejects the input;
//  * we fail at offset o (any condition)          =>  expat, fed the first o
//    bytes as an unfinished document, has found nothing wrong yet (no error
//    of ours comes later than expat's);
//  * XMPP-specific conditions (<restricted-xml/>, <invalid-namespace/>,
//    <bad-namespace-prefix/>, <bad-format/>, <unsupported-encoding/>,
//    <policy-violation/>) are our rules on top of XML: only the prefix check
//    above applies to them, and:
//  * <restricted-xml/> for a processing instruction at offset o is for a
//    real PI: expat, given the input up to the PI's "?>", finds nothing wrong
//    up to the end of its target (an XML declaration out of place, a
//    reserved or missing target are ill-formed, not restricted).
// Exception classes (explained disagreements):
//  * name tables: expat classifies non-ASCII name characters with the XML 1.0
//    4th edition (Appendix B) tables, we use the 5th edition productions. An
//    input containing a code point on which the two disagree (probed with
//    expat itself, cached) is not compared.
//  * XML declaration version: we accept only version='1.0' (XMPP is XML 1.0);
//    expat accepts any 1.x there.
#include <xmppcore/xml/push_parser.hpp>

#include "../tests/support/expat_names.hpp"

#include <expat.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

using namespace xmppcore;
using namespace xmppcore::xml;

namespace {

struct expat_verdict {
  bool ok = true;
  XML_Error code = XML_ERROR_NONE;
  XML_Index index = 0;
};

expat_verdict run_expat(std::string_view s, bool final) {
  XML_Parser p = XML_ParserCreateNS(nullptr, '\x01');
  expat_verdict v;
  if (XML_Parse(p, s.data(), static_cast<int>(s.size()), final ? XML_TRUE : XML_FALSE) == XML_STATUS_ERROR) {
    v.ok = false;
    v.code = XML_GetErrorCode(p);
    v.index = XML_GetCurrentByteIndex(p);
  }
  XML_ParserFree(p);
  return v;
}

struct our_verdict {
  parse_status status = parse_status::ok;
  parse_error error;
  std::size_t consumed = 0;
};

our_verdict run_ours(std::string_view s, restricted_xml_policy policy) {
  parser_options o;
  o.restricted = policy;
  // Limits out of the way (every one at its ceiling): the inputs are small,
  // and <policy-violation/> is ours alone anyway.
  o.limits = limits::maximal();
  push_parser p(o);
  our_verdict v;
  receive_result r{0, parse_status::full};
  while (r.status == parse_status::full) {  // stopped by the delivery bound: feed the rest
    r = p.receive(s.substr(v.consumed));
    if (r.consumed > s.size() - v.consumed) std::abort();  // consumed <= size
    v.consumed += r.consumed;
    while (p.next_event()) {
    }
  }
  v.status = r.status == parse_status::ok ? p.receive_eof() : r.status;
  v.error = p.error();
  return v;
}

// ------------------------------------------------------------- exceptions --

bool xmldecl_error(const our_verdict& o) {
  const std::string_view r = o.error.reason;
  return r == "malformed XML declaration" || r == "only XML 1.0 is supported" || r == "malformed encoding name" ||
         r == "XML declaration too long" ||
         (o.error.condition == stream_condition::unsupported_encoding && o.error.offset > 0);
}

// Whether byte i lies in the XML declaration (or any "<?" construct) at the
// start of the input, which we collect, up to 256 bytes, before checking it.
bool inside_xmldecl(std::string_view s, XML_Index i) {
  std::size_t start = s.starts_with("\xEF\xBB\xBF") ? 3 : 0;
  if (s.compare(start, 2, "<?") != 0 || i < 0) return false;
  const std::size_t end = s.find("?>", start);
  const std::size_t limit = std::min(s.size(), start + 2 + 257);
  return static_cast<std::size_t>(i) < (end == std::string_view::npos ? limit : std::min(end + 2, limit));
}

// Whether our error is about a reference and expat's lies in that reference
// (we collect "&...;" whole, up to its terminator, before checking it).
bool inside_reference(std::string_view s, const our_verdict& o, XML_Index i) {
  const std::string_view r = o.error.reason;
  if (i < 0 || o.error.offset == 0) return false;
  const auto off = static_cast<std::size_t>(o.error.offset);
  const std::size_t amp = s.rfind('&', off - 1);
  if (amp == std::string_view::npos || static_cast<std::size_t>(i) < amp) return false;
  if (r.find("reference") != std::string_view::npos) return true;
  // The input ended inside a reference.
  return r == "unexpected end of input" && s.find(';', amp) == std::string_view::npos;
}

bool xml_version_not_1_0(std::string_view s, const our_verdict& o) {
  return o.error.reason == "only XML 1.0 is supported" && s.find("version") != std::string_view::npos;
}

[[noreturn]] void disagree(const char* what, std::string_view in, const our_verdict& o, const expat_verdict& e) {
  std::fprintf(stderr,
               "xml_diff_expat: %s\n  ours: status %d condition %s offset %llu consumed %zu reason %s\n"
               "  expat: ok %d error %s at %lld\n  input (%zu bytes): %.*s\n",
               what, static_cast<int>(o.status), std::string(to_string(o.error.condition)).c_str(),
               static_cast<unsigned long long>(o.error.offset), o.consumed, std::string(o.error.reason).c_str(),
               e.ok ? 1 : 0, XML_ErrorString(e.code), static_cast<long long>(e.index), in.size(),
               static_cast<int>(in.size() > 600 ? 600 : in.size()), in.data());
  std::abort();
}

const std::string_view c2s_header =
    "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='example.com' "
    "version='1.0'>";
const std::string_view s2s_header =
    "<?xml version='1.0'?><stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' "
    "xmlns:db='jabber:server:dialback' to='example.net' from='example.com'>";
const std::string_view close_tag = "</stream:stream>";

// Returns nullptr when the verdicts agree (or the difference is an exception
// class), else what disagrees; fills o and e for the report.
const char* compare(std::string_view in, restricted_xml_policy policy, our_verdict& o, expat_verdict& e) {
  o = run_ours(in, policy);
  if (xmppcore::test::has_expat_divergent_char(in)) return nullptr;  // exception class: name tables
  if (o.status == parse_status::closed) {
    e = run_expat(in.substr(0, o.consumed), true);
    return e.ok ? nullptr : "we accept a document expat rejects";
  }
  if (o.status != parse_status::failed) return "no verdict after receive_eof";
  const std::uint64_t off = o.error.offset;
  if (off > in.size()) return "error offset beyond the input";
  // Nothing wrong before our error offset, as far as expat can tell. The XML
  // declaration is collected and parsed whole, so its errors are reported at
  // its closing '>', later than expat's (the verdict is still compared).
  if (!xmldecl_error(o)) {
    const std::uint64_t at = off;
    e = run_expat(in.substr(0, static_cast<std::size_t>(at)), false);
    if (!e.ok && !inside_xmldecl(in, e.index) && !inside_reference(in, o, e.index))
      return "expat finds an error before ours";
  }
  if (o.error.condition == stream_condition::restricted_xml &&
      o.error.reason.find("processing instruction") != std::string_view::npos) {
    const auto lt = static_cast<std::size_t>(off);
    const std::size_t close = in.find("?>", lt + 2);
    if (in.compare(lt, 2, "<?") != 0) return "restricted-xml for a PI not at its '<?'";
    if (close != std::string_view::npos) {
      std::size_t target_end = lt + 2;  // the target ends at white space or '?'
      while (target_end < close && !std::strchr(" \t\r\n?", in[target_end])) ++target_end;
      e = run_expat(in.substr(0, close + 2), false);
      if (!e.ok && e.index >= 0 && static_cast<std::size_t>(e.index) <= target_end)
        return "we call restricted-xml (a PI) a '<?' that expat finds ill-formed";
    }
  }
  if (o.error.condition == stream_condition::xml_not_well_formed) {
    if (xml_version_not_1_0(in, o)) return nullptr;  // exception class: XML declaration version
    e = run_expat(in, true);
    if (e.ok) return "we reject as not well-formed a document expat accepts";
  }
  return nullptr;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > 64 * 1024) return 0;
  const std::uint8_t shape = data[0];
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string in;
  switch (shape & 3) {
    case 0: in.assign(body); break;
    case 1: in.append(c2s_header).append(body).append(close_tag); break;
    case 2: in.append(c2s_header).append(body); break;
    default: in.append(s2s_header).append(body).append(close_tag); break;
  }
  const auto policy = (shape & 4) ? restricted_xml_policy::ignore_comments_and_pis : restricted_xml_policy::reject;
  our_verdict o;
  expat_verdict e;
  const char* why = compare(in, policy, o, e);
  if (!why) return 0;
  disagree(why, in, o, e);
}
