// Searcher's calls other than search (searcher.h): one card, similar cards, the model tree,
// deletion records, the vocabulary, index info and warming.
#include <algorithm>
#include <chrono>
#include <optional>

#include "cardex/index/history.h"
#include "cardex/index/summary.h"
#include "lineage.h"
#include "searcher_impl.h"

namespace cardex::query {

Result<idx::Card> Searcher::get(idx::CardType type,
                                const std::string& id,
                                const std::vector<std::string>& private_namespaces,
                                bool all_private) {
    return impl_->with_retry([&]() -> Result<idx::Card> {
        auto& db = impl_->db_for(private_namespaces, all_private);
        const std::string qterm = idx::id_term(idx::card_type_name(type), id);
        for (auto p = db.postlist_begin(qterm); p != db.postlist_end(qterm); ++p) {
            auto card = idx::decode_summary(db.get_document(*p).get_data(),
                                            idx::SummaryParts::WithMarkdown,
                                            impl_->summaries.get());
            if (!card) return std::move(card).error();
            // Namespaces compare exactly, as on the Hub (see exact_namespaces).
            const bool mine = std::any_of(
                private_namespaces.begin(), private_namespaces.end(), [&](const std::string& ns) {
                    return ns == card->author;
                });
            if (card->is_private && !all_private && !mine) {
                break;  // answers exactly like a missing card
            }
            return card;
        }
        return make_error(Errc::NotFound, "no such card", id);
    });
}

Result<std::vector<Hit>> Searcher::similar(idx::CardType type,
                                           const std::string& id,
                                           std::size_t limit,
                                           const std::vector<std::string>& private_namespaces,
                                           bool all_private) {
    auto card = get(type, id, private_namespaces, all_private);
    if (!card) return std::move(card).error();
    return impl_->with_retry([&]() -> Result<std::vector<Hit>> {
        auto& db = impl_->db_for(private_namespaces, all_private);
        const std::string qterm = idx::id_term(idx::card_type_name(type), id);
        Xapian::PostingIterator p = db.postlist_begin(qterm);
        Xapian::RSet rset;
        for (; p != db.postlist_end(qterm); ++p) rset.add_document(*p);
        Xapian::Enquire enquire(db);
        enquire.set_query(match_all());
        // Text terms only: facet and identity terms are prefixed with capitals.
        struct TextOnly : Xapian::ExpandDecider {
            bool operator()(const std::string& t) const override {
                return !t.empty() && !(t[0] >= 'A' && t[0] <= 'Z') && t.size() > 2;
            }
        } decider;
        Xapian::ESet eset = enquire.get_eset(24, rset, &decider);
        std::vector<Xapian::Query> terms;
        for (auto e = eset.begin(); e != eset.end(); ++e) terms.emplace_back(*e);
        if (terms.empty()) return std::vector<Hit>{};
        Xapian::Query q(Xapian::Query::OP_OR, terms.begin(), terms.end());
        q = Xapian::Query(Xapian::Query::OP_AND_NOT, q, Xapian::Query(qterm));
        q = apply_visibility(q, exact_namespaces(db, private_namespaces), all_private);
        const Budget& limits = impl_->call_budget;
        BudgetSpy spy(limits);
        // (Over shards, the servers' time limit bounds it: no source of ours can cross.)
        if (impl_->remotes.empty() && !BudgetCheck::is_unlimited(limits)) {
            auto* source = new BudgetSource(limits, db.get_lastdocid());
            q = Xapian::Query(Xapian::Query::OP_FILTER, q, Xapian::Query(source->release()));
            enquire.add_matchspy(&spy);
        }
        enquire.set_query(q);
        Xapian::MSet mset = enquire.get_mset(0, static_cast<Xapian::doccount>(limit));
        std::vector<Hit> hits;
        for (auto it = mset.begin(); it != mset.end(); ++it) {
            auto c = idx::decode_summary(
                it.get_document().get_data(), idx::SummaryParts::Listing, impl_->summaries.get());
            if (!c) return std::move(c).error();
            hits.push_back({std::move(c).value(), it.get_weight(), {}, {}, {}});
        }
        return hits;
    });
}

Result<DerivedCounts> Searcher::derived(const std::string& model_id,
                                        const std::vector<std::string>& private_namespaces,
                                        bool all_private) {
    return impl_->with_retry([&]() -> Result<DerivedCounts> {
        // The snapshot of exactly what the caller may see (db_for): its tree counts nothing
        // else.
        auto& db = impl_->db_for(private_namespaces, all_private);
        if (!impl_->remotes.empty()) return derived_over_shards(db, model_id);
        auto cols = Columns::of(db, impl_->snapshot(db));
        impl_->columns = cols;
        return derived_of(*cols, db, model_id);
    });
}

namespace {

// What a search over remote shards does not offer (docs/SCALE.md, "Shards").
Error not_over_shards(const char* what) {
    return make_error(Errc::FailedPrecondition,
                      std::string(what) +
                          " are not served over remote shards; ask a shard's "
                          "own index",
                      "remote shards");
}

// Namespaces compare exactly, as on the Hub (see exact_namespaces).
bool may_see(const idx::Tombstone& t,
             const std::vector<std::string>& private_namespaces,
             bool all_private) {
    if (!t.is_private || all_private) return true;
    return std::any_of(private_namespaces.begin(),
                       private_namespaces.end(),
                       [&](const std::string& ns) { return ns == t.author; });
}

}  // namespace

Result<DeletedScan> Searcher::deleted(const std::string& after,
                                      std::size_t max_scan,
                                      const std::vector<std::string>& private_namespaces,
                                      bool all_private) {
    if (!impl_->remotes.empty()) return not_over_shards("deletion records");
    return impl_->with_retry([&]() -> Result<DeletedScan> {
        // The records of the public database and of the caller's private ones (each keeps
        // its own cards' records, index/store.h), merged in key order: a scan never steps
        // over a record the caller may not see. Each database is scanned from `after`; the
        // merge ends at the first key where one of them stopped before its end.
        auto& db = impl_->db_for(private_namespaces, all_private);
        auto parts = impl_->parts_of(db);
        if (parts.empty()) parts.push_back(&impl_->live.db);
        std::vector<idx::Tombstone> items;
        std::optional<std::string> stop;  // the smallest key where a scan stopped early
        for (const auto* part : parts) {
            auto scan = idx::scan_tombstones(*part, after, max_scan);
            if (!scan.end && (!stop || scan.last < *stop)) stop = scan.last;
            for (auto& t : scan.items) items.push_back(std::move(t));
        }
        std::sort(items.begin(), items.end(), [](const idx::Tombstone& a, const idx::Tombstone& b) {
            return idx::record_key(a.type, a.id) < idx::record_key(b.type, b.id);
        });
        DeletedScan out;
        out.end = !stop.has_value();
        for (auto& t : items) {
            std::string key = idx::record_key(t.type, t.id);
            if (stop && key > *stop) break;
            out.last = std::move(key);
            if (may_see(t, private_namespaces, all_private)) out.items.push_back(std::move(t));
        }
        if (stop) out.last = *stop;
        return out;
    });
}

Result<std::optional<idx::Tombstone>> Searcher::deleted_card(
    idx::CardType type,
    const std::string& id,
    const std::vector<std::string>& private_namespaces,
    bool all_private) {
    if (!impl_->remotes.empty()) return not_over_shards("deletion records");
    return impl_->with_retry([&]() -> Result<std::optional<idx::Tombstone>> {
        auto& db = impl_->db_for(private_namespaces, all_private);
        auto parts = impl_->parts_of(db);
        if (parts.empty()) parts.push_back(&impl_->live.db);
        for (const auto* part : parts) {
            auto t = idx::find_tombstone(*part, type, id);
            if (t && may_see(*t, private_namespaces, all_private)) return t;
        }
        return std::optional<idx::Tombstone>{};
    });
}

std::uint64_t Searcher::retried() const noexcept {
    return impl_->retries;
}

Result<std::shared_ptr<const idx::Vocabulary>> Searcher::vocabulary() {
    return impl_->with_retry([&]() -> Result<std::shared_ptr<const idx::Vocabulary>> {
        auto lex = impl_->current_lexicon();
        if (!lex) return std::move(lex).error();
        return lex.value()->vocabulary;
    });
}

void Searcher::set_call_budget(const Budget& budget) noexcept {
    impl_->call_budget = budget;
}

Result<IndexInfo> Searcher::info(bool count_private) {
    return impl_->with_retry([&]() -> Result<IndexInfo> {
        IndexInfo i;
        i.cards = impl_->live.db.get_doccount();
        if (!impl_->remotes.empty()) {  // get_revision() is of one database only
            i.generation = impl_->live.generation;
            return i;
        }
        i.revision = impl_->live.db.get_revision();
        i.generation = impl_->live.generation;
        i.warm = may_switch(impl_->dir, impl_->live.generation);
        if (count_private) {
            for (const auto& p : idx::private_databases(impl_->live.generation)) {
                i.private_cards +=
                    Xapian::Database(p.path, Xapian::DB_BACKEND_GLASS).get_doccount();
                ++i.private_namespaces;
            }
        }
        return i;
    });
}

void Searcher::hold_generations_until_warm(const std::string& dir) {
    hold_until_warm(dir);
}

Result<WarmStats> Searcher::warm() {
    impl_->warming = true;
    auto r = impl_->with_retry([&]() -> Result<WarmStats> {
        const auto t0 = std::chrono::steady_clock::now();
        auto& db = impl_->live.db;
        std::shared_ptr<Columns> cols;
        if (impl_->remotes.empty()) {  // shards keep no columns here
            cols = Columns::of(db, impl_->snapshot(db));
            impl_->columns = cols;  // held: the cache keeps them while this Searcher does
            warm_columns(db, *cols);
            // The position store's pair filter is read and checked once per process and
            // generation (positional.h, shared_pair_filter): here, not in a first phrase
            // search, and held while this searcher is on the generation.
            impl_->position_store();
        }
        auto lex = impl_->current_lexicon();
        if (!lex) return std::move(lex).error();
        WarmStats w;
        w.generation = impl_->live.generation;
        if (cols) {
            const auto t1 = std::chrono::steady_clock::now();
            const TermWarmth terms = warm_terms(db, *cols, *lex.value());
            w.words = terms.words;
            w.word_bytes = terms.bitmap_bytes + terms.impact_bytes;
            w.words_ms =
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t1)
                    .count();
        }
        w.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                   .count();
        return w;
    });
    impl_->warming = false;
    if (r) mark_warm(impl_->dir, r->generation);
    return r;
}

}  // namespace cardex::query
