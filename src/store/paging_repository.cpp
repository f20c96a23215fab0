#include "tocsin/store/paging_repository.hpp"

#include "json_strings.hpp"
#include "tocsin/store/database.hpp"
#include "tocsin/store/statement.hpp"

namespace tocsin::store {
namespace {

constexpr std::string_view k_columns =
    "incident_id, cycle, tier, level, level_started_ms, repages, paged, last_update_ms, update_reminders, "
    "resolve_notified, published, publish_reminded, postmortem_due_ms, postmortem_reminders, closed";

paging::PagingState read_row(const Statement& s) {
    paging::PagingState p;
    p.incident_id = s.column_int64(0);
    p.cycle = static_cast<int>(s.column_int64(1));
    p.tier = s.column_text(2);
    p.level = static_cast<int>(s.column_int64(3));
    p.level_started = s.column_time(4);
    p.repages = static_cast<int>(s.column_int64(5));
    p.paged = strings_from_json(s.column_text(6)).value_or(std::vector<std::string>{});
    if (!s.column_is_null(7)) p.last_update = s.column_time(7);
    p.update_reminders = static_cast<int>(s.column_int64(8));
    p.resolve_notified = s.column_int64(9) != 0;
    p.published = s.column_int64(10) != 0;
    p.publish_reminded = s.column_int64(11) != 0;
    if (!s.column_is_null(12)) p.postmortem_due = s.column_time(12);
    p.postmortem_reminders = static_cast<int>(s.column_int64(13));
    p.closed = s.column_int64(14) != 0;
    return p;
}

Result<std::vector<paging::PagingState>> query(Database& db, const std::string& sql,
                                               std::optional<std::int64_t> id) {
    auto stmt = db.prepare(sql);
    if (!stmt) return stmt.error();
    if (id) stmt->bind(1, *id);
    std::vector<paging::PagingState> out;
    for (;;) {
        auto row = stmt->step();
        if (!row) return row.error();
        if (!*row) break;
        out.push_back(read_row(*stmt));
    }
    return out;
}

}  // namespace

Status PagingRepository::save(const paging::PagingState& state) {
    auto stmt = m_db->prepare("INSERT OR REPLACE INTO incident_paging (" + std::string(k_columns) +
                              ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!stmt) return stmt.error();
    stmt->bind(1, state.incident_id)
        .bind(2, state.cycle)
        .bind(3, std::string_view(state.tier))
        .bind(4, state.level)
        .bind(5, state.level_started)
        .bind(6, state.repages)
        .bind(7, std::string_view(strings_to_json(state.paged)))
        .bind(8, state.last_update)
        .bind(9, state.update_reminders)
        .bind(10, state.resolve_notified ? 1 : 0)
        .bind(11, state.published ? 1 : 0)
        .bind(12, state.publish_reminded ? 1 : 0)
        .bind(13, state.postmortem_due)
        .bind(14, state.postmortem_reminders)
        .bind(15, state.closed ? 1 : 0);
    auto done = stmt->step();
    if (!done) return done.error();
    return Ok{};
}

Result<std::vector<paging::PagingState>> PagingRepository::load_open() {
    return query(*m_db, "SELECT " + std::string(k_columns) + " FROM incident_paging WHERE closed = 0 ORDER BY incident_id",
                 std::nullopt);
}

Result<std::optional<paging::PagingState>> PagingRepository::find(std::int64_t incident_id) {
    auto rows = query(*m_db, "SELECT " + std::string(k_columns) + " FROM incident_paging WHERE incident_id = ?",
                      incident_id);
    if (!rows) return rows.error();
    if (rows->empty()) return std::optional<paging::PagingState>{};
    return std::optional<paging::PagingState>(std::move(rows->front()));
}

Result<std::optional<std::string>> PagingRepository::get_setting(std::string_view key) {
    auto stmt = m_db->prepare("SELECT value FROM settings WHERE key = ?");
    if (!stmt) return stmt.error();
    stmt->bind(1, key);
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) return std::optional<std::string>{};
    return std::optional<std::string>(stmt->column_text(0));
}

Status PagingRepository::set_setting(std::string_view key, std::string_view value) {
    auto stmt = m_db->prepare("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)");
    if (!stmt) return stmt.error();
    stmt->bind(1, key).bind(2, value);
    auto done = stmt->step();
    if (!done) return done.error();
    return Ok{};
}

}  // namespace tocsin::store
