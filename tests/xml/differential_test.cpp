// Differential test of the push parser against expat and libxml2 (test-only
// oracles): several thousand generated small streams, valid and mutated.
//
// For every stream the well-formedness verdict of the parser must agree with
// expat (XML_ParserCreateNS) and with libxml2 (push parser, XML_PARSE_NONET,
// namespaces on: wellFormed && nsWellFormed), except for the documented
// exception classes of `exception_classes` below: XMPP's own rules on top of
// XML, and known differences of the oracles. A disagreement is explained only
// when the fact behind its class is observed independently (by expat's
// handlers, or by probing expat's name tables); anything else fails the test.
//
// "Well-formed per us" is: the stream closed (</stream:stream>). We consume
// nothing after the close (draft §4.4: the stream is over), so the oracles
// judge the bytes up to and including it.
//
// Also: every generated stream gives the same events and verdict whole, byte
// at a time and in random splits, in both parse modes.
#include <xmppcore/xml/push_parser.hpp>

#include "support/expat_names.hpp"

#include <doctest/doctest.h>
#include <expat.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "support/transcript.hpp"

using namespace xmppcore;
using namespace xmppcore::xml;

namespace {

// ------------------------------------------------------------ generator --

struct rng {
  std::uint64_t s;
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t n) { return n ? static_cast<std::size_t>(next() % n) : 0; }
  bool chance(unsigned percent) { return below(100) < percent; }
  template <class T, std::size_t N>
  const T& pick(const std::array<T, N>& a) {
    return a[below(N)];
  }
};

// Names valid in both the 4th and the 5th edition of XML 1.0, and a few that
// only the 5th edition allows (U+2170, U+1F600: the expat name-table class).
const std::array<std::string_view, 22> ascii_names = {"message", "body", "iq",    "presence", "x",   "a",   "b",   "query",
                                                      "item",    "error", "show", "thread",   "bind", "jid", "n-1", "_u",
                                                      "a.b",     "x9",    "Z",    "resource", "sub", "status"};
const std::array<std::string_view, 8> unicode_names = {"café", "naïve", "中文", "имя", "名前", "δοκιμή", "x\u0301y", "e\u00b7f"};
const std::array<std::string_view, 3> fifth_edition_only_names = {"\u2170", "x\U0001F600", "a\u2070"};
const std::array<std::string_view, 5> prefixes = {"p", "q", "ns1", "é", "x-y"};
const std::array<std::string_view, 5> uris = {"urn:x", "urn:y", "jabber:iq:roster", "http://example.com/ns?a=1&amp;b=2",
                                              "urn:ietf:params:xml:ns:xmpp-stanzas"};
const std::array<std::string_view, 14> value_pieces = {"plain", "&lt;", "&amp;", "&gt;", "&quot;", "&apos;", "&#65;",
                                                       "&#x4E2D;", "&#x1F600;", "é中😀", "\t", "\n", "\r\n", " "};
const std::array<std::string_view, 14> text_pieces = {"hello", "&lt;", "&amp;", "&gt;", "&quot;", "&apos;", "&#10;",
                                                      "&#x10FFFF;", "é中😀", "]]", ">", " \n\t", "\r\n", "a]b"};

enum class fault {
  none, dup_attr, dup_expanded, undeclared_elem_prefix, undeclared_attr_prefix, mismatched_end, undeclare_prefix,
  bad_charref, unknown_entity, lt_in_attr, cdata_end_in_text, unquoted_attr, misplaced_xmldecl, comment, pi,
  doctype, text_depth1, features_noprefix, root_wrong_ns, content_wrong_ns, xml_prefix_wrong, xmlns_prefix,
  two_colons, bad_name_start, latin1, utf16, db_wrong, ref_depth1, fifth_edition_name, cdata_depth1, count
};

struct generator {
  rng r;
  fault f = fault::none;
  bool fault_used = false;

  // Applies the fault at most once, at the first opportunity the dice allow.
  bool take(fault which) {
    if (f != which || fault_used || !r.chance(40)) return false;
    fault_used = true;
    return true;
  }
  char quote() { return r.chance(70) ? '\'' : '"'; }
  // A namespace name; now and then an IRI (the libxml2 class below).
  std::string uri() { return r.chance(4) ? "urn:é" : std::string(r.pick(uris)); }

