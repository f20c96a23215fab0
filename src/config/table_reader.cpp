#include "tocsin/config/table_reader.hpp"

#include "tocsin/core/go_format.hpp"

#include <charconv>
#include <filesystem>

#include "tocsin/core/byte_size.hpp"
#include "tocsin/core/duration.hpp"

namespace tocsin::config {
namespace {

bool is_bare_key(std::string_view key) {
    if (key.empty()) return false;
    for (char c : key) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
        if (!ok) return false;
    }
    return true;
}

std::string quote(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    out += '"';
    return out;
}

std::string join_choices(const std::vector<std::string_view>& names) {
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i > 0) out += i + 1 == names.size() ? " or " : ", ";
        out += quote(names[i]);
    }
    return out;
}

bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

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
                gofmt::append_utf8(bytes, static_cast<char32_t>(cp));
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

}  // namespace

const char* type_name(toml::node_type type) noexcept {
    switch (type) {
        case toml::node_type::none:
            return "nothing";
        case toml::node_type::table:
            return "a table";
        case toml::node_type::array:
            return "an array";
        case toml::node_type::string:
            return "a string";
        case toml::node_type::integer:
            return "an integer";
        case toml::node_type::floating_point:
            return "a float";
        case toml::node_type::boolean:
            return "a boolean";
        case toml::node_type::date:
            return "a date";
        case toml::node_type::time:
            return "a time";
        case toml::node_type::date_time:
            return "a date-time";
    }
    return "an unknown type";
}

void LoadContext::error(const toml::source_region& where, std::string key_path, std::string message) {
    diagnostics.push_back(
        Diagnostic{file, where.begin.line, where.begin.column, std::move(key_path), std::move(message)});
}

std::string LoadContext::resolve_path(const std::string& path) const {
    std::filesystem::path p(path);
    if (p.is_absolute()) return p.lexically_normal().string();
    return (std::filesystem::path(config_dir) / p).lexically_normal().string();
}

TableReader::TableReader(LoadContext& ctx, const toml::table& table, std::string path)
    : m_ctx(ctx), m_table(table), m_path(std::move(path)) {}

std::string TableReader::key_path(std::string_view key) const {
    std::string k = is_bare_key(key) ? std::string(key) : quote(key);
    return m_path.empty() ? k : m_path + "." + k;
}

std::uint32_t TableReader::line_of(std::string_view key) const {
    const toml::node* node = m_table.get(key);
    return (node ? node->source() : m_table.source()).begin.line;
}

void TableReader::error(std::string_view key, std::string message) {
    const toml::node* node = m_table.get(key);
    m_ctx.error(node ? node->source() : m_table.source(), key_path(key), std::move(message));
}

void TableReader::error_inside(const toml::node* node, const std::string& key_path, std::size_t offset,
                               const std::string& message, const std::string& fallback_prefix) {
    if (node != nullptr) {
        if (auto where = locate_in_string(m_ctx, *node, offset)) {
            m_ctx.diagnostics.push_back(Diagnostic{m_ctx.file, where->first, where->second, key_path, message});
            return;
        }
        m_ctx.error(node->source(), key_path, fallback_prefix + message);
        return;
    }
    m_ctx.diagnostics.push_back(Diagnostic{m_ctx.file, 0, 0, key_path, fallback_prefix + message});
}

void TableReader::error_at_table(std::string message) { m_ctx.error(m_table.source(), m_path, std::move(message)); }

void TableReader::require(std::string_view key) {
    m_known.emplace(key);
    if (!m_table.contains(key)) error_at_table("missing required key \"" + std::string(key) + "\"");
}

const toml::node* TableReader::fetch(std::string_view key, toml::node_type expected) {
    m_known.emplace(key);
    const toml::node* node = m_table.get(key);
    if (node == nullptr) return nullptr;
    if (node->type() != expected) {
        error(key, std::string("expected ") + type_name(expected) + ", got " + type_name(node->type()));
        return nullptr;
    }
    return node;
}

bool TableReader::string(std::string_view key, std::string& out, bool non_empty) {
    const toml::node* node = fetch(key, toml::node_type::string);
    if (node == nullptr) return false;
    const std::string& value = node->as_string()->get();
    if (non_empty && value.empty()) {
        error(key, "must not be empty");
        return false;
    }
    out = value;
    return true;
}

