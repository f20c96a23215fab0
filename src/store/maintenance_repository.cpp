#include "tocsin/store/maintenance_repository.hpp"

#include <algorithm>
#include <string>

#include "json_strings.hpp"
#include "tocsin/store/database.hpp"
#include "tocsin/store/statement.hpp"

namespace tocsin::store {
namespace {

using incident::MaintenanceKind;
using incident::MaintenanceRecord;

constexpr std::string_view k_columns =
    "id, kind, components, match, starts_ms, ends_ms, reason, created_by, created_channel, created_ms, ended_ms, "
    "ended_by, ended_channel";

MaintenanceRecord read_row(const Statement& s) {
    MaintenanceRecord r;
    r.id = s.column_int64(0);
    r.kind = s.column_text(1) == "silence" ? MaintenanceKind::silence : MaintenanceKind::maintenance;
    // A row another version wrote oddly loses its components, not the window.
    r.components = strings_from_json(s.column_text(2)).value_or(std::vector<std::string>{});
    r.match = s.column_text(3);
    r.starts = s.column_time(4);
    r.ends = s.column_time(5);
    r.reason = s.column_text(6);
    r.created_by = {s.column_text(7), s.column_text(8)};
    r.created = s.column_time(9);
    if (!s.column_is_null(10)) r.ended = s.column_time(10);
    r.ended_by = {s.column_text(11), s.column_text(12)};
    return r;
}

template <typename... Binds>
Result<std::vector<MaintenanceRecord>> query(Database& db, const std::string& sql, Binds... binds) {
    auto stmt = db.prepare(sql);
    if (!stmt) return stmt.error();
    int index = 1;
    (stmt->bind(index++, binds), ...);
    std::vector<MaintenanceRecord> out;
    for (;;) {
        auto row = stmt->step();
        if (!row) return row.error();
        if (!*row) break;
        out.push_back(read_row(*stmt));
    }
    return out;
}

}  // namespace

Result<MaintenanceRecord> MaintenanceRepository::insert(MaintenanceRecord r) {
    auto stmt = m_db->prepare(
        "INSERT INTO maintenance_windows (kind, components, match, starts_ms, ends_ms, reason, created_by, "
        "created_channel, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!stmt) return stmt.error();
    const std::string components = strings_to_json(r.components);
    stmt->bind(1, incident::to_string(r.kind))
        .bind(2, std::string_view(components))
        .bind(3, std::string_view(r.match))
        .bind(4, r.starts)
        .bind(5, r.ends)
        .bind(6, std::string_view(r.reason))
        .bind(7, std::string_view(r.created_by.name))
        .bind(8, std::string_view(r.created_by.channel))
        .bind(9, r.created);
    auto done = stmt->step();
    if (!done) return done.error();
    r.id = m_db->last_insert_rowid();
    return r;
}

Result<std::vector<MaintenanceRecord>> MaintenanceRepository::load_current(TimePoint t) {
    return query(*m_db,
                 "SELECT " + std::string(k_columns) + " FROM maintenance_windows WHERE ends_ms > ? ORDER BY starts_ms, id",
                 to_unix_millis(t));
}

Result<std::vector<MaintenanceRecord>> MaintenanceRepository::load_recent(std::size_t limit) {
    return query(*m_db, "SELECT " + std::string(k_columns) + " FROM maintenance_windows ORDER BY id DESC LIMIT ?",
                 static_cast<std::int64_t>(limit));
}

Result<std::optional<MaintenanceRecord>> MaintenanceRepository::find(std::int64_t id) {
    auto rows = query(*m_db, "SELECT " + std::string(k_columns) + " FROM maintenance_windows WHERE id = ?", id);
    if (!rows) return rows.error();
    if (rows->empty()) return std::optional<MaintenanceRecord>{};
    return std::optional<MaintenanceRecord>(std::move(rows->front()));
}

Result<std::optional<MaintenanceRecord>> MaintenanceRepository::end(std::int64_t id, TimePoint at,
                                                                    const incident::Actor& by) {
    auto found = find(id);
    if (!found || !*found) return found;
    MaintenanceRecord r = std::move(**found);
    r.ends = std::clamp(at, r.starts, r.ends);
    r.ended = at;
    r.ended_by = by;
    auto stmt = m_db->prepare(
        "UPDATE maintenance_windows SET ends_ms = ?, ended_ms = ?, ended_by = ?, ended_channel = ? WHERE id = ?");
    if (!stmt) return stmt.error();
    stmt->bind(1, r.ends).bind(2, at).bind(3, std::string_view(by.name)).bind(4, std::string_view(by.channel)).bind(5, id);
    auto done = stmt->step();
    if (!done) return done.error();
    return std::optional<MaintenanceRecord>(std::move(r));
}

}  // namespace tocsin::store
