// A hand-written scanner for both exposition formats. The accept/reject rules
// follow Prometheus 2.42's golex lexers (promlex.l, openmetricslex.l) and
// parsers, including their corner cases: the text format tolerates blanks
// between tokens, a trailing comma, labels without separating commas and raw
// line breaks inside label values, while OpenMetrics wants single spaces, no
// comments other than HELP/TYPE/UNIT and a final "# EOF". Where the Go lexer
// skips NUL bytes (inside label values, HELP text and comments) this scanner
// does too; a NUL where the text-format lexer expects a new token ends the
// page, as it does in Prometheus. On top of the parsers, the checks that
// Prometheus' scrape loop and storage make of a parsed sample are applied
// here (blanks before a metric name, a "__name__" label, repeated label
// names), so a page fails here exactly when its scrape fails there.
#include "tocsin/scrape/exposition_parser.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "family_table.hpp"
#include "go_float.hpp"
#include "utf8.hpp"

namespace tocsin::scrape {
namespace {

enum CharClass : std::uint8_t {
    k_name_start = 1 << 0,    // [a-zA-Z_:]
    k_name_char = 1 << 1,     // [a-zA-Z0-9_:]
    k_lname_start = 1 << 2,   // [a-zA-Z_]
    k_lname_char = 1 << 3,    // [a-zA-Z0-9_]
    k_text_value = 1 << 4,    // text-format value token: anything but NUL, tab, LF, space, '{'
    k_om_value = 1 << 5,      // OpenMetrics value/timestamp token: anything but NUL, LF, space
    k_lvalue_plain = 1 << 6,  // label value bytes with nothing to check: not NUL, LF, '"', '\\', >= 0x80
};

constexpr std::array<std::uint8_t, 256> make_classes() {
    std::array<std::uint8_t, 256> t{};
    for (int c = 0; c < 256; ++c) {
        std::uint8_t v = 0;
        bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        bool digit = c >= '0' && c <= '9';
        if (alpha || c == ':') v |= k_name_start;
        if (alpha || digit || c == ':') v |= k_name_char;
        if (alpha) v |= k_lname_start;
        if (alpha || digit) v |= k_lname_char;
        if (c != 0 && c != '\t' && c != '\n' && c != ' ' && c != '{') v |= k_text_value;
        if (c != 0 && c != '\n' && c != ' ') v |= k_om_value;
        if (c != 0 && c != '\n' && c != '"' && c != '\\' && c < 0x80) v |= k_lvalue_plain;
        t[static_cast<std::size_t>(c)] = v;
    }
    return t;
}

constexpr auto k_classes = make_classes();

inline bool has(char c, CharClass cls) { return (k_classes[static_cast<unsigned char>(c)] & cls) != 0; }
inline bool is_blank(char c) { return c == ' ' || c == '\t'; }

// A byte as an error message shows it.
std::string describe(const char* p, const char* end) {
    if (p >= end) return "end of input";
    auto c = static_cast<unsigned char>(*p);
    switch (c) {
        case '\n': return "line break";
        case ' ': return "space";
        case '\t': return "tab";
        case '\r': return "carriage return";
        case 0: return "NUL byte";
        default: break;
    }
    if (c > 0x20 && c < 0x7f) return std::string("\"") + static_cast<char>(c) + "\"";
    static constexpr char k_hex[] = "0123456789abcdef";
    return std::string("byte 0x") + k_hex[c >> 4] + k_hex[c & 15];
}

// Page text quoted for an error message: bounded, control and non-ASCII
// bytes escaped so a hostile page cannot forge log lines.
std::string quote(std::string_view s) {
    constexpr std::size_t k_max = 64;
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string out = "\"";
    for (std::size_t i = 0; i < s.size() && i < k_max; ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c >= 0x20 && c < 0x7f) {
            out += static_cast<char>(c);
        } else {
            out += "\\x";
            out += k_hex[c >> 4];
            out += k_hex[c & 15];
        }
    }
    if (s.size() > k_max) out += "...";
    out += '"';
    return out;
}

inline const char* skip_class(const char* p, const char* end, CharClass cls) {
    while (p < end && has(*p, cls)) ++p;
    return p;
}

inline const char* skip_blanks(const char* p, const char* end) {
    while (p < end && is_blank(*p)) ++p;
    return p;
}

// Skips metric-name bytes [a-zA-Z0-9_:], sixteen at a time with SSE2:
// metric names are long and make up much of a page. (Label names are short;
// for them the byte loop, whose branches predict well, is faster.)
inline const char* skip_metric_name(const char* p, const char* end) {
#if defined(__SSE2__)
    const __m128i a = _mm_set1_epi8('a' - 1), z = _mm_set1_epi8('z' + 1);
    const __m128i d0 = _mm_set1_epi8('0' - 1), colon = _mm_set1_epi8(':' + 1);
    const __m128i case_bit = _mm_set1_epi8(0x20), underscore = _mm_set1_epi8('_');
    while (end - p >= 16) {
        __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
        __m128i lower = _mm_or_si128(c, case_bit);  // bytes >= 0x80 stay negative: no match
        __m128i alpha = _mm_and_si128(_mm_cmpgt_epi8(lower, a), _mm_cmplt_epi8(lower, z));
        __m128i digit_or_colon = _mm_and_si128(_mm_cmpgt_epi8(c, d0), _mm_cmplt_epi8(c, colon));
        __m128i ok = _mm_or_si128(_mm_or_si128(alpha, digit_or_colon), _mm_cmpeq_epi8(c, underscore));
        auto mask = static_cast<unsigned>(_mm_movemask_epi8(ok));
        if (mask != 0xFFFF) return p + std::countr_one(mask);
        p += 16;
    }
#endif
    return skip_class(p, end, k_name_char);
}

// The first byte in [p, end) a label value scan must look at: '"', '\\',
// LF, NUL or a non-ASCII byte.
inline const char* find_label_value_special(const char* p, const char* end) {
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
    const __m128i newline = _mm_set1_epi8('\n'), zero = _mm_setzero_si128();
    while (end - p >= 16) {
        __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
        __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(c, quote), _mm_cmpeq_epi8(c, backslash)),
                                   _mm_or_si128(_mm_cmpeq_epi8(c, newline), _mm_cmpeq_epi8(c, zero)));
        // OR-ing in the bytes themselves flags the non-ASCII ones by their top bit.
        auto mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(hit, c)));
        if (mask != 0) return p + std::countr_zero(mask);
        p += 16;
    }
