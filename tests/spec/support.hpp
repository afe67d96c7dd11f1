// Test-only helpers for tests/spec: replaying the draft's example transcripts
// against our session machines and comparing the answers with the examples.
//
// The comparison is canonical and independent of our own XML code: both the
// draft's text and the bytes our machine wrote are read by expat (namespace
// processing on), and compared as trees of expanded names, attribute sets and
// text, ignoring white space between elements, attribute order and quote
// style. What the draft leaves open (stream ids, nonces, base64 of random
// data) is not compared by value but checked for form, and what our machine
// adds that the example does not show (an optional <text/> in a stream error,
// the XEP-0478 <limits/> feature) must be named as allowed, one by one.
//
// Independent truth used here besides expat: OpenSSL for MD5 and base64
// (RFC 2831 arithmetic, RFC 3548 §3 strictness), libidn for Resourceprep,
// GNU SASL as a DIGEST-MD5 client.
#pragma once

#include "crypto/oracle.hpp"
#include "session/support.hpp"

#include <xmppcore/session/c2s_client.hpp>
#include <xmppcore/session/c2s_server.hpp>

#include <doctest/doctest.h>
#include <expat.h>
#include <openssl/evp.h>
#include <stringprep.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace xs_spec {

using namespace xmppcore;

inline constexpr std::string_view ns_streams = "http://etherx.jabber.org/streams";
inline constexpr std::string_view ns_xml = "http://www.w3.org/XML/1998/namespace";

// ------------------------------------------------------------ expat trees --

/// One element as expat read it.
struct canon_node {
  std::string name;    ///< expanded name in Clark notation: "{namespace}local", or "local"
  std::string prefix;  ///< the prefix as written (compared for the streams namespace only)
  std::map<std::string, std::string> attrs;       ///< Clark name -> value (namespace declarations excluded)
  std::set<std::pair<std::string, std::string>> decls;  ///< (prefix, uri) declared on this element
  std::vector<canon_node> children;
  std::string text;  ///< direct character data; white-space-only runs dropped when there are child elements
};

/// One top-level item of a stream: the stream header, a whole depth-1
/// element, or the closing </stream:stream>.
struct stream_item {
  enum class kind { header, element, close } k = kind::element;
  canon_node node;                      ///< header: the root's start tag only (no children)
  std::optional<std::string> xml_decl;  ///< header: the XML declaration's version, if one was written
};

/// What expat made of a piece of a stream.
struct stream_reading {
  bool ok = false;
  std::string error;              ///< expat's message when !ok
  std::vector<stream_item> items;
  bool incomplete = false;        ///< bytes ended inside a depth-1 element
  int whitespace_depth1 = 0;      ///< runs of character data directly inside the root (between top-level elements)
  int whitespace_nested = 0;      ///< white-space-only runs between elements inside top-level elements
};

namespace detail {

struct expat_builder {
  XML_Parser p = nullptr;
  stream_reading* out = nullptr;
  bool synthetic_root = false;  // a fragment: the root came from us, not from the bytes
  int depth = 0;
  std::vector<canon_node> open;                    // elements at depth >= 1 being built
  std::vector<std::vector<std::string>> raw_text;  // their text runs
  std::vector<std::pair<std::string, std::string>> pending_decls;
  std::optional<std::string> decl_version;
  std::string depth1_text;

  static std::string clark(const XML_Char* n, std::string* prefix) {
    // Triplets: "uri\x01local\x01prefix", "uri\x01local" or "local".
    std::string s(n);
    const auto a = s.find('\x01');
    if (a == std::string::npos) return s;
    const auto b = s.find('\x01', a + 1);
    if (prefix) *prefix = b == std::string::npos ? std::string() : s.substr(b + 1);
    return "{" + s.substr(0, a) + "}" + s.substr(a + 1, b == std::string::npos ? std::string::npos : b - a - 1);
  }

