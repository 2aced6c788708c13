// The position store (positions.h): collecting a segment's positions, writing and merging
// store files, and reading them through a mapping.
#include "cardex/index/positions.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <queue>
#include <unordered_map>

#include <xapian.h>

namespace cardex::index {

namespace {

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

void put_u32(std::string& out, std::uint32_t v) {
    char b[4];
    for (int i = 0; i < 4; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xff);
    out.append(b, 4);
}
void put_u64(std::string& out, std::uint64_t v) {
    char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xff);
    out.append(b, 8);
}
std::uint32_t get_u32(const unsigned char* p) {
    return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
           static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}
std::uint64_t get_u64(const unsigned char* p) {
    return static_cast<std::uint64_t>(get_u32(p)) | static_cast<std::uint64_t>(get_u32(p + 4))
                                                        << 32;
}
void set_u32(std::string& out, std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

void put_varint(std::string& out, std::uint32_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<char>((v & 0x7f) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
}

void put_varint64(std::string& out, std::uint64_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<char>((v & 0x7f) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
}

// A version-2 entry head: a card delta (1 to 2^32 - 1) and whether several positions follow.
std::uint64_t entry_head(std::uint32_t delta, bool several) {
    return static_cast<std::uint64_t>(delta) << 1 | (several ? 1u : 0u);
}

// Decodes a version-2 entry head (a varint of at most 5 bytes, at most 33 bits) before `end`.
bool get_head(const unsigned char*& p,
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
bool get_varint(const unsigned char*& p, const unsigned char* end, std::uint32_t& v) {
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

std::uint32_t crc(std::uint32_t c, const void* data, std::size_t n) {
    const auto* p = static_cast<const Bytef*>(data);
    while (n > 0) {
        const uInt step = static_cast<uInt>(std::min<std::size_t>(n, 1u << 30));
        c = static_cast<std::uint32_t>(crc32(c, p, step));
        p += step;
        n -= step;
    }
    return c;
}

std::string header_bytes(std::uint32_t version,
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
        if (section.size() > kMaxU32)
            return make_error(Errc::ResourceExhausted,
                              "a term's positions exceed 4 GB in one store file",
                              std::string(name.substr(0, 64)));
        put_u64(entries_, names_.size());
        put_u64(entries_, offset_);
        put_u32(entries_, static_cast<std::uint32_t>(name.size()));
        put_u32(entries_, static_cast<std::uint32_t>(section.size()));
        names_.append(name);
        ++terms_;
        return write_raw(section.data(), section.size(), true);
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

bool parse_section(const unsigned char* p, std::size_t n, Section& s) {
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

}  // namespace

// ---- collecting -------------------------------------------------------------------------

struct PositionCollector::Impl {
    struct Skip {
        std::uint32_t first_card, before, offset;
    };
    struct Stream {
        std::string bytes;
        std::vector<Skip> skips;
        std::uint32_t cards = 0;
        std::uint32_t last = 0;
    };
    std::unordered_map<std::string, Stream> terms;
    std::uint32_t first = 1;
    std::uint32_t next = 1;
    std::string scratch;  // one entry's position deltas
    void append(Stream& s, std::uint32_t docid, std::uint32_t count);
};

PositionCollector::PositionCollector() : impl_(std::make_unique<Impl>()) {}
PositionCollector::~PositionCollector() = default;
PositionCollector::PositionCollector(PositionCollector&&) noexcept = default;
PositionCollector& PositionCollector::operator=(PositionCollector&&) noexcept = default;

void PositionCollector::reset(std::uint32_t first_docid) {
    impl_->terms.clear();
    impl_->first = impl_->next = first_docid;
}

// Appends one card's entry to a term's stream: its `count` position deltas are in `scratch`.
void PositionCollector::Impl::append(Stream& s, std::uint32_t docid, std::uint32_t count) {
    if (s.cards % kSkipEvery == 0)
        s.skips.push_back({docid, s.last, static_cast<std::uint32_t>(s.bytes.size())});
    put_varint64(s.bytes, entry_head(docid - s.last, count > 1));
    if (count > 1) put_varint(s.bytes, static_cast<std::uint32_t>(scratch.size()));
    s.bytes += scratch;
    s.last = docid;
    ++s.cards;
}

void PositionCollector::add(std::uint32_t docid, const Xapian::Document& doc) {
    Impl& m = *impl_;
    m.next = docid + 1;
    for (auto t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
        if (t.positionlist_count() == 0) continue;
        m.scratch.clear();
        Xapian::termpos prev = 0;
        std::uint32_t n = 0;
        for (auto p = t.positionlist_begin(); p != t.positionlist_end(); ++p, ++n) {
            put_varint(m.scratch, *p - prev);
            prev = *p;
        }
        m.append(m.terms[*t], docid, n);
    }
}

void PositionCollector::add(std::uint32_t docid,
                            const std::vector<TermPosition>& sorted,
                            std::size_t count) {
    Impl& m = *impl_;
    m.next = docid + 1;
    count = std::min(count, sorted.size());
    for (std::size_t i = 0; i < count;) {
        const std::string& term = sorted[i].term;
        m.scratch.clear();
        std::uint32_t prev = 0, n = 0;
        for (; i < count && sorted[i].term == term; ++i, ++n) {
            put_varint(m.scratch, sorted[i].pos - prev);
            prev = sorted[i].pos;
        }
        m.append(m.terms[term], docid, n);
    }
}

Status PositionCollector::write(const std::string& path) {
    Impl& m = *impl_;
    std::vector<std::pair<const std::string*, Impl::Stream*>> sorted;
    sorted.reserve(m.terms.size());
    for (auto& [name, s] : m.terms) sorted.emplace_back(&name, &s);
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
        return *a.first < *b.first;
    });
    FileWriter w(path);
    if (auto st = w.open(); !st) return st;
    std::string section;
    for (const auto& [name, s] : sorted) {
        if (s->bytes.size() > kMaxU32)
            return make_error(Errc::ResourceExhausted,
                              "a term's positions exceed 4 GB in one segment",
                              name->substr(0, 64));
        section.clear();
        put_u32(section, static_cast<std::uint32_t>(s->skips.size()));
        put_u32(section, s->cards);
        put_u32(section, s->last);
        for (const auto& k : s->skips) {
            put_u32(section, k.first_card);
            put_u32(section, k.before);
            put_u32(section, k.offset);
        }
        section += s->bytes;
        if (auto st = w.add_term(*name, section); !st) return st;
        s->bytes = {};  // the peak is the collection, not the collection plus its copy
    }
    const std::uint32_t first = m.first, last = m.next - 1;
    m.terms.clear();
    return w.finish(first, last);
}

// ---- reading ----------------------------------------------------------------------------

struct PositionStore::Impl {
    std::string path;
    const unsigned char* base = nullptr;
    std::size_t size = 0;
    std::uint32_t first = 0, last = 0;
    std::uint64_t terms = 0, entries = 0, names = 0;
    std::uint32_t body_crc = 0;
    std::uint32_t version = kVersion;

    std::size_t released = 0;  // release_before: the mapping's bytes before this were dropped

    ~Impl() {
        if (base != nullptr) ::munmap(const_cast<unsigned char*>(base), size);
    }
    // Drops this process's pages of the mapping before `offset` (down to a page boundary),
    // once at least kReleaseBytes more than last time lie there. A merge reads each input
    // once, front to back, and every page it touched would otherwise count in the process's
    // RSS until the input is closed: 3.2 GB at the end of a 3M-card reindex
    // (docs/PERFORMANCE.md, "The store merge without its inputs in RSS"). The pages stay in the
    // page cache; one read again (a malformed store's sections out of order) faults them back in,
    // unchanged.
    void release_before(std::size_t offset) {
        if (offset < released + kReleaseBytes) return;
        released = drop_pages(released, offset);
    }
    // Whether the body's CRC is the header's, read in kReleaseBytes steps whose pages are
    // dropped once read, so that checking a 3.5 GB store does not leave it in the RSS.
    bool body_intact() const {
        std::uint32_t c = 0;
        std::size_t dropped = 0;
        for (std::size_t off = kHeaderBytes; off < size;) {
            const std::size_t n = std::min(kReleaseBytes, size - off);
            c = crc(c, base + off, n);
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
        const unsigned char* e = base + entries + i * kEntryBytes;
        const std::uint64_t off = get_u64(e), len = get_u32(e + 16);
        ok = off <= size - names && len <= size - names - off;
        if (!ok) return {};
        return {reinterpret_cast<const char*>(base + names + off), static_cast<std::size_t>(len)};
    }
    // Term `term`'s section, or false (absent or out of bounds).
    bool find(std::string_view term, Section& s) const {
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
    bool section(std::uint64_t i, Section& s) const {
        const unsigned char* e = base + entries + i * kEntryBytes;
        const std::uint64_t off = get_u64(e + 8), len = get_u32(e + 20);
        if (off < kHeaderBytes || off > entries || len > entries - off) return false;
        return parse_section(base + off, static_cast<std::size_t>(len), s);
    }
};

PositionStore::PositionStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PositionStore::~PositionStore() = default;

Result<std::shared_ptr<const PositionStore>> PositionStore::open(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return make_error(Errc::NotFound, "no position store", path);
        return make_error(Errc::Internal,
                          std::string("cannot open the position store: ") + std::strerror(errno),
                          path);
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        ::close(fd);
        return make_error(Errc::Internal, "cannot stat the position store", path);
    }
    auto impl = std::make_unique<Impl>();
    impl->path = path;
    impl->size = static_cast<std::size_t>(st.st_size);
    auto corrupt = [&](const std::string& why) -> Error {
        return make_error(Errc::DataLoss, "the position store is corrupt: " + why, path);
    };
    if (impl->size < kHeaderBytes) {
        ::close(fd);
        return corrupt("shorter than its header");
    }
    void* m = ::mmap(nullptr, impl->size, PROT_READ, MAP_SHARED, fd, 0);
    ::close(fd);
    if (m == MAP_FAILED) return make_error(Errc::Internal, "cannot map the position store", path);
    impl->base = static_cast<const unsigned char*>(m);
    const unsigned char* h = impl->base;
    if (std::memcmp(h, kMagic, sizeof kMagic) != 0) return corrupt("not a position store");
    impl->version = get_u32(h + 8);
    if (impl->version < kOldestVersion || impl->version > kVersion)
        return corrupt("version " + std::to_string(impl->version) + ", this build reads " +
                       std::to_string(kOldestVersion) + " to " + std::to_string(kVersion));
    std::array<unsigned char, kHeaderBytes> copy{};
    std::memcpy(copy.data(), h, kHeaderBytes);
    std::memset(copy.data() + 12, 0, 4);
    if (crc(0, copy.data(), copy.size()) != get_u32(h + 12)) return corrupt("header checksum");
    impl->first = get_u32(h + 16);
    impl->last = get_u32(h + 20);
    impl->terms = get_u64(h + 24);
    impl->entries = get_u64(h + 32);
    impl->names = get_u64(h + 40);
    impl->body_crc = get_u32(h + 56);
    if (get_u64(h + 48) != impl->size) return corrupt("its size is not the header's (truncated?)");
    if (impl->entries < kHeaderBytes || impl->entries > impl->names || impl->names > impl->size ||
        impl->terms > (impl->names - impl->entries) / kEntryBytes ||
        impl->terms * kEntryBytes != impl->names - impl->entries)
        return corrupt("term entries out of bounds");
    if (impl->last + 1 < impl->first) return corrupt("docid range");
    // Sections are read as phrases need them: randomly, a few pages each.
    ::madvise(m, impl->size, MADV_RANDOM);
    return std::shared_ptr<const PositionStore>(new PositionStore(std::move(impl)));
}

std::uint32_t PositionStore::first_docid() const {
    return impl_->first;
}
std::uint32_t PositionStore::last_docid() const {
    return impl_->last;
}
std::uint64_t PositionStore::term_count() const {
    return impl_->terms;
}
std::uint64_t PositionStore::file_bytes() const {
    return impl_->size;
}

std::string PositionStore::tag() const {
    return std::to_string(impl_->size) + " " + std::to_string(impl_->body_crc);
}

Status PositionStore::verify() const {
    if (!impl_->body_intact())
        return make_error(Errc::DataLoss, "the position store is corrupt: checksum", impl_->path);
    return Ok{};
}

PositionStore::Cursor::Cursor(const PositionStore& store, std::string_view term) {
    Section s;
    if (!store.impl_->find(term, s)) return;
    skips_ = s.skips;
    skip_count_ = s.skip_count;
    lengths_ = store.impl_->version == 1;
    begin_ = p_ = s.stream;
    end_ = s.stream + s.stream_bytes;
}

bool PositionStore::Cursor::seek(std::uint32_t target) {
    if (corrupt_) return false;
    if (have_ && target <= card_ && target > prev_) return true;
    // The card before the next entry to decode: a target at or before it is behind us.
    if (target <= (have_ ? prev_ : card_)) {
        p_ = begin_;
        card_ = prev_ = 0;
        have_ = false;
    }
    // The last skip that starts at or before the target, if it is ahead of us.
    std::uint32_t lo = 0, hi = skip_count_;
    while (lo < hi) {
        const std::uint32_t mid = lo + (hi - lo) / 2;
        if (get_u32(skips_ + std::size_t{mid} * kSkipBytes) <= target) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo > 0) {
        const unsigned char* k = skips_ + std::size_t{lo - 1} * kSkipBytes;
        const std::uint32_t offset = get_u32(k + 8);
        if (offset > static_cast<std::size_t>(end_ - begin_)) {
            corrupt_ = true;
            return have_ = false;
        }
        if (begin_ + offset > p_) {
            p_ = begin_ + offset;
            card_ = get_u32(k + 4);
            have_ = false;
        }
    }
    while (p_ < end_) {
        std::uint32_t delta = 0, length = 0;
        if (!(lengths_ ? next_v1(delta, length) : next_v2(delta, length)) || delta == 0 ||
            card_ > std::numeric_limits<std::uint32_t>::max() - delta) {
            corrupt_ = true;
            return have_ = false;
        }
        prev_ = card_;
        card_ += delta;
        positions_ = p_;
        length_ = length;
        p_ += length;
        if (card_ >= target) return have_ = true;
    }
    return have_ = false;
}

// Version 1: the delta and the positions' byte length. False if malformed.
bool PositionStore::Cursor::next_v1(std::uint32_t& delta, std::uint32_t& length) {
    return get_varint(p_, end_, delta) && get_varint(p_, end_, length) &&
           length <= static_cast<std::size_t>(end_ - p_);
}

// Version 2: the head, then the byte length of several positions, or the end of the one
// varint of a single position. False if malformed.
bool PositionStore::Cursor::next_v2(std::uint32_t& delta, std::uint32_t& length) {
    bool several = false;
    if (!get_head(p_, end_, delta, several)) return false;
    if (several)
        return get_varint(p_, end_, length) && length <= static_cast<std::size_t>(end_ - p_);
    const unsigned char* q = p_;
    while (q != end_ && *q >= 0x80) ++q;
    if (q == end_) return false;
    length = static_cast<std::uint32_t>(q + 1 - p_);
    return true;
}

bool PositionStore::Cursor::positions(std::vector<std::uint32_t>& out) const {
    out.clear();
    const unsigned char* p = positions_;
    const unsigned char* end = positions_ + length_;
    std::uint32_t pos = 0;
    while (p < end) {
        std::uint32_t d = 0;
        if (!get_varint(p, end, d) || pos > std::numeric_limits<std::uint32_t>::max() - d)
            return false;
        pos += d;
        out.push_back(pos);
    }
    return true;
}

bool store_holds_phrase(std::vector<PositionStore::Cursor>& cursors,
                        std::uint32_t docid,
                        std::vector<std::uint32_t>& a,
                        std::vector<std::uint32_t>& b,
                        bool& corrupt) {
    const std::size_t n = cursors.size();
    if (n == 0) return true;
    std::size_t anchor = 0;
    for (std::size_t i = 0; i < n; ++i) {
        auto& c = cursors[i];
        if (!c.seek(docid) || c.card() != docid) {
            corrupt = corrupt || c.corrupt();
            return false;
        }
        if (c.length() < cursors[anchor].length()) anchor = i;
    }
    // The phrase starts the anchor (the word with the fewest position bytes) allows: its
    // position minus its place in the phrase.
    if (!cursors[anchor].positions(a)) {
        corrupt = true;
        return false;
    }
    std::size_t out = 0;
    for (const std::uint32_t p : a)
        if (p > anchor) a[out++] = p - static_cast<std::uint32_t>(anchor);
    a.resize(out);
    for (std::size_t i = 0; i < n && !a.empty(); ++i) {
        if (i == anchor) continue;
        if (!cursors[i].positions(b)) {
            corrupt = true;
            return false;
        }
        // Keep the starts s with s + i among term i's positions (both ascending).
        std::size_t k = 0;
        out = 0;
        for (const std::uint32_t s : a) {
            const std::uint64_t want = std::uint64_t{s} + i;
            while (k < b.size() && b[k] < want) ++k;
            if (k < b.size() && b[k] == want) a[out++] = s;
        }
        a.resize(out);
    }
    return !a.empty();
}

// ---- merging ----------------------------------------------------------------------------

Status merge_position_files(const std::vector<std::string>& inputs, const std::string& output) {
    if (inputs.empty())
        return make_error(Errc::InvalidArgument, "no position stores to merge", output);
    // Writing over an input would truncate the file its mapping reads (SIGBUS).
    for (const auto& p : inputs) {
        std::error_code ec;
        if (p == output || std::filesystem::equivalent(p, output, ec))
            return make_error(
                Errc::InvalidArgument, "a merge cannot write over one of its inputs", output);
    }
    std::vector<std::shared_ptr<const PositionStore>> in;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        auto s = PositionStore::open(inputs[i]);
        if (!s) return std::move(s).error();
        if (i > 0 && s.value()->first_docid() != in.back()->last_docid() + 1)
            return make_error(Errc::InvalidArgument,
                              "position stores to merge do not follow one another: docids " +
                                  std::to_string(s.value()->first_docid()) + " after " +
                                  std::to_string(in.back()->last_docid()),
                              inputs[i]);
        // Streams are concatenated as they are, so their entries must be encoded alike.
        if (i > 0 && s.value()->impl_->version != in.back()->impl_->version)
            return make_error(Errc::InvalidArgument,
                              "position stores to merge are of versions " +
                                  std::to_string(in.back()->impl_->version) + " and " +
                                  std::to_string(s.value()->impl_->version),
                              inputs[i]);
        in.push_back(std::move(s).value());
    }
    // Streams are copied without being decoded, and the output's CRC is computed over what
    // is copied: a damaged input would otherwise come out as a store that verifies. After
    // the checks above, so that inputs that cannot be merged say why, not that one of them
    // is damaged. Cost: a read of every input (0.4% of a 1M-card reindex).
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (auto st = in[i]->verify(); !st) return st;
    }
    auto corrupt = [&](std::size_t i, std::string_view term) -> Error {
        return make_error(
            Errc::DataLoss,
            "the position store is corrupt: term '" + std::string(term.substr(0, 64)) + "'",
            inputs[i]);
    };
    // Each input's next term entry, smallest name first (ties: input order).
    struct Head {
        std::string_view name;
        std::size_t input;
        std::uint64_t entry;
    };
    auto later = [](const Head& a, const Head& b) {
        return a.name != b.name ? a.name > b.name : a.input > b.input;
    };
    std::priority_queue<Head, std::vector<Head>, decltype(later)> heap(later);
    auto push = [&](std::size_t i, std::uint64_t e) -> Status {
        if (e >= in[i]->impl_->terms) return Ok{};
        bool ok = true;
        const std::string_view n = in[i]->impl_->name(e, ok);
        if (!ok) return corrupt(i, "");
        heap.push({n, i, e});
        return Ok{};
    };
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (auto st = push(i, 0); !st) return st;
    }
    const bool v1 = in.front()->impl_->version == 1;
    FileWriter w(output, in.front()->impl_->version);
    if (auto st = w.open(); !st) return st;
    std::string stream, skips, section;
    std::vector<Head> same;
    while (!heap.empty()) {
        same.clear();
        same.push_back(heap.top());
        heap.pop();
        while (!heap.empty() && heap.top().name == same.front().name) {
            same.push_back(heap.top());
            heap.pop();
        }
        const std::string_view name = same.front().name;
        stream.clear();
        skips.clear();
        std::uint32_t cards = 0, last = 0, skip_count = 0;
        for (const Head& h : same) {
            Section s;
            if (!in[h.input]->impl_->section(h.entry, s)) return corrupt(h.input, name);
            if (s.cards == 0) continue;
            // The first entry's delta is from 0 in its own file: from `last` here.
            const unsigned char* p = s.stream;
            const unsigned char* end = s.stream + s.stream_bytes;
            std::uint32_t first_card = 0;
            bool several = false;
            const bool head_ok =
                v1 ? get_varint(p, end, first_card) : get_head(p, end, first_card, several);
            if (!head_ok || first_card <= last || s.skip_count == 0 ||
                get_u32(s.skips) != first_card || get_u32(s.skips + 8) != 0 || s.last < first_card)
                return corrupt(h.input, name);
            const std::size_t old_len = static_cast<std::size_t>(p - s.stream);
            const std::size_t base = stream.size();
            if (v1) {
                put_varint(stream, first_card - last);
            } else {
                put_varint64(stream, entry_head(first_card - last, several));
            }
            const std::size_t new_len = stream.size() - base;
            stream.append(reinterpret_cast<const char*>(p), static_cast<std::size_t>(end - p));
            if (stream.size() > kMaxU32)
                return make_error(Errc::ResourceExhausted,
                                  "a term's positions exceed 4 GB in one store file",
                                  std::string(name.substr(0, 64)));
            for (std::uint32_t k = 0; k < s.skip_count; ++k) {
                const unsigned char* e = s.skips + std::size_t{k} * kSkipBytes;
                const std::uint32_t off = get_u32(e + 8);
                if (k > 0 && (off < old_len || off > s.stream_bytes)) return corrupt(h.input, name);
                put_u32(skips, get_u32(e));
                put_u32(skips, k == 0 ? last : get_u32(e + 4));
                put_u32(skips,
                        static_cast<std::uint32_t>(k == 0 ? base : base + off - old_len + new_len));
            }
            skip_count += s.skip_count;
            cards += s.cards;
            last = s.last;
            in[h.input]->impl_->release_before(
                static_cast<std::size_t>(end - in[h.input]->impl_->base));
        }
        section.clear();
        put_u32(section, skip_count);
        put_u32(section, cards);
        put_u32(section, last);
        section += skips;
        section += stream;
        if (auto st = w.add_term(name, section); !st) return st;
        for (const Head& h : same) {
            if (auto st = push(h.input, h.entry + 1); !st) return st;
        }
    }
    return w.finish(in.front()->first_docid(), in.back()->last_docid());
}

}  // namespace cardex::index
