#include <xmppcore/jid/domain.hpp>

#include <doctest/doctest.h>

#include <idna.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <string_view>

using namespace xmppcore::jid;

namespace {
std::string show(const xmppcore::result<std::string, errc>& r) {
  return r ? *r : "!" + std::string(to_string(r.error()));
}
std::string dom(preparer& p, std::string_view s) { return show(prepare_domain(p, s)); }
}  // namespace

TEST_CASE("domain: Nameprep per label, draft §3.2 and RFC 3490 §4.1") {
  preparer p;
  CHECK(dom(p, "example.com") == "example.com");
  CHECK(dom(p, "Example.COM") == "example.com");
  CHECK(dom(p, "B\u00DCCHER.example") == "b\u00FCcher.example");
  CHECK(dom(p, "stra\u00DFe.de") == "strasse.de");                      // ß -> ss (IDNA2003)
  CHECK(dom(p, "\u03C2.gr") == "\u03C3.gr");                            // final sigma -> σ
  CHECK(dom(p, "\uFF41\uFF42\uFF43.com") == "abc.com");                // fullwidth
  CHECK(dom(p, "a\u00AD.com") == "a.com");                              // soft hyphen: mapped to nothing
  CHECK(dom(p, "\u00AD.com") == "!empty-label");                        // label prepares to nothing
  CHECK(dom(p, "a\u200Db.com") == "ab.com");                            // ZWJ: mapped to nothing
  CHECK(dom(p, "\u2168.example") == "ix.example");                      // NFKC + case map
  CHECK(dom(p, "\u0627\u0644\u0639\u0631\u0628\u064A\u0629.example") ==
        "\u0627\u0644\u0639\u0631\u0628\u064A\u0629.example");          // RTL label ok
  CHECK(dom(p, "\u0627a.example") == "!bidi");                          // RFC 3454 §6 per label
  CHECK(dom(p, "a\u1680b.com") == "!prohibited");                       // C.1.2
  CHECK(dom(p, "a\uE000.com") == "!prohibited");                        // C.3
  CHECK(dom(p, "\U000E0002.com") == "!unassigned");
  CHECK(show(prepare_domain(p, "\U000E0002.com", prep_mode::query)) == "\U000E0002.com");  // query mode (RFC 3454 §7)
  CHECK(show(prepare_domain(p, "\U000E0002.com", prep_mode::query, idna_rules::strict)) == "!invalid-label");  // UTS #46 disallows it
  CHECK(dom(p, "\xFF.com") == "!invalid-utf8");
  // Invalid UTF-8 is reported as such even after a bad label (fuzz/jid_idn_diff.cpp found
  // "B\u00DC:HER.exaMp\xD2\xD2..." reported as invalid-label) and inside brackets.
  CHECK(dom(p, "B\u00DC:HER.exaMp\xD2\xD2\xD2\xD2.xmlns") == "!invalid-utf8");
  CHECK(dom(p, "a_b.\xC3") == "!invalid-utf8");
  CHECK(dom(p, "[::\xC3]") == "!invalid-utf8");
}

TEST_CASE("domain: label separators and trailing dot (RFC 3490 §3.1)") {
  preparer p;
  CHECK(dom(p, "a\u3002b\uFF0Ec\uFF61d") == "a.b.c.d");
  CHECK(dom(p, "\u4F8B\u3048\u3002\u30C6\u30B9\u30C8") == "\u4F8B\u3048.\u30C6\u30B9\u30C8");
  CHECK(dom(p, "example.com.") == "example.com");
  CHECK(dom(p, "example.com\u3002") == "example.com");
  CHECK(dom(p, "example.com..") == "!empty-label");                     // only one trailing dot goes
  CHECK(dom(p, "a..b") == "!empty-label");
  CHECK(dom(p, ".a") == "!empty-label");
  CHECK(dom(p, "") == "!empty");                                        // no domain at all
  // One code for an empty label, however the dot is spelled.
  for (const char* dot : {".", "\u3002", "\uFF0E", "\uFF61"}) {
    CAPTURE(dot);
    CHECK(dom(p, dot) == "!empty-label");
    CHECK(dom(p, std::string("a") + dot + dot + "b") == "!empty-label");
    CHECK(dom(p, std::string(dot) + "a") == "!empty-label");
    CHECK(dom(p, std::string("a") + dot) == "a");
  }
  CHECK(dom(p, "a\u2024b") == "!invalid-label");                        // ONE DOT LEADER -> '.' by NFKC
  CHECK(dom(p, "a\uFE52b") == "!invalid-label");                        // SMALL FULL STOP -> '.' by NFKC
}

