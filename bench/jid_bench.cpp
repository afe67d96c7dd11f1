// JID parse + prep: xmppcore (ICU with the ASCII fast path) next to plain ICU usprep_prepare and
// GNU libidn doing the same three profiles (Nodeprep, Nameprep, Resourceprep), same binary/run.
// The peers only prepare the three parts (UTF-8 -> UTF-16 -> usprep -> UTF-8 for ICU; in-place
// UTF-8 for libidn); xmppcore also splits the JID, runs RFC 3490 ToASCII on the domain (STD3
// rules, Punycode for the length check), applies RFC 3454 §6 with Unicode 3.2 tables, checks the
// length limits and builds the jid. Setup (opening profiles, splitting for the peers) is outside
// the timed loop.
//   bm_xmppcore         jid::parse with a long-lived preparer (steady state: IDN domains memoised)
//   bm_xmppcore_nomemo  same with the domain memo off (every IDN domain prepared and checked anew)
//   bm_icu              usprep_prepare x3 (Nodeprep, Nameprep, Resourceprep), profiles opened once
//   bm_icu_idna         bm_icu plus uidna_nameToASCII_UTF8 (UTS #46) on the domain: a plain-ICU
//                       implementation's domain check
//   bm_libidn           stringprep() x3 with STRINGPREP_NO_UNASSIGNED
// Arguments: 0 ASCII prepared, 1 ASCII upper case, 2 non-ASCII node/resource, 3 plus an IDN domain.
//   bm_prep_per_byte    Resourceprep of a ~4 KiB part, reported as time per input byte
//                       (ns_per_byte): ordinary text in several scripts, and the inputs that make
//                       normalization slow: alternating combining marks (U+0301 U+0334 ...),
//                       refused before ICU as not stream-safe (UAX #15 §13), mixed Hebrew and
//                       Latin (the bidi rule's path through a rebuilt output), and the worst input
//                       still accepted, runs of exactly 30 such marks after each letter.
#include <xmppcore/jid/jid.hpp>

#include <benchmark/benchmark.h>
#include <stringprep.h>
#include <unicode/uidna.h>
#include <unicode/usprep.h>
#include <unicode/ustring.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace {

using xmppcore::jid::jid;
using xmppcore::jid::preparer;

struct case_t {
  const char* full;
  const char* node;
  const char* domain;
  const char* resource;
};

const case_t cases[] = {
    {"user@example.com/phone", "user", "example.com", "phone"},                                  // 0 ASCII, prepared
    {"User@Example.COM/Phone", "User", "Example.COM", "Phone"},                                  // 1 ASCII, needs lowering
    {"j\u00FCliet@example.com/T\u00E9l\u00E9phone", "j\u00FCliet", "example.com", "T\u00E9l\u00E9phone"},  // 2 non-ASCII, ASCII domain
    {"J\u00DCLIET@B\u00DCCHER.example/\u0422\u0435\u043B\u0435\u0444\u043E\u043D", "J\u00DCLIET", "B\u00DCCHER.example",
     "\u0422\u0435\u043B\u0435\u0444\u043E\u043D"},                                              // 3 non-ASCII incl. IDN domain
};

void bm_xmppcore(benchmark::State& st) {
  const auto& c = cases[st.range(0)];
  preparer prep;
  (void)jid::parse(c.full, prep);  // open ICU handles outside the loop
  for (auto _ : st) {
    auto j = jid::parse(std::string_view(c.full), prep);
    benchmark::DoNotOptimize(j);
  }
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()));
  st.SetLabel(c.full);
}

// Same, with the preparer's domain memo off: every IDN domain runs Nameprep + UTS #46 again
// (the cold cost; bm_xmppcore shows the steady state of a server seeing the same domains).
void bm_xmppcore_nomemo(benchmark::State& st) {
  const auto& c = cases[st.range(0)];
  preparer prep;
  prep.use_domain_memo(false);
  (void)jid::parse(c.full, prep);
  for (auto _ : st) {
    auto j = jid::parse(std::string_view(c.full), prep);
    benchmark::DoNotOptimize(j);
  }
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()));
  st.SetLabel(c.full);
}

// ICU, one usprep_prepare per part with the profile opened once.
struct icu_profiles {
  UStringPrepProfile* node;
  UStringPrepProfile* name;
  UStringPrepProfile* res;
  icu_profiles() {
    UErrorCode e = U_ZERO_ERROR;
    node = usprep_openByType(USPREP_RFC3920_NODEPREP, &e);
    name = usprep_openByType(USPREP_RFC3491_NAMEPREP, &e);
    res = usprep_openByType(USPREP_RFC3920_RESOURCEPREP, &e);
    if (U_FAILURE(e)) std::abort();
  }
  ~icu_profiles() {
    usprep_close(node);
    usprep_close(name);
    usprep_close(res);
  }
};

bool icu_prep(UStringPrepProfile* p, const char* s, std::string& out) {
  std::array<UChar, 256> in, mid;
  std::array<char, 1024> o;
  UErrorCode e = U_ZERO_ERROR;
  int32_t n = 0;
  u_strFromUTF8(in.data(), in.size(), &n, s, -1, &e);
  UParseError pe;
  const int32_t m = usprep_prepare(p, in.data(), n, mid.data(), mid.size(), USPREP_DEFAULT, &pe, &e);
  int32_t k = 0;
  u_strToUTF8(o.data(), o.size(), &k, mid.data(), m, &e);
  if (U_FAILURE(e)) return false;
  out.append(o.data(), static_cast<std::size_t>(k));
  return true;
}

