#include "fake_telegram.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>

namespace tocsin::test {

namespace json = boost::json;

namespace {

constexpr std::int64_t k_first_update_id = 1000;
constexpr std::int64_t k_date = 1700000000;  // a fixed "date": tests never read the clock

std::string api_error(int code, const std::string& description, std::optional<int> retry_after = std::nullopt) {
    json::object o{{"ok", false}, {"error_code", code}, {"description", description}};
    if (retry_after) o["parameters"] = json::object{{"retry_after", *retry_after}};
    return json::serialize(o);
}

FakeResponse json_response(int status, std::string body) {
    FakeResponse r = FakeResponse::text(status, std::move(body));
    r.headers.emplace_back("Content-Type", "application/json");
    return r;
}

FakeResponse ok_response(json::value result) {
    return json_response(200, json::serialize(json::object{{"ok", true}, {"result", std::move(result)}}));
}

FakeResponse error_response(int code, const std::string& description) {
    return json_response(code, api_error(code, description));
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string url_decode(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') {
            out += ' ';
        } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
            out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

void parse_form(std::string_view s, json::object& into) {
    while (!s.empty()) {
        auto amp = s.find('&');
        std::string_view pair = s.substr(0, amp);
        auto eq = pair.find('=');
        std::string key = url_decode(pair.substr(0, eq));
        std::string value = eq == std::string_view::npos ? "" : url_decode(pair.substr(eq + 1));
        if (!key.empty()) into[key] = value;
        if (amp == std::string_view::npos) break;
        s.remove_prefix(amp + 1);
    }
}

// ---- Telegram's HTML parse mode, as its server checks it -----------------

struct HtmlCheck {
    std::string error;     // "can't parse entities: ..." or ""
    std::string plain;     // the text after parsing
    std::size_t units = 0; // its UTF-16 length
};

bool valid_utf8(std::string_view s, std::size_t& units) {
    units = 0;
    for (std::size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (n == 0 || i + n > s.size()) return false;
        for (std::size_t k = 1; k < n; ++k) {
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
        }
        units += n == 4 ? 2 : 1;
        i += n;
    }
    return true;
}

void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

HtmlCheck check_html(std::string_view html) {
    static const std::vector<std::string> k_tags = {"b",      "strong", "i",    "em",  "u",          "ins",
                                                    "s",      "strike", "del",  "a",   "code",       "pre",
                                                    "span",   "tg-spoiler", "blockquote", "tg-emoji"};
    HtmlCheck out;
    std::vector<std::string> open;
    auto fail = [&](const std::string& why, std::size_t at) {
        out.error = "can't parse entities: " + why + " at byte offset " + std::to_string(at);
        return out;
    };
    for (std::size_t i = 0; i < html.size();) {
        char c = html[i];
        if (c == '<') {
            std::size_t close = html.find('>', i);
            if (close == std::string_view::npos) return fail("Unclosed start tag", i);
            std::string_view tag = html.substr(i + 1, close - i - 1);
            if (!tag.empty() && tag[0] == '/') {
                std::string name(tag.substr(1));
                while (!name.empty() && name.back() == ' ') name.pop_back();
                if (open.empty() || open.back() != name) return fail("Unexpected end tag", i);
                open.pop_back();
            } else {
                std::string name(tag.substr(0, tag.find(' ')));
                if (std::find(k_tags.begin(), k_tags.end(), name) == k_tags.end()) {
                    return fail("Unsupported start tag \"" + name + "\"", i);
                }
                if (name == "a" && tag.find("href=\"") == std::string_view::npos) {
                    return fail("Can't find the href attribute", i);
                }
                open.push_back(name);
            }
            i = close + 1;
        } else if (c == '>') {
            return fail("Unexpected '>'", i);  // Telegram tolerates it; a stricter check finds escaping bugs
        } else if (c == '&') {
            std::size_t semi = html.find(';', i);
            if (semi == std::string_view::npos || semi - i > 10) return fail("Unsupported HTML entity", i);
            std::string_view name = html.substr(i + 1, semi - i - 1);
            if (name == "lt") {
                out.plain += '<';
            } else if (name == "gt") {
                out.plain += '>';
            } else if (name == "amp") {
                out.plain += '&';
            } else if (name == "quot") {
                out.plain += '"';
            } else if (name.size() > 1 && name[0] == '#') {
                std::uint32_t cp = 0;
                bool hex = name[1] == 'x';
                for (char d : name.substr(hex ? 2 : 1)) {
                    int v = hex ? hex_value(d) : (d >= '0' && d <= '9' ? d - '0' : -1);
                    if (v < 0) return fail("Unsupported HTML entity", i);
                    cp = cp * (hex ? 16 : 10) + static_cast<std::uint32_t>(v);
                    if (cp > 0x10FFFF) return fail("Unsupported HTML entity", i);
                }
                append_utf8(out.plain, cp);
            } else {
                return fail("Unsupported HTML entity", i);
            }
            i = semi + 1;
        } else {
            out.plain += c;
            ++i;
        }
    }
    if (!open.empty()) return fail("Can't find end tag corresponding to start tag \"" + open.back() + "\"", html.size());
    valid_utf8(out.plain, out.units);
    return out;
}

}  // namespace

std::string telegram_html_error(std::string_view html, std::size_t* units) {
    std::size_t ignored = 0;
    if (!valid_utf8(html, ignored)) return "strings must be encoded in UTF-8";
    HtmlCheck check = check_html(html);
    if (units) *units = check.units;
    return check.error;
}

std::string TelegramCall::param(const std::string& name) const {
    const json::value* v = params.if_contains(name);
    if (v == nullptr) return {};
    if (v->is_string()) return std::string(v->get_string());
    return json::serialize(*v);
}

std::optional<std::int64_t> TelegramCall::int_param(const std::string& name) const {
    const json::value* v = params.if_contains(name);
    if (v == nullptr) return std::nullopt;
    if (v->is_int64()) return v->get_int64();
    if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
    if (v->is_string()) {
        try {
            std::size_t used = 0;
            std::string s(v->get_string());
            auto n = std::stoll(s, &used);
            if (used == s.size()) return n;
        } catch (const std::exception&) {
        }
    }
    return std::nullopt;
}

TelegramScript TelegramScript::flood(int retry_after_seconds) {
    return raw(429, api_error(429, "Too Many Requests: retry after " + std::to_string(retry_after_seconds),
                              retry_after_seconds));
}
TelegramScript TelegramScript::server_error(int status) {
    return raw(status, api_error(status, status == 502 ? "Bad Gateway" : "Internal Server Error"));
}
TelegramScript TelegramScript::cant_parse_entities() {
    return raw(400, api_error(400, "Bad Request: can't parse entities: Unsupported start tag \"x\" at byte offset 0"));
}
TelegramScript TelegramScript::blocked() { return raw(403, api_error(403, "Forbidden: bot was blocked by the user")); }
TelegramScript TelegramScript::unauthorized() { return raw(401, api_error(401, "Unauthorized")); }
TelegramScript TelegramScript::error(int status, const std::string& description) {
    return raw(status, api_error(status, description));
}
TelegramScript TelegramScript::slow(std::chrono::milliseconds delay) {
    TelegramScript s;
    s.delay = delay;
    return s;
}
TelegramScript TelegramScript::raw(int status, std::string body) {
    TelegramScript s;
    s.status = status;
    s.body = std::move(body);
    return s;
}
TelegramScript TelegramScript::connection_reset() {
    TelegramScript s;
    s.reset = true;
    return s;
}

struct FakeTelegram::State {
    std::string token;
    std::int64_t bot_id = 1;
    mutable std::mutex mutex;
    mutable std::condition_variable changed;
    bool stopping = false;
    bool forget_confirmed = true;
    bool hold = true;
    std::uint64_t release_generation = 0;
    std::size_t held = 0;
    std::vector<TelegramCall> calls;
    struct Scripted {
        std::string method;
        TelegramScript answer;
        int times;
    };
    std::deque<Scripted> scripts;
    std::deque<json::object> updates;  // ascending update_id
    std::int64_t next_update_id = k_first_update_id;
    std::int64_t next_message_id = 1;
    std::int64_t next_query = 1;
    std::map<std::string, int> queries;  // id -> times answered
    std::map<std::int64_t, std::string> markups;

