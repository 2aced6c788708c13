#include "query_builder.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "cardex/index/text.h"

namespace cardex::query {

namespace idx = cardex::index;

namespace {

constexpr double kPriorWeight = 0.6;   // popularity prior scale (max 8 * 0.6 = 4.8)
constexpr double kExactIdBoost = 4.0;  // exact id / name match
constexpr unsigned kMaxWildcardTerms = 200;

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    }
    return out;
}

// "author:Facebook" -> the term "Afacebook": facet terms are lower-cased at index time.
class LowerField : public Xapian::FieldProcessor {
public:
    explicit LowerField(idx::Facet f) : facet_(f) {}
    Xapian::Query operator()(const std::string& str) override {
        return Xapian::Query(idx::facet_term(facet_, str));
    }

private:
    idx::Facet facet_;
};

Xapian::Query range_query(Xapian::valueno slot, const RangeFilter& r) {
    if (r.min && r.max) {
        return Xapian::Query(Xapian::Query::OP_VALUE_RANGE, slot, Xapian::sortable_serialise(*r.min),
                             Xapian::sortable_serialise(*r.max));
    }
    if (r.min) return Xapian::Query(Xapian::Query::OP_VALUE_GE, slot, Xapian::sortable_serialise(*r.min));
    return Xapian::Query(Xapian::Query::OP_VALUE_LE, slot, Xapian::sortable_serialise(*r.max));
}

Xapian::Query and_all(const Xapian::Query& a, const Xapian::Query& b) {
    if (a.empty()) return b;
    if (b.empty()) return a;
    return Xapian::Query(Xapian::Query::OP_FILTER, a, b);
}

}  // namespace

Xapian::Query apply_visibility(const Xapian::Query& q,
                               const std::vector<std::string>& private_namespaces,
                               bool all_private) {
    if (all_private) return q;
    Xapian::Query hidden{std::string(idx::kTermPrivate)};
    if (!private_namespaces.empty()) {
        std::vector<Xapian::Query> mine;
        for (const auto& ns : private_namespaces) {
            mine.emplace_back(idx::facet_term(idx::Facet::Author, ns));
        }
        hidden = Xapian::Query(Xapian::Query::OP_AND_NOT, hidden,
                               Xapian::Query(Xapian::Query::OP_OR, mine.begin(), mine.end()));
    }
    return Xapian::Query(Xapian::Query::OP_AND_NOT, q, hidden);
}

Xapian::Query QueryParts::filtered_except(std::size_t skip) const {
    Xapian::Query filter = other_filter;
    for (std::size_t i = 0; i < facet_filters.size(); ++i) {
        if (i != skip) filter = Xapian::Query(Xapian::Query::OP_AND, filter, facet_filters[i].query);
    }
    if (!has_text) return filter;
    return Xapian::Query(Xapian::Query::OP_FILTER, text, filter);
}

Xapian::Query QueryParts::filtered() const { return filtered_except(facet_filters.size()); }

Xapian::Query QueryParts::ranked(const Xapian::Query& f) const {
    std::vector<Xapian::Query> extras;
    if (!boost.empty()) extras.push_back(boost);
    // The prior: log-scaled, capped downloads stored in a value slot at index time.
    // release() hands the source to the query's reference counting.
    auto* source = new Xapian::ValueWeightPostingSource(idx::kSlotPrior);
    Xapian::Query prior(source->release());
    extras.push_back(Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, prior, kPriorWeight));
    Xapian::Query maybe(Xapian::Query::OP_OR, extras.begin(), extras.end());
    return Xapian::Query(Xapian::Query::OP_AND_MAYBE, f, maybe);
}

