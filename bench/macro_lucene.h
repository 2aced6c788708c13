#pragma once
// The Lucene peer of cardex_bench_macro (issue #15): Debian's Lucene 4.10 in a JVM of its own,
// run as a child process (bench/lucene/LuceneBench.java, compiled by bench/run). The harness
// hands it the cards and the query mix as tab-separated files and reads its timings back.
// Optional: without java or the compiled classes the harness skips it and says why.
#include <cstdint>
#include <string>
#include <vector>

#include "cardex/index/card.h"
#include "macro_mix.h"

namespace cardex::bench {

class Lucene {
  public:
    /// `classes_dir` is where bench/run compiled the peer: it holds LuceneBench.class and
    /// classpath.txt (the full -cp), or skipped.txt saying why it could not be compiled.
    explicit Lucene(std::string classes_dir);

    /// Empty when the peer can run, else why not (for "Lucene: skipped (why)").
    std::string unavailable() const;

    /// Writes `cards` to `tsv` (one card a line, escaped; the format LuceneBench reads),
    /// then builds the index at `index_dir` in a JVM and removes `tsv`. False on any error
    /// (printed to stderr). Indexes on `threads` threads, then merges to one segment. Blocks
    /// for the whole build: minutes at 1M cards.
    bool build(const std::vector<index::Card>& cards,
               const std::string& tsv,
               const std::string& index_dir,
               unsigned threads);

    /// Writes `queries` to `tsv` and runs them against `index_dir` in a JVM: `warmup`
    /// passes over the mix (for the JIT compiler), then the measured one. Fills ms() and
    /// totals(), one per query. False on error.
    bool run(const std::vector<Query>& queries,
             const std::string& tsv,
             const std::string& index_dir,
             unsigned warmup);

    double build_s() const { return build_s_; }          ///< inside the JVM, merge included
    double index_bytes() const { return index_bytes_; }  ///< after the build
    double build_rss_mb() const { return build_rss_; }   ///< the building JVM's VmHWM
    double query_rss_mb() const { return query_rss_; }   ///< the querying JVM's VmHWM
    const std::vector<double>& ms() const { return ms_; }
    const std::vector<std::uint64_t>& totals() const { return totals_; }

  private:
    // Runs LuceneBench with `args`, handing each stdout line to `line`; false on failure.
    template <class F>
    bool java(const std::string& args, F&& line);

    std::string classes_dir_;
    std::string classpath_;
    double build_s_ = 0, index_bytes_ = 0, build_rss_ = 0, query_rss_ = 0;
    std::vector<double> ms_;
    std::vector<std::uint64_t> totals_;
};

}  // namespace cardex::bench
