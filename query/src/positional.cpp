#include "positional.h"

#include "cardex/index/schema.h"
#include "query_tree.h"

#include <algorithm>
#include <cstdlib>
#include <iterator>
#include <map>
#include <mutex>
#include <optional>
#include <string_view>
#include <utility>

namespace cardex::query {

namespace idx = cardex::index;
using Q = Xapian::Query;

bool positions_match(Positional kind,
                     std::uint32_t window,
                     const std::vector<std::string>& terms,
                     const std::vector<std::vector<std::uint32_t>>& pos) {
    if (pos.empty()) return false;
    for (const auto& p : pos) {
        if (p.empty()) return false;
    }
    if (kind == Positional::InOrder) {
        // For each start, the earliest position of each next term after the previous one
        // gives the smallest end: the phrase matches iff one start's end is in the window.
        for (const std::uint32_t first : pos[0]) {
            std::uint32_t at = first;
            for (std::size_t i = 1; i < pos.size(); ++i) {
                const auto next = std::upper_bound(pos[i].begin(), pos[i].end(), at);
                if (next == pos[i].end()) return false;  // no later start can do better
                at = *next;
            }
            if (at - first < window) return true;
        }
        return false;
    }
    // NEAR: the smallest span holding, for each distinct term, as many of its positions as
    // the query lists it (distinct terms never share a position: one word a position).
    std::map<std::string_view, std::size_t> group;
    std::vector<std::size_t> need;
    std::vector<std::size_t> first_list;  // per group: one of its position lists
    for (std::size_t i = 0; i < terms.size() && i < pos.size(); ++i) {
        auto [it, fresh] = group.emplace(terms[i], need.size());
        if (fresh) {
            need.push_back(0);
            first_list.push_back(i);
        }
        ++need[it->second];
    }
    std::vector<std::pair<std::uint32_t, std::size_t>> events;
    for (std::size_t g = 0; g < need.size(); ++g) {
        for (const auto p : pos[first_list[g]]) events.emplace_back(p, g);
    }
    std::sort(events.begin(), events.end());
    std::vector<std::size_t> have(need.size(), 0);
    std::size_t satisfied = 0;
    std::size_t left = 0;
    for (std::size_t right = 0; right < events.size(); ++right) {
        if (++have[events[right].second] == need[events[right].second]) ++satisfied;
        while (satisfied == need.size()) {
            if (events[right].first - events[left].first < window) return true;
            if (have[events[left].second]-- == need[events[left].second]) --satisfied;
            ++left;
        }
    }
    return false;
}

namespace {

// Xapian 1.4's Query has no accessor for a window; its description has it, always (done()
// sets the default): "(a@1 PHRASE 2 b@2)", "(a@1 NEAR 10 b@2)".
std::optional<std::uint32_t> window_of(const Q& q, const char* op) {
    const std::string d = q.get_description();
    const auto at = d.find(op);
    if (at == std::string::npos) return std::nullopt;
    char* end = nullptr;
    const unsigned long w =
        std::strtoul(d.c_str() + at + std::char_traits<char>::length(op), &end, 10);
    if (end == d.c_str() + at + std::char_traits<char>::length(op) || w == 0 || w > UINT32_MAX)
        return std::nullopt;
    return static_cast<std::uint32_t>(w);
}

// Matches the cards whose positions hold one phrase or NEAR, with weight 0 (see the header).
// Xapian gives it a card to check (check) when it leads nothing, and walks it (next,
// skip_to) only if it sorts first in its AND; then it walks the AND of its words itself.
class PositionalSource final : public Xapian::PostingSource {
  public:
    PositionalSource(std::shared_ptr<PositionalContext> ctx,
                     std::vector<std::string> terms,
                     Positional kind,
                     std::uint32_t window)
        : ctx_(std::move(ctx)), terms_(std::move(terms)), kind_(kind), window_(window) {}

