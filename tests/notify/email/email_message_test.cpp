// The email renderer: golden messages, RFC 2047 encoded-words, folding,
// quoted-printable and base64 bodies, address validation and hostile input
// trying to inject headers.
#include "tocsin/notify/email/email_message.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>

using namespace std::chrono;
using testing::HasSubstr;
using testing::Not;
using namespace tocsin::notify::email;

namespace {

// Raw strings below are written with LF; messages have CRLF.
std::string crlf(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '\n') out += '\r';
        out += c;
    }
    return out;
}

tocsin::TimePoint june_3_1230() { return sys_days{year{2024} / 6 / 3} + hours(12) + minutes(30); }

EmailMessage simple_message() {
    EmailMessage m;
    m.from = {"tocsin", "pager@alerts.example.com"};
    m.to = {{"", "oncall@example.com"}};
    m.subject = "[P2] disk almost full on db-1";
    m.text_body = "Disk usage is 91%.\nRunbook: https://runbooks.example.com/disk\n";
    m.idempotency_key = "incident-7/page-1/oncall";
    m.date = june_3_1230();
    return m;
}

std::string render(const EmailMessage& m) {
    auto r = render_email(m);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? r->data : std::string();
}

std::vector<std::string> lines_of(const std::string& data) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (std::size_t at; (at = data.find("\r\n", start)) != std::string::npos; start = at + 2) {
        out.push_back(data.substr(start, at - start));
    }
    return out;
}

std::string header_block(const std::string& data) { return data.substr(0, data.find("\r\n\r\n") + 2); }

// Every line ends in CRLF: no bare CR or LF anywhere.
bool only_crlf(const std::string& data) {
    for (std::size_t i = 0; i < data.size(); ++i) {
        if (data[i] == '\r' && (i + 1 == data.size() || data[i + 1] != '\n')) return false;
        if (data[i] == '\n' && (i == 0 || data[i - 1] != '\r')) return false;
    }
    return data.size() >= 2 && data.compare(data.size() - 2, 2, "\r\n") == 0;
}

// Minimal RFC 2047 decoding for checks: the words of a header value, each
// decoded on its own (so each must hold whole characters).
std::string decode_base64(std::string_view in) {
    static const std::string k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    int bits = 0;
    unsigned value = 0;
    for (char c : in) {
        if (c == '=') break;
        value = (value << 6) | static_cast<unsigned>(k.find(c));
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((value >> bits) & 0xff);
        }
    }
    return out;
}

std::string decode_word(const std::string& word) {
    std::smatch m;
    static const std::regex re(R"(^=\?utf-8\?([BQ])\?([^?]*)\?=$)");
    if (!std::regex_match(word, m, re)) return "<not an encoded-word: " + word + ">";
    std::string text = m[2];
    if (m[1] == "B") return decode_base64(text);
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '_') {
            out += ' ';
        } else if (text[i] == '=') {
            out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

bool valid_utf8(const std::string& s) {
    for (std::size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (n == 0 || i + n > s.size()) return false;
        for (std::size_t k = 1; k < n; ++k) {
            if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
        }
        i += n;
    }
    return true;
}

// The value of header `name` from a rendered message, unfolded, with each
// encoded-word decoded and checked to be at most 75 characters of whole
// UTF-8 characters.
std::string decoded_header(const std::string& data, const std::string& name) {
    std::string block = header_block(data);
    auto at = block.find("\r\n" + name + ":");
    if (block.rfind(name + ":", 0) == 0) at = 0; else if (at != std::string::npos) at += 2;
    if (at == std::string::npos) return "<missing>";
    std::string raw;
    std::size_t pos = at + name.size() + 1;
    for (;;) {
        auto end = block.find("\r\n", pos);
        raw += block.substr(pos, end - pos);
        pos = end + 2;
        if (pos >= block.size() || block[pos] != ' ') break;
    }
    std::string out;
    bool previous_encoded = false;
    std::size_t i = 0;
    while (i < raw.size()) {
        std::size_t space = raw.find(' ', i);
        if (space == i) {
            ++i;
            continue;
        }
        std::string token = raw.substr(i, space == std::string::npos ? std::string::npos : space - i);
        i = space == std::string::npos ? raw.size() : space;
        const bool encoded = token.rfind("=?", 0) == 0;
        if (encoded) {
            EXPECT_LE(token.size(), 75u) << token;
            std::string decoded = decode_word(token);
            EXPECT_TRUE(valid_utf8(decoded)) << "word splits a character: " << token;
            if (!out.empty() && !previous_encoded) out += ' ';
            out += decoded;
        } else {
            if (!out.empty()) out += ' ';
            out += token;
        }
        previous_encoded = encoded;
    }
    return out;
}

}  // namespace

