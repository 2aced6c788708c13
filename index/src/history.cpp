// Record history for harvesters: datestamps carried across writes, tombstones in metadata.
// See cardex/index/history.h.
#include "cardex/index/history.h"

#include <charconv>
#include <unordered_set>

#include "cardex/index/errors.h"
#include "cardex/index/schema.h"
#include "cardex/index/store.h"
#include "cardex/index/summary.h"

namespace cardex::index {

namespace {

// Tombstone value: "1<TAB>deleted_at<TAB>private<TAB>author<TAB>reuse<TAB>task,task". The
// leading version lets a later format add fields; ids, authors and tasks hold no tab.
constexpr char kSep = '\t';

std::string encode(const Tombstone& t) {
    std::string v = "1";
    v += kSep;
    v += std::to_string(t.deleted_at);
    v += kSep;
    v += t.is_private ? '1' : '0';
    v += kSep;
    v += t.author;
    v += kSep;
    v += t.reuse;
    v += kSep;
    for (std::size_t i = 0; i < t.tasks.size(); ++i) {
        if (i > 0) v += ',';
        v += t.tasks[i];
    }
    return v;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (true) {
        const auto at = s.find(sep, start);
        out.push_back(s.substr(start, at == std::string_view::npos ? at : at - start));
        if (at == std::string_view::npos) return out;
        start = at + 1;
    }
}

// `key` is the record key ("type/id"), `value` the metadata value.
std::optional<Tombstone> decode(std::string_view key, std::string_view value) {
    const auto slash = key.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    auto type = parse_card_type(key.substr(0, slash));
    const auto f = split(value, kSep);
    if (!type || f.size() != 6 || f[0] != "1") return std::nullopt;
    Tombstone t;
    t.type = *type;
    t.id = std::string(key.substr(slash + 1));
    const auto [p, ec] = std::from_chars(f[1].data(), f[1].data() + f[1].size(), t.deleted_at);
    if (ec != std::errc() || p != f[1].data() + f[1].size() || t.id.empty()) return std::nullopt;
    t.is_private = f[2] == "1";
    t.author = std::string(f[3]);
    t.reuse = std::string(f[4]);
    if (!f[5].empty()) {
        for (auto task : split(f[5], ',')) t.tasks.emplace_back(task);
    }
    return t;
}

std::string meta_key(std::string_view record) {
    std::string k(kMetaTombstonePrefix);
    k.append(record);
    return k;
}

}  // namespace

std::uint64_t key_hash(CardType type, std::string_view id) noexcept {
    std::uint64_t h = 0xcbf29ce484222325ull;
    auto mix = [&h](std::string_view s) {
        for (const unsigned char c : s) {
            h ^= c;
            h *= 0x100000001b3ull;
        }
    };
    mix(card_type_name(type));
    mix("/");
    mix(id);
    return h >> 11;  // 53 bits: a double holds it exactly
}

std::string record_key(CardType type, std::string_view id) {
    std::string k(card_type_name(type));
    k.push_back('/');
    k.append(id);
    return k;
}

Tombstone tombstone_of(const Card& c, std::int64_t deleted_at) {
    Tombstone t;
    t.type = c.type;
    t.id = c.id;
    t.author = c.author;
    t.deleted_at = deleted_at;
    t.is_private = c.is_private;
    t.reuse = c.reuse;
    t.tasks = c.tasks;
    return t;
}

void record_tombstone(Xapian::WritableDatabase& db, const Tombstone& t) {
    db.set_metadata(meta_key(record_key(t.type, t.id)), encode(t));
}

void clear_tombstone(Xapian::WritableDatabase& db, CardType type, std::string_view id) {
    const std::string k = meta_key(record_key(type, id));
    if (!db.get_metadata(k).empty()) db.set_metadata(k, std::string());  // empty = removed
}

std::optional<Tombstone> find_tombstone(const Xapian::Database& db,
                                        CardType type,
                                        std::string_view id) {
    const std::string record = record_key(type, id);
    const std::string v = db.get_metadata(meta_key(record));
    if (v.empty()) return std::nullopt;
    return decode(record, v);
}

TombstoneScan scan_tombstones(const Xapian::Database& db,
                              std::string_view after,
                              std::size_t max_scan) {
    TombstoneScan scan;
    const std::string prefix(kMetaTombstonePrefix);
    auto it = db.metadata_keys_begin(prefix);
    const auto end = db.metadata_keys_end(prefix);
    if (!after.empty()) {
        it.skip_to(meta_key(after));
        if (it != end && *it == meta_key(after)) ++it;
    }
    std::size_t read = 0;
    for (; it != end && read < max_scan; ++it, ++read) {
        const std::string k = *it;
        const std::string_view record = std::string_view(k).substr(prefix.size());
        scan.last.assign(record);
        if (auto t = decode(record, db.get_metadata(k))) {
            scan.items.push_back(std::move(*t));
        } else {
            ++scan.skipped;
        }
    }
    scan.end = it == end;
    return scan;
}

std::int64_t carried_datestamp(const Xapian::Database& db, const Card& card, std::int64_t now) {
    if (card.datestamp >= 0) return card.datestamp;
    if (card.sha.empty()) return now;
    const std::string q = id_term(card_type_name(card.type), card.id);
    for (auto p = db.postlist_begin(q); p != db.postlist_end(q); ++p) {
        const Xapian::Document doc = db.get_document(*p, Xapian::DOC_ASSUME_VALID);
        const std::string stamp = doc.get_value(kSlotDatestamp);
        if (doc.get_value(kSlotSha) == card.sha && !stamp.empty()) {
            return static_cast<std::int64_t>(Xapian::sortable_unserialise(stamp));
        }
    }
    return now;
}

Result<HistoryCarrier> HistoryCarrier::open(const std::string& previous, std::int64_t now) {
    HistoryCarrier h;
    h.previous_ = previous;
    h.now_ = now;
    if (previous.empty()) return h;
    try {
        h.old_.emplace(previous, Xapian::DB_BACKEND_GLASS);
        if (!check_format(*h.old_)) {
            h.old_.reset();  // another format: its slots mean other things
        } else {
            // Private cards keep their datestamps too.
            h.tombstone_dbs_.push_back(*h.old_);
            for (const auto& p : private_databases(previous)) {
                h.tombstone_dbs_.emplace_back(p.path, Xapian::DB_BACKEND_GLASS);
                h.old_->add_database(h.tombstone_dbs_.back());
            }
        }
    } catch (const Xapian::DatabaseOpeningError&) {
        h.old_.reset();  // gone or never finished: nothing to inherit
        h.tombstone_dbs_.clear();
    } catch (const Xapian::Error& e) {
        return error_from_xapian(e, "cannot read the record history of " + previous);
    }
    return h;
}

Status HistoryCarrier::stamp(Card& c) {
    if (c.datestamp >= 0) return Ok{};
    try {
        c.datestamp = old_ ? carried_datestamp(*old_, c, now_) : now_;
    } catch (const Xapian::Error& e) {
        return error_from_xapian(e, "cannot read the record history of " + previous_);
    }
    if (c.datestamp == now_) {
        ++carry_.stamped;
    } else {
        ++carry_.carried;
    }
    return Ok{};
}

Result<HistoryCarry> HistoryCarrier::finish(
    const std::function<bool(std::string_view record)>& kept) {
    if (!old_) return std::move(carry_);
    carry_.previous_read = true;
    try {
        // Tombstones of cards still gone.
        for (const auto& db : tombstone_dbs_) {
            for (TombstoneScan scan; !scan.end;) {
                scan = scan_tombstones(db, scan.last, 4096);
                for (auto& t : scan.items) {
                    if (!kept(record_key(t.type, t.id))) carry_.tombstones.push_back(std::move(t));
                }
            }
        }
        // Cards of the old generation that the new one drops. A damaged dictionary leaves
        // its summaries unreadable, like any other damage to them.
        auto dict = summary_dictionary(*old_);
        const SummaryDictionary* summaries = dict ? dict.value().get() : nullptr;
        const std::string q(kPrefixId);
        for (auto t = old_->allterms_begin(q); t != old_->allterms_end(q); ++t) {
            const std::string term = *t;
            if (kept(std::string_view(term).substr(q.size()))) continue;
            auto p = old_->postlist_begin(term);
            if (p == old_->postlist_end(term)) continue;
            auto card =
                decode_summary(old_->get_document(*p).get_data(), SummaryParts::Listing, summaries);
            if (!card) continue;  // a summary we cannot read has no set to report
            ++carry_.dropped;
            carry_.tombstones.push_back(tombstone_of(*card, now_));
        }
    } catch (const Xapian::Error& e) {
        return error_from_xapian(e, "cannot read the record history of " + previous_);
    }
    return std::move(carry_);
}

Result<HistoryCarry> carry_history(const std::string& previous,
                                   std::vector<Card>& cards,
                                   std::int64_t now) {
    auto h = HistoryCarrier::open(previous, now);
    if (!h) return std::move(h).error();
    std::unordered_set<std::string> keys;
    keys.reserve(cards.size());
    for (auto& c : cards) {
        keys.insert(record_key(c.type, c.id));
        if (auto st = h->stamp(c); !st) return std::move(st).error();
    }
    return h->finish([&](std::string_view k) { return keys.count(std::string(k)) > 0; });
}

void write_tombstones(Xapian::WritableDatabase& db, const std::vector<Tombstone>& tombstones) {
    for (const auto& t : tombstones) record_tombstone(db, t);
}

}  // namespace cardex::index
