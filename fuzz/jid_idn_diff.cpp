// Differential fuzz target against GNU libidn. Byte 0 selects:
//   bit 3 clear: our Nodeprep / Resourceprep / Nameprep / SASLprep (bits 0-1) against libidn's
//                stringprep() with the same profile; bit 2: query mode;
//   bit 3 set:   our domain preparation and ACE form (jid/domain.hpp, the draft's IDNA2003
//                rules) against libidn's RFC 3490 ToASCII, idna_to_ascii_8z with STD3 rules;
//                bit 2: query mode (AllowUnassigned).
// The rest is the string. Aborts on any disagreement except those tests/jid/libidn_diff_test.cpp
// and tests/jid/idna_diff_test.cpp allow, each confirmed the same way here (tests/jid/oracles.hpp):
// an error class that differs only by check order (stored mode, an unassigned code point present,
// ours "unassigned"), and for domains the JID layer's own limits (IPv4 literals, runs of more
// than 30 combining marks, 1023 bytes).
#include <xmppcore/jid/domain.hpp>
#include <xmppcore/jid/stringprep.hpp>

#include "../tests/jid/oracles.hpp"

#include <stringprep.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

using namespace xmppcore::jid;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static preparer prep;  // the fuzz driver's, not the library's
  if (size < 1 || size > 4096) return 0;
  const bool query = (data[0] & 4u) != 0;
  const bool domain = (data[0] & 8u) != 0;
  const std::string_view s(reinterpret_cast<const char*>(data + 1), size - 1);

  // libidn takes NUL-terminated, valid UTF-8: only compare such inputs. Our verdict on invalid
  // UTF-8 must be invalid_utf8.
  std::u32string cps;
  const bool valid = xc_jid_oracle::decode(s, cps);
  if (cps.find(U'\0') != std::u32string::npos) return 0;  // embedded NUL: libidn cannot see it
  bool has_unassigned = false;
  for (const char32_t cp : cps) has_unassigned |= xc_jid_oracle::in_table(stringprep_rfc3454_A_1, cp);

  if (domain) {
    auto r = to_ace(prep, s, query ? prep_mode::query : prep_mode::stored);
    const std::string ours = r ? "=" + *r : "!" + std::string(to_string(r.error()));
    if (r) {
      // The ACE form names the same domain.
      auto back = prepare_domain(prep, *r, query ? prep_mode::query : prep_mode::stored);
      auto stored = prepare_domain(prep, s, query ? prep_mode::query : prep_mode::stored);
      if (!back || !stored || *back != *stored) std::abort();
    }
    if (!valid) {
      if (ours != "!invalid-utf8") std::abort();
      return 0;
    }
    if (s.empty() || s.front() == '[') return 0;  // no domain / an IPv6 literal: not IDNA's business
    std::string raw;
    const std::string theirs = xc_jid_oracle::libidn_ace(std::string(s), query, &raw);
    if (ours == theirs || (ours[0] == '!' && theirs[0] == '!')) return 0;
    if (!xc_jid_oracle::excuse_domain_refusal(std::string(s), ours, theirs, raw, query).empty()) return 0;
    std::abort();
  }

  const profile prs[] = {profile::nodeprep, profile::resourceprep, profile::nameprep, profile::saslprep};
  const Stringprep_profile* libs[] = {stringprep_xmpp_nodeprep, stringprep_xmpp_resourceprep, stringprep_nameprep,
                                      stringprep_saslprep};
  const unsigned sel = data[0] & 3u;
  auto r = prep.prepare(prs[sel], s, query ? prep_mode::query : prep_mode::stored);
  const std::string ours = r ? "=" + *r : "!" + std::string(to_string(r.error()));
  if (!valid) {
    if (ours != "!invalid-utf8") std::abort();
    return 0;
  }
  if (ours == "!not-stream-safe") {  // our limit (UAX #15 §13): confirm it independently
    if (xc_jid_oracle::longest_non_starter_run(cps, prs[sel] == profile::saslprep) <= 30) std::abort();
    return 0;
  }
  const std::string theirs = xc_jid_oracle::libidn_prep(libs[sel], s, query);
  if (ours == theirs) return 0;
  if (ours[0] == '!' && theirs[0] == '!' && !query && has_unassigned && ours == "!unassigned") return 0;  // check order
  std::abort();
}