  void flush_depth1_text() {
    if (!depth1_text.empty()) ++out->whitespace_depth1;
    depth1_text.clear();
  }

  void start(const XML_Char* name, const XML_Char** atts) {
    canon_node n;
    n.name = clark(name, &n.prefix);
    for (int i = 0; atts[i]; i += 2) n.attrs[clark(atts[i], nullptr)] = atts[i + 1];
    n.decls.insert(pending_decls.begin(), pending_decls.end());
    pending_decls.clear();
    if (depth == 0) {
      if (!synthetic_root) {
        stream_item it;
        it.k = stream_item::kind::header;
        it.node = std::move(n);
        it.xml_decl = decl_version;
        out->items.push_back(std::move(it));
      }
    } else {
      if (depth == 1) flush_depth1_text();
      open.push_back(std::move(n));
      raw_text.emplace_back();
    }
    ++depth;
  }

  void end() {
    --depth;
    if (depth == 0) {
      flush_depth1_text();
      stream_item it;
      it.k = stream_item::kind::close;
      out->items.push_back(std::move(it));
      return;
    }
    canon_node n = std::move(open.back());
    std::vector<std::string> runs = std::move(raw_text.back());
    open.pop_back();
    raw_text.pop_back();
    for (const auto& r : runs) {
      const bool blank = r.find_first_not_of(" \t\r\n") == std::string::npos;
      if (blank && !n.children.empty()) {
        ++out->whitespace_nested;
        continue;
      }
      n.text += r;
    }
    if (open.empty()) {
      stream_item it;
      it.node = std::move(n);
      out->items.push_back(std::move(it));
    } else {
      open.back().children.push_back(std::move(n));
    }
  }

  void text(const XML_Char* s, int len) {
    if (depth == 1) {
      depth1_text.append(s, static_cast<std::size_t>(len));
      return;
    }
    if (open.empty()) return;
    auto& runs = raw_text.back();
    // expat may split one run into several calls; a run ends at the next tag.
    if (runs.empty() || joined_) runs.emplace_back();
    runs.back().append(s, static_cast<std::size_t>(len));
    joined_ = false;
  }
  bool joined_ = true;  // the next character data starts a new run
};

}  // namespace detail

/// Reads a piece of a stream with expat. A piece that starts with an XML
/// declaration or a stream header is read as a new document; any other piece
/// (depth-1 elements, </stream:stream>) is read inside a jabber:client stream
/// root that declares the 'stream' prefix and dialback's 'db' (draft §8.3
/// step 2: an s2s header declares it), as it would be on the wire.
inline stream_reading read_stream(std::string_view bytes) {
  stream_reading r;
  const auto first = bytes.find_first_not_of(" \t\r\n");
  const std::string_view lead = first == std::string_view::npos ? std::string_view{} : bytes.substr(first);
  const bool document = lead.starts_with("<?xml") || lead.starts_with("<stream:stream");
  detail::expat_builder b;
  b.out = &r;
  b.synthetic_root = !document;
  XML_Parser p = XML_ParserCreateNS(nullptr, '\x01');
  b.p = p;
  XML_SetReturnNSTriplet(p, XML_TRUE);
  XML_SetUserData(p, &b);
  XML_SetElementHandler(
      p,
      [](void* u, const XML_Char* n, const XML_Char** a) {
        auto& s = *static_cast<detail::expat_builder*>(u);
        s.joined_ = true;
        s.start(n, a);
      },
      [](void* u, const XML_Char*) {
        auto& s = *static_cast<detail::expat_builder*>(u);
        s.joined_ = true;
        s.end();
      });
  XML_SetCharacterDataHandler(p, [](void* u, const XML_Char* s, int len) {
    static_cast<detail::expat_builder*>(u)->text(s, len);
  });
  XML_SetStartNamespaceDeclHandler(p, [](void* u, const XML_Char* prefix, const XML_Char* uri) {
    static_cast<detail::expat_builder*>(u)->pending_decls.emplace_back(prefix ? prefix : "", uri ? uri : "");
  });
  XML_SetXmlDeclHandler(p, [](void* u, const XML_Char* version, const XML_Char*, int) {
    if (version) static_cast<detail::expat_builder*>(u)->decl_version = version;
  });
  bool ok = true;
  if (!document) {
    const std::string_view root =
        "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
        "xmlns:db='jabber:server:dialback'>";
    ok = XML_Parse(p, root.data(), static_cast<int>(root.size()), XML_FALSE) == XML_STATUS_OK;
    b.pending_decls.clear();
  }
  // A stream is one document that never ends here: not the final call, so
  // expat reports everything complete and keeps a partial token for later.
  if (ok) ok = XML_Parse(p, bytes.data(), static_cast<int>(bytes.size()), XML_FALSE) == XML_STATUS_OK;
  if (b.depth == 1) b.flush_depth1_text();  // white space after the last top-level element counts too
  r.ok = ok;
  if (!ok) r.error = XML_ErrorString(XML_GetErrorCode(p));
  r.incomplete = !b.open.empty();
  XML_ParserFree(p);
  return r;
}