#endif
    while (p < end && has(*p, k_lvalue_plain)) ++p;
    return p;
}

// Whether n bytes at a and b are equal. Inline, and only equality: the
// predicted path compares each line's series text (about 100 bytes) with
// the one the sink expects, and a library memcmp call costs more than the
// comparison.
inline bool bytes_equal(const char* a, const char* b, std::size_t n) {
#if defined(__SSE2__)
    if (n >= 16) {
        const char* const last = a + n - 16;  // the last 16 bytes, overlapping
        for (; a < last; a += 16, b += 16) {
            __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(a));
            __m128i y = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b));
            if (_mm_movemask_epi8(_mm_cmpeq_epi8(x, y)) != 0xFFFF) return false;
        }
        const std::ptrdiff_t back = last - a;  // <= 0
        __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(last));
        __m128i y = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + back));
        return _mm_movemask_epi8(_mm_cmpeq_epi8(x, y)) == 0xFFFF;
    }
#endif
    return std::memcmp(a, b, n) == 0;
}

const char* skip_nuls(const char* p, const char* end) {
    while (p < end && *p == '\0') ++p;
    return p;
}

// Matches `word` at p where the Go lexer reads the first byte as is and the
// rest through its NUL-skipping next(). Returns the position after the match.
const char* match_word(const char* p, const char* end, std::string_view word) {
    if (p >= end || *p != word[0]) return nullptr;
    ++p;
    for (std::size_t i = 1; i < word.size(); ++i) {
        p = skip_nuls(p, end);
        if (p >= end || *p != word[i]) return nullptr;
        ++p;
    }
    return p;
}

std::string float_error(FloatStatus status, std::string_view what, std::string_view token) {
    switch (status) {
        case FloatStatus::unsupported:
            return "unsupported character in " + std::string(what) + " " + quote(token) +
                   " (hex floats and '_' separators are not accepted)";
        case FloatStatus::out_of_range: return std::string(what) + " " + quote(token) + " is out of range";
        default: return "invalid " + std::string(what) + " " + quote(token);
    }
}

struct Fixup {
    std::size_t index;   // into m_labels
    std::size_t offset;  // into m_scratch
    std::size_t size;
};

enum class LabelMode { text, openmetrics, exemplar };
enum class Meta { help, type, unit };

std::string_view meta_word(Meta m) {
    switch (m) {
        case Meta::help: return "HELP";
        case Meta::type: return "TYPE";
        case Meta::unit: return "UNIT";
    }
    return "";
}

}  // namespace

std::string_view to_string(MetricType type) noexcept {
    switch (type) {
        case MetricType::unknown: return "unknown";
        case MetricType::counter: return "counter";
        case MetricType::gauge: return "gauge";
        case MetricType::histogram: return "histogram";
        case MetricType::summary: return "summary";
        case MetricType::gaugehistogram: return "gaugehistogram";
        case MetricType::info: return "info";
        case MetricType::stateset: return "stateset";
    }
    return "unknown";
}

class ExpositionParser::State {
public:
    explicit State(ExpositionFormat format) : m_format(format) {}

    ExpositionFormat format() const noexcept { return m_format; }

    std::variant<ParseStats, ParseError> parse(std::string_view page, SampleSink& sink) {
        m_p = page.data();
        m_end = page.data() + page.size();
        m_line_start = m_p;
        m_line = 1;
        m_samples = 0;
        m_sink = &sink;
        m_families.clear();
        clear_type_cache();
        bool ok = m_format == ExpositionFormat::openmetrics ? parse_openmetrics() : parse_text();
        m_sink = nullptr;
        if (!ok) return std::move(m_error);
        return ParseStats{m_samples, m_p > m_line_start ? m_line : m_line - 1};
    }

private:
    enum class Step { next, stop, error };

