// Differential fuzz target: our Nodeprep / Resourceprep / Nameprep / SASLprep (ICU + ASCII fast
// path) against GNU libidn. Byte 0 picks the profile (bits 0-1) and query mode (bit 2); the rest
// is the string. Aborts on any disagreement except the two documented in
// tests/jid/libidn_diff_test.cpp: error *class* differences when an unassigned code point is
// present in stored mode (check order), and query-mode bidi verdicts on code points unassigned
// in Unicode 3.2 that ICU classifies with current Bidi_Class data.
#include <xmppcore/jid/stringprep.hpp>

#include <stringprep.h>
#include <unicode/uchar.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

using namespace xmppcore::jid;

namespace {

bool in_a1(char32_t cp) {
  for (std::size_t i = 0; stringprep_rfc3454_A_1[i].start != 0 || stringprep_rfc3454_A_1[i].end != 0; ++i) {
    const auto& e = stringprep_rfc3454_A_1[i];
    const std::uint32_t hi = e.end ? e.end : e.start;
    if (cp >= e.start && cp <= hi) return true;
  }
  return false;
}

std::string libidn_run(const Stringprep_profile* prof, std::string_view in, bool query) {
  std::vector<char> buf(in.size() * 24 + 64, '\0');
  std::copy(in.begin(), in.end(), buf.begin());
  const int rc = stringprep(buf.data(), buf.size(), query ? Stringprep_profile_flags{} : STRINGPREP_NO_UNASSIGNED, prof);
  switch (rc) {
    case STRINGPREP_OK: {
      std::string out(buf.data());
      return out.empty() ? "!empty" : "=" + out;
    }
    case STRINGPREP_CONTAINS_UNASSIGNED: return "!unassigned";
    case STRINGPREP_CONTAINS_PROHIBITED:
    case STRINGPREP_BIDI_CONTAINS_PROHIBITED: return "!prohibited";
    case STRINGPREP_BIDI_BOTH_L_AND_RAL:
    case STRINGPREP_BIDI_LEADTRAIL_NOT_RAL: return "!bidi";
    default: return "!other";
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static preparer prep;  // the fuzz driver's, not the library's
  if (size < 1 || size > 4096) return 0;
  const profile prs[] = {profile::nodeprep, profile::resourceprep, profile::nameprep, profile::saslprep};
  const Stringprep_profile* libs[] = {stringprep_xmpp_nodeprep, stringprep_xmpp_resourceprep, stringprep_nameprep,
                                      stringprep_saslprep};
  const unsigned sel = data[0] & 3u;
  const bool query = (data[0] & 4u) != 0;
  const std::string_view s(reinterpret_cast<const char*>(data + 1), size - 1);

  auto r = prep.prepare(prs[sel], s, query);
  const std::string ours = r ? "=" + *r : "!" + std::string(to_string(r.error()));

  // libidn takes NUL-terminated, valid UTF-8: only compare such inputs. Our verdict on invalid
  // UTF-8 must be invalid_utf8.
  bool valid = true, has_unassigned = false, has_unassigned_strong = false;
  for (std::size_t i = 0; i < s.size();) {
    const char32_t cp = xmppcore::jid::detail::decode_utf8(s, i);
    if (cp == 0xFFFFFFFFu || cp == 0) {
      valid = cp != 0xFFFFFFFFu;
      if (!valid) break;
      return 0;  // embedded NUL: libidn cannot see it
    }
    if (in_a1(cp)) {
      has_unassigned = true;
      const auto dir = u_charDirection(static_cast<UChar32>(cp));
      has_unassigned_strong |= dir == U_LEFT_TO_RIGHT || dir == U_RIGHT_TO_LEFT || dir == U_RIGHT_TO_LEFT_ARABIC;
    }
  }
  if (!valid) {
    if (ours != "!invalid-utf8") std::abort();
    return 0;
  }
  if (s.empty()) {
    if (ours != "!empty") std::abort();
    return 0;
  }
  const std::string theirs = libidn_run(libs[sel], s, query);
  if (ours == theirs) return 0;
  const bool both_fail = ours[0] == '!' && theirs[0] == '!';
  if (both_fail && !query && has_unassigned && ours == "!unassigned") return 0;  // check order
  if (!both_fail && query && has_unassigned_strong && (ours == "!bidi") != (theirs == "!bidi")) return 0;
  std::abort();
}
