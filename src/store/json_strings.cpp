#include "json_strings.hpp"

#include <boost/json.hpp>

namespace tocsin::store {

std::string strings_to_json(const std::vector<std::string>& strings) {
    boost::json::array array;
    for (const auto& s : strings) array.emplace_back(s);
    return boost::json::serialize(array);
}

std::optional<std::vector<std::string>> strings_from_json(std::string_view json) {
    boost::system::error_code ec;
    boost::json::value value = boost::json::parse(json, ec);
    if (ec || !value.is_array()) return std::nullopt;
    std::vector<std::string> strings;
    for (const auto& element : value.as_array()) {
        if (!element.is_string()) return std::nullopt;
        strings.emplace_back(element.as_string());
    }
    return strings;
}

}  // namespace tocsin::store
