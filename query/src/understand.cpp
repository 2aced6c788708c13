#include "understand.h"

#include <algorithm>
#include <array>
#include <sstream>

#include "cardex/index/text.h"

namespace cardex::query {

namespace idx = cardex::index;

namespace {

// Longest phrase considered, in words: "open domain question answering" is 4.
constexpr std::size_t kMaxPhraseWords = 6;

// Language names that are also ordinary English (or ML) words: boosting Latin cards for
// "latin script" or Interlingue cards for "occidental" would be a false friend.
constexpr std::array<std::string_view, 8> kLanguageStopwords{
    "latin", "latina", "latine", "occidental", "interlingua", "interlingue", "even", "are"};

// Task aliases too broad to boost by: "code generation" and "language model" name
// text-generation in the tables, but boosting every text-generation card buries the code
// and protein models these queries ask for (measured: docs/RELEVANCE.md).
constexpr std::array<std::string_view, 4> kTaskStopwords{
    "code generation", "language model", "language modeling", "language modelling"};

std::vector<std::string> words_of(std::string_view text) {
    std::vector<std::string> out;
    idx::tokenize(text, [&](std::string_view tok, std::size_t) { out.emplace_back(tok); });
    return out;
}

std::string join(const std::vector<std::string>& words, std::size_t from, std::size_t n) {
    std::string out;
    for (std::size_t i = from; i < from + n; ++i) {
        if (i > from) out.push_back(' ');
        out += words[i];
    }
    return out;
}

bool listed(std::string_view key, const auto& list) {
    return std::find(list.begin(), list.end(), key) != list.end();
}

// Splits free text into runs of plain words, dropping what Xapian's syntax gives another
// meaning: quoted phrases, field:value, -excluded and +required words, wildcards, boolean
// operators (and the word after NOT). A phrase never spans two runs.
std::vector<std::string> plain_runs(std::string_view text) {
    std::vector<std::string> runs(1);
    auto cut = [&] {
        if (!runs.back().empty()) runs.emplace_back();
    };
    std::string chunk;
    std::istringstream in{std::string(text)};
    bool in_quote = false;
    bool skip_next = false;
    while (in >> chunk) {
        if (in_quote) {
            if (chunk.find('"') != std::string::npos) in_quote = false;
            continue;
        }
        if (chunk[0] == '"') {
            cut();
            in_quote = chunk.size() == 1 || chunk.find('"', 1) == std::string::npos;
            continue;
        }
        if (chunk == "AND" || chunk == "OR" || chunk == "XOR" || chunk == "NOT" ||
            chunk == "NEAR" || chunk == "ADJ") {
            cut();
            skip_next = chunk == "NOT";
            continue;
        }
        const bool syntax = chunk[0] == '-' || chunk[0] == '+' ||
                            chunk.find(':') != std::string::npos ||
                            chunk.find('*') != std::string::npos;
        if (skip_next || syntax) {
            skip_next = false;
            cut();
            continue;
        }
        // Parentheses group; they also end a phrase.
        if (chunk.find_first_of("()") != std::string::npos) {
            for (char c : chunk) {
                if (c == '(' || c == ')') {
                    cut();
                } else {
                    runs.back().push_back(c);
                }
            }
            runs.back().push_back(' ');
            continue;
        }
        runs.back() += chunk;
        runs.back().push_back(' ');
    }
    return runs;
}

}  // namespace

void Dictionaries::add(idx::Facet facet, std::string_view phrase, std::string_view value) {
    auto words = words_of(phrase);
    if (words.empty() || value.empty() || words.size() > kMaxPhraseWords) return;
    auto& entries = phrases_[join(words, 0, words.size())];
    for (const auto& e : entries) {
        if (e.facet == facet) return;  // the first spelling wins, as in ingest's tables
    }
    entries.push_back({facet, std::string(value)});
    max_words_ = std::max(max_words_, words.size());
}

Dictionaries Dictionaries::from(const idx::Vocabulary& vocab) {
    Dictionaries d;
    if (vocab.empty()) return d;  // an index without a vocabulary: no words name anything
    auto key_of = [](std::string_view phrase) {
        const auto words = words_of(phrase);
        return join(words, 0, words.size());
    };

    // Languages: only those with a two-letter code (the widely used ones; this also keeps
    // out obscure names that are English words, such as "Even"), and never a key whose words
    // are all codes of three letters or fewer ("nb-no", "gr", "jp"): those are tags, not
    // names, and "in" or "no" in a query are ordinary words.
    for (const idx::Language& l : vocab.languages()) {
        if (l.code.size() != 2) continue;
        std::vector<std::string_view> keys;
        for (std::string_view name = l.name; !name.empty();) {  // "A; B": two names
            const auto semi = name.find(';');
            keys.push_back(name.substr(0, semi));
            name = semi == std::string_view::npos ? std::string_view() : name.substr(semi + 1);
        }
        keys.insert(keys.end(), l.aliases.begin(), l.aliases.end());
        for (const auto k : keys) {
            const auto words = words_of(k);
            if (words.empty()) continue;
            const bool all_short = std::all_of(words.begin(), words.end(),
                                               [](const std::string& w) { return w.size() <= 3; });
            const std::string key = join(words, 0, words.size());
            if (all_short || listed(key, kLanguageStopwords)) continue;
            d.add(idx::Facet::Language, key, l.code);
        }
    }

    // Tasks: the pipeline tag, its display name and the hand-written aliases, plus dataset
    // task ids that map to a pipeline tag. "other" names nothing.
    for (const idx::Task& t : vocab.tasks()) {
        if (t.pipeline_tag.empty() || t.pipeline_tag == "other") continue;
        std::vector<std::string_view> keys{t.pipeline_tag, t.name};
        keys.insert(keys.end(), t.aliases.begin(), t.aliases.end());
        for (const auto k : keys) {
            const std::string key = key_of(k);
            if (!listed(key, kTaskStopwords)) d.add(idx::Facet::Task, key, t.pipeline_tag);
        }
    }
    for (const auto& [id, tag] : vocab.task_ids()) {
        const std::string key = key_of(id);
        if (!tag.empty() && tag != "other" && !listed(key, kTaskStopwords)) {
            d.add(idx::Facet::Task, key, tag);
        }
    }

    // Licenses: ids, SPDX ids, names and aliases, but only of licenses whose names are not
    // model names: the restricted class holds llama2, gemma, grok2 ("google gemma" asks for a
    // model, not for the Gemma license), and "other"/"unknown" name nothing.
    for (const idx::License& l : vocab.licenses()) {
        if (l.reuse == "restricted" || l.reuse == "unknown") continue;
        d.add(idx::Facet::License, l.hub_id, l.hub_id);
        d.add(idx::Facet::License, l.spdx, l.hub_id);
        d.add(idx::Facet::License, l.name, l.hub_id);
        for (const auto& a : l.aliases) {
            if (a.rfind("license:", 0) != 0) d.add(idx::Facet::License, a, l.hub_id);
        }
    }
    // Reuse classes in words people use.
    d.add(idx::Facet::Reuse, "non commercial", "non-commercial");
    d.add(idx::Facet::Reuse, "noncommercial", "non-commercial");
    d.add(idx::Facet::Reuse, "permissive", "open");
    d.add(idx::Facet::Reuse, "permissive license", "open");
    // Card types. "space" is left out: "latent space", "embedding space".
    for (const char* w : {"dataset", "datasets", "corpus", "corpora"}) {
        d.add(idx::Facet::Type, w, "dataset");
    }
    for (const char* w : {"model",
                          "models",
                          "checkpoint",
                          "checkpoints",
                          "llm",
                          "llms",
                          "language model",
                          "language models",
                          "large language model",
                          "large language models"}) {
        d.add(idx::Facet::Type, w, "model");
    }
    return d;
}

bool Dictionaries::is_plain(std::string_view text) {
    auto runs = plain_runs(text);
    while (!runs.empty() && runs.back().empty()) runs.pop_back();
    if (runs.size() != 1) return runs.empty();
    return words_of(runs[0]).size() == words_of(text).size();
}

bool Dictionaries::only_words(std::string_view text) {
    auto runs = plain_runs(text);
    while (!runs.empty() && runs.back().empty()) runs.pop_back();
    if (runs.size() != 1) return false;
    const std::size_t words = words_of(text).size();
    return words > 0 && words_of(runs[0]).size() == words;
}

std::vector<std::string> Dictionaries::words(std::string_view text) { return words_of(text); }

std::vector<Understood> Dictionaries::understand(std::string_view text) const {
    std::vector<Understood> out;
    if (phrases_.empty()) return out;
    std::size_t base = 0;  // word index of the run's first word within the whole text
    for (const auto& run : plain_runs(text)) {
        const auto words = words_of(run);
        std::size_t i = 0;
        while (i < words.size()) {
            std::size_t matched = 0;
            for (std::size_t n = std::min(max_words_, words.size() - i); n >= 1; --n) {
                auto it = phrases_.find(join(words, i, n));
                if (it == phrases_.end()) continue;
                for (const auto& e : it->second) {
                    out.push_back({e.facet, e.value, it->first, base + i, n});
                }
                matched = n;
                break;
            }
            i += matched ? matched : 1;
        }
        base += words.size();
    }
    return out;
}

}  // namespace cardex::query
