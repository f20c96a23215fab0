#include "tocsin/store/incident_repository.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>

#include "json_strings.hpp"
#include "tocsin/store/database.hpp"
#include "tocsin/store/rule_state_repository.hpp"
#include "tocsin/store/statement.hpp"

namespace tocsin::store {
namespace {

using incident::Incident;
using incident::IncidentEvent;
using incident::IncidentUpdate;

constexpr std::string_view k_incident_columns =
    "id, key, rule, component, title, description, severity, state, security, manual, reporter, impact, "
    "peak_impact, alerts, affected_components, impact_started_ms, detected_ms, acknowledged_ms, "
    "acknowledged_by_name, acknowledged_by_channel, identified_ms, mitigated_ms, resolved_ms, condition_active, "
    "clear_since_ms, auto_severity, taxonomy";

constexpr std::string_view k_event_columns =
    "id, incident_id, at_ms, kind, actor, channel, message, detail, prev_hash, hash";

// A savepoint around one save(): works inside the caller's transaction or
// alone, and on any error undoes exactly this call.
class Savepoint {
public:
    static Result<Savepoint> begin(Database& db) {
        auto status = db.exec("SAVEPOINT incident_save");
        if (!status) return std::move(status).error();
        return Savepoint(db);
    }
    Savepoint(Savepoint&& other) noexcept : m_db(std::exchange(other.m_db, nullptr)) {}
    Savepoint& operator=(Savepoint&&) = delete;
    ~Savepoint() {
        // SQLite may already have rolled the whole transaction back (e.g.
        // SQLITE_FULL); the savepoint is gone then and these only fail.
        if (m_db != nullptr && m_db->in_transaction()) {
            (void)m_db->exec("ROLLBACK TO incident_save");
            (void)m_db->exec("RELEASE incident_save");
        }
    }
    Status release() {
        auto status = m_db->exec("RELEASE incident_save");
        if (status) m_db = nullptr;
        return status;
    }

private:
    explicit Savepoint(Database& db) noexcept : m_db(&db) {}
    Database* m_db;
};

std::optional<TimePoint> optional_time(const Statement& stmt, int col) {
    if (stmt.column_is_null(col)) return std::nullopt;
    return stmt.column_time(col);
}

std::optional<double> optional_double(const Statement& stmt, int col) {
    if (stmt.column_is_null(col)) return std::nullopt;
    return stmt.column_double(col);
}

// SQLite has no NaN (it binds as NULL); an unknown impact is nullopt anyway.
Statement& bind_impact(Statement& stmt, int index, const std::optional<double>& value) {
    if (value && !std::isnan(*value)) return stmt.bind(index, *value);
    return stmt.bind(index, nullptr);
}

std::string alerts_to_json(const std::vector<Labels>& alerts) {
    std::string json = "[";
    for (std::size_t i = 0; i < alerts.size(); ++i) {
        if (i > 0) json += ',';
        json += labels_to_json(alerts[i]);
    }
    json += ']';
    return json;
}

std::optional<std::vector<Labels>> alerts_from_json(std::string_view json) {
    boost::system::error_code ec;
    boost::json::value value = boost::json::parse(json, ec);
    if (ec || !value.is_array()) return std::nullopt;
    std::vector<Labels> alerts;
    for (const auto& element : value.as_array()) {
        auto labels = labels_from_json(boost::json::serialize(element));
        if (!labels) return std::nullopt;
        alerts.push_back(std::move(*labels));
    }
    return alerts;
}

// One incidents row (selected with k_incident_columns), or why it cannot be read.
Result<Incident> read_incident(const Statement& stmt) {
    Incident i;
    i.id = stmt.column_int64(0);
    auto fail = [&](const std::string& why) {
        return Error::make(ErrorCategory::storage, "incident " + std::to_string(i.id) + ": " + why);
    };
    i.key = stmt.column_text(1);
    i.rule = stmt.column_text(2);
    i.component = stmt.column_text(3);
    i.title = stmt.column_text(4);
    i.description = stmt.column_text(5);
    i.severity = stmt.column_text(6);
    std::string state = stmt.column_text(7);
    auto parsed_state = incident::parse_incident_state(state);
    if (!parsed_state) return fail("unknown state \"" + state + "\"");
    i.state = *parsed_state;
    i.security = stmt.column_int64(8) != 0;
    i.manual = stmt.column_int64(9) != 0;
    i.reporter = stmt.column_text(10);
    i.impact = optional_double(stmt, 11);
    i.peak_impact = optional_double(stmt, 12);
    auto alerts = alerts_from_json(stmt.column_text(13));
    if (!alerts) return fail("alerts are not a JSON array of label objects");
    i.alerts = std::move(*alerts);
    auto components = strings_from_json(stmt.column_text(14));
    if (!components) return fail("affected_components is not a JSON array of strings");
    i.affected_components = std::move(*components);
    i.impact_started = stmt.column_time(15);
    i.detected = stmt.column_time(16);
    i.acknowledged = optional_time(stmt, 17);
    if (!stmt.column_is_null(18)) i.acknowledged_by = incident::Actor{stmt.column_text(18), stmt.column_text(19)};
    i.identified = optional_time(stmt, 20);
    i.mitigated = optional_time(stmt, 21);
    i.resolved = optional_time(stmt, 22);
    i.condition_active = stmt.column_int64(23) != 0;
    i.clear_since = optional_time(stmt, 24);
    i.auto_severity = stmt.column_text(25);
    i.taxonomy = stmt.column_text(26);
    return i;
}

// Every row of a prepared and bound SELECT of k_incident_columns.
Result<IncidentLoad> read_incidents(Statement& stmt) {
    IncidentLoad load;
    while (true) {
        auto row = stmt.step();
        if (!row) return std::move(row).error();
        if (!*row) break;
        auto incident = read_incident(stmt);
        if (!incident) {
            load.warnings.push_back(incident.error().message + "; row ignored");
            continue;
        }
        load.incidents.push_back(std::move(*incident));
    }
    return load;
}

Result<IncidentLoad> load_incidents(Database& db, const std::string& sql, std::optional<std::int64_t> first) {
    auto stmt = db.prepare(sql);
    if (!stmt) return std::move(stmt).error();
    if (first) stmt->bind(1, *first);
    return read_incidents(*stmt);
}

Status upsert_incident(Statement& stmt, const Incident& i) {
    stmt.reset();
    stmt.bind(1, i.id)
        .bind(2, std::string_view(i.key))
        .bind(3, std::string_view(i.rule))
        .bind(4, std::string_view(i.component))
        .bind(5, std::string_view(i.title))
        .bind(6, std::string_view(i.description))
        .bind(7, std::string_view(i.severity))
        .bind(8, std::string_view(incident::to_string(i.state)))
        .bind(9, i.security ? 1 : 0)
        .bind(10, i.manual ? 1 : 0)
        .bind(11, std::string_view(i.reporter));
    bind_impact(stmt, 12, i.impact);
    bind_impact(stmt, 13, i.peak_impact);
    stmt.bind(14, std::string_view(alerts_to_json(i.alerts)))
        .bind(15, std::string_view(strings_to_json(i.affected_components)))
        .bind(16, i.impact_started)
        .bind(17, i.detected)
        .bind(18, i.acknowledged);
    if (i.acknowledged_by) {
        stmt.bind(19, std::string_view(i.acknowledged_by->name)).bind(20, std::string_view(i.acknowledged_by->channel));
    } else {
        stmt.bind(19, nullptr).bind(20, nullptr);
    }
    stmt.bind(21, i.identified)
        .bind(22, i.mitigated)
        .bind(23, i.resolved)
        .bind(24, i.condition_active ? 1 : 0)
        .bind(25, i.clear_since)
        .bind(26, std::string_view(i.auto_severity))
        .bind(27, std::string_view(i.taxonomy));
    auto done = stmt.step();
    if (!done) {
        Error error = std::move(done).error();
        error.message = "saving incident " + std::to_string(i.id) + ": " + error.message;
        return error;
    }
    return Ok{};
}

Status insert_event(Statement& stmt, const IncidentEvent& e) {
    stmt.reset();
    stmt.bind(1, e.id)
        .bind(2, e.incident_id)
        .bind(3, e.at)
        .bind(4, std::string_view(incident::to_string(e.kind)))
        .bind(5, std::string_view(e.actor.name))
        .bind(6, std::string_view(e.actor.channel))
        .bind(7, std::string_view(e.message))
        .bind(8, std::string_view(e.detail))
        .bind(9, std::string_view(e.prev_hash))
        .bind(10, std::string_view(e.hash));
    auto done = stmt.step();
    if (!done) {
        Error error = std::move(done).error();
        error.message = "appending event " + std::to_string(e.id) + " of incident " + std::to_string(e.incident_id) +
                        ": " + error.message;
        return error;
    }
    return Ok{};
}

}  // namespace

Result<std::vector<IncidentEvent>> IncidentRepository::save(const std::vector<IncidentUpdate>& updates) {
    return write(updates, true);
}

Result<std::vector<IncidentEvent>> IncidentRepository::append_events(const std::vector<IncidentEvent>& events) {
    IncidentUpdate update;  // its incident row is not written
    update.events = events;
    return write({update}, false);
}

Result<std::vector<IncidentEvent>> IncidentRepository::write(const std::vector<IncidentUpdate>& updates,
                                                             bool upsert_rows) {
    auto savepoint = Savepoint::begin(*m_db);
    if (!savepoint) return std::move(savepoint).error();

    auto upsert = m_db->prepare(
        "INSERT INTO incidents (" + std::string(k_incident_columns) +
        ") "
"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, "
        "?22, ?23, ?24, ?25, ?26, ?27) "
        "ON CONFLICT (id) DO UPDATE SET key = excluded.key, rule = excluded.rule, component = excluded.component, "
        "title = excluded.title, description = excluded.description, severity = excluded.severity, "
        "state = excluded.state, security = excluded.security, manual = excluded.manual, "
        "reporter = excluded.reporter, impact = excluded.impact, peak_impact = excluded.peak_impact, "
        "alerts = excluded.alerts, affected_components = excluded.affected_components, "
        "impact_started_ms = excluded.impact_started_ms, detected_ms = excluded.detected_ms, "
        "acknowledged_ms = excluded.acknowledged_ms, acknowledged_by_name = excluded.acknowledged_by_name, "
        "acknowledged_by_channel = excluded.acknowledged_by_channel, identified_ms = excluded.identified_ms, "
        "mitigated_ms = excluded.mitigated_ms, resolved_ms = excluded.resolved_ms, "
        "condition_active = excluded.condition_active, clear_since_ms = excluded.clear_since_ms, "
        "auto_severity = excluded.auto_severity, taxonomy = excluded.taxonomy");
    if (!upsert) return std::move(upsert).error();
    auto insert = m_db->prepare("INSERT INTO incident_events (" + std::string(k_event_columns) +
                                ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
    if (!insert) return std::move(insert).error();

    // The head, read once under the caller's write lock: ids follow on
    // without gaps, each hash on the one before. (Not audit_head(): its
    // count would scan the whole table.)
    std::int64_t last_id = 0;
    std::string prev_hash;
    {
        auto head = m_db->prepare("SELECT id, hash FROM incident_events ORDER BY id DESC LIMIT 1");
        if (!head) return std::move(head).error();
        auto row = head->step();
        if (!row) return std::move(row).error();
        if (*row) {
            last_id = head->column_int64(0);
            prev_hash = head->column_text(1);
        }
    }

    std::vector<IncidentEvent> appended;
    for (const IncidentUpdate& update : updates) {
        if (upsert_rows) {
            if (auto status = upsert_incident(*upsert, update.incident); !status) return std::move(status).error();
        }
        for (const IncidentEvent& event : update.events) {
            IncidentEvent stored = event;
            stored.id = ++last_id;
            if (stored.incident_id == 0) stored.incident_id = update.incident.id;
            stored.at = from_unix_millis(to_unix_millis(event.at));  // as stored and hashed
            stored.prev_hash = prev_hash;
            stored.hash = event_hash(prev_hash, stored);
            if (auto status = insert_event(*insert, stored); !status) return std::move(status).error();
            prev_hash = stored.hash;
            appended.push_back(std::move(stored));
        }
    }
    if (auto status = savepoint->release(); !status) return std::move(status).error();
    return appended;
}

Result<IncidentLoad> IncidentRepository::load_open() {
    return load_incidents(*m_db,
                          "SELECT " + std::string(k_incident_columns) +
                              " FROM incidents WHERE state <> 'resolved' ORDER BY id",
                          std::nullopt);
}

Result<IncidentLoad> IncidentRepository::load_since(TimePoint since) {
    const std::string columns(k_incident_columns);
    // ?1 is `since` in Unix milliseconds (load_incidents binds it).
    return load_incidents(*m_db,
                          "SELECT " + columns + " FROM incidents WHERE state <> 'resolved' UNION ALL SELECT " +
                              columns + " FROM incidents WHERE state = 'resolved' AND resolved_ms >= ?1 ORDER BY id",
                          to_unix_millis(since));
}

Result<std::optional<Incident>> IncidentRepository::find(std::int64_t id) {
    auto stmt = m_db->prepare("SELECT " + std::string(k_incident_columns) + " FROM incidents WHERE id = ?1");
    if (!stmt) return std::move(stmt).error();
    auto row = stmt->bind(1, id).step();
    if (!row) return std::move(row).error();
    if (!*row) return std::optional<Incident>{};
    auto incident = read_incident(*stmt);
    if (!incident) return std::move(incident).error();
    return std::optional<Incident>(std::move(*incident));
}

Result<IncidentLoad> IncidentRepository::list(const IncidentQuery& query) {
    std::string sql = "SELECT " + std::string(k_incident_columns) + " FROM incidents WHERE 1";
    if (query.open_only) sql += " AND state <> 'resolved'";
    if (!query.severity.empty()) sql += " AND severity = ?2";
    if (!query.component.empty()) {
        sql += " AND (component = ?3 OR EXISTS (SELECT 1 FROM json_each(affected_components) WHERE value = ?3))";
    }
    if (query.since) sql += " AND (detected_ms >= ?4 OR resolved_ms IS NULL OR resolved_ms >= ?4)";
    sql += " ORDER BY id DESC LIMIT ?1";
    auto stmt = m_db->prepare(sql);
    if (!stmt) return std::move(stmt).error();
    // SQLite's LIMIT is signed; anything beyond is "all".
    stmt->bind(1, static_cast<std::int64_t>(std::min<std::size_t>(query.limit, std::numeric_limits<std::int64_t>::max())));
    if (!query.severity.empty()) stmt->bind(2, std::string_view(query.severity));
    if (!query.component.empty()) stmt->bind(3, std::string_view(query.component));
    if (query.since) stmt->bind(4, *query.since);
    return read_incidents(*stmt);
}

Result<std::int64_t> IncidentRepository::max_id() {
    return m_db->query_int64("SELECT coalesce(max(id), 0) FROM incidents");
}

Result<IncidentEventLoad> IncidentRepository::events(std::int64_t incident_id) {
    auto stmt = m_db->prepare("SELECT " + std::string(k_event_columns) +
                              " FROM incident_events WHERE incident_id = ?1 ORDER BY id");
    if (!stmt) return std::move(stmt).error();
    stmt->bind(1, incident_id);
    IncidentEventLoad load;
    while (true) {
        auto row = stmt->step();
        if (!row) return std::move(row).error();
        if (!*row) break;
        IncidentEvent e;
        e.id = stmt->column_int64(0);
        e.incident_id = stmt->column_int64(1);
        e.at = stmt->column_time(2);
        std::string kind = stmt->column_text(3);
        auto parsed = incident::parse_event_kind(kind);
        if (!parsed) {
            load.warnings.push_back("event " + std::to_string(e.id) + " of incident " + std::to_string(incident_id) +
                                    ": unknown kind \"" + kind + "\"; row ignored");
            continue;
        }
        e.kind = *parsed;
        e.actor = incident::Actor{stmt->column_text(4), stmt->column_text(5)};
        e.message = stmt->column_text(6);
        e.detail = stmt->column_text(7);
        e.prev_hash = stmt->column_text(8);
        e.hash = stmt->column_text(9);
        load.events.push_back(std::move(e));
    }
    return load;
}

}  // namespace tocsin::store
