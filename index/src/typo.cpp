// The typo dictionary: building, storing, decoding and searching it (typo.h).
#include "cardex/index/typo.h"

#include <zstd.h>

#include <algorithm>
#include <charconv>
#include <limits>

#include "cardex/index/schema.h"

namespace cardex::index {

namespace {

// The largest stored dictionary decode() inflates. 1M cards hold a few million distinct
// words of at least two cards: tens of MB. Past this a frame is corrupt, or a decompression
// bomb (zstd's RLE blocks make a gigabyte out of a dozen bytes).
constexpr std::size_t kMaxRawBytes = std::size_t{512} << 20;

bool storable(std::string_view w) {
    if (w.empty() || w.size() > kTypoMaxWordBytes) return false;
    return std::all_of(
        w.begin(), w.end(), [](char c) { return static_cast<unsigned char>(c) > ' '; });
}

}  // namespace

void add_word_count(WordCounts& into, std::string_view word, std::uint32_t n) {
    constexpr std::uint32_t kMax = std::numeric_limits<std::uint32_t>::max();
    auto [it, fresh] = into.try_emplace(std::string(word), n);
    if (!fresh) it->second = n > kMax - it->second ? kMax : it->second + n;
}

void add_word_counts(WordCounts& into, const WordCounts& from) {
    for (const auto& [w, n] : from) add_word_count(into, w, n);
}

WordList sorted_words(WordCounts&& counts) {
    WordList out;
    out.reserve(counts.size());
    while (!counts.empty()) {
        auto node = counts.extract(counts.begin());  // the strings move, not copy
        out.emplace_back(std::move(node.key()), node.mapped());
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::string TypoDictionary::encode(WordList words) {
    std::sort(words.begin(), words.end());
    std::string raw;
    std::string_view last;
    bool first = true;
    for (const auto& [w, n] : words) {
        if (!storable(w) || n == 0 || (!first && w == last)) continue;
        raw.append(w).push_back('\t');
        raw.append(std::to_string(n)).push_back('\n');
        last = w;
        first = false;
    }
    std::string out(kTypoMagic);
    const std::size_t bound = ZSTD_compressBound(raw.size());
    out.resize(kTypoMagic.size() + bound);
    const std::size_t n =
        ZSTD_compress(out.data() + kTypoMagic.size(), bound, raw.data(), raw.size(), 3);
    if (ZSTD_isError(n)) return {};  // allocation failure only; read() then says DataLoss
    out.resize(kTypoMagic.size() + n);
    return out;
}

Result<std::shared_ptr<const TypoDictionary>> TypoDictionary::decode(std::string_view bytes,
                                                                     std::string_view key) {
    const std::string_view what = key == kMetaWords ? "spelling vocabulary" : "typo dictionary";
    auto corrupt = [&](const std::string& why) {
        return Error{Errc::DataLoss,
                     "the index's " + std::string(what) + " is damaged (reindex): " + why,
                     std::string(key)};
    };
    if (bytes.substr(0, kTypoMagic.size()) != kTypoMagic) {
        return corrupt("it does not start with '" + std::string(kTypoMagic.substr(0, 13)) + "'");
    }
    bytes.remove_prefix(kTypoMagic.size());
    const unsigned long long size = ZSTD_getFrameContentSize(bytes.data(), bytes.size());
    if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN) {
        return corrupt("not a zstd frame of known size");
    }
    if (size > kMaxRawBytes)
        return corrupt("larger than " + std::to_string(kMaxRawBytes) + " bytes");
    std::string raw(static_cast<std::size_t>(size), '\0');
    const std::size_t got = ZSTD_decompress(raw.data(), raw.size(), bytes.data(), bytes.size());
    if (ZSTD_isError(got) || got != raw.size()) return corrupt("the frame does not decompress");

    auto d = std::make_shared<TypoDictionary>();
    d->blob_.reserve(raw.size());
    d->offsets_.push_back(0);
    std::string_view rest(raw);
    std::size_t line = 0;
    while (!rest.empty()) {
        ++line;
        const auto nl = rest.find('\n');
        if (nl == std::string_view::npos)
            return corrupt("line " + std::to_string(line) + " is not ended");
        const std::string_view l = rest.substr(0, nl);
        rest.remove_prefix(nl + 1);
        const auto tab = l.find('\t');
        const std::string_view w = l.substr(0, tab);
        if (tab == std::string_view::npos || !storable(w)) {
            return corrupt("line " + std::to_string(line) + " is not a word, a tab and a count");
        }
        std::uint32_t n = 0;
        const std::string_view num = l.substr(tab + 1);
        const auto [end, ec] = std::from_chars(num.data(), num.data() + num.size(), n);
        if (ec != std::errc() || end != num.data() + num.size() || n == 0 || num[0] == '+') {
            return corrupt("line " + std::to_string(line) + " has no document count");
        }
        if (!d->docs_.empty() && !(d->word(d->docs_.size() - 1) < w)) {
            return corrupt("line " + std::to_string(line) + " is out of order");
        }
        d->blob_.append(w);
        d->offsets_.push_back(static_cast<std::uint32_t>(d->blob_.size()));
        d->docs_.push_back(n);
    }
    return std::shared_ptr<const TypoDictionary>(std::move(d));
}

std::string TypoDictionary::collect(const Xapian::Database& db, const WordList& words) {
    WordList kept;
    // The words of ids, walked alongside (both lists are in byte order): a word of one card's
    // id is kept when it is all letters, since known-item searches name one card
    // ("robeczech", "openjourney") and ids hold few hashes.
    const std::string id_prefix(kPrefixIdToken);
    auto id = db.allterms_begin(id_prefix);
    const auto id_end = db.allterms_end(id_prefix);
    std::string key;
    for (const auto& [w, n] : words) {
        const bool letters = std::all_of(w.begin(), w.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || static_cast<unsigned char>(c) >= 0x80;
        });
        bool keep = n >= kTypoMinDocs;
        if (!keep && letters) {
            key.assign(id_prefix).append(w);
            if (id != id_end && *id < key) id.skip_to(key);
            keep = id != id_end && *id == key;
        }
        if (!keep) continue;
        // Numbers are never typos of words ("2023" stays).
        if (std::all_of(w.begin(), w.end(), [](char c) { return c >= '0' && c <= '9'; })) continue;
        kept.emplace_back(w, n);
    }
    return encode(std::move(kept));
}

Result<std::shared_ptr<const TypoDictionary>> TypoDictionary::read(const Xapian::Database& db) {
    const std::string bytes = db.get_metadata(std::string(kMetaTypo));
    if (bytes.empty()) return none();
    return decode(bytes);
}

Result<std::shared_ptr<const TypoDictionary>> TypoDictionary::read_words(
    const Xapian::Database& db) {
    const std::string bytes = db.get_metadata(std::string(kMetaWords));
    if (!bytes.empty()) return decode(bytes, kMetaWords);
    // An index from before format 14 (or a renumbered copy of one): the vocabulary is its
    // kPrefixWord terms, whose term frequencies are the counts.
    WordList words;
    const std::string prefix(kPrefixWord);
    for (auto t = db.allterms_begin(prefix); t != db.allterms_end(prefix); ++t) {
        words.emplace_back((*t).substr(prefix.size()),
                           static_cast<std::uint32_t>(std::min<Xapian::doccount>(
                               t.get_termfreq(), std::numeric_limits<std::uint32_t>::max())));
    }
    if (words.empty()) return none();
    return decode(encode(std::move(words)), kMetaWords);
}

std::shared_ptr<const TypoDictionary> TypoDictionary::none() {
    static const std::shared_ptr<const TypoDictionary> empty =
        std::make_shared<const TypoDictionary>();
    return empty;
}

std::uint32_t TypoDictionary::docs(std::string_view w) const noexcept {
    const std::size_t i = lower_bound(w);
    return i < docs_.size() && word(i) == w ? docs_[i] : 0;
}

std::size_t TypoDictionary::lower_bound(std::string_view w) const noexcept {
    std::size_t lo = 0, hi = docs_.size();
    while (lo < hi) {
        const std::size_t mid = lo + (hi - lo) / 2;
        if (word(mid) < w) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

std::vector<TypoMatch> TypoDictionary::nearest(std::string_view q,
                                               unsigned max_distance,
                                               std::size_t limit) const {
    std::vector<TypoMatch> out;
    if (q.empty() || q.size() > kTypoMaxWordBytes || empty() || limit == 0) return out;
    // The words in byte order are the leaves of a trie in depth-first order: consecutive
    // words share their common prefix, so the rows of the distance table for that prefix
    // are computed once (rows[d] is the row of the word's first d bytes). A row's minimum
    // never falls in the rows below it (every cell is at least a cell of the row above, or
    // of the one above that plus 1 for a transposition), so once it exceeds the bound no
    // word with that prefix can be near enough, and the walk jumps past them all with one
    // binary search. The bound tightens to the smallest distance found so far.
    const std::size_t m = q.size();
    unsigned k = max_distance;
    const std::size_t max_depth = m + k;
    std::vector<std::vector<unsigned>> rows(max_depth + 1, std::vector<unsigned>(m + 1));
    for (std::size_t j = 0; j <= m; ++j) rows[0][j] = static_cast<unsigned>(j);
    std::string_view prev;
    std::size_t valid = 0;  // rows[0..valid] hold the rows of prev's first `valid` bytes
    std::vector<std::pair<std::size_t, unsigned>> found;  // word index, distance
    // Only the words with the query's first byte: people rarely mistype a word's first
    // letter (Meilisearch counts such a typo twice), and the walk then reads one branch of
    // the trie instead of all of them (about 15 times fewer rows at a million cards).
    std::size_t i = 0, n = size();
    {
        std::size_t lo = 0, hi = n;
        while (lo < hi) {
            const std::size_t mid = lo + (hi - lo) / 2;
            if (static_cast<unsigned char>(word(mid)[0]) < static_cast<unsigned char>(q[0])) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        i = lo;
        hi = n;
        while (lo < hi) {
            const std::size_t mid = lo + (hi - lo) / 2;
            if (static_cast<unsigned char>(word(mid)[0]) <= static_cast<unsigned char>(q[0])) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        n = lo;
    }
    while (i < n) {
        const std::string_view w = word(i);
        std::size_t d = 0;
        const std::size_t common = std::min(valid, std::min(prev.size(), w.size()));
        while (d < common && prev[d] == w[d]) ++d;
        const std::size_t cap = std::min(w.size(), m + k);
        bool dead = false;
        while (d < cap) {
            const char c = w[d];
            ++d;
            auto& row = rows[d];
            const auto& up = rows[d - 1];
            row[0] = static_cast<unsigned>(d);
            unsigned low = row[0];
            for (std::size_t j = 1; j <= m; ++j) {
                unsigned v =
                    std::min({up[j] + 1, row[j - 1] + 1, up[j - 1] + (q[j - 1] == c ? 0u : 1u)});
                if (d > 1 && j > 1 && q[j - 1] == w[d - 2] && q[j - 2] == c) {
                    v = std::min(v, rows[d - 2][j - 2] + 1);
                }
                row[j] = v;
                low = std::min(low, v);
            }
            if (low > k) {
                dead = true;
                break;
            }
        }
        prev = w;
        valid = d;
        if (dead) {
            // Every following word starting with w's first d bytes: none is near enough.
            const std::string_view stem = w.substr(0, d);
            std::size_t lo = i + 1, hi = n;
            while (lo < hi) {
                const std::size_t mid = lo + (hi - lo) / 2;
                if (word(mid).substr(0, d) == stem) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            i = lo;
            continue;
        }
        if (d == w.size()) {
            const unsigned dist = rows[d][m];
            if (dist >= 1 && dist <= k) {
                if (dist < k) {
                    k = dist;
                    found.clear();
                }
                found.emplace_back(i, dist);
            }
        }
        ++i;
    }
    std::sort(found.begin(), found.end(), [&](const auto& a, const auto& b) {
        if (docs_[a.first] != docs_[b.first]) return docs_[a.first] > docs_[b.first];
        return a.first < b.first;
    });
    for (const auto& [at, dist] : found) {
        if (out.size() == limit) break;
        out.push_back({std::string(word(at)), docs_[at], dist});
    }
    return out;
}

}  // namespace cardex::index
