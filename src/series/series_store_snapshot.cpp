// Snapshot writing and loading; the format is described in snapshot_format.hpp.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>

#include "series_store_impl.hpp"
#include "tocsin/series/snapshot_format.hpp"

namespace tocsin::series {

namespace {

using snapshot::SectionKind;

// The writer flushes a section once its payload passes this size.
constexpr std::size_t k_section_target = 1u << 20;

void put_varint(std::string& out, std::uint64_t v) {
    if (v < 0x80) {  // label ids, counts: most varints are one byte
        out.push_back(static_cast<char>(v));
        return;
    }
    char buf[10];
    std::size_t n = 0;
    while (v >= 0x80) {
        buf[n++] = static_cast<char>((v & 0x7f) | 0x80);
        v >>= 7;
    }
    buf[n++] = static_cast<char>(v);
    out.append(buf, n);
}

std::uint64_t zigzag(std::int64_t v) {
    return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
std::int64_t unzigzag(std::uint64_t v) {
    return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

std::uint32_t get_u32(std::string_view bytes, std::size_t at) {
    std::uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(bytes[at + static_cast<std::size_t>(i)]);
    return v;
}

std::string errno_text(int err) { return std::strerror(err); }

// Bounds-checked reading of one section's payload.
class PayloadReader {
public:
    explicit PayloadReader(std::string_view payload) : m_data(payload) {}

    bool varint(std::uint64_t& out) {
        std::uint64_t v = 0;
        for (unsigned shift = 0; shift < 64; shift += 7) {
            if (m_pos >= m_data.size()) return false;
            const auto byte = static_cast<unsigned char>(m_data[m_pos++]);
            // The tenth byte may only carry the top bit.
            if (shift == 63 && byte > 1) return false;
            v |= std::uint64_t{byte & 0x7fu} << shift;
            if ((byte & 0x80) == 0) {
                out = v;
                return true;
            }
        }
        return false;
    }
    bool bytes(std::uint64_t n, std::string_view& out) {
        if (n > remaining()) return false;
        out = m_data.substr(m_pos, static_cast<std::size_t>(n));
        m_pos += static_cast<std::size_t>(n);
        return true;
    }
    std::size_t remaining() const { return m_data.size() - m_pos; }

private:
    std::string_view m_data;
    std::size_t m_pos = 0;
};

Error corrupt(std::string what) { return Error::make(ErrorCategory::invalid_argument, std::move(what)); }

struct StringSink {
    std::string out;
    bool write(std::string_view bytes) {
        out.append(bytes);
        return true;
    }
};

struct FdSink {
    int fd = -1;
    int error = 0;
    bool write(std::string_view bytes) {
        while (!bytes.empty() && error == 0) {
            const ssize_t n = ::write(fd, bytes.data(), bytes.size());
            if (n < 0) {
                if (errno != EINTR) error = errno;
                continue;
            }
            bytes.remove_prefix(static_cast<std::size_t>(n));
        }
        return error == 0;
    }
};

}  // namespace

template <typename Sink>
void SeriesStore::Impl::write_snapshot(Sink& sink) const {
    if (!sink.write(snapshot::header())) return;
    std::string body;
    std::uint64_t in_section = 0;
    // A section's payload is its entry count followed by the entries; the
    // body is written after a gap left for the count, so that framing copies
    // nothing but the count into place.
    constexpr std::size_t k_count_room = 10;
    body.assign(k_count_room, '\0');
    auto flush = [&](SectionKind kind) {
        if (in_section == 0) return true;
        std::string count;
        put_varint(count, in_section);
        const std::size_t start = k_count_room - count.size();
        std::memcpy(body.data() + start, count.data(), count.size());
        const bool ok = sink.write(snapshot::frame_section(static_cast<std::uint8_t>(kind),
                                                           std::string_view(body).substr(start)));
        body.resize(k_count_room);
        in_section = 0;
        return ok;
    };

    // Symbols get dense file numbers; freed ids leave holes in memory.
    std::vector<std::uint32_t> file_id(m_symbols.id_limit(), 0);
    std::uint32_t symbols = 0;
    for (std::size_t id = 0; id < m_symbols.id_limit(); ++id) {
        if (m_symbols.refs(static_cast<Id>(id)) == 0) continue;
        file_id[id] = symbols++;
        const std::string_view text = m_symbols.str(static_cast<Id>(id));
        put_varint(body, text.size());
        body += text;
        ++in_section;
        if (body.size() >= k_section_target + k_count_room && !flush(SectionKind::symbols)) return;
    }
    if (!flush(SectionKind::symbols)) return;

    std::uint64_t series = 0;
    std::uint64_t samples = 0;
    auto put_chunk = [&](std::int64_t min_t, std::uint32_t count, std::uint32_t bits, const std::uint8_t* data) {
        put_varint(body, zigzag(min_t));
        put_varint(body, count);
        put_varint(body, bits);
        body.append(reinterpret_cast<const char*>(data), (bits + 7) / 8);
        samples += count;
    };
    for (std::uint32_t slot = 0; slot < m_slot_limit; ++slot) {
        const Series& s = at(slot);
        if (!s.live() || !s.has_samples()) continue;
        put_varint(body, s.label_count);
        for (std::size_t i = 0; i < 2 * std::size_t{s.label_count}; ++i) put_varint(body, file_id[s.labels[i]]);
        std::uint64_t chunks = s.head_count > 0 ? 1 : 0;
        for (const Chunk* c = s.oldest; c != nullptr; c = c->next) ++chunks;
        put_varint(body, chunks);
        for (const Chunk* c = s.oldest; c != nullptr; c = c->next) put_chunk(c->min_t, c->count, c->bits, c->data());
        if (s.head_count > 0) put_chunk(s.head_min_t, s.head_count, s.head_bits, s.head);
        ++series;
        ++in_section;
        if (body.size() >= k_section_target + k_count_room && !flush(SectionKind::series)) return;
    }
    if (!flush(SectionKind::series)) return;

    std::string end;
    put_varint(end, series);
    put_varint(end, samples);
    put_varint(end, symbols);
    sink.write(snapshot::frame_section(static_cast<std::uint8_t>(SectionKind::end), end));
}

Result<LoadReport> SeriesStore::Impl::load(std::string_view bytes, std::int64_t now_ms) {
    clear();
    using snapshot::k_magic;
    if (bytes.empty()) return corrupt("empty file");
    if (bytes.size() < k_magic.size()) {
        if (k_magic.starts_with(bytes)) return corrupt("truncated header");
        return corrupt("not a tocsin series snapshot (unknown magic)");
    }
    if (bytes.substr(0, k_magic.size()) != k_magic) return corrupt("not a tocsin series snapshot (unknown magic)");
    if (bytes.size() < snapshot::k_header_size) return corrupt("truncated header");
    const std::uint32_t version = get_u32(bytes, k_magic.size());
    if (version > snapshot::k_version) {
        return corrupt("format version " + std::to_string(version) + " is newer than this tocsin supports (" +
                       std::to_string(snapshot::k_version) + ")");
    }
    if (version == 0) return corrupt("unsupported format version 0");

    std::int64_t cutoff = std::numeric_limits<std::int64_t>::min();
    if (now_ms >= std::numeric_limits<std::int64_t>::min() + m_retention_ms) cutoff = now_ms - m_retention_ms;

    LoadReport report;
    std::vector<std::string_view> symbols;
    std::vector<LabelView> views;
    std::vector<std::pair<std::int64_t, std::uint64_t>> samples;
    std::uint64_t file_series = 0;
    std::uint64_t file_samples = 0;
    std::size_t pos = snapshot::k_header_size;

    for (;;) {
        const std::string where = " at byte " + std::to_string(pos);
        if (pos == bytes.size()) return corrupt("truncated: no end section" + where);
        if (bytes.size() - pos < 5) return corrupt("truncated section header" + where);
        const auto kind = static_cast<std::uint8_t>(bytes[pos]);
        const std::uint32_t length = get_u32(bytes, pos + 1);
        if (length > snapshot::k_max_section_payload) {
            return corrupt("section" + where + " claims " + std::to_string(length) + " bytes, more than allowed");
        }
        if (bytes.size() - pos - 5 < std::size_t{length} + 4) return corrupt("truncated section" + where);
        const std::uint32_t stored_crc = get_u32(bytes, pos + 5 + length);
        if (snapshot::crc32(bytes.substr(pos, 5 + std::size_t{length})) != stored_crc) {
            return corrupt("checksum mismatch in section" + where);
        }
        PayloadReader in(bytes.substr(pos + 5, length));
        pos += 9 + std::size_t{length};

        if (kind == static_cast<std::uint8_t>(SectionKind::end)) {
            std::uint64_t series_total = 0;
            std::uint64_t samples_total = 0;
            std::uint64_t symbols_total = 0;
            if (!in.varint(series_total) || !in.varint(samples_total) || !in.varint(symbols_total) ||
                in.remaining() != 0) {
                return corrupt("malformed end section" + where);
            }
            if (series_total != file_series || samples_total != file_samples || symbols_total != symbols.size()) {
                return corrupt("end section totals do not match the file's contents" + where);
            }
            if (pos != bytes.size()) return corrupt("unexpected bytes after the end section" + where);
            return report;
        }

        if (kind != static_cast<std::uint8_t>(SectionKind::symbols) &&
            kind != static_cast<std::uint8_t>(SectionKind::series)) {
            return corrupt("unknown section kind " + std::to_string(kind) + where);
        }
        std::uint64_t count = 0;
        if (!in.varint(count)) return corrupt("malformed section" + where);
        if (kind == static_cast<std::uint8_t>(SectionKind::symbols)) {
            if (count > in.remaining()) return corrupt("malformed symbols section" + where);
            for (std::uint64_t i = 0; i < count; ++i) {
                std::uint64_t size = 0;
                std::string_view text;
                if (!in.varint(size) || !in.bytes(size, text)) return corrupt("malformed symbols section" + where);
                if (symbols.size() >= std::numeric_limits<std::uint32_t>::max()) return corrupt("too many symbols" + where);
                symbols.push_back(text);
            }
            if (in.remaining() != 0) return corrupt("malformed symbols section" + where);
            continue;
        }
        if (count > in.remaining()) return corrupt("malformed series section" + where);
        for (std::uint64_t n = 0; n < count; ++n) {
            std::uint64_t label_count = 0;
            if (!in.varint(label_count) || label_count == 0 || label_count > std::numeric_limits<std::uint16_t>::max() ||
                label_count > in.remaining() / 2) {
                return corrupt("malformed series record" + where);
            }
            views.clear();
            for (std::uint64_t i = 0; i < label_count; ++i) {
                std::uint64_t name = 0;
                std::uint64_t value = 0;
                if (!in.varint(name) || !in.varint(value) || name >= symbols.size() || value >= symbols.size()) {
                    return corrupt("series record refers to an unknown symbol" + where);
                }
                const LabelView l{symbols[name], symbols[value]};
                if (l.name.empty() || l.value.empty()) return corrupt("series record has an empty label" + where);
                if (!views.empty() && !(views.back().name < l.name)) {
                    return corrupt("series record labels are not sorted and unique" + where);
                }
                views.push_back(l);
            }
            std::uint64_t chunk_count = 0;
            if (!in.varint(chunk_count) || chunk_count > in.remaining()) return corrupt("malformed series record" + where);
            samples.clear();
            bool have_last = false;
            std::int64_t last_t = 0;
            for (std::uint64_t c = 0; c < chunk_count; ++c) {
                std::uint64_t min_t = 0;
                std::uint64_t sample_count = 0;
                std::uint64_t bits = 0;
                std::string_view data;
                if (!in.varint(min_t) || !in.varint(sample_count) || !in.varint(bits) || sample_count == 0 ||
                    sample_count > std::numeric_limits<std::uint16_t>::max() || bits < 64 + (sample_count - 1) ||
                    bits > std::uint64_t{in.remaining()} * 8 || !in.bytes((bits + 7) / 8, data)) {
                    return corrupt("malformed chunk" + where);
                }
                XorDecoder decoder(reinterpret_cast<const std::uint8_t*>(data.data()), static_cast<std::uint32_t>(bits),
                                   static_cast<std::uint32_t>(sample_count), unzigzag(min_t));
                std::int64_t t = 0;
                std::uint64_t value = 0;
                std::uint64_t decoded = 0;
                while (decoder.next(t, value)) {
                    if (have_last && t <= last_t) return corrupt("chunk timestamps out of order" + where);
                    have_last = true;
                    last_t = t;
                    ++decoded;
                    if (t >= cutoff) {
                        samples.emplace_back(t, value);
                    } else {
                        ++report.samples_dropped;
                    }
                }
                if (decoder.error() || decoded != sample_count || decoder.bits_read() != bits) {
                    return corrupt("corrupt chunk data" + where);
                }
                file_samples += sample_count;
            }
            ++file_series;
            if (samples.empty()) {
                ++report.series_dropped;
                continue;
            }
            bool created = false;
            const std::uint32_t slot = get_or_create(views, created);
            if (slot == IdHashTable::k_absent) {
                ++report.series_dropped;
                report.samples_dropped += samples.size();
                continue;
            }
            if (!created) return corrupt("series appears twice" + where);
            Series& s = at(slot);
            for (const auto& [t, value] : samples) {
                if (append(s, t, std::bit_cast<double>(value)) != AppendResult::appended) {
                    return corrupt("series samples out of order" + where);
                }
            }
            ++report.series;
            report.samples += samples.size();
        }
        if (in.remaining() != 0) return corrupt("malformed series section" + where);
    }
}

std::string SeriesStore::snapshot_bytes() const {
    StringSink sink;
    m_impl->write_snapshot(sink);
    return std::move(sink.out);
}

Status SeriesStore::write_snapshot(const std::string& path) const {
    const std::string tmp = path + ".tmp";
    auto fail = [&](const std::string& what, int err) -> Status {
        return Error::make(ErrorCategory::io, "snapshot " + path + ": " + what + ": " + errno_text(err), true);
    };
    FdSink sink;
    sink.fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (sink.fd < 0) return fail("cannot create " + tmp, errno);
    m_impl->write_snapshot(sink);
    int err = sink.error;
    if (err == 0 && ::fsync(sink.fd) != 0) err = errno;
    if (::close(sink.fd) != 0 && err == 0) err = errno;
    if (err != 0) {
        ::unlink(tmp.c_str());
        return fail("cannot write " + tmp, err);
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        err = errno;
        ::unlink(tmp.c_str());
        return fail("cannot rename " + tmp, err);
    }
    // The rename is durable only once the directory entry is.
    const std::filesystem::path parent = std::filesystem::path(path).parent_path();
    const std::string dir = parent.empty() ? std::filesystem::path(".").string() : parent.string();
    const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0) return fail("cannot open directory " + dir, errno);
    err = ::fsync(dir_fd) != 0 ? errno : 0;
    ::close(dir_fd);
    if (err != 0) return fail("cannot fsync directory " + dir, err);
    return Ok{};
}

Result<LoadReport> SeriesStore::load_snapshot_bytes(std::string_view bytes, std::int64_t now_ms) {
    auto result = m_impl->load(bytes, now_ms);
    if (!result.ok()) {
        m_impl->clear();
        return Error::make(result.error().category, "snapshot: " + result.error().message);
    }
    return result;
}

Result<LoadReport> SeriesStore::load_snapshot(const std::string& path, std::int64_t now_ms) {
    m_impl->clear();
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        const int err = errno;
        return Error::make(err == ENOENT ? ErrorCategory::not_found : ErrorCategory::io,
                           "snapshot " + path + ": cannot open: " + errno_text(err));
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        const int err = errno;
        ::close(fd);
        return Error::make(ErrorCategory::io, "snapshot " + path + ": cannot stat: " + errno_text(err));
    }
    const auto size = static_cast<std::size_t>(st.st_size);
    // Mapped rather than read: a snapshot can be as large as the store.
    void* map = size == 0 ? nullptr : ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    const int map_err = errno;
    ::close(fd);
    if (map == MAP_FAILED) {
        return Error::make(ErrorCategory::io, "snapshot " + path + ": cannot map: " + errno_text(map_err));
    }
    auto result = m_impl->load(std::string_view(static_cast<const char*>(map), map == nullptr ? 0 : size), now_ms);
    if (map != nullptr) ::munmap(map, size);
    if (!result.ok()) {
        m_impl->clear();
        return Error::make(result.error().category, "snapshot " + path + ": " + result.error().message);
    }
    return result;
}

}  // namespace tocsin::series
