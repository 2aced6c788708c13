#include "lexicon.h"

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "cardex/index/quality.h"

namespace cardex::query {

namespace idx = cardex::index;

namespace {

std::mutex g_lexicons_mu;
std::map<std::string, std::weak_ptr<const Lexicon>>& lexicons() {
    static std::map<std::string, std::weak_ptr<const Lexicon>> m;
    return m;
}

std::string join(const auto& values, std::string_view sep) {
    std::string out;
    for (const auto& v : values) {
        if (!out.empty()) out.append(sep);
        out.append(v);
    }
    return out;
}

// Why no card can match `value` of `facet`, for people.
std::string unknown_message(idx::Facet facet,
                            const std::string& value,
                            const idx::Vocabulary& vocab) {
    const std::string quoted = "'" + value + "'";
    switch (facet) {
        case idx::Facet::Language:
            if (auto sp = vocab.special_language(value)) {
                if (*sp == idx::SpecialLanguage::Ignore) {
                    return quoted + " names no language; cards that declare it have none from it";
                }
                const char* tag =
                    *sp == idx::SpecialLanguage::Multilingual ? "multilingual" : "code";
                return quoted + " is not a language: cards that declare it are tagged '" + tag +
                       "' (filter tag=" + tag + ")";
            }
            return quoted + " is not a language code or name in the index's vocabulary";
        case idx::Facet::License:
            return quoted +
                   " is not a license in the index's vocabulary; cards with a license "
                   "it does not know are under 'other'";
        case idx::Facet::Task:
            return quoted +
                   " is not a task (pipeline tag, task name or alias) in the index's "
                   "vocabulary";
        case idx::Facet::Type:
            return quoted + " is not a card type: model, dataset or space";
        case idx::Facet::Gated:
            return quoted + " is not a gated state: true, false, auto or manual";
        case idx::Facet::Reuse:
            return quoted + " is not a reuse class: " + join(idx::kReuseClasses, ", ");
        case idx::Facet::Quality:
            return quoted + " is not a quality band: " + join(idx::kQualityBands, ", ");
        case idx::Facet::Has: {
            std::vector<std::string_view> names;
            for (const auto& c : idx::kCriteria) names.push_back(c.name);
            return quoted + " is not a documentation criterion: " + join(names, ", ");
        }
        default:
            return quoted + " is not a " + std::string(idx::facet_info(facet).name) +
                   " value in the index's vocabulary";
    }
}

}  // namespace

Result<std::shared_ptr<const Lexicon>> Lexicon::of(const Xapian::Database& db) {
    const std::string uuid = db.get_uuid();
    std::lock_guard lock(g_lexicons_mu);
    auto& m = lexicons();
    if (auto it = m.find(uuid); it != m.end()) {
        if (auto held = it->second.lock()) return held;
    }
    for (auto it = m.begin(); it != m.end();)
        it = it->second.expired() ? m.erase(it) : std::next(it);
    auto vocab = idx::Vocabulary::read(db);
    if (!vocab) return std::move(vocab).error();
    auto typos = idx::TypoDictionary::read(db);
    if (!typos) return std::move(typos).error();
    auto words = idx::TypoDictionary::read_words(db);
    if (!words) return std::move(words).error();
    auto lex = std::make_shared<Lexicon>();
    lex->typos = std::move(typos).value();
    lex->words = std::move(words).value();
    lex->dictionaries = Dictionaries::from(*vocab.value());
    lex->vocabulary = std::move(vocab).value();
    m[uuid] = lex;
    return std::shared_ptr<const Lexicon>(std::move(lex));
}

std::shared_ptr<const Lexicon> Lexicon::none() {
    static const std::shared_ptr<const Lexicon> empty = [] {
        auto lex = std::make_shared<Lexicon>();
        lex->vocabulary = idx::Vocabulary::none();
        return lex;
    }();
    return empty;
}

SearchRequest understand_filters(const SearchRequest& req,
                                 const idx::Vocabulary& vocab,
                                 std::vector<UnderstoodFilter>& out) {
    SearchRequest read = req;
    for (auto& f : read.filters) {
        const auto facet = idx::facet_by_name(f.facet);
        if (!facet) continue;  // build_query refuses it with its name
        auto read_values = [&](std::vector<std::string>& values, bool excluded) {
            std::vector<std::string> indexed;
            for (auto& v : values) {
                UnderstoodFilter u{f.facet, v, excluded, vocab.canonical(*facet, v), false, {}};
                if (u.understood.empty()) {
                    u.unknown = true;
                    u.message = unknown_message(*facet, v, vocab);
                    indexed.push_back(std::move(v));  // as given: no card has it
                } else {
                    indexed.insert(indexed.end(), u.understood.begin(), u.understood.end());
                }
                out.push_back(std::move(u));
            }
            values = std::move(indexed);
        };
        read_values(f.values, false);
        read_values(f.excluded, true);
    }
    return read;
}

}  // namespace cardex::query
