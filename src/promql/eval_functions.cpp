// Function calls (2.42's Call evaluation and functions.go).
//
// Functions over a range (rate, *_over_time, ...) run series by series: each
// series' window is read into one reused buffer and handed to its kernel;
// labels are built only for series that produce a value. Every function but
// last_over_time drops __name__ there. Among instant-vector functions, those
// that compute a new value (math, clamp*, round, timestamp, date functions,
// histogram_quantile) drop it; sort, label_replace and label_join keep it.
#include <algorithm>
#include <bit>
#include <cmath>
#include <numbers>
#include <string>
#include <unordered_map>
#include <utility>

#include "evaluator.hpp"
#include "go_compat.hpp"

namespace tocsin::promql::detail {

namespace {

std::optional<kernels::MathFn> math_function(FunctionId id) {
    using kernels::MathFn;
    switch (id) {
        case FunctionId::abs: return MathFn::abs;
        case FunctionId::ceil: return MathFn::ceil;
        case FunctionId::floor: return MathFn::floor;
        case FunctionId::exp: return MathFn::exp;
        case FunctionId::sqrt: return MathFn::sqrt;
        case FunctionId::ln: return MathFn::ln;
        case FunctionId::log2: return MathFn::log2;
        case FunctionId::log10: return MathFn::log10;
        case FunctionId::sgn: return MathFn::sgn;
        case FunctionId::deg: return MathFn::deg;
        case FunctionId::rad: return MathFn::rad;
        case FunctionId::sin: return MathFn::sin;
        case FunctionId::cos: return MathFn::cos;
        case FunctionId::tan: return MathFn::tan;
        case FunctionId::asin: return MathFn::asin;
        case FunctionId::acos: return MathFn::acos;
        case FunctionId::atan: return MathFn::atan;
        case FunctionId::sinh: return MathFn::sinh;
        case FunctionId::cosh: return MathFn::cosh;
        case FunctionId::tanh: return MathFn::tanh;
        case FunctionId::asinh: return MathFn::asinh;
        case FunctionId::acosh: return MathFn::acosh;
        case FunctionId::atanh: return MathFn::atanh;
        default: return std::nullopt;
    }
}

std::optional<kernels::DatePart> date_function(FunctionId id) {
    using kernels::DatePart;
    switch (id) {
        case FunctionId::day_of_month: return DatePart::day_of_month;
        case FunctionId::day_of_week: return DatePart::day_of_week;
        case FunctionId::day_of_year: return DatePart::day_of_year;
        case FunctionId::days_in_month: return DatePart::days_in_month;
        case FunctionId::hour: return DatePart::hour;
        case FunctionId::minute: return DatePart::minute;
        case FunctionId::month: return DatePart::month;
        case FunctionId::year: return DatePart::year;
        default: return std::nullopt;
    }
}

// The value of a range function over one series' window (nullopt: no output).
Result<std::optional<double>> range_kernel(FunctionId id, std::span<const series::Sample> w, std::int64_t range_start,
                                           std::int64_t range_end, std::int64_t ts, const std::vector<double>& scalars,
                                           std::size_t matrix_index) {
    auto arg = [&](std::size_t i) { return i < scalars.size() ? scalars[i] : 0.0; };
    switch (id) {
        case FunctionId::rate: return kernels::rate(w, range_start, range_end);
        case FunctionId::increase: return kernels::increase(w, range_start, range_end);
        case FunctionId::delta: return kernels::delta(w, range_start, range_end);
        case FunctionId::irate: return kernels::irate(w);
        case FunctionId::idelta: return kernels::idelta(w);
        case FunctionId::deriv: return kernels::deriv(w);
        case FunctionId::predict_linear: return kernels::predict_linear(w, ts, arg(matrix_index + 1));
        case FunctionId::holt_winters: return kernels::holt_winters(w, arg(1), arg(2));
        case FunctionId::resets: return kernels::resets(w);
        case FunctionId::changes: return kernels::changes(w);
        case FunctionId::avg_over_time: return kernels::avg_over_time(w);
        case FunctionId::sum_over_time: return kernels::sum_over_time(w);
        case FunctionId::count_over_time: return kernels::count_over_time(w);
        case FunctionId::min_over_time: return kernels::min_over_time(w);
        case FunctionId::max_over_time: return kernels::max_over_time(w);
        case FunctionId::last_over_time: return kernels::last_over_time(w);
        case FunctionId::present_over_time: return kernels::present_over_time(w);
        case FunctionId::stddev_over_time: return kernels::stddev_over_time(w);
        case FunctionId::stdvar_over_time: return kernels::stdvar_over_time(w);
        case FunctionId::quantile_over_time: return kernels::quantile_over_time(arg(0), w);
        case FunctionId::absent_over_time: return std::optional<double>(1.0);
        default: return Error::make(ErrorCategory::internal, "not a range function");
    }
}

// 2.42's createLabelsForAbsentFunction: the labels the selector pins with
// exactly one equality matcher (__name__ aside).
Labels absent_labels(const Expr& arg) {
    const Expr& e = unwrap_parens(arg);
    const VectorSelector* sel = e.as<VectorSelector>();
    if (const auto* ms = e.as<MatrixSelector>()) sel = &ms->selector;
    if (sel == nullptr) return {};
    std::vector<Label> out;
    std::vector<std::string> has;
    for (const auto& m : sel->matchers) {
        if (m.name() == "__name__") continue;
        std::erase_if(out, [&](const Label& l) { return l.name == m.name(); });
        const bool seen = std::find(has.begin(), has.end(), m.name()) != has.end();
        if (m.type() == series::Matcher::equal && !seen) {
            out.push_back(Label{m.name(), m.value()});
            has.push_back(m.name());
        }
    }
    return Labels(std::move(out));
}

bool has_name_equality(const VectorSelector& sel) {
    return std::any_of(sel.matchers.begin(), sel.matchers.end(),
                       [](const series::Matcher& m) { return m.type() == series::Matcher::equal && m.name() == "__name__"; });
}

// sort()/sort_desc() as 2.42's sort.Sort(sort.Reverse(...)): insertion sort
// (stable) for short vectors as Go's pdqsort does, stable_sort beyond.
void sort_vector(Vector& v, bool descending) {
    auto go_less = [descending](double a, double b) {
        // Reverse of the heap order: b "less" than a in the heap's terms.
        if (std::isnan(b)) return true;
        return descending ? b < a : b > a;
    };
    if (v.size() <= 12) {
        for (std::size_t i = 1; i < v.size(); ++i) {
            for (std::size_t j = i; j > 0 && go_less(v[j].value, v[j - 1].value); --j) std::swap(v[j], v[j - 1]);
        }
        return;
    }
    std::stable_sort(v.begin(), v.end(), [descending](const VectorSample& a, const VectorSample& b) {
        return descending ? kernels::sort_descending_less(a.value, b.value)
                          : kernels::sort_ascending_less(a.value, b.value);
    });
}

Vector histogram_quantile(double q, Vector& in) {
    struct Group {
        Labels labels;
        std::vector<kernels::Bucket> buckets;
    };
    std::vector<Group> groups;
    std::unordered_map<std::string, std::size_t> index;
    std::string key;
    for (auto& s : in) {
        auto ub = go::parse_float(s.labels.get("le"));
        if (!ub.ok()) continue;
        key.clear();
        for (const auto& l : s.labels) {
            if (l.name == "le") continue;
            key += l.name;
            key += '\xff';
            key += l.value;
            key += '\xff';
        }
        auto [it, inserted] = index.try_emplace(key, groups.size());
        if (inserted) {
            std::vector<Label> kept;
            kept.reserve(s.labels.size());
            for (const auto& l : s.labels) {
                if (l.name != "le" && l.name != "__name__") kept.push_back(l);
            }
            groups.push_back(Group{Labels(std::move(kept)), {}});
        }
        groups[it->second].buckets.push_back(kernels::Bucket{ub.value, s.value});
    }
    Vector out;
    out.reserve(groups.size());
    for (auto& g : groups) {
        out.push_back(VectorSample{std::move(g.labels), kernels::bucket_quantile(q, std::move(g.buckets))});
    }
    return out;
}

Value vector_value(Vector v) {
    Value out;
    out.type = ValueType::vector;
    out.vector = std::move(v);
    return out;
}

Value scalar_value(double v) {
    Value out;
    out.type = ValueType::scalar;
    out.scalar = v;
    return out;
}

}  // namespace

Result<Value> Evaluator::eval_timestamp_of_selector(const VectorSelector& sel, std::int64_t ts) {
    auto v = eval_vector_selector(sel, ts, /*with_timestamps=*/true);
    if (!v) return v;
    if (!has_name_equality(sel)) {
        if (auto st = check_unique_labels(v->vector); !st) return std::move(st).error();
    }
    return v;
}

Result<Value> Evaluator::eval_range_call(const Call& call, std::size_t matrix_index, std::int64_t ts) {
    const FunctionId id = call.function->id;
    const std::optional<PendingFilter> filter = std::exchange(m_filter, std::nullopt);
    const std::optional<PendingGrouping> grouping = std::exchange(m_grouping, std::nullopt);
    auto filtered_out = [&](double v) {
        return filter && !kernels::vector_scalar_binop(filter->op, v, filter->scalar, filter->scalar_on_left, false);
    };
    const std::size_t before = samples();
    std::vector<double> scalars(call.args.size(), 0.0);
    for (std::size_t i = 0; i < call.args.size(); ++i) {
        if (i == matrix_index) continue;
        auto v = eval(*call.args[i], ts);
        if (!v) return v;
        scalars[i] = v->scalar;
    }
    const bool drop_name = id != FunctionId::last_over_time;
    const Expr& arg = unwrap_parens(*call.args[matrix_index]);
    Vector out;
    bool any_window = false;
    bool may_collide = drop_name;

    if (const auto* ms = arg.as<MatrixSelector>()) {
        const std::int64_t maxt = selector_time(ms->selector.at, ms->selector.offset, ts);
        const std::int64_t mint = maxt - ms->range.count();
        if (has_name_equality(ms->selector)) may_collide = false;
        // Series are read in memory order (an unordered select walks slots
        // upwards, and chunks were allocated scrape by scrape in about that
        // order), with their records and chunks prefetched a few series
        // ahead; only the results kept are then put in label order, the
        // order 2.42's Select gives and its later steps (sum's rounding,
        // error messages, sort's ties) depend on.
        const auto refs = m_store.select(ms->selector.matchers, series::SelectOrder::unordered);
        struct Kept {
            std::size_t index;
            double value;
        };
        std::vector<Kept> kept;
        constexpr std::size_t k_ahead = 8;
        for (std::size_t i = 0; i < refs.size(); ++i) {
            if (i + 2 * k_ahead < refs.size()) m_store.prefetch_record(refs[i + 2 * k_ahead]);
            if (i + k_ahead < refs.size()) m_store.prefetch_samples(refs[i + k_ahead]);
            m_buffer.clear();
            if (m_store.samples(refs[i], mint, maxt, m_buffer) == 0) continue;
            std::erase_if(m_buffer, [](const series::Sample& s) { return std::bit_cast<std::uint64_t>(s.v) == k_stale_nan_bits; });
            if (m_buffer.empty()) continue;
            any_window = true;
            if (id == FunctionId::absent_over_time) break;
            set_samples(before + kept.size());
            if (auto st = add_samples(m_buffer.size()); !st) return std::move(st).error();
            auto r = range_kernel(id, m_buffer, mint, maxt, ts, scalars, matrix_index);
            if (!r) return std::move(r).error();
            if (!*r) continue;
            // The parent comparison drops it; when no two results can share
            // labels, nobody needs to see it.
            if (!may_collide && filtered_out(**r)) continue;
            kept.push_back(Kept{i, **r});
        }
        std::vector<series::SeriesRef> kept_refs;
        kept_refs.reserve(kept.size());
        for (const Kept& k : kept) kept_refs.push_back(refs[k.index]);
        out.reserve(kept.size());
        // Under an aggregation that reads only its grouping labels (and when
        // no two results can collide, which would be an error), build only those.
        static const std::string k_name_label[] = {"__name__"};
        const series::LabelFilter only = grouping && !may_collide ? grouping_filter(*grouping, drop_name)
                                         : drop_name             ? m_store.label_filter(k_name_label, false)
                                                                 : m_store.label_filter({}, false);
        const std::vector<std::uint32_t> order = m_store.label_order(kept_refs);
        for (std::size_t k = 0; k < order.size(); ++k) {
            // Label order is not memory order: fetch records and label arrays ahead.
            if (k + 2 * k_ahead < order.size()) m_store.prefetch_record(kept_refs[order[k + 2 * k_ahead]]);
            if (k + k_ahead < order.size()) m_store.prefetch_labels(kept_refs[order[k + k_ahead]]);
            out.push_back(VectorSample{m_store.labels(kept_refs[order[k]], only), kept[order[k]].value});
        }
    } else if (const auto* sq = arg.as<Subquery>()) {
        std::int64_t end = 0;
        auto series = eval_subquery(*sq, ts, end);
        if (!series) return std::move(series).error();
        const std::int64_t start = end - sq->range.count();
        for (auto& s : *series) {
            auto first = std::lower_bound(s.samples.begin(), s.samples.end(), start,
                                          [](const series::Sample& a, std::int64_t t) { return a.t < t; });
            auto last = std::upper_bound(first, s.samples.end(), end,
                                         [](std::int64_t t, const series::Sample& a) { return t < a.t; });
            if (first == last) continue;
            any_window = true;
            if (id == FunctionId::absent_over_time) break;
            auto r = range_kernel(id, std::span<const series::Sample>(&*first, static_cast<std::size_t>(last - first)),
                                  start, end, ts, scalars, matrix_index);
            if (!r) return std::move(r).error();
            if (!*r) continue;
            out.push_back(VectorSample{drop_name ? drop_metric_name(std::move(s.labels)) : std::move(s.labels), **r});
        }
    } else {
        return Error::make(ErrorCategory::internal, "range function without a range argument");
    }

    if (id == FunctionId::absent_over_time) {
        out.clear();
        // absent_over_time of a subquery has no selector to take labels from.
        if (!any_window) out.push_back(VectorSample{arg.is<MatrixSelector>() ? absent_labels(arg) : Labels{}, 1.0});
    } else if (may_collide) {
        if (auto st = check_unique_labels(out); !st) return std::move(st).error();
    }
    set_samples(before);
    if (auto st = add_samples(out.size()); !st) return std::move(st).error();
    return vector_value(std::move(out));
}

Result<Value> Evaluator::eval_call(const Call& call, std::int64_t ts) {
    const FunctionId id = call.function->id;

    if (id == FunctionId::timestamp) {
        // The sample's own time for a selector; the evaluation time otherwise.
        if (const auto* sel = unwrap_parens(*call.args[0]).as<VectorSelector>()) {
            return eval_timestamp_of_selector(*sel, ts);
        }
    }
    for (std::size_t i = 0; i < call.args.size(); ++i) {
        if (call.args[i]->type == ValueType::matrix) return eval_range_call(call, i, ts);
    }

    const std::size_t before = samples();
    std::vector<Value> args;
    args.reserve(call.args.size());
    for (const auto& a : call.args) {
        auto v = eval(*a, ts);
        if (!v) return v;
        args.push_back(std::move(*v));
    }
    auto scalar_arg = [&](std::size_t i, double fallback) { return i < args.size() ? args[i].scalar : fallback; };

    Vector out;
    bool check = true;  // whether labels may now collide
    if (auto fn = math_function(id)) {
        for (auto& s : args[0].vector) out.push_back(VectorSample{drop_metric_name(std::move(s.labels)), kernels::math_fn(*fn, s.value)});
    } else if (auto part = date_function(id)) {
        if (args.empty()) {
            out.push_back(VectorSample{Labels{}, kernels::date_part_at(*part, ts)});
        } else {
            for (auto& s : args[0].vector) out.push_back(VectorSample{drop_metric_name(std::move(s.labels)), kernels::date_part(*part, s.value)});
        }
    } else {
        switch (id) {
            case FunctionId::time: set_samples(before); return scalar_value(kernels::timestamp_seconds(ts));
            case FunctionId::pi: set_samples(before); return scalar_value(std::numbers::pi);
            case FunctionId::scalar: {
                const Vector& v = args[0].vector;
                set_samples(before);
                return scalar_value(v.size() == 1 ? v[0].value : go::nan_value());
            }
            case FunctionId::vector: out.push_back(VectorSample{Labels{}, args[0].scalar}); break;
            case FunctionId::timestamp:
                for (auto& s : args[0].vector) out.push_back(VectorSample{drop_metric_name(std::move(s.labels)), kernels::timestamp_seconds(ts)});
                break;
            case FunctionId::clamp: {
                const double lo = args[1].scalar;
                const double hi = args[2].scalar;
                if (hi < lo) break;
                for (auto& s : args[0].vector) {
                    out.push_back(VectorSample{drop_metric_name(std::move(s.labels)), *kernels::clamp(s.value, lo, hi)});
                }
                break;
            }
            case FunctionId::clamp_min:
                for (auto& s : args[0].vector) out.push_back(VectorSample{drop_metric_name(std::move(s.labels)), kernels::clamp_min(s.value, args[1].scalar)});
                break;
            case FunctionId::clamp_max:
                for (auto& s : args[0].vector) out.push_back(VectorSample{drop_metric_name(std::move(s.labels)), kernels::clamp_max(s.value, args[1].scalar)});
                break;
            case FunctionId::round: {
                const double to = scalar_arg(1, 1.0);
                for (auto& s : args[0].vector) out.push_back(VectorSample{drop_metric_name(std::move(s.labels)), kernels::round_to(s.value, to)});
                break;
            }
            case FunctionId::sort:
            case FunctionId::sort_desc:
                out = std::move(args[0].vector);
                sort_vector(out, id == FunctionId::sort_desc);
                check = false;
                break;
            case FunctionId::absent:
                if (args[0].vector.empty()) out.push_back(VectorSample{absent_labels(*call.args[0]), 1.0});
                check = false;
                break;
            case FunctionId::label_replace: {
                auto replacer = kernels::LabelReplacer::create(args[1].string, args[2].string, args[3].string, args[4].string);
                if (!replacer) return eval_error(std::move(replacer).error().message);
                for (auto& s : args[0].vector) out.push_back(VectorSample{replacer->apply(s.labels), s.value});
                break;
            }
            case FunctionId::label_join: {
                std::vector<std::string> srcs;
                for (std::size_t i = 3; i < args.size(); ++i) srcs.push_back(args[i].string);
                if (auto st = kernels::validate_label_join(args[1].string, srcs); !st) {
                    return eval_error(std::move(st).error().message);
                }
                for (auto& s : args[0].vector) {
                    out.push_back(VectorSample{kernels::label_join_unchecked(s.labels, args[1].string, args[2].string, srcs), s.value});
                }
                break;
            }
            case FunctionId::histogram_quantile:
                out = histogram_quantile(args[0].scalar, args[1].vector);
                break;
            case FunctionId::histogram_count:
            case FunctionId::histogram_sum:
            case FunctionId::histogram_fraction:
                // Native histograms only: float samples give nothing.
                check = false;
                break;
            default:
                return Error::make(ErrorCategory::internal, "unhandled function " + std::string(call.function->name));
        }
    }
    if (check) {
        if (auto st = check_unique_labels(out); !st) return std::move(st).error();
    }
    set_samples(before);
    if (auto st = add_samples(out.size()); !st) return std::move(st).error();
    return vector_value(std::move(out));
}

}  // namespace tocsin::promql::detail
