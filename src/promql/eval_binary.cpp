// Binary operators (2.42's scalarBinop, VectorscalarBinop, VectorBinop,
// VectorAnd/Or/Unless, resultMetric).
//
// Metric names: arithmetic (+ - * / % ^) drops __name__, as does any
// comparison with `bool`; a filtering comparison keeps the left-hand (for
// vector/scalar: the vector's) labels as they are; atan2 keeps them too.
#include <algorithm>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "evaluator.hpp"

namespace tocsin::promql::detail {

namespace {

kernels::ArithOp arith_op(BinaryOp op) {
    switch (op) {
        case BinaryOp::add: return kernels::ArithOp::add;
        case BinaryOp::sub: return kernels::ArithOp::sub;
        case BinaryOp::mul: return kernels::ArithOp::mul;
        case BinaryOp::div: return kernels::ArithOp::div;
        case BinaryOp::mod: return kernels::ArithOp::mod;
        case BinaryOp::pow: return kernels::ArithOp::pow;
        case BinaryOp::atan2: return kernels::ArithOp::atan2;
        case BinaryOp::eql: return kernels::ArithOp::eq;
        case BinaryOp::neq: return kernels::ArithOp::ne;
        case BinaryOp::gtr: return kernels::ArithOp::gt;
        case BinaryOp::lss: return kernels::ArithOp::lt;
        case BinaryOp::gte: return kernels::ArithOp::ge;
        case BinaryOp::lte: return kernels::ArithOp::le;
        default: return kernels::ArithOp::add;  // set operators never get here
    }
}

bool drops_metric_name(BinaryOp op) {
    switch (op) {
        case BinaryOp::add:
        case BinaryOp::sub:
        case BinaryOp::mul:
        case BinaryOp::div:
        case BinaryOp::mod:
        case BinaryOp::pow:
            return true;
        default:
            return false;
    }
}

// The matching signature of a label set: the (name, value) pairs of the
// `on` labels, or of every label but the `ignoring` ones and __name__.
class Signer {
public:
    explicit Signer(const VectorMatching& m) : m_on(m.on), m_names(m.matching_labels) {
        if (!m_on) m_names.push_back("__name__");
        std::sort(m_names.begin(), m_names.end());
    }

    const std::string& sign(const Labels& labels) {
        m_buf.clear();
        for (const auto& l : labels) {
            const bool listed = std::binary_search(m_names.begin(), m_names.end(), l.name);
            if (listed != m_on) continue;
            m_buf += l.name;
            m_buf += '\xff';
            m_buf += l.value;
            m_buf += '\xff';
        }
        return m_buf;
    }

