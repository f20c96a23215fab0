// tocsin's own parser for the Prometheus text format 0.0.4 and OpenMetrics 1.0
// text, with the accept/reject rules of Prometheus 2.42 (its parsers plus the
// label checks of its scrape loop and storage) so a target that Prometheus
// scrapes fine is scraped fine here, and vice versa.
//
// Zero-copy: names and label values are views into the page (unescaped values
// live in a scratch buffer reused across samples). A parser instance reuses its
// buffers across pages, so steady-state parsing does not allocate per sample.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

namespace tocsin::scrape {

enum class ExpositionFormat { prometheus_text, openmetrics };

// As Prometheus picks a parser: a well-formed "application/openmetrics-text"
// media type (any case, any valid parameters) selects OpenMetrics; anything
// else, including a malformed header, selects the Prometheus text format.
ExpositionFormat format_from_content_type(std::string_view content_type);

enum class MetricType { unknown, counter, gauge, histogram, summary, gaugehistogram, info, stateset };

std::string_view to_string(MetricType type) noexcept;

struct LabelView {
    std::string_view name;
    std::string_view value;  // already unescaped
};

struct SampleView {
    std::string_view metric_name;
    // Page order, without __name__. Valid only during the callback. Empty
    // values are passed through: as in Prometheus, the store treats an empty
    // value as "no such label".
    std::span<const LabelView> labels;
    // NaN is always Prometheus' ordinary NaN (0x7ff8000000000001), never the
    // staleness marker.
    double value = 0;
    // Text format: integer milliseconds. OpenMetrics: float seconds * 1000,
    // truncated as Go's int64() conversion does.
    std::optional<std::int64_t> timestamp_ms;
    // From the TYPE line of the sample's family as read so far: the exact name,
    // or the name minus a suffix that type allows (foo_bucket of histogram foo,
    // foo_total of counter foo); unknown if none.
    MetricType type = MetricType::unknown;
    std::size_t line = 0;  // 1-based line where the sample starts
    // The page's own bytes for the series: from the metric name to its end,
    // or to the closing "}" of the label set. Two lines with equal text are
    // the same series; the scraper keys its cache by it, as Prometheus does.
    std::string_view series_text;
};

// What a SampleSink expects the next sample line to start with.
struct ExpectedSeries {
    ExpectedSeries() = default;
    ExpectedSeries(std::string_view t) : text(t) {}  // NOLINT: implicit, a text alone is the common case
    ExpectedSeries(std::string_view t, bool spans_lines) : text(t), may_span_lines(spans_lines) {}
    std::string_view text;
    // False when the sink knows the text has no raw line break (label values
    // of the text format may hold them): the parser then need not count them.
    bool may_span_lines = true;
};

class SampleSink {
public:
    virtual ~SampleSink() = default;
    virtual void on_sample(const SampleView& sample) = 0;

    // The fast path for pages that repeat themselves. Before each sample line
    // the parser asks for the series text the sink expects next (what an
    // earlier page had at this point; empty for none). When the line starts
    // with exactly that text, the name and labels are not parsed again: they
    // are known good, and on_expected_sample() gets the rest of the line.
    // Otherwise on_sample() is called as usual. The text must be a
    // series_text an earlier page of the same format produced, and stay
    // valid until the next call into the sink.
    virtual ExpectedSeries expected_series() { return {}; }
    virtual void on_expected_sample(double value, std::optional<std::int64_t> timestamp_ms, std::size_t line) {
        (void)value;
        (void)timestamp_ms;
        (void)line;
    }
};

struct ParseError {
    std::size_t line = 0;  // 1-based
    std::string message;   // what is wrong, without the "line N: " prefix
};

struct ParseStats {
    std::size_t samples = 0;
    std::size_t lines = 0;
};

class ExpositionParser {
public:
    explicit ExpositionParser(ExpositionFormat format);
    ~ExpositionParser();
    ExpositionParser(ExpositionParser&&) noexcept;
    ExpositionParser& operator=(ExpositionParser&&) noexcept;

    ExpositionFormat format() const noexcept;

    // Streams every sample to `sink` in page order. Stops at the first
    // malformed line and returns the error; the caller discards what it staged
    // (all-or-nothing is the caller's job, so the sink may have seen samples).
    // Exemplars are validated as Prometheus does, then dropped.
    std::variant<ParseStats, ParseError> parse(std::string_view page, SampleSink& sink);

private:
    class State;
    std::unique_ptr<State> m_state;
};

}  // namespace tocsin::scrape
