// Typo tolerance on small fixtures built for it (query/src/typo.h): which words are corrected,
// that exact matches rank first, that query syntax is left alone, and that private cards'
// words are never offered; and the passes that read a text again when it shows the caller
// nothing (a card's name corrected, the last words left out). The real cards:
// tests/integration/typo_test.cpp.
#include <catch2/catch.hpp>

#include "cardex/index/store.h"
#include "cardex/index/typo.h"
#include "cardex/index/writer.h"
#include "cardex/query/searcher.h"
#include "fixture.h"
#include "typo.h"

using namespace cardex;
using cardex::index::Card;
using cardex::index::CardType;
using namespace cardex::query;

namespace {

Card card(std::string id, std::string description, std::int64_t downloads = 100) {
    Card c = test::make_card(CardType::Model, std::move(id), downloads);
    c.description = std::move(description);
    return c;
}

// 24 cards about diffusion, one that misspells it, one about whisper models.
std::vector<Card> diffusion_cards() {
    std::vector<Card> cards;
    for (int i = 0; i < 24; ++i) {
        cards.push_back(card("lab/model-" + std::to_string(i), "diffusion models for images"));
    }
    cards.push_back(card("solo/tutorial", "difusion models for images"));
    cards.push_back(card("speech/asr", "whisper models for speech"));
    cards.push_back(card("speech/asr-small", "whisper models for speech"));
    return cards;
}

struct Built {
    std::unique_ptr<test::TempDir> dir;
    Searcher searcher;
};

Built build(std::vector<Card> cards) {
    auto dir = test::build_fixture_index(std::move(cards));
    auto s = Searcher::open(dir->str());
    REQUIRE(s.has_value());
    return {std::move(dir), std::move(s).value()};
}

SearchResponse search(Searcher& s, std::string text, std::vector<std::string> namespaces = {}) {
    SearchRequest r;
    r.text = std::move(text);
    r.limit = 50;
    r.private_namespaces = std::move(namespaces);
    auto resp = s.search(r);
    REQUIRE(resp.has_value());
    return std::move(resp).value();
}

}  // namespace

TEST_CASE("a missing word also matches its correction, reported in corrected", "[query][typo]") {
    auto b = build(diffusion_cards());
    // 7 letters, one edit (a transposition counts as one).
    auto r = search(b.searcher, "Whipser models");
    REQUIRE(r.corrected.size() == 1);
    CHECK(r.corrected[0].from == "whipser");
    CHECK(r.corrected[0].to == std::vector<std::string>{"whisper"});
    CHECK(r.total == 2);
    CHECK(r.suggestion == "whisper models");

    // Two edits only from 9 letters on; four letters and less are never corrected in the
    // match ("spech" is 5: corrected; "imags" has the stem of images already: unchanged).
    CHECK(search(b.searcher, "whipserr").corrected.empty());
    CHECK(search(b.searcher, "spech").corrected.size() == 1);
    CHECK(search(b.searcher, "imags").corrected.empty());
    CHECK(search(b.searcher, "fro").corrected.empty());
    CHECK(search(b.searcher, "diffusiin").corrected.size() == 1);
    CHECK(search(b.searcher, "difffusiin").corrected.size() == 1);
}

TEST_CASE("an exactly spelled query is not changed", "[query][typo]") {
    auto b = build(diffusion_cards());
    for (const std::string text : {"diffusion", "whisper models", "images", "diffusion models"}) {
        INFO(text);
        auto r = search(b.searcher, text);
        CHECK(r.corrected.empty());
        CHECK(r.suggestion.empty());
        CHECK(r.total > 0);
    }
}

