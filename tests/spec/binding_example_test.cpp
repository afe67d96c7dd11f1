// draft §7, Resource Binding, replayed against both roles: the feature after
// SASL, a resource the server makes, a resource the client chooses, the
// result, the three errors, and the <not-authorized/> answer to any other
// stanza before binding (the section's last paragraph). The examples' ids are
// the requester's choice (draft §9.2.3 rule 3: a response keeps the request's
// id): where our client picks its own, the example's response is replayed
// with that id, and each such place says so.
#include "spec/support.hpp"

#include <doctest/doctest.h>

using namespace xs_spec;

namespace {

// draft §7, "Server advertises resource binding feature to client" (the
// header is draft::server_header).
constexpr std::string_view bind_feature = R"(<stream:features>
  <bind xmlns='urn:ietf:params:xml:ns:xmpp-bind' />
</stream:features>)";

// draft §7, "Client asks server to bind a resource".
constexpr std::string_view bind_1 = R"(<iq type='set' id='bind_1'>
  <bind xmlns='urn:ietf:params:xml:ns:xmpp-bind' />
</iq>)";

// draft §7, "Client binds a resource".
constexpr std::string_view bind_2 = R"(<iq type='set' id='bind_2'>
  <bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>
    <resource>someresource</resource>
  </bind>
</iq>)";

// draft §7, "Server informs client of successful resource binding".
constexpr std::string_view bind_result = R"(<iq type='result' id='bind_2'>
  <bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>
    <jid>somenode@example.com/someresource</jid>
  </bind>
</iq>)";

// draft §7, "Resource identifier cannot be processed".
constexpr std::string_view error_bad_request = R"(<iq type='error' id='bind_2'>
  <bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>
    <resource>someresource</resource>
  </bind>
  <error type='modify'>
    <bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas' />
  </error>
</iq>)";

// draft §7, "Client is not allowed to bind a resource".
constexpr std::string_view error_not_allowed = R"(<iq type='error' id='bind_2'>
  <bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>
    <resource>someresource</resource>
  </bind>
  <error type='cancel'>
    <not-allowed xmlns='urn:ietf:params:xml:ns:xmpp-stanzas' />
  </error>
</iq>)";

// draft §7, "Resource identifier is in use".
constexpr std::string_view error_conflict = R"(<iq type='error' id='bind_2'>
  <bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>
    <resource>someresource</resource>
  </bind>
  <error type='cancel'>
    <conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas' />
  </error>
</iq>)";

constexpr std::string_view iq = "{jabber:client}iq";
constexpr std::string_view jid_el = "{urn:ietf:params:xml:ns:xmpp-bind}jid";
constexpr std::string_view resource_el = "{urn:ietf:params:xml:ns:xmpp-bind}resource";

/// A resource Resourceprep refuses: U+FFFD is prohibited (RFC 3454 C.6,
/// draft App. B), yet a legal XML character.
constexpr std::string_view unpreppable = "some\xEF\xBF\xBDresource";

/// The example with our client's id in place of the example's.
std::string with_id(std::string_view example, std::string_view id) {
  std::string s(example);
  const std::string from = "id='bind_2'";
  s.replace(s.find(from), from.size(), "id='" + std::string(id) + "'");
  return s;
}

