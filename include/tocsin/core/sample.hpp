// One output sample of a probe or a self-observation: a label set including
// __name__, and a value. The timestamp is the caller's (one per probe run).
#pragma once

#include "tocsin/core/labels.hpp"

namespace tocsin {

struct Sample {
    Labels labels;  // includes __name__
    double value = 0;

    bool operator==(const Sample&) const = default;
};

}  // namespace tocsin
