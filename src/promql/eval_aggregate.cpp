// Aggregation operators (2.42's aggregation()): groups in order of first
// appearance; `by` keeps only the grouping labels, `without` drops them and
// __name__; topk/bottomk keep the original series (with __name__), ordered
// as 2.42's heaps leave them.
#include <algorithm>
#include <cmath>
#include <string>
#include <unordered_map>

#include "evaluator.hpp"
#include "go_compat.hpp"

namespace tocsin::promql::detail {

namespace {

// 2.42's vectorByValueHeap (topk) and vectorByReverseValueHeap (bottomk)
// orderings: NaN is "less" than anything, even NaN.
bool heap_less(double a, double b, bool reverse) {
    if (std::isnan(a)) return true;
    return reverse ? a > b : a < b;
}

// Go's container/heap over indices into the input vector.
class GoHeap {
public:
    GoHeap(const Vector& in, bool reverse) : m_in(&in), m_reverse(reverse) {}

    std::vector<std::size_t> items;

    bool less(std::size_t i, std::size_t j) const {
        return heap_less((*m_in)[items[i]].value, (*m_in)[items[j]].value, m_reverse);
    }
    void push(std::size_t idx) {
        items.push_back(idx);
        up(items.size() - 1);
    }
    void pop() {
        const std::size_t n = items.size() - 1;
        std::swap(items[0], items[n]);
        down(0, n);
        items.pop_back();
    }
    double top_value() const { return (*m_in)[items[0]].value; }

    // sort.Sort(sort.Reverse(heap)): insertion sort for short inputs, as Go's
    // pdqsort does (stable), stable_sort otherwise.
    void sort_reversed() {
        auto rless = [&](std::size_t a, std::size_t b) {
            return heap_less((*m_in)[b].value, (*m_in)[a].value, m_reverse);
        };
        if (items.size() <= 12) {
            for (std::size_t i = 1; i < items.size(); ++i) {
                for (std::size_t j = i; j > 0 && rless(items[j], items[j - 1]); --j) std::swap(items[j], items[j - 1]);
            }
            return;
        }
        // A strict weak order equivalent for longer inputs: NaN last.
        std::stable_sort(items.begin(), items.end(), [&](std::size_t a, std::size_t b) {
            const double va = (*m_in)[a].value;
            const double vb = (*m_in)[b].value;
            if (std::isnan(va)) return false;
            if (std::isnan(vb)) return true;
            return m_reverse ? va < vb : va > vb;
        });
    }

private:
    void up(std::size_t j) {
        while (j > 0) {
            const std::size_t i = (j - 1) / 2;
            if (!less(j, i)) break;
            std::swap(items[i], items[j]);
            j = i;
        }
    }
    void down(std::size_t i, std::size_t n) {
        for (;;) {
            const std::size_t j1 = 2 * i + 1;
            if (j1 >= n) break;
            std::size_t j = j1;
            if (const std::size_t j2 = j1 + 1; j2 < n && less(j2, j1)) j = j2;
            if (!less(j, i)) break;
            std::swap(items[i], items[j]);
            i = j;
        }
    }

