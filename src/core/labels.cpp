#include "tocsin/core/labels.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

namespace tocsin {

Labels::Labels(std::initializer_list<Label> labels) : m_labels(labels) { normalize(); }

Labels::Labels(std::vector<Label> labels) : m_labels(std::move(labels)) { normalize(); }

Labels Labels::from_sorted(std::vector<Label> labels) noexcept {
    Labels out;
    out.m_labels = std::move(labels);
    return out;
}

bool Labels::erase(std::string_view name) {
    auto it = std::lower_bound(m_labels.begin(), m_labels.end(), name,
                               [](const Label& l, std::string_view n) { return l.name < n; });
    if (it == m_labels.end() || it->name != name) return false;
    m_labels.erase(it);
    return true;
}

void Labels::normalize() {
    // stable_sort keeps input order among equal names, so "last wins" holds.
    std::stable_sort(m_labels.begin(), m_labels.end(), [](const Label& a, const Label& b) { return a.name < b.name; });
    std::vector<Label> out;
    out.reserve(m_labels.size());
    for (auto& label : m_labels) {
        if (!out.empty() && out.back().name == label.name) {
            out.back().value = std::move(label.value);
        } else {
            out.push_back(std::move(label));
        }
    }
    std::erase_if(out, [](const Label& l) { return l.value.empty(); });
    m_labels = std::move(out);
}

std::string_view Labels::get(std::string_view name) const {
    auto it = std::lower_bound(m_labels.begin(), m_labels.end(), name,
                               [](const Label& l, std::string_view n) { return l.name < n; });
    if (it != m_labels.end() && it->name == name) return it->value;
    return {};
}

bool Labels::has(std::string_view name) const { return !get(name).empty(); }

Labels Labels::with(std::string_view name, std::string_view value) const {
    std::vector<Label> copy = m_labels;
    copy.push_back(Label{std::string(name), std::string(value)});
    return Labels(std::move(copy));
}

Labels Labels::without(std::initializer_list<std::string_view> names) const {
    Labels out;
    for (const auto& l : m_labels) {
        if (std::find(names.begin(), names.end(), l.name) == names.end()) out.m_labels.push_back(l);
    }
    return out;
}

std::uint64_t Labels::hash() const {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    auto mix = [&h](std::string_view s) {
        for (unsigned char c : s) {
            h ^= c;
            h *= 0x100000001b3ULL;
        }
        h ^= 0xff;
        h *= 0x100000001b3ULL;
    };
    for (const auto& l : m_labels) {
        mix(l.name);
        mix(l.value);
    }
    return h;
}

std::string Labels::to_string() const {
    std::string out(metric_name());
    out += '{';
    bool first = true;
    for (const auto& l : m_labels) {
        if (l.name == "__name__") continue;
        if (!first) out += ", ";
        first = false;
        out += l.name;
        out += '=';
        append_quoted(out, l.value);
    }
    out += '}';
    return out;
}

void append_quoted(std::string& out, std::string_view value) {
    out += '"';
    for (char c : value) {
        if (c == '\\' || c == '"') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    out += '"';
}

double stale_marker() noexcept { return std::bit_cast<double>(k_stale_nan_bits); }

bool is_stale_marker(double value) noexcept { return std::bit_cast<std::uint64_t>(value) == k_stale_nan_bits; }

namespace {
bool name_char(char c, bool first, bool colon_ok) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') return true;
    if (colon_ok && c == ':') return true;
    return !first && c >= '0' && c <= '9';
}
bool valid_name(std::string_view name, bool colon_ok) {
    if (name.empty()) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        if (!name_char(name[i], i == 0, colon_ok)) return false;
    }
    return true;
}
}  // namespace

bool is_valid_metric_name(std::string_view name) noexcept { return valid_name(name, true); }
bool is_valid_label_name(std::string_view name) noexcept { return valid_name(name, false); }

}  // namespace tocsin
