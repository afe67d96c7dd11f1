#include <xmppcore/jid/jid.hpp>

#include <doctest/doctest.h>

#include <cstdlib>
#include <functional>
#include <new>
#include <random>
#include <set>
#include <utility>
#include <string>
#include <unordered_set>

using namespace xmppcore::jid;
using xmppcore::stanza_condition;

// Counts heap allocations made by this thread, to check the "no allocation when the input is
// already prepared" promise. Replaces the global operator new for this test binary only.
namespace {
thread_local long g_allocs = 0;
}
void* operator new(std::size_t n) {
  ++g_allocs;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc{};
}
void* operator new[](std::size_t n) { return ::operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace {

std::string show(const xmppcore::result<jid, jid_error>& r) {
  if (r) return std::string(r->full());
  return "!" + std::string(to_string(r.error().part)) + ":" + std::string(to_string(r.error().code));
}

}  // namespace

TEST_CASE("jid: draft §3.1 structure and accessors") {
  preparer p;
  auto j = jid::parse("Juliet@Example.COM/Balcony", p);
  REQUIRE(j);
  CHECK(j->has_node());
  CHECK(j->node() == "juliet");
  CHECK(j->domain() == "example.com");
  CHECK(j->has_resource());
  CHECK(j->resource() == "Balcony");  // Resourceprep does not case-fold
  CHECK(j->full() == "juliet@example.com/Balcony");
  CHECK(j->to_string() == "juliet@example.com/Balcony");
  CHECK(j->bare_view() == "juliet@example.com");
  CHECK(j->is_full());
  CHECK_FALSE(j->is_bare());
  const jid b = j->bare();
  CHECK(b.full() == "juliet@example.com");
  CHECK(b.is_bare());
  CHECK(b.node() == "juliet");
  CHECK(b.domain() == "example.com");
  CHECK(b.resource().empty());

  auto d = jid::parse("example.com", p);
  REQUIRE(d);
  CHECK_FALSE(d->has_node());
  CHECK(d->node().empty());
  CHECK(d->domain() == "example.com");
  CHECK_FALSE(d->has_resource());

  auto dr = jid::parse("example.com/script", p);
  REQUIRE(dr);
  CHECK_FALSE(dr->has_node());
  CHECK(dr->resource() == "script");
  CHECK(dr->bare().full() == "example.com");
}

TEST_CASE("jid: separators (resource after the first '/', node before the first '@' preceding it)") {
  preparer p;
  auto a = jid::parse("a@b/c@d/e", p);
  REQUIRE(a);
  CHECK(a->node() == "a");
  CHECK(a->domain() == "b");
  CHECK(a->resource() == "c@d/e");
  auto b = jid::parse("d/r@x", p);  // '@' after the '/' belongs to the resource
  REQUIRE(b);
  CHECK_FALSE(b->has_node());
  CHECK(b->domain() == "d");
  CHECK(b->resource() == "r@x");
  CHECK(show(jid::parse("a@b@c", p)) == "!domain:invalid-label");  // second '@' is in the domain
  CHECK(show(jid::parse("n@[::1]/r", p)) == "n@[::1]/r");
  CHECK(show(jid::parse("n@192.0.2.1/r", p)) == "n@192.0.2.1/r");
  CHECK(show(jid::parse("n@example.com./r", p)) == "n@example.com/r");  // trailing dot removed
}

TEST_CASE("jid: empty parts are errors (draft §3.1)") {
  preparer p;
  CHECK(show(jid::parse("@d", p)) == "!node:empty");
  CHECK(show(jid::parse("n@", p)) == "!domain:empty");
  CHECK(show(jid::parse("d/", p)) == "!resource:empty");
  CHECK(show(jid::parse("n@d/", p)) == "!resource:empty");
  CHECK(show(jid::parse("", p)) == "!domain:empty");
  CHECK(show(jid::parse("/r", p)) == "!domain:empty");
  CHECK(show(jid::parse("n@/r", p)) == "!domain:empty");
  CHECK(show(jid::parse("@", p)) == "!node:empty");
  CHECK(show(jid::parse("\u00AD@d", p)) == "!node:empty");   // prepares to nothing
  CHECK(show(jid::parse("d/\u200B", p)) == "!resource:empty");
}

TEST_CASE("jid: each part's profile and errors name the part") {
  preparer p;
  CHECK(show(jid::parse("J\u00DCLIET@\u00C9XAMPLE.com/\u216B", p)) == "j\u00FCliet@\u00E9xample.com/XII");
  CHECK(show(jid::parse("\uFF2A\uFF55\uFF4C@example.com", p)) == "jul@example.com");
  CHECK(show(jid::parse("stra\u00DFe@example.com/stra\u00DFe", p)) == "strasse@example.com/stra\u00DFe");
  CHECK(show(jid::parse("a b@example.com", p)) == "!node:prohibited");
  CHECK(show(jid::parse("a:b@example.com", p)) == "!node:prohibited");
  CHECK(show(jid::parse("example.com/a b", p)) == "example.com/a b");       // space fine in a resource
  CHECK(show(jid::parse("example.com/a\tb", p)) == "!resource:prohibited");
  CHECK(show(jid::parse("x@ex ample.com", p)) == "!domain:invalid-label");
  CHECK(show(jid::parse("\u05D0a@example.com", p)) == "!node:bidi");
  CHECK(show(jid::parse("x@example.com/\u05D0a", p)) == "!resource:bidi");
  CHECK(show(jid::parse("\U000E0002@example.com", p)) == "!node:unassigned");
  CHECK(show(jid::parse("\U000E0002@example.com", p, {.mode = prep_mode::query})) == "\U000E0002@example.com");
  CHECK(show(jid::parse("\xC3@example.com", p)) == "!node:invalid-utf8");
  CHECK(show(jid::parse("x@example.com/\xC3", p)) == "!resource:invalid-utf8");
  CHECK(show(jid::parse("x@\xC3.com", p)) == "!domain:invalid-utf8");
  CHECK(show(jid::parse("x@999.1.1.1", p)) == "!domain:invalid-ip-literal");

  auto e = jid::parse("@d", p);
  REQUIRE_FALSE(e);
  CHECK(e.error() == jid_error{part::node, errc::empty});
  CHECK(e.error().condition() == stanza_condition::jid_malformed);
  CHECK(jid_error{part::domain, errc::resource_failure}.condition() == stanza_condition::internal_server_error);
}

TEST_CASE("jid: peers' bad input is always jid-malformed, never our fault (draft §9.3.3)") {
  preparer p;
  // A domain label over ICU's internal limit used to come back as resource-failure, i.e.
  // <internal-server-error/>.
  std::string long_label;
  for (int i = 0; i < 1500; ++i) long_label += "\u00E9";
  auto e = jid::parse("x@" + long_label, p);
  REQUIRE_FALSE(e);
  CHECK(e.error() == jid_error{part::domain, errc::label_too_long});
  CHECK(e.error().condition() == stanza_condition::jid_malformed);
  // Runs of more than 30 combining marks (UAX #15 §13), refused before normalization.
  std::string marks = "a";
  for (int i = 0; i < 2000; ++i) marks += (i % 2) ? "\u0334" : "\u0301";
  for (const auto& [in, where] : {std::pair{marks + "@d", part::node}, std::pair{"d/" + marks, part::resource},
                                  std::pair{"n@" + marks.substr(0, 101) + ".example", part::domain}}) {
    auto r = jid::parse(in, p);
    REQUIRE_FALSE(r);
    CHECK(r.error() == jid_error{where, errc::not_stream_safe});
    CHECK(r.error().condition() == stanza_condition::jid_malformed);
  }
}

TEST_CASE("jid: domain rules and the ACE form of the domain") {
  preparer p;
  auto j = jid::parse("Juliet@B\u00DCCHER.example/Balcony", p);
  REQUIRE(j);
  CHECK(j->domain() == "b\u00FCcher.example");
  CHECK(j->domain_ace() == "xn--bcher-kva.example");
  CHECK(jid::parse("x@example.com", p)->domain_ace() == "example.com");
  CHECK(jid::parse("x@[::1]", p)->domain_ace() == "[::1]");
  // The draft's IDNA2003 by default; the strict rules (UTS #46 and DNS limits) on request.
  CHECK(show(jid::parse("x@\u2260.example", p)) == "x@\u2260.example");
  CHECK(show(jid::parse("x@\u2260.example", p, {.idna = idna_rules::strict})) == "!domain:invalid-label");
  CHECK(show(jid::parse("x@xn--abc.example", p)) == "x@xn--abc.example");
  CHECK(show(jid::parse("x@xn--abc.example", p, {.idna = idna_rules::strict})) == "!domain:invalid-label");
  // An ACE domain is stored decoded, so the ACE form of the result is what was given.
  auto a = jid::parse("x@XN--BCHER-KVA.example", p);
  REQUIRE(a);
  CHECK(a->domain_ace() == "xn--bcher-kva.example");
  CHECK(*a == *jid::parse("x@b\u00FCcher.example", p));
}

TEST_CASE("jid: 1023 bytes per part after preparation (draft §3.1)") {
  preparer p;
  const std::string n1023(1023, 'n'), n1024(1024, 'n');
  CHECK(show(jid::parse(n1023 + "@d", p)) == n1023 + "@d");
  CHECK(show(jid::parse(n1024 + "@d", p)) == "!node:too-long");
  CHECK(show(jid::parse("d/" + n1023, p)) == "d/" + n1023);
  CHECK(show(jid::parse("d/" + n1024, p)) == "!resource:too-long");
  CHECK(show(jid::parse(std::string(1023, 'N') + "@d", p)) == n1023 + "@d");   // via lower-casing
  CHECK(show(jid::parse(std::string(1024, 'N') + "@d", p)) == "!node:too-long");
  // Measured after preparation: 512 x ß is 1024 bytes in and out ("ss"); 511 x ß is 1022.
  std::string sz511, sz512;
  for (int i = 0; i < 511; ++i) sz511 += "\u00DF";
  sz512 = sz511 + "\u00DF";
  CHECK(jid::parse(sz511 + "@d", p));
  CHECK(show(jid::parse(sz512 + "@d", p)) == "!node:too-long");
  // Shrinking: 1500 soft hyphens (3000 bytes) around "a" prepare to "a".
  std::string shy;
  for (int i = 0; i < 1500; ++i) shy += "\u00AD";
  CHECK(show(jid::parse("a" + shy + "@d", p)) == "a@d");
  // Expanding: U+FDFA is 3 bytes in and 33 out (Resourceprep NFKC).
  const auto one = p.resourceprep("\uFDFA");
  REQUIRE(one);
  const std::size_t fits = 1023 / one->size();
  std::string ok, over;
  for (std::size_t i = 0; i < fits; ++i) ok += "\uFDFA";
  over = ok + "\uFDFA";
  CHECK(jid::parse("d/" + ok, p));
  CHECK(show(jid::parse("d/" + over, p)) == "!resource:too-long");
  // Raw input guard: more than 4 x 1023 bytes in one part is refused before preparation.
  std::string huge = "a";
  for (int i = 0; i < 2100; ++i) huge += "\u00AD";
  CHECK(huge.size() > max_raw_part_bytes);
  CHECK(show(jid::parse(huge + "@d", p)) == "!node:too-long");
}

TEST_CASE("jid: equality, ordering and hashing use the prepared form (§3.2-3.4, §14.10)") {
  preparer p;
  auto J = [&](const char* s) {
    auto r = jid::parse(s, p);
    REQUIRE(r);
    return *r;
  };
  CHECK(J("Juliet@Example.COM/Balcony") == J("juliet@example.com/Balcony"));
  CHECK(J("JULIET@example.com") == J("juliet@EXAMPLE.com."));
  CHECK(J("ju\u00ADliet@example.com") == J("juliet@example.com"));      // soft hyphen
  CHECK(J("\uFF2A\uFF35\uFF2C\uFF29\uFF25\uFF34@example.com") == J("juliet@example.com"));  // fullwidth
  CHECK(J("\u216B@example.com") == J("xii@example.com"));
  CHECK(J("stra\u00DFe@example.com") == J("strasse@example.com"));
  CHECK(J("x@example\u3002com") == J("x@example.com"));
  // One domain however it is spelled (RFC 3490 §3.1 req. 3; RFC 5952 §4): no second name for an account.
  CHECK(J("x@xn--bcher-kva.example") == J("x@b\u00FCcher.example"));
  CHECK(J("x@XN--BCHER-KVA.example/r") == J("x@B\u00DCCHER.example/r"));
  CHECK(J("x@[2001:DB8:0::1]") == J("x@[2001:db8::1]"));
  CHECK(J("x@[::FFFF:c000:0201]") == J("x@[::ffff:192.0.2.1]"));
  CHECK(J("juliet@example.com/Balcony") != J("juliet@example.com/balcony"));  // resource case matters
  CHECK(J("juliet@example.com") != J("juliet@example.com/r"));
  CHECK(J("a@b") < J("a@c"));
  CHECK((J("b") <=> J("b")) == std::strong_ordering::equal);
  std::unordered_set<jid> set{J("Juliet@Example.com"), J("juliet@example.com"), J("romeo@example.net")};
  CHECK(set.size() == 2);
  CHECK(set.count(J("JULIET@EXAMPLE.COM")) == 1);
  std::set<jid> ordered{J("c"), J("a"), J("b"), J("A")};
  CHECK(ordered.size() == 3);
  CHECK(ordered.begin()->full() == "a");
  CHECK(std::hash<jid>{}(J("X@Y")) == std::hash<jid>{}(J("x@y")));
}

TEST_CASE("jid: from_parts") {
  preparer p;
  auto j = jid::from_parts("Juliet", "Example.com", "Balcony", p);
  REQUIRE(j);
  CHECK(j->full() == "juliet@example.com/Balcony");
  CHECK(*j == *jid::parse("juliet@example.com/Balcony", p));
  CHECK(show(jid::from_parts(std::nullopt, "example.com", std::nullopt, p)) == "example.com");
  CHECK(show(jid::from_parts("", "example.com", std::nullopt, p)) == "!node:empty");
  CHECK(show(jid::from_parts(std::nullopt, "example.com", "", p)) == "!resource:empty");
  CHECK(show(jid::from_parts("a@b", "example.com", std::nullopt, p)) == "!node:prohibited");
  CHECK(show(jid::from_parts(std::nullopt, "example.com", "x/y@z", p)) == "example.com/x/y@z");
  CHECK(show(jid::from_parts(std::nullopt, "a/b", std::nullopt, p)) == "!domain:invalid-label");
}

TEST_CASE("jid: one-shot parse without a preparer") {
  CHECK(show(jid::parse(std::string_view("J\u00DCLIET@example.com/r"))) == "j\u00FCliet@example.com/r");
  CHECK(show(jid::parse(std::string_view("@x"))) == "!node:empty");
}

TEST_CASE("jid: no allocation when the input is already prepared ASCII") {
  preparer p;
  (void)jid::parse("warm@up.example/\u00E9", p);  // open the ICU profiles outside the measurement
  {
    const std::string_view in = "u@example.com/r";  // 15 bytes: fits the small-string buffer
    const long before = g_allocs;
    auto j = jid::parse(in, p);
    CHECK(g_allocs - before == 0);
    REQUIRE(j);
    CHECK(j->full() == in);
  }
  {
    const std::string_view in = "user@example.com/phone";
    const long before = g_allocs;
    auto j = jid::parse(in, p);
    CHECK(g_allocs - before == 1);  // the jid's own copy, nothing else
    REQUIRE(j);
  }
  {
    std::string in = "juliet@capulet.example.com/balcony-and-garden";
    const char* buf = in.data();
    const long before = g_allocs;
    auto j = jid::parse(std::move(in), p);
    CHECK(g_allocs - before == 0);  // adopts the caller's buffer
    REQUIRE(j);
    CHECK(j->full().data() == buf);
  }
  {
    // Not prepared yet: one allocation for the result, no temporaries.
    const std::string_view in = "Juliet@Capulet.example.com/balcony-and-garden";
    const long before = g_allocs;
    auto j = jid::parse(in, p);
    CHECK(g_allocs - before == 1);
    REQUIRE(j);
  }
  {
    const std::string_view in = "j\u00FCliet@capulet.example.com/balcony-and-garden";
    const long before = g_allocs;
    auto j = jid::parse(in, p);
    CHECK(g_allocs - before == 1);  // ICU work buffers are on the stack
    REQUIRE(j);
  }
}

// The already-prepared shortcut and the ASCII fast paths must never change a result.
TEST_CASE("jid: fast paths equal the ICU-only path on 60,000 random ASCII JIDs") {
  preparer fast, icu;
  icu.use_ascii_fast_path(false);
  std::mt19937 rng(6120);
  const std::string alphabet = "abcXYZ09-._@/ :'\"&<>\x01\x7f[]";
  long mismatches = 0, ok = 0;
  for (int n = 0; n < 60000; ++n) {
    std::string s;
    const int len = 1 + static_cast<int>(rng() % 30);
    for (int k = 0; k < len; ++k)
      s += (rng() % 5 == 0) ? alphabet[rng() % alphabet.size()] : static_cast<char>('a' + rng() % 26);
    if (rng() % 3 == 0) s = "node@" + s;
    if (rng() % 3 == 0) s += "/Res";
    if (rng() % 10 == 0) s = "n@192.0.2." + std::to_string(rng() % 300);
    const auto f = show(jid::parse(s, fast)), i = show(jid::parse(s, icu));
    if (f != i) {
      ++mismatches;
      CAPTURE(s);
      CHECK(f == i);
    }
    if (f[0] != '!') ++ok;
  }
  CHECK(mismatches == 0);
  CHECK(ok > 10000);
}

TEST_CASE("bare_jid and full_jid carry their guarantee in the type") {
  preparer p;
  auto b = bare_jid::parse("Juliet@Example.com", p);
  REQUIRE(b);
  CHECK(b->full() == "juliet@example.com");
  CHECK(b->node() == "juliet");
  CHECK(b->domain() == "example.com");
  auto withres = bare_jid::parse("juliet@example.com/r", p);
  REQUIRE_FALSE(withres);
  CHECK(withres.error() == jid_error{part::resource, errc::not_allowed});
  CHECK(show(jid::parse("a@b", p)) == "a@b");

  auto f = full_jid::parse("Juliet@Example.com/Balcony", p);
  REQUIRE(f);
  CHECK(f->resource() == "Balcony");
  CHECK(f->bare() == *b);
  CHECK(f->bare().full() == "juliet@example.com");
  auto nores = full_jid::parse("juliet@example.com", p);
  REQUIRE_FALSE(nores);
  CHECK(nores.error() == jid_error{part::resource, errc::missing});
  CHECK(to_string(errc::missing) == "missing");
  CHECK(full_jid::parse("@x/y", p).error() == jid_error{part::node, errc::empty});

  auto j = jid::parse("Juliet@Example.com/Balcony", p);
  REQUIRE(j);
  CHECK(bare_jid(*j) == *b);  // drops the resource
  CHECK(full_jid::from(*j)->as_jid() == *j);
  CHECK(std::hash<bare_jid>{}(*b) == std::hash<jid>{}(j->bare()));
  CHECK(std::hash<full_jid>{}(*f) == std::hash<jid>{}(*j));
  CHECK(*bare_jid::parse("a@b", p) < *bare_jid::parse("a@c", p));
}
