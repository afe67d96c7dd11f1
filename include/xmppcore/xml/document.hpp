// xmppcore — one element parsed on its own (outside a live stream).
//
// Useful for tests, for stored stanzas, and for converting from other trees:
// the bytes are parsed by the same strict push_parser, inside a synthetic
// stream header that declares the content namespace, the `stream` prefix and
// the `db` prefix, so exactly the rules of a real stream apply.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <xmppcore/conditions.hpp>
#include <xmppcore/result.hpp>
#include <xmppcore/xml/push_parser.hpp>

namespace xmppcore::xml {

/// Owns a parser holding exactly one parsed top-level element.
class document {
 public:
  /// Parses `bytes`, which must hold exactly one element (surrounding
  /// whitespace allowed). Error offsets are relative to `bytes`.
  static result<document, parse_error> parse(std::string_view bytes, std::string_view content_ns = ns::client,
                                              const limits& lim = limits::defaults()) {
    parser_options o;
    o.limits = lim;
    o.content_namespaces = {std::string(content_ns)};
    document d;
    d.p_ = std::make_unique<push_parser>(std::move(o));
    std::string head = "<stream:stream xmlns='";
    head += content_ns;  // a namespace name with a quote would not be one; rejected by the parser
    head += "' xmlns:stream='";
    head += ns::streams;
    head += "' xmlns:db='";
    head += ns::dialback;
    head += "'>";
    auto r = d.p_->receive(head);
    if (r.status != parse_status::ok) return unexpected{d.p_->error()};
    r = d.p_->receive(bytes);
    const auto shift = static_cast<std::uint64_t>(head.size());
    auto err = [&](std::string_view why, std::uint64_t at) {
      return unexpected{parse_error{stream_condition::bad_format, at, why}};
    };
    if (r.status == parse_status::failed) {
      parse_error e = d.p_->error();
      e.offset = e.offset >= shift ? e.offset - shift : 0;
      return unexpected{e};
    }
    if (r.status == parse_status::closed) return err("unexpected end of stream", r.consumed);
    if (r.status == parse_status::full) {
      // The delivery bound stopped the call after a complete element (one as
      // large as the limits allow). Only white space may follow it; the
      // parser is not called again, so the element stays valid.
      const auto rest = bytes.substr(r.consumed);
      if (rest.find_first_not_of(" \t\r\n") != std::string_view::npos) return err("more than one element", r.consumed);
    }
    if (!d.p_->between_elements()) return err("incomplete element", bytes.size());
    int n = 0;
    while (auto ev = d.p_->next_event()) {
      if (ev->kind() == event_kind::element_received) {
        d.root_ = *ev;
        ++n;
      }
    }
    if (n != 1) return err(n == 0 ? "no element" : "more than one element", 0);
    return d;
  }

  /// The parsed element; valid as long as this document lives.
  element root() const noexcept { return root_.element(); }

 private:
  document() = default;
  std::unique_ptr<push_parser> p_;
  event root_;
};

}  // namespace xmppcore::xml
