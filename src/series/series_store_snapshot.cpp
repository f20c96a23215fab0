// Snapshot writing and loading; the format is described in snapshot_format.hpp.
//
// Saving incrementally rests on marks in memory of what the file has:
// a bit per slot (the series is in the file), Series::head_saved_bits and
// Chunk::saved_bits (how much of each stream the file has; seal() hands the
// head's mark to its chunk). After a save every series in the file has all
// of its samples saved, so the next save finds what is new without looking
// at old chunks: a head with saved bits is the one the last save saw (only
// its tail is new); a head without means it was sealed since, and then the
// newest chunk is the one the last save saw unless more than one seal
// happened (a walk from the oldest chunk finds the first unsaved one).
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>

#include "hash.hpp"
#include "series_store_impl.hpp"
#include "tocsin/series/snapshot_format.hpp"

namespace tocsin::series {

namespace {

using snapshot::RecordKind;

// The writer flushes a record once its payload passes this size.
constexpr std::size_t k_record_target = 1u << 20;
// Series a writer loop looks ahead to prefetch their records and chunks.
constexpr std::uint32_t k_prefetch_distance = 8;

constexpr std::size_t k_max_varint = 10;

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

void store_u32(char* p, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

std::string errno_text(int err) { return std::strerror(err); }

Error corrupt(std::string what) { return Error::make(ErrorCategory::invalid_argument, std::move(what)); }

// A cursor into room reserved in a Buffer.
struct Out {
    char* p;
    void varint(std::uint64_t v) {
        while (v >= 0x80) {
            *p++ = static_cast<char>((v & 0x7f) | 0x80);
            v >>= 7;
        }
        *p++ = static_cast<char>(v);
    }
    void bytes(const void* data, std::size_t n) {
        std::memcpy(p, data, n);
        p += n;
    }
    // Chunk streams: mostly a few dozen bytes, where a call to memcpy
    // costs more than the copy.
    void stream(const std::uint8_t* data, std::size_t n) {
        if (n >= 8) {
            std::size_t i = 0;
            for (; i + 8 <= n; i += 8) std::memcpy(p + i, data + i, 8);
            if (i < n) std::memcpy(p + n - 8, data + n - 8, 8);
        } else {
            for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<char>(data[i]);
        }
        p += n;
    }
};

// A growable byte buffer that does not zero what it reserves, in storage
// the store keeps between saves.
class Buffer {
public:
    Buffer(std::unique_ptr<char[]>& data, std::size_t& capacity) : m_data(data), m_capacity(capacity) {}
    [[gnu::always_inline]] Out reserve(std::size_t n) {
        if (m_size + n > m_capacity) [[unlikely]] grow(m_size + n);
        return Out{m_data.get() + m_size};
    }
    void commit(const Out& out) { m_size = static_cast<std::size_t>(out.p - m_data.get()); }
    char* data() noexcept { return m_data.get(); }
    std::size_t size() const noexcept { return m_size; }
    void resize(std::size_t n) noexcept { m_size = n; }  // n <= size()

private:
    [[gnu::noinline, gnu::cold]] void grow(std::size_t need) {
        std::size_t capacity = std::max<std::size_t>(need, m_capacity + m_capacity / 2);
        capacity = std::max<std::size_t>(capacity, 64 * 1024);
        auto bigger = std::make_unique_for_overwrite<char[]>(capacity);
        if (m_size > 0) std::memcpy(bigger.get(), m_data.get(), m_size);
        m_data = std::move(bigger);
        m_capacity = capacity;
    }

    std::unique_ptr<char[]>& m_data;
    std::size_t& m_capacity;
    std::size_t m_size = 0;
};

struct StringSink {
    std::string out;
    bool write(std::string_view bytes) {
        out.append(bytes);
        return true;
    }
    std::size_t written() const noexcept { return out.size(); }
};

struct FdSink {
    int fd = -1;
    int error = 0;
    std::size_t bytes = 0;
    bool write(std::string_view data) {
        while (!data.empty() && error == 0) {
            const ssize_t n = ::write(fd, data.data(), data.size());
            if (n < 0) {
                if (errno != EINTR) error = errno;
                continue;
            }
            bytes += static_cast<std::size_t>(n);
            data.remove_prefix(static_cast<std::size_t>(n));
        }
        return error == 0;
    }
    std::size_t written() const noexcept { return bytes; }
};

// Builds records in one buffer and hands each to the sink framed: a
// record's payload is its entry count followed by the entries, which are
// written after a gap left for the frame header and the count, so framing
// moves nothing.
template <typename Sink>
class RecordWriter {
public:
    RecordWriter(Sink& sink, std::unique_ptr<char[]>& storage, std::size_t& capacity)
        : m_sink(sink), m_buf(storage, capacity) {
        Out o = m_buf.reserve(k_room);
        o.p += k_room;
        m_buf.commit(o);
    }

    Out begin(std::size_t max_bytes) { return m_buf.reserve(max_bytes); }
    void end(const Out& out) {
        m_buf.commit(out);
        ++m_count;
    }
    // Ends an entry written in several pieces: end_piece() for all but the last.
    void end_piece(const Out& out) { m_buf.commit(out); }
    bool full() const noexcept { return m_buf.size() >= k_room + k_record_target; }
    bool ok() const noexcept { return m_ok; }

    bool flush(RecordKind kind) {
        if (m_count == 0 || !m_ok) return m_ok;
        char count[k_max_varint];
        Out c{count};
        c.varint(m_count);
        const auto count_size = static_cast<std::size_t>(c.p - count);
        const std::size_t start = k_room - 5 - count_size;
        char* base = m_buf.data();
        base[start] = static_cast<char>(kind);
        store_u32(base + start + 1, static_cast<std::uint32_t>(count_size + m_buf.size() - k_room));
        std::memcpy(base + start + 5, count, count_size);
        m_ok = finish(start);
        m_buf.resize(k_room);
        m_count = 0;
        return m_ok;
    }

    // A record whose payload is `payload` (no count), e.g. the commit;
    // entries begun before must have been flushed.
    bool record(RecordKind kind, std::string_view payload) {
        if (!m_ok || m_count != 0) return m_ok = false;
        const std::size_t start = k_room - 5;
        Out o = m_buf.reserve(payload.size());
        o.bytes(payload.data(), payload.size());
        m_buf.commit(o);
        char* base = m_buf.data();
        base[start] = static_cast<char>(kind);
        store_u32(base + start + 1, static_cast<std::uint32_t>(payload.size()));
        m_ok = finish(start);
        m_buf.resize(k_room);
        return m_ok;
    }

private:
    static constexpr std::size_t k_room = 5 + k_max_varint;

    bool finish(std::size_t start) {
        const std::uint32_t crc = snapshot::crc32c(std::string_view(m_buf.data() + start, m_buf.size() - start));
        Out tail = m_buf.reserve(4);
        store_u32(tail.p, crc);
        tail.p += 4;
        m_buf.commit(tail);
        return m_sink.write(std::string_view(m_buf.data() + start, m_buf.size() - start));
    }

    Sink& m_sink;
    Buffer m_buf;
    std::uint64_t m_count = 0;
    bool m_ok = true;
};

void put_chunk(Out& o, std::int64_t min_t, std::uint32_t count, std::uint32_t bits, const std::uint8_t* data) {
    o.varint(zigzag(min_t));
    o.varint(count);
    o.varint(bits);
    o.stream(data, (bits + 7) / 8);
}
constexpr std::size_t k_chunk_header_max = 3 * k_max_varint;

std::string commit_payload(bool full, std::uint64_t sequence, std::uint64_t series, std::int64_t cutoff) {
    std::string p(4 * k_max_varint, '\0');
    Out o{p.data()};
    o.varint(full ? snapshot::k_commit_full : 0);
    o.varint(sequence);
    o.varint(series);
    o.varint(zigzag(cutoff));
    p.resize(static_cast<std::size_t>(o.p - p.data()));
    return p;
}

}  // namespace

// Symbols and series records for the series in `slots`: all symbols the
// store has (a full save, where nearly all are used) or only those these
// series use (a delta).
template <typename Writer>
void SeriesStore::Impl::put_new_series(Writer& w, std::span<const std::uint32_t> slots, bool all_symbols) {
    constexpr std::uint32_t k_unset = UINT32_MAX;
    std::vector<std::uint32_t> file_id(m_symbols.id_limit(), k_unset);
    auto put_symbol = [&](Id id) {
        const std::string_view text = m_symbols.str(id);
        Out o = w.begin(k_max_varint + text.size());
        o.varint(text.size());
        o.bytes(text.data(), text.size());
        w.end(o);
        if (w.full()) w.flush(RecordKind::symbols);
    };
    std::uint32_t symbols = 0;
    if (all_symbols) {
        for (std::size_t id = 0; id < m_symbols.id_limit(); ++id) {
            if (m_symbols.refs(static_cast<Id>(id)) == 0) continue;
            file_id[id] = symbols++;
            put_symbol(static_cast<Id>(id));
        }
    } else {
        for (std::uint32_t slot : slots) {
            const Series& s = at(slot);
            for (std::size_t i = 0; i < 2 * std::size_t{s.label_count}; ++i) {
                if (file_id[s.labels[i]] != k_unset) continue;
                file_id[s.labels[i]] = symbols++;
                put_symbol(s.labels[i]);
            }
        }
    }
    w.flush(RecordKind::symbols);

    for (std::size_t k = 0; k < slots.size(); ++k) {
        if (k + k_prefetch_distance < slots.size()) {
            const Series& ahead = at(slots[k + k_prefetch_distance]);
            __builtin_prefetch(ahead.labels);
            if (ahead.oldest != nullptr) __builtin_prefetch(ahead.oldest);
            if (ahead.head != nullptr) __builtin_prefetch(ahead.head);
        }
        if (k + k_prefetch_distance / 2 < slots.size()) {
            // By now the oldest chunk of this one is in cache: fetch the next.
            const Series& ahead = at(slots[k + k_prefetch_distance / 2]);
            if (ahead.oldest != nullptr && ahead.oldest->next != nullptr) __builtin_prefetch(ahead.oldest->next);
        }
        const std::uint32_t slot = slots[k];
        Series& s = at(slot);
        std::uint32_t chunks = s.head_count > 0 ? 1 : 0;
        for (const Chunk* c = s.oldest; c != nullptr; c = c->next) {
            ++chunks;
            if (c->next != nullptr) __builtin_prefetch(c->next);
        }
        Out o = w.begin(k_max_varint * (3 + 2 * std::size_t{s.label_count}));
        o.varint(slot);
        o.varint(s.label_count);
        for (std::size_t i = 0; i < 2 * std::size_t{s.label_count}; ++i) o.varint(file_id[s.labels[i]]);
        o.varint(chunks);
        w.end_piece(o);
        for (Chunk* c = s.oldest; c != nullptr; c = c->next) {
            o = w.begin(k_chunk_header_max + c->bytes());
            put_chunk(o, c->min_t, c->count, c->bits, c->data());
            w.end_piece(o);
            c->saved_bits = static_cast<std::uint16_t>(c->bits);
        }
        o = w.begin(s.head_count > 0 ? k_chunk_header_max + (s.head_bits + 7) / 8 : 0);
        if (s.head_count > 0) put_chunk(o, s.head_min_t, s.head_count, s.head_bits, s.head);
        w.end(o);
        s.head_saved_bits = static_cast<std::uint16_t>(s.head_bits);
        m_log.set_saved(slot);
        if (w.full()) w.flush(RecordKind::series);
    }
    w.flush(RecordKind::series);
}

template <typename Sink>
bool SeriesStore::Impl::write_full(Sink& sink, bool mark) {
    // Without `mark`, write into a scratch log and restore the marks after:
    // snapshot_bytes() must not change what the next delta contains.
    SnapshotLog kept;
    if (!mark) kept = std::move(m_log);
    m_log.reset();
    m_log.saved.assign((std::size_t{m_slot_limit} + 63) / 64, 0);

    std::vector<std::uint32_t> slots;
    slots.reserve(m_series);
    for (std::uint32_t slot = 0; slot < m_slot_limit; ++slot) {
        const Series& s = at(slot);
        if (s.live() && s.has_samples()) slots.push_back(slot);
    }
    // Marks on chunks and heads are what a delta reads: keep them when not marking.
    std::vector<std::uint16_t> chunk_marks;
    if (!mark) {
        for (std::uint32_t slot : slots) {
            const Series& s = at(slot);
            chunk_marks.push_back(s.head_saved_bits);
            for (const Chunk* c = s.oldest; c != nullptr; c = c->next) chunk_marks.push_back(c->saved_bits);
        }
    }

    RecordWriter<Sink> w(sink, m_save_buffer, m_save_buffer_capacity);
    bool ok = sink.write(snapshot::header());
    if (ok) {
        put_new_series(w, slots, true);
        ok = w.ok() && w.record(RecordKind::commit, commit_payload(true, 0, slots.size(), m_gc_cutoff));
    }
    m_log.series = slots.size();

    if (!mark) {
        std::size_t k = 0;
        for (std::uint32_t slot : slots) {
            Series& s = at(slot);
            s.head_saved_bits = chunk_marks[k++];
            for (Chunk* c = s.oldest; c != nullptr; c = c->next) c->saved_bits = chunk_marks[k++];
        }
        m_log = std::move(kept);
    }
    return ok;
}

// One series' entry in an appended record, if anything is new.
template <typename Writer>
void SeriesStore::Impl::put_appended(Writer& w, std::uint32_t slot, Series& s, SaveReport& report) {
    const std::uint16_t head_saved = s.head_saved_bits;
    if (head_saved != 0) {
        // The head the last save saw: only its tail is new.
        if (s.head_bits == head_saved) return;
        const std::uint32_t from = head_saved / 8;
        const std::uint32_t to = (s.head_bits + 7) / 8;
        Out o = w.begin(3 * k_max_varint + (to - from));
        o.varint(slot);
        o.varint(s.head_bits);
        o.stream(s.head + from, to - from);
        o.varint(0);
        w.end(o);
        s.head_saved_bits = static_cast<std::uint16_t>(s.head_bits);
        ++report.series;
        return;
    }
    // Sealed since the last save: from the chunk that was the head then.
    Chunk* first = s.newest;
    if (first == nullptr || first->saved_bits == 0) {
        // More than one seal (or the old head aged out): find the first
        // chunk the file does not have all of.
        first = s.oldest;
        while (first != nullptr && first->saved_bits == first->bits) first = first->next;
    } else if (first->saved_bits == first->bits) {
        first = nullptr;  // the old head was complete: only the new head is new
    }
    Out o = w.begin(3 * k_max_varint);
    o.varint(slot);
    if (first != nullptr && first->saved_bits != 0) {
        const std::uint32_t from = first->saved_bits / 8;
        const std::uint32_t to = first->bytes();
        o.varint(first->bits);
        w.end_piece(o);
        o = w.begin(k_max_varint + (to - from));
        o.stream(first->data() + from, to - from);
        first->saved_bits = static_cast<std::uint16_t>(first->bits);
        first = first->next;
    } else {
        o.varint(0);
    }
    std::uint32_t chunks = s.head_count > 0 ? 1 : 0;
    for (const Chunk* c = first; c != nullptr; c = c->next) ++chunks;
    o.varint(chunks);
    w.end_piece(o);
    for (Chunk* c = first; c != nullptr; c = c->next) {
        o = w.begin(k_chunk_header_max + c->bytes());
        put_chunk(o, c->min_t, c->count, c->bits, c->data());
        w.end_piece(o);
        c->saved_bits = static_cast<std::uint16_t>(c->bits);
    }
    o = w.begin(s.head_count > 0 ? k_chunk_header_max + (s.head_bits + 7) / 8 : 0);
    if (s.head_count > 0) put_chunk(o, s.head_min_t, s.head_count, s.head_bits, s.head);
    w.end(o);
    s.head_saved_bits = static_cast<std::uint16_t>(s.head_bits);
    ++report.series;
}

template <typename Sink>
bool SeriesStore::Impl::write_delta(Sink& sink, SaveReport& report) {
    RecordWriter<Sink> w(sink, m_save_buffer, m_save_buffer_capacity);
    for (std::uint32_t slot : m_log.removed) {
        Out o = w.begin(k_max_varint);
        o.varint(slot);
        w.end(o);
        if (w.full()) w.flush(RecordKind::removed);
    }
    w.flush(RecordKind::removed);
    const std::size_t removed = m_log.removed.size();
    report.series += removed;
    m_log.removed.clear();

    std::vector<std::uint32_t> fresh;
    for (std::uint32_t slot = 0; slot < m_slot_limit; ++slot) {
        if (slot + k_prefetch_distance < m_slot_limit) {
            // The record a few slots ahead is (sequentially) in cache by
            // now; fetch what this loop will read of its chunks.
            const Series& ahead = at(slot + k_prefetch_distance);
            if (ahead.head_saved_bits != 0) {
                __builtin_prefetch(ahead.head + ahead.head_saved_bits / 8);
            } else if (ahead.newest != nullptr) {
                __builtin_prefetch(ahead.newest);
                __builtin_prefetch(ahead.head);
            }
        }
        Series& s = at(slot);
        if (!s.live()) continue;
        if (!m_log.is_saved(slot)) {
            if (s.has_samples()) fresh.push_back(slot);
            continue;
        }
        put_appended(w, slot, s, report);
        if (w.full()) w.flush(RecordKind::appended);
    }
    w.flush(RecordKind::appended);
    if (!fresh.empty()) put_new_series(w, fresh, false);
    report.series += fresh.size();
    m_log.series = m_log.series - removed + fresh.size();
    ++m_log.sequence;
    return w.ok() && w.record(RecordKind::commit, commit_payload(false, m_log.sequence, m_log.series, m_gc_cutoff));
}

Result<SaveReport> SeriesStore::Impl::save_full(const std::string& path) {
    const std::string tmp = path + ".tmp";
    auto fail = [&](const std::string& what, int err) -> Error {
        m_log.reset();
        return Error::make(ErrorCategory::io, "snapshot " + path + ": " + what + ": " + errno_text(err), true);
    };
    FdSink sink;
    sink.fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (sink.fd < 0) return fail("cannot create " + tmp, errno);
    write_full(sink, true);
    int err = sink.error;
    struct stat st {};
    if (err == 0 && ::fsync(sink.fd) != 0) err = errno;
    if (err == 0 && ::fstat(sink.fd, &st) != 0) err = errno;
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

    m_log.active = true;
    m_log.path = path;
    m_log.device = static_cast<std::uint64_t>(st.st_dev);
    m_log.inode = static_cast<std::uint64_t>(st.st_ino);
    m_log.size = sink.bytes;
    m_log.base_bytes = sink.bytes;
    SaveReport report;
    report.full = true;
    report.bytes = sink.bytes;
    report.file_bytes = sink.bytes;
    report.series = m_log.series;
    return report;
}

Result<SaveReport> SeriesStore::save_snapshot(const std::string& path) {
    Impl& impl = *m_impl;
    SnapshotLog& log = impl.m_log;
    if (!log.active || log.in_memory || log.path != path ||
        log.size - log.base_bytes >= k_compact_ratio * log.base_bytes) {
        return impl.save_full(path);
    }
    // Append only to the file the last save left: anything else (deleted,
    // replaced, truncated, grown) gets a full rewrite.
    FdSink sink;
    sink.fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (sink.fd < 0) return impl.save_full(path);
    struct stat st {};
    if (::fstat(sink.fd, &st) != 0 || static_cast<std::uint64_t>(st.st_dev) != log.device ||
        static_cast<std::uint64_t>(st.st_ino) != log.inode || static_cast<std::uint64_t>(st.st_size) != log.size) {
        ::close(sink.fd);
        return impl.save_full(path);
    }
    SaveReport report;
    impl.write_delta(sink, report);
    int err = sink.error;
    if (err == 0 && ::fdatasync(sink.fd) != 0) err = errno;
    if (::close(sink.fd) != 0 && err == 0) err = errno;
    if (err != 0) {
        // What reached the file is a torn save that loading ignores; the
        // next save rewrites the file.
        log.reset();
        return Error::make(ErrorCategory::io, "snapshot " + path + ": cannot append: " + errno_text(err), true);
    }
    log.size += sink.bytes;
    report.bytes = sink.bytes;
    report.file_bytes = log.size;
    return report;
}

Status SeriesStore::write_snapshot(const std::string& path) {
    auto r = m_impl->save_full(path);
    if (!r.ok()) return std::move(r).error();
    return Ok{};
}

std::string SeriesStore::snapshot_bytes() const {
    StringSink sink;
    // Marks are restored before returning: nothing observable changes.
    const_cast<Impl&>(*m_impl).write_full(sink, false);
    return std::move(sink.out);
}

std::string SeriesStore::save_snapshot_bytes(bool full) {
    Impl& impl = *m_impl;
    StringSink sink;
    if (full || !impl.m_log.active || !impl.m_log.in_memory) {
        impl.write_full(sink, true);
        impl.m_log.active = true;
        impl.m_log.in_memory = true;
        impl.m_log.base_bytes = sink.out.size();
        impl.m_log.size = sink.out.size();
        return std::move(sink.out);
    }
    SaveReport report;
    impl.write_delta(sink, report);
    impl.m_log.size += sink.out.size();
    return std::move(sink.out);
}

// ---------------------------------------------------------------- loading

namespace {

// Bounds-checked reading of one record's payload.
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

struct Frame {
    std::size_t at = 0;  // the record's first byte
    std::uint8_t kind = 0;
    std::uint32_t length = 0;
};

}  // namespace

// Reads a file in two passes: the framing and checksums of every record
// (finding the last complete save), then the records of the complete saves
// in order, applied to the store as they come.
struct SeriesStore::Impl::Loader {
    // A series of the file, by its slot in the writing store.
    struct FileSeries {
        std::uint32_t file_slot = 0;
        std::uint32_t store_slot = k_absent;  // k_absent: not admitted
        XorState state;                       // after the file's last chunk of it so far
        std::int64_t last_t = 0;
        std::uint64_t samples = 0;  // in the file
        std::uint32_t chunk_bits = 0;
        std::uint32_t chunk_count = 0;
        std::uint8_t partial = 0;  // the last chunk's last byte
        bool has_samples = false;
    };
    static constexpr std::uint32_t k_absent = IdHashTable::k_absent;

