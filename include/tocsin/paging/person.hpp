// A [[person]] as the paging core sees one: how to reach them and whether an
// instant falls in their quiet hours (where pages go by email only unless the
// tier is the most severe; the router decides). Pure: time is a parameter.
#pragma once

#include <memory>
#include <string>

#include "tocsin/config/config.hpp"
#include "tocsin/core/clock.hpp"
#include "tocsin/core/result.hpp"

namespace tocsin::paging {

class Person {
public:
    // An invalid_argument error for an unknown time zone.
    static Result<Person> make(const config::PersonConfig& config);

    const std::string& name() const { return m_config.name; }
    const config::PersonConfig& config() const { return m_config; }

    // Whether t is inside quiet_hours in the person's time zone (a span
    // that wraps past midnight belongs to the evening it starts on); false
    // without quiet hours.
    bool quiet_at(TimePoint t) const;

private:
    struct Impl;
    config::PersonConfig m_config;
    std::shared_ptr<const Impl> m_impl;
};

}  // namespace tocsin::paging