    // Errors end the parse: keep them out of the hot paths' code.
    [[gnu::cold, gnu::noinline]] bool fail(std::size_t line, std::string message) {
        m_error = ParseError{line, std::move(message)};
        return false;
    }

    void newline() {
        ++m_p;
        ++m_line;
        m_line_start = m_p;
    }

    void skip_blanks_here() {
        while (m_p < m_end && is_blank(*m_p)) ++m_p;
    }

    std::string got() const { return describe(m_p, m_end); }

    // A metric name at m_p (its first byte already checked).
    std::string_view scan_metric_name() {
        const char* begin = m_p;
        m_p = skip_metric_name(m_p + 1, m_end);
        return {begin, static_cast<std::size_t>(m_p - begin)};
    }

    void begin_sample() {
        m_labels.clear();
        m_fixups.clear();
        m_scratch.clear();
    }

    // Whether the line at p starts with the series text the sink expects:
    // the same bytes, and the page's series ends where the expected one does
    // (a bare name is not the start of a longer name or of "name {...}").
    bool starts_with_expected(const char* p, std::string_view expected) const {
        const std::size_t n = expected.size();
        if (n == 0 || static_cast<std::size_t>(m_end - p) <= n || !bytes_equal(p, expected.data(), n)) {
            return false;
        }
        if (expected.back() == '}') return true;  // the label set's own end
        const char* q = p + n;
        if (has(*q, k_name_char)) return false;
        q = skip_blanks(q, m_end);
        return q == m_end || *q != '{';
    }

    // ---- Prometheus text format 0.0.4 ----

    bool parse_text() {
        for (;;) {
            const char* line_begin = m_p;
            skip_blanks_here();
            if (m_p == m_end) return true;
            char c = *m_p;
            if (c == '\n') {
                newline();
            } else if (c == '\0') {
                return true;  // the Go lexer's \0 rule: end of input
            } else if (c == '#') {
                Step step = text_comment();
                if (step == Step::error) return false;
                if (step == Step::stop) return true;
            } else if (has(c, k_name_start)) {
                // Prometheus' parser takes leading blanks into the metric
                // name, which then fails its validity check: the scrape fails.
                if (m_p != line_begin) return fail(m_line, "blank before the metric name");
                if (!text_sample()) return false;
            } else {
                return fail(m_line, "expected a metric name or \"#\" at the start of a line, got " + got());
            }
        }
    }

    Step text_comment() {
        const char* q = m_p + 1;
        if (q < m_end && is_blank(*q)) {
            while (q < m_end && is_blank(*q)) ++q;
            if (q < m_end && *q == '\0') {
                m_p = q;
                return Step::stop;
            }
            const char* after = match_word(q, m_end, "HELP");
            Meta kind = Meta::help;
            if (!after) {
                after = match_word(q, m_end, "TYPE");
                kind = Meta::type;
            }
            if (after) {
                after = skip_nuls(after, m_end);
                if (after < m_end && is_blank(*after)) {
                    while (after < m_end && (is_blank(*after) || *after == '\0')) ++after;
                    m_p = after;
                    return text_metadata(kind) ? Step::next : Step::error;
                }
            }
            // Any other comment; NUL bytes are skipped inside it.
            const char* eol = static_cast<const char*>(std::memchr(q, '\n', static_cast<std::size_t>(m_end - q)));
            m_p = eol ? eol : m_end;
            return Step::next;
        }
        // "#" directly followed by text: a comment in which a NUL ends the page.
        while (q < m_end && *q != '\n') {
            if (*q == '\0') {
                m_p = q;
                return Step::stop;
            }
            ++q;
        }
        m_p = q;
        return Step::next;
    }

    bool text_metadata(Meta kind) {
        std::size_t line = m_line;
        if (m_p == m_end || !has(*m_p, k_name_start)) {
            return fail(line, "expected metric name after " + std::string(meta_word(kind)) + ", got " + got());
        }
        std::string_view name = scan_metric_name();
        const char* eol = static_cast<const char*>(std::memchr(m_p, '\n', static_cast<std::size_t>(m_end - m_p)));
        if (!eol) eol = m_end;
        std::string_view rest(m_p, static_cast<std::size_t>(eol - m_p));
        std::string_view text;
        if (!rest.empty()) {
            if (rest[0] == '\0') {
                return fail(line, "NUL byte after the metric name in " + std::string(meta_word(kind)));
            }
            bool only_blanks = is_blank(rest[0]) && std::all_of(rest.begin(), rest.end(), [](char c) {
                                   return is_blank(c) || c == '\0';
                               });
            // The lexer's text token starts right after the name; Prometheus
            // drops its first byte, whatever it is.
            if (!only_blanks) text = rest.substr(1);
        }
        m_p = eol;
        if (kind == Meta::type) {
            MetricType type;
            if (text == "counter") {
                type = MetricType::counter;
            } else if (text == "gauge") {
                type = MetricType::gauge;
            } else if (text == "histogram") {
                type = MetricType::histogram;
            } else if (text == "summary") {
                type = MetricType::summary;
            } else if (text == "untyped") {
                type = MetricType::unknown;
            } else {
                return fail(line, "invalid metric type " + quote(text));
            }
            set_family(name, type);
        } else if (!is_valid_utf8(text)) {
            return fail(line, "HELP text is not valid UTF-8");
        }
        return true;
    }

