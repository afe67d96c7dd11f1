#include <xmppcore/jid/domain.hpp>

#include <doctest/doctest.h>

#include <cstdio>
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
  CHECK(show(prepare_domain(p, "\U000E0002.com", true)) == "!invalid-label");  // query mode: UTS #46 disallows it
  CHECK(dom(p, "\xFF.com") == "!invalid-utf8");
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
  CHECK(dom(p, ".") == "!empty");
  CHECK(dom(p, "") == "!empty");
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
  CHECK(dom(p, "xn--zca.example") == "!invalid-label");                 // "ß": never the ToASCII of a label (-> "ss")
  CHECK(dom(p, "xn--a-ecp.example") == "!invalid-label");               // not the ToASCII of its decoding
  CHECK(dom(p, "xn--abc.example") == "!invalid-label");                 // not valid Punycode of a label
  CHECK(dom(p, "\u0301a.com") == "!invalid-label");                     // leading combining mark (UTS #46)
  CHECK(dom(p, "localhost") == "localhost");                            // single label allowed
}

TEST_CASE("domain: length limits (63 per label, 253 total in ACE form, RFC 1035 §2.3.4)") {
  preparer p;
  const std::string l63(63, 'a'), l64(64, 'a');
  CHECK(dom(p, l63 + ".com") == l63 + ".com");
  CHECK(dom(p, l64 + ".com") == "!label-too-long");
  // 4 x 63 + 3 dots = 255 > 253; 3 x 63 + 61 + 3 = 253.
  const std::string d253 = l63 + "." + l63 + "." + l63 + "." + std::string(61, 'b');
  CHECK(d253.size() == 253);
  CHECK(dom(p, d253) == d253);
  CHECK(dom(p, d253 + ".") == d253);                                    // trailing dot does not count
  CHECK(dom(p, d253 + "b") == "!domain-too-long");
  // Non-ASCII: the limit applies to the ACE form. 59 x ü is 118 UTF-8 bytes but "xn--" + 60 = 64 ACE.
  std::string u;
  for (int i = 0; i < 30; ++i) u += "\u00FC";
  CHECK(dom(p, u + ".com") == u + ".com");
  for (int i = 0; i < 30; ++i) u += "\u00FC";
  CHECK(dom(p, u + ".com") == "!label-too-long");
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
    const auto f = dom(fast, s), i = dom(icu, s);
    if (f != i) {
      ++mismatches;
      CAPTURE(s);
      CHECK(f == i);
    }
    if (f[0] != '!') ++ok;
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

TEST_CASE("domain memo: same results with and without it; keyed by mode") {
  preparer with, without;
  without.use_domain_memo(false);
  CHECK(with.uses_domain_memo());
  CHECK_FALSE(without.uses_domain_memo());
  // U+0221 was unassigned in Unicode 3.2 (stored mode refuses it) but is a valid UTS #46 letter.
  CHECK(show(prepare_domain(with, "\u0221.example", true)) == "\u0221.example");
  CHECK(dom(with, "\u0221.example") == "!unassigned");  // the query-mode success is not reused
  CHECK(show(prepare_domain(with, "\u0221.example", true)) == "\u0221.example");
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
