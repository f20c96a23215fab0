// format_from_content_type mirrors textparse.New over Go's mime.ParseMediaType.
#include <gtest/gtest.h>

#include "tocsin/scrape/exposition_parser.hpp"

namespace tocsin::scrape {
namespace {

// The cases of Prometheus 2.42's TestNewParser (model/textparse/interface_test.go).
TEST(ContentType, MirrorsPrometheusTestNewParser) {
    struct Case {
        const char* content_type;
        ExpositionFormat want;
    };
    const Case cases[] = {
        {"", ExpositionFormat::prometheus_text},
        {"invalid/", ExpositionFormat::prometheus_text},
        {"invalid/invalid/invalid", ExpositionFormat::prometheus_text},
        {"/", ExpositionFormat::prometheus_text},
        {"application/openmetrics-text; charset=UTF-8; charset=utf-8", ExpositionFormat::prometheus_text},
        {"application/openmetrics-text", ExpositionFormat::openmetrics},
        {"application/openmetrics-text; charset=utf-8", ExpositionFormat::openmetrics},
        {"application/openmetrics-text; version=1.0.0; charset=utf-8", ExpositionFormat::openmetrics},
        {"text/plain", ExpositionFormat::prometheus_text},
        {"text/plain; version=0.0.4", ExpositionFormat::prometheus_text},
        {"text/html", ExpositionFormat::prometheus_text},
    };
    for (const auto& c : cases) EXPECT_EQ(format_from_content_type(c.content_type), c.want) << c.content_type;
}

TEST(ContentType, OpenMetricsMediaType) {
    for (const char* ct : {
             "application/openmetrics-text",
             "application/openmetrics-text; version=1.0.0; charset=utf-8",
             "Application/OpenMetrics-Text;version=0.0.1",
             "  application/openmetrics-text  ",
             "application/openmetrics-text; version=\"1.0.0\"",
             "application/openmetrics-text;",                   // a trailing semicolon is tolerated
             "application/openmetrics-text; a=1; a=1",          // equal repeats are tolerated
             "applİcation/openmetrics-text",                    // Go lowercases U+0130 to 'i'
         }) {
        EXPECT_EQ(format_from_content_type(ct), ExpositionFormat::openmetrics) << ct;
    }
}

TEST(ContentType, EverythingElseIsTheTextFormat) {
    for (const char* ct : {
             "",
             "text/plain; version=0.0.4",
             "text/plain",
             "application/openmetrics-text-x",
             "application/openmetrics",
             "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited",
             "application/openmetrics-text; version",           // malformed parameter
             "application/openmetrics-text; a=1; a=2",          // conflicting repeats
             "application/openmetrics-text; v=\"unterminated",
             "application/openmetrics-text; ;",
             "application/openmetrics-text version=1",
         }) {
        EXPECT_EQ(format_from_content_type(ct), ExpositionFormat::prometheus_text) << ct;
    }
}

}  // namespace
}  // namespace tocsin::scrape