    [[gnu::cold, gnu::noinline]] bool fail_at(const char* p, const char* what) {
        m_p = p;
        return fail(m_line, what + describe(p, m_end));
    }

    bool text_sample() {
        std::size_t line = m_line;
        const char* const end = m_end;
        const char* p = m_p;
        const char* name_begin = p;
        std::string_view name;
        const ExpectedSeries next = m_sink->expected_series();
        const std::string_view expected = next.text;
        const bool predicted = starts_with_expected(p, expected);
        if (predicted) {
            // Label values of the text format may hold raw line breaks; count them.
            for (const char* q = p;
                 next.may_span_lines && (q = static_cast<const char*>(std::memchr(q, '\n', expected.size() - (q - p))));) {
                ++m_line;
                m_line_start = ++q;
            }
            p += expected.size();
        } else {
            begin_sample();
            p = skip_metric_name(p + 1, end);
            name = std::string_view(name_begin, static_cast<std::size_t>(p - name_begin));
            const char* series_end = p;
            p = skip_blanks(p, end);
            if (p < end && *p == '{') {
                if (!(p = text_labels(p + 1))) return false;
                series_end = p;
            }
            m_series_text = std::string_view(name_begin, static_cast<std::size_t>(series_end - name_begin));
        }
        p = skip_blanks(p, end);
        const char* value_begin = p;
        double value = 0;
        const char* plain_end = parse_plain_decimal(p, end, value);
        if (plain_end != nullptr && (plain_end == end || !has(*plain_end, k_text_value))) {
            p = plain_end;  // the whole token was plain digits: already parsed
        } else {
            p = skip_class(p, end, k_text_value);
            if (p == value_begin) return fail_at(p, "expected value after metric name, got ");
            std::string_view token(value_begin, static_cast<std::size_t>(p - value_begin));
            if (FloatStatus st = parse_go_float(token, value); st != FloatStatus::ok) {
                return fail(m_line, float_error(st, "sample value", token));
            }
        }
        p = skip_blanks(p, end);
        std::optional<std::int64_t> timestamp;
        if (p < end && *p >= '0' && *p <= '9') {
            const char* ts_begin = p;
            while (p < end && *p >= '0' && *p <= '9') ++p;
            std::string_view digits(ts_begin, static_cast<std::size_t>(p - ts_begin));
            std::int64_t ts = 0;
            if (!parse_int64_digits(digits, ts)) return fail(m_line, "timestamp " + quote(digits) + " is out of range");
            timestamp = ts;
            p = skip_blanks(p, end);
            if (p < end && *p != '\n') return fail_at(p, "expected end of line after timestamp, got ");
        } else if (p < end && *p != '\n') {
            return fail_at(p, "expected timestamp or end of line after value, got ");
        }
        m_p = p;
        if (predicted) {
            m_sink->on_expected_sample(value, timestamp, line);
            ++m_samples;
        } else if (!emit(name, line, value, timestamp)) {
            return false;
        }
        if (m_p < m_end) newline();
        return true;
    }

    // After "{": returns the position after "}", or nullptr after fail().
    const char* text_labels(const char* p) {
        const char* const end = m_end;
        for (;;) {
            p = skip_blanks(p, end);
            if (p == end) {
                fail_at(p, "expected label name or \"}\", got ");
                return nullptr;
            }
            char c = *p;
            if (c == '}') return p + 1;
            if (!has(c, k_lname_start)) {
                fail_at(p, "expected label name, got ");
                return nullptr;
            }
            const char* label_begin = p;
            p = skip_class(p + 1, end, k_lname_char);
            std::string_view label(label_begin, static_cast<std::size_t>(p - label_begin));
            p = skip_blanks(p, end);
            if (p == end || *p != '=') {
                fail_at(p, "expected \"=\" after label name, got ");
                return nullptr;
            }
            ++p;
            if (p < end && is_blank(*p)) {
                // Blank bytes before the value are read in the label-value
                // state, where the Go lexer skips NULs.
                while (p < end && (is_blank(*p) || *p == '\0')) ++p;
            }
            if (p == end || *p != '"') {
                fail_at(p, "expected label value, got ");
                return nullptr;
            }
            if (!(p = label_value<LabelMode::text>(p, label))) return nullptr;
            p = skip_blanks(p, end);
            // One trailing comma is allowed, and so is no comma at all.
            if (p < end && *p == ',') ++p;
        }
    }

