// Query understanding: which words name a language, a task or a license, and that naming
// one boosts (never filters) the cards with that facet value.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

#include <xapian.h>

#include "cardex/index/schema.h"
#include "cardex/index/store.h"
#include "cardex/query/searcher.h"
#include "fixture.h"
#include "understand.h"

using namespace cardex;
using cardex::index::Card;
using cardex::index::CardType;
using cardex::index::Facet;
using namespace cardex::query;

namespace {

const Dictionaries& dicts() {
    static const Dictionaries d = Dictionaries::from(*test::vocabulary());
    return d;
}

// The facet terms a text boosts, e.g. {"Lno", "XTASKtoken-classification"}.
std::set<std::string> terms(std::string_view text) {
    std::set<std::string> out;
    for (const auto& u : dicts().understand(text)) out.insert(index::facet_term(u.facet, u.value));
    return out;
}

Card make(std::string id, std::vector<std::string> langs, std::string task, std::string license,
          std::string body) {
    Card c = test::make_card(CardType::Model, std::move(id));
    c.languages = std::move(langs);
    for (const auto& l : c.languages) {
        if (l == "nb" || l == "nn") c.language_groups = {"no"};
    }
    c.tasks = {std::move(task)};
    c.license = std::move(license);
    c.body = std::move(body);
    return c;
}

}  // namespace

TEST_CASE("understanding names languages, tasks and licenses in free text", "[understand]") {
    CHECK(terms("norwegian ner") == std::set<std::string>{"Lno", "XTASKtoken-classification"});
    CHECK(terms("german summarization apache") ==
          std::set<std::string>{"Lde", "XTASKsummarization", "XLICapache-2.0"});
    CHECK(terms("bokmål") == std::set<std::string>{"Lnb"});
    CHECK(terms("Bokmal") == std::set<std::string>{"Lnb"});
    CHECK(terms("speech recognition") ==
          std::set<std::string>{"XTASKautomatic-speech-recognition"});
    CHECK(terms("french sentiment") == std::set<std::string>{"Lfr", "XTASKtext-classification"});
    CHECK(terms("mit") == std::set<std::string>{"XLICmit"});
    CHECK(terms("apache-2.0") == std::set<std::string>{"XLICapache-2.0"});
    CHECK(terms("non-commercial") == std::set<std::string>{"XREUSEnon-commercial"});
    CHECK(terms("legal documents dataset") == std::set<std::string>{"XTYPEdataset"});
    // Too broad to boost by: every text-generation card is not what these ask for.
    CHECK(terms("code generation").empty());
    CHECK(terms("protein language model") == std::set<std::string>{"XTYPEmodel"});
    // An LLM is a model, of the task the tables give it.
    CHECK(terms("japanese llm") ==
          std::set<std::string>{"Lja", "XTASKtext-generation", "XTYPEmodel"});
    CHECK(terms("arabic large language models") ==
          std::set<std::string>{"Lar", "XTASKtext-generation", "XTYPEmodel"});
}

TEST_CASE("the longest phrase wins and words are not reused", "[understand]") {
    // "named entity recognition" is one task, not "entity" + "recognition" pieces.
    auto u = dicts().understand("danish named entity recognition");
    REQUIRE(u.size() == 2);
    CHECK(u[0].value == "da");
    CHECK(u[1].value == "token-classification");
    CHECK(u[1].phrase == "named entity recognition");
    CHECK(u[1].first_word == 1);
    CHECK(u[1].words == 3);
    CHECK(terms("norwegian bokmål") == std::set<std::string>{"Lnb"});
}

TEST_CASE("false friends and query syntax are left alone", "[understand]") {
    // Codes and short tags are not names; English words that name obscure languages are not
    // languages; a model family is not its license.
    CHECK(terms("in no time").empty());
    CHECK(terms("latin script").empty());
    CHECK(terms("even are").empty());
    CHECK(terms("google gemma").empty());
    CHECK(terms("llama2 chat").count("XLICllama2") == 0);
    CHECK(terms("other").empty());
    // Field prefixes, exclusions, phrases and NOT already say what they mean.
    CHECK(terms("language:de").empty());
    CHECK(terms("bert -german").empty());
    CHECK(terms("\"german ner\"").empty());
    CHECK(terms("bert NOT german") .empty());
    CHECK(terms("bert NOT german french") == std::set<std::string>{"Lfr"});
}

TEST_CASE("an index without a vocabulary understands no words", "[understand]") {
    CHECK(Dictionaries::from(*index::Vocabulary::none()).size() == 0);
    CHECK(dicts().size() > 1000);
}

