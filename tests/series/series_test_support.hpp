// Small helpers shared by the series store tests.
#pragma once

#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "tocsin/series/matcher.hpp"
#include "tocsin/series/series_store.hpp"

namespace tocsin::series::testing {

inline Matcher matcher(Matcher::Type type, const std::string& name, const std::string& value) {
    auto m = Matcher::make(type, name, value);
    if (!m.ok()) {
        ADD_FAILURE() << m.error().message;
        return Matcher::equals(name, value);
    }
    return std::move(m).value();
}

inline SeriesRef add(SeriesStore& store, std::initializer_list<LabelView> labels) {
    return store.get_or_create({}, std::vector<LabelView>(labels));
}

// Label sets of the selected series, in the store's order, as strings.
inline std::vector<std::string> select_strings(const SeriesStore& store, const std::vector<Matcher>& matchers) {
    std::vector<std::string> out;
    for (SeriesRef ref : store.select(matchers)) out.push_back(store.labels(ref).to_string());
    return out;
}

inline std::vector<Sample> read_all(const SeriesStore& store, SeriesRef ref) {
    std::vector<Sample> out;
    store.samples(ref, INT64_MIN, INT64_MAX, out);
    return out;
}

inline std::uint64_t bits(double v) { return std::bit_cast<std::uint64_t>(v); }

// Samples compared bit for bit (NaN payloads included).
inline bool same_samples(const std::vector<Sample>& a, const std::vector<Sample>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i].t != b[i].t || bits(a[i].v) != bits(b[i].v)) return false;
    }
    return true;
}

}  // namespace tocsin::series::testing