TEST(EmailMessage, GoldenPlainTextMessage) {
    EXPECT_EQ(render(simple_message()), crlf(R"(Date: Mon, 03 Jun 2024 12:30:00 +0000
From: tocsin <pager@alerts.example.com>
To: oncall@example.com
Subject: [P2] disk almost full on db-1
Message-ID: <ab997c49d2569827e62e117493a573dc@alerts.example.com>
Auto-Submitted: auto-generated
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Disk usage is 91%.
Runbook: https://runbooks.example.com/disk
)"));
}

TEST(EmailMessage, GoldenMultipartMessageWithThreadAndEncodedWords) {
    EmailMessage m;
    m.from = {"tocsin – Pager", "pager@alerts.example.com"};
    m.to = {{"Zoë On-Call", "zoe@example.com"}, {"", "ops@example.com"}, {"Smith, John", "john@example.com"}};
    m.subject = "[P1] Incident #42: ingest returning 5xx — äöü été 日本語 for more than five minutes now";
    m.text_body = "Incident #42 is firing.\nSeverity: P1 — critical\n.\nA line with trailing space \nx=1\n" +
                  std::string(100, 'a') + "\n";
    m.html_body = "<p>Incident <b>#42</b> — firing</p>\n";
    m.idempotency_key = "incident-42/page-3/zoe";
    m.thread_root_id = make_message_id("incident-42/page-1/zoe", "pager@alerts.example.com");
    m.date = june_3_1230();
    m.headers = {{"X-Tocsin-Incident", "42"}, {"X-Tocsin-Title", "DB down\r\nBcc: victim@evil.example"}};
    // Checked against Python's email parser (policy.default): every header
    // and both parts decode to the input.
    EXPECT_EQ(render(m), crlf(R"(Date: Mon, 03 Jun 2024 12:30:00 +0000
From: =?utf-8?Q?tocsin_=E2=80=93_Pager?= <pager@alerts.example.com>
To: =?utf-8?Q?Zo=C3=AB_On-Call?= <zoe@example.com>, ops@example.com,
 "Smith, John" <john@example.com>
Subject: =?utf-8?B?W1AxXSBJbmNpZGVudCAjNDI6IGluZ2VzdCByZXR1cm5pbmcgNXh4IA==?=
 =?utf-8?B?4oCUIMOkw7bDvCDDqXTDqSDml6XmnKzoqp4gZm9yIG1vcmUgdGhhbiBmaXZl?=
 =?utf-8?B?IG1pbnV0ZXMgbm93?=
Message-ID: <b177bb39c1d8466d752abff6f6e47f3b@alerts.example.com>
In-Reply-To: <9e362853daba567cc739c5014861d155@alerts.example.com>
References: <9e362853daba567cc739c5014861d155@alerts.example.com>
Auto-Submitted: auto-generated
X-Tocsin-Incident: 42
X-Tocsin-Title: DB down Bcc: victim@evil.example
MIME-Version: 1.0
Content-Type: multipart/alternative;
 boundary="=_tocsin_18fdfc80a6850d68eef6c304d4b6396d"

--=_tocsin_18fdfc80a6850d68eef6c304d4b6396d
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Incident #42 is firing.
Severity: P1 =E2=80=94 critical
.
A line with trailing space=20
x=3D1
aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=
aaaaaaaaaaaaaaaaaaaaaaaaa

--=_tocsin_18fdfc80a6850d68eef6c304d4b6396d
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: quoted-printable

<p>Incident <b>#42</b> =E2=80=94 firing</p>

--=_tocsin_18fdfc80a6850d68eef6c304d4b6396d--
)"));
}

TEST(EmailMessage, RenderingIsDeterministic) {
    auto m = simple_message();
    m.html_body = "<p>x</p>";
    EXPECT_EQ(render(m), render(m));
    auto other = m;
    other.idempotency_key = "incident-7/page-2/oncall";
    EXPECT_NE(render(m), render(other));
}

TEST(EmailMessage, MessageIdComesFromTheKeyAndTheSenderDomain) {
    auto id = make_message_id("incident-42/page-3/zoe", "pager@alerts.example.com");
    EXPECT_EQ(id, "<b177bb39c1d8466d752abff6f6e47f3b@alerts.example.com>");  // SHA-256 prefix
    EXPECT_EQ(id, make_message_id("incident-42/page-3/zoe", "other@alerts.example.com"));
    EXPECT_NE(id, make_message_id("incident-42/page-4/zoe", "pager@alerts.example.com"));
    EXPECT_EQ(make_message_id("k", "x@[192.0.2.1]"), "<" + make_message_id("k", "a@b").substr(1, 32) + "@[192.0.2.1]>");
    auto r = render_email(simple_message());
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->message_id, make_message_id("incident-7/page-1/oncall", "pager@alerts.example.com"));
    EXPECT_THAT(r->data, HasSubstr("\r\nMessage-ID: " + r->message_id + "\r\n"));
}

TEST(EmailMessage, ThreadRootBecomesInReplyToAndReferences) {
    auto m = simple_message();
    m.thread_root_id = "root-1@alerts.example.com";  // brackets optional
    auto data = render(m);
    EXPECT_THAT(data, HasSubstr("\r\nIn-Reply-To: <root-1@alerts.example.com>\r\nReferences: <root-1@alerts.example.com>\r\n"));

    // The thread's first message does not reply to itself.
    m.thread_root_id = make_message_id(m.idempotency_key, m.from.address);
    EXPECT_THAT(render(m), Not(HasSubstr("In-Reply-To")));

    for (const char* bad : {"<root@x>\r\nBcc: victim@evil.example", "no-at-sign", "<a b@c>", "<a@b", "<@b>",
                            "<a@b>>", "a@[x\r\n]"}) {
        m.thread_root_id = bad;
        auto r = render_email(m);
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_THAT(r.error().message, HasSubstr("thread_root_id"));
        EXPECT_EQ(r.error().category, tocsin::ErrorCategory::invalid_argument);
    }
}

TEST(EmailMessage, NonAsciiSubjectUsesEncodedWordsOfWholeCharacters) {
    auto m = simple_message();
    const std::string subject =
        "Störung: Datenbank nicht erreichbar — 数据库不可用 — база данных недоступна — 🚨🔥 " + std::string(40, 'x');
    m.subject = subject;
    auto data = render(m);
    EXPECT_EQ(decoded_header(data, "Subject"), subject);
    for (const auto& line : lines_of(header_block(data))) EXPECT_LE(line.size(), 78u) << line;
}

TEST(EmailMessage, EncodingPicksTheShorterOfQAndB) {
    auto m = simple_message();
    m.subject = "Zoë";  // mostly ASCII: Q is shorter
    EXPECT_THAT(render(m), HasSubstr("\r\nSubject: =?utf-8?Q?Zo=C3=AB?=\r\n"));
    m.subject = "日本語";  // all multi-byte: B is shorter
    EXPECT_THAT(render(m), HasSubstr("\r\nSubject: =?utf-8?B?5pel5pys6Kqe?=\r\n"));
}

TEST(EmailMessage, AsciiThatLooksEncodedIsEncoded) {
    auto m = simple_message();
    m.subject = "=?utf-8?B?Zm9v?= is not an encoded word here";
    auto data = render(m);
    EXPECT_THAT(data, Not(HasSubstr("Subject: =?utf-8?B?Zm9v?=")));
    EXPECT_EQ(decoded_header(data, "Subject"), m.subject);
}

TEST(EmailMessage, LongAsciiSubjectFoldsAtSpaces) {
    auto m = simple_message();
    m.subject = "[P1] ingest returning 5xx for more than five minutes on eu-west-1, us-east-1 and ap-south-1 "
                "(affects at least 5 users)";
    auto data = render(m);
    EXPECT_THAT(data, HasSubstr("\r\nSubject: [P1] ingest returning 5xx for more than five minutes on eu-west-1,\r\n"
                                " us-east-1 and ap-south-1 (affects at least 5 users)\r\n"));
    EXPECT_EQ(decoded_header(data, "Subject"), m.subject);

    // A word that cannot fit a line at all is encoded instead of overflowing.
    m.subject = "see " + std::string(120, 'x');
    data = render(m);
    EXPECT_EQ(decoded_header(data, "Subject"), m.subject);
    for (const auto& line : lines_of(header_block(data))) EXPECT_LE(line.size(), 78u) << line;
}

TEST(EmailMessage, DisplayNamesAreAtomsQuotedOrEncoded) {
    auto m = simple_message();
    m.to = {{"Alice Example", "alice@example.com"},
            {"Ops \"Team\", EU \\ night", "ops@example.com"},
            {"Zoë", "zoe@example.com"},
            {"=?utf-8?Q?fake?=", "f@example.com"}};
    auto data = render(m);
    EXPECT_THAT(data, HasSubstr("To: Alice Example <alice@example.com>,"));
    EXPECT_THAT(data, HasSubstr(" \"Ops \\\"Team\\\", EU \\\\ night\"\r\n <ops@example.com>,"));
    EXPECT_THAT(data, HasSubstr("=?utf-8?Q?Zo=C3=AB?= <zoe@example.com>,"));
    // Text that looks like an encoded-word is encoded, so it reads back literally.
    EXPECT_THAT(data, HasSubstr(" =?utf-8?B?PT91dGYtOD9RP2Zha2U/PQ==?= <f@example.com>\r\n"));
    for (const auto& line : lines_of(header_block(data))) EXPECT_LE(line.size(), 78u) << line;
}

TEST(EmailMessage, HostileIncidentTitlesCannotInjectHeaders) {
    const std::vector<std::string> titles = {
        "DB down\r\nBcc: victim@evil.example",
        "DB down\nBcc: victim@evil.example",
        "DB down\rBcc: victim@evil.example",
        "DB down\r\n\r\n<html>body takeover</html>",
        "ünïcödé\r\nBcc: victim@evil.example",
        std::string("nul\0Bcc: victim@evil.example", 28),
        "\r\n\r\n",
        "C1 control \xc2\x85 next line",
    };
    for (const auto& title : titles) {
        auto m = simple_message();
        m.subject = title;
        m.from.name = title;
        m.to = {{title, "oncall@example.com"}};
        m.headers = {{"X-Tocsin-Title", title}};
        auto data = render(m);
        ASSERT_TRUE(only_crlf(data)) << title;
        auto block = header_block(data);
        for (const auto& line : lines_of(block)) {
            // Each line starts a known header or continues one.
            EXPECT_TRUE(line.empty() || line[0] == ' ' || line.rfind("Date:", 0) == 0 || line.rfind("From:", 0) == 0 ||
                        line.rfind("To:", 0) == 0 || line.rfind("Subject:", 0) == 0 ||
                        line.rfind("Message-ID:", 0) == 0 || line.rfind("Auto-Submitted:", 0) == 0 ||
                        line.rfind("X-Tocsin-Title:", 0) == 0 || line.rfind("MIME-Version:", 0) == 0 ||
                        line.rfind("Content-", 0) == 0)
                << "injected line: " << line;
        }
        EXPECT_THAT(block, Not(HasSubstr("\r\nBcc:")));
        EXPECT_EQ(block.find('\0'), std::string::npos);
        // The body starts after the first empty line, where it should.
        EXPECT_THAT(data.substr(block.size()), testing::StartsWith("\r\nDisk usage"));
    }
    EXPECT_EQ(sanitize_header_text("DB down\r\nBcc: x"), "DB down Bcc: x");
    EXPECT_EQ(sanitize_header_text("  \t a \x01\x02 b\r\n"), "a   b");  // one space per control run
    EXPECT_EQ(sanitize_header_text("bad \xff utf8 \xe2\x82"), "bad \xef\xbf\xbd utf8 \xef\xbf\xbd\xef\xbf\xbd");
}

TEST(EmailMessage, HostileAddressesAndHeaderNamesAreRefused) {
    auto m = simple_message();
    m.to = {{"", "victim@example.com\r\nBcc: other@evil.example"}};
    auto r = render_email(m);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "to[0]: address contains a line break");

    m = simple_message();
    m.from.address = "pager@alerts.example.com>\r\nX: y";
    EXPECT_FALSE(render_email(m).ok());

    for (const char* name : {"X-Evil:\r\nBcc", "X Space", "", "Bcc", "content-type", "Message-ID", "X:Colon",
                             "Subject"}) {
        m = simple_message();
        m.headers = {{name, "v"}};
        EXPECT_FALSE(render_email(m).ok()) << name;
    }
    m = simple_message();
    m.to.clear();
    EXPECT_FALSE(render_email(m).ok());
    m = simple_message();
    m.idempotency_key.clear();
    EXPECT_FALSE(render_email(m).ok());
}

