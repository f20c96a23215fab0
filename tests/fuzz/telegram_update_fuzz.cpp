// libFuzzer target: arbitrary bytes as the body of a Bot API answer, through
// what the daemon does with one: parse_updates_response (getUpdates), then
// the poller's handling of each update (sorted by update_id; a callback
// query's data checked by CallbackSigner::verify), and the parsers of the
// calls around it (answerCallbackQuery, editMessageReplyMarkup, sendMessage).
// Never a crash; what the parser returns must be what the JSON says, checked
// against an independent parse of the same body.
//
// The body is parsed with HTTP status 200 (what Telegram sends with
// "ok": true) and once more with a status its size picks (k_statuses), so
// error answers meet 4xx/5xx statuses too. corpus/telegram_update/signed_*
// carry callback data signed with k_key below, so verify() is passed too.
#include <boost/json.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tocsin/core/secret.hpp"
#include "tocsin/notify/telegram/keyboard.hpp"
#include "tocsin/notify/telegram/response_parser.hpp"

namespace {

namespace json = boost::json;
namespace tg = tocsin::notify::telegram;

constexpr std::string_view k_key = "fuzz-callback-key-0123456789abcdef";
constexpr int k_statuses[] = {200, 400, 401, 403, 404, 409, 429, 500, 502, 503, 302, 204};

void check(bool condition) {
    if (!condition) std::abort();
}

const tg::CallbackSigner& signer() {
    static const tg::CallbackSigner s = *tg::CallbackSigner::create(tocsin::Secret(std::string(k_key), "fuzz"));
    return s;
}

// The body as response_parser reads it (same depth limit), or nothing.
std::optional<json::value> reparse(std::string_view body) {
    json::parse_options options;
    options.max_depth = 64;
    json::error_code ec;
    json::value v = json::parse(body, ec, {}, options);
    if (ec) return std::nullopt;
    return v;
}

std::optional<std::int64_t> int64_of(const json::value* v) {
    if (v == nullptr) return std::nullopt;
    if (v->is_int64()) return v->get_int64();
    if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
        return static_cast<std::int64_t>(v->get_uint64());
    }
    return std::nullopt;
}

const json::object* object_of(const json::value* v) { return v && v->is_object() ? &v->get_object() : nullptr; }

std::string string_of(const json::value* v) { return v && v->is_string() ? std::string(v->get_string()) : std::string(); }

void check_failure(const tg::ApiFailure& f, std::string_view method, int status) {
    check(f.outcome != tg::Outcome::sent);
    check(f.method == method);
    check(f.http_status == status);
    check(f.error_code >= 0 && f.error_code < 1000);
    if (f.retry_after) check(f.retry_after->count() >= 0 && f.retry_after->count() <= 24 * 3600);
    const std::string message = f.message();
    check(message.starts_with(std::string(method) + ": "));
    check(f.to_error().retryable == (f.outcome == tg::Outcome::retry));
    (void)f.cant_parse_entities();
}

void check_user(const tg::User& user, const json::object* o) {
    check(o != nullptr);
    check(int64_of(o->if_contains("id")) == user.id);
    check(user.username == string_of(o->if_contains("username")));
    check(user.first_name == string_of(o->if_contains("first_name")));
    check(!user.display_name().empty());
}

