// xmppcore — what the negotiation machines of session/ report: the result of
// receive(), the events of the pull queue, and how a stream ended.
//
// Every machine (client or server, c2s or s2s) has the same four calls
// (README, "Architecture"):
//
//   auto r = m.receive(bytes);          // r.consumed <= bytes.size(), r.status
//   while (auto ev = m.next_event()) …   // facts and requests, in order
//   send(m.pending_output());           // bytes for the peer (any partial write)
//   m.mark_sent(n);
//
// receive() stops early, and says why in its status, in exactly four cases:
// the bytes after the stop belong to somebody else (a transport switch), the
// machine waits for an answer only the embedder has (a credentials lookup, an
// authorization decision, "is this resource free"), what it has delivered and
// not yet been drained reached its bound (backpressure: drain next_event() and
// call again with the rest), or the stream is closed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include <xmppcore/conditions.hpp>
#include <xmppcore/xml/element.hpp>

namespace xmppcore::session {

/// Why receive() returned.
enum class receive_status : std::uint8_t {
  ok,                ///< every byte was consumed; more may come
  full,              ///< backpressure: drain next_event(), then call again with the bytes from `consumed` on
  switch_transport,  ///< stopped right after a transport switch (draft §5.1 rule 6): the bytes from
                     ///< `consumed` on belong to the TLS layer, never to this machine
  waiting,           ///< waiting for the embedder's answer to a request event; answer it, then call
                     ///< again with the bytes from `consumed` on
  closed,            ///< the stream is closed (see end()); bytes from `consumed` on were not read
};

constexpr std::string_view to_string(receive_status s) noexcept {
  switch (s) {
    case receive_status::ok: return "ok";
    case receive_status::full: return "full";
    case receive_status::switch_transport: return "switch-transport";
    case receive_status::waiting: return "waiting";
    case receive_status::closed: return "closed";
  }
  return "unknown";
}

/// What receive() did.
struct receive_result {
  std::size_t consumed = 0;  ///< bytes of the input consumed (<= its size)
  receive_status status = receive_status::ok;
};

/// The kinds of events. Facts are in the past tense; requests are named for
/// what the embedder must do (README, "Architecture").
enum class event_kind : std::uint8_t {
  stream_opened,            ///< the peer's stream header arrived (see peer_header())
  features_received,        ///< client: the server's <stream:features/> (see peer_features())
  switch_to_tls,            ///< start TLS over the bytes after `consumed`, then call tls_established()
                            ///< or tls_failed() (draft §5.1 rule 6)
  credentials_requested,    ///< server without a synchronous store: answer with answer_credentials()
  authorization_requested,  ///< server: may `username` act as `identity`? answer_authorization()
  resource_requested,       ///< server: may `identity` (a full JID) be bound? answer_resource()
  sasl_failed,              ///< an authentication attempt failed (`condition`); the stream may go on
  authenticated,            ///< SASL succeeded (`mechanism`, `username`, `identity` = the bare JID)
  resource_bound,           ///< `identity` = the full JID bound to the stream (draft §7)
  ready,                    ///< the session is established: stanzas may flow (`identity` = full JID)
  stanza_received,          ///< `element` is a stanza (message/presence/iq) from the peer
  element_received,         ///< `element` is another top-level element (opt-in; see the configs)
  stream_error_received,    ///< the peer sent <stream:error/> (see peer_error()); `closed` follows
  closed,                   ///< the stream ended (see end()); nothing more will come
  // server-to-server (draft §8, XEP-0220)
  dialback_requested,       ///< receiving server: verify `key` for `originating` -> `receiving` with the
                            ///< authoritative server (an s2s_initiator's verify()), then answer_dialback()
  dialback_result,          ///< a domain pair was judged: `valid` (originating server: the peer's answer;
                            ///< receiving server: our own answer, sent)
  verify_result,            ///< the authoritative server answered a verify() (`valid`, `id`)
};

constexpr std::string_view to_string(event_kind k) noexcept {
  switch (k) {
    case event_kind::stream_opened: return "stream-opened";
    case event_kind::features_received: return "features-received";
    case event_kind::switch_to_tls: return "switch-to-tls";
    case event_kind::credentials_requested: return "credentials-requested";
    case event_kind::authorization_requested: return "authorization-requested";
    case event_kind::resource_requested: return "resource-requested";
    case event_kind::sasl_failed: return "sasl-failed";
    case event_kind::authenticated: return "authenticated";
    case event_kind::resource_bound: return "resource-bound";
    case event_kind::ready: return "ready";
    case event_kind::stanza_received: return "stanza-received";
    case event_kind::element_received: return "element-received";
    case event_kind::stream_error_received: return "stream-error-received";
    case event_kind::closed: return "closed";
    case event_kind::dialback_requested: return "dialback-requested";
    case event_kind::dialback_result: return "dialback-result";
    case event_kind::verify_result: return "verify-result";
  }
  return "unknown";
}

/// What a credentials request asks for (server role, asynchronous store).
enum class credential_kind : std::uint8_t {
  password,           ///< the plaintext password of `username` (realm: DIGEST-MD5's, else empty)
  digest_md5_secret,  ///< the 16 octets H(username ":" realm ":" password) (RFC 2831 §2.1.2.1)
  scram_sha1,         ///< SCRAM-SHA-1 stored keys of `username`
  scram_sha256,       ///< SCRAM-SHA-256 stored keys of `username`
};

/// One event. The string views and `element` point into the machine's
/// buffers and stay valid until the next receive(), receive_eof() or
/// tls_established() call, and an `element` (with the strings it shows) also
/// until the next_event() call that finds the queue empty: an idle machine
/// then gives the parser's memory back (detail/stream_machine.hpp, "Idle
/// memory"), so handle each event in the drain loop, or copy what you keep.
/// next_event() and the answer calls do not move what queued events show
/// (two dialback answers in a row leave the third queued request intact);
/// after an answer_*() call the views of the one request event it answers may
/// end, except a dialback event's, which stay.
struct event {
  event_kind kind{};
  /// stanza_received / element_received: the element, as the parser delivered it.
  std::optional<xml::element> element;
  /// sasl_failed: the condition (sent by us as a server, received as a client).
  std::optional<sasl_condition> condition;
  /// authenticated / credentials_requested: the SASL mechanism's name.
  std::string_view mechanism;
  /// authenticated / credentials_requested / authorization_requested: the user name
  /// (the authentication identity; SASLprep'd where the mechanism says so).
  std::string_view username;
  /// credentials_requested: the DIGEST-MD5 realm (empty otherwise).
  std::string_view realm;
  /// authenticated: the bare JID; authorization_requested: the authzid asked for;
  /// resource_requested / resource_bound / ready: the full JID; stanza_received
  /// (server): the sender's full JID, which 'from' either names or lacks (draft §9.1.2).
  std::string_view identity;
  /// credentials_requested: what to look up.
  credential_kind credential = credential_kind::password;
  /// Dialback events: the domain pair, the stream id the key belongs to, the key.
  std::string_view originating, receiving, id, key;
  /// dialback_result / verify_result: the verdict. With a dialback_result that
  /// is not valid, `error` says whether it was an XEP-0220 error (e.g. the
  /// authoritative server could not be reached) rather than a refused key.
  bool valid = false;
  std::optional<stanza_condition> error;
};

/// How a stream ended.
enum class end_reason : std::uint8_t {
  none,                   ///< it has not ended
  peer_closed,            ///< the peer sent </stream:stream> (we answered with ours)
  local_close,            ///< we closed (close()) and the peer answered with </stream:stream>
  stream_error_sent,      ///< the peer broke a rule: we sent <stream:error/> (condition, text, offset)
  stream_error_received,  ///< the peer sent <stream:error/> (see peer_error())
  tls_failed,             ///< STARTTLS refused or the TLS handshake failed (draft §5.2 step 5, 7)
  authentication_failed,  ///< SASL failed: the client gave up, or the server's retries ran out (draft §6.2)
  policy_refused,         ///< the client's policy refused to go on (no STARTTLS when required, no
                          ///< acceptable mechanism, the server's proof missing or wrong, bind refused)
  transport_closed,       ///< the transport ended (receive_eof()) before the stream was closed
};

constexpr std::string_view to_string(end_reason r) noexcept {
  switch (r) {
    case end_reason::none: return "none";
    case end_reason::peer_closed: return "peer-closed";
    case end_reason::local_close: return "local-close";
    case end_reason::stream_error_sent: return "stream-error-sent";
    case end_reason::stream_error_received: return "stream-error-received";
    case end_reason::tls_failed: return "tls-failed";
    case end_reason::authentication_failed: return "authentication-failed";
    case end_reason::policy_refused: return "policy-refused";
    case end_reason::transport_closed: return "transport-closed";
  }
  return "unknown";
}

/// The end of a stream, once closed.
struct end_info {
  end_reason reason = end_reason::none;
  /// stream_error_sent / stream_error_received: the condition.
  std::optional<stream_condition> condition;
  /// Why, for logs (static text or the peer's <text/>).
  std::string_view text;
  /// stream_error_sent: the offset, in the peer's byte stream since the
  /// machine was made (all restarts included), where the problem was found.
  std::uint64_t offset = 0;
};

}  // namespace xmppcore::session
