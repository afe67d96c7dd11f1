// session_demo — a client and a server from xmppcore negotiate a whole c2s
// session in memory and print the transcript in the draft's "C:" / "S:" style,
// with the section of the draft each step comes from.
//
// The two machines are wired only through their output buffers: whatever one
// writes is fed to the other, with no sockets, threads or timers anywhere.
// TLS is a clearly labelled pass-through STAND-IN (bytes go through
// unchanged): a real embedder hands the bytes after <proceed/> to its TLS
// library and calls tls_established() when the handshake is done.
//
//   session_demo [--mech DIGEST-MD5|SCRAM-SHA-256|SCRAM-SHA-1|PLAIN]
//                [--bad-password | --not-well-formed | --starttls-injection]
//                [--async] [--seed N]
//
// Exit status: 0 when the run went as the scenario expects (the error paths
// included: they must end in the right condition), 1 otherwise.
#include <xmppcore/crypto/base64.hpp>
#include <xmppcore/crypto/random_source.hpp>
#include <xmppcore/sasl/mechanism.hpp>
#include <xmppcore/session/c2s_client.hpp>
#include <xmppcore/session/c2s_server.hpp>
#include <xmppcore/xml/document.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <string_view>

using namespace xmppcore;

namespace {

// Deterministic randomness so that the transcript is reproducible (--seed).
// A real embedder passes its OS CSPRNG (getrandom(2), its TLS library's DRBG).
struct demo_random final : crypto::random_source {
  std::uint64_t s;
  explicit demo_random(std::uint64_t seed) : s(seed) {}
  void fill(std::span<std::byte> out) override {
    for (auto& b : out) {
      std::uint64_t z = (s += 0x9e3779b97f4a7c15ull);
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
      b = static_cast<std::byte>((z ^ (z >> 31)) & 0xff);
    }
  }
};

struct demo_accounts final : sasl::credential_store {
  std::map<std::string, std::string, std::less<>> passwords{{"juliet", "r0m30myr0m30"}};
  sasl::lookup_result<std::string> password(std::string_view user, std::string_view) override {
    auto it = passwords.find(user);
    if (it == passwords.end()) return std::optional<std::string>{};
    return std::optional<std::string>{it->second};
  }
};

struct free_resources final : session::resource_checker {
  session::bind_verdict check(const jid::jid&) override { return session::bind_verdict::accept; }
};

// The draft section a piece of the transcript illustrates.
std::string_view section_of(std::string_view x) {
  auto has = [&](std::string_view s) { return x.find(s) != std::string_view::npos; };
  if (has("<stream:error")) return "§4.7 stream error";
  if (has("<stream:stream")) return has("<stream:features") ? "§4.4 header + §4.6 features" : "§4.4 stream header";
  if (has("<stream:features")) return "§4.6 stream features";
  if (has("xmpp-tls")) return "§5 STARTTLS";
  if (has("xmpp-sasl")) return "§6 SASL";
  if (has("xmpp-bind")) return "§7 resource binding";
  if (has("xmpp-session")) return "RFC 3921 §3 session";
  if (has("</stream:stream>")) return "§4.4 closing the stream";
  if (has("<message") || has("<presence") || has("<iq")) return "§9 stanza";
  return "";
}

// Shows the decoded SASL payload next to the base64, as the draft's examples do.
std::string decoded_note(std::string_view x) {
  if (x.find("xmpp-sasl") == std::string_view::npos) return {};
  const auto gt = x.find('>');
  const auto lt = x.find('<', gt == std::string_view::npos ? 0 : gt);
  if (gt == std::string_view::npos || lt == std::string_view::npos || lt <= gt + 1) return {};
  const auto b64 = x.substr(gt + 1, lt - gt - 1);
  auto d = crypto::base64_decode(b64, 4096);
  if (!d) return {};
  std::string shown;
  for (char c : *d) shown += (c == '\0') ? std::string("\\0") : std::string(1, c);
  return "      (decoded: " + shown + ")\n";
}

struct options {
  sasl::mechanism_id mech = sasl::mechanism_id::digest_md5;
  bool bad_password = false, not_well_formed = false, starttls_injection = false, async = false;
  std::uint64_t seed = 1;
};

int usage() {
  std::fprintf(stderr,
               "usage: session_demo [--mech DIGEST-MD5|SCRAM-SHA-256|SCRAM-SHA-1|PLAIN]\n"
               "                    [--bad-password | --not-well-formed | --starttls-injection]\n"
               "                    [--async] [--seed N]\n");
  return 2;
}

void print(char who, std::string_view bytes) {
  if (bytes.empty()) return;
  const auto sec = section_of(bytes);
  std::printf("%c: %.*s\n", who, static_cast<int>(bytes.size()), bytes.data());
  if (!sec.empty()) std::printf("      [%.*s]\n", static_cast<int>(sec.size()), sec.data());
  const auto note = decoded_note(bytes);
  if (!note.empty()) std::fputs(note.c_str(), stdout);
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--mech" && i + 1 < argc) {
      auto m = sasl::parse_mechanism_name(argv[++i]);
      if (!m || *m == sasl::mechanism_id::external) return usage();
      o.mech = *m;
    } else if (a == "--bad-password") {
      o.bad_password = true;
    } else if (a == "--not-well-formed") {
      o.not_well_formed = true;
    } else if (a == "--starttls-injection") {
      o.starttls_injection = true;
    } else if (a == "--async") {
      o.async = true;
    } else if (a == "--seed" && i + 1 < argc) {
      o.seed = std::strtoull(argv[++i], nullptr, 10);
    } else {
      return usage();
    }
  }

  demo_random srng(o.seed), crng(o.seed + 1000);
  demo_accounts accounts;
  free_resources resources;

  session::c2s_server_config sc;
  sc.hosts = {"example.com"};
  sc.random = &srng;
  sc.credentials = o.async ? nullptr : &accounts;  // --async: answered through events
  sc.resources = o.async ? nullptr : &resources;
  session::c2s_server server(sc);

  session::c2s_client_config cc;
  cc.domain = "example.com";
  cc.username = "juliet";
  cc.password = o.bad_password ? "wrong-password" : "r0m30myr0m30";
  cc.resource = "balcony";
  cc.mechanisms = {o.mech};
  cc.random = &crng;
  session::c2s_client client(cc);

  std::printf("xmppcore session demo: %.*s%s. TLS below is a pass-through STAND-IN, not encryption.\n\n",
              static_cast<int>(sasl::to_string(o.mech).size()), sasl::to_string(o.mech).data(),
              o.async ? ", credentials answered asynchronously" : "");

  std::string to_server, to_client;
  bool sent_messages = false, injected = false, closing = false;
  bool tls_refused = false;

  auto handle_server_event = [&](const session::event& ev) {
    switch (ev.kind) {
      case session::event_kind::credentials_requested: {
        const bool scram = ev.credential == session::credential_kind::scram_sha1 ||
                           ev.credential == session::credential_kind::scram_sha256;
        const bool secret = ev.credential == session::credential_kind::digest_md5_secret;
        std::printf("   [server asks its store for %.*s's %s; the answer comes later]\n",
                    static_cast<int>(ev.username.size()), ev.username.data(),
                    scram    ? "SCRAM keys (none stored: passwords only)"
                    : secret ? "DIGEST-MD5 secret (none stored: passwords only)"
                             : "password");
        // This store keeps plaintext passwords only: "not stored" for the other forms.
        const bool taken = scram ? server.answer_credentials(sasl::lookup_result<sasl::scram_credentials>(
                                       std::optional<sasl::scram_credentials>{}))
                           : secret ? server.answer_credentials(sasl::lookup_result<std::string>(std::optional<std::string>{}))
                                    : server.answer_credentials(accounts.password(ev.username, ev.realm));
        if (!taken) std::printf("demo failure: the answer was not taken\n");
        break;
      }
      case session::event_kind::resource_requested:
        std::printf("   [server asks whether %.*s is free: yes]\n", static_cast<int>(ev.identity.size()),
                    ev.identity.data());
        server.answer_resource(session::bind_verdict::accept);
        break;
      case session::event_kind::authenticated:
        std::printf("   [server: authenticated %.*s]\n", static_cast<int>(ev.identity.size()), ev.identity.data());
        break;
      case session::event_kind::sasl_failed:
        std::printf("   [server: SASL attempt failed: <%s/>]\n",
                    ev.condition ? std::string(to_string(*ev.condition)).c_str() : "?");
        break;
      case session::event_kind::ready:
        std::printf("   [server: session ready for %.*s]\n", static_cast<int>(ev.identity.size()), ev.identity.data());
        break;
      case session::event_kind::stanza_received:
        std::printf("   [server delivers a stanza to its router: %s]\n", xml::to_xml(*ev.element).c_str());
        break;
      default: break;
    }
  };

  for (int round = 0; round < 200; ++round) {
    bool moved = false;
    // Client output -> wire.
    if (client.wants_output()) {
      std::string chunk(client.pending_output());
      client.mark_sent(chunk.size());
      if (o.starttls_injection && !injected && chunk.find("<starttls") != std::string::npos) {
        // A man in the middle appends a plaintext command after <starttls/>, hoping the
        // server runs it inside the TLS session (CVE-2011-0411 class).
        chunk += "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGp1bGlldABldmls</auth>";
        injected = true;
        std::printf("   [attacker appends a plaintext <auth/> after <starttls/>]\n");
      }
      print('C', chunk);
      to_server += chunk;
      moved = true;
    }
    // Server reads.
    if (!to_server.empty() && !server.ended()) {
      auto r = server.receive(to_server);
      to_server.erase(0, r.consumed);
      moved |= r.consumed > 0;
      while (auto ev = server.next_event()) {
        moved = true;
        handle_server_event(*ev);
      }
      if (r.status == session::receive_status::switch_transport) {
        if (server.wants_output()) {
          print('S', server.pending_output());
          to_client += server.pending_output();
          server.mark_sent(server.pending_output().size());
        }
        std::printf("   [server stops reading right after the '>' of <starttls/> (draft §5.1 rule 6)]\n");
        if (!to_server.empty()) {
          std::printf("   [%zu bytes after it are handed back unread; they belong to TLS: %s]\n", to_server.size(),
                      to_server.c_str());
          std::printf("   [the TLS stand-in, like any TLS library, rejects them: not a handshake record]\n");
          to_server.clear();
          server.tls_failed();
          tls_refused = true;
        } else {
          std::printf("   [TLS handshake (stand-in) completes on the server side]\n");
          server.tls_established();
        }
      }
    }
    if (server.wants_output()) {
      std::string chunk(server.pending_output());
      server.mark_sent(chunk.size());
      print('S', chunk);
      to_client += chunk;
      moved = true;
    }
    // Client reads.
    if (!to_client.empty() && !client.ended()) {
      auto r = client.receive(to_client);
      to_client.erase(0, r.consumed);
      moved |= r.consumed > 0;
      while (auto ev = client.next_event()) {
        moved = true;
        switch (ev->kind) {
          case session::event_kind::switch_to_tls:
            std::printf("   [client: TLS starts after the '>' of <proceed/>; stand-in handshake completes]\n");
            client.tls_established();
            break;
          case session::event_kind::ready:
            std::printf("   [client: ready as %.*s]\n", static_cast<int>(ev->identity.size()), ev->identity.data());
            break;
          case session::event_kind::sasl_failed:
            std::printf("   [client: the server said <%s/>]\n",
                        ev->condition ? std::string(to_string(*ev->condition)).c_str() : "failure");
            break;
          case session::event_kind::stanza_received:
            std::printf("   [client shows: %s]\n", xml::to_xml(*ev->element).c_str());
            break;
          case session::event_kind::stream_error_received:
            std::printf("   [client: stream error <%s/> from the server]\n",
                        std::string(to_string(client.peer_error()->condition)).c_str());
            break;
          default: break;
        }
      }
    }
    // Once both are ready: a message each way, or the broken input.
    if (!sent_messages && client.state() == session::c2s_client_state::established &&
        server.state() == session::c2s_server_state::established && !client.wants_output() &&
        !server.wants_output() && to_client.empty() && to_server.empty()) {
      sent_messages = true;
      moved = true;
      if (o.not_well_formed) {
        std::printf("   [the client's software sends broken XML: a wrong end tag]\n");
        to_server += "<message to='romeo@example.net'><body>Wherefore art thou</message>";
        print('C', to_server);
      } else {
        auto m1 = xml::document::parse(
            "<message to='romeo@example.net' type='chat'><body>Wherefore art thou, Romeo?</body></message>");
        auto m2 = xml::document::parse(
            "<message from='romeo@example.net' to='juliet@example.com/balcony' type='chat'>"
            "<body>Call me but love, and I'll be new baptized.</body></message>");
        if (!m1 || !m2 || !client.send(m1->root()) || !server.send(m2->root())) {
          std::printf("demo failure: could not send the messages\n");
          return 1;
        }
      }
    } else if (sent_messages && !closing && !o.not_well_formed && !client.wants_output() && to_server.empty() &&
               to_client.empty() && !server.wants_output()) {
      closing = true;
      moved = true;
      client.close();
    }
    if (!moved) break;
  }

  const auto& ce = client.end();
  const auto& se = server.end();
  std::printf("\nclient: %s", std::string(to_string(ce.reason)).c_str());
  if (ce.condition) std::printf(" <%s/>", std::string(to_string(*ce.condition)).c_str());
  std::printf(" (%.*s)\n", static_cast<int>(ce.text.size()), ce.text.data());
  std::printf("server: %s", std::string(to_string(se.reason)).c_str());
  if (se.condition) std::printf(" <%s/> at byte %llu", std::string(to_string(*se.condition)).c_str(),
                                static_cast<unsigned long long>(se.offset));
  std::printf(" (%.*s)\n", static_cast<int>(se.text.size()), se.text.data());

  bool ok = false;
  if (o.bad_password) {
    ok = ce.reason == session::end_reason::authentication_failed && server.sasl_failures() == 1;
  } else if (o.not_well_formed) {
    ok = se.reason == session::end_reason::stream_error_sent && se.condition == stream_condition::xml_not_well_formed &&
         ce.reason == session::end_reason::stream_error_received;
  } else if (o.starttls_injection) {
    ok = tls_refused && se.reason == session::end_reason::tls_failed && !server.account().has_value();
  } else {
    ok = ce.reason == session::end_reason::local_close && se.reason == session::end_reason::peer_closed &&
         sent_messages;
  }
  std::printf("%s\n", ok ? "demo: as expected" : "demo: NOT as expected");
  return ok ? 0 : 1;
}
