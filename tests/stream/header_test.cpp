#include <xmppcore/stream/header.hpp>

#include <doctest/doctest.h>
#include <expat.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <xmppcore/xml/document.hpp>

#include "support/transcript.hpp"

using namespace xmppcore;
using namespace xmppcore::stream;

// Helpers shared with features_test.cpp and error_test.cpp (declared there;
// the stream tests have no support header of their own).
namespace stream_test {

/// Feeds `bytes` to `p`, `chunk` bytes per call (0: all at once), and hands
/// every event to `on_event` before the next call. Loops on receive() until
/// everything is consumed or the parser fails or closes, so a parser that
/// takes less than it is given (backpressure) is fed the rest.
xml::parse_status feed(xml::push_parser& p, std::string_view bytes, const std::function<void(const xml::event&)>& on_event,
                       std::size_t chunk) {
  std::size_t off = 0;
  int idle = 0;
  xml::parse_status st = xml::parse_status::ok;
  while (off < bytes.size()) {
    const std::size_t n = chunk ? std::min(chunk, bytes.size() - off) : bytes.size() - off;
    const auto r = p.receive(bytes.substr(off, n));
    off += r.consumed;
    st = r.status;
    while (auto ev = p.next_event()) on_event(*ev);
    if (st == xml::parse_status::failed || st == xml::parse_status::closed) break;
    idle = r.consumed == 0 ? idle + 1 : 0;
    if (idle > 1) break;  // no progress even after draining: stop rather than spin
  }
  return st;
}

/// One element parsed by our parser in a stream with `content_ns`; fails the test if it does not parse.
xml::document parse_doc(std::string_view bytes, std::string_view content_ns) {
  auto d = xml::document::parse(bytes, content_ns);
  if (!d) FAIL("does not parse: " << bytes << " (" << d.error().reason << ")");
  return std::move(*d);
}

/// How expat (namespace processing on) sees a complete document: the root's
/// start tag and declarations, and each child of the root in the format of
/// test::describe_element, so that it compares with our parser's view.
struct expat_view {
  bool well_formed = false;
  std::string error;
  std::string root;                 // "<{ns}local {ns}attr=[value]...>"
  std::vector<std::string> decls;   // the root's declarations: "xmlns=uri", "xmlns:p=uri"
  std::vector<std::string> children;
};

namespace {
struct expat_state {
  expat_view v;
  int depth = 0;
  std::string cur, text;
  void flush() {
    if (!text.empty()) {
      cur += "T[" + text + "]";
      text.clear();
    }
  }
};
std::string expanded(const char* n) {
  const std::string_view s(n);
  const auto sep = s.find('\x01');
  if (sep == std::string_view::npos) return "{}" + std::string(s);
  return "{" + std::string(s.substr(0, sep)) + "}" + std::string(s.substr(sep + 1));
}
void XMLCALL on_start(void* ud, const XML_Char* name, const XML_Char** atts) {
  auto& st = *static_cast<expat_state*>(ud);
  std::string tag = "<" + expanded(name);
  for (int i = 0; atts[i]; i += 2) tag += " " + expanded(atts[i]) + "=[" + atts[i + 1] + "]";
  tag += ">";
  if (st.depth == 0) {
    st.v.root = tag;
  } else {
    st.flush();
    st.cur += tag;
  }
  ++st.depth;
}
void XMLCALL on_end(void* ud, const XML_Char*) {
  auto& st = *static_cast<expat_state*>(ud);
  --st.depth;
  if (st.depth == 0) return;
  st.flush();
  st.cur += "</>";
  if (st.depth == 1) {
    st.v.children.push_back(st.cur);
    st.cur.clear();
  }
}
void XMLCALL on_text(void* ud, const XML_Char* s, int len) {
  auto& st = *static_cast<expat_state*>(ud);
  if (st.depth >= 2) st.text.append(s, static_cast<std::size_t>(len));
}
void XMLCALL on_decl(void* ud, const XML_Char* prefix, const XML_Char* uri) {
  auto& st = *static_cast<expat_state*>(ud);
  if (st.depth == 0) st.v.decls.push_back((prefix ? "xmlns:" + std::string(prefix) : std::string("xmlns")) + "=" + (uri ? uri : ""));
}

expat_view expat_parse(std::string_view doc) {
  expat_state st;
  XML_Parser p = XML_ParserCreateNS(nullptr, '\x01');
  XML_SetUserData(p, &st);
  XML_SetElementHandler(p, on_start, on_end);
  XML_SetCharacterDataHandler(p, on_text);
  XML_SetStartNamespaceDeclHandler(p, on_decl);
  st.v.well_formed = XML_Parse(p, doc.data(), static_cast<int>(doc.size()), XML_TRUE) == XML_STATUS_OK;
  if (!st.v.well_formed) st.v.error = XML_ErrorString(XML_GetErrorCode(p));
  XML_ParserFree(p);
  return st.v;
}

std::string in_stream(std::string_view bytes, std::string_view content_ns) {
  std::string s = "<stream:stream xmlns='";
  s += content_ns;
  s += "' xmlns:stream='http://etherx.jabber.org/streams'>";
  s += bytes;
  s += "</stream:stream>";
  return s;
}

// Without the runs of character data that are only white space ("T[ \n ]").
std::string drop_space_text(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    if (s.compare(i, 2, "T[") == 0) {
      const std::size_t close = s.find(']', i);
      if (close != std::string::npos && s.find_first_not_of(" \t\r\n", i + 2) == close) {
        i = close + 1;
        continue;
      }
    }
    out += s[i++];
  }
  return out;
}
}  // namespace

