// XML parser benchmark (issue 2, "Proof: bench/"): xmppcore's push parser in
// fine-grained (events) and element mode next to expat (namespaces on), the
// libxml2 push parser (SAX2), pugixml's whole-buffer DOM and a memchr scan, in
// one binary and one run, so the ratios hold whatever the machine or the build
// of libbenchmark.
//
// Corpora: bench/corpus.hpp generates each profile (mixed, small, large,
// unicode, s2s) in memory, deterministically, 32 MiB each (XMPPCORE_BENCH_MB
// overrides the size for smoke runs, e.g. XMPPCORE_BENCH_MB=2). Before its
// first benchmark each corpus is checked: it must parse to a clean close with
// the right stanza count with our parser and with expat, else the program
// aborts.
//
// Benchmarks:
//   BM_parse/<parser>/<profile>/<chunk>   streaming parsers fed 4 KiB or 64 KiB chunks
//   BM_parse/pugixml_dom/<profile>/whole  load_buffer_inplace on a fresh copy (copy untimed)
//   BM_parse/memchr_lt/<profile>/whole    count of '<' with memchr: the ceiling
//   BM_one_byte/<parser>/mixed_1MiB       one byte per call over the first 1 MiB of mixed
//   BM_idle_memory/<parser>               heap held by one parser after the header and a
//                                         few stanzas (counter heap_bytes)
//   BM_read_memory/<parser>/<stanza>/<read>  peak and idle heap of one stream fed four reads
//                                         of 4 KiB, 64 KiB or 1 MiB full of one tiny stanza
//                                         (<a/> or a short <message>); counters
//                                         peak_heap_bytes, idle_heap_bytes: bounded by the
//                                         limits (the delivery bound), not by the read
// Counters: bytes_per_second and items_per_second (stanzas/s); the console
// prints them with binary prefixes (M/s = MiB/s), --benchmark_out JSON has
// plain bytes and stanzas per second. Times are CPU times (robust on a busy
// machine; all parsers are single-threaded and do no I/O).
//
// Each handler does minimal, comparable work: count elements, add text lengths,
// count depth-1 ends as stanzas, so the work measured is the parser's.
//
// Heap accounting: this binary replaces the global operator new/delete, and
// gives libxml2 (xmlMemSetup, installed before main) and expat
// (XML_ParserCreate_MM, idle benchmark only) counting allocators. Each block
// carries a 16-byte prefix holding its requested size, so the counters are the
// exact bytes requested and the number of live blocks, independent of the
// allocator's state (glibc adds 8-24 bytes of chunk overhead and rounding per
// block on top: see heap_blocks).
#include <xmppcore/xml/push_parser.hpp>

#include "corpus.hpp"

#include <benchmark/benchmark.h>
#include <expat.h>
#include <libxml/parser.h>
#include <libxml/xmlmemory.h>
#include <pugixml.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <utility>

