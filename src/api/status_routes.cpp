#include "status_routes.hpp"

#include "json_response.hpp"

namespace tocsin::api {
namespace {

// Text for the page, JSON ({"error": ...}) for /api/v1/status like the
// rest of /api/v1.
net::HttpResponse refusal(bool html, int status, std::string_view message) {
    if (!html) return error_response(status, message);
    auto r = net::HttpResponse::text(status, std::string(message) + "\n");
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
}

}  // namespace

bool is_status_path(std::string_view path) { return path == k_status_page_path || path == k_status_json_path; }

net::HttpResponse route_status(const ApiHooks& hooks, const net::HttpRequest& request, std::string& handler) {
    handler = std::string(request.path);
    const bool html = request.path == k_status_page_path;
    if (request.method != "GET" && request.method != "HEAD") {
        auto r = refusal(html, 405, "method not allowed");
        r.headers.emplace_back("Allow", "GET, HEAD");
        return r;
    }
    if (!hooks.status) return refusal(html, 404, "not found");

    Result<status::StatusSummary> summary = hooks.status();  // logs its own failures
    if (!summary && summary.error().category == ErrorCategory::not_found) return refusal(html, 404, "not found");
    if (!summary) {
        auto r = refusal(html, 503, "the status is not available right now; try again shortly");
        r.headers.emplace_back("Retry-After", "5");
        return r;
    }

    net::HttpResponse r;
    if (html) {
        r.content_type = "text/html; charset=utf-8";
        r.body = status::render_html(*summary);
        r.headers.emplace_back("Content-Security-Policy",
                               "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; "
                               "base-uri 'none'; form-action 'none'");
        r.headers.emplace_back("Referrer-Policy", "no-referrer");
    } else {
        r.content_type = "application/json";
        r.body = status::render_json(*summary);
        // Widgets on other sites read it, as they read Statuspage's.
        r.headers.emplace_back("Access-Control-Allow-Origin", "*");
    }
    // Public and cheap to serve stale: a proxy or browser may keep it briefly.
    r.headers.emplace_back("Cache-Control", "public, max-age=30");
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    // HEAD: the same headers, no body (the HTTP server writes whatever body
    // it is given, which after a HEAD would break the connection).
    if (request.method == "HEAD") r.body.clear();
    return r;
}

}  // namespace tocsin::api
