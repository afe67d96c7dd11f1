#include <xmppcore/jid/stringprep.hpp>

#include <doctest/doctest.h>

#include <random>
#include <string>
#include <string_view>

using namespace xmppcore::jid;

namespace {

// "output" or "!error-name", so that CHECK failures print something readable.
std::string show(const xmppcore::result<std::string, prep_error>& r) {
  return r ? *r : "!" + std::string(to_string(r.error()));
}

std::string run(preparer& p, profile pr, std::string_view in, prep_mode mode = prep_mode::stored) {
  return show(p.prepare(pr, in, mode));
}

const profile all_profiles[] = {profile::nodeprep, profile::resourceprep, profile::nameprep, profile::saslprep};

}  // namespace

// RFC 3491 has no vectors of its own; these are the published Nameprep test vectors of
// draft-josefsson-idn-test-vectors-00 (§4.1-§4.41), typed in here as code points.
TEST_CASE("nameprep: draft-josefsson-idn-test-vectors §4") {
  preparer p;
  struct vec { const char* name; const char* in; const char* out; };  // out "!x" = error x
  const vec vs[] = {
      {"4.1 map to nothing", "foo\u00AD\u034F\u1806\u180Bbar\u200B\u2060baz\uFE00\uFE08\uFE0F\uFEFF", "foobarbaz"},
      {"4.2 case folding ASCII", "CAFE", "cafe"},
      {"4.3 case folding 8bit", "\u00DF", "ss"},
      {"4.4 case folding U+0130", "\u0130", "i\u0307"},
      {"4.5 case folding multibyte", "\u0143\u037A", "\u0144 \u03B9"},
      {"4.6 case folding", "\u2121\u33C6\U0001D7BB", "telc\u2215kg\u03C3"},
      {"4.7 normalization", "j\u030C\u00A0\u00AA", "\u01F0 a"},
      {"4.8 case folding U+1FB7", "\u1FB7", "\u1FB6\u03B9"},
      {"4.9 self-reverting U+01F0", "\u01F0", "\u01F0"},
      {"4.10 self-reverting U+0390", "\u0390", "\u0390"},
      {"4.11 self-reverting U+03B0", "\u03B0", "\u03B0"},
      {"4.12 self-reverting U+1E96", "\u1E96", "\u1E96"},
      {"4.13 self-reverting U+1F56", "\u1F56", "\u1F56"},
      {"4.14 ASCII space", " ", " "},
      {"4.15 non-ASCII 8bit space", "\u00A0", " "},
      {"4.16 non-ASCII multibyte space", "\u1680", "!prohibited"},
      {"4.17 non-ASCII multibyte space U+2000", "\u2000", " "},
      {"4.18 zero width space", "\u200B", ""},  // maps to nothing: the empty string
      {"4.19 ideographic space", "\u3000", " "},
      {"4.20 ASCII control", "\x10\x7F", "\x10\x7F"},
      {"4.21 non-ASCII 8bit control", "\u0085", "!prohibited"},
      {"4.22 non-ASCII multibyte control", "\u180E", "!prohibited"},
      {"4.23 zero width no-break space", "\uFEFF", ""},
      {"4.24 non-ASCII control U+1D175", "\U0001D175", "!prohibited"},
      {"4.25 plane 0 private use", "\uF123", "!prohibited"},
      {"4.26 plane 15 private use", "\U000F1234", "!prohibited"},
      {"4.27 plane 16 private use", "\U0010F234", "!prohibited"},
      {"4.28 non-character U+8FFFE", "\U0008FFFE", "!prohibited"},
      {"4.29 non-character U+10FFFF", "\U0010FFFF", "!prohibited"},
      {"4.31 non-plain text", "\uFFFD", "!prohibited"},
      {"4.32 ideographic description", "\u2FF5", "!prohibited"},
      {"4.33 display property", "\u0341", "\u0301"},  // NFKC turns it into U+0301 before the C.8 check
      {"4.34 left-to-right mark", "\u200E", "!prohibited"},
      {"4.35 deprecated", "\u202A", "!prohibited"},
      {"4.36 language tagging U+E0001", "\U000E0001", "!prohibited"},
      {"4.37 language tagging U+E0042", "\U000E0042", "!prohibited"},
      {"4.38 bidi RandAL + L", "foo\u05BEbar", "!bidi"},
      {"4.39 bidi RandAL with ending L", "foo\uFD50bar", "!bidi"},
      {"4.40 bidi U+FE76 and L", "foo\uFE76bar", "foo \u064Ebar"},  // NFKC: U+0020 U+064E, no RandAL left
      {"4.41 bidi RandAL not at end", "\u0627\u0031", "!bidi"},
      {"4.42 bidi RandAL ok", "\u0627\u0031\u0628", "\u0627\u0031\u0628"},
      {"4.43 unassigned U+E0002", "\U000E0002", "!unassigned"},
      {"4.44 larger test (shrinking)", "X\u00AD\u00DF\u0130\u2121j\u030C\u00A0\u00AA\u03B0\u2000",
       "xssi\u0307tel\u01F0 a\u03B0 "},
      {"4.45 larger test (expanding)", "X\u00DF\u3316\u0130\u2121\u249F\u3300",
       "xss\u30AD\u30ED\u30E1\u30FC\u30C8\u30EBi\u0307tel(d)\u30A2\u30D1\u30FC\u30C8"},
  };
  for (const auto& v : vs) {
    CAPTURE(v.name);
    CHECK(run(p, profile::nameprep, v.in) == v.out);
  }
  // §4.43 in query mode: unassigned code points pass through (RFC 3454 §7).
  CHECK(run(p, profile::nameprep, "\U000E0002", prep_mode::query) == "\U000E0002");
}

