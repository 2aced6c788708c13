// The Searcher: query building, matching, exact disjunctive facet counts, snippets.
#include "cardex/query/searcher.h"

#include <xapian.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
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
#include "impacts.h"
#include "lexicon.h"
#include "lineage.h"
#include "matchset.h"
#include "pass.h"
#include "phrases.h"
#include "plan.h"
#include "positional.h"
#include "proximity.h"
#include "query_builder.h"
#include "query_tree.h"
#include "resume.h"
#include "score_plan.h"
#include "searcher_impl.h"
#include "sharded.h"
#include "snippet.h"
#include "typo.h"
#include "warm.h"

namespace cardex::query {

namespace idx = cardex::index;

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
        auto r = search_shards(shards, db, req, *lex.value(), budget, pass, typo_held_back);
        if (r) r.value().filters = std::move(understood);
        return r;
    }
    // The columns of this snapshot (built by the warmer before a swap): their term caches
    // remember term frequencies for the query's parse too.
    auto cols_now = Columns::of(db, snapshot(db));
    columns = cols_now;
    TextPass local = pass;
    local.revision = &cols_now->term_sets();
    auto built = build_query(db, req, *lex.value(), budget, local);
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
    auto compiled = compile_pass(db, *cols_now, req, spare_counters);
    if (!compiled) return std::move(compiled).error();
    PassInput& in = compiled.value();
    timings.parse_ms = lap();
    std::optional<idx::Facet> kept_facet;  // its counts are the unfiltered listing's
    // Required phrases whose words many cards hold are checked on a prefix of those cards
    // only (phrases.h): then `phrases` is set and `checked_to` is the prefix's last docid.
    std::optional<std::vector<Phrase>> phrases;
    std::uint32_t checked_to = 0;
    std::size_t checked = 0;   // how many of phrase_candidates were checked
    bool counts_exact = true;  // false: the facet counts are lower bounds
    const bool one_database = &db == &live.db && parts_of(db).empty();
    std::size_t phrase_limit = req.exhaustive ? 0 : req.phrase_check_limit;
    // An exact total asked for (0) is the phrase path checking every candidate, when the
    // generation has a position store: 0.1 µs a card, against Xapian's phrase postlist.
    if (phrase_limit == 0 && !req.exhaustive && q.has_text && relevance && one_database &&
        position_store() != nullptr)
        phrase_limit = std::numeric_limits<std::uint32_t>::max();
    bool matched = false;  // text_matches filled by the phrase path
    // Every other phrase and NEAR (under OR or NOT, windows, the match set the bitmaps
    // cannot make, the unrestricted and exhaustive rankings) on the store too (positional.h).
    std::shared_ptr<PositionalContext> positional;
    // With private databases too: each source reads the store only inside the public one.
    auto store_context = [&]() -> PositionalContext* {
        if (!q.has_text || position_store() == nullptr) return nullptr;
        if (!positional) {
            positional = positional_context(
                live.db, position_store(), budget.unlimited() ? nullptr : &budget.limits());
            positional->pairs = pair_filter.get();
        }
        return positional.get();
    };
    // A generation whose cards' positions are in its store only (kMetaXapianPositions)
    // cannot answer a phrase without it: say so rather than match the phrase nowhere.
    if (q.has_text && position_store() == nullptr && positions_in_store_only() &&
        needs_positions(q.text)) {
        return make_error(Errc::DataLoss,
                          "this generation keeps its cards' positions in its position store, "
                          "which is missing or not its own, so phrases cannot be searched "
                          "(a read replica does not receive it: reindex the primary with "
                          "--xapian-positions)",
                          (std::filesystem::path(live.generation) / idx::kPositionsFile).string());
    }
    // A positional node the rewrite cannot rebuild (positional.h: under SYNONYM,
    // SCALE_WEIGHT or ELITE_SET; cardex's parser makes none) would be Xapian's to check.
    if (q.has_text && positions_in_store_only() && needs_positions(q.text) &&
        store_context() != nullptr && needs_positions(on_store(q.text, positional))) {
        return make_error(Errc::InvalidArgument,
                          "a phrase inside a synonym or weighted group cannot be searched on "
                          "this index");
    }
    auto with_store = [&](const Xapian::Query& x) {
        return store_context() == nullptr ? x : on_store(x, positional);
    };
    std::optional<PhraseChecker> checker;  // the phrase path's, kept for its decider
    if (q.has_text && relevance && phrase_limit > 0 && one_database) {
        phrases = required_phrases(q.text);
        if (!phrases || phrases->empty() ||
            !direct_set(db,
                        without_required_phrases(q.text),
                        phrase_candidates,
                        cols_now->term_sets(),
                        budget)) {
            phrases.reset();
        } else {
            checker.emplace(db, store_context(), *phrases);
            // The filters first (a few ns a card on the columns): only the cards the pass
            // counts somewhere (every filter passed, or only those of a counted facet: its
            // disjunctive counts) need their positions read.
            if (!in.filters.empty() || !in.ranges.empty()) {
                std::erase_if(phrase_candidates, [&](std::uint32_t d) {
                    budget();
                    return !counted_anywhere(*cols_now, in, d);
                });
            }
            const PhraseCheck check = check_phrases(
                db,
                &*checker,
                q.text,
                phrase_candidates,
                phrase_limit,
                offset + req.limit + 1,
                [&](std::uint32_t d) { return passes_all(*cols_now, in, d); },
                text_matches,
                phrase_prefix,
                phrase_rest,
                budget);
            checked = check.checked;
            counts_exact = check.counts_exact;
            if (check.total_exact) {
                phrases.reset();  // the page and the total are exact: the exact path from here
            } else {
                checked_to = phrase_candidates[checked - 1];
            }
            matched = true;
        }
    }
    if (q.has_text) {
        if (!matched)
            match_set(db,
                      parts_of(db),
                      q.text,
                      text_matches,
                      cols_now->term_sets(),
                      budget,
                      store_context() != nullptr ? positional : nullptr);
        in.candidates = &text_matches;
    } else if (listing_candidates(db,
                                  cols_now->term_sets(),
                                  req,
                                  !in.all_private && !in.authors && in.ranges.empty(),
                                  text_matches,
                                  kept_facet,
                                  budget)) {
        in.candidates = &text_matches;
    }
    timings.match_ms = lap();
    // Collect every passing document only when there are few (text matches, or the postings
    // of a selective filter); otherwise the page is found by walking a sort order below.
    // A relevance ranking on one database is restricted to the passing documents collected
    // here (restricted_ranking below).
    // Anonymous text without filters that matches more than half of the index: the kept
    // public counts minus what the documents it does not match add (run_complement_pass),
    // and the ranking unrestricted (nothing is collected). Not for the exhaustive path, the
    // reference the tests compare this one with, nor for text that needs positions, which
    // the unrestricted ranking would check again.
    const bool complement = q.has_text && relevance && !req.exhaustive && &db == &live.db &&
                            in.candidates != nullptr && in.filters.empty() && in.ranges.empty() &&
                            !in.all_private && in.authors == nullptr && !phrases &&
                            text_matches.size() > cols_now->lastdocid() / 2 && [&] {
                                auto p = required_phrases(q.text);
                                return p && p->empty();
                            }();
    const bool restricted_ranking =
        relevance && !req.exhaustive && &db == &live.db && in.candidates != nullptr && !complement;
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
    } else if (complement) {
        for (std::size_t i = 0; i < in.facets.size(); ++i) {
            in.facets[i].counts =
                cols_now->public_counts(db, *idx::facet_by_name(req.facets[i].facet));
        }
        run_complement_pass(*cols_now, in, pass_out, budget);
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
    resp.counts_exact = counts_exact;
    if (phrases) {
        resp.total_exact = false;
        const double share =
            static_cast<double>(phrase_candidates.size()) / static_cast<double>(checked);
        resp.total_estimate = std::max<std::uint64_t>(
            resp.total,
            static_cast<std::uint64_t>(std::llround(static_cast<double>(resp.total) * share)));
    }
    resp.filters = std::move(understood);
    resp.vocabulary = lex.value()->vocabulary;
    Ranked page;
    WindowGains gains;  // what the second stage added to a card (proximity.h)
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
        // Past a phrase's checked prefix: every candidate, phrases as ANDs, the decider
        // checking the few that could enter the page (phrases.h).
        std::optional<PhraseDecider> decider;
        if (phrases) decider.emplace(*checker, *cols_now, in, pass_out.passing, checked_to);
        Xapian::Query ranked;
        // The documents the ranking visits: the phrases' candidates, the pass's documents,
        // or, for text on most of the index (complement), the text's matches, of which the
        // public ones count.
        // For a phrase checked on a prefix: in the prefix only the cards the pass kept
        // (holders passing the filters; the decider accepts no other), then every later
        // candidate. The prefix's other cards, most of it for a phrase of common words
        // (check_phrases doubles the prefix until enough hold it), are neither weighed nor
        // asked about.
        std::vector<std::uint32_t> phrase_visited;
        if (phrases) {
            const auto rest =
                std::upper_bound(phrase_candidates.begin(), phrase_candidates.end(), checked_to);
            const auto kept_end =
                std::upper_bound(pass_out.passing.begin(), pass_out.passing.end(), checked_to);
            phrase_visited.reserve(static_cast<std::size_t>(kept_end - pass_out.passing.begin()) +
                                   static_cast<std::size_t>(phrase_candidates.end() - rest));
            phrase_visited.assign(pass_out.passing.begin(), kept_end);
            phrase_visited.insert(phrase_visited.end(), rest, phrase_candidates.end());
        }
        const std::vector<std::uint32_t>* visited = phrases              ? &phrase_visited
                                                    : restricted_ranking ? &pass_out.passing
                                                    : complement         ? &text_matches
                                                                         : nullptr;
        const Xapian::Query text = with_store(without_required_phrases(q.text));
        BitmapMemo memo;
        // The second stage (proximity.h) rescores the first stage's top kProximityWindow:
        // a page starting inside it is cut from the rescored window.
        const bool second_stage = !q.proximity.empty() || q.documented > 0;
        const WindowRead window = window_read(second_stage && !after, offset, want);
        const std::size_t ranked_want = window.first + window.count;
        std::vector<std::uint32_t> chosen;  // choose_documents' (score_plan.h)
        bool chose = false;
        // A first page: the few documents that can be on it are chosen outside Xapian's
        // matcher, with bounds summed per window of documents over every part of the query,
        // and Xapian ranks only those (score_plan.h). A page after a cursor is left to the
        // matcher (relevance_after).
        if (visited != nullptr && !after && visited->size() >= kChooseFrom) {
            auto plan = plan_scores(
                q.ranked(Xapian::Query(
                    Xapian::Query::OP_FILTER, text, Xapian::Query(docid_set_source(*visited)))),
                db,
                cols_now->impacts(),
                cols_now->term_sets(),
                cols_now->doclengths(db),
                q.prior_column,
                TermSets::min_freq(db.get_lastdocid()),
                visited->size(),
                budget,
                memo);
            if (plan) {
                const auto& present = cols_now->present();
                const auto& is_private = cols_now->is_private();
                const std::function<bool(std::uint32_t)> accept = [&](std::uint32_t d) {
                    if (decider) return decider->accepts(d);
                    return d < present.size() && present[d] != 0 && is_private[d] == 0;
                };
                const ChooseStats chose_from =
                    choose_documents(*plan,
                                     *visited,
                                     ranked_want,
                                     decider || complement ? &accept : nullptr,
                                     q.prior_falls,
                                     chosen,
                                     budget);
                timings.rank_scored = chose_from.scored;
                timings.rank_accepted = chose_from.accepted;
                chose = true;
                decider.reset();  // every chosen document was accepted
            }
        }
        if (chose || phrases || restricted_ranking) {
            ranked =
                q.ranked(Xapian::Query(Xapian::Query::OP_FILTER,
                                       text,
                                       Xapian::Query(docid_set_source(chose ? chosen : *visited))));
            // Frequent terms weighed from their cached postings and boolean parts from the
            // term bitmaps (impacts.h): Xapian's own postlists would be decoded up to every
            // document the ranking visits. The same decisions as the plan's (`visited`).
            ranked = with_impacts(ranked,
                                  db,
                                  cols_now->impacts(),
                                  cols_now->term_sets(),
                                  cols_now->doclengths(db),
                                  TermSets::min_freq(db.get_lastdocid()),
                                  visited->size(),
                                  budget,
                                  &memo);
        } else {
            const Xapian::Query plain = q.text;  // filtered() reads q.text
            q.text = with_store(plain);
            ranked = q.ranked(q.filtered());
            q.text = plain;
        }
        BudgetSpy spy(limits);
        if (!budget.unlimited()) {
            // The matcher calls these: the only way to stop it (budget.h).
            auto* source = new BudgetSource(limits, db.get_lastdocid());
            ranked = Xapian::Query(Xapian::Query::OP_FILTER, ranked, Xapian::Query(source->release()));
            enquire.add_matchspy(&spy);
        }
        enquire.set_query(ranked);
        // The rescore of the window, the same on every page that reaches into it.
        const std::function<void(Ranked&)> rescore = [&](Ranked& top) {
            auto parts = parts_of(db);
            if (parts.empty()) parts.push_back(&db);
            const ValueColumn* quality =
                q.documented > 0 ? &cols_now->value(db, idx::kSlotQuality) : nullptr;
            rescore_window(parts, q.proximity, q.documented, quality, store_context(), top, &gains);
        };
        if (after) {
            relevance_after(enquire,
                            *after,
                            req.limit + 1,
                            page,
                            next_position,
                            decider ? &*decider : nullptr,
                            second_stage ? &rescore : nullptr);
        } else {
            Xapian::MSet mset = enquire.get_mset(static_cast<Xapian::doccount>(window.first),
                                                 static_cast<Xapian::doccount>(window.count),
                                                 0,
                                                 nullptr,
                                                 decider ? &*decider : nullptr);
            for (auto it = mset.begin(); it != mset.end(); ++it)
                page.emplace_back(*it, it.get_weight());
            if (window.rescored) {
                rescore(page);
                page.erase(
                    page.begin(),
                    page.begin() + static_cast<std::ptrdiff_t>(std::min(offset, page.size())));
                if (page.size() > req.limit + 1) page.resize(req.limit + 1);
            }
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
        auto card =
            idx::decode_summary(doc.get_data(), idx::SummaryParts::Listing, summaries.get());
        if (!card) return std::move(card).error();
        Hit h;
        h.card = std::move(card).value();
        h.score = weight;
        if (req.explain && relevance) {
            // The second stage's parts (a loop: clang 14 cannot capture a structured binding
            // in a lambda).
            double near = 0, documented = 0;
            for (const auto& g : gains.proximity) {
                if (g.first == docid) near = g.second;
            }
            for (const auto& g : gains.documentation) {
                if (g.first == docid) documented = g.second;
            }
            h.explain = explain_score(db, q, doc, docid, weight, near, documented);
        }
        if (req.snippets && q.has_text) h.snippet = hit_snippet(h.card, q);
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
        resp.understood.push_back(
            {u.phrase, std::string(idx::facet_info(u.facet).name), u.value, u.implied});
    }
    resp.corrected = std::move(q.typos.corrected);
    resp.suggestion = std::move(q.typos.suggestion);
    resp.dropped = std::move(q.dropped);
    // The older scan of the whole spelling vocabulary, for what the typo dictionary lacks
    // (words of one card, 4-letter words 2 edits away), only when little matches.
    if (q.has_text && resp.total < 3 && resp.suggestion.empty() && pass.drop_words == 0) {
        resp.suggestion = suggest(db, *lex.value()->words, req.text, budget);
    }
    timings.suggest_ms = lap();
    if (checker) {
        timings.phrase_store_cards = checker->store_checks();
        timings.phrase_xapian_cards = checker->xapian_checks();
        timings.phrase_pair_rejects = checker->pair_rejects();
    }
    if (positional) {
        timings.phrase_store_cards += positional->store_checks;
        timings.phrase_xapian_cards += positional->xapian_checks;
        timings.phrase_pair_rejects += positional->pair_rejects;
    }
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
        auto r = [&] {
            if (request.all_private || request.private_namespaces.empty())
                return impl_->run(request, db);
            SearchRequest exact = request;
            exact.private_namespaces = exact_namespaces(db, request.private_namespaces);
            return impl_->run(exact, db);
        }();
        if (r && r.value().total_exact) r.value().total_estimate = r.value().total;
        return r;
    });
}

}  // namespace cardex::query