TEST_CASE("domain: STD3 rules, hyphens, ACE labels") {
  preparer p;
  CHECK(dom(p, "-a.com") == "!invalid-label");
  CHECK(dom(p, "a-.com") == "!invalid-label");
  CHECK(dom(p, "a-b.com") == "a-b.com");
  CHECK(dom(p, "ab--cd.com") == "ab--cd.com");                          // allowed by IDNA2003
  CHECK(dom(p, "a_b.com") == "!invalid-label");
  CHECK(dom(p, "a b.com") == "!invalid-label");
  CHECK(dom(p, "a\x01" "b.com") == "!invalid-label");
  CHECK(dom(p, "a@b.com") == "!invalid-label");
  CHECK(dom(p, "a/b") == "!invalid-label");
  CHECK(dom(p, "a\uFF0Fb") == "!invalid-label");                        // FULLWIDTH SOLIDUS -> '/' by NFKC
  // RFC 3490 §3.1 req. 3: an ACE label is the same label as its Unicode form (stored decoded).
  CHECK(dom(p, "xn--bcher-kva.example") == "b\u00FCcher.example");
  CHECK(dom(p, "XN--BCHER-KVA.example") == "b\u00FCcher.example");
  CHECK(dom(p, "xn--bcher-kva.xn--bcher-kva") == "b\u00FCcher.b\u00FCcher");
  // Other xn-- labels: RFC 3490 ToASCII leaves ASCII labels alone, so they are valid labels
  // (kept as they are, lower-cased); only the strict rules refuse them.
  for (const char* ace : {"xn--zca.example",      // "ß": never the ToASCII of a label (Nameprep makes "ss")
                          "xn--a-ecp.example",    // not the ToASCII of its decoding
                          "xn--abc.example"}) {   // not Punycode of a valid label
    CAPTURE(ace);
    CHECK(dom(p, ace) == ace);
    CHECK(show(prepare_domain(p, ace, prep_mode::stored, idna_rules::strict)) == "!invalid-label");
  }
  CHECK(dom(p, "XN--ABC.example") == "xn--abc.example");
  CHECK(dom(p, "xn--.example") == "!invalid-label");                    // trailing hyphen (STD3)
  // A leading combining mark: fine for RFC 3490, refused by UTS #46.
  CHECK(dom(p, "\u0301a.com") == "\u0301a.com");
  CHECK(show(prepare_domain(p, "\u0301a.com", prep_mode::stored, idna_rules::strict)) == "!invalid-label");
  // A non-ASCII label must not start with the ACE prefix (RFC 3490 §4.1 step 5)...
  CHECK(dom(p, "xn--\u00E9.example") == "!invalid-label");
  CHECK(dom(p, "XN--\u00C9.example") == "!invalid-label");
  // ... but one that Nameprep makes ASCII is an ASCII label (step 4 skips to step 8).
  CHECK(dom(p, "\uFF58\uFF4E--bcher-kva.example") == "b\u00FCcher.example");
  CHECK(dom(p, "localhost") == "localhost");                            // single label allowed
}

