#include "status_text.hpp"

#include <cmath>
#include <cstdio>
#include <ctime>

namespace tocsin::status {

namespace {

std::tm utc(TimePoint t) {
    const auto seconds = std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count();
    std::time_t tt = static_cast<std::time_t>(seconds);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    return tm;
}

}  // namespace

std::string rfc3339(TimePoint t) {
    const std::tm tm = utc(t);
    const auto ms = std::chrono::floor<std::chrono::milliseconds>(t) - std::chrono::floor<std::chrono::seconds>(t);
    char buf[96];  // room for any int, so the compiler sees no truncation
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms.count()));
    return buf;
}

std::string utc_minute(TimePoint t) {
    const std::tm tm = utc(t);
    char buf[40];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
    return buf;
}

std::string percent(double fraction) {
    double p = std::floor(fraction * 10000.0) / 100.0;  // truncated: 99.999% down for a second is not 100.00%
    char buf[16];
    std::snprintf(buf, sizeof buf, "%.2f", p);
    return buf;
}

const char* overall_description(ComponentStatus worst) {
    switch (worst) {
        case ComponentStatus::operational: return "All Systems Operational";
        case ComponentStatus::degraded_performance: return "Minor Service Outage";
        case ComponentStatus::partial_outage: return "Partial System Outage";
        case ComponentStatus::major_outage: return "Major Service Outage";
    }
    return "";
}

}  // namespace tocsin::status
