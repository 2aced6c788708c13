#include "query_builder.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <optional>

#include "cardex/index/text.h"
#include "lexicon.h"
#include "proximity.h"
#include "snippet.h"
#include "term_freqs.h"
#include "typo.h"
#include "understand.h"
#include "understood_query.h"

namespace cardex::query {

namespace idx = cardex::index;

namespace {

// The ranking constants below were tuned with `cardex eval` on data/queries (before and
// after per change: docs/RELEVANCE.md).
constexpr double kExactIdBoost = 3.0;  // exact id / name match, a constant weight
// The id holds every word of the query (id_word_alternatives): tuned with `cardex eval`
// (docs/RELEVANCE.md, "Words of the id").
constexpr double kIdWordsBoost = 2.0;
// suggest(): at most this many spellings of a word, most cards first, are checked for a
// public card holding them now (a walk of postings each).
constexpr std::size_t kSuggestLiveChecks = 8;
constexpr unsigned kMaxWildcardTerms = 200;  // one prefix* alone expands to at most this
// The second stage checks at most this many pairs of adjacent words (proximity.h).
constexpr std::size_t kMaxProximityPairs = 8;

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    }
    return out;
}

// "author:Facebook" -> the term "Afacebook" (facet terms are lower-cased at index time);
// "language:German" -> "Lde": a value is read through the index's vocabulary, as filters
// with SearchRequest::understand_filters are. A value it does not know matches as written.
class FacetField : public Xapian::FieldProcessor {
  public:
    FacetField(idx::Facet f, const idx::Vocabulary& vocab) : facet_(f), vocab_(vocab) {}
    Xapian::Query operator()(const std::string& str) override {
        auto values = vocab_.canonical(facet_, str);
        if (values.empty()) return Xapian::Query(idx::facet_term(facet_, str));
        std::vector<Xapian::Query> terms;
        for (const auto& v : values) terms.emplace_back(idx::facet_term(facet_, v));
        return Xapian::Query(Xapian::Query::OP_OR, terms.begin(), terms.end());
    }

  private:
    idx::Facet facet_;
    const idx::Vocabulary& vocab_;  // outlives the parser: build_query's caller holds it
};

Xapian::Query range_query(Xapian::valueno slot, const RangeFilter& r) {
    if (r.min && r.max) {
        return Xapian::Query(Xapian::Query::OP_VALUE_RANGE,
                             slot,
                             Xapian::sortable_serialise(*r.min),
                             Xapian::sortable_serialise(*r.max));
    }
    if (r.min)
        return Xapian::Query(Xapian::Query::OP_VALUE_GE, slot, Xapian::sortable_serialise(*r.min));
    return Xapian::Query(Xapian::Query::OP_VALUE_LE, slot, Xapian::sortable_serialise(*r.max));
}

// What a query text will cost before it is parsed: its words (each becomes a posting list,
// or a phrase position check) and its wildcards (each expands to many terms).
// Bounded here, so no query text, however written, builds an unbounded match: at most
// kMaxQueryWords words, kMaxWildcards wildcards, and kMaxWildcardExpansion terms for all
// wildcards together (each gets an equal share, at most kMaxWildcardTerms).
struct QueryShape {
    std::size_t words = 0;
    std::size_t wildcards = 0;
    unsigned expansion = kMaxWildcardTerms;  // per wildcard
};

