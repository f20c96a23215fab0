#include "tocsin/promql/test_script.hpp"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "go_compat.hpp"

namespace tocsin::promql {

std::string ScriptError::to_string(std::string_view file) const {
    std::string out(file);
    out += ':';
    out += std::to_string(line);
    if (column > 0) {
        out += ':';
        out += std::to_string(column);
    }
    out += ": ";
    out += message;
    return out;
}

Result<Duration> parse_prometheus_duration(std::string_view text) { return go::parse_duration(text); }

namespace {

// RE2's \s, which test.go's command patterns use.
bool is_re_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; }
bool is_ascii_space(char c) { return is_re_space(c) || c == '\v'; }

// Go's strings.TrimSpace also trims U+0085 and U+00A0 (and rarer Unicode
// spaces, which we leave alone).
std::size_t leading_space(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        if (is_ascii_space(s[i])) {
            ++i;
        } else if (i + 1 < s.size() && s[i] == '\xc2' && (s[i + 1] == '\x85' || s[i + 1] == '\xa0')) {
            i += 2;
        } else {
            break;
        }
    }
    return i;
}
std::size_t trailing_space(std::string_view s) {
    std::size_t n = 0;
    while (n < s.size()) {
        const std::size_t end = s.size() - n;
        if (is_ascii_space(s[end - 1])) {
            ++n;
        } else if (end >= 2 && s[end - 2] == '\xc2' && (s[end - 1] == '\x85' || s[end - 1] == '\xa0')) {
            n += 2;
        } else {
            break;
        }
    }
    return n;
}

struct Line {
    std::string_view text;   // trimmed; empty for blank and comment lines
    std::size_t offset = 0;  // of text within the raw line
};

std::vector<Line> split_lines(std::string_view input) {
    std::vector<Line> lines;
    std::size_t start = 0;
    for (;;) {
        std::size_t nl = input.find('\n', start);
        std::string_view raw = input.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
        Line line;
        line.offset = leading_space(raw);
        std::string_view rest = raw.substr(line.offset);
        rest.remove_suffix(trailing_space(rest));
        if (!rest.empty() && rest[0] != '#') line.text = rest;
        lines.push_back(line);
        if (nl == std::string_view::npos) break;
        start = nl + 1;
    }
    return lines;
}

std::size_t skip_re_space(std::string_view s, std::size_t i) {
    while (i < s.size() && is_re_space(s[i])) ++i;
    return i;
}

struct EvalMatch {
    EvalCommand::Mode mode = EvalCommand::Mode::plain;
    std::string_view at;
    std::size_t at_offset = 0;
    std::size_t expr_offset = 0;
};

// test.go's `^eval(?:_(fail|ordered))?\s+instant\s+(?:at\s+(.+?))?\s+(.+)$`
// with Go's leftmost-first submatch semantics, written out.
std::optional<EvalMatch> match_eval(std::string_view l) {
    if (!l.starts_with("eval")) return std::nullopt;
    EvalMatch m;
    std::size_t p = 4;
    auto suffix = [&](std::string_view word) {
        return l.substr(p).starts_with(word) && p + word.size() < l.size() && is_re_space(l[p + word.size()]);
    };
    if (suffix("_fail")) {
        m.mode = EvalCommand::Mode::fail;
        p += 5;
    } else if (suffix("_ordered")) {
        m.mode = EvalCommand::Mode::ordered;
        p += 8;
    }
    std::size_t q = skip_re_space(l, p);
    if (q == p || !l.substr(q).starts_with("instant")) return std::nullopt;
    p = q + 7;
    q = skip_re_space(l, p);
    const std::size_t ws_after_instant = q - p;
    if (ws_after_instant == 0 || q >= l.size()) return std::nullopt;
    if (l.substr(q).starts_with("at")) {
        const std::size_t r0 = q + 2;
        const std::size_t r = skip_re_space(l, r0);
        const std::size_t ws_after_at = r - r0;
        if (ws_after_at > 0 && r < l.size()) {
            std::size_t e = r + 1;
            while (e < l.size() && !is_re_space(l[e])) ++e;
            const std::size_t f = skip_re_space(l, e);
            if (e < l.size() && f < l.size()) {
                m.at = l.substr(r, e - r);
                m.at_offset = r;
                m.expr_offset = f;
                return m;
            }
            if (ws_after_at >= 3) {  // the lazy group takes one space; the query is the word
                m.at = l.substr(r - 2, 1);
                m.at_offset = r - 2;
                m.expr_offset = r;
                return m;
            }
        }
    }
    if (ws_after_instant >= 2) {  // no "at": both \s+ share the spaces
        m.at = {};
        m.at_offset = q;
        m.expr_offset = q;
        return m;
    }
    return std::nullopt;
}

class ScriptParser {
public:
    explicit ScriptParser(std::string_view input) : m_lines(split_lines(input)) {}

