#include "impacts.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <string_view>
#include <unordered_map>

#include "matchset.h"

namespace cardex::query {

namespace {

// Xapian::BM25Weight's defaults (the weighting every ranking here uses): k1, k2, k3, b,
// min_normlen. k2 = 0 means no per-document extra.
constexpr double kK1 = 1;
constexpr double kK3 = 1;
constexpr double kB = 0.5;
constexpr double kMinNormlen = 0.5;

}  // namespace

// BM25Weight::init for a term without a relevance set, in its order of operations.
double bm25_termweight(Xapian::doccount collection_size,
                       Xapian::doccount termfreq,
                       Xapian::termcount wqf,
                       double factor) {
    double tw = (collection_size - termfreq + 0.5) / (termfreq + 0.5);
    if (tw < 2) tw = tw * 0.5 + 1;
    double termweight = std::log(tw) * factor;
    const double wqf_double = wqf;
    termweight *= (kK3 + 1) * wqf_double / (kK3 + wqf_double);
    termweight *= (kK1 + 1);
    return termweight;
}

namespace {

class ImpactSource : public Xapian::PostingSource {
  public:
    ImpactSource(std::shared_ptr<const TermImpacts> impacts,
                 const DocLengths& lengths,
                 double termweight,
                 double len_factor)
        : impacts_(std::move(impacts)),
          lengths_(lengths),
          termweight_(termweight),
          len_factor_(len_factor) {}

    ImpactSource* clone() const override {
        return new ImpactSource(impacts_, lengths_, termweight_, len_factor_);
    }
    void init(const Xapian::Database&) override {
        at_ = 0;
        started_ = false;
        set_maxweight(termweight_ * impacts_->max_shape);
    }
    Xapian::doccount get_termfreq_min() const override { return n(); }
    Xapian::doccount get_termfreq_est() const override { return n(); }
    Xapian::doccount get_termfreq_max() const override { return n(); }

    void next(double min_wt) override {
        if (started_) ++at_;
        started_ = true;
        settle(min_wt);
    }
    void skip_to(Xapian::docid did, double min_wt) override {
        started_ = true;
        at_ = gallop(impacts_->docids, at_, did);
        settle(min_wt);
    }
    bool check(Xapian::docid did, double min_wt) override {
        // Positioned on did or on the next document that can still weigh min_wt: a valid
        // position either way.
        skip_to(did, min_wt);
        return true;
    }
    bool at_end() const override { return started_ && at_ >= impacts_->docids.size(); }
    Xapian::docid get_docid() const override { return impacts_->docids[at_]; }
    double get_weight() const override {
        const std::uint32_t d = impacts_->docids[at_];
        return termweight_ * bm25_shape(impacts_->wdf_at(at_), lengths_[d], len_factor_);
    }
    std::string get_description() const override { return "cardex::ImpactSource"; }

  private:
    Xapian::doccount n() const { return static_cast<Xapian::doccount>(impacts_->docids.size()); }

    // Skips whole blocks whose best weight is below min_wt: none of their documents can
    // contribute what the matcher needs. fl(termweight * shape) is monotonic in the shape,
    // so a block's bound holds for each of its postings as computed by get_weight().
    void settle(double min_wt) {
        if (min_wt <= 0) return;
        const std::size_t size = impacts_->docids.size();
        while (at_ < size &&
               termweight_ * impacts_->block_max[at_ / TermImpacts::kBlock] < min_wt) {
            at_ = (at_ / TermImpacts::kBlock + 1) * TermImpacts::kBlock;
        }
        at_ = std::min(at_, size);
    }