/// Whether expat finds `element`, inside a stream with `content_ns`, well-formed.
bool expat_accepts(std::string_view element, std::string_view content_ns) {
  return expat_parse(in_stream(element, content_ns)).well_formed;
}

/// expat's reading of `element` inside a stream with `content_ns` (expanded
/// names, attribute values, text), after checking that it is well-formed, one
/// element, and read the same way by our parser. `drop_space` removes
/// white-space-only text runs, to compare indented examples with our output.
std::string expat_reading(std::string_view element, std::string_view content_ns, bool drop_space) {
  const auto v = expat_parse(in_stream(element, content_ns));
  REQUIRE_MESSAGE(v.well_formed, v.error << ": " << element);
  REQUIRE(v.children.size() == 1);
  xml::push_parser p;
  std::vector<std::string> ours;
  const auto st = feed(p, in_stream(element, content_ns), [&](const xml::event& ev) {
    if (ev.kind() != xml::event_kind::element_received) return;
    ours.emplace_back();
    test::describe_element(ev.element(), ours.back());
  }, 0);
  CHECK(st == xml::parse_status::closed);
  CHECK(ours == v.children);
  return drop_space ? drop_space_text(v.children[0]) : v.children[0];
}

}  // namespace stream_test

using stream_test::expat_parse;
using stream_test::feed;

namespace {

// The header our parser reports for `bytes` (a stream opening, nothing after
// it), fed `chunk` bytes at a time, then read_header() on it.
struct read_outcome {
  bool opened = false;
  std::optional<result<header, violation>> read;
};
read_outcome read_from(std::string_view bytes, std::size_t chunk = 0) {
  xml::push_parser p;
  read_outcome o;
  const auto st = feed(p, bytes, [&](const xml::event& ev) {
    if (ev.kind() != xml::event_kind::stream_opened) return;
    o.opened = true;
    o.read = read_header(*p.header());
  }, chunk);
  CHECK(st == xml::parse_status::ok);
  return o;
}

header read_ok(std::string_view bytes) {
  auto whole = read_from(bytes);
  REQUIRE(whole.opened);
  REQUIRE(whole.read->has_value());
  // The same header byte by byte (the parser resumes anywhere).
  auto bytewise = read_from(bytes, 1);
  REQUIRE(bytewise.opened);
  REQUIRE(bytewise.read->has_value());
  CHECK(**bytewise.read == **whole.read);
  return **whole.read;
}

struct counting_source final : crypto::random_source {
  std::uint8_t next = 0;
  std::size_t calls = 0, bytes = 0;
  void fill(std::span<std::byte> out) override {
    ++calls;
    bytes += out.size();
    for (auto& b : out) b = static_cast<std::byte>(next++);
  }
};

struct openssl_source final : crypto::random_source {
  void fill(std::span<std::byte> out) override {
    REQUIRE(RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(out.size())) == 1);
  }
};

}  // namespace

// ----------------------------------------------------------------- version --