TEST_CASE("a correction never outranks an exact match", "[query][typo]") {
    // "difusion" is held by one card: far rarer than diffusion (24), so it is corrected in
    // the match, and "did you mean" is offered although it has a hit.
    auto b = build(diffusion_cards());
    auto r = search(b.searcher, "difusion");
    REQUIRE(r.corrected.size() == 1);
    CHECK(r.corrected[0].to == std::vector<std::string>{"diffusion"});
    CHECK(r.suggestion == "diffusion");
    CHECK(r.total == 25);
    REQUIRE(r.hits.size() == 25);
    CHECK(r.hits[0].card.id == "solo/tutorial");
    for (std::size_t i = 1; i < r.hits.size(); ++i) CHECK(r.hits[i].score < r.hits[0].score);

    // The same for a word only a private card holds: its namespace sees its exact card
    // first; the word is still corrected, as it is for everyone (public cards decide).
    auto cards = diffusion_cards();
    cards.pop_back();
    cards.push_back(card("Secret/notes", "difffusion notes"));
    cards.back().is_private = true;
    cards.back().author = "Secret";
    auto p = build(cards);
    auto mine = search(p.searcher, "difffusion", {"Secret"});
    REQUIRE(mine.corrected.size() == 1);
    REQUIRE(!mine.hits.empty());
    CHECK(mine.hits[0].card.id == "Secret/notes");
    for (std::size_t i = 1; i < mine.hits.size(); ++i)
        CHECK(mine.hits[i].score < mine.hits[0].score);
}

TEST_CASE("a card's name is corrected only when the query as typed shows nothing",
          "[query][typo]") {
    // A model named `difusion` makes the word a name, not a typo: "difusion" finds it and
    // the card that misspells it, as typed. "stable difusion" matches nothing as typed, so
    // the name is corrected after all and the Stable Diffusion cards are found (two cards
    // hold `difusion`, 44 diffusion: at least the 20 times as many a correction needs).
    auto cards = diffusion_cards();
    cards.push_back(card("someone/difusion", "a model of mine"));
    for (int i = 0; i < 20; ++i)
        cards.push_back(card("lab/stable-" + std::to_string(i), "stable diffusion weights"));
    auto b = build(cards);
    auto alone = search(b.searcher, "difusion");
    CHECK(alone.corrected.empty());
    CHECK(alone.suggestion.empty());
    CHECK(alone.total == 2);
    auto stable = search(b.searcher, "stable difusion");
    REQUIRE(stable.corrected.size() == 1);
    CHECK(stable.corrected[0].from == "difusion");
    CHECK(stable.corrected[0].to == std::vector<std::string>{"diffusion"});
    CHECK(stable.suggestion == "stable diffusion");
    CHECK(stable.total == 20);

    // A private card that holds the words as typed changes nothing for anyone else; its
    // namespace sees its card, as typed.
    auto with_private = cards;
    with_private.push_back(card("Secret/stable-difusion", "stable difusion notes"));
    with_private.back().is_private = true;
    with_private.back().author = "Secret";
    auto p = build(with_private);
    auto others = search(p.searcher, "stable difusion");
    CHECK(others.total == stable.total);
    CHECK(others.corrected.size() == stable.corrected.size());
    CHECK(others.suggestion == stable.suggestion);
    auto mine = search(p.searcher, "stable difusion", {"Secret"});
    CHECK(mine.corrected.empty());
    REQUIRE(mine.total == 1);
    CHECK(mine.hits[0].card.id == "Secret/stable-difusion");
}

TEST_CASE("quoted phrases, fields, exclusions and wildcards are left as typed", "[query][typo]") {
    auto b = build(diffusion_cards());
    CHECK(search(b.searcher, "whipser").corrected.size() == 1);
    for (const std::string text : {"\"whipser models\"",
                                   "title:whipser",
                                   "-whipser models",
                                   "whipser*",
                                   "+whipser",
                                   "whipser2",
                                   "whipser-models"}) {
        INFO(text);
        CHECK(search(b.searcher, text).corrected.empty());
    }
    CHECK(
        typo_words("stable \"difusion model\" -bert +gpt title:x (wispher OR lamma), 3d*").size() ==
        3);  // stable, wispher, lamma
}

