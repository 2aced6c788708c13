#pragma once
// Relevance measurement: a judged query set, nDCG@10 and MRR against a Searcher.
//
// The judged set is data/queries/judgments.tsv (data/queries/README.md says how it was
// built): one row per judged card, `qid<TAB>class<TAB>query<TAB>type/id<TAB>grade`, grades
// 0-3; cards not listed count as 0. `cardex eval` prints a report; tests hold a floor.
#include <cstddef>
#include <string>
#include <unordered_map>
#include <vector>

#include "cardex/index/result.h"

namespace cardex::query {

class Searcher;

struct JudgedQuery {
    std::string id;     ///< "k01"
    std::string cls;    ///< query class: known, topical, language, org, multilingual, glam, typo
    std::string text;   ///< what the user types
    std::unordered_map<std::string, int> grades;  ///< "model/org/name" -> 1..3
};

/// Reads a judgments file. InvalidArgument naming the line on a malformed row.
Result<std::vector<JudgedQuery>> load_judgments(const std::string& path);

struct EvalOptions {
    bool plain_bm25 = false;  ///< the baseline: plain BM25, no prior, boosts or understanding
    std::size_t depth = 10;   ///< nDCG@depth; MRR counts a hit within the same depth
    int mrr_grade = 2;        ///< the lowest grade that counts as "found" for MRR
};

struct QueryScore {
    std::string id, cls, text;
    double ndcg = 0;  ///< nDCG@depth, 0..1
    double rr = 0;    ///< reciprocal rank of the first hit graded >= mrr_grade (0 if none)
    std::vector<std::string> top;  ///< the returned cards ("type/id"), best first
};

struct ClassScore {
    std::string cls;  ///< "all" for the whole set
    std::size_t queries = 0;
    double ndcg = 0;  ///< mean nDCG@depth
    double mrr = 0;   ///< mean reciprocal rank
};

struct EvalReport {
    std::vector<QueryScore> queries;
    std::vector<ClassScore> classes;  ///< "all" first, then classes in order of appearance
};

/// Runs every query (relevance order, no facets, no snippets) and scores it. Errors of the
/// searcher are returned as they are. Cost: one search per query.
Result<EvalReport> evaluate(Searcher& searcher,
                            const std::vector<JudgedQuery>& queries,
                            const EvalOptions& options = {});

}  // namespace cardex::query
