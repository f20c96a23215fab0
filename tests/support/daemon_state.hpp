// What a running tocsin daemon did, read from outside: its SQLite file
// (read-only, beside the running daemon thanks to WAL), the messages the
// fake Bot API and aiosmtpd received, and a polling wait with a deadline.
// Shared by the paging and reload integration tests; targets including it
// link tocsin_store, tocsin_test_telegram_support and Boost::json, and
// define TOCSIN_PYTHON3 (for aiosmtpd.hpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "aiosmtpd.hpp"
#include "fake_telegram.hpp"
#include "test_support.hpp"
#include "tocsin/store/database.hpp"
#include "tocsin/store/statement.hpp"

namespace tocsin::test {

struct OutboxRow {
    std::string key;
    std::string channel;
    std::string recipient;
    std::string state;
    int attempts = 0;
    std::int64_t created_ms = 0;
    std::int64_t sent_ms = 0;
    std::string error;
};

// The daemon's outbox, oldest first (WAL lets a reader in while it runs).
inline std::vector<OutboxRow> outbox(const TempDir& dir) {
    using namespace std::chrono_literals;
    auto db = tocsin::store::Database::open_read_only(dir.file("state/tocsin.db"), 5s);
    auto stmt = db.prepare(
        "SELECT idempotency_key, channel, recipient, state, attempts, created_at, coalesce(sent_at, 0), "
        "coalesce(last_error, '') FROM outbox ORDER BY id");
    std::vector<OutboxRow> out;
    if (!stmt) return out;
    while (true) {
        auto row = stmt->step();
        if (!row || !*row) break;
        out.push_back(OutboxRow{stmt->column_text(0), stmt->column_text(1), stmt->column_text(2),
                                stmt->column_text(3), static_cast<int>(stmt->column_int64(4)),
                                stmt->column_int64(5), stmt->column_int64(6), stmt->column_text(7)});
    }
    return out;
}

// The audit trail as "kind:message", oldest first.
inline std::vector<std::string> event_kinds(const TempDir& dir) {
    using namespace std::chrono_literals;
    auto db = tocsin::store::Database::open_read_only(dir.file("state/tocsin.db"), 5s);
    auto stmt = db.prepare("SELECT kind || ':' || message FROM incident_events ORDER BY id");
    std::vector<std::string> out;
    if (!stmt) return out;
    while (true) {
        auto row = stmt->step();
        if (!row || !*row) break;
        out.push_back(stmt->column_text(0));
    }
    return out;
}

// Polls `pred` every 25 ms until it holds; false after `timeout`.
inline bool eventually(const std::function<bool()>& pred,
                       std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    using namespace std::chrono_literals;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (pred()) return true;
        std::this_thread::sleep_for(25ms);
    }
    return pred();
}

// The sendMessage calls to one chat, in order.
inline std::vector<TelegramCall> messages_to(const FakeTelegram& tg, std::int64_t chat) {
    std::vector<TelegramCall> out;
    for (auto& c : tg.calls("sendMessage")) {
        if (c.int_param("chat_id") == chat) out.push_back(std::move(c));
    }
    return out;
}

// The mails whose recipients include `address`, in order.
inline std::vector<tocsin::notify::testing::ReceivedMail> mails_to(const tocsin::notify::testing::Aiosmtpd& smtp,
                                                                   const std::string& address) {
    std::vector<tocsin::notify::testing::ReceivedMail> out;
    for (auto& m : smtp.messages()) {
        if (m.str({"rcpt_tos"}).find(address) != std::string::npos) out.push_back(std::move(m));
    }
    return out;
}

}  // namespace tocsin::test
