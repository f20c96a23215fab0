// HTML for Telegram's parse mode: escaping, lengths as Telegram counts them,
// and splitting long messages into parts that Telegram accepts one by one
// (checked with the fake server's HTML check, an independent parser).
#include "tocsin/notify/telegram/html.hpp"

#include <gtest/gtest.h>

#include <random>

#include "fake_telegram.hpp"

using namespace tocsin::notify::telegram;
using tocsin::test::telegram_html_error;

namespace {

std::string repeat(std::string_view s, std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) out += s;
    return out;
}

std::string without_whitespace(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c != ' ' && c != '\n' && c != '\t') out += c;
    }
    return out;
}

// Every part is valid on its own, fits, and together they keep every
// visible character in order (only the whitespace at cuts may go).
void expect_valid_split(std::string_view html, const std::vector<std::string>& parts, std::size_t limit) {
    ASSERT_FALSE(parts.empty());
    std::string joined_plain;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        std::size_t units = 0;
        EXPECT_EQ(telegram_html_error(parts[i], &units), "") << "part " << i << ": " << parts[i];
        EXPECT_LE(units, limit) << "part " << i;
        EXPECT_EQ(units, visible_length(parts[i])) << "part " << i;
        EXPECT_GT(units, 0u) << "part " << i;
        joined_plain += html_to_plain(parts[i]);
    }
    EXPECT_EQ(without_whitespace(joined_plain), without_whitespace(html_to_plain(html)));
}

}  // namespace

TEST(TelegramHtml, EscapesOnlyWhatTheBotApiAsks) {
    EXPECT_EQ(escape_html("a < b && c > d"), "a &lt; b &amp;&amp; c &gt; d");
    EXPECT_EQ(escape_html("\"quoted\" 'single'"), "\"quoted\" 'single'");
    EXPECT_EQ(escape_html("&lt; stays literal"), "&amp;lt; stays literal");
    EXPECT_EQ(escape_html("ünïcødé 漢字 😀"), "ünïcødé 漢字 😀");
    EXPECT_EQ(escape_attribute("https://x/?a=1&b=\"2\""), "https://x/?a=1&amp;b=&quot;2&quot;");
}

TEST(TelegramHtml, InvalidUtf8BecomesReplacementCharacters) {
    EXPECT_EQ(escape_html(std::string("ok \xFF\xC3 end")), "ok \xEF\xBF\xBD\xEF\xBF\xBD end");
    EXPECT_EQ(telegram_html_error(escape_html(std::string("\xE2\x82"))), "");
}

TEST(TelegramHtml, ElementsEscapeTheirText) {
    EXPECT_EQ(bold("a<b"), "<b>a&lt;b</b>");
    EXPECT_EQ(italic("x&y"), "<i>x&amp;y</i>");
    EXPECT_EQ(code("if (a > b)"), "<code>if (a &gt; b)</code>");
    EXPECT_EQ(pre("line1\nline2"), "<pre>line1\nline2</pre>");
    EXPECT_EQ(link_to("https://tocsin.example/incidents/1?a=1&b=2", "incident <1>"),
              "<a href=\"https://tocsin.example/incidents/1?a=1&amp;b=2\">incident &lt;1&gt;</a>");
    for (const auto& html : {bold("<&>"), italic("\"'"), code("</code>"), pre("<pre>"), link_to("\"><script>", "<x>")}) {
        EXPECT_EQ(telegram_html_error(html), "") << html;
    }
}

TEST(TelegramHtml, LengthsCountUtf16CodeUnits) {
    EXPECT_EQ(utf16_length(""), 0u);
    EXPECT_EQ(utf16_length("abc"), 3u);
    EXPECT_EQ(utf16_length("ü"), 1u);      // 2 bytes, 1 unit
    EXPECT_EQ(utf16_length("漢字"), 2u);   // 3 bytes each
    EXPECT_EQ(utf16_length("😀"), 2u);     // 4 bytes, a surrogate pair
    EXPECT_EQ(utf16_length("👨‍👩‍👧"), 8u);  // three emoji and two joiners
    EXPECT_EQ(utf16_length(std::string("\xFF")), 1u);
}

