// The Searcher: query building, matching, exact disjunctive facet counts, snippets.
#include "cardex/query/searcher.h"

#include <xapian.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <optional>
#include <unordered_set>

#include "cardex/index/schema.h"
#include "cardex/index/store.h"
#include "cardex/index/summary.h"
#include "cardex/index/text.h"
#include "columns.h"
#include "matchset.h"
#include "pass.h"
#include "query_builder.h"
#include "snippet.h"

namespace cardex::query {

namespace idx = cardex::index;

std::optional<Sort> parse_sort(std::string_view t) noexcept {
    if (t == "relevance" || t == "score") return Sort::Relevance;
    if (t == "downloads") return Sort::Downloads;
    if (t == "likes") return Sort::Likes;
    if (t == "trending" || t == "trendingScore") return Sort::Trending;
    if (t == "created" || t == "createdAt") return Sort::Created;
    if (t == "modified" || t == "lastModified") return Sort::Modified;
    return std::nullopt;
}

const char* sort_name(Sort s) noexcept {
    switch (s) {
        case Sort::Relevance:
            return "relevance";
        case Sort::Downloads:
            return "downloads";
        case Sort::Likes:
            return "likes";
        case Sort::Trending:
            return "trending";
        case Sort::Created:
            return "created";
        case Sort::Modified:
            return "modified";
    }
    return "relevance";
}

struct Searcher::Impl {
    std::string dir;
    std::string generation;
    Xapian::Database db;
    bool docid_order = false;
    std::shared_ptr<Columns> columns;         // held so the cache keeps them for this revision
    std::vector<std::uint32_t> text_matches;  // reused between searches
    PassOutput pass_out;

    Status open_live() {
        auto gen = idx::live_generation(dir);
        if (!gen) return std::move(gen).error();
        auto db_r = idx::open_reader(dir);
        if (!db_r) return std::move(db_r).error();
        db = std::move(db_r).value();
        generation = gen.value();
        docid_order = db.get_metadata(std::string(idx::kMetaDocidOrder)) == "downloads";
        return Ok{};
    }

    // Picks up a new revision (reopen) or a new generation (a fresh Database: a swapped
    // stub cannot be followed by reopen()).
    Status refresh() {
        auto gen = idx::live_generation(dir);
        if (!gen) return std::move(gen).error();
        if (gen.value() != generation) return open_live();
        try {
            if (db.reopen()) {
                docid_order = db.get_metadata(std::string(idx::kMetaDocidOrder)) == "downloads";
            }
        } catch (const Xapian::Error&) {
            return open_live();
        }
        return Ok{};
    }

    // Runs `fn` and retries once after reopening if the database changed under it.
    template <class Fn>
    auto with_retry(Fn&& fn) -> decltype(fn()) {
        for (int attempt = 0;; ++attempt) {
            if (auto st = refresh(); !st) return std::move(st).error();
            try {
                return fn();
            } catch (const Xapian::DatabaseModifiedError&) {
                if (attempt >= 2) {
                    return make_error(Errc::Unavailable, "index changed during search; retry");
                }
                if (auto st = open_live(); !st) return std::move(st).error();
            } catch (const Xapian::QueryParserError& e) {
                return make_error(Errc::InvalidArgument, "query does not parse: " + e.get_msg());
            } catch (const Xapian::Error& e) {
                return make_error(Errc::Internal, "search failed: " + e.get_description());
            } catch (const std::exception& e) {
                return make_error(Errc::Internal, std::string("search failed: ") + e.what());
            }
        }
    }

