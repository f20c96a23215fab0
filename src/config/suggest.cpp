// "Did you mean": the known name closest to a typo, by optimal string
// alignment distance (a swapped pair of neighbours counts as one edit).
#include <algorithm>
#include <vector>

#include "tocsin/config/table_reader.hpp"

namespace tocsin::config {
namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
    const std::size_t n = a.size(), m = b.size();
    std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1));
    for (std::size_t i = 0; i <= n; ++i) d[i][0] = i;
    for (std::size_t j = 0; j <= m; ++j) d[0][j] = j;
    for (std::size_t i = 1; i <= n; ++i) {
        for (std::size_t j = 1; j <= m; ++j) {
            std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
            }
        }
    }
    return d[n][m];
}

}  // namespace

std::optional<std::string> closest_match(std::string_view word, const std::vector<std::string>& candidates) {
    // Allow about one edit per three characters, at least two.
    const std::size_t limit = std::max<std::size_t>(2, word.size() / 3);
    std::optional<std::string> best;
    std::size_t best_distance = limit + 1;
    for (const auto& candidate : candidates) {
        std::size_t d = edit_distance(word, candidate);
        if (d < best_distance) {
            best_distance = d;
            best = candidate;
        }
    }
    if (best) return best;
    // A longer or shorter spelling of a known name ("warning" for "warn",
    // "token_file_path" for "token_file") is further than the limit but obvious.
    for (const auto& candidate : candidates) {
        std::string_view shorter = word.size() < candidate.size() ? word : std::string_view(candidate);
        std::string_view longer = word.size() < candidate.size() ? std::string_view(candidate) : word;
        if (shorter.size() < 3 || !longer.starts_with(shorter)) continue;
        std::size_t d = longer.size() - shorter.size();
        if (!best || d < best_distance) {
            best_distance = d;
            best = candidate;
        }
    }
    return best;
}

}  // namespace tocsin::config