// RFC 4013 §3 examples.
TEST_CASE("saslprep: RFC 4013 §3 examples") {
  preparer p;
  CHECK(run(p, profile::saslprep, "I\u00ADX") == "IX");         // 1: soft hyphen mapped to nothing
  CHECK(run(p, profile::saslprep, "user") == "user");           // 2: no transformation
  CHECK(run(p, profile::saslprep, "USER") == "USER");           // 3: case preserved
  CHECK(run(p, profile::saslprep, "\u00AA") == "a");            // 4: NFKC
  CHECK(run(p, profile::saslprep, "\u2168") == "IX");           // 5: NFKC
  CHECK(run(p, profile::saslprep, "\x07") == "!prohibited");    // 6: C.2.1
  CHECK(run(p, profile::saslprep, "\u0627\u0031") == "!bidi");  // 7: RFC 3454 §6 rule 3
  // Free-function form with the signature the SASL layer uses.
  CHECK(show(saslprep("I\u00ADX")) == "IX");
  CHECK(show(saslprep("\u00AD")) == "");               // only mapped-to-nothing: empty output
  CHECK(show(saslprep("")) == "");
  CHECK(show(saslprep("a\u00A0b")) == "a b");           // RFC 4013 §2.1: non-ASCII space -> SPACE
  CHECK(show(saslprep("\U000E0002")) == "!unassigned");
  CHECK(show(saslprep("\U000E0002", prep_mode::query)) == "\U000E0002");
}

