// Bot API responses (HTTP status and body) to classified results. Pure and
// defensive: bad JSON, a missing or mistyped field, an id beyond 64 bits or
// a nesting bomb is a clear protocol error, never a crash. The client
// redacts the bot token from what these return.
#pragma once

#include <string_view>
#include <vector>

#include "tocsin/core/result.hpp"
#include "tocsin/notify/telegram/api_result.hpp"
#include "tocsin/notify/telegram/update.hpp"

namespace tocsin::notify::telegram {

// sendMessage: the Message's message_id and chat.id.
ApiResult<SentMessage> parse_send_message_response(int http_status, std::string_view body);

// Methods answering `true` (or a Message, as editMessageReplyMarkup does).
// editMessageReplyMarkup's "message is not modified" counts as success: the
// keyboard is already what was asked for.
ApiResult<Ok> parse_ok_response(std::string_view method, int http_status, std::string_view body);

// getUpdates. An update whose update_id is unusable fails the whole answer
// (the offset could not advance past it); any other malformed update comes
// back with Update::problem set.
ApiResult<std::vector<Update>> parse_updates_response(int http_status, std::string_view body);

}  // namespace tocsin::notify::telegram