Result<QueryParts> build_query(const Xapian::Database& db, const SearchRequest& req) {
    QueryParts q;
    if (req.text.size() > kMaxQueryBytes) {
        return make_error(Errc::ResourceExhausted,
                          "query text is longer than " + std::to_string(kMaxQueryBytes) + " bytes",
                          req.text.substr(0, 64));
    }
    std::string text(req.text);
    const bool blank = text.find_first_not_of(" \t\r\n") == std::string::npos;
    q.text = Xapian::Query::MatchAll;
    if (!blank) {
        q.has_text = true;
        if (req.id_only) {
            // The Hub's `search`: words of the repo id (author included), each a prefix.
            std::vector<Xapian::Query> parts;
            idx::tokenize(text, [&](std::string_view tok, std::size_t) {
                parts.emplace_back(Xapian::Query::OP_WILDCARD, std::string(idx::kPrefixIdToken) + std::string(tok),
                                   kMaxWildcardTerms, Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT);
            });
            q.text = parts.empty() ? Xapian::Query::MatchNothing
                                   : Xapian::Query(Xapian::Query::OP_AND, parts.begin(), parts.end());
        } else {
            Xapian::QueryParser qp;
            qp.set_database(db);
            qp.set_stemmer(Xapian::Stem("english"));
            qp.set_stemming_strategy(Xapian::QueryParser::STEM_ALL);
            qp.set_default_op(Xapian::Query::OP_AND);
            qp.set_max_expansion(kMaxWildcardTerms, Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT);
            auto add_field = [&](const char* name, idx::Facet f) {
                qp.add_boolean_prefix(name, (new LowerField(f))->release());
            };
            add_field("author", idx::Facet::Author);
            add_field("task", idx::Facet::Task);
            add_field("language", idx::Facet::Language);
            add_field("license", idx::Facet::License);
            add_field("tag", idx::Facet::Tag);
            add_field("library", idx::Facet::Library);
            add_field("base_model", idx::Facet::BaseModel);
            add_field("dataset", idx::Facet::Dataset);
            add_field("doi", idx::Facet::Doi);
            add_field("type", idx::Facet::Type);
            qp.add_prefix("title", std::string(idx::kPrefixTitle));
            const unsigned flags = Xapian::QueryParser::FLAG_PHRASE |
                                   Xapian::QueryParser::FLAG_BOOLEAN |
                                   Xapian::QueryParser::FLAG_LOVEHATE |
                                   Xapian::QueryParser::FLAG_WILDCARD |
                                   Xapian::QueryParser::FLAG_PURE_NOT;
            q.text = qp.parse_query(text, flags);
            for (auto t = q.text.get_unique_terms_begin(); t != q.text.get_unique_terms_end(); ++t) {
                const std::string& s = *t;
                if (!s.empty() && !(s[0] >= 'A' && s[0] <= 'Z')) q.stems.insert(s);
            }
            // Exact id or name: "bert-base-german-cased", or the same words with spaces.
            std::string key = lower(text);
            key.erase(0, key.find_first_not_of(' '));
            key.erase(key.find_last_not_of(' ') + 1);
            std::string dashed = key;
            std::replace(dashed.begin(), dashed.end(), ' ', '-');
            std::vector<Xapian::Query> exact{
                Xapian::Query(std::string(idx::kPrefixIdLower) + key),
                Xapian::Query(std::string(idx::kPrefixName) + key),
                Xapian::Query(std::string(idx::kPrefixName) + dashed)};
            q.boost = Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT,
                                    Xapian::Query(Xapian::Query::OP_OR, exact.begin(), exact.end()),
                                    kExactIdBoost);
        }
    }

    // Facet filters: values of one facet OR-ed, exclusions removed, facets AND-ed.
    for (const auto& f : req.filters) {
        auto facet = idx::facet_by_name(f.facet);
        if (!facet) return make_error(Errc::InvalidArgument, "unknown facet", f.facet);
        std::vector<Xapian::Query> any;
        for (const auto& v : f.values) any.emplace_back(idx::facet_term(*facet, v));
        Xapian::Query fq = any.empty() ? Xapian::Query::MatchAll
                                       : Xapian::Query(Xapian::Query::OP_OR, any.begin(), any.end());
        if (!f.excluded.empty()) {
            std::vector<Xapian::Query> none;
            for (const auto& v : f.excluded) none.emplace_back(idx::facet_term(*facet, v));
            fq = Xapian::Query(Xapian::Query::OP_AND_NOT, fq,
                               Xapian::Query(Xapian::Query::OP_OR, none.begin(), none.end()));
        }
        q.facet_filters.push_back({*facet, fq});
    }

    Xapian::Query other = Xapian::Query::MatchAll;
    for (const auto& r : req.ranges) {
        Xapian::valueno slot;
        if (r.field == "downloads") {
            slot = idx::kSlotDownloads;
        } else if (r.field == "likes") {
            slot = idx::kSlotLikes;
        } else if (r.field == "created" || r.field == "createdAt") {
            slot = idx::kSlotCreated;
        } else if (r.field == "modified" || r.field == "lastModified") {
            slot = idx::kSlotModified;
        } else if (r.field == "trending") {
            slot = idx::kSlotTrending;
        } else {
            return make_error(Errc::InvalidArgument, "unknown range field", r.field);
        }
        if (!r.min && !r.max) continue;
        if (r.min && r.max && *r.min > *r.max) {
            return make_error(Errc::InvalidArgument, "range minimum is above its maximum", r.field);
        }
        other = and_all(other, range_query(slot, r));
    }
    q.other_filter = apply_visibility(other, req.private_namespaces, req.all_private);
    return q;
}