TEST_CASE("a word only private cards hold is never a correction or a suggestion",
          "[query][typo][privacy]") {
    // The same public cards with and without private cards whose words appear nowhere else
    // (two of them, so they would pass the dictionary's minimum): anonymous callers get the
    // same answers from both.
    auto pub = diffusion_cards();
    auto with_private = pub;
    for (const std::string id : {"Secret/a", "Secret/b"}) {
        with_private.push_back(card(id, "zqxquokkanator archive newspapers"));
        with_private.back().is_private = true;
        with_private.back().author = "Secret";
    }
    auto a = build(pub);
    auto b = build(with_private);
    for (const std::string text : {"zqxquokkanatr",
                                   "zqxquokanator",
                                   "zqxquokkanators",
                                   "whipser",
                                   "difusion models",
                                   "newspapres"}) {
        INFO(text);
        auto ra = search(a.searcher, text);
        auto rb = search(b.searcher, text);
        CHECK(ra.suggestion == rb.suggestion);
        CHECK(ra.total == rb.total);
        CHECK(ra.corrected.size() == rb.corrected.size());
        CHECK(rb.suggestion.find("zqxquokkanator") == std::string::npos);
        for (const auto& c : rb.corrected) {
            for (const auto& t : c.to) CHECK(t != "zqxquokkanator");
        }
    }
    // The namespace's own caller is not corrected either: the dictionary is public words.
    CHECK(search(b.searcher, "zqxquokkanatr", {"Secret"}).corrected.empty());
}

TEST_CASE("spellings whose cards went private or were deleted since the build are not offered",
          "[query][typo][privacy]") {
    // The vocabulary and the dictionary are the build's (index/typo.h); an upsert changes
    // neither, so what is offered is checked against the cards' text as it is now.
    std::vector<Card> cards = diffusion_cards();
    for (int i = 0; i < 3; ++i)
        cards.push_back(card("lab/q" + std::to_string(i), "quokkanator archive"));
    // One card's word: not in the dictionary, but the suggestion of last resort finds it.
    cards.push_back(card("solo/z", "zanzibarite archive"));
    auto built = build(cards);
    auto before = search(built.searcher, "quokkanatr");
    REQUIRE(before.corrected.size() == 1);
    CHECK(before.corrected[0].to == std::vector<std::string>{"quokkanator"});
    CHECK(search(built.searcher, "zanzibrite").suggestion == "zanzibarite");
    {
        auto w = index::IndexWriter::open(built.dir->str());
        REQUIRE(w.has_value());
        std::vector<Card> now_private;
        for (int i = 0; i < 3; ++i) {
            now_private.push_back(card("lab/q" + std::to_string(i), "quokkanator archive"));
            now_private.back().is_private = true;
        }
        REQUIRE(w->upsert(now_private).has_value());
        REQUIRE(w->remove({{CardType::Model, "solo/z"}}).has_value());
    }
    auto s = Searcher::open(built.dir->str());
    REQUIRE(s.has_value());
    auto after = search(*s, "quokkanatr");
    CHECK(after.corrected.empty());
    CHECK(after.suggestion.find("quokkanator") == std::string::npos);
    CHECK(search(*s, "zanzibrite").suggestion.empty());
    // The namespace sees its own cards by the word itself, never by a correction.
    CHECK(search(*s, "quokkanator", {"lab"}).total == 3);
    CHECK(search(*s, "quokkanatr", {"lab"}).corrected.empty());
}

TEST_CASE("a damaged spelling vocabulary fails text searches naming it, and listings still answer",
          "[query][typo][fault]") {
    // The vocabulary is read once per index, on the first text search (Lexicon::of). Damage
    // to it must surface as DataLoss that names the metadata key, never as a crash or as
    // silently missing corrections, and must not take down searches that never read it.
    auto dir = test::build_fixture_index(diffusion_cards());
    auto gen = index::live_generation(dir->str());
    REQUIRE(gen.has_value());
    {
        Xapian::WritableDatabase db(gen.value(), Xapian::DB_OPEN | Xapian::DB_BACKEND_GLASS);
        db.set_metadata(std::string(index::kMetaWords), "cardex-typo/1\nnot zstd");
        db.commit();
    }
    auto s = Searcher::open(dir->str());
    REQUIRE(s.has_value());
    SearchRequest text;
    text.text = "difusion";
    auto bad = s->search(text);
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().code == Errc::DataLoss);
    CHECK(bad.error().detail == index::kMetaWords);
    // A listing does not read the vocabulary: it answers with every card.
    auto listing = s->search(SearchRequest{});
    REQUIRE(listing.has_value());
    CHECK(listing->total == diffusion_cards().size());
    // The error is not cached as an answer: the next text search reports it again.
    auto again = s->search(text);
    REQUIRE_FALSE(again.has_value());
    CHECK(again.error().code == Errc::DataLoss);
}

