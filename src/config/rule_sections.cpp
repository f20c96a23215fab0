// [rules] and [[rule]]: alerting rules, checked as far as they can be
// without data: the expression parses and has the right type, durations
// and label names are valid, and every template parses. A problem inside an
// expression or template is located at its own line and column in the file.
#include <optional>
#include <utility>

#include "name_index.hpp"
#include "sections.hpp"
#include "tocsin/core/labels.hpp"
#include "tocsin/promql/parser.hpp"
#include "tocsin/rules/template.hpp"

namespace tocsin::config {
namespace {

constexpr Duration k_max_rule_duration = std::chrono::hours(24 * 365);

bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// Where byte `offset` of a string value's decoded text is in the file, as
// toml++ counts (1-based line, 1-based column in code points). Decodes the
// raw string (basic or literal, single- or multi-line) from the file text and
// gives up (nullopt) unless that reproduces the value exactly.
std::optional<std::pair<std::uint32_t, std::uint32_t>> locate_in_string(const LoadContext& ctx, const toml::node& node,
                                                                        std::size_t offset) {
    const std::string_view text = ctx.text;
    const toml::source_position begin = node.source().begin;
    if (!node.is_string() || text.empty() || begin.line == 0) return std::nullopt;
    // Byte index of the value's first character (its opening quote).
    std::size_t p = 0;
    for (std::uint32_t line = 1; line < begin.line; ++line) {
        p = text.find('\n', p);
        if (p == std::string_view::npos) return std::nullopt;
        ++p;
    }
    for (std::uint32_t col = 1; col < begin.column && p < text.size(); ++col) {
        ++p;
        while (p < text.size() && is_continuation(text[p])) ++p;
    }
    std::string_view raw = text.substr(p);
    bool literal = raw.starts_with('\'');
    bool multi = raw.starts_with("\"\"\"") || raw.starts_with("'''");
    if (!literal && !raw.starts_with('"')) return std::nullopt;
    std::size_t i = multi ? 3 : 1;
    if (multi) {
        if (raw.substr(i).starts_with("\r\n")) i += 2;
        else if (raw.substr(i).starts_with("\n")) i += 1;
    }
    const char quote = literal ? '\'' : '"';
    std::string decoded;
    std::vector<std::size_t> raw_at;  // raw index of each decoded byte
    auto emit = [&](std::string_view bytes, std::size_t at) {
        for (char c : bytes) {
            decoded += c;
            raw_at.push_back(at);
        }
    };
    while (i < raw.size()) {
        char c = raw[i];
        if (c == quote) {
            if (!multi) break;
            if (raw.substr(i).starts_with(std::string(3, quote))) {
                // Up to two more quotes may belong to the value: """a"""""
                std::size_t run = 0;
                while (i + run < raw.size() && raw[i + run] == quote) ++run;
                if (run > 5) return std::nullopt;
                for (std::size_t k = 0; k + 3 < run; ++k) emit(std::string_view(&raw[i + k], 1), i + k);
                break;
            }
        }
        if (!multi && c == '\n') return std::nullopt;
        if (multi && c == '\r' && i + 1 < raw.size() && raw[i + 1] == '\n') {
            emit("\n", i);
            i += 2;
            continue;
        }
        if (literal || c != '\\') {
            emit(std::string_view(&raw[i], 1), i);
            ++i;
            continue;
        }
        if (i + 1 >= raw.size()) return std::nullopt;
        char e = raw[i + 1];
        std::size_t at = i;
        switch (e) {
            case 'b': emit("\b", at); i += 2; continue;
            case 't': emit("\t", at); i += 2; continue;
            case 'n': emit("\n", at); i += 2; continue;
            case 'f': emit("\f", at); i += 2; continue;
            case 'r': emit("\r", at); i += 2; continue;
            case 'e': emit("\x1b", at); i += 2; continue;
            case '"': emit("\"", at); i += 2; continue;
            case '\\': emit("\\", at); i += 2; continue;
            case 'u':
            case 'U': {
                std::size_t n = e == 'u' ? 4 : 8;
                if (i + 2 + n > raw.size()) return std::nullopt;
                std::uint32_t cp = 0;
                for (std::size_t k = 0; k < n; ++k) {
                    char h = raw[i + 2 + k];
                    std::uint32_t d = (h >= '0' && h <= '9')   ? static_cast<std::uint32_t>(h - '0')
                                      : (h >= 'a' && h <= 'f') ? static_cast<std::uint32_t>(h - 'a' + 10)
                                      : (h >= 'A' && h <= 'F') ? static_cast<std::uint32_t>(h - 'A' + 10)
                                                               : 99u;
                    if (d > 15) return std::nullopt;
                    cp = cp * 16 + d;
                }
                std::string bytes;
                append_utf8(bytes, cp);
                emit(bytes, at);
                i += 2 + n;
                continue;
            }
            default:
                break;
        }
        // Multi-line basic strings: a backslash at the end of a line eats
        // the newline and the whitespace that follows.
        if (!multi) return std::nullopt;
        std::size_t j = i + 1;
        while (j < raw.size() && (raw[j] == ' ' || raw[j] == '\t')) ++j;
        if (j >= raw.size() || (raw[j] != '\n' && raw[j] != '\r')) return std::nullopt;
        while (j < raw.size() && (raw[j] == ' ' || raw[j] == '\t' || raw[j] == '\n' || raw[j] == '\r')) ++j;
        i = j;
    }
    if (decoded != node.as_string()->get() || offset > decoded.size()) return std::nullopt;
    std::size_t target = p + (offset < raw_at.size() ? raw_at[offset] : i);
    std::uint32_t line = begin.line;
    for (std::size_t k = p; k < target; ++k) {
        if (text[k] == '\n') ++line;
    }
    auto code_points = [&](std::size_t from, std::size_t to) {
        std::uint32_t n = 0;
        for (std::size_t k = from; k < to; ++k) {
            if (!is_continuation(text[k])) ++n;
        }
        return n;
    };
    if (line == begin.line) return std::make_pair(line, static_cast<std::uint32_t>(begin.column + code_points(p, target)));
    std::size_t line_start = text.rfind('\n', target - 1) + 1;
    return std::make_pair(line, static_cast<std::uint32_t>(1 + code_points(line_start, target)));
}

// Reports a problem at byte `offset` inside the string value of `key`; at
// the value itself (with `fallback` prefixed to the message) when the
// position cannot be worked out.
void error_inside(TableReader& r, const toml::node* node, const std::string& key_path, std::size_t offset,
                  const std::string& message, const std::string& fallback_prefix) {
    LoadContext& ctx = r.context();
    if (node != nullptr) {
        if (auto where = locate_in_string(ctx, *node, offset)) {
            ctx.diagnostics.push_back(Diagnostic{ctx.file, where->first, where->second, key_path, message});
            return;
        }
        ctx.error(node->source(), key_path, fallback_prefix + message);
        return;
    }
    ctx.diagnostics.push_back(Diagnostic{ctx.file, 0, 0, key_path, fallback_prefix + message});
}

void check_expr(TableReader& r, const std::string& expr) {
    auto parsed = promql::parse_expr(expr);
    const toml::node* node = r.node("expr");
    if (auto* error = std::get_if<promql::ParseError>(&parsed)) {
        std::string fallback = "at " + std::to_string(error->line) + ":" + std::to_string(error->column) +
                               " of the expression: ";
        error_inside(r, node, r.key_path("expr"), error->position, "parse error: " + error->message, fallback);
        return;
    }
    const auto& tree = std::get<promql::ExprPtr>(parsed);
    // Prometheus accepts these at load time and then fails every evaluation
    // ("rule result is not a vector or scalar"); tocsin refuses them here.
    if (tree->type != promql::ValueType::vector && tree->type != promql::ValueType::scalar) {
        r.error("expr", "must be an instant vector or a scalar, got " +
                            std::string(promql::documented_name(tree->type)));
    }
}

void check_template(TableReader& r, const toml::node* node, const std::string& key_path, const std::string& text) {
    auto parsed = rules::Template::parse(text);
    if (auto* error = std::get_if<rules::TemplateError>(&parsed)) {
        std::string fallback = "at " + std::to_string(error->line) + ":" + std::to_string(error->column) +
                               " of the template: ";
        error_inside(r, node, key_path, error->position, "template error: " + error->message, fallback);
    }
}

void read_rule(TableReader& r, NameIndex& names, RuleConfig& rule) {
    r.require("name");
    if (r.string("name", rule.name)) {
        bool printable = true;
        for (char c : rule.name) {
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) printable = false;
        }
        if (!printable) r.error("name", "must not contain control characters");
        else names.declare(r, "name", rule.name);
    }
    r.require("expr");
    if (r.string("expr", rule.expr)) check_expr(r, rule.expr);
    r.duration("for", rule.for_duration, Duration::zero(), k_max_rule_duration);
    r.duration("keep_firing_for", rule.keep_firing_for, Duration::zero(), k_max_rule_duration);
    if (r.string_map("labels", rule.labels)) {
        const toml::table* labels = r.has("labels") ? r.node("labels")->as_table() : nullptr;
        for (const auto& [name, value] : rule.labels) {
            if (!is_valid_label_name(name)) {
                r.error_in("labels", name, "invalid label name (use [a-zA-Z_][a-zA-Z0-9_]*)");
            } else if (name.starts_with("__")) {
                r.error_in("labels", name, "label names starting with __ are reserved");
            } else if (name == "alertname") {
                // Prometheus silently overwrites it with the rule's name.
                r.error_in("labels", name, "\"alertname\" is the rule's name and cannot be set");
            } else if (labels != nullptr) {
                check_template(r, labels->get(name), r.key_path("labels") + "." + name, value);
            }
        }
    }
    if (r.string("summary", rule.summary, false)) check_template(r, r.node("summary"), r.key_path("summary"), rule.summary);
    if (r.string("description", rule.description, false)) {
        check_template(r, r.node("description"), r.key_path("description"), rule.description);
    }
}

}  // namespace

void read_rules_section(TableReader& root, RulesConfig& out) {
    const toml::table* table = root.table("rules");
    if (table == nullptr) return;
    TableReader r(root.context(), *table, "rules");
    r.duration("outage_tolerance", out.outage_tolerance, Duration::zero(), std::chrono::hours(24 * 30));
    r.duration("grace_period", out.grace_period, Duration::zero(), std::chrono::hours(24));
    r.finish();
}

void read_rules(TableReader& root, std::vector<RuleConfig>& out) {
    const toml::array* list = root.array_of_tables("rule");
    if (list == nullptr) return;
    NameIndex names("rule");
    for (std::size_t i = 0; i < list->size(); ++i) {
        const toml::table& table = *list->get(i)->as_table();
        TableReader r(root.context(), table, "rule[" + std::to_string(i) + "]");
        RuleConfig rule;
        read_rule(r, names, rule);
        r.finish();
        out.push_back(std::move(rule));
    }
}

}  // namespace tocsin::config