TEST_CASE("domain: length limits (63 per label in ACE form; 1023 bytes; 253 octets under the strict rules)") {
  preparer p;
  const std::string l63(63, 'a'), l64(64, 'a');
  CHECK(dom(p, l63 + ".com") == l63 + ".com");
  CHECK(dom(p, l64 + ".com") == "!label-too-long");
  auto strict = [&](std::string_view s) { return show(prepare_domain(p, s, prep_mode::stored, idna_rules::strict)); };
  // 3 x 63 + 61 + 3 dots = 253: the most DNS carries (RFC 1035 §2.3.4). RFC 3490 has no such
  // limit, so only the strict rules apply it; "one code for too long": too-long, part domain.
  const std::string d253 = l63 + "." + l63 + "." + l63 + "." + std::string(61, 'b');
  CHECK(d253.size() == 253);
  CHECK(dom(p, d253) == d253);
  CHECK(strict(d253) == d253);
  CHECK(strict(d253 + ".") == d253);                                   // trailing dot does not count
  CHECK(dom(p, d253 + "b") == d253 + "b");
  CHECK(strict(d253 + "b") == "!too-long");
  // Under the strict rules the ACE form counts: 57 x ü is "xn--" + 59 = 63 octets (Punycode of
  // RFC 3492), so four such labels are 255 octets, though only 459 bytes in UTF-8.
  std::string u;
  for (int i = 0; i < 57; ++i) u += "\u00FC";
  CHECK(show(to_ace(p, u)).size() == 63);
  const std::string ace_long = u + "." + u + "." + u + "." + u;
  CHECK(dom(p, ace_long) == ace_long);
  CHECK(strict(ace_long) == "!too-long");
  // draft §3.1: 1023 bytes for the stored form, whatever the rules.
  std::string d1023 = l63;
  while (d1023.size() + 64 < 1023) d1023 += "." + l63;
  d1023 += "." + std::string(1023 - d1023.size() - 1, 'c');
  CHECK(d1023.size() == 1023);
  CHECK(dom(p, d1023) == d1023);
  CHECK(dom(p, "c." + d1023) == "!too-long");
  // Non-ASCII labels: the limit applies to the ACE form, 58 x ü would be "xn--" + 60.
  CHECK(dom(p, u + ".com") == u + ".com");
  CHECK(dom(p, u + "\u00FC.com") == "!label-too-long");
}

// A label longer than ICU's internal limit (1000 UTF-16 units for Punycode) made ICU fail, which
// was reported as resource-failure, i.e. <internal-server-error/>: a peer's bad input must be
// <jid-malformed/>, never our fault.
TEST_CASE("domain: a label over ICU's internal length limit is label-too-long, not resource-failure") {
  preparer p;
  for (const int n : {1001, 1500, 2000}) {
    CAPTURE(n);
    std::string l;
    for (int i = 0; i < n; ++i) l += "\u00E9";
    CHECK(dom(p, l + ".com") == "!label-too-long");
    CHECK(show(prepare_domain(p, l + ".com", prep_mode::stored, idna_rules::strict)) == "!label-too-long");
    CHECK(show(prepare_domain(p, l, prep_mode::query)) == "!label-too-long");
  }
}