    std::shared_ptr<const TermImpacts> impacts_;
    const DocLengths& lengths_;
    double termweight_;
    double len_factor_;
    std::size_t at_ = 0;
    bool started_ = false;
};

// A bitmap's documents, each weighing `weight`: a boolean subquery (weight 0) or a constant
// boost over one (FILTER(FixedWeightPostingSource, X)), evaluated once on the term bitmaps
// instead of moving each of its postlists to every document the ranking visits.
class BitmapSource : public Xapian::PostingSource {
  public:
    BitmapSource(DocSet set, double weight) : set_(std::move(set)), weight_(weight) {}
    BitmapSource* clone() const override { return new BitmapSource(set_, weight_); }
    void init(const Xapian::Database&) override {
        roaring_init_iterator(&set_->roaring, &it_);
        started_ = false;
        set_maxweight(weight_);
    }
    Xapian::doccount get_termfreq_min() const override { return n(); }
    Xapian::doccount get_termfreq_est() const override { return n(); }
    Xapian::doccount get_termfreq_max() const override { return n(); }
    void next(double) override {
        if (started_) roaring_advance_uint32_iterator(&it_);
        started_ = true;
    }
    void skip_to(Xapian::docid did, double) override {
        started_ = true;
        if (it_.has_value && it_.current_value < did)
            roaring_move_uint32_iterator_equalorlarger(&it_, did);
    }
    bool check(Xapian::docid did, double min_wt) override {
        skip_to(did, min_wt);
        return true;
    }
    bool at_end() const override { return started_ && !it_.has_value; }
    Xapian::docid get_docid() const override { return it_.current_value; }
    double get_weight() const override { return weight_; }
    std::string get_description() const override { return "cardex::BitmapSource"; }

  private:
    Xapian::doccount n() const { return static_cast<Xapian::doccount>(set_->cardinality()); }

    DocSet set_;
    double weight_;
    roaring_uint32_iterator_t it_{};
    bool started_ = false;
};

}  // namespace

// The weight of a FixedWeightPostingSource leaf, from its description (Xapian 1.4 has no
// accessor; the description prints it with "%.20g", which reads back exactly).
std::optional<double> fixed_weight(const Xapian::Query& q) {
    if (q.get_type() != Xapian::Query::LEAF_POSTING_SOURCE) return std::nullopt;
    const std::string desc = q.get_description();
    static constexpr std::string_view head =
        "Query(PostingSource(Xapian::FixedWeightPostingSource(wt=";
    static constexpr std::string_view tail = ")))";
    if (desc.size() <= head.size() + tail.size() || desc.compare(0, head.size(), head) != 0 ||
        desc.compare(desc.size() - tail.size(), tail.size(), tail) != 0)
        return std::nullopt;
    const std::string number = desc.substr(head.size(), desc.size() - head.size() - tail.size());
    char* end = nullptr;
    const double w = std::strtod(number.c_str(), &end);
    if (end != number.c_str() + number.size() || !(w >= 0)) return std::nullopt;
    return w;
}

// OP_SCALE_WEIGHT by 0: a subquery that matches and does not weigh ("0 * ..." in its
// description; Xapian 1.4 has no accessor for the factor either).
bool scaled_to_zero(const Xapian::Query& q) {
    return q.get_type() == Xapian::Query::OP_SCALE_WEIGHT &&
           q.get_description().compare(0, 10, "Query(0 * ") == 0;
}

// Xapian 1.4's QueryScaleWeight describes itself as "Query(<factor> * <subquery>)", the
// factor printed with "%.20g" (it reads back exactly).
std::optional<double> scale_factor(const Xapian::Query& q) {
    if (q.get_type() != Xapian::Query::OP_SCALE_WEIGHT) return std::nullopt;
    const std::string desc = q.get_description();
    static constexpr std::string_view head = "Query(";
    if (desc.compare(0, head.size(), head) != 0) return std::nullopt;
    const char* start = desc.c_str() + head.size();
    char* end = nullptr;
    const double f = std::strtod(start, &end);
    if (end == start || std::string_view(end).substr(0, 3) != " * " || !(f >= 0))
        return std::nullopt;
    return f;
}

// The term of a LEAF_TERM whose wqf is 1 (its description is the term, and its position if
// it has one: "term", "term@3"; a wqf other than 1 adds "#wqf" after the term).
std::optional<std::string> plain_leaf(const Xapian::Query& q) {
    auto t = q.get_terms_begin();
    if (t == q.get_terms_end()) return std::nullopt;
    std::string term = *t;
    const std::string desc = q.get_description();
    const std::string head = "Query(" + term;
    if (desc.size() < head.size() + 1 || desc.compare(0, head.size(), head) != 0 ||
        desc.back() != ')')
        return std::nullopt;
    const std::string_view rest(desc.data() + head.size(), desc.size() - head.size() - 1);
    if (rest.empty()) return term;
    if (rest[0] != '@' || rest.size() < 2) return std::nullopt;
    for (std::size_t i = 1; i < rest.size(); ++i)
        if (rest[i] < '0' || rest[i] > '9') return std::nullopt;
    return term;
}

std::optional<DocSet> boolean_bitmap(const Xapian::Database& db,
                                     const Xapian::Query& q,
                                     TermSets& sets,
                                     std::uint32_t min_freq,
                                     std::uint64_t candidates,
                                     BudgetCheck& budget,
                                     BitmapMemo& memo) {
    // Only when the frequent terms to decode (not in the bitmap cache) have few postings
    // beside the documents the ranking visits: Xapian reaches a few documents of a long
    // postlist through its chunk index without decoding the rest. Rare terms (under min_freq
    // postings) are not counted: they cost little to decode (and are cached apart,
    // termsets.h), and Xapian's own evaluation walks them too (an AND_NOT advances its left
    // side past every document the right side holds: a word's other forms are mostly on
    // cards that also have the word, measured 3.3 ms for 4 documents at 1M).
    std::uint64_t cost = 0;
    for (auto t = q.get_unique_terms_begin(); t != q.get_unique_terms_end(); ++t) {
        const Xapian::doccount tf = sets.termfreq(db, *t);
        if (tf >= min_freq && !sets.contains(*t)) cost += tf;
    }
    if (cost > kImpactDecodeRatio * candidates) return std::nullopt;
    // A word's other forms recur: beside the word in the text and again in its boost, and a
    // word typed twice has them twice. Evaluated once per query, keyed by the description,
    // which names every term and operator (two posting sources may describe alike, but
    // direct_bitmap evaluates no subquery holding one).
    std::string key = q.get_description();
    auto it = memo.find(key);
    if (it == memo.end())
        it = memo.emplace(std::move(key), direct_bitmap(db, q, sets, budget)).first;
    return it->second;
}

namespace {

struct Rewrite {
    const Xapian::Database& db;
    ImpactCache& cache;
    TermSets& sets;
    const DocLengths& lengths;
    std::uint32_t min_freq;
    BudgetCheck& budget;
    BitmapMemo& memo;
    std::uint64_t candidates = 0;
    double len_factor = 0;
    std::size_t replaced = 0;

