// xmppcore — what every session machine shares: the parser it feeds, the
// output buffer, the event queue, the receive loop with its stops, and the way
// a stream ends (draft §4.4 closing, §4.7.1 stream errors).
//
// The receive loop
// ----------------
// receive(bytes) feeds the parser and handles each parser event as it comes
// (the role's on_header / on_element). It stops early in four cases, each a
// status of its own (session/event.hpp): the role asked for a transport switch
// (switch_transport), the role waits for the embedder (waiting), the events it
// produced still view the parser's memory and more input would overwrite it,
// or the parser's own bound was reached (full), or the stream closed (closed).
//
// Byte precision (draft §5.1 rule 6, §6.3; the STARTTLS command-injection
// class, CVE-2011-0411): while a role negotiates (wants_pause()), the parser
// is told to stop after every top-level element, so that when an element
// turns out to be <starttls/> or <proceed/> nothing after its '>' has been
// read, let alone interpreted. Negotiation is a handful of elements, so the
// pauses cost nothing; established streams run without them.
//
// Parser events that a stop leaves unhandled stay queued in the parser (it is
// not fed again until they are handled), so answering a request later loses
// nothing: the answer call handles them.
//
// Idle memory: a session that waits for its peer holds no more than its
// steady state needs (README, "Architecture": views last until the next
// call). When the last queued event is taken the queue's storage is freed
// (the event was copied out; a queue of one stays); when next_event() finds
// the queue empty, or a receive() ends with no event that views the parser's
// memory, the parser's buffers are freed too if it stands between top-level
// elements with nothing queued and they hold more than a small read needs
// (push_parser::release_buffers(): only frees, so next_event() stays
// noexcept). Not while a request waits for the embedder: the role may still
// view the element it answers (the bind IQ). The next call takes back at once
// what the last one used (push_parser::reserve_buffers(): one allocation per
// store, no run of doublings): a few allocations per call, none per stanza,
// and none at all for reads of one small stanza.
//
// Ending (draft §4.7.1): a violation writes <stream:error/> (after our own
// stream header if we had not sent one yet) and </stream:stream>, then the
// machine reports `closed` and consumes nothing more. The queued goodbye
// bytes can still be drained.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <forward_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <xmppcore/conditions.hpp>
#include <xmppcore/session/event.hpp>
#include <xmppcore/session/negotiation.hpp>
#include <xmppcore/stream/error.hpp>
#include <xmppcore/stream/header.hpp>
#include <xmppcore/xml/push_parser.hpp>

namespace xmppcore::session::detail {

class stream_machine {
 public:
  stream_machine(const stream_machine&) = delete;
  stream_machine& operator=(const stream_machine&) = delete;

