// label_replace and label_join (Prometheus 2.42 promql/functions.go), with
// Go's regexp.Expand rules for the replacement template.
#include <re2/re2.h>

#include <string>
#include <vector>

#include "kernels.hpp"

namespace tocsin::promql::kernels {
namespace {

Error invalid(std::string message) { return Error::make(ErrorCategory::invalid_argument, std::move(message)); }

bool is_cont(unsigned char c) { return (c & 0xC0) == 0x80; }

// Length of the valid UTF-8 sequence at the start of `s`, 0 when invalid
// (Go decodes that as U+FFFD, which ends a group name).
std::size_t utf8_length(std::string_view s) {
    auto at = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    unsigned char c = at(0);
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) return (s.size() >= 2 && is_cont(at(1))) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (s.size() < 3) return 0;
        unsigned char lo = c == 0xE0 ? 0xA0 : 0x80;
        unsigned char hi = c == 0xED ? 0x9F : 0xBF;  // no surrogates
        return (at(1) >= lo && at(1) <= hi && is_cont(at(2))) ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (s.size() < 4) return 0;
        unsigned char lo = c == 0xF0 ? 0x90 : 0x80;
        unsigned char hi = c == 0xF4 ? 0x8F : 0xBF;  // nothing past U+10FFFF
        return (at(1) >= lo && at(1) <= hi && is_cont(at(2)) && is_cont(at(3))) ? 4 : 0;
    }
    return 0;
}

// Go's unicode.IsLetter || unicode.IsDigit || '_' for one encoded rune.
bool is_name_rune(std::string_view rune) {
    if (rune.size() == 1) {
        char c = rune[0];
        return c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }
    static const RE2 k_letter_or_digit(R"([\p{L}\p{Nd}])");
    return RE2::FullMatch(re2::StringPiece(rune.data(), rune.size()), k_letter_or_digit);
}

struct GroupRef {
    std::string_view name;
    int number = -1;  // -1: refer by name
    std::size_t consumed = 0;
};

// Parses the reference after a '$': name or {name}; nullopt when malformed.
std::optional<GroupRef> parse_group_ref(std::string_view s) {
    if (s.empty()) return std::nullopt;
    bool brace = s[0] == '{';
    std::size_t begin = brace ? 1 : 0;
    std::size_t i = begin;
    while (i < s.size()) {
        std::size_t len = utf8_length(s.substr(i));
        if (len == 0 || !is_name_rune(s.substr(i, len))) break;
        i += len;
    }
    if (i == begin) return std::nullopt;
    GroupRef ref;
    ref.name = s.substr(begin, i - begin);
    if (brace) {
        if (i >= s.size() || s[i] != '}') return std::nullopt;
        ++i;
    }
    ref.consumed = i;
    // All digits (no leading zero, below 10^8 before the last digit): a group
    // number; anything else, "1x" included, is a group name.
    int num = 0;
    for (char c : ref.name) {
        if (c < '0' || c > '9' || num >= 100'000'000) {
            num = -1;
            break;
        }
        num = num * 10 + (c - '0');
    }
    if (ref.name[0] == '0' && ref.name.size() > 1) num = -1;
    ref.number = num;
    return ref;
}

}  // namespace

std::string expand_template(std::string_view replacement, std::span<const std::optional<std::string_view>> groups,
                            std::span<const std::string> names) {
    std::string out;
    std::string_view rest = replacement;
    while (!rest.empty()) {
        std::size_t dollar = rest.find('$');
        if (dollar == std::string_view::npos) break;
        out += rest.substr(0, dollar);
        rest.remove_prefix(dollar + 1);
        if (!rest.empty() && rest[0] == '$') {
            out += '$';
            rest.remove_prefix(1);
            continue;
        }
        std::optional<GroupRef> ref = parse_group_ref(rest);
        if (!ref) {
            out += '$';  // malformed: the '$' is literal text
            continue;
        }
        rest.remove_prefix(ref->consumed);
        if (ref->number >= 0) {
            auto n = static_cast<std::size_t>(ref->number);
            if (n < groups.size() && groups[n]) out += *groups[n];
        } else {
            for (std::size_t i = 0; i < names.size() && i < groups.size(); ++i) {
                if (names[i] == ref->name && groups[i]) {
                    out += *groups[i];
                    break;
                }
            }
        }
    }
    out += rest;
    return out;
}

