// The Searcher: query building, matching, exact disjunctive facet counts, snippets.
#include "cardex/query/searcher.h"

#include <xapian.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <optional>
#include <unordered_set>

#include "cardex/index/errors.h"
#include "cardex/index/history.h"
#include "cardex/index/schema.h"
#include "cardex/index/shards.h"
#include "cardex/index/store.h"
#include "cardex/index/summary.h"
#include "cardex/index/text.h"
#include "columns.h"
#include "cursor.h"
#include "explain.h"
#include "hierarchy.h"
#include "lexicon.h"
#include "lineage.h"
#include "matchset.h"
#include "pass.h"
#include "plan.h"
#include "query_builder.h"
#include "resume.h"
#include "sharded.h"
#include "snippet.h"
#include "typo.h"
#include "warm.h"

namespace cardex::query {

namespace idx = cardex::index;

namespace {

// How many times one request re-runs on a fresh snapshot after DatabaseModifiedError, and
// for how long at most. A reader at revision R survives one commit and may fail from the
// second on (glass reuses the blocks R freed; ARCHITECTURE.md, "Readers and writers"), so a
// request fails only if every attempt overlaps two commits: with commits every 30 ms and
// requests of a few ms, practically never.
constexpr int kMaxAttempts = 12;
constexpr auto kRetryBudget = std::chrono::seconds(2);
// How long a Searcher over remote shards keeps one connection before reconnecting to see a
// reindexed shard (Impl::connect_shards).
constexpr auto kShardReconnect = std::chrono::seconds(2);

}  // namespace

struct Searcher::Impl {
    std::string dir;
    // One pinned generation, open read-only. Owned by this Searcher alone: Xapian objects
    // are never shared between threads.
    idx::LiveReader live;
    bool docid_order = false;
    std::shared_ptr<Columns> columns;         // held so the cache keeps them for this revision
    std::shared_ptr<const Lexicon> lexicon;   // of the open generation, made on first use
    std::vector<std::uint32_t> text_matches;  // reused between searches
    PassOutput pass_out;
    std::vector<std::vector<std::uint64_t>> spare_counters;  // compile_pass: reused arrays
    std::uint64_t retries = 0;  // DatabaseModifiedError re-runs, for metrics
    Budget call_budget;         // set_call_budget(): for calls without their own
    bool warming = false;       // inside warm(): moves to the newest generation regardless
    // Remote shards (index/shards.h), when the index directory's stub lists them: then
    // `live.db` joins them, has no pin, and searches go through sharded.h.
    std::vector<idx::RemoteShard> remotes;
    std::chrono::steady_clock::time_point connected{};  // when live.db was connected
    std::string remote_uuid;  // the shards' joined uuids, when connected

    const Budget& budget_of(const SearchRequest& req) const {
        const bool own = req.budget.cancelled != nullptr ||
                         req.budget.deadline != std::chrono::steady_clock::time_point::max();
        return own ? req.budget : call_budget;
    }

    // A caller allowed private namespaces searches the public database together with their
    // private databases (index/store.h): statistics, spelling and counts then come from
    // what that caller may see, and an anonymous caller's from the public cards alone.
    struct View {
        std::vector<std::string> paths;       // the private databases included, sorted
        std::vector<Xapian::Database> parts;  // each of them (they share db's internals)
        Xapian::Database db;                  // the public database and the parts
    };
    std::optional<View> view;

    // The database for a caller allowed `namespaces` (or every namespace): the public one
    // alone unless a private database of theirs exists. Cost: a stat per namespace (one
    // directory listing for all), and opening a private database the first time.
    Xapian::Database& db_for(const std::vector<std::string>& namespaces, bool all) {
        std::vector<std::string> want;
        if (!remotes.empty()) return live.db;  // shards hold public cards only
        if (all) {
            for (auto& p : idx::private_databases(live.generation))
                want.push_back(std::move(p.path));
        } else {
            std::error_code ec;
            for (const auto& ns : namespaces) {
                std::string p = idx::private_db_path(live.generation, ns);
                if (std::filesystem::is_directory(p, ec)) want.push_back(std::move(p));
            }
            std::sort(want.begin(), want.end());
            want.erase(std::unique(want.begin(), want.end()), want.end());
        }
        if (want.empty()) return live.db;
        if (view && view->paths == want) {
            for (auto& part : view->parts) part.reopen();  // the public one is fresh already
            return view->db;
        }
        View v;
        v.paths = std::move(want);
        v.db = live.db;  // shares the public database; adding to v.db leaves live.db alone
        for (const auto& p : v.paths) {
            v.parts.emplace_back(p, Xapian::DB_OPEN | Xapian::DB_BACKEND_GLASS);
            v.db.add_database(v.parts.back());
        }
        columns.reset();
        view = std::move(v);
        return view->db;
    }

