// xmppcore — EXTERNAL (RFC 4422 Appendix A), client and server.
//
// The authentication happened outside SASL (for XMPP: the TLS peer
// certificate, validated by the embedder). The only message is the client's
// authorization identity, possibly empty (sent as "=", draft §6.2 step 3);
// empty means "derive it from the external identity".
#pragma once

#include <xmppcore/conditions.hpp>
#include <xmppcore/result.hpp>
#include <xmppcore/sasl/detail/text.hpp>
#include <xmppcore/sasl/mechanism.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace xmppcore::sasl {

/// EXTERNAL client: sends the authzid (or nothing) as initial response.
class external_client final : public client_mechanism {
 public:
  /// `authzid` empty: act as the identity the certificate proves.
  explicit external_client(std::string authzid = {}) : authzid_(std::move(authzid)) {}
  std::string_view name() const noexcept override { return mechanism_name::external; }

  result<std::optional<std::string>, client_error> initial_response() override {
    if (auto bad = detail::authzid_fault(authzid_); !bad.empty())
      return unexpected{client_error{client_error::invalid_credentials, bad}};
    return std::optional<std::string>{authzid_};
  }
  /// RFC 4422 App. A: a server that saw no initial response (some SASL
  /// libraries cannot tell an empty one from none) sends an empty challenge;
  /// it is answered once with the authzid. Anything else is unexpected.
  result<std::string, client_error> respond(std::string_view challenge) override {
    if (!challenge.empty())
      return unexpected{client_error{client_error::unexpected_message, "a non-empty challenge, but EXTERNAL has none"}};
    if (answered_) return unexpected{client_error{client_error::unexpected_message, "a second challenge"}};
    answered_ = true;
    return authzid_;
  }
  result<void, client_error> finish(std::optional<std::string_view> data) override {
    if (data && !data->empty())
      return unexpected{
          client_error{client_error::unexpected_message, "additional data with success, but EXTERNAL has none"}};
    return {};
  }

 private:
  std::string authzid_;
  bool answered_ = false;
};

/// EXTERNAL server.
class external_server final : public server_mechanism {
 public:
  /// `external_identity`: who the lower layer authenticated (for example the
  /// domain or JID from the validated certificate); empty when nobody was,
  /// which makes every attempt fail with not-authorized (but a malformed
  /// authzid is invalid-authzid, as in every mechanism). `authz` decides
  /// non-empty authzids (null: refused).
  explicit external_server(std::string external_identity, authorizer* authz = nullptr)
      : identity_(std::move(external_identity)), authz_(authz) {}
  std::string_view name() const noexcept override { return mechanism_name::external; }

  server_step step(std::optional<std::string_view> response) override {
    if (done_) return server_step::failure(sasl_condition::not_authorized, "exchange already finished");
    if (!response) {
      if (asked_) return finish_with(server_step::failure(sasl_condition::not_authorized, "no response"));
      asked_ = true;  // RFC 4422 App. A: empty challenge asks for the authzid
      return server_step::challenge({});
    }
    done_ = true;
    const std::string_view authzid = *response;
    // RFC 4422 App. A.1: message = [authz-id], UTF-8, at most 1023 octets of JID here.
    // The message is the authzid, so a malformed one is <invalid-authzid/>
    // (draft §6.4: "incorrectly formatted"; RFC 6120 §6.5.6), as in every mechanism.
    if (authzid.size() > 3071 || !detail::is_utf8(authzid) || authzid.find('\0') != std::string_view::npos)
      return server_step::failure(sasl_condition::invalid_authzid, "malformed authzid");
    if (identity_.empty()) return server_step::failure(sasl_condition::not_authorized, "no external identity");
    // A refused authzid is also <invalid-authzid/> (draft §6.4: no "permissions to authorize that ID").
    if (!authzid.empty() && authzid != identity_ && (!authz_ || !authz_->authorize(identity_, authzid)))
      return server_step::failure(sasl_condition::invalid_authzid, "authzid refused");
    authcid_ = identity_;
    authzid_ = std::string(authzid);
    return server_step::success();
  }

 private:
  server_step finish_with(server_step s) {
    done_ = true;
    return s;
  }
  std::string identity_;
  authorizer* authz_;
  bool asked_ = false;
  bool done_ = false;
};

}  // namespace xmppcore::sasl
