// The audit chain's hash (format in incident_repository.hpp), its head and
// its verification.
#include "audit_chain.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>

#include "tocsin/store/database.hpp"
#include "tocsin/store/incident_repository.hpp"
#include "tocsin/store/statement.hpp"

namespace tocsin::store {
namespace detail {
namespace {

void append_netstring(std::string& out, std::string_view field) {
    out += std::to_string(field.size());
    out += ':';
    out += field;
    out += ',';
}

std::string sha256_hex(std::string_view data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    // Only fails when OpenSSL cannot allocate; an empty hash then matches no row.
    if (EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr) != 1) return {};
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(2 * length);
    for (unsigned int i = 0; i < length; ++i) {
        hex += k_hex[digest[i] >> 4];
        hex += k_hex[digest[i] & 0x0f];
    }
    return hex;
}

}  // namespace

std::string chain_input(const ChainFields& f) {
    std::string out;
    out.reserve(96 + f.prev_hash.size() + f.kind.size() + f.actor.size() + f.channel.size() + f.message.size() +
                f.detail.size());
    append_netstring(out, f.prev_hash);
    append_netstring(out, std::to_string(f.id));
    append_netstring(out, std::to_string(f.incident_id));
    append_netstring(out, std::to_string(f.at_ms));
    append_netstring(out, f.kind);
    append_netstring(out, f.actor);
    append_netstring(out, f.channel);
    append_netstring(out, f.message);
    append_netstring(out, f.detail);
    return out;
}

std::string chain_hash(const ChainFields& fields) { return sha256_hex(chain_input(fields)); }

}  // namespace detail

std::string event_hash(const std::string& prev_hash, const incident::IncidentEvent& event) {
    return detail::chain_hash(detail::ChainFields{
        .prev_hash = prev_hash,
        .id = event.id,
        .incident_id = event.incident_id,
        .at_ms = to_unix_millis(event.at),
        .kind = incident::to_string(event.kind),
        .actor = event.actor.name,
        .channel = event.actor.channel,
        .message = event.message,
        .detail = event.detail,
    });
}

Result<AuditHead> audit_head(Database& db) {
    // One statement, so head and count come from the same snapshot.
    auto stmt = db.prepare(
        "SELECT (SELECT count(*) FROM incident_events), id, hash FROM incident_events ORDER BY id DESC LIMIT 1");
    if (!stmt) return std::move(stmt).error();
    auto row = stmt->step();
    if (!row) return std::move(row).error();
    AuditHead head;
    if (*row) {
        head.events = stmt->column_int64(0);
        head.last_id = stmt->column_int64(1);
        head.hash = stmt->column_text(2);
    }
    return head;
}

Result<AuditVerdict> audit_verify(Database& db, const std::optional<std::string>& published_head) {
    std::optional<std::string> wanted;
    if (published_head) {
        wanted = *published_head;
        std::transform(wanted->begin(), wanted->end(), wanted->begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    }
    // Stepping the statement reads one row at a time, and a read statement
    // sees one snapshot even while the daemon appends (WAL).
    auto stmt = db.prepare(
        "SELECT id, incident_id, at_ms, kind, actor, channel, message, detail, prev_hash, hash "
        "FROM incident_events ORDER BY id");
    if (!stmt) return std::move(stmt).error();
    AuditVerdict verdict;
    auto broken = [&](std::int64_t id, std::string problem) {
        verdict.broken_id = id;
        verdict.problem = std::move(problem);
        return verdict;
    };
    std::string prev_hash;  // the previous row's stored hash
    while (true) {
        auto row = stmt->step();
        if (!row) return std::move(row).error();
        if (!*row) break;
        const std::int64_t id = stmt->column_int64(0);
        const std::int64_t expected = verdict.head.last_id + 1;
        if (id != expected) {
            std::string next = std::to_string(id);
            return broken(expected, id > expected ? "event " + std::to_string(expected) +
                                                        " is missing (the next event is " + next + ")"
                                                  : "event id " + next + " is out of order");
        }
        std::string stored_prev = stmt->column_text(8);
        std::string stored_hash = stmt->column_text(9);
        if (stored_prev != prev_hash) {
            return broken(id, id == 1 ? std::string("prev_hash of the first event is not empty")
                                      : "prev_hash does not match event " + std::to_string(id - 1));
        }
        std::string kind = stmt->column_text(3);
        std::string actor = stmt->column_text(4);
        std::string channel = stmt->column_text(5);
        std::string message = stmt->column_text(6);
        std::string detail = stmt->column_text(7);
        std::string computed = detail::chain_hash(detail::ChainFields{
            .prev_hash = stored_prev,
            .id = id,
            .incident_id = stmt->column_int64(1),
            .at_ms = stmt->column_int64(2),
            .kind = kind,
            .actor = actor,
            .channel = channel,
            .message = message,
            .detail = detail,
        });
        if (computed != stored_hash) return broken(id, "hash does not match its contents");
        if (wanted && !verdict.published_head_id && stored_hash == *wanted) verdict.published_head_id = id;
        ++verdict.checked;
        verdict.head = AuditHead{verdict.checked, id, stored_hash};
        prev_hash = std::move(stored_hash);
    }
    if (wanted && !verdict.published_head_id) {
        verdict.problem = "the published head " + *wanted + " is not in the chain (" +
                          std::to_string(verdict.checked) + " events, last id " +
                          std::to_string(verdict.head.last_id) +
                          "): events after it were removed, or the chain was rewritten";
    }
    return verdict;
}

}  // namespace tocsin::store
