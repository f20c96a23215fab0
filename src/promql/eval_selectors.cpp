// Instant and range selectors and subqueries (2.42's vectorSelectorSingle,
// matrixIterSlice and SubqueryExpr evaluation).
//
// - An instant selector at time t takes each series' newest sample in
//   [t - lookback_delta, t], both ends included; a staleness marker there
//   means no value.
// - A range selector at t takes the samples in [t - range, t], both ends
//   included, staleness markers left out.
// - @ fixes t (start() and end() are the query's time), offset then moves it
//   back.
// - A subquery `e[range:step]` at t evaluates e at every multiple of step in
//   [t - range, t] (t after @ and offset) and presents the results as a range.
#include <map>
#include <utility>

#include "evaluator.hpp"

namespace tocsin::promql::detail {

std::int64_t Evaluator::selector_time(const AtModifier& at, Milliseconds offset, std::int64_t ts) const {
    std::int64_t base = ts;
    switch (at.kind) {
        case AtModifier::Kind::none:
            break;
        case AtModifier::Kind::timestamp:
            base = at.timestamp_ms;
            break;
        case AtModifier::Kind::start:
        case AtModifier::Kind::end:
            base = m_query_time;
            break;
    }
    return base - offset.count();
}

Result<Value> Evaluator::eval_vector_selector(const VectorSelector& sel, std::int64_t ts, bool with_timestamps) {
    const std::optional<PendingGrouping> grouping = std::exchange(m_grouping, std::nullopt);
    std::optional<series::LabelFilter> filter;
    if (grouping && !with_timestamps) filter = grouping_filter(*grouping, /*drops_name=*/false);
    const std::int64_t ref_time = selector_time(sel.at, sel.offset, ts);
    const std::int64_t min_time = ref_time - m_options.lookback_delta.count();
    Value out;
    out.type = ValueType::vector;
    const auto refs = m_store.select(sel.matchers);
    out.vector.reserve(refs.size());
    constexpr std::size_t k_ahead = 8;
    for (std::size_t i = 0; i < refs.size(); ++i) {
        if (i + k_ahead < refs.size()) m_store.prefetch_record(refs[i + k_ahead]);
        const auto ref = refs[i];
        series::Sample last;
        bool found = false;
        // Evaluating at (or after) the newest sample, as rules do, needs no decoding.
        if (auto newest = m_store.last_sample(ref); newest && newest->t <= ref_time) {
            last = *newest;
            found = last.t >= min_time;
        } else {
            series::SampleCursor cursor = m_store.cursor(ref, min_time, ref_time);
            series::Sample s;
            while (cursor.next(s)) {
                last = s;
                found = true;
            }
        }
        if (!found || is_stale_marker(last.v)) continue;
        if (with_timestamps) {
            out.vector.push_back(VectorSample{m_store.labels_without_metric_name(ref), kernels::timestamp_seconds(last.t)});
        } else {
            out.vector.push_back(VectorSample{filter ? m_store.labels(ref, *filter) : m_store.labels(ref), last.v});
        }
    }
    if (auto st = add_samples(out.vector.size()); !st) return std::move(st).error();
    return out;
}

Result<Value> Evaluator::eval_matrix_selector(const MatrixSelector& ms, std::int64_t ts) {
    const std::int64_t maxt = selector_time(ms.selector.at, ms.selector.offset, ts);
    const std::int64_t mint = maxt - ms.range.count();
    Value out;
    out.type = ValueType::matrix;
    for (const auto ref : m_store.select(ms.selector.matchers)) {
        MatrixSeries series;
        series::SampleCursor cursor = m_store.cursor(ref, mint, maxt);
        series::Sample s;
        while (cursor.next(s)) {
            if (!is_stale_marker(s.v)) series.samples.push_back(s);
        }
        if (series.samples.empty()) continue;
        if (auto st = add_samples(series.samples.size()); !st) return std::move(st).error();
        series.labels = m_store.labels(ref);
        out.matrix.push_back(std::move(series));
    }
    return out;
}

Result<std::vector<MatrixSeries>> Evaluator::eval_subquery(const Subquery& sq, std::int64_t ts, std::int64_t& end) {
    const std::int64_t step = sq.step.count() > 0 ? sq.step.count() : m_options.default_subquery_step.count();
    end = selector_time(sq.at, sq.offset, ts);
    const std::int64_t first = end - sq.range.count();
    // The first multiple of the step at or after `first` (C++ division
    // truncates towards zero, so negative times round up already).
    std::int64_t start = step * (first / step);
    if (start < first) start += step;

    const std::size_t before = samples();
    std::size_t total = 0;
    std::map<Labels, std::vector<series::Sample>> by_labels;
    for (std::int64_t t = start; t <= end; t += step) {
        auto v = eval(*sq.expr, t);
        if (!v) return std::move(v).error();
        set_samples(before + total);
        if (v->type == ValueType::scalar) {
            by_labels[Labels{}].push_back(series::Sample{t, v->scalar});
            ++total;
        } else {
            for (auto& s : v->vector) by_labels[std::move(s.labels)].push_back(series::Sample{t, s.value});
            total += v->vector.size();
        }
        set_samples(before);
        if (auto st = add_samples(total); !st) return std::move(st).error();
    }
    std::vector<MatrixSeries> out;
    out.reserve(by_labels.size());
    for (auto& [labels, points] : by_labels) out.push_back(MatrixSeries{labels, std::move(points)});
    return out;
}

}  // namespace tocsin::promql::detail
