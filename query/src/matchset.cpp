#include "matchset.h"

#include <algorithm>
#include <iterator>
#include <optional>

#include "phrases.h"
#include "positional.h"
#include "query_builder.h"
#include "query_tree.h"

namespace cardex::query {

namespace {

using Docids = std::vector<std::uint32_t>;

class Collector : public Xapian::MatchSpy {
  public:
    Collector(Docids& out, BudgetCheck& budget) : out_(out), budget_(budget) {}
    void operator()(const Xapian::Document& doc, double) override {
        budget_();
        out_.push_back(doc.get_docid());
    }

  private:
    Docids& out_;
    BudgetCheck& budget_;
};

void by_matcher(const Xapian::Database& db, const Xapian::Query& q, Docids& out,
                BudgetCheck& budget, const Budget& limits) {
    out.clear();
    Xapian::Enquire e(db);
    // The source checks the budget while the matcher rejects candidates (phrases, NEAR),
    // where the spy is not called.
    if (budget.unlimited()) {
        e.set_query(q);
    } else {
        auto* source = new BudgetSource(limits, db.get_lastdocid());
        e.set_query(Xapian::Query(Xapian::Query::OP_FILTER, q, Xapian::Query(source->release())));
    }
    e.set_weighting_scheme(Xapian::BoolWeight());
    e.set_docid_order(Xapian::Enquire::ASCENDING);
    Collector spy(out, budget);
    e.add_matchspy(&spy);
    e.get_mset(0, 0, db.get_doccount());
    std::sort(out.begin(), out.end());
}

// nullopt: this query needs the matcher. Set operations on bitmaps: frequent terms come from
// the revision's cache (termsets.h), rare ones are decoded here.
// `within` (null: every card) narrows what direct() must get right: its result agrees with
// the query's matches on the cards of `within`, and may hold others, which the caller's
// intersection drops. Only phrases use it, to read positions for fewer cards.
std::optional<DocSet> direct(const Xapian::Database& db,
                             const Xapian::Query& q,
                             TermSets& sets,
                             BudgetCheck& budget,
                             PositionalContext* positions,
                             const Roaring* within);

// An exact phrase of plain terms on a store: the AND of its words' bitmaps (within
// `within`, if set), each card of it checked on the store (PhraseChecker: cards a writer
// rewrote through Xapian).
std::optional<DocSet> phrase_set(const Xapian::Database& db,
                                 const Xapian::Query& q,
                                 TermSets& sets,
                                 BudgetCheck& budget,
                                 PositionalContext& positions,
                                 const Roaring* within) {
    const auto required = required_phrases(q);  // this phrase alone, if it is one we check
    if (!required || required->size() != 1) return std::nullopt;
    Roaring words = within != nullptr ? *within : *sets.get(db, required->front()[0], budget);
    for (const auto& term : required->front()) words &= *sets.get(db, term, budget);
    PhraseChecker checker(db, &positions, *required);
    Docids held;
    for (const std::uint32_t d : words) {
        budget();
        if (checker.holds(d)) held.push_back(d);
    }
    positions.store_checks += checker.store_checks();
    positions.xapian_checks += checker.xapian_checks();
    positions.pair_rejects += checker.pair_rejects();
    auto out = std::make_shared<Roaring>();
    out->addMany(held.size(), held.data());
    return out;
}

std::optional<DocSet> direct(const Xapian::Database& db,
                             const Xapian::Query& q,
                             TermSets& sets,
                             BudgetCheck& budget,
                             PositionalContext* positions,
                             const Roaring* within) {
    using Q = Xapian::Query;
    switch (q.get_type()) {
        case Q::OP_PHRASE:
            if (positions == nullptr || positions->store == nullptr) return std::nullopt;
            return phrase_set(db, q, sets, budget, *positions, within);
        case Q::LEAF_TERM:
            return sets.get(db, *q.get_unique_terms_begin(), budget);
        case Q::LEAF_MATCH_NOTHING:
            return std::make_shared<const Roaring>();
        case Q::OP_SCALE_WEIGHT:
            return direct(db, q.get_subquery(0), sets, budget, positions, within);
        case Q::OP_AND:
        case Q::OP_FILTER:
        case Q::OP_OR:
        case Q::OP_AND_NOT: {
            const auto type = q.get_type();
            const std::size_t n = q.get_num_subqueries();
            std::vector<DocSet> parts(n);
            // The parts without phrases first: an AND's phrases are then read only on the
            // cards its other parts hold, an AND_NOT's excluded phrases on the cards of its
            // first part.
            Roaring narrowed;
            const Roaring* inner = within;
            for (const bool phrases : {false, true}) {
                if (phrases && type != Q::OP_OR) {
                    bool any = false;
                    for (std::size_t i = 0; i < n; ++i) {
                        if (!parts[i] || (type == Q::OP_AND_NOT && i > 0)) continue;
                        narrowed = any ? narrowed & *parts[i] : *parts[i];
                        any = true;
                    }
                    if (any) {
                        if (within != nullptr) narrowed &= *within;
                        inner = &narrowed;
                    }
                }
                for (std::size_t i = 0; i < n; ++i) {
                    const Xapian::Query part = q.get_subquery(i);
                    if (needs_positions(part) != phrases) continue;
                    auto p = direct(db, part, sets, budget, positions, inner);
                    if (!p) return std::nullopt;
                    parts[i] = std::move(*p);
                }
            }
            if (parts.empty()) return std::make_shared<const Roaring>();
            if (parts.size() == 1) return parts[0];
            budget.now();
            if (type == Q::OP_OR) {
                std::vector<const Roaring*> in;
                for (const auto& p : parts) in.push_back(p.get());
                return std::make_shared<const Roaring>(Roaring::fastunion(in.size(), in.data()));
            }
            if (type == Q::OP_AND_NOT) {
                Roaring acc = *parts[0] - *parts[1];
                for (std::size_t i = 2; i < parts.size(); ++i) acc -= *parts[i];
                return std::make_shared<const Roaring>(std::move(acc));
            }
            // AND / FILTER: intersect, smallest first, so every step is at most the size of
            // the smallest set.
            std::sort(parts.begin(), parts.end(), [](const DocSet& a, const DocSet& b) {
                return a->cardinality() < b->cardinality();
            });
            Roaring acc = *parts[0] & *parts[1];
            for (std::size_t i = 2; i < parts.size() && !acc.isEmpty(); ++i) acc &= *parts[i];
            return std::make_shared<const Roaring>(std::move(acc));
        }
        default:
            return std::nullopt;
    }
}

}  // namespace

void match_set(const Xapian::Database& db,
               const std::vector<const Xapian::Database*>& parts,
               const Xapian::Query& q,
               Docids& out,
               TermSets& sets,
               BudgetCheck& budget,
               const std::shared_ptr<PositionalContext>& positions) {
    // Postlists of a multi-database carry its own docids: direct() needs no mapping. Its
    // phrases (phrase_set) read the store by docid: only for the store's database alone.
    PositionalContext* alone = parts.size() <= 1 ? positions.get() : nullptr;
    if (auto d = direct(db, q, sets, budget, alone, nullptr)) {
        out.resize((*d)->cardinality());
        (*d)->toUint32Array(out.data());
        return;
    }
    if (parts.size() <= 1) {
        by_matcher(db, positions ? on_store(q, positions) : q, out, budget, budget.limits());
        return;
    }
    const auto n = static_cast<std::uint32_t>(parts.size());
    out.clear();
    Docids local;
    // Each part's sources read the store only in the store's own database (positional.h).
    const Xapian::Query each = positions ? on_store(q, positions) : q;
    for (std::uint32_t i = 0; i < n; ++i) {
        by_matcher(*parts[i], each, local, budget, budget.limits());
        for (auto d : local) out.push_back((d - 1) * n + i + 1);
    }
    std::sort(out.begin(), out.end());
}

bool direct_set(const Xapian::Database& db,
                const Xapian::Query& q,
                Docids& out,
                TermSets& sets,
                BudgetCheck& budget) {
    auto d = direct(db, q, sets, budget, nullptr, nullptr);
    if (!d) return false;
    out.resize((*d)->cardinality());
    (*d)->toUint32Array(out.data());
    return true;
}

std::optional<DocSet> direct_bitmap(const Xapian::Database& db,
                                    const Xapian::Query& q,
                                    TermSets& sets,
                                    BudgetCheck& budget) {
    return direct(db, q, sets, budget, nullptr, nullptr);
}

void match_within(const Xapian::Database& db,
                  const Xapian::Query& q,
                  const Docids& within,
                  Docids& out,
                  BudgetCheck& budget) {
    by_matcher(db,
               Xapian::Query(Xapian::Query::OP_FILTER, q, Xapian::Query(docid_set_source(within))),
               out,
               budget,
               budget.limits());
}

void add_postings(const Xapian::Database& db,
                  TermSets& sets,
                  const std::vector<std::string>& terms,
                  Docids& out,
                  BudgetCheck& budget) {
    // From the terms' bitmaps (cached per revision for the frequent ones, termsets.h): a
    // filter's postings decoded from Xapian cost about 11 ns each, 2.1 ms for a
    // 190,000-card license at 1M cards, on every listing that names it.
    Roaring any;
    DocSet one;
    for (const auto& t : terms) {
        DocSet s = sets.get(db, t, budget);
        if (s->isEmpty()) continue;
        if (!one) {
            one = std::move(s);
            continue;
        }
        if (any.isEmpty()) any = *one;
        any |= *s;
    }
    if (!one) return;
    const Roaring& set = any.isEmpty() ? *one : any;
    const auto n = static_cast<std::size_t>(set.cardinality());
    if (out.empty()) {
        // Into `out` itself: the searcher reuses it from search to search, and a fresh
        // buffer of a third of the index would be memory the allocator has returned to the
        // OS since, faulted in again page by page (2-4 ms for a 190,000-card filter at 1M,
        // measured).
        out.resize(n);
        set.toUint32Array(out.data());
        return;
    }
    // A second filter's: merged in, never sorted (each side is ascending).
    Docids mine(n), merged;
    set.toUint32Array(mine.data());
    merged.reserve(out.size() + n);
    std::set_union(out.begin(), out.end(), mine.begin(), mine.end(), std::back_inserter(merged));
    out.swap(merged);
}

}  // namespace cardex::query