    bool parse(TestScript& script) {
        for (std::size_t i = 0; i < m_lines.size(); ++i) {
            const Line& line = m_lines[i];
            if (line.text.empty()) continue;
            std::size_t word_end = 0;
            while (word_end < line.text.size() && line.text[word_end] != ' ' && line.text[word_end] != '\t') {
                ++word_end;
            }
            std::string word(line.text.substr(0, word_end));
            for (char& c : word) {
                if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
            }
            if (word == "clear") {
                script.commands.emplace_back(ClearCommand{i + 1});
            } else if (word == "load") {
                LoadCommand cmd;
                if (!parse_load(i, cmd)) return false;
                script.commands.emplace_back(std::move(cmd));
            } else if (word.starts_with("eval")) {
                EvalCommand cmd;
                if (!parse_eval(i, cmd)) return false;
                script.commands.emplace_back(std::move(cmd));
            } else {
                return fail(i, line.offset, "invalid command " + go::quote(line.text));
            }
        }
        return true;
    }

    ScriptError take_error() { return std::move(m_error); }

private:
    // `offset`: byte offset within the trimmed text of line i.
    bool fail(std::size_t i, std::size_t offset_in_raw, std::string message) {
        m_error = ScriptError{i + 1, offset_in_raw + 1, std::move(message)};
        return false;
    }

    bool series_error(std::size_t i, const SeriesDescError& e) {
        return fail(i, m_lines[i].offset + e.column - 1, e.message);
    }

    // test.go's parseLoad: `^load\s+(.+?)$`, then indented series lines up to
    // the next blank line.
    bool parse_load(std::size_t& i, LoadCommand& cmd) {
        const Line& line = m_lines[i];
        std::string_view l = line.text;
        const std::size_t d = skip_re_space(l, 4);
        if (!l.starts_with("load") || d == 4 || d >= l.size()) {
            return fail(i, line.offset, "invalid load command. (load <step:duration>)");
        }
        std::string_view step = l.substr(d);
        auto interval = go::parse_duration(step);
        if (!interval) {
            return fail(i, line.offset + d,
                        "invalid step definition " + go::quote(step) + ": " + interval.error().message);
        }
        cmd.line = i + 1;
        cmd.interval = *interval;
        while (i + 1 < m_lines.size()) {
            if (m_lines[i + 1].text.empty()) break;
            ++i;
            auto desc = parse_series_description(m_lines[i].text);
            if (!desc) return series_error(i, desc.error());
            cmd.series.push_back(LoadSeries{i + 1, std::move(*desc)});
        }
        return true;
    }

    // test.go's parseEval.
    bool parse_eval(std::size_t& i, EvalCommand& cmd) {
        const Line& line = m_lines[i];
        auto m = match_eval(line.text);
        if (!m) {
            return fail(i, line.offset,
                        "invalid evaluation command. (eval[_fail|_ordered] instant [at <offset:duration>] <query>");
        }
        auto at = go::parse_duration(m->at);
        if (!at) {
            return fail(i, line.offset + m->at_offset,
                        "invalid step definition " + go::quote(m->at) + ": " + at.error().message);
        }
        cmd.line = i + 1;
        cmd.mode = m->mode;
        cmd.at = *at;
        cmd.expr = std::string(line.text.substr(m->expr_offset));
        cmd.expr_column = line.offset + m->expr_offset + 1;
        for (std::size_t position = 1; i + 1 < m_lines.size(); ++position) {
            if (m_lines[i + 1].text.empty()) break;
            ++i;
            std::string_view text = m_lines[i].text;
            if (go::NumberParse n = go::parse_number(text); n.ok()) {
                cmd.expected_scalar = n.value;
                cmd.expected_scalar_line = i + 1;
                break;  // as test.go: a scalar ends the expectations
            }
            auto desc = parse_series_description(text);
            if (!desc) return series_error(i, desc.error());
            if (desc->values.size() > 1) {
                return fail(i, m_lines[i].offset, "expecting multiple values in instant evaluation not allowed");
            }
            ExpectedSeries expected;
            expected.line = i + 1;
            expected.position = position;
            expected.labels = std::move(desc->labels);
            if (!desc->values.empty()) expected.value = desc->values.front();
            cmd.expected.push_back(std::move(expected));
        }
        return true;
    }

    std::vector<Line> m_lines;
    ScriptError m_error;
};

std::string bracketed(const std::optional<SeriesValue>& v) {
    return v ? "[" + promql::to_string(*v) + "]" : std::string("[]");
}

std::string number(double v) { return go::format_float(v); }

}  // namespace

ParseOutcome<TestScript, ScriptError> parse_test_script(std::string_view text) {
    ScriptParser parser(text);
    TestScript script;
    if (!parser.parse(script)) return parser.take_error();
    return script;
}

