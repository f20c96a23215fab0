#include "tocsin/notify/telegram/updates_poller.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <exception>

namespace tocsin::notify::telegram {

namespace asio = boost::asio;

Duration poll_backoff(const ApiFailure& failure, int consecutive_failures, const PollerOptions& options) {
    if (failure.retry_after && failure.retry_after->count() > 0) {
        return std::chrono::duration_cast<Duration>(*failure.retry_after);
    }
    Duration delay = std::max(options.min_backoff, Duration(1));
    for (int i = 1; i < consecutive_failures && delay < options.max_backoff; ++i) delay *= 2;
    return std::min(delay, std::max(options.max_backoff, options.min_backoff));
}

struct UpdatesPoller::Impl : std::enable_shared_from_this<Impl> {
    asio::io_context& io;
    TelegramClient client;
    CallbackSigner signer;
    PollerOptions options;
    ActionHandler on_action;
    MessageHandler on_message;
    OffsetHandler on_offset;
    asio::steady_timer timer;
    std::atomic<std::int64_t> offset{0};
    bool running = false;
    std::uint64_t generation = 0;  // a poll answered after stop() (or a restart) is dropped
    int failures = 0;
    PollerCounters counters;

    Impl(asio::io_context& io_, TelegramClient client_, CallbackSigner signer_, PollerOptions options_)
        : io(io_),
          client(std::move(client_)),
          signer(std::move(signer_)),
          options(std::move(options_)),
          timer(io_) {
        offset = options.initial_offset;
    }

    bool chat_allowed(std::optional<std::int64_t> chat_id) const {
        return chat_id && std::find(options.allowed_chat_ids.begin(), options.allowed_chat_ids.end(), *chat_id) !=
                              options.allowed_chat_ids.end();
    }
    bool user_allowed(std::int64_t user_id) const {
        return options.allowed_user_ids.empty() ||
               std::find(options.allowed_user_ids.begin(), options.allowed_user_ids.end(), user_id) !=
                   options.allowed_user_ids.end();
    }

    void poll() {
        if (!running) return;
        ++counters.polls;
        client.get_updates(offset, options.poll_timeout,
                           [weak = weak_from_this(), gen = generation](ApiResult<std::vector<Update>> result) {
                               auto self = weak.lock();
                               if (!self || !self->running || self->generation != gen) return;
                               self->on_updates(std::move(result));
                           });
    }

    void on_updates(ApiResult<std::vector<Update>> result) {
        if (!result.ok()) {
            ++counters.poll_errors;
            ++failures;
            const Duration delay = poll_backoff(result.failure(), failures, options);
            // Once per streak; a permanent failure (bad token, ...) needs an operator.
            auto log = failures > 1                                        ? spdlog::level::debug
                       : result.failure().outcome == Outcome::permanent ? spdlog::level::err
                                                                        : spdlog::level::warn;
            spdlog::log(log, "telegram: polling updates failed ({} in a row): {}; next poll in {} ms", failures,
                        result.failure().message(), delay.count());
            timer.expires_after(delay);
            timer.async_wait([weak = weak_from_this(), gen = generation](const boost::system::error_code& ec) {
                auto self = weak.lock();
                if (ec || !self || !self->running || self->generation != gen) return;
                self->poll();
            });
            return;
        }
        if (failures > 0) spdlog::info("telegram: polling updates works again after {} failure(s)", failures);
        failures = 0;
        auto updates = std::move(result).value();
        std::stable_sort(updates.begin(), updates.end(),
                         [](const Update& a, const Update& b) { return a.update_id < b.update_id; });
        const std::uint64_t gen = generation;
        for (const Update& update : updates) {
            // A handler may stop the poller: nothing more is handled then.
            if (!running || generation != gen) return;
            handle(update);
        }
        poll();
    }

    void advance(std::int64_t next) {
        offset = next;
        if (on_offset) on_offset(next);
    }

    void answer(const std::string& callback_query_id, const std::string& text) {
        client.answer_callback_query(callback_query_id, text, false,
                                     [weak = weak_from_this()](ApiResult<Ok> result) {
                                         if (result.ok()) return;
                                         spdlog::warn("telegram: {}", result.failure().message());
                                         if (auto self = weak.lock()) ++self->counters.answer_errors;
                                     });
    }

