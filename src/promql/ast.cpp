#include "tocsin/promql/ast.hpp"

#include <algorithm>
#include <cmath>

#include "tocsin/core/go_format.hpp"

namespace tocsin::promql {
namespace {

void take_children(Expr& e, std::vector<ExprPtr>& out) {
    const auto keep = [&](ExprPtr& p) {
        if (p) out.push_back(std::move(p));
    };
    if (auto* sq = e.as<Subquery>()) {
        keep(sq->expr);
    } else if (auto* p = e.as<Paren>()) {
        keep(p->expr);
    } else if (auto* u = e.as<Unary>()) {
        keep(u->expr);
    } else if (auto* b = e.as<Binary>()) {
        keep(b->lhs);
        keep(b->rhs);
    } else if (auto* a = e.as<Aggregate>()) {
        keep(a->param);
        keep(a->expr);
    } else if (auto* c = e.as<Call>()) {
        for (auto& arg : c->args) keep(arg);
    }
}

void append_labels(std::string& out, const std::vector<std::string>& labels) {
    out += '(';
    for (std::size_t i = 0; i < labels.size(); ++i) {
        if (i > 0) out += ", ";
        out += labels[i];
    }
    out += ')';
}

void append_at_and_offset(std::string& out, const AtModifier& at, Milliseconds offset) {
    switch (at.kind) {
        case AtModifier::Kind::none:
            break;
        case AtModifier::Kind::timestamp:
            out += " @ ";
            out += gofmt::format_float(static_cast<double>(at.timestamp_ms) / 1000.0, 'f', 3);
            break;
        case AtModifier::Kind::start:
            out += " @ start()";
            break;
        case AtModifier::Kind::end:
            out += " @ end()";
            break;
    }
    if (offset.count() > 0) {
        out += " offset ";
        out += format_duration(offset);
    } else if (offset.count() < 0) {
        out += " offset -";
        out += format_duration(-offset);
    }
}

std::string_view matcher_op(series::Matcher::Type type) {
    switch (type) {
        case series::Matcher::equal:
            return "=";
        case series::Matcher::not_equal:
            return "!=";
        case series::Matcher::regex:
            return "=~";
        case series::Matcher::not_regex:
            return "!~";
    }
    return "=";
}

// name{sorted matchers}, without @ and offset.
void append_selector_body(std::string& out, const VectorSelector& vs) {
    std::vector<std::string> parts;
    for (const auto& m : vs.matchers) {
        // The implicit __name__ matcher is spelled by the name itself.
        if (m.name() == "__name__" && m.type() == series::Matcher::equal && m.value() == vs.name) continue;
        std::string part = m.name();
        part += matcher_op(m.type());
        part += gofmt::quote(m.value());
        parts.push_back(std::move(part));
    }
    out += vs.name;
    if (parts.empty()) return;
    std::sort(parts.begin(), parts.end());
    out += '{';
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i > 0) out += ',';
        out += parts[i];
    }
    out += '}';
}

