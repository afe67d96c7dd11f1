// The tools of tests/spec checked before they judge anything: the canonical
// comparison must see every difference that matters and none that does not,
// and the independent RFC 2831 arithmetic must give the RFC's own numbers.
// The draft's broken DIGEST-MD5 examples are confirmed broken here with
// OpenSSL, so the tests that replay them rely on facts, not on ERRATA alone.
#include "spec/support.hpp"

#include <doctest/doctest.h>

using namespace xs_spec;

TEST_CASE("harness: RFC 2831 §4 example, response and rspauth with OpenSSL MD5") {
  // username chris, realm elwood.innosoft.com, password secret (RFC 2831 §4).
  CHECK(rfc2831_value("chris", "elwood.innosoft.com", "secret", "OA6MG9tEQGm2hh", "OA6MHXh6VqTrRk",
                      "imap/elwood.innosoft.com", false) == "d388dad90d4bbd760a152321f2143af7");
  CHECK(rfc2831_value("chris", "elwood.innosoft.com", "secret", "OA6MG9tEQGm2hh", "OA6MHXh6VqTrRk",
                      "imap/elwood.innosoft.com", true) == "ea40f60335c427b5527b84dbabcdfffd");
  // ERRATA: the draft copied these values next to other inputs (somenode,
  // somerealm, xmpp/example.com); with them, RFC 2831's password does not give them.
  CHECK(rfc2831_value("somenode", "somerealm", "secret", "OA6MG9tEQGm2hh", "OA6MHXh6VqTrRk", "xmpp/example.com",
                      false) != "d388dad90d4bbd760a152321f2143af7");
}

TEST_CASE("harness: the draft §6.5 base64 examples, as ERRATA describes them") {
  // Step 5: not base64 (ERRATA): 113 data characters, a '0' where a letter belongs.
  const std::string step5 = unfold(R"(cmVhbG09InNvbWVyZWFSbSIscm9uY2U9Ik9BNk1H0XRFUdtMmhoIixxb3A9ImF1dGgi
LGN0YXJzZXQ9dXRmLTgsYWxnb3JpdGhtPW1kNS1zZXNzCg==)");
  CHECK(std::count_if(step5.begin(), step5.end(), [](char c) { return c != '='; }) == 113);
  CHECK_FALSE(base64_strict_decode(step5).has_value());
  // Step 6: base64, but of a response with typos and a trailing newline (ERRATA).
  const std::string step6 = unfold(R"(dXNlcm5hbWU9InNvbWVub2RlIixyZWFSbT0ic29tZXJlYWxtIixub25jZT0i
T0E2TUc5dEVRR20yaGgiLGNub25jZT0iT0E2TUhYaDZwcVRyUmsiLG5jPTAw
MDAwMDAxLHFvcD1hdXR0LGRpZ2VzdC11cmk9InhtcHAvZXhhbXBsZS5jb20i
LHJlc3BvbnNlPWQzODhkYWQ5MGQ0YmJkNzYwYTE1MjMyMWYyMTQzYWY3LGN0
YXJzZXQ9dXRmLTgK)");
  auto d6 = base64_strict_decode(step6);
  REQUIRE(d6.has_value());
  CHECK(d6->find("reaRm=") != std::string::npos);
  CHECK(d6->find("qop=autt") != std::string::npos);
  CHECK(d6->find("ctarset=") != std::string::npos);
  CHECK(d6->ends_with("\n"));
  // With its line breaks (as printed) it is not RFC 3548 §3 base64 at all.
  CHECK_FALSE(base64_strict_decode("dXNlcm5h\nbWU9").has_value());
  // Step 7: rspauth with the RFC 2831 value and a trailing newline.
  auto d7 = base64_strict_decode("cnNwYXV0aD1lYTQwZjYwMzM1YzQyN2I1NTI3Yjg0ZGJhYmNkZmZmZAo=");
  REQUIRE(d7.has_value());
  CHECK(*d7 == "rspauth=ea40f60335c427b5527b84dbabcdfffd\n");
}