TEST(EmailMessage, AddressValidation) {
    for (const char* good : {"a@b", "first.last+tag@sub.example.com", "o'neil@example.com", "\"quoted.local\"@example.com",
                             "\"a\\\"b\"@example.com", "x@[192.0.2.1]", "x@[IPv6:2001:db8::1]", "root@localhost",
                             "x@xn--bcher-kva.example", "1@2.3"}) {
        EXPECT_TRUE(validate_address(good).ok()) << good;
    }
    const std::string long_local = std::string(65, 'a') + "@example.com";
    const std::string long_label = "a@" + std::string(64, 'b') + ".com";
    const std::string too_long = std::string(60, 'a') + "@" + std::string(60, 'b') + "." + std::string(60, 'c') + "." +
                                 std::string(60, 'd') + "." + std::string(20, 'e');
    for (const std::string& bad : std::vector<std::string>{"", "<>", "a", "@b", "a@", "a b@c", "a@b c", "a@b\r\nRCPT TO:<x@y>", "<a@b>",
                                  ".a@b", "a.@b", "a..b@c", "a@-b.com", "a@b-.com", "a@b..com", "a@b.com.",
                                  "ü@b.com", "a@bü.com", "a@[300.1.1.1]", "a@[IPv6:zz]", "a@b_c.com", "a(b)@c",
                                  "\"unterminated@c", "a@[192.0.2.1", "a\t@b", long_local, long_label, too_long}) {
        EXPECT_FALSE(validate_address(bad).ok()) << bad;
    }
    EXPECT_EQ(validate_address("a b@c").error().message, "address contains a space");
    EXPECT_EQ(validate_address("<>").error().message, "the null path <> is not a mailbox");
}

