// A consumer of the installed or embedded library: checks that the headers,
// the include path and the ICU/pugixml link flags arrive through each of the
// three ways of using xmppcore (CMake, meson, pkg-config).
#include <xmppcore.hpp>

#include <cstdio>

int main() {
  xmppcore::xml::push_parser p;
  const auto r = p.receive(
      "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"
      "<presence/></stream:stream>");
  auto d = xmppcore::xml::document::parse("<message><body>hi</body></message>");
  // Non-ASCII, so ICU's Nodeprep really runs (the link flags must carry ICU).
  const auto j = xmppcore::jid::jid::parse("J\xC3\x9CLIET@example.com/r");
  const bool ok = r.status == xmppcore::xml::parse_status::closed && d.has_value() &&
                  !xmppcore::xml::to_pugi(d->root()).empty() && j.has_value() && j->node() == "j\xC3\xBCliet";
  std::puts(ok ? "consumer ok" : "consumer FAILED");
  return ok ? 0 : 1;
}