/// A whole element (or the closing tag) of the draft's text, read by expat.
inline canon_node read_element(std::string_view bytes) {
  auto r = read_stream(bytes);
  REQUIRE_MESSAGE(r.ok, r.error);
  REQUIRE(r.items.size() == 1);
  return r.items.front().node;
}

// ----------------------------------------------------------- comparison --

/// A check of a value the draft leaves open.
using form_check = std::function<bool(std::string_view)>;

/// What may differ between an example and our answer, each entry named.
struct allowances {
  /// Attribute values checked for form only: "{ns}element@attribute-clark-name".
  std::map<std::string, form_check> open_attrs;
  /// Element text checked for form only: "{ns}element".
  std::map<std::string, form_check> open_text;
  /// Attributes ours may carry that the example does not show: "{ns}element@attribute".
  std::set<std::string> extra_attrs;
  /// Children ours may add that the example does not show: ("{ns}parent", "{ns}child").
  std::set<std::pair<std::string, std::string>> extra_children;
};

namespace detail {
inline std::string mismatch(const canon_node& want, const canon_node& got, const allowances& a,
                            const std::string& path, bool compare_decls) {
  const std::string here = path + "/" + want.name;
  if (want.name != got.name) return here + ": element is " + got.name;
  if (want.name.starts_with("{" + std::string(ns_streams) + "}") && want.prefix != got.prefix)
    return here + ": streams prefix '" + got.prefix + "', want '" + want.prefix + "'";
  if (compare_decls && want.decls != got.decls) return here + ": namespace declarations differ";
  for (const auto& [k, v] : want.attrs) {
    auto it = got.attrs.find(k);
    if (it == got.attrs.end()) return here + "@" + k + ": missing";
    if (auto o = a.open_attrs.find(want.name + "@" + k); o != a.open_attrs.end()) {
      if (!o->second(it->second)) return here + "@" + k + ": value '" + it->second + "' has the wrong form";
    } else if (it->second != v) {
      return here + "@" + k + ": '" + it->second + "', want '" + v + "'";
    }
  }
  for (const auto& [k, v] : got.attrs)
    if (!want.attrs.count(k) && !a.extra_attrs.count(want.name + "@" + k))
      return here + "@" + k + ": not in the example ('" + v + "')";
  if (auto o = a.open_text.find(want.name); o != a.open_text.end()) {
    if (!o->second(got.text)) return here + ": text '" + got.text + "' has the wrong form";
  } else if (want.text != got.text) {
    return here + ": text '" + got.text + "', want '" + want.text + "'";
  }
  std::vector<const canon_node*> kids;
  for (const auto& c : got.children) {
    const bool in_example = std::any_of(want.children.begin(), want.children.end(),
                                        [&](const canon_node& w) { return w.name == c.name; });
    if (!in_example && a.extra_children.count({want.name, c.name})) continue;
    kids.push_back(&c);
  }
  for (std::size_t i = 0; i < std::max(want.children.size(), kids.size()); ++i) {
    if (i >= kids.size()) return here + ": missing child " + want.children[i].name;
    if (i >= want.children.size()) return here + ": extra child " + kids[i]->name;
    if (auto m = mismatch(want.children[i], *kids[i], a, here, false); !m.empty()) return m;
  }
  return {};
}
}  // namespace detail

