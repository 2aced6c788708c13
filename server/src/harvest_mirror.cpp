// The listing's expand= keys and the mirror's ids (harvest_mirror.h).
#include "harvest_mirror.h"

#include <string_view>

#include <xapian.h>

#include "cardex/index/schema.h"
#include "cardex/index/store.h"

namespace cardex::server::harvesting {

using index::CardType;

namespace {

// What a mirror keeps of a repository, by the names the Hub's `expand` knows
// (docs/HUB-API.md §8). `full=true&cardData=true` leaves out downloadsAllTime, usedStorage,
// safetensors and gguf (so the parameter-count filter and repo info would differ), and on
// the Hub brings every file name (`siblings`), which a mirror of cards does not need.
constexpr std::string_view kModelExpand[] = {"author",
                                             "cardData",
                                             "createdAt",
                                             "disabled",
                                             "downloads",
                                             "downloadsAllTime",
                                             "gated",
                                             "gguf",
                                             "lastModified",
                                             "library_name",
                                             "likes",
                                             "pipeline_tag",
                                             "private",
                                             "safetensors",
                                             "tags",
                                             "trendingScore",
                                             "usedStorage"};
constexpr std::string_view kDatasetExpand[] = {"author",
                                               "cardData",
                                               "createdAt",
                                               "description",
                                               "disabled",
                                               "downloads",
                                               "downloadsAllTime",
                                               "gated",
                                               "lastModified",
                                               "likes",
                                               "private",
                                               "tags",
                                               "trendingScore",
                                               "usedStorage"};
constexpr std::string_view kSpaceExpand[] = {"author",
                                             "cardData",
                                             "createdAt",
                                             "disabled",
                                             "lastModified",
                                             "likes",
                                             "private",
                                             "sdk",
                                             "tags",
                                             "trendingScore",
                                             "usedStorage"};

}  // namespace

std::string expand_query(CardType type) {
    std::string q;
    auto add = [&](const auto& keys) {
        for (const auto k : keys) q.append("&expand=").append(k);
    };
    switch (type) {
        case CardType::Model:
            add(kModelExpand);
            break;
        case CardType::Dataset:
            add(kDatasetExpand);
            break;
        case CardType::Space:
            add(kSpaceExpand);
            break;
    }
    return q;
}

// The ids of the mirror's cards of one type, public and private: the unique id terms of
// the live generation and of each private database.
Result<std::vector<std::string>> mirror_ids(const std::string& dir, CardType type) {
    try {
        auto live = index::open_live(dir);
        if (!live) return std::move(live).error();
        std::vector<std::string> out;
        const std::string prefix = index::id_term(index::card_type_name(type), "");
        auto scan = [&](const Xapian::Database& db) {
            for (auto t = db.allterms_begin(prefix); t != db.allterms_end(prefix); ++t) {
                out.push_back((*t).substr(prefix.size()));
            }
        };
        scan(live->db);
        for (const auto& p : index::private_databases(live->generation)) {
            scan(Xapian::Database(p.path));
        }
        return out;
    } catch (const Xapian::Error& e) {
        return make_error(Errc::Internal, "reading the mirror's ids: " + e.get_msg(), dir);
    }
}

}  // namespace cardex::server::harvesting
