#include <xmppcore/crypto/random_source.hpp>

#include <doctest/doctest.h>

#include <array>
#include <type_traits>

using xmppcore::crypto::random_source;

namespace {
// What an embedder writes: a counter-based source (deterministic, for tests).
struct counting_source final : random_source {
  unsigned next = 0;
  std::size_t requested = 0;
  void fill(std::span<std::byte> out) override {
    requested += out.size();
    for (auto& b : out) b = static_cast<std::byte>(next++);
  }
};
void draw(random_source& r, std::span<std::byte> out) { r.fill(out); }
}  // namespace

TEST_CASE("random_source: an interface the embedder implements") {
  static_assert(std::is_abstract_v<random_source>);
  // Not deletable through the interface: the embedder owns the object.
  static_assert(!std::is_destructible_v<random_source>);
  static_assert(std::is_destructible_v<counting_source>);
  counting_source src;
  std::array<std::byte, 5> buf{};
  draw(src, buf);
  draw(src, std::span<std::byte>(buf).subspan(0, 2));
  CHECK(src.requested == 7);
  CHECK(buf[0] == std::byte{5});
  CHECK(buf[1] == std::byte{6});
  CHECK(buf[4] == std::byte{4});
}
