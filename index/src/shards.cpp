#include "cardex/index/shards.h"

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <xapian.h>

#include "cardex/index/errors.h"
#include "cardex/index/schema.h"
#include "cardex/index/typo.h"
#include "internal.h"

namespace cardex::index {

namespace fs = std::filesystem;

std::string shard_dir(const std::string& dir, std::size_t shard) {
    char name[32];
    std::snprintf(name, sizeof name, "shard-%03zu", shard);
    return (fs::path(dir) / name).string();
}

Result<std::size_t> shard_count(const std::string& dir) {
    const fs::path path = fs::path(dir) / kShardsFile;
    std::error_code ec;
    if (!fs::exists(path, ec)) return std::size_t{0};
    std::ifstream in(path);
    std::string magic;
    long long k = 0;
    if (!(in >> magic >> k) || magic != "cardex-shards" || k < 1 || k > 1024) {
        return make_error(Errc::DataLoss,
                          "the SHARDS file does not read \"cardex-shards K\" (1 <= K <= 1024)",
                          path.string());
    }
    return static_cast<std::size_t>(k);
}

Status write_shard_count(const std::string& dir, std::size_t shards) {
    const fs::path path = fs::path(dir) / kShardsFile;
    const fs::path tmp = path.string() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << "cardex-shards " << shards << "\n";
        out.flush();
        if (!out) return make_error(Errc::Internal, "cannot write the shard count", tmp.string());
    }
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec)
        return make_error(
            Errc::Internal, "cannot write the shard count: " + ec.message(), path.string());
    return Ok{};
}

Status share_typo_dictionary(const std::vector<std::string>& staged) {
    try {
        // The shards hold disjoint cards, so the sum of their vocabularies is the
        // vocabulary of them all: a word of one card in each of two shards is a word of two.
        Xapian::Database all;
        WordCounts counts;
        for (const auto& p : staged) {
            Xapian::Database shard(p);
            all.add_database(shard);
            auto words = TypoDictionary::read_words(shard);
            if (!words) return std::move(words).error();
            const TypoDictionary& w = *words.value();
            for (std::size_t i = 0; i < w.size(); ++i)
                add_word_count(counts, w.word(i), w.docs_at(i));
        }
        const WordList words = sorted_words(std::move(counts));
        const std::string vocabulary = TypoDictionary::encode(words);
        const std::string typo = TypoDictionary::collect(all, words);
        for (const auto& p : staged) {
            Xapian::WritableDatabase db(p, Xapian::DB_OPEN | Xapian::DB_BACKEND_GLASS);
            db.set_metadata(std::string(kMetaWords), vocabulary);
            db.set_metadata(std::string(kMetaTypo), typo);
            db.commit();
        }
    } catch (const Xapian::Error& e) {
        return error_from_xapian(e, "writing the shards' typo dictionary failed");
    }
    return Ok{};
}

Result<std::vector<RemoteShard>> remote_shards(const std::string& dir) {
    std::ifstream in(fs::path(dir) / "XAPIANDB");
    std::vector<RemoteShard> out;
    bool local = false;
    std::string line;
    for (std::size_t n = 1; std::getline(in, line); ++n) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream words(line);
        std::string kind, where;
        words >> kind >> where;
        if (kind != "remote") {
            local = true;
            continue;
        }
        const std::string at = dir + "/XAPIANDB line " + std::to_string(n);
        const auto colon = where.rfind(':');
        unsigned port = 0;
        const char* end = where.data() + where.size();
        if (colon == std::string::npos || colon == 0 ||
            std::from_chars(where.data() + colon + 1, end, port).ptr != end || port == 0 ||
            port > 65535) {
            return make_error(Errc::InvalidArgument,
                              "a remote shard is `remote HOST:PORT` (Xapian's remote TCP backend)",
                              at + ": " + line.substr(0, 80));
        }
        out.push_back({where.substr(0, colon), port});
    }
    if (!out.empty() && local) {
        return make_error(Errc::InvalidArgument,
                          "a stub lists remote shards or local databases, not both",
                          dir + "/XAPIANDB");
    }
    return out;
}

}  // namespace cardex::index