Result<QueryShape> query_shape(std::string_view text, bool every_word_a_prefix) {
    QueryShape shape;
    idx::tokenize(text, [&](std::string_view, std::size_t) { ++shape.words; });
    // Boolean operators are words to the tokenizer but cost nothing of their own.
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t j = std::min(text.find(' ', i), text.size());
        const std::string_view w = text.substr(i, j - i);
        // NEAR and ADJ are words here (without_proximity_operators).
        if ((w == "AND" || w == "OR" || w == "NOT" || w == "XOR") && shape.words > 0) {
            --shape.words;
        }
        i = j + 1;
    }
    if (every_word_a_prefix) {
        shape.wildcards = shape.words;
    } else {
        for (std::size_t i = 0; i < text.size(); ++i) {
            // A '*' right after a word character ends a prefix term.
            if (text[i] == '*' && i > 0 && text[i - 1] != ' ' && text[i - 1] != '*')
                ++shape.wildcards;
        }
    }
    // The Hub's `search` makes every word a prefix: there the word limit is the bound.
    if (!every_word_a_prefix && shape.wildcards > kMaxWildcards) {
        return make_error(Errc::ResourceExhausted,
                          "query has " + std::to_string(shape.wildcards) +
                              " wildcards (prefix*); at most " + std::to_string(kMaxWildcards),
                          std::string(text.substr(0, 64)));
    }
    if (shape.words > kMaxQueryWords) {
        return make_error(Errc::ResourceExhausted,
                          "query has " + std::to_string(shape.words) + " words; at most " +
                              std::to_string(kMaxQueryWords),
                          std::string(text.substr(0, 64)));
    }
    if (shape.wildcards > 0) {
        shape.expansion = std::clamp<unsigned>(
            kMaxWildcardExpansion / static_cast<unsigned>(shape.wildcards), 1, kMaxWildcardTerms);
    }
    return shape;
}

// NEAR and ADJ as words, not operators. Xapian 1.4.22's parser leaks the term a token
// carries when a syntax error stops it there, and NEAR and ADJ are what makes its syntax
// errors: "a OR NEAR/3" (the window), "-s NEAR d s" (a word), 96 bytes a parse, found by
// fuzzing (docs/RELIABILITY.md), so a client repeating one would grow the server without
// bound. Every word is lower-cased by the parser, so upper case only makes an operator:
// lower-casing these two changes nothing else. Quoted phrases remain for words in order.
std::string without_proximity_operators(std::string_view text) {
    std::string out(text);
    for (std::string_view op : {"NEAR", "ADJ"}) {
        for (auto at = out.find(op); at != std::string::npos; at = out.find(op, at + op.size())) {
            for (std::size_t k = 0; k < op.size(); ++k) out[at + k] = static_cast<char>(op[k] + 32);
        }
    }
    return out;
}

// Xapian's parser reads a query made only of exclusions ("-bert", "-bert -llama") as if the
// minus signs were not there: it has no positive part to subtract from. Elasticsearch and the
// Hub read it as "everything except", and so do we: such a query becomes "NOT bert NOT llama",
// which FLAG_PURE_NOT parses as all documents minus each. Only the top level is looked at;
// a query with operators or any positive part is left to the parser.
std::string rewrite_pure_negation(std::string_view text) {
    std::vector<std::string_view> tokens;
    int depth = 0;
    bool quoted = false;
    std::size_t start = std::string_view::npos;
    for (std::size_t i = 0; i <= text.size(); ++i) {
        const char c = i < text.size() ? text[i] : ' ';
        const bool space = c == ' ' || c == '\t' || c == '\r' || c == '\n';
        if (space && depth == 0 && !quoted) {
            if (start != std::string_view::npos) tokens.push_back(text.substr(start, i - start));
            start = std::string_view::npos;
            continue;
        }
        if (start == std::string_view::npos) start = i;
        if (c == '"') quoted = !quoted;
        if (!quoted && c == '(') ++depth;
        if (!quoted && c == ')' && depth > 0) --depth;
    }
    std::size_t negated = 0;
    for (auto t : tokens) {
        if (t == "AND" || t == "OR" || t == "NOT" || t == "XOR") return std::string(text);
        if (t == "-") continue;
        if (t.size() < 2 || t[0] != '-') return std::string(text);  // a positive part
        ++negated;
    }
    if (negated == 0) return std::string(text);
    std::string out;
    for (auto t : tokens) {
        if (t == "-") continue;
        if (!out.empty()) out.push_back(' ');
        out.append("NOT ").append(t.substr(1));
    }
    return out;
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
        hidden = Xapian::Query(Xapian::Query::OP_AND_NOT,
                               hidden,
                               Xapian::Query(Xapian::Query::OP_OR, mine.begin(), mine.end()));
    }
    return Xapian::Query(Xapian::Query::OP_AND_NOT, q, hidden);
}

