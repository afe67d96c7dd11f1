// draft §4.8, "Simplified Stream Examples": a basic session and a session
// gone bad, replayed against both roles. The draft skips the middle
// ("... encryption, authentication, and resource binding ..."); here a
// c2s_client and a c2s_server of ours negotiate it in memory (STARTTLS with a
// pass-through stand-in, SASL, binding), and the example's lines before and
// after it are fed to the role under test and its answers compared with the
// example's next lines. Account: juliet@example.com, as in the example.
#include "spec/support.hpp"

#include <xmppcore/xml/document.hpp>

#include <doctest/doctest.h>

using namespace xs_spec;

namespace {

// draft §4.8, both examples: the client's header.
constexpr std::string_view c_header = R"(<?xml version='1.0'?>
  <stream:stream
    to='example.com'
    xmlns='jabber:client'
    xmlns:stream='http://etherx.jabber.org/streams'
    version='1.0'>)";

// draft §4.8, both examples: the server's header.
constexpr std::string_view s_header = R"(<?xml version='1.0'?>
  <stream:stream
    from='example.com'
    id='someid'
    xmlns='jabber:client'
    xmlns:stream='http://etherx.jabber.org/streams'
    version='1.0'>)";

// draft §4.8, a basic session: the client's message.
constexpr std::string_view c_message = R"(<message from='juliet@example.com'
    to='romeo@example.net'
    xml:lang='en'>
    <body>Art thou not Romeo, and a Montague?</body>
  </message>)";

// draft §4.8, a basic session: the server's message.
constexpr std::string_view s_message = R"(<message from='romeo@example.net'
    to='juliet@example.com'
    xml:lang='en'>
    <body>Neither, fair saint, if either thee dislike.</body>
  </message>)";

constexpr std::string_view close_tag = "</stream:stream>";

// draft §4.8, a session gone bad: the client's broken message.
constexpr std::string_view c_bad_message = R"(<message xml:lang='en'>
  <body>Bad XML, no closing body tag!
</message>)";

// draft §4.8, a session gone bad: the server's answer.
constexpr std::string_view s_error = R"(<stream:error>
  <xml-not-well-formed
    xmlns='urn:ietf:params:xml:ns:xmpp-streams' />
</stream:error>
</stream:stream>)";

/// A client and a server of ours, configured as the example's two sides.
struct sides {
  xs_test::test_random srng{48}, crng{84};
  xs_test::accounts store;
  xs_test::resources res;
  std::optional<session::c2s_server> server;
  std::optional<session::c2s_client> client;
  sides() {
    store.passwords["juliet"] = "r0m30myr0m30";
    auto s = xs_test::server_config(srng, &store, &res);
    s.lang.clear();  // the example's headers carry no xml:lang
    // The example's client writes its bare JID as 'from'; RFC 6120 §8.1.2.1
    // servers accept that, the draft's §9.1.2 asks for the full JID, so this
    // is the server's option (c2s_from_options::accept_bare).
    s.from_check.accept_bare = true;
    server.emplace(s);
    auto c = xs_test::client_config(crng);
    c.lang.clear();
    c.mechanisms = {sasl::mechanism_id::digest_md5};  // the draft's mandatory mechanism (§14.7), and quick
    client.emplace(c);
  }
  /// "... encryption, authentication, and resource binding ...": both sides
  /// negotiate what remains, through their output buffers, starting with the
  /// bytes already in flight.
  void negotiate(std::string to_server = {}, std::string to_client = {}) {
    xs_test::pair p{*client, *server};
    p.to_server = std::move(to_server);
    p.to_client = std::move(to_client);
    p.run();
    REQUIRE(client->state() == session::c2s_client_state::established);
    REQUIRE(server->state() == session::c2s_server_state::established);
    CHECK(server->bound()->full() == "juliet@example.com/balcony");
  }
};

/// Our output of the header step without what follows the header (the
/// features, which the example leaves to "...").
stream_reading header_only(std::string_view out) {
  auto r = read_stream(out);
  if (r.items.size() > 1) r.items.resize(1);
  return r;
}

/// The server role up to and including the header exchange: the example's
/// client header fed to our server, its header compared with the example's,
/// and the rest negotiated by our client (whose own first header is checked
/// against the example's client header, then replaced by it).
void server_opens(sides& s, bool pretty, feed_plan plan) {
  step_result own;
  drain(*s.client, own);
  CHECK(mismatch_items(c_header, own.out) == "");  // the client role of the first line
  auto r = feed(*s.server, wire(c_header, pretty), plan);
  CHECK(r.status == session::receive_status::ok);
  allowances a = server_stream_allowances();
  CHECK(mismatch_items(read_stream(s_header), header_only(r.out), a) == "");
  CHECK_FALSE(writes_whitespace(r.out));
  s.negotiate({}, r.out);
}