TEST_CASE("nodeprep: draft App. A, XMPP cases") {
  preparer p;
  auto n = [&](std::string_view s) { return run(p, profile::nodeprep, s); };
  CHECK(n("Juliet") == "juliet");
  CHECK(n("stra\u00DFe") == "strasse");                       // B.2: ß -> ss
  CHECK(n("\u03A3\u039F\u03A3") == "\u03C3\u03BF\u03C3");   // capital sigma -> σ
  CHECK(n("\u03C3\u03BF\u03C2") == "\u03C3\u03BF\u03C3");   // final sigma ς -> σ (B.2)
  CHECK(n("\uFF2A\uFF55\uFF4C") == "jul");                    // fullwidth letters (NFKC + B.2)
  CHECK(n("\u216B") == "xii");                                // Ⅻ -> XII -> xii
  CHECK(n("ju\u00ADliet") == "juliet");                       // soft hyphen: B.1
  CHECK(n("ju\u200Dliet") == "juliet");                       // ZWJ: B.1
  CHECK(n("\u00AD\u200D") == "");                           // the JID layer refuses an empty node
  CHECK(n("\u00C5") == "\u00E5");
  CHECK(n("A\u030A") == "\u00E5");                            // NFKC composes
  CHECK(n("\u212B") == "\u00E5");                             // ANGSTROM SIGN
  // draft App. A.5: the eight extra characters, plus space (C.1.1) and ASCII controls (C.2.1).
  for (const char* bad : {"a\"b", "a&b", "a'b", "a/b", "a:b", "a<b", "a>b", "a@b", "a b", "a\tb", "a\x7F"}) {
    CAPTURE(bad);
    CHECK(n(bad) == "!prohibited");
  }
  CHECK(n("\uFF20") == "!prohibited");                        // FULLWIDTH @ -> '@' after NFKC
  CHECK(n("\uFE6B") == "!prohibited");                        // SMALL COMMERCIAL AT -> '@'
  CHECK(n("a\u00A0b") == "!prohibited");                      // C.1.2 (nodeprep does not map spaces)
  CHECK(n("\u05D0\u05D1") == "\u05D0\u05D1");                 // RandAL only: fine
  CHECK(n("\u05D0a") == "!bidi");                             // RandAL not last
  CHECK(n("\u05D0a\u05D1") == "!bidi");                       // RandAL and L
  CHECK(n("\xC3") == "!invalid-utf8");
  CHECK(n("a\xED\xA0\x80") == "!invalid-utf8");               // encoded surrogate
  CHECK(n("\xC0\xAF") == "!invalid-utf8");                    // overlong '/'
  CHECK(n("\xF4\x90\x80\x80") == "!invalid-utf8");            // above U+10FFFF
  CHECK(n("\U000E0002") == "!unassigned");
  CHECK(run(p, profile::nodeprep, "\U000E0002", prep_mode::query) == "\U000E0002");
}

TEST_CASE("resourceprep: draft App. B, XMPP cases") {
  preparer p;
  auto r = [&](std::string_view s) { return run(p, profile::resourceprep, s); };
  CHECK(r("Balcony") == "Balcony");                           // no case mapping
  CHECK(r("The Balcony") == "The Balcony");                   // ASCII space allowed
  CHECK(r("a@b/c:d\"<>&'") == "a@b/c:d\"<>&'");             // no extra exclusions
  CHECK(r("\u216B") == "XII");
  CHECK(r("\uFF2A") == "J");
  CHECK(r("x\u00ADy") == "xy");
  CHECK(r("stra\u00DFe") == "stra\u00DFe");                   // no B.2
  CHECK(r("a\u00A0b") == "a b");                              // NFKC maps NBSP to SPACE before C.1.2 applies
  CHECK(r("a\u1680b") == "!prohibited");                      // C.1.2 without a decomposition
  CHECK(r("a\tb") == "!prohibited");                          // C.2.1
  CHECK(r("a\u200Eb") == "!prohibited");                      // C.8
  CHECK(r("\u0627\u0031") == "!bidi");
}

