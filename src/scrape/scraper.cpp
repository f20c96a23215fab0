#include "tocsin/scrape/scraper.hpp"

#include <algorithm>
#include <cmath>
#include <deque>

#include "tocsin/core/labels.hpp"
#include "tocsin/scrape/exposition_parser.hpp"
#include "series_cache.hpp"
#include "tocsin/scrape/gunzip.hpp"

namespace tocsin::scrape {
namespace {

// What Prometheus 2.42 sends: OpenMetrics preferred, the text format accepted.
constexpr const char* k_accept =
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
    "text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

// Pages from this size on get their own receive buffer, up to the maximum.
constexpr std::size_t k_large_page = 1 << 20;
constexpr std::size_t k_max_receive_buffer = 4 << 20;

}  // namespace

// Turns parsed samples into staged appends; the scrape fails at the first
// limit exceeded, before anything reaches the store's samples. The cache is
// keyed by each series' text on the page and kept in page order, so for a
// page like the last one the parser only compares each line's start with
// the next entry's key (see SampleSink::expected_series).
class StagingSink final : public SampleSink {
public:
    StagingSink(Scraper& scraper, series::SeriesStore& store, std::int64_t t_ms)
        : m_scraper(scraper),
          m_store(store),
          m_config(scraper.m_config),
          m_target(scraper.m_target_labels),
          m_t(t_ms),
          m_staged(scraper.m_staged),
          m_appends(scraper.m_appends),
          m_cache(*scraper.m_cache) {}

    std::optional<std::string> error;
    std::string reason;
    std::size_t not_admitted = 0;
    std::size_t refused_entries_seen = 0;  // distinct refused entries on this page
    std::size_t samples = 0;

    // The page repeats the last one: the next cache entry, in page order.
    ExpectedSeries expected_series() override {
        if (m_next >= m_cache.size()) return {};
        const SeriesCache::Entry& entry = m_cache.entries()[m_next];
        return ExpectedSeries{m_cache.key(entry), entry.spans_lines};
    }

    void on_expected_sample(double value, std::optional<std::int64_t> timestamp_ms, std::size_t line) override {
        if (error) return;
        if (!count_sample(line)) return;
        stage(m_next++, value, timestamp_ms);
    }

    void on_sample(const SampleView& s) override {
        if (error) return;
        if (!count_sample(s.line)) return;
        std::optional<std::uint32_t> index = lookup(s);
        if (!index) return;  // a limit failed
        m_next = *index + 1;
        stage(*index, s.value, s.timestamp_ms);
    }

private:
    bool count_sample(std::size_t line) {
        ++samples;
        if (m_config.sample_limit > 0 && samples > static_cast<std::size_t>(m_config.sample_limit)) {
            fail(line, "sample_limit", "sample_limit of " + std::to_string(m_config.sample_limit) + " exceeded");
            return false;
        }
        return true;
    }

    void stage(std::uint32_t index, double value, std::optional<std::int64_t> timestamp_ms) {
        SeriesCache::Entry& entry = m_cache.entries()[index];
        if (!entry.ref) {
            ++not_admitted;
            if (entry.seen != m_scraper.m_iteration) ++refused_entries_seen;
            entry.seen = m_scraper.m_iteration;
            return;
        }
        m_staged.push_back(Scraper::Staged{index, timestamp_ms.has_value()});
        m_appends.push_back(series::SeriesStore::PendingAppend{entry.ref, timestamp_ms.value_or(m_t), value});
    }

    // The cache entry of the line's series, created (labelled, checked
    // against the limits, resolved in the store) when new.
    std::optional<std::uint32_t> lookup(const SampleView& s) {
        const std::uint64_t hash = SeriesCache::hash_key(s.series_text);
        if (SeriesCache::Entry* entry = m_cache.find(s.series_text, hash)) return m_cache.index_of(*entry);
        build_labels(s);
        if (!check_limits(s)) return std::nullopt;
        series::SeriesRef ref = m_store.get_or_create(s.metric_name, m_labels);
        SeriesCache::Entry* entry = m_cache.insert(s.series_text, hash);
        entry->ref = ref;
        return m_cache.index_of(*entry);
    }