    Impl& store;
    std::string_view bytes;
    std::uint32_t version = 0;
    std::int64_t cutoff = 0;
    LoadReport report;
    std::vector<Frame> frames;
    std::size_t complete = 0;  // frames in complete saves

    std::vector<FileSeries> series;
    IdHashTable by_slot;
    std::vector<std::string_view> symbols;
    std::vector<LabelView> views;
    std::vector<std::uint32_t> doomed;
    std::uint64_t v1_series = 0;
    std::uint64_t v1_samples = 0;
    std::string where;

    Loader(Impl& s, std::string_view b) : store(s), bytes(b) {}

    Result<LoadReport> run(std::int64_t now_ms);
    Status scan();
    Status apply(const Frame& frame, std::size_t saves);
    Status series_record(PayloadReader& in);
    Status removed_record(PayloadReader& in);
    Status appended_record(PayloadReader& in);
    Status chunk(FileSeries& fs, PayloadReader& in);
    Status continuation(FileSeries& fs, std::uint64_t new_bits, PayloadReader& in);
    Status emit(FileSeries& fs, std::int64_t t, std::uint64_t value);

    static std::uint64_t slot_hash(std::uint32_t slot) noexcept { return detail::mix(slot); }
    std::uint32_t find(std::uint32_t file_slot) const {
        return by_slot.find(slot_hash(file_slot), [&](std::uint32_t i) { return series[i].file_slot == file_slot; });
    }
    void erase(std::uint32_t index) {
        by_slot.erase(slot_hash(series[index].file_slot), index);
        const auto last = static_cast<std::uint32_t>(series.size() - 1);
        if (index != last) {
            by_slot.replace(slot_hash(series[last].file_slot), last, index);
            series[index] = series[last];
        }
        series.pop_back();
    }
    Error bad(const std::string& what) const { return corrupt(what + where); }
};

Status SeriesStore::Impl::Loader::scan() {
    std::size_t pos = snapshot::k_header_size;
    std::size_t complete_end = pos;
    std::string stop;
    while (pos < bytes.size()) {
        const std::string at = " at byte " + std::to_string(pos);
        if (bytes.size() - pos < snapshot::k_record_overhead) {
            stop = "truncated record" + at;
            break;
        }
        const auto kind = static_cast<std::uint8_t>(bytes[pos]);
        const std::uint32_t length = get_u32(bytes, pos + 1);
        if (length > snapshot::k_max_record_payload) {
            stop = "record" + at + " claims " + std::to_string(length) + " bytes, more than allowed";
            break;
        }
        if (bytes.size() - pos - snapshot::k_record_overhead < length) {
            stop = "truncated record" + at;
            break;
        }
        const std::string_view framed = bytes.substr(pos, 5 + std::size_t{length});
        const std::uint32_t stored = get_u32(bytes, pos + 5 + length);
        if ((version == 1 ? snapshot::crc32(framed) : snapshot::crc32c(framed)) != stored) {
            stop = "checksum mismatch in record" + at;
            break;
        }
        frames.push_back(Frame{pos, kind, length});
        pos += snapshot::k_record_overhead + length;
        if (kind == static_cast<std::uint8_t>(RecordKind::commit)) {
            complete = frames.size();
            complete_end = pos;
            if (version == 1) break;  // the end section
        }
    }
    if (version == 1) {
        // Version 1 is one save with nothing after it: anything else is damage.
        if (!stop.empty()) return corrupt(stop);
        if (complete == 0) return corrupt("truncated: no end section at byte " + std::to_string(pos));
        if (pos != bytes.size()) {
            return corrupt("unexpected bytes after the end section at byte " + std::to_string(pos));
        }
        return Ok{};
    }
    if (complete == 0) {
        return corrupt("no complete save in the file (" + (stop.empty() ? "no commit record" : stop) + ")");
    }
    report.ignored_bytes = bytes.size() - complete_end;
    if (report.ignored_bytes > 0) {
        report.ignored_reason =
            stop.empty() ? "a save without its commit record at byte " + std::to_string(complete_end) : stop;
    }
    return Ok{};
}

Result<LoadReport> SeriesStore::Impl::Loader::run(std::int64_t now_ms) {
    using snapshot::k_magic;
    if (bytes.empty()) return corrupt("empty file");
    if (bytes.size() < k_magic.size()) {
        if (k_magic.starts_with(bytes)) return corrupt("truncated header");
        return corrupt("not a tocsin series snapshot (unknown magic)");
    }
    if (bytes.substr(0, k_magic.size()) != k_magic) return corrupt("not a tocsin series snapshot (unknown magic)");
    if (bytes.size() < snapshot::k_header_size) return corrupt("truncated header");
    version = get_u32(bytes, k_magic.size());
    if (version > snapshot::k_version) {
        return corrupt("format version " + std::to_string(version) + " is newer than this tocsin supports (" +
                       std::to_string(snapshot::k_version) + ")");
    }
    if (version == 0) return corrupt("unsupported format version 0");
    if (Status s = scan(); !s) return std::move(s).error();

    cutoff = std::numeric_limits<std::int64_t>::min();
    if (now_ms >= std::numeric_limits<std::int64_t>::min() + store.m_retention_ms) {
        cutoff = now_ms - store.m_retention_ms;
    }
    if (version >= 2) {
        // The writer's retention dropped what is older than its last gc
        // cutoff; the file (base and deltas) may still hold some of it.
        const Frame& last = frames[complete - 1];
        PayloadReader in(bytes.substr(last.at + 5, last.length));
        std::uint64_t flags = 0;
        std::uint64_t sequence = 0;
        std::uint64_t live = 0;
        std::uint64_t kept = 0;
        if (!in.varint(flags) || !in.varint(sequence) || !in.varint(live) || !in.varint(kept)) {
            return corrupt("malformed commit record at byte " + std::to_string(last.at));
        }
        cutoff = std::max(cutoff, unzigzag(kept));
    }

    std::size_t saves = 0;
    for (std::size_t i = 0; i < complete; ++i) {
        const Frame& f = frames[i];
        where = " at byte " + std::to_string(f.at);
        if (Status s = apply(f, saves); !s) return std::move(s).error();
        if (f.kind == static_cast<std::uint8_t>(RecordKind::commit)) ++saves;
    }
    report.saves = saves;

    // Series without a sample recent enough were created for nothing.
    doomed.clear();
    std::uint64_t file_samples = 0;
    for (const FileSeries& fs : series) {
        file_samples += fs.samples;
        if (fs.store_slot != k_absent && !store.at(fs.store_slot).has_samples()) doomed.push_back(fs.store_slot);
    }
    if (!doomed.empty()) {
        GcReport ignored;
        store.remove_series(doomed, ignored);
    }
    report.series = store.m_series;
    report.samples = store.m_samples;
    report.series_dropped = series.size() - store.m_series;
    report.samples_dropped = static_cast<std::size_t>(file_samples - store.m_samples);
    store.m_gc_cutoff = cutoff;
    return report;
}

Status SeriesStore::Impl::Loader::apply(const Frame& f, std::size_t saves) {
    PayloadReader in(bytes.substr(f.at + 5, f.length));
    const bool base = saves == 0;
    const auto kind = static_cast<RecordKind>(f.kind);
    if (kind == RecordKind::commit) {
        std::uint64_t a = 0;
        std::uint64_t b = 0;
        std::uint64_t c = 0;
        if (version == 1) {
            // The end section: series, sample and symbol totals.
            if (!in.varint(a) || !in.varint(b) || !in.varint(c) || in.remaining() != 0) {
                return bad("malformed end section");
            }
            if (a != v1_series || b != v1_samples || c != symbols.size()) {
                return bad("end section totals do not match the file's contents");
            }
            return Ok{};
        }
        std::uint64_t kept = 0;
        if (!in.varint(a) || !in.varint(b) || !in.varint(c) || !in.varint(kept) || in.remaining() != 0) {
            return bad("malformed commit record");
        }
        if (((a & snapshot::k_commit_full) != 0) != base || (a & ~std::uint64_t{snapshot::k_commit_full}) != 0) {
            return bad(base ? "the file does not start with a full save" : "a full save after the first");
        }
        if (b != saves) return bad("save " + std::to_string(b) + " where " + std::to_string(saves) + " was due");
        if (c != series.size()) {
            return bad("commit counts " + std::to_string(c) + " series, the file has " + std::to_string(series.size()));
        }
        symbols.clear();
        return Ok{};
    }
    std::uint64_t count = 0;
    if (!in.varint(count) || count > in.remaining()) return bad("malformed record");
    switch (kind) {
    case RecordKind::symbols:
        for (std::uint64_t i = 0; i < count; ++i) {
            std::uint64_t size = 0;
            std::string_view text;
            if (!in.varint(size) || !in.bytes(size, text)) return bad("malformed symbols record");
            if (symbols.size() >= std::numeric_limits<std::uint32_t>::max()) return bad("too many symbols");
            symbols.push_back(text);
        }
        break;
    case RecordKind::series:
        for (std::uint64_t i = 0; i < count; ++i) {
            if (Status s = series_record(in); !s) return s;
        }
        break;
    case RecordKind::removed:
        if (base || version == 1) return bad("removed series in a full save");
        for (std::uint64_t i = 0; i < count; ++i) {
            if (Status s = removed_record(in); !s) return s;
        }
        if (!doomed.empty()) {
            GcReport ignored;
            store.remove_series(doomed, ignored);
            doomed.clear();
        }
        break;
    case RecordKind::appended:
        if (base || version == 1) return bad("appended samples in a full save");
        for (std::uint64_t i = 0; i < count; ++i) {
            if (Status s = appended_record(in); !s) return s;
        }
        break;
    default:
        return bad("unknown record kind " + std::to_string(f.kind));
    }
    if (in.remaining() != 0) return bad("malformed record (bytes after its entries)");
    return Ok{};
}

Status SeriesStore::Impl::Loader::series_record(PayloadReader& in) {
    std::uint64_t slot = v1_series;
    if (version >= 2 && (!in.varint(slot) || slot >= k_absent)) return bad("malformed series record");
    std::uint64_t label_count = 0;
    if (!in.varint(label_count) || label_count == 0 || label_count > std::numeric_limits<std::uint16_t>::max() ||
        label_count > in.remaining() / 2) {
        return bad("malformed series record");
    }
    views.clear();
    for (std::uint64_t i = 0; i < label_count; ++i) {
        std::uint64_t name = 0;
        std::uint64_t value = 0;
        if (!in.varint(name) || !in.varint(value) || name >= symbols.size() || value >= symbols.size()) {
            return bad("series record refers to an unknown symbol");
        }
        const LabelView l{symbols[name], symbols[value]};
        if (l.name.empty() || l.value.empty()) return bad("series record has an empty label");
        if (!views.empty() && !(views.back().name < l.name)) {
            return bad("series record labels are not sorted and unique");
        }
        views.push_back(l);
    }
    std::uint64_t chunk_count = 0;
    if (!in.varint(chunk_count) || chunk_count == 0 || chunk_count > in.remaining()) {
        return bad("malformed series record");
    }
    const auto file_slot = static_cast<std::uint32_t>(slot);
    if (find(file_slot) != k_absent) return bad("series slot " + std::to_string(slot) + " appears twice");
    FileSeries fs;
    fs.file_slot = file_slot;
    bool created = false;
    fs.store_slot = store.get_or_create(views, created);
    if (fs.store_slot != k_absent && !created) return bad("series appears twice");
    const auto index = static_cast<std::uint32_t>(series.size());
    series.push_back(fs);
    by_slot.insert(slot_hash(file_slot), index);
    ++v1_series;
    for (std::uint64_t c = 0; c < chunk_count; ++c) {
        if (Status s = chunk(series[index], in); !s) return s;
    }
    return Ok{};
}

Status SeriesStore::Impl::Loader::removed_record(PayloadReader& in) {
    std::uint64_t slot = 0;
    if (!in.varint(slot) || slot >= k_absent) return bad("malformed removed record");
    const std::uint32_t index = find(static_cast<std::uint32_t>(slot));
    if (index == k_absent) return bad("removed series slot " + std::to_string(slot) + " is not in the file");
    if (series[index].store_slot != k_absent) doomed.push_back(series[index].store_slot);
    erase(index);
    return Ok{};
}

Status SeriesStore::Impl::Loader::appended_record(PayloadReader& in) {
    std::uint64_t slot = 0;
    std::uint64_t new_bits = 0;
    if (!in.varint(slot) || slot >= k_absent || !in.varint(new_bits)) return bad("malformed appended record");
    const std::uint32_t index = find(static_cast<std::uint32_t>(slot));
    if (index == k_absent) return bad("appended series slot " + std::to_string(slot) + " is not in the file");
    FileSeries& fs = series[index];
    if (new_bits != 0) {
        if (Status s = continuation(fs, new_bits, in); !s) return s;
    }
    std::uint64_t chunk_count = 0;
    if (!in.varint(chunk_count) || chunk_count > in.remaining()) return bad("malformed appended record");
    if (new_bits == 0 && chunk_count == 0) return bad("appended record without samples");
    for (std::uint64_t c = 0; c < chunk_count; ++c) {
        if (Status s = chunk(fs, in); !s) return s;
    }
    return Ok{};
}

Status SeriesStore::Impl::Loader::emit(FileSeries& fs, std::int64_t t, std::uint64_t value) {
    if (fs.has_samples && t <= fs.last_t) return bad("chunk timestamps out of order");
    fs.has_samples = true;
    fs.last_t = t;
    ++fs.samples;
    if (version == 1) ++v1_samples;
    if (t >= cutoff && fs.store_slot != k_absent &&
        store.append(store.at(fs.store_slot), t, std::bit_cast<double>(value)) != AppendResult::appended) {
        return bad("series samples out of order");
    }
    return Ok{};
}

Status SeriesStore::Impl::Loader::chunk(FileSeries& fs, PayloadReader& in) {
    std::uint64_t min_t = 0;
    std::uint64_t sample_count = 0;
    std::uint64_t bits = 0;
    std::string_view data;
    if (!in.varint(min_t) || !in.varint(sample_count) || !in.varint(bits) || sample_count == 0 ||
        sample_count > std::numeric_limits<std::uint16_t>::max() || bits < 64 + (sample_count - 1) ||
        bits > std::uint64_t{in.remaining()} * 8 || !in.bytes((bits + 7) / 8, data)) {
        return bad("malformed chunk");
    }
    XorDecoder decoder(reinterpret_cast<const std::uint8_t*>(data.data()), static_cast<std::uint32_t>(bits),
                       static_cast<std::uint32_t>(sample_count), unzigzag(min_t));
    std::int64_t t = 0;
    std::uint64_t value = 0;
    std::uint64_t decoded = 0;
    while (decoder.next(t, value)) {
        if (Status s = emit(fs, t, value); !s) return s;
        ++decoded;
    }
    if (decoder.error() || decoded != sample_count || decoder.bits_read() != bits) return bad("corrupt chunk data");
    fs.state = decoder.state();
    fs.chunk_bits = static_cast<std::uint32_t>(bits);
    fs.chunk_count = static_cast<std::uint32_t>(sample_count);
    fs.partial = static_cast<std::uint8_t>(data.back());
    return Ok{};
}

Status SeriesStore::Impl::Loader::continuation(FileSeries& fs, std::uint64_t new_bits, PayloadReader& in) {
    if (!fs.has_samples || new_bits <= fs.chunk_bits || new_bits > std::numeric_limits<std::uint32_t>::max()) {
        return bad("malformed continuation of a chunk");
    }
    const std::uint64_t from = fs.chunk_bits / 8;
    const std::uint64_t to = (new_bits + 7) / 8;
    std::string_view data;
    if (!in.bytes(to - from, data)) return bad("malformed continuation of a chunk");
    const unsigned offset = fs.chunk_bits % 8;
    // The first byte repeats the bits the file already has.
    const auto kept = static_cast<std::uint8_t>(0xff00u >> offset);
    if (offset != 0 && ((static_cast<std::uint8_t>(data[0]) ^ fs.partial) & kept) != 0) {
        return bad("continuation does not match its chunk");
    }
    const auto limit = static_cast<std::uint32_t>(offset + (new_bits - fs.chunk_bits));
    const std::uint32_t room = fs.chunk_count >= UINT16_MAX ? 0 : UINT16_MAX - fs.chunk_count;
    XorDecoder decoder =
        XorDecoder::resume(reinterpret_cast<const std::uint8_t*>(data.data()), limit, offset, room, fs.state);
    std::int64_t t = 0;
    std::uint64_t value = 0;
    std::uint32_t decoded = 0;
    while (decoder.bits_read() < limit) {
        if (!decoder.next(t, value)) return bad("corrupt continuation of a chunk");
        if (Status s = emit(fs, t, value); !s) return s;
        ++decoded;
    }
    if (decoder.error()) return bad("corrupt continuation of a chunk");
    fs.state = decoder.state();
    fs.chunk_bits = static_cast<std::uint32_t>(new_bits);
    fs.chunk_count += decoded;
    fs.partial = static_cast<std::uint8_t>(data.back());
    return Ok{};
}

Result<LoadReport> SeriesStore::Impl::load(std::string_view bytes, std::int64_t now_ms) {
    clear();
    Loader loader(*this, bytes);
    return loader.run(now_ms);
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