Result<TestScript> read_test_script(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        return Error::make(ErrorCategory::io, "cannot read " + file.string() + ": " + std::strerror(errno));
    }
    std::ostringstream content;
    content << in.rdbuf();
    if (in.bad()) return Error::make(ErrorCategory::io, "cannot read " + file.string());
    auto script = parse_test_script(content.str());
    if (!script) return Error::make(ErrorCategory::invalid_argument, script.error().to_string(file.string()));
    return std::move(*script);
}

LoadedSeries expand_load(const LoadCommand& cmd) {
    LoadedSeries out;
    std::map<Labels, std::size_t> index;
    const std::int64_t step = cmd.interval.count();
    for (const LoadSeries& s : cmd.series) {
        std::vector<series::Sample> samples;
        std::int64_t t = 0;
        for (std::size_t i = 0; i < s.series.values.size(); ++i) {
            const SeriesValue& v = s.series.values[i];
            if (!v.omitted) samples.push_back(series::Sample{t, v.value});
            // Beyond int64 milliseconds nothing can be stored; stop there.
            if (__builtin_add_overflow(t, step, &t)) break;
        }
        auto [it, inserted] = index.emplace(s.series.labels, out.size());
        if (inserted) {
            out.emplace_back(s.series.labels, std::move(samples));
        } else {
            out[it->second].second = std::move(samples);
        }
    }
    return out;
}

bool almost_equal(double a, double b) noexcept {
    // The smallest positive normal float64; test.go's minNormal.
    constexpr double k_min_normal = 2.2250738585072014e-308;
    constexpr double k_epsilon = 0.000001;
    if (std::isnan(a) && std::isnan(b)) return true;
    if (a == b) return true;
    const double diff = std::fabs(a - b);
    if (a == 0 || b == 0 || diff < k_min_normal) return diff < k_epsilon * k_min_normal;
    return diff / (std::fabs(a) + std::fabs(b)) < k_epsilon;
}

std::optional<std::string> compare_result(const EvalCommand& cmd, const EvalOutput& out) {
    switch (out.type) {
        case EvalOutput::Type::matrix:
            return std::string("received range result on instant evaluation");
        case EvalOutput::Type::string:
            return "unexpected string result " + go::quote(out.string_value) + " on instant evaluation";
        case EvalOutput::Type::scalar:
            if (!cmd.expected_scalar) {
                return "got scalar " + number(out.scalar) + " but expected a vector of " +
                       std::to_string(cmd.expected.size()) + " series";
            }
            if (!almost_equal(*cmd.expected_scalar, out.scalar)) {
                return "expected scalar " + number(*cmd.expected_scalar) + " but got " + number(out.scalar);
            }
            return std::nullopt;
        case EvalOutput::Type::vector:
            break;
    }
    // A series listed twice: the later line wins, as in test.go's map.
    std::map<Labels, const ExpectedSeries*> expected;
    for (const ExpectedSeries& e : cmd.expected) expected[e.labels] = &e;
    std::set<const ExpectedSeries*> seen;
    for (std::size_t pos = 0; pos < out.vector.size(); ++pos) {
        const ResultSample& s = out.vector[pos];
        auto it = expected.find(s.labels);
        if (it == expected.end()) return "unexpected metric " + s.labels.to_string() + " in result";
        const ExpectedSeries& e = *it->second;
        if (cmd.ordered() && e.position != pos + 1) {
            return "expected metric " + s.labels.to_string() + " with " + bracketed(e.value) + " at position " +
                   std::to_string(e.position) + " but was at " + std::to_string(pos + 1);
        }
        if (!e.value) {
            return "expected metric " + s.labels.to_string() + " has no value to compare with (line " +
                   std::to_string(e.line) + ")";
        }
        if (!almost_equal(e.value->value, s.value)) {
            return "expected " + promql::to_string(*e.value) + " for " + s.labels.to_string() + " but got " +
                   number(s.value);
        }
        seen.insert(&e);
    }
    for (const ExpectedSeries& e : cmd.expected) {
        if (expected[e.labels] != &e || seen.contains(&e)) continue;
        return "expected metric " + e.labels.to_string() + " with " + bracketed(e.value) + " not found";
    }
    if (cmd.expected_scalar) {
        return "expected scalar " + number(*cmd.expected_scalar) + " but got a vector of " +
               std::to_string(out.vector.size()) + " samples";
    }
    return std::nullopt;
}

std::optional<std::string> check_eval(const EvalCommand& cmd, const EvalOutput& out) {
    const std::string where = go::quote(cmd.expr) + " (line " + std::to_string(cmd.line) + ")";
    if (out.error) {
        if (cmd.fail()) return std::nullopt;
        return "error evaluating query " + where + ": " + *out.error;
    }
    if (cmd.fail()) return "expected error evaluating query " + where + " but got none";
    if (auto detail = compare_result(cmd, out)) {
        return "error in eval " + cmd.expr + " (line " + std::to_string(cmd.line) + "): " + *detail;
    }
    return std::nullopt;
}

}  // namespace tocsin::promql