    void fail(std::size_t line, const char* why, std::string message) {
        error = "line " + std::to_string(line) + ": " + message;
        reason = why;
    }

    const LabelView* find(const SampleView& s, std::string_view name) const {
        for (const auto& l : s.labels) {
            if (l.name == name && !l.value.empty()) return &l;
        }
        return nullptr;
    }

    // Prometheus' mutateSampleLabels: target labels win unless honor_labels;
    // a clashing page label is kept as exported_NAME.
    void build_labels(const SampleView& s) {
        m_labels.clear();
        m_exported.clear();
        for (const auto& l : s.labels) m_labels.push_back(series::LabelView{l.name, l.value});
        for (const auto& [name, value] : m_target) {
            if (find(s, name) != nullptr) {
                if (m_config.honor_labels) continue;
                for (auto& l : m_labels) {
                    if (l.name != name) continue;
                    std::string renamed = "exported_" + name;
                    while (find(s, renamed) != nullptr) renamed.insert(0, "exported_");
                    m_exported.push_back(std::move(renamed));
                    l.name = m_exported.back();
                }
            }
            m_labels.push_back(series::LabelView{name, value});
        }
    }

    bool check_limits(const SampleView& s) {
        if (m_config.label_limit > 0) {
            std::size_t count = 1;  // __name__ counts, as in Prometheus
            for (const auto& l : m_labels) count += l.value.empty() ? 0 : 1;
            if (count > static_cast<std::size_t>(m_config.label_limit)) {
                fail(s.line, "label_limit", "label_limit of " + std::to_string(m_config.label_limit) + " exceeded (metric " +
                            std::string(s.metric_name) + " has " + std::to_string(count) + " labels)");
                return false;
            }
        }
        if (m_config.label_value_length_limit > 0) {
            auto limit = static_cast<std::size_t>(m_config.label_value_length_limit);
            if (s.metric_name.size() > limit) {
                fail(s.line, "label_value_length_limit",
                     "label_value_length_limit of " + std::to_string(limit) + " exceeded by __name__");
                return false;
            }
            for (const auto& l : m_labels) {
                if (l.value.size() > limit) {
                    fail(s.line, "label_value_length_limit",
                         "label_value_length_limit of " + std::to_string(limit) + " exceeded by label " +
                                std::string(l.name) + " of " + std::string(s.metric_name));
                    return false;
                }
            }
        }
        return true;
    }

