#pragma once
// Display names and groups of facet values, from data/tables (embedded at build time, so the
// server does not depend on cardex::ingest): languages with their macrolanguages, tasks with
// their modality, licenses with their reuse class. Private to cardex_server.
// Thread-safety: the tables are built once on first use and read-only afterwards.
#include <string_view>

namespace cardex::server::web {

struct LanguageInfo {
    std::string_view code;   ///< canonical code, as indexed ("nb")
    std::string_view name;   ///< English reference name ("Norwegian Bokmål")
    std::string_view macro;  ///< canonical code of its macrolanguage ("no"), or ""
    bool is_macro = false;   ///< a macrolanguage itself ("no", "zh", "ar")
};
/// nullptr for codes not in languages.tsv (and for "multilingual", "code").
const LanguageInfo* language_info(std::string_view code) noexcept;

struct TaskInfo {
    std::string_view tag;       ///< pipeline tag ("token-classification")
    std::string_view modality;  ///< nlp, cv, audio, multimodal, tabular, rl, other
    std::string_view name;      ///< "Token Classification"
};
const TaskInfo* task_info(std::string_view tag) noexcept;

struct LicenseInfo {
    std::string_view id;     ///< Hub license id ("apache-2.0")
    std::string_view spdx;   ///< "Apache-2.0" or ""
    std::string_view reuse;  ///< open, open-conditions, non-commercial, restricted, unknown
    std::string_view name;   ///< "Apache License 2.0"
};
const LicenseInfo* license_info(std::string_view id) noexcept;

/// Display orders of the groups.
inline constexpr std::string_view kModalities[] = {"nlp", "cv", "audio", "multimodal",
                                                   "tabular", "rl", "other"};
inline constexpr std::string_view kReuseClasses[] = {"open", "open-conditions", "non-commercial",
                                                     "restricted", "unknown"};

}  // namespace cardex::server::web
