#include "ack_routes.hpp"

#include <chrono>
#include <optional>
#include <string>

#include "tocsin/api/incident_json.hpp"
#include "tocsin/core/html.hpp"

namespace tocsin::api {
namespace {

constexpr std::string_view k_prefix = "/ack/";

// The whole page in one place: readable on a phone, no external assets.
constexpr std::string_view k_style =
    "body{margin:0;padding:1rem;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
    "line-height:1.45;background:#f4f4f5;color:#18181b}"
    "main{max-width:34rem;margin:0 auto;background:#fff;padding:1.25rem;border-radius:.5rem;"
    "box-shadow:0 1px 3px rgba(0,0,0,.12)}"
    "h1{font-size:1.3rem;margin:0 0 .75rem}"
    "p{margin:.75rem 0;overflow-wrap:anywhere}"
    ".title{font-size:1.1rem;font-weight:600}"
    "dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem .75rem;margin:.75rem 0}"
    "dt{color:#52525b}dd{margin:0;overflow-wrap:anywhere}"
    "button{display:block;width:100%;margin:1rem 0;padding:.85rem 1rem;font-size:1.1rem;font-weight:600;"
    "color:#fff;background:#b91c1c;border:0;border-radius:.4rem;cursor:pointer}"
    ".muted{color:#52525b;font-size:.9rem}"
    "code{overflow-wrap:anywhere}"
    "@media (prefers-color-scheme:dark){body{background:#18181b;color:#f4f4f5}"
    "main{background:#27272a}dt,.muted{color:#a1a1aa}}";

// Text into HTML, for element content and quoted attribute values alike.
// "2026-03-29 12:05 UTC"
std::string when(TimePoint t) {
    std::string text = format_rfc3339(t).substr(0, 16);
    if (text.size() > 10) text[10] = ' ';
    return text + " UTC";
}

std::string page(std::string_view title, std::string_view body) {
    std::string html;
    html.reserve(body.size() + 2048);
    html += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    html += "<meta name=\"robots\" content=\"noindex, nofollow\">\n";
    html += "<title>";
    html += escape_html(title);
    html += " - tocsin</title>\n<style>";
    html += k_style;
    html += "</style>\n</head>\n<body>\n<main>\n";
    html += body;
    html += "</main>\n</body>\n</html>\n";
    return html;
}

net::HttpResponse html_response(int status, std::string_view title, std::string_view body) {
    net::HttpResponse r;
    r.status = status;
    r.content_type = "text/html; charset=utf-8";
    r.body = page(title, body);
    r.headers.emplace_back("Cache-Control", "no-store");
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    r.headers.emplace_back("Referrer-Policy", "no-referrer");
    r.headers.emplace_back("Content-Security-Policy",
                           "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                           "frame-ancestors 'none'; base-uri 'none'");
    return r;
}

// A page with a heading and paragraphs of (already escaped) HTML.
net::HttpResponse message_page(int status, std::string_view heading, std::string_view paragraphs_html) {
    std::string body = "<h1>" + escape_html(heading) + "</h1>\n" + std::string(paragraphs_html);
    return html_response(status, heading, body);
}

std::string paragraph(std::string_view text, std::string_view css_class = {}) {
    std::string p = css_class.empty() ? "<p>" : "<p class=\"" + std::string(css_class) + "\">";
    return p + escape_html(text) + "</p>\n";
}

std::string other_ways(std::int64_t id) {
    return "<p class=\"muted\">You can still acknowledge in Telegram or with <code>tocsin incident ack " +
           std::to_string(id) + "</code>.</p>\n";
}

// An error message as a sentence: capitalized, with a full stop.
std::string sentence(std::string text) {
    if (!text.empty() && text[0] >= 'a' && text[0] <= 'z') text[0] = static_cast<char>(text[0] - 'a' + 'A');
    if (!text.empty() && text.back() != '.') text += '.';
    return text;
}

std::string incident_name(std::int64_t id) { return "incident #" + std::to_string(id); }

std::string acknowledged_by(const incident::Incident& i) {
    if (!i.acknowledged_by) return "someone";
    std::string text = i.acknowledged_by->name;
    if (!i.acknowledged_by->channel.empty()) text += " (" + i.acknowledged_by->channel + ")";
    if (i.acknowledged) text += " at " + when(*i.acknowledged);
    return text;
}

// Title, severity, state and the like, as a definition list (who
// acknowledged is said by the page around it).
std::string incident_html(const incident::Incident& i) {
    std::string html = paragraph(i.title, "title");
    html += "<dl>\n";
    auto row = [&](std::string_view name, const std::string& value) {
        if (value.empty()) return;
        html += "<dt>" + escape_html(name) + "</dt><dd>" + escape_html(value) + "</dd>\n";
    };
    row("Severity", i.severity + (i.security ? " (security)" : ""));
    row("State", std::string(incident::to_string(i.state)));
    row("Component", i.component);
    row("Detected", when(i.detected));
    html += "</dl>\n";
    return html;
}

// What a link's check found: the claim, or the page that refuses it.
struct Checked {
    std::optional<paging::AckLinkClaim> claim;
    std::optional<net::HttpResponse> refusal;
};

Checked check(const paging::AckLinkSigner& signer, std::string_view token, TimePoint now) {
    auto claim = signer.verify(token, now);
    if (claim) return {std::move(claim).value(), std::nullopt};
    if (auto authentic = signer.authenticate(token)) {
        // Made by tocsin, refused only for its age.
        return {std::nullopt,
                message_page(410, "This link has expired",
                             paragraph("This acknowledgement link for " + incident_name(authentic->incident_id) +
                                       " expired at " + when(authentic->expires) + ".") +
                                 other_ways(authentic->incident_id))};
    }
    return {std::nullopt,
            message_page(400, "This link is not valid",
                         paragraph(sentence(claim.error().message)) +
                             paragraph("Open the link exactly as the email has it (some mail programs break long "
                                       "links), or acknowledge in Telegram or with tocsin incident ack.",
                                       "muted"))};
}

// The incident as the get_incident hook has it: nullopt when there is no
// hook or it failed (the page then shows what the link says); `missing`
// when the hook says there is no such incident.
struct Lookup {
    std::optional<incident::Incident> incident;
    bool missing = false;
};

Lookup lookup(const ApiHooks& hooks, std::int64_t id) {
    if (!hooks.get_incident) return {};
    auto found = hooks.get_incident(id);
    if (!found) return {};
    if (!found->has_value()) return {std::nullopt, true};
    return {std::move((*found)->incident), false};
}

net::HttpResponse show(const ApiHooks& hooks, const paging::AckLinkClaim& claim, std::string_view token) {
    const std::string name = incident_name(claim.incident_id);
    const Lookup found = lookup(hooks, claim.incident_id);
    if (found.missing) {
        return message_page(404, "No such incident", paragraph("tocsin has no " + name + "."));
    }
    std::string body = "<h1>" + escape_html("Incident #" + std::to_string(claim.incident_id)) + "</h1>\n";
    if (found.incident) body += incident_html(*found.incident);
    else body += paragraph("The incident's details cannot be read right now.", "muted");

    if (found.incident && !found.incident->open()) {
        body += paragraph("This incident is resolved: there is nothing to acknowledge.");
    } else if (found.incident && found.incident->acknowledged_by) {
        body += paragraph("Already acknowledged by " + acknowledged_by(*found.incident) + ".");
    } else {
        // Relative to this page (".../ack/<token>"), so the form also works
        // when public_url has a path in front of /ack.
        body += "<form method=\"post\" action=\"" + escape_html(token) + "\">\n<button type=\"submit\">" +
                escape_html("Acknowledge " + name + " as " + claim.person) + "</button>\n</form>\n";
        body += paragraph("Acknowledging stops escalation and re-pages, records that " + claim.person +
                              " acknowledged by email, and tells the others who were paged. This link works until " +
                              when(claim.expires) + ".",
                          "muted");
    }
    return html_response(200, "Acknowledge " + name, body);
}

net::HttpResponse acknowledge(const ApiHooks& hooks, const paging::AckLinkClaim& claim) {
    const std::string name = incident_name(claim.incident_id);
    const std::string subject = "Incident #" + std::to_string(claim.incident_id);  // starts a sentence
    if (!hooks.incident_command) {
        return message_page(503, "Try again shortly",
                            paragraph("tocsin cannot take acknowledgements right now (starting or stopping).") +
                                other_ways(claim.incident_id));
    }
    IncidentCommand command;
    command.kind = IncidentCommand::Kind::acknowledge;
    command.id = claim.incident_id;
    command.actor = incident::Actor{claim.person, "email"};
    const IncidentCommandResult result = hooks.incident_command(command);

    if (result.status >= 200 && result.status <= 299) {
        std::string body = "<h1>Acknowledged</h1>\n";
        if (result.incident) body += incident_html(*result.incident);
        body += paragraph(subject + " is acknowledged by " + claim.person +
                          ". Escalation and re-pages have stopped; the others who were paged are told.");
        return html_response(200, "Acknowledged " + name, body);
    }
    if (result.status == 409) {
        // Someone was first (maybe this person, in another window): not an
        // error from where the reader stands.
        const Lookup found = lookup(hooks, claim.incident_id);
        if (found.incident && found.incident->acknowledged_by) {
            return html_response(200, "Already acknowledged",
                                 "<h1>Already acknowledged</h1>\n" + incident_html(*found.incident) +
                                     paragraph(subject + " was already acknowledged by " +
                                               acknowledged_by(*found.incident) + "."));
        }
        if (result.error.find("already acknowledged") != std::string::npos) {
            return html_response(200, "Already acknowledged",
                                 "<h1>Already acknowledged</h1>\n" + paragraph(sentence(result.error)));
        }
    }
    const int status = result.status >= 400 && result.status <= 599 ? result.status : 500;
    const std::string reason = result.status >= 400 && result.status <= 599
                                   ? (result.error.empty() ? std::string("the request failed") : result.error)
                                   : std::string("internal error: the daemon gave an unexpected answer");
    return message_page(status, "Not acknowledged",
                        paragraph(subject + " was not acknowledged: " + reason + ".") + other_ways(claim.incident_id));
}

net::HttpResponse route(const ApiHooks& hooks, const net::HttpRequest& request) {
    if (!hooks.ack_links) {
        return message_page(404, "Not found", paragraph("Acknowledgement links are not enabled on this tocsin."));
    }
    const bool is_get = request.method == "GET";
    const bool is_post = request.method == "POST";
    if (!is_get && !is_post) {
        auto r = message_page(405, "Method not allowed", paragraph("Open the link in a web browser."));
        r.headers.emplace_back("Allow", "GET, POST");
        return r;
    }
    const std::string_view path = request.path;
    const std::string_view token = path.size() > k_prefix.size() ? path.substr(k_prefix.size()) : std::string_view{};
    const TimePoint now = hooks.now ? hooks.now() : SystemClock().now();
    Checked checked = check(*hooks.ack_links, token, now);
    if (checked.refusal) return std::move(*checked.refusal);
    // The body is ignored: the link says everything.
    return is_get ? show(hooks, *checked.claim, token) : acknowledge(hooks, *checked.claim);
}

}  // namespace

bool is_ack_path(std::string_view path) { return path == "/ack" || path.starts_with(k_prefix); }

net::HttpResponse route_ack(const ApiHooks& hooks, const net::HttpRequest& request, std::string& handler) noexcept {
    try {
        handler = k_ack_handler;
        return route(hooks, request);
    } catch (...) {
        // Not rethrown: the server would log the target, token included.
        return message_page(500, "Internal error",
                            paragraph("tocsin failed to answer this link. Try again, or acknowledge in Telegram "
                                      "or with tocsin incident ack."));
    }
}

}  // namespace tocsin::api