void print(std::string& out, const Expr& e) {
    std::visit(
        [&](const auto& n) {
            using T = std::decay_t<decltype(n)>;
            if constexpr (std::is_same_v<T, NumberLiteral>) {
                out += gofmt::format_float(n.value);
            } else if constexpr (std::is_same_v<T, StringLiteral>) {
                out += gofmt::quote(n.value);
            } else if constexpr (std::is_same_v<T, VectorSelector>) {
                append_selector_body(out, n);
                append_at_and_offset(out, n.at, n.offset);
            } else if constexpr (std::is_same_v<T, MatrixSelector>) {
                append_selector_body(out, n.selector);
                out += '[';
                out += format_duration(n.range);
                out += ']';
                append_at_and_offset(out, n.selector.at, n.selector.offset);
            } else if constexpr (std::is_same_v<T, Subquery>) {
                print(out, *n.expr);
                out += '[';
                out += format_duration(n.range);
                out += ':';
                if (n.step.count() != 0) out += format_duration(n.step);
                out += ']';
                append_at_and_offset(out, n.at, n.offset);
            } else if constexpr (std::is_same_v<T, Paren>) {
                out += '(';
                print(out, *n.expr);
                out += ')';
            } else if constexpr (std::is_same_v<T, Unary>) {
                out += n.op == UnaryOp::minus ? '-' : '+';
                print(out, *n.expr);
            } else if constexpr (std::is_same_v<T, Binary>) {
                const auto* number = n.lhs->template as<NumberLiteral>();
                if (n.op == BinaryOp::pow && number != nullptr && std::isinf(number->value) && number->value > 0) {
                    // "+Inf ^ x" would read back as +(Inf ^ x); 2.42 prints that anyway.
                    out += "Inf";
                } else {
                    print(out, *n.lhs);
                }
                out += ' ';
                out += to_string(n.op);
                if (n.return_bool) out += " bool";
                if (n.matching) {
                    const VectorMatching& vm = *n.matching;
                    const bool grouped = vm.card == Cardinality::many_to_one || vm.card == Cardinality::one_to_many;
                    // 2.42 drops `ignoring() group_x(...)` entirely; we keep it.
                    if (!vm.matching_labels.empty() || vm.on || grouped) {
                        out += vm.on ? " on " : " ignoring ";
                        append_labels(out, vm.matching_labels);
                        if (grouped) {
                            out += vm.card == Cardinality::many_to_one ? " group_left " : " group_right ";
                            append_labels(out, vm.include);
                        }
                    }
                }
                out += ' ';
                print(out, *n.rhs);
            } else if constexpr (std::is_same_v<T, Aggregate>) {
                out += to_string(n.op);
                if (n.without) {
                    out += " without ";
                    append_labels(out, n.grouping);
                    out += ' ';
                } else if (!n.grouping.empty()) {
                    out += " by ";
                    append_labels(out, n.grouping);
                    out += ' ';
                }
                out += '(';
                if (n.param) {
                    print(out, *n.param);
                    out += ", ";
                }
                print(out, *n.expr);
                out += ')';
            } else if constexpr (std::is_same_v<T, Call>) {
                out += n.function->name;
                out += '(';
                for (std::size_t i = 0; i < n.args.size(); ++i) {
                    if (i > 0) out += ", ";
                    print(out, *n.args[i]);
                }
                out += ')';
            }
        },
        e.node);
}

std::int64_t lookback(const Expr& e, std::int64_t delta) {
    const auto pinned = [](const AtModifier& at) { return at.kind == AtModifier::Kind::timestamp; };
    if (const auto* vs = e.as<VectorSelector>()) {
        return pinned(vs->at) ? 0 : std::max<std::int64_t>(0, vs->offset.count() + delta);
    }
    if (const auto* ms = e.as<MatrixSelector>()) {
        return pinned(ms->selector.at) ? 0 : std::max<std::int64_t>(0, ms->selector.offset.count() + ms->range.count());
    }
    if (const auto* sq = e.as<Subquery>()) {
        if (pinned(sq->at)) return 0;
        return std::max<std::int64_t>(0, sq->offset.count() + sq->range.count() + lookback(*sq->expr, delta));
    }
    std::int64_t longest = 0;
    for (const Expr* child : children(e)) longest = std::max(longest, lookback(*child, delta));
    return longest;
}

}  // namespace

Expr::~Expr() {
    std::vector<ExprPtr> pending;
    take_children(*this, pending);
    while (!pending.empty()) {
        ExprPtr e = std::move(pending.back());
        pending.pop_back();
        take_children(*e, pending);
    }
}

bool is_comparison(BinaryOp op) noexcept { return op >= BinaryOp::eql && op <= BinaryOp::lte; }

bool is_set_operator(BinaryOp op) noexcept { return op >= BinaryOp::land; }

int precedence(BinaryOp op) noexcept {
    switch (op) {
        case BinaryOp::lor:
            return 1;
        case BinaryOp::land:
        case BinaryOp::lunless:
            return 2;
        case BinaryOp::eql:
        case BinaryOp::neq:
        case BinaryOp::gtr:
        case BinaryOp::lss:
        case BinaryOp::gte:
        case BinaryOp::lte:
            return 3;
        case BinaryOp::add:
        case BinaryOp::sub:
            return 4;
        case BinaryOp::mul:
        case BinaryOp::div:
        case BinaryOp::mod:
        case BinaryOp::atan2:
            return 5;
        case BinaryOp::pow:
            return 6;
    }
    return 0;
}