bool TableReader::boolean(std::string_view key, bool& out) {
    const toml::node* node = fetch(key, toml::node_type::boolean);
    if (node == nullptr) return false;
    out = node->as_boolean()->get();
    return true;
}

bool TableReader::integer(std::string_view key, std::int64_t& out, std::int64_t min, std::int64_t max) {
    const toml::node* node = fetch(key, toml::node_type::integer);
    if (node == nullptr) return false;
    std::int64_t value = node->as_integer()->get();
    if (value < min || value > max) {
        error(key, "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " +
                       std::to_string(value));
        return false;
    }
    out = value;
    return true;
}

bool TableReader::duration(std::string_view key, Duration& out, Duration min, Duration max) {
    m_known.emplace(key);
    const toml::node* node = m_table.get(key);
    if (node == nullptr) return false;
    if (!node->is_string()) {
        error(key, std::string("expected a duration string such as \"90s\", got ") + type_name(node->type()));
        return false;
    }
    const std::string& text = node->as_string()->get();
    std::optional<Duration> parsed = parse_duration(text);
    if (!parsed) {
        error(key, "invalid duration " + quote(text) + " (use e.g. 90s, 5m, 1h30m)");
        return false;
    }
    if (*parsed < min) {
        error(key, "must be at least " + format_duration(min) + ", got " + text);
        return false;
    }
    if (*parsed > max) {
        error(key, "must be at most " + format_duration(max) + ", got " + text);
        return false;
    }
    out = *parsed;
    return true;
}

bool TableReader::path(std::string_view key, std::string& out) {
    std::string raw;
    if (!string(key, raw)) return false;
    out = m_ctx.resolve_path(raw);
    return true;
}

bool TableReader::byte_size(std::string_view key, std::uint64_t& out, std::uint64_t min, std::uint64_t max) {
    m_known.emplace(key);
    const toml::node* node = m_table.get(key);
    if (node == nullptr) return false;
    std::uint64_t value = 0;
    if (node->is_integer()) {
        std::int64_t v = node->as_integer()->get();
        if (v < 0) {
            error(key, "must not be negative");
            return false;
        }
        value = static_cast<std::uint64_t>(v);
    } else if (node->is_string()) {
        auto parsed = parse_byte_size(node->as_string()->get());
        if (!parsed) {
            error(key, "invalid size " + quote(node->as_string()->get()) + " (use e.g. 512KiB, 10MiB, 1GiB or a byte count)");
            return false;
        }
        value = *parsed;
    } else {
        error(key, std::string("expected a size such as \"10MiB\" or an integer, got ") + type_name(node->type()));
        return false;
    }
    if (value < min || value > max) {
        error(key, "must be between " + std::to_string(min) + " and " + std::to_string(max) + " bytes, got " +
                       std::to_string(value));
        return false;
    }
    out = value;
    return true;
}

bool TableReader::string_list(std::string_view key, std::vector<std::string>& out) {
    const toml::node* node = fetch(key, toml::node_type::array);
    if (node == nullptr) return false;
    std::vector<std::string> values;
    bool ok = true;
    const toml::array& array = *node->as_array();
    for (std::size_t i = 0; i < array.size(); ++i) {
        const toml::node& element = *array.get(i);
        if (!element.is_string()) {
            m_ctx.error(element.source(), key_path(key) + "[" + std::to_string(i) + "]",
                        std::string("expected a string, got ") + type_name(element.type()));
            ok = false;
            continue;
        }
        values.push_back(element.as_string()->get());
    }
    if (ok) out = std::move(values);
    return ok;
}

bool TableReader::string_map(std::string_view key, std::vector<std::pair<std::string, std::string>>& out) {
    const toml::node* node = fetch(key, toml::node_type::table);
    if (node == nullptr) return false;
    std::vector<std::pair<std::string, std::string>> values;
    bool ok = true;
    for (auto&& [k, v] : *node->as_table()) {
        if (!v.is_string()) {
            m_ctx.error(v.source(), key_path(key) + "." + std::string(k.str()),
                        std::string("expected a string, got ") + type_name(v.type()));
            ok = false;
            continue;
        }
        values.emplace_back(std::string(k.str()), v.as_string()->get());
    }
    if (ok) out = std::move(values);
    return ok;
}