// ------------------------------------------------------------ heap counting --
namespace {
// Live requested bytes and blocks per allocator family. The benchmarks are
// single-threaded (libbenchmark runs them on the main thread).
struct heap_count {
  std::int64_t bytes = 0;
  std::int64_t blocks = 0;
  std::int64_t peak = 0;  // highest `bytes` since a benchmark set it to `bytes`
};
heap_count g_new;    // operator new (xmppcore, and everything else C++)
heap_count g_xml;    // libxml2's xmlMalloc family
heap_count g_expat;  // expat's memory suite (idle benchmark only)

constexpr std::size_t prefix_bytes = 16;  // keeps malloc's 16-byte alignment

void* counted_malloc(heap_count& h, std::size_t n) noexcept {
  auto* base = static_cast<unsigned char*>(std::malloc(n + prefix_bytes));
  if (base == nullptr) return nullptr;
  std::memcpy(base, &n, sizeof n);
  h.bytes += static_cast<std::int64_t>(n);
  ++h.blocks;
  h.peak = std::max(h.peak, h.bytes);
  return base + prefix_bytes;
}
void counted_free(heap_count& h, void* p) noexcept {
  if (p == nullptr) return;
  auto* base = static_cast<unsigned char*>(p) - prefix_bytes;
  std::size_t n;
  std::memcpy(&n, base, sizeof n);
  h.bytes -= static_cast<std::int64_t>(n);
  --h.blocks;
  std::free(base);
}
void* counted_realloc(heap_count& h, void* p, std::size_t n) noexcept {
  if (p == nullptr) return counted_malloc(h, n);
  auto* base = static_cast<unsigned char*>(p) - prefix_bytes;
  std::size_t old;
  std::memcpy(&old, base, sizeof old);
  auto* nb = static_cast<unsigned char*>(std::realloc(base, n + prefix_bytes));
  if (nb == nullptr) return nullptr;
  std::memcpy(nb, &n, sizeof n);
  h.bytes += static_cast<std::int64_t>(n) - static_cast<std::int64_t>(old);
  h.peak = std::max(h.peak, h.bytes);
  return nb + prefix_bytes;
}

// Over-aligned operator new: the prefix is one alignment unit, the size sits
// in its last 8 bytes.
void* counted_new_aligned(std::size_t n, std::align_val_t al) {
  const auto a = std::max(static_cast<std::size_t>(al), prefix_bytes);
  auto* base = static_cast<unsigned char*>(std::aligned_alloc(a, (n + a + a - 1) / a * a));
  if (base == nullptr) throw std::bad_alloc();
  std::memcpy(base + a - sizeof n, &n, sizeof n);
  g_new.bytes += static_cast<std::int64_t>(n);
  ++g_new.blocks;
  g_new.peak = std::max(g_new.peak, g_new.bytes);
  return base + a;
}
void counted_delete_aligned(void* p, std::align_val_t al) noexcept {
  if (p == nullptr) return;
  const auto a = std::max(static_cast<std::size_t>(al), prefix_bytes);
  auto* base = static_cast<unsigned char*>(p) - a;
  std::size_t n;
  std::memcpy(&n, base + a - sizeof n, sizeof n);
  g_new.bytes -= static_cast<std::int64_t>(n);
  --g_new.blocks;
  std::free(base);
}
void* counted_new(std::size_t n) {
  void* p = counted_malloc(g_new, n);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
void counted_delete(void* p) noexcept { counted_free(g_new, p); }
}  // namespace

void* operator new(std::size_t n) { return counted_new(n); }
void* operator new[](std::size_t n) { return counted_new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted_malloc(g_new, n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return counted_malloc(g_new, n); }
void* operator new(std::size_t n, std::align_val_t al) { return counted_new_aligned(n, al); }
void* operator new[](std::size_t n, std::align_val_t al) { return counted_new_aligned(n, al); }
void* operator new(std::size_t n, std::align_val_t al, const std::nothrow_t&) noexcept {
  try {
    return counted_new_aligned(n, al);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, std::align_val_t al, const std::nothrow_t&) noexcept {
  try {
    return counted_new_aligned(n, al);
  } catch (...) {
    return nullptr;
  }
}
void operator delete(void* p) noexcept { counted_delete(p); }
void operator delete[](void* p) noexcept { counted_delete(p); }
void operator delete(void* p, std::size_t) noexcept { counted_delete(p); }
void operator delete[](void* p, std::size_t) noexcept { counted_delete(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { counted_delete(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { counted_delete(p); }
void operator delete(void* p, std::align_val_t al) noexcept { counted_delete_aligned(p, al); }
void operator delete[](void* p, std::align_val_t al) noexcept { counted_delete_aligned(p, al); }
void operator delete(void* p, std::size_t, std::align_val_t al) noexcept { counted_delete_aligned(p, al); }
void operator delete[](void* p, std::size_t, std::align_val_t al) noexcept { counted_delete_aligned(p, al); }
void operator delete(void* p, std::align_val_t al, const std::nothrow_t&) noexcept { counted_delete_aligned(p, al); }
void operator delete[](void* p, std::align_val_t al, const std::nothrow_t&) noexcept { counted_delete_aligned(p, al); }

namespace {

// libxml2's allocator hooks, installed before main() so every block libxml2
// ever allocates goes through them (its free must match its malloc).
void* xml_malloc(std::size_t n) { return counted_malloc(g_xml, n); }
void xml_free(void* p) { counted_free(g_xml, p); }
void* xml_realloc(void* p, std::size_t n) { return counted_realloc(g_xml, p, n); }
char* xml_strdup(const char* s) {
  const std::size_t n = std::strlen(s) + 1;
  auto* p = static_cast<char*>(xml_malloc(n));
  if (p != nullptr) std::memcpy(p, s, n);
  return p;
}
const bool g_xml_hooks_installed = [] {
  xmlMemSetup(xml_free, xml_malloc, xml_realloc, xml_strdup);
  xmlInitParser();
  return true;
}();

// expat's memory suite for the idle benchmark.
void* expat_malloc(std::size_t n) { return counted_malloc(g_expat, n); }
void expat_free(void* p) { counted_free(g_expat, p); }
void* expat_realloc(void* p, std::size_t n) { return counted_realloc(g_expat, p, n); }
const XML_Memory_Handling_Suite expat_counting_suite{expat_malloc, expat_realloc, expat_free};

// ------------------------------------------------------------------ corpora --
using xmppcore_bench::corpus;
using xmppcore_bench::profile;
namespace xml = xmppcore::xml;

constexpr std::size_t one_byte_prefix = 1024 * 1024;

[[noreturn]] void die(std::string_view what, const corpus& c, std::string_view detail) {
  std::fprintf(stderr, "xml_parser_bench: corpus '%.*s' (%zu bytes): %.*s: %.*s\n",
               static_cast<int>(xmppcore_bench::profile_name(c.prof).size()),
               xmppcore_bench::profile_name(c.prof).data(), c.bytes.size(), static_cast<int>(what.size()),
               what.data(), static_cast<int>(detail.size()), detail.data());
  std::abort();
}

std::size_t corpus_bytes() {
  double mb = 32;
  if (const char* e = std::getenv("XMPPCORE_BENCH_MB"); e != nullptr && *e != '\0') {
    char* end = nullptr;
    const double v = std::strtod(e, &end);
    if (end == e || !(v > 0)) {
      std::fprintf(stderr, "xml_parser_bench: bad XMPPCORE_BENCH_MB='%s'\n", e);
      std::abort();
    }
    mb = v;
  }
  return static_cast<std::size_t>(mb * 1024 * 1024);
}

// --- expat handlers: count elements, text bytes and depth-1 ends -----------
struct sax_counts {
  std::uint64_t starts = 0, ends = 0, text_bytes = 0, stanzas = 0;
  int depth = 0;
};
void XMLCALL expat_start(void* ud, const XML_Char*, const XML_Char**) {
  auto* c = static_cast<sax_counts*>(ud);
  ++c->starts;
  ++c->depth;
}
void XMLCALL expat_end(void* ud, const XML_Char*) {
  auto* c = static_cast<sax_counts*>(ud);
  ++c->ends;
  if (--c->depth == 1) ++c->stanzas;
}
void XMLCALL expat_text(void* ud, const XML_Char*, int len) {
  static_cast<sax_counts*>(ud)->text_bytes += static_cast<std::uint64_t>(len);
}
XML_Parser expat_new(sax_counts& c, const XML_Memory_Handling_Suite* ms = nullptr) {
  XML_Parser p = ms != nullptr ? XML_ParserCreate_MM(nullptr, ms, "\x01") : XML_ParserCreateNS(nullptr, '\x01');
  XML_SetUserData(p, &c);
  XML_SetElementHandler(p, expat_start, expat_end);
  XML_SetCharacterDataHandler(p, expat_text);
  return p;
}

// --- libxml2 SAX2 handlers --------------------------------------------------
void lx_start(void* ud, const xmlChar*, const xmlChar*, const xmlChar*, int, const xmlChar**, int, int,
              const xmlChar**) {
  auto* c = static_cast<sax_counts*>(ud);
  ++c->starts;
  ++c->depth;
}
void lx_end(void* ud, const xmlChar*, const xmlChar*, const xmlChar*) {
  auto* c = static_cast<sax_counts*>(ud);
  ++c->ends;
  if (--c->depth == 1) ++c->stanzas;
}
void lx_text(void* ud, const xmlChar*, int len) {
  static_cast<sax_counts*>(ud)->text_bytes += static_cast<std::uint64_t>(len);
}
void lx_error(void*, xmlErrorPtr) {}  // silence; the verdict is read from wellFormed
xmlSAXHandler make_lx_sax() {
  xmlSAXHandler h;
  std::memset(&h, 0, sizeof h);
  h.initialized = XML_SAX2_MAGIC;
  h.startElementNs = lx_start;
  h.endElementNs = lx_end;
  h.characters = lx_text;
  h.ignorableWhitespace = lx_text;
  h.serror = lx_error;
  return h;
}
const xmlSAXHandler lx_sax = make_lx_sax();
xmlParserCtxtPtr lx_new(sax_counts& c) {
  return xmlCreatePushParserCtxt(const_cast<xmlSAXHandler*>(&lx_sax), &c, nullptr, 0, nullptr);
}

// --- ours ---------------------------------------------------------------------
struct our_counts {
  std::uint64_t events = 0, text_bytes = 0, stanzas = 0;
  bool closed = false;
};
xml::parser_options our_options(xml::parse_mode m) {
  xml::parser_options o;
  o.mode = m;
  return o;
}
// Drains the queue after one receive(): minimal work per event.
inline void drain(xml::push_parser& p, our_counts& c) {
  while (auto ev = p.next_event()) {
    ++c.events;
    switch (ev->kind()) {
      case xml::event_kind::element_received:
        ++c.stanzas;
        c.text_bytes += ev->element().name().size();
        break;
      case xml::event_kind::element_ended:
        if (ev->depth() == 1) ++c.stanzas;
        break;
      case xml::event_kind::text: c.text_bytes += ev->text().size(); break;
      case xml::event_kind::stream_closed: c.closed = true; break;
      default: break;
    }
  }
}
// Feeds `data` in `chunk`-byte pieces, each until consumed (a call stopped
// by the delivery bound, status full, is followed by one with the rest after
// the queue is drained); returns the final status.
xml::parse_status ours_feed(xml::push_parser& p, std::string_view data, std::size_t chunk, our_counts& c) {
  xml::parse_status st = xml::parse_status::ok;
  for (std::size_t i = 0; i < data.size(); i += chunk) {
    std::string_view piece = data.substr(i, chunk);
    do {
      const auto r = p.receive(piece);
      drain(p, c);
      st = r.status;
      if (st == xml::parse_status::failed) return st;
      if (st == xml::parse_status::closed) {
        const auto at = static_cast<std::size_t>(piece.data() - data.data()) + r.consumed;
        return at == data.size() ? st : xml::parse_status::failed;  // bytes after the close
      }
      piece.remove_prefix(r.consumed);
    } while (st == xml::parse_status::full);
    if (!piece.empty()) return xml::parse_status::failed;
  }
  return st;
}

bool expat_feed(XML_Parser p, std::string_view data, std::size_t chunk, bool final) {
  for (std::size_t i = 0; i < data.size(); i += chunk) {
    const auto piece = data.substr(i, chunk);
    const bool last = final && i + piece.size() == data.size();
    if (XML_Parse(p, piece.data(), static_cast<int>(piece.size()), last ? 1 : 0) != XML_STATUS_OK) return false;
  }
  return true;
}

bool lx_feed(xmlParserCtxtPtr ctx, std::string_view data, std::size_t chunk, bool final) {
  for (std::size_t i = 0; i < data.size(); i += chunk) {
    const auto piece = data.substr(i, chunk);
    const bool last = final && i + piece.size() == data.size();
    if (xmlParseChunk(ctx, piece.data(), static_cast<int>(piece.size()), last ? 1 : 0) != 0) return false;
  }
  return ctx->wellFormed != 0;
}

void verify(const corpus& c) {
  {  // ours, element mode, 64 KiB chunks: clean close, every stanza delivered
    xml::push_parser p(our_options(xml::parse_mode::elements));
    our_counts k;
    const auto st = ours_feed(p, c.bytes, 64 * 1024, k);
    if (st != xml::parse_status::closed || !k.closed) {
      std::string why = p.failed() ? std::string(p.error().reason) + " at byte " + std::to_string(p.error().offset)
                                   : "no clean close";
      die("xmppcore push_parser rejects it", c, why);
    }
    if (k.stanzas != c.stanzas)
      die("xmppcore push_parser miscounts stanzas", c,
          std::to_string(k.stanzas) + " delivered, " + std::to_string(c.stanzas) + " generated");
  }
  {  // expat, namespaces on
    sax_counts k;
    XML_Parser p = expat_new(k);
    const bool ok = expat_feed(p, c.bytes, 64 * 1024, true);
    std::string why = ok ? std::string() : std::string(XML_ErrorString(XML_GetErrorCode(p))) + " at byte " +
                                               std::to_string(XML_GetCurrentByteIndex(p));
    XML_ParserFree(p);
    if (!ok) die("expat rejects it", c, why);
    if (k.stanzas != c.stanzas)
      die("expat miscounts stanzas", c,
          std::to_string(k.stanzas) + " seen, " + std::to_string(c.stanzas) + " generated");
  }
}

// The corpora, generated and verified on first use (outside any timing).
const corpus& get_corpus(profile p) {
  static std::array<std::unique_ptr<corpus>, xmppcore_bench::all_profiles.size()> cache;
  auto& slot = cache[static_cast<std::size_t>(p)];
  if (!slot) {
    slot = std::make_unique<corpus>(xmppcore_bench::generate(p, corpus_bytes()));
    verify(*slot);
  }
  return *slot;
}

// The first `limit` bytes cut at a stanza boundary, and the stanzas in it.
struct prefix {
  std::string_view bytes;
  std::size_t stanzas = 0;
};
prefix prefix_of(const corpus& c, std::size_t limit) {
  prefix r{std::string_view(c.bytes).substr(0, c.header_bytes), 0};
  for (std::size_t end : c.stanza_ends) {
    if (end > limit) break;
    r.bytes = std::string_view(c.bytes).substr(0, end);
    ++r.stanzas;
  }
  return r;
}

void set_rates(benchmark::State& state, std::size_t bytes, std::size_t stanzas) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(bytes));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(stanzas));
}

// ------------------------------------------------------------ benchmarks --
void bm_ours(benchmark::State& state, profile prof, xml::parse_mode mode, std::size_t chunk) {
  const corpus& c = get_corpus(prof);
  const auto opts = our_options(mode);
  for (auto _ : state) {
    xml::push_parser p(opts);
    our_counts k;
    if (ours_feed(p, c.bytes, chunk, k) != xml::parse_status::closed || k.stanzas != c.stanzas) {
      state.SkipWithError("xmppcore: stream did not close cleanly");
      break;
    }
    benchmark::DoNotOptimize(k);
  }
  set_rates(state, c.bytes.size(), c.stanzas);
}

void bm_expat(benchmark::State& state, profile prof, std::size_t chunk) {
  const corpus& c = get_corpus(prof);
  for (auto _ : state) {
    sax_counts k;
    XML_Parser p = expat_new(k);
    const bool ok = expat_feed(p, c.bytes, chunk, true);
    XML_ParserFree(p);
    if (!ok || k.stanzas != c.stanzas) {
      state.SkipWithError("expat: not well-formed");
      break;
    }
    benchmark::DoNotOptimize(k);
  }
  set_rates(state, c.bytes.size(), c.stanzas);
}

void bm_libxml2(benchmark::State& state, profile prof, std::size_t chunk) {
  const corpus& c = get_corpus(prof);
  for (auto _ : state) {
    sax_counts k;
    xmlParserCtxtPtr ctx = lx_new(k);
    const bool ok = lx_feed(ctx, c.bytes, chunk, true);
    xmlFreeParserCtxt(ctx);
    if (!ok || k.stanzas != c.stanzas) {
      state.SkipWithError("libxml2: not well-formed");
      break;
    }
    benchmark::DoNotOptimize(k);
  }
  set_rates(state, c.bytes.size(), c.stanzas);
}

void bm_pugixml(benchmark::State& state, profile prof) {
  const corpus& c = get_corpus(prof);
  std::unique_ptr<char[]> copy(new char[c.bytes.size()]);
  for (auto _ : state) {
    state.PauseTiming();
    std::memcpy(copy.get(), c.bytes.data(), c.bytes.size());
    state.ResumeTiming();
    pugi::xml_document doc;
    const auto res = doc.load_buffer_inplace(copy.get(), c.bytes.size(), pugi::parse_default, pugi::encoding_utf8);
    if (!res) {
      state.SkipWithError("pugixml: parse error");
      break;
    }
    benchmark::DoNotOptimize(doc.first_child());
  }
  set_rates(state, c.bytes.size(), c.stanzas);
}

void bm_memchr(benchmark::State& state, profile prof) {
  const corpus& c = get_corpus(prof);
  for (auto _ : state) {
    const char* p = c.bytes.data();
    const char* const end = p + c.bytes.size();
    std::size_t n = 0;
    while ((p = static_cast<const char*>(std::memchr(p, '<', static_cast<std::size_t>(end - p)))) != nullptr) {
      ++n;
      ++p;
    }
    benchmark::DoNotOptimize(n);
  }
  set_rates(state, c.bytes.size(), c.stanzas);
}

// One byte per call over the first MiB of the mixed corpus (cut at a stanza
// boundary, so every parser ends between stanzas with nothing to flush).
void bm_one_byte_ours(benchmark::State& state, xml::parse_mode mode) {
  const auto pre = prefix_of(get_corpus(profile::mixed), one_byte_prefix);
  const auto opts = our_options(mode);
  for (auto _ : state) {
    xml::push_parser p(opts);
    our_counts k;
    if (ours_feed(p, pre.bytes, 1, k) != xml::parse_status::ok || k.stanzas != pre.stanzas) {
      state.SkipWithError("xmppcore: one-byte feed failed");
      break;
    }
    benchmark::DoNotOptimize(k);
  }
  set_rates(state, pre.bytes.size(), pre.stanzas);
}

void bm_one_byte_expat(benchmark::State& state) {
  const auto pre = prefix_of(get_corpus(profile::mixed), one_byte_prefix);
  for (auto _ : state) {
    sax_counts k;
    XML_Parser p = expat_new(k);
    const bool ok = expat_feed(p, pre.bytes, 1, false);
    XML_ParserFree(p);
    if (!ok || k.stanzas != pre.stanzas) {
      state.SkipWithError("expat: one-byte feed failed");
      break;
    }
    benchmark::DoNotOptimize(k);
  }
  set_rates(state, pre.bytes.size(), pre.stanzas);
}

void bm_one_byte_libxml2(benchmark::State& state) {
  const auto pre = prefix_of(get_corpus(profile::mixed), one_byte_prefix);
  for (auto _ : state) {
    sax_counts k;
    xmlParserCtxtPtr ctx = lx_new(k);
    const bool ok = lx_feed(ctx, pre.bytes, 1, false);
    xmlFreeParserCtxt(ctx);
    // libxml2 may hold back the last end tag until it sees more input.
    if (!ok || k.stanzas + 1 < pre.stanzas) {
      state.SkipWithError("libxml2: one-byte feed failed");
      break;
    }
    benchmark::DoNotOptimize(k);
  }
  set_rates(state, pre.bytes.size(), pre.stanzas);
}

// Idle memory: the heap one parser holds after the stream header and the
// first few stanzas of the mixed corpus, fed in 4 KiB chunks like network
// reads, i.e. an idle stream between stanzas. Ours also after release_memory().
// (Chunking matters for expat: XML_Parse copies each chunk into its own
// buffer, which keeps the size of the largest chunk.)
constexpr std::size_t idle_chunk = 4 * 1024;
constexpr std::size_t idle_stanzas = 5;
std::string_view idle_input() {
  const corpus& c = get_corpus(profile::mixed);
  const std::size_t n = std::min(idle_stanzas, c.stanza_ends.size());
  return std::string_view(c.bytes).substr(0, n == 0 ? c.header_bytes : c.stanza_ends[n - 1]);
}

heap_count delta(const heap_count& now, const heap_count& base) {
  return {now.bytes - base.bytes, now.blocks - base.blocks};
}
void set_heap_counters(benchmark::State& state, const heap_count& h) {
  state.counters["heap_bytes"] = static_cast<double>(h.bytes);
  state.counters["heap_blocks"] = static_cast<double>(h.blocks);
}

void bm_idle_ours(benchmark::State& state, xml::parse_mode mode) {
  const auto in = idle_input();
  const auto opts = our_options(mode);
  heap_count held, released;
  bool between = false;
  for (auto _ : state) {
    const auto base = g_new;
    xml::push_parser p(opts);  // on the stack: only what it allocates is counted
    our_counts k;
    if (ours_feed(p, in, idle_chunk, k) != xml::parse_status::ok || k.stanzas != idle_stanzas) {
      state.SkipWithError("xmppcore: idle input rejected");
      break;
    }
    held = delta(g_new, base);
    between = p.between_elements();
    p.release_memory();
    released = delta(g_new, base);
    benchmark::DoNotOptimize(p);
  }
  set_heap_counters(state, released);
  state.counters["heap_bytes_before_release"] = static_cast<double>(held.bytes);
  state.counters["object_bytes"] = static_cast<double>(sizeof(xml::push_parser));
  state.counters["between_elements"] = between ? 1 : 0;
}

void bm_idle_expat(benchmark::State& state) {
  const auto in = idle_input();
  heap_count held;
  for (auto _ : state) {
    const auto base = g_expat;
    sax_counts k;
    XML_Parser p = expat_new(k, &expat_counting_suite);
    const bool ok = expat_feed(p, in, idle_chunk, false);
    held = delta(g_expat, base);  // the XML_Parser struct itself is heap-allocated: included
    XML_ParserFree(p);
    if (!ok || k.stanzas != idle_stanzas) {
      state.SkipWithError("expat: idle input rejected");
      break;
    }
  }
  set_heap_counters(state, held);
}

void bm_idle_libxml2(benchmark::State& state) {
  const auto in = idle_input();
  heap_count held;
  for (auto _ : state) {
    const auto base = g_xml;
    sax_counts k;
    xmlParserCtxtPtr ctx = lx_new(k);
    const bool ok = lx_feed(ctx, in, idle_chunk, false);
    held = delta(g_xml, base);  // context, input buffer, dictionary, node/name/ns stacks
    xmlFreeParserCtxt(ctx);
    if (!ok || k.stanzas + 1 < idle_stanzas) {
      state.SkipWithError("libxml2: idle input rejected");
      break;
    }
  }
  set_heap_counters(state, held);
}

// Memory per stream under reads full of tiny stanzas: the stream header, then
// `reads` reads of `read` bytes each (one stanza repeated, cut wherever the
// read ends), each fed as an embedder would: receive, drain, and after `full`
// receive the rest of the read. Counters, per stream: the peak heap while
// parsing (peak_heap_bytes) and what the parser holds after the last read,
// drained but without release_memory() (idle_heap_bytes).
constexpr std::size_t memory_reads = 4;
void bm_read_memory(benchmark::State& state, xml::parse_mode mode, std::string_view stanza, std::size_t read) {
  std::string in(xmppcore_bench::detail::c2s_header);
  const std::size_t header = in.size();
  while (in.size() < header + memory_reads * read) in += stanza;
  in.resize(header + memory_reads * read);
  const auto opts = our_options(mode);
  std::int64_t peak = 0, idle = 0;
  for (auto _ : state) {
    const auto base = g_new;
    g_new.peak = g_new.bytes;
    xml::push_parser p(opts);  // on the stack: only what it allocates is counted
    our_counts k;
    const auto st = ours_feed(p, std::string_view(in).substr(0, header), header, k);
    if (st != xml::parse_status::ok || ours_feed(p, std::string_view(in).substr(header), read, k) != xml::parse_status::ok) {
      state.SkipWithError("xmppcore: read-memory input rejected");
      break;
    }
    peak = g_new.peak - base.bytes;
    idle = g_new.bytes - base.bytes;
    benchmark::DoNotOptimize(k);
  }
  state.counters["peak_heap_bytes"] = static_cast<double>(peak);
  state.counters["idle_heap_bytes"] = static_cast<double>(idle);
  state.counters["read_bytes"] = static_cast<double>(read);
}

// ------------------------------------------------------------ registration --
std::string name_of(std::string_view group, std::string_view parser, std::string_view prof, std::string_view tail) {
  std::string n(group);
  n += '/';
  n += parser;
  n += '/';
  n += prof;
  if (!tail.empty()) {
    n += '/';
    n += tail;
  }
  return n;
}

const bool g_registered = [] {
  using benchmark::RegisterBenchmark;
  constexpr std::array<std::size_t, 2> chunks{4 * 1024, 64 * 1024};
  for (profile prof : xmppcore_bench::all_profiles) {
    const auto pn = xmppcore_bench::profile_name(prof);
    for (std::size_t chunk : chunks) {
      const std::string cs = std::to_string(chunk);
      RegisterBenchmark(name_of("BM_parse", "xmppcore_events", pn, cs).c_str(), bm_ours, prof,
                        xml::parse_mode::events, chunk)->Unit(benchmark::kMillisecond);
      RegisterBenchmark(name_of("BM_parse", "xmppcore_elements", pn, cs).c_str(), bm_ours, prof,
                        xml::parse_mode::elements, chunk)->Unit(benchmark::kMillisecond);
      RegisterBenchmark(name_of("BM_parse", "expat", pn, cs).c_str(), bm_expat, prof, chunk)
->Unit(benchmark::kMillisecond);
      RegisterBenchmark(name_of("BM_parse", "libxml2_sax2", pn, cs).c_str(), bm_libxml2, prof, chunk)
          ->Unit(benchmark::kMillisecond);
    }
    RegisterBenchmark(name_of("BM_parse", "pugixml_dom", pn, "whole").c_str(), bm_pugixml, prof)
        ->Unit(benchmark::kMillisecond);
    RegisterBenchmark(name_of("BM_parse", "memchr_lt", pn, "whole").c_str(), bm_memchr, prof)
        ->Unit(benchmark::kMillisecond);
  }
  RegisterBenchmark("BM_one_byte/xmppcore_events/mixed_1MiB", bm_one_byte_ours, xml::parse_mode::events)
      ->Unit(benchmark::kMillisecond);
  RegisterBenchmark("BM_one_byte/xmppcore_elements/mixed_1MiB", bm_one_byte_ours, xml::parse_mode::elements)
      ->Unit(benchmark::kMillisecond);
  RegisterBenchmark("BM_one_byte/expat/mixed_1MiB", bm_one_byte_expat)->Unit(benchmark::kMillisecond);
  RegisterBenchmark("BM_one_byte/libxml2_sax2/mixed_1MiB", bm_one_byte_libxml2)
      ->Unit(benchmark::kMillisecond);
  RegisterBenchmark("BM_idle_memory/xmppcore_events", bm_idle_ours, xml::parse_mode::events)->Iterations(1);
  RegisterBenchmark("BM_idle_memory/xmppcore_elements", bm_idle_ours, xml::parse_mode::elements)->Iterations(1);
  RegisterBenchmark("BM_idle_memory/expat", bm_idle_expat)->Iterations(1);
  RegisterBenchmark("BM_idle_memory/libxml2_sax2", bm_idle_libxml2)->Iterations(1);
  // Memory per stream for reads of tiny stanzas (4 KiB, 64 KiB, 1 MiB reads).
  constexpr std::array<std::pair<std::string_view, std::string_view>, 2> tiny{{
      {"a", "<a/>"},
      {"message", "<message to='romeo@example.net' id='m1' type='chat'><body>hi</body></message>"},
  }};
  for (const auto& [tname, stanza] : tiny)
    for (std::size_t read : {std::size_t(4) << 10, std::size_t(64) << 10, std::size_t(1) << 20})
      for (auto mode : {xml::parse_mode::events, xml::parse_mode::elements})
        RegisterBenchmark(name_of("BM_read_memory",
                                  mode == xml::parse_mode::events ? "xmppcore_events" : "xmppcore_elements", tname,
                                  std::to_string(read))
                              .c_str(),
                          bm_read_memory, mode, stanza, read)
            ->Iterations(1)
            ->Unit(benchmark::kMillisecond);
  return true;
}();

}  // namespace
