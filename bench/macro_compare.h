#pragma once
// Per-query comparisons of the engines of cardex_bench_macro: the file of every query's
// answers, plain words against phrases, and the queries whose totals disagree.
#include <string>
#include <vector>

#include "macro_mix.h"

namespace cardex::bench {

/// Writes `path`: one line per query (number, class, phrase, words, filters, then ms and
/// total for each engine that ran), tab-separated with a header line.
void write_per_query(const std::string& path,
                     const std::vector<Query>& queries,
                     const std::vector<Answers>& engines);

/// Prints a table of p50 / p99 / max per text class, plain-word queries and phrases apart,
/// for each engine that ran (phrases are the tail of every text class).
void print_words_and_phrases(const std::vector<Query>& queries,
                             const std::vector<Answers>& engines);

/// Prints to stderr how many queries' totals differ between `a` and `b` by more than 5%
/// (and 2 cards), with the `show` largest: the stemmers differ a little; a large
/// difference means the engines read the query differently. Only classes where both
/// totals are exact (`exact` says which queries: FTS5 counts only with counts).
void report_total_differences(const std::vector<Query>& queries,
                              const Answers& a,
                              const Answers& b,
                              const std::vector<bool>& exact,
                              std::size_t show);

}  // namespace cardex::bench
