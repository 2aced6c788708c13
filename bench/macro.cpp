// cardex_bench_macro: cardex against SQLite FTS5 and Lucene on the same cards and the same
// query mix.
//
// Measures, in one run: reindex rate (parse + build; the parse is shared and counted for
// each engine), index size on disk, and per query class the p50 / p99 / max latency of
// a single thread, plus peak RSS of each phase. Driven by bench/run, which generates and
// caches the corpus; run by hand as
//   cardex_bench_macro --cards CARDS.jsonl --work DIR [--queries 200] [--seed 1]
// It writes DIR/queries.json (the mix) and DIR/results.json, and prints one table.
// `--reuse 1` runs the queries of DIR/queries.json against the indexes an earlier run left
// in DIR (no parse, no build: for iterating on the query side); `--slow N` also prints the
// N slowest cardex queries with their phases to stderr; `--fts 0` (with --reuse) skips FTS5.
// `--lucene 0` skips Lucene, which runs in a JVM of its own (macro_lucene.h) from the classes
// bench/run compiles into `--lucene-classes DIR` (default: WORK/../lucene-classes); without
// java or those classes the table says "Lucene: skipped (why)"; `--lucene-warmup N` (3) passes
// over the mix warm its JIT compiler before the measured one. DIR/per_query.tsv gets every
// query's time and total on each engine. Before its passes, cardex's Searcher is warmed as
// `cardex serve` warms a generation before serving it (Searcher::warm: columns, and the most
// frequent words' postings); `--warm 0` skips that. The warm-up pass's own figures ("first
// pass") are what a server's first queries after a swap pay.
//
// FTS5 setup: the same normalized cards (ingest's output), one FTS5 table (id, title, body,
// tags; unicode61 + porter), bm25 with column weights as rank, a `meta` table with a
// downloads column (indexed) for sorting, and a `facet(facet, value, doc)` table for filters
// and GROUP BY counts. Matches are materialized once per query into a temp table when counts
// are asked for, the cheapest way to count four facets over one MATCH in SQLite.
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "cardex/index/store.h"
#include "cardex/index/text.h"
#include "cardex/ingest/sources.h"
#include "cardex/query/searcher.h"
#include "macro_compare.h"
#include "macro_lucene.h"
#include "macro_mix.h"
#include "macro_sql.h"

namespace fs = std::filesystem;
using namespace cardex;
using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Peak RSS since the last reset (VmHWM; writing 5 to clear_refs resets it, Linux >= 4.0).
void reset_peak_rss() {
    if (std::FILE* f = std::fopen("/proc/self/clear_refs", "w")) {
        std::fputs("5", f);
        std::fclose(f);
    }
}
double peak_rss_mb() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
    }
    return 0;
}

using bench::kCountFacets;
using bench::Query;

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::vector<std::string> facet_values(const index::Card& c, const std::string& f) {
    if (f == "task") return c.tasks;
    if (f == "language") return c.languages;
    if (f == "license") return c.license.empty() ? std::vector<std::string>{} : std::vector{c.license};
    if (f == "author") return c.author.empty() ? std::vector<std::string>{} : std::vector{c.author};
    return {};
}