    // Only nodes whose leaves Xapian weighs with factor 1: the weighted parts of AND, OR,
    // AND_MAYBE, FILTER and AND_NOT. The boolean sides of FILTER and AND_NOT (factor 0),
    // scaled subqueries and anything positional or synonymous are kept as they are.
    Xapian::Query operator()(const Xapian::Query& q) {
        using Q = Xapian::Query;
        switch (q.get_type()) {
            case Q::LEAF_TERM:
                return leaf(q);
            case Q::OP_SCALE_WEIGHT:
                return scaled_to_zero(q) ? boolean(q.get_subquery(0), 0.0) : q;
            case Q::OP_AND:
            case Q::OP_OR:
            case Q::OP_AND_MAYBE:
            case Q::OP_FILTER:
            case Q::OP_AND_NOT: {
                const std::size_t n = q.get_num_subqueries();
                const bool all_weighted =
                    q.get_type() != Q::OP_FILTER && q.get_type() != Q::OP_AND_NOT;
                if (q.get_type() == Q::OP_FILTER && n == 2) {
                    // A constant boost over the documents of a boolean subquery.
                    if (auto w = fixed_weight(q.get_subquery(0))) {
                        Q b = boolean(q.get_subquery(1), *w);
                        if (b.get_type() == Q::LEAF_POSTING_SOURCE) return b;
                    }
                }
                std::vector<Q> parts;
                const std::size_t before = replaced;
                for (std::size_t i = 0; i < n; ++i) {
                    const Q sub = q.get_subquery(i);
                    parts.push_back(i == 0 || all_weighted ? (*this)(sub) : boolean(sub, 0.0));
                }
                if (replaced == before) return q;
                return Q(q.get_type(), parts.begin(), parts.end());
            }
            default:
                return q;
        }
    }

    // `q` where it matches without weighing: its documents from the term bitmaps, each
    // weighing `weight`, when boolean_bitmap gives them; else `q` unchanged (and the caller
    // keeps the node that weighed it).
    Xapian::Query boolean(const Xapian::Query& q, double weight) {
        auto set = boolean_bitmap(db, q, sets, min_freq, candidates, budget, memo);
        if (!set) return q;
        ++replaced;
        return Xapian::Query((new BitmapSource(*set, weight))->release());
    }