TEST_CASE("harness: the canonical comparison ignores layout and sees content") {
  const std::string_view example = R"(<iq type='set' id='bind_2'>
  <bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>
    <resource>someresource</resource>
  </bind>
</iq>)";
  // Attribute order, quote style, white space between elements, a prefix
  // instead of a default namespace: the same expanded names, the same tree.
  CHECK(mismatch_items(example, "<iq id=\"bind_2\" type=\"set\"><b:bind xmlns:b='urn:ietf:params:xml:ns:xmpp-bind'>"
                                "<b:resource>someresource</b:resource></b:bind></iq>") == "");
  // Each kind of difference is seen.
  CHECK(mismatch_items(example, "<iq type='get' id='bind_2'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                                "<resource>someresource</resource></bind></iq>") != "");
  CHECK(mismatch_items(example, "<iq type='set'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                                "<resource>someresource</resource></bind></iq>") != "");
  CHECK(mismatch_items(example, "<iq type='set' id='bind_2' to='x'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                                "<resource>someresource</resource></bind></iq>") != "");
  CHECK(mismatch_items(example, "<iq type='set' id='bind_2'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                                "<resource>someresource </resource></bind></iq>") != "");
  CHECK(mismatch_items(example, "<iq type='set' id='bind_2'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                                "<resource xmlns=''>someresource</resource></bind></iq>") != "");
  CHECK(mismatch_items(example, "<iq type='set' id='bind_2'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>") !=
        "");
  CHECK(mismatch_items(example, "<iq type='set' id='bind_2'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                                "<resource>someresource</resource><x/></bind></iq>") != "");
  CHECK(mismatch_items(example, "<iq type='set' id='bind_2'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                                "<resource>someresource</resource></bind></iq><iq/>") != "");
  // Child order matters (the mechanisms are listed in order of preference).
  CHECK(mismatch_items(draft::sasl_features,
                       "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN"
                       "</mechanism><mechanism>DIGEST-MD5</mechanism></mechanisms></stream:features>") != "");
}

TEST_CASE("harness: stream headers, the streams prefix, and allowances one by one") {
  const std::string_view ours_ok =
      "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
      "from='example.com' id='0123456789abcdef0123' version='1.0'>";
  CHECK(mismatch_items(draft::server_header, ours_ok, server_stream_allowances()) == "");
  // Without the allowance the id is compared by value.
  CHECK(mismatch_items(draft::server_header, ours_ok) != "");
  // An id of the wrong form, another content namespace, another prefix, an extra attribute.
  CHECK(mismatch_items(draft::server_header,
                       "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
                       "from='example.com' id='x' version='1.0'>",
                       server_stream_allowances()) != "");
  CHECK(mismatch_items(draft::server_header,
                       "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' "
                       "from='example.com' id='0123456789abcdef0123' version='1.0'>",
                       server_stream_allowances()) != "");
  CHECK(mismatch_items(draft::server_header,
                       "<s:stream xmlns='jabber:client' xmlns:s='http://etherx.jabber.org/streams' "
                       "from='example.com' id='0123456789abcdef0123' version='1.0'>",
                       server_stream_allowances()) != "");
  CHECK(mismatch_items(draft::server_header,
                       "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
                       "from='example.com' id='0123456789abcdef0123' version='1.0' xml:lang='en'>",
                       server_stream_allowances()) != "");
  // An XML declaration in the example must be in ours; one in ours alone is fine (draft §11.4).
  CHECK(mismatch_items("<?xml version='1.0'?>" + std::string(draft::client_header),
                       "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
                       "to='example.com' version='1.0'>") != "");
  // <limits/> only where allowed, and only as an extra.
  const std::string with_limits =
      "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>DIGEST-MD5</mechanism>"
      "<mechanism>PLAIN</mechanism></mechanisms><limits xmlns='urn:xmpp:stream-limits:0'><max-bytes>8192</max-bytes>"
      "</limits></stream:features>";
  CHECK(mismatch_items(draft::sasl_features, with_limits, server_stream_allowances()) == "");
  CHECK(mismatch_items(draft::sasl_features, with_limits) != "");
  // The closing tag is an item of its own.
  CHECK(mismatch_items(draft::temporary_auth_failure,
                       "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><temporary-auth-failure/></failure>") != "");
  CHECK(mismatch_items(draft::temporary_auth_failure,
                       "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><temporary-auth-failure/></failure>"
                       "</stream:stream>") == "");
}

TEST_CASE("harness: compact() drops white space between elements only; writes_whitespace() sees it") {
  CHECK(compact(draft::sasl_features) ==
        "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>DIGEST-MD5</mechanism>"
        "<mechanism>PLAIN</mechanism></mechanisms></stream:features>");
  CHECK(compact(draft::auth_digest_md5) == "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl'\n  mechanism='DIGEST-MD5' />");
  CHECK(compact("<body> Art thou </body>\n<x/>") == "<body> Art thou </body><x/>");
  CHECK(writes_whitespace(draft::sasl_features));
  CHECK_FALSE(writes_whitespace(compact(draft::sasl_features)));
  CHECK(writes_whitespace("<a/> <b/>"));
  CHECK(writes_whitespace("<a/>\n"));
  CHECK(writes_whitespace("<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'> "));
  CHECK_FALSE(writes_whitespace("<a> x </a><b/>"));
}

TEST_CASE("harness: feed() keeps the bytes after a stop for their owner") {
  xs_test::test_random rng;
  xs_test::accounts store;
  auto cfg = xs_test::server_config(rng, &store, nullptr);
  for (auto plan : standard_plans()) {
    CAPTURE(plan.chunk);
    session::c2s_server m(cfg);
    auto r = feed(m, std::string(draft::client_header) + "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>TLS", plan);
    CHECK(r.status == session::receive_status::switch_transport);
    CHECK(r.rest == "TLS");
    CHECK(r.has("switch-to-tls"));
  }
}