    // ---- OpenMetrics 1.0 text ----

    bool parse_openmetrics() {
        for (;;) {
            if (m_p == m_end) return fail(m_line, "page does not end with \"# EOF\"");
            char c = *m_p;
            if (c == '#') {
                Step step = om_comment();
                if (step == Step::error) return false;
                if (step == Step::stop) return true;
            } else if (has(c, k_name_start)) {
                if (!om_sample()) return false;
            } else {
                return fail(m_line, "expected a metric name or \"#\" at the start of a line, got " + got());
            }
        }
    }

    Step om_comment() {
        std::size_t line = m_line;
        ++m_p;
        if (m_p == m_end || *m_p != ' ') {
            fail(line, "expected a space after \"#\", got " + got());
            return Step::error;
        }
        ++m_p;
        if (const char* after = match_word(m_p, m_end, "EOF")) {
            const char* r = skip_nuls(after, m_end);
            if (r < m_end && *r == '\n') {
                m_p = r;
                newline();
                r = skip_nuls(m_p, m_end);
            }
            m_p = r;
            if (m_p != m_end) {
                fail(m_line, "unexpected data after \"# EOF\"");
                return Step::error;
            }
            return Step::stop;
        }
        Meta kind;
        const char* after = nullptr;
        if ((after = match_word(m_p, m_end, "HELP "))) {
            kind = Meta::help;
        } else if ((after = match_word(m_p, m_end, "TYPE "))) {
            kind = Meta::type;
        } else if ((after = match_word(m_p, m_end, "UNIT "))) {
            kind = Meta::unit;
        } else {
            fail(line, "expected HELP, TYPE, UNIT or EOF after \"# \", got " + got());
            return Step::error;
        }
        m_p = skip_nuls(after, m_end);
        auto word = [kind] { return std::string(meta_word(kind)); };
        if (m_p == m_end || !has(*m_p, k_name_start)) {
            fail(line, "expected metric name after " + word() + ", got " + got());
            return Step::error;
        }
        std::string_view name = scan_metric_name();
        if (m_p == m_end || *m_p != ' ') {
            fail(line, "expected a space and text after the metric name in " + word() + ", got " + got());
            return Step::error;
        }
        const char* text_begin = m_p + 1;
        const char* eol =
            static_cast<const char*>(std::memchr(text_begin, '\n', static_cast<std::size_t>(m_end - text_begin)));
        if (!eol) {
            m_p = m_end;
            fail(line, word() + " line does not end with a line break");
            return Step::error;
        }
        m_p = eol;
        newline();
        // The Go lexer reads past NULs after the line break while still in
        // its NUL-skipping text state, and Prometheus then cuts the token's
        // last byte instead of the line break: with NULs there, the text
        // keeps the line break and all NULs but one.
        m_p = skip_nuls(m_p, m_end);
        std::string_view text(text_begin, static_cast<std::size_t>(m_p - 1 - text_begin));
        switch (kind) {
            case Meta::type: {
                static constexpr std::array<std::pair<std::string_view, MetricType>, 8> k_types{{
                    {"counter", MetricType::counter},
                    {"gauge", MetricType::gauge},
                    {"histogram", MetricType::histogram},
                    {"gaugehistogram", MetricType::gaugehistogram},
                    {"summary", MetricType::summary},
                    {"info", MetricType::info},
                    {"stateset", MetricType::stateset},
                    {"unknown", MetricType::unknown},
                }};
                auto it = std::find_if(k_types.begin(), k_types.end(), [&](const auto& t) { return t.first == text; });
                if (it == k_types.end()) {
                    fail(line, "invalid metric type " + quote(text));
                    return Step::error;
                }
                set_family(name, it->second);
                break;
            }
            case Meta::help:
                if (!is_valid_utf8(text)) {
                    fail(line, "HELP text is not valid UTF-8");
                    return Step::error;
                }
                break;
            case Meta::unit:
                // A unit must be the metric name's last "_"-separated part.
                if (!text.empty() && !(name.size() > text.size() && name.ends_with(text) &&
                                       name[name.size() - text.size() - 1] == '_')) {
                    fail(line, "unit " + quote(text) + " is not a suffix of metric " + quote(name));
                    return Step::error;
                }
                break;
        }
        return Step::next;
    }

