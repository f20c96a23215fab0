// libFuzzer target: arbitrary bytes as a scraped page, through both formats.
// The parser must never crash, hang or leak, and what it emits must be
// something the series store can take as is.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "../../src/scrape/utf8.hpp"
#include "tocsin/core/labels.hpp"
#include "tocsin/scrape/exposition_parser.hpp"

namespace {

using namespace tocsin::scrape;

const std::vector<std::string> k_no_predictions;

void check(bool condition) {
    if (!condition) std::abort();
}

bool inside(std::string_view part, std::string_view whole) {
    return std::less_equal<>()(whole.data(), part.data()) &&
           std::less_equal<>()(part.data() + part.size(), whole.data() + whole.size());
}

class CheckingSink final : public SampleSink {
public:
    CheckingSink(std::string_view page, std::size_t max_line) : m_page(page), m_max_line(max_line) {}

    void on_sample(const SampleView& s) override {
        check(tocsin::is_valid_metric_name(s.metric_name));
        check(inside(s.metric_name, m_page));  // zero-copy
        check(s.line >= 1 && s.line <= m_max_line && s.line >= m_last_line);
        m_last_line = s.line;
        if (s.value != s.value) check(std::bit_cast<std::uint64_t>(s.value) == 0x7ff8000000000001ULL);
        for (std::size_t i = 0; i < s.labels.size(); ++i) {
            const auto& l = s.labels[i];
            check(tocsin::is_valid_label_name(l.name) && l.name != "__name__");
            check(inside(l.name, m_page));
            check(is_valid_utf8(l.value));
            for (std::size_t j = 0; j < i; ++j) check(s.labels[j].name != l.name);
        }
        // Keep a digest, not the views: they die with the callback.
        m_digest.push_back(std::string(s.metric_name) + '\xff' + std::to_string(s.labels.size()) + '\xff' +
                           std::to_string(std::bit_cast<std::uint64_t>(s.value)) + '\xff' +
                           std::to_string(s.timestamp_ms.value_or(-1)) + '\xff' + std::to_string(s.line));
        for (const auto& l : s.labels) m_digest.back() += std::string(l.name) + '=' + std::string(l.value) + '\xff';
    }

    std::size_t last_line() const { return m_last_line; }
    const std::vector<std::string>& digest() const { return m_digest; }

private:
    std::string_view m_page;
    std::size_t m_max_line;
    std::size_t m_last_line = 0;
    std::vector<std::string> m_digest;
};

// Follows a list of series texts the way the scraper's cache does: expects
// the entry after the last one seen, and on a full parse jumps to the entry
// with that text. Records what each line was read as.
class PredictingSink final : public SampleSink {
public:
    explicit PredictingSink(const std::vector<std::string>* expected) : m_expected(expected) {}
    std::vector<std::string> seen;

    ExpectedSeries expected_series() override {
        return m_next < m_expected->size() ? std::string_view((*m_expected)[m_next]) : std::string_view{};
    }
    void on_expected_sample(double v, std::optional<std::int64_t> ts, std::size_t line) override {
        record((*m_expected)[m_next++], v, ts, line);
    }
    void on_sample(const SampleView& s) override {
        record(s.series_text, s.value, s.timestamp_ms, s.line);
        m_next = m_expected->size();
        for (std::size_t i = 0; i < m_expected->size(); ++i) {
            if ((*m_expected)[i] == s.series_text) {
                m_next = i + 1;
                break;
            }
        }
    }

private:
    void record(std::string_view text, double v, std::optional<std::int64_t> ts, std::size_t line) {
        seen.push_back(std::string(text) + '\xff' + std::to_string(std::bit_cast<std::uint64_t>(v)) + '\xff' +
                       std::to_string(ts.value_or(-1)) + '\xff' + std::to_string(line));
    }
    const std::vector<std::string>* m_expected;
    std::size_t m_next = 0;
};

// The series texts of a page's samples (empty on a parse error).
std::vector<std::string> series_texts(ExpositionFormat format, std::string_view page) {
    class TextSink final : public SampleSink {
    public:
        std::vector<std::string> texts;
        void on_sample(const SampleView& s) override { texts.emplace_back(s.series_text); }
    } sink;
    ExpositionParser parser(format);
    if (std::holds_alternative<ParseError>(parser.parse(page, sink))) return {};
    return sink.texts;
}

// Predictions never change what a page says: with any earlier page's series
// texts as predictions, every sample, value, timestamp and error is the same
// as a full parse gives.
void check_predictions(ExpositionFormat format, std::string_view page, const std::vector<std::string>& expected) {
    PredictingSink full(&k_no_predictions);
    PredictingSink predicted(&expected);
    ExpositionParser a(format);
    ExpositionParser b(format);
    auto first = a.parse(page, full);
    auto second = b.parse(page, predicted);
    check(first.index() == second.index());
    check(full.seen == predicted.seen);
    if (const auto* error = std::get_if<ParseError>(&first)) {
        check(error->line == std::get<ParseError>(second).line && error->message == std::get<ParseError>(second).message);
    }
}

void run(ExpositionParser& reused, ExpositionFormat format, std::string_view page, std::size_t lines) {
    CheckingSink sink(page, lines);
    auto result = reused.parse(page, sink);
    if (const auto* stats = std::get_if<ParseStats>(&result)) {
        check(stats->samples == sink.digest().size());
        check(stats->lines <= lines);
        if (format == ExpositionFormat::openmetrics) {
            // NULs inside the keyword are skipped, as by Prometheus' lexer.
            std::string visible;
            for (char c : page) {
                if (c != '\0') visible += c;
            }
            check(visible.find("# EOF") != std::string::npos);
        }
    } else {
        const auto& error = std::get<ParseError>(result);
        check(!error.message.empty());
        check(error.line >= 1 && error.line <= lines && error.line >= sink.last_line());
    }
    // A fresh parser must agree with the reused one: no state leaks between pages.
    ExpositionParser fresh(format);
    CheckingSink again(page, lines);
    auto second = fresh.parse(page, again);
    check(second.index() == result.index());
    check(again.digest() == sink.digest());
    if (const auto* error = std::get_if<ParseError>(&second)) {
        check(error->line == std::get<ParseError>(result).line && error->message == std::get<ParseError>(result).message);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view page(reinterpret_cast<const char*>(data), size);
    std::size_t lines = 1;
    for (char c : page) lines += c == '\n';
    static ExpositionParser text(ExpositionFormat::prometheus_text);
    static ExpositionParser openmetrics(ExpositionFormat::openmetrics);
    run(text, ExpositionFormat::prometheus_text, page, lines);
    run(openmetrics, ExpositionFormat::openmetrics, page, lines);
    // Predictions from the page itself and from the page minus its first line
    // (so that they are off by one wherever the page repeats itself).
    const std::size_t cut = page.find('\n');
    const std::string_view rest = cut == std::string_view::npos ? std::string_view{} : page.substr(cut + 1);
    for (ExpositionFormat format : {ExpositionFormat::prometheus_text, ExpositionFormat::openmetrics}) {
        check_predictions(format, page, series_texts(format, page));
        check_predictions(format, page, series_texts(format, rest));
    }
    (void)format_from_content_type(page.substr(0, 256));
    return 0;
}