/// Empty when `got` is the example's `want` up to the allowances; else where and how they differ.
inline std::string mismatch(const canon_node& want, const canon_node& got, const allowances& a = {}) {
  return detail::mismatch(want, got, a, "", false);
}

/// Empty when the items of `got` are those of `want` (the draft's text), in
/// order, up to the allowances; else the first difference. Stream headers
/// compare their namespace declarations too (they fix the content namespace,
/// draft §4.5), and an XML declaration in the example must be in ours.
inline std::string mismatch_items(const stream_reading& want, const stream_reading& got, const allowances& a = {}) {
  if (!want.ok) return "the example does not parse: " + want.error;
  if (!got.ok) return "our bytes do not parse: " + got.error;
  if (got.incomplete) return "our bytes end inside an element";
  for (std::size_t i = 0; i < std::max(want.items.size(), got.items.size()); ++i) {
    const std::string at = "item " + std::to_string(i);
    if (i >= got.items.size()) return at + ": missing";
    if (i >= want.items.size()) return at + ": extra (" + got.items[i].node.name + ")";
    const auto& w = want.items[i];
    const auto& g = got.items[i];
    if (w.k != g.k) return at + ": a different kind of item";
    if (w.k == stream_item::kind::close) continue;
    if (w.k == stream_item::kind::header && w.xml_decl && g.xml_decl != w.xml_decl)
      return at + ": XML declaration missing or of another version";
    if (auto m = detail::mismatch(w.node, g.node, a, at, w.k == stream_item::kind::header); !m.empty()) return m;
  }
  return {};
}
inline std::string mismatch_items(std::string_view example, std::string_view ours, const allowances& a = {}) {
  return mismatch_items(read_stream(example), read_stream(ours), a);
}

/// The example with children taken out: those named `child` under an element
/// named `parent` (and, when `text` is given, only those with that text). For
/// the few places where our machine documents another choice than the
/// example; every use says why.
inline void drop_child(canon_node& n, std::string_view parent, std::string_view child,
                       std::optional<std::string_view> text = std::nullopt) {
  if (n.name == parent)
    n.children.erase(std::remove_if(n.children.begin(), n.children.end(),
                                    [&](const canon_node& c) { return c.name == child && (!text || c.text == *text); }),
                     n.children.end());
  for (auto& c : n.children) drop_child(c, parent, child, text);
}
inline void drop_child(stream_reading& r, std::string_view parent, std::string_view child,
                       std::optional<std::string_view> text = std::nullopt) {
  for (auto& it : r.items) drop_child(it.node, parent, child, text);
}

// ---------------------------------------------------------- value forms --

/// A stream id (draft §4.4: unique and unpredictable; App. C.1: NMTOKEN).
/// We ask for at least 16 characters: enough for 64 bits of randomness in hex.
inline bool stream_id_form(std::string_view v) {
  return v.size() >= 16 && std::all_of(v.begin(), v.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
                  c == '_' || c == '.';
         });
}

/// Whitespace removed: the draft breaks long base64 over lines for the page only.
inline std::string unfold(std::string_view s) {
  std::string out;
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') out += c;
  return out;
}