    void init(const Xapian::Database& db) override {
        db_ = db;
        set_maxweight(0);
        started_ = false;
        at_end_ = false;
        pending_ = false;
        current_ = 0;
        store_broken_ = false;
        // Only inside the store's own database (a search of several: positional.h).
        own_db_ = ctx_->store != nullptr && db.get_uuid() == ctx_->uuid;
        lists_.clear();
        freq_ = db.get_doccount();
        std::vector<std::string> distinct = terms_;
        std::sort(distinct.begin(), distinct.end());
        distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
        for (const auto& t : distinct) {
            freq_ = std::min(freq_, db.get_termfreq(t));
            lists_.push_back(db.postlist_begin(t));
        }
        cursors_.clear();
        if (own_db_) {
            for (const auto& t : terms_) cursors_.emplace_back(*ctx_->store, t);
        }
        pos_.assign(terms_.size(), {});
        if (ctx_->budget != nullptr) budget_.emplace(*ctx_->budget, 512);
    }

    // At most the rarest word's cards; as many for the estimate, so that Xapian's AND (which
    // sorts its parts by estimate) leads with a word rather than with this source.
    Xapian::doccount get_termfreq_min() const override { return 0; }
    Xapian::doccount get_termfreq_est() const override { return freq_; }
    Xapian::doccount get_termfreq_max() const override { return freq_; }

    void next(double) override { advance(started_ ? last() + 1 : 1); }

    void skip_to(Xapian::docid did, double) override {
        if (started_ && !pending_ && current_ >= did) return;
        advance(started_ ? std::max(did, last() + 1) : did);
    }

    // Xapian asks only for cards past the current one (ExternalPostList::check). A card that
    // does not match leaves the source "indeterminate": the next move starts after it.
    bool check(Xapian::docid did, double) override {
        started_ = true;
        current_ = did;
        pending_ = !holds(did);
        return !pending_;
    }

    bool at_end() const override { return at_end_; }
    Xapian::docid get_docid() const override { return current_; }

    PositionalSource* clone() const override {
        return new PositionalSource(ctx_, terms_, kind_, window_);
    }

    std::string get_description() const override {
        std::string d = kind_ == Positional::InOrder ? "StorePhrase(" : "StoreNear(";
        for (const auto& t : terms_) d += t + ' ';
        return d + std::to_string(window_) + ')';
    }

  private:
    Xapian::docid last() const { return current_; }

    // The first card >= `from` that holds every word and the phrase.
    void advance(Xapian::docid from) {
        started_ = true;
        pending_ = false;
        Xapian::docid d = from;
        const Xapian::PostingIterator end;
        while (true) {
            // Leapfrog: every word's list on the same card.
            bool agreed = false;
            while (!agreed) {
                agreed = true;
                for (auto& it : lists_) {
                    it.skip_to(d);
                    if (it == end) {
                        at_end_ = true;
                        return;
                    }
                    if (*it != d) {
                        d = *it;
                        agreed = false;
                    }
                }
            }
            if (holds(d)) {
                current_ = d;
                return;
            }
            ++d;
        }
    }

    bool holds(Xapian::docid d) {
        if (budget_) (*budget_)();
        if (own_db_ && !store_broken_ && reads_store(*ctx_, d)) {
            bool corrupt = false;
            const bool ok = on_store(d, corrupt);
            if (!corrupt) {
                ++ctx_->store_checks;
                return ok;
            }
            if (ctx_->required) throw PositionsLost(get_description());
            store_broken_ = true;  // what this store says is not to be trusted any more
        }
        ++ctx_->xapian_checks;
        for (std::size_t i = 0; i < terms_.size(); ++i) {
            pos_[i].clear();
            for (auto p = db_.positionlist_begin(d, terms_[i]);
                 p != db_.positionlist_end(d, terms_[i]);
                 ++p)
                pos_[i].push_back(*p);
            if (pos_[i].empty()) return false;
        }
        return positions_match(kind_, window_, terms_, pos_);
    }

    bool on_store(Xapian::docid d, bool& corrupt) {
        if (kind_ == Positional::InOrder && window_ == terms_.size())
            return idx::store_holds_phrase(cursors_, d, a_, corrupt, order_);
        for (std::size_t i = 0; i < terms_.size(); ++i) {
            auto& c = cursors_[i];
            if (!c.seek(d) || c.card() != d) {
                corrupt = c.corrupt();
                return false;
            }
            if (!c.positions(pos_[i])) {
                corrupt = true;
                return false;
            }
        }
        return positions_match(kind_, window_, terms_, pos_);
    }

