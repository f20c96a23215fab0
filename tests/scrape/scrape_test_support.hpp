// Owning copies of parsed samples so tests can compare whole pages.
#pragma once

#include <bit>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "tocsin/scrape/exposition_parser.hpp"

namespace tocsin::scrape::testing {

using LabelPairs = std::vector<std::pair<std::string, std::string>>;

struct Sample {
    std::string name;
    LabelPairs labels;
    double value = 0;
    std::optional<std::int64_t> timestamp_ms;
    MetricType type = MetricType::unknown;
    std::size_t line = 0;

    // Values compare by bits so NaN payloads and -0 are checked too.
    bool operator==(const Sample& o) const {
        return name == o.name && labels == o.labels &&
               std::bit_cast<std::uint64_t>(value) == std::bit_cast<std::uint64_t>(o.value) &&
               timestamp_ms == o.timestamp_ms && type == o.type && line == o.line;
    }
};

inline std::ostream& operator<<(std::ostream& os, const Sample& s) {
    os << "line " << s.line << ": " << s.name << '{';
    for (const auto& [n, v] : s.labels) os << n << "=\"" << v << "\",";
    os << "} " << s.value << " (bits 0x" << std::hex << std::bit_cast<std::uint64_t>(s.value) << std::dec << ')';
    if (s.timestamp_ms) os << " @" << *s.timestamp_ms;
    return os << " type=" << to_string(s.type);
}

class CollectingSink final : public SampleSink {
public:
    void on_sample(const SampleView& s) override {
        Sample copy;
        copy.name = std::string(s.metric_name);
        for (const auto& l : s.labels) copy.labels.emplace_back(std::string(l.name), std::string(l.value));
        copy.value = s.value;
        copy.timestamp_ms = s.timestamp_ms;
        copy.type = s.type;
        copy.line = s.line;
        samples.push_back(std::move(copy));
    }
    std::vector<Sample> samples;
};

struct Outcome {
    std::vector<Sample> samples;
    std::optional<ParseError> error;
    ParseStats stats;
};

inline Outcome parse_page(ExpositionFormat format, std::string_view page) {
    ExpositionParser parser(format);
    CollectingSink sink;
    auto result = parser.parse(page, sink);
    Outcome out;
    out.samples = std::move(sink.samples);
    if (auto* e = std::get_if<ParseError>(&result)) {
        out.error = *e;
    } else {
        out.stats = std::get<ParseStats>(result);
    }
    return out;
}

inline Outcome parse_text(std::string_view page) { return parse_page(ExpositionFormat::prometheus_text, page); }
inline Outcome parse_om(std::string_view page) { return parse_page(ExpositionFormat::openmetrics, page); }

inline Sample sample(std::string name, LabelPairs labels, double value, std::size_t line,
                     MetricType type = MetricType::unknown, std::optional<std::int64_t> ts = std::nullopt) {
    return Sample{std::move(name), std::move(labels), value, ts, type, line};
}

inline constexpr std::uint64_t k_normal_nan = 0x7ff8000000000001ULL;
inline double normal_nan() { return std::bit_cast<double>(k_normal_nan); }

}  // namespace tocsin::scrape::testing