void TableReader::error_in(std::string_view key, std::string_view sub, std::string message) {
    const toml::node* node = m_table.get(key);
    const toml::node* where = node;
    std::string path = key_path(key);
    if (node != nullptr && node->is_table()) {
        if (const toml::node* child = node->as_table()->get(sub)) where = child;
        path += "." + (is_bare_key(sub) ? std::string(sub) : quote(sub));
    } else if (node != nullptr && node->is_array()) {
        std::size_t index = 0;
        std::from_chars(sub.data(), sub.data() + sub.size(), index);
        if (const toml::node* child = node->as_array()->get(index)) where = child;
        path += "[" + std::string(sub) + "]";
    }
    m_ctx.error(where ? where->source() : m_table.source(), path, std::move(message));
}

bool TableReader::enumeration_index(std::string_view key, std::size_t& index,
                                    const std::vector<std::string_view>& names) {
    std::string value;
    if (!string(key, value, false)) return false;
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (names[i] == value) {
            index = i;
            return true;
        }
    }
    std::string message = "invalid value " + quote(value) + " (expected " + join_choices(names) + ")";
    std::vector<std::string> candidates(names.begin(), names.end());
    if (auto guess = closest_match(value, candidates)) message += "; did you mean " + quote(*guess) + "?";
    error(key, std::move(message));
    return false;
}

bool TableReader::secret(std::string_view key, std::optional<Secret>& out) {
    const std::string file_key = std::string(key) + "_file";
    std::string reference;
    std::string file;
    bool has_ref = string(key, reference);
    bool has_file = string(file_key, file);
    if (has_ref && has_file) {
        error(file_key, "set either " + std::string(key) + " or " + file_key + ", not both");
        return false;
    }
    std::variant<Secret, std::string> result;
    std::string_view where;
    if (has_ref) {
        where = key;
        if (!reference.starts_with("env:") && !reference.starts_with("cred:")) {
            // Never echo the value: it may be the secret itself.
            error(key, "inline secrets are not allowed; use " + file_key + " = \"/etc/tocsin/NAME\" (mode 0600), " +
                           std::string(key) + " = \"env:NAME\" or " + std::string(key) +
                           " = \"cred:NAME\" (systemd LoadCredential=)");
            return false;
        }
        result = read_secret_reference(reference, *m_ctx.env);
    } else if (has_file) {
        where = file_key;
        // systemd's LoadCredential= puts files in $CREDENTIALS_DIRECTORY; a
        // relative name found there wins over the config directory.
        std::string resolved = m_ctx.resolve_path(file);
        if (!std::filesystem::path(file).is_absolute()) {
            if (auto creds = m_ctx.env->getenv("CREDENTIALS_DIRECTORY"); creds && !creds->empty()) {
                std::error_code ec;
                auto candidate = std::filesystem::path(*creds) / file;
                if (std::filesystem::exists(candidate, ec)) resolved = candidate.string();
            }
        }
        result = read_secret_file(resolved, *m_ctx.env);
    } else {
        return false;
    }
    if (auto* message = std::get_if<std::string>(&result)) {
        error(where, std::move(*message));
        return false;
    }
    out = std::get<Secret>(std::move(result));
    return true;
}

const toml::node* TableReader::node(std::string_view key) {
    m_known.emplace(key);
    return m_table.get(key);
}

const toml::table* TableReader::table(std::string_view key) {
    const toml::node* node = fetch(key, toml::node_type::table);
    return node ? node->as_table() : nullptr;
}

const toml::array* TableReader::array_of_tables(std::string_view key) {
    const toml::node* node = fetch(key, toml::node_type::array);
    if (node == nullptr) return nullptr;
    const toml::array* array = node->as_array();
    for (std::size_t i = 0; i < array->size(); ++i) {
        const toml::node& element = *array->get(i);
        if (!element.is_table()) {
            m_ctx.error(element.source(), key_path(key) + "[" + std::to_string(i) + "]",
                        std::string("expected a table, got ") + type_name(element.type()));
            return nullptr;
        }
    }
    return array;
}

void TableReader::finish() {
    std::vector<std::string> known(m_known.begin(), m_known.end());
    for (auto&& [key, node] : m_table) {
        if (m_known.contains(key.str())) continue;
        bool section = node.is_table() || node.is_array_of_tables();
        std::string message = section ? "unknown section" : "unknown key";
        if (auto guess = closest_match(key.str(), known)) message += "; did you mean " + quote(*guess) + "?";
        m_ctx.error(key.source(), key_path(key.str()), std::move(message));
    }
}

}  // namespace tocsin::config