Xapian::Query QueryParts::filtered_except(std::size_t skip) const {
    Xapian::Query filter = other_filter;
    for (std::size_t i = 0; i < facet_filters.size(); ++i) {
        if (i != skip)
            filter = Xapian::Query(Xapian::Query::OP_AND, filter, facet_filters[i].query);
    }
    if (!has_text) return filter;
    return Xapian::Query(Xapian::Query::OP_FILTER, text, filter);
}

Xapian::Query QueryParts::filtered() const {
    return filtered_except(facet_filters.size());
}

namespace {

// The popularity prior as a posting source over the revision's prior column (columns.h):
// the same weights as Xapian::ValueWeightPostingSource on kSlotPrior (the column holds
// sortable_unserialise of each stored value, -1 where a document has none), read from memory
// instead of through the value stream's B-tree blocks at every candidate.
//
// With `falls`, its bound also falls as the matcher moves along the docids. In a reindexed
// public database docid order is descending downloads order, so no document after d has a
// larger prior than d's: after each move the bound can be d's prior. Xapian's matcher (1.4,
// multimatch.cc) re-reads the bounds when a source changes its maxweight and stops once the
// best possible remaining weight (text bound + this bound) cannot enter the page: for a
// common word, most of its matches are never scored. The page is exactly the exhaustive
// ranking's (tests/integration/ranking_test.cpp).
class PriorSource : public Xapian::PostingSource {
  public:
    PriorSource(const ValueColumn& column, bool falls) : column_(column), falls_(falls) {}
    PriorSource* clone() const override { return new PriorSource(column_, falls_); }
    void init(const Xapian::Database& db) override {
        // ValueWeightPostingSource's bound and frequencies, so the matcher plans alike.
        set_maxweight(Xapian::sortable_unserialise(db.get_value_upper_bound(idx::kSlotPrior)));
        freq_ = db.get_value_freq(idx::kSlotPrior);
        at_ = 0;
    }
    Xapian::doccount get_termfreq_min() const override { return freq_; }
    Xapian::doccount get_termfreq_est() const override { return freq_; }
    Xapian::doccount get_termfreq_max() const override { return freq_; }
    void next(double min_wt) override { move(at_ + 1, min_wt); }
    void skip_to(Xapian::docid did, double min_wt) override {
        if (did > at_) move(did, min_wt);
    }
    bool check(Xapian::docid did, double min_wt) override {
        // Positioned on did or the next document with a value: a valid position either way.
        skip_to(did, min_wt);
        return true;
    }
    bool at_end() const override { return at_ >= column_.size(); }
    Xapian::docid get_docid() const override { return static_cast<Xapian::docid>(at_); }
    double get_weight() const override { return column_[at_]; }
    // Named so that plan_scores (score_plan.h) knows it: it weighs a document by its column
    // entry, and matches where that entry is >= 0.
    std::string get_description() const override { return std::string(kPriorSourceName); }

  private:
    void move(std::size_t to, double min_wt) {
        at_ = min_wt > get_maxweight() ? column_.size() : to;
        while (at_ < column_.size() && column_[at_] < 0) ++at_;
        if (falls_) lower();
    }
    // Each change makes the matcher recompute the whole query's bound, so the bound moves
    // in steps (at most 8 / kStep of them) rather than at every document.
    static constexpr double kStep = 0.02;
    void lower() {
        if (at_end()) {
            set_maxweight(0);
            return;
        }
        const double w = column_[at_];
        if (w < get_maxweight() - kStep) set_maxweight(w);
    }

    const ValueColumn& column_;
    bool falls_;
    Xapian::doccount freq_ = 0;
    std::size_t at_ = 0;
};

}  // namespace

Xapian::Query without_required_phrases(const Xapian::Query& q) {
    using Q = Xapian::Query;
    const auto type = q.get_type();
    if (type == Q::OP_PHRASE) {
        std::vector<Q> words;
        for (std::size_t i = 0; i < q.get_num_subqueries(); ++i) words.push_back(q.get_subquery(i));
        return Q(Q::OP_AND, words.begin(), words.end());
    }
    if (type != Q::OP_AND && type != Q::OP_FILTER) return q;
    // FILTER's first subquery weighs, the others only filter: rebuilt as FILTER(first, rest).
    std::vector<Q> parts;
    for (std::size_t i = 0; i < q.get_num_subqueries(); ++i)
        parts.push_back(without_required_phrases(q.get_subquery(i)));
    if (type == Q::OP_AND) return Q(Q::OP_AND, parts.begin(), parts.end());
    Q rest(Q::OP_AND, parts.begin() + 1, parts.end());
    return Q(Q::OP_FILTER, parts.front(), rest);
}

