// Task names written in other languages than English (data/tables/task_names.tsv): which
// words name a task and the language they are written in, and that the language ranks
// without matching.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "cardex/index/schema.h"
#include "cardex/index/store.h"
#include "cardex/index/vocabulary.h"
#include "cardex/query/searcher.h"
#include "fixture.h"
#include "understand.h"

using namespace cardex;
using cardex::index::Card;
using cardex::index::CardType;
using namespace cardex::query;
namespace fs = std::filesystem;

namespace {

const Dictionaries& dicts() {
    static const Dictionaries d = Dictionaries::from(*test::vocabulary());
    return d;
}

// What a text is understood as: "XTASKtext-classification", "Lfr (implied)".
std::set<std::string> named(std::string_view text, std::string_view typed = {}) {
    std::set<std::string> out;
    for (const auto& u : dicts().understand(text, typed)) {
        out.insert(index::facet_term(u.facet, u.value) + (u.implied ? " (implied)" : ""));
    }
    return out;
}

using Names = std::set<std::string>;

}  // namespace

TEST_CASE("a task name in another language names the task and, implied, its language",
          "[understand][task-names]") {
    CHECK(named("analyse de sentiments") == Names{"XTASKtext-classification", "Lfr (implied)"});
    // Any inflection the language's stemmer folds, with or without articles and diacritics.
    CHECK(named("analyse des sentiments") == named("analyse de sentiments"));
    CHECK(named("análisis de sentimientos") == Names{"XTASKtext-classification", "Les (implied)"});
    CHECK(named("analisis de sentimiento") == named("análisis de sentimientos"));
    CHECK(named("reconnaissance d'entités nommées") ==
          Names{"XTASKtoken-classification", "Lfr (implied)"});
    CHECK(named("Spracherkennung") == Names{"XTASKautomatic-speech-recognition", "Lde (implied)"});
    CHECK(named("traducción") == Names{"XTASKtranslation", "Les (implied)"});
    CHECK(named("распознавание речи") ==
          Names{"XTASKautomatic-speech-recognition", "Lru (implied)"});
    // The Italian stemmer also folds Portuguese "análise de sentimento" onto "analisi del
    // sentimento"; Portuguese lists the words, so it is Portuguese.
    CHECK(named("análise de sentimento") == Names{"XTASKtext-classification", "Lpt (implied)"});
    // Written alike in German, Dutch, Norwegian and Danish: the task only.
    CHECK(named("sentimentanalyse") == Names{"XTASKtext-classification"});
    // Beside other words, and beside an English language name.
    CHECK(named("corpus traduction automatique") ==
          Names{"XTYPEdataset", "XTASKtranslation", "Lfr (implied)"});
    CHECK(named("german spracherkennung") ==
          Names{"Lde", "XTASKautomatic-speech-recognition", "Lde (implied)"});
}

TEST_CASE("every name of the shipped table is understood as its row", "[understand][task-names]") {
    // A name the next editor adds must not be taken for another language's or task's: each is
    // understood as its task and, unless another language lists the same words, its language.
    const auto& rows = test::vocabulary()->task_names();
    REQUIRE(rows.size() > 100);
    std::map<std::string, std::set<std::string>> languages_of;  // name -> who lists it
    for (const auto& row : rows) {
        for (const auto& name : row.names) languages_of[name].insert(row.language);
    }
    std::size_t checked = 0;
    for (const auto& row : rows) {
        for (const auto& name : row.names) {
            INFO(row.language << " " << row.pipeline_tag << " \"" << name << "\"");
            Names want{"XTASK" + row.pipeline_tag};
            if (languages_of[name].size() == 1) want.insert("L" + row.language + " (implied)");
            CHECK(named(name) == want);
            ++checked;
        }
    }
    CHECK(checked > 300);
}

TEST_CASE("task names leave English words and query syntax alone", "[understand][task-names]") {
    // English phrases are understood as before, with no language implied.
    CHECK(named("image classification") == Names{"XTASKimage-classification"});
    CHECK(named("sentiment analysis") == Names{"XTASKtext-classification"});
    // A single word is matched as listed, not by its stem: "resume" is no Spanish "resumen".
    CHECK(named("resume parser").empty());
    CHECK(named("resumen") == Names{"XTASKsummarization", "Les (implied)"});
    // Function words never start or end a name; words in quotes are left alone.
    CHECK(named("de la").empty());
    CHECK(named("\"analyse de sentiments\"").empty());
    // The words between must be the name's: "analyse" and "sentiments" apart name nothing.
    CHECK(named("analyse rapide de sentiments").empty());
}