TEST_CASE("version::parse, draft §4.4.1: DIGITS '.' DIGITS, leading zeros ignored, nothing else") {
  struct row {
    const char* in;
    bool ok;
    std::uint32_t major, minor;
  };
  const row table[] = {
      {"1.0", true, 1, 0},
      {"0.0", true, 0, 0},
      {"01.00", true, 1, 0},
      {"01.010", true, 1, 10},
      {"6.01", true, 6, 1},  // the draft's own "XMPP 6.01" example of a leading zero
      {"1.10", true, 1, 10},
      {"1.9", true, 1, 9},
      {"2.13", true, 2, 13},
      {"12.3", true, 12, 3},
      {"000000000000000000000000000001.0", true, 1, 0},  // zeros stripped before the range check
      {"2147483647.2147483647", true, 2147483647u, 2147483647u},
      {"0002147483647.0", true, 2147483647u, 0},
      {"", false, 0, 0},
      {"1", false, 0, 0},
      {"1.", false, 0, 0},
      {".0", false, 0, 0},
      {".", false, 0, 0},
      {"+1.0", false, 0, 0},
      {"-1.0", false, 0, 0},
      {"1.-0", false, 0, 0},
      {"1.+0", false, 0, 0},
      {" 1.0", false, 0, 0},
      {"1.0 ", false, 0, 0},
      {"1 .0", false, 0, 0},
      {"1. 0", false, 0, 0},
      {"\t1.0", false, 0, 0},
      {"1.0\n", false, 0, 0},
      {"1.0.0", false, 0, 0},
      {"1..0", false, 0, 0},
      {"1,0", false, 0, 0},
      {"a.b", false, 0, 0},
      {"1.0a", false, 0, 0},
      {"0x1.0", false, 0, 0},
      {"1e0.0", false, 0, 0},
      {"\xef\xbc\x91.0", false, 0, 0},  // U+FF11 FULLWIDTH DIGIT ONE
      {"\xd9\xa1.0", false, 0, 0},      // U+0661 ARABIC-INDIC DIGIT ONE
      {"2147483648.0", false, 0, 0},    // 2^31
      {"1.2147483648", false, 0, 0},
      {"4294967296.0", false, 0, 0},    // 2^32: would wrap a 32-bit accumulator to 0
      {"4294967297.0", false, 0, 0},    // ... and this one to 1
      {"99999999999999999999.0", false, 0, 0},
      {"1.99999999999999999999999999999999999999", false, 0, 0},
  };
  for (const auto& r : table) {
    CAPTURE(r.in);
    const auto v = version::parse(r.in);
    REQUIRE(v.has_value() == r.ok);
    if (r.ok) {
      CHECK(v->major == r.major);
      CHECK(v->minor == r.minor);
    }
  }
  // An embedded NUL is not a digit either.
  CHECK_FALSE(version::parse(std::string_view("1.0\0", 4)).has_value());
  static_assert(version::parse("1.10").has_value(), "usable at compile time");
}

TEST_CASE("version order is numeric per part, the draft §4.4.1 example: 2.4 < 2.13 < 12.3") {
  CHECK(*version::parse("2.4") < *version::parse("2.13"));
  CHECK(*version::parse("2.13") < *version::parse("12.3"));
  CHECK(*version::parse("2.4") < *version::parse("12.3"));
  // Not a string comparison: "1.10" > "1.9" although '1' < '9'.
  CHECK(*version::parse("1.10") > *version::parse("1.9"));
  CHECK(*version::parse("01.010") == *version::parse("1.10"));
  CHECK(*version::parse("1.0") == supported_version);
  CHECK(version{0, 9} < version{1, 0});
  CHECK(version{1, 0} != version{0, 0});
}

TEST_CASE("version::to_string: decimal, never leading zeros (draft §4.4.1 'MUST NOT be sent')") {
  CHECK(version{1, 0}.to_string() == "1.0");
  CHECK(version{0, 0}.to_string() == "0.0");
  CHECK(version{2, 13}.to_string() == "2.13");
  CHECK(version{2147483647u, 4294967295u}.to_string() == "2147483647.4294967295");
  CHECK(version::parse("06.01")->to_string() == "6.1");
  CHECK(version::parse("01.010")->to_string() == "1.10");
}