TEST(TelegramHtml, VisibleLengthIsAfterEntityParsing) {
    EXPECT_EQ(visible_length("<b>bold</b> <a href=\"https://example.com/very/long\">x</a>"), 6u);
    EXPECT_EQ(visible_length("&lt;&gt;&amp;&quot;"), 4u);
    EXPECT_EQ(visible_length("&#128512;&#x1F600;"), 4u);
    EXPECT_EQ(visible_length("<pre>漢😀</pre>"), 3u);
}

TEST(TelegramHtml, PlainTextRemovesTagsAndDecodesEntities) {
    EXPECT_EQ(html_to_plain("<b>Down</b>: api &lt;prod&gt; &amp; db &#128512; <a href=\"u\">link</a>"),
              "Down: api <prod> & db 😀 link");
    // Not tags and not entities stay as written.
    EXPECT_EQ(html_to_plain("a < b & c"), "a < b & c");
}

TEST(TelegramHtml, ShortMessagesAreOnePart) {
    std::string html = bold("Incident #7") + "\n" + escape_html("api <prod> is down");
    auto parts = split_message(html);
    ASSERT_EQ(parts.size(), 1u);
    EXPECT_EQ(parts[0], html);
}

TEST(TelegramHtml, SplitsOnLineBoundaries) {
    std::string html;
    for (int i = 0; i < 200; ++i) html += "line " + std::to_string(1000 + i) + " " + repeat("x", 40) + "\n";
    auto parts = split_message(html);
    ASSERT_GT(parts.size(), 1u);
    expect_valid_split(html, parts, k_max_message_units);
    for (const auto& part : parts) {
        EXPECT_TRUE(part.starts_with("line ")) << part.substr(0, 20);
        // Whole lines: each part ends where a line ended.
        std::string trimmed = part;
        while (!trimmed.empty() && trimmed.back() == '\n') trimmed.pop_back();
        EXPECT_TRUE(trimmed.ends_with(repeat("x", 40)));
    }
}

TEST(TelegramHtml, ElementsOpenAtACutAreClosedAndReopened) {
    std::string html = bold("Logs") + "\n<pre>";
    for (int i = 0; i < 300; ++i) html += escape_html("GET /api?x=" + std::to_string(i) + " -> 503 <upstream>") + "\n";
    html += "</pre>\n" + italic("end");
    auto parts = split_message(html, 1000);
    ASSERT_GE(parts.size(), 3u);
    expect_valid_split(html, parts, 1000);
    for (std::size_t i = 1; i + 1 < parts.size(); ++i) {
        EXPECT_TRUE(parts[i].starts_with("<pre>")) << i;
        EXPECT_TRUE(parts[i].ends_with("</pre>")) << i;
    }
    EXPECT_TRUE(parts.back().ends_with("<i>end</i>"));
}

TEST(TelegramHtml, LinksAreReopenedWithTheirAttributes) {
    std::string html = "<a href=\"https://tocsin.example/i/1\">" + repeat("word ", 60) + "</a>";
    auto parts = split_message(html, 100);
    ASSERT_GE(parts.size(), 3u);
    expect_valid_split(html, parts, 100);
    for (const auto& part : parts) {
        EXPECT_TRUE(part.starts_with("<a href=\"https://tocsin.example/i/1\">")) << part;
        EXPECT_TRUE(part.ends_with("</a>")) << part;
    }
}

TEST(TelegramHtml, NeverSplitsAnEntity) {
    std::string html = repeat("&amp;&lt;&gt;", 3000);  // no spaces, no lines: cuts between characters
    auto parts = split_message(html);
    ASSERT_EQ(parts.size(), 3u);  // 9000 visible characters
    expect_valid_split(html, parts, k_max_message_units);
    EXPECT_EQ(visible_length(parts[0]), 4096u);
}