TEST_CASE("a task name is looked for in the text as typed, before typo correction",
          "[understand][task-names]") {
    // Typo tolerance respells "sentimento" as English "sentiment"; the name is still seen.
    CHECK(named("análise de sentiment", "análise de sentimento") ==
          Names{"XTASKtext-classification", "Lpt (implied)"});
    // Words as typed that do not line up with the corrected text are not used.
    CHECK(named("analyse de sentiments", "analyse") == named("analyse de sentiments"));
}

TEST_CASE("the language a task name is written in ranks, it does not match",
          "[understand][task-names][search]") {
    auto make = [](std::string id, std::string lang, std::string task, std::string body) {
        Card c = test::make_card(CardType::Dataset, std::move(id));
        c.languages = {std::move(lang)};
        c.tasks = {std::move(task)};
        c.body = std::move(body);
        return c;
    };
    std::vector<Card> cards{
        make("a/english-reviews", "en", "text-classification", "Movie reviews with labels."),
        make("b/critiques", "fr", "text-classification", "Critiques de films annotées."),
        make("c/french-news", "fr", "summarization", "Articles de presse et leurs résumés."),
    };
    const auto dir = test::build_fixture_index(cards);
    Searcher& s = test::thread_searcher(dir->str());

    SearchRequest req;
    req.text = "analyse de sentiments";
    auto r = s.search(req);
    REQUIRE(r.has_value());
    // The sentiment cards, the French one first; not the French card of another task.
    REQUIRE(r->total == 2);
    CHECK(r->hits[0].card.id == "b/critiques");
    CHECK(r->hits[1].card.id == "a/english-reviews");
    const auto implied = std::find_if(
        r->understood.begin(), r->understood.end(), [](auto& u) { return u.facet == "language"; });
    REQUIRE(implied != r->understood.end());
    CHECK(implied->value == "fr");
    CHECK(implied->implied);
    CHECK(implied->text == "analyse de sentiments");

    // An English language word does match through the language: both French cards.
    req.text = "french";
    auto french = s.search(req);
    REQUIRE(french.has_value());
    CHECK(french->total == 2);
}

TEST_CASE("task_names.tsv is optional and checked row by row", "[vocab][task-names]") {
    test::TempDir tables;
    for (const auto name : index::Vocabulary::kTables) {
        fs::copy_file(fs::path(test::tables_dir()) / name, tables.path() / name);
    }
    // Without it (the tables of an index built before it existed): no task names.
    auto without = index::Vocabulary::load(tables.str());
    REQUIRE(without.has_value());
    CHECK((*without)->task_names().empty());
    CHECK(Dictionaries::from(**without).understand("analyse de sentiments").empty());
    // The shipped table: every row parses.
    auto shipped = index::Vocabulary::load(test::tables_dir());
    REQUIRE(shipped.has_value());
    CHECK((*shipped)->task_names().size() > 100);
    // A row naming an unknown language or pipeline tag is an error naming its line.
    auto write = [&](const std::string& rows) {
        std::ofstream(tables.path() / "task_names.tsv") << "#language\tpipeline_tag\tnames\n"
                                                        << rows;
    };
    write("fr\ttranslation\ttraduction\nxx-nope\ttranslation\tnope\n");
    auto bad_language = index::Vocabulary::load(tables.str());
    REQUIRE_FALSE(bad_language.has_value());
    CHECK(bad_language.error().message.find("xx-nope") != std::string::npos);
    CHECK(bad_language.error().detail.find("task_names.tsv:3") != std::string::npos);
    write("fr\tsentiment-analysis\tanalyse de sentiments\n");
    auto bad_task = index::Vocabulary::load(tables.str());
    REQUIRE_FALSE(bad_task.has_value());
    CHECK(bad_task.error().message.find("sentiment-analysis") != std::string::npos);
    write("fr\ttranslation\n");
    CHECK_FALSE(index::Vocabulary::load(tables.str()).has_value());
    // A good row is stored in the index and read back from it.
    write("fr\ttranslation\ttraduction\n");
    auto mine = index::Vocabulary::load(tables.str());
    REQUIRE(mine.has_value());
    test::TempDir dir;
    index::BuildOptions options;
    options.vocabulary = *mine;
    REQUIRE(index::build_index(dir.str(), {test::make_card(CardType::Model, "a/b")}, options)
                .has_value());
    auto stored = index::read_vocabulary(dir.str());
    REQUIRE(stored.has_value());
    REQUIRE((*stored)->task_names().size() == 1);
    CHECK((*stored)->task_names()[0].language == "fr");
    CHECK((*stored)->task_names()[0].names == std::vector<std::string>{"traduction"});
}