// The mix: terms and facet values come from random cards, so their frequencies are the
// corpus's own (a common word is picked often because it occurs often).
std::vector<Query> make_queries(const std::vector<index::Card>& cards, std::size_t per_class,
                                std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
    std::vector<Query> out;
    for (const char* cls : {"text", "text+filters", "filters"}) {
        for (int counts = 0; counts < 2; ++counts) {
            for (std::size_t made = 0, tries = 0; made < per_class && tries < per_class * 50; ++tries) {
                const auto& c = cards[pick(cards.size())];
                Query q;
                q.cls = cls;
                q.counts = counts;
                if (q.cls != "filters") {
                    auto words = bench::body_words(c);
                    if (words.size() < 8) continue;
                    const std::size_t n = 1 + pick(4);
                    q.phrase = n >= 2 && pick(5) == 0;  // a fifth of multi-word queries
                    const std::size_t at = pick(words.size() - n);
                    for (std::size_t i = 0; i < n; ++i) {
                        q.words.push_back(q.phrase ? words[at + i] : words[pick(words.size())]);
                    }
                }
                if (q.cls != "text") {
                    const std::size_t nf = 1 + pick(3);
                    for (std::size_t i = 0; i < 12 && q.filters.size() < nf; ++i) {
                        const auto& f = kCountFacets[pick(kCountFacets.size())];
                        auto vs = facet_values(c, f);
                        if (vs.empty()) continue;
                        if (std::any_of(q.filters.begin(), q.filters.end(),
                                        [&](const auto& p) { return p.first == f; })) continue;
                        q.filters.emplace_back(f, lower(vs[pick(vs.size())]));
                    }
                    if (q.filters.empty()) continue;
                }
                out.push_back(std::move(q));
                ++made;
            }
        }
    }
    return out;
}

std::string class_name(const Query& q) { return q.cls + (q.counts ? " +counts" : ""); }

// The mix an earlier run wrote (DIR/queries.json), for --reuse.
std::vector<Query> load_queries(const std::string& path) {
    std::ifstream in(path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<Query> out;
    boost::system::error_code ec;
    auto doc = boost::json::parse(text, ec);
    if (ec || !doc.is_object() || !doc.as_object().contains("queries")) return out;
    for (const auto& v : doc.at("queries").as_array()) {
        const auto& o = v.as_object();
        Query q;
        q.cls = std::string(o.at("class").as_string());
        q.counts = o.at("counts").as_bool();
        q.phrase = o.at("phrase").as_bool();
        for (const auto& w : o.at("words").as_array()) q.words.emplace_back(w.as_string());
        for (const auto& f : o.at("filters").as_array()) {
            const auto& a = f.as_array();
            q.filters.emplace_back(std::string(a.at(0).as_string()),
                                   std::string(a.at(1).as_string()));
        }
        out.push_back(std::move(q));
    }
    return out;
}

struct Stats {
    std::vector<double> ms;
    double totals = 0;
    // cardex only: queries whose total is a lower bound (a phrase checked on part of its
    // candidates: query::SearchRequest::phrase_check_limit).
    std::size_t bounded = 0;
    // cardex only: the sum of each phase (query::SearchResponse::timings) over the class.
    std::array<double, 6> phases{};
    double p(double q) const { return bench::percentile(ms, q); }
};

// --------------------------------------------------------------------------- cardex side

query::SearchRequest cardex_request(const Query& q) {
    query::SearchRequest r;
    std::string text;
    for (const auto& w : q.words) text += (text.empty() ? "" : " ") + w;
    r.text = q.phrase ? "\"" + text + "\"" : text;
    for (const auto& [f, v] : q.filters) r.filters.push_back({f, {v}, {}});
    if (q.cls == "filters") r.sort = query::Sort::Downloads;
    r.limit = 20;
    r.snippets = false;
    if (q.counts) {
        for (const auto& f : kCountFacets) r.facets.push_back({f, 10});
    }
    return r;
}

}  // namespace