void basic_session_server(feed_plan plan, bool pretty) {
  sides s;
  server_opens(s, pretty, plan);

  // C: the message -> delivered, as sent, from the bound resource.
  auto r1 = feed(*s.server, wire(c_message, pretty), plan);
  CHECK(r1.status == session::receive_status::ok);
  CHECK(r1.has("stanza-received juliet@example.com/balcony"));
  REQUIRE(r1.elements.size() == 1);
  CHECK(mismatch_items(c_message, r1.elements[0]) == "");

  // S: the reply, written as the router hands it over.
  auto doc = xml::document::parse(compact(s_message), ns::client);
  REQUIRE(doc.has_value());
  REQUIRE(s.server->send(doc->root()));
  step_result out;
  drain(*s.server, out);
  CHECK(mismatch_items(s_message, out.out) == "");
  CHECK_FALSE(writes_whitespace(out.out));

  // C: </stream:stream> -> S: </stream:stream>.
  auto r2 = feed(*s.server, wire(close_tag, pretty), plan);
  CHECK(mismatch_items(close_tag, r2.out) == "");
  CHECK(s.server->end().reason == session::end_reason::peer_closed);
}

void basic_session_client(feed_plan plan, bool pretty) {
  sides s;
  // C: the header, written at once.
  step_result own;
  drain(*s.client, own);
  CHECK(mismatch_items(c_header, own.out) == "");
  // S: the example's header, in place of our server's; then our server's features.
  auto srv = feed(*s.server, own.out);
  const auto features_at = srv.out.find("<stream:features");
  REQUIRE(features_at != std::string::npos);
  auto r1 = feed(*s.client, wire(s_header, pretty) + srv.out.substr(features_at), plan);
  CHECK(r1.has("stream-opened"));
  CHECK(r1.has("features-received"));
  s.negotiate(r1.out);

  // C: the message, as the embedder hands it over.
  auto doc = xml::document::parse(compact(c_message), ns::client);
  REQUIRE(doc.has_value());
  REQUIRE(s.client->send(doc->root()).has_value());
  step_result out;
  drain(*s.client, out);
  CHECK(mismatch_items(c_message, out.out) == "");
  CHECK_FALSE(writes_whitespace(out.out));

  // S: the message -> delivered as sent.
  auto r2 = feed(*s.client, wire(s_message, pretty), plan);
  CHECK(r2.status == session::receive_status::ok);
  REQUIRE(r2.elements.size() == 1);
  CHECK(mismatch_items(s_message, r2.elements[0]) == "");

  // C: </stream:stream>, S: </stream:stream>.
  s.client->close();
  step_result bye;
  drain(*s.client, bye);
  CHECK(mismatch_items(close_tag, bye.out) == "");
  auto r3 = feed(*s.client, wire(close_tag, pretty), plan);
  CHECK(r3.out.empty());
  CHECK(s.client->end().reason == session::end_reason::local_close);
}

}  // namespace

TEST_CASE("draft §4.8 a basic session, server role") { grind(basic_session_server, 200); }

TEST_CASE("draft §4.8 a basic session, client role") { grind(basic_session_client, 200); }

TEST_CASE("draft §4.8 a session gone bad, server role: <xml-not-well-formed/> and the close") {
  grind(
      [](feed_plan plan, bool pretty) {
        sides s;
        server_opens(s, pretty, plan);
        const std::uint64_t before = s.server->offset();
        auto r = feed(*s.server, wire(c_bad_message, pretty), plan);
        // The draft's condition name (RFC 6120 later renamed it <not-well-formed/>).
        // Our error adds a <text/> with the reason (draft §4.7.2: optional).
        allowances a;
        a.extra_children.insert(
            {"{http://etherx.jabber.org/streams}error", "{urn:ietf:params:xml:ns:xmpp-streams}text"});
        CHECK(mismatch_items(s_error, r.out, a) == "");
        CHECK(r.status == session::receive_status::closed);
        CHECK(r.elements.empty());  // nothing of the broken message is delivered
        const auto& end = s.server->end();
        CHECK(end.reason == session::end_reason::stream_error_sent);
        CHECK(end.condition == stream_condition::xml_not_well_formed);
        // Found at the mismatched end tag: within the message's bytes, past '<body>'.
        const std::string sent = wire(c_bad_message, pretty);
        CHECK(end.offset > before + sent.find("</message>"));
        CHECK(end.offset <= before + sent.size());
        CHECK_FALSE(writes_whitespace(r.out));
      },
      100);
}

TEST_CASE("draft §4.8 a session gone bad, client role: the server's stream error ends the stream") {
  grind(
      [](feed_plan plan, bool pretty) {
        sides s;
        s.negotiate();
        auto r = feed(*s.client, wire(s_error, pretty), plan);
        CHECK(r.has("stream-error-received"));
        REQUIRE(s.client->peer_error() != nullptr);
        CHECK(s.client->peer_error()->condition == stream_condition::xml_not_well_formed);
        CHECK(s.client->end().reason == session::end_reason::stream_error_received);
        // Our client closes its side: </stream:stream>, nothing else.
        CHECK(mismatch_items(close_tag, r.out) == "");
      },
      100);
}