TEST(EmailMessage, QuotedPrintable) {
    EXPECT_EQ(quoted_printable_encode("plain text"), "plain text");
    EXPECT_EQ(quoted_printable_encode("a=b"), "a=3Db");
    EXPECT_EQ(quoted_printable_encode("trailing \ntab\t\r\nend "), "trailing=20\r\ntab=09\r\nend=20");
    EXPECT_EQ(quoted_printable_encode("a\rb\nc\r\n"), "a\r\nb\r\nc\r\n");
    EXPECT_EQ(quoted_printable_encode("Zoë"), "Zo=C3=AB");
    EXPECT_EQ(quoted_printable_encode(std::string(80, 'x')), std::string(75, 'x') + "=\r\n" + std::string(5, 'x'));
    // An escape is never split by a soft break.
    std::string escaped = quoted_printable_encode(std::string(74, 'x') + "é");
    EXPECT_EQ(escaped, std::string(74, 'x') + "=\r\n=C3=A9");
    for (const auto& line : lines_of(quoted_printable_encode(std::string(1000, '\xe2') + "\n") )) {
        EXPECT_LE(line.size(), 76u);
    }
}

TEST(EmailMessage, Base64) {
    // RFC 4648 section 10.
    EXPECT_EQ(base64_encode(""), "");
    EXPECT_EQ(base64_encode("f"), "Zg==");
    EXPECT_EQ(base64_encode("fo"), "Zm8=");
    EXPECT_EQ(base64_encode("foo"), "Zm9v");
    EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
    EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
    EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
    EXPECT_EQ(base64_encode(std::string("\0\xff\xfe", 3)), "AP/+");
}

