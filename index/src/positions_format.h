#pragma once
// The position store's file format and what its writer, reader and merge share
// (positions.cpp, positions_merge.cpp). Private to index; the format is described in
// ARCHITECTURE.md (index/, "Position store") and positions.h.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string>
#include <string_view>

#include "cardex/index/positions.h"

namespace cardex::index {

namespace posfile {

constexpr char kMagic[8] = {'C', 'D', 'X', 'P', 'O', 'S', 'v', '1'};
// Version 2 (what this build writes): an entry is a varint of (card delta << 1 | more than
// one position), then, for several, a varint of their byte length, then the position
// deltas. Version 1 (still read and merged): varint card delta, varint byte length of the
// positions, the position deltas. Seven in ten entries hold one position, so version 2
// saves the length byte of those and is 11% smaller (docs/PERFORMANCE.md); a seek still
// steps over a long entry by its length (a count instead made sparse seeks 2.7x slower).
constexpr std::uint32_t kVersion = 2;
constexpr std::uint32_t kOldestVersion = 1;
constexpr std::size_t kHeaderBytes = 64;
constexpr std::size_t kEntryBytes = 24;
constexpr std::size_t kSkipBytes = 12;
constexpr std::size_t kSectionHead = 12;  // skip count, cards, last card
// A skip entry every this many cards of a term: a seek decodes at most this many entries'
// headers (two varints each) past the skip it lands on.
constexpr std::uint32_t kSkipEvery = 64;
constexpr std::uint64_t kMaxU32 = std::numeric_limits<std::uint32_t>::max();
// How much of a merge's input may stay mapped in the process behind its reading point
// (PositionStore::Impl::release_before): small against the store, large against a madvise.
constexpr std::size_t kReleaseBytes = std::size_t{4} << 20;

inline void put_u32(std::string& out, std::uint32_t v) {
    char b[4];
    for (int i = 0; i < 4; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xff);
    out.append(b, 4);
}
inline void put_u64(std::string& out, std::uint64_t v) {
    char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xff);
    out.append(b, 8);
}
inline std::uint32_t get_u32(const unsigned char* p) {
    return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
           static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}
inline std::uint64_t get_u64(const unsigned char* p) {
    return static_cast<std::uint64_t>(get_u32(p)) | static_cast<std::uint64_t>(get_u32(p + 4))
                                                        << 32;
}
inline void set_u32(std::string& out, std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

inline void put_varint(std::string& out, std::uint32_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<char>((v & 0x7f) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
}

inline void put_varint64(std::string& out, std::uint64_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<char>((v & 0x7f) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
}

// A version-2 entry head: a card delta (1 to 2^32 - 1) and whether several positions follow.
inline std::uint64_t entry_head(std::uint32_t delta, bool several) {
    return static_cast<std::uint64_t>(delta) << 1 | (several ? 1u : 0u);
}

// Decodes a version-2 entry head (a varint of at most 5 bytes, at most 33 bits) before `end`.
inline bool get_head(const unsigned char*& p,
                     const unsigned char* end,
                     std::uint32_t& delta,
                     bool& several) {
    std::uint64_t v = 0;
    for (int shift = 0; shift <= 28; shift += 7) {
        if (p >= end) return false;
        const unsigned char b = *p++;
        if (shift == 28 && b > 0x1f) return false;
        v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
        if (b < 0x80) {
            delta = static_cast<std::uint32_t>(v >> 1);
            several = (v & 1) != 0;
            return true;
        }
    }
    return false;
}

// Decodes one varint of at most 5 bytes before `end`; false if it runs past or is too long.
inline bool get_varint(const unsigned char*& p, const unsigned char* end, std::uint32_t& v) {
    v = 0;
    for (int shift = 0; shift <= 28; shift += 7) {
        if (p >= end) return false;
        const unsigned char b = *p++;
        if (shift == 28 && b > 0x0f) return false;
        v |= static_cast<std::uint32_t>(b & 0x7f) << shift;
        if (b < 0x80) return true;
    }
    return false;
}

inline std::uint32_t crc(std::uint32_t c, const void* data, std::size_t n) {
    const auto* p = static_cast<const Bytef*>(data);
    while (n > 0) {
        const uInt step = static_cast<uInt>(std::min<std::size_t>(n, 1u << 30));
        c = static_cast<std::uint32_t>(crc32(c, p, step));
        p += step;
        n -= step;
    }
    return c;
}

inline std::string header_bytes(std::uint32_t version,
                                std::uint32_t first,
                                std::uint32_t last,
                                std::uint64_t terms,
                                std::uint64_t entries_offset,
                                std::uint64_t names_offset,
                                std::uint64_t file_size,
                                std::uint32_t body_crc) {
    std::string h(kMagic, sizeof kMagic);
    put_u32(h, version);
    put_u32(h, 0);  // the header's CRC, below
    put_u32(h, first);
    put_u32(h, last);
    put_u64(h, terms);
    put_u64(h, entries_offset);
    put_u64(h, names_offset);
    put_u64(h, file_size);
    put_u32(h, body_crc);
    put_u32(h, 0);
    set_u32(h, 12, crc(0, h.data(), h.size()));
    return h;
}

// Writes a store file: sections appended one term at a time in name order, then the entries
// and names, then the header over the placeholder. Any error removes the file.
class FileWriter {
  public:
    explicit FileWriter(std::string path, std::uint32_t version = kVersion)
        : path_(std::move(path)), version_(version) {}
    ~FileWriter() {
        if (f_ != nullptr) std::fclose(f_);
        // Only what this writer created: a path it could not open is left as it was.
        if (created_ && !done_) {
            std::error_code ec;
            std::filesystem::remove(path_, ec);
        }
    }
    Status open() {
        f_ = std::fopen(path_.c_str(), "wb");
        if (f_ == nullptr) return failed("cannot create");
        created_ = true;
        std::setvbuf(f_, nullptr, _IOFBF, 1 << 20);
        const std::string zero(kHeaderBytes, '\0');
        return write_raw(zero.data(), zero.size(), false);
    }
    Status add_term(std::string_view name, const std::string& section) {
        begin_term();
        if (auto st = append(section.data(), section.size()); !st) return st;
        return end_term(name);
    }
    // A term's section written in pieces, so that a merge never holds a whole one: a
    // common word's is tens of MB at 3M cards, and grows with the corpus.
    void begin_term() { term_start_ = offset_; }
    Status append(const void* p, std::size_t n) {
        return write_raw(static_cast<const char*>(p), n, true);
    }
    Status end_term(std::string_view name) {
        const std::uint64_t bytes = offset_ - term_start_;
        if (bytes > kMaxU32)
            return make_error(Errc::ResourceExhausted,
                              "a term's positions exceed 4 GB in one store file",
                              std::string(name.substr(0, 64)));
        put_u64(entries_, names_.size());
        put_u64(entries_, term_start_);
        put_u32(entries_, static_cast<std::uint32_t>(name.size()));
        put_u32(entries_, static_cast<std::uint32_t>(bytes));
        names_.append(name);
        ++terms_;
        return Ok{};
    }
    Status finish(std::uint32_t first, std::uint32_t last) {
        const std::uint64_t entries_offset = offset_;
        if (auto st = write_raw(entries_.data(), entries_.size(), true); !st) return st;
        const std::uint64_t names_offset = offset_;
        if (auto st = write_raw(names_.data(), names_.size(), true); !st) return st;
        const std::string h = header_bytes(
            version_, first, last, terms_, entries_offset, names_offset, offset_, body_crc_);
        if (std::fseek(f_, 0, SEEK_SET) != 0 || std::fwrite(h.data(), 1, h.size(), f_) != h.size())
            return failed("cannot write the header of");
        const int rc = std::fclose(f_);
        f_ = nullptr;
        if (rc != 0) return failed("cannot write");
        done_ = true;
        return Ok{};
    }

  private:
    Status write_raw(const char* p, std::size_t n, bool body) {
        if (n > 0 && std::fwrite(p, 1, n, f_) != n) return failed("cannot write");
        if (body) body_crc_ = crc(body_crc_, p, n);
        offset_ += n;
        return Ok{};
    }
    Error failed(const char* what) const {
        return make_error(Errc::Internal,
                          std::string(what) + " the position store: " + std::strerror(errno),
                          path_);
    }

    std::string path_;
    std::uint32_t version_;
    std::FILE* f_ = nullptr;
    bool created_ = false;
    bool done_ = false;
    std::uint64_t offset_ = 0;
    std::uint64_t term_start_ = 0;
    std::uint64_t terms_ = 0;
    std::uint32_t body_crc_ = 0;
    std::string entries_, names_;
};

// One term's section, as read from a mapped file.
struct Section {
    std::uint32_t skip_count = 0, cards = 0, last = 0;
    const unsigned char* skips = nullptr;
    const unsigned char* stream = nullptr;
    std::size_t stream_bytes = 0;
};

inline bool parse_section(const unsigned char* p, std::size_t n, Section& s) {
    if (n < kSectionHead) return false;
    s.skip_count = get_u32(p);
    s.cards = get_u32(p + 4);
    s.last = get_u32(p + 8);
    const std::uint64_t skip_bytes = static_cast<std::uint64_t>(s.skip_count) * kSkipBytes;
    if (skip_bytes > n - kSectionHead) return false;
    s.skips = p + kSectionHead;
    s.stream = s.skips + skip_bytes;
    s.stream_bytes = n - kSectionHead - static_cast<std::size_t>(skip_bytes);
    return true;
}

}  // namespace posfile

struct PositionStore::Impl {
    std::string path;
    const unsigned char* base = nullptr;
    std::size_t size = 0;
    std::uint32_t first = 0, last = 0;
    std::uint64_t terms = 0, entries = 0, names = 0;
    std::uint32_t body_crc = 0;
    std::uint32_t version = posfile::kVersion;

    std::size_t released = 0;  // release_before: the mapping's bytes before this were dropped

    ~Impl() {
        if (base != nullptr) ::munmap(const_cast<unsigned char*>(base), size);
    }
    // Drops this process's pages of the mapping before `offset` (down to a page boundary),
    // once at least posfile::kReleaseBytes more than last time lie there. A merge reads each input
    // once, front to back, and every page it touched would otherwise count in the process's
    // RSS until the input is closed: 3.2 GB at the end of a 3M-card reindex
    // (docs/PERFORMANCE.md, "The store merge without its inputs in RSS"). The pages stay in the
    // page cache; one read again (a malformed store's sections out of order) faults them back in,
    // unchanged.
    void release_before(std::size_t offset) {
        if (offset < released + posfile::kReleaseBytes) return;
        released = drop_pages(released, offset);
    }
    // Whether the body's CRC is the header's, read in posfile::kReleaseBytes steps whose pages are
    // dropped once read, so that checking a 3.5 GB store does not leave it in the RSS.
    bool body_intact() const {
        std::uint32_t c = 0;
        std::size_t dropped = 0;
        for (std::size_t off = posfile::kHeaderBytes; off < size;) {
            const std::size_t n = std::min(posfile::kReleaseBytes, size - off);
            c = posfile::crc(c, base + off, n);
            off += n;
            dropped = drop_pages(dropped, off);
        }
        return c == body_crc;
    }
    // Drops the process's pages of the mapping from `from` (page-aligned) to `to`, rounded
    // down to a page; returns where the dropped range ends.
    std::size_t drop_pages(std::size_t from, std::size_t to) const {
        static const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
        to = std::min(to, size) / page * page;
        if (to > from) ::madvise(const_cast<unsigned char*>(base) + from, to - from, MADV_DONTNEED);
        return std::max(from, to);
    }
    // Entry i's name, or an empty view with `ok` false when it lies outside the names.
    std::string_view name(std::uint64_t i, bool& ok) const {
        const unsigned char* e = base + entries + i * posfile::kEntryBytes;
        const std::uint64_t off = posfile::get_u64(e), len = posfile::get_u32(e + 16);
        ok = off <= size - names && len <= size - names - off;
        if (!ok) return {};
        return {reinterpret_cast<const char*>(base + names + off), static_cast<std::size_t>(len)};
    }
    // Term `term`'s section, or false (absent or out of bounds).
    bool find(std::string_view term, posfile::Section& s) const {
        std::uint64_t lo = 0, hi = terms;
        while (lo < hi) {
            const std::uint64_t mid = lo + (hi - lo) / 2;
            bool ok = true;
            const std::string_view n = name(mid, ok);
            if (!ok) return false;
            if (n < term) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        bool ok = true;
        if (lo == terms || name(lo, ok) != term || !ok) return false;
        return section(lo, s);
    }
    // Entry i's section, or false when it lies outside the sections.
    bool section(std::uint64_t i, posfile::Section& s) const {
        const unsigned char* e = base + entries + i * posfile::kEntryBytes;
        const std::uint64_t off = posfile::get_u64(e + 8), len = posfile::get_u32(e + 20);
        if (off < posfile::kHeaderBytes || off > entries || len > entries - off) return false;
        return posfile::parse_section(base + off, static_cast<std::size_t>(len), s);
    }
};

}  // namespace cardex::index