    std::shared_ptr<PositionalContext> ctx_;
    std::vector<std::string> terms_;
    Positional kind_;
    std::uint32_t window_;
    Xapian::Database db_;
    std::vector<Xapian::PostingIterator> lists_;       // one per distinct word
    std::vector<idx::PositionStore::Cursor> cursors_;  // one per word, in phrase order
    std::vector<std::vector<std::uint32_t>> pos_;
    std::vector<std::uint32_t> a_;
    idx::PhraseOrder order_;  // the words' order of the store's checks, learnt
    std::optional<BudgetCheck> budget_;
    Xapian::doccount freq_ = 0;
    Xapian::docid current_ = 0;
    bool started_ = false;
    bool at_end_ = false;
    bool pending_ = false;  // current_ was checked and does not match
    bool store_broken_ = false;
    bool own_db_ = false;  // init()'s database is the store's
};

Q rewrite(const Q& q, const std::shared_ptr<PositionalContext>& ctx) {
    const auto type = q.get_type();
    if (type == Q::OP_PHRASE || type == Q::OP_NEAR) {
        const auto window = window_of(q, type == Q::OP_PHRASE ? " PHRASE " : " NEAR ");
        std::vector<Q> words;
        std::vector<std::string> terms;
        for (std::size_t i = 0; i < q.get_num_subqueries(); ++i) {
            const Q t = q.get_subquery(i);
            if (t.get_type() != Q::LEAF_TERM) return q;
            terms.push_back(*t.get_terms_begin());
            words.push_back(t);
        }
        if (!window || terms.size() < 2) return q;
        auto* source =
            new PositionalSource(ctx,
                                 std::move(terms),
                                 type == Q::OP_PHRASE ? Positional::InOrder : Positional::Near,
                                 *window);
        return Q(Q::OP_FILTER, Q(Q::OP_AND, words.begin(), words.end()), Q(source->release()));
    }
    if (!rebuildable(type)) return q;  // leaves, and nodes with a parameter (see the header)
    if (!needs_positions(q)) return q;
    std::vector<Q> parts;
    for (std::size_t i = 0; i < q.get_num_subqueries(); ++i)
        parts.push_back(rewrite(q.get_subquery(i), ctx));
    return Q(type, parts.begin(), parts.end());
}

}  // namespace

bool reads_store(const PositionalContext& ctx, std::uint32_t d) {
    return ctx.store != nullptr && ctx.store->covers(d) &&
           !std::binary_search(ctx.rewritten.begin(), ctx.rewritten.end(), d);
}

std::shared_ptr<const idx::PairFilter> shared_pair_filter(const std::string& path,
                                                          const std::string& store_tag) {
    static std::mutex mu;
    static std::map<std::string, std::weak_ptr<const idx::PairFilter>> open;
    // Held while a file is read: a second searcher of the same generation waits for it
    // rather than reading it too.
    std::lock_guard lock(mu);
    for (auto it = open.begin(); it != open.end();) {
        it = it->second.expired() ? open.erase(it) : std::next(it);
    }
    if (auto it = open.find(path); it != open.end()) {
        if (auto f = it->second.lock(); f && f->store_tag() == store_tag) return f;
    }
    auto f = idx::PairFilter::open(path);
    if (!f || f.value()->store_tag() != store_tag) return nullptr;
    open[path] = f.value();
    return std::move(f).value();
}

std::shared_ptr<PositionalContext> positional_context(const Xapian::Database& db,
                                                      const idx::PositionStore* store,
                                                      const Budget* budget) {
    auto ctx = std::make_shared<PositionalContext>();
    ctx->store = store;
    ctx->budget = budget;
    if (store != nullptr) {
        ctx->uuid = db.get_uuid();
        ctx->required = db.get_metadata(std::string(idx::kMetaXapianPositions)) == "store";
        const std::string live(idx::kTermLivePositions);
        for (auto p = db.postlist_begin(live); p != db.postlist_end(live); ++p)
            ctx->rewritten.push_back(*p);
    }
    return ctx;
}

Xapian::Query on_store(const Xapian::Query& q, const std::shared_ptr<PositionalContext>& ctx) {
    return rewrite(q, ctx);
}

}  // namespace cardex::query