int main(int argc, char** argv) {
    std::string cards_path, work;
    std::size_t per_class = 200;
    std::uint64_t seed = 1;
    unsigned threads = 2;
    bool ab_exhaustive = false, reuse = false, run_fts = true, run_lucene = true, warm = true;
    std::size_t slow = 0;
    std::optional<std::size_t> phrase_limit;  // unset: the request's default
    std::string lucene_classes;
    unsigned lucene_warmup = 3;  // passes before the measured one: HotSpot's JIT needs them
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        if (a == "--cards") cards_path = argv[i + 1];
        else if (a == "--work") work = argv[i + 1];
        else if (a == "--queries") per_class = std::stoul(argv[i + 1]);
        else if (a == "--seed") seed = std::stoull(argv[i + 1]);
        else if (a == "--threads") threads = static_cast<unsigned>(std::stoul(argv[i + 1]));
        else if (a == "--ab-exhaustive") ab_exhaustive = std::string(argv[i + 1]) == "1";
        else if (a == "--reuse")
            reuse = std::string(argv[i + 1]) == "1";
        else if (a == "--slow")
            slow = std::stoul(argv[i + 1]);
        else if (a == "--phrase-limit")
            phrase_limit = std::stoul(argv[i + 1]);
        else if (a == "--fts")
            run_fts = std::string(argv[i + 1]) != "0";
        else if (a == "--lucene")
            run_lucene = std::string(argv[i + 1]) != "0";
        else if (a == "--lucene-classes")
            lucene_classes = argv[i + 1];
        else if (a == "--warm")
            warm = std::string(argv[i + 1]) != "0";
        else if (a == "--lucene-warmup")
            lucene_warmup = static_cast<unsigned>(std::stoul(argv[i + 1]));
    }
    if ((cards_path.empty() && !reuse) || work.empty()) {
        std::fprintf(stderr,
                     "usage: cardex_bench_macro --cards FILE --work DIR [--queries N] [--seed S] "
                     "[--threads T] [--ab-exhaustive 1] [--reuse 1] [--fts 0] [--slow N] "
                     "[--lucene 0] [--lucene-classes DIR] [--lucene-warmup 3] [--phrase-limit N] "
                     "[--warm 0]\n");
        return 2;
    }
    fs::create_directories(work);
    if (lucene_classes.empty()) {
        lucene_classes =
            (fs::absolute(work).lexically_normal().parent_path() / "lucene-classes").string();
    }
    bench::Lucene lucene(lucene_classes);
    const std::string lucene_dir = work + "/lucene-index";
    std::string lucene_skipped = run_lucene ? lucene.unavailable() : "--lucene 0";
    if (lucene_skipped.empty() && reuse && !fs::exists(lucene_dir)) {
        lucene_skipped = "no " + lucene_dir + " to reuse";
    }
    boost::json::object res;
    res["cards_file"] = cards_path;

    const std::string db_path = work + "/fts5.db";
    const std::string index_dir = work + "/cardex-index";
    std::vector<Query> queries;
    std::size_t ncards = 0, rejected = 0;
    double parse_s = 0, fts_build_s = 0, fts_build_rss = 0, cx_build_s = 0, cx_build_rss = 0,
           cx_bytes = 0;
    bench::Fts5 fts;
    if (reuse) {
        queries = load_queries(work + "/queries.json");
        if (queries.empty() || (run_fts && !fts.open(db_path))) {
            std::fprintf(stderr, "--reuse: %s/queries.json or fts5.db missing\n", work.c_str());
            return 1;
        }
    } else {
        // Parse once; both engines index the same normalized cards.
        reset_peak_rss();
        auto tables = index::Vocabulary::load(index::Vocabulary::default_dir());
        if (!tables) {
            std::fprintf(stderr, "tables: %s\n", tables.error().message.c_str());
            return 1;
        }
        auto t0 = Clock::now();
        std::vector<index::Card> cards;
        auto report = ingest::read_cards(
            {cards_path},
            tables.value(),
            {},
            [&](index::Card&& c) { cards.push_back(std::move(c)); },
            threads);
        parse_s = since(t0);
        rejected = report.rejected;
        std::fprintf(stderr,
                     "parsed %zu cards (%zu rejected) in %.1f s\n",
                     cards.size(),
                     report.rejected,
                     parse_s);
        res["cards"] = cards.size();
        res["parse_s"] = parse_s;
        queries = make_queries(cards, per_class, seed);
        {
            boost::json::array qa;
            for (const auto& q : queries) {
                boost::json::array words, filters;
                for (const auto& w : q.words) words.emplace_back(w);
                for (const auto& [f, v] : q.filters)
                    filters.emplace_back(
                        boost::json::array{boost::json::string(f), boost::json::string(v)});
                qa.emplace_back(boost::json::object{{"class", q.cls},
                                                    {"counts", q.counts},
                                                    {"words", words},
                                                    {"phrase", q.phrase},
                                                    {"filters", filters}});
            }
            std::ofstream(work + "/queries.json")
                << boost::json::serialize(boost::json::object{{"seed", seed}, {"queries", qa}})
                << "\n";
        }

        // FTS5 build (reads the cards; the cardex build then takes them over).
        fs::remove(db_path);
        t0 = Clock::now();
        reset_peak_rss();
        if (!fts.build(db_path, cards)) return 1;
        fts_build_s = since(t0);
        fts_build_rss = peak_rss_mb();
        std::fprintf(stderr, "fts5 built in %.1f s\n", fts_build_s);

        // Lucene build, in its JVM (its own time and peak RSS; the cards go over a file).
        if (lucene_skipped.empty()) {
            t0 = Clock::now();
            if (!lucene.build(cards, work + "/lucene-cards.tsv", lucene_dir, threads)) {
                lucene_skipped = "its build failed (stderr above)";
            } else {
                std::fprintf(stderr,
                             "lucene built in %.1f s (%.1f s with writing its input)\n",
                             lucene.build_s(),
                             since(t0));
            }
        }

        fs::remove_all(index_dir);
        ncards = cards.size();
        reset_peak_rss();
        t0 = Clock::now();
        index::BuildOptions bo;
        bo.threads = threads;
        bo.vocabulary = tables.value();
        auto stats = index::build_index(index_dir, std::move(cards), bo);
        cx_build_s = since(t0);
        cx_build_rss = peak_rss_mb();
        cards = {};
        if (!stats) {
            std::fprintf(stderr,
                         "build_index: %s %s\n",
                         stats.error().message.c_str(),
                         stats.error().detail.c_str());
            return 1;
        }
        std::fprintf(stderr,
                     "cardex built in %.1f s (compacting %.1f s, of which the position store "
                     "%.1f s, %.1f MB, and its pair filter %.1f s, %.1f MB)\n",
                     cx_build_s,
                     stats->compact_seconds,
                     stats->positions_seconds,
                     static_cast<double>(stats->positions_bytes) / 1e6,
                     stats->pairs_seconds,
                     static_cast<double>(stats->pairs_bytes) / 1e6);
        cx_bytes = static_cast<double>(stats->bytes);
    }

    // Queries: one warm-up pass over the mix, then the measured pass, per engine.
    std::map<std::string, Stats> cx, ft, cx_first;
    auto searcher = query::Searcher::open(index_dir);
    if (!searcher) {
        std::fprintf(stderr, "open: %s\n", searcher.error().message.c_str());
        return 1;
    }
    query::WarmStats warmed;
    if (warm) {
        auto w = searcher->warm();
        if (!w) {
            std::fprintf(stderr, "warm: %s\n", w.error().message.c_str());
            return 1;
        }
        warmed = w.value();
    }
    std::size_t cx_errors = 0;
    struct Slow {
        double ms;
        std::string what;
        query::SearchResponse::Timings t;
        std::uint64_t total;
    };
    std::vector<Slow> slowest;
    bench::Answers cx_answers{"cardex",
                              std::vector<double>(queries.size(), -1),
                              std::vector<std::uint64_t>(queries.size(), 0)};
    // One warm-up pass over the mix, then the measured one. `exhaustive`: rank every match
    // (SearchRequest::exhaustive), for the A/B of the pruned ranking.
    auto run_cardex = [&](bool exhaustive, std::map<std::string, Stats>& out) {
        for (int pass = 0; pass < 2; ++pass) {
            for (std::size_t qi = 0; qi < queries.size(); ++qi) {
                const auto& q = queries[qi];
                auto req = cardex_request(q);
                req.exhaustive = exhaustive;
                if (phrase_limit) req.phrase_check_limit = *phrase_limit;
                auto t = Clock::now();
                auto r = searcher->search(req);
                const double ms = since(t) * 1e3;
                if (!r) {
                    cx_errors += pass;
                    continue;
                }
                if (!pass && !exhaustive) cx_first[class_name(q)].ms.push_back(ms);
                if (pass) {
                    auto& st = out[class_name(q)];
                    st.ms.push_back(ms);
                    st.totals += static_cast<double>(r->total);
                    st.bounded += r->total_exact ? 0 : 1;
                    const auto& tm = r->timings;
                    const double phase[] = {tm.parse_ms, tm.match_ms, tm.count_ms, tm.rank_ms, tm.hits_ms, tm.suggest_ms};
                    for (std::size_t i = 0; i < st.phases.size(); ++i) st.phases[i] += phase[i];
                    if (!exhaustive) {
                        cx_answers.ms[qi] = ms;
                        cx_answers.totals[qi] = r->total;
                    }
                    if (slow > 0 && !exhaustive) {
                        std::string what = class_name(q) + ": " + req.text;
                        for (const auto& [f, v] : q.filters) what += " [" + f + "=" + v + "]";
                        slowest.push_back({ms, what, tm, r->total});
                    }
                }
            }
        }
    };
    reset_peak_rss();
    run_cardex(false, cx);
    const double cx_query_rss = peak_rss_mb();
    std::map<std::string, Stats> cx_exhaustive;
    if (ab_exhaustive) run_cardex(true, cx_exhaustive);
    if (slow > 0) {
        std::sort(slowest.begin(), slowest.end(), [](const Slow& a, const Slow& b) {
            return a.ms > b.ms;
        });
        std::fprintf(
            stderr,
            "slowest cardex queries: ms (parse match count rank hits suggest) total query\n");
        for (std::size_t i = 0; i < std::min(slow, slowest.size()); ++i) {
            const auto& s = slowest[i];
            std::fprintf(stderr,
                         "%8.2f (%.2f %.2f %.2f %.2f %.2f %.2f) %llu %s\n",
                         s.ms,
                         s.t.parse_ms,
                         s.t.match_ms,
                         s.t.count_ms,
                         s.t.rank_ms,
                         s.t.hits_ms,
                         s.t.suggest_ms,
                         static_cast<unsigned long long>(s.total),
                         s.what.c_str());
        }
    }
    reset_peak_rss();
    bench::Answers ft_answers{"FTS5", {}, {}};
    if (run_fts) {
        ft_answers.ms.assign(queries.size(), -1);
        ft_answers.totals.assign(queries.size(), 0);
    }
    for (int pass = 0; pass < 2 && run_fts; ++pass) {
        for (std::size_t qi = 0; qi < queries.size(); ++qi) {
            const auto& q = queries[qi];
            auto t = Clock::now();
            const auto total = fts.run(q.words, q.phrase, q.filters, q.cls == "filters", q.counts, kCountFacets);
            const double ms = since(t) * 1e3;
            if (pass) {
                ft[class_name(q)].ms.push_back(ms);
                ft[class_name(q)].totals += static_cast<double>(total);
                ft_answers.ms[qi] = ms;
                ft_answers.totals[qi] = total;
            }
        }
    }
    const double ft_query_rss = run_fts ? peak_rss_mb() : 0;
    const double fts_bytes = fs::exists(db_path) ? static_cast<double>(fs::file_size(db_path)) : 0;

    // Lucene, in its JVM: the same mix, warm-up pass included.
    std::map<std::string, Stats> lu;
    bench::Answers lu_answers{"Lucene", {}, {}};
    if (lucene_skipped.empty()) {
        if (!lucene.run(queries, work + "/lucene-queries.tsv", lucene_dir, lucene_warmup)) {
            lucene_skipped = "its queries failed (stderr above)";
        } else {
            lu_answers.ms = lucene.ms();
            lu_answers.totals = lucene.totals();
            for (std::size_t qi = 0; qi < queries.size(); ++qi) {
                auto& st = lu[class_name(queries[qi])];
                st.ms.push_back(lu_answers.ms[qi]);
                st.totals += static_cast<double>(lu_answers.totals[qi]);
            }
        }
    }
    const bool with_lucene = lucene_skipped.empty();
    const std::vector<bench::Answers> answers{cx_answers, ft_answers, lu_answers};
    bench::write_per_query(work + "/per_query.tsv", queries, answers);
    {
        // Exact totals: cardex and Lucene always, FTS5 only when it counts.
        std::vector<bool> all(queries.size(), true), counted;
        for (const auto& q : queries) counted.push_back(q.counts);
        bench::report_total_differences(queries, cx_answers, lu_answers, all, 10);
        bench::report_total_differences(queries, cx_answers, ft_answers, counted, 10);
        bench::report_total_differences(queries, lu_answers, ft_answers, counted, 10);
    }

    // The table: cardex, FTS5 and their ratio, then Lucene and cardex / Lucene.
    struct Row {
        std::string name;
        double a, b, c;  // cardex, FTS5, Lucene
        int digits;
    };
    std::vector<Row> rows;
    if (!reuse) {
        const double lu_build_s = lucene.build_s();
        rows = {
            {"reindex cards/s (parse + build)",
             ncards / (parse_s + cx_build_s),
             ncards / (parse_s + fts_build_s),
             lu_build_s > 0 ? ncards / (parse_s + lu_build_s) : 0,
             0},
            {"index size MB", cx_bytes / 1e6, fts_bytes / 1e6, lucene.index_bytes() / 1e6, 1},
            {"peak RSS build MB (cards in memory)",
             cx_build_rss,
             fts_build_rss,
             lucene.build_rss_mb(),
             0},
        };
    }
    rows.push_back({"peak RSS queries MB", cx_query_rss, ft_query_rss, lucene.query_rss_mb(), 0});
    for (const auto& [cls, s] : cx) {
        const auto& f = ft[cls];
        const auto& l = lu[cls];
        rows.push_back({cls + " p50 ms", s.p(0.5), f.p(0.5), l.p(0.5), 2});
        rows.push_back({cls + " p99 ms", s.p(0.99), f.p(0.99), l.p(0.99), 2});
        rows.push_back({cls + " max ms", s.p(1.0), f.p(1.0), l.p(1.0), 2});
        // Exact totals on every side only when counts are asked for (FTS5 then counts).
        if (cls.find("+counts") != std::string::npos) {
            auto mean = [](const Stats& st) {
                return st.totals / static_cast<double>(std::max<std::size_t>(1, st.ms.size()));
            };
            rows.push_back({cls + " mean total", mean(s), mean(f), mean(l), 0});
        }
    }
    std::printf("| %-38s | %12s | %12s | %8s |", "metric", "cardex", "FTS5", "ratio");
    if (with_lucene) std::printf(" %12s | %13s |", "Lucene", "cardex/Lucene");
    std::printf("\n|---|---:|---:|---:|%s\n", with_lucene ? "---:|---:|" : "");
    boost::json::array jrows;
    for (const auto& r : rows) {
        char a[64], b[64], c[64];
        std::snprintf(a, sizeof a, "%12.*f", r.digits, r.a);
        std::snprintf(b, sizeof b, "%12.*f", r.digits, r.b);
        std::snprintf(c, sizeof c, "%12.*f", r.digits, r.c);
        const double ratio = r.b != 0 ? r.a / r.b : 0;
        const double ratio_lucene = r.c != 0 ? r.a / r.c : 0;
        std::printf("| %-38s | %s | %s | %8.2f |", r.name.c_str(), a, b, ratio);
        if (with_lucene) std::printf(" %s | %13.2f |", c, ratio_lucene);
        std::printf("\n");
        boost::json::object jr{
            {"metric", r.name}, {"cardex", r.a}, {"fts5", r.b}, {"ratio", ratio}};
        if (with_lucene) {
            jr["lucene"] = r.c;
            jr["ratio_lucene"] = ratio_lucene;
        }
        jrows.emplace_back(std::move(jr));
    }
    if (!with_lucene) std::printf("\nLucene: skipped (%s)\n", lucene_skipped.c_str());
    res["rows"] = jrows;
    res["lucene_skipped"] = lucene_skipped;
    bench::print_words_and_phrases(queries, answers);
    // Totals that are lower bounds (phrases checked on part of their candidates): the
    // "mean total" rows hold those bounds.
    {
        std::size_t bounded = 0;
        std::string by_class;
        boost::json::object jb;
        for (const auto& [cls, st] : cx) {
            bounded += st.bounded;
            if (st.bounded) by_class += " " + cls + " " + std::to_string(st.bounded) + ";";
            jb[cls] = st.bounded;
        }
        std::printf("\ncardex totals bounded (phrase_check_limit %s): %zu of the mix%s\n",
                    phrase_limit ? std::to_string(*phrase_limit).c_str() : "default",
                    bounded,
                    by_class.c_str());
        res["bounded_totals"] = jb;
    }
    // Where cardex's time goes, per class (mean ms per query; query/response.h).
    std::printf(
        "\n| cardex phases, mean ms | parse | match | count | rank | hits | suggest |\n"
        "|---|---:|---:|---:|---:|---:|---:|\n");
    boost::json::object jphases;
    for (const auto& [cls, s] : cx) {
        const double n = static_cast<double>(std::max<std::size_t>(1, s.ms.size()));
        std::printf("| %s |", cls.c_str());
        boost::json::array a;
        for (double v : s.phases) {
            std::printf(" %.2f |", v / n);
            a.emplace_back(v / n);
        }
        std::printf("\n");
        jphases[cls] = a;
    }
    res["cardex_phases_mean_ms"] = jphases;
    // The warm-up pass: the first time each query runs on this process's caches.
    std::printf("\ncardex warm: %s\n",
                warm ? ("Searcher::warm " + std::to_string(static_cast<long long>(warmed.ms)) +
                        " ms, of which " + std::to_string(warmed.words) + " words' postings " +
                        std::to_string(static_cast<long long>(warmed.words_ms)) + " ms, " +
                        std::to_string(warmed.word_bytes >> 20) + " MB")
                           .c_str()
                     : "skipped (--warm 0)");
    std::printf("\n| cardex first pass, ms | p50 | p99 | max |\n|---|---:|---:|---:|\n");
    boost::json::object jfirst;
    for (const auto& [cls, s] : cx_first) {
        std::printf("| %s | %.2f | %.2f | %.2f |\n", cls.c_str(), s.p(0.5), s.p(0.99), s.p(1.0));
        jfirst[cls] = boost::json::array{s.p(0.5), s.p(0.99), s.p(1.0)};
    }
    res["cardex_first_pass_ms"] = jfirst;
    res["cardex_warm_ms"] = warmed.ms;
    res["cardex_warm_words"] = warmed.words;
    if (ab_exhaustive) {
        // The pruned ranking against ranking every match, same index, same queries.
        std::printf("\n| cardex ranking | pruned p50 | pruned p99 | exhaustive p50 | exhaustive p99 | "
                    "rank ms pruned | rank ms exhaustive |\n|---|---:|---:|---:|---:|---:|---:|\n");
        for (const auto& [cls, s] : cx) {
            const auto& e = cx_exhaustive[cls];
            const double n = static_cast<double>(std::max<std::size_t>(1, s.ms.size()));
            const double ne = static_cast<double>(std::max<std::size_t>(1, e.ms.size()));
            std::printf("| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |\n", cls.c_str(), s.p(0.5),
                        s.p(0.99), e.p(0.5), e.p(0.99), s.phases[3] / n, e.phases[3] / ne);
        }
    }
    res["queries_per_class"] = per_class;
    res["seed"] = seed;
    res["threads_cardex_build"] = threads;
    res["cardex_query_errors"] = cx_errors;
    res["parse_rejected"] = rejected;
    res["reuse"] = reuse;
    std::ofstream(work + "/results.json") << boost::json::serialize(res) << "\n";
    if (cx_errors) std::fprintf(stderr, "cardex: %zu queries failed\n", cx_errors);
    return 0;
}
