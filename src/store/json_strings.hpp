// Lists of names stored as JSON arrays of strings (affected components,
// paged people, a window's components). Private to the store module.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tocsin::store {

std::string strings_to_json(const std::vector<std::string>& strings);
// nullopt unless `json` is an array of strings.
std::optional<std::vector<std::string>> strings_from_json(std::string_view json);

}  // namespace tocsin::store