Result<std::vector<FacetResult>> count_facets(const Xapian::Database& db,
                                              const SearchRequest& req,
                                              const QueryParts& q,
                                              Bitset& matched) {
    std::vector<FacetResult> out;
    const auto lastdocid = db.get_lastdocid();
    for (const auto& fr : req.facets) {
        auto facet = idx::facet_by_name(fr.facet);
        if (!facet) return make_error(Errc::InvalidArgument, "unknown facet", fr.facet);
        // Disjunctive: this facet's own filter is left out of its match set.
        std::size_t own = q.facet_filters.size();
        for (std::size_t i = 0; i < q.facet_filters.size(); ++i) {
            if (q.facet_filters[i].facet == *facet) own = i;
        }
        Bitset local;
        const Bitset* set = &matched;
        if (matched.empty() || own < q.facet_filters.size()) {
            local.resize(lastdocid + 1);
            Xapian::Enquire e(db);
            e.set_query(q.filtered_except(own));
            e.set_weighting_scheme(Xapian::BoolWeight());
            e.set_docid_order(Xapian::Enquire::ASCENDING);
            struct Spy : Xapian::MatchSpy {
                Bitset& b;
                explicit Spy(Bitset& bs) : b(bs) {}
                void operator()(const Xapian::Document& d, double) override { b.set(d.get_docid()); }
            } spy(local);
            e.add_matchspy(&spy);
            e.get_mset(0, 0, db.get_doccount());
            set = &local;
            if (own == q.facet_filters.size()) matched = local;  // reuse for the next facets
        }
        FacetResult res;
        res.facet = std::string(idx::facet_info(*facet).name);
        const std::string prefix(idx::facet_info(*facet).prefix);
        for (auto t = db.allterms_begin(prefix); t != db.allterms_end(prefix); ++t) {
            const std::string term = *t;  // the iterator returns a temporary
            std::string_view value = idx::facet_value(*facet, term);
            // Single-letter prefixes (A, K, L) share their space with X... prefixes.
            if (prefix.size() == 1 && !value.empty() && value[0] >= 'A' && value[0] <= 'Z') continue;
            std::uint64_t n = 0;
            for (auto p = db.postlist_begin(term); p != db.postlist_end(term); ++p) {
                if (set->test(*p)) ++n;
            }
            if (n) res.values.push_back({std::string(value), n});
        }
        std::sort(res.values.begin(), res.values.end(), [](const FacetValue& a, const FacetValue& b) {
            return a.count != b.count ? a.count > b.count : a.value < b.value;
        });
        if (res.values.size() > fr.top) res.values.resize(fr.top);
        out.push_back(std::move(res));
    }
    return out;
}

std::string suggest(const Xapian::Database& db, const std::string& text) {
    // For each word missing from the index, the most frequent vocabulary word (id, title,
    // tag and description words, unstemmed) within edit distance 2 that shares its first
    // two letters.
    std::string out;
    bool changed = false;
    idx::StemCache stems;
    idx::tokenize(text, [&](std::string_view tok, std::size_t) {
        std::string word(tok);
        std::string best = word;
        const std::string& s = stems.stem(tok);
        if (word.size() >= 4 && db.get_termfreq(s) == 0) {
            Xapian::doccount best_freq = 0;
            const std::string lead = std::string(idx::kPrefixWord) + word.substr(0, 2);
            for (auto t = db.allterms_begin(lead); t != db.allterms_end(lead); ++t) {
                const std::string cand = (*t).substr(idx::kPrefixWord.size());
                if (cand.size() + 2 < word.size() || cand.size() > word.size() + 2) continue;
                // Levenshtein distance, bounded.
                std::vector<unsigned> prev(cand.size() + 1), cur(cand.size() + 1);
                for (std::size_t j = 0; j <= cand.size(); ++j) prev[j] = static_cast<unsigned>(j);
                for (std::size_t i = 1; i <= word.size(); ++i) {
                    cur[0] = static_cast<unsigned>(i);
                    for (std::size_t j = 1; j <= cand.size(); ++j) {
                        cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1,
                                           prev[j - 1] + (word[i - 1] == cand[j - 1] ? 0u : 1u)});
                    }
                    std::swap(prev, cur);
                }
                if (prev[cand.size()] <= 2 && t.get_termfreq() > best_freq) {
                    best_freq = t.get_termfreq();
                    best = cand;
                }
            }
            if (best != word) changed = true;
        }
        if (!out.empty()) out.push_back(' ');
        out += best;
    });
    return changed ? out : std::string();
}

}  // namespace cardex::query
