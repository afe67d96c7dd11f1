// Test-only helpers for tests/crypto: OpenSSL libcrypto as the independent
// oracle, and a deterministic byte generator for randomized comparisons.
#pragma once

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace xc_test {

/// splitmix64: reproducible pseudo-random test data (not for cryptography).
struct test_rng {
  std::uint64_t s;
  explicit test_rng(std::uint64_t seed) : s(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  std::string bytes(std::size_t n) {
    std::string out(n, '\0');
    for (auto& c : out) c = static_cast<char>(next() & 0xff);
    return out;
  }
};

inline std::string bytes_of(const unsigned char* p, std::size_t n) {
  return std::string(reinterpret_cast<const char*>(p), n);
}

template <class Array>
std::string to_str(const Array& a) {
  return std::string(reinterpret_cast<const char*>(a.data()), a.size());
}

/// OpenSSL's digest of `data` ("MD5", "SHA1", "SHA256").
inline std::string openssl_digest(const char* name, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_get_digestbyname(name), nullptr);
  return bytes_of(md, len);
}

/// OpenSSL's HMAC.
inline std::string openssl_hmac(const char* name, std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_get_digestbyname(name), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &len);
  return bytes_of(md, len);
}

/// OpenSSL's PBKDF2-HMAC.
inline std::string openssl_pbkdf2(const char* name, std::string_view pass, std::string_view salt,
                                  int iterations, std::size_t len) {
  std::string out(len, '\0');
  PKCS5_PBKDF2_HMAC(pass.data(), static_cast<int>(pass.size()),
                    reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
                    iterations, EVP_get_digestbyname(name), static_cast<int>(len),
                    reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

inline std::string hex(std::string_view s) {
  static constexpr char d[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += d[c >> 4];
    out += d[c & 15];
  }
  return out;
}

}  // namespace xc_test
