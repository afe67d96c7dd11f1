// Fuzz target: JID parsing (draft §3). Besides "no crash, no UB", checks the properties the rest
// of the library relies on:
//  * the fast paths and the domain memo never change a result (parse with and without them
//    agree; prepare_view agrees with prepare);
//  * a parsed JID is a fixed point: parsing its text again gives the same JID (otherwise two
//    spellings of one account could compare unequal after a round trip, draft §14.10);
//  * parts respect the 1023-byte limit, node/domain hold no separators, bare() drops the resource;
//  * a peer's input is never our fault: no error is resource-failure (<internal-server-error/>);
//  * the ACE form of the domain names the same domain, and the strict IDNA rules only refuse
//    more: what they accept is the same JID as under the default rules.
#include <xmppcore/jid/jid.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

using namespace xmppcore::jid;

namespace {
void require(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static preparer fast;  // the fuzz driver's, not the library's: one per process
  static preparer slow = [] {
    preparer p;
    p.use_ascii_fast_path(false);
    p.use_domain_memo(false);  // the reference: every domain prepared from scratch
    return p;
  }();
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  // prepare_view (zero-copy when already prepared) agrees with prepare, for every profile.
  for (auto pr : {profile::nodeprep, profile::resourceprep, profile::nameprep, profile::saslprep}) {
    std::string scratch;
    const auto v = fast.prepare_view(pr, in, scratch);
    const auto s = slow.prepare(pr, in);
    require(v.has_value() == s.has_value());
    if (v) require(*v == *s);
    else require(v.error() == s.error() && s.error() != prep_error::resource_failure);
  }
  const auto strict = jid::parse(in, fast, {.idna = idna_rules::strict});
  const auto a = jid::parse(in, fast);
  const auto b = jid::parse(in, slow);
  require(a.has_value() == b.has_value());
  if (!a) {
    require(a.error() == b.error());
    require(a.error().code != errc::resource_failure);
    require(!strict);
    return 0;
  }
  require(*a == *b);
  if (strict) require(*strict == *a);
  else require(strict.error().code != errc::resource_failure);
  const jid& j = *a;
  require(j.node().size() <= max_part_bytes && j.domain().size() <= max_part_bytes &&
          j.resource().size() <= max_part_bytes);
  require(!j.domain().empty());
  require(j.node().find_first_of("@/") == std::string_view::npos);
  require(j.domain().find_first_of("@/") == std::string_view::npos);
  const auto again = jid::parse(j.full(), fast);
  require(again.has_value());
  require(*again == j);
  require(again->node() == j.node() && again->domain() == j.domain() && again->resource() == j.resource());
  const jid bare = j.bare();
  require(!bare.has_resource() && bare.bare_view() == j.bare_view());
  require(std::hash<jid>{}(*again) == std::hash<jid>{}(j));
  const auto from_ace = jid::parse(j.domain_ace(), slow);
  require(from_ace.has_value() && from_ace->domain() == j.domain());
  return 0;
}