    bool om_sample() {
        std::size_t line = m_line;
        const char* const end = m_end;
        const char* p = m_p;
        const char* name_begin = p;
        std::string_view name;
        const std::string_view expected = m_sink->expected_series().text;
        const bool predicted = starts_with_expected(p, expected);
        if (predicted) {
            // The exemplar check needs the name: the expected text starts with it.
            p = skip_metric_name(p + 1, p + expected.size());
            name = std::string_view(name_begin, static_cast<std::size_t>(p - name_begin));
            p = name_begin + expected.size();
        } else {
            begin_sample();
            p = skip_metric_name(p + 1, end);
            name = std::string_view(name_begin, static_cast<std::size_t>(p - name_begin));
            if (p < end && *p == '{') {
                if (!(p = om_labels<LabelMode::openmetrics>(p + 1))) return false;
            }
            m_series_text = std::string_view(name_begin, static_cast<std::size_t>(p - name_begin));
        }
        std::string_view token;
        const char* next = om_token(p, token);
        if (!next) return fail_at(token_error_at(p), "expected a space and a value after the metric name, got ");
        p = next;
        double value = 0;
        if (FloatStatus st = parse_go_float(token, value); st != FloatStatus::ok) {
            return fail(line, float_error(st, "sample value", token));
        }
        std::optional<std::int64_t> timestamp;
        if (p == end) return fail(line, "page does not end with \"# EOF\"");
        if (*p != '\n') {
            if (!om_exemplar_start(p)) {
                if (!(next = om_token(p, token))) {
                    return fail_at(token_error_at(p), "expected timestamp, exemplar or end of line after value, got ");
                }
                p = next;
                double seconds = 0;
                if (FloatStatus st = parse_go_float(token, seconds); st != FloatStatus::ok) {
                    return fail(line, float_error(st, "timestamp", token));
                }
                if (!std::isfinite(seconds)) return fail(line, "timestamp must be finite, got " + quote(token));
                timestamp = seconds_to_milliseconds(seconds);
                if (p == end) return fail(line, "expected end of line after timestamp, got end of input");
                if (*p != '\n' && !om_exemplar_start(p)) {
                    return fail_at(p, "expected exemplar or end of line after timestamp, got ");
                }
            }
            if (*p != '\n' && !(p = om_exemplar(p, name, line))) return false;
        }
        m_p = p;
        if (predicted) {
            m_sink->on_expected_sample(value, timestamp, line);
            ++m_samples;
        } else if (!emit(name, line, value, timestamp)) {
            return false;
        }
        newline();
        return true;
    }

    // " " followed by a value or timestamp token; the position after it, or
    // nullptr when there is none.
    const char* om_token(const char* p, std::string_view& token) const {
        if (p == m_end || *p != ' ') return nullptr;
        const char* begin = p + 1;
        const char* stop = skip_class(begin, m_end, k_om_value);
        if (stop == begin) return nullptr;
        token = {begin, static_cast<std::size_t>(stop - begin)};
        return stop;
    }

    // Where a missing token is reported: after the space if there is one.
    const char* token_error_at(const char* p) const { return p < m_end && *p == ' ' ? p + 1 : p; }

    bool om_exemplar_start(const char* p) const {
        return m_end - p >= 4 && p[0] == ' ' && p[1] == '#' && p[2] == ' ' && p[3] == '{';
    }

    // At " # {". Prometheus 2.42 keeps exemplars of _total and _bucket series
    // only; tocsin validates them the same way and drops them.
    const char* om_exemplar(const char* p, std::string_view name, std::size_t line) {
        if (!name.ends_with("_total") && !name.ends_with("_bucket")) {
            fail(line, "metric name " + quote(name) + " does not support exemplars");
            return nullptr;
        }
        if (!(p = om_labels<LabelMode::exemplar>(p + 4))) return nullptr;
        std::string_view token;
        const char* next = om_token(p, token);
        if (!next) {
            fail_at(token_error_at(p), "expected a space and a value after exemplar labels, got ");
            return nullptr;
        }
        p = next;
        double value = 0;
        if (FloatStatus st = parse_go_float(token, value); st != FloatStatus::ok) {
            fail(line, float_error(st, "exemplar value", token));
            return nullptr;
        }
        if (p == m_end) {
            fail(line, "page does not end with \"# EOF\"");
            return nullptr;
        }
        if (*p == '\n') return p;
        if (!(next = om_token(p, token))) {
            fail_at(token_error_at(p), "expected exemplar timestamp or end of line, got ");
            return nullptr;
        }
        p = next;
        double seconds = 0;
        if (FloatStatus st = parse_go_float(token, seconds); st != FloatStatus::ok) {
            fail(line, float_error(st, "exemplar timestamp", token));
            return nullptr;
        }
        if (!std::isfinite(seconds)) {
            fail(line, "exemplar timestamp must be finite, got " + quote(token));
            return nullptr;
        }
        if (p == m_end || *p != '\n') {
            fail_at(p, "expected end of line after exemplar timestamp, got ");
            return nullptr;
        }
        return p;
    }