  std::string name() {
    if (take(fault::fifth_edition_name)) return std::string(r.pick(fifth_edition_only_names));
    if (take(fault::two_colons)) return "a:b:c";
    if (take(fault::bad_name_start)) return std::string(1, "0-."[r.below(3)]) + "x";
    return std::string(r.chance(85) ? r.pick(ascii_names) : r.pick(unicode_names));
  }

  std::string value(char q) {
    std::string v;
    const std::size_t n = r.below(4);
    for (std::size_t i = 0; i < n; ++i) v += r.pick(value_pieces);
    if (r.chance(10)) v += (q == '\'') ? '"' : '\'';
    if (take(fault::lt_in_attr)) v += '<';
    if (take(fault::bad_charref)) v += std::array<const char*, 7>{"&#0;", "&#xD800;", "&#x110000;", "&#xFFFE;", "&#;", "&#x;", "&#12a;"}[r.below(7)];
    if (take(fault::unknown_entity)) v += "&nbsp;";
    return v;
  }

  std::string attr(std::string_view qn) {
    const char q = quote();
    std::string a = " ";
    a += qn;
    a += r.chance(15) ? " = " : "=";
    if (take(fault::unquoted_attr)) return a + "v";
    a += q;
    a += value(q);
    a += q;
    return a;
  }

  std::string text() {
    std::string t;
    const std::size_t n = 1 + r.below(3);
    for (std::size_t i = 0; i < n; ++i) t += r.pick(text_pieces);
    if (take(fault::cdata_end_in_text)) t += "]]>";
    if (take(fault::bad_charref)) t += "&#0;";
    if (take(fault::unknown_entity)) t += "&foo;";
    if (take(fault::comment)) t += "<!-- c -->";
    if (take(fault::pi)) t += "<?pi data?>";
    if (take(fault::misplaced_xmldecl)) t += "<?xml version='1.0'?>";
    return t;
  }

  std::string element(int depth, std::vector<std::string>& scope) {
    std::string out = "<";
    std::string decls, attrs;
    const std::size_t scope_before = scope.size();
    std::string qn;
    if (take(fault::undeclared_elem_prefix)) {
      qn = "zz:" + name();
    } else if (r.chance(20)) {
      std::string p(r.pick(prefixes));
      decls += " xmlns:" + p + "='" + uri() + "'";
      scope.push_back(p);
      qn = p + ":" + name();
    } else if (!scope.empty() && r.chance(15)) {
      qn = scope[r.below(scope.size())] + ":" + name();
    } else {
      qn = name();
    }
    if (r.chance(15)) decls += " xmlns='" + uri() + "'";
    if (take(fault::undeclare_prefix)) decls += " xmlns:p=''";
    if (take(fault::xml_prefix_wrong)) decls += " xmlns:xml='urn:x'";
    if (take(fault::xmlns_prefix)) decls += " xmlns:xmlns='urn:x'";
    const std::size_t na = r.below(4);
    std::vector<std::string> used;
    for (std::size_t i = 0; i < na; ++i) {
      std::string an = std::string(r.pick(ascii_names));
      if (r.chance(20) && !scope.empty()) an = scope[r.below(scope.size())] + ":" + an;
      if (r.chance(10)) an = "xml:lang";
      bool dup = false;
      for (const auto& u : used) dup = dup || u == an;
      if (dup) continue;
      used.push_back(an);
      attrs += attr(an);
    }
    if (!used.empty() && take(fault::dup_attr)) attrs += attr(used.front());
    if (take(fault::dup_expanded)) {
      decls += " xmlns:d1='urn:same' xmlns:d2='urn:same'";
      attrs += " d1:k='1' d2:k='2'";
    }
    if (take(fault::undeclared_attr_prefix)) attrs += " zz:k='1'";
    out += qn + decls + attrs;
    if (r.chance(10)) out += std::string(1 + r.below(2), ' ');
    const bool empty = depth >= 4 || r.chance(30);
    if (empty) {
      out += "/>";
    } else {
      out += '>';
      const std::size_t nc = r.below(4);
      for (std::size_t i = 0; i < nc; ++i) {
        const auto k = r.below(10);
        if (k < 4) out += text();
        else if (k < 5) out += "<![CDATA[" + std::string(r.chance(50) ? "<x>&amp;]]" : "]]]") + "]]>";
        else out += element(depth + 1, scope);
      }
      std::string end = qn;
      if (take(fault::mismatched_end)) end = qn == "x" ? "y" : "x";
      out += "</" + end + (r.chance(10) ? " >" : ">");
    }
    scope.resize(scope_before);
    return out;
  }

