#include "tocsin/paging/person.hpp"

#include "daily_spans.hpp"

namespace tocsin::paging {

struct Person::Impl {
    std::optional<detail::DailySpans> quiet;
};

Result<Person> Person::make(const config::PersonConfig& config) {
    const date::time_zone* zone = detail::find_zone(config.time_zone);
    if (zone == nullptr) {
        return Error::make(ErrorCategory::invalid_argument,
                           "person \"" + config.name + "\": unknown time zone \"" + config.time_zone + "\"");
    }
    auto impl = std::make_shared<Impl>();
    if (config.quiet_hours) {
        std::array<bool, 7> every_day{};
        every_day.fill(true);
        impl->quiet.emplace(zone, *config.quiet_hours, every_day);
    }
    Person person;
    person.m_config = config;
    person.m_impl = std::move(impl);
    return person;
}

bool Person::quiet_at(TimePoint t) const { return m_impl && m_impl->quiet && m_impl->quiet->contains(t); }

}  // namespace tocsin::paging