    Result<SearchResponse> run(const SearchRequest& req);
};

Searcher::Searcher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Searcher::Searcher(Searcher&&) noexcept = default;
Searcher& Searcher::operator=(Searcher&&) noexcept = default;
Searcher::~Searcher() = default;

Result<Searcher> Searcher::open(const std::string& dir) {
    auto impl = std::make_unique<Impl>();
    impl->dir = dir;
    try {
        if (auto st = impl->open_live(); !st) return std::move(st).error();
    } catch (const std::exception& e) {
        return make_error(Errc::Internal, std::string("cannot open index: ") + e.what(), dir);
    }
    return Searcher(std::move(impl));
}

namespace {

Xapian::valueno sort_slot(Sort s) {
    switch (s) {
        case Sort::Likes:
            return idx::kSlotLikes;
        case Sort::Trending:
            return idx::kSlotTrending;
        case Sort::Created:
            return idx::kSlotCreated;
        case Sort::Modified:
            return idx::kSlotModified;
        default:
            return idx::kSlotDownloads;
    }
}

Xapian::valueno range_slot(const std::string& field) {
    if (field == "likes") return idx::kSlotLikes;
    if (field == "created" || field == "createdAt") return idx::kSlotCreated;
    if (field == "modified" || field == "lastModified") return idx::kSlotModified;
    if (field == "trending") return idx::kSlotTrending;
    if (field == "num_parameters") return idx::kSlotParams;
    return idx::kSlotDownloads;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    }
    return out;
}

// Request filters, ranges, visibility and wanted facets -> the pass's compiled form.
// build_query has already validated facet names and ranges.
Result<PassInput> compile_pass(const Xapian::Database& db,
                               Columns& cols,
                               const SearchRequest& req) {
    PassInput in;
    std::uint64_t bit = 1;
    std::array<std::uint64_t, idx::kFacetCount> own{};
    for (const auto& f : req.filters) {
        auto facet = idx::facet_by_name(f.facet);
        if (!facet) return make_error(Errc::InvalidArgument, "unknown facet", f.facet);
        if (bit == 0) return make_error(Errc::InvalidArgument, "too many filters", f.facet);
        CompiledFilter cf;
        cf.column = &cols.facet(db, *facet);
        cf.bit = bit;
        own[static_cast<std::size_t>(*facet)] |= bit;
        bit <<= 1;
        const std::size_t n = cf.column->values.size();
        auto mark = [&](const std::vector<std::string>& values, std::vector<std::uint8_t>& flags) {
            flags.assign(n + 1, 0);  // +1: never empty once asked for, even with no values
            for (const auto& v : values) {
                auto it = cf.column->ordinal.find(idx::facet_key(*facet, v));
                if (it != cf.column->ordinal.end()) flags[it->second] = 1;
            }
        };
        if (!f.values.empty()) mark(f.values, cf.allowed);
        if (!f.excluded.empty()) mark(f.excluded, cf.excluded);
        in.filters.push_back(std::move(cf));
    }
    for (const auto& r : req.ranges) {
        if (!r.min && !r.max) continue;
        in.ranges.push_back(
            {&cols.value(db, range_slot(r.field)), r.min.value_or(-1e300), r.max.value_or(1e300)});
    }
    in.all_private = req.all_private;
    if (!req.all_private && !req.private_namespaces.empty()) {
        in.authors = &cols.facet(db, idx::Facet::Author);
        in.allowed_authors.assign(in.authors->values.size(), 0);
        for (const auto& ns : req.private_namespaces) {
            auto it = in.authors->ordinal.find(lower(ns));
            if (it != in.authors->ordinal.end()) in.allowed_authors[it->second] = 1;
        }
    }
    for (const auto& fr : req.facets) {
        auto facet = idx::facet_by_name(fr.facet);
        if (!facet) return make_error(Errc::InvalidArgument, "unknown facet", fr.facet);
        CountedFacet c;
        c.column = &cols.facet(db, *facet);
        c.own_bits = own[static_cast<std::size_t>(*facet)];
        c.counts.assign(c.column->values.size(), 0);
        in.facets.push_back(std::move(c));
    }
    return in;
}

FacetResult top_values(const FacetRequest& fr, const CountedFacet& c) {
    FacetResult res;
    res.facet = std::string(idx::facet_info(*idx::facet_by_name(fr.facet)).name);
    std::vector<std::uint32_t> ords;
    for (std::uint32_t o = 0; o < c.counts.size(); ++o) {
        if (c.counts[o]) ords.push_back(o);
    }
    auto better = [&](std::uint32_t a, std::uint32_t b) {
        return c.counts[a] != c.counts[b] ? c.counts[a] > c.counts[b] : a < b;
    };
    const std::size_t n = std::min(ords.size(), fr.top);
    std::partial_sort(
        ords.begin(), ords.begin() + static_cast<std::ptrdiff_t>(n), ords.end(), better);
    for (std::size_t i = 0; i < n; ++i)
        res.values.push_back({c.column->values[ords[i]], c.counts[ords[i]]});
    return res;
}

// A listing (no text) need not visit every document: every document it returns or counts
// holds a value of some filter's allowed values. Candidates are the postings of the
// cheapest such filter; with facet counts, a document counted for facet F may fail F's own
// filters, so when F is counted the postings of a filter on another facet are added (a
// document fails the filters of at most one facet and still counts). False when no filter
// narrows enough to be worth it: the pass then visits every document.
//
// One more case: when every filter is on one facet F and F is counted, F's counts are those of
// the listing without filters. For an anonymous caller without ranges they are kept per
// revision (Columns::public_counts), so the postings of F's filter suffice and `kept` names F,
// whose counts the caller takes from there.
bool listing_candidates(const Xapian::Database& db,
                        const SearchRequest& req,
                        bool unfiltered_counts_kept,
                        std::vector<std::uint32_t>& out,
                        std::optional<idx::Facet>& kept) {
    kept.reset();
    struct Option {
        idx::Facet facet;
        std::vector<std::string> terms;
        Xapian::doccount postings = 0;
    };
    std::vector<Option> options;
    for (const auto& f : req.filters) {
        auto facet = idx::facet_by_name(f.facet);
        if (!facet || f.values.empty()) continue;  // an exclusion alone narrows nothing
        Option o{*facet, {}, 0};
        for (const auto& v : f.values) {
            o.terms.push_back(idx::facet_term(*facet, v));
            o.postings += db.get_termfreq(o.terms.back());
        }
        options.push_back(std::move(o));
    }
    if (options.empty()) return false;
    auto cheaper = [](const Option& a, const Option& b) { return a.postings < b.postings; };
    std::sort(options.begin(), options.end(), cheaper);
    const Option& first = options.front();
    const Option* second = nullptr;
    const bool first_counted =
        std::any_of(req.facets.begin(), req.facets.end(), [&](const FacetRequest& fr) {
            return idx::facet_by_name(fr.facet) == first.facet;
        });
    if (first_counted) {
        for (const auto& o : options) {
            if (o.facet != first.facet) {
                second = &o;
                break;
            }
        }
        const bool one_facet =
            std::all_of(req.filters.begin(), req.filters.end(), [&](const FacetFilter& f) {
                return idx::facet_by_name(f.facet) == first.facet;
            });
        if (!second && !(one_facet && unfiltered_counts_kept)) return false;
        if (!second) kept = first.facet;
    }
    // Past about half the index, sorting a union costs more than visiting every document.
    const Xapian::doccount cost = first.postings + (second ? second->postings : 0);
    if (cost > db.get_lastdocid() / 2) {
        kept.reset();
        return false;
    }
    out.clear();
    add_postings(db, first.terms, out);
    if (second) add_postings(db, second->terms, out);
    return true;
}

std::string encode_cursor(std::size_t offset) {
    return "o" + std::to_string(offset);
}

Result<std::size_t> decode_cursor(const std::string& c) {
    if (c.size() < 2 || c.size() > 12 || c[0] != 'o' ||
        c.find_first_not_of("0123456789", 1) != std::string::npos) {
        return make_error(Errc::InvalidArgument, "bad cursor", c);
    }
    return static_cast<std::size_t>(std::stoull(c.substr(1)));
}

}  // namespace