  std::string stream() {
    std::string s;
    if (r.chance(3)) s += "\xEF\xBB\xBF";
    bool latin1 = false;
    if (take(fault::latin1)) {
      s += "<?xml version='1.0' encoding='ISO-8859-1'?>";
      latin1 = true;
    } else if (r.chance(40)) {
      s += std::array<const char*, 5>{"<?xml version='1.0'?>", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
                                      "<?xml version='1.0' encoding='utf-8' standalone='yes'?>",
                                      "<?xml version = '1.0' ?>", "<?xml version='1.1'?>"}[r.below(r.chance(90) ? 4 : 5)];
    }
    if (take(fault::comment)) s += "<!-- before -->";
    if (take(fault::doctype)) s += "<!DOCTYPE stream:stream [<!ENTITY e 'x'>]>";
    if (take(fault::pi)) s += "<?style x?>";
    if (r.chance(20)) s += "\n";
    const std::string sp = r.chance(90) ? "stream" : (r.chance(50) ? "s" : "str");
    const bool server = r.chance(30);
    std::string content = server ? "jabber:server" : "jabber:client";
    if (take(fault::content_wrong_ns)) content = "urn:other";
    std::string streams = "http://etherx.jabber.org/streams";
    if (take(fault::root_wrong_ns)) streams = "urn:wrong";
    const char q = quote();
    s += "<" + sp + ":stream xmlns=" + q + content + q + " xmlns:" + sp + "=" + q + streams + q;
    const bool db = server && r.chance(50);
    if (db) s += " xmlns:db='jabber:server:dialback'";
    if (take(fault::db_wrong)) s += " xmlns:db='urn:not-dialback'";
    if (r.chance(70)) s += " to='example.com'";
    if (r.chance(50)) s += " version='1.0'";
    if (r.chance(30)) s += " xml:lang='en'";
    if (r.chance(30)) s += " id='" + std::to_string(r.below(100000)) + "'";
    s += ">";
    const std::size_t n = r.below(5);
    for (std::size_t i = 0; i < n; ++i) {
      if (r.chance(30)) s += std::array<const char*, 4>{" ", "\n", "\r\n\t", "  "}[r.below(4)];
      if (take(fault::text_depth1)) s += "keepalive?";
      if (take(fault::ref_depth1)) s += "&#32;";
      if (take(fault::cdata_depth1)) s += "<![CDATA[ ]]>";
      if (take(fault::comment)) s += "<!--between-->";
      if (take(fault::features_noprefix)) s += "<features xmlns='http://etherx.jabber.org/streams'/>";
      else if (r.chance(10)) s += "<" + sp + ":features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></" + sp + ":features>";
      else if (db && r.chance(30)) s += "<db:result to='example.net' from='example.com'>key</db:result>";
      std::vector<std::string> scope;
      s += element(1, scope);
    }
    if (r.chance(92)) s += "</" + sp + ":stream>";
    if (latin1) s += "caf\xE9";  // a Latin-1 byte: fine for the oracles after the declaration
    if (f == fault::utf16 && r.chance(60)) {
      fault_used = true;
      std::string u = "\xFF\xFE";
      for (unsigned char c : s) {  // ASCII-only streams are fine as a demonstration
        if (c >= 0x80) return s;
        u += static_cast<char>(c);
        u += '\0';
      }
      return u;
    }
    return s;
  }
};

// Byte-level mutations.
std::string mutate(std::string s, rng& r) {
  static const std::array<std::string_view, 16> inserts = {"<", "&", "]]>", "'", "\"", ">", "</", "=", std::string_view("\0", 1),
                                                           "\xC0\xAF", "\xED\xA0\x80", "\xFF", "\x80", "\xF4\x90\x80\x80",
                                                           "<?xml version='1.0'?>", "/"};
  const std::size_t n = 1 + r.below(2);
  for (std::size_t i = 0; i < n && !s.empty(); ++i) {
    const std::size_t at = r.below(s.size());
    switch (r.below(5)) {
      case 0: s[at] = static_cast<char>(r.below(256)); break;
      case 1: s.insert(at, r.pick(inserts)); break;
      case 2: s.erase(at, 1); break;
      case 3: s.resize(at); break;
      default: s[at] = "<>&'\"/=:;#x "[r.below(12)]; break;
    }
  }
  return s;
}

// --------------------------------------------------------------- oracles --

