#include "audit_command.hpp"

#include "read_only_database.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cctype>
#include <iostream>
#include <optional>
#include <variant>

#include "tocsin/config/loader.hpp"
#include "tocsin/core/exit_code.hpp"
#include "tocsin/store/database.hpp"
#include "tocsin/store/incident_repository.hpp"
#include "tocsin/store/migrations.hpp"
#include "tocsin/store/store.hpp"

namespace tocsin::app {
namespace {

std::string plural(std::int64_t n, const char* word) {
    return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

std::variant<store::Database, int> open_audited(const AuditOptions& options) {
    return open_state_read_only(options.config_path, options.database_path);
}

}  // namespace

int command_audit_head(const AuditOptions& options) {
    auto opened = open_audited(options);
    if (const int* rc = std::get_if<int>(&opened)) return *rc;
    store::Database& db = std::get<store::Database>(opened);
    auto head = store::audit_head(db);
    if (!head) {
        std::cerr << "cannot read the audit trail in " << db.path() << ": " << head.error().message << '\n';
        return exit_code::io_error;
    }
    std::cout << head->events << ' ' << head->last_id << ' ' << (head->hash.empty() ? "-" : head->hash) << '\n';
    return exit_code::ok;
}

int command_audit_verify(const AuditOptions& options) {
    auto opened = open_audited(options);
    if (const int* rc = std::get_if<int>(&opened)) return *rc;
    store::Database& db = std::get<store::Database>(opened);
    std::optional<std::string> published;
    if (!options.head.empty() && options.head != "-") published = options.head;
    auto verdict = store::audit_verify(db, published);
    if (!verdict) {
        std::cerr << "cannot read the audit trail in " << db.path() << ": " << verdict.error().message << '\n';
        return exit_code::io_error;
    }
    const std::string checked = "(checked " + plural(verdict->checked, "event") + ")";
    if (verdict->broken_id) {
        std::cout << "audit chain broken at event " << *verdict->broken_id << ": " << verdict->problem << ' '
                  << checked << '\n';
        return exit_code::data_error;
    }
    if (!verdict->ok()) {
        std::cout << "audit chain broken: " << verdict->problem << ' ' << checked << '\n';
        return exit_code::data_error;
    }
    std::cout << "audit chain ok: " << plural(verdict->checked, "event") << ", last id " << verdict->head.last_id
              << ", head " << (verdict->head.hash.empty() ? "-" : verdict->head.hash);
    if (verdict->published_head_id) std::cout << "; published head found at event " << *verdict->published_head_id;
    std::cout << '\n';
    return exit_code::ok;
}

AuditCommand::AuditCommand(CLI::App& app) {
    auto* audit = app.add_subcommand(
        "audit",
        "Check the incident audit trail (an append-only hash chain in the database) or print its head.\n"
        "Opens the database read-only; safe while the daemon runs");
    audit->require_subcommand(1);

    auto add_source = [this](CLI::App* sub) {
        auto* config = sub->add_option("-c,--config", m_options.config_path, "Configuration file (for storage.path)")
                           ->type_name("FILE")
                           ->capture_default_str();
        sub->add_option("--database", m_options.database_path, "Database file (instead of --config)")
            ->type_name("PATH")
            ->excludes(config);
    };

    m_verify = audit->add_subcommand(
        "verify",
        "Recompute the hash chain. Prints \"audit chain ok: ...\" and exits 0, or names the first broken event\n"
        "and exits 65. With --head, also checks that a head published earlier is still in the chain");
    add_source(m_verify);
    m_verify->add_option("--head", m_options.head, "A hash printed by `tocsin audit head` earlier")
        ->type_name("HASH")
        ->check(CLI::Validator(
            [](std::string& value) -> std::string {
                bool hex = value.size() == 64 && std::all_of(value.begin(), value.end(), [](unsigned char c) {
                               return std::isxdigit(c) != 0;
                           });
                return hex || value == "-" ? std::string() : "a head is 64 hexadecimal digits";
            },
            "", "head"));

    m_head = audit->add_subcommand("head",
                                   "Print \"EVENTS LAST_ID HASH\" for the end of the chain (\"0 0 -\" when empty),\n"
                                   "to publish somewhere the database's owner cannot rewrite");
    add_source(m_head);
}

bool AuditCommand::parsed() const { return m_verify->parsed() || m_head->parsed(); }

int AuditCommand::run() const {
    if (m_verify->parsed()) return command_audit_verify(m_options);
    if (m_head->parsed()) return command_audit_head(m_options);
    return exit_code::usage;
}

}  // namespace tocsin::app