Result<SearchResponse> Searcher::Impl::run(const SearchRequest& req) {
    const auto t0 = std::chrono::steady_clock::now();
    if (req.limit > kMaxLimit) {
        return make_error(Errc::InvalidArgument,
                          "limit is at most " + std::to_string(kMaxLimit),
                          std::to_string(req.limit));
    }
    std::size_t offset = req.offset;
    if (!req.cursor.empty()) {
        auto off = decode_cursor(req.cursor);
        if (!off) return std::move(off).error();
        offset = off.value();
    }

    auto built = build_query(db, req);
    if (!built) return std::move(built).error();
    QueryParts& q = built.value();
    const Sort sort = req.sort.value_or(q.has_text ? Sort::Relevance : Sort::Downloads);
    const bool relevance = sort == Sort::Relevance && q.has_text;

    // Filters, ranges, visibility and facet counts are evaluated on the columns in one pass
    // over the candidates: the text matches, a listing's selective postings
    // (listing_candidates), or every document.
    auto cols_now = Columns::of(db);
    columns = cols_now;
    auto compiled = compile_pass(db, *cols_now, req);
    if (!compiled) return std::move(compiled).error();
    PassInput& in = compiled.value();
    std::optional<idx::Facet> kept_facet;  // its counts are the unfiltered listing's
    if (q.has_text) {
        match_set(db, q.text, text_matches);
        in.candidates = &text_matches;
    } else if (listing_candidates(db,
                                  req,
                                  !in.all_private && !in.authors && in.ranges.empty(),
                                  text_matches,
                                  kept_facet)) {
        in.candidates = &text_matches;
    }
    // Collect every passing document only when there are few (text matches, or the postings
    // of a selective filter); otherwise the page is found by walking a sort order below.
    in.collect = !relevance && in.candidates != nullptr;
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
        run_pass(*cols_now, in, pass_out);
        for (std::size_t i = 0; kept_facet && i < in.facets.size(); ++i) {
            if (idx::facet_by_name(req.facets[i].facet) == kept_facet) {
                in.facets[i].counts = cols_now->public_counts(db, *kept_facet);
            }
        }
    }

    SearchResponse resp;
    resp.total = pass_out.total;
    std::vector<std::pair<Xapian::docid, double>> page;
    const std::size_t want = offset + req.limit;
    const bool by_docid = sort == Sort::Downloads && docid_order;
    if (relevance) {
        Xapian::Enquire enquire(db);
        enquire.set_query(q.ranked(q.filtered()));
        Xapian::MSet mset = enquire.get_mset(static_cast<Xapian::doccount>(offset),
                                             static_cast<Xapian::doccount>(req.limit));
        for (auto it = mset.begin(); it != mset.end(); ++it)
            page.emplace_back(*it, it.get_weight());
    } else if (in.collect) {
        auto& passing = pass_out.passing;
        const std::size_t n = std::min(passing.size(), want);
        if (!by_docid) {
            // Docids are in downloads order only after a reindex; otherwise, and for the
            // other sorts, order by the value column (ties by docid, so paging is stable).
            const ValueColumn& v = cols_now->value(db, sort_slot(sort));
            std::partial_sort(passing.begin(),
                              passing.begin() + static_cast<std::ptrdiff_t>(n),
                              passing.end(),
                              [&](std::uint32_t a, std::uint32_t b) {
                                  return v[a] != v[b] ? v[a] > v[b] : a < b;
                              });
        }
        for (std::size_t i = offset; i < n; ++i) page.emplace_back(passing[i], 0.0);
    } else if (want > offset && pass_out.total > offset) {
        // Walk the sort order (docids themselves when they are in downloads order) and keep
        // passing documents until the page is full: O(page / selectivity), not O(matches).
        std::size_t seen = 0;
        auto take = [&](std::uint32_t d) {
            if (!passes_all(*cols_now, in, d)) return true;
            if (seen++ >= offset) page.emplace_back(d, 0.0);
            return seen < want;
        };
        if (by_docid) {
            for (std::uint32_t d = 1; d <= cols_now->lastdocid() && take(d);) ++d;
        } else {
            for (std::uint32_t d : cols_now->order(db, sort_slot(sort))) {
                if (!take(d)) break;
            }
        }
    }
    for (const auto& [docid, weight] : page) {
        auto card = idx::decode_summary(db.get_document(docid).get_data());
        if (!card) return std::move(card).error();
        Hit h;
        h.card = std::move(card).value();
        h.score = weight;
        if (req.snippets && q.has_text) {
            h.snippet =
                make_snippet(h.card.body.empty() ? h.card.description : h.card.body, q.stems, 200);
        }
        resp.hits.push_back(std::move(h));
    }
    if (offset + resp.hits.size() < resp.total && !resp.hits.empty()) {
        resp.next_cursor = encode_cursor(offset + resp.hits.size());
    }
    for (std::size_t i = 0; i < in.facets.size(); ++i) {
        resp.facets.push_back(top_values(req.facets[i], in.facets[i]));
    }
    if (q.has_text && resp.total < 3) resp.suggestion = suggest(db, req.text);
    resp.took_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    return resp;
}