/// A server as the example's, authenticated as somenode@example.com (PLAIN,
/// as a short way there: draft §7 starts after any successful SASL), with
/// the post-SASL header and features read and checked against draft §7.
struct server_fixture {
  xs_test::test_random rng{7};
  xs_test::accounts store;
  xs_test::resources res;
  std::optional<session::c2s_server> server;
  std::function<void(session::c2s_server_config&)> configure;  // a test's own options
  void start(bool pretty, feed_plan plan = {}) {
    store.passwords["somenode"] = "secret";
    auto cfg = xs_test::server_config(rng, &store, &res);
    if (configure) configure(cfg);
    cfg.lang.clear();
    cfg.tls = session::tls_offer::not_offered;
    cfg.plain_without_tls = true;
    cfg.offer_session = false;  // draft §7's features are <bind/> alone (RFC 3921's <session/> is ours to offer)
    server.emplace(cfg);
    feed(*server, draft::client_header);
    auto auth = feed(*server, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" +
                                  base64_encode(std::string("\0somenode\0secret", 16)) + "</auth>");
    REQUIRE(auth.has("authenticated somenode@example.com"));
    auto r = feed(*server, wire(draft::client_header, pretty), plan);
    CHECK(mismatch_items(std::string(draft::server_header) + std::string(bind_feature), r.out,
                         server_stream_allowances()) == "");
    REQUIRE(server->state() == session::c2s_server_state::expecting_bind);
  }
  session::c2s_server& operator*() { return *server; }
};

/// A server-made resource: non-empty, and what Resourceprep (libidn) leaves as it is.
bool generated_jid_form(std::string_view full) {
  const std::string_view bare = "somenode@example.com/";
  if (!full.starts_with(bare) || full.size() == bare.size()) return false;
  const auto res = full.substr(bare.size());
  return libidn_resourceprep(res) == std::string(res);
}

}  // namespace

TEST_CASE("draft §7, server role: the feature, a server-made resource (bind_1), and the result") {
  for (bool pretty : {true, false})
    for (auto plan : standard_plans()) {
      CAPTURE(pretty);
      CAPTURE(plan.chunk);
      server_fixture f;
      f.start(pretty, plan);
      auto r = feed(*f, wire(bind_1, pretty), plan);
      CHECK(r.status == session::receive_status::ok);
      // The draft shows the result for bind_2 only; for bind_1 the same
      // shape, with bind_1's id and the JID of a resource the server made.
      allowances a;
      a.open_attrs[std::string(iq) + "@id"] = [](std::string_view v) { return v == "bind_1"; };
      a.open_text[std::string(jid_el)] = generated_jid_form;
      CHECK(mismatch_items(bind_result, r.out, a) == "");
      REQUIRE(f.server->bound().has_value());
      CHECK(generated_jid_form(f.server->bound()->full()));
      CHECK(r.has("resource-bound " + std::string(f.server->bound()->full())));
      CHECK(r.has("ready " + std::string(f.server->bound()->full())));
      CHECK(f.server->state() == session::c2s_server_state::established);
      CHECK_FALSE(writes_whitespace(r.out));
    }
}

TEST_CASE("draft §7, server role: the client's resource (bind_2) gets the example's result exactly") {
  for (bool pretty : {true, false})
    for (auto plan : standard_plans()) {
      CAPTURE(pretty);
      CAPTURE(plan.chunk);
      server_fixture f;
      f.start(pretty, plan);
      auto r = feed(*f, wire(bind_2, pretty), plan);
      CHECK(mismatch_items(bind_result, r.out) == "");
      CHECK(r.has("resource-bound somenode@example.com/someresource"));
      CHECK(r.has("ready somenode@example.com/someresource"));
      CHECK_FALSE(writes_whitespace(r.out));
    }
}

