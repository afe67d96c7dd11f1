#include <xmppcore/jid/prohibited.hpp>

#include <doctest/doctest.h>

#include <stringprep.h>

#include <utility>

using namespace xmppcore::jid;

namespace {
bool in_libidn(const Stringprep_table_element* t, char32_t cp) {
  for (std::size_t i = 0; t[i].start != 0 || t[i].end != 0; ++i) {
    const std::uint32_t hi = t[i].end ? t[i].end : t[i].start;
    if (cp >= t[i].start && cp <= hi) return true;
  }
  return false;
}
}  // namespace

TEST_CASE("prohibited tables equal libidn's RFC 3454 App. C tables on every code point") {
  const std::pair<prohibited_table, const Stringprep_table_element*> tables[] = {
      {prohibited_table::c_1_1, stringprep_rfc3454_C_1_1}, {prohibited_table::c_1_2, stringprep_rfc3454_C_1_2},
      {prohibited_table::c_2_1, stringprep_rfc3454_C_2_1}, {prohibited_table::c_2_2, stringprep_rfc3454_C_2_2},
      {prohibited_table::c_3, stringprep_rfc3454_C_3},     {prohibited_table::c_4, stringprep_rfc3454_C_4},
      {prohibited_table::c_5, stringprep_rfc3454_C_5},     {prohibited_table::c_6, stringprep_rfc3454_C_6},
      {prohibited_table::c_7, stringprep_rfc3454_C_7},     {prohibited_table::c_8, stringprep_rfc3454_C_8},
      {prohibited_table::c_9, stringprep_rfc3454_C_9},
  };
  for (const auto& entry : tables) {
    const prohibited_table t = entry.first;
    const Stringprep_table_element* lib = entry.second;
    CAPTURE(to_string(t));
    long members = 0, mismatches = 0;
    for (char32_t cp = 0; cp <= 0x10FFFF; ++cp) {
      const bool ours = in_table(t, cp);
      members += ours;
      if (ours != in_libidn(lib, cp)) {
        ++mismatches;
        CAPTURE(static_cast<unsigned>(cp));
        CHECK(ours == in_libidn(lib, cp));
      }
    }
    CHECK(members > 0);
    CHECK(mismatches == 0);
  }
}

TEST_CASE("prepare_detailed: which code point and which table") {
  preparer p;
  auto fail = [&](profile pr, std::string_view s) {
    auto r = prepare_detailed(p, pr, s);
    REQUIRE_FALSE(r);
    return r.error();
  };
  auto f = fail(profile::nodeprep, "ab@c");
  CHECK(f.error == prep_error::prohibited);
  CHECK(f.table == prohibited_table::nodeprep_extra);
  CHECK(f.code_point == U'@');
  CHECK(f.offset == 2);

  f = fail(profile::nodeprep, "\u00E9 x");
  CHECK(f.table == prohibited_table::c_1_1);
  CHECK(f.offset == 2);

  f = fail(profile::resourceprep, "x\u1680");
  CHECK(f.table == prohibited_table::c_1_2);
  CHECK(f.code_point == 0x1680);
  CHECK(f.offset == 1);

  f = fail(profile::saslprep, "pass\x07");
  CHECK(f.table == prohibited_table::c_2_1);
  CHECK(fail(profile::nameprep, "a\u0085").table == prohibited_table::c_2_2);
  CHECK(fail(profile::nameprep, "a\uE000").table == prohibited_table::c_3);
  CHECK(fail(profile::nameprep, "a\U0010FFFF").table == prohibited_table::c_4);  // C.3 ends at U+10FFFD
  CHECK(fail(profile::nameprep, "a\U0010FFFD").table == prohibited_table::c_3);
  CHECK(fail(profile::nameprep, "a\uFDD0").table == prohibited_table::c_4);
  CHECK(fail(profile::nameprep, "a\uFFFD").table == prohibited_table::c_6);
  CHECK(fail(profile::nameprep, "a\u2FF0").table == prohibited_table::c_7);
  CHECK(fail(profile::nameprep, "a\u200E").table == prohibited_table::c_8);
  CHECK(fail(profile::nameprep, "a\U000E0041").table == prohibited_table::c_9);

  // Mapped into a prohibited character: U+FF20 FULLWIDTH COMMERCIAL AT -> '@' (NFKC).
  f = fail(profile::nodeprep, "x\uFF20y");
  CHECK(f.table == prohibited_table::nodeprep_extra);
  CHECK(f.code_point == 0xFF20);
  CHECK(f.offset == 1);
  // U+2003 EM SPACE is itself in C.1.2, but NFKC makes it SPACE, and SPACE (C.1.1) is what
  // Nodeprep's output check finds.
  CHECK(fail(profile::nodeprep, "x\u2003").table == prohibited_table::c_1_1);

  f = fail(profile::nodeprep, "ok\U000E0002");
  CHECK(f.error == prep_error::unassigned);
  CHECK(f.code_point == 0xE0002);
  CHECK(f.offset == 2);
  CHECK(f.table == prohibited_table::none);

  f = fail(profile::nodeprep, "\u05D0a");
  CHECK(f.error == prep_error::bidi);
  CHECK(f.offset == std::string_view::npos);

  auto ok = prepare_detailed(p, profile::nodeprep, "Juliet");
  REQUIRE(ok);
  CHECK(*ok == "juliet");

  CHECK(find_prohibited_table(profile::resourceprep, U' ') == prohibited_table::none);
  CHECK(find_prohibited_table(profile::nameprep, U'\x01') == prohibited_table::none);
  CHECK(find_prohibited_table(profile::saslprep, U'@') == prohibited_table::none);
  CHECK(to_string(prohibited_table::c_2_2) == "C.2.2");
}