TEST_CASE("the last words are left out when no card holds them all", "[query][fewer]") {
    auto b = build(diffusion_cards());
    // "zzyzx" and "qwop" are in no card: left out one at a time from the end.
    auto r = search(b.searcher, "diffusion images zzyzx");
    CHECK(r.dropped == std::vector<std::string>{"zzyzx"});
    CHECK(r.total == 24);  // diffusion AND images: the 24 lab cards (solo/tutorial says difusion)
    auto two = search(b.searcher, "whisper speech qwop zzyzx");
    CHECK(two.dropped == std::vector<std::string>{"qwop", "zzyzx"});
    CHECK(two.total == 2);
    // Words as typed, punctuation and case kept.
    CHECK(search(b.searcher, "Whisper v2.0").dropped == std::vector<std::string>{"v2.0"});
    // Nothing left out when the words match, when the only word matches nothing, and for
    // text with quotes, operators or fields (the user asked for exactly that).
    CHECK(search(b.searcher, "diffusion images").dropped.empty());
    auto none = search(b.searcher, "zzyzx");
    CHECK(none.total == 0);
    CHECK(none.dropped.empty());
    for (const std::string text : {"\"diffusion images\" zzyzx",
                                   "\"images diffusion\"",
                                   "diffusion AND zzyzx",
                                   "diffusion +zzyzx",
                                   "-diffusion -images -whisper -speech",
                                   "(diffusion OR whisper) zzyzx",
                                   "diffusion zzyzx*",
                                   "diffusion title:zzyzx"}) {
        INFO(text);
        auto exact = search(b.searcher, text);
        CHECK(exact.total == 0);
        CHECK(exact.dropped.empty());
    }
    // Plain BM25 (the evaluation's baseline) is the query as typed.
    SearchRequest plain;
    plain.text = "diffusion images zzyzx";
    plain.plain_bm25 = true;
    auto p = b.searcher.search(plain);
    REQUIRE(p.has_value());
    CHECK(p->total == 0);
    CHECK(p->dropped.empty());
}

TEST_CASE("leaving words out is decided on what the caller sees, and its pages follow cursors",
          "[query][fewer]") {
    auto cards = diffusion_cards();
    auto with_private = cards;
    with_private.push_back(card("Secret/zzyzx", "diffusion images zzyzx"));
    with_private.back().is_private = true;
    with_private.back().author = "Secret";
    auto a = build(cards);
    auto b = build(with_private);
    // Others see what they would see without the private card; its namespace sees its card
    // with every word.
    auto public_view = search(a.searcher, "diffusion images zzyzx");
    auto others = search(b.searcher, "diffusion images zzyzx");
    CHECK(others.total == public_view.total);
    CHECK(others.dropped == public_view.dropped);
    auto mine = search(b.searcher, "diffusion images zzyzx", {"Secret"});
    CHECK(mine.dropped.empty());
    REQUIRE(mine.total == 1);
    CHECK(mine.hits[0].card.id == "Secret/zzyzx");

    // Cursors of a search with words left out page through the same hits: each page is
    // the same request, read the same way.
    SearchRequest r;
    r.text = "diffusion images zzyzx";
    r.limit = 5;
    std::vector<std::string> paged;
    for (int page = 0; page < 10; ++page) {
        auto resp = a.searcher.search(r);
        REQUIRE(resp.has_value());
        CHECK(resp->dropped == std::vector<std::string>{"zzyzx"});
        for (const auto& h : resp->hits) paged.push_back(h.card.id);
        if (resp->next_cursor.empty()) break;
        r.cursor = resp->next_cursor;
    }
    std::vector<std::string> all;
    for (const auto& h : public_view.hits) all.push_back(h.card.id);
    CHECK(paged == all);
}
