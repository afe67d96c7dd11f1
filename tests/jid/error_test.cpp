#include <xmppcore/jid/error.hpp>

#include <doctest/doctest.h>

#include <set>
#include <string_view>

using namespace xmppcore::jid;

TEST_CASE("jid error names are distinct and every code maps to a stanza condition") {
  std::set<std::string_view> names;
  for (int i = 0; i <= static_cast<int>(errc::not_stream_safe); ++i) {
    const auto e = static_cast<errc>(i);
    CAPTURE(i);
    CHECK(to_string(e) != "unknown");
    names.insert(to_string(e));
    const jid_error je{part::node, e};
    CHECK(je.condition() == (e == errc::resource_failure ? xmppcore::stanza_condition::internal_server_error
                                                          : xmppcore::stanza_condition::jid_malformed));
  }
  CHECK(names.size() == static_cast<std::size_t>(errc::not_stream_safe) + 1);
  std::set<std::string_view> prep_names;
  for (int i = 0; i <= static_cast<int>(prep_error::not_stream_safe); ++i) {
    const auto e = static_cast<prep_error>(i);
    CHECK(to_string(e) != "unknown");
    prep_names.insert(to_string(e));
    CHECK(to_string(to_errc(e)) == to_string(e));  // same spelling in both enums
  }
  CHECK(prep_names.size() == 8);
  CHECK(to_string(part::node) == "node");
  CHECK(to_string(part::domain) == "domain");
  CHECK(to_string(part::resource) == "resource");
}