TEST(TelegramHtml, EmojiAreNeverCutInHalf) {
    std::string html = repeat("😀", 3000);  // 6000 UTF-16 units, 12000 bytes
    auto parts = split_message(html);
    ASSERT_EQ(parts.size(), 2u);
    expect_valid_split(html, parts, k_max_message_units);
    EXPECT_EQ(parts[0], repeat("😀", 2048));
    EXPECT_EQ(parts[1], repeat("😀", 952));
}

TEST(TelegramHtml, EmojiSequencesStayWhole) {
    const std::string family = "👨‍👩‍👧";  // 8 units
    const std::string flag = "🇺🇦";      // 4 units, two regional indicators
    const std::string thumbs = "👍🏽";     // 4 units, with a skin tone
    std::string html = "x" + repeat(family + flag + thumbs, 300);  // odd start: cuts must move
    auto parts = split_message(html, 101);
    expect_valid_split(html, parts, 101);
    for (std::size_t i = 1; i < parts.size(); ++i) {
        EXPECT_TRUE(parts[i].starts_with(family) || parts[i].starts_with(flag) || parts[i].starts_with(thumbs))
            << "part " << i << " starts mid-sequence";
    }
}

TEST(TelegramHtml, CjkWithoutSpacesSplitsBetweenCharacters) {
    std::string html = repeat("漢字かな", 1500);  // 6000 units, no spaces or lines
    auto parts = split_message(html);
    ASSERT_EQ(parts.size(), 2u);
    expect_valid_split(html, parts, k_max_message_units);
    EXPECT_EQ(utf16_length(parts[0]), 4096u);
    EXPECT_EQ(utf16_length(parts[1]), 1904u);
}

TEST(TelegramHtml, LongLinesSplitAtSpaces) {
    std::string html = repeat("alpha beta gamma ", 600);
    auto parts = split_message(html);
    ASSERT_GE(parts.size(), 3u);
    expect_valid_split(html, parts, k_max_message_units);
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const auto& part = parts[i];
        EXPECT_TRUE(part.starts_with("alpha") || part.starts_with("beta") || part.starts_with("gamma")) << part.substr(0, 10);
        if (i + 1 < parts.size()) {
            EXPECT_TRUE(part.ends_with(" ")) << "cut inside a word: " << part.substr(part.size() - 10);
        }
    }
}

TEST(TelegramHtml, EmptyPartsAreDropped) {
    EXPECT_TRUE(split_message("").empty());
    EXPECT_TRUE(split_message("<b></b>\n\n").empty());
}

TEST(TelegramHtml, RandomDocumentsSplitIntoValidParts) {
    // Deterministic pseudo-random documents mixing every construct.
    std::mt19937 rng(20240611);
    const std::vector<std::string> words = {"api",   "😀",  "漢字",  "<db>", "a&b",   "👨‍👩‍👧", "🇺🇦",
                                            "x\"y", "é",   "line\n", "   ",   "👍🏽",    "über", "&"};
    const std::vector<std::string> tags = {"b", "i", "code", "pre", "a"};
    for (int round = 0; round < 200; ++round) {
        std::string html;
        std::vector<std::string> open;
        const int pieces = 50 + static_cast<int>(rng() % 400);
        for (int p = 0; p < pieces; ++p) {
            const auto r = rng() % 10;
            if (r == 0 && open.size() < 3) {
                std::string tag = tags[rng() % tags.size()];
                html += tag == "a" ? "<a href=\"https://x.example/?q=1&amp;r=2\">" : "<" + tag + ">";
                open.push_back(tag);
            } else if (r == 1 && !open.empty()) {
                html += "</" + open.back() + ">";
                open.pop_back();
            } else {
                html += escape_html(words[rng() % words.size()]);
                if (rng() % 3 == 0) html += ' ';
            }
        }
        while (!open.empty()) {
            html += "</" + open.back() + ">";
            open.pop_back();
        }
        ASSERT_EQ(telegram_html_error(html), "") << html;
        const std::size_t limit = 16 + rng() % 300;
        auto parts = split_message(html, limit);
        SCOPED_TRACE("round " + std::to_string(round) + " limit " + std::to_string(limit));
        expect_valid_split(html, parts, limit);
        if (HasFailure()) break;
    }
}