    void handle(const Update& update) {
        if (update.update_id < offset) {
            ++counters.ignored;
            spdlog::debug("telegram: update {} is below the offset {}: already handled", update.update_id,
                          offset.load());
            return;
        }
        const std::int64_t next = update.update_id + 1;
        if (update.callback_query) {
            handle_callback(update, *update.callback_query, next);
        } else if (update.message && update.problem.empty()) {
            const IncomingMessage& message = *update.message;
            if (chat_allowed(message.chat_id) && (!message.from || user_allowed(message.from->id))) {
                ++counters.messages;
                if (on_message) on_message(message);
            } else {
                ++counters.ignored;
                spdlog::debug("telegram: ignoring a message in chat {} from {}: not an allowed chat or user",
                              message.chat_id, message.from ? message.from->display_name() : "a channel");
            }
        } else {
            ++counters.ignored;
            spdlog::debug("telegram: ignoring update {}: {}", update.update_id,
                          update.problem.empty() ? "nothing tocsin uses" : update.problem);
        }
        advance(next);
    }

    void handle_callback(const Update& update, const CallbackQuery& query, std::int64_t next) {
        if (!update.problem.empty()) {
            ++counters.refused_invalid;
            spdlog::warn("telegram: refusing a button press (update {}): {}", update.update_id, update.problem);
            answer(query.id, options.invalid_button_text);
            return;
        }
        if (!chat_allowed(query.chat_id) || !user_allowed(query.from.id)) {
            ++counters.refused_unauthorised;
            spdlog::info("telegram: refusing a button press by {} (id {}) in chat {}: not an allowed chat or user",
                         query.from.display_name(), query.from.id,
                         query.chat_id ? std::to_string(*query.chat_id) : std::string("(none)"));
            answer(query.id, options.not_allowed_text);
            return;
        }
        auto action = signer.verify(query.data);
        if (!action) {
            ++counters.refused_invalid;
            spdlog::warn("telegram: refusing a button press by {} (id {}) in chat {}: {}", query.from.display_name(),
                         query.from.id, *query.chat_id, action.error().message);
            answer(query.id, options.invalid_button_text);
            return;
        }
        ActionRequest request;
        request.action = *action;
        request.from = query.from;
        request.chat_id = *query.chat_id;
        request.message_id = query.message_id.value_or(0);
        request.update_id = update.update_id;
        request.next_offset = next;
        ++counters.actions;
        ActionReply reply;
        try {
            reply = on_action(request);
        } catch (const std::exception& e) {
            spdlog::error("telegram: handling {} of {} {} by {} failed: {}", to_string(action->action),
                          action->action == IncidentAction::acknowledge_all ? "digest" : "incident",
                          action->incident_id, query.from.display_name(), e.what());
            reply = ActionReply{"Sorry, that failed; please try again.", false};
        }
        answer(query.id, reply.text);
        if (reply.remove_buttons && query.message_id) {
            client.edit_message_reply_markup(request.chat_id, *query.message_id, {}, [](ApiResult<Ok> result) {
                if (!result.ok()) spdlog::warn("telegram: {}", result.failure().message());
            });
        }
    }
};

UpdatesPoller::UpdatesPoller(asio::io_context& io, TelegramClient client, CallbackSigner signer, PollerOptions options,
                             ActionHandler on_action, MessageHandler on_message, OffsetHandler on_offset)
    : m_impl(std::make_shared<Impl>(io, std::move(client), std::move(signer), std::move(options))) {
    m_impl->on_action = std::move(on_action);
    m_impl->on_message = std::move(on_message);
    m_impl->on_offset = std::move(on_offset);
}

UpdatesPoller::~UpdatesPoller() { stop(); }

void UpdatesPoller::start() {
    if (m_impl->running) return;
    m_impl->running = true;
    m_impl->failures = 0;
    asio::post(m_impl->io, [weak = std::weak_ptr<Impl>(m_impl), gen = m_impl->generation] {
        auto self = weak.lock();
        if (self && self->running && self->generation == gen) self->poll();
    });
}

void UpdatesPoller::stop() {
    if (!m_impl->running) return;
    m_impl->running = false;
    ++m_impl->generation;
    m_impl->timer.cancel();
}

std::int64_t UpdatesPoller::offset() const { return m_impl->offset; }

const PollerCounters& UpdatesPoller::counters() const { return m_impl->counters; }

}  // namespace tocsin::notify::telegram
