#include "tocsin/store/statement.hpp"

#include <sqlite3.h>

#include <string>

#include "sqlite_error.hpp"

namespace tocsin::store {

Statement::Statement(Statement&& other) noexcept
    : m_stmt(std::exchange(other.m_stmt, nullptr)), m_bind_error(std::move(other.m_bind_error)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
    if (this != &other) {
        sqlite3_finalize(m_stmt);
        m_stmt = std::exchange(other.m_stmt, nullptr);
        m_bind_error = std::move(other.m_bind_error);
    }
    return *this;
}

Statement::~Statement() { sqlite3_finalize(m_stmt); }

Statement& Statement::check_bind(int rc, int index) {
    if (rc != SQLITE_OK && !m_bind_error) {
        std::string context = "binding parameter " + std::to_string(index) + " of `" +
                              std::string(detail::abbreviate(sqlite3_sql(m_stmt))) + "`";
        m_bind_error = detail::storage_error(sqlite3_db_handle(m_stmt), rc, context);
    }
    return *this;
}

Statement& Statement::bind_int64(int index, std::int64_t value) {
    return check_bind(sqlite3_bind_int64(m_stmt, index, value), index);
}

Statement& Statement::bind(int index, double value) {
    return check_bind(sqlite3_bind_double(m_stmt, index, value), index);
}

Statement& Statement::bind(int index, std::string_view value) {
    // A zero-length blob pointer may be null; SQLite wants non-null for "" text.
    const char* data = value.data() != nullptr ? value.data() : "";
    return check_bind(
        sqlite3_bind_text64(m_stmt, index, data, value.size(), SQLITE_TRANSIENT, SQLITE_UTF8), index);
}

Statement& Statement::bind(int index, std::nullptr_t) {
    return check_bind(sqlite3_bind_null(m_stmt, index), index);
}

int Statement::parameter_index(std::string_view name) {
    int index = sqlite3_bind_parameter_index(m_stmt, std::string(name).c_str());
    if (index == 0 && !m_bind_error) {
        m_bind_error = Error::make(ErrorCategory::storage,
                                   "no parameter named " + std::string(name) + " in `" +
                                       std::string(detail::abbreviate(sqlite3_sql(m_stmt))) + "`");
    }
    return index;
}

Result<bool> Statement::step() {
    if (m_bind_error) return *m_bind_error;
    int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return detail::storage_error(sqlite3_db_handle(m_stmt), rc,
                                 "running `" + std::string(detail::abbreviate(sqlite3_sql(m_stmt))) + "`");
}

std::int64_t Statement::column_int64(int col) const { return sqlite3_column_int64(m_stmt, col); }

double Statement::column_double(int col) const { return sqlite3_column_double(m_stmt, col); }

std::string Statement::column_text(int col) const {
    // Text first, then bytes: that order gives the length of the UTF-8 form.
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(m_stmt, col));
    if (text == nullptr) return {};
    return std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(m_stmt, col)));
}

bool Statement::column_is_null(int col) const { return sqlite3_column_type(m_stmt, col) == SQLITE_NULL; }

int Statement::column_count() const { return sqlite3_column_count(m_stmt); }

void Statement::reset() {
    // sqlite3_reset repeats the last step's error, which the caller already saw.
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
    m_bind_error.reset();
}

}  // namespace tocsin::store
