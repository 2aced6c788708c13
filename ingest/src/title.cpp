#include "title.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace cardex::ingest {

namespace {

// Section names of the Hub's model and dataset card templates and of the headings the real
// cards open with instead of a title (counted in docs/RELEVANCE.md), lower-cased. A card
// opening with one of these has not written its title.
constexpr std::array<std::string_view, 64> kGeneric{"about",
                                                    "abstract",
                                                    "acknowledgements",
                                                    "acknowledgments",
                                                    "citation",
                                                    "contents",
                                                    "contributions",
                                                    "conversation templates",
                                                    "dataset",
                                                    "dataset card",
                                                    "dataset description",
                                                    "dataset details",
                                                    "dataset structure",
                                                    "dataset summary",
                                                    "description",
                                                    "disclaimer",
                                                    "evaluation",
                                                    "evaluation results",
                                                    "example",
                                                    "examples",
                                                    "features",
                                                    "highlights",
                                                    "how to use",
                                                    "important",
                                                    "intended uses & limitations",
                                                    "introduction",
                                                    "key features",
                                                    "label scheme",
                                                    "license",
                                                    "limitations",
                                                    "merge",
                                                    "merge details",
                                                    "model",
                                                    "model card",
                                                    "model description",
                                                    "model details",
                                                    "model information",
                                                    "model informations",
                                                    "model list",
                                                    "model overview",
                                                    "model summary",
                                                    "news",
                                                    "note",
                                                    "open llm leaderboard evaluation results",
                                                    "outputs",
                                                    "overview",
                                                    "prompt template",
                                                    "quick start",
                                                    "quickstart",
                                                    "readme",
                                                    "results",
                                                    "sample usage",
                                                    "summary",
                                                    "table of contents",
                                                    "training",
                                                    "training details",
                                                    "training procedure",
                                                    "updates",
                                                    "uploaded model",
                                                    "usage",
                                                    "weights",
                                                    "model trained using autotrain",
                                                    "requirements",
                                                    "getting started"};

// Values left in a template by an author who never filled it in.
constexpr std::array<std::string_view, 6> kPlaceholders{
    "model id", "model name", "dataset name", "model_id", "model_name", "dataset_name"};

constexpr std::array<std::string_view, 6> kCardFor{"model card for ",
                                                   "dataset card for ",
                                                   "model card of ",
                                                   "dataset card of ",
                                                   "model card: ",
                                                   "dataset card: "};

bool alnum(unsigned char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c >= 0x80;
}

// Lower-case ASCII, blanks collapsed, leading and trailing non-word characters (emoji,
// markdown left-overs like "**", a closing colon) removed: "🔥 News:" -> "news". Bytes of
// multi-byte characters count as word characters inside the text, so only an emoji at the
// ends is cut (its bytes are >= 0x80: cut only the leading run of symbol code points).
std::string normalized(std::string_view s) {
    std::string out;
    bool space = false;
    for (unsigned char c : s) {
        if (c >= 'A' && c <= 'Z') c = static_cast<unsigned char>(c + 32);
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            space = !out.empty();
            continue;
        }
        if (space) out.push_back(' ');
        space = false;
        out.push_back(static_cast<char>(c));
    }
    // Trailing punctuation and symbols ("Usage:", "Model Card 🤗" keeps its emoji bytes).
    while (!out.empty() && !alnum(static_cast<unsigned char>(out.back())) &&
           static_cast<unsigned char>(out.back()) < 0x80)
        out.pop_back();
    // Leading symbols: ASCII punctuation, and emoji (4-byte UTF-8 sequences, F0..F4, and the
    // symbols block E2 9x..) followed by a blank.
    std::size_t at = 0;
    while (at < out.size()) {
        const auto c = static_cast<unsigned char>(out[at]);
        if (c < 0x80 && !alnum(c)) {
            ++at;
        } else if (c >= 0xE2 && c != 0xE3 && c <= 0xF4) {
            // A symbol or emoji: skip its bytes (lead byte + continuation bytes).
            ++at;
            while (at < out.size() && (static_cast<unsigned char>(out[at]) & 0xC0) == 0x80) ++at;
        } else {
            break;
        }
    }
    return out.substr(at);
}