    std::optional<TelegramScript> take_script(const std::string& method) {
        for (auto it = scripts.begin(); it != scripts.end(); ++it) {
            if (!it->method.empty() && it->method != method) continue;
            TelegramScript answer = it->answer;
            if (--it->times <= 0) scripts.erase(it);
            return answer;
        }
        return std::nullopt;
    }

    FakeResponse handle(const FakeRequest& request) {
        TelegramCall call;
        std::string path = request.target.substr(0, request.target.find('?'));
        std::string query = request.target.size() > path.size() ? request.target.substr(path.size() + 1) : "";
        // /bot<token>/<method>
        if (!path.starts_with("/bot") || path.find('/', 4) == std::string::npos) return error_response(404, "Not Found");
        auto slash = path.find('/', 4);
        call.token = url_decode(path.substr(4, slash - 4));
        call.method = path.substr(slash + 1);
        call.content_type = request.header("Content-Type");
        call.body = request.body;
        parse_form(query, call.params);
        if (call.content_type.find("json") != std::string::npos) {
            json::error_code ec;
            json::value v = json::parse(call.body, ec);
            if (ec || !v.is_object()) return error_response(400, "Bad Request: can't parse JSON object");
            for (auto& [k, val] : v.get_object()) call.params[k] = val;
        } else if (call.content_type.find("x-www-form-urlencoded") != std::string::npos) {
            parse_form(call.body, call.params);
        }

        std::unique_lock lock(mutex);
        calls.push_back(call);
        changed.notify_all();
        if (auto scripted = take_script(call.method)) {
            if (scripted->reset) {
                FakeResponse r;
                r.reset = true;
                return r;
            }
            if (scripted->delay.count() > 0) {
                changed.wait_for(lock, scripted->delay, [&] { return stopping; });
                if (stopping) return error_response(502, "Bad Gateway");
            }
            if (!scripted->body.empty()) return json_response(scripted->status, scripted->body);
        }
        if (call.token != token) return error_response(401, "Unauthorized");
        if (call.method == "sendMessage") return send_message(call);
        if (call.method == "answerCallbackQuery") return answer_callback_query(call);
        if (call.method == "editMessageReplyMarkup") return edit_markup(call);
        if (call.method == "getUpdates") return get_updates(call, lock);
        return error_response(404, "Not Found");
    }