    // After "{": labels separated by exactly one comma, no blanks, no
    // trailing comma. Returns the position after "}", or nullptr.
    template <LabelMode mode>
    const char* om_labels(const char* p) {
        const char* const end = m_end;
        bool first = true;
        for (;;) {
            const char* expected = first ? "expected label name or \"}\", got " : "expected \",\" or \"}\", got ";
            if (p == end) {
                fail_at(p, expected);
                return nullptr;
            }
            char c = *p;
            if (c == '}') return p + 1;
            if (c == ',') {
                if (first) {
                    fail_at(p, expected);
                    return nullptr;
                }
                ++p;
                if (p == end || !has(*p, k_lname_start)) {
                    fail_at(p, "expected label name after \",\", got ");
                    return nullptr;
                }
            } else if (has(c, k_lname_start)) {
                if (!first) {
                    fail_at(p, "expected \",\" between labels, got ");
                    return nullptr;
                }
            } else {
                fail_at(p, expected);
                return nullptr;
            }
            first = false;
            const char* label_begin = p;
            p = skip_class(p + 1, end, k_lname_char);
            std::string_view label(label_begin, static_cast<std::size_t>(p - label_begin));
            if (p == end || *p != '=') {
                fail_at(p, "expected \"=\" after label name, got ");
                return nullptr;
            }
            ++p;
            if (p == end || *p != '"') {
                fail_at(p, "expected label value, got ");
                return nullptr;
            }
            if (!(p = label_value<mode>(p, label))) return nullptr;
        }
    }

    // At the opening quote; returns the position after the value (and the
    // NULs the Go lexer skips there), or nullptr. Escapes: the lexer accepts
    // a backslash before any byte but a line break; unescaping then turns
    // \\, \" and \n into one byte and keeps every other pair as written (so
    // "\t" stays two bytes).
    template <LabelMode mode>
    [[gnu::always_inline]] inline const char* label_value(const char* p, std::string_view label) {
        const char* const end = m_end;
        const char* begin = ++p;
        bool escaped = false;
        bool non_ascii = false;
        for (;;) {
            p = find_label_value_special(p, end);
            if (p == end) {
                fail_at(p, "unterminated label value, got ");
                return nullptr;
            }
            auto c = static_cast<unsigned char>(*p);
            if (c == '"') break;
            if (c == '\\') {
                escaped = true;
                ++p;
                if (mode != LabelMode::exemplar) p = skip_nuls(p, end);
                if (p == end) {
                    fail_at(p, "unterminated label value, got ");
                    return nullptr;
                }
                if (*p == '\n') {
                    fail(m_line, "line break after a backslash in a label value");
                    return nullptr;
                }
                if (*p == '\0') {
                    fail(m_line, "NUL byte in an exemplar label value");
                    return nullptr;
                }
                if (static_cast<unsigned char>(*p) >= 0x80) non_ascii = true;
                ++p;
            } else if (c == '\n') {
                // The text format's lexer takes raw line breaks in label values.
                if (mode != LabelMode::text) {
                    fail(m_line, "line break in a label value");
                    return nullptr;
                }
                ++p;
                ++m_line;
                m_line_start = p;
            } else if (c == 0) {
                if (mode == LabelMode::exemplar) {
                    fail(m_line, "NUL byte in an exemplar label value");
                    return nullptr;
                }
                ++p;
            } else {
                non_ascii = true;
                ++p;
            }
        }
        const char* closing = p++;
        if (non_ascii && !is_valid_utf8(std::string_view(begin, static_cast<std::size_t>(closing - begin)))) {
            fail(m_line, "label value is not valid UTF-8");
            return nullptr;
        }
        if (mode == LabelMode::exemplar) return p;
        // The Go lexer reads past NULs after the closing quote while still
        // in its NUL-skipping state, and Prometheus cuts the token's last
        // byte as the quote: with NULs there, the value keeps the quote and
        // all NULs but one.
        p = skip_nuls(p, end);
        std::string_view raw(begin, static_cast<std::size_t>(p - 1 - begin));
        if (escaped) {
            std::size_t offset = m_scratch.size();
            unescape(raw);
            m_fixups.push_back(Fixup{m_labels.size(), offset, m_scratch.size() - offset});
        }
        m_labels.push_back(LabelView{label, raw});
        return p;
    }


    void unescape(std::string_view raw) {
        for (std::size_t i = 0; i < raw.size(); ++i) {
            char c = raw[i];
            if (c == '\\' && i + 1 < raw.size()) {
                char n = raw[i + 1];
                if (n == '\\' || n == '"') {
                    m_scratch += n;
                    ++i;
                    continue;
                }
                if (n == 'n') {
                    m_scratch += '\n';
                    ++i;
                    continue;
                }
            }
            m_scratch += c;
        }
    }

    // ---- shared ----

    void set_family(std::string_view name, MetricType type) {
        m_families.set(name, type);
        // Other names may resolve differently now; this one resolves to its
        // own TYPE, and its samples usually follow right away.
        clear_type_cache();
        m_type_cache[0] = TypeCacheEntry{name, type};
        m_type_cache_next = 1;
    }

    MetricType type_of(std::string_view name) {
        if (m_families.empty()) return MetricType::unknown;
        // A few recent names: a histogram alternates _bucket, _sum, _count.
        for (const auto& entry : m_type_cache) {
            if (entry.name.size() == name.size() && entry.name == name) return entry.type;
        }
        MetricType type = m_families.resolve(name);
        m_type_cache[m_type_cache_next] = TypeCacheEntry{name, type};
        m_type_cache_next = (m_type_cache_next + 1) % m_type_cache.size();
        return type;
    }

