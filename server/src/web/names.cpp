// Parses the embedded normalization tables into lookup maps, once.
#include "web/names.h"

#include <string_view>
#include <unordered_map>

#include "web/assets.h"

namespace cardex::server::web {
namespace {

struct Tables {
    std::unordered_map<std::string_view, LanguageInfo> languages;
    std::unordered_map<std::string_view, TaskInfo> tasks;
    std::unordered_map<std::string_view, LicenseInfo> licenses;
};

const Tables& tables() {
    static const Tables t = [] {
        Tables r;
        // code iso639_3 iso639_2b iso639_2t scope macro name aliases
        for_each_tsv_row(embedded("tables/languages.tsv"), [&](const auto& f) {
            if (f.size() < 7) return;
            r.languages.emplace(f[0], LanguageInfo{f[0], f[6], f[5], f[4] == "M"});
        });
        // pipeline_tag modality name aliases
        for_each_tsv_row(embedded("tables/tasks.tsv"), [&](const auto& f) {
            if (f.size() < 3) return;
            r.tasks.emplace(f[0], TaskInfo{f[0], f[1], f[2]});
        });
        // hub_id spdx reuse_class name aliases
        for_each_tsv_row(embedded("tables/licenses.tsv"), [&](const auto& f) {
            if (f.size() < 4) return;
            r.licenses.emplace(f[0], LicenseInfo{f[0], f[1], f[2], f[3]});
        });
        return r;
    }();
    return t;
}

template <class Map>
const typename Map::mapped_type* find_in(const Map& map, std::string_view key) noexcept {
    const auto it = map.find(key);
    return it == map.end() ? nullptr : &it->second;
}

}  // namespace

const LanguageInfo* language_info(std::string_view code) noexcept {
    return find_in(tables().languages, code);
}
const TaskInfo* task_info(std::string_view tag) noexcept { return find_in(tables().tasks, tag); }
const LicenseInfo* license_info(std::string_view id) noexcept {
    return find_in(tables().licenses, id);
}

}  // namespace cardex::server::web
