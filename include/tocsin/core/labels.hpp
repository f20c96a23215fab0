// Label sets as Prometheus has them: name/value pairs sorted by name, names
// unique. Owning and simple; the series store interns its own copy.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace tocsin {

struct Label {
    std::string name;
    std::string value;

    auto operator<=>(const Label&) const = default;
};

class Labels {
public:
    Labels() = default;
    // Sorts by name; when a name repeats, the last value wins. Empty values
    // are dropped: in Prometheus an empty label value means "no label".
    Labels(std::initializer_list<Label> labels);
    explicit Labels(std::vector<Label> labels);
    // Takes `labels` as they are, without sorting or checking: the caller
    // guarantees they are sorted by name, names unique, values non-empty
    // (e.g. a label set copied from another Labels or from the series store).
    static Labels from_sorted(std::vector<Label> labels) noexcept;

    std::string_view get(std::string_view name) const;  // "" when absent
    bool has(std::string_view name) const;
    bool empty() const { return m_labels.empty(); }
    std::size_t size() const { return m_labels.size(); }
    auto begin() const { return m_labels.begin(); }
    auto end() const { return m_labels.end(); }
    const std::vector<Label>& items() const { return m_labels; }

    // The metric name is the label "__name__".
    std::string_view metric_name() const { return get("__name__"); }

    // A copy with `name` set to `value` (removed when `value` is empty).
    Labels with(std::string_view name, std::string_view value) const;
    Labels without(std::initializer_list<std::string_view> names) const;
    Labels without_metric_name() const { return without({"__name__"}); }
    // Removes `name` in place (no copy of the other labels); false when absent.
    bool erase(std::string_view name);

    // 64-bit hash, stable across runs and machines (fingerprints in SQLite,
    // sharding): FNV-1a over name, 0xff, value, 0xff, ...
    std::uint64_t hash() const;

    // Prometheus notation: name{a="1", b="x\"y"}.
    std::string to_string() const;

    bool operator==(const Labels&) const = default;
    auto operator<=>(const Labels&) const = default;

private:
    void normalize();
    std::vector<Label> m_labels;
};

// Prometheus' staleness marker: a NaN with a specific bit pattern, distinct
// from an ordinary NaN sample value.
inline constexpr std::uint64_t k_stale_nan_bits = 0x7ff0000000000002ULL;
double stale_marker() noexcept;
bool is_stale_marker(double value) noexcept;

// Appends `value` in double quotes with PromQL string escapes (\\, \", \n),
// as label values and matchers are printed.
void append_quoted(std::string& out, std::string_view value);

// Metric and label name rules (legacy Prometheus charset).
bool is_valid_metric_name(std::string_view name) noexcept;
bool is_valid_label_name(std::string_view name) noexcept;

}  // namespace tocsin
