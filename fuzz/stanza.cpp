// Fuzz target: the stanza layer (draft §7, §9, §10) on arbitrary elements. The first two bytes
// choose options (content namespace, payload policy, legacy code, text, limits profile, the
// condition); the rest is parsed as one element. Besides "no crash, no UB", checks:
//  * every reply built (error, IQ result, bind result/error, pre-binding error) parses again with
//    our parser under the limits it was built for, as exactly one stanza of the original's kind;
//  * error replies keep the id, swap to/from, carry the condition and type asked for, and parse
//    back with parse_error(); none is ever built for an error stanza or an IQ result (§9.3.1);
//  * a reply to an IQ that satisfied rule 1 satisfies the IQ rules itself (§9.2.3);
//  * stamp_from() output parses and carries exactly the bound JID as 'from', and then passes
//    check_c2s_from();
//  * delivery decisions never bounce an error stanza (§9.3.1);
//  * the reusable reply_checker gives the same replies as a fresh parser per reply.
#include <xmppcore/stanza/addressing.hpp>
#include <xmppcore/stanza/binding.hpp>
#include <xmppcore/stanza/delivery.hpp>
#include <xmppcore/stanza/error.hpp>
#include <xmppcore/stanza/reply.hpp>
#include <xmppcore/stanza/rules.hpp>
#include <xmppcore/stanza/stanza.hpp>
#include <xmppcore/xml/document.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

using namespace xmppcore;
using namespace xmppcore::stanza;