TEST_CASE("every prohibited table, per profile (RFC 3454 App. C; draft App. A.5, B.5; RFC 3491 §5; RFC 4013 §2.3)") {
  preparer p;
  struct row { const char* table; const char* sample; bool node, res, name, sasl; };
  // SASLprep maps C.1.2 to SPACE first (RFC 4013 §2.1), so it never sees them as prohibited.
  const row rows[] = {
      {"C.1.1", " ", true, false, false, false},
      {"C.1.2 U+2003 (NFKC: SPACE)", "\u2003", true, false, false, false},
      {"C.1.2 U+1680", "\u1680", true, true, true, false},
      {"C.2.1", "\x01", true, true, false, true},
      {"C.2.2", "\u0080", true, true, true, true},
      {"C.2.2 U+1D173", "\U0001D173", true, true, true, true},
      {"C.3", "\uE000", true, true, true, true},
      {"C.3 plane 16", "\U00100000", true, true, true, true},
      {"C.4", "\uFDD0", true, true, true, true},
      {"C.4 U+FFFF", "\uFFFF", true, true, true, true},
      {"C.6", "\uFFFC", true, true, true, true},
      {"C.7", "\u2FF0", true, true, true, true},
      {"C.8", "\u202E", true, true, true, true},
      {"C.9", "\U000E0020", true, true, true, true},
  };
  for (const auto& r : rows) {
    CAPTURE(r.table);
    const std::string in = std::string("x") + r.sample + "y";
    CHECK((run(p, profile::nodeprep, in) == "!prohibited") == r.node);
    CHECK((run(p, profile::resourceprep, in) == "!prohibited") == r.res);
    CHECK((run(p, profile::nameprep, in) == "!prohibited") == r.name);
    CHECK((run(p, profile::saslprep, in) == "!prohibited") == r.sasl);
  }
  // C.5 (surrogates) cannot be expressed in well-formed UTF-8.
  for (auto pr : all_profiles) CHECK(run(p, pr, "\xED\xB0\x80") == "!invalid-utf8");
}

// The ASCII fast path must be indistinguishable from ICU.
TEST_CASE("ASCII fast path equals ICU: every ASCII string of length 0-2, all profiles") {
  preparer fast, icu;
  icu.use_ascii_fast_path(false);
  CHECK(fast.uses_ascii_fast_path());
  CHECK_FALSE(icu.uses_ascii_fast_path());
  long compared = 0, mismatches = 0;
  for (auto pr : all_profiles) {
    CHECK(run(fast, pr, "") == run(icu, pr, ""));
    for (int a = 0; a < 128; ++a) {
      std::string s1(1, static_cast<char>(a));
      if (run(fast, pr, s1) != run(icu, pr, s1)) ++mismatches;
      ++compared;
      for (int b = 0; b < 128; ++b) {
        std::string s2{static_cast<char>(a), static_cast<char>(b)};
        const auto f = run(fast, pr, s2), i = run(icu, pr, s2);
        if (f != i) {
          ++mismatches;
          CAPTURE(a);
          CAPTURE(b);
          CHECK(f == i);
        }
        ++compared;
      }
    }
  }
  CHECK(compared == 4 * (128 + 128 * 128));
  CHECK(mismatches == 0);
}

TEST_CASE("ASCII fast path equals ICU: 50,000 random ASCII strings, all profiles") {
  preparer fast, icu;
  icu.use_ascii_fast_path(false);
  std::mt19937 rng(20261125);
  // Bias towards the interesting bytes so that all outcomes occur often.
  const std::string interesting = "aZ09 \"&'/:<>@.-_\x00\x1f\x7f\tXy";
  int ok = 0, failed = 0;
  for (int i = 0; i < 50000; ++i) {
    const auto pr = all_profiles[i % 4];
    std::string s(1 + rng() % 40, 'a');
    for (auto& c : s)
      c = (rng() % 3 == 0) ? interesting[rng() % interesting.size()] : static_cast<char>(0x20 + rng() % 95);
    if (rng() % 4 != 0)  // most strings: only characters every profile allows, to reach success
      for (auto& c : s)
        if (c < 0x20 || c == 0x7F || std::string_view("\"&'/:<>@ ").find(c) != std::string_view::npos) c = 'q';
    const auto f = run(fast, pr, s), u = run(icu, pr, s);
    if (f != u) {
      CAPTURE(s);
      CHECK(f == u);
    }
    (f[0] == '!' ? failed : ok)++;
  }
  CHECK(ok > 10000);  // both outcomes are exercised
  CHECK(failed > 2000);
}