LabelReplacer::LabelReplacer(LabelReplacer&&) noexcept = default;
LabelReplacer& LabelReplacer::operator=(LabelReplacer&&) noexcept = default;
LabelReplacer::~LabelReplacer() = default;

Result<LabelReplacer> LabelReplacer::create(std::string_view dst, std::string_view replacement, std::string_view src,
                                            std::string_view regex) {
    RE2::Options options;
    options.set_log_errors(false);
    std::string anchored = "^(?:" + std::string(regex) + ")$";
    auto re = std::make_unique<RE2>(anchored, options);
    if (!re->ok()) return invalid("invalid regular expression in label_replace(): " + std::string(regex));
    if (!is_valid_label_name(dst))
        return invalid("invalid destination label name in label_replace(): " + std::string(dst));
    LabelReplacer out;
    out.m_dst = dst;
    out.m_replacement = replacement;
    out.m_src = src;
    out.m_re = std::move(re);
    return out;
}

Labels LabelReplacer::apply(const Labels& labels) const {
    std::string_view value = labels.get(m_src);
    int n = m_re->NumberOfCapturingGroups() + 1;
    std::vector<re2::StringPiece> pieces(static_cast<std::size_t>(n));
    re2::StringPiece text(value.data(), value.size());
    if (!m_re->Match(text, 0, text.size(), RE2::UNANCHORED, pieces.data(), n)) return labels;

    std::vector<std::optional<std::string_view>> groups(pieces.size());
    for (std::size_t i = 0; i < pieces.size(); ++i) {
        // A group that did not take part has no data pointer.
        if (pieces[i].data() != nullptr) groups[i] = std::string_view(pieces[i].data(), pieces[i].size());
    }
    std::vector<std::string> names(pieces.size());
    for (const auto& [index, name] : m_re->CapturingGroupNames()) {
        if (index >= 0 && static_cast<std::size_t>(index) < names.size()) names[static_cast<std::size_t>(index)] = name;
    }
    // with() removes the label when the expansion is empty.
    return labels.with(m_dst, expand_template(m_replacement, groups, names));
}

Result<Labels> label_replace(const Labels& labels, std::string_view dst, std::string_view replacement,
                             std::string_view src, std::string_view regex) {
    auto replacer = LabelReplacer::create(dst, replacement, src, regex);
    if (!replacer) return std::move(replacer).error();
    return replacer->apply(labels);
}

Status validate_label_join(std::string_view dst, std::span<const std::string> srcs) {
    for (const std::string& src : srcs) {
        if (!is_valid_label_name(src)) return invalid("invalid source label name in label_join(): " + src);
    }
    if (!is_valid_label_name(dst))
        return invalid("invalid destination label name in label_join(): " + std::string(dst));
    return Ok{};
}

Labels label_join_unchecked(const Labels& labels, std::string_view dst, std::string_view separator,
                            std::span<const std::string> srcs) {
    std::string joined;
    for (std::size_t i = 0; i < srcs.size(); ++i) {
        if (i > 0) joined += separator;
        joined += labels.get(srcs[i]);
    }
    return labels.with(dst, joined);
}

Result<Labels> label_join(const Labels& labels, std::string_view dst, std::string_view separator,
                          std::span<const std::string> srcs) {
    Status status = validate_label_join(dst, srcs);
    if (!status) return std::move(status).error();
    return label_join_unchecked(labels, dst, separator, srcs);
}

}  // namespace tocsin::promql::kernels