namespace {
void require(bool ok) {
  if (!ok) std::abort();
}

struct one_resource final : resource_directory {
  bool is_connected(const jid::jid& j) const override { return j.full() == "juliet@example.com/balcony"; }
  bool has_connected_resource(const jid::jid& b) const override { return b.full() == "juliet@example.com"; }
};

xml::limits small_limits() {
  xml::limits l;
  l.max_element_bytes = 600;
  l.max_elements = 12;
  l.max_attributes = 8;
  l.max_attribute_bytes = 80;
  l.max_text_bytes = 96;
  l.max_depth = 6;
  return l;
}

// Parses a reply under `lim` and returns it as a stanza of kind `k` (aborts otherwise).
struct reparsed {
  xml::document doc;
  stanza_view s;
};
reparsed reparse(const std::string& bytes, std::string_view content_ns, const xml::limits& lim, stanza_kind k) {
  auto d = xml::document::parse(bytes, content_ns, lim);
  require(d.has_value());
  auto s = stanza_view::from(d->root());
  require(s.has_value());
  require(s->kind() == k);
  require(s->content_namespace() == content_ns);
  stanza_view v = *s;
  return {std::move(*d), v};
}

bool same(std::optional<std::string_view> a, std::optional<std::string_view> b) { return a == b; }

void check_error_reply(const stanza_view& s, const stanza_error& e, const reply_options& o) {
  auto r = make_error_reply(s, e, o);
  // The reusable checker and a fresh parser per reply must agree.
  static reply_checker checker;
  reply_options with = o;
  with.checker = &checker;
  auto r2 = make_error_reply(s, e, with);
  require(r.has_value() == r2.has_value());
  if (r) require(r->xml == r2->xml && r->payload_included == r2->payload_included);
  else require(r.error() == r2.error());
  if (s.is_error()) {
    require(!r && r.error() == no_reply::original_is_error);
    return;
  }
  if (s.kind() == stanza_kind::iq && s.iq_type() == iq_type_t::result) {
    require(!r && r.error() == no_reply::original_is_response);
    return;
  }
  if (s.kind() == stanza_kind::iq && !s.id()) {  // draft §9.2.3 rule 1: nothing can answer it
    require(!r && r.error() == no_reply::not_answerable);
    return;
  }
  if (!r) {
    require(r.error() == no_reply::unwritable || r.error() == no_reply::too_large ||
            r.error() == no_reply::invalid_alternate_address);
    return;
  }
  require(!r->payload_included || o.payload == payload_policy::include);
  auto back = reparse(r->xml, s.content_namespace(), o.limits, s.kind());
  const stanza_view& b = back.s;
  require(b.is_error());
  require(same(b.id(), s.id()));
  require(same(b.to_attr(), s.from_attr()));
  require(same(b.from_attr(), s.to_attr()));
  require(same(b.lang_attr(), s.lang_attr()));
  auto pe = parse_error(b);
  require(pe.has_value());
  require(pe->condition == e.condition);
  require(pe->type == e.effective_type() && pe->type_valid);
  require(pe->payload_count == (r->payload_included ? s.payload_count() : 0));
  require(pe->texts.size() == (r->text_included ? 1u : 0u));
  if (r->text_included) require(pe->texts[0].text == e.text);
  require(pe->app.has_value() == r->app_included);
  if (o.legacy_code) require(pe->code == legacy_code(e.condition));
  require(check(b).has_value());  // every error reply we build passes our own checker
}

void check_result(const stanza_view& s, const reply_result& r, const xml::limits& lim) {
  if (!r) return;
  require(s.is_iq_request());
  auto back = reparse(r->xml, s.content_namespace(), lim, stanza_kind::iq);
  require(back.s.iq_type() == iq_type_t::result);
  require(same(back.s.id(), s.id()));
  require(same(back.s.to_attr(), s.from_attr()));
  require(same(back.s.from_attr(), s.to_attr()));
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static jid::preparer prep;  // the fuzz driver's, not the library's: one per process
  if (size < 2) return 0;
  const std::uint8_t flags = data[0];
  const std::uint8_t pick = data[1];
  const std::string_view content_ns = (flags & 1) ? ns::server : ns::client;
  const std::string_view xml_in(reinterpret_cast<const char*>(data + 2), size - 2);

  auto doc = xml::document::parse(xml_in, content_ns);
  if (!doc) return 0;
  auto sv = stanza_view::from(doc->root());
  if (!sv) return 0;
  const stanza_view s = *sv;

  // Views and checkers: any element gets a defined verdict.
  (void)s.message_type();
  (void)s.presence_type();
  (void)s.lang("en");
  auto verdict = check(s);
  if (!verdict) require(!to_string(verdict.error()).empty());
  if (auto pe = parse_error(s, "en")) {
    require(s.is_error());
    for (const auto& t : pe->texts) (void)t;
  }

  // Error reply.
  reply_options o;
  o.prep = &prep;
  o.payload = (flags & 2) ? payload_policy::omit : payload_policy::include;
  o.legacy_code = (flags & 4) != 0;
  if (flags & 8) o.limits = small_limits();
  stanza_error e = stanza_error::of(static_cast<stanza_condition>(pick % 22));
  if (flags & 16) e.type = static_cast<stanza_error_type>((pick >> 5) % 5);
  switch ((flags >> 5) & 3) {
    case 0: break;
    case 1: e.text = "diagnostic <&> 'text'"; e.text_lang = "en"; break;
    case 2: e.text = std::string_view("bad \xC3", 5); break;  // unwritable: must be refused, not dropped
    case 3: e.text = xml_in.substr(0, 40); break;
  }
  if (flags & 128) {
    e.app.ns = "urn:app";
    e.app.name = "special";
  }
  if (e.condition == stanza_condition::gone || e.condition == stanza_condition::redirect)
    e.alternate_address = (pick & 16) ? std::string_view("new@example.org/r") : xml_in.substr(0, 20);
  check_error_reply(s, e, o);

  // IQ result and the bind stanzas.
  check_result(s, make_iq_result(s, s.first_payload(), o), o.limits);
  (void)parse_bind_request(s);
  auto bound = jid::jid::parse("juliet@example.com/balcony", prep);
  require(bound.has_value());
  check_result(s, make_bind_result(s, *bound, o), o.limits);
  if (auto be = make_bind_error(s, static_cast<bind_failure>(pick % 3), o)) {
    auto back = reparse(be->xml, content_ns, o.limits, s.kind());
    require(back.s.is_error());
  }
  if (auto pb = make_prebinding_error(s, o)) {
    require(!is_bind_iq(s) && !s.is_error());
    auto back = reparse(pb->xml, content_ns, o.limits, s.kind());
    const auto pe = parse_error(back.s);
    require(pe.has_value() && pe->condition == stanza_condition::not_authorized);
  }

  // Addressing.
  if (auto a = check_c2s_from(s, *bound, prep); a && *a == from_action::stamp) {
    const std::string stamped = stamp_from(s, *bound);
    require(!stamped.empty());
    auto back = reparse(stamped, content_ns, xml::limits::defaults(), s.kind());
    require(same(back.s.from_attr(), std::string_view("juliet@example.com/balcony")));
    auto again = check_c2s_from(back.s, *bound, prep);
    require(again && *again == from_action::accept);
  } else if (!a) {
    require(a.error().condition == stream_condition::invalid_from);
  }
  const std::string_view domains[] = {"example.com"};
  validated_domain_list v(domains);
  if (auto s2 = check_s2s_addressing(s, v, prep); !s2)
    require(s2.error().condition == stream_condition::improper_addressing ||
            s2.error().condition == stream_condition::invalid_from);

  // Delivery.
  hosted_domains h;
  h.hostnames = {"example.com"};
  h.subdomains = {"conference.example.com"};
  one_resource dir;
  auto dec = decide(s, h, dir, prep);
  if (s.is_error()) require(dec.what != action::bounce);
  require((dec.what == action::bounce || dec.what == action::drop) == dec.error.has_value());
  return 0;
}
