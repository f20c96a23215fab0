// Errors as values on the data path: Result<T> holds either a T or an Error.
// Exceptions are reserved for start-up; everything that can fail while the
// daemon runs returns a Result so callers decide to retry, log or give up.
#pragma once

#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace tocsin {

enum class ErrorCategory {
    invalid_argument,  // the caller's input is wrong; retrying will not help
    not_found,
    io,                // file system or socket trouble; often transient
    timeout,
    storage,           // SQLite reported a problem
    protocol,          // a peer spoke something we do not accept
    internal,
};

const char* to_string(ErrorCategory category) noexcept;

struct Error {
    ErrorCategory category = ErrorCategory::internal;
    std::string message;
    bool retryable = false;

    static Error make(ErrorCategory category, std::string message, bool retryable = false) {
        return Error{category, std::move(message), retryable};
    }
};

template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : m_v(std::in_place_index<0>, std::move(value)) {}
    Result(Error error) : m_v(std::in_place_index<1>, std::move(error)) {}

    bool ok() const noexcept { return m_v.index() == 0; }
    explicit operator bool() const noexcept { return ok(); }

    T& value() & { return std::get<0>(m_v); }
    const T& value() const& { return std::get<0>(m_v); }
    T&& value() && { return std::get<0>(std::move(m_v)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const Error& error() const& { return std::get<1>(m_v); }
    Error&& error() && { return std::get<1>(std::move(m_v)); }

private:
    std::variant<T, Error> m_v;
};

// Result of an operation that yields nothing on success.
struct Ok {};
using Status = Result<Ok>;

}  // namespace tocsin
