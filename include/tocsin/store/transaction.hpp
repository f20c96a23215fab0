// A write transaction. It always starts with BEGIN IMMEDIATE: taking the
// write lock up front means a conflict shows up as a retryable BUSY at
// begin(), never as a deadlock half-way through an incident update.
#pragma once

#include "tocsin/core/result.hpp"

namespace tocsin::store {

class Database;

class Transaction {
public:
    static Result<Transaction> begin(Database& db);

    Transaction(Transaction&& other) noexcept;
    Transaction& operator=(Transaction&&) = delete;
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    // Rolls back unless commit() succeeded.
    ~Transaction();

    // On failure the transaction stays open and the destructor rolls it back.
    Status commit();

private:
    explicit Transaction(Database& db) noexcept : m_db(&db) {}

    Database* m_db = nullptr;  // null once committed or moved from
};

}  // namespace tocsin::store
