#include "understand.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cardex/index/text.h"

namespace fs = std::filesystem;

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

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::string cur;
    std::istringstream in(s);
    while (std::getline(in, cur, sep)) out.push_back(cur);
    if (!s.empty() && s.back() == sep) out.emplace_back();
    return out;
}

// Rows of a TSV table: '#' lines are comments, fields are tab-separated.
Result<std::vector<std::vector<std::string>>> read_rows(const fs::path& path) {
    std::ifstream in(path);
    if (!in) return make_error(Errc::NotFound, "cannot read table", path.string());
    std::vector<std::vector<std::string>> rows;
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty() || line[0] == '#') continue;
        rows.push_back(split(line, '\t'));
    }
    return rows;
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

void Dictionaries::add_lines(idx::Facet facet, std::string_view lines) {
    std::istringstream in{std::string(lines)};
    std::string line;
    while (std::getline(in, line)) {
        const auto tab = line.find('\t');
        if (tab == std::string::npos) continue;
        add(facet, std::string_view(line).substr(0, tab), std::string_view(line).substr(tab + 1));
    }
}

Result<std::shared_ptr<const Dictionaries>> Dictionaries::load(const std::string& dir) {
    auto d = std::make_shared<Dictionaries>();
    const fs::path base(dir);

    // Languages: only those with a two-letter code (the widely used ones; this also keeps
    // out obscure names that are English words, such as "Even"), and never a key whose words
    // are all codes of three letters or fewer ("nb-no", "gr", "jp"): those are tags, not
    // names, and "in" or "no" in a query are ordinary words.
    auto langs = read_rows(base / "languages.tsv");
    if (!langs) return std::move(langs).error();
    for (const auto& r : langs.value()) {
        if (r.size() < 7 || r[0].size() != 2) continue;
        std::vector<std::string> keys = split(r[6], ';');
        if (r.size() > 7) {
            for (auto& a : split(r[7], '|')) keys.push_back(std::move(a));
        }
        for (const auto& k : keys) {
            auto words = words_of(k);
            if (words.empty()) continue;
            const bool all_short = std::all_of(words.begin(), words.end(),
                                               [](const std::string& w) { return w.size() <= 3; });
            const std::string key = join(words, 0, words.size());
            if (all_short || std::find(kLanguageStopwords.begin(), kLanguageStopwords.end(), key) !=
                                 kLanguageStopwords.end()) {
                continue;
            }
            d->add(idx::Facet::Language, key, r[0]);
        }
    }

    // Tasks: the pipeline tag, its display name and the hand-written aliases, plus dataset
    // task ids that map to a pipeline tag. "other" names nothing.
    auto tasks = read_rows(base / "tasks.tsv");
    if (!tasks) return std::move(tasks).error();
    for (const auto& r : tasks.value()) {
        if (r.empty() || r[0].empty() || r[0] == "other") continue;
        std::vector<std::string> keys{r[0]};
        if (r.size() > 2) keys.push_back(r[2]);
        if (r.size() > 3) {
            for (auto& a : split(r[3], '|')) keys.push_back(std::move(a));
        }
        for (const auto& k : keys) {
            const std::string key = join(words_of(k), 0, words_of(k).size());
            if (std::find(kTaskStopwords.begin(), kTaskStopwords.end(), key) != kTaskStopwords.end()) {
                continue;
            }
            d->add(idx::Facet::Task, key, r[0]);
        }
    }
    if (auto ids = read_rows(base / "task_ids.tsv"); ids) {
        for (const auto& r : ids.value()) {
            const std::string key = join(words_of(r[0]), 0, words_of(r[0]).size());
            if (r.size() > 1 && !r[1].empty() && r[1] != "other" &&
                std::find(kTaskStopwords.begin(), kTaskStopwords.end(), key) == kTaskStopwords.end()) {
                d->add(idx::Facet::Task, key, r[1]);
            }
        }
    }

    // Licenses: ids, SPDX ids, names and aliases, but only of licenses whose names are not
    // model names: the restricted class holds llama2, gemma, grok2 ("google gemma" asks for a
    // model, not for the Gemma license), and "other"/"unknown" name nothing.
    auto lics = read_rows(base / "licenses.tsv");
    if (!lics) return std::move(lics).error();
    for (const auto& r : lics.value()) {
        if (r.size() < 3) continue;
        const std::string& reuse = r[2];
        if (reuse == "restricted" || reuse == "unknown") continue;
        d->add(idx::Facet::License, r[0], r[0]);
        if (!r[1].empty()) d->add(idx::Facet::License, r[1], r[0]);
        if (r.size() > 3) d->add(idx::Facet::License, r[3], r[0]);
        if (r.size() > 4) {
            for (const auto& a : split(r[4], '|')) {
                if (a.rfind("license:", 0) == 0) continue;
                d->add(idx::Facet::License, a, r[0]);
            }
        }
    }
    // Reuse classes in words people use.
    d->add(idx::Facet::Reuse, "non commercial", "non-commercial");
    d->add(idx::Facet::Reuse, "noncommercial", "non-commercial");
    d->add(idx::Facet::Reuse, "permissive", "open");
    d->add(idx::Facet::Reuse, "permissive license", "open");
    // Card types. "space" is left out: "latent space", "embedding space".
    for (const char* w : {"dataset", "datasets", "corpus", "corpora"}) {
        d->add(idx::Facet::Type, w, "dataset");
    }
    for (const char* w : {"model", "models", "checkpoint", "checkpoints"}) {
        d->add(idx::Facet::Type, w, "model");
    }
    return std::shared_ptr<const Dictionaries>(std::move(d));
}

std::string Dictionaries::default_dir() {
    if (const char* env = std::getenv("CARDEX_TABLES"); env && *env) return env;
    char buf[4096];
    ssize_t len = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (len > 0) {
        buf[len] = '\0';
        fs::path installed = fs::path(buf).parent_path().parent_path() / "share/cardex/tables";
        if (fs::exists(installed / "languages.tsv")) return installed.string();
    }
    return CARDEX_SOURCE_TABLES_DIR;
}

std::shared_ptr<const Dictionaries> Dictionaries::shared() {
    // Loaded once per process (thread-safe static initialization); a missing table turns
    // understanding off rather than failing every search.
    static const std::shared_ptr<const Dictionaries> dicts = [] {
        auto loaded = load(default_dir());
        if (loaded) return std::move(loaded).value();
        return std::shared_ptr<const Dictionaries>(std::make_shared<Dictionaries>());
    }();
    return dicts;
}

bool Dictionaries::is_plain(std::string_view text) {
    auto runs = plain_runs(text);
    while (!runs.empty() && runs.back().empty()) runs.pop_back();
    if (runs.size() != 1) return runs.empty();
    return words_of(runs[0]).size() == words_of(text).size();
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
