// Fuzz target: the four SCRAM message parsers (sasl/scram.hpp, RFC 5802 §7)
// and the client fed the input as server messages.
// Properties: the gs2 header and the bare message partition the
// client-first message; usernames re-escape to something that parses back
// to the same name; proofs and verifiers decode from strict base64; every
// client failure says why.
#include <xmppcore/sasl/scram.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>

namespace {
struct fixed_random final : xmppcore::crypto::random_source {
  void fill(std::span<std::byte> out) override {
    for (auto& b : out) b = std::byte{42};
  }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace xmppcore::sasl;
  if (size == 0) return 0;
  const unsigned mode = data[0] % 5;
  const std::string_view msg(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (mode) {
    case 0: {
      auto m = parse_scram_client_first(msg);
      if (m) {
        if (std::string(m->gs2_header) + std::string(m->bare) != msg) std::abort();
        const std::string again = "n,,n=" + detail::scram_escape(m->username) + ",r=" + m->nonce;
        auto m2 = parse_scram_client_first(again);
        if (!m2 || m2->username != m->username || m2->nonce != m->nonce) std::abort();
      }
      break;
    }
    case 1: {
      auto m = parse_scram_server_first(msg);
      if (m && (m->salt.empty() || m->iterations == 0 || m->nonce.empty())) std::abort();
      break;
    }
    case 2: {
      auto m = parse_scram_client_final(msg);
      if (m && (m->proof.empty() || m->without_proof.size() >= msg.size())) std::abort();
      break;
    }
    case 3: {
      auto m = parse_scram_server_final(msg);
      if (m && !m->error && m->verifier.empty()) std::abort();
      break;
    }
    default: {
      // The client: input split at the first 0xff into server-first and server-final.
      fixed_random rng;
      scram_client_options o;
      o.username = "user";
      o.password = "pencil";
      o.min_iterations = 1;
      o.max_iterations = 64;  // keep each run cheap
      scram_sha1_client c(o, rng);
      auto ir = c.initial_response();
      if (!ir) std::abort();
      const auto cut = msg.find('\xff');
      const std::string_view first = msg.substr(0, cut);
      auto r = c.respond(first);
      if (!r && r.error().reason.empty()) std::abort();
      if (r && cut != std::string_view::npos) {
        const std::string_view fin = msg.substr(cut + 1);
        auto f = c.finish(fin);
        if (f && !parse_scram_server_final(fin)) std::abort();
        if (!f && f.error().reason.empty()) std::abort();
      }
      break;
    }
  }
  return 0;
}