    Xapian::Query leaf(const Xapian::Query& q) {
        const auto term = plain_leaf(q);
        if (!term || term->empty()) return q;
        const Xapian::doccount tf = sets.termfreq(db, *term);
        if (tf < min_freq) return q;
        if (!weigh_from_cache(cache, *term, tf, candidates)) return q;
        auto impacts = cache.get(db, *term, lengths, budget);
        const double termweight = bm25_termweight(db.get_doccount(), tf, 1, 1.0);
        ++replaced;
        return Xapian::Query(
            (new ImpactSource(std::move(impacts), lengths, termweight, len_factor))->release());
    }
};

}  // namespace

std::uint32_t TermImpacts::wdf_at(std::size_t i) const {
    if (wdf[i] != 255) return wdf[i];
    auto it =
        std::lower_bound(big.begin(),
                         big.end(),
                         std::pair<std::uint32_t, std::uint32_t>(static_cast<std::uint32_t>(i), 0));
    return it->second;
}

std::size_t TermImpacts::bytes() const {
    return docids.capacity() * sizeof(std::uint32_t) + wdf.capacity() +
           big.capacity() * sizeof(big[0]) + block_max.capacity() * sizeof(double) + sizeof(*this);
}

double bm25_shape(std::uint32_t wdf, std::uint32_t doclength, double len_factor) {
    // BM25Weight::get_sumpart without the term weight, the same operations in the same order
    // (this file is compiled with -ffp-contract=off: a fused multiply-add would round
    // differently from Xapian's library).
    const double normlen = std::max(doclength * len_factor, kMinNormlen);
    const double wdf_double = wdf;
    const double denom = kK1 * (normlen * kB + (1 - kB)) + wdf_double;
    return wdf_double / denom;
}

TermImpacts decode_impacts(const Xapian::Database& db,
                           const std::string& term,
                           const DocLengths& lengths,
                           BudgetCheck& budget) {
    TermImpacts t;
    const Xapian::doccount tf = db.get_termfreq(term);
    t.docids.reserve(tf);
    t.wdf.reserve(tf);
    const double avlen = db.get_avlength();
    const double len_factor = avlen != 0 ? 1 / avlen : 0;
    double block = 0;
    for (auto p = db.postlist_begin(term), end = db.postlist_end(term); p != end; ++p) {
        budget();
        const std::uint32_t d = *p;
        const std::uint32_t wdf = p.get_wdf();
        if (wdf >= 255) t.big.emplace_back(static_cast<std::uint32_t>(t.docids.size()), wdf);
        t.wdf.push_back(static_cast<std::uint8_t>(std::min<std::uint32_t>(wdf, 255)));
        t.docids.push_back(d);
        const double shape = bm25_shape(wdf, d < lengths.size() ? lengths[d] : 0, len_factor);
        block = std::max(block, shape);
        if (t.docids.size() % TermImpacts::kBlock == 0) {
            t.block_max.push_back(block);
            t.max_shape = std::max(t.max_shape, block);
            block = 0;
        }
    }
    if (t.docids.size() % TermImpacts::kBlock != 0) {
        t.block_max.push_back(block);
        t.max_shape = std::max(t.max_shape, block);
    }
    t.docids.shrink_to_fit();
    t.wdf.shrink_to_fit();
    return t;
}

DocLengths read_doclengths(const Xapian::Database& db) {
    DocLengths out(static_cast<std::size_t>(db.get_lastdocid()) + 2, 0);
    for (auto p = db.postlist_begin(""), end = db.postlist_end(""); p != end; ++p)
        out[*p] = p.get_doclength();
    return out;
}

Xapian::Query with_impacts(const Xapian::Query& q,
                           const Xapian::Database& db,
                           ImpactCache& cache,
                           TermSets& sets,
                           const DocLengths& lengths,
                           std::uint32_t min_freq,
                           std::size_t candidates,
                           BudgetCheck& budget,
                           BitmapMemo* memo) {
    BitmapMemo own;
    Rewrite r{db, cache, sets, lengths, min_freq, budget, memo != nullptr ? *memo : own};
    r.candidates = candidates;
    // BM25Weight::init's len_factor: one over the average length the matcher's statistics
    // give (the total length over the document count, for one database).
    const double avlen = db.get_avlength();
    r.len_factor = avlen != 0 ? 1 / avlen : 0;
    return r(q);
}

}  // namespace cardex::query
