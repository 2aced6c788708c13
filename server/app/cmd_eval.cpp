// `cardex eval --index DIR --queries FILE [--baseline] [--per-query]`: relevance of the
// ranking on a judged query set (nDCG@10 and MRR, overall and per query class), optionally
// next to a plain BM25 baseline run on the same index.
#include <cstdio>
#include <iostream>
#include <memory>

#include "cardex/query/eval.h"
#include "cardex/query/searcher.h"
#include "commands.h"

namespace cardex::app {

namespace {

struct EvalArgs {
    std::string index;
    std::string queries = "data/queries/judgments.tsv";
    bool baseline = false;
    bool per_query = false;
};

int run_eval(const EvalArgs& a) {
    auto judged = query::load_judgments(a.queries);
    if (!judged) {
        std::cerr << "cardex eval: " << judged.error().message << ": " << judged.error().detail
                  << "\n";
        return judged.error().code == Errc::InvalidArgument ? kExitUsage : kExitFailure;
    }
    auto searcher = query::Searcher::open(a.index);
    if (!searcher) {
        std::cerr << "cardex eval: " << searcher.error().message << " " << searcher.error().detail
                  << "\n";
        return kExitFailure;
    }
    auto ranked = query::evaluate(*searcher, *judged);
    if (!ranked) {
        std::cerr << "cardex eval: " << ranked.error().message << ": " << ranked.error().detail
                  << "\n";
        return kExitFailure;
    }
    std::unique_ptr<query::EvalReport> base;
    if (a.baseline) {
        query::EvalOptions plain;
        plain.plain_bm25 = true;
        auto b = query::evaluate(*searcher, *judged, plain);
        if (!b) {
            std::cerr << "cardex eval: " << b.error().message << ": " << b.error().detail << "\n";
            return kExitFailure;
        }
        base = std::make_unique<query::EvalReport>(std::move(b).value());
    }

    if (a.per_query) {
        for (std::size_t i = 0; i < ranked->queries.size(); ++i) {
            const auto& q = ranked->queries[i];
            std::printf("%-4s %-9s ndcg=%.3f rr=%.3f", q.id.c_str(), q.cls.c_str(), q.ndcg, q.rr);
            if (base) {
                std::printf("  bm25 ndcg=%.3f rr=%.3f", base->queries[i].ndcg, base->queries[i].rr);
            }
            std::printf("  %s  [1: %s]\n", q.text.c_str(),
                        q.top.empty() ? "-" : q.top.front().c_str());
        }
        std::printf("\n");
    }
    if (base) {
        std::printf("%-10s %7s  %-19s  %-19s\n", "", "", "cardex", "plain BM25");
        std::printf("%-10s %7s  %9s %9s  %9s %9s\n", "class", "queries", "nDCG@10", "MRR",
                    "nDCG@10", "MRR");
    } else {
        std::printf("%-10s %7s  %9s %9s\n", "class", "queries", "nDCG@10", "MRR");
    }
    for (std::size_t i = 0; i < ranked->classes.size(); ++i) {
        const auto& c = ranked->classes[i];
        std::printf("%-10s %7zu  %9.3f %9.3f", c.cls.c_str(), c.queries, c.ndcg, c.mrr);
        if (base) std::printf("  %9.3f %9.3f", base->classes[i].ndcg, base->classes[i].mrr);
        std::printf("\n");
    }
    return kExitOk;
}

}  // namespace

void add_eval(CLI::App& app, int& rc) {
    auto args = std::make_shared<EvalArgs>();
    auto* cmd = app.add_subcommand("eval", "Measure ranking quality on a judged query set");
    cmd->add_option("--index", args->index, "Index directory")->required();
    cmd->add_option("--queries", args->queries, "Judgments file (data/queries/judgments.tsv)");
    cmd->add_flag("--baseline", args->baseline, "Also run a plain BM25 baseline, side by side");
    cmd->add_flag("--per-query", args->per_query, "Print every query's scores and top hit");
    cmd->callback([args, &rc]() { rc = run_eval(*args); });
}

}  // namespace cardex::app
