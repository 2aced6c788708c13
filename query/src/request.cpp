// The request's small vocabulary: sort names (request.h).
#include "cardex/query/request.h"

namespace cardex::query {

std::optional<Sort> parse_sort(std::string_view t) noexcept {
    if (t == "relevance" || t == "score") return Sort::Relevance;
    if (t == "downloads") return Sort::Downloads;
    if (t == "likes") return Sort::Likes;
    if (t == "trending" || t == "trendingScore") return Sort::Trending;
    if (t == "created" || t == "createdAt") return Sort::Created;
    if (t == "modified" || t == "lastModified") return Sort::Modified;
    if (t == "quality") return Sort::Quality;
    return std::nullopt;
}

const char* sort_name(Sort s) noexcept {
    switch (s) {
        case Sort::Relevance:
            return "relevance";
        case Sort::Downloads:
            return "downloads";
        case Sort::Likes:
            return "likes";
        case Sort::Trending:
            return "trending";
        case Sort::Created:
            return "created";
        case Sort::Modified:
            return "modified";
        case Sort::Key:
            return "key";
        case Sort::Quality:
            return "quality";
    }
    return "relevance";
}

}  // namespace cardex::query