/// The draft's text with the white space between elements removed (what a
/// sender must send, draft §5.1 rule 5, §6.1 rule 4). White space inside tags
/// stays: it separates attributes.
inline std::string compact(std::string_view s) {
  std::string out;
  std::size_t i = 0;
  while (i < s.size()) {
    const bool space = s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n';
    if (!space) {
      out += s[i++];
      continue;
    }
    std::size_t j = s.find_first_not_of(" \t\r\n", i);
    if (j == std::string_view::npos) j = s.size();
    const bool between = (out.empty() || out.back() == '>') && (j == s.size() || s[j] == '<');
    if (!between) out.append(s.substr(i, j - i));
    i = j;
  }
  return out;
}

/// The bytes of one step as sent: as the draft prints it, followed by the
/// newline that separates its blocks (`pretty`), or compacted.
inline std::string wire(std::string_view step, bool pretty) {
  return pretty ? std::string(step) + "\n" : compact(step);
}

// -------------------------------------------------- OpenSSL: base64, MD5 --

/// RFC 3548 §3 base64 by OpenSSL, strictly: nullopt unless re-encoding gives the input back
/// (so no line breaks, no characters outside the alphabet, canonical padding).
inline std::optional<std::string> base64_strict_decode(std::string_view in) {
  if (in.size() % 4 != 0) return std::nullopt;
  std::string out(in.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  if (n < 0) return std::nullopt;
  std::size_t len = static_cast<std::size_t>(n);
  if (in.ends_with("==")) len -= 2;
  else if (in.ends_with("=")) len -= 1;
  out.resize(len);
  std::string back(out.size() / 3 * 4 + 8, '\0');
  const int m = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(back.data()),
                                reinterpret_cast<const unsigned char*>(out.data()), static_cast<int>(out.size()));
  back.resize(static_cast<std::size_t>(m));
  if (back != in) return std::nullopt;
  return out;
}

inline std::string base64_encode(std::string_view in) {
  std::string out((in.size() + 2) / 3 * 4 + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

inline std::string md5_raw(std::string_view in) { return xc_test::openssl_digest("MD5", in); }
using xc_test::hex;

/// RFC 2831 §2.1.2.1 response-value (or rspauth) for qop=auth, ASCII inputs,
/// no authzid, written out here from the RFC with OpenSSL's MD5.
inline std::string rfc2831_value(std::string_view user, std::string_view realm, std::string_view password,
                                 std::string_view nonce, std::string_view cnonce, std::string_view digest_uri,
                                 bool rspauth) {
  const std::string secret = md5_raw(std::string(user) + ":" + std::string(realm) + ":" + std::string(password));
  const std::string a1 = secret + ":" + std::string(nonce) + ":" + std::string(cnonce);
  const std::string a2 = std::string(rspauth ? ":" : "AUTHENTICATE:") + std::string(digest_uri);
  return hex(md5_raw(hex(md5_raw(a1)) + ":" + std::string(nonce) + ":00000001:" + std::string(cnonce) + ":auth:" +
                     hex(md5_raw(a2))));
}

/// Resourceprep (draft App. B) by libidn; nullopt when libidn refuses the string.
inline std::optional<std::string> libidn_resourceprep(std::string_view s) {
  std::string buf(s);
  buf.resize(s.size() * 4 + 64, '\0');
  if (stringprep(buf.data(), buf.size(), Stringprep_profile_flags{}, stringprep_xmpp_resourceprep) != STRINGPREP_OK)
    return std::nullopt;
  buf.resize(std::char_traits<char>::length(buf.c_str()));
  return buf;
}

/// Sets the text of every element named `name` in the tree (an example's
/// illustrative value replaced by the one a test needs; each use says why).
inline void set_text(canon_node& n, std::string_view name, std::string_view text) {
  if (n.name == name) n.text = std::string(text);
  for (auto& c : n.children) set_text(c, name, text);
}

/// A DIGEST-MD5 message as (name, value-as-written) pairs, split at commas
/// outside quotes (RFC 2831 §7.1 #rule); enough for the draft's examples.
inline std::vector<std::pair<std::string, std::string>> directives(std::string_view msg) {
  std::vector<std::pair<std::string, std::string>> out;
  std::string cur;
  bool quoted = false;
  auto flush = [&] {
    const auto eq = cur.find('=');
    if (!cur.empty()) out.emplace_back(cur.substr(0, eq), eq == std::string::npos ? "" : cur.substr(eq + 1));
    cur.clear();
  };
  for (std::size_t i = 0; i < msg.size(); ++i) {
    const char c = msg[i];
    if (c == '"' && (i == 0 || msg[i - 1] != '\\')) quoted = !quoted;
    if (c == ',' && !quoted) {
      flush();
      continue;
    }
    cur += c;
  }
  flush();
  return out;
}

/// A directive's value as written, or nullopt.
inline std::optional<std::string> directive(const std::vector<std::pair<std::string, std::string>>& ds,
                                            std::string_view name) {
  for (const auto& [k, v] : ds)
    if (k == name) return v;
  return std::nullopt;
}

// ------------------------------------------------- the draft's examples --

/// The examples of draft-ietf-xmpp-core-23 that more than one test file
/// replays, transcribed with the draft's indentation (its white space between
/// elements is for reading only). Each section's other examples are in its
/// own test file.
namespace draft {

/// The client's stream header of draft §5.3 steps 1 and 7 and §6.5 steps 1 and 10.
inline constexpr std::string_view client_header = R"(<stream:stream
  xmlns='jabber:client'
  xmlns:stream='http://etherx.jabber.org/streams'
  to='example.com'
  version='1.0'>)";

/// draft §6.5 step 3 (also what §5.3 step 3 offers next to STARTTLS).
inline constexpr std::string_view sasl_features = R"(<stream:features>
  <mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>
    <mechanism>DIGEST-MD5</mechanism>
    <mechanism>PLAIN</mechanism>
  </mechanisms>
</stream:features>)";

/// draft §6.5 step 4.
inline constexpr std::string_view auth_digest_md5 = R"(<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl'
  mechanism='DIGEST-MD5' />)";

