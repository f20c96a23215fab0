// Number literals as parse.go's number() reads them: strconv.ParseInt with
// base 0 (so 0x1f is hex and 0755 octal), else strconv.ParseFloat.
// Internal to the promql module.
#pragma once

#include <string>
#include <string_view>

namespace tocsin::promql {

struct GoNumber {
    double value = 0;
    std::string error;  // Go's message, e.g. `strconv.ParseFloat: parsing "1e": invalid syntax`
};

GoNumber parse_go_number(std::string_view text);

}  // namespace tocsin::promql