    Scraper& m_scraper;
    series::SeriesStore& m_store;
    const config::ScrapeConfig& m_config;
    const std::vector<std::pair<std::string, std::string>>& m_target;
    std::int64_t m_t;
    std::vector<Scraper::Staged>& m_staged;
    std::vector<series::SeriesStore::PendingAppend>& m_appends;
    SeriesCache& m_cache;
    std::uint32_t m_next = 0;  // the entry expected next
    std::vector<series::LabelView> m_labels;
    std::deque<std::string> m_exported;  // deque: views into it stay valid as it grows
};

Scraper::~Scraper() = default;

Scraper::Scraper(config::ScrapeConfig config) : m_config(std::move(config)), m_cache(std::make_unique<SeriesCache>()) {
    m_target_labels.emplace_back("job", m_config.job);
    m_target_labels.emplace_back("instance", m_config.instance);
    for (const auto& l : m_config.labels) m_target_labels.push_back(l);
}

Result<std::shared_ptr<Scraper>> Scraper::create(const config::ScrapeConfig& config) {
    std::shared_ptr<Scraper> s(new Scraper(config));
    if (config.url.starts_with("https:")) {
        net::TlsOptions options{config.tls.ca_file, config.tls.cert_file, config.tls.key_file, config.tls.server_name,
                                config.tls.insecure_skip_verify};
        auto tls = net::TlsClientContext::create(options);
        if (!tls) return Error::make(tls.error().category, "scrape " + s->key() + ": " + tls.error().message);
        s->m_tls = std::move(*tls);
    }
    return s;
}

net::HttpClientRequest Scraper::request() const {
    net::HttpClientRequest r;
    r.url = m_config.url;
    r.headers.emplace_back("Accept", k_accept);
    r.headers.emplace_back("Accept-Encoding", "gzip");
    r.headers.emplace_back("X-Prometheus-Scrape-Timeout-Seconds",
                           std::to_string(std::chrono::duration<double>(m_config.timeout).count()));
    if (m_config.bearer_token) r.headers.emplace_back("Authorization", "Bearer " + m_config.bearer_token->reveal());
    r.total_timeout = m_config.timeout;
    r.connect_timeout = m_config.timeout;
    r.tls_timeout = m_config.timeout;
    r.max_redirects = 10;
    r.max_body_bytes = m_config.body_size_limit == 0 ? (1ULL << 40) : m_config.body_size_limit;
    r.tls = m_tls;
    return r;
}

std::size_t Scraper::mark_gone(SeriesCache& cache, series::SeriesStore& store, std::uint64_t current,
                               std::int64_t t_ms) {
    std::size_t marked = 0;
    if (m_last_ok == 0) return 0;
    for (auto& entry : cache.entries()) {
        // Series with their own timestamps are not marked stale (as in Prometheus).
        if (entry.seen != m_last_ok || entry.seen == current || !entry.ref || entry.explicit_timestamp) continue;
        // Two spellings of one series share a ref: if the other one was on
        // this page, the store refuses the marker (a sample is already at t).
        if (is_accepted(store.append(entry.ref, t_ms, stale_marker()))) ++marked;
    }
    return marked;
}

std::size_t Scraper::mark_gone(series::SeriesStore& store, std::uint64_t current, std::int64_t t_ms) {
    std::size_t marked = 0;
    if (m_retired) marked += mark_gone(*m_retired, store, 0, t_ms);
    m_retired.reset();
    return marked + mark_gone(*m_cache, store, current, t_ms);
}

void Scraper::prepare_cache(const series::SeriesStore& store, ExpositionFormat format) {
    if (store.reset_count() != m_store_resets) {
        // The store was emptied: every cached ref may alias a new series.
        m_cache = std::make_unique<SeriesCache>();
        m_retired.reset();
        m_last_ok = 0;
    } else if (store.removal_count() != m_store_removals) {
        m_cache->keep_if([&store](const SeriesCache::Entry& e) { return !e.ref || store.contains(e.ref); });
    }
    m_store_resets = store.reset_count();
    m_store_removals = store.removal_count();
    if (format != m_cache_format) {
        // Keys are page text, which means something else in the other
        // format: start over, and let the staleness pass see the old entries.
        if (!m_cache->entries().empty()) m_retired = std::move(m_cache);
        m_cache = std::make_unique<SeriesCache>();
        m_cache_format = format;
    }
}

void Scraper::mark_stale(series::SeriesStore& store, std::int64_t t_ms) {
    mark_gone(store, 0, t_ms);
    m_last_ok = 0;
}

void Scraper::forget_refusals() { m_cache->forget_refusals(); }

ScrapeReport Scraper::ingest(series::SeriesStore& store, const net::HttpClientResult& fetched, std::int64_t t_ms) {
    const auto started = std::chrono::steady_clock::now();
    ScrapeReport report;
    report.duration_seconds = fetched.duration_seconds;
    std::string decoded;
    std::string_view page = fetched.body;
    if (!fetched.ok()) {
        bool too_large = fetched.failure == net::FailureReason::body_too_large;
        report.reason = too_large ? "body_size_limit" : net::to_string(fetched.failure);
        report.error = too_large ? "body size limit exceeded" : report.reason + ": " + fetched.detail;
    } else if (fetched.status != 200) {
        report.reason = "status";
        report.error = "server returned HTTP status " + std::to_string(fetched.status);
    } else if (fetched.content_encoding == "gzip") {
        auto body = gunzip(fetched.body, m_config.body_size_limit);
        if (!body) {
            report.error = body.error().message;
            report.reason = report.error.starts_with("body size") ? "body_size_limit" : "gzip";
        } else {
            decoded = std::move(*body);
        }
        page = decoded;
    }

    const std::uint64_t iteration = ++m_iteration;
    m_staged.clear();
    m_appends.clear();
    std::size_t entries_seen = 0;  // distinct cache entries on this page
    if (report.error.empty()) {
        const ExpositionFormat format = format_from_content_type(fetched.content_type);
        prepare_cache(store, format);
        ExpositionParser parser(format);
        StagingSink sink(*this, store, t_ms);
        auto result = parser.parse(page, sink);
        report.samples_scraped = sink.samples;
        report.not_admitted = sink.not_admitted;
        entries_seen = sink.refused_entries_seen;
        if (auto* e = std::get_if<ParseError>(&result)) {
            report.error = "line " + std::to_string(e->line) + ": " + e->message;
            report.reason = "parse";
        } else if (sink.error) {
            report.error = *sink.error;
            report.reason = sink.reason;
        }
    }

    if (!report.error.empty()) {
        // A failed scrape makes everything from the last one stale.
        report.stale_markers = mark_gone(store, 0, t_ms);
        m_last_ok = 0;
    } else {
        report.up = true;
        auto& entries = m_cache->entries();
        m_append_results.resize(m_appends.size());
        store.append_batch(m_appends, m_append_results);
        for (std::size_t i = 0; i < m_staged.size(); ++i) {
            const Staged& s = m_staged[i];
            SeriesCache::Entry* entry = &entries[s.entry];
            const series::AppendResult result = m_append_results[i];
            if (is_accepted(result)) ++report.samples_appended;
            if (result == series::AppendResult::out_of_order) ++report.out_of_order;
            if (result == series::AppendResult::duplicate_sample_for_timestamp) ++report.duplicates;
            if (entry->seen != iteration) {
                if (m_last_ok == 0 || entry->seen != m_last_ok) ++report.series_added;
                entry->seen = iteration;
                ++entries_seen;
            }
            entry->explicit_timestamp = s.explicit_timestamp;
        }
        // A page with every cached series on it (the usual case) has nothing
        // to mark stale or forget: skip walking the cache.
        const bool all_seen = entries_seen == entries.size() && !m_retired;
        report.stale_markers = all_seen ? 0 : mark_gone(store, iteration, t_ms);
        m_last_ok = iteration;
        // Forget what this page no longer has, so the cache tracks the page.
        if (!all_seen) m_cache->compact(iteration);
    }
    write_report(store, report, t_ms);
    report.ingest_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return report;
}

void Scraper::write_report(series::SeriesStore& store, const ScrapeReport& report, std::int64_t t_ms) {
    auto put = [&](std::string_view name, double value) {
        std::vector<series::LabelView> labels;
        for (const auto& [k, v] : m_target_labels) labels.push_back(series::LabelView{k, v});
        if (auto ref = store.get_or_create(name, labels)) store.append(ref, t_ms, value);
    };
    put("up", report.up ? 1 : 0);
    put("scrape_duration_seconds", report.duration_seconds);
    put("scrape_samples_scraped", static_cast<double>(report.samples_scraped));
    put("scrape_samples_post_metric_relabeling", static_cast<double>(report.samples_scraped));
    put("scrape_series_added", static_cast<double>(report.series_added));
}

void Scraper::run(boost::asio::io_context& io, series::SeriesStore& store, const Clock& clock,
                  std::function<void(const ScrapeReport&)> done) {
    // Prometheus stamps samples with the scrape's start time.
    std::int64_t t_ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch()).count();
    net::HttpClientRequest req = request();
    // A large page gets a receive buffer sized for it (see
    // HttpClientRequest::receive_buffer_bytes); small ones keep autotuning.
    if (m_body_buffer.size() >= k_large_page) {
        req.receive_buffer_bytes = static_cast<std::uint32_t>(std::min(m_body_buffer.size(), k_max_receive_buffer));
    }
    req.body_buffer = std::move(m_body_buffer);
    net::http_fetch(io, std::move(req),
                    [self = shared_from_this(), &store, t_ms, done = std::move(done)](net::HttpClientResult r) {
                        ScrapeReport report = self->ingest(store, r, t_ms);
                        self->m_body_buffer = std::move(r.body);  // the next scrape reads into it
                        done(report);
                    });
}

}  // namespace tocsin::scrape