    FakeResponse send_message(const TelegramCall& call) {
        auto chat_id = call.int_param("chat_id");
        if (!chat_id) return error_response(400, "Bad Request: chat not found");
        std::string text = call.param("text");
        std::string plain = text;
        std::size_t units = 0;
        if (!valid_utf8(text, units)) return error_response(400, "Bad Request: strings must be encoded in UTF-8");
        if (call.param("parse_mode") == "HTML") {
            HtmlCheck check = check_html(text);
            if (!check.error.empty()) return error_response(400, "Bad Request: " + check.error);
            plain = check.plain;
            units = check.units;
        }
        if (plain.find_first_not_of(" \t\r\n") == std::string::npos) {
            return error_response(400, "Bad Request: message text is empty");
        }
        if (units > 4096) return error_response(400, "Bad Request: message is too long");
        std::string markup;
        if (call.has("reply_markup")) {
            json::error_code ec;
            json::value m = json::parse(call.param("reply_markup"), ec);
            const json::value* rows = (!ec && m.is_object()) ? m.get_object().if_contains("inline_keyboard") : nullptr;
            if (rows == nullptr || !rows->is_array()) return error_response(400, "Bad Request: can't parse reply keyboard markup JSON object");
            for (const auto& row : rows->get_array()) {
                if (!row.is_array()) return error_response(400, "Bad Request: can't parse reply keyboard markup JSON object");
                for (const auto& button : row.get_array()) {
                    const json::value* data = button.is_object() ? button.get_object().if_contains("callback_data") : nullptr;
                    if (data == nullptr || !data->is_string() || data->get_string().empty() ||
                        data->get_string().size() > 64) {
                        return error_response(400, "Bad Request: BUTTON_DATA_INVALID");
                    }
                }
            }
            markup = json::serialize(m);
        }
        const std::int64_t id = next_message_id++;
        markups[id] = markup;
        json::object message{{"message_id", id},
                             {"from", json::object{{"id", bot_id}, {"is_bot", true}, {"first_name", "tocsin"}, {"username", "tocsin_bot"}}},
                             {"chat", json::object{{"id", *chat_id}, {"type", *chat_id < 0 ? "supergroup" : "private"}}},
                             {"date", k_date},
                             {"text", plain}};
        return ok_response(std::move(message));
    }