void bm_icu(benchmark::State& st) {
  const auto& c = cases[st.range(0)];
  icu_profiles ip;
  for (auto _ : st) {
    std::string out;
    bool ok = icu_prep(ip.node, c.node, out);
    ok &= icu_prep(ip.name, c.domain, out);
    ok &= icu_prep(ip.res, c.resource, out);
    benchmark::DoNotOptimize(ok);
    benchmark::DoNotOptimize(out);
  }
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()));
}

// ICU doing the same work as xmppcore on the domain: usprep for the three parts plus the UTS #46
// ToASCII validity check of the domain (what a plain-ICU JID implementation must also do).
void bm_icu_idna(benchmark::State& st) {
  const auto& c = cases[st.range(0)];
  icu_profiles ip;
  UErrorCode e = U_ZERO_ERROR;
  UIDNA* idna = uidna_openUTS46(UIDNA_USE_STD3_RULES, &e);
  if (U_FAILURE(e)) std::abort();
  for (auto _ : st) {
    std::string out;
    bool ok = icu_prep(ip.node, c.node, out);
    const std::size_t d = out.size();
    ok &= icu_prep(ip.name, c.domain, out);
    std::array<char, 256> ace;
    UIDNAInfo info = UIDNA_INFO_INITIALIZER;
    UErrorCode ue = U_ZERO_ERROR;
    const auto n = uidna_nameToASCII_UTF8(idna, out.data() + d, static_cast<int32_t>(out.size() - d), ace.data(),
                                          ace.size(), &info, &ue);
    ok &= U_SUCCESS(ue) && info.errors == 0 && n > 0;
    ok &= icu_prep(ip.res, c.resource, out);
    benchmark::DoNotOptimize(ok);
    benchmark::DoNotOptimize(out);
  }
  uidna_close(idna);
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()));
}

void bm_libidn(benchmark::State& st) {
  const auto& c = cases[st.range(0)];
  for (auto _ : st) {
    std::array<char, 256> n, d, r;
    std::strcpy(n.data(), c.node);
    std::strcpy(d.data(), c.domain);
    std::strcpy(r.data(), c.resource);
    int rc = stringprep(n.data(), n.size(), STRINGPREP_NO_UNASSIGNED, stringprep_xmpp_nodeprep);
    rc |= stringprep(d.data(), d.size(), STRINGPREP_NO_UNASSIGNED, stringprep_nameprep);
    rc |= stringprep(r.data(), r.size(), STRINGPREP_NO_UNASSIGNED, stringprep_xmpp_resourceprep);
    benchmark::DoNotOptimize(rc);
    benchmark::DoNotOptimize(n);
    benchmark::DoNotOptimize(d);
    benchmark::DoNotOptimize(r);
  }
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()));
}

// ~4 KiB JID parts for bm_prep_per_byte.
std::string part_of(int which) {
  auto fill = [](std::string_view unit) {
    std::string s;
    while (s.size() + unit.size() <= 4000) s += unit;
    return s;
  };
  switch (which) {
    case 0: return fill("\u00C9t\u00E9 \u00E0 la plage, ");                    // Latin with accents
    case 1: return fill("\u041F\u0440\u0438\u0432\u0435\u0442 ");           // Cyrillic
    case 2: return fill("\u6771\u4EAC\u90FD\u6E0B\u8C37\u533A");             // CJK
    case 3: return fill("\u0645\u0631\u062D\u0628\u0627 \u0628\u0643");     // Arabic
    case 4: return fill("\u0301\u0334");                                         // one run of 2,000 marks: refused
    case 5: return fill("\u05D0\u00E9");  // R and L: usprep refuses for bidi, the output is rebuilt and refused
    default: {                                                                     // runs of 30 marks: accepted
      std::string run = "a";
      for (int i = 0; i < 30; ++i) run += (i % 2) ? "\u0334" : "\u0301";
      return fill(run);
    }
  }
}

void bm_prep_per_byte(benchmark::State& st) {
  const std::string part = part_of(static_cast<int>(st.range(0)));
  preparer prep;
  const auto first = prep.resourceprep(part);
  const bool refused = !first;
  for (auto _ : st) {
    auto r = prep.resourceprep(part);
    benchmark::DoNotOptimize(r);
  }
  st.counters["ns_per_byte"] = benchmark::Counter(static_cast<double>(part.size()),
                                                  benchmark::Counter::kIsIterationInvariantRate |
                                                      benchmark::Counter::kInvert);
  st.SetLabel(std::to_string(part.size()) + " bytes, " +
              (refused ? "refused: " + std::string(xmppcore::jid::to_string(first.error())) : "accepted"));
}

}  // namespace

BENCHMARK(bm_prep_per_byte)->DenseRange(0, 6);
BENCHMARK(bm_xmppcore)->DenseRange(0, 3);
BENCHMARK(bm_xmppcore_nomemo)->DenseRange(2, 3);
BENCHMARK(bm_icu)->DenseRange(0, 3);
BENCHMARK(bm_icu_idna)->DenseRange(0, 3);
BENCHMARK(bm_libidn)->DenseRange(0, 3);
