#include <xmppcore/sasl/payload.hpp>

#include <doctest/doctest.h>

#include <string>

using namespace xmppcore::sasl;
using xmppcore::sasl_condition;

TEST_CASE("payload: empty, '=', base64 (draft §6.2 step 3, §14.9)") {
  auto none = decode_payload("");
  REQUIRE(none);
  CHECK_FALSE(*none);
  auto empty = decode_payload("=");
  REQUIRE(empty);
  REQUIRE(*empty);
  CHECK((*empty)->empty());
  auto data = decode_payload("Zm9vYmFy");
  REQUIRE(data);
  CHECK(**data == "foobar");
  CHECK(encode_payload(std::nullopt) == "");
  CHECK(encode_payload(std::string_view("")) == "=");
  CHECK(encode_payload(std::string_view("foobar")) == "Zm9vYmFy");
}

TEST_CASE("payload: anything else is incorrect-encoding") {
  for (const char* bad : {"==", "Zg=", "Zm9v\n", " Zm9v", "Zm9v YmFy", "Zh==", "=Zm9", "Zm9v=", "Zm9v\r\n"}) {
    CAPTURE(bad);
    auto r = decode_payload(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error() == sasl_condition::incorrect_encoding);
  }
  // The broken first challenge of draft §6.5 (ERRATA.md), as element text.
  auto draft = decode_payload(
      "\ncmVhbG09InNvbWVyZWFSbSIscm9uY2U9Ik9BNk1H0XRFUdtMmhoIixxb3A9ImF1dGgi\n"
      "LGN0YXJzZXQ9dXRmLTgsYWxnb3JpdGhtPW1kNS1zZXNzCg==\n");
  REQUIRE_FALSE(draft);
  CHECK(draft.error() == sasl_condition::incorrect_encoding);
}

TEST_CASE("payload: size cap") {
  const std::string big(4 * 6000, 'A');  // 18000 octets decoded
  CHECK(decode_payload(big).error() == sasl_condition::incorrect_encoding);
  CHECK(decode_payload(big, 18000));
  CHECK(decode_payload("Zm9vYmFy", 5).error() == sasl_condition::incorrect_encoding);
}
