#include "alert_routes.hpp"

#include <boost/json.hpp>

#include <string>
#include <variant>

#include "body_reader.hpp"
#include "json_response.hpp"
#include "tocsin/api/alert_batch.hpp"
#include "tocsin/api/incident_json.hpp"

namespace tocsin::api {
namespace {

namespace json = boost::json;

constexpr std::string_view k_path = "/api/v1/alerts";
// payload → alerts → alert → labels: four levels; a little room, no more.
constexpr std::size_t k_max_alert_depth = 6;
constexpr std::size_t k_max_fingerprint = 64;
constexpr std::size_t k_max_url = 4096;
constexpr std::size_t k_max_shown = 64;  // of a name quoted in an error

// Go's zero time.Time, which Alertmanager sends as the endsAt of firing alerts.
bool is_zero_time(std::string_view text) {
    return text.starts_with("0001-01-01T00:00:00") && (text.ends_with("Z") || text.ends_with("+00:00"));
}

// A name from the payload for an error message: shortened, and printable
// ASCII only, so the message stays one readable line.
std::string shown(std::string_view name) {
    std::string out;
    for (char c : name.substr(0, k_max_shown)) out += c >= ' ' && c < 0x7f ? c : '?';
    if (name.size() > k_max_shown) out += "...";
    return out;
}

// Checks one alert object into `out`; a message naming the field otherwise.
std::string read_alert(const json::value& value, const std::string& at, ReceivedAlert& out) {
    if (!value.is_object()) return at + " must be an object";
    const json::object& o = value.get_object();

    const json::value* status = o.if_contains("status");
    if (status == nullptr || status->is_null()) return at + ".status is required";
    if (!status->is_string() || (status->get_string() != "firing" && status->get_string() != "resolved")) {
        return at + ".status must be \"firing\" or \"resolved\"";
    }
    out.firing = status->get_string() == "firing";

    const json::value* labels = o.if_contains("labels");
    if (labels == nullptr || labels->is_null()) return at + ".labels is required";
    if (!labels->is_object()) return at + ".labels must be an object of strings";
    if (labels->get_object().empty()) return at + ".labels must not be empty";
    if (labels->get_object().size() > k_max_alert_labels) {
        return at + ".labels has more than " + std::to_string(k_max_alert_labels) + " labels";
    }
    std::vector<Label> items;
    for (const auto& [key, v] : labels->get_object()) {
        const std::string_view name(key.data(), key.size());
        if (name.size() > k_max_label_name_bytes || !is_valid_label_name(name)) {
            return at + ".labels: \"" + shown(name) + "\" is not a valid label name";
        }
        if (name.starts_with("__")) return at + ".labels: \"" + shown(name) + "\" is reserved (starts with __)";
        if (!v.is_string()) return at + ".labels." + std::string(name) + " must be a string";
        if (v.get_string().size() > k_max_label_value_bytes) {
            return at + ".labels." + std::string(name) + " is longer than " + std::to_string(k_max_label_value_bytes) +
                   " bytes";
        }
        items.push_back(Label{std::string(name), std::string(v.get_string())});
    }
    out.labels = Labels(std::move(items));
    if (out.labels.empty()) return at + ".labels must have a non-empty value";

    if (const json::value* annotations = o.if_contains("annotations"); annotations != nullptr && !annotations->is_null()) {
        if (!annotations->is_object()) return at + ".annotations must be an object of strings";
        if (annotations->get_object().size() > k_max_alert_labels) {
            return at + ".annotations has more than " + std::to_string(k_max_alert_labels) + " entries";
        }
        for (const auto& [key, v] : annotations->get_object()) {
            const std::string_view name(key.data(), key.size());
            if (name.empty() || name.size() > k_max_label_name_bytes) {
                return at + ".annotations: \"" + shown(name) + "\" is not a valid annotation name";
            }
            if (!v.is_string()) return at + ".annotations." + shown(name) + " must be a string";
            if (v.get_string().size() > k_max_annotation_bytes) {
                return at + ".annotations." + shown(name) + " is longer than " +
                       std::to_string(k_max_annotation_bytes) + " bytes";
            }
            out.annotations.emplace_back(std::string(name), std::string(v.get_string()));
        }
    }

    auto time = [&](std::string_view key, bool required, std::optional<TimePoint>& t) -> std::string {
        const json::value* v = o.if_contains(key);
        if (v == nullptr || v->is_null()) return required ? at + "." + std::string(key) + " is required" : "";
        const std::string problem =
            at + "." + std::string(key) + " must be an RFC 3339 time such as \"2026-03-29T12:30:00.000Z\"";
        if (!v->is_string()) return problem;
        const std::string_view text(v->get_string().data(), v->get_string().size());
        if (is_zero_time(text)) return "";
        t = parse_rfc3339(text);
        return t ? "" : problem;
    };
    if (std::string e = time("startsAt", true, out.starts_at); !e.empty()) return e;
    if (std::string e = time("endsAt", false, out.ends_at); !e.empty()) return e;

    auto text = [&](std::string_view key, std::size_t max, std::string& s) -> std::string {
        const json::value* v = o.if_contains(key);
        if (v == nullptr || v->is_null()) return "";
        if (!v->is_string()) return at + "." + std::string(key) + " must be a string";
        if (v->get_string().size() > max) {
            return at + "." + std::string(key) + " is longer than " + std::to_string(max) + " bytes";
        }
        s.assign(v->get_string().data(), v->get_string().size());
        return "";
    };
    if (std::string e = text("fingerprint", k_max_fingerprint, out.fingerprint); !e.empty()) return e;
    if (std::string e = text("generatorURL", k_max_url, out.generator_url); !e.empty()) return e;
    // Other fields are Alertmanager's to add: ignored.
    return "";
}

net::HttpResponse render(const AlertsResult& result) {
    if (result.status != 200) return error_response(result.status, result.error.empty() ? "not taken" : result.error);
    return json_response(200, json::object{{"accepted", result.accepted}, {"dropped", result.dropped}});
}

}  // namespace

std::string_view ReceivedAlert::annotation(std::string_view name) const {
    for (const auto& [key, value] : annotations) {
        if (key == name) return value;
    }
    return {};
}

std::variant<AlertBatch, std::string> parse_alert_batch(std::string_view body) {
    auto parsed = parse_body(body, k_max_alert_depth);
    if (auto* message = std::get_if<std::string>(&parsed)) return std::move(*message);
    const json::object& o = std::get<json::object>(parsed);

    const json::value* version = o.if_contains("version");
    if (version == nullptr || version->is_null()) {
        return std::string("\"version\" is required: this is Alertmanager's webhook (version \"4\")");
    }
    if (!version->is_string() || version->get_string() != "4") {
        return std::string("\"version\" must be \"4\" (Alertmanager's webhook payload version 4)");
    }
    AlertBatch batch;
    const json::value* status = o.if_contains("status");
    if (status == nullptr || status->is_null()) return std::string("\"status\" is required");
    if (!status->is_string() || (status->get_string() != "firing" && status->get_string() != "resolved")) {
        return std::string("\"status\" must be \"firing\" or \"resolved\"");
    }
    batch.firing = status->get_string() == "firing";
    if (const json::value* receiver = o.if_contains("receiver"); receiver != nullptr && receiver->is_string()) {
        batch.receiver = shown(std::string_view(receiver->get_string().data(), receiver->get_string().size()));
    }

    const json::value* alerts = o.if_contains("alerts");
    if (alerts == nullptr || alerts->is_null()) return std::string("\"alerts\" is required");
    if (!alerts->is_array()) return std::string("\"alerts\" must be an array");
    const json::array& list = alerts->get_array();
    if (list.size() > k_max_alerts_per_request) {
        return "\"alerts\" has more than " + std::to_string(k_max_alerts_per_request) +
               " alerts; set max_alerts in Alertmanager's webhook_config";
    }
    batch.alerts.reserve(list.size());
    for (std::size_t i = 0; i < list.size(); ++i) {
        ReceivedAlert alert;
        if (std::string error = read_alert(list[i], "alerts[" + std::to_string(i) + "]", alert); !error.empty()) {
            return error;
        }
        batch.alerts.push_back(std::move(alert));
    }
    return batch;
}

bool is_alerts_path(std::string_view path) { return path == k_path; }

net::HttpResponse route_alerts(const ApiHooks& hooks, const net::HttpRequest& request, std::string& handler) {
    handler = k_path;
    if (request.method != "POST") return method_not_allowed("POST");
    // A write like any other: nothing in the body is looked at without a
    // read-write token.
    auto access = authorize(hooks.access, request, Scope::write);
    if (auto* refused = std::get_if<net::HttpResponse>(&access)) return std::move(*refused);
    if (!hooks.receive_alerts) return error_response(404, "the Alertmanager receiver is off: set [alertmanager] enabled");
    auto parsed = parse_alert_batch(request.body);
    if (auto* error = std::get_if<std::string>(&parsed)) return error_response(400, *error);
    return render(hooks.receive_alerts(std::get<AlertBatch>(parsed)));
}

}  // namespace tocsin::api