TEST_CASE("answer_version and major_downgrade: draft §4.4.1 rules 1-4") {
  // Rule 1: the initiator offers the highest version it supports, "1.0".
  CHECK(supported_version == version{1, 0});
  CHECK(supported_version.to_string() == "1.0");
  // Rule 2: the lower of the offer and what the receiver supports, numerically.
  CHECK(answer_version(version{1, 0}) == version{1, 0});
  CHECK(answer_version(version{2, 0}) == version{1, 0});
  CHECK(answer_version(version{1, 5}) == version{1, 0});
  CHECK(answer_version(version{0, 9}) == version{0, 9});
  CHECK(answer_version(version{0, 0}) == version{0, 0});
  CHECK(answer_version(*version::parse("1.10"), *version::parse("1.9")) == version{1, 9});
  CHECK(answer_version(*version::parse("1.9"), *version::parse("1.10")) == version{1, 9});
  CHECK(answer_version(*version::parse("12.3"), *version::parse("2.13")) == version{2, 13});
  // Rule 3: an answer a major version (or more) below the offer.
  CHECK(major_downgrade(version{2, 0}, version{1, 0}));
  CHECK(major_downgrade(version{1, 0}, version{0, 9}));
  CHECK_FALSE(major_downgrade(version{1, 5}, version{1, 0}));  // minor only: interoperates
  CHECK_FALSE(major_downgrade(version{1, 0}, version{1, 0}));
  CHECK_FALSE(major_downgrade(version{1, 0}, version{2, 0}));
  // Rule 4: no version means "0.0" and none is sent back.
  CHECK_FALSE(answer_version(std::nullopt).has_value());
  CHECK(major_downgrade(version{1, 0}, std::nullopt));
  CHECK_FALSE(major_downgrade(version{0, 9}, std::nullopt));
}

// ------------------------------------------------------------- read_header --

TEST_CASE("read_header: the draft's example headers (§4.8, §5.3, §5.4, §6.5, §6.6, §8.3)") {
  struct row {
    const char* where;
    const char* bytes;
    const char* content_ns;
    const char* to;
    const char* from;
    const char* id;
    bool has_version;
    bool dialback;
  };
  const row table[] = {
      {"§4.8 C", "<?xml version='1.0'?>\n  <stream:stream\n    to='example.com'\n    xmlns='jabber:client'\n"
                 "    xmlns:stream='http://etherx.jabber.org/streams'\n    version='1.0'>",
       "jabber:client", "example.com", "", "", true, false},
      {"§4.8 S", "<?xml version='1.0'?>\n  <stream:stream\n    from='example.com'\n    id='someid'\n"
                 "    xmlns='jabber:client'\n    xmlns:stream='http://etherx.jabber.org/streams'\n    version='1.0'>",
       "jabber:client", "", "example.com", "someid", true, false},
      {"§5.3 step 1", "<stream:stream\n  xmlns='jabber:client'\n  xmlns:stream='http://etherx.jabber.org/streams'\n"
                      "  to='example.com'\n  version='1.0'>",
       "jabber:client", "example.com", "", "", true, false},
      {"§5.3 step 2", "<stream:stream\n  xmlns='jabber:client'\n  xmlns:stream='http://etherx.jabber.org/streams'\n"
                      "  id='c2s_123'\n  from='example.com'\n  version='1.0'>",
       "jabber:client", "", "example.com", "c2s_123", true, false},
      {"§5.3 step 8", "<stream:stream\n  xmlns='jabber:client'\n  xmlns:stream='http://etherx.jabber.org/streams'\n"
                      "  from='example.com'\n  id='c2s_234'\n  version='1.0'>",
       "jabber:client", "", "example.com", "c2s_234", true, false},
      {"§5.4 step 1", "<stream:stream\n  xmlns='jabber:server'\n  xmlns:stream='http://etherx.jabber.org/streams'\n"
                      "  to='example.com'\n  version='1.0'>",
       "jabber:server", "example.com", "", "", true, false},
      {"§5.4 step 2", "<stream:stream\n  xmlns='jabber:server'\n  xmlns:stream='http://etherx.jabber.org/streams'\n"
                      "  from='example.com'\n  id='s2s_123'\n  version='1.0'>",
       "jabber:server", "", "example.com", "s2s_123", true, false},
      {"§6.5 step 11", "<stream:stream\n  xmlns='jabber:client'\n  xmlns:stream='http://etherx.jabber.org/streams'\n"
                       "  id='c2s_345'\n  from='example.com'\n  version='1.0'>",
       "jabber:client", "", "example.com", "c2s_345", true, false},
      // As printed: ERRATA-known, an s2s header with jabber:client. Reading reports what was
      // sent; that an s2s stream needs jabber:server is the session's check (draft §11.2.2).
      {"§6.6 step 11", "<stream:stream\n  xmlns='jabber:client'\n  xmlns:stream='http://etherx.jabber.org/streams'\n"
                       "  from='example.com'\n  id='s2s_345'\n  version='1.0'>",
       "jabber:client", "", "example.com", "s2s_345", true, false},
      {"§8.3 step 2", "<stream:stream\n  xmlns:stream='http://etherx.jabber.org/streams'\n  xmlns='jabber:server'\n"
                      "  xmlns:db='jabber:server:dialback'>",
       "jabber:server", "", "", "", false, true},
      {"§8.3 step 3", "<stream:stream\n  xmlns:stream='http://etherx.jabber.org/streams'\n  xmlns='jabber:server'\n"
                      "  xmlns:db='jabber:server:dialback'\n  id='457F9224A0...'>",
       "jabber:server", "", "", "457F9224A0...", false, true},
  };
  for (const auto& r : table) {
    CAPTURE(r.where);
    const header h = read_ok(r.bytes);
    CHECK(h.content_namespace == r.content_ns);
    CHECK(h.to == r.to);
    CHECK(h.from == r.from);
    CHECK(h.id == r.id);
    CHECK(h.lang == "");
    CHECK(h.dialback == r.dialback);
    if (r.has_version) {
      REQUIRE(h.version.has_value());
      CHECK(*h.version == version{1, 0});
      CHECK(answer_version(h.version) == version{1, 0});
    } else {
      CHECK_FALSE(h.version.has_value());  // "0.0", rule 4
      CHECK_FALSE(answer_version(h.version).has_value());
    }
  }
}

