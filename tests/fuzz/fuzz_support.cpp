// Fixture index, vocabulary and failure reporting for the fuzz targets (fuzz_support.h).
#include "fuzz_support.h"

#include <array>

#include <simdjson.h>
#include <boost/json/parse.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <vector>

#include "cardex/index/store.h"
#include "cardex/ingest/sources.h"

namespace cardex::fuzz {

namespace fs = std::filesystem;

[[noreturn]] void fail(std::string_view what, std::string_view detail) {
    std::string shown;
    for (const char ch : detail.substr(0, 400)) {
        const auto u = static_cast<unsigned char>(ch);
        if (u < 0x20 || u >= 0x7F) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", u);
            shown += buf;
        } else {
            shown += ch;
        }
    }
    std::fprintf(stderr,
                 "fuzz invariant broken: %.*s: %s\n",
                 static_cast<int>(what.size()),
                 what.data(),
                 shown.c_str());
    std::abort();
}

std::uint32_t crc32_of(const char* p, std::size_t n) {
    static const std::array<std::uint32_t, 256> table = [] {
        std::array<std::uint32_t, 256> t{};
        for (std::uint32_t i = 0; i < 256; ++i) {
            std::uint32_t c = i;
            for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        return t;
    }();
    std::uint32_t c = 0xffffffffu;
    for (std::size_t i = 0; i < n; ++i)
        c = table[(c ^ static_cast<unsigned char>(p[i])) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

void set_u32(std::string& b, std::size_t at, std::uint32_t v) {
    for (std::size_t i = 0; i < 4; ++i) b[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

void set_u64(std::string& b, std::size_t at, std::uint64_t v) {
    set_u32(b, at, static_cast<std::uint32_t>(v));
    set_u32(b, at + 4, static_cast<std::uint32_t>(v >> 32));
}

bool valid_utf8(std::string_view text) {
    return simdjson::validate_utf8(text.data(), text.size());
}

bool json_object(std::string_view text) {
    boost::json::parse_options options;
    options.max_depth = 256;
    boost::system::error_code ec;
    const boost::json::value v = boost::json::parse(text, ec, {}, options);
    return !ec && v.is_object();
}

const std::shared_ptr<const index::Vocabulary>& vocabulary() {
    static const std::shared_ptr<const index::Vocabulary> t = [] {
        auto loaded = index::Vocabulary::load(index::Vocabulary::default_dir());
        if (!loaded) fail("vocabulary", loaded.error().message);
        return loaded.value();
    }();
    return t;
}

namespace {

struct FixtureDir {
    fs::path path;
    FixtureDir() {
        std::string tmpl = (fs::temp_directory_path() / "cardex-fuzz-XXXXXX").string();
        if (::mkdtemp(tmpl.data()) == nullptr) fail("mkdtemp", tmpl);
        path = tmpl;
    }
    ~FixtureDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

}  // namespace

const std::vector<index::Card>& fixture_cards() {
    static const std::vector<index::Card> cards = [] {
        std::vector<index::Card> out;
        const std::string source = std::string(CARDEX_FUZZ_DIR) + "/fixture_cards.jsonl";
        const auto report = ingest::read_cards(
            {source}, vocabulary(), {}, [&](index::Card&& c) { out.push_back(std::move(c)); });
        if (report.rejected > 0 || out.size() < 10) fail("fixture cards", source);
        return out;
    }();
    return cards;
}

const std::string& fixture_index_dir() {
    static const FixtureDir dir;
    static const std::string built = [] {
        std::vector<index::Card> cards = fixture_cards();
        index::BuildOptions options;
        options.threads = 1;
        options.vocabulary = vocabulary();  // filters and query words read as on a real index
        auto stats = index::build_index(dir.path.string(), std::move(cards), options);
        if (!stats) fail("fixture index", stats.error().message);
        return dir.path.string();
    }();
    return built;
}

query::Searcher& fixture_searcher() {
    static std::unique_ptr<query::Searcher> searcher = [] {
        auto opened = query::Searcher::open(fixture_index_dir());
        if (!opened) fail("open fixture index", opened.error().message);
        return std::make_unique<query::Searcher>(std::move(opened).value());
    }();
    return *searcher;
}

}  // namespace cardex::fuzz
