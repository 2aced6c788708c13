// The position store (positions.h): collecting a segment's positions, writing its store
// file, and reading store files through a mapping. The merge is in positions_merge.cpp; the
// format they share is in positions_format.h.
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
#include <deque>
#include <filesystem>
#include <limits>
#include <unordered_map>

#include <xapian.h>

#include "cardex/index/store.h"
#include "positions_format.h"

namespace cardex::index {

using namespace posfile;

// ---- collecting -------------------------------------------------------------------------

struct PositionCollector::Impl {
    struct Skip {
        std::uint32_t first_card, before, offset;
    };
    struct Stream {
        std::string name;
        std::string bytes;
        std::vector<Skip> skips;
        std::uint32_t cards = 0;
        std::uint32_t last = 0;
    };
    std::deque<Stream> streams;  // a deque: `by_name` holds views of their names
    std::unordered_map<std::string_view, std::uint32_t> by_name;  // index into streams
    // The stream of each term number of the builder's `numbering` (index + 1; 0: not met).
    std::vector<std::uint32_t> by_number;
    std::uint64_t numbering = 0;
    std::uint32_t first = 1;
    std::uint32_t next = 1;
    std::string scratch;  // one entry's position deltas
    void append(Stream& s, std::uint32_t docid, std::uint32_t count);
    std::uint32_t stream_index(std::string_view name) {
        if (auto it = by_name.find(name); it != by_name.end()) return it->second;
        const auto i = static_cast<std::uint32_t>(streams.size());
        streams.emplace_back().name.assign(name);
        by_name.emplace(streams.back().name, i);
        return i;
    }
    Stream& stream(std::string_view name) { return streams[stream_index(name)]; }
    void clear() {
        by_name.clear();
        streams.clear();
        by_number.clear();
    }
};

PositionCollector::PositionCollector() : impl_(std::make_unique<Impl>()) {}
PositionCollector::~PositionCollector() = default;
PositionCollector::PositionCollector(PositionCollector&&) noexcept = default;
PositionCollector& PositionCollector::operator=(PositionCollector&&) noexcept = default;

void PositionCollector::reset(std::uint32_t first_docid) {
    impl_->clear();
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
        m.append(m.stream(*t), docid, n);
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
        m.append(m.stream(term), docid, n);
    }
}

void PositionCollector::add(std::uint32_t docid, const DocumentBuilder& builder) {
    Impl& m = *impl_;
    m.next = docid + 1;
    if (builder.term_numbering() != m.numbering) {
        m.by_number.clear();
        m.numbering = builder.term_numbering();
    }
    const std::vector<NumberedPosition>& sorted = builder.positions();
    const std::size_t count = std::min(builder.positions_count(), sorted.size());
    for (std::size_t i = 0; i < count;) {
        const std::uint32_t term = sorted[i].term;
        m.scratch.clear();
        std::uint32_t prev = 0, n = 0;
        for (; i < count && sorted[i].term == term; ++i, ++n) {
            put_varint(m.scratch, sorted[i].pos - prev);
            prev = sorted[i].pos;
        }
        if (term >= m.by_number.size()) m.by_number.resize(std::size_t{term} + 1, 0);
        std::uint32_t& slot = m.by_number[term];
        if (slot == 0) slot = m.stream_index(builder.term_name(term)) + 1;
        m.append(m.streams[slot - 1], docid, n);
    }
}

Status PositionCollector::write(const std::string& path) {
    Impl& m = *impl_;
    std::vector<std::pair<const std::string*, Impl::Stream*>> sorted;
    sorted.reserve(m.streams.size());
    for (auto& s : m.streams) sorted.emplace_back(&s.name, &s);
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
    m.clear();
    return w.finish(first, last);
}

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

