// `tocsin audit verify` and `tocsin audit head`: check the hash chain of the
// incident audit trail, and print its head for publishing. Both open the
// database read-only and never migrate it, so they are safe next to a
// running daemon (docs/operations.md, "Audit trail").
#pragma once

#include <string>

namespace CLI {
class App;
}

namespace tocsin::app {

struct AuditOptions {
    std::string config_path = "/etc/tocsin/tocsin.toml";
    std::string database_path;  // when set, used instead of the config's storage.path
    std::string head;           // verify: a hash `audit head` printed earlier ("-": the empty trail)
};

// Prints "audit chain ok: N events, last id M, head HASH" and exits 0, or
// "audit chain broken at event N: PROBLEM (checked K events)" and exits 65.
// 78 for an invalid config, 74/65 when the database cannot be opened or read.
int command_audit_verify(const AuditOptions& options);
// Prints "EVENTS LAST_ID HASH" ("0 0 -" for an empty trail); exit codes as above.
int command_audit_head(const AuditOptions& options);

// Adds `audit` with its `verify` and `head` subcommands to the command line.
// Options are bound to this object, so it must outlive parsing.
class AuditCommand {
public:
    explicit AuditCommand(CLI::App& app);
    AuditCommand(const AuditCommand&) = delete;
    AuditCommand& operator=(const AuditCommand&) = delete;

    bool parsed() const;
    int run() const;

private:
    AuditOptions m_options;
    CLI::App* m_verify = nullptr;
    CLI::App* m_head = nullptr;
};

}  // namespace tocsin::app