TEST_CASE("domain: IP literals (draft §3.1 address-literal)") {
  preparer p;
  CHECK(dom(p, "192.0.2.1") == "192.0.2.1");
  CHECK(dom(p, "0.0.0.0") == "0.0.0.0");
  CHECK(dom(p, "255.255.255.255") == "255.255.255.255");
  CHECK(dom(p, "192.0.2.1.") == "192.0.2.1");
  CHECK(dom(p, "256.0.2.1") == "!invalid-ip-literal");
  CHECK(dom(p, "01.0.2.1") == "!invalid-ip-literal");  // leading zero: octal in some resolvers
  CHECK(dom(p, "1.2.3.4444") == "!invalid-ip-literal");
  CHECK(dom(p, "1..3.4") == "!invalid-ip-literal");
  CHECK(dom(p, "1.2.3") == "1.2.3");                   // not a dotted quad: an all-digit name
  // The IPv4 rule also applies to the prepared form (fuzz/jid.cpp found the first one: its
  // prepared form "8.2.2.28027" did not parse again).
  CHECK(dom(p, "8\uFF612\uFF612\uFF6128027") == "!invalid-ip-literal");
  CHECK(dom(p, "1\u30022\u30023\u30024") == "1.2.3.4");
  CHECK(dom(p, "\uFF11.\uFF12.\uFF13.\uFF14") == "1.2.3.4");  // fullwidth digits
  CHECK(dom(p, "\uFF10\uFF11.2.3.4") == "!invalid-ip-literal");  // "01.2.3.4" after NFKC
  CHECK(dom(p, "[::1]") == "[::1]");
  CHECK(dom(p, "::1]") == "!invalid-label");       // no bracket: an (invalid) name, not a literal
  CHECK(dom(p, "[::]") == "[::]");
  // Stored in the RFC 5952 §4 canonical form, so that one address is one domain.
  CHECK(dom(p, "[2001:DB8::1]") == "[2001:db8::1]");
  CHECK(dom(p, "[2001:0db8:0000:0000:0000:0000:0000:0001]") == "[2001:db8::1]");
  CHECK(dom(p, "[2001:db8:0::1]") == "[2001:db8::1]");
  CHECK(dom(p, "[1:2:3:4:5:6:7:8]") == "[1:2:3:4:5:6:7:8]");
  CHECK(dom(p, "[1::8]") == "[1::8]");
  CHECK(dom(p, "[1:2:3:4:5:6:7::]") == "[1:2:3:4:5:6:7:0]");    // §4.2.2: no "::" for one group
  CHECK(dom(p, "[2001:db8:0:1:1:1:1:1]") == "[2001:db8:0:1:1:1:1:1]");
  CHECK(dom(p, "[1:0:0:1:0:0:0:1]") == "[1:0:0:1::1]");          // §4.2.3: the longest run
  CHECK(dom(p, "[1:0:0:1:1:0:0:1]") == "[1::1:1:0:0:1]");        // §4.2.3: the first of equal runs
  CHECK(dom(p, "[1::]") == "[1::]");
  CHECK(dom(p, "[::ffff:192.0.2.1]") == "[::ffff:192.0.2.1]");   // §5: IPv4-mapped keeps the dotted tail
  CHECK(dom(p, "[::FFFF:c000:0201]") == "[::ffff:192.0.2.1]");
  CHECK(dom(p, "[1:2:3:4:5:6:1.2.3.4]") == "[1:2:3:4:5:6:102:304]");
  CHECK(dom(p, "[::1.2.3.4]") == "[::102:304]");
  for (const char* bad : {"[]", "[", "[::1", "[:1]", "[1:]", "[:::]", "[1::2::3]", "[12345::]",
                          "[1:2:3:4:5:6:7:8:9]", "[1:2:3:4:5:6:7]", "[1:2:3:4:5:6:7:8::]", "[g::]",
                          "[fe80::1%eth0]", "[::1.2.3]", "[::1.2.3.4:5]", "[1:2:3:4:5:6:7:1.2.3.4]",
                          "[::256.1.1.1]", "[::1]x"}) {
    CAPTURE(bad);
    CHECK(dom(p, bad) == "!invalid-ip-literal");
  }
}

TEST_CASE("domain: errors leave the output untouched; append form") {
  preparer p;
  std::string out = "x@";
  CHECK(prepare_domain_append(p, "Example.COM", out));
  CHECK(out == "x@example.com");
  CHECK_FALSE(prepare_domain_append(p, "b\u00FCcher..x", out));
  CHECK(out == "x@example.com");
  CHECK_FALSE(prepare_domain_append(p, "a_b", out));
  CHECK(out == "x@example.com");
}

