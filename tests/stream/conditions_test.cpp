#include <xmppcore/conditions.hpp>

#include <doctest/doctest.h>

using namespace xmppcore;

TEST_CASE("stream conditions: the 24 names of draft §4.7.3 round-trip") {
  // Independent list typed from the draft text, in its order.
  const char* names[] = {"bad-format", "bad-namespace-prefix", "conflict", "connection-timeout",
                         "host-gone", "host-unknown", "improper-addressing", "internal-server-error",
                         "invalid-from", "invalid-id", "invalid-namespace", "invalid-xml",
                         "not-authorized", "policy-violation", "remote-connection-failed",
                         "resource-constraint", "restricted-xml", "see-other-host", "system-shutdown",
                         "undefined-condition", "unsupported-encoding", "unsupported-stanza-type",
                         "unsupported-version", "xml-not-well-formed"};
  CHECK(std::size(names) == 24);
  for (const char* n : names) {
    CAPTURE(n);
    auto c = stream_condition_from_string(n);
    REQUIRE(c.has_value());
    CHECK(to_string(*c) == n);
  }
  CHECK(stream_condition_from_string("not-well-formed") == stream_condition::xml_not_well_formed);
  CHECK_FALSE(stream_condition_from_string("bogus").has_value());
}

TEST_CASE("stanza conditions: the 22 names of draft §9.3.3 round-trip") {
  const char* names[] = {"bad-request", "conflict", "feature-not-implemented", "forbidden", "gone",
                         "internal-server-error", "item-not-found", "jid-malformed", "not-acceptable",
                         "not-allowed", "not-authorized", "payment-required", "recipient-unavailable",
                         "redirect", "registration-required", "remote-server-not-found",
                         "remote-server-timeout", "resource-constraint", "service-unavailable",
                         "subscription-required", "undefined-condition", "unexpected-request"};
  CHECK(std::size(names) == 22);
  for (const char* n : names) {
    CAPTURE(n);
    auto c = stanza_condition_from_string(n);
    REQUIRE(c.has_value());
    CHECK(to_string(*c) == n);
  }
  CHECK_FALSE(stanza_condition_from_string("Bad-Request").has_value());
}

TEST_CASE("sasl conditions: the 7 names of draft §6.4 and RFC 6120's malformed-request round-trip") {
  const char* names[] = {"aborted", "incorrect-encoding", "invalid-authzid", "invalid-mechanism",
                         "mechanism-too-weak", "not-authorized", "temporary-auth-failure"};
  for (const char* n : names) {
    CAPTURE(n);
    auto c = sasl_condition_from_string(n);
    REQUIRE(c.has_value());
    CHECK(to_string(*c) == n);
  }
  // RFC 6120 §6.5.8 (not in the draft), spelled as in RFC 6120's XML schema.
  CHECK(to_string(sasl_condition::malformed_request) == "malformed-request");
  CHECK(sasl_condition_from_string("malformed-request") == sasl_condition::malformed_request);
  // The draft's seven keep their values; the addition comes after them.
  CHECK(static_cast<int>(sasl_condition::temporary_auth_failure) == 6);
  CHECK(static_cast<int>(sasl_condition::malformed_request) == 7);
  // Conditions RFC 6120 added but this library does not produce stay unknown.
  for (const char* n : {"account-disabled", "credentials-expired", "encryption-required", "malformed_request"}) {
    CAPTURE(n);
    CHECK_FALSE(sasl_condition_from_string(n).has_value());
  }
  CHECK(stanza_error_type_from_string("continue") == stanza_error_type::continue_);
  CHECK_FALSE(stanza_error_type_from_string("").has_value());
}
