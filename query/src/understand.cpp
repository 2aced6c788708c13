#include "understand.h"

#include <algorithm>
#include <array>
#include <sstream>

#include <xapian.h>

#include "cardex/index/text.h"

namespace cardex::query {

namespace idx = cardex::index;

namespace {

using namespace std::string_view_literals;

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

// Latin letters with diacritics (U+00C0-U+017F) -> their base letter, so that a task name
// matches as typed with or without them ("analisis" for "análisis"); 0 keeps the character
// (×, ÷). Tokens are lower-cased already; the capitals are there for completeness.
constexpr std::string_view kLatinBase =
    "AAAAAAACEEEEIIIIDNOOOOO\0OUUUUYTsaaaaaaaceeeeiiiidnooooo\0ouuuuyty"    // U+00C0-U+00FF
    "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiiiijjkkklllllllllln"  // U+0100-U+0143
    "nnnnnnnnoooooooorrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs"sv;       // U+0144-U+017F
static_assert(kLatinBase.size() == 0x180 - 0xC0);

std::string fold_latin(std::string_view word) {
    std::string out;
    out.reserve(word.size());
    for (std::size_t i = 0; i < word.size(); ++i) {
        const auto b0 = static_cast<unsigned char>(word[i]);
        if ((b0 == 0xC3 || b0 == 0xC4 || b0 == 0xC5) && i + 1 < word.size()) {
            const auto b1 = static_cast<unsigned char>(word[i + 1]);
            const unsigned cp = ((b0 & 0x1Fu) << 6) | (b1 & 0x3Fu);
            if ((b1 & 0xC0u) == 0x80u && cp >= 0xC0 && cp < 0x180 && kLatinBase[cp - 0xC0] != 0) {
                out.push_back(kLatinBase[cp - 0xC0]);
                ++i;
                continue;
            }
        }
        out.push_back(word[i]);
    }
    return out;
}

// Articles, prepositions and conjunctions of the languages of task_names.tsv, folded: a task
// name matches with any of them between its words, or none ("analyse des sentiments",
// "analyse de sentiments"), so they are no part of its key. Never the first or last word.
constexpr std::array<std::string_view, 52> kFunctionWords{
    "a",   "af",  "al",    "alle", "allo", "au",    "aux",   "av",    "d",    "da",  "dal",
    "das", "de",  "degli", "dei",  "del",  "della", "delle", "dello", "den",  "der", "des",
    "di",  "die", "do",    "dos",  "du",   "e",     "en",    "et",    "for",  "het", "i",
    "l",   "la",  "le",    "les",  "na",   "och",   "og",    "om",    "para", "per", "por",
    "til", "und", "van",   "von",  "y",    "z",     "и",     "на"};

bool function_word(std::string_view folded) {
    return listed(folded, kFunctionWords);
}

// A Snowball stemmer by name, made once per thread: Xapian::Stem keeps state while it
// stems, so it is not shared between threads; making one allocates. At most one per
// language of task_names.tsv.
const Xapian::Stem& stemmer(const std::string& name) {
    thread_local std::unordered_map<std::string, Xapian::Stem> made;
    auto it = made.find(name);
    if (it == made.end()) it = made.emplace(name, Xapian::Stem(name)).first;
    return it->second;
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

void Dictionaries::add_written(const idx::TaskName& row) {
    auto it = std::find_if(written_.begin(), written_.end(), [&](const Written& w) {
        return w.language == row.language;
    });
    if (it == written_.end()) {
        Written w;
        w.language = row.language;
        if (const idx::StemLanguage* l = idx::stem_language(row.language)) {
            w.stemmer = std::string(l->stemmer);
        }
        written_.push_back(std::move(w));
        it = written_.end() - 1;
    }
    const Xapian::Stem* stem = it->stemmer.empty() ? nullptr : &stemmer(it->stemmer);
    for (const auto& name : row.names) {
        const auto words = words_of(name);
        std::vector<std::string> content;
        for (const auto& w : words) {
            std::string folded = fold_latin(w);
            if (!function_word(folded)) content.push_back(std::move(folded));
        }
        if (content.empty()) continue;
        it->exact.insert(join(content, 0, content.size()));
        std::string key;
        if (content.size() == 1) {
            key = "=" + content[0];
        } else {
            for (const auto& c : content) {
                if (!key.empty()) key.push_back(' ');
                key += stem ? (*stem)(c) : c;
            }
        }
        it->names.emplace(std::move(key), row.pipeline_tag);  // the first row wins
        it->max_words = std::max(it->max_words, words.size());
    }
}

Dictionaries::WrittenMatch Dictionaries::match_written(const std::vector<std::string>& words,
                                                       std::size_t i) const {
    WrittenMatch best;
    bool ambiguous = false;
    if (written_.empty()) return best;
    const std::string first = fold_latin(words[i]);
    if (function_word(first)) return best;
    std::vector<std::string> folded{first};
    for (const Written& lang : written_) {
        const Xapian::Stem* stem = lang.stemmer.empty() ? nullptr : &stemmer(lang.stemmer);
        // A name may hold more function words in the query than in the table ("analyse de
        // la parole"): two more words of slack.
        const std::size_t most = std::min(lang.max_words + 2, words.size() - i);
        std::string key, exact;
        std::size_t content = 0;
        for (std::size_t n = 1; n <= most; ++n) {
            if (folded.size() < n) folded.push_back(fold_latin(words[i + n - 1]));
            const std::string& w = folded[n - 1];
            if (n > 1 && function_word(w)) continue;
            if (!key.empty()) key.push_back(' ');
            key += stem ? (*stem)(w) : w;
            exact += (exact.empty() ? "" : " ") + w;
            ++content;
            const auto hit = lang.names.find(content == 1 ? "=" + w : key);
            if (hit == lang.names.end()) continue;
            const bool listed_so = lang.exact.count(exact) > 0;
            if (n > best.words || (n == best.words && listed_so && !best.exact)) {
                best = {n, hit->second, lang.language, listed_so};
                ambiguous = false;
            } else if (n == best.words && listed_so == best.exact) {
                ambiguous = true;  // written alike in two languages: the task only
            }
        }
    }
    if (ambiguous) best.language.clear();
    return best;
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
    for (const idx::TaskName& row : vocab.task_names()) d.add_written(row);
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

std::vector<Understood> Dictionaries::understand(std::string_view text,
                                                 std::string_view typed) const {
    std::vector<Understood> out;
    if (phrases_.empty() && written_.empty()) return out;
    const auto runs = plain_runs(text);
    const auto typed_runs = typed.empty() ? runs : plain_runs(typed);
    std::size_t base = 0;  // word index of the run's first word within the whole text
    for (std::size_t r = 0; r < runs.size(); ++r) {
        const auto words = words_of(runs[r]);
        // A correction respells a word as another: the runs and their words line up.
        auto as_typed = r < typed_runs.size() ? words_of(typed_runs[r]) : words;
        if (as_typed.size() != words.size()) as_typed = words;
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
            if (const WrittenMatch w = match_written(as_typed, i); w.words > matched) {
                // Drop the shorter English phrase found at i; the task name spans more.
                while (!out.empty() && out.back().first_word == base + i) out.pop_back();
                const std::string phrase = join(as_typed, i, w.words);
                out.push_back({idx::Facet::Task, w.tag, phrase, base + i, w.words});
                if (!w.language.empty()) {
                    out.push_back(
                        {idx::Facet::Language, w.language, phrase, base + i, w.words, true});
                }
                matched = w.words;
            }
            i += matched ? matched : 1;
        }
        base += words.size();
    }
    return out;
}

}  // namespace cardex::query
