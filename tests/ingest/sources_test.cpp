// Ingest sources: every real metadata file read in full, CSV, directory trees, compressed
// files, format detection by content, and bad records named by source and reason.
#include <malloc.h>
#include <zlib.h>
#include <catch2/catch.hpp>
#if defined(__SANITIZE_ADDRESS__)
// ASan's allocator statistics (sanitizer/allocator_interface.h; GCC ships the library, not
// the header).
extern "C" std::size_t __sanitizer_get_current_allocated_bytes();
#endif
#include <zstd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "cardex/ingest/sources.h"
#include "ingest_support.h"
#include "support.h"

using cardex::index::Card;
using cardex::index::CardType;
using namespace cardex::ingest;
using cardex::test::Run;
using cardex::test::run;
using cardex::test::vocabulary;
namespace fs = std::filesystem;

namespace {

void write(const std::string& path, const std::string& text) {
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream f(path, std::ios::binary);
    f << text;
}

std::string meta(const std::string& file) {
    return cardex::test::real_data_file("metadata/" + file);
}

bool has(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

TEST_CASE("real 2023-10 model listing CSV: every row read as a metadata-only model", "[ingest][real][csv]") {
    auto r = run({meta("hub_models_2023-10_model_info.csv")});
    CHECK(r.report.read == 74970);
    CHECK(r.report.rejected == 0);
    CHECK(r.report.accepted == 74970);
    const Card* bert = r.find("bert-base-uncased");
    REQUIRE(bert);
    CHECK(bert->type == CardType::Model);
    CHECK(bert->author == "huggingface");  // legacy bare id: the author column says who
    CHECK(bert->downloads == 31924518);
    CHECK(bert->created_at == 1542238508);  // 2018-11-14T23:35:08Z
    REQUIRE_FALSE(bert->tasks.empty());
    CHECK(bert->tasks.front() == "fill-mask");
    CHECK(bert->modalities == std::vector<std::string>{"nlp"});
    CHECK(bert->markdown.empty());
    CHECK(bert->card_data_json == "{}");
}

TEST_CASE("real 2025-04 model_info dump (snake_case, card_data as YAML)", "[ingest][real][jsonl]") {
    auto r = run({meta("hub_models_2025-04_finetune_trees.jsonl")});
    CHECK(r.report.read == 1974);
    CHECK(r.report.rejected == 0);
    CHECK(r.report.accepted == 1974);
    const Card* c = r.find("0x6e676e/generate-context");
    REQUIRE(c);
    CHECK(c->type == CardType::Model);
    CHECK(c->library == "diffusers");
    CHECK(c->tasks.front() == "image-to-image");
    // Languages from card_data only: the API tag "art" is also an ISO 639 code.
    CHECK(c->languages == std::vector<std::string>{"en", "vi"});
    CHECK(has(c->datasets, "fka/awesome-chatgpt-prompts"));
    REQUIRE(c->base_models.size() == 1);
    CHECK(c->base_models[0].relation == "finetune");
    CHECK(c->card_data_json.find("\"new_version\":\"deepseek-ai/DeepSeek-R1\"") != std::string::npos);
    CHECK(c->created_at == 1738139362);  // "2025-01-29 08:29:22+00:00"
    // The one record without id/card_data still has model_id and its tags.
    const Card* bare = r.find("ykarout/phi-4-deepseek-reasoning-fp16");
    REQUIRE(bare);
    CHECK(bare->license == "");  // no card data: the license is known only as a tag
    CHECK(has(bare->tags, "license:apache-2.0"));
    std::size_t gated = 0;
    for (const auto& x : r.cards) gated += x.gated != cardex::index::Gated::No;
    CHECK(gated == 63);  // 47 auto + 16 manual
}

TEST_CASE("real datasets index: JSON array and snapshot history CSV", "[ingest][real][csv]") {
    auto latest = run({meta("hub_datasets_index_latest.json")});
    CHECK(latest.report.read == 1000);
    CHECK(latest.report.accepted == 1000);
    const Card* tong = latest.find("bigai/TongSIM-Asset");
    REQUIRE(tong);
    CHECK(tong->type == CardType::Dataset);  // from its url
    CHECK(tong->downloads == 12663);
    CHECK(tong->likes == 252);
    CHECK(tong->description == "TongSIM");

    // History: 50 snapshots; the latest row of each of the 11,989 ids is kept, the others
    // are reported as merged, not rejected.
    auto hist = run({meta("hub_datasets_index_history.csv")});
    CHECK(hist.report.read == 50000);
    CHECK(hist.report.accepted == 11989);
    CHECK(hist.report.rejected == 0);
    CHECK(hist.report.merged == 50000 - 11989);
    CHECK(hist.report.merged_by_reason.at("older-snapshot") == 50000 - 11989);
    REQUIRE(hist.report.notes.size() == 1);
    const Card* h = hist.find("bigai/TongSIM-Asset");
    REQUIRE(h);
    CHECK(h->type == CardType::Dataset);  // "datasets" in the file name; nothing else says
    CHECK(h->downloads == 12663);         // the 2026-01-01 snapshot

    // --type wins over the file name.
    SourceOptions as_space;
    as_space.default_type = CardType::Space;
    auto typed = run({meta("hub_datasets_index_history.csv")}, as_space);
    CHECK(typed.cards.front().type == CardType::Space);
}

TEST_CASE("CSV: header names, RFC 4180 quoting, bad rows named by line", "[ingest][csv]") {
    cardex::test::TempDir tmp;
    const std::string p = tmp.str() + "/listing.txt";  // the name says nothing
    write(p,
          "likes,id,Type,downloads,tags,readme,extra\r\n"
          "3,org/a,model,10,\"['x', 'y']\",\"---\r\nlicense: mit\r\n---\r\nSays \"\"hi\"\", on\r\ntwo lines\",z\r\n"
          "1,org/b,dataset,lots,,,\n"
          "2,org/c,model,5\n"
          "4,org/d,robot,1,,,\n"
          "5,\"org/e,7,,,,\n");
    auto r = run({p});
    CHECK(r.report.read == 5);
    CHECK(r.report.accepted == 2);
    REQUIRE(r.cards.size() == 2);
    const Card& a = r.cards[0];
    CHECK(a.id == "org/a");
    CHECK(a.likes == 3);
    CHECK(a.downloads == 10);
    CHECK(a.license == "mit");
    CHECK(a.body.find("Says \"hi\", on") != std::string::npos);
    CHECK(has(a.tags, "x"));
    CHECK(has(a.tags, "y"));
    const Card& b = r.cards[1];
    CHECK(b.type == CardType::Dataset);
    CHECK(b.downloads == 0);
    REQUIRE(r.report.warnings.size() == 1);
    CHECK(r.report.warnings[0].source == p + ":7");  // the quoted field spans lines 2-6
    CHECK(r.report.warnings[0].reason == "wrong-type");
    REQUIRE(r.report.rejections.size() == 3);
    CHECK(r.report.rejections[0].source == p + ":8");
    CHECK(r.report.rejections[0].reason == "csv");  // 4 fields, header has 7
    CHECK(r.report.rejections[1].reason == "bad-type");
    CHECK(r.report.rejections[2].reason == "csv");  // quote never closed
}

TEST_CASE("gzip and zstd are recognised by content, stdin-like unknown formats are reported", "[ingest][sources]") {
    cardex::test::TempDir tmp;
    const std::string line =
        R"({"id": "org/z", "type": "model", "readme": "---\nlanguage: [nb, nn]\n---\nhello"})" "\n";
    // gzip
    {
        gzFile g = gzopen((tmp.str() + "/a.data").c_str(), "wb");
        REQUIRE(g);
        gzwrite(g, line.data(), static_cast<unsigned>(line.size()));
        gzclose(g);
    }
    // zstd
    {
        std::string out(ZSTD_compressBound(line.size()), '\0');
        out.resize(ZSTD_compress(out.data(), out.size(), line.data(), line.size(), 3));
        write(tmp.str() + "/b.data", out);
    }
    write(tmp.str() + "/c.data", "this is not a card source\n");
    auto r = run({tmp.str() + "/a.data", tmp.str() + "/b.data", tmp.str() + "/c.data",
                  tmp.str() + "/missing.jsonl"});
    CHECK(r.report.accepted == 1);  // b is a duplicate of a
    REQUIRE(r.cards.size() == 1);
    CHECK(has(r.cards[0].language_groups, "no"));
    CHECK(r.report.rejected_by_reason.at("duplicate-id") == 1);
    CHECK(r.report.rejected_by_reason.at("format") == 1);
    CHECK(r.report.rejected_by_reason.at("unreadable") == 1);
}

TEST_CASE("directory trees: type from the parent, listing.json beside the README", "[ingest][tree]") {
    cardex::test::TempDir tmp;
    const std::string root = tmp.str() + "/hub";
    write(root + "/models/org/alpha/README.md", "---\nlicense: apache-2.0\n---\n# Alpha\n");
    write(root + "/models/org/alpha/listing.json",
          R"({"downloads": 42, "likes": "7", "tags": ["custom"], "gated": "manual"})");
    write(root + "/models/org/alpha/config.json", R"({"downloads": 999})");  // not a listing
    write(root + "/models/org/alpha/docs/README.md", "nested docs, not a card\n");
    write(root + "/datasets/squad/README.md", "---\ntask_ids: [extractive-qa]\n---\nSQuAD\n");
    write(root + "/spaces/org/demo/README.md",
          "---\ntitle: Demo App\nsdk: gradio\nshort_description: Try the model\n"
          "models: [org/alpha]\ndatasets: [squad]\n---\nLong text about this demo app and more words.\n");
    write(root + "/.git/README.md", "ignored");

    auto r = run({root});
    CHECK(r.report.rejected == 0);
    CHECK(r.report.merged == 1);  // the nested docs README
    REQUIRE(r.cards.size() == 3);
    const Card* alpha = r.find("org/alpha");
    REQUIRE(alpha);
    CHECK(alpha->type == CardType::Model);
    CHECK(alpha->downloads == 42);
    CHECK(alpha->likes == 7);  // a string in the listing: read with a warning
    CHECK(alpha->gated == cardex::index::Gated::Manual);
    CHECK(has(alpha->tags, "custom"));
    CHECK(alpha->license_spdx == "Apache-2.0");
    const Card* squad = r.find("squad");
    REQUIRE(squad);
    CHECK(squad->type == CardType::Dataset);
    CHECK(squad->tasks.front() == "question-answering");
    const Card* demo = r.find("org/demo");
    REQUIRE(demo);
    CHECK(demo->type == CardType::Space);
    CHECK(demo->title == "Demo App");
    CHECK(demo->description == "Try the model");
    CHECK(has(demo->tags, "gradio"));
    CHECK(has(demo->datasets, "squad"));
    CHECK(demo->card_data_json.find("\"models\":[\"org/alpha\"]") != std::string::npos);
    bool warned = false;
    for (const auto& w : r.report.warnings) warned |= w.reason == "wrong-type" && w.source.find("alpha") != std::string::npos;
    CHECK(warned);

    // The type directory can be the root itself, and a lone README.md is a source too.
    auto d = run({root + "/datasets"});
    REQUIRE(d.cards.size() == 1);
    CHECK(d.cards[0].id == "squad");
    CHECK(d.cards[0].type == CardType::Dataset);
    auto one = run({root + "/models/org/alpha/README.md"});
    REQUIRE(one.cards.size() == 1);
    CHECK(one.cards[0].id == "org/alpha");

    // A listing whose id is not the path's: its id wins, and the warning names the listing.
    const std::string gamma = tmp.str() + "/other/models/org/gamma";
    write(gamma + "/README.md", "---\nlicense: mit\n---\n# Gamma\n");
    write(gamma + "/listing.json", R"({"id": "org/gamma-renamed", "downloads": 5})");
    auto g = run({tmp.str() + "/other"});
    REQUIRE(g.cards.size() == 1);
    CHECK(g.cards[0].id == "org/gamma-renamed");
    CHECK(g.cards[0].downloads == 5);
    REQUIRE(g.report.warnings.size() == 1);
    CHECK(g.report.warnings[0].reason == "id-mismatch");
    CHECK(g.report.warnings[0].source == gamma + "/listing.json");

    // Without a type directory, --type decides.
    write(tmp.str() + "/plain/org/beta/README.md", "beta\n");
    SourceOptions o;
    o.default_type = CardType::Dataset;
    auto p = run({tmp.str() + "/plain"}, o);
    REQUIRE(p.cards.size() == 1);
    CHECK(p.cards[0].id == "org/beta");
    CHECK(p.cards[0].type == CardType::Dataset);
}

TEST_CASE("wrong types in JSON records are repaired or rejected, named", "[ingest][bad]") {
    cardex::test::TempDir tmp;
    const std::string p = tmp.str() + "/cards.jsonl";
    write(p,
          R"({"id": "a/1", "type": "model", "downloads": "12", "likes": -3, "tags": {"a": "b"}})" "\n"
          R"({"id": 5, "type": "model"})" "\n"
          R"({"id": "a/3", "type": 7})" "\n"
          R"({"id": "a/4", "readme": "---\nlanguage: 5\ntags: {a: b}\nlicense: [mit, 3]\n---\nx", "private": "true"})" "\n"
          R"({"id": "a/5", "readme": 12, "downloads": 1.5, "trendingScore": 2.5})" "\n");
    auto r = run({p});
    CHECK(r.report.read == 5);
    CHECK(r.report.accepted == 3);
    CHECK(r.report.rejected_by_reason.at("bad-id") == 1);
    CHECK(r.report.rejected_by_reason.at("bad-type") == 1);
    REQUIRE(r.cards.size() == 3);
    // The card with a README comes first; a/1 and a/5 (its readme is no string) are
    // listing records, delivered after it.
    const Card& a4 = r.cards[0];
    const Card& a1 = r.cards[1];
    const Card& a5 = r.cards[2];
    REQUIRE(a4.id == "a/4");
    REQUIRE(a1.id == "a/1");
    REQUIRE(a5.id == "a/5");
    CHECK(a1.downloads == 12);
    CHECK(a1.likes == 0);
    CHECK(a1.tags.empty());
    CHECK(a4.languages.empty());
    CHECK(a4.license == "mit");
    CHECK(a4.is_private);
    CHECK(a5.downloads == 0);
    CHECK(a5.trending_score == 2.5);
    CHECK(r.report.repaired == 3);
    std::map<std::string, int> by_source;
    for (const auto& w : r.report.warnings) {
        CHECK(w.reason == "wrong-type");
        ++by_source[w.source];
    }
    CHECK(by_source[p + ":1"] == 3);  // downloads, likes, tags
    CHECK(by_source[p + ":4"] == 4);  // language, tags, license item, private
    CHECK(by_source[p + ":5"] == 2);  // readme, downloads
}

TEST_CASE("an over-size card is rejected, the rest of the file is read", "[ingest][bad]") {
    cardex::test::TempDir tmp;
    const std::string p = tmp.str() + "/cards.jsonl";
    write(p, "{\"id\": \"a/big\", \"readme\": \"" + std::string(5000, 'x') + "\"}\n"
             "{\"id\": \"a/small\", \"readme\": \"ok\"}\n");
    SourceOptions o;
    o.limits.max_readme_bytes = 4096;
    auto r = run({p}, o);
    CHECK(r.report.accepted == 1);
    REQUIRE(r.report.rejections.size() == 1);
    CHECK(r.report.rejections[0].reason == "too-large");
    CHECK(r.report.rejections[0].source == p + ":1");
}

namespace {

// read_cards_from_text, with the same bookkeeping check as run().
Run run_text(const std::string& text, const std::string& name = "mem.jsonl") {
    Run r;
    r.report = read_cards_from_text(text, name, vocabulary(), {}, [&](Card&& c) { r.cards.push_back(std::move(c)); });
    CHECK(r.report.read == r.report.accepted + r.report.rejected + r.report.merged);
    return r;
}

const std::string kBom = "\xEF\xBB\xBF";

}  // namespace

TEST_CASE("a byte-order mark before the first record is skipped in every format", "[ingest][bom]") {
    cardex::test::TempDir tmp;
    const std::string jsonl = kBom + R"({"id": "org/first", "readme": "# First"})"
                                     "\n"
                                     R"({"id": "org/second"})"
                                     "\n";
    const std::string array =
        kBom + R"([{"id": "org/first", "downloads": 3}, {"modelId": "org/second"}])";
    const std::string csv = kBom + "id,downloads\norg/first,3\norg/second,4\n";
    for (const auto& [name, text] : {std::pair{"cards.jsonl", jsonl},
                                     std::pair{"items.json", array},
                                     std::pair{"listing.csv", csv}}) {
        INFO(name);
        const std::string path = tmp.str() + "/" + name;
        write(path, text);
        for (const Run& r : {run({path}), run_text(text, name)}) {
            CHECK(r.report.rejected == 0);
            REQUIRE(r.cards.size() == 2);
            CHECK(r.cards[0].id == "org/first");
            CHECK(r.cards[1].id == "org/second");
        }
    }
    // Line numbers still count from the file's first line.
    auto bad = run_text(kBom + R"({"id": "org/a"})"
                                "\n"
                                "not json\n");
    REQUIRE(bad.report.rejections.size() == 1);
    CHECK(bad.report.rejections[0].source == "mem.jsonl:2");
}

TEST_CASE("a record with a bad id is rejected with its place and the id escaped", "[ingest][id]") {
    auto r = run_text(R"({"id": "org/ok"})"
                       "\n"
                       R"({"id": "org/\u001b[31mred"})"
                       "\n"
                       R"({"id": "org/a\u0000b"})"
                       "\n"
                       R"({"id": "org/\u202eevil"})"
                       "\n"
                       R"({"id": "../../etc/passwd"})"
                       "\n"
                       R"({"id": "a\\b"})"
                       "\n"
                       R"({"id": "https://huggingface.co/datasets/org/from-url"})"
                       "\n");
    CHECK(r.report.accepted == 2);
    REQUIRE(r.report.rejections.size() == 5);
    for (std::size_t i = 0; i < r.report.rejections.size(); ++i) {
        const Issue& issue = r.report.rejections[i];
        INFO(issue.message);
        CHECK(issue.source == "mem.jsonl:" + std::to_string(i + 2));
        CHECK(issue.reason == "bad-id");
        CHECK(issue.message.rfind("bad id '", 0) == 0);
        for (const char ch : issue.message) {
            CHECK(static_cast<unsigned char>(ch) >= 0x20);
            CHECK(static_cast<unsigned char>(ch) < 0x7F);
        }
    }
    CHECK(r.report.rejections[0].message.find("org/\\x1b[31mred") != std::string::npos);
    CHECK(r.report.rejections[2].message.find("org/\\xe2\\x80\\xaeevil") != std::string::npos);
    REQUIRE(r.cards.size() == 2);
    CHECK(r.cards[1].id == "org/from-url");
}

TEST_CASE("sources read through a mapping give exactly the cards read from memory",
          "[ingest][sources][mapped]") {
    // map_above = 0 maps every source: a plain file directly, a compressed one through a
    // temporary file. The cards, the report and its messages must not change.
    cardex::test::TempDir tmp;
    const std::string models = cardex::test::real_data_file("cards/models.jsonl");
    const std::string listing = meta("hub_models_2025-04_finetune_trees.jsonl");
    // A plain copy of the zstd cards (the plain mapping), and a gzip one (two members, as
    // `cat a.gz b.gz` writes, whose second member starts exactly where a read may end).
    auto bytes = cardex::ingest::read_source_bytes(models);
    REQUIRE(bytes.has_value());
    write(tmp.str() + "/models.jsonl", *bytes);
    {
        gzFile g = gzopen((tmp.str() + "/models.jsonl.gz").c_str(), "wb");
        REQUIRE(g);
        const std::size_t half = bytes->find('\n', bytes->size() / 2) + 1;
        gzwrite(g, bytes->data(), static_cast<unsigned>(half));
        gzclose(g);
        g = gzopen((tmp.str() + "/models.jsonl.gz").c_str(), "ab");
        REQUIRE(g);
        gzwrite(g, bytes->data() + half, static_cast<unsigned>(bytes->size() - half));
        gzclose(g);
    }
    // A JSON array of listing items, mapped too.
    std::string array = "[";
    std::size_t start = 0;
    auto lbytes = cardex::ingest::read_source_bytes(listing);
    REQUIRE(lbytes.has_value());
    for (std::size_t eol; (eol = lbytes->find('\n', start)) != std::string::npos; start = eol + 1) {
        if (eol == start) continue;
        if (array.size() > 1) array += ",\n";
        array.append(*lbytes, start, eol - start);
    }
    array += "]";
    write(tmp.str() + "/listing.json", array);

    SourceOptions mapped;
    mapped.map_above = 0;
    for (const auto& sources :
         std::vector<std::vector<std::string>>{{models, listing},
                                               {tmp.str() + "/models.jsonl", listing},
                                               {tmp.str() + "/models.jsonl.gz"},
                                               {tmp.str() + "/listing.json"}}) {
        INFO(sources.front());
        auto in_memory = run(sources);
        auto through_map = run(sources, mapped);
        REQUIRE(in_memory.cards.size() > 1000);
        CHECK(through_map.report.read == in_memory.report.read);
        CHECK(through_map.report.rejected == in_memory.report.rejected);
        REQUIRE(through_map.cards.size() == in_memory.cards.size());
        std::size_t differ = 0;
        for (std::size_t i = 0; i < in_memory.cards.size(); ++i) {
            // The source names the file; the rest is the card.
            differ += !(through_map.cards[i] == in_memory.cards[i]);
        }
        CHECK(differ == 0);
    }
    // A truncated gzip source is refused whole, mapped or not.
    const std::string gz = tmp.str() + "/models.jsonl.gz";
    const auto size = fs::file_size(gz);
    fs::resize_file(gz, size / 2);
    auto cut = run({gz}, mapped);
    CHECK(cut.cards.empty());
    CHECK(cut.report.rejected_by_reason.at("format") == 1);
}

TEST_CASE("a read stops soon after its stop flag is set, and says so", "[ingest][stop]") {
    // Three sources of 2,000 cards each; the sink refuses from the 10th card on (as reindex's
    // does when its spill cannot be written) and sets the flag: the chunk being delivered
    // (512 records) ends, no other is parsed, and no other source is read.
    cardex::test::TempDir tmp;
    std::vector<std::string> paths;
    for (int f = 0; f < 3; ++f) {
        std::string text;
        for (int i = 0; i < 2000; ++i)
            text += "{\"id\": \"o" + std::to_string(f) + "/m" + std::to_string(i) +
                    "\", \"readme\": \"a card\"}\n";
        paths.push_back(tmp.str() + "/cards" + std::to_string(f) + ".jsonl");
        write(paths.back(), text);
    }
    std::atomic<bool> stop{false};
    SourceOptions o;
    o.stop = &stop;
    std::size_t seen = 0;
    auto report = read_cards(paths, vocabulary(), o, [&](Card&&) {
        if (++seen == 10) stop = true;
    });
    CHECK(report.stopped);
    CHECK(report.accepted == 512);
    CHECK(report.read == 512);
    // Without the flag the same read takes every card.
    auto whole = read_cards(paths, vocabulary(), {}, [](Card&&) {});
    CHECK_FALSE(whole.stopped);
    CHECK(whole.accepted == 6000);
}

TEST_CASE("duplicate ids among thousands of cards: each id once, per type", "[ingest][sources]") {
    // Enough keys for the reader's set of ids to grow its table several times and fill
    // more than one block, with ids of up to 96 bytes (ingest's limit) straddling block ends.
    cardex::test::TempDir tmp;
    const std::string p = tmp.str() + "/many.jsonl";
    std::string lines;
    auto id_of = [](int i) {
        std::string name = "m" + std::to_string(i) + "-";
        name.append(static_cast<std::size_t>(1 + i % 80), 'x');  // 9 to 92 bytes in all
        return "org" + std::to_string(i % 7) + "/" + name;
    };
    auto line = [](const std::string& id, const char* type) {
        // A README each: records without one are listing rows, which merge by id instead.
        return std::string(R"({"id": ")") + id + R"(", "type": ")" + type +
               R"(", "readme": "---\nlicense: mit\n---\n# Card\n"})" + "\n";
    };
    constexpr int kIds = 6000;
    for (int i = 0; i < kIds; ++i) lines += line(id_of(i), "model");
    for (int i = 0; i < kIds; i += 3) lines += line(id_of(i), "model");     // 2000 repeats
    for (int i = 0; i < kIds; i += 5) lines += line(id_of(i), "dataset");   // not repeats
    for (int i = 0; i < kIds; i += 10) lines += line(id_of(i), "dataset");  // 600 repeats
    write(p, lines);
    auto r = run({p});
    CHECK(r.report.accepted == kIds + kIds / 5);
    CHECK(r.report.rejected_by_reason["duplicate-id"] == kIds / 3 + kIds / 10);
    REQUIRE(r.cards.size() == static_cast<std::size_t>(kIds + kIds / 5));
    std::set<std::pair<int, std::string>> seen;
    for (const auto& c : r.cards) {
        CHECK(seen.emplace(static_cast<int>(c.type), c.id).second);
    }
}

namespace {

// Bytes the heap holds now: the sanitizer's count under ASan (whose quarantine keeps freed
// blocks in RSS, so RSS would not show it), glibc's arena figures otherwise.
std::size_t live_heap_bytes() {
#if defined(__SANITIZE_ADDRESS__)
    return __sanitizer_get_current_allocated_bytes();
#else
    const struct mallinfo2 m = mallinfo2();
    return m.uordblks + m.hblkhd;
#endif
}

}  // namespace

TEST_CASE("JSON Lines are split batch by batch: the first card comes before the rest is listed",
          "[ingest][sources][memory]") {
    // Listing one Job per line before parsing any (about 160 bytes each, its `path:line` name
    // included) held 160 MB of a 1M-line source before its first card (docs/PERFORMANCE.md,
    // "Jobs listed batch by batch"). The heap is sampled when the first card arrives, against
    // just before the read: that one moment tells a listed source from a streamed one.
    cardex::test::TempDir tmp;
    const std::string p = tmp.str() + "/many-models.jsonl";
    constexpr int kLines = 60000;
    std::string lines;
    for (int i = 0; i < kLines; ++i) {
        lines += R"({"id": "org/m)" + std::to_string(i) + R"(", "readme": "# M"})" + "\n";
    }
    write(p, lines);
    SourceOptions mapped;  // the file is mapped and released as read, not held as a string
    mapped.map_above = 0;
    // A small read first: what a process allocates once (the vocabulary, the parsers'
    // tables), run alone as CTest runs it, is not what is measured.
    const auto vocab = vocabulary();
    std::size_t few = 0;  // past the 64 records below which a read takes one thread
    for (int i = 0; i < 100; ++i) few = lines.find('\n', few) + 1;
    write(tmp.str() + "/few-models.jsonl", lines.substr(0, few));
    read_cards({tmp.str() + "/few-models.jsonl"}, vocab, mapped, [](Card&&) {});
    const std::size_t before = live_heap_bytes();
    std::size_t at_first = 0, cards = 0;
    auto report = read_cards({p}, vocab, mapped, [&](Card&&) {
        if (cards++ == 0) at_first = live_heap_bytes();
    });
    CHECK(report.accepted == kLines);
    CHECK(cards == kLines);
    // Listed up front, the jobs alone would be about 9.6 MB here; a batch is 512 of them.
    INFO("heap growth at the first card: " << (at_first - before) << " bytes");
    CHECK(at_first < before + (std::size_t{3} << 20));
}

TEST_CASE("listing records and cards over thousands of lines: each merged or read once",
          "[ingest][sources][hub]") {
    // Several batches in every pass: listing records (no README) fold by id in pass 1, READMEs
    // take them in pass 2, and the listing records no README took are read again in pass 3,
    // picked out of a fresh walk over the source's lines. Blank lines still count in names.
    cardex::test::TempDir tmp;
    const std::string p = tmp.str() + "/models.jsonl";
    constexpr int kIds = 3000;
    std::string text;
    int line_no = 0, bad_line = 0;
    auto add = [&](const std::string& l) {
        text += l + "\n";
        ++line_no;
    };
    auto id_of = [](int i) { return "org/m" + std::to_string(i); };
    for (int i = 0; i < kIds; ++i) {
        const bool readme = i % 3 != 2, listing = i % 2 == 0;
        const std::string rec =
            R"({"id": ")" + id_of(i) + R"(", "downloads": )" + std::to_string(1000 + i) + "}";
        if (listing && i % 4 == 0) add(rec);  // before its README, or after it
        if (readme)
            add(R"({"id": ")" + id_of(i) + R"(", "type": "model", "readme": "# M )" +
                std::to_string(i) + R"("})");
        if (listing && i % 4 != 0) add(rec);
        if (i % 7 == 0) add("");
        if (i == 2900) {
            add("{not json");
            bad_line = line_no;
        }
    }
    write(p, text);
    int with_readme = 0, listing_only = 0, taken = 0, listings = 0;
    for (int i = 0; i < kIds; ++i) {
        with_readme += i % 3 != 2;
        listing_only += i % 3 == 2 && i % 2 == 0;
        taken += i % 3 != 2 && i % 2 == 0;
        listings += i % 2 == 0;
    }
    SourceOptions mapped;
    mapped.map_above = 0;
    Run from_text;
    from_text.report = read_cards_from_text(
        text, p, vocabulary(), {}, [&](Card&& c) { from_text.cards.push_back(std::move(c)); });
    std::vector<Run> runs;
    runs.push_back(run({p}));              // read from memory, three times
    runs.push_back(run({p}, mapped));      // mapped, each pass's pages released
    runs.push_back(std::move(from_text));  // kept between passes, rewound
    for (const Run& run_ : runs) {
        const Run* r = &run_;
        CHECK(r->report.read == static_cast<std::size_t>(with_readme + listings + 1));
        CHECK(r->report.accepted == static_cast<std::size_t>(with_readme + listing_only));
        CHECK(r->report.merged_by_reason.at("listing-into-card") ==
              static_cast<std::size_t>(taken));
        REQUIRE(r->report.rejections.size() == 1);
        CHECK(r->report.rejections[0].source == p + ":" + std::to_string(bad_line));
        REQUIRE(r->cards.size() == static_cast<std::size_t>(with_readme + listing_only));
        // READMEs in source order, then the listing-only records in theirs.
        std::vector<int> order;
        for (const auto& c : r->cards) order.push_back(std::stoi(c.id.substr(5)));
        std::vector<int> want;
        for (int i = 0; i < kIds; ++i) {
            if (i % 3 != 2) want.push_back(i);
        }
        for (int i = 0; i < kIds; ++i) {
            if (i % 3 == 2 && i % 2 == 0) want.push_back(i);
        }
        CHECK(order == want);
        std::size_t wrong = 0;
        for (const auto& c : r->cards) {
            const int i = std::stoi(c.id.substr(5));
            wrong += c.downloads != (i % 2 == 0 ? 1000 + i : 0);
            wrong += c.type != CardType::Model;
        }
        CHECK(wrong == 0);
        // A listing-only card is named by its listing record's line.
        const Card& c = r->cards[static_cast<std::size_t>(with_readme)];
        CHECK(c.id == id_of(2));
        const std::size_t at = text.find(R"({"id": "org/m2", "downloads")");
        CHECK(c.source ==
              p + ":" +
                  std::to_string(1 + std::count(text.begin(),
                                                text.begin() + static_cast<std::ptrdiff_t>(at),
                                                '\n')));
    }
}