TEST_CASE("draft §7, server role: the three errors of the example") {
  for (bool pretty : {true, false}) {
    CAPTURE(pretty);
    SUBCASE("resource identifier cannot be processed: <bad-request/> (modify)") {
      // The example echoes 'someresource', which Resourceprep takes; the
      // error needs a resource it refuses, so that one is sent and echoed
      // (libidn agrees that it is refused).
      REQUIRE_FALSE(libidn_resourceprep(unpreppable).has_value());
      REQUIRE(libidn_resourceprep("someresource") == std::string("someresource"));
      server_fixture f;
      f.start(pretty);
      canon_node want = read_element(error_bad_request);
      std::string sent(bind_2);
      sent.replace(sent.find("someresource"), 12, unpreppable);
      set_text(want, resource_el, unpreppable);
      auto r = feed(*f, wire(sent, pretty));
      auto got = read_stream(r.out);
      REQUIRE(got.items.size() == 1);
      CHECK(mismatch(want, got.items[0].node) == "");
      CHECK(f.server->state() == session::c2s_server_state::expecting_bind);
    }
    SUBCASE("client is not allowed to bind a resource: <not-allowed/> (cancel)") {
      server_fixture f;
      f.res.refused_accounts.insert("somenode@example.com");
      f.start(pretty);
      auto r = feed(*f, wire(bind_2, pretty));
      CHECK(mismatch_items(error_not_allowed, r.out) == "");
      CHECK(f.server->state() == session::c2s_server_state::expecting_bind);
    }
    SUBCASE("resource identifier is in use: <conflict/> (cancel)") {
      server_fixture f;  // resource_conflict::refuse, the default: the draft's option of an error
      f.res.taken.insert("somenode@example.com/someresource");
      f.start(pretty);
      auto r = feed(*f, wire(bind_2, pretty));
      CHECK(mismatch_items(error_conflict, r.out) == "");
      CHECK(f.server->state() == session::c2s_server_state::expecting_bind);
      // Not bound: a later bind of a free resource still works.
      feed(*f, wire(bind_1, pretty));
      CHECK(f.server->state() == session::c2s_server_state::established);
    }
  }
}

TEST_CASE("draft §7, server role: the server overrides the client's resource with one it makes, with no error") {
  // draft §7: "MAY override it ...; in this case, the server SHOULD NOT return
  // a stanza error ... but instead SHOULD communicate the generated resource
  // identifier to the client in the IQ result as shown above": both when it
  // always does (always_generate_resource) and when the resource is in use
  // (resource_conflict::generate).
  allowances a;
  a.open_text[std::string(jid_el)] = [](std::string_view v) {
    return generated_jid_form(v) && v != "somenode@example.com/someresource";
  };
  for (bool in_use : {false, true}) {
    CAPTURE(in_use);
    server_fixture f;
    if (in_use) {
      f.res.taken.insert("somenode@example.com/someresource");
      f.configure = [](session::c2s_server_config& c) { c.on_conflict = session::resource_conflict::generate; };
    } else {
      f.configure = [](session::c2s_server_config& c) { c.always_generate_resource = true; };
    }
    f.start(false);
    auto r = feed(*f, bind_2);
    CHECK(mismatch_items(bind_result, r.out, a) == "");
    CHECK(f.server->state() == session::c2s_server_state::established);
  }
}

