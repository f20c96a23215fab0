// One [[scrape]]: fetch the page, parse it, attach job/instance labels with
// Prometheus' honor_labels rules, enforce limits, and append all of it or
// nothing to the series store, with staleness markers for what disappeared.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tocsin/config/config.hpp"
#include "tocsin/core/result.hpp"
#include "tocsin/net/http_client.hpp"
#include "tocsin/scrape/exposition_parser.hpp"
#include "tocsin/series/series_store.hpp"

namespace boost::asio {
class io_context;
}

namespace tocsin::scrape {

struct ScrapeReport {
    bool up = false;
    std::string error;  // why the scrape failed, e.g. "line 12: ..." or "server returned HTTP status 503"
    // Low-cardinality class of `error` for metrics: a net::FailureReason name,
    // "status", "parse", "gzip", "body_size_limit", "sample_limit",
    // "label_limit" or "label_value_length_limit"; "ok" when up.
    std::string reason = "ok";
    double duration_seconds = 0;       // the fetch, as Prometheus' scrape_duration_seconds
    double ingest_seconds = 0;         // decode, parse, label and append after the fetch
    std::size_t samples_scraped = 0;   // samples on the page
    std::size_t samples_appended = 0;  // accepted by the store
    std::size_t series_added = 0;      // series not in the previous scrape
    std::size_t out_of_order = 0;
    std::size_t duplicates = 0;        // same timestamp, different value
    std::size_t not_admitted = 0;      // no rule selector can read them
    std::size_t stale_markers = 0;
};

class SeriesCache;

class Scraper : public std::enable_shared_from_this<Scraper> {
public:
    static Result<std::shared_ptr<Scraper>> create(const config::ScrapeConfig& config);
    ~Scraper();

    const config::ScrapeConfig& config() const { return m_config; }
    std::string key() const { return m_config.job + "/" + m_config.instance; }

    // Fetches and ingests at the start time; `done` runs on the io_context.
    void run(boost::asio::io_context& io, series::SeriesStore& store, const Clock& clock,
             std::function<void(const ScrapeReport&)> done);

    // The part after the fetch, for tests and the run above: `t_ms` is the
    // scrape's timestamp, `duration` what the fetch took.
    ScrapeReport ingest(series::SeriesStore& store, const net::HttpClientResult& fetched, std::int64_t t_ms);

    // Marks every series of the last scrape stale, e.g. when the scrape is
    // removed from the config (Prometheus does the same on target removal).
    void mark_stale(series::SeriesStore& store, std::int64_t t_ms);

    // Forgets which page series the store refused, e.g. after rules change
    // what the store admits.
    void forget_refusals();

private:
    explicit Scraper(config::ScrapeConfig config);
    net::HttpClientRequest request() const;
    void write_report(series::SeriesStore& store, const ScrapeReport& report, std::int64_t t_ms);
    // Stale markers for the series of the last successful scrape that are not
    // in `current` (0: none are).
    std::size_t mark_gone(series::SeriesStore& store, std::uint64_t current, std::int64_t t_ms);
    std::size_t mark_gone(SeriesCache& cache, series::SeriesStore& store, std::uint64_t current, std::int64_t t_ms);
    // Drops cached refs the store no longer has; starts a new cache when the
    // store was reset or the page's format changed.
    void prepare_cache(const series::SeriesStore& store, ExpositionFormat format);

    struct Staged {
        std::uint32_t entry;  // index into the cache's entries
        bool explicit_timestamp;
    };
    friend class StagingSink;

    config::ScrapeConfig m_config;
    std::optional<net::TlsClientContext> m_tls;
    std::vector<std::pair<std::string, std::string>> m_target_labels;  // job, instance, configured
    // What each page series resolved to, keyed by its text (name and labels
    // as on the page). A hit skips labelling, limit checks and the store's
    // index: the page's labels and this scrape's config are the same as last time.
    std::unique_ptr<SeriesCache> m_cache;
    std::unique_ptr<SeriesCache> m_retired;  // the cache before a format change, for staleness
    ExpositionFormat m_cache_format = ExpositionFormat::prometheus_text;
    std::uint64_t m_store_removals = 0;
    std::uint64_t m_store_resets = 0;
    std::string m_body_buffer;        // the last page's memory, reused by the next fetch
    // This page's samples, staged until the whole page parsed and passed the
    // limits; reused: no allocation per scrape in steady state.
    std::vector<Staged> m_staged;
    std::vector<series::SeriesStore::PendingAppend> m_appends;  // m_appends[i] is m_staged[i]'s
    std::vector<series::AppendResult> m_append_results;
    std::uint64_t m_iteration = 0;    // counts ingests
    std::uint64_t m_last_ok = 0;      // iteration of the last successful scrape, 0 if none live
};

}  // namespace tocsin::scrape