TEST_CASE("read_header: xml:lang, leading zeros and attributes the draft does not define") {
  const header h = read_ok(
      "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' xmlns:p='urn:x' "
      "to='example.com' xml:lang='en-GB' version='01.000' foo='bar' p:from='elsewhere' p:to='nowhere' "
      "stream:id='not-the-id' xml:space='preserve'>");
  CHECK(h.to == "example.com");
  CHECK(h.from == "");  // p:from is {urn:x}from, not 'from' (Namespaces in XML §6.2)
  CHECK(h.id == "");
  CHECK(h.lang == "en-GB");
  CHECK(h.version == version{1, 0});
  CHECK_FALSE(h.dialback);
  // Entity and character references are decoded by the parser; kept as decoded.
  const header e = read_ok(
      "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
      "to='a&amp;b&#x41;&apos;' id=''>");
  CHECK(e.to == "a&bA'");
  CHECK(e.id == "");  // an empty value reads as absent
  CHECK_FALSE(e.version.has_value());
}

TEST_CASE("read_header: a malformed version is <unsupported-version/>") {
  for (const char* v : {"", "1", "1.", ".0", "one", "1.0.0", " 1.0", "1.0 ", "+1.0", "2147483648.0", "1,0"}) {
    CAPTURE(v);
    const std::string bytes = std::string("<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
                                          "to='example.com' version='") + v + "'>";
    auto o = read_from(bytes);
    REQUIRE(o.opened);
    REQUIRE_FALSE(o.read->has_value());
    CHECK(o.read->error().condition == stream_condition::unsupported_version);
    CHECK_FALSE(o.read->error().reason.empty());
  }
  // A higher version is well-formed: answered with ours (rule 2), not refused here.
  const std::string bytes = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
                            "version='2.13'>";
  CHECK(read_ok(bytes).version == version{2, 13});
}

TEST_CASE("strip_ignored: the 'silently ignored' cells of the draft §4.4 table") {
  header h;
  h.to = "example.com";
  h.from = "juliet@example.com";
  h.id = "abc";
  h.lang = "en";
  h.version = version{1, 0};
  header initial = h;
  strip_ignored(initial, sender::initiating);  // the receiver ignores 'from' and 'id'
  CHECK(initial.to == "example.com");
  CHECK(initial.from == "");
  CHECK(initial.id == "");
  CHECK(initial.lang == "en");
  CHECK(initial.version == version{1, 0});
  header response = h;
  strip_ignored(response, sender::receiving);  // the initiator ignores 'to'
  CHECK(response.to == "");
  CHECK(response.from == "juliet@example.com");
  CHECK(response.id == "abc");
  CHECK(response.lang == "en");
}

// ------------------------------------------------------------ write_header --

