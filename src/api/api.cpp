#include "tocsin/api/api.hpp"

#include <prometheus/counter.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "ack_routes.hpp"
#include "alert_routes.hpp"
#include "incident_routes.hpp"
#include "json_response.hpp"
#include "maintenance_routes.hpp"
#include "rate_limiter.hpp"
#include "status_routes.hpp"

namespace tocsin::api {
namespace {

net::HttpResponse check_response(const Check& check) {
    return net::HttpResponse::text(check.ok ? 200 : 503, (check.ok ? "ok" : "unavailable: " + check.detail) + "\n");
}

}  // namespace

Api::Api(std::shared_ptr<prometheus::Registry> registry, ApiHooks hooks)
    : m_registry(std::move(registry)), m_hooks(std::move(hooks)) {
    m_requests = &prometheus::BuildCounter()
                      .Name("tocsin_http_requests_total")
                      .Help("HTTP requests served by tocsin's API, by handler and status code.")
                      .Register(*m_registry);
    m_limiter = std::make_unique<RateLimiter>(m_hooks.access.rate_limit, m_hooks.access.rate_burst);
}

Api::~Api() = default;

void Api::set_access(AccessPolicy access) {
    if (access.rate_limit != m_hooks.access.rate_limit || access.rate_burst != m_hooks.access.rate_burst) {
        m_limiter = std::make_unique<RateLimiter>(access.rate_limit, access.rate_burst);
    }
    m_hooks.access = std::move(access);
}

net::HttpResponse Api::handle(const net::HttpRequest& request) {
    std::string handler = "other";  // unknown paths share one label: bounded cardinality
    net::HttpResponse response;
    // Health checks and Prometheus scrapes are never throttled: a busy
    // client must not make tocsin look down.
    const bool exempt = request.path == "/healthz" || request.path == "/readyz" || request.path == "/metrics";
    const auto wait = exempt ? std::chrono::seconds(0)
                             : m_limiter->admit(client_address(request.remote),
                                                m_hooks.now ? m_hooks.now() : std::chrono::system_clock::now());
    if (wait.count() > 0) {
        handler = "rate_limited";
        response = is_json_api_path(request.path)
                       ? error_response(429, "too many requests from this address; retry in " +
                                                 std::to_string(wait.count()) + " s ([api] rate_limit)")
                       : net::HttpResponse::text(429, "too many requests; retry later\n");
        response.headers.emplace_back("Retry-After", std::to_string(wait.count()));
    } else {
        response = route(request, handler);
    }
    m_requests->Add({{"handler", handler}, {"code", std::to_string(response.status)}}).Increment();
    return response;
}

net::HttpResponse Api::route(const net::HttpRequest& request, std::string& handler) {
    const bool is_get = request.method == "GET";
    auto method_not_allowed = [] {
        auto r = net::HttpResponse::text(405, "method not allowed\n");
        r.headers.emplace_back("Allow", "GET");
        return r;
    };
    if (request.path == "/healthz") {
        handler = request.path;
        return is_get ? check_response(m_hooks.health()) : method_not_allowed();
    }
    if (request.path == "/readyz") {
        handler = request.path;
        return is_get ? check_response(m_hooks.ready()) : method_not_allowed();
    }
    if (request.path == "/metrics") {
        handler = request.path;
        return is_get ? metrics() : method_not_allowed();
    }
    if (is_status_path(request.path)) return route_status(m_hooks, request, handler);  // public: before /api/v1
    if (is_alerts_path(request.path)) return route_alerts(m_hooks, request, handler);  // authorizes itself
    if (is_json_api_path(request.path)) {
        // Reads (GET, HEAD) need a read token unless anonymous reads are on;
        // everything else is a write. Checked before the route, so nothing
        // about the request is looked at without the right token.
        const Scope needed = is_get || request.method == "HEAD" ? Scope::read : Scope::write;
        auto access = authorize(m_hooks.access, request, needed);
        if (auto* refused = std::get_if<net::HttpResponse>(&access)) {
            handler = "unauthorized";
            return std::move(*refused);
        }
        const Principal& principal = std::get<Principal>(access);
        if (is_maintenance_path(request.path)) return route_maintenance(m_hooks, request, principal, handler);
        if (is_oncall_path(request.path)) return route_oncall(m_hooks, request, handler);
        return route_incidents(m_hooks, request, principal, handler);
    }
    if (is_ack_path(request.path)) return route_ack(m_hooks, request, handler);
    return net::HttpResponse::text(404, "not found\n");
}

net::HttpResponse Api::metrics() const {
    net::HttpResponse r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = prometheus::TextSerializer().Serialize(m_registry->Collect());
    return r;
}

}  // namespace tocsin::api