TEST_CASE("draft §7, last paragraph: a stanza before binding is not processed and gets <not-authorized/>") {
  for (bool pretty : {true, false}) {
    CAPTURE(pretty);
    server_fixture f;
    f.start(pretty);
    // The draft shows no XML here. The error stanza follows draft §9.3.1-§9.3.2
    // (the same kind, type 'error', the original XML, then <error/>) with
    // <not-authorized/>'s type, 'auth' (draft §9.3.3). Its 'from' may be the
    // original 'to' (draft §9.1.1 sets it so for an error about 'to'), or absent.
    allowances a;
    a.extra_attrs.insert("{jabber:client}message@from");
    auto r1 = feed(*f, wire(R"(<message to='romeo@example.net'>
  <body>wherefore?</body>
</message>)", pretty));
    CHECK(mismatch_items(R"(<message type='error'>
  <body>wherefore?</body>
  <error type='auth'><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>
</message>)", r1.out, a) == "");
    auto r2 = feed(*f, wire("<iq type='get' id='v1'><query xmlns='jabber:iq:version'/></iq>", pretty));
    CHECK(mismatch_items("<iq type='error' id='v1'><query xmlns='jabber:iq:version'/>"
                         "<error type='auth'><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>",
                         r2.out) == "");
    CHECK(r1.elements.empty());
    CHECK(r2.elements.empty());
    CHECK(f.server->state() == session::c2s_server_state::expecting_bind);
    // Binding still works afterwards.
    CHECK(mismatch_items(bind_result, feed(*f, wire(bind_2, pretty)).out) == "");
  }
}

namespace {

/// A client as the example's, authenticated (PLAIN over a fresh stream, as a
/// short way there), that has just read draft §7's header and features.
struct client_fixture {
  xs_test::test_random rng{8};
  std::optional<session::c2s_client> client;
  step_result request;  // what it wrote after the features: the bind request
  void start(std::string resource, bool pretty, feed_plan plan = {}) {
    auto cfg = xs_test::client_config(rng, "somenode", "secret");
    cfg.lang.clear();
    cfg.resource = std::move(resource);
    cfg.tls = session::tls_policy::never;
    cfg.mechanisms = {sasl::mechanism_id::plain};
    cfg.plain_without_tls = true;
    client.emplace(cfg);
    feed(*client, std::string(draft::server_header) +
                      "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN"
                      "</mechanism></mechanisms></stream:features>");
    auto s = feed(*client, "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
    REQUIRE(s.has("authenticated somenode@example.com"));
    request = feed(*client, wire(draft::server_header, pretty) + wire(bind_feature, pretty), plan);
  }
  session::c2s_client& operator*() { return *client; }
  /// The id of the bind request it wrote.
  std::string id() const {
    auto r = read_stream(request.out);
    REQUIRE(r.items.size() == 1);
    return r.items[0].node.attrs.at("id");
  }
};

}  // namespace

TEST_CASE("draft §7, client role: asking the server for a resource is the example's bind_1 exactly") {
  for (bool pretty : {true, false})
    for (auto plan : standard_plans()) {
      CAPTURE(pretty);
      CAPTURE(plan.chunk);
      client_fixture f;
      f.start("", pretty, plan);
      CHECK(mismatch_items(bind_1, f.request.out) == "");
      CHECK_FALSE(writes_whitespace(f.request.out));
      // The result (the example's, for this id, with a server-made resource).
      auto r = feed(*f, wire(with_id(bind_result, f.id()), pretty), plan);
      CHECK(r.has("resource-bound somenode@example.com/someresource"));
      CHECK(r.has("ready somenode@example.com/someresource"));
      CHECK(f.client->state() == session::c2s_client_state::established);
    }
}

TEST_CASE("draft §7, client role: binding its own resource, and the example's result") {
  for (bool pretty : {true, false})
    for (auto plan : standard_plans()) {
      CAPTURE(pretty);
      CAPTURE(plan.chunk);
      client_fixture f;
      f.start("someresource", pretty, plan);
      // The example's request; the id is the client's own ('bind_2' in the draft).
      allowances a;
      a.open_attrs[std::string(iq) + "@id"] = [](std::string_view v) { return !v.empty(); };
      CHECK(mismatch_items(bind_2, f.request.out, a) == "");
      CHECK_FALSE(writes_whitespace(f.request.out));
      auto r = feed(*f, wire(with_id(bind_result, f.id()), pretty), plan);
      CHECK(r.has("resource-bound somenode@example.com/someresource"));
      CHECK(r.has("ready somenode@example.com/someresource"));
      REQUIRE(f.client->bound().has_value());
      CHECK(f.client->bound()->full() == "somenode@example.com/someresource");
      CHECK(r.out.empty());  // no <session/> offered: nothing more to ask
    }
}

TEST_CASE("draft §7, client role: each of the example's errors ends the attempt") {
  for (auto example : {error_bad_request, error_not_allowed, error_conflict})
    for (bool pretty : {true, false}) {
      CAPTURE(example);
      CAPTURE(pretty);
      client_fixture f;
      f.start("someresource", pretty);
      auto r = feed(*f, wire(with_id(example, f.id()), pretty));
      // Our client does not retry binding: it closes its stream (documented in c2s_client.hpp).
      CHECK(f.client->end().reason == session::end_reason::policy_refused);
      CHECK(mismatch_items("</stream:stream>", r.out) == "");
      CHECK_FALSE(f.client->bound().has_value());
    }
}