    FakeResponse answer_callback_query(const TelegramCall& call) {
        auto it = queries.find(call.param("callback_query_id"));
        if (it == queries.end() || it->second > 0) {
            return error_response(400, "Bad Request: query is too old and response timeout expired or query ID is invalid");
        }
        ++it->second;
        return ok_response(true);
    }

    FakeResponse edit_markup(const TelegramCall& call) {
        auto message_id = call.int_param("message_id");
        auto it = message_id ? markups.find(*message_id) : markups.end();
        if (it == markups.end()) return error_response(400, "Bad Request: message to edit not found");
        std::string markup = call.has("reply_markup") ? call.param("reply_markup") : "";
        if (!markup.empty()) {
            json::error_code ec;
            json::value m = json::parse(markup, ec);
            if (ec) return error_response(400, "Bad Request: can't parse reply keyboard markup JSON object");
            markup = json::serialize(m);
            if (markup == R"({"inline_keyboard":[]})") markup.clear();
        }
        if (markup == it->second) {
            return error_response(400, "Bad Request: message is not modified: specified new message content and reply "
                                       "markup are exactly the same as a current content and reply markup of the message");
        }
        it->second = markup;
        json::object message{{"message_id", it->first}, {"date", k_date},
                             {"chat", json::object{{"id", call.int_param("chat_id").value_or(0)}, {"type", "private"}}}};
        return ok_response(std::move(message));
    }

    FakeResponse get_updates(const TelegramCall& call, std::unique_lock<std::mutex>& lock) {
        const std::int64_t offset = call.int_param("offset").value_or(0);
        const std::int64_t timeout = std::max<std::int64_t>(call.int_param("timeout").value_or(0), 0);
        const std::int64_t limit = std::clamp<std::int64_t>(call.int_param("limit").value_or(100), 1, 100);
        if (forget_confirmed && offset > 0) {
            while (!updates.empty() && updates.front().at("update_id").as_int64() < offset) updates.pop_front();
        }
        auto eligible = [&] {
            json::array out;
            for (const auto& u : updates) {
                if (u.at("update_id").as_int64() >= offset && static_cast<std::int64_t>(out.size()) < limit) out.push_back(u);
            }
            return out;
        };
        json::array out = eligible();
        if (out.empty() && timeout > 0 && hold) {
            const auto generation = release_generation;
            ++held;
            changed.notify_all();
            changed.wait_for(lock, std::chrono::seconds(timeout), [&] {
                return stopping || !hold || release_generation != generation || !eligible().empty();
            });
            --held;
            changed.notify_all();
            out = eligible();
        }
        return ok_response(std::move(out));
    }