/// draft §6.5 steps 7 (alt) and 9 (alt).
inline constexpr std::string_view temporary_auth_failure = R"(<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>
  <temporary-auth-failure/>
</failure>
</stream:stream>)";

/// The server's stream header of draft §6.5 step 11 and §7 (id 'c2s_345').
/// The headers of §5.3 step 2 ('c2s_123') and §6.5 step 2 ('c2s_234') differ
/// from it only in the id, which is compared for form, never by value, so
/// this one text stands for all four.
inline constexpr std::string_view server_header = R"(<stream:stream
  xmlns='jabber:client'
  xmlns:stream='http://etherx.jabber.org/streams'
  id='c2s_345'
  from='example.com'
  version='1.0'>)";

}  // namespace draft

/// The allowances every comparison with a server's stream header and
/// features needs: the id is checked for form (the draft's 'c2s_123' is an
/// illustration), and our features may carry XEP-0478 <limits/>, which the
/// draft could not know (draft §4.6: a feature a client does not understand
/// is ignored).
inline allowances server_stream_allowances() {
  allowances a;
  a.open_attrs["{http://etherx.jabber.org/streams}stream@id"] = stream_id_form;
  a.extra_children.insert({"{http://etherx.jabber.org/streams}features", "{urn:xmpp:stream-limits:0}limits"});
  return a;
}

// --------------------------------------------------------- the replayer --

/// How the bytes of each step reach receive(): in chunks of `chunk` bytes,
/// and cut once more at `split` (when set) -- the grinder of the pair tests.
struct feed_plan {
  std::size_t chunk = SIZE_MAX;
  std::size_t split = SIZE_MAX;
};

/// What one step did to a machine.
struct step_result {
  std::size_t consumed = 0;
  session::receive_status status = session::receive_status::ok;
  std::string out;                  ///< every byte the machine wrote, drained
  std::vector<std::string> events;  ///< xs_test::describe of each event
  std::vector<std::string> elements;  ///< the element of each stanza_received/element_received
  std::string rest;                 ///< bytes not consumed (after a stop)
  bool has(std::string_view ev) const { return std::find(events.begin(), events.end(), ev) != events.end(); }
};