TEST_CASE("preparer: long input, NFKC expansion past the stack buffer, append semantics, move") {
  preparer p;
  // U+FDFA expands to 18 code points under NFKC; 100 of them overflow the 512-unit stack buffer.
  std::string in;
  for (int i = 0; i < 100; ++i) in += "\uFDFA";
  auto r = p.prepare(profile::resourceprep, in);
  REQUIRE(r);
  auto one = p.prepare(profile::resourceprep, "\uFDFA");
  REQUIRE(one);
  CHECK(one->size() > 18);
  std::string expect;
  for (int i = 0; i < 100; ++i) expect += *one;
  CHECK(*r == expect);

  // Input longer than the 256-unit stack buffer.
  std::string big(5000, 'A');
  big += "\u00C9";
  auto b = p.nodeprep(big);
  REQUIRE(b);
  CHECK(*b == std::string(5000, 'a') + "\u00E9");

  // prepare_append keeps what was there and restores it on error.
  std::string out = "keep:";
  CHECK(p.prepare_append(profile::nodeprep, "\u00C9", out));
  CHECK(out == "keep:\u00E9");
  CHECK_FALSE(p.prepare_append(profile::nodeprep, "\u00C9@", out));
  CHECK(out == "keep:\u00E9");
  CHECK_FALSE(p.prepare_append(profile::nodeprep, "A@", out));
  CHECK(out == "keep:\u00E9");

  preparer moved(std::move(p));
  CHECK(show(moved.nodeprep("\u00C9")) == "\u00E9");
  preparer assigned;
  assigned = std::move(moved);
  CHECK(show(assigned.resourceprep("\u216B")) == "XII");
  CHECK(show(assigned.saslprep("\u2168")) == "IX");
  CHECK(show(assigned.nameprep("\u00C9")) == "\u00E9");
}

TEST_CASE("free functions agree with preparer") {
  preparer p;
  for (const char* s : {"Juliet", "stra\u00DFe", "\u216B", "a b", "", "\u0627\u0031", "\U000E0002"}) {
    CAPTURE(s);
    CHECK(show(nodeprep(s)) == show(p.nodeprep(s)));
    CHECK(show(resourceprep(s)) == show(p.resourceprep(s)));
    CHECK(show(nameprep(s)) == show(p.nameprep(s)));
    CHECK(show(saslprep(s)) == show(p.saslprep(s)));
  }
  CHECK(to_string(prep_error::resource_failure) == "resource-failure");
}

TEST_CASE("prepare_view: returns the input itself when it is already prepared ASCII") {
  preparer p;
  std::string scratch;
  const std::string_view in = "juliet";
  auto v = p.prepare_view(profile::nodeprep, in, scratch);
  REQUIRE(v);
  CHECK(v->data() == in.data());
  CHECK(scratch.empty());
  auto w = p.prepare_view(profile::nodeprep, "Juliet", scratch);
  REQUIRE(w);
  CHECK(*w == "juliet");
  CHECK(w->data() == scratch.data());
  auto u = p.prepare_view(profile::resourceprep, "\u216B", scratch);
  REQUIRE(u);
  CHECK(*u == "XII");
  CHECK(p.prepare_view(profile::nodeprep, "a@b", scratch).error() == prep_error::prohibited);
  CHECK(p.prepare_view(profile::nodeprep, "", scratch)->empty());
  // Resourceprep keeps case, so "Balcony" is already prepared for it but not for Nodeprep.
  const std::string_view bal = "Balcony";
  CHECK(p.prepare_view(profile::resourceprep, bal, scratch)->data() == bal.data());
  CHECK(p.prepare_view(profile::nodeprep, bal, scratch)->data() != bal.data());
}
