#include "tocsin/notify/telegram/response_parser.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>
#include <boost/json/value.hpp>
#include <cctype>
#include <limits>
#include <variant>

namespace tocsin::notify::telegram {

namespace json = boost::json;

namespace {

constexpr std::size_t k_snippet_chars = 120;
constexpr std::int64_t k_max_retry_after_seconds = 24 * 3600;

std::string lower_ascii(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// A short, printable excerpt of a body that is not what we expected.
std::string snippet(std::string_view body) {
    std::string out;
    for (char c : body.substr(0, k_snippet_chars)) {
        auto u = static_cast<unsigned char>(c);
        out += (u < 0x20 || u == 0x7F) ? ' ' : c;
    }
    if (body.size() > k_snippet_chars) out += "...";
    return out;
}

// Whether a failed call with this code is worth repeating.
Outcome outcome_for(int code) {
    if (code == 429 || code == 408 || code == 409 || code >= 500 || code < 400) return Outcome::retry;
    return Outcome::permanent;
}

ApiFailure make_failure(std::string_view method, Outcome outcome, ErrorCategory category, int status,
                        std::string description) {
    ApiFailure f;
    f.outcome = outcome;
    f.category = category;
    f.method = std::string(method);
    f.http_status = status;
    f.description = std::move(description);
    return f;
}

// A protocol error: the server said something we cannot use. Retried (it
// may be a proxy's hiccup) unless the status says the request was refused.
ApiFailure protocol_failure(std::string_view method, int status, std::string description) {
    Outcome outcome = (status >= 400 && status < 500) ? outcome_for(status) : Outcome::retry;
    return make_failure(method, outcome, ErrorCategory::protocol, status, std::move(description));
}

std::optional<std::int64_t> as_int64(const json::value& v) {
    if (v.is_int64()) return v.get_int64();
    if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        return static_cast<std::int64_t>(v.get_uint64());
    }
    return std::nullopt;
}

// A field read: the value, or why not (naming the field's path).
template <typename T>
struct Field {
    std::optional<T> value;
    std::string error;
    Field(T v) : value(std::move(v)) {}
    static Field bad(std::string why) {
        Field f;
        f.error = std::move(why);
        return f;
    }

private:
    Field() = default;
};

std::string field_name(std::string_view path, std::string_view key) {
    return std::string(path) + "." + std::string(key);
}

Field<std::int64_t> int_field(const json::object& o, std::string_view key, std::string_view path) {
    using F = Field<std::int64_t>;
    const json::value* v = o.if_contains(key);
    if (v == nullptr) return F::bad(field_name(path, key) + " is missing");
    if (auto n = as_int64(*v)) return *n;
    if (v->is_uint64() || v->is_double()) return F::bad(field_name(path, key) + " is not an integer within 64 bits");
    return F::bad(field_name(path, key) + " is not an integer");
}

Field<const json::object*> object_field(const json::object& o, std::string_view key, std::string_view path) {
    using F = Field<const json::object*>;
    const json::value* v = o.if_contains(key);
    if (v == nullptr) return F::bad(field_name(path, key) + " is missing");
    if (!v->is_object()) return F::bad(field_name(path, key) + " is not an object");
    return &v->get_object();
}

// An optional string: empty when absent; an error when of another type.
Field<std::string> optional_string(const json::object& o, std::string_view key, std::string_view path) {
    using F = Field<std::string>;
    const json::value* v = o.if_contains(key);
    if (v == nullptr || v->is_null()) return F(std::string());
    if (!v->is_string()) return F::bad(field_name(path, key) + " is not a string");
    return F(std::string(v->get_string()));
}

template <typename T>
bool failed(const Field<T>& f) {
    return !f.value;
}
template <typename T>
const std::string& why(const Field<T>& f) {
    return f.error;
}
template <typename T>
const T& got(const Field<T>& f) {
    return *f.value;
}

// "Too Many Requests: retry after 35" when parameters are missing.
std::optional<std::int64_t> retry_after_from_description(std::string_view description) {
    std::string lower = lower_ascii(description);
    auto pos = lower.find("retry after ");
    if (pos == std::string::npos) return std::nullopt;
    pos += 12;
    std::int64_t n = 0;
    std::size_t digits = 0;
    while (pos < lower.size() && std::isdigit(static_cast<unsigned char>(lower[pos])) && digits < 9) {
        n = n * 10 + (lower[pos] - '0');
        ++pos;
        ++digits;
    }
    if (digits == 0) return std::nullopt;
    return n;
}

// The envelope {"ok":..,"result":..} or {"ok":false,"error_code":..,
// "description":..,"parameters":{..}}: the result on success.
std::variant<json::value, ApiFailure> envelope(std::string_view method, int status, std::string_view body) {
    json::parse_options options;
    options.max_depth = 64;
    json::error_code ec;
    json::value v = json::parse(body, ec, {}, options);
    if (ec) {
        std::string what = body.empty() ? "empty response" : "response is not JSON (" + ec.message() + "): " + snippet(body);
        return protocol_failure(method, status, std::move(what));
    }
    if (!v.is_object()) return protocol_failure(method, status, "response is not a JSON object: " + snippet(body));
    json::object& o = v.get_object();
    const json::value* ok = o.if_contains("ok");
    if (ok == nullptr || !ok->is_bool()) {
        return protocol_failure(method, status, "response has no boolean \"ok\": " + snippet(body));
    }
    if (ok->get_bool()) {
        if (status < 200 || status >= 300) {
            return protocol_failure(method, status, "\"ok\": true with HTTP status " + std::to_string(status));
        }
        json::value* result = o.if_contains("result");
        if (result == nullptr) return protocol_failure(method, status, "response has \"ok\": true but no \"result\"");
        return std::move(*result);
    }
    ApiFailure f;
    f.method = std::string(method);
    f.http_status = status;
    f.category = ErrorCategory::protocol;
    if (const json::value* code = o.if_contains("error_code")) {
        if (auto n = as_int64(*code); n && *n >= 0 && *n < 1000) f.error_code = static_cast<int>(*n);
    }
    if (const json::value* d = o.if_contains("description"); d && d->is_string()) {
        f.description = std::string(d->get_string());
    } else {
        f.description = "no description";
    }
    const json::object* parameters = nullptr;
    if (const json::value* p = o.if_contains("parameters"); p && p->is_object()) parameters = &p->get_object();
    if (parameters) {
        if (const json::value* r = parameters->if_contains("retry_after")) {
            if (auto n = as_int64(*r); n && *n >= 0) {
                f.retry_after = std::chrono::seconds(std::min(*n, k_max_retry_after_seconds));
            }
        }
        if (const json::value* m = parameters->if_contains("migrate_to_chat_id")) f.migrate_to_chat_id = as_int64(*m);
    }
    // Classify by the Bot API's code; the HTTP status when that is unusable.
    const int code = (f.error_code >= 400 && f.error_code < 600) ? f.error_code : status;
    f.outcome = outcome_for(code);
    if (code == 429) {
        f.category = ErrorCategory::io;
        if (!f.retry_after) {
            if (auto n = retry_after_from_description(f.description)) {
                f.retry_after = std::chrono::seconds(std::min(*n, k_max_retry_after_seconds));
            }
        }
    } else if (code == 400 || code == 404) {
        f.category = ErrorCategory::invalid_argument;
    } else if (code == 401 || code == 403) {
        f.category = ErrorCategory::invalid_argument;
    } else if (code >= 500) {
        f.category = ErrorCategory::io;
    }
    return f;
}

Field<User> parse_user(const json::object& o, std::string_view path) {
    auto id = int_field(o, "id", path);
    if (failed(id)) return Field<User>::bad(why(id));
    auto username = optional_string(o, "username", path);
    if (failed(username)) return Field<User>::bad(why(username));
    auto first_name = optional_string(o, "first_name", path);
    if (failed(first_name)) return Field<User>::bad(why(first_name));
    User user;
    user.id = got(id);
    user.username = got(username);
    user.first_name = got(first_name);
    if (const json::value* b = o.if_contains("is_bot"); b && b->is_bool()) user.is_bot = b->get_bool();
    return user;
}

// Fills `query` as far as the data allows; an error says what was wrong.
std::optional<std::string> parse_callback_query(const json::value& value, std::optional<CallbackQuery>& out) {
    constexpr std::string_view path = "callback_query";
    if (!value.is_object()) return "callback_query is not an object";
    const json::object& o = value.get_object();
    const json::value* id = o.if_contains("id");
    if (id == nullptr || !id->is_string() || id->get_string().empty()) return "callback_query.id is missing or not a string";
    CallbackQuery& query = out.emplace();
    query.id = std::string(id->get_string());
    auto from = object_field(o, "from", path);
    if (failed(from)) return why(from);
    auto user = parse_user(*got(from), "callback_query.from");
    if (failed(user)) return why(user);
    query.from = got(user);
    if (const json::value* m = o.if_contains("message")) {
        if (!m->is_object()) return "callback_query.message is not an object";
        const json::object& message = m->get_object();
        auto message_id = int_field(message, "message_id", "callback_query.message");
        if (failed(message_id)) return why(message_id);
        auto chat = object_field(message, "chat", "callback_query.message");
        if (failed(chat)) return why(chat);
        auto chat_id = int_field(*got(chat), "id", "callback_query.message.chat");
        if (failed(chat_id)) return why(chat_id);
        query.message_id = got(message_id);
        query.chat_id = got(chat_id);
    }
    auto data = optional_string(o, "data", path);
    if (failed(data)) return why(data);
    query.data = got(data);
    return std::nullopt;
}

std::optional<std::string> parse_message(const json::value& value, std::optional<IncomingMessage>& out) {
    constexpr std::string_view path = "message";
    if (!value.is_object()) return "message is not an object";
    const json::object& o = value.get_object();
    auto message_id = int_field(o, "message_id", path);
    if (failed(message_id)) return why(message_id);
    auto chat = object_field(o, "chat", path);
    if (failed(chat)) return why(chat);
    auto chat_id = int_field(*got(chat), "id", "message.chat");
    if (failed(chat_id)) return why(chat_id);
    auto text = optional_string(o, "text", path);
    if (failed(text)) return why(text);
    IncomingMessage message;
    message.message_id = got(message_id);
    message.chat_id = got(chat_id);
    message.text = got(text);
    if (const json::value* from = o.if_contains("from")) {
        if (!from->is_object()) return "message.from is not an object";
        auto user = parse_user(from->get_object(), "message.from");
        if (failed(user)) return why(user);
        message.from = got(user);
    }
    if (const json::value* reply = o.if_contains("reply_to_message"); reply && reply->is_object()) {
        if (const json::value* id = reply->get_object().if_contains("message_id")) {
            message.reply_to_message_id = as_int64(*id);
        }
    }
    out = std::move(message);
    return std::nullopt;
}

}  // namespace

const char* to_string(Outcome outcome) noexcept {
    switch (outcome) {
        case Outcome::sent: return "sent";
        case Outcome::retry: return "retry";
        case Outcome::permanent: return "permanent";
    }
    return "unknown";
}

std::string ApiFailure::message() const {
    std::string out = method.empty() ? std::string("telegram") : method;
    out += ": ";
    if (http_status != 0) out += "HTTP " + std::to_string(http_status) + ": ";
    out += description;
    if (retry_after) out += " (retry after " + std::to_string(retry_after->count()) + " s)";
    return out;
}

Error ApiFailure::to_error() const { return Error::make(category, message(), outcome == Outcome::retry); }

bool ApiFailure::cant_parse_entities() const {
    if (http_status != 400 && error_code != 400) return false;
    return lower_ascii(description).find("can't parse entities") != std::string::npos;
}

std::string User::display_name() const {
    if (!username.empty()) return "@" + username;
    if (!first_name.empty()) return first_name;
    return "user " + std::to_string(id);
}

ApiResult<SentMessage> parse_send_message_response(int http_status, std::string_view body) {
    constexpr std::string_view method = "sendMessage";
    auto e = envelope(method, http_status, body);
    if (auto* f = std::get_if<ApiFailure>(&e)) return std::move(*f);
    const json::value& result = std::get<json::value>(e);
    if (!result.is_object()) return protocol_failure(method, http_status, "result is not a Message object");
    const json::object& o = result.get_object();
    auto message_id = int_field(o, "message_id", "result");
    if (failed(message_id)) return protocol_failure(method, http_status, why(message_id));
    if (got(message_id) <= 0) return protocol_failure(method, http_status, "result.message_id is not positive");
    auto chat = object_field(o, "chat", "result");
    if (failed(chat)) return protocol_failure(method, http_status, why(chat));
    auto chat_id = int_field(*got(chat), "id", "result.chat");
    if (failed(chat_id)) return protocol_failure(method, http_status, why(chat_id));
    return SentMessage{got(message_id), got(chat_id), false};
}

ApiResult<Ok> parse_ok_response(std::string_view method, int http_status, std::string_view body) {
    auto e = envelope(method, http_status, body);
    if (auto* f = std::get_if<ApiFailure>(&e)) {
        if (method == "editMessageReplyMarkup" && f->outcome == Outcome::permanent &&
            lower_ascii(f->description).find("message is not modified") != std::string::npos) {
            return Ok{};
        }
        return std::move(*f);
    }
    const json::value& result = std::get<json::value>(e);
    if (result.is_bool() && result.get_bool()) return Ok{};
    if (result.is_object()) return Ok{};  // edit* methods answer the edited Message
    return protocol_failure(method, http_status, "result is neither true nor a Message");
}

ApiResult<std::vector<Update>> parse_updates_response(int http_status, std::string_view body) {
    constexpr std::string_view method = "getUpdates";
    auto e = envelope(method, http_status, body);
    if (auto* f = std::get_if<ApiFailure>(&e)) return std::move(*f);
    const json::value& result = std::get<json::value>(e);
    if (!result.is_array()) return protocol_failure(method, http_status, "result is not an array of updates");
    std::vector<Update> updates;
    updates.reserve(result.get_array().size());
    for (std::size_t i = 0; i < result.get_array().size(); ++i) {
        const json::value& item = result.get_array()[i];
        const std::string path = "result[" + std::to_string(i) + "]";
        if (!item.is_object()) return protocol_failure(method, http_status, path + " is not an object");
        const json::object& o = item.get_object();
        auto update_id = int_field(o, "update_id", path);
        if (failed(update_id)) return protocol_failure(method, http_status, why(update_id));
        Update update;
        update.update_id = got(update_id);
        if (const json::value* cq = o.if_contains("callback_query")) {
            if (auto problem = parse_callback_query(*cq, update.callback_query)) update.problem = "malformed update: " + *problem;
        } else if (const json::value* m = o.if_contains("message")) {
            if (auto problem = parse_message(*m, update.message)) update.problem = "malformed update: " + *problem;
        } else {
            std::string kind;
            for (const auto& [key, value] : o) {
                if (key != "update_id") {
                    kind = std::string(key);
                    break;
                }
            }
            update.problem = kind.empty() ? "empty update" : "unsupported update kind \"" + snippet(kind) + "\"";
        }
        updates.push_back(std::move(update));
    }
    return updates;
}

}  // namespace tocsin::notify::telegram
