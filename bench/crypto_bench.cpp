// Hash throughput: ours (crypto/md5.hpp, sha1.hpp, sha256.hpp) next to
// OpenSSL's EVP in the same binary and run, over message sizes from one block
// to 1 MiB; plus HMAC and the PBKDF2 cost that dominates SCRAM.
#include <xmppcore/crypto/hmac.hpp>
#include <xmppcore/crypto/md5.hpp>
#include <xmppcore/crypto/pbkdf2.hpp>
#include <xmppcore/crypto/sha1.hpp>
#include <xmppcore/crypto/sha256.hpp>

#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdint>
#include <string>

namespace {
std::string input(std::size_t n) {
  std::string s(n, '\0');
  std::uint32_t x = 12345;
  for (auto& c : s) {
    x = x * 1103515245u + 12345u;
    c = static_cast<char>(x >> 24);
  }
  return s;
}

template <class Hash>
void ours(benchmark::State& state) {
  const std::string msg = input(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    auto d = Hash::hash(std::string_view(msg));
    benchmark::DoNotOptimize(d);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

void openssl(benchmark::State& state, const EVP_MD* md) {
  const std::string msg = input(static_cast<std::size_t>(state.range(0)));
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  for (auto _ : state) {
    EVP_DigestInit_ex(ctx, md, nullptr);
    EVP_DigestUpdate(ctx, msg.data(), msg.size());
    EVP_DigestFinal_ex(ctx, out, &len);
    benchmark::DoNotOptimize(out);
  }
  EVP_MD_CTX_free(ctx);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
void openssl_md5(benchmark::State& s) { openssl(s, EVP_md5()); }
void openssl_sha1(benchmark::State& s) { openssl(s, EVP_sha1()); }
void openssl_sha256(benchmark::State& s) { openssl(s, EVP_sha256()); }

void pbkdf2_ours_sha256(benchmark::State& state) {
  for (auto _ : state) {
    auto d = xmppcore::crypto::pbkdf2<xmppcore::crypto::sha256>("pencil", "W22ZaJ0SNY7soEsUEjb6gQ", 4096);
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
void pbkdf2_openssl_sha256(benchmark::State& state) {
  unsigned char out[32];
  for (auto _ : state) {
    PKCS5_PBKDF2_HMAC("pencil", 6, reinterpret_cast<const unsigned char*>("W22ZaJ0SNY7soEsUEjb6gQ"), 22, 4096,
                      EVP_sha256(), 32, out);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
void hmac_ours_sha256(benchmark::State& state) {
  const std::string msg = input(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    auto d = xmppcore::crypto::hmac<xmppcore::crypto::sha256>::mac(std::string_view("key"), msg);
    benchmark::DoNotOptimize(d);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
void hmac_openssl_sha256(benchmark::State& state) {
  const std::string msg = input(static_cast<std::size_t>(state.range(0)));
  unsigned char out[32];
  unsigned len = 0;
  for (auto _ : state) {
    HMAC(EVP_sha256(), "key", 3, reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), out, &len);
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
}  // namespace

#define XC_SIZES ->Arg(64)->Arg(1024)->Arg(16384)->Arg(1 << 20)
BENCHMARK(ours<xmppcore::crypto::md5>) XC_SIZES;
BENCHMARK(openssl_md5) XC_SIZES;
BENCHMARK(ours<xmppcore::crypto::sha1>) XC_SIZES;
BENCHMARK(openssl_sha1) XC_SIZES;
BENCHMARK(ours<xmppcore::crypto::sha256>) XC_SIZES;
BENCHMARK(openssl_sha256) XC_SIZES;
BENCHMARK(hmac_ours_sha256)->Arg(64)->Arg(1024);
BENCHMARK(hmac_openssl_sha256)->Arg(64)->Arg(1024);
BENCHMARK(pbkdf2_ours_sha256);
BENCHMARK(pbkdf2_openssl_sha256);
