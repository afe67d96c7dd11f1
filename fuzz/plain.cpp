// Fuzz target: the PLAIN message parser (sasl/plain.hpp, RFC 4616 §2) and
// the server fed the input.
// Properties: the three fields reassemble into the input; the server succeeds
// only for the one stored password; it answers invalid-authzid exactly for a
// malformed authzid (parser verdict) or a well-formed one it may not grant
// (there is no authorizer), and malformed-request (RFC 6120 §6.5.8) with the
// parser's reason for every other malformed message.
#include <xmppcore/sasl/plain.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace {
struct one_user final : xmppcore::sasl::credential_store {
  xmppcore::sasl::lookup_result<std::string> password(std::string_view u, std::string_view) override {
    if (u == "juliet") return std::optional<std::string>{"r0m30myr0m30"};
    return std::optional<std::string>{};
  }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace xmppcore::sasl;
  const std::string_view msg(reinterpret_cast<const char*>(data), size);
  auto m = parse_plain_message(msg);
  if (m) {
    std::string again = m->authzid;
    again += '\0';
    again += m->authcid;
    again += '\0';
    again += m->password;
    if (again != msg) std::abort();
  }
  one_user store;
  plain_server_options opts;
  opts.dummy_iterations = 2;  // the timing stand-in's cost is not what is fuzzed here
  plain_server s(opts, server_context{&store, nullptr, nullptr});
  auto v = s.step(msg);
  if (v.is_success()) {
    if (!m || s.authcid() != "juliet" || !m->authzid.empty()) std::abort();
  }
  if (!m) {
    const auto want = m.error() == plain_error::invalid_authzid ? xmppcore::sasl_condition::invalid_authzid
                                                                : xmppcore::sasl_condition::malformed_request;
    if (!v.is_failure() || v.condition != want || v.detail != to_string(m.error())) std::abort();
  } else if (v.is_failure() && v.condition == xmppcore::sasl_condition::invalid_authzid && m->authzid.empty()) {
    std::abort();
  }
  if (!s.step(msg).is_failure()) std::abort();  // one attempt per object
  return 0;
}