TEST_CASE("understood words boost and also match, but never filter", "[understand][search]") {
    test::TempDir dir;
    // Same text, different facets: only the facets can tell them apart.
    const std::string body = "A norwegian ner model for news text and other things.";
    std::vector<Card> cards{
        make("a/plain-model", {"en"}, "text-generation", "mit", body),
        make("b/nordic-tagger", {"nb"}, "token-classification", "apache-2.0", body),
        make("c/other-model", {"de"}, "summarization", "cc-by-4.0", body),
    };
    index::BuildOptions with_vocabulary;
    with_vocabulary.vocabulary = test::vocabulary();
    REQUIRE(index::build_index(dir.str(), cards, with_vocabulary).has_value());
    auto s = Searcher::open(dir.str());
    REQUIRE(s.has_value());

    SearchRequest req;
    req.text = "norwegian ner";
    auto r = s->search(req);
    REQUIRE(r.has_value());
    REQUIRE(r->total == 3);  // a boost: every card that matches the words still matches
    CHECK(r->hits[0].card.id == "b/nordic-tagger");

    req.plain_bm25 = true;  // the baseline knows nothing of facets: all three tie
    auto plain = s->search(req);
    REQUIRE(plain.has_value());
    REQUIRE(plain->total == 3);
    CHECK(plain->hits[0].score == Approx(plain->hits[2].score));

    // Words no card writes still match through the facet values they name...
    req.plain_bm25 = false;
    req.text = "german summarization";
    auto named = s->search(req);
    REQUIRE(named.has_value());
    REQUIRE(named->total == 1);
    CHECK(named->hits[0].card.id == "c/other-model");
    // ...and every word must still be met, by text or by facet, but for a license: c is
    // not under Apache and still matches "german summarization apache", no word dropped.
    req.text = "german summarization apache";
    auto with_license = s->search(req);
    REQUIRE(with_license.has_value());
    CHECK(with_license->dropped.empty());
    CHECK(with_license->total == named->total);
    // A word that is not understood stays required: no card is German summarization and
    // writes "medieval", so that word is the one left out.
    req.text = "german summarization medieval";
    auto none = s->search(req);
    REQUIRE(none.has_value());
    CHECK(none->dropped == std::vector<std::string>{"medieval"});
    CHECK(none->total == named->total);
    // The baseline matches words only.
    req.text = "german summarization";
    req.plain_bm25 = true;
    auto words_only = s->search(req);
    REQUIRE(words_only.has_value());
    CHECK(words_only->total == 0);
    // Query syntax keeps its meaning: a phrase is matched as written.
    req.plain_bm25 = false;
    req.text = "\"german summarization\"";
    auto phrase = s->search(req);
    REQUIRE(phrase.has_value());
    CHECK(phrase->total == 0);
}

TEST_CASE(
    "a language weighs more on cards about it than on collections listing it, and a "
    "license word orders without narrowing",
    "[understand][search]") {
    test::TempDir dir;
    const std::string chat = "A chat model for japanese text and questions.";
    const std::string summaries = "Summaries of german news articles, one per article.";
    std::vector<Card> cards{
        make("a/tokyo-bot", {"ja"}, "text-generation", "mit", chat),
        make("b/polyglot-bot",
             {"ja", "en", "de", "fr", "es", "zh", "ko"},
             "text-generation",
             "mit",
             chat),
        make("c/summaries", {"de"}, "summarization", "cc-by-4.0", summaries),
        make("d/summaries-apache", {"de"}, "summarization", "apache-2.0", summaries),
        make("e/nordic", {"nb", "en"}, "token-classification", "mit", "Tags names."),
    };
    index::BuildOptions with_vocabulary;
    with_vocabulary.vocabulary = test::vocabulary();
    REQUIRE(index::build_index(dir.str(), cards, with_vocabulary).has_value());

    // The index: main language terms on cards declaring at most kMaxMainLanguages, with the
    // macrolanguage (nb -> no) too.
    auto gen = index::live_generation(dir.str());
    REQUIRE(gen.has_value());
    Xapian::Database db(gen.value());
    auto main_languages = [&](const std::string& id) {
        std::set<std::string> out;
        const std::string prefix(index::kPrefixMainLanguage);
        auto p = db.postlist_begin(index::id_term("model", id));
        REQUIRE(p != db.postlist_end(index::id_term("model", id)));
        for (auto t = db.termlist_begin(*p); t != db.termlist_end(*p); ++t) {
            if ((*t).rfind(prefix, 0) == 0) out.insert((*t).substr(prefix.size()));
        }
        return out;
    };
    CHECK(main_languages("a/tokyo-bot") == std::set<std::string>{"ja"});
    CHECK(main_languages("b/polyglot-bot").empty());
    CHECK(main_languages("e/nordic") == std::set<std::string>{"en", "nb", "no"});

    auto s = Searcher::open(dir.str());
    REQUIRE(s.has_value());
    auto search = [&](const std::string& text, bool plain = false) {
        return test::search_text(*s, text, plain, /*explain=*/true);
    };
    auto hit = [](const SearchResponse& r, const std::string& id) -> const Hit& {
        for (const auto& h : r.hits) {
            if (h.card.id == id) return h;
        }
        FAIL("no hit " << id);
        return r.hits.front();
    };

    // Same words: the baseline ties a and b; understood, both get the language, and the
    // card about it gets more.
    const auto plain = search("japanese chat", true);
    REQUIRE(plain.total == 2);
    CHECK(plain.hits[0].score == Approx(plain.hits[1].score));
    const auto ja = search("japanese chat");
    REQUIRE(ja.total == 2);
    CHECK(ja.hits[0].card.id == "a/tokyo-bot");
    CHECK(ja.hits[0].score > ja.hits[1].score);
    CHECK(hit(ja, "a/tokyo-bot").explain->understood -
              hit(ja, "b/polyglot-bot").explain->understood ==
          Approx(2.0));
    // "llm" names a model of text generation: both match without writing it.
    CHECK(search("japanese llm").total == 2);

    // The license word: both German summaries match, the Apache one first.
    const auto apache = search("german summarization apache");
    CHECK(apache.dropped.empty());
    REQUIRE(apache.total == 2);
    CHECK(apache.hits[0].card.id == "d/summaries-apache");
    // A license alone, or with a card type, is the query: only its cards.
    for (const char* text : {"apache", "apache model", "models apache"}) {
        INFO(text);
        const auto alone = search(text);
        REQUIRE(alone.total == 1);
        CHECK(alone.hits[0].card.id == "d/summaries-apache");
    }
}