  /// Feeds bytes from the peer: any split, one byte at a time included. See
  /// the file comment for when it stops early. Never throws on bad input.
  receive_result receive(std::span<const std::byte> bytes) {
    return receive(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  }
  receive_result receive(std::string_view bytes) {
    if (ended()) return {0, receive_status::closed};
    if (stop_ != stop::none) return {0, stop_status()};
    // Undrained events may view the parser's memory: feeding it would
    // overwrite what they show. The embedder drains first (backpressure).
    if (ev_head_ < events_.size()) return {0, receive_status::full};
    drop_events();
    kept_.clear();
    holds_views_ = false;
    pump();
    std::size_t consumed = 0;
    while (!stopped() && consumed < bytes.size()) {
      if (holds_views_) return {consumed, receive_status::full};
      if (wants_pause()) parser_.pause_after_next_element();
      if (!parser_holds_) parser_.reserve_buffers();  // what the last call used, at once
      parser_holds_ = true;
      const auto r = parser_.receive(bytes.substr(consumed));
      consumed += r.consumed;
      pump();
      if (stopped()) break;
      if (r.status == xml::parse_status::failed) {
        if (!stopped()) {
          const auto& e = parser_.error();
          fail(e.condition, e.reason, e.offset);
        }
        break;
      }
      if (r.status == xml::parse_status::closed) break;  // handled in pump() (stream_closed)
      if (r.status == xml::parse_status::full) return {consumed, receive_status::full};
      // ok (all consumed) or paused (more may follow): go on.
    }
    if (ended()) return {consumed, receive_status::closed};
    if (!holds_views_) settle();  // nothing queued views the parser
    if (stop_ != stop::none) return {consumed, stop_status()};
    return {consumed, receive_status::ok};
  }

  /// The transport ended. A stream that was not closed with </stream:stream>
  /// ends with end_reason::transport_closed (nothing is written: there is no
  /// transport left to write to).
  void receive_eof() {
    if (ended()) return;
    out_.clear();
    out_sent_ = 0;
    end(end_reason::transport_closed, std::nullopt, "the transport closed before the stream", parser_.offset());
  }

  /// The next event, or nullopt when none is queued. See event for lifetimes.
  /// Taking the last one frees the queue; finding it empty lets the machine
  /// give back the parser memory the events viewed (see the file comment).
  std::optional<event> next_event() noexcept {
    if (ev_head_ >= events_.size()) {
      settle();
      return std::nullopt;
    }
    std::optional<event> e(events_[ev_head_++]);
    if (ev_head_ == events_.size()) drop_events();
    return e;
  }
  /// Events queued and not yet taken.
  std::size_t pending_events() const noexcept { return events_.size() - ev_head_; }

  /// Bytes to send to the peer. Valid until the next non-const call; empty
  /// when there is nothing to send.
  std::string_view pending_output() const noexcept {
    return std::string_view(out_).substr(out_sent_);
  }
  std::span<const std::byte> pending_output_bytes() const noexcept {
    const auto v = pending_output();
    return {reinterpret_cast<const std::byte*>(v.data()), v.size()};
  }
  /// The first `n` bytes of pending_output() were sent (n may be less than all).
  void mark_sent(std::size_t n) noexcept {
    out_sent_ += std::min(n, out_.size() - out_sent_);
    if (out_sent_ == out_.size()) {
      out_.clear();
      out_sent_ = 0;
      // An idle stream keeps no buffer from a burst of output, nor the
      // negotiation's (the next write allocates one, once per call).
      if (out_.capacity() > 256) std::string().swap(out_);
    }
  }
  /// True when there are bytes to send.
  bool wants_output() const noexcept { return out_sent_ < out_.size(); }
  /// True while the machine can take input (not closed, not stopped).
  bool wants_input() const noexcept { return !ended() && stop_ == stop::none; }

  /// True once the stream has ended (see end()).
  bool ended() const noexcept { return end_.reason != end_reason::none; }
  /// How the stream ended; reason none while it has not.
  const end_info& end() const noexcept { return end_; }
  /// The peer's current stream header, once stream_opened was reported.
  const stream::header* peer_header() const noexcept { return peer_header_ ? &*peer_header_ : nullptr; }
  /// The peer's stream error, once stream_error_received was reported.
  const stream::stream_error* peer_error() const noexcept { return peer_error_ ? &*peer_error_ : nullptr; }
  /// The stream id of the current stream (ours as a server, the server's as a client).
  std::string_view stream_id() const noexcept { return stream_id_; }

  /// Ends the stream ourselves: writes </stream:stream> and waits for the
  /// peer's (draft §4.4); stanzas that arrive meanwhile are still reported.
  void close() {
    if (ended() || local_closed_) return;
    if (!header_sent_) {
      end(end_reason::local_close, std::nullopt, "closed before the stream was opened", parser_.offset());
      return;
    }
    out_ += "</stream:stream>";
    local_closed_ = true;
  }

  /// Bytes consumed from the peer since the machine was made.
  std::uint64_t offset() const noexcept { return parser_.offset(); }
  /// True once TLS was established on this stream (draft §5).
  bool tls_active() const noexcept { return tls_done_; }

 protected:
  enum class stop : std::uint8_t { none, switch_transport, waiting };

  explicit stream_machine(xml::parser_options po) : parser_(std::move(po)) {}
  ~stream_machine() = default;

  // --- what a role implements ---
  virtual void on_header(const stream::header& h) = 0;
  virtual void on_element(const xml::element& e) = 0;
  virtual bool wants_pause() const noexcept = 0;
  /// Writes our stream header, if we have not yet, before a stream error.
  virtual void write_own_header_for_error() = 0;

  // --- helpers for the roles ---
  bool stopped() const noexcept { return ended() || stop_ != stop::none; }
  receive_status stop_status() const noexcept {
    return stop_ == stop::switch_transport ? receive_status::switch_transport : receive_status::waiting;
  }

  event& push(event_kind k) {
    if (events_.capacity() < ev_hint_) events_.reserve(ev_hint_);  // one allocation per call, as many as the last
    events_.push_back(event{});
    events_.back().kind = k;
    return events_.back();
  }
  /// A copy of `s` that stays where it is until the next receive(): events
  /// view it, and answer calls made while events are still queued (e.g. two
  /// dialback answers in a row) must not move what earlier events show.
  std::string_view keep(std::string_view s) {
    kept_.emplace_front(s);
    return kept_.front();
  }
  void push_element(event_kind k, const xml::element& e) {
    push(k).element = e;
    holds_views_ = true;
  }

  /// Handles queued parser events until none is left or a stop.
  void pump() {
    while (!stopped()) {
      auto ev = parser_.next_event();
      if (!ev) return;
      switch (ev->kind()) {
        case xml::event_kind::stream_opened: {
          auto h = stream::read_header(*parser_.header());
          if (!h) {
            fail(h.error().condition, h.error().reason, parser_.header_end_offset());
            return;
          }
          peer_header_ = std::move(*h);
          at_ = parser_.header_end_offset();
          on_header(*peer_header_);
          at_.reset();
          break;
        }
        case xml::event_kind::element_received: {
          const xml::element e = ev->element();
          at_ = ev->end_offset();
          if (e.is(ns::streams, "error")) {
            on_peer_error(e);
            at_.reset();
            return;
          }
          on_element(e);
          at_.reset();
          break;
        }
        case xml::event_kind::stream_closed: on_peer_close(); return;
        default: break;  // events mode is not used
      }
    }
  }

  /// A violation by the peer: <stream:error/>, </stream:stream>, closed (draft §4.7.1).
  void fail(stream_condition c, std::string_view why, std::uint64_t at) {
    if (ended()) return;
    write_own_header_for_error();
    stream::stream_error se;
    se.condition = c;
    se.text = std::string(why);
    se.text_lang = "en";
    out_ += stream::write_error(se);
    if (!local_closed_) out_ += "</stream:stream>";
    end(end_reason::stream_error_sent, c, why, at);
  }
  /// A violation found in the element (or header) being handled: its offset
  /// is where that element ends, the same for every split of the input.
  void fail_here(stream_condition c, std::string_view why) { fail(c, why, here()); }
  std::uint64_t here() const noexcept { return at_ ? *at_ : parser_.offset(); }

  /// We give up without blaming the peer: </stream:stream> and closed.
  void give_up(end_reason r, std::string_view why) {
    if (ended()) return;
    if (header_sent_ && !local_closed_) out_ += "</stream:stream>";
    end(r, std::nullopt, why, here());
  }

  void end(end_reason r, std::optional<stream_condition> c, std::string_view why, std::uint64_t at) {
    end_text_.assign(why);
    end_ = end_info{r, c, end_text_, at};
    stop_ = stop::none;
    push(event_kind::closed);
  }

  /// The peer's </stream:stream>: answer with ours unless we sent it already.
  void on_peer_close() {
    if (ended()) return;
    const bool ours_first = local_closed_;
    if (!local_closed_ && header_sent_) out_ += "</stream:stream>";
    local_closed_ = true;
    end(ours_first ? end_reason::local_close : end_reason::peer_closed, std::nullopt,
        ours_first ? "closed by us" : "closed by the peer", here());
  }

  /// The peer's <stream:error/> (draft §4.7.1): report it, answer with
  /// </stream:stream>, end.
  void on_peer_error(const xml::element& e) {
    auto pe = stream::parse_error(e);
    if (pe) {
      peer_error_ = std::move(*pe);
    } else {
      peer_error_ = stream::stream_error{};
      peer_error_->condition = stream_condition::undefined_condition;
    }
    push(event_kind::stream_error_received);
    if (!local_closed_ && header_sent_) out_ += "</stream:stream>";
    local_closed_ = true;
    end(end_reason::stream_error_received, peer_error_->condition,
        peer_error_->text.empty() ? std::string_view(to_string(peer_error_->condition))
                                  : std::string_view(peer_error_->text),
        here());
  }

  void write(std::string_view s) { out_ += s; }

  // --- STARTTLS (draft §5), the part every role shares ---
  /// Receiving side, <starttls/> arrived. Not `available` (TLS is up
  /// already, or not offered): <failure/>, our </stream:stream> and the end
  /// (draft §5.2 step 5); false. Else <proceed/>, the stop right after its
  /// '>' (§5.1 rule 6: the bytes after it are the TLS layer's), switch_to_tls; true.
  bool answer_starttls(bool available) {
    if (!available) {
      write(negotiation::tls_failure());
      write("</stream:stream>");
      local_closed_ = true;
      end(end_reason::tls_failed, std::nullopt, "STARTTLS is not available", here());
      return false;
    }
    write(negotiation::tls_proceed());
    stop_ = stop::switch_transport;
    push(event_kind::switch_to_tls);
    return true;
  }
  /// Initiating side, the answer to our <starttls/>: <proceed/> stops right
  /// after its '>' (§5.1 rule 6) with switch_to_tls (true); <failure/> ends
  /// the stream for `refused` (§5.2 step 5: the peer closes), after our
  /// </stream:stream> if `close_ours`; anything else is <unsupported-stanza-type/>.
  bool take_starttls_answer(const xml::element& e, std::string_view refused, bool close_ours) {
    if (e.is(ns::xmpp_tls, "proceed")) {
      stop_ = stop::switch_transport;
      push(event_kind::switch_to_tls);
      return true;
    }
    if (e.is(ns::xmpp_tls, "failure")) {
      if (close_ours) {
        if (!local_closed_) write("</stream:stream>");
        local_closed_ = true;
      }
      end(end_reason::tls_failed, std::nullopt, refused, here());
    } else {
      fail_here(stream_condition::unsupported_stanza_type, "expected <proceed/> or <failure/>");
    }
    return false;
  }
  /// tls_established(): the transport switch is over; the role then restarts
  /// the stream (draft §5.1 rules 9-10: nothing learned before TLS is kept).
  void tls_switched() noexcept {
    tls_done_ = true;
    stop_ = stop::none;
  }
  /// tls_failed(): the handshake failed; the stream ends with no more XML (§5.2 step 7).
  void tls_handshake_failed() { end(end_reason::tls_failed, std::nullopt, "the TLS handshake failed", parser_.offset()); }

  /// Frees the event queue's storage (every event was taken or is void).
  /// A queue of one is kept (a read of one stanza allocates nothing).
  void drop_events() noexcept {
    if (!events_.empty()) ev_hint_ = std::min<std::size_t>(events_.size(), 128);
    if (events_.capacity() <= 1) events_.clear();
    else std::vector<event>().swap(events_);
    ev_head_ = 0;
  }
  /// Gives the parser's buffers back when nothing needs them: nothing of the
  /// parser is viewed by an undrained event (the caller's part), the machine
  /// does not wait for an answer, and the parser is between top-level
  /// elements with no event of its own queued.
  /// A call that used little (one small stanza) keeps what it used: then
  /// nothing is allocated per read at all.
  void settle() noexcept {
    if (!parser_holds_ || stop_ == stop::waiting || ended()) return;
    if (parser_.pending_events() != 0 || !parser_.between_elements()) return;
    if (parser_.memory_footprint() <= parser_floor_ + keep_bytes) return;
    parser_.release_buffers();
    parser_floor_ = parser_.memory_footprint();
    parser_holds_ = false;
  }
  static constexpr std::size_t keep_bytes = 1024;

  xml::push_parser parser_;
  std::string out_;
  std::size_t out_sent_ = 0;
  std::vector<event> events_;
  std::size_t ev_head_ = 0;
  std::size_t ev_hint_ = 1;     // events the last call queued: the next queue's first capacity
  bool parser_holds_ = false;  // the parser was fed since its buffers were last given back
  std::size_t parser_floor_ = 0;  // its footprint right after that (header, open-element records)
  // Strings that events view (keep()); a list so that none moves, empty (no
  // allocation) on streams that never need one.
  std::forward_list<std::string> kept_;
  bool holds_views_ = false;
  stop stop_ = stop::none;
  bool header_sent_ = false;   // our header for the current stream was written
  bool local_closed_ = false;  // we wrote </stream:stream>
  bool tls_done_ = false;      // TLS is up (tls_established() was taken)
  end_info end_;
  std::string end_text_;
  std::optional<stream::header> peer_header_;
  std::optional<stream::stream_error> peer_error_;
  std::string stream_id_;
  std::optional<std::uint64_t> at_;  // end offset of the element being handled
};

}  // namespace xmppcore::session::detail