    // The label set 2.42 names in its many-to-many error (MatchLabels).
    Labels match_labels(const Labels& labels) const {
        std::vector<Label> out;
        for (const auto& l : labels) {
            const bool listed = std::binary_search(m_names.begin(), m_names.end(), l.name);
            if (listed == m_on) out.push_back(l);
        }
        return Labels(std::move(out));
    }

private:
    bool m_on;
    std::vector<std::string> m_names;
    std::string m_buf;
};

struct LabelsHash {
    std::size_t operator()(const Labels& l) const noexcept { return static_cast<std::size_t>(l.hash()); }
};

Labels result_metric(const Labels& lhs, const Labels& rhs, BinaryOp op, const VectorMatching& m) {
    std::vector<Label> out;
    out.reserve(lhs.size() + m.include.size());
    const bool drop_name = drops_metric_name(op);
    for (const auto& l : lhs) {
        if (drop_name && l.name == "__name__") continue;
        if (m.card == Cardinality::one_to_one) {
            const bool listed =
                std::find(m.matching_labels.begin(), m.matching_labels.end(), l.name) != m.matching_labels.end();
            if (listed != m.on) continue;
        }
        out.push_back(l);
    }
    for (const auto& name : m.include) {
        // group_x(...) labels come from the "one" side, or go when it lacks them.
        std::erase_if(out, [&](const Label& l) { return l.name == name; });
        const std::string_view v = rhs.get(name);
        if (!v.empty()) out.push_back(Label{name, std::string(v)});
    }
    return Labels(std::move(out));
}

Vector vector_and(Vector& lhs, const Vector& rhs, Signer& signer) {
    Vector out;
    if (lhs.empty() || rhs.empty()) return out;
    std::unordered_set<std::string> right;
    for (const auto& s : rhs) right.insert(signer.sign(s.labels));
    for (auto& s : lhs) {
        if (right.contains(signer.sign(s.labels))) out.push_back(std::move(s));
    }
    return out;
}

Vector vector_or(Vector& lhs, Vector& rhs, Signer& signer) {
    Vector out;
    std::unordered_set<std::string> left;
    if (!rhs.empty()) {
        for (const auto& s : lhs) left.insert(signer.sign(s.labels));
    }
    out.reserve(lhs.size() + rhs.size());
    for (auto& s : lhs) out.push_back(std::move(s));
    for (auto& s : rhs) {
        if (lhs.empty() || !left.contains(signer.sign(s.labels))) out.push_back(std::move(s));
    }
    return out;
}

Vector vector_unless(Vector& lhs, const Vector& rhs, Signer& signer) {
    Vector out;
    if (lhs.empty() || rhs.empty()) return std::move(lhs);
    std::unordered_set<std::string> right;
    for (const auto& s : rhs) right.insert(signer.sign(s.labels));
    for (auto& s : lhs) {
        if (!right.contains(signer.sign(s.labels))) out.push_back(std::move(s));
    }
    return out;
}

Result<Vector> vector_binop(BinaryOp op, Vector& lhs_in, Vector& rhs_in, const VectorMatching& m, bool return_bool,
                            Signer& signer) {
    Vector out;
    if (lhs_in.empty() || rhs_in.empty()) return out;
    // one-to-many: swap sides so the right is always the "one" side.
    const bool swapped = m.card == Cardinality::one_to_many;
    Vector& lhs = swapped ? rhs_in : lhs_in;
    Vector& rhs = swapped ? lhs_in : rhs_in;

    std::unordered_map<std::string, std::size_t> right;
    right.reserve(rhs.size());
    for (std::size_t i = 0; i < rhs.size(); ++i) {
        auto [it, inserted] = right.try_emplace(signer.sign(rhs[i].labels), i);
        if (!inserted) {
            const std::string side = swapped ? "left" : "right";
            return eval_error("found duplicate series for the match group " +
                              format_labels(signer.match_labels(rhs[i].labels)) + " on the " + side +
                              " hand-side of the operation: [" + format_labels(rhs[i].labels) + ", " +
                              format_labels(rhs[it->second].labels) +
                              "];many-to-many matching not allowed: matching labels must be unique on one side");
        }
    }

    // Per match group: nothing (one-to-one) or the result label sets so far.
    std::unordered_map<std::string, std::unordered_set<Labels, LabelsHash>> matched;
    const kernels::ArithOp aop = arith_op(op);
    for (auto& ls : lhs) {
        const std::string& sig = signer.sign(ls.labels);
        auto found = right.find(sig);
        if (found == right.end()) continue;
        const VectorSample& rs = rhs[found->second];
        double vl = ls.value;
        double vr = rs.value;
        if (swapped) std::swap(vl, vr);
        kernels::ElemResult r = kernels::vector_elem_binop(aop, vl, vr);
        double value = r.value;
        if (return_bool) {
            value = r.keep ? 1.0 : 0.0;
        } else if (!r.keep) {
            continue;
        }
        Labels metric = result_metric(ls.labels, rs.labels, op, m);
        if (return_bool) drop_metric_name_in_place(metric);

        auto group = matched.find(sig);
        if (m.card == Cardinality::one_to_one) {
            if (group != matched.end()) {
                return eval_error(
                    "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)");
            }
            matched.try_emplace(sig);
        } else {
            if (group == matched.end()) group = matched.try_emplace(sig).first;
            if (!group->second.insert(metric).second) {
                return eval_error("multiple matches for labels: grouping labels must ensure unique matches");
            }
        }
        out.push_back(VectorSample{std::move(metric), value});
    }
    return out;
}

}  // namespace

namespace {

// `range_fn(...) > 3` and the like: the call whose results a filtering
// comparison with a number literal will thin out.
const Call* filtered_range_call(const Expr& vector_side, const Expr& scalar_side) {
    const auto* n = unwrap_parens(scalar_side).as<NumberLiteral>();
    const auto* c = unwrap_parens(vector_side).as<Call>();
    if (n == nullptr || c == nullptr) return nullptr;
    for (const auto& arg : c->args) {
        if (arg->type == ValueType::matrix) return c;
    }
    return nullptr;
}

}  // namespace

Result<Value> Evaluator::eval_binary(const Binary& b, std::int64_t ts) {
    const std::size_t before = samples();
    const bool filtering = is_comparison(b.op) && !b.return_bool;
    const bool hint_lhs = filtering && filtered_range_call(*b.lhs, *b.rhs) != nullptr;
    const bool hint_rhs = filtering && !hint_lhs && filtered_range_call(*b.rhs, *b.lhs) != nullptr;
    if (hint_lhs) {
        m_filter = PendingFilter{arith_op(b.op), unwrap_parens(*b.rhs).as<NumberLiteral>()->value, false};
    }
    auto lhs = eval(*b.lhs, ts);
    m_filter.reset();
    if (!lhs) return lhs;
    if (hint_rhs) {
        m_filter = PendingFilter{arith_op(b.op), lhs->scalar, true};
    }
    auto rhs = eval(*b.rhs, ts);
    m_filter.reset();
    if (!rhs) return rhs;
    const bool lscalar = lhs->type == ValueType::scalar;
    const bool rscalar = rhs->type == ValueType::scalar;

    Value out;
    if (lscalar && rscalar) {
        out.type = ValueType::scalar;
        out.scalar = kernels::binary_arith(arith_op(b.op), lhs->scalar, rhs->scalar);
        set_samples(before);
        return out;
    }
    out.type = ValueType::vector;
    bool labels_may_collide = true;
    if (lscalar || rscalar) {
        // vector/scalar: the vector's labels, minus __name__ for arithmetic or bool.
        Vector& vec = lscalar ? rhs->vector : lhs->vector;
        const double scalar = lscalar ? lhs->scalar : rhs->scalar;
        const bool drop = drops_metric_name(b.op) || b.return_bool;
        labels_may_collide = drop;
        const kernels::ArithOp aop = arith_op(b.op);
        out.vector.reserve(vec.size());
        for (auto& s : vec) {
            auto v = kernels::vector_scalar_binop(aop, s.value, scalar, lscalar, b.return_bool);
            if (!v) continue;
            s.value = *v;
            if (drop) drop_metric_name_in_place(s.labels);
            out.vector.push_back(std::move(s));
        }
    } else {
        const VectorMatching& m = *b.matching;
        Signer signer(m);
        switch (b.op) {
            case BinaryOp::land:
                out.vector = vector_and(lhs->vector, rhs->vector, signer);
                break;
            case BinaryOp::lor:
                out.vector = vector_or(lhs->vector, rhs->vector, signer);
                break;
            case BinaryOp::lunless:
                out.vector = vector_unless(lhs->vector, rhs->vector, signer);
                break;
            default: {
                if (m.card == Cardinality::many_to_many) {
                    return eval_error("many-to-many only allowed for set operators");
                }
                auto r = vector_binop(b.op, lhs->vector, rhs->vector, m, b.return_bool, signer);
                if (!r) return std::move(r).error();
                out.vector = std::move(*r);
            }
        }
    }
    if (labels_may_collide) {
        if (auto st = check_unique_labels(out.vector); !st) return std::move(st).error();
    }
    set_samples(before);
    if (auto st = add_samples(out.vector.size()); !st) return std::move(st).error();
    return out;
}

}  // namespace tocsin::promql::detail
