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
  const bool ok = r.status == xmppcore::xml::parse_status::closed && d.has_value() &&
                  !xmppcore::xml::to_pugi(d->root()).empty();
  std::puts(ok ? "consumer ok" : "consumer FAILED");
  return ok ? 0 : 1;
}