    // The databases `db` searches as one, in order; empty when it is the public one alone.
    std::vector<const Xapian::Database*> parts_of(const Xapian::Database& db) const {
        std::vector<const Xapian::Database*> out;
        if (view && &db == &view->db) {
            out.push_back(&live.db);
            for (const auto& part : view->parts) out.push_back(&part);
        }
        return out;
    }

    // Names the snapshot `db` reads, for the columns' cache: uuid@revision of each database.
    std::string snapshot(const Xapian::Database& db) const {
        auto one = [](const Xapian::Database& d) {
            return d.get_uuid() + "@" + std::to_string(d.get_revision());
        };
        std::string key = one(live.db);
        if (view && &db == &view->db) {
            for (const auto& part : view->parts) key += ":" + one(part);
        }
        return key;
    }

    Status open_live() {
        if (!remotes.empty()) return connect_shards();
        auto r = idx::open_live(dir);
        if (!r) return std::move(r).error();
        columns.reset();
        lexicon.reset();
        view.reset();
        live = std::move(r).value();  // the old pin and database go only now
        docid_order = live.db.get_metadata(std::string(idx::kMetaDocidOrder)) == "downloads";
        return Ok{};
    }

    // Connects to the remote shards afresh: each `xapian-tcpsrv` connection opens its
    // shard's live generation, so a new connection is how a reindexed shard is seen (a
    // remote reopen() stays on the generation the connection opened). The columns hold
    // nothing for shards; the lexicon is kept while the shards' uuids are the same.
    Status connect_shards() {
        Xapian::Database db = open_shards(remotes);
        if (auto st = idx::check_format(db); !st) return st;
        std::string uuid = db.get_uuid();
        if (uuid != remote_uuid) lexicon.reset();
        remote_uuid = std::move(uuid);
        columns.reset();
        view.reset();
        idx::LiveReader r;
        r.db = std::move(db);
        r.generation = "remote shards:";
        for (const auto& s : remotes) r.generation += " " + s.host + ":" + std::to_string(s.port);
        live = std::move(r);
        docid_order = false;
        connected = std::chrono::steady_clock::now();
        return Ok{};
    }

    // Between requests: a new generation needs a fresh Database (reopen() does not follow a
    // swapped stub); a new revision of ours is a reopen().
    Status refresh() {
        if (!remotes.empty()) {
            // Shards are reconnected at most every kShardReconnect, and after a failure.
            if (std::chrono::steady_clock::now() - connected < kShardReconnect) return Ok{};
            return connect_shards();
        }
        auto gen = idx::live_generation(dir);
        if (!gen) return std::move(gen).error();
        if (gen.value() != live.generation) {
            // A server keeps serving the open generation until the new one is warm (warm.h).
            if (!live.generation.empty() && !warming && !may_switch(dir, gen.value())) return Ok{};
            return open_live();
        }
        try {
            if (live.db.reopen()) {
                docid_order =
                    live.db.get_metadata(std::string(idx::kMetaDocidOrder)) == "downloads";
            }
        } catch (const Xapian::Error&) {
            return open_live();
        }
        return Ok{};
    }

