// xmppcore benchmarks — a deterministic generator of synthetic XMPP streams.
//
// One stream per call: the stream header, many stanzas, then </stream:stream>.
// The same profile, size and seed always give the same bytes on every platform
// and standard library: the only randomness is a splitmix64 generator of our
// own, consumed with integer arithmetic (no <random> distributions, whose
// output is implementation-defined).
//
// Profiles (stanza mix):
//   mixed    everyday client traffic: chat, presence, iq (roster, disco, pubsub,
//            MAM, ping, time), messages carrying several extensions
//   small    tiny stanzas only: short chat, presence, small iqs, receipts and
//            chat states
//   large    long bodies, big rosters, disco#info and pubsub payloads
//   unicode  the mixed mix, but text is mostly non-ASCII (accented Latin,
//            Cyrillic, CJK, emoji, character references)
//   s2s      the mixed mix on a server-to-server stream (jabber:server with a
//            dialback prefix), with 'from' and 'to' on every stanza
//
// Whitespace keepalives ("\n" or " ") follow a quarter of the stanzas.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace xmppcore_bench {

/// splitmix64 (Steele, Lea, Flood 2014): tiny, fast, and fully specified.
class splitmix64 {
 public:
  explicit splitmix64(std::uint64_t seed) noexcept : s_(seed) {}
  std::uint64_t next() noexcept {
    std::uint64_t z = (s_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, n), n < 2^32 (multiply-shift on the top 32 bits).
  std::uint32_t below(std::uint32_t n) noexcept {
    return static_cast<std::uint32_t>(((next() >> 32) * n) >> 32);
  }
  /// Uniform in [lo, hi], both inclusive.
  std::int64_t range(std::int64_t lo, std::int64_t hi) noexcept {
    return lo + static_cast<std::int64_t>(below(static_cast<std::uint32_t>(hi - lo + 1)));
  }
  /// True with probability per_mille / 1000.
  bool chance(std::uint32_t per_mille) noexcept { return below(1000) < per_mille; }
  template <class T, std::size_t N>
  const T& pick(const std::array<T, N>& a) noexcept {
    return a[below(static_cast<std::uint32_t>(N))];
  }

 private:
  std::uint64_t s_;
};

enum class profile : std::uint8_t { mixed, small, large, unicode, s2s };
inline constexpr std::array<profile, 5> all_profiles{profile::mixed, profile::small, profile::large,
                                                     profile::unicode, profile::s2s};
inline constexpr std::string_view profile_name(profile p) noexcept {
  switch (p) {
    case profile::mixed: return "mixed";
    case profile::small: return "small";
    case profile::large: return "large";
    case profile::unicode: return "unicode";
    case profile::s2s: return "s2s";
  }
  return "?";
}

/// One generated stream.
struct corpus {
  profile prof = profile::mixed;
  std::string bytes;                    ///< the whole stream, header to </stream:stream>
  std::size_t header_bytes = 0;         ///< bytes of the XML declaration + stream header
  std::size_t stanzas = 0;              ///< top-level elements between header and close
  std::vector<std::size_t> stanza_ends; ///< offset just past each stanza and its keepalive
};

namespace detail {

using sv = std::string_view;

inline constexpr sv c2s_header =
    "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
    "xmlns:stream='http://etherx.jabber.org/streams' to='example.com' version='1.0'>";
inline constexpr sv s2s_header =
    "<?xml version='1.0'?><stream:stream xmlns='jabber:server' "
    "xmlns:stream='http://etherx.jabber.org/streams' xmlns:db='jabber:server:dialback' "
    "from='example.net' to='example.com' version='1.0'>";
inline constexpr sv footer = "</stream:stream>";

inline constexpr std::array<sv, 60> ascii_words{
    "the", "a", "to", "and", "of", "is", "it", "you", "that", "in", "for", "on", "this", "ok", "yes",
    "no", "sure", "thanks", "meeting", "tomorrow", "lunch", "call", "later", "tonight", "please",
    "check", "link", "build", "release", "server", "client", "stream", "message", "photo", "file",
    "weekend", "train", "late", "sorry", "great", "idea", "plan", "see", "soon", "deploy", "logs",
    "error", "fixed", "done", "hello", "again", "what", "when", "where", "why", "how", "now", "today",
    "good", "night"};
inline constexpr std::array<sv, 24> accented_words{
    "café", "naïve", "résumé", "über", "straße", "façade", "señor", "crème", "brûlée", "jalapeño",
    "garçon", "Ångström", "smörgåsbord", "żółć", "łódź", "déjà-vu", "São", "Paulo", "Zürich",
    "élève", "coöperate", "fiancée", "Þórr", "Ærø"};
inline constexpr std::array<sv, 18> cyrillic_words{
    "привет", "как", "дела", "спасибо", "хорошо", "сегодня", "завтра", "встреча", "работа", "дом",
    "пожалуйста", "увидимся", "позже", "Москва", "сервер", "сообщение", "Київ", "добре"};
inline constexpr std::array<sv, 14> cjk_words{"你好",     "谢谢",     "明天见", "会议",   "今天",
                                              "服务器",   "こんにちは", "ありがとう", "東京", "お疲れ様です",
                                              "안녕하세요", "감사합니다", "내일",   "서버"};
inline constexpr std::array<sv, 12> emoji_words{"😀", "👍", "🎉", "❤️", "😂", "🙏", "🔥", "✨", "👋🏽", "🇫🇷", "🤔", "👨‍👩‍👧"};
inline constexpr std::array<sv, 11> escaped_words{
    "&lt;3", "a &amp; b", "&quot;quoted&quot;", "x &lt; y &amp;&amp; y &gt; z", "it&apos;s",
    "&#233;t&#233;", "&#x1F600;", "&#8364;5", "&lt;b&gt;", "https://example.org/p?a=1&amp;b=2",
    "&#x41F;&#x440;&#x438;&#x432;&#x435;&#x442;"};
inline constexpr std::array<sv, 34> features{
    "http://jabber.org/protocol/caps", "http://jabber.org/protocol/disco#info",
    "http://jabber.org/protocol/disco#items", "http://jabber.org/protocol/muc",
    "http://jabber.org/protocol/chatstates", "urn:xmpp:receipts", "urn:xmpp:ping", "urn:xmpp:time",
    "jabber:iq:version", "urn:xmpp:carbons:2", "urn:xmpp:mam:2", "urn:xmpp:jingle:1",
    "urn:xmpp:jingle:apps:rtp:1", "urn:xmpp:jingle:apps:rtp:audio", "urn:xmpp:jingle:apps:rtp:video",
    "urn:xmpp:jingle:transports:ice-udp:1", "urn:xmpp:avatar:metadata+notify",
    "http://jabber.org/protocol/nick+notify", "eu.siacs.conversations.axolotl.devicelist+notify",
    "urn:xmpp:message-correct:0", "urn:xmpp:chat-markers:0", "urn:xmpp:sid:0", "urn:xmpp:http:upload:0",
    "http://jabber.org/protocol/xhtml-im", "urn:xmpp:bookmarks:1+notify", "jabber:x:conference",
    "jabber:x:oob", "urn:xmpp:reactions:0", "urn:xmpp:hints", "urn:xmpp:eme:0",
    "http://jabber.org/protocol/geoloc+notify", "http://jabber.org/protocol/tune+notify", "vcard-temp",
    "urn:xmpp:blocking"};
inline constexpr std::array<sv, 6> caps_nodes{"https://conversations.im", "https://gajim.org", "https://dino.im",
                                              "http://psi-im.org", "https://poez.io", "https://monal-im.org/"};
inline constexpr std::array<sv, 7> groups{"Friends", "Family", "Work", "Коллеги", "同事", "Buddies", "Café &amp; Co"};
inline constexpr std::array<sv, 8> contact_names{"romeo", "nurse", "tybalt", "mercutio", "benvolio", "paris",
                                                 "ivan", "mei"};
inline constexpr std::array<sv, 4> contact_domains{"example.net", "example.org", "jabber.example",
                                                   "xmpp.example.com"};
inline constexpr std::array<sv, 5> punctuation{".", ",", "!", "?", ".\n"};
inline constexpr std::array<sv, 6> subscriptions{"both", "both", "both", "to", "from", "none"};
inline constexpr std::array<sv, 5> chat_states{"composing", "paused", "active", "inactive", "gone"};
inline constexpr std::array<sv, 4> shows{"away", "chat", "dnd", "xa"};
inline constexpr std::array<sv, 4> softwares{"Conversations", "Gajim", "Dino", "Psi+"};

enum class kind : std::uint8_t { chat, presence, iq_small, rich_message, disco_result, pubsub, mam_query, roster, receipt };
struct weighted {
  std::uint32_t weight;
  kind k;
};
inline constexpr std::array<weighted, 8> mixed_mix{{{40, kind::chat},
                                                    {28, kind::presence},
                                                    {8, kind::iq_small},
                                                    {9, kind::rich_message},
                                                    {4, kind::disco_result},
                                                    {4, kind::pubsub},
                                                    {3, kind::mam_query},
                                                    {1, kind::roster}}};
inline constexpr std::array<weighted, 4> small_mix{
    {{50, kind::chat}, {30, kind::presence}, {12, kind::iq_small}, {8, kind::receipt}}};
inline constexpr std::array<weighted, 5> large_mix{
    {{40, kind::chat}, {15, kind::rich_message}, {15, kind::disco_result}, {20, kind::pubsub}, {10, kind::roster}}};

/// Code points in a UTF-8 string (the length used for text budgets).
inline std::size_t code_points(sv s) noexcept {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

class generator {
 public:
  generator(profile p, std::uint64_t seed) : p_(p), r_(seed ^ (0x5851f42d4c957f2dull * (static_cast<std::uint64_t>(p) + 1))) {
    contacts_.reserve(400);
    for (int i = 0; i < 400; ++i) {
      std::string c(r_.pick(contact_names));
      c += std::to_string(i);
      c += '@';
      c += r_.pick(contact_domains);
      contacts_.push_back(std::move(c));
    }
  }

  sv header() const noexcept { return p_ == profile::s2s ? s2s_header : c2s_header; }

  /// Appends one stanza and its optional whitespace keepalive.
  void stanza(std::string& o) {
    clock_ += static_cast<std::uint64_t>(r_.range(0, 30));
    switch (pick_kind()) {
      case kind::chat: chat(o); break;
      case kind::presence: presence(o); break;
      case kind::iq_small: iq_small(o); break;
      case kind::rich_message: rich_message(o); break;
      case kind::disco_result: disco_result(o); break;
      case kind::pubsub: pubsub(o); break;
      case kind::mam_query: mam_query(o); break;
      case kind::roster: roster(o); break;
      case kind::receipt: receipt(o); break;
    }
    const auto sep = r_.below(100);
    if (sep < 20)
      o += '\n';
    else if (sep < 25)
      o += ' ';
  }

 private:
  template <std::size_t N>
  kind pick_from(const std::array<weighted, N>& mix) noexcept {
    std::uint32_t total = 0;
    for (const auto& w : mix) total += w.weight;
    std::uint32_t x = r_.below(total);
    for (const auto& w : mix) {
      if (x < w.weight) return w.k;
      x -= w.weight;
    }
    return mix[0].k;
  }
  kind pick_kind() noexcept {
    switch (p_) {
      case profile::small: return pick_from(small_mix);
      case profile::large: return pick_from(large_mix);
      default: return pick_from(mixed_mix);
    }
  }

  // ---- small helpers ----------------------------------------------------
  static void num(std::string& o, std::int64_t v) { o += std::to_string(v); }
  const std::string& contact() noexcept { return contacts_[r_.below(static_cast<std::uint32_t>(contacts_.size()))]; }
  void ident(std::string& o, std::size_t n) {
    static constexpr sv alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-";
    for (std::size_t i = 0; i < n; ++i) o += alphabet[r_.below(static_cast<std::uint32_t>(alphabet.size()))];
  }
  void ident(std::string& o) { ident(o, static_cast<std::size_t>(r_.range(8, 20))); }
  void hex(std::string& o, std::size_t bytes) {
    static constexpr sv digits = "0123456789abcdef";
    for (std::size_t i = 0; i < bytes; ++i) {
      const auto b = r_.below(256);
      o += digits[b >> 4];
      o += digits[b & 15];
    }
  }
  void b64(std::string& o, std::size_t bytes) {
    static constexpr sv alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::size_t i = 0;
    for (; i + 3 <= bytes; i += 3) {
      const std::uint32_t v = r_.below(1u << 24);
      for (int s = 18; s >= 0; s -= 6) o += alphabet[(v >> s) & 63];
    }
    const std::size_t rest = bytes - i;  // 0, 1 or 2 bytes left: pad like base64 does
    if (rest == 1) {
      const std::uint32_t v = r_.below(256) << 16;
      o += alphabet[(v >> 18) & 63];
      o += alphabet[(v >> 12) & 63];
      o += "==";
    } else if (rest == 2) {
      const std::uint32_t v = r_.below(1u << 16) << 8;
      o += alphabet[(v >> 18) & 63];
      o += alphabet[(v >> 12) & 63];
      o += alphabet[(v >> 6) & 63];
      o += '=';
    }
  }
  void two(std::string& o, std::uint64_t v) {
    o += static_cast<char>('0' + v / 10 % 10);
    o += static_cast<char>('0' + v % 10);
  }
  void stamp(std::string& o) {
    // 2024-03-01T10:00:00Z plus the stanza clock; the day wraps inside March.
    const std::uint64_t t = clock_ - 1709251200ull;
    const std::uint64_t days = t / 86400, rem = t % 86400;
    o += "2024-03-";
    two(o, 1 + days % 28);
    o += 'T';
    two(o, rem / 3600);
    o += ':';
    two(o, rem / 60 % 60);
    o += ':';
    two(o, rem % 60);
    o += 'Z';
  }
  void fixed4(std::string& o, std::int64_t ten_thousandths) {
    if (ten_thousandths < 0) {
      o += '-';
      ten_thousandths = -ten_thousandths;
    }
    num(o, ten_thousandths / 10000);
    o += '.';
    const auto f = ten_thousandths % 10000;
    o += static_cast<char>('0' + f / 1000);
    o += static_cast<char>('0' + f / 100 % 10);
    o += static_cast<char>('0' + f / 10 % 10);
    o += static_cast<char>('0' + f % 10);
  }

  sv word() noexcept {
    const auto x = r_.below(1000);
    const bool uni = p_ == profile::unicode;
    if (x < (uni ? 150u : 800u)) return r_.pick(ascii_words);
    if (x < (uni ? 350u : 880u)) return r_.pick(accented_words);
    if (x < (uni ? 550u : 930u)) return r_.pick(cyrillic_words);
    if (x < (uni ? 750u : 960u)) return r_.pick(cjk_words);
    if (x < (uni ? 920u : 985u)) return r_.pick(emoji_words);
    return r_.pick(escaped_words);
  }
  /// About `chars` code points of words (escaped text: valid in content and
  /// in single- or double-quoted attribute values).
  void text(std::string& o, std::size_t chars) {
    std::size_t n = 0;
    bool first = true;
    while (n < chars) {
      const sv w = word();
      if (!first) o += ' ';
      first = false;
      o += w;
      n += code_points(w) + 1;
      if (r_.chance(60)) o += r_.pick(punctuation);
    }
  }
  std::size_t body_len() noexcept {
    const auto x = r_.below(100);
    if (p_ == profile::small) return static_cast<std::size_t>(r_.range(2, 80));
    if (p_ == profile::large) return static_cast<std::size_t>(x < 70 ? r_.range(500, 8000) : r_.range(50, 500));
    if (x < 55) return static_cast<std::size_t>(r_.range(2, 60));
    if (x < 85) return static_cast<std::size_t>(r_.range(60, 300));
    if (x < 97) return static_cast<std::size_t>(r_.range(300, 1500));
    return static_cast<std::size_t>(r_.range(1500, 6000));
  }
  /// Addressing attributes; on s2s both 'from' and 'to' are always present.
  void addr(std::string& o, sv to = {}, sv from = {}) {
    std::string from_buf;
    if (p_ == profile::s2s) {
      if (from.empty()) {
        from_buf = contact();
        from_buf += '/';
        ident(from_buf, 6);
        from = from_buf;
      }
      if (to.empty()) to = me;
    }
    if (!from.empty()) {
      o += " from='";
      o += from;
      o += '\'';
    }
    if (!to.empty()) {
      o += " to='";
      o += to;
      o += '\'';
    }
  }

  // ---- stanza kinds -----------------------------------------------------
  void chat(std::string& o) {
    const char q = r_.chance(100) ? '"' : '\'';  // some clients use double quotes
    o += "<message type=";
    o += q;
    o += "chat";
    o += q;
    o += " id=";
    o += q;
    ident(o);
    o += q;
    addr(o, contact());
    o += " xml:lang='en'><body>";
    text(o, body_len());
    o += "</body>";
    if (r_.chance(500)) o += "<active xmlns='http://jabber.org/protocol/chatstates'/>";
    o += "<request xmlns='urn:xmpp:receipts'/><origin-id xmlns='urn:xmpp:sid:0' id='";
    ident(o);
    o += "'/></message>";
  }

  void receipt(std::string& o) {
    if (r_.chance(500)) {
      o += "<message";
      addr(o, contact());
      o += " id='";
      ident(o);
      o += "'><received xmlns='urn:xmpp:receipts' id='";
      ident(o);
      o += "'/></message>";
      return;
    }
    o += "<message type='chat'";
    addr(o, contact());
    o += "><";
    o += r_.pick(chat_states);
    o += " xmlns='http://jabber.org/protocol/chatstates'/><no-store xmlns='urn:xmpp:hints'/></message>";
  }

  void presence(std::string& o) {
    const auto x = r_.below(100);
    if (x < 8) {
      o += "<presence type='unavailable'";
      addr(o);
      o += "/>";
      return;
    }
    if (x < 14) {
      o += "<presence type='";
      o += r_.chance(500) ? "subscribe" : "subscribed";
      o += '\'';
      addr(o, contact());
      o += "/>";
      return;
    }
    o += "<presence";
    if (x >= 90) {  // MUC join
      std::string room = "room";
      num(room, r_.range(1, 30));
      room += "@conference.example.com/juliet";
      addr(o, room);
    } else {
      addr(o);
    }
    o += '>';
    if (r_.chance(500)) {
      o += "<show>";
      o += r_.pick(shows);
      o += "</show>";
    }
    if (r_.chance(400)) {
      o += "<status>";
      text(o, static_cast<std::size_t>(r_.range(5, 60)));
      o += "</status>";
    }
    o += "<priority>";
    num(o, r_.range(-1, 50));
    o += "</priority><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='";
    o += r_.pick(caps_nodes);
    o += "' ver='";
    b64(o, 20);
    o += "'/>";
    if (r_.chance(300)) {
      o += "<x xmlns='vcard-temp:x:update'><photo>";
      hex(o, 20);
      o += "</photo></x>";
    }
    if (x >= 90) o += "<x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='20'/></x>";
    o += "</presence>";
  }

  void iq_small(std::string& o) {
    const auto k = r_.below(4);
    std::string to;
    if (r_.chance(500)) {
      to = "example.com";
    } else {
      to = contact();
      to += "/phone";
    }
    const bool get = k == 0 || k == 2;
    o += get ? "<iq type='get' id='" : "<iq type='result' id='";
    ident(o);
    o += '\'';
    addr(o, to);
    switch (k) {
      case 0: o += "><ping xmlns='urn:xmpp:ping'/></iq>"; break;
      case 1: o += "/>"; break;
      case 2:
        o += "><query xmlns='http://jabber.org/protocol/disco#info' node='";
        o += r_.pick(caps_nodes);
        o += '#';
        b64(o, 20);
        o += "'/></iq>";
        break;
      default:
        o += "><time xmlns='urn:xmpp:time'><tzo>+01:00</tzo><utc>";
        stamp(o);
        o += "</utc></time></iq>";
        break;
    }
  }

  void roster(std::string& o) {
    o += "<iq type='result' id='";
    ident(o);
    o += '\'';
    addr(o, me);
    o += "><query xmlns='jabber:iq:roster' ver='ver";
    num(o, r_.range(1, 999));
    o += "'>";
    const auto items = r_.range(50, 200);
    for (std::int64_t i = 0; i < items; ++i) {
      o += "<item jid='";
      o += contact();
      o += '\'';
      if (r_.chance(800)) {
        o += " name='";
        text(o, static_cast<std::size_t>(r_.range(3, 20)));
        o += '\'';
      }
      const sv sub = r_.pick(subscriptions);
      o += " subscription='";
      o += sub;
      o += '\'';
      if (sub == "none" && r_.chance(300)) o += " ask='subscribe'";
      const auto ngroups = r_.range(0, 2);
      if (ngroups == 0) {
        o += "/>";
        continue;
      }
      o += '>';
      for (std::int64_t g = 0; g < ngroups; ++g) {
        o += "<group>";
        o += r_.pick(groups);
        o += "</group>";
      }
      o += "</item>";
    }
    o += "</query></iq>";
  }

  void disco_result(std::string& o) {
    // A random sample of 12..34 features, in random order (partial Fisher-Yates).
    std::array<std::uint8_t, features.size()> idx{};
    for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = static_cast<std::uint8_t>(i);
    const auto n = static_cast<std::size_t>(r_.range(12, static_cast<std::int64_t>(features.size())));
    for (std::size_t i = 0; i < n; ++i) {
      const auto j = i + r_.below(static_cast<std::uint32_t>(idx.size() - i));
      std::swap(idx[i], idx[j]);
    }
    o += "<iq type='result' id='";
    ident(o);
    o += '\'';
    std::string from = contact();
    from += "/laptop";
    addr(o, from);
    o += "><query xmlns='http://jabber.org/protocol/disco#info' node='";
    o += r_.pick(caps_nodes);
    o += '#';
    b64(o, 20);
    o += "'><identity category='client' type='";
    o += r_.chance(500) ? "pc" : "phone";
    o += "' name='";
    o += r_.chance(500) ? "Gajim" : "Dino";
    o += "' xml:lang='en'/>";
    for (std::size_t i = 0; i < n; ++i) {
      o += "<feature var='";
      o += features[idx[i]];
      o += "'/>";
    }
    o += "<x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE' type='hidden'>"
         "<value>urn:xmpp:dataforms:softwareinfo</value></field><field var='software'><value>";
    o += r_.pick(softwares);
    o += "</value></field><field var='software_version'><value>";
    num(o, r_.range(0, 9));
    o += '.';
    num(o, r_.range(0, 30));
    o += "</value></field><field var='os'><value>Linux</value></field></x></query></iq>";
  }

  void pubsub(std::string& o) {
    std::string payload;
    sv node;
    const auto x = r_.below(100);
    if (x < 35) {  // OMEMO device list
      payload = "<item id='current'><list xmlns='eu.siacs.conversations.axolotl'>";
      const auto devs = r_.range(1, 6);
      for (std::int64_t i = 0; i < devs; ++i) {
        payload += "<device id='";
        num(payload, r_.range(1, 2147483647));
        payload += "'/>";
      }
      payload += "</list></item>";
      node = "eu.siacs.conversations.axolotl.devicelist";
    } else if (x < 60) {  // avatar metadata
      payload = "<item id='";
      hex(payload, 20);
      payload += "'><metadata xmlns='urn:xmpp:avatar:metadata'><info bytes='";
      num(payload, r_.range(1000, 40000));
      payload += "' id='";
      hex(payload, 20);
      payload += "' height='96' width='96' type='image/png'/></metadata></item>";
      node = "urn:xmpp:avatar:metadata";
    } else {  // microblog: Atom entries with prefixed namespaces
      const auto entries = r_.range(1, 5);
      for (std::int64_t i = 0; i < entries; ++i) {
        payload += "<item id='";
        ident(payload);
        payload +=
            "'><atom:entry xmlns:atom='http://www.w3.org/2005/Atom' "
            "xmlns:thr='http://purl.org/syndication/thread/1.0'><atom:title type='text'>";
        text(payload, static_cast<std::size_t>(r_.range(10, 60)));
        payload += "</atom:title><atom:author><atom:name>";
        text(payload, 8);
        payload += "</atom:name><atom:uri>xmpp:";
        payload += contact();
        payload += "</atom:uri></atom:author><atom:content type='text'>";
        text(payload, body_len());
        payload += "</atom:content><atom:published>";
        stamp(payload);
        payload += "</atom:published><thr:in-reply-to ref='";
        ident(payload);
        payload += "'/><geo:geoloc xmlns:geo='http://jabber.org/protocol/geoloc'><geo:lat>";
        fixed4(payload, r_.range(-900000, 900000));
        payload += "</geo:lat><geo:lon>";
        fixed4(payload, r_.range(-1800000, 1800000));
        payload += "</geo:lon></geo:geoloc></atom:entry></item>";
      }
      node = "urn:xmpp:microblog:0";
    }
    if (r_.chance(500)) {
      o += "<iq type='set' id='";
      ident(o);
      o += '\'';
      addr(o);
      o += "><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='";
      o += node;
      o += "'>";
      o += payload;
      o += "</publish></pubsub></iq>";
      return;
    }
    o += "<message";
    addr(o, me, contact());
    o += " type='headline'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='";
    o += node;
    o += "'>";
    o += payload;
    o += "</items></event></message>";
  }

  void mam_query(std::string& o) {
    o += "<iq type='set' id='";
    ident(o);
    o += '\'';
    addr(o);
    o += "><query xmlns='urn:xmpp:mam:2' queryid='";
    ident(o);
    o += "'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'>"
         "<value>urn:xmpp:mam:2</value></field><field var='with'><value>";
    o += contact();
    o += "</value></field><field var='start'><value>";
    stamp(o);
    o += "</value></field></x><set xmlns='http://jabber.org/protocol/rsm'><max>";
    static constexpr std::array<int, 3> maxes{20, 50, 100};
    num(o, r_.pick(maxes));
    o += "</max><before/></set></query></iq>";
  }

  void rich_message(std::string& o) {
    const std::string& peer = contact();
    std::string inner = "<body>";
    text(inner, body_len());
    inner += "</body><thread>";
    ident(inner);
    inner +=
        "</thread><active xmlns='http://jabber.org/protocol/chatstates'/>"
        "<markable xmlns='urn:xmpp:chat-markers:0'/><request xmlns='urn:xmpp:receipts'/>"
        "<stanza-id xmlns='urn:xmpp:sid:0' id='";
    ident(inner);
    inner += "' by='juliet@example.com'/>";
    if (r_.chance(300)) {
      inner +=
          "<html xmlns='http://jabber.org/protocol/xhtml-im'><body xmlns='http://www.w3.org/1999/xhtml'>"
          "<p>";
      text(inner, 40);
      inner += " <strong>";
      text(inner, 10);
      inner += "</strong> <a href='https://example.org/x?y=1&amp;z=2'>link</a></p></body></html>";
    }
    const auto x = r_.below(100);
    if (x < 40) {  // offline message with a delay
      o += "<message type='chat' id='";
      ident(o);
      o += '\'';
      addr(o, me, peer);
      o += '>';
      o += inner;
      o += "<delay xmlns='urn:xmpp:delay' from='example.com' stamp='";
      stamp(o);
      o += "'>Offline Storage</delay></message>";
    } else if (x < 70) {  // carbon copy wrapping a forwarded message
      o += "<message";
      addr(o, me, "juliet@example.com");
      o += " type='chat'><sent xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>"
           "<delay xmlns='urn:xmpp:delay' stamp='";
      stamp(o);
      o += "'/><message xmlns='jabber:client' type='chat' id='";
      ident(o);
      o += "' from='juliet@example.com/phone' to='";
      o += peer;
      o += "'>";
      o += inner;
      o += "</message></forwarded></sent></message>";
    } else {  // groupchat
      o += "<message type='groupchat' id='";
      ident(o);
      o += '\'';
      std::string room = "room";
      num(room, r_.range(1, 30));
      room += "@conference.example.com";
      addr(o, room);
      o += '>';
      o += inner;
      o += "<x xmlns='http://jabber.org/protocol/muc#user'><item jid='";
      o += peer;
      o += "' affiliation='member' role='participant'/></x></message>";
    }
  }

  static constexpr sv me = "juliet@example.com/balcony";
  profile p_;
  splitmix64 r_;
  std::uint64_t clock_ = 1709287200ull;  // 2024-03-01T10:00:00Z, advances per stanza
  std::vector<std::string> contacts_;
};

}  // namespace detail

/// Generates a stream of the given profile of at most `target_bytes` bytes
/// (and at least one stanza). Deterministic in (profile, target_bytes, seed).
inline corpus generate(profile p, std::size_t target_bytes, std::uint64_t seed = 1) {
  corpus c;
  c.prof = p;
  detail::generator g(p, seed);
  c.bytes.reserve(target_bytes + 64 * 1024);
  c.bytes += g.header();
  c.header_bytes = c.bytes.size();
  const std::size_t budget = target_bytes > detail::footer.size() ? target_bytes - detail::footer.size() : 0;
  for (;;) {
    const std::size_t before = c.bytes.size();
    g.stanza(c.bytes);
    if (c.bytes.size() > budget && c.stanzas > 0) {
      c.bytes.resize(before);
      break;
    }
    ++c.stanzas;
    c.stanza_ends.push_back(c.bytes.size());
  }
  c.bytes += detail::footer;
  return c;
}

}  // namespace xmppcore_bench