/// Drains a machine's events and output into `r`. Whatever our machine
/// writes must be well-formed for expat in its place in the stream and hold
/// no character data between top-level elements (draft §5.1 rule 5, §6.1
/// rule 4 forbid it during negotiation; we never send any).
template <class M>
void drain(M& m, step_result& r) {
  while (auto ev = m.next_event()) {
    r.events.push_back(xs_test::describe(*ev));
    if (ev->element) r.elements.push_back(xml::to_xml(*ev->element));
  }
  const std::string_view out = m.pending_output();
  // Each restarted stream is a new document (draft §5.2 step 7, §6.2 step 3),
  // and ours start with an XML declaration: read each on its own.
  for (std::size_t from = 0; from < out.size();) {
    const std::size_t next = std::min(out.find("<?xml", from + 1), out.size());
    const std::string_view piece = out.substr(from, next - from);
    const auto seen = read_stream(piece);
    CHECK_MESSAGE(seen.ok, "expat: ", seen.error, " in ", piece);
    CHECK_MESSAGE(seen.whitespace_depth1 == 0, "text between top-level elements in ", piece);
    from = next;
  }
  r.out.append(out);
  m.mark_sent(out.size());
}

/// Feeds `bytes` to `m` by the plan until all are consumed or the machine
/// stops (transport switch, waiting, closed); drains events and output.
template <class M>
step_result feed(M& m, std::string_view bytes, feed_plan plan = {}) {
  step_result r;
  std::vector<std::string_view> pieces;
  const std::size_t cut = std::min(plan.split, bytes.size());
  for (std::string_view part : {bytes.substr(0, cut), bytes.substr(cut)})
    for (std::size_t at = 0; at < part.size(); at += std::min(plan.chunk, part.size() - at))
      pieces.push_back(part.substr(at, std::min(plan.chunk, part.size() - at)));
  drain(m, r);
  bool stopped = false;
  for (std::string_view piece : pieces) {
    while (!stopped && !piece.empty()) {
      auto res = m.receive(piece);
      REQUIRE(res.consumed <= piece.size());
      r.consumed += res.consumed;
      piece.remove_prefix(res.consumed);
      r.status = res.status;
      drain(m, r);
      if (res.status == session::receive_status::full) continue;  // drained: go on with the rest
      if (res.status != session::receive_status::ok) stopped = true;
      else REQUIRE(piece.empty());
    }
    if (stopped) r.rest.append(piece);
  }
  return r;
}

/// Every plan a transcript is ground with: whole, byte by byte, small chunks,
/// and (for the caller's loop) each cut offset in turn.
inline std::vector<feed_plan> standard_plans() { return {{}, {1}, {2}, {3}, {7}, {64}}; }

/// Runs `scenario(plan, pretty)` with the draft's layout (pretty) and
/// compacted, under every standard plan and cut at every offset up to `longest`.
template <class F>
void grind(F scenario, std::size_t longest) {
  for (bool pretty : {true, false}) {
    CAPTURE(pretty);
    for (auto plan : standard_plans()) {
      CAPTURE(plan.chunk);
      scenario(plan, pretty);
    }
    for (std::size_t cut = 0; cut <= longest; ++cut) {
      CAPTURE(cut);
      scenario(feed_plan{SIZE_MAX, cut}, pretty);
    }
  }
}

/// True when `bytes` (one piece for read_stream) hold character data between
/// top-level elements or white space between elements anywhere (draft §5.1
/// rule 5, §6.1 rule 4), or do not parse at all.
inline bool writes_whitespace(std::string_view bytes) {
  auto r = read_stream(bytes);
  return !r.ok || r.whitespace_depth1 != 0 || r.whitespace_nested != 0;
}

}  // namespace xs_spec
