// xmppcore — result<T, E>: a value or an error, never an exception.
//
// Fallible calls return a value-or-error in the spirit of
// std::expected (C++23, not yet in GCC 12's C++20 mode). Errors are usually a
// layer's own enum class (jid::errc, sasl::...), or std::error_code.
#pragma once

#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

namespace xmppcore {

/// Wraps an error value so that result<T, E> can be built from it unambiguously.
template <class E>
struct unexpected {
  E error;
};
template <class E>
unexpected(E) -> unexpected<E>;

/// A T or an E. `[[nodiscard]]`: ignoring a fallible call's outcome is a bug.
template <class T, class E = std::error_code>
class [[nodiscard]] result {
 public:
  using value_type = T;
  using error_type = E;

  result(const T& v) : v_(std::in_place_index<0>, v) {}                  // NOLINT: implicit by design
  result(T&& v) : v_(std::in_place_index<0>, std::move(v)) {}            // NOLINT
  template <class G>
  result(unexpected<G> e) : v_(std::in_place_index<1>, std::move(e.error)) {}  // NOLINT

  /// True when a value is held.
  bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  /// The value; precondition: has_value().
  T& value() & noexcept { return *std::get_if<0>(&v_); }
  const T& value() const& noexcept { return *std::get_if<0>(&v_); }
  T&& value() && noexcept { return std::move(*std::get_if<0>(&v_)); }
  T& operator*() & noexcept { return value(); }
  const T& operator*() const& noexcept { return value(); }
  T* operator->() noexcept { return std::get_if<0>(&v_); }
  const T* operator->() const noexcept { return std::get_if<0>(&v_); }

  /// The error; precondition: !has_value().
  const E& error() const noexcept { return *std::get_if<1>(&v_); }

  /// The value, or `fallback` when an error is held.
  template <class U>
  T value_or(U&& fallback) const& {
    return has_value() ? value() : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  std::variant<T, E> v_;
};

/// result<void, E>: success or an error.
template <class E>
class [[nodiscard]] result<void, E> {
 public:
  result() noexcept = default;
  template <class G>
  result(unexpected<G> e) : err_(std::move(e.error)), ok_(false) {}  // NOLINT

  bool has_value() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  const E& error() const noexcept { return err_; }

 private:
  E err_{};
  bool ok_ = true;
};

}  // namespace xmppcore