    // Runs `fn` on the newest snapshot; if the database changed under it, re-runs the whole
    // of it on a fresh one (never only the failed call: its earlier results belong to the
    // old revision), invisibly to the caller, within kMaxAttempts and kRetryBudget.
    template <class Fn>
    auto with_retry(Fn&& fn) -> decltype(fn()) {
        const auto deadline = std::chrono::steady_clock::now() + kRetryBudget;
        for (int attempt = 1;; ++attempt) {
            // Holds the snapshot's revision for the call (store.h: a writer waits for it
            // before the commit that would recycle its blocks), released on every exit.
            struct Hold {
                idx::GenerationPin& pin;
                ~Hold() { pin.release_revision(); }
            };
            try {
                if (auto st = refresh(); !st) return std::move(st).error();
                if (!remotes.empty()) return fn();  // no pin: the shards' servers hold theirs
                live.pin.hold_revision(live.db.get_revision());
                Hold hold{live.pin};
                return fn();
            } catch (const Xapian::DatabaseModifiedError& e) {
                if (attempt >= kMaxAttempts || std::chrono::steady_clock::now() >= deadline) {
                    return idx::error_from_xapian(e, "index changed during search too often");
                }
                ++retries;
                columns.reset();
            } catch (const BudgetExceeded& e) {
                return make_error(Errc::DeadlineExceeded,
                                  e.cancelled ? "stopped: the client went away"
                                              : "the request ran past its deadline and was "
                                                "stopped (simplify the query or narrow it)",
                                  e.cancelled ? "cancelled" : "deadline");
            } catch (const Xapian::NetworkError& e) {
                // A shard that went away, or did not answer in time (sharded.h): reconnect
                // on the next call, and once now.
                connected = {};
                if (remotes.empty() || attempt >= 2) {
                    return make_error(Errc::Unavailable,
                                      "a shard did not answer: " + e.get_msg(),
                                      live.generation);
                }
                ++retries;
            } catch (const Xapian::QueryParserError& e) {
                return make_error(Errc::InvalidArgument, "query does not parse: " + e.get_msg());
            } catch (const Xapian::Error& e) {
                return idx::error_from_xapian(e, "search failed");
            } catch (const std::exception& e) {
                return make_error(Errc::Internal, std::string("search failed: ") + e.what());
            }
        }
    }

    // The vocabulary of the open generation and what is derived from it (lexicon.h).
    Result<std::shared_ptr<const Lexicon>> current_lexicon() {
        if (!lexicon) {
            auto lex = Lexicon::of(live.db);
            if (!lex) return std::move(lex).error();
            lexicon = std::move(lex).value();
        }
        return lexicon;
    }

