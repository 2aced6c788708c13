// `cardex search --index DIR [--json] [--filter KEY=VALUE]... QUERY`: ranked hits in a terminal.
#include <boost/json.hpp>

#include <cstdio>
#include <iostream>

#include "cardex/query/searcher.h"
#include "commands.h"

namespace cardex::app {

namespace {

struct SearchArgs {
    std::string index;
    std::vector<std::string> words;
    std::vector<std::string> filters;
    std::vector<std::string> facets;
    std::string sort;
    std::size_t limit = 10;
    bool json = false;
};

std::string join(const std::vector<std::string>& v, const char* sep = ",") {
    std::string out;
    for (const auto& s : v) {
        if (!out.empty()) out += sep;
        out += s;
    }
    return out;
}

int run_search(const SearchArgs& a) {
    query::SearchRequest req;
    req.text = join(a.words, " ");
    req.limit = a.limit;
    for (const auto& f : a.filters) {
        auto eq = f.find('=');
        if (eq == std::string::npos || eq == 0) {
            std::cerr << "cardex search: --filter wants KEY=VALUE, got '" << f << "'\n";
            return kExitUsage;
        }
        std::string key = f.substr(0, eq), value = f.substr(eq + 1);
        bool negate = !value.empty() && (value[0] == '-' || value[0] == '!');
        if (negate) value.erase(0, 1);
        auto it = std::find_if(req.filters.begin(), req.filters.end(),
                               [&](const query::FacetFilter& x) { return x.facet == key; });
        if (it == req.filters.end()) {
            req.filters.push_back({key, {}, {}});
            it = req.filters.end() - 1;
        }
        (negate ? it->excluded : it->values).push_back(value);
    }
    for (const auto& f : a.facets) req.facets.push_back({f, 10});
    if (!a.sort.empty()) {
        req.sort = query::parse_sort(a.sort);
        if (!req.sort) {
            std::cerr << "cardex search: unknown --sort " << a.sort << "\n";
            return kExitUsage;
        }
    }
    auto searcher = query::Searcher::open(a.index);
    if (!searcher) {
        std::cerr << "cardex search: " << searcher.error().message << " " << searcher.error().detail
                  << "\n";
        return kExitFailure;
    }
    auto resp = searcher->search(req);
    if (!resp) {
        std::cerr << "cardex search: " << terminal_text(resp.error().message);
        if (!resp.error().detail.empty()) std::cerr << ": " << terminal_text(resp.error().detail);
        std::cerr << "\n";
        return resp.error().code == Errc::InvalidArgument ? kExitUsage : kExitFailure;
    }
    if (a.json) {
        boost::json::object out;
        out["total"] = resp->total;
        boost::json::array hits;
        for (const auto& h : resp->hits) {
            boost::json::object o;
            o["id"] = h.card.id;
            o["type"] = std::string(index::card_type_name(h.card.type));
            o["title"] = h.card.title;
            o["task"] = h.card.tasks.empty() ? std::string() : h.card.tasks.front();
            boost::json::array langs;
            for (const auto& l : h.card.languages) langs.emplace_back(l);
            o["languages"] = std::move(langs);
            o["license"] = h.card.license;
            o["downloads"] = h.card.downloads;
            o["score"] = h.score;
            o["snippet"] = h.snippet;
            hits.emplace_back(std::move(o));
        }
        out["hits"] = std::move(hits);
        boost::json::object facets;
        for (const auto& f : resp->facets) {
            boost::json::array vals;
            for (const auto& v : f.values) vals.emplace_back(boost::json::object{{"value", v.value}, {"count", v.count}});
            facets[f.facet] = std::move(vals);
        }
        out["facets"] = std::move(facets);
        out["suggestion"] = resp->suggestion;
        boost::json::array corrected;
        for (const auto& c : resp->corrected) {
            boost::json::array to;
            for (const auto& t : c.to) to.emplace_back(t);
            corrected.emplace_back(boost::json::object{{"from", c.from}, {"to", std::move(to)}});
        }
        out["corrected"] = std::move(corrected);
        boost::json::array dropped;
        for (const auto& d : resp->dropped) dropped.emplace_back(d);
        out["dropped"] = std::move(dropped);
        out["took_ms"] = resp->took_ms;
        std::cout << boost::json::serialize(out) << "\n";
        return kExitOk;
    }
    // Card text is printed through terminal_text: a title may hold escape sequences.
    std::printf("%llu cards (%.1f ms)\n", static_cast<unsigned long long>(resp->total), resp->took_ms);
    for (const auto& c : resp->corrected) {
        std::string to;
        for (const auto& t : c.to) to.append(to.empty() ? "" : ", ").append(t);
        std::printf("including results for %s: %s\n",
                    terminal_text(c.from).c_str(),
                    terminal_text(to).c_str());
    }
    if (!resp->dropped.empty()) {
        std::string words;
        for (const auto& d : resp->dropped) words.append(words.empty() ? "" : " ").append(d);
        std::printf("no card has every word; without: %s\n", terminal_text(words).c_str());
    }
    if (!resp->suggestion.empty()) {
        std::printf("did you mean: %s\n", terminal_text(resp->suggestion).c_str());
    }
    std::size_t rank = 0;
    for (const auto& h : resp->hits) {
        const auto& c = h.card;
        std::printf("%2zu. %s [%s] %s\n    task=%s lang=%s license=%s downloads=%lld score=%.2f\n",
                    ++rank,
                    terminal_text(c.id).c_str(),
                    std::string(index::card_type_name(c.type)).c_str(),
                    terminal_text(c.title).c_str(),
                    terminal_text(join(c.tasks)).c_str(),
                    terminal_text(join(c.languages)).c_str(),
                    terminal_text(c.license).c_str(),
                    static_cast<long long>(c.downloads),
                    h.score);
    }
    for (const auto& f : resp->facets) {
        std::printf("%s:", terminal_text(f.facet).c_str());
        for (const auto& v : f.values) {
            std::printf(" %s(%llu)",
                        terminal_text(v.value).c_str(),
                        static_cast<unsigned long long>(v.count));
        }
        std::printf("\n");
    }
    return kExitOk;
}

}  // namespace

void add_search(CLI::App& app, int& rc) {
    auto args = std::make_shared<SearchArgs>();
    auto* cmd = app.add_subcommand("search", "Search an index and print ranked hits");
    cmd->add_option("--index", args->index, "Index directory")->required();
    cmd->add_option("query", args->words, "Query text (Xapian syntax)");
    cmd->add_option("--filter", args->filters, "KEY=VALUE facet filter (repeat; -VALUE excludes)")
        ->allow_extra_args(false);
    cmd->add_option("--facet", args->facets, "Facet to count (repeat)")->allow_extra_args(false);
    cmd->add_option("--sort", args->sort, "relevance|downloads|likes|trending|created|modified");
    cmd->add_option("--limit", args->limit, "Hits to print")->check(CLI::Range(0, 1000));
    cmd->add_flag("--json", args->json, "JSON output");
    cmd->callback([args, &rc]() { rc = run_search(*args); });
}

}  // namespace cardex::app
