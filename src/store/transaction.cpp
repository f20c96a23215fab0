#include "tocsin/store/transaction.hpp"

#include <utility>

#include "tocsin/store/database.hpp"

namespace tocsin::store {

Result<Transaction> Transaction::begin(Database& db) {
    auto status = db.exec("BEGIN IMMEDIATE");
    if (!status) return std::move(status).error();
    return Transaction(db);
}

Transaction::Transaction(Transaction&& other) noexcept : m_db(std::exchange(other.m_db, nullptr)) {}

Transaction::~Transaction() {
    // SQLite may already have rolled back on its own (e.g. SQLITE_FULL);
    // a ROLLBACK then would only fail.
    if (m_db != nullptr && m_db->in_transaction()) {
        (void)m_db->exec("ROLLBACK");
    }
}

Status Transaction::commit() {
    if (m_db == nullptr) {
        return Error::make(ErrorCategory::internal, "commit of a transaction that is no longer open");
    }
    auto status = m_db->exec("COMMIT");
    if (status) m_db = nullptr;
    return status;
}

}  // namespace tocsin::store