Result<SearchResponse> Searcher::search(const SearchRequest& request) {
    return impl_->with_retry([&]() { return impl_->run(request); });
}

Result<idx::Card> Searcher::get(idx::CardType type,
                                const std::string& id,
                                const std::vector<std::string>& private_namespaces,
                                bool all_private) {
    return impl_->with_retry([&]() -> Result<idx::Card> {
        const std::string qterm = idx::id_term(idx::card_type_name(type), id);
        for (auto p = impl_->db.postlist_begin(qterm); p != impl_->db.postlist_end(qterm); ++p) {
            auto card = idx::decode_summary(impl_->db.get_document(*p).get_data(),
                                            idx::SummaryParts::WithMarkdown);
            if (!card) return std::move(card).error();
            // Namespaces compare case-insensitively, as in search (facet terms are lower-case).
            const bool mine = std::any_of(
                private_namespaces.begin(), private_namespaces.end(), [&](const std::string& ns) {
                    return lower(ns) == lower(card->author);
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
        auto& db = impl_->db;
        const std::string qterm = idx::id_term(idx::card_type_name(type), id);
        Xapian::PostingIterator p = db.postlist_begin(qterm);
        Xapian::RSet rset;
        for (; p != db.postlist_end(qterm); ++p) rset.add_document(*p);
        Xapian::Enquire enquire(db);
        enquire.set_query(Xapian::Query::MatchAll);
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
        q = apply_visibility(q, private_namespaces, all_private);
        enquire.set_query(q);
        Xapian::MSet mset = enquire.get_mset(0, static_cast<Xapian::doccount>(limit));
        std::vector<Hit> hits;
        for (auto it = mset.begin(); it != mset.end(); ++it) {
            auto c = idx::decode_summary(it.get_document().get_data());
            if (!c) return std::move(c).error();
            hits.push_back({std::move(c).value(), it.get_weight(), {}});
        }
        return hits;
    });
}

Result<IndexInfo> Searcher::info() {
    return impl_->with_retry([&]() -> Result<IndexInfo> {
        IndexInfo i;
        i.cards = impl_->db.get_doccount();
        i.revision = impl_->db.get_revision();
        i.generation = impl_->generation;
        return i;
    });
}

}  // namespace cardex::query