Result<std::vector<std::string>> PositionStore::frequent_terms(std::uint32_t min_cards) const {
    std::vector<std::string> out;
    for (std::uint64_t i = 0; i < impl_->terms; ++i) {
        bool ok = true;
        const std::string_view name = impl_->name(i, ok);
        Section s;
        if (!ok || !impl_->section(i, s)) {
            return make_error(Errc::DataLoss,
                              "the position store is corrupt: term entry " + std::to_string(i),
                              impl_->path);
        }
        if (s.cards >= min_cards) out.emplace_back(name);
    }
    return out;
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
    cards_ = s.cards;
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
        skip_next_ = 0;
    }
    // The last skip that starts at or before the target, searched only among those ahead of
    // the cursor, galloping from the next one: a phrase check seeks each word to candidates a
    // few cards apart, where a binary search of all the skips (10,000 for a word on 640,000
    // cards) cost more than the decoding it saves.
    std::uint32_t lo = skip_next_, hi = skip_count_;
    auto key = [&](std::uint32_t i) { return get_u32(skips_ + std::size_t{i} * kSkipBytes); };
    if (lo < hi && key(lo) <= target) {
        // key(lo) <= target: bracket the last such skip in (lo, lo + step].
        std::uint32_t step = 1;
        while (hi - lo > step && key(lo + step) <= target) {
            lo += step;
            step *= 2;
        }
        hi = std::min(hi, lo + step + 1);
        ++lo;  // [lo, hi): the first skip with key > target is in here, or is hi
        while (lo < hi) {
            const std::uint32_t mid = lo + (hi - lo) / 2;
            if (key(mid) <= target) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
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
        skip_next_ = lo;
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

bool PositionStore::Cursor::keep_followed(std::vector<std::uint32_t>& starts,
                                          std::uint32_t offset) const {
    const unsigned char* p = positions_;
    const unsigned char* end = positions_ + length_;
    std::uint64_t pos = 0;  // the last position decoded (0: none yet; positions are >= 1)
    std::size_t out = 0;
    for (const std::uint32_t s : starts) {
        const std::uint64_t want = std::uint64_t{s} + offset;
        while (pos < want) {
            if (p >= end) {
                starts.resize(out);  // no position left for this start or any later one
                return true;
            }
            std::uint32_t d = 0;
            if (!get_varint(p, end, d)) return false;
            pos += d;
            if (pos > std::numeric_limits<std::uint32_t>::max()) return false;
        }
        if (pos == want) starts[out++] = s;
    }
    starts.resize(out);
    return true;
}

double PositionStore::Cursor::bytes_per_card() const {
    if (cards_ == 0) return 0;
    return static_cast<double>(end_ - begin_) / static_cast<double>(cards_);
}

bool store_holds_phrase(std::vector<PositionStore::Cursor>& cursors,
                        std::uint32_t docid,
                        std::vector<std::uint32_t>& a,
                        bool& corrupt,
                        PhraseOrder& order) {
    const std::size_t n = cursors.size();
    if (n == 0) return true;
    auto cheaper = [&](std::uint32_t x, std::uint32_t y) {
        return cursors[x].bytes_per_card() < cursors[y].bytes_per_card();
    };
    if (order.terms.size() != n) {
        order.terms.resize(n);
        for (std::uint32_t i = 0; i < n; ++i) order.terms[i] = i;
        std::stable_sort(order.terms.begin(), order.terms.end(), cheaper);
        order.rejects.assign(n, 0);
        order.until_resort = PhraseOrder::kResortEvery;
    } else if (--order.until_resort == 0) {
        // The first stays (its positions are the starts); the others by rejections lately.
        std::stable_sort(order.terms.begin() + 1, order.terms.end(), [&](auto x, auto y) {
            return order.rejects[x] != order.rejects[y] ? order.rejects[x] > order.rejects[y]
                                                        : cheaper(x, y);
        });
        for (auto& r : order.rejects) r /= 2;
        order.until_resort = PhraseOrder::kResortEvery;
    }
    // The card's positions of term i, or false (and a rejection) when it lacks the term.
    auto on_card = [&](std::uint32_t i) {
        auto& c = cursors[i];
        if (c.seek(docid) && c.card() == docid) return true;
        corrupt = corrupt || c.corrupt();
        ++order.rejects[i];
        return false;
    };
    // The starts the first word allows: its positions minus its place in the phrase.
    const std::uint32_t first = order.terms[0];
    if (!on_card(first)) return false;
    if (!cursors[first].positions(a)) {
        corrupt = true;
        return false;
    }
    std::size_t out = 0;
    for (const std::uint32_t p : a)
        if (p > first) a[out++] = p - first;
    a.resize(out);
    for (std::size_t k = 1; k < n && !a.empty(); ++k) {
        const std::uint32_t i = order.terms[k];
        if (!on_card(i)) return false;
        // Keep the starts s with s + i among term i's positions.
        if (!cursors[i].keep_followed(a, i)) {
            corrupt = true;
            return false;
        }
        if (a.empty()) ++order.rejects[i];
    }
    return !a.empty();
}

bool store_holds_phrase(std::vector<PositionStore::Cursor>& cursors,
                        std::uint32_t docid,
                        std::vector<std::uint32_t>& a,
                        bool& corrupt) {
    PhraseOrder order;
    return store_holds_phrase(cursors, docid, a, corrupt, order);
}
}  // namespace cardex::index
