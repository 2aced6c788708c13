// Per-query comparisons for cardex_bench_macro. See macro_compare.h.
#include "macro_compare.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <utility>

namespace cardex::bench {

namespace {

std::string words_of(const Query& q) {
    std::string text;
    for (const auto& w : q.words) text += (text.empty() ? "" : " ") + w;
    return q.phrase ? "\"" + text + "\"" : text;
}

std::string filters_of(const Query& q) {
    std::string out;
    for (const auto& [f, v] : q.filters) out += (out.empty() ? "" : " ") + f + "=" + v;
    return out;
}

std::string class_name(const Query& q) {
    return q.cls + (q.counts ? " +counts" : "");
}

}  // namespace

void write_per_query(const std::string& path,
                     const std::vector<Query>& queries,
                     const std::vector<Answers>& engines) {
    std::ofstream out(path);
    out << "n\tclass\tphrase\twords\tfilters";
    for (const auto& e : engines) {
        if (e.ran()) out << '\t' << e.engine << " ms\t" << e.engine << " total";
    }
    out << '\n';
    for (std::size_t i = 0; i < queries.size(); ++i) {
        const auto& q = queries[i];
        out << i << '\t' << class_name(q) << '\t' << q.phrase << '\t' << words_of(q) << '\t'
            << filters_of(q);
        for (const auto& e : engines) {
            if (e.ran()) out << '\t' << e.ms[i] << '\t' << e.totals[i];
        }
        out << '\n';
    }
}

void print_words_and_phrases(const std::vector<Query>& queries,
                             const std::vector<Answers>& engines) {
    std::printf("\n| plain words / phrases, ms | queries |");
    for (const auto& e : engines) {
        if (e.ran())
            std::printf(" %s p50 | %s p99 | %s max |",
                        e.engine.c_str(),
                        e.engine.c_str(),
                        e.engine.c_str());
    }
    std::printf("\n|---|---:|");
    for (const auto& e : engines) {
        if (e.ran()) std::printf("---:|---:|---:|");
    }
    std::printf("\n");
    // Rows: each text class's plain-word queries, then all phrases of the mix together
    // (a fifth of multi-word queries: too few per class for a p99).
    std::vector<std::pair<std::string, std::vector<std::size_t>>> rows;  // in the mix's order
    std::vector<std::size_t> phrases;
    for (std::size_t i = 0; i < queries.size(); ++i) {
        const auto& q = queries[i];
        if (q.words.empty()) continue;
        if (q.phrase) {
            phrases.push_back(i);
            continue;
        }
        const std::string name = class_name(q) + " words";
        if (rows.empty() || rows.back().first != name) rows.push_back({name, {}});
        rows.back().second.push_back(i);
    }
    rows.push_back({"phrases, every text class", phrases});
    for (const auto& [name, ids] : rows) {
        std::printf("| %s | %zu |", name.c_str(), ids.size());
        for (const auto& e : engines) {
            if (!e.ran()) continue;
            std::vector<double> ms;
            for (auto i : ids) ms.push_back(e.ms[i]);
            std::printf(" %.2f | %.2f | %.2f |",
                        percentile(ms, 0.5),
                        percentile(ms, 0.99),
                        percentile(ms, 1.0));
        }
        std::printf("\n");
    }
}

void report_total_differences(const std::vector<Query>& queries,
                              const Answers& a,
                              const Answers& b,
                              const std::vector<bool>& exact,
                              std::size_t show) {
    if (!a.ran() || !b.ran()) return;
    struct Diff {
        double rel;
        std::size_t i;
    };
    std::vector<Diff> diffs;
    std::size_t compared = 0;
    for (std::size_t i = 0; i < queries.size(); ++i) {
        if (!exact[i]) continue;
        ++compared;
        const double x = static_cast<double>(a.totals[i]), y = static_cast<double>(b.totals[i]);
        const double rel = std::abs(x - y) / std::max(1.0, std::max(x, y));
        if (rel > 0.05 && std::abs(x - y) > 2) diffs.push_back({rel, i});
    }
    std::sort(
        diffs.begin(), diffs.end(), [](const Diff& l, const Diff& r) { return l.rel > r.rel; });
    std::fprintf(stderr,
                 "totals %s vs %s: %zu of %zu queries differ by more than 5%%\n",
                 a.engine.c_str(),
                 b.engine.c_str(),
                 diffs.size(),
                 compared);
    for (std::size_t k = 0; k < std::min(show, diffs.size()); ++k) {
        const auto& q = queries[diffs[k].i];
        std::fprintf(stderr,
                     "  %llu vs %llu  %s: %s [%s]\n",
                     static_cast<unsigned long long>(a.totals[diffs[k].i]),
                     static_cast<unsigned long long>(b.totals[diffs[k].i]),
                     class_name(q).c_str(),
                     words_of(q).c_str(),
                     filters_of(q).c_str());
    }
}

}  // namespace cardex::bench