    std::int64_t push_update(json::object update) {
        std::lock_guard lock(mutex);
        std::int64_t id;
        if (const json::value* given = update.if_contains("update_id"); given && given->is_int64()) {
            id = given->get_int64();
            next_update_id = std::max(next_update_id, id + 1);
        } else {
            id = next_update_id++;
            update["update_id"] = id;
        }
        updates.push_back(std::move(update));
        changed.notify_all();
        return id;
    }
};

FakeTelegram::FakeTelegram(std::string token, std::optional<FakeTls> tls) : m_state(std::make_shared<State>()) {
    m_state->token = std::move(token);
    try {
        m_state->bot_id = std::stoll(m_state->token.substr(0, m_state->token.find(':')));
    } catch (const std::exception&) {
    }
    m_target = std::make_unique<FakeTarget>([state = m_state](const FakeRequest& r) { return state->handle(r); },
                                            std::move(tls));
}

FakeTelegram::~FakeTelegram() { stop(); }

std::string FakeTelegram::api_url() const { return m_target->url(""); }

void FakeTelegram::script(const std::string& method, TelegramScript answer, int times) {
    std::lock_guard lock(m_state->mutex);
    m_state->scripts.push_back({method, std::move(answer), times});
}

void FakeTelegram::clear_scripts() {
    std::lock_guard lock(m_state->mutex);
    m_state->scripts.clear();
}

InjectedCallback FakeTelegram::inject_callback(std::int64_t chat_id, std::int64_t user_id, const std::string& username,
                                               std::int64_t message_id, const std::string& data) {
    std::string query_id;
    {
        std::lock_guard lock(m_state->mutex);
        query_id = "q" + std::to_string(m_state->next_query++);
        m_state->queries[query_id] = 0;
    }
    json::object from{{"id", user_id}, {"is_bot", false}, {"first_name", username}};
    if (!username.empty()) from["username"] = username;
    json::object query{{"id", query_id},
                       {"from", from},
                       {"message", json::object{{"message_id", message_id},
                                                {"date", k_date},
                                                {"chat", json::object{{"id", chat_id}, {"type", "group"}}}}},
                       {"chat_instance", "1"},
                       {"data", data}};
    return InjectedCallback{inject_update(json::object{{"callback_query", std::move(query)}}), query_id};
}

std::int64_t FakeTelegram::inject_message(std::int64_t chat_id, std::int64_t user_id, const std::string& text) {
    json::object message{{"message_id", 100000 + user_id % 1000},
                         {"date", k_date},
                         {"from", json::object{{"id", user_id}, {"is_bot", false}, {"first_name", "someone"}}},
                         {"chat", json::object{{"id", chat_id}, {"type", "group"}}},
                         {"text", text}};
    return inject_update(json::object{{"message", std::move(message)}});
}

std::int64_t FakeTelegram::inject_update(json::object update) {
    // Callback queries injected raw must still be answerable.
    if (const json::value* cq = update.if_contains("callback_query"); cq && cq->is_object()) {
        if (const json::value* id = cq->get_object().if_contains("id"); id && id->is_string()) {
            std::lock_guard lock(m_state->mutex);
            m_state->queries.emplace(std::string(id->get_string()), 0);
        }
    }
    return m_state->push_update(std::move(update));
}

void FakeTelegram::release_polls() {
    std::lock_guard lock(m_state->mutex);
    ++m_state->release_generation;
    m_state->changed.notify_all();
}

void FakeTelegram::hold_polls(bool hold) {
    std::lock_guard lock(m_state->mutex);
    m_state->hold = hold;
    m_state->changed.notify_all();
}

void FakeTelegram::set_forget_confirmed(bool forget) {
    std::lock_guard lock(m_state->mutex);
    m_state->forget_confirmed = forget;
}

std::vector<TelegramCall> FakeTelegram::calls(const std::string& method) const {
    std::lock_guard lock(m_state->mutex);
    std::vector<TelegramCall> out;
    for (const auto& c : m_state->calls) {
        if (method.empty() || c.method == method) out.push_back(c);
    }
    return out;
}

bool FakeTelegram::wait_for_calls(const std::string& method, std::size_t n, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(m_state->mutex);
    return m_state->changed.wait_for(lock, timeout, [&] {
        std::size_t count = 0;
        for (const auto& c : m_state->calls) count += (method.empty() || c.method == method) ? 1 : 0;
        return count >= n;
    });
}

std::size_t FakeTelegram::held_polls() const {
    std::lock_guard lock(m_state->mutex);
    return m_state->held;
}

bool FakeTelegram::wait_for_held_polls(std::size_t n, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(m_state->mutex);
    return m_state->changed.wait_for(lock, timeout, [&] { return m_state->held >= n; });
}

int FakeTelegram::answers(const std::string& query_id) const {
    std::lock_guard lock(m_state->mutex);
    auto it = m_state->queries.find(query_id);
    return it == m_state->queries.end() ? 0 : it->second;
}

std::string FakeTelegram::markup(std::int64_t message_id) const {
    std::lock_guard lock(m_state->mutex);
    auto it = m_state->markups.find(message_id);
    return it == m_state->markups.end() ? std::string() : it->second;
}

void FakeTelegram::stop() {
    {
        std::lock_guard lock(m_state->mutex);
        m_state->stopping = true;
        m_state->changed.notify_all();
    }
    m_target->stop();
}

}  // namespace tocsin::test