    void clear_type_cache() { m_type_cache.fill(TypeCacheEntry{}); }

    // What Prometheus' storage would do with the label set: a "__name__"
    // label next to the metric name always fails the scrape (duplicate, or
    // "missing metric name" when empty); a repeated label name fails it
    // unless one of the repeats is empty, in which case Prometheus' label
    // builder removes every label of that name.
    bool check_label_names(std::size_t line) {
        std::size_t n = m_labels.size();
        bool duplicate = false;
        for (std::size_t i = 0; i < n; ++i) {
            std::string_view a = m_labels[i].name;
            if (a.size() == 8 && a == "__name__") return fail(line, "label \"__name__\" conflicts with the metric name");
            if (n > 16) continue;
            for (std::size_t j = 0; j < i; ++j) {
                std::string_view b = m_labels[j].name;
                if (a.size() == b.size() && a[0] == b[0] && a == b) duplicate = true;
            }
        }
        if (n > 16) {
            sort_label_order();
            for (std::size_t i = 1; i < n && !duplicate; ++i) {
                duplicate = m_labels[m_order[i]].name == m_labels[m_order[i - 1]].name;
            }
        }
        if (!duplicate) return true;
        return resolve_duplicates(line);
    }


    void sort_label_order() {
        m_order.resize(m_labels.size());
        for (std::size_t i = 0; i < m_order.size(); ++i) m_order[i] = static_cast<std::uint32_t>(i);
        // Ties broken by position: stable without std::stable_sort's heap buffer.
        std::sort(m_order.begin(), m_order.end(), [this](std::uint32_t a, std::uint32_t b) {
            int c = m_labels[a].name.compare(m_labels[b].name);
            return c < 0 || (c == 0 && a < b);
        });
    }

    bool resolve_duplicates(std::size_t line) {
        sort_label_order();
        m_drop.assign(m_labels.size(), 0);
        std::size_t n = m_order.size();
        for (std::size_t i = 0; i < n;) {
            std::size_t j = i + 1;
            bool any_empty = m_labels[m_order[i]].value.empty();
            while (j < n && m_labels[m_order[j]].name == m_labels[m_order[i]].name) {
                any_empty = any_empty || m_labels[m_order[j]].value.empty();
                ++j;
            }
            if (j - i > 1) {
                if (!any_empty) return fail(line, "duplicate label name " + quote(m_labels[m_order[i]].name));
                for (std::size_t k = i; k < j; ++k) m_drop[m_order[k]] = 1;
            }
            i = j;
        }
        std::size_t out = 0;
        for (std::size_t i = 0; i < m_labels.size(); ++i) {
            if (!m_drop[i]) m_labels[out++] = m_labels[i];
        }
        m_labels.resize(out);
        return true;
    }

    bool emit(std::string_view name, std::size_t line, double value, std::optional<std::int64_t> timestamp) {
        // Unescaped values are in m_scratch, which may have moved while it grew.
        for (const auto& f : m_fixups) m_labels[f.index].value = std::string_view(m_scratch.data() + f.offset, f.size);
        if (!m_labels.empty() && !check_label_names(line)) return false;
        SampleView sample;
        sample.metric_name = name;
        sample.labels = std::span<const LabelView>(m_labels.data(), m_labels.size());
        sample.value = value;
        sample.timestamp_ms = timestamp;
        sample.type = type_of(name);
        sample.line = line;
        sample.series_text = m_series_text;
        m_sink->on_sample(sample);
        ++m_samples;
        return true;
    }

    ExpositionFormat m_format;
    const char* m_p = nullptr;
    const char* m_end = nullptr;
    const char* m_line_start = nullptr;
    std::size_t m_line = 1;
    std::size_t m_samples = 0;
    SampleSink* m_sink = nullptr;
    ParseError m_error;

    std::string_view m_series_text;  // of the sample being parsed
    std::vector<LabelView> m_labels;
    std::vector<Fixup> m_fixups;
    std::string m_scratch;
    std::vector<std::uint32_t> m_order;
    std::vector<std::uint8_t> m_drop;

    FamilyTable m_families;
    struct TypeCacheEntry {
        std::string_view name;  // empty: unused (metric names never are)
        MetricType type = MetricType::unknown;
    };
    std::array<TypeCacheEntry, 4> m_type_cache{};
    std::size_t m_type_cache_next = 0;
};

ExpositionParser::ExpositionParser(ExpositionFormat format) : m_state(std::make_unique<State>(format)) {}
ExpositionParser::~ExpositionParser() = default;
ExpositionParser::ExpositionParser(ExpositionParser&&) noexcept = default;
ExpositionParser& ExpositionParser::operator=(ExpositionParser&&) noexcept = default;

ExpositionFormat ExpositionParser::format() const noexcept { return m_state->format(); }

std::variant<ParseStats, ParseError> ExpositionParser::parse(std::string_view page, SampleSink& sink) {
    return m_state->parse(page, sink);
}

}  // namespace tocsin::scrape