// The ASCII label check (no ICU) must give ICU's UTS #46 verdict, error included.
TEST_CASE("domain: ASCII fast path equals ICU on every 1-2 byte ASCII name and on random names") {
  preparer fast, icu;
  icu.use_ascii_fast_path(false);
  long mismatches = 0, ok = 0;
  auto cmp = [&](const std::string& s) {
    for (const idna_rules rules : {idna_rules::idna2003, idna_rules::strict}) {
      const auto f = show(prepare_domain(fast, s, prep_mode::stored, rules));
      const auto i = show(prepare_domain(icu, s, prep_mode::stored, rules));
      if (f != i) {
        ++mismatches;
        CAPTURE(s);
        CHECK(f == i);
      }
      if (f[0] != '!') ++ok;
    }
  };
  for (int a = 0; a < 128; ++a) {
    cmp(std::string(1, static_cast<char>(a)));
    for (int b = 0; b < 128; ++b) cmp(std::string{static_cast<char>(a), static_cast<char>(b)});
  }
  std::mt19937 rng(3490);
  const std::string alphabet = "abcXYZ019-.-._ @/\x01";
  for (int n = 0; n < 30000; ++n) {
    std::string s;
    const int labels = 1 + static_cast<int>(rng() % 5);
    for (int l = 0; l < labels; ++l) {
      if (l) s += '.';
      const int len = (rng() % 10 == 0) ? 60 + static_cast<int>(rng() % 8) : 1 + static_cast<int>(rng() % 12);
      for (int k = 0; k < len; ++k)
        s += (rng() % 8 == 0) ? alphabet[rng() % alphabet.size()] : static_cast<char>('a' + rng() % 26);
    }
    if (rng() % 10 == 0) s = "xn--" + s;
    if (rng() % 20 == 0) s += '.';
    if (rng() % 20 == 0) s = std::string(250, 'a').substr(0, 60) + "." + s + "." + std::string(200, 'c').substr(0, 63);
    cmp(s);
  }
  CHECK(mismatches == 0);
  CHECK(ok > 10000);
}

TEST_CASE("domain memo: same results with and without it; keyed by mode and rules") {
  preparer with, without;
  without.use_domain_memo(false);
  CHECK(with.uses_domain_memo());
  CHECK_FALSE(without.uses_domain_memo());
  // U+0221 was unassigned in Unicode 3.2 (stored mode refuses it) but is a valid UTS #46 letter.
  CHECK(show(prepare_domain(with, "\u0221.example", prep_mode::query)) == "\u0221.example");
  CHECK(dom(with, "\u0221.example") == "!unassigned");  // the query-mode success is not reused
  CHECK(show(prepare_domain(with, "\u0221.example", prep_mode::query)) == "\u0221.example");
  // U+2260 is valid for IDNA2003 and not for UTS #46: the default's success is not reused.
  CHECK(dom(with, "\u2260.example") == "\u2260.example");
  CHECK(show(prepare_domain(with, "\u2260.example", prep_mode::stored, idna_rules::strict)) == "!invalid-label");
  CHECK(dom(with, "\u2260.example") == "\u2260.example");
  const char* names[] = {"B\u00DCCHER.example", "b\u00FCcher.example", "\u4F8B\u3048\u3002\u30C6\u30B9\u30C8",
                         "xn--bcher-kva.example", "\u00E9.a", "\u00E9.b", "\u00E9.c", "\u00E9.d", "\u00E9.e",
                         "\u00E9.f", "\u00E9.g", "\u00E9.h", "\u00E9.i", "a_\u00E9.com", "\u0627a.example"};
  for (int round = 0; round < 3; ++round) {
    for (const char* n : names) {
      CAPTURE(n);
      CHECK(dom(with, n) == dom(without, n));
    }
  }
  CHECK(dom(with, "B\u00DCCHER.example") == "b\u00FCcher.example");
  std::string out = "n@";
  CHECK(prepare_domain_append(with, "B\u00DCCHER.example", out));
  CHECK(out == "n@b\u00FCcher.example");
  // Large inputs are not remembered, but still work.
  std::string big = "\u00E9";
  for (int i = 0; i < 40; ++i) big += ".abcdef";
  CHECK(dom(with, big) == dom(without, big));
  CHECK(dom(with, big) == dom(without, big));
}