TEST(EmailMessage, MostlyNonAsciiBodiesAreBase64InLinesOf76) {
    auto m = simple_message();
    m.text_body = "";
    for (int i = 0; i < 20; ++i) m.text_body += "データベースに接続できません。\n";
    auto data = render(m);
    EXPECT_THAT(data, HasSubstr("Content-Transfer-Encoding: base64\r\n\r\n"));
    auto body = data.substr(data.find("\r\n\r\n") + 4);
    for (const auto& line : lines_of(body)) EXPECT_LE(line.size(), 76u);
    std::string joined;
    for (const auto& line : lines_of(body)) joined += line;
    std::string expected;
    for (int i = 0; i < 20; ++i) expected += "データベースに接続できません。\r\n";
    EXPECT_EQ(decode_base64(joined), expected);
}

TEST(EmailMessage, InvalidUtf8InBodiesBecomesReplacementCharacters) {
    auto m = simple_message();
    m.text_body = "an otherwise ASCII line with one bad \xff byte";
    EXPECT_THAT(render(m), HasSubstr("\r\n\r\nan otherwise ASCII line with one bad =EF=BF=BD byte\r\n"));
}

TEST(EmailMessage, DateIsRfc5322InUtc) {
    EXPECT_EQ(format_date(tocsin::TimePoint{}), "Thu, 01 Jan 1970 00:00:00 +0000");
    EXPECT_EQ(format_date(june_3_1230() + milliseconds(999)), "Mon, 03 Jun 2024 12:30:00 +0000");
    EXPECT_EQ(format_date(sys_days{year{2028} / 2 / 29} + hours(23) + minutes(59) + seconds(59)),
              "Tue, 29 Feb 2028 23:59:59 +0000");
}

TEST(EmailMessage, UnstructuredHeaderFoldingKeepsEveryLineShort) {
    for (std::size_t n : {1u, 10u, 60u, 69u, 70u, 77u, 78u, 200u}) {
        for (const std::string& unit : {std::string("ab "), std::string("é"), std::string("x"), std::string("日本 ")}) {
            std::string value;
            while (value.size() < n) value += unit;
            value = sanitize_header_text(value);
            auto header = render_unstructured_header("X-Tocsin-Some-Rather-Long-Header-Name", value);
            for (const auto& line : lines_of(header)) EXPECT_LE(line.size(), 78u) << header;
            EXPECT_EQ(decoded_header(header + "\r\n", "X-Tocsin-Some-Rather-Long-Header-Name"), value) << header;
        }
    }
    EXPECT_EQ(render_unstructured_header("Subject", ""), "Subject:\r\n");
}