TEST_CASE(
    "a query that is an author's name, whole, is understood as that author and lifts "
    "their cards",
    "[understand][search]") {
    test::TempDir dir;
    std::vector<Card> cards{
        make("EleutherAI/pythia-small",
             {"en"},
             "text-generation",
             "apache-2.0",
             "A small language model trained on the pile."),
        make("someone/eleutherai-notes",
             {"en"},
             "text-generation",
             "mit",
             "Notes on eleutherai models: eleutherai, eleutherai and eleutherai again."),
        make("meta-llama/llama-tiny",
             {"en"},
             "text-generation",
             "llama2",
             "A tiny llama model by meta."),
        make("other/meta-llama-review",
             {"en"},
             "text-generation",
             "mit",
             "A review of meta llama models: meta llama, meta llama and more meta llama."),
        make("music/tiny-model", {"en"}, "text-generation", "mit", "A model of words."),
        make("x/music-generation",
             {"en"},
             "text-to-audio",
             "mit",
             "A music generation model: music generation for music lovers."),
    };
    index::BuildOptions with_vocabulary;
    with_vocabulary.vocabulary = test::vocabulary();
    REQUIRE(index::build_index(dir.str(), cards, with_vocabulary).has_value());
    auto s = Searcher::open(dir.str());
    REQUIRE(s.has_value());
    auto search = [&](const std::string& text, bool plain = false) {
        return test::search_text(*s, text, plain);
    };
    auto authors = [](const SearchResponse& r) {
        std::vector<std::string> out;
        for (const auto& u : r.understood) {
            if (u.facet == "author") out.push_back(u.value + " <- " + u.text);
        }
        return out;
    };

    // The words alone put the card that repeats the name first; the author's own comes
    // first once the query is understood as the author, named as its cards write it.
    CHECK(search("eleutherai", true).hits.at(0).card.id == "someone/eleutherai-notes");
    const auto eleuther = search("eleutherai");
    CHECK(eleuther.hits.at(0).card.id == "EleutherAI/pythia-small");
    CHECK(authors(eleuther) == std::vector<std::string>{"EleutherAI <- eleutherai"});
    // Spaced or dashed as the user types it.
    CHECK(search("meta llama", true).hits.at(0).card.id == "other/meta-llama-review");
    for (const auto* text : {"meta llama", "Meta-Llama"}) {
        INFO(text);
        const auto meta = search(text);
        CHECK(meta.hits.at(0).card.id == "meta-llama/llama-tiny");
        CHECK(authors(meta).size() == 1);
    }
    // Split where the name is one word: the author's cards match through the author, though
    // none of their words is "eleuther".
    const auto split = search("eleuther ai");
    CHECK(authors(split) == std::vector<std::string>{"EleutherAI <- eleuther ai"});
    CHECK(std::any_of(split.hits.begin(), split.hits.end(), [](const Hit& h) {
        return h.card.id == "EleutherAI/pythia-small";
    }));
    // Only the whole query: an account named by one word of a longer query ("music") is not
    // lifted above the topic's cards, and is not said to be understood.
    const auto topic = search("music generation");
    CHECK(authors(topic).empty());
    CHECK(topic.hits.at(0).card.id == "x/music-generation");
    // Not an author of this index: nothing understood.
    CHECK(authors(search("pythia")).empty());
    // The baseline knows nothing of authors.
    CHECK(authors(search("eleutherai", true)).empty());
}
