#include "real_corpus.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "cardex/ingest/sources.h"
#include "fixture.h"

namespace cardex::test {

const std::vector<index::Card>& real_cards() {
    static const std::vector<index::Card> all = [] {
        std::vector<index::Card> out;
        ingest::read_cards(
            {real_data_file("cards/models.jsonl"), real_data_file("cards/datasets.jsonl")},
            vocabulary(),
            {},
            [&](index::Card&& c) { out.push_back(std::move(c)); });
        return out;
    }();
    return all;
}

std::vector<std::string> judged_query_texts() {
    std::ifstream in(CARDEX_JUDGMENTS);
    std::set<std::string> seen;
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line[0] == '#') continue;
        std::vector<std::string> f;
        std::stringstream ss(line);
        for (std::string x; std::getline(ss, x, '\t');) f.push_back(x);
        if (f.size() >= 3 && seen.insert(f[2]).second) out.push_back(f[2]);
    }
    return out;
}

std::vector<std::pair<Xapian::doccount, std::string>> words_by_frequency(
    const Xapian::Database& db) {
    std::vector<std::pair<Xapian::doccount, std::string>> words;
    for (auto t = db.allterms_begin(); t != db.allterms_end(); ++t) {
        const std::string w = *t;
        if (w.size() < 3 ||
            !std::all_of(w.begin(), w.end(), [](char c) { return c >= 'a' && c <= 'z'; }))
            continue;
        words.emplace_back(t.get_termfreq(), w);
    }
    std::sort(words.rbegin(), words.rend());
    return words;
}

}  // namespace cardex::test
