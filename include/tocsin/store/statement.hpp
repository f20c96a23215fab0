// A prepared SQLite statement. Binding is chainable and never fails on the
// spot: the first bind error is kept and returned by the next step(), so a
// caller checks one Result instead of one per parameter.
#pragma once

#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "tocsin/core/clock.hpp"
#include "tocsin/core/result.hpp"

struct sqlite3_stmt;

namespace tocsin::store {

// Timestamps are stored as INTEGER Unix milliseconds.
inline std::int64_t to_unix_millis(TimePoint t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
inline TimePoint from_unix_millis(std::int64_t ms) {
    return TimePoint{std::chrono::duration_cast<TimePoint::duration>(std::chrono::milliseconds{ms})};
}

class Statement {
public:
    // Takes ownership of a statement from sqlite3_prepare_v2; Database::prepare makes these.
    explicit Statement(sqlite3_stmt* stmt) noexcept : m_stmt(stmt) {}
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&& other) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    ~Statement();

    // Parameters are 1-based, as in SQLite. Text is copied, so the view may die.
    Statement& bind(int index, double value);
    Statement& bind(int index, std::string_view value);
    Statement& bind(int index, std::nullptr_t);
    Statement& bind(int index, TimePoint value) { return bind_int64(index, to_unix_millis(value)); }
    template <std::integral T>
    Statement& bind(int index, T value) { return bind_int64(index, static_cast<std::int64_t>(value)); }
    template <typename T>
    Statement& bind(int index, const std::optional<T>& value) {
        return value ? bind(index, *value) : bind(index, nullptr);
    }
    // Named parameters (":name", "@name", "$name"), spelled with their prefix.
    template <typename T>
    Statement& bind(std::string_view name, T&& value) {
        return bind(parameter_index(name), std::forward<T>(value));
    }

    // True when a row is available, false when the statement has finished.
    // BUSY and LOCKED come back as retryable storage errors.
    Result<bool> step();

    // Columns are 0-based, as in SQLite. NULL reads as 0, 0.0 or "".
    std::int64_t column_int64(int col) const;
    double column_double(int col) const;
    std::string column_text(int col) const;
    TimePoint column_time(int col) const { return from_unix_millis(column_int64(col)); }
    bool column_is_null(int col) const;
    int column_count() const;

    // Ready to run again: rewinds, clears bindings and any pending bind error.
    void reset();

    sqlite3_stmt* handle() const noexcept { return m_stmt; }

private:
    Statement& bind_int64(int index, std::int64_t value);
    int parameter_index(std::string_view name);
    Statement& check_bind(int rc, int index);

    sqlite3_stmt* m_stmt = nullptr;
    std::optional<Error> m_bind_error;
};

}  // namespace tocsin::store
