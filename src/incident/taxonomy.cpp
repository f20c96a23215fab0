// The taxonomy terms of seed 002 (Fluid Attacks) and "A < B < C" trees.
//
// Terms are upper-case; input is accepted in any case and normalised to
// upper-case ("missing_test" → "MISSING_TEST"), since no two terms differ
// only in case. A tree names each term at most once.
#include <algorithm>
#include <cctype>

#include "tocsin/config/table_reader.hpp"  // closest_match
#include "tocsin/incident/postmortem.hpp"

namespace tocsin::incident {
namespace {

std::string_view trim(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
    return text;
}

std::string upper(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

Error invalid(std::string message) { return Error::make(ErrorCategory::invalid_argument, std::move(message)); }

}  // namespace

const std::vector<std::string>& taxonomy_terms() {
    static const std::vector<std::string> terms{
        "COMMUNICATION_FAILURE", "DATA_QUALITY",           "FAILED_LINTER",        "FAILED_MIGRATION",
        "IMPOSSIBLE_TO_TEST",    "INCOMPLETE_PERSPECTIVE", "INFRASTRUCTURE_ERROR", "LACK_OF_TRACEABILITY",
        "MISSING_ALERT",         "MISSING_TEST",           "NO_SPECIFIED",         "ROTATION_FAILURE",
        "THIRD_PARTY_CHANGE",    "THIRD_PARTY_ERROR",      "UNHANDLED_EXCEPTION",
    };
    return terms;
}

Result<std::string> parse_taxonomy(std::string_view text) {
    const auto& terms = taxonomy_terms();
    const std::string whole(trim(text));
    if (whole.empty()) return invalid("empty taxonomy: expected a term or a tree \"A < B\"");
    std::vector<std::string> parts;
    for (;;) {
        auto cut = text.find('<');
        auto part = trim(text.substr(0, cut));
        if (part.empty()) {
            return invalid("taxonomy \"" + whole + "\": empty term in the tree \"A < B < C\"");
        }
        std::string term = upper(part);
        if (std::find(terms.begin(), terms.end(), term) == terms.end()) {
            std::string message = "unknown taxonomy term \"" + std::string(part) + "\"";
            if (auto guess = config::closest_match(term, terms)) {
                message += "; did you mean \"" + *guess + "\"?";
            } else {
                message += "; known terms: ";
                for (std::size_t i = 0; i < terms.size(); ++i) message += (i ? ", " : "") + terms[i];
            }
            return invalid(std::move(message));
        }
        if (std::find(parts.begin(), parts.end(), term) != parts.end()) {
            return invalid("taxonomy term \"" + term + "\" appears twice in the tree");
        }
        parts.push_back(std::move(term));
        if (cut == std::string_view::npos) break;
        text.remove_prefix(cut + 1);
    }
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i) out += " < ";
        out += parts[i];
    }
    return out;
}

}  // namespace tocsin::incident
