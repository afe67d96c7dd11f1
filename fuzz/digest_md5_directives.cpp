// Fuzz target: the DIGEST-MD5 directive parser and the challenge/response
// interpretation (sasl/digest_md5_directives.hpp, RFC 2831 §7), plus the
// client fed the input as a challenge.
// Properties: re-serialising parsed directives (all values quoted and
// escaped) parses back to the same list; an accepted challenge offering
// "auth" gives a client response our own response parser accepts.
#include <xmppcore/sasl/digest_md5.hpp>
#include <xmppcore/sasl/digest_md5_directives.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>

namespace {
struct zero_random final : xmppcore::crypto::random_source {
  void fill(std::span<std::byte> out) override {
    for (auto& b : out) b = std::byte{7};
  }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace xmppcore::sasl;
  if (size == 0) return 0;
  const unsigned mode = data[0] % 3;
  const std::string_view msg(reinterpret_cast<const char*>(data + 1), size - 1);

  auto ds = parse_digest_md5_directives(msg);
  if (ds) {
    if (ds->empty() || ds->size() > digest_md5_limits{}.max_directives) std::abort();
    std::string again;
    for (const auto& d : *ds) {
      again += d.name + "=";
      detail::append_quoted(again, d.value);
      again += ",";
    }
    auto ds2 = parse_digest_md5_directives(again, {1 << 20, 64});
    if (!ds2 || ds2->size() != ds->size()) std::abort();
    for (std::size_t i = 0; i < ds->size(); ++i)
      if ((*ds)[i].name != (*ds2)[i].name || (*ds)[i].value != (*ds2)[i].value) std::abort();
  }

  if (mode == 0) {
    auto c = parse_digest_md5_challenge(msg);
    if (c && !ds) std::abort();  // semantic parse implies syntactic parse
  } else if (mode == 1) {
    auto r = parse_digest_md5_response(msg);
    if (r && (!ds || r->response.size() != 32 || r->nc.size() != 8)) std::abort();
  } else {
    zero_random rng;
    digest_md5_client_options o;
    o.username = "juliet";
    o.password = "r0m30myr0m30";
    o.host = "example.com";
    digest_md5_client cl(o, rng);
    auto resp = cl.respond(msg);
    if (resp) {
      auto parsed = parse_digest_md5_response(*resp);
      if (!parsed) std::abort();
      (void)cl.respond(msg);  // a second challenge must be handled too (as rspauth)
    } else {
      if (cl.respond(msg)) std::abort();  // failure is final
    }
  }
  return 0;
}