namespace {

class DocidSetSource : public Xapian::PostingSource {
  public:
    explicit DocidSetSource(const std::vector<std::uint32_t>& docids) : docids_(docids) {}
    Xapian::doccount get_termfreq_min() const override { return n(); }
    Xapian::doccount get_termfreq_est() const override { return n(); }
    Xapian::doccount get_termfreq_max() const override { return n(); }
    void init(const Xapian::Database&) override {
        at_ = 0;
        started_ = false;
        set_maxweight(0);
    }
    void next(double) override {
        if (started_) ++at_;
        started_ = true;
    }
    void skip_to(Xapian::docid did, double) override {
        started_ = true;
        if (at_ < docids_.size() && docids_[at_] >= did) return;
        at_ = static_cast<std::size_t>(
            std::lower_bound(docids_.begin() + static_cast<std::ptrdiff_t>(at_), docids_.end(), did) -
            docids_.begin());
    }
    bool at_end() const override { return started_ && at_ >= docids_.size(); }
    Xapian::docid get_docid() const override { return docids_[at_]; }
    DocidSetSource* clone() const override { return new DocidSetSource(docids_); }
    std::string get_description() const override { return std::string(kDocidSetSourceName); }

  private:
    Xapian::doccount n() const { return static_cast<Xapian::doccount>(docids_.size()); }
    const std::vector<std::uint32_t>& docids_;
    std::size_t at_ = 0;
    bool started_ = false;
};

}  // namespace

Xapian::PostingSource* docid_set_source(const std::vector<std::uint32_t>& docids) {
    return (new DocidSetSource(docids))->release();
}

Xapian::Query QueryParts::ranked(const Xapian::Query& f) const {
    if (plain) return f;
    std::vector<Xapian::Query> extras;
    if (!boost.empty()) extras.push_back(boost);
    // The prior: log-scaled, capped downloads stored in a value slot at index time.
    // release() hands the source to the query's reference counting.
    Xapian::PostingSource* source =
        prior_column != nullptr
            ? static_cast<Xapian::PostingSource*>(new PriorSource(*prior_column, prior_falls))
            : new Xapian::ValueWeightPostingSource(idx::kSlotPrior);
    Xapian::Query prior(source->release());
    if (prior_weight > 0)
        extras.push_back(Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, prior, prior_weight));
    if (extras.empty()) return f;
    Xapian::Query maybe(Xapian::Query::OP_OR, extras.begin(), extras.end());
    return Xapian::Query(Xapian::Query::OP_AND_MAYBE, f, maybe);
}

std::vector<std::string_view> droppable_words(std::string_view text) {
    std::vector<std::string_view> out;
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t start = text.find_first_not_of(" \t\r\n", i);
        if (start == std::string_view::npos) break;
        const std::size_t end = std::min(text.find_first_of(" \t\r\n", start), text.size());
        const std::string_view w = text.substr(start, end - start);
        // Query syntax: a phrase, a group, a field, a wildcard, a required or excluded word,
        // a boolean operator. The user asked for exactly that; nothing is left out of it.
        // (NEAR and ADJ are words: without_proximity_operators.)
        if (w.find_first_of("\"():*") != std::string_view::npos || w[0] == '-' || w[0] == '+' ||
            w == "AND" || w == "OR" || w == "NOT" || w == "XOR")
            return {};
        out.push_back(w);
        i = end;
    }
    return out;
}