TEST_CASE("domain: the stored form is a fixed point (IPv6 literals, ACE and Unicode names)") {
  preparer p;
  std::mt19937 rng(20261125);
  for (int i = 0; i < 3000; ++i) {
    // Random IPv6 addresses with many zero groups, written in full.
    std::string a = "[";
    for (int g = 0; g < 8; ++g) {
      const unsigned v = (rng() % 3 == 0) ? static_cast<unsigned>(rng() % 0x10000) : 0u;
      char buf[8];
      std::snprintf(buf, sizeof buf, g ? ":%04X" : "%x", v);
      a += buf;
    }
    a += "]";
    CAPTURE(a);
    const auto once = prepare_domain(p, a);
    REQUIRE(once);
    CHECK(show(prepare_domain(p, *once)) == *once);
    CHECK(once->find("::") == once->rfind("::"));  // at most one "::"
  }
  for (const char* name : {"b\u00FCcher.example", "xn--bcher-kva.example", "\u4F8B\u3048.\u30C6\u30B9\u30C8",
                           "xn--r8jz45g.xn--zckzah", "\u0645\u062B\u0627\u0644.example"}) {
    CAPTURE(name);
    const auto once = prepare_domain(p, name);
    REQUIRE(once);
    CHECK(show(prepare_domain(p, *once)) == *once);
  }
  // Both spellings of a name give one domain.
  CHECK(dom(p, "xn--r8jz45g.xn--zckzah") == dom(p, "\u4F8B\u3048.\u30C6\u30B9\u30C8"));
}

// The draft defines domains by RFC 3490 (IDNA2003). These code points are valid there (and in
// libidn, hence in RFC 3920 servers such as Prosody) but refused by UTS #46, which this library
// used to apply: by default they are accepted, with libidn's ACE form; the strict rules refuse them.
TEST_CASE("domain: IDNA2003 accepts what UTS #46 refuses; the strict rules do not") {
  preparer p;
  const char* names[] = {"\u2260.example",  // NOT EQUAL TO (UTS #46: disallowed_STD3_valid)
                         "\u226E.example", "\u226F.example",
                         "\u04C0.example",  // CYRILLIC LETTER PALOCHKA (no lower case in Unicode 3.2)
                         "\u10A0.example", "\u10C5.example",  // Georgian capitals (case folding added in 4.1)
                         "\u3164.example", "\uFFA0.example",  // Hangul fillers (Nameprep: U+1160)
                         "\u2183.example",  // ROMAN NUMERAL REVERSED ONE HUNDRED
                         "a\u2260b.\u10A0\u10A1.\u0301x.example"};
  for (const char* name : names) {
    CAPTURE(name);
    char* out = nullptr;
    REQUIRE(idna_to_ascii_8z(name, &out, IDNA_USE_STD3_ASCII_RULES) == IDNA_SUCCESS);
    const std::string libidn = out;
    std::free(out);
    CHECK(show(to_ace(p, name)) == libidn);
    const auto stored = prepare_domain(p, name);
    REQUIRE(stored);
    CHECK(show(prepare_domain(p, *stored)) == *stored);                          // a fixed point
    CHECK(show(prepare_domain(p, libidn)) == *stored);                           // the ACE form is the same domain
    CHECK(show(prepare_domain(p, name, prep_mode::stored, idna_rules::strict)) == "!invalid-label");
  }
  CHECK(dom(p, "\u3164.example") == "\u1160.example");                       // NFKC
  CHECK(show(to_ace(p, "\u2260.example")) == "xn--1ch.example");
}

TEST_CASE("domain: ACE form (to_ace, append_ace) for DNS, certificates and dialback") {
  preparer p;
  CHECK(show(to_ace(p, "B\u00DCCHER.example.")) == "xn--bcher-kva.example");
  CHECK(show(to_ace(p, "xn--bcher-kva.Example")) == "xn--bcher-kva.example");
  CHECK(show(to_ace(p, "\u4F8B\u3048\u3002\u30C6\u30B9\u30C8")) == "xn--r8jz45g.xn--zckzah");
  CHECK(show(to_ace(p, "xn--abc.example")) == "xn--abc.example");            // kept as it is
  CHECK(show(to_ace(p, "[2001:DB8::1]")) == "[2001:db8::1]");
  CHECK(show(to_ace(p, "192.0.2.1")) == "192.0.2.1");
  CHECK(show(to_ace(p, "a_b.example")) == "!invalid-label");
  CHECK(show(to_ace(p, "\u2260.example", prep_mode::stored, idna_rules::strict)) == "!invalid-label");
  std::string out = "x:";
  append_ace("b\u00FCcher.\u0645\u062B\u0627\u0644.example", out);
  CHECK(out == "x:xn--bcher-kva.xn--mgbh0fb.example");
}
