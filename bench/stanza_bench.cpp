// Stanza layer: check (draft §9.2.3/§9.3.1 rules + addressing + §10 classification) and building
// the error reply (draft §9.3, which includes re-parsing the reply under the limits), per stanza.
// Inputs are parsed once outside the timed loop; items = stanzas.
#include <xmppcore/stanza/addressing.hpp>
#include <xmppcore/stanza/delivery.hpp>
#include <xmppcore/stanza/reply.hpp>
#include <xmppcore/stanza/rules.hpp>
#include <xmppcore/stanza/stanza.hpp>
#include <xmppcore/xml/document.hpp>

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <string>

namespace {

using namespace xmppcore;
using namespace xmppcore::stanza;

std::string jingle() {
  // A large <iq/> with nested payload (a Jingle session-initiate with several candidates).
  std::string s =
      "<iq from='romeo@montague.example/dr4hcr0st3lup4c' id='nzu25s8' to='juliet@capulet.example/yn0cl4bnw0yr3vym' "
      "type='set'><jingle xmlns='urn:xmpp:jingle:1' action='session-initiate' "
      "initiator='romeo@montague.example/dr4hcr0st3lup4c' sid='851ba2'><content creator='initiator' name='voice'>"
      "<description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio'>";
  for (int i = 0; i < 8; ++i)
    s += "<payload-type id='" + std::to_string(96 + i) + "' name='speex' clockrate='16000'/>";
  s += "</description><transport xmlns='urn:xmpp:jingle:transports:ice-udp:1' pwd='asd88fgpdd777uzjYhagZg' ufrag='8hhy'>";
  for (int i = 0; i < 8; ++i)
    s += "<candidate component='1' foundation='1' generation='0' id='el0747fg1" + std::to_string(i) +
         "' ip='10.0.1.1' network='1' port='8998' priority='2130706431' protocol='udp' type='host'/>";
  s += "</transport></content></jingle></iq>";
  return s;
}

const std::string inputs[] = {
    "<message to='juliet@example.com/balcony' from='romeo@example.net/orchard' id='m1' type='chat' "
    "xml:lang='en'><body>Wherefore art thou, Romeo?</body><thread>e0ffe42b28561960c6b12b944a092794b9683a38</thread></message>",
    "<iq to='juliet@example.com/garden' from='romeo@example.net/orchard' type='get' id='roster_1'>"
    "<query xmlns='jabber:iq:roster'/></iq>",
    "<presence to='juliet@example.com/garden' from='romeo@example.net/orchard'><show>away</show>"
    "<status>at the ball</status><priority>5</priority></presence>",
    jingle(),
};
const char* const labels[] = {"message", "iq-get", "presence", "jingle-iq"};

struct dir_t final : resource_directory {
  bool is_connected(const jid::jid&) const override { return false; }
  bool has_connected_resource(const jid::jid&) const override { return false; }
};

xml::document parsed(int i) {
  auto d = xml::document::parse(inputs[i]);
  if (!d) std::abort();
  return std::move(*d);
}

// The checks a server runs on each received stanza.
void bm_check(benchmark::State& st) {
  const int i = static_cast<int>(st.range(0));
  auto d = parsed(i);
  jid::preparer prep;
  hosted_domains h;
  h.hostnames = {"example.com"};
  dir_t dir;
  auto bound = jid::jid::parse("romeo@example.net/orchard", prep);
  for (auto _ : st) {
    auto s = stanza_view::from(d.root());
    auto r = check(*s);
    auto a = check_c2s_from(*s, *bound, prep);
    auto dec = decide(*s, h, dir, prep);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(a);
    benchmark::DoNotOptimize(dec);
  }
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()));
  st.SetLabel(labels[i]);
}

// Building the <service-unavailable/> error reply with the payload echoed (and re-parsed).
void bm_error_reply(benchmark::State& st) {
  const int i = static_cast<int>(st.range(0));
  auto d = parsed(i);
  jid::preparer prep;
  reply_checker checker;
  reply_options o;
  o.prep = &prep;
  o.checker = &checker;
  std::int64_t bytes = 0;
  for (auto _ : st) {
    auto s = stanza_view::from(d.root());
    auto r = make_error_reply(*s, stanza_error::of(stanza_condition::service_unavailable), o);
    bytes += static_cast<std::int64_t>(r->xml.size());
    benchmark::DoNotOptimize(r);
  }
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()));
  st.SetBytesProcessed(bytes);
  st.SetLabel(labels[i]);
}

// Check + error reply together: the per-stanza cost of bouncing a stanza.
void bm_check_and_error_reply(benchmark::State& st) {
  const int i = static_cast<int>(st.range(0));
  auto d = parsed(i);
  jid::preparer prep;
  hosted_domains h;
  h.hostnames = {"example.com"};
  dir_t dir;
  reply_checker checker;
  reply_options o;
  o.prep = &prep;
  o.checker = &checker;
  for (auto _ : st) {
    auto s = stanza_view::from(d.root());
    auto r = check(*s);
    auto dec = decide(*s, h, dir, prep);
    auto rep = make_error_reply(*s, stanza_error::of(dec.error.value_or(stanza_condition::bad_request)), o);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(rep);
  }
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()));
  st.SetLabel(labels[i]);
}

}  // namespace

// The same without a reusable checker: one parser allocation per reply.
void bm_error_reply_fresh_parser(benchmark::State& st) {
  const int i = static_cast<int>(st.range(0));
  auto d = parsed(i);
  jid::preparer prep;
  reply_options o;
  o.prep = &prep;
  for (auto _ : st) {
    auto s = stanza_view::from(d.root());
    auto r = make_error_reply(*s, stanza_error::of(stanza_condition::service_unavailable), o);
    benchmark::DoNotOptimize(r);
  }
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()));
  st.SetLabel(labels[i]);
}

BENCHMARK(bm_check)->DenseRange(0, 3);
BENCHMARK(bm_error_reply_fresh_parser)->DenseRange(0, 3);
BENCHMARK(bm_error_reply)->DenseRange(0, 3);
BENCHMARK(bm_check_and_error_reply)->DenseRange(0, 3);
