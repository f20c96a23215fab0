// Telegram's HTML parse mode, as the Bot API reads it: escaping, lengths as
// Telegram counts them (UTF-16 code units of the text after entity parsing),
// and splitting a long message into parts that are each valid HTML. Pure
// functions; no I/O.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace tocsin::notify::telegram {

// The Bot API's limit on a message's text, after entity parsing.
inline constexpr std::size_t k_max_message_units = 4096;

// Escapes text for parse_mode HTML: only &, < and > (as the Bot API asks).
// Invalid UTF-8 becomes U+FFFD, because Telegram refuses the whole message
// otherwise.
std::string escape_html(std::string_view text);

// Like escape_html, and also escapes " for use inside an attribute value.
std::string escape_attribute(std::string_view text);

// Elements tocsin uses; each escapes its raw text argument.
std::string bold(std::string_view text);
std::string italic(std::string_view text);
std::string code(std::string_view text);
std::string pre(std::string_view text);
std::string link_to(std::string_view url, std::string_view text);

// UTF-16 code units of UTF-8 text (invalid bytes count one each, as the
// U+FFFD they become).
std::size_t utf16_length(std::string_view utf8);

// The length Telegram checks against k_max_message_units: UTF-16 code units
// of the text once tags are removed and entities decoded.
std::size_t visible_length(std::string_view html);

// The text a reader sees: tags removed, the entities Telegram knows (&lt;
// &gt; &amp; &quot; and numeric ones) decoded. The plain-text fallback sends
// this when Telegram cannot parse a message's HTML.
std::string html_to_plain(std::string_view html);

// Splits HTML into parts of at most `limit` visible UTF-16 units. Parts end
// at line breaks when a line fits, else at a space, else between characters
// (never inside a tag, an entity, a surrogate pair or an emoji sequence).
// Elements open at a cut are closed at the end of the part and reopened
// (with their attributes) at the start of the next, so each part is valid
// on its own. Parts with no visible text are dropped. `limit` below 16 is
// raised to 16.
std::vector<std::string> split_message(std::string_view html, std::size_t limit = k_max_message_units);

}  // namespace tocsin::notify::telegram
