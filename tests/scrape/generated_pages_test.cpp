// Pages built from a fixed seed that mix many edge cases at once (escapes,
// multi-byte and NUL bytes in label values, NaN/Inf spellings, timestamps,
// histograms, summaries, exemplars, odd but legal whitespace, comments). The
// generator writes each page and, independently of the parser, the samples
// it must yield; sometimes it corrupts one sample line and expects the parse
// to stop there with everything before it intact.
#include <gtest/gtest.h>

#include <array>
#include <bit>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <tuple>
#include <vector>

#include "scrape_test_support.hpp"

namespace tocsin::scrape {
namespace {

using testing::LabelPairs;
using testing::Sample;

// splitmix64: the same sequence on every standard library.
class Rng {
public:
    explicit Rng(std::uint64_t seed) : m_state(seed) {}
    std::uint64_t next() {
        std::uint64_t z = (m_state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
    bool percent(unsigned p) { return below(100) < p; }
    template <typename T, std::size_t N>
    const T& pick(const std::array<T, N>& items) {
        return items[below(N)];
    }

private:
    std::uint64_t m_state;
};

struct Page {
    std::string text;
    std::vector<Sample> samples;  // what the parser must emit, in order
    std::size_t error_line = 0;   // 0: the page is valid
};

class PageGenerator {
public:
    PageGenerator(ExpositionFormat format, std::uint64_t seed) : m_format(format), m_rng(seed) {}

    Page generate() {
        m_page = Page{};
        m_line = 1;
        m_corrupt_at = m_rng.percent(25) ? m_rng.below(40) : std::size_t(-1);
        m_sample_index = 0;
        std::size_t families = 1 + m_rng.below(20);
        for (std::size_t i = 0; i < families; ++i) family(i);
        if (om()) {
            m_page.text += m_rng.percent(50) ? "# EOF\n" : "# EOF";
        } else if (m_rng.percent(30) && !m_page.text.empty() && m_page.text.back() == '\n') {
            m_page.text.pop_back();  // no trailing newline
        }
        return m_page;
    }

private:
    bool om() const { return m_format == ExpositionFormat::openmetrics; }

    void end_line() {
        m_page.text += '\n';
        ++m_line;
    }

    // Blanks the text format tolerates between tokens.
    std::string blanks(std::size_t min = 0) {
        if (om()) return min ? " " : "";
        std::string out(min, ' ');
        std::size_t extra = m_rng.percent(70) ? 0 : 1 + m_rng.below(3);
        for (std::size_t i = 0; i < extra; ++i) out += m_rng.percent(50) ? ' ' : '\t';
        return out;
    }

    void noise() {
        if (om() || !m_rng.percent(30)) return;
        static constexpr std::array<const char*, 8> k_lines{
            "# just a comment", "#", "#no blank after the hash", "", "   ", "\t",
            "# HELP", "# TYPEWRITER is not a keyword"};
        m_page.text += m_rng.pick(k_lines);
        end_line();
    }

    void family(std::size_t index) {
        static constexpr std::array<const char*, 8> k_words{"requests", "latency", "node:cpu", "temp_c",
                                                            "_hidden",  "bytes",   "up",       "queue"};
        std::string base = "f" + std::to_string(index) + "_" + m_rng.pick(k_words);
        static constexpr std::array<MetricType, 5> k_text_types{MetricType::counter, MetricType::gauge,
                                                                 MetricType::histogram, MetricType::summary,
                                                                 MetricType::unknown};
        static constexpr std::array<MetricType, 8> k_om_types{
            MetricType::counter, MetricType::gauge,   MetricType::histogram, MetricType::gaugehistogram,
            MetricType::summary, MetricType::info,    MetricType::stateset,  MetricType::unknown};
        MetricType type = om() ? m_rng.pick(k_om_types) : m_rng.pick(k_text_types);
        bool typed = m_rng.percent(80);
        noise();
        if (m_rng.percent(60)) help(base);
        if (typed) {
            m_page.text += om() ? "# TYPE " : (m_rng.percent(20) ? "#\tTYPE\t" : "# TYPE ");
            m_page.text += base + " ";
            m_page.text += type == MetricType::unknown ? (om() ? "unknown" : "untyped") : std::string(to_string(type));
            end_line();
        }
        if (om() && m_rng.percent(20)) {
            m_page.text += "# UNIT " + base + " " + base.substr(base.rfind('_') + 1);
            end_line();
        }
        MetricType expected = typed ? type : MetricType::unknown;
        std::size_t series = 1 + m_rng.below(3);
        for (std::size_t s = 0; s < series; ++s) {
            LabelPairs labels = random_labels();
            switch (type) {
                case MetricType::counter:
                    if (om()) {
                        line(base + "_total", labels, expected, true);
                        if (m_rng.percent(30)) line(base + "_created", labels, expected, false);
                    } else {
                        line(base, labels, expected, false);
                    }
                    break;
                case MetricType::histogram:
                case MetricType::gaugehistogram: {
                    static constexpr std::array<const char*, 4> k_le{"0.1", "1", "10", "+Inf"};
                    for (const char* le : k_le) {
                        LabelPairs with = labels;
                        with.emplace_back("le", le);
                        line(base + "_bucket", with, expected, true);
                    }
                    bool gauge = type == MetricType::gaugehistogram;
                    line(base + (gauge ? "_gsum" : "_sum"), labels, expected, false);
                    line(base + (gauge ? "_gcount" : "_count"), labels, expected, false);
                    break;
                }
                case MetricType::summary: {
                    static constexpr std::array<const char*, 3> k_q{"0.5", "0.9", "0.99"};
                    for (const char* q : k_q) {
                        LabelPairs with = labels;
                        with.emplace_back("quantile", q);
                        line(base, with, expected, false);
                    }
                    line(base + "_sum", labels, expected, false);
                    line(base + "_count", labels, expected, false);
                    break;
                }
                case MetricType::info: line(base + "_info", labels, expected, false); break;
                case MetricType::stateset: {
                    LabelPairs with = labels;
                    with.emplace_back("state", "on");
                    line(base, with, expected, false);
                    break;
                }
                default: line(base, labels, expected, false); break;
            }
        }
    }

    void help(const std::string& name) {
        static constexpr std::array<const char*, 8> k_pieces{"Total ", "requests", " \\\\ ", "\\n", " \"quoted\"",
                                                             "\xc3\xa9t\xc3\xa9", " \xe2\x82\xac", "\t"};
        m_page.text += "# HELP " + name;
        std::size_t n = m_rng.below(5);
        if (n > 0 || om()) m_page.text += " ";  // OpenMetrics wants the blank even before empty text
        for (std::size_t i = 0; i < n; ++i) m_page.text += m_rng.pick(k_pieces);
        end_line();
    }

    LabelPairs random_labels() {
        static constexpr std::array<const char*, 8> k_names{"job", "instance", "code", "method", "_x", "path", "A", "z9"};
        LabelPairs labels;
        std::size_t n = m_rng.below(5);
        std::size_t start = m_rng.below(k_names.size());
        for (std::size_t i = 0; i < n; ++i) labels.emplace_back(k_names[(start + i) % k_names.size()], "");
        return labels;  // values are drawn per line
    }

    // A label value: the escaped page text and the value the parser must yield.
    std::pair<std::string, std::string> label_value(bool exemplar) {
        std::string page, value;
        std::size_t n = m_rng.below(8);
        for (std::size_t i = 0; i < n; ++i) {
            switch (m_rng.below(12)) {
                case 0: page += "\\\\"; value += '\\'; break;
                case 1: page += "\\\""; value += '"'; break;
                case 2: page += "\\n"; value += '\n'; break;
                case 3: page += "\\t"; value += "\\t"; break;  // unknown escapes stay as written
                case 4: page += "\xc3\xa9"; value += "\xc3\xa9"; break;
                case 5: page += "\xf0\x9f\x98\x80"; value += "\xf0\x9f\x98\x80"; break;
                case 6: page += "{},= #"; value += "{},= #"; break;
                case 7:
                    if (!exemplar) {
                        page += std::string(1, '\0');
                        value += '\0';
                    }
                    break;
                case 8:
                    // A raw line break: only the text format's lexer takes it.
                    if (!om() && !exemplar) {
                        page += '\n';
                        value += '\n';
                    }
                    break;
                default: {
                    char c = static_cast<char>('a' + m_rng.below(26));
                    page += c;
                    value += c;
                }
            }
        }
        return {page, value};
    }

    std::pair<std::string, double> sample_value() {
        char buf[64];
        switch (m_rng.below(10)) {
            case 0: {
                static constexpr std::array<const char*, 4> k_nan{"NaN", "nan", "NAN", "Nan"};
                return {m_rng.pick(k_nan), std::bit_cast<double>(testing::k_normal_nan)};
            }
            case 1: {
                static constexpr std::array<const char*, 5> k_inf{"+Inf", "Inf", "inf", "+infinity", "INF"};
                return {m_rng.pick(k_inf), HUGE_VAL};
            }
            case 2: return {m_rng.percent(50) ? "-Inf" : "-infinity", -HUGE_VAL};
            case 3: return {"-0", -0.0};
            case 4: {
                auto v = static_cast<long long>(m_rng.below(2000000)) - 1000000;
                std::snprintf(buf, sizeof buf, "%lld", v);
                return {buf, static_cast<double>(v)};
            }
            case 5: {
                double v = std::ldexp(static_cast<double>(m_rng.next() >> 11), -static_cast<int>(m_rng.below(1100)));
                std::snprintf(buf, sizeof buf, "%.17g", v);
                return {buf, v};
            }
            case 6: {
                std::uint64_t bits = m_rng.next();
                double v = std::bit_cast<double>(bits);
                if (!std::isfinite(v)) v = 1.25;
                std::snprintf(buf, sizeof buf, "%.17g", v);
                return {buf, v};
            }
            case 7: {
                std::size_t mantissa = m_rng.below(1000);
                int exp = static_cast<int>(m_rng.below(40)) - 20;
                std::snprintf(buf, sizeof buf, "%zu.%zue%d", mantissa / 10, mantissa % 10, exp);
                return {buf, std::strtod(buf, nullptr)};
            }
            default: {
                double v = static_cast<double>(m_rng.below(100000)) / 8.0;
                std::snprintf(buf, sizeof buf, "%.3f", v);
                return {buf, v};
            }
        }
    }

    void line(const std::string& name, LabelPairs labels, MetricType type, bool exemplar_ok) {
        std::size_t first_line = m_line;
        bool corrupt = m_sample_index++ == m_corrupt_at && m_page.error_line == 0;
        std::string& t = m_page.text;
        t += name;
        bool braces = !labels.empty() || m_rng.percent(20);
        if (braces) {
            t += blanks() + "{";
            for (std::size_t i = 0; i < labels.size(); ++i) {
                // le, quantile and state come with their value; the rest are drawn here.
                std::string page = labels[i].second;
                if (page.empty()) std::tie(page, labels[i].second) = label_value(false);
                t += blanks() + labels[i].first + blanks() + "=" + blanks() + "\"" + page + "\"";
                for (char c : page) {
                    if (c == '\n') ++m_line;
                }
                if (i + 1 < labels.size()) {
                    // The text format also takes a blank or nothing in place of a comma.
                    t += blanks() + (om() || m_rng.percent(80) ? "," : "");
                } else if (!om() && m_rng.percent(20)) {
                    t += blanks() + ",";
                }
            }
            t += blanks() + "}";
        }
        std::size_t value_line = m_line;
        auto [text, value] = sample_value();
        if (corrupt) text = m_rng.percent(50) ? "1_000" : "one";
        t += blanks(braces && !om() ? 0 : 1) + text;
        std::optional<std::int64_t> ts;
        if (m_rng.percent(30)) {
            char buf[64];
            if (om()) {
                long long sec = static_cast<long long>(m_rng.below(4000000000ULL)) - 1000000000LL;
                unsigned ms = static_cast<unsigned>(m_rng.below(1000));
                if (m_rng.percent(50)) {
                    std::snprintf(buf, sizeof buf, "%lld", sec);
                } else {
                    std::snprintf(buf, sizeof buf, "%s%lld.%03u", sec < 0 ? "-" : "", std::llabs(sec), ms);
                }
                // Go computes int64(seconds * 1000); libc's strtod is an
                // independent reading of the same text.
                ts = static_cast<std::int64_t>(std::strtod(buf, nullptr) * 1000.0);
            } else {
                auto v = static_cast<std::int64_t>(m_rng.next() >> 1);
                if (m_rng.percent(70)) v %= 4000000000000LL;
                std::snprintf(buf, sizeof buf, "%" PRId64, v);
                ts = v;
            }
            t += blanks(1) + buf;
        }
        if (om() && exemplar_ok && m_rng.percent(40)) {
            t += " # {";
            std::size_t n = m_rng.below(3);
            for (std::size_t i = 0; i < n; ++i) {
                if (i) t += ",";
                t += i == 0 ? "trace_id" : "span_id";
                t += "=\"" + label_value(true).first + "\"";
            }
            t += "} " + sample_value().first;
            if (m_rng.percent(50)) t += " 1520879607.789";
        }
        if (!om()) t += blanks();
        end_line();
        if (corrupt) m_page.error_line = value_line;
        if (m_page.error_line == 0) {
            m_page.samples.push_back(testing::sample(name, labels, value, first_line, type, ts));
        }
    }

    ExpositionFormat m_format;
    Rng m_rng;
    Page m_page;
    std::size_t m_line = 1;
    std::size_t m_corrupt_at = 0;
    std::size_t m_sample_index = 0;
};

constexpr std::size_t k_pages = 400;

void check_generated(ExpositionFormat format, std::uint64_t seed) {
    PageGenerator generator(format, seed);
    std::size_t valid = 0, invalid = 0, samples = 0;
    for (std::size_t i = 0; i < k_pages; ++i) {
        Page page = generator.generate();
        SCOPED_TRACE("page " + std::to_string(i) + ":\n" + page.text);
        auto o = testing::parse_page(format, page.text);
        if (page.error_line == 0) {
            ASSERT_FALSE(o.error) << "line " << o.error->line << ": " << o.error->message;
            ++valid;
        } else {
            ASSERT_TRUE(o.error);
            EXPECT_EQ(o.error->line, page.error_line) << o.error->message;
            ++invalid;
        }
        ASSERT_EQ(o.samples.size(), page.samples.size());
        for (std::size_t k = 0; k < o.samples.size(); ++k) ASSERT_EQ(o.samples[k], page.samples[k]) << "sample " << k;
        samples += o.samples.size();
    }
    // The mix must really contain both kinds of pages and plenty of samples.
    EXPECT_GT(valid, k_pages / 2);
    EXPECT_GT(invalid, k_pages / 20);
    EXPECT_GT(samples, k_pages * 10);
}

TEST(GeneratedPages, PrometheusTextFormat) { check_generated(ExpositionFormat::prometheus_text, 0x70c5171u); }

TEST(GeneratedPages, OpenMetrics) { check_generated(ExpositionFormat::openmetrics, 0x0be7ec5u); }

}  // namespace
}  // namespace tocsin::scrape