TEST_CASE("write_header: hand-typed bytes of the draft's headers") {
  header initial;  // §5.3 step 1: what a client sends
  initial.to = "example.com";
  initial.version = supported_version;
  CHECK(write_header(initial) ==
        "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
        "xmlns:stream='http://etherx.jabber.org/streams' to='example.com' version='1.0'>");
  CHECK(write_header(initial, false) ==
        "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='example.com' "
        "version='1.0'>");

  header response;  // §5.3 step 2, with a language
  response.from = "example.com";
  response.id = "c2s_123";
  response.lang = "en";
  response.version = answer_version(initial.version);
  CHECK(write_header(response, false) ==
        "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='example.com' "
        "id='c2s_123' xml:lang='en' version='1.0'>");

  header dialback;  // §8.3 step 3: s2s with dialback, no version (rule 4)
  dialback.content_namespace = ns::server;
  dialback.dialback = true;
  dialback.id = "457F9224A0";
  CHECK(write_header(dialback, false) ==
        "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' "
        "xmlns:db='jabber:server:dialback' id='457F9224A0'>");

  header bare;  // nothing set: the namespaces only
  CHECK(write_header(bare, false) ==
        "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>");
}

TEST_CASE("write_header: expat reads the expanded names and values we meant (escaping)") {
  header h;
  h.content_namespace = ns::server;
  h.to = "a'b\"c<d&e>f";
  h.from = "\xe4\xbe\x8b\xe3\x81\x88.jp";  // 例え.jp
  h.id = "tab\there\nline\rcr";
  h.lang = "de-CH";
  h.version = version{1, 10};
  h.dialback = true;
  const std::string bytes = write_header(h);
  REQUIRE_FALSE(bytes.empty());
  const auto v = expat_parse(bytes + "</stream:stream>");
  REQUIRE_MESSAGE(v.well_formed, v.error);
  // Typed from the values above, not from our output.
  CHECK(v.root ==
        "<{http://etherx.jabber.org/streams}stream {}to=[a'b\"c<d&e>f] {}from=[\xe4\xbe\x8b\xe3\x81\x88.jp] "
        "{}id=[tab\there\nline\rcr] {http://www.w3.org/XML/1998/namespace}lang=[de-CH] {}version=[1.10]>");
  std::vector<std::string> decls = v.decls;
  std::sort(decls.begin(), decls.end());
  CHECK(decls == std::vector<std::string>{"xmlns:db=jabber:server:dialback", "xmlns:stream=http://etherx.jabber.org/streams",
                                          "xmlns=jabber:server"});
}

TEST_CASE("write_header then read_header through our parser gives the header back") {
  header a;
  a.to = "example.com";
  a.version = version{1, 0};
  header b;
  b.content_namespace = ns::server;
  b.from = "example.net";
  b.id = "0123456789abcdef0123456789abcdef";
  b.lang = "en";
  b.version = version{0, 9};
  b.dialback = true;
  header c;  // no version at all
  c.to = "<&'\">";
  c.from = "\xf0\x9f\x98\x80";
  header d;  // empty strings are absent
  d.version = version{2147483647u, 0};
  for (const header* h : {&a, &b, &c, &d}) {
    for (bool decl : {true, false}) {
      const std::string bytes = write_header(*h, decl);
      CAPTURE(bytes);
      CHECK(read_ok(bytes) == *h);
    }
  }
}

TEST_CASE("write_header refuses what XML cannot carry, and returns nothing partial") {
  header h;
  h.to = "bad\xff";  // invalid UTF-8
  CHECK(write_header(h).empty());
  h.to = "ctl\x01";  // U+0001 is not an XML Char
  CHECK(write_header(h).empty());
  h.to = "ok";
  h.lang = "\xed\xa0\x80";  // a UTF-8 encoded surrogate
  CHECK(write_header(h).empty());
  h.lang.clear();
  h.content_namespace = "jabber:\x02";
  CHECK(write_header(h).empty());
  h.content_namespace = ns::client;
  CHECK_FALSE(write_header(h).empty());
}

// ---------------------------------------------------------- make_stream_id --

TEST_CASE("make_stream_id: 128 bits from the source, as 32 lowercase hex digits") {
  counting_source src;
  CHECK(make_stream_id(src) == "000102030405060708090a0b0c0d0e0f");
  CHECK(src.calls == 1);
  CHECK(src.bytes == 16);
  CHECK(make_stream_id(src) == "101112131415161718191a1b1c1d1e1f");
  src.next = 0xf0;
  CHECK(make_stream_id(src) == "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
  CHECK(src.bytes == 48);
}

TEST_CASE("make_stream_id: distinct ids from a real source (OpenSSL RAND_bytes)") {
  openssl_source src;
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) {
    const std::string id = make_stream_id(src);
    REQUIRE(id.size() == 32);
    CHECK(id.find_first_not_of("0123456789abcdef") == std::string::npos);
    seen.insert(id);
  }
  CHECK(seen.size() == 10000);
}
