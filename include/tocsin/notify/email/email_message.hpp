// Renders one notification as an Internet message (RFC 5322 + MIME): CRLF
// line ends, non-ASCII subject and display names as RFC 2047 encoded-words,
// header lines folded to 78 characters where possible, text/plain (and
// text/html, as multipart/alternative) bodies in UTF-8, quoted-printable or
// base64. Pure: the date is a parameter and the same input always renders the
// same bytes, so a resent page carries the same Message-ID and boundary.
//
// Header injection: free text (subject, display names, extra header values)
// has every run of control characters (CR and LF included) replaced by one
// space and invalid UTF-8 replaced by U+FFFD before it is encoded; addresses,
// header names and the thread's Message-ID are validated and refused instead.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tocsin/core/clock.hpp"
#include "tocsin/core/result.hpp"

namespace tocsin::notify::email {

struct Mailbox {
    std::string name;     // display name, UTF-8; empty: the bare address
    std::string address;  // an RFC 5321 Mailbox, see validate_address
};

// A simple but real RFC 5321 "Mailbox" check: a Dot-string local part (or a
// Quoted-string of printable ASCII without spaces), at most 64 octets, "@",
// then a domain of LDH labels (each at most 63 octets, not starting or ending
// with '-') or an address literal ([192.0.2.1], [IPv6:2001:db8::1]); at most
// 254 octets in all. ASCII only (no SMTPUTF8); refuses CR, LF, spaces, angle
// brackets and the null path "<>". The error names the problem.
Status validate_address(std::string_view address);

struct EmailMessage {
    Mailbox from;
    std::vector<Mailbox> to;  // at least one
    std::string subject;
    std::string text_body;                 // UTF-8; any line ends
    std::optional<std::string> html_body;  // set: multipart/alternative
    // The notification's idempotency key: seeds the Message-ID (see
    // make_message_id) and the MIME boundary. Must not be empty.
    std::string idempotency_key;
    // The Message-ID of the thread's first message ("<id@domain>", brackets
    // optional): becomes In-Reply-To and References so mail clients thread
    // every page of an incident. Ignored when it equals this message's own ID.
    std::optional<std::string> thread_root_id;
    TimePoint date;  // the Date header, rendered in UTC
    // Extra unstructured headers ("X-Tocsin-Incident", "X-Tocsin-Severity",
    // ...). Names: letters, digits and '-', not one the renderer writes itself
    // (Date, From, To, Cc, Bcc, Sender, Reply-To, Subject, Message-ID,
    // In-Reply-To, References, MIME-Version, Content-*, Auto-Submitted,
    // Return-Path, Received). Values are free text like the subject.
    std::vector<std::pair<std::string, std::string>> headers;
};

struct RenderedEmail {
    std::string message_id;  // "<hash@domain>", as in the Message-ID header
    std::string data;        // the whole message, CRLF line ends, 7-bit
};

// Errors (invalid_argument) name the field: a bad address, header name,
// thread Message-ID, an empty idempotency key or recipient list.
Result<RenderedEmail> render_email(const EmailMessage& message);

// "<" + the first 32 hex digits of SHA-256(idempotency_key) + "@" + the domain
// of from_address + ">": stable across restarts, so a resent page is
// recognisably the same message.
std::string make_message_id(std::string_view idempotency_key, std::string_view from_address);

// Building blocks, public for tests and for other channels' renderers.

// Free text made safe for one header line: every run of control characters
// (C0, DEL) becomes one space, invalid UTF-8 becomes U+FFFD, leading and
// trailing spaces go.
std::string sanitize_header_text(std::string_view text);

// "Name: value" for an unstructured header (Subject, X-...), CRLF-terminated:
// printable ASCII folded at spaces; anything else (non-ASCII, "=?", words too
// long for a line) as UTF-8 encoded-words, B or Q whichever is shorter, each
// at most 75 characters and holding whole characters, on lines of at most 78.
// `value` must already be sanitised.
std::string render_unstructured_header(std::string_view name, std::string_view value);

// RFC 2045 quoted-printable of UTF-8 text: line ends become CRLF hard breaks,
// lines are at most 76 characters (soft breaks "=" CRLF), trailing spaces and
// tabs are encoded. No final CRLF unless the text ends with a line end.
std::string quoted_printable_encode(std::string_view text);

// RFC 4648 base64, no line breaks.
std::string base64_encode(std::string_view bytes);

// RFC 5322 date-time in UTC: "Mon, 03 Jun 2024 12:30:00 +0000".
std::string format_date(TimePoint t);

}  // namespace tocsin::notify::email