// What expat observes, used to confirm the XMPP-specific exception classes.
struct expat_facts {
  bool ok = false;
  XML_Error code = XML_ERROR_NONE;
  bool comment = false, pi = false, doctype = false, text_depth1 = false, features_noprefix = false;
  bool db_wrong = false, root_ok = false, content_ok = false, encoding_other = false, version_other = false;
  std::string root_default_ns;
  bool root_default_seen = false;
  int depth = 0;
  XML_Parser parser = nullptr;
  std::string_view input;
};

bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

expat_facts run_expat(std::string_view s) {
  expat_facts f;
  f.input = s;
  XML_Parser p = XML_ParserCreateNS(nullptr, '\x01');
  f.parser = p;
  XML_SetReturnNSTriplet(p, XML_TRUE);
  XML_SetUserData(p, &f);
  XML_SetElementHandler(
      p,
      [](void* u, const XML_Char* name, const XML_Char**) {
        auto& f = *static_cast<expat_facts*>(u);
        const std::string_view n(name);  // uri \1 local \1 prefix (or no separators)
        if (f.depth == 0) {
          f.root_ok = n.starts_with("http://etherx.jabber.org/streams\x01stream");
          f.content_ok = f.root_default_seen && (f.root_default_ns == "jabber:client" || f.root_default_ns == "jabber:server");
        } else if (f.depth == 1) {
          if (n == "http://etherx.jabber.org/streams\x01" "features" || n == "http://etherx.jabber.org/streams\x01" "error")
            f.features_noprefix = true;  // no third part: no prefix
        }
        ++f.depth;
      },
      [](void* u, const XML_Char*) { --static_cast<expat_facts*>(u)->depth; });
  XML_SetNamespaceDeclHandler(
      p,
      [](void* u, const XML_Char* prefix, const XML_Char* uri) {
        auto& f = *static_cast<expat_facts*>(u);
        const std::string_view ur = uri ? uri : "";
        if (!prefix && f.depth == 0) {
          f.root_default_seen = true;
          f.root_default_ns = ur;
        }
        if (prefix && std::string_view(prefix) == "db" && ur != "jabber:server:dialback") f.db_wrong = true;
      },
      nullptr);
  XML_SetCharacterDataHandler(p, [](void* u, const XML_Char* s, int len) {
    auto& f = *static_cast<expat_facts*>(u);
    if (f.depth != 1) return;
    const auto at = XML_GetCurrentByteIndex(f.parser);
    if (at >= 0 && static_cast<std::size_t>(at) < f.input.size() && f.input[static_cast<std::size_t>(at)] == '&')
      f.text_depth1 = true;  // a reference between top-level elements
    for (int i = 0; i < len; ++i)
      if (!is_ws(s[i])) f.text_depth1 = true;
  });
  XML_SetStartCdataSectionHandler(p, [](void* u) {
    auto& f = *static_cast<expat_facts*>(u);
    if (f.depth == 1) f.text_depth1 = true;
  });
  XML_SetCommentHandler(p, [](void* u, const XML_Char*) { static_cast<expat_facts*>(u)->comment = true; });
  XML_SetProcessingInstructionHandler(
      p, [](void* u, const XML_Char*, const XML_Char*) { static_cast<expat_facts*>(u)->pi = true; });
  XML_SetStartDoctypeDeclHandler(p, [](void* u, const XML_Char*, const XML_Char*, const XML_Char*, int) {
    static_cast<expat_facts*>(u)->doctype = true;
  });
  XML_SetXmlDeclHandler(p, [](void* u, const XML_Char* version, const XML_Char* enc, int) {
    if (version && std::string_view(version) != "1.0") static_cast<expat_facts*>(u)->version_other = true;
    if (!enc) return;
    std::string e(enc);
    for (auto& c : e) c = static_cast<char>((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
    if (e != "utf-8") static_cast<expat_facts*>(u)->encoding_other = true;
  });
  f.ok = XML_Parse(p, s.data(), static_cast<int>(s.size()), XML_TRUE) == XML_STATUS_OK;
  if (!f.ok) f.code = XML_GetErrorCode(p);
  XML_ParserFree(p);
  f.parser = nullptr;
  return f;
}

struct libxml2_verdict {
  bool wf = false;             // wellFormed && nsWellFormed
  bool xml_wf = false;         // wellFormed alone
  bool only_ns_uri_errors = true;  // every error is "namespace name is not a valid URI"
};

std::vector<std::pair<int, int>>* libxml2_errors = nullptr;  // (domain, code) of the parse in progress

libxml2_verdict run_libxml2(std::string_view s) {
  std::vector<std::pair<int, int>> errors;
  libxml2_errors = &errors;
  xmlSetStructuredErrorFunc(nullptr, [](void*, xmlErrorPtr e) {
    if (libxml2_errors && e) libxml2_errors->emplace_back(e->domain, e->code);
  });
  xmlParserCtxtPtr ctxt = xmlCreatePushParserCtxt(nullptr, nullptr, nullptr, 0, nullptr);
  xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  xmlParseChunk(ctxt, s.data(), static_cast<int>(s.size()), 0);
  xmlParseChunk(ctxt, nullptr, 0, 1);
  libxml2_verdict v;
  v.xml_wf = ctxt->wellFormed != 0;
  v.wf = v.xml_wf && ctxt->nsWellFormed;
  if (ctxt->myDoc) xmlFreeDoc(ctxt->myDoc);
  xmlFreeParserCtxt(ctxt);
  xmlSetStructuredErrorFunc(nullptr, nullptr);
  libxml2_errors = nullptr;
  for (const auto& [domain, code] : errors)
    if (!(domain == XML_FROM_NAMESPACE && code == XML_WAR_NS_URI)) v.only_ns_uri_errors = false;
  return v;
}


// ------------------------------------------------------ exception classes --

struct exception_class {
  const char* id;
  const char* reason;
};

// Every accepted disagreement between our verdict and an oracle's. The
// XMPP-specific ones apply when the oracle accepts what we reject, and only
// when expat independently observed the construct the rule is about.
const std::array<exception_class, 13> exception_classes = {{
    {"restricted-xml: comment", "RFC 6120 §11.1: comments are restricted XML (<restricted-xml/>)"},
    {"restricted-xml: processing instruction", "RFC 6120 §11.1: PIs are restricted XML"},
    {"restricted-xml: DOCTYPE / entity", "RFC 6120 §11.1: a DTD, and references to entities it declares, are restricted XML"},
    {"invalid-namespace: stream root", "draft §11.2.1: the root must be stream in http://etherx.jabber.org/streams"},
    {"invalid-namespace: content namespace", "draft §11.2.2: the default namespace must be jabber:client or jabber:server"},
    {"invalid-namespace: db prefix", "draft §11.2.3: the db prefix must be bound to jabber:server:dialback"},
    {"bad-namespace-prefix", "draft §11.2.1: features and error need the streams prefix"},
    {"bad-format: character data at depth 1",
     "the stream's content model has no text: only whitespace between top-level elements (keepalives)"},
    {"unsupported-encoding", "draft §11.5: UTF-8 only (expat and libxml2 read ISO-8859-1 and UTF-16)"},
    {"xml-not-well-formed: version other than 1.0",
     "XMPP is XML 1.0; the oracles accept any 1.x in the declaration (XML 1.0 5th ed. §2.8 allows that)"},
    {"expat: XML 1.0 4th edition name tables",
     "expat classifies non-ASCII name characters by the 4th edition (Appendix B), we by the 5th edition [4]/[4a]"},
    {"libxml2: namespace name not a valid URI",
     "libxml2 reports an IRI namespace name (urn:é) as a namespace error (XML_WAR_NS_URI) and clears nsWellFormed; "
     "Namespaces in XML does not make that a well-formedness error, and expat accepts it"},
    {"unexplained", "a bug in the parser or in this test"},
}};

int class_index(std::string_view id) {
  for (std::size_t i = 0; i < exception_classes.size(); ++i)
    if (id == exception_classes[i].id) return static_cast<int>(i);
  return static_cast<int>(exception_classes.size()) - 1;
}

// Why we reject what an oracle accepts (facts: expat on the same bytes).
std::string_view explain_our_rejection(const test::outcome& o, const expat_facts& f, std::string_view input,
                                       bool oracle_is_expat) {
  const std::string_view why = o.error.reason;
  switch (o.error.condition) {
    case stream_condition::restricted_xml:
      if (why.find("comment") != std::string_view::npos && f.comment) return "restricted-xml: comment";
      if (why.find("processing instruction") != std::string_view::npos && f.pi) return "restricted-xml: processing instruction";
      if (f.doctype) return "restricted-xml: DOCTYPE / entity";
      return "unexplained";
    case stream_condition::invalid_namespace:
      if (why.find("db prefix") != std::string_view::npos) return f.db_wrong ? "invalid-namespace: db prefix" : "unexplained";
      if (why.find("default namespace") != std::string_view::npos)
        return f.root_ok && !f.content_ok ? "invalid-namespace: content namespace" : "unexplained";
      return f.root_ok ? "unexplained" : "invalid-namespace: stream root";
    case stream_condition::bad_namespace_prefix:
      return f.features_noprefix ? "bad-namespace-prefix" : "unexplained";
    case stream_condition::bad_format:
      return f.text_depth1 ? "bad-format: character data at depth 1" : "unexplained";
    case stream_condition::unsupported_encoding: {
      const bool bom16 = input.starts_with("\xFF\xFE") || input.starts_with("\xFE\xFF") ||
                         (!input.empty() && input[0] == '\0') || (input.size() > 1 && input[1] == '\0');
      return (f.encoding_other || bom16) ? "unsupported-encoding" : "unexplained";
    }
    case stream_condition::xml_not_well_formed:
      if (why == "only XML 1.0 is supported" && f.version_other) return "xml-not-well-formed: version other than 1.0";
      if (oracle_is_expat && test::has_expat_divergent_char(input)) return "expat: XML 1.0 4th edition name tables";
      return "unexplained";
    default:
      return "unexplained";
  }
}

struct tally {
  std::size_t compared = 0, agree = 0;
  std::map<std::string, std::size_t> by_class;
};

}  // namespace

TEST_CASE("differential: generated streams vs expat and libxml2, and split invariance") {
  xmlInitParser();
  constexpr std::size_t streams = 10000;
  rng master{20261125};
  tally ex, lx;
  std::size_t wf_streams = 0, mutated = 0, unexplained_shown = 0, trailing = 0;
  std::map<std::string, std::size_t> our_conditions;
  for (std::size_t i = 0; i < streams; ++i) {
    generator g{rng{master.next()}};
    const auto fk = g.r.below(100);
    g.f = fk < 55 ? fault::none : static_cast<fault>(1 + g.r.below(static_cast<std::size_t>(fault::count) - 1));
    std::string input = g.stream();
    if (g.r.chance(30)) {
      input = mutate(std::move(input), g.r);
      ++mutated;
    }

    // Ours: whole, byte at a time and random splits, in both modes.
    parser_options opt;
    opt.limits.max_depth = 1000;  // limits are ours alone; keep them out of the comparison
    const auto whole = test::run_whole(input, opt);
    const auto bytes = test::run_bytewise(input, opt);
    std::vector<std::size_t> cuts;
    for (std::size_t k = 0, n = g.r.below(6); k < n && input.size() > 1; ++k) cuts.push_back(1 + g.r.below(input.size() - 1));
    std::sort(cuts.begin(), cuts.end());
    parser_options ev = opt;
    ev.mode = parse_mode::events;
    const auto ev_whole = test::run_whole(input, ev);
    const auto ev_split = test::run_split(input, cuts, ev);
    const auto el_split = test::run_split(input, cuts, opt);
    if (bytes.events != whole.events || bytes.verdict() != whole.verdict() || el_split.events != whole.events ||
        el_split.verdict() != whole.verdict() || ev_split.events != ev_whole.events ||
        ev_split.verdict() != ev_whole.verdict()) {
      CAPTURE(input);
      CHECK(bytes.events == whole.events);
      CHECK(bytes.verdict() == whole.verdict());
      CHECK(el_split.events == whole.events);
      CHECK(el_split.verdict() == whole.verdict());
      CHECK(ev_split.events == ev_whole.events);
      CHECK(ev_split.verdict() == ev_whole.verdict());
    }
    // Both modes reach the same verdict.
    if (ev_whole.verdict() != whole.verdict()) {
      CAPTURE(input);
      CHECK(ev_whole.verdict() == whole.verdict());
    }

    const bool ours_wf = whole.status == parse_status::closed;
    our_conditions[ours_wf ? std::string("closed")
                           : whole.status == parse_status::failed ? std::string(to_string(whole.error.condition))
                                                                  : std::string("open at end of input")]++;
    wf_streams += ours_wf;
    // The oracles judge what we judged: up to the close when we closed.
    const std::string_view judged = ours_wf ? std::string_view(input).substr(0, whole.consumed) : std::string_view(input);
    trailing += ours_wf && judged.size() < input.size();
    const expat_facts f = run_expat(judged);
    const libxml2_verdict lv = run_libxml2(judged);

    auto compare = [&](tally& t, bool oracle_wf, bool is_expat, const char* oracle) {
      ++t.compared;
      if (oracle_wf == ours_wf) {
        ++t.agree;
        return;
      }
      std::string_view cls;
      if (!ours_wf && oracle_wf) {
        // "open at end of input" is a failure too (receive_eof is not-well-formed).
        test::outcome o = whole;
        if (o.status != parse_status::failed) {
          o.error.condition = stream_condition::xml_not_well_formed;
          o.error.reason = "unexpected end of input";
        }
        cls = explain_our_rejection(o, f, judged, is_expat);
      } else if (is_expat) {
        cls = test::has_expat_divergent_char(judged) ? "expat: XML 1.0 4th edition name tables" : "unexplained";
      } else {
        cls = (lv.xml_wf && lv.only_ns_uri_errors) ? "libxml2: namespace name not a valid URI" : "unexplained";
      }
      t.by_class[std::string(cls)]++;
      if (cls == "unexplained" && unexplained_shown < 25) {
        ++unexplained_shown;
        const std::string msg = std::string(oracle) + " disagrees (ours " + whole.verdict() + " " +
                                std::string(whole.error.reason) + ", oracle " +
                                (oracle_wf ? "well-formed" : "not well-formed") + "): [" + input + "]";
        MESSAGE(msg);
      }
    };
    compare(ex, f.ok, true, "expat");
    compare(lx, lv.wf, false, "libxml2");
  }

  auto report = [&](const char* oracle, const tally& t) {
    std::string s = std::string(oracle) + ": " + std::to_string(t.compared) + " streams, " + std::to_string(t.agree) +
                    " agree";
    for (const auto& [k, v] : t.by_class) {
      s += "\n  " + k + ": " + std::to_string(v);
      s += " (" + std::string(exception_classes[static_cast<std::size_t>(class_index(k))].reason) + ")";
    }
    MESSAGE(s);
  };
  std::string verdicts = "ours: " + std::to_string(streams) + " streams (" + std::to_string(mutated) +
                         " byte-mutated), verdicts:";
  for (const auto& [k, v] : our_conditions) verdicts += " " + k + "=" + std::to_string(v);
  verdicts += "; closed with bytes after </stream:stream> (not consumed, judged up to the close): " + std::to_string(trailing);
  MESSAGE(verdicts);
  report("expat", ex);
  report("libxml2", lx);
  CHECK(streams >= 5000);
  CHECK(ex.compared == streams);
  CHECK(lx.compared == streams);
  CHECK(ex.by_class.count("unexplained") == 0);
  CHECK(lx.by_class.count("unexplained") == 0);
  // The generator must actually exercise both verdicts and most classes.
  CHECK(wf_streams > streams / 4);
  CHECK(wf_streams < streams - streams / 10);
}

// "<?" in every place a stream can hold it, with targets that make it a
// processing instruction, an XML declaration (well placed or not, in any
// case), or neither. The oracles decide what it is: where both reject the
// stream, ours must be <xml-not-well-formed/> under both policies (never
// <restricted-xml/>, which is for well-formed XML that RFC 6120 §11.1
// forbids); where both accept it and expat reports a PI, ours is
// <restricted-xml/> by default and skips it under the ignore policy; where
// both accept it without a PI (the declaration at the very start), we accept
// it too.
TEST_CASE("differential: '<?' constructs vs expat and libxml2 decide not-well-formed vs restricted-xml") {
  xmlInitParser();
  const std::string head = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";
  const std::string tail = "</stream:stream>";
  const std::vector<std::pair<std::string, std::string>> places = {
      {"", head + tail},
      {"\xEF\xBB\xBF", head + tail},
      {"\n", head + tail},
      {"<?xml version='1.0'?>", head + tail},
      {head, tail},
      {head + "<a/>", "<b/>" + tail},
      {head + "<a>", "</a>" + tail},
      {head + "<a>t", "u</a>" + tail},
  };
  const std::vector<std::string> targets = {"xml", "XML", "xMl", "Xml", "xmL", "",    " ",   "1a",  "p",
                                            "pi",  "x",   "xm",  "xmlx", "xml-stylesheet", "a:b", "-x", "\xC3\xA9"};
  const std::vector<std::string> rests = {" version='1.0'?>", "?>", " data?>", "!?>", " a?b?>"};
  std::size_t compared = 0, nwf = 0, pis = 0, decls = 0, oracles_differ = 0;
  for (const auto& [before, after] : places) {
    for (const auto& t : targets) {
      for (const auto& r : rests) {
        const std::string input = before + "<?" + t + r + after;
        const expat_facts f = run_expat(input);
        const libxml2_verdict lv = run_libxml2(input);
        if (f.ok != lv.wf) {
          ++oracles_differ;
          continue;
        }
        ++compared;
        parser_options strict, lenient;
        lenient.restricted = restricted_xml_policy::ignore_comments_and_pis;
        const auto s = test::run_whole(input, strict);
        const auto l = test::run_whole(input, lenient);
        CAPTURE(input);
        CAPTURE(s.verdict());
        CAPTURE(l.verdict());
        if (!f.ok) {
          ++nwf;
          CHECK(s.status == parse_status::failed);
          CHECK(s.error.condition == stream_condition::xml_not_well_formed);
          CHECK(l.status == parse_status::failed);
          CHECK(l.error.condition == stream_condition::xml_not_well_formed);
        } else if (f.pi) {
          ++pis;
          CHECK(s.status == parse_status::failed);
          CHECK(s.error.condition == stream_condition::restricted_xml);
          CHECK(s.error.offset == before.size());  // at the PI's '<'
          CHECK(l.status == parse_status::closed);
        } else {
          ++decls;
          CHECK(s.status == parse_status::closed);
          CHECK(l.status == parse_status::closed);
        }
      }
    }
  }
  MESSAGE("'<?' constructs: " << compared << " compared (" << nwf << " not well-formed, " << pis << " PIs, " << decls
                              << " declarations), " << oracles_differ << " where expat and libxml2 differ");
  CHECK(nwf > 300);
  CHECK(pis > 100);
  CHECK(decls >= 2);
  CHECK(oracles_differ == 0);
}

// Unique attributes (XML §3.1 WFC: Unique Att Spec; Namespaces in XML §6.3)
// on elements with many attributes, where the parser sorts names instead of
// comparing pairs: random names from a small pool, so repeats are common,
// some prefixed with prefixes bound to the same or to different namespaces.
// The verdict must be expat's.
TEST_CASE("differential: duplicate attributes on elements with many attributes vs expat") {
  const std::string head = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";
  rng r{77};
  std::size_t dups = 0, clean = 0;
  for (int round = 0; round < 400; ++round) {
    const std::size_t n = 1 + r.below(300);
    const bool same_uri = r.chance(50);
    std::string tag = "<m xmlns:p='urn:p' xmlns:q='" + std::string(same_uri ? "urn:p" : "urn:q") + "'";
    if (r.chance(50)) {
      // Names from a small pool: repeats (as written, or through two
      // prefixes of one namespace) are likely, anywhere in the list.
      const std::size_t pool = n + 1 + r.below(n * 3);
      for (std::size_t i = 0; i < n; ++i) {
        const auto k = r.below(10);
        tag += k < 6 ? " " : k < 8 ? " p:" : " q:";
        tag += "n" + std::to_string(r.below(pool)) + "='v'";
      }
    } else {
      // Distinct local names, then perhaps one repeat of a random earlier
      // attribute, as written or with the other prefix.
      std::vector<std::string> names;
      for (std::size_t i = 0; i < n; ++i) {
        const auto k = r.below(10);
        names.push_back(std::string(k < 6 ? "" : k < 8 ? "p:" : "q:") + "n" + std::to_string(i));
        tag += " " + names.back() + "='v'";
      }
      if (r.chance(50)) {
        std::string again = names[r.below(n)];
        if (again.starts_with("p:") && r.chance(50)) again[0] = 'q';
        tag += " " + again + "='w'";
      }
    }
    tag += "/>";
    const std::string input = head + tag + "</stream:stream>";
    parser_options o;
    o.limits.max_attributes = 1000;
    const auto ours = test::run_whole(input, o);
    const expat_facts f = run_expat(input);
    CAPTURE(input);
    CHECK((ours.status == parse_status::closed) == f.ok);
    if (!f.ok) {
      ++dups;
      CHECK(f.code == XML_ERROR_DUPLICATE_ATTRIBUTE);
      CHECK(ours.error.condition == stream_condition::xml_not_well_formed);
      CHECK(std::string_view(ours.error.reason).starts_with("duplicate attribute"));
    } else {
      ++clean;
    }
  }
  MESSAGE("many attributes: " << dups << " elements with a repeated name, " << clean << " without");
  CHECK(dups > 100);
  CHECK(clean > 50);
}
