// Test-only: GNU SASL (libgsasl) as an independent peer, in memory. Our client
// against its server and its client against our server, for DIGEST-MD5,
// PLAIN and SCRAM.
#pragma once

#include "support.hpp"

#include <gsasl.h>

#include <xmppcore/sasl/mechanism.hpp>

#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace xc_test {

/// Properties a gsasl callback hands out, keyed by Gsasl_property.
struct gsasl_props {
  std::map<int, std::string> values;
  std::map<std::string, std::string> users;  // server: authid → password
  std::string seen_authid, seen_authzid, seen_realm;
};

inline int gsasl_test_callback(Gsasl*, Gsasl_session* s, Gsasl_property prop) {
  auto* p = static_cast<gsasl_props*>(gsasl_session_hook_get(s));
  if (!p) return GSASL_NO_CALLBACK;
  if (prop == GSASL_PASSWORD && !p->users.empty()) {
    // Server side: look up the password of the authid gsasl decoded.
    const char* a = gsasl_property_fast(s, GSASL_AUTHID);
    const char* z = gsasl_property_fast(s, GSASL_AUTHZID);
    const char* r = gsasl_property_fast(s, GSASL_REALM);
    p->seen_authid = a ? a : "";
    p->seen_authzid = z ? z : "";
    p->seen_realm = r ? r : "";
    auto it = p->users.find(p->seen_authid);
    if (it == p->users.end()) return GSASL_NO_CALLBACK;
    return gsasl_property_set(s, GSASL_PASSWORD, it->second.c_str());
  }
  if (prop == GSASL_VALIDATE_SIMPLE) {  // PLAIN server
    const char* a = gsasl_property_fast(s, GSASL_AUTHID);
    const char* w = gsasl_property_fast(s, GSASL_PASSWORD);
    const char* z = gsasl_property_fast(s, GSASL_AUTHZID);
    p->seen_authid = a ? a : "";
    p->seen_authzid = z ? z : "";
    auto it = p->users.find(p->seen_authid);
    return (it != p->users.end() && w && it->second == w) ? GSASL_OK : GSASL_AUTHENTICATION_ERROR;
  }
  if (prop == GSASL_VALIDATE_EXTERNAL) {  // EXTERNAL server: the lower layer vouched for the peer
    const char* z = gsasl_property_fast(s, GSASL_AUTHZID);
    p->seen_authzid = z ? z : "";
    return GSASL_OK;
  }
  auto it = p->values.find(static_cast<int>(prop));
  if (it == p->values.end()) return GSASL_NO_CALLBACK;
  return gsasl_property_set(s, prop, it->second.c_str());
}

/// One gsasl library context for the test binary's lifetime of a test.
struct gsasl_lib {
  Gsasl* ctx = nullptr;
  gsasl_lib() {
    REQUIRE(gsasl_init(&ctx) == GSASL_OK);
    gsasl_callback_set(ctx, gsasl_test_callback);
  }
  ~gsasl_lib() { gsasl_done(ctx); }
  gsasl_lib(const gsasl_lib&) = delete;
  gsasl_lib& operator=(const gsasl_lib&) = delete;
};

/// gsasl_step with std::string in/out; returns the gsasl return code.
inline int gsasl_do_step(Gsasl_session* s, std::optional<std::string_view> in, std::string& out) {
  char* o = nullptr;
  size_t olen = 0;
  const int rc = gsasl_step(s, in ? in->data() : nullptr, in ? in->size() : 0, &o, &olen);
  out.assign(o ? o : "", o ? olen : 0);
  gsasl_free(o);
  return rc;
}

/// Our client against gsasl's server. Returns true when both sides agree on
/// success (gsasl returned GSASL_OK and our client verified the server).
inline bool our_client_vs_gsasl_server(xmppcore::sasl::client_mechanism& c, const char* mech, gsasl_props& props,
                                       std::string* why = nullptr) {
  gsasl_lib lib;
  Gsasl_session* s = nullptr;
  REQUIRE(gsasl_server_start(lib.ctx, mech, &s) == GSASL_OK);
  gsasl_session_hook_set(s, &props);
  auto ir = c.initial_response();
  REQUIRE(ir);
  std::optional<std::string> to_server = *ir;
  bool ok = false;
  for (int round = 0; round < 10; ++round) {
    std::string out;
    const int rc = gsasl_do_step(s, to_server, out);
    if (rc == GSASL_OK) {
      auto f = c.finish(out.empty() ? std::nullopt : std::optional<std::string_view>(out));
      if (!f && why) *why = "client: " + std::string(xmppcore::sasl::to_string(f.error()));
      ok = f.has_value();
      break;
    }
    if (rc != GSASL_NEEDS_MORE) {
      if (why) *why = std::string("gsasl server: ") + gsasl_strerror(rc);
      break;
    }
    auto r = c.respond(out);
    if (!r) {
      if (why) *why = "client: " + std::string(xmppcore::sasl::to_string(r.error()));
      break;
    }
    to_server = *r;
  }
  gsasl_finish(s);
  return ok;
}

/// gsasl's client against our server. `server_first`: the mechanism has no
/// initial response (DIGEST-MD5). Returns true when our server said success
/// and gsasl's client accepted it.
inline bool gsasl_client_vs_our_server(xmppcore::sasl::server_mechanism& srv, const char* mech, gsasl_props& props,
                                       bool server_first, std::string* why = nullptr) {
  gsasl_lib lib;
  Gsasl_session* c = nullptr;
  REQUIRE(gsasl_client_start(lib.ctx, mech, &c) == GSASL_OK);
  gsasl_session_hook_set(c, &props);
  std::optional<std::string> to_server;
  int client_rc = GSASL_NEEDS_MORE;
  if (!server_first) {
    std::string out;
    client_rc = gsasl_do_step(c, std::nullopt, out);
    REQUIRE((client_rc == GSASL_NEEDS_MORE || client_rc == GSASL_OK));
    to_server = out;
  }
  bool ok = false;
  for (int round = 0; round < 10; ++round) {
    auto st = srv.step(to_server ? std::optional<std::string_view>(*to_server) : std::nullopt);
    if (st.is_failure()) {
      if (why) *why = "server: " + std::string(xmppcore::to_string(st.condition)) + " " + std::string(st.reason);
      break;
    }
    if (st.is_success()) {
      if (st.has_data) {
        std::string out;
        client_rc = gsasl_do_step(c, std::string_view(st.data), out);
      }
      ok = client_rc == GSASL_OK;
      if (!ok && why) *why = std::string("gsasl client at success: ") + gsasl_strerror(client_rc);
      break;
    }
    std::string out;
    client_rc = gsasl_do_step(c, std::string_view(st.data), out);
    if (client_rc != GSASL_OK && client_rc != GSASL_NEEDS_MORE) {
      if (why) *why = std::string("gsasl client: ") + gsasl_strerror(client_rc);
      break;
    }
    to_server = out;
  }
  gsasl_finish(c);
  return ok;
}

}  // namespace xc_test