Result<QueryParts> build_query(const Xapian::Database& db,
                               const SearchRequest& req,
                               const Lexicon& lexicon,
                               BudgetCheck& budget,
                               const TextPass& pass) {
    QueryParts q;
    if (req.text.size() > kMaxQueryBytes) {
        return make_error(Errc::ResourceExhausted,
                          "query text is longer than " + std::to_string(kMaxQueryBytes) + " bytes",
                          req.text.substr(0, 64));
    }
    q.prior_weight = req.prior_weight.value_or(kDefaultPriorWeight);
    // NaN fails both comparisons: refused too.
    if (!(q.prior_weight >= 0 && q.prior_weight <= kMaxPriorWeight)) {
        return make_error(Errc::InvalidArgument,
                          "the prior weight must be between 0 and " +
                              std::to_string(kMaxPriorWeight).substr(0, 3),
                          "prior");
    }
    std::string text(req.text);
    if (pass.drop_words > 0) {
        // The first words only; the search itself is the same request (its cursors too).
        const auto words = droppable_words(req.text);
        if (pass.drop_words >= words.size()) return make_error(Errc::Internal, "no word left");
        const std::size_t kept = words.size() - pass.drop_words;
        text.assign(req.text.data(), words[kept - 1].end() - req.text.data());
        for (std::size_t i = kept; i < words.size(); ++i) q.dropped.emplace_back(words[i]);
    }
    const bool blank = text.find_first_not_of(" \t\r\n") == std::string::npos;
    q.text = match_all();
    if (!blank) {
        q.has_text = true;
        const auto shape = query_shape(text, req.id_only);
        if (!shape) return shape.error();
        const unsigned expansion = shape->expansion;
        if (req.id_only) {
            // The Hub's `search`: words of the repo id (author included), each a prefix.
            std::vector<Xapian::Query> parts;
            idx::tokenize(text, [&](std::string_view tok, std::size_t) {
                parts.emplace_back(Xapian::Query::OP_WILDCARD,
                                   std::string(idx::kPrefixIdToken) + std::string(tok),
                                   expansion,
                                   Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT);
            });
            q.text = parts.empty()
                         ? Xapian::Query::MatchNothing
                         : Xapian::Query(Xapian::Query::OP_AND, parts.begin(), parts.end());
        } else {
            Xapian::QueryParser qp;
            qp.set_database(db);
            qp.set_stemmer(Xapian::Stem("english"));
            qp.set_stemming_strategy(Xapian::QueryParser::STEM_ALL);
            qp.set_default_op(Xapian::Query::OP_AND);
            qp.set_max_expansion(expansion, Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT);
            for (const idx::FacetInfo& f : idx::kFacets) {
                if (!f.in_query_text) continue;
                qp.add_boolean_prefix(std::string(f.name),
                                      (new FacetField(f.facet, *lexicon.vocabulary))->release());
            }
            qp.add_prefix("title", std::string(idx::kPrefixTitle));
            const unsigned flags =
                Xapian::QueryParser::FLAG_PHRASE | Xapian::QueryParser::FLAG_BOOLEAN |
                Xapian::QueryParser::FLAG_LOVEHATE | Xapian::QueryParser::FLAG_WILDCARD |
                Xapian::QueryParser::FLAG_PURE_NOT;
            q.text =
                qp.parse_query(rewrite_pure_negation(without_proximity_operators(text)), flags);
            // Typo tolerance (typo.h) first: a corrected word is understood as what it
            // means ("norwegain" names Norwegian) and matches its language stems too.
            std::string_view meant = text;
            if (!req.plain_bm25) {
                const auto t_typo = std::chrono::steady_clock::now();
                q.typos = plan_typos(
                    db, *lexicon.typos, *lexicon.words, text, budget, pass.typo_names_too);
                q.typo_ms = std::chrono::duration<double, std::milli>(
                                std::chrono::steady_clock::now() - t_typo)
                                .count();
                if (!q.typos.corrected_text.empty()) meant = q.typos.corrected_text;
                q.understood = lexicon.dictionaries.understand(meant, text);
            }
            // The understood words' indexes are the same in `meant` as in `text`: a
            // correction respells one word of letters as another.
            if (kUnderstoodAlsoMatches && !q.understood.empty() && Dictionaries::is_plain(text)) {
                q.text = understood_match(qp, text, q.understood, flags);
            }
            // An author's cards match too ("eleuther ai": EleutherAI's cards write
            // "eleutherai"), and get the understood boost below.
            if (!req.plain_bm25 && Dictionaries::is_plain(text)) {
                if (auto author = understood_author(db, text)) {
                    q.text =
                        Xapian::Query(Xapian::Query::OP_OR,
                                      q.text,
                                      Xapian::Query(idx::facet_term(author->facet, author->value)));
                    q.understood.push_back(std::move(*author));
                }
            }
            // The second stage's pairs (proximity.h): adjacent words of the text as meant
            // ("stable difusion" -> the phrase "stable diffusion"), as a quoted phrase of them
            // would search them.
            // Not for another order than relevance, which nothing rescores.
            const bool by_relevance = req.sort.value_or(Sort::Relevance) == Sort::Relevance;
            if (!req.plain_bm25 && by_relevance && Dictionaries::only_words(text)) {
                // Documentation too, for words alone: a quoted phrase or other syntax asks
                // for exactly that, and ranking a phrase 30 deep checks it on every
                // candidate (1M cards: "model image sequence" 13.7 -> 20.9 ms).
                q.documented = q.prior_weight * kDocumentedPrior;
                const auto words = Dictionaries::words(meant);
                for (std::size_t i = 0;
                     i + 1 < words.size() && q.proximity.size() < kMaxProximityPairs;
                     ++i) {
                    const Xapian::Query pair =
                        qp.parse_query("\"" + words[i] + " " + words[i + 1] + "\"",
                                       Xapian::QueryParser::FLAG_PHRASE);
                    std::vector<std::string> terms(pair.get_terms_begin(), pair.get_terms_end());
                    if (terms.size() == 2) q.proximity.push_back(std::move(terms));
                }
            }
            Xapian::Query language_boost;
            if (!req.plain_bm25) {
                LanguageStems stems(db,
                                    named_stem_languages(q.understood, req),
                                    q.language_stems,
                                    pass.batch_lookups,
                                    pass.batch_lookups ? nullptr : pass.revision);
                q.text = stems.expand(q.text, text);
                q.text = with_corrections(
                    q.text, q.typos, [&](const std::string& term, const std::string& word) {
                        return stems.expand_word(term, word, kTypoCorrectionWeight);
                    });
                language_boost = stems.boost();
            }
            // The id holds every word ("llama 3": Meta-Llama-3-8B, DTA_llama3_8b): the Hub
            // searches ids only, and a name's words beat a text that mentions them. The id's
            // words joined or split also match: "llama3" finds Meta-Llama-3-8B, "llama 3"
            // DTA_llama3_8b (boolean terms: they add no text weight).
            if (!req.plain_bm25 && Dictionaries::only_words(text)) {
                const auto alternatives = id_word_alternatives(Dictionaries::words(meant));
                // Only the ways some card's id holds: most queries' words joined or split are
                // no id's word, and a branch for them would cost the match its plain shape for
                // nothing. Cost: a term frequency each, remembered per revision, or one
                // batched lookup over remote shards.
                TermFreqs freqs(
                    db, pass.batch_lookups, pass.batch_lookups ? nullptr : pass.revision);
                std::vector<std::string> all_terms;
                for (const auto& terms : alternatives) {
                    all_terms.insert(all_terms.end(), terms.begin(), terms.end());
                }
                freqs.prefetch(all_terms);
                std::vector<Xapian::Query> also;
                for (std::size_t i = 0; i < alternatives.size(); ++i) {
                    const auto& terms = alternatives[i];
                    if (!std::all_of(terms.begin(), terms.end(), [&](const std::string& t) {
                            return freqs.get(t) > 0;
                        })) {
                        continue;
                    }
                    if (i > 0) also.emplace_back(Xapian::Query::OP_AND, terms.begin(), terms.end());
                    q.id_words.push_back(terms);
                }
                if (!also.empty()) {
                    also.insert(also.begin(), q.text);
                    q.text = Xapian::Query(Xapian::Query::OP_OR, also.begin(), also.end());
                }
            }
            for (auto t = q.text.get_unique_terms_begin(); t != q.text.get_unique_terms_end();
                 ++t) {
                const std::string& s = *t;
                if (!s.empty() && !(s[0] >= 'A' && s[0] <= 'Z')) q.stems.insert(s);
            }
            // Exact id or name: "bert-base-german-cased", or the same words with spaces.
            std::string key = lower(text);
            key.erase(0, key.find_first_not_of(' '));
            key.erase(key.find_last_not_of(' ') + 1);
            std::string dashed = key;
            std::replace(dashed.begin(), dashed.end(), ' ', '-');
            q.exact_terms = {std::string(idx::kPrefixIdLower) + key,
                             std::string(idx::kPrefixName) + key,
                             std::string(idx::kPrefixName) + dashed};
            std::vector<Xapian::Query> exact(q.exact_terms.begin(), q.exact_terms.end());
            // A constant weight, not BM25 on the exact terms: BM25 would give a short copy
            // of a card (a quantization, a re-upload with the same name) a larger boost than
            // the long original, and the copy would come first (docs/RELEVANCE.md).
            q.exact_weight = kExactIdBoost;
            auto* exact_weight = new Xapian::FixedWeightPostingSource(kExactIdBoost);
            q.boost =
                Xapian::Query(Xapian::Query::OP_FILTER,
                              Xapian::Query(exact_weight->release()),
                              Xapian::Query(Xapian::Query::OP_OR, exact.begin(), exact.end()));
            if (!q.id_words.empty()) {
                q.id_words_weight = kIdWordsBoost;
                q.boost = Xapian::Query(
                    Xapian::Query::OP_OR, q.boost, id_words_boost(q.id_words, kIdWordsBoost));
            }
            q.plain = req.plain_bm25;
            if (req.plain_bm25) {
                q.boost = Xapian::Query();
                q.exact_terms.clear();
                q.exact_weight = 0;
            } else if (auto understood = understood_boost(q.understood, q.understood_terms);
                       !understood.empty()) {
                q.boost = Xapian::Query(Xapian::Query::OP_OR, q.boost, understood);
            }
            if (!language_boost.empty())
                q.boost = Xapian::Query(Xapian::Query::OP_OR, q.boost, language_boost);
        }
    }

    // Bounded work per request: the filters' values and the counted facets.
    std::size_t values = 0;
    for (const auto& f : req.filters) values += f.values.size() + f.excluded.size();
    if (values > kMaxFilterValues) {
        return make_error(Errc::ResourceExhausted,
                          std::to_string(values) + " filter values; at most " +
                              std::to_string(kMaxFilterValues) + " in one request",
                          "filters");
    }
    if (req.facets.size() > kMaxFacets) {
        return make_error(Errc::ResourceExhausted,
                          std::to_string(req.facets.size()) + " facets; at most " +
                              std::to_string(kMaxFacets) + " in one request",
                          "facets");
    }
    for (const auto& fr : req.facets) {
        if (!fr.all_values && fr.top > kMaxFacetTop) {
            return make_error(Errc::ResourceExhausted,
                              "at most " + std::to_string(kMaxFacetTop) + " values per facet",
                              fr.facet);
        }
    }

    // Facet filters: values of one facet OR-ed (AND-ed for a conjunctive facet), exclusions
    // removed, facets AND-ed.
    for (const auto& f : req.filters) {
        auto facet = idx::facet_by_name(f.facet);
        if (!facet) return make_error(Errc::InvalidArgument, "unknown facet", f.facet);
        std::vector<Xapian::Query> any;
        for (const auto& v : f.values) any.emplace_back(idx::facet_term(*facet, v));
        const auto op =
            idx::facet_info(*facet).conjunctive ? Xapian::Query::OP_AND : Xapian::Query::OP_OR;
        Xapian::Query fq = any.empty() ? match_all() : Xapian::Query(op, any.begin(), any.end());
        if (!f.excluded.empty()) {
            std::vector<Xapian::Query> none;
            for (const auto& v : f.excluded) none.emplace_back(idx::facet_term(*facet, v));
            fq = Xapian::Query(Xapian::Query::OP_AND_NOT,
                               fq,
                               Xapian::Query(Xapian::Query::OP_OR, none.begin(), none.end()));
        }
        q.facet_filters.push_back({*facet, fq});
    }

    Xapian::Query other = match_all();
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
        } else if (r.field == "num_parameters") {
            slot = idx::kSlotParams;
        } else if (r.field == "datestamp") {
            slot = idx::kSlotDatestamp;
        } else if (r.field == "key_hash") {
            slot = idx::kSlotKeyHash;
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

std::string suggest(const Xapian::Database& db,
                    const idx::TypoDictionary& words,
                    const std::string& text,
                    BudgetCheck& budget) {
    // For each word missing from the index, the most frequent vocabulary word (id, title,
    // tag and description words, unstemmed) within edit distance 2 that shares its first
    // two letters.
    std::vector<std::pair<std::uint32_t, std::string_view>> near;  // (cards, word)
    std::string out;
    bool changed = false;
    // One cache per thread, as for snippets: a StemCache is 64K slots (4.7 MB), too much to
    // build and clear on every search with few hits (found by tests/fuzz: fuzz_query).
    thread_local idx::StemCache stems;
    idx::tokenize(text, [&](std::string_view tok, std::size_t) {
        std::string word(tok);
        std::string best = word;
        const std::string& s = stems.stem(tok);
        if (word.size() >= 4 && !publicly_has(db, s, budget)) {
            const std::string_view lead = std::string_view(word).substr(0, 2);
            near.clear();
            for (std::size_t w = words.lower_bound(lead);
                 w < words.size() && words.word(w).starts_with(lead);
                 ++w) {
                budget();
                const std::string_view cand = words.word(w);
                if (cand.size() + 2 < word.size() || cand.size() > word.size() + 2) continue;
                // Levenshtein distance, bounded.
                std::vector<unsigned> prev(cand.size() + 1), cur(cand.size() + 1);
                for (std::size_t j = 0; j <= cand.size(); ++j) prev[j] = static_cast<unsigned>(j);
                for (std::size_t i = 1; i <= word.size(); ++i) {
                    cur[0] = static_cast<unsigned>(i);
                    for (std::size_t j = 1; j <= cand.size(); ++j) {
                        cur[j] = std::min({prev[j] + 1,
                                           cur[j - 1] + 1,
                                           prev[j - 1] + (word[i - 1] == cand[j - 1] ? 0u : 1u)});
                    }
                    std::swap(prev, cur);
                }
                if (prev[cand.size()] <= 2) near.emplace_back(words.docs_at(w), cand);
            }
            // The counts are the build's: the first spelling whose stem a public card still
            // holds (an upsert may have made its cards private, or deleted them).
            std::stable_sort(near.begin(), near.end(), [](const auto& a, const auto& b) {
                return a.first > b.first;
            });
            if (near.size() > kSuggestLiveChecks) near.resize(kSuggestLiveChecks);
            for (const auto& [n, cand] : near) {
                if (!publicly_has(db, stems.stem(cand), budget)) continue;
                best = cand;
                break;
            }
            if (best != word) changed = true;
        }
        if (!out.empty()) out.push_back(' ');
        out += best;
    });
    return changed ? out : std::string();
}

std::vector<std::string> exact_namespaces(const Xapian::Database& db,
                                          const std::vector<std::string>& requested) {
    std::vector<std::string> out;
    for (const auto& ns : requested) {
        // No card of that name in any spelling: it matches nothing either way, and keeping it
        // keeps the request (and the cursors made for it) the same while the namespace's
        // cards come and go.
        if (db.get_termfreq(idx::facet_term(idx::Facet::Author, ns)) == 0) {
            out.push_back(ns);
            continue;
        }
        for (const auto type :
             {idx::CardType::Model, idx::CardType::Dataset, idx::CardType::Space}) {
            const std::string prefix = idx::id_term(idx::card_type_name(type), ns + "/");
            if (db.allterms_begin(prefix) != db.allterms_end(prefix)) {
                out.push_back(ns);
                break;
            }
        }
    }
    return out;
}

std::string hit_snippet(const idx::Card& card, const QueryParts& q) {
    return make_snippet(card.body.empty() ? card.description : card.body,
                        q.stems,
                        200,
                        q.language_stems,
                        card.languages);
}

}  // namespace cardex::query
