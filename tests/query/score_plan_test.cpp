// choose_documents (query/src/score_plan.h) against brute force: on random plans over random
// postings, bitmaps and a prior column, the documents it keeps must include every document of
// the true top k (each document's weight computed here from the plan's parts), and only
// documents within its margin of the k-th weight. Windows of documents are skipped on bounds
// summed over the plan's parts per block of postings: a bound that is too low drops a top
// document, which these rounds catch.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <random>
#include <vector>

#include "score_plan.h"

using namespace cardex::query;
using Kind = ScorePlan::Kind;

namespace {

struct Fixture {
    std::uint32_t docs = 0;
    DocLengths lengths;
    ValueColumn prior;
    ScorePlan plan;
    // Per leaf: its documents (for the reference weights).
    std::vector<std::vector<std::uint8_t>> in_bitmap;
};

// A term's postings as decode_impacts makes them: shapes per block of kBlock postings.
std::shared_ptr<const TermImpacts> impacts(const std::vector<std::uint32_t>& docids,
                                           const std::vector<std::uint32_t>& wdfs,
                                           const DocLengths& lengths,
                                           double len_factor) {
    auto t = std::make_shared<TermImpacts>();
    double block = 0;
    for (std::size_t i = 0; i < docids.size(); ++i) {
        if (wdfs[i] >= 255) t->big.emplace_back(static_cast<std::uint32_t>(i), wdfs[i]);
        t->wdf.push_back(static_cast<std::uint8_t>(std::min<std::uint32_t>(wdfs[i], 255)));
        t->docids.push_back(docids[i]);
        block = std::max(block, bm25_shape(wdfs[i], lengths[docids[i]], len_factor));
        if ((i + 1) % TermImpacts::kBlock == 0 || i + 1 == docids.size()) {
            t->block_max.push_back(block);
            t->max_shape = std::max(t->max_shape, block);
            block = 0;
        }
    }
    return t;
}

// Whether node i matches d, adding its weight to w: the plan's meaning, evaluated directly.
bool weigh(const Fixture& f, std::uint32_t i, std::uint32_t d, double& w) {
    const ScorePlan& p = f.plan;
    const ScorePlan::Node& n = p.nodes[i];
    const std::uint32_t* kid = p.kids.data() + n.first;
    switch (n.kind) {
        case Kind::Impact: {
            const TermImpacts& t = *p.impacts[n.leaf];
            auto it = std::lower_bound(t.docids.begin(), t.docids.end(), d);
            if (it == t.docids.end() || *it != d) return false;
            const auto at = static_cast<std::size_t>(it - t.docids.begin());
            w += n.factor * bm25_shape(t.wdf_at(at), f.lengths[d], p.len_factor);
            return true;
        }
        case Kind::Bitmap:
            if (!f.in_bitmap[n.leaf][d]) return false;
            w += n.factor;
            return true;
        case Kind::Prior:
            if (f.prior[d] < 0) return false;
            w += f.prior[d];
            return true;
        case Kind::All:
            return true;
        case Kind::None:
            return false;
        case Kind::Scale: {
            double s = 0;
            if (!weigh(f, kid[0], d, s)) return false;
            w += n.factor * s;
            return true;
        }
        case Kind::And: {
            double s = 0;
            for (std::uint32_t j = 0; j < n.count; ++j)
                if (!weigh(f, kid[j], d, s)) return false;
            w += s;
            return true;
        }
        case Kind::Or: {
            double s = 0;
            bool any = false;
            for (std::uint32_t j = 0; j < n.count; ++j) any |= weigh(f, kid[j], d, s);
            if (any) w += s;
            return any;
        }
        case Kind::AndMaybe: {
            double s = 0;
            if (!weigh(f, kid[0], d, s)) return false;
            for (std::uint32_t j = 1; j < n.count; ++j) weigh(f, kid[j], d, s);
            w += s;
            return true;
        }
        case Kind::Filter:
        case Kind::AndNot: {
            double s = 0;
            if (!weigh(f, kid[0], d, s)) return false;
            for (std::uint32_t j = 1; j < n.count; ++j) {
                double ignored = 0;
                if (weigh(f, kid[j], d, ignored) != (n.kind == Kind::Filter)) return false;
            }
            w += s;
            return true;
        }
    }
    return false;
}

// A random plan in the shapes the query builder makes: words (each a term in the text and
// in a title field, scaled), a boost bitmap, an excluded bitmap, the prior.
Fixture random_fixture(std::mt19937& rng, bool falling_prior) {
    Fixture f;
    f.docs = std::uniform_int_distribution<std::uint32_t>(500, 30000)(rng);
    // Lengths from 5 to 2,000 words, log-uniform: blocks of postings differ in their best
    // weights, as real cards' do.
    std::uniform_real_distribution<double> log_len(std::log(5.0), std::log(2000.0));
    f.lengths.assign(f.docs + 2, 0);
    std::uint64_t total = 0;
    for (std::uint32_t d = 1; d <= f.docs; ++d)
        total += f.lengths[d] = static_cast<std::uint32_t>(std::exp(log_len(rng)));
    f.plan.lengths = &f.lengths;
    f.plan.len_factor = static_cast<double>(f.docs) / static_cast<double>(total);
    // The prior: falling along the docids (the downloads order), some documents without one.
    f.prior.assign(f.docs + 2, -1);
    double v = 3.0;
    std::uniform_real_distribution<double> unit(0, 1);
    for (std::uint32_t d = 1; d <= f.docs; ++d) {
        if (falling_prior) v *= 0.9995 + 0.0005 * unit(rng);
        if (unit(rng) < 0.9) f.prior[d] = falling_prior ? v : 3.0 * unit(rng);
    }
    f.plan.prior = &f.prior;
    f.plan.prior_max = 3.0;

    auto term = [&](double density, double weight) {
        std::vector<std::uint32_t> ds, wdfs;
        std::uniform_int_distribution<std::uint32_t> wdf(1, 12);
        // Clustered: dense runs and gaps, as real postings are (windows without the term).
        const double high = std::min(1.0, density * 4);
        double here = density;
        for (std::uint32_t d = 1; d <= f.docs; ++d) {
            if (d % 97 == 0) here = unit(rng) < 0.25 ? high : density / 4;
            if (unit(rng) < here) {
                ds.push_back(d);
                // Mostly once, now and then often, rarely past a byte (TermImpacts::big).
                const double r = unit(rng);
                wdfs.push_back(r < 0.002 ? 300 + wdf(rng) : r < 0.1 ? wdf(rng) : 1);
            }
        }
        f.plan.impacts.push_back(impacts(ds, wdfs, f.lengths, f.plan.len_factor));
        return f.plan.add(
            Kind::Impact, weight, static_cast<std::uint32_t>(f.plan.impacts.size() - 1), {});
    };
    auto bitmap = [&](double density, double weight) {
        Roaring r;
        std::vector<std::uint8_t> in(f.docs + 2, 0);
        for (std::uint32_t d = 1; d <= f.docs; ++d)
            if (unit(rng) < density) {
                r.add(d);
                in[d] = 1;
            }
        f.plan.bitmaps.push_back(std::make_shared<const Roaring>(std::move(r)));
        f.in_bitmap.push_back(std::move(in));
        return f.plan.add(
            Kind::Bitmap, weight, static_cast<std::uint32_t>(f.plan.bitmaps.size() - 1), {});
    };
    std::uniform_real_distribution<double> tw(0.2, 4.0);
    const int words = std::uniform_int_distribution<int>(1, 4)(rng);
    const bool all_words = unit(rng) < 0.5;
    std::vector<std::uint32_t> word_nodes;
    // Without boosts the page is flat, as a phrase's is: the windows' bounds decide.
    const bool boosts = unit(rng) < 0.5;
    for (int i = 0; i < words; ++i) {
        const double density = std::vector<double>{0.9, 0.5, 0.1, 0.01}[rng() % 4];
        const std::uint32_t body = term(density, tw(rng));
        if (!boosts) {
            word_nodes.push_back(body);
            continue;
        }
        const std::uint32_t title = f.plan.add(Kind::Scale, 2.5, 0, {term(density / 20, tw(rng))});
        word_nodes.push_back(f.plan.add(Kind::Or, 0, 0, {body, title}));
    }
    std::uint32_t text = word_nodes.size() == 1
                             ? word_nodes[0]
                             : f.plan.add(all_words ? Kind::And : Kind::Or, 0, 0, word_nodes);
    if (boosts) text = f.plan.add(Kind::AndMaybe, 0, 0, {text, bitmap(0.002, 6.0)});
    if (unit(rng) < 0.3) text = f.plan.add(Kind::AndNot, 0, 0, {text, bitmap(0.05, 0)});
    f.plan.add(Kind::AndMaybe, 0, 0, {text, f.plan.add(Kind::Prior, 0, 0, {})});
    return f;
}

}  // namespace

