// Fuzz target: every server mechanism fed arbitrary responses
// (sasl/digest_md5.hpp, plain.hpp, external.hpp, scram.hpp), optionally
// through the XMPP payload decoding (sasl/payload.hpp).
//
// Input: byte 0 picks the mechanism and options, one meaning per bit (the
// bits are shared by every mechanism, so a new option takes a free bit
// rather than reusing one):
//   bits 0..2  mechanism, modulo 5: DIGEST-MD5, PLAIN, EXTERNAL, SCRAM-SHA-1, SCRAM-SHA-256
//   bit 3      0x08  rspauth / v= in the success data instead of a last challenge
//   bit 4      0x10  no initial response (step() first gets nullopt)
//   bit 5      0x20  DIGEST-MD5: accept the GNU SASL hash; SCRAM-SHA-1: -PLUS was advertised
//   bit 6      0x40  responses are base64 as in the XMPP elements (sasl/payload.hpp)
//   bit 7      0x80  the store holds derived forms only, no plaintext: SCRAM
//                    keys (salt, iterations, StoredKey, ServerKey; RFC 5802 §3),
//                    used by SCRAM and PLAIN, and the DIGEST-MD5 secret
//                    H(username ":" realm ":" password) (RFC 2831 §2.1.2.1)
// The rest is split at 0xff bytes into successive responses (0xff never
// occurs in base64 text). The random source returns a constant, so nonces are
// predictable and a corpus can hold complete, valid exchanges that the fuzzer
// then mutates.
// Properties: every step gives a defined verdict; after success or failure
// the object only fails; every failure says why (a reason for logs); success
// names the one known user; a challenge is never larger than the message caps.
#include <xmppcore/sasl/digest_md5.hpp>
#include <xmppcore/sasl/external.hpp>
#include <xmppcore/sasl/payload.hpp>
#include <xmppcore/sasl/plain.hpp>
#include <xmppcore/sasl/scram.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace {
struct constant_random final : xmppcore::crypto::random_source {
  void fill(std::span<std::byte> out) override {
    for (auto& b : out) b = std::byte{0};
  }
};
// Juliet's keys as a store would keep them. A cheap iteration count, and one
// that differs from the count the SCRAM server uses for keys it derives from a
// plaintext password (2, below), so a seed that succeeds in stored mode went
// through these keys.
constexpr std::string_view stored_salt = "juliet-salt-0001";
constexpr std::uint32_t stored_iterations = 3;

template <class Hash>
const xmppcore::sasl::scram_credentials& juliet_keys() {
  static const auto k = *xmppcore::sasl::scram_derive_credentials<Hash>("r0m30myr0m30", stored_salt, stored_iterations);
  return k;
}

struct one_user final : xmppcore::sasl::credential_store {
  bool stored_forms = false;  // option bit 7
  xmppcore::sasl::lookup_result<std::string> password(std::string_view u, std::string_view) override {
    if (u == "juliet" && !stored_forms) return std::optional<std::string>{"r0m30myr0m30"};
    return std::optional<std::string>{};
  }
  // H(username ":" realm ":" password) for the one realm the server offers.
  xmppcore::sasl::lookup_result<std::string> digest_md5_secret(std::string_view u, std::string_view r) override {
    if (stored_forms && u == "juliet" && r == "example.com")
      return std::optional<std::string>{xmppcore::sasl::digest_md5_secret("juliet", "example.com", "r0m30myr0m30")};
    return std::optional<std::string>{};
  }
  xmppcore::sasl::lookup_result<xmppcore::sasl::scram_credentials> scram(xmppcore::sasl::scram_hash h,
                                                                        std::string_view u) override {
    if (!stored_forms || u != "juliet") return std::optional<xmppcore::sasl::scram_credentials>{};
    return std::optional<xmppcore::sasl::scram_credentials>{
        h == xmppcore::sasl::scram_hash::sha256 ? juliet_keys<xmppcore::crypto::sha256>()
                                                : juliet_keys<xmppcore::crypto::sha1>()};
  }
};
struct romeo_only final : xmppcore::sasl::authorizer {
  bool authorize(std::string_view c, std::string_view z) override {
    return c == "juliet" && z == "romeo@example.com";
  }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace xmppcore::sasl;
  if (size == 0) return 0;
  const unsigned opt = data[0];
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);

  constant_random rng;
  one_user store;
  store.stored_forms = (opt & 0x80) != 0;
  romeo_only authz;
  const server_context ctx{&store, &authz, &rng};
  std::unique_ptr<server_mechanism> s;
  const bool alt = (opt & 0x08) != 0;  // rspauth / v= in success data
  const unsigned mech = (opt & 0x07) % 5;
  switch (mech) {
    case 0: {
      digest_md5_server_options o;
      o.hosts = {"example.com"};
      o.rspauth_in_success = alt;
      o.accept_password_only_rule = (opt & 0x20) != 0;
      s = std::make_unique<digest_md5_server>(o, ctx);
      break;
    }
    case 1: {
      plain_server_options o;
      o.dummy_iterations = 2;  // the timing stand-in (unknown user, plaintext password), kept cheap
      s = std::make_unique<plain_server>(o, ctx);
      break;
    }
    case 2: s = std::make_unique<external_server>("example.net", &authz); break;
    case 3: {
      scram_server_options o;
      o.iterations = 2;  // keep each run cheap; the protocol logic is the target
      o.final_in_success = alt;
      o.plus_advertised = (opt & 0x20) != 0;
      s = std::make_unique<scram_sha1_server>(o, ctx);
      break;
    }
    default: {
      scram_server_options o;
      o.iterations = 2;
      o.final_in_success = alt;
      s = std::make_unique<scram_sha256_server>(o, ctx);
      break;
    }
  }
  const bool no_initial = (opt & 0x10) != 0;
  const bool base64 = (opt & 0x40) != 0;

  bool finished = false;
  bool first = true;
  bool more = true;  // pieces left (an empty last piece still counts)
  for (int steps = 0; steps < 16; ++steps) {
    std::optional<std::string_view> in;
    std::string decoded;
    if (first && no_initial) {
      in = std::nullopt;
    } else {
      if (!more) break;
      const auto cut = rest.find('\xff');
      const std::string_view piece = rest.substr(0, cut);
      more = cut != std::string_view::npos;
      rest = more ? rest.substr(cut + 1) : std::string_view();
      if (base64) {
        auto d = decode_payload(piece);
        if (!d) return 0;  // incorrect-encoding: the XMPP layer fails the exchange
        decoded = d->value_or(std::string());
        in = std::string_view(decoded);
        if (first && !*d) in = std::nullopt;
      } else {
        in = piece;
      }
    }
    first = false;
    const server_step st = s->step(in);
    if (finished && !st.is_failure()) std::abort();  // finished is sticky
    if (st.is_failure() && st.reason.empty()) std::abort();
    if (st.is_challenge() && st.data.size() > default_max_message) std::abort();
    if (st.is_success()) {
      const bool ext = mech == 2;
      if (!ext && s->authcid() != "juliet") std::abort();
      if (ext && s->authcid() != "example.net") std::abort();
      if (!s->authzid().empty() && s->authzid() != "romeo@example.com" && s->authzid() != "example.net")
        std::abort();
    }
    if (!st.is_challenge()) finished = true;
  }
  return 0;
}