// Every update is what result[i] says.
void check_updates(const std::vector<tg::Update>& updates, std::string_view body) {
    auto v = reparse(body);
    check(v && v->is_object());
    const json::value* result = v->get_object().if_contains("result");
    check(result && result->is_array() && result->get_array().size() == updates.size());
    for (std::size_t i = 0; i < updates.size(); ++i) {
        const tg::Update& u = updates[i];
        const json::object* o = object_of(&result->get_array()[i]);
        check(o != nullptr);
        check(int64_of(o->if_contains("update_id")) == u.update_id);
        check(!(u.callback_query && u.message));
        if (!u.problem.empty() && (o->contains("callback_query") || o->contains("message"))) {
            check(u.problem.starts_with("malformed update: "));
        }
        if (const json::value* cq = o->if_contains("callback_query")) {
            check(!u.message);
            if (u.callback_query) {
                // Kept even when malformed, so it can be answered: its id is real.
                check(!u.callback_query->id.empty());
                check(u.callback_query->id == string_of(object_of(cq)->if_contains("id")));
            }
            if (!u.problem.empty()) continue;
            check(u.callback_query.has_value());
            const tg::CallbackQuery& q = *u.callback_query;
            const json::object* co = object_of(cq);
            check_user(q.from, object_of(co->if_contains("from")));
            check(q.data == string_of(co->if_contains("data")));
            check(q.chat_id.has_value() == q.message_id.has_value());
            if (const json::object* m = object_of(co->if_contains("message"))) {
                check(int64_of(m->if_contains("message_id")) == q.message_id);
                check(int64_of(object_of(m->if_contains("chat"))->if_contains("id")) == q.chat_id);
            } else {
                check(!q.chat_id && !co->contains("message"));
            }
        } else if (const json::value* m = o->if_contains("message")) {
            check(!u.callback_query);
            if (!u.problem.empty()) continue;
            check(u.message.has_value());
            const tg::IncomingMessage& msg = *u.message;
            const json::object* mo = object_of(m);
            check(int64_of(mo->if_contains("message_id")) == msg.message_id);
            check(int64_of(object_of(mo->if_contains("chat"))->if_contains("id")) == msg.chat_id);
            check(msg.text == string_of(mo->if_contains("text")));
            check(msg.from.has_value() == mo->contains("from"));
            if (msg.from) check_user(*msg.from, object_of(mo->if_contains("from")));
            if (msg.reply_to_message_id) {
                const json::object* r = object_of(mo->if_contains("reply_to_message"));
                check(r && int64_of(r->if_contains("message_id")) == msg.reply_to_message_id);
            }
        } else {
            check(!u.callback_query && !u.message && !u.problem.empty());
        }
    }
}

// What UpdatesPoller::handle does with the updates, minus the I/O: in
// update_id order, a well-formed callback query's data goes to verify().
void handle_like_the_poller(std::vector<tg::Update> updates) {
    std::stable_sort(updates.begin(), updates.end(),
                     [](const tg::Update& a, const tg::Update& b) { return a.update_id < b.update_id; });
    for (const tg::Update& update : updates) {
        if (!update.callback_query || !update.problem.empty()) continue;
        const tg::CallbackQuery& query = *update.callback_query;
        (void)query.from.display_name();
        auto action = signer().verify(query.data);
        if (!action) {
            check(!action.error().message.empty());
            continue;
        }
        // Only data we signed passes, and it is exactly what we would sign.
        check(action->incident_id > 0);
        check(query.data.size() <= tg::k_max_callback_data_bytes);
        check(signer().sign(action->action, action->incident_id) == query.data);
    }
}

void run_updates(int status, std::string_view body) {
    auto result = tg::parse_updates_response(status, body);
    if (result.ok()) {
        check(status >= 200 && status < 300);
        check_updates(result.value(), body);
        handle_like_the_poller(std::move(result).value());
    } else {
        check_failure(result.failure(), "getUpdates", status);
    }
}

void run_others(int status, std::string_view body) {
    auto sent = tg::parse_send_message_response(status, body);
    if (sent.ok()) {
        check(status >= 200 && status < 300);
        check(sent->message_id > 0 && !sent->plain_text);
        auto v = reparse(body);
        const json::object* message = object_of(v->get_object().if_contains("result"));
        check(int64_of(message->if_contains("message_id")) == sent->message_id);
        check(int64_of(object_of(message->if_contains("chat"))->if_contains("id")) == sent->chat_id);
    } else {
        check_failure(sent.failure(), "sendMessage", status);
    }
    for (std::string_view method : {"answerCallbackQuery", "editMessageReplyMarkup"}) {
        auto ok = tg::parse_ok_response(method, status, body);
        if (!ok.ok()) check_failure(ok.failure(), method, status);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    run_updates(200, body);
    const int other = k_statuses[size % std::size(k_statuses)];
    run_updates(other, body);
    run_others(200, body);
    if (other != 200) run_others(other, body);
    return 0;
}