TEST_CASE("choose_documents keeps every document of the true top k", "[score_plan]") {
    std::mt19937 rng(20261206);
    const Budget limits;
    BudgetCheck budget(limits);
    std::size_t skipped = 0, stopped = 0, rounds_with_top = 0;
    for (int round = 0; round < 240; ++round) {
        const bool falling = round % 4 != 3;
        Fixture f = random_fixture(rng, falling);
        const auto root = static_cast<std::uint32_t>(f.plan.nodes.size() - 1);
        // The documents the ranking visits: most of them, or a sparse part.
        std::vector<std::uint32_t> docs;
        const double share = round % 2 == 0 ? 0.9 : 0.2;
        std::uniform_real_distribution<double> unit(0, 1);
        for (std::uint32_t d = 1; d <= f.docs; ++d)
            if (unit(rng) < share) docs.push_back(d);
        const std::size_t k = std::vector<std::size_t>{1, 11, 41}[round % 3];
        // Some rounds reject documents as a phrase or visibility would.
        const std::uint32_t reject = round % 5 == 0 ? 3 : 0;
        const std::function<bool(std::uint32_t)> accept = [&](std::uint32_t d) {
            return d % reject != 0;
        };
        std::vector<std::uint32_t> out;
        const ChooseStats stats =
            choose_documents(f.plan, docs, k, reject ? &accept : nullptr, falling, out, budget);
        skipped += stats.windows_skipped;
        stopped += stats.stopped_early;

        // Brute force: every visited document's weight, the accepted matches' top k.
        std::vector<std::pair<double, std::uint32_t>> all;
        for (const std::uint32_t d : docs) {
            double w = 0;
            if (!weigh(f, root, d, w)) continue;
            if (reject && d % reject == 0) continue;
            all.emplace_back(w, d);
        }
        INFO("round " << round << ", " << f.docs << " documents, " << docs.size() << " visited, "
                      << all.size() << " matching, k " << k);
        REQUIRE(std::is_sorted(out.begin(), out.end()));
        std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
            return a.first != b.first ? a.first > b.first : a.second < b.second;
        });
        if (all.empty()) {
            CHECK(out.empty());
            continue;
        }
        ++rounds_with_top;
        const double theta = all[std::min(k, all.size()) - 1].first;
        // Every document weighing at least the k-th weight is kept (ties included: Xapian
        // orders them among themselves).
        for (const auto& [w, d] : all) {
            if (w < theta) break;
            INFO("document " << d << " weighs " << w << ", the k-th " << theta);
            CHECK(std::binary_search(out.begin(), out.end(), d));
        }
        // Nothing far below the page is kept, and nothing that does not match.
        for (const std::uint32_t d : out) {
            double w = 0;
            INFO("kept document " << d);
            REQUIRE(weigh(f, root, d, w));
            CHECK(w >= theta - 1e-6 * (1 + theta));
        }
    }
    CHECK(rounds_with_top >= 180);
    CHECK(skipped > 1000);  // windows were skipped whole: the bounds had work to do
    CHECK(stopped >= 5);    // and the falling prior ended some scans early
}
