#include "tocsin/api/api.hpp"

#include <prometheus/counter.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "ack_routes.hpp"
#include "incident_routes.hpp"

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
}

net::HttpResponse Api::handle(const net::HttpRequest& request) {
    std::string handler = "other";  // unknown paths share one label: bounded cardinality
    net::HttpResponse response = route(request, handler);
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
    if (is_json_api_path(request.path)) return route_incidents(m_hooks, request, handler);
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