    const Vector* m_in;
    bool m_reverse;
};

struct Group {
    Labels labels;
    double value = 0;
    std::int64_t count = 1;
    kernels::AvgAggregator avg{0};
    kernels::VarianceAggregator var{0};
    std::vector<double> values;  // quantile
    std::optional<GoHeap> heap;  // topk, bottomk
};

void append_pair(std::string& key, const Label& l) {
    key += l.name;
    key += '\xff';
    key += l.value;
    key += '\xff';
}

// Whether the aggregation reads only its grouping labels of each input
// element (not topk/bottomk, which return the elements, nor count_values,
// which adds a label) and its argument can take the hint: a selector or a
// range function over one.
bool grouping_hint_applies(const Aggregate& a) {
    switch (a.op) {
        case AggregateOp::sum:
        case AggregateOp::avg:
        case AggregateOp::min:
        case AggregateOp::max:
        case AggregateOp::count:
        case AggregateOp::group:
        case AggregateOp::stddev:
        case AggregateOp::stdvar:
        case AggregateOp::quantile:
            break;
        default:
            return false;
    }
    const Expr& arg = unwrap_parens(*a.expr);
    if (arg.is<VectorSelector>()) return true;
    if (const auto* c = arg.as<Call>()) {
        for (const auto& x : c->args) {
            if (x->type == ValueType::matrix) return true;
        }
    }
    return false;
}

}  // namespace

Result<Value> Evaluator::eval_aggregate(const Aggregate& a, std::int64_t ts) {
    const std::size_t before = samples();
    double param = 0;
    std::string value_label;
    if (a.param) {
        auto p = eval(*a.param, ts);
        if (!p) return p;
        if (p->type == ValueType::string) {
            value_label = p->string;
        } else {
            param = p->scalar;
        }
    }
    if (grouping_hint_applies(a)) m_grouping = PendingGrouping{a.without, a.grouping};
    auto input = eval(*a.expr, ts);
    m_grouping.reset();
    if (!input) return input;
    const Vector& in = input->vector;

    Value out;
    out.type = ValueType::vector;
    std::int64_t k = 0;
    const bool is_topk = a.op == AggregateOp::topk || a.op == AggregateOp::bottomk;
    if (is_topk) {
        if (!kernels::convertible_to_int64(param)) {
            return eval_error("Scalar value " + go::format_float(param) + " overflows int64");
        }
        k = static_cast<std::int64_t>(param);
        if (k < 1) {
            set_samples(before);
            return out;
        }
    }

    std::vector<std::string> grouping = a.grouping;
    if (a.op == AggregateOp::count_values) {
        if (!is_valid_label_name(value_label)) return eval_error("invalid label name " + go::quote(value_label));
        if (!a.without) grouping.push_back(value_label);
    }
    std::sort(grouping.begin(), grouping.end());
    auto grouped = [&](std::string_view name) { return std::binary_search(grouping.begin(), grouping.end(), name); };

    std::vector<Group> groups;
    std::unordered_map<std::string, std::size_t> index;
    std::string key;
    Labels counted;  // count_values: the element's labels with the value label
    for (std::size_t si = 0; si < in.size(); ++si) {
        const VectorSample& s = in[si];
        const Labels* metric = &s.labels;
        if (a.op == AggregateOp::count_values) {
            counted = s.labels.with(value_label, kernels::format_count_value(s.value));
            metric = &counted;
        }
        key.clear();
        if (a.without) {
            for (const auto& l : *metric) {
                if (l.name != "__name__" && !grouped(l.name)) append_pair(key, l);
            }
        } else {
            for (const auto& l : *metric) {
                if (grouped(l.name)) append_pair(key, l);
            }
        }
        auto [it, inserted] = index.try_emplace(key, groups.size());
        if (inserted) {
            Group g;
            std::vector<Label> kept;
            for (const auto& l : *metric) {
                if (a.without ? (l.name != "__name__" && !grouped(l.name)) : grouped(l.name)) kept.push_back(l);
            }
            g.labels = Labels(std::move(kept));
            g.value = s.value;
            switch (a.op) {
                case AggregateOp::avg: g.avg = kernels::AvgAggregator(s.value); break;
                case AggregateOp::stddev:
                case AggregateOp::stdvar: g.var = kernels::VarianceAggregator(s.value); break;
                case AggregateOp::group: g.value = 1; break;
                case AggregateOp::quantile: g.values.push_back(s.value); break;
                case AggregateOp::topk:
                case AggregateOp::bottomk:
                    g.heap.emplace(in, a.op == AggregateOp::bottomk);
                    g.heap->items.push_back(si);
                    break;
                default: break;
            }
            groups.push_back(std::move(g));
            continue;
        }
        Group& g = groups[it->second];
        switch (a.op) {
            case AggregateOp::sum: g.value = kernels::sum_step(g.value, s.value); break;
            case AggregateOp::avg: g.avg.add(s.value); break;
            case AggregateOp::group: break;
            case AggregateOp::max: g.value = kernels::max_step(g.value, s.value); break;
            case AggregateOp::min: g.value = kernels::min_step(g.value, s.value); break;
            case AggregateOp::count:
            case AggregateOp::count_values: ++g.count; break;
            case AggregateOp::stddev:
            case AggregateOp::stdvar: g.var.add(s.value); break;
            case AggregateOp::quantile: g.values.push_back(s.value); break;
            case AggregateOp::topk:
            case AggregateOp::bottomk: {
                GoHeap& h = *g.heap;
                const bool reverse = a.op == AggregateOp::bottomk;
                const double top = h.top_value();
                const bool better = reverse ? top > s.value : top < s.value;
                if (static_cast<std::int64_t>(h.items.size()) < k || better || std::isnan(top)) {
                    if (static_cast<std::int64_t>(h.items.size()) == k) {
                        if (k == 1) {
                            h.items[0] = si;
                            break;
                        }
                        h.pop();
                    }
                    h.push(si);
                }
                break;
            }
        }
    }

    out.vector.reserve(groups.size());
    for (auto& g : groups) {
        double v = g.value;
        switch (a.op) {
            case AggregateOp::avg: v = g.avg.value(); break;
            case AggregateOp::count:
            case AggregateOp::count_values: v = static_cast<double>(g.count); break;
            case AggregateOp::stdvar: v = g.var.stdvar(); break;
            case AggregateOp::stddev: v = g.var.stddev(); break;
            case AggregateOp::quantile: v = kernels::quantile(param, g.values); break;
            case AggregateOp::topk:
            case AggregateOp::bottomk:
                if (g.heap->items.size() > 1) g.heap->sort_reversed();
                for (std::size_t idx : g.heap->items) out.vector.push_back(in[idx]);
                continue;
            default: break;
        }
        out.vector.push_back(VectorSample{std::move(g.labels), v});
    }
    set_samples(before);
    if (auto st = add_samples(out.vector.size()); !st) return std::move(st).error();
    return out;
}

}  // namespace tocsin::promql::detail
