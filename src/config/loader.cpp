#include "tocsin/config/loader.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "oncall_sections.hpp"
#include "sections.hpp"

namespace tocsin::config {

namespace {

// Parses the text; on a syntax error, adds its diagnostic and returns nullopt
// (toml++ stops at the first one; there is nothing more to check).
std::optional<toml::table> parse_document(std::string_view toml_text, const std::string& source_name,
                                          std::vector<Diagnostic>& diagnostics) {
    try {
        return toml::parse(toml_text, source_name);
    } catch (const toml::parse_error& e) {
        diagnostics.push_back(Diagnostic{source_name, e.source().begin.line, e.source().begin.column, "",
                                         "syntax error: " + std::string(e.description())});
        return std::nullopt;
    }
}

LoadContext make_context(std::string_view toml_text, const std::string& source_name, const Environment& env) {
    LoadContext ctx;
    ctx.file = source_name;
    ctx.env = &env;
    ctx.text = toml_text;
    std::error_code ec;
    auto absolute = std::filesystem::absolute(std::filesystem::path(source_name), ec);
    ctx.config_dir = (ec ? std::filesystem::path(source_name) : absolute).parent_path().string();
    return ctx;
}

// Report in file order, however the sections were visited.
void sort_diagnostics(std::vector<Diagnostic>& diagnostics) {
    std::stable_sort(diagnostics.begin(), diagnostics.end(), [](const Diagnostic& a, const Diagnostic& b) {
        return std::tie(a.line, a.column) < std::tie(b.line, b.column);
    });
}

}  // namespace

LoadResult load_string(std::string_view toml_text, const std::string& source_name, const Environment& env) {
    LoadResult result;
    std::optional<toml::table> document = parse_document(toml_text, source_name, result.diagnostics);
    if (!document) return result;
    LoadContext ctx = make_context(toml_text, source_name, env);

    Config config;
    config.source_file = source_name;
    TableReader root(ctx, *document, "");
    read_daemon(root, config.daemon);
    read_storage(root, config.daemon, config.storage);
    read_log(root, config.log);
    read_api(root, config.api);
    read_targets(root, config.targets);
    read_scrapes(root, config.scrapes);
    read_rules_section(root, config.rules_config);
    IncidentSections sections = read_incident_sections(root);
    read_rules(root, config.rules, &sections);
    config.severities = std::move(sections.severities);
    config.incidents = std::move(sections.incidents);
    config.components = std::move(sections.components);
    config.maintenance = std::move(sections.maintenance);
    read_oncall_sections(root, config.people, config.schedules, config.business_hours);
    // Tiers name schedules and people, which may come later in the file.
    check_escalation_references(root, config.people, config.schedules);
    read_channels(root, config.channels);
    read_paging(root, config.paging, config.severities);
    read_heartbeat(root, config.heartbeat);
    read_demo(root, config.demo);
    read_status_page(root, config.status_page);
    read_subscribers(root, config.components, config.severities, config.subscribers);
    read_alertmanager(root, config.severities, config.components, config.rules, config.alertmanager);
    root.finish();

    sort_diagnostics(ctx.diagnostics);
    result.diagnostics = std::move(ctx.diagnostics);
    if (result.diagnostics.empty()) result.config = std::move(config);
    return result;
}

RulesLoadResult load_rules_string(std::string_view toml_text, const std::string& source_name) {
    RulesLoadResult result;
    std::optional<toml::table> document = parse_document(toml_text, source_name, result.diagnostics);
    if (!document) return result;
    // Rules read no environment; an empty one makes sure of it.
    const Environment env{[](const std::string&) { return std::optional<std::string>{}; }};
    LoadContext ctx = make_context(toml_text, source_name, env);
    TableReader root(ctx, *document, "");
    result.sections = read_incident_sections(root);
    read_rules(root, result.rules, &result.sections);
    sort_diagnostics(ctx.diagnostics);
    result.diagnostics = std::move(ctx.diagnostics);
    return result;
}

LoadResult load_file(const std::string& path, const Environment& env) {
    std::ifstream in(path, std::ios::binary);
    int error = in ? 0 : errno;
    // Opening a directory succeeds on Linux and reads as empty: it would load
    // the defaults silently instead of refusing a mistyped --config.
    std::error_code ec;
    if (error == 0 && std::filesystem::is_directory(path, ec)) error = EISDIR;
    if (error != 0) {
        LoadResult result;
        result.diagnostics.push_back(Diagnostic{path, 0, 0, "", std::string("cannot read: ") + std::strerror(error)});
        return result;
    }
    std::ostringstream text;
    text << in.rdbuf();
    return load_string(text.str(), path, env);
}

}  // namespace tocsin::config