// Letters and digits only: "FLAN-T5 XXL" and "flan-t5-xxl" are the same name.
std::string squashed(std::string_view s) {
    std::string out;
    for (unsigned char c : s) {
        if (c >= 'A' && c <= 'Z') c = static_cast<unsigned char>(c + 32);
        if (alnum(c)) out.push_back(static_cast<char>(c));
    }
    return out;
}

bool generic_name(std::string_view n) {
    return std::find(kGeneric.begin(), kGeneric.end(), n) != kGeneric.end();
}

// "1. introduction", "2) usage", "3.1 training": a section number, which a title never has
// ("2008 sichuan earthquake" is a title: a bare number counts only before a section name,
// "1 introduction").
bool numbered(std::string_view n) {
    std::size_t i = 0;
    bool dotted = false;
    while (i < n.size() && (std::isdigit(static_cast<unsigned char>(n[i])) || n[i] == '.')) {
        dotted = dotted || n[i] == '.';
        ++i;
    }
    if (i == 0 || !std::isdigit(static_cast<unsigned char>(n[0]))) return false;
    if (i < n.size() && n[i] == ')') {
        dotted = true;
        ++i;
    }
    if (i >= n.size() || n[i] != ' ') return false;
    return dotted || generic_name(n.substr(i + 1));
}

bool placeholder(std::string_view n) {
    if (n.find('{') != std::string_view::npos && n.find('}') != std::string_view::npos) return true;
    std::string inner(n);
    inner.erase(std::remove_if(inner.begin(),
                               inner.end(),
                               [](char c) { return c == '[' || c == ']' || c == '<' || c == '>'; }),
                inner.end());
    return std::find(kPlaceholders.begin(), kPlaceholders.end(), inner) != kPlaceholders.end();
}

// The X of "Model Card for X" (normalized), or npos-empty when the heading is not one.
std::string_view card_for(std::string_view n) {
    for (auto p : kCardFor) {
        if (n.substr(0, p.size()) == p) return n.substr(p.size());
    }
    return {};
}

}  // namespace

bool generic_heading(std::string_view heading) {
    const std::string n = normalized(heading);
    if (n.empty() || numbered(n) || placeholder(n)) return true;
    if (generic_name(n)) return true;
    const auto x = card_for(n);
    return !x.empty() && placeholder(x);
}

std::string choose_title(std::string_view heading,
                         std::string_view id,
                         std::string_view name,
                         std::string_view model_name) {
    // model_name, unless it is empty, generic, or another repo's id (fine-tunes copy their
    // base model's model_name: "google/gemma-7b").
    const bool other_repo =
        model_name.find('/') != std::string_view::npos && squashed(model_name) != squashed(id);
    const std::string fallback(
        model_name.empty() || other_repo || generic_heading(model_name) ? name : model_name);
    const std::string n = normalized(heading);
    if (n.empty() || generic_heading(heading)) return fallback;
    const std::string sq = squashed(n);
    if (sq == squashed(id) && sq != squashed(name)) return fallback;  // the id repeated
    if (const auto x = card_for(n); !x.empty()) {
        const std::string sx = squashed(x);
        // Another repo's id (a fine-tune that copied its base model's card) or this card's
        // id repeated. A name that is not this repo's ("Danish BERT" on
        // DaNLP/da-bert-tone-sentiment-polarity) is still the author's title for it.
        if (x.find('/') != std::string_view::npos && sx != squashed(name)) return fallback;
        // This card's: its name as the heading writes it, without "Model Card for" (found
        // in a lower-cased copy: ASCII case folding keeps byte offsets).
        std::string lowered(heading);
        for (auto& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        for (auto p : kCardFor) {
            const auto at = lowered.find(p.substr(0, p.size() - 1));  // without its blank
            if (at == std::string::npos) continue;
            std::string_view rest = heading.substr(at + p.size() - 1);
            while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t'))
                rest.remove_prefix(1);
            while (!rest.empty() && (rest.back() == ' ' || rest.back() == ':'))
                rest.remove_suffix(1);
            // "Dataset Card for \"name\"" (the datasets library's template quotes it).
            if (rest.size() >= 2 && (rest.front() == '"' || rest.front() == '\'') &&
                rest.back() == rest.front()) {
                rest = rest.substr(1, rest.size() - 2);
            }
            if (!rest.empty()) return std::string(rest);
        }
        return fallback;
    }
    return std::string(heading);
}

}  // namespace cardex::ingest
