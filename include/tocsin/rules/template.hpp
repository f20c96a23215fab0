// Alert annotation templates: the subset of Go's text/template that
// Prometheus' alert summaries and descriptions use, with Prometheus'
// template functions (docs/rules.md lists exactly what is supported).
//
//     {{ $labels.target }} is down ({{ $value | humanizePercentage }})
//
// Parsing is strict and happens at load time: bad syntax, unknown functions,
// unknown variables, unknown fields of the data and wrong argument counts
// are errors there. Expansion never fails: like Prometheus, a run-time error
// (humanize of a non-number, a bad regex, ...) yields the text
// "<error expanding template: ...>" instead of the expansion. Pure: no clock,
// no I/O, no queries.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "tocsin/core/labels.hpp"

namespace tocsin::rules {

// A load-time problem, located inside the template text.
struct TemplateError {
    std::size_t position = 0;  // byte offset into the template
    std::size_t line = 1;      // 1-based
    std::size_t column = 1;    // 1-based, in bytes from the line start
    std::string message;       // e.g. `function "humanise" not defined`

    // "1:14: function \"humanise\" not defined"
    std::string to_string() const;
};

// What a template sees, as Prometheus' AlertTemplateData: `.Labels` and
// `$labels` are the labels of the query result (before the rule's own labels
// are added), `.Value` and `$value` its value. `.ExternalLabels` is empty
// and `.ExternalURL` is "" (tocsin has neither).
struct TemplateData {
    const Labels& labels;
    double value = 0;
};

class Template {
public:
    // `name` appears in run-time error messages as Prometheus has it
    // ("__alert_" + the rule name).
    static std::variant<Template, TemplateError> parse(std::string_view text, std::string name = "template");

    // The expansion, or "<error expanding template: ...>" when it fails at
    // run time (then `error`, if given, receives the message; else it is
    // cleared).
    std::string expand(const TemplateData& data, std::string* error = nullptr) const;

    const std::string& text() const;
    // True when the text has no actions (expansion returns it unchanged).
    bool is_constant() const;

    struct Impl;

private:
    explicit Template(std::shared_ptr<const Impl> impl) : m_impl(std::move(impl)) {}
    std::shared_ptr<const Impl> m_impl;
};

}  // namespace tocsin::rules