std::string_view to_string(BinaryOp op) noexcept {
    switch (op) {
        case BinaryOp::add:
            return "+";
        case BinaryOp::sub:
            return "-";
        case BinaryOp::mul:
            return "*";
        case BinaryOp::div:
            return "/";
        case BinaryOp::mod:
            return "%";
        case BinaryOp::pow:
            return "^";
        case BinaryOp::atan2:
            return "atan2";
        case BinaryOp::eql:
            return "==";
        case BinaryOp::neq:
            return "!=";
        case BinaryOp::gtr:
            return ">";
        case BinaryOp::lss:
            return "<";
        case BinaryOp::gte:
            return ">=";
        case BinaryOp::lte:
            return "<=";
        case BinaryOp::land:
            return "and";
        case BinaryOp::lor:
            return "or";
        case BinaryOp::lunless:
            return "unless";
    }
    return "?";
}

std::string_view to_string(Cardinality card) noexcept {
    switch (card) {
        case Cardinality::one_to_one:
            return "one-to-one";
        case Cardinality::many_to_one:
            return "many-to-one";
        case Cardinality::one_to_many:
            return "one-to-many";
        case Cardinality::many_to_many:
            return "many-to-many";
    }
    return "?";
}

bool takes_parameter(AggregateOp op) noexcept {
    return op == AggregateOp::topk || op == AggregateOp::bottomk || op == AggregateOp::count_values ||
           op == AggregateOp::quantile;
}

std::string_view to_string(AggregateOp op) noexcept {
    switch (op) {
        case AggregateOp::sum:
            return "sum";
        case AggregateOp::avg:
            return "avg";
        case AggregateOp::count:
            return "count";
        case AggregateOp::min:
            return "min";
        case AggregateOp::max:
            return "max";
        case AggregateOp::group:
            return "group";
        case AggregateOp::stddev:
            return "stddev";
        case AggregateOp::stdvar:
            return "stdvar";
        case AggregateOp::topk:
            return "topk";
        case AggregateOp::bottomk:
            return "bottomk";
        case AggregateOp::count_values:
            return "count_values";
        case AggregateOp::quantile:
            return "quantile";
    }
    return "?";
}

std::vector<const Expr*> children(const Expr& e) {
    std::vector<const Expr*> out;
    const auto add = [&](const ExprPtr& p) {
        if (p) out.push_back(p.get());
    };
    if (const auto* sq = e.as<Subquery>()) {
        add(sq->expr);
    } else if (const auto* p = e.as<Paren>()) {
        add(p->expr);
    } else if (const auto* u = e.as<Unary>()) {
        add(u->expr);
    } else if (const auto* b = e.as<Binary>()) {
        add(b->lhs);
        add(b->rhs);
    } else if (const auto* a = e.as<Aggregate>()) {
        add(a->param);
        add(a->expr);
    } else if (const auto* c = e.as<Call>()) {
        for (const auto& arg : c->args) add(arg);
    }
    return out;
}

void walk(const Expr& expr, const std::function<void(const Expr&)>& visit) {
    visit(expr);
    for (const Expr* child : children(expr)) walk(*child, visit);
}

std::vector<const VectorSelector*> selectors(const Expr& expr) {
    std::vector<const VectorSelector*> out;
    walk(expr, [&](const Expr& e) {
        if (const auto* vs = e.as<VectorSelector>()) {
            out.push_back(vs);
        } else if (const auto* ms = e.as<MatrixSelector>()) {
            out.push_back(&ms->selector);
        }
    });
    return out;
}

Milliseconds max_lookback(const Expr& expr, Milliseconds lookback_delta) {
    return Milliseconds{lookback(expr, lookback_delta.count())};
}

std::string to_string(const Expr& expr) {
    std::string out;
    print(out, expr);
    return out;
}

std::string format_duration(Milliseconds d) {
    std::int64_t ms = d.count();
    if (ms == 0) return "0s";
    std::string out;
    if (ms < 0) {
        out += '-';
        ms = -ms;
    }
    struct Unit {
        const char* name;
        std::int64_t ms;
        bool exact_only;  // years and weeks only when nothing is left over (90d, not 12w6d)
    };
    static constexpr Unit k_units[] = {
        {"y", 1000LL * 60 * 60 * 24 * 365, true},
        {"w", 1000LL * 60 * 60 * 24 * 7, true},
        {"d", 1000LL * 60 * 60 * 24, false},
        {"h", 1000LL * 60 * 60, false},
        {"m", 1000LL * 60, false},
        {"s", 1000, false},
        {"ms", 1, false},
    };
    for (const auto& u : k_units) {
        if (u.exact_only && ms % u.ms != 0) continue;
        if (const std::int64_t v = ms / u.ms; v > 0) {
            out += std::to_string(v);
            out += u.name;
            ms -= v * u.ms;
        }
    }
    return out;
}

}  // namespace tocsin::promql