    // One search, read again in other ways while the caller sees nothing, each pass
    // decided on the caller's own total so private cards change nothing for the others:
    // - a word left as typed only because it names a card (TypoPlan::held_back) is corrected
    //   after all: `stable difusion` finds Stable Diffusion although a model is `difusion`;
    // - then the last words of a text without query syntax (droppable_words) are left out
    //   one by one (Meilisearch's "last"
    //   matching strategy; Typesense's drop_tokens_threshold 1): `digitised newspapers ocr`
    //   finds the digitised newspapers, SearchResponse::dropped says "ocr".
    // A pass that finds nothing costs its parse and match only.
    Result<SearchResponse> run(const SearchRequest& req, Xapian::Database& db) {
        TextPass pass;
        bool held_back = false;
        auto r = search_once(req, db, pass, held_back);
        if (!r || r.value().total > 0) return r;
        if (held_back) {
            pass.typo_names_too = true;
            auto named = search_once(req, db, pass, held_back);
            if (!named || named.value().total > 0) return named;
        }
        if (req.id_only || req.plain_bm25) return r;
        const std::size_t words = droppable_words(req.text).size();
        for (std::size_t drop = 1; drop < words && drop <= kMaxDroppedWords; ++drop) {
            pass.drop_words = drop;
            auto fewer = search_once(req, db, pass, held_back);
            if (!fewer) return fewer;
            if (fewer.value().total == 0) continue;
            // "Did you mean" is of the whole text, made on the first pass.
            if (fewer.value().suggestion.empty()) fewer.value().suggestion = r.value().suggestion;
            return fewer;
        }
        return r;
    }
    Result<SearchResponse> search_once(const SearchRequest& req,
                                       Xapian::Database& db,
                                       const TextPass& pass,
                                       bool& typo_held_back);
};

Searcher::Searcher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Searcher::Searcher(Searcher&&) noexcept = default;
Searcher& Searcher::operator=(Searcher&&) noexcept = default;
Searcher::~Searcher() = default;

Result<Searcher> Searcher::open(const std::string& dir) {
    auto impl = std::make_unique<Impl>();
    impl->dir = dir;
    auto remotes = idx::remote_shards(dir);
    if (!remotes) return std::move(remotes).error();
    impl->remotes = std::move(remotes).value();
    try {
        if (auto st = impl->open_live(); !st) return std::move(st).error();
    } catch (const Xapian::Error& e) {
        return idx::error_from_xapian(e, "cannot open index " + dir);
    } catch (const std::exception& e) {
        return make_error(Errc::Internal, std::string("cannot open index: ") + e.what(), dir);
    }
    return Searcher(std::move(impl));
}

Result<SearchResponse> Searcher::Impl::search_once(const SearchRequest& request,
                                                   Xapian::Database& db,
                                                   const TextPass& pass,
                                                   bool& typo_held_back) {
    const auto t0 = std::chrono::steady_clock::now();
    // Phase timings (SearchResponse::timings): each lap() is the time since the last.
    auto mark = t0;
    auto lap = [&mark]() {
        const auto now = std::chrono::steady_clock::now();
        const double ms = std::chrono::duration<double, std::milli>(now - mark).count();
        mark = now;
        return ms;
    };
    SearchResponse::Timings timings;
    if (request.limit > kMaxLimit) {
        return make_error(Errc::InvalidArgument,
                          "limit is at most " + std::to_string(kMaxLimit),
                          std::to_string(request.limit));
    }
    if (request.offset > kMaxOffset) {
        return make_error(Errc::InvalidArgument,
                          "offset is at most " + std::to_string(kMaxOffset) + " (page with cursors)",
                          std::to_string(request.offset));
    }
    const Budget& limits = budget_of(request);
    BudgetCheck budget(limits, 4096);
    budget.now();  // a request that waited past its deadline in a queue does no work
    // The vocabulary only where the request reads through it (filter values, or query text:
    // field values, understood words): a listing does not pay for parsing it.
    Result<std::shared_ptr<const Lexicon>> lex = Lexicon::none();
    if (request.understand_filters || !request.text.empty()) lex = current_lexicon();
    if (!lex) return std::move(lex).error();
    // Filter values read through the index's vocabulary when asked: from here on, the
    // request is the one with the indexed values.
    std::vector<UnderstoodFilter> understood;
    std::optional<SearchRequest> read;
    if (request.understand_filters) {
        read = understand_filters(request, *lex.value()->vocabulary, understood);
    }
    const SearchRequest& req = read ? *read : request;
    if (!remotes.empty()) {
        auto r = search_shards(db, req, *lex.value(), budget, pass, typo_held_back);
        if (r) r.value().filters = std::move(understood);
        return r;
    }
    auto built = build_query(db, req, *lex.value(), budget, pass);
    if (!built) return std::move(built).error();
    QueryParts& q = built.value();
    timings.typo_ms = q.typo_ms;
    typo_held_back = q.typos.held_back;
    const Sort sort = req.sort.value_or(q.has_text ? Sort::Relevance : Sort::Downloads);
    const bool relevance = sort == Sort::Relevance && q.has_text;
    // Without text there is no relevance: such a listing is in downloads order.
    const Sort effective = relevance ? Sort::Relevance
                                     : (sort == Sort::Relevance ? Sort::Downloads : sort);
    auto resume = resume_point(req, effective, db);
    if (!resume) return std::move(resume).error();
    const std::optional<After>& after = resume.value();
    const std::size_t offset = after ? 0 : req.offset;

    // Filters, ranges, visibility and facet counts are evaluated on the columns in one pass
    // over the candidates: the text matches, a listing's selective postings
    // (listing_candidates), or every document.
    auto cols_now = Columns::of(db, snapshot(db));
    columns = cols_now;
    auto compiled = compile_pass(db, *cols_now, req, spare_counters);
    if (!compiled) return std::move(compiled).error();
    PassInput& in = compiled.value();
    timings.parse_ms = lap();
    std::optional<idx::Facet> kept_facet;  // its counts are the unfiltered listing's
    if (q.has_text) {
        match_set(db, parts_of(db), q.text, text_matches, cols_now->term_sets(), budget);
        in.candidates = &text_matches;
    } else if (listing_candidates(db,
                                  req,
                                  !in.all_private && !in.authors && in.ranges.empty(),
                                  text_matches,
                                  kept_facet)) {
        in.candidates = &text_matches;
    }
    timings.match_ms = lap();
    // Collect every passing document only when there are few (text matches, or the postings
    // of a selective filter); otherwise the page is found by walking a sort order below.
    // A relevance ranking on one database is restricted to the passing documents collected
    // here (restricted_ranking below).
    const bool restricted_ranking =
        relevance && !req.exhaustive && &db == &live.db && in.candidates != nullptr;
    in.collect = (!relevance || restricted_ranking) && in.candidates != nullptr;
    // An anonymous listing without filters: total and counts are the same for every such
    // request of a revision, and kept.
    const bool whole_public =
        !q.has_text && in.filters.empty() && in.ranges.empty() && !in.all_private && !in.authors;
    if (whole_public) {
        pass_out.total = cols_now->public_count();
        pass_out.passing.clear();
        for (std::size_t i = 0; i < in.facets.size(); ++i) {
            in.facets[i].counts =
                cols_now->public_counts(db, *idx::facet_by_name(req.facets[i].facet));
        }
    } else {
        run_pass(*cols_now, in, pass_out, budget);
        for (std::size_t i = 0; kept_facet && i < in.facets.size(); ++i) {
            if (idx::facet_by_name(req.facets[i].facet) == kept_facet) {
                in.facets[i].counts = cols_now->public_counts(db, *kept_facet);
            }
        }
    }

    timings.count_ms = lap();
    SearchResponse resp;
    resp.total = pass_out.total;
    resp.filters = std::move(understood);
    resp.vocabulary = lex.value()->vocabulary;
    std::vector<std::pair<Xapian::docid, double>> page;
    // One more than the page, to know whether a next page exists.
    const std::size_t want = offset + req.limit + 1;
    // Docids of several databases interleave: not in downloads order.
    const bool by_docid = effective == Sort::Downloads && docid_order && &db == &live.db;
    const ValueColumn* values = by_docid || relevance ? nullptr : &cols_now->value(db, sort_slot(effective));
    // The listing order: value descending, docid ascending (docids alone when they are in
    // downloads order, which is the same order). `is_after(d)`: d comes after the cursor.
    auto is_after = [&](std::uint32_t d) {
        if (!after) return true;
        if (values == nullptr) return d > after->docid;
        const double v = (*values)[d];
        return v < after->value || (v == after->value && d > after->docid);
    };
    std::uint64_t next_position = 0;
    if (relevance) {
        Xapian::Enquire enquire(db);
        q.prior_falls = docid_order && &db == &live.db && !req.exhaustive;
        // The exhaustive ranking keeps Xapian's own value-stream source: the reference the
        // pruned one is compared with (tests/integration/ranking_test.cpp). So does a search
        // of several databases: Xapian gives each sub-database its own clone of a posting
        // source, positioned by that sub-database's docids, which the column's are not.
        q.prior_column = req.exhaustive || &db != &live.db
                             ? nullptr
                             : &cols_now->value(db, idx::kSlotPrior);
        // Restricted to the documents the pass found (text, filters and visibility already
        // checked), with required phrases as plain ANDs: the matcher neither re-evaluates
        // filters nor reads positions again, and weighs every document as before.
        Xapian::Query ranked =
            restricted_ranking
                ? q.ranked(Xapian::Query(Xapian::Query::OP_FILTER, without_required_phrases(q.text),
                                         Xapian::Query(docid_set_source(pass_out.passing))))
                : q.ranked(q.filtered());
        BudgetSpy spy(limits);
        if (!budget.unlimited()) {
            // The matcher calls these: the only way to stop it (budget.h).
            auto* source = new BudgetSource(limits, db.get_lastdocid());
            ranked = Xapian::Query(Xapian::Query::OP_FILTER, ranked, Xapian::Query(source->release()));
            enquire.add_matchspy(&spy);
        }
        enquire.set_query(ranked);
        if (after) {
            relevance_after(enquire, *after, req.limit + 1, page, next_position);
        } else {
            Xapian::MSet mset = enquire.get_mset(static_cast<Xapian::doccount>(offset),
                                                 static_cast<Xapian::doccount>(req.limit + 1));
            for (auto it = mset.begin(); it != mset.end(); ++it)
                page.emplace_back(*it, it.get_weight());
            next_position = offset + page.size();
        }
    } else if (in.collect) {
        auto& passing = pass_out.passing;
        if (after) {
            passing.erase(std::remove_if(passing.begin(), passing.end(),
                                         [&](std::uint32_t d) { return !is_after(d); }),
                          passing.end());
        }
        const std::size_t n = std::min(passing.size(), want);
        if (values != nullptr) {
            const ValueColumn& v = *values;
            std::partial_sort(passing.begin(),
                              passing.begin() + static_cast<std::ptrdiff_t>(n),
                              passing.end(),
                              [&](std::uint32_t a, std::uint32_t b) {
                                  return v[a] != v[b] ? v[a] > v[b] : a < b;
                              });
        }
        for (std::size_t i = offset; i < n; ++i) page.emplace_back(passing[i], 0.0);
    } else if (pass_out.total > offset) {
        // Walk the sort order (docids themselves when they are in downloads order) and keep
        // passing documents until the page is full: O(page / selectivity), not O(matches).
        std::size_t seen = 0;
        auto take = [&](std::uint32_t d) {
            budget();
            if (!passes_all(*cols_now, in, d)) return true;
            if (seen++ >= offset) page.emplace_back(d, 0.0);
            return seen < want;
        };
        if (by_docid) {
            const std::uint32_t first = after ? after->docid + 1 : 1;
            for (std::uint32_t d = first; d <= cols_now->lastdocid() && take(d);) ++d;
        } else {
            const auto& order = cols_now->order(db, sort_slot(effective));
            auto it = order.begin();
            if (after) {
                // The order is sorted by (value desc, docid asc): the first entry after the
                // cursor by binary search.
                it = std::partition_point(order.begin(), order.end(),
                                          [&](std::uint32_t d) { return !is_after(d); });
            }
            for (; it != order.end() && take(*it); ++it) {
            }
        }
    }
    timings.rank_ms = lap();
    const bool more = page.size() > req.limit;
    std::uint32_t extra = 0;  // the next page's first hit
    if (more) {
        extra = page.back().first;
        page.pop_back();
    }
    for (const auto& [docid, weight] : page) {
        const Xapian::Document doc = db.get_document(docid);
        auto card = idx::decode_summary(doc.get_data());
        if (!card) return std::move(card).error();
        Hit h;
        h.card = std::move(card).value();
        h.score = weight;
        if (req.explain && relevance) h.explain = explain_score(db, q, doc, docid, weight);
        if (req.snippets && q.has_text) {
            h.snippet = make_snippet(h.card.body.empty() ? h.card.description : h.card.body,
                                     q.stems,
                                     200,
                                     q.language_stems,
                                     h.card.languages);
        }
        if (req.derived_counts && h.card.type == idx::CardType::Model) {
            h.derived = derived_of(*cols_now, db, h.card.id);
        }
        resp.hits.push_back(std::move(h));
    }
    if (more && !page.empty()) {
        Cursor c;
        c.sort = effective;
        c.docid = page.back().first;
        // The sort value itself even when the page came from docid order: the next page
        // may be served from the values (an upsert clears the docid order).
        c.value = relevance ? page.back().second
                  : values != nullptr
                      ? (*values)[c.docid]
                      : Xapian::sortable_unserialise(
                            db.get_document(c.docid).get_value(sort_slot(effective)));
        c.position = relevance ? next_position - 1 : 0;
        c.next = extra;
        c.generation = uuid_bytes(db.get_uuid());
        c.query = query_fingerprint(req, effective);
        resp.next_cursor = encode_cursor(c);
    }
    for (std::size_t i = 0; i < in.facets.size(); ++i) {
        resp.facets.push_back(top_values(req.facets[i], in.facets[i]));
    }
    return_counters(in, spare_counters);
    timings.hits_ms = lap();
    for (const auto& u : q.understood) {
        resp.understood.push_back({u.phrase, std::string(idx::facet_info(u.facet).name), u.value});
    }
    resp.corrected = std::move(q.typos.corrected);
    resp.suggestion = std::move(q.typos.suggestion);
    resp.dropped = std::move(q.dropped);
    // The older scan of the whole spelling vocabulary, for what the typo dictionary lacks
    // (words of one card, 4-letter words 2 edits away), only when little matches.
    if (q.has_text && resp.total < 3 && resp.suggestion.empty() && pass.drop_words == 0) {
        resp.suggestion = suggest(db, req.text, budget);
    }
    timings.suggest_ms = lap();
    resp.timings = timings;
    resp.took_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    return resp;
}

Result<SearchResponse> Searcher::search(const SearchRequest& request) {
    if (has_child_facets(request)) {
        auto expanded = with_child_facets(request);
        if (!expanded) return std::move(expanded).error();
        auto res = search_flat(expanded.value());
        if (!res) return res;
        // The vocabulary the search read through, else the open index's (the same unless a
        // new generation was published in between: its tables rarely change).
        std::shared_ptr<const idx::Vocabulary> vocab = res.value().vocabulary;
        if (vocab == nullptr || vocab->empty()) {
            auto v = vocabulary();
            if (!v) return std::move(v).error();
            vocab = std::move(v).value();
        }
        nest_child_facets(request, *vocab, res.value());
        return res;
    }
    return search_flat(request);
}

Result<SearchResponse> Searcher::search_flat(const SearchRequest& request) {
    return impl_->with_retry([&]() {
        auto& db = impl_->db_for(request.private_namespaces, request.all_private);
        if (request.all_private || request.private_namespaces.empty())
            return impl_->run(request, db);
        SearchRequest exact = request;
        exact.private_namespaces = exact_namespaces(db, request.private_namespaces);
        return impl_->run(exact, db);
    });
}

Result<idx::Card> Searcher::get(idx::CardType type,
                                const std::string& id,
                                const std::vector<std::string>& private_namespaces,
                                bool all_private) {
    return impl_->with_retry([&]() -> Result<idx::Card> {
        auto& db = impl_->db_for(private_namespaces, all_private);
        const std::string qterm = idx::id_term(idx::card_type_name(type), id);
        for (auto p = db.postlist_begin(qterm); p != db.postlist_end(qterm); ++p) {
            auto card = idx::decode_summary(db.get_document(*p).get_data(),
                                            idx::SummaryParts::WithMarkdown);
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
        if (impl_->remotes.empty() && (limits.cancelled != nullptr ||
            limits.deadline != std::chrono::steady_clock::time_point::max())) {
            auto* source = new BudgetSource(limits, db.get_lastdocid());
            q = Xapian::Query(Xapian::Query::OP_FILTER, q, Xapian::Query(source->release()));
            enquire.add_matchspy(&spy);
        }
        enquire.set_query(q);
        Xapian::MSet mset = enquire.get_mset(0, static_cast<Xapian::doccount>(limit));
        std::vector<Hit> hits;
        for (auto it = mset.begin(); it != mset.end(); ++it) {
            auto c = idx::decode_summary(it.get_document().get_data());
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
                      std::string(what) + " are not served over remote shards; ask a shard's "
                      "own index",
                      "remote shards");
}

// Namespaces compare exactly, as on the Hub (see exact_namespaces).
bool may_see(const idx::Tombstone& t, const std::vector<std::string>& private_namespaces,
             bool all_private) {
    if (!t.is_private || all_private) return true;
    return std::any_of(private_namespaces.begin(), private_namespaces.end(),
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

std::uint64_t Searcher::retried() const noexcept { return impl_->retries; }

Result<std::shared_ptr<const idx::Vocabulary>> Searcher::vocabulary() {
    return impl_->with_retry([&]() -> Result<std::shared_ptr<const idx::Vocabulary>> {
        auto lex = impl_->current_lexicon();
        if (!lex) return std::move(lex).error();
        return lex.value()->vocabulary;
    });
}

void Searcher::set_call_budget(const Budget& budget) noexcept { impl_->call_budget = budget; }

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
        if (impl_->remotes.empty()) {  // shards keep no columns here
            auto cols = Columns::of(db, impl_->snapshot(db));
            impl_->columns = cols;  // held: the cache keeps them while this Searcher does
            warm_columns(db, *cols);
        }
        if (auto lex = impl_->current_lexicon(); !lex) return std::move(lex).error();
        WarmStats w;
        w.generation = impl_->live.generation;
        w.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                   .count();
        return w;
    });
    impl_->warming = false;
    if (r) mark_warm(impl_->dir, r->generation);
    return r;
}

}  // namespace cardex::query
