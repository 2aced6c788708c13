#include "columns.h"

#include <algorithm>
#include <map>

namespace cardex::query {

namespace idx = cardex::index;

namespace {

using Key = std::string;  // the snapshot (Columns::of)

std::mutex g_cache_mu;
std::map<Key, std::weak_ptr<Columns>>& cache() {
    static std::map<Key, std::weak_ptr<Columns>> c;
    return c;
}

// Terms of a facet with their values; single-letter prefixes (A, K, L) also start terms of
// other prefixes only if those begin with a capital, which facet values never do.
template <class Fn>
void for_each_facet_term(const Xapian::Database& db, idx::Facet f, Fn&& fn) {
    const std::string prefix(idx::facet_info(f).prefix);
    for (auto t = db.allterms_begin(prefix); t != db.allterms_end(prefix); ++t) {
        const std::string term = *t;
        std::string_view value = idx::facet_value(f, term);
        if (prefix.size() == 1 && !value.empty() && value[0] >= 'A' && value[0] <= 'Z') continue;
        fn(term, value);
    }
}

}  // namespace

std::shared_ptr<Columns> Columns::of(const Xapian::Database& db, const std::string& snapshot) {
    const Key& key = snapshot;
    std::lock_guard g(g_cache_mu);
    auto& c = cache();
    if (auto it = c.find(key); it != c.end()) {
        if (auto sp = it->second.lock()) return sp;
    }
    // Forget entries nobody holds any more.
    for (auto it = c.begin(); it != c.end();) {
        it = it->second.expired() ? c.erase(it) : std::next(it);
    }
    std::shared_ptr<Columns> cols(new Columns());
    cols->build_base(db);
    c[key] = cols;
    return cols;
}

void Columns::build_base(const Xapian::Database& db) {
    lastdocid_ = db.get_lastdocid();
    present_.assign(lastdocid_ + 2, 0);
    private_.assign(lastdocid_ + 2, 0);
    // Every document has exactly one type term: its postlists are the live documents.
    for_each_facet_term(db, idx::Facet::Type, [&](const std::string& term, std::string_view) {
        for (auto p = db.postlist_begin(term); p != db.postlist_end(term); ++p) present_[*p] = 1;
    });
    const std::string priv(idx::kTermPrivate);
    for (auto p = db.postlist_begin(priv); p != db.postlist_end(priv); ++p) private_[*p] = 1;
    for (std::uint32_t d = 1; d <= lastdocid_; ++d) public_count_ += present_[d] && !private_[d];
}

const DocLengths& Columns::doclengths(const Xapian::Database& db) {
    std::lock_guard g(mu_);
    if (!doclengths_) doclengths_ = std::make_unique<DocLengths>(read_doclengths(db));
    return *doclengths_;
}

const FacetColumn& Columns::facet(const Xapian::Database& db, idx::Facet f) {
    std::lock_guard g(mu_);
    auto& slot = facets_[static_cast<std::size_t>(f)];
    if (slot) return *slot;
    auto col = std::make_unique<FacetColumn>();
    // Two passes over the postlists (count, then fill) build the CSR arrays without a
    // temporary list of (docid, ordinal) pairs.
    std::vector<std::uint32_t> count(lastdocid_ + 2, 0);
    std::vector<std::string> terms;
    for_each_facet_term(db, f, [&](const std::string& term, std::string_view value) {
        col->ordinal.emplace(std::string(value), static_cast<std::uint32_t>(col->values.size()));
        col->values.emplace_back(value);
        terms.push_back(term);
        for (auto p = db.postlist_begin(term); p != db.postlist_end(term); ++p) ++count[*p];
    });
    col->offsets.assign(lastdocid_ + 2, 0);
    for (std::uint32_t d = 1; d <= lastdocid_ + 1; ++d)
        col->offsets[d] = col->offsets[d - 1] + count[d - 1];
    // offsets[d] is where docid d starts; offsets[lastdocid + 1] closes the last one.
    std::vector<std::uint32_t> fill(col->offsets.begin(), col->offsets.end());
    col->ords.resize(col->offsets[lastdocid_ + 1]);
    for (std::uint32_t ord = 0; ord < terms.size(); ++ord) {
        for (auto p = db.postlist_begin(terms[ord]); p != db.postlist_end(terms[ord]); ++p) {
            col->ords[fill[*p]++] = ord;
        }
    }
    // Only for a facet with values: counting from `single` adds zero to the first counter
    // for a card without one, and a facet without values has no counters at all.
    if (!col->values.empty() &&
        std::all_of(count.begin(), count.end(), [](std::uint32_t n) { return n <= 1; })) {
        col->single.assign(lastdocid_ + 2, FacetColumn::kNoValue);
        for (std::uint32_t d = 1; d <= lastdocid_; ++d) {
            if (count[d] == 1) col->single[d] = col->ords[col->offsets[d]];
        }
    }
    slot = std::move(col);
    return *slot;
}

const ValueColumn& Columns::value(const Xapian::Database& db, Xapian::valueno slot) {
    std::lock_guard g(mu_);
    return value_locked(db, slot);
}

const ValueColumn& Columns::value_locked(const Xapian::Database& db, Xapian::valueno slot) {
    auto& col = values_[slot];
    if (col) return *col;
    col = std::make_unique<ValueColumn>(lastdocid_ + 2, -1.0);
    for (auto v = db.valuestream_begin(slot); v != db.valuestream_end(slot); ++v) {
        (*col)[v.get_docid()] = Xapian::sortable_unserialise(*v);
    }
    return *col;
}

const std::vector<std::uint64_t>& Columns::public_counts(const Xapian::Database& db, idx::Facet f) {
    const FacetColumn& col = facet(db, f);  // takes the lock itself
    std::lock_guard g(mu_);
    auto& slot = public_counts_[static_cast<std::size_t>(f)];
    if (slot) return *slot;
    auto counts = std::make_unique<std::vector<std::uint64_t>>(col.values.size(), 0);
    for (std::uint32_t d = 1; d <= lastdocid_; ++d) {
        if (!present_[d] || private_[d]) continue;
        for (const std::uint32_t* o = col.begin(d); o != col.end(d); ++o) ++(*counts)[*o];
    }
    slot = std::move(counts);
    return *slot;
}

const Lineage& Columns::lineage(const Xapian::Database& db) {
    const FacetColumn& base = facet(db, idx::Facet::BaseModel);  // each takes the lock itself
    const FacetColumn& type = facet(db, idx::Facet::Type);
    std::lock_guard g(mu_);
    if (!lineage_) {
        lineage_ = std::make_unique<Lineage>(build_lineage(db, base, type, present_, lastdocid_));
    }
    return *lineage_;
}

const std::vector<std::uint32_t>& Columns::order(const Xapian::Database& db, Xapian::valueno slot) {
    std::lock_guard g(mu_);
    auto& ord = orders_[slot];
    if (ord) return *ord;
    const ValueColumn& v = value_locked(db, slot);
    auto out = std::make_unique<std::vector<std::uint32_t>>();
    out->reserve(lastdocid_);
    for (std::uint32_t d = 1; d <= lastdocid_; ++d) {
        if (present_[d]) out->push_back(d);
    }
    std::stable_sort(
        out->begin(), out->end(), [&](std::uint32_t a, std::uint32_t b) { return v[a] > v[b]; });
    ord = std::move(out);
    return *ord;
}

}  // namespace cardex::query
