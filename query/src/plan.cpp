// Request -> the pass's compiled form, a listing's candidates, the top facet values.
#include "plan.h"

#include <algorithm>
#include <array>

#include "matchset.h"

namespace cardex::query {

namespace idx = cardex::index;

Xapian::valueno sort_slot(Sort s) noexcept {
    switch (s) {
        case Sort::Likes:
            return idx::kSlotLikes;
        case Sort::Trending:
            return idx::kSlotTrending;
        case Sort::Created:
            return idx::kSlotCreated;
        case Sort::Modified:
            return idx::kSlotModified;
        case Sort::Key:
            return idx::kSlotKeyHash;
        case Sort::Quality:
            return idx::kSlotQuality;
        default:
            return idx::kSlotDownloads;
    }
}

Xapian::valueno range_slot(const std::string& field) noexcept {
    if (field == "likes") return idx::kSlotLikes;
    if (field == "created" || field == "createdAt") return idx::kSlotCreated;
    if (field == "modified" || field == "lastModified") return idx::kSlotModified;
    if (field == "trending") return idx::kSlotTrending;
    if (field == "num_parameters") return idx::kSlotParams;
    if (field == "datestamp") return idx::kSlotDatestamp;
    if (field == "key_hash") return idx::kSlotKeyHash;
    return idx::kSlotDownloads;
}

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    }
    return out;
}

}  // namespace

// Request filters, ranges, visibility and wanted facets -> the pass's compiled form.
// build_query has already validated facet names and ranges.
Result<PassInput> compile_pass(const Xapian::Database& db,
                               Columns& cols,
                               const SearchRequest& req,
                               std::vector<std::vector<std::uint64_t>>& spare) {
    PassInput in;
    std::uint64_t bit = 1;
    std::array<std::uint64_t, idx::kFacetCount> own{};
    for (const auto& f : req.filters) {
        auto facet = idx::facet_by_name(f.facet);
        if (!facet) return make_error(Errc::InvalidArgument, "unknown facet", f.facet);
        const FacetColumn* column = &cols.facet(db, *facet);
        const std::size_t n = column->values.size();
        auto mark = [&](const std::vector<std::string>& values, std::vector<std::uint8_t>& flags) {
            flags.assign(n + 1, 0);  // +1: never empty once asked for, even with no values
            for (const auto& v : values) {
                auto it = column->ordinal.find(idx::facet_key(*facet, v));
                if (it != column->ordinal.end()) flags[it->second] = 1;
            }
        };
        auto add = [&](const std::vector<std::string>& values,
                       const std::vector<std::string>& excluded) -> Status {
            if (bit == 0) return make_error(Errc::InvalidArgument, "too many filters", f.facet);
            CompiledFilter cf;
            cf.column = column;
            cf.bit = bit;
            own[static_cast<std::size_t>(*facet)] |= bit;
            bit <<= 1;
            if (!values.empty()) mark(values, cf.allowed);
            if (!excluded.empty()) mark(excluded, cf.excluded);
            in.filters.push_back(std::move(cf));
            return Ok{};
        };
        // A conjunctive facet's values are one filter each (AND); the exclusions one more.
        if (idx::facet_info(*facet).conjunctive) {
            for (const auto& v : f.values) {
                if (auto st = add({v}, {}); !st) return std::move(st).error();
            }
            if (!f.excluded.empty()) {
                if (auto st = add({}, f.excluded); !st) return std::move(st).error();
            }
        } else if (auto st = add(f.values, f.excluded); !st) {
            return std::move(st).error();
        }
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
        // A conjunctive facet counts only the cards that pass every filter, its own too.
        c.own_bits =
            idx::facet_info(*facet).conjunctive ? 0 : own[static_cast<std::size_t>(*facet)];
        if (!spare.empty()) {
            c.counts = std::move(spare.back());
            spare.pop_back();
        }
        c.counts.assign(c.column->values.size(), 0);
        in.facets.push_back(std::move(c));
    }
    return in;
}

void return_counters(PassInput& in, std::vector<std::vector<std::uint64_t>>& spare) {
    for (auto& f : in.facets) {
        if (f.counts.capacity() != 0) spare.push_back(std::move(f.counts));
    }
    in.facets.clear();
}

FacetResult top_values(const FacetRequest& fr, const CountedFacet& c) {
    FacetResult res;
    res.facet = std::string(idx::facet_info(*idx::facet_by_name(fr.facet)).name);
    auto better = [&](std::uint32_t a, std::uint32_t b) {
        return c.counts[a] != c.counts[b] ? c.counts[a] > c.counts[b] : a < b;
    };
    std::vector<std::uint32_t> ords;
    if (fr.all_values) {
        for (std::uint32_t o = 0; o < c.counts.size(); ++o) {
            if (c.counts[o]) ords.push_back(o);
        }
        std::sort(ords.begin(), ords.end(), better);
    } else if (fr.top > 0) {
        // The top values in a heap of fr.top whose front is the worst of them: a facet of
        // many values (authors: hundreds of thousands at 1M cards) is scanned once, without
        // collecting every counted ordinal first.
        // Ordinals ascend, so a count equal to the heap's worst loses its tie: once the heap
        // is full, only a count above `floor` can enter, one compare a value.
        ords.reserve(fr.top);
        const std::uint64_t* counts = c.counts.data();
        const auto n = static_cast<std::uint32_t>(c.counts.size());
        std::uint64_t floor = 0;  // zero counts never enter
        for (std::uint32_t o = 0; o < n; ++o) {
            if (counts[o] <= floor) continue;
            if (ords.size() < fr.top) {
                ords.push_back(o);
                std::push_heap(ords.begin(), ords.end(), better);
                if (ords.size() < fr.top) continue;
            } else {
                std::pop_heap(ords.begin(), ords.end(), better);
                ords.back() = o;
                std::push_heap(ords.begin(), ords.end(), better);
            }
            floor = counts[ords.front()];
        }
        std::sort_heap(ords.begin(), ords.end(), better);
    }
    for (const std::uint32_t o : ords) res.values.push_back({c.column->values[o], c.counts[o], {}});
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
                        TermSets& sets,
                        const SearchRequest& req,
                        bool unfiltered_counts_kept,
                        std::vector<std::uint32_t>& out,
                        std::optional<idx::Facet>& kept,
                        BudgetCheck& budget) {
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
            o.postings += sets.termfreq(db, o.terms.back());
        }
        options.push_back(std::move(o));
    }
    if (options.empty()) return false;
    auto cheaper = [](const Option& a, const Option& b) { return a.postings < b.postings; };
    std::sort(options.begin(), options.end(), cheaper);
    const Option& first = options.front();
    const Option* second = nullptr;
    // A conjunctive facet counts only passing documents, which its own postings hold.
    const bool first_counted =
        !idx::facet_info(first.facet).conjunctive &&
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
    add_postings(db, sets, first.terms, out, budget);
    if (second) add_postings(db, sets, second->terms, out, budget);
    return true;
}

}  // namespace cardex::query
