#include "sharded.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "cardex/index/schema.h"
#include "cardex/index/summary.h"
#include "cardex/query/searcher.h"
#include "cursor.h"
#include "plan.h"
#include "proximity.h"
#include "resume.h"

namespace cardex::query {

namespace idx = cardex::index;

namespace {
std::atomic<unsigned> shard_timeout_ms{5000};
}  // namespace

void Searcher::set_shard_timeout(std::chrono::milliseconds timeout) noexcept {
    shard_timeout_ms = static_cast<unsigned>(std::clamp<std::int64_t>(timeout.count(), 1, 3600000));
}

ShardSet open_shards(const std::vector<idx::RemoteShard>& shards) {
    const unsigned ms = shard_timeout_ms;
    ShardSet set;
    set.downloads_order = !shards.empty();
    for (const auto& s : shards) {
        set.each.push_back(Xapian::Remote::open(s.host, s.port, ms, ms));
        set.all.add_database(set.each.back());
        set.downloads_order =
            set.downloads_order &&
            set.each.back().get_metadata(std::string(idx::kMetaDocidOrder)) == "downloads";
    }
    return set;
}

namespace {

// A page of a listing by downloads over shards in downloads order (ShardSet::
// downloads_order), without the value-sorted match that would visit every match of every
// shard: a shard's first matches in docid order are its top ones, so each shard is asked
// for its first offset + limit + 1 in a boolean match in docid order, which Xapian's
// matcher stops once it has them (multimatch.cc: "a forward boolean match with only one
// database"), and the lists are merged by order key. The key comes with each item as its
// collapse key (order keys are unique, so nothing collapses): only the page's documents
// are read, each a round trip.
struct PageItem {
    Xapian::Document doc;
    Xapian::docid docid = 0;  // in the joined database
    double weight = 0;
};

std::vector<PageItem> first_by_docid(const ShardSet& shards,
                                     const Xapian::Query& filtered,
                                     std::size_t offset,
                                     std::size_t count,
                                     BudgetCheck& budget) {
    const auto want = static_cast<Xapian::doccount>(offset + count);
    const auto k = static_cast<Xapian::docid>(shards.each.size());
    std::vector<Xapian::MSet> msets;
    struct Candidate {
        std::string key;
        Xapian::docid shard;
        Xapian::MSetIterator it;
    };
    std::vector<Candidate> all;
    for (Xapian::docid s = 0; s < k; ++s) {
        Xapian::Enquire e(shards.each[s]);
        e.set_weighting_scheme(Xapian::BoolWeight());
        e.set_docid_order(Xapian::Enquire::ASCENDING);
        e.set_collapse_key(idx::shard_order_slot(idx::kSlotDownloads));
        e.set_query(filtered);
        msets.push_back(e.get_mset(0, want, want));
        budget.now();
    }
    for (Xapian::docid s = 0; s < k; ++s) {
        for (auto it = msets[s].begin(); it != msets[s].end(); ++it) {
            all.push_back({it.get_collapse_key(), s, it});
        }
    }
    std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
    std::vector<PageItem> out;
    for (std::size_t i = offset; i < all.size() && i < want; ++i) {
        const Candidate& c = all[i];
        out.push_back({{}, (*c.it - 1) * k + c.shard + 1, 0});
    }
    return out;
}

// Reads the page's documents, each shard's on a thread of its own. A document over the
// remote backend is a round trip of about 1 ms here (docs/PERFORMANCE.md: Xapian 1.4 does
// not pipeline them, MSet::fetch included), so a page of 20 cost 20 ms in turn. Each thread
// uses only its shard's Database (its own connection, not shared with another thread:
// Xapian objects are not thread-safe); the joined database is not used meanwhile. A
// shard's error is rethrown here after every thread has ended.
void fetch_documents(const ShardSet& shards, std::vector<PageItem>& page) {
    const auto k = static_cast<Xapian::docid>(shards.each.size());
    std::vector<std::vector<PageItem*>> by_shard(k);
    for (auto& item : page) by_shard[(item.docid - 1) % k].push_back(&item);
    auto read = [&](Xapian::docid s) {
        for (PageItem* item : by_shard[s]) {
            item->doc = shards.each[s].get_document((item->docid - 1) / k + 1);
        }
    };
    std::vector<std::thread> threads;
    std::vector<std::exception_ptr> errors(k);
    Xapian::docid here = k;  // the first shard with documents is read on this thread
    for (Xapian::docid s = 0; s < k; ++s) {
        if (by_shard[s].empty()) continue;
        if (here == k) {
            here = s;
            continue;
        }
        threads.emplace_back([&, s] {
            try {
                read(s);
            } catch (...) {
                errors[s] = std::current_exception();
            }
        });
    }
    if (here != k) {
        try {
            read(here);
        } catch (...) {
            errors[here] = std::current_exception();
        }
    }
    for (auto& t : threads) t.join();
    for (const auto& e : errors) {
        if (e) std::rethrow_exception(e);
    }
}

// Counts of one facet from a spy on its shard slot: each slot value is the packed list of a
// card's values (pack_facet_values), so a value's count is the sum over the lists holding it.
// The spy has merged the shards' counts already.
std::map<std::string, std::uint64_t> unpack_counts(const Xapian::ValueCountMatchSpy& spy) {
    std::map<std::string, std::uint64_t> counts;
    std::vector<std::string_view> values;
    for (auto it = spy.values_begin(); it != spy.values_end(); ++it) {
        const std::string packed = *it;
        values.clear();
        if (!idx::unpack_facet_values(packed, values)) continue;  // not written by us
        for (const auto v : values) counts[std::string(v)] += it.get_termfreq();
    }
    return counts;
}

// The top values as top_values (plan.cpp) gives them: largest counts first, ties by value.
FacetResult top_of(const FacetRequest& fr, const std::map<std::string, std::uint64_t>& counts) {
    FacetResult res;
    res.facet = std::string(idx::facet_info(*idx::facet_by_name(fr.facet)).name);
    std::vector<std::pair<std::string, std::uint64_t>> all(counts.begin(), counts.end());
    const std::size_t n = fr.all_values ? all.size() : std::min(all.size(), fr.top);
    std::partial_sort(all.begin(),
                      all.begin() + static_cast<std::ptrdiff_t>(n),
                      all.end(),
                      [](const auto& a, const auto& b) {
                          return a.second != b.second ? a.second > b.second : a.first < b.first;
                      });
    for (std::size_t i = 0; i < n; ++i) res.values.push_back({all[i].first, all[i].second, {}});
    return res;
}

}  // namespace

Result<SearchResponse> search_shards(const ShardSet& shards,
                                     Xapian::Database& db,
                                     const SearchRequest& req,
                                     const Lexicon& lexicon,
                                     BudgetCheck& budget,
                                     const TextPass& pass,
                                     bool& typo_held_back) {
    const auto t0 = std::chrono::steady_clock::now();
    TextPass remote = pass;
    remote.batch_lookups = true;
    auto built = build_query(db, req, lexicon, budget, remote);
    if (!built) return std::move(built).error();
    QueryParts& q = built.value();
    typo_held_back = q.typos.held_back;
    // The phases as a single index reports them (SearchResponse::Timings): parse, then the
    // ranked query (rank), the counting queries (count), the page decoded (hits).
    auto since = [mark = t0]() mutable {
        const auto now = std::chrono::steady_clock::now();
        const double ms = std::chrono::duration<double, std::milli>(now - mark).count();
        mark = now;
        return ms;
    };
    SearchResponse::Timings timings;
    timings.parse_ms = since();
    timings.typo_ms = q.typo_ms;
    const Sort sort = req.sort.value_or(q.has_text ? Sort::Relevance : Sort::Downloads);
    const bool relevance = sort == Sort::Relevance && q.has_text;
    const Sort effective =
        relevance ? Sort::Relevance : (sort == Sort::Relevance ? Sort::Downloads : sort);
    // A cursor over shards holds the position of the next page (Cursor::position): the
    // order is total (ties by order key), so an offset resumes it exactly while the shards
    // do not change.
    auto resume = resume_point(req, effective, db);
    if (!resume) return std::move(resume).error();
    const std::size_t offset = resume.value() ? resume.value()->position : req.offset;

    // Only Xapian's own sources: the prior from the value stream (ranked() without a column).
    q.prior_column = nullptr;
    q.prior_falls = false;
    const Xapian::doccount every = std::max<Xapian::doccount>(1, db.get_doccount());
    // One index orders ties by docid, that is downloads then id; over shards the whole
    // order is one slot (schema.h kSlotShardOrderBase: the remote backend has no KeyMaker).
    Xapian::Enquire enquire(db);
    if (relevance) {
        enquire.set_sort_by_relevance_then_value(idx::shard_order_slot(idx::kSlotDownloads), false);
        enquire.set_query(q.ranked(q.filtered()));
    } else {
        enquire.set_sort_by_value(idx::shard_order_slot(sort_slot(effective)), false);
        enquire.set_weighting_scheme(Xapian::BoolWeight());
        enquire.set_query(q.filtered());
    }

    // Facet counts: a facet without a filter of its own (or a conjunctive one) is counted
    // over the matches; a filtered facet over the matches of every other filter (its
    // disjunctive counts), one more query each. Never by spies on the sorted query: Xapian
    // 1.4's matcher, sorting by value, runs the spies again locally on the items the remote
    // shards returned beyond the page (multimatch.cc, "Making note of match item which
    // sorts lower than min_item" does not skip remote items), so it counts some twice.
    // Counting queries sort by relevance with BoolWeight, where it does skip them.
    Xapian::Enquire counting(db);
    counting.set_weighting_scheme(Xapian::BoolWeight());
    counting.set_query(q.filtered());
    bool counting_used = false;
    std::vector<std::unique_ptr<Xapian::ValueCountMatchSpy>> spies(req.facets.size());
    std::vector<std::size_t> own_clause(req.facets.size(), q.facet_filters.size());
    for (std::size_t i = 0; i < req.facets.size(); ++i) {
        const auto f = idx::facet_by_name(req.facets[i].facet);
        if (!f) return make_error(Errc::InvalidArgument, "unknown facet", req.facets[i].facet);
        spies[i] = std::make_unique<Xapian::ValueCountMatchSpy>(idx::facet_slot(*f));
        for (std::size_t k = 0; k < q.facet_filters.size(); ++k) {
            if (q.facet_filters[k].facet == *f && !idx::facet_info(*f).conjunctive)
                own_clause[i] = k;
        }
        if (own_clause[i] == q.facet_filters.size()) {
            counting.add_matchspy(spies[i].get());
            counting_used = true;
        }
    }
    // The exact total: the value-sorted query visits every match anyway; a ranked one
    // would have to as well (check_at_least = every document, no pruning), so the total
    // comes from the counting query, whose BoolWeight match is cheaper, and the ranked
    // query only checks what its page needs, letting each shard's matcher skip documents
    // that cannot reach the page.
    const auto limit = static_cast<Xapian::doccount>(req.limit + 1);
    std::vector<PageItem> page;
    std::optional<Xapian::doccount> total;
    bool counting_needed = counting_used || relevance;
    if (!relevance && effective == Sort::Downloads && shards.downloads_order) {
        page = first_by_docid(shards, q.filtered(), offset, limit, budget);
        // A listing of everything counts every card: the shards hold no private ones (a
        // database of private cards is never a shard), which one lookup confirms.
        const bool everything = !q.has_text && req.filters.empty() && req.ranges.empty();
        if (everything && db.get_termfreq(std::string(idx::kTermPrivate)) == 0) {
            total = db.get_doccount();
        }
        counting_needed = counting_needed || !total;
    } else {
        // The second stage as on one index (proximity.h): a page starting inside the
        // rescored window is cut from it, the window's cards found by their id terms.
        const WindowRead window =
            window_read(relevance && (!q.proximity.empty() || q.documented > 0),
                        offset,
                        offset + std::size_t{limit});
        Xapian::MSet mset = enquire.get_mset(static_cast<Xapian::doccount>(window.first),
                                             static_cast<Xapian::doccount>(window.count),
                                             relevance ? Xapian::doccount{0} : every);
        budget.now();
        if (!relevance) total = mset.get_matches_estimated();  // exact: every match visited
        Ranked ranked;
        for (auto it = mset.begin(); it != mset.end(); ++it)
            ranked.emplace_back(*it, relevance ? it.get_weight() : 0.0);
        if (window.rescored) {
            rescore_window_remote(db, q.proximity, q.documented, ranked);
            budget.now();
        }
        for (std::size_t i = window.rescored ? offset : 0; i < ranked.size() && page.size() < limit;
             ++i)
            page.push_back({{}, ranked[i].first, ranked[i].second});
    }
    // One more than the page was asked for, to know whether a next page exists.
    const bool more = page.size() > req.limit;
    if (more) page.resize(req.limit);
    fetch_documents(shards, page);
    timings.rank_ms = since();
    if (counting_needed) {
        total = counting.get_mset(0, 0, every).get_matches_estimated();
        budget.now();
    }
    for (std::size_t i = 0; i < req.facets.size(); ++i) {
        if (own_clause[i] == q.facet_filters.size()) continue;
        Xapian::Enquire others(db);
        others.set_weighting_scheme(Xapian::BoolWeight());
        others.set_query(q.filtered_except(own_clause[i]));
        others.add_matchspy(spies[i].get());
        others.get_mset(0, 0, every);
        budget.now();
    }
    timings.count_ms = since();

    SearchResponse resp;
    resp.total = total.value_or(0);
    resp.vocabulary = lexicon.vocabulary;
    std::size_t n = 0;  // page holds at most req.limit items (resized above)
    Xapian::docid last_docid = 0;
    double last_weight = 0;
    for (auto& item : page) {
        auto card = idx::decode_summary(item.doc.get_data());
        if (!card) return std::move(card).error();
        Hit h;
        h.card = std::move(card).value();
        h.score = item.weight;
        if (req.snippets && q.has_text) h.snippet = hit_snippet(h.card, q);
        // Hit::explain and Hit::derived read postings or the model tree per hit: not over
        // the network (Searcher::derived answers for one card).
        last_docid = item.docid;
        last_weight = h.score;
        resp.hits.push_back(std::move(h));
        ++n;
    }
    if (more && n > 0) {
        Cursor c;
        c.sort = effective;
        c.docid = last_docid;
        c.value = last_weight;
        c.position = offset + n;
        c.generation = uuid_bytes(db.get_uuid());
        c.query = query_fingerprint(req, effective);
        resp.next_cursor = encode_cursor(c);
    }
    for (std::size_t i = 0; i < req.facets.size(); ++i) {
        resp.facets.push_back(top_of(req.facets[i], unpack_counts(*spies[i])));
    }
    for (const auto& u : q.understood) {
        resp.understood.push_back(
            {u.phrase, std::string(idx::facet_info(u.facet).name), u.value, u.implied});
    }
    resp.corrected = std::move(q.typos.corrected);
    resp.suggestion = std::move(q.typos.suggestion);
    resp.dropped = std::move(q.dropped);
    resp.took_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    timings.hits_ms = since();
    resp.timings = timings;
    return resp;
}

DerivedCounts derived_over_shards(const Xapian::Database& db, std::string_view model_id) {
    DerivedCounts out;
    const std::string root = idx::facet_key(idx::Facet::BaseModel, model_id);
    const Xapian::Query models(idx::facet_term(idx::Facet::Type, "model"));
    const Xapian::doccount every = std::max<Xapian::doccount>(1, db.get_doccount());
    // The model cards naming any of `bases`, as their order keys (id, '\0', type).
    auto children = [&](const std::vector<std::string>& bases, Xapian::doccount* matched) {
        std::vector<Xapian::Query> terms;
        for (const auto& b : bases) terms.emplace_back(idx::facet_term(idx::Facet::BaseModel, b));
        Xapian::Enquire e(db);
        e.set_weighting_scheme(Xapian::BoolWeight());
        e.set_query(Xapian::Query(Xapian::Query::OP_FILTER,
                                  Xapian::Query(Xapian::Query::OP_OR, terms.begin(), terms.end()),
                                  models));
        Xapian::ValueCountMatchSpy spy(idx::shard_order_slot(idx::kSlotDownloads));
        e.add_matchspy(&spy);
        Xapian::MSet m = e.get_mset(0, 0, every);
        if (matched != nullptr) *matched = m.get_matches_estimated();
        std::vector<std::string> ids;
        for (auto it = spy.values_begin(); it != spy.values_end(); ++it) {
            ids.emplace_back(idx::shard_order_id(*it));
        }
        return ids;
    };
    // As build_lineage (lineage.cpp): each card counted once; the root's own card is not
    // its own descendant; a card whose id is named as a base model leads one level down.
    std::set<std::string> seen_card, seen_base{root};
    std::vector<std::string> frontier{root};
    for (unsigned depth = 1; depth <= kLineageDepth && !frontier.empty(); ++depth) {
        Xapian::doccount matched = 0;
        const auto ids = children(frontier, depth == 1 ? &matched : nullptr);
        if (depth == 1) out.direct = matched;
        frontier.clear();
        for (const auto& id : ids) {
            std::string lower = idx::facet_key(idx::Facet::BaseModel, id);
            if (lower == root || !seen_card.insert(lower).second) continue;
            ++out.total;
            if (seen_base.insert(lower).second) frontier.push_back(std::move(lower));
        }
    }
    if (!frontier.empty()) {
        for (const auto& id : children(frontier, nullptr)) {
            const std::string lower = idx::facet_key(idx::Facet::BaseModel, id);
            if (lower != root && !seen_card.count(lower)) {
                out.truncated = true;
                break;
            }
        }
    }
    return out;
}

}  // namespace cardex::query
