#pragma once
// The normalization tables: languages (ISO 639 with macrolanguages), licenses, tasks.
//
// They are data files in data/tables/ (see data/tables/README.md), loaded once at start-up.
// A Tables object is immutable after load: share it between threads freely.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cardex/index/result.h"

namespace cardex::ingest {

struct Language {
    std::string code;   ///< canonical: ISO 639-1 if it exists, else 639-3
    std::string macro;  ///< canonical code of its macrolanguage, or ""
    std::string name;   ///< English name
    char scope = 'I';   ///< I individual, M macrolanguage, S special
};

struct License {
    std::string hub_id;  ///< "apache-2.0"
    std::string spdx;    ///< "Apache-2.0", or ""
    std::string reuse;   ///< open | open-conditions | non-commercial | restricted | unknown
    std::string name;
};

struct Task {
    std::string pipeline_tag;
    std::string modality;
    std::string name;
};

/// What a non-language value in `language:` means ("multilingual", "code").
enum class SpecialLanguage { Multilingual, Code, Ignore };

class Tables {
public:
    /// Loads data/tables/*.tsv from `dir`. InvalidArgument naming the file and line on a
    /// malformed row; NotFound if a file is missing.
    static Result<std::shared_ptr<const Tables>> load(const std::string& dir);
    /// The directory the tables are read from by default: $CARDEX_TABLES, else the
    /// installed share directory, else the source tree's data/tables.
    static std::string default_dir();

    /// A language by any code, alias or name (ASCII case-insensitive, blanks collapsed):
    /// "en", "eng", "English", "zh-CN", "Bokmål". Names only for values longer than 3
    /// characters; a BCP-47 tag falls back to its primary subtag as a code. nullptr if
    /// unknown. (The contract of data/tables/README.md, without NFC normalization.)
    const Language* language(std::string_view raw) const;
    std::optional<SpecialLanguage> special_language(std::string_view raw) const;
    const Language* language_by_code(std::string_view code) const;
    /// A license by Hub id, SPDX id or a known spelling. nullptr if unknown.
    const License* license(std::string_view raw) const;
    const Task* task(std::string_view pipeline_tag_or_alias) const;
    /// Whether `value` is, exactly as written, a pipeline type the Hub shows as a model's
    /// pipeline_tag: a pipeline tag of tasks.tsv or of legacy_pipeline_tags.tsv.
    bool is_pipeline_tag(std::string_view value) const;
    /// The pipeline tag of a dataset task id ("named-entity-recognition" -> token-
    /// classification), or "". Same resolution as resolve_task.
    std::string_view task_of_task_id(std::string_view task_id) const;
    /// A pipeline_tag, task_categories or task_ids value -> its task: a pipeline tag or
    /// alias, a row of task_ids.tsv, or a legacy `<head>-other-<text>` id through its head
    /// (bare `other-...` is `other`). nullptr when it maps to no pipeline tag.
    const Task* resolve_task(std::string_view raw) const;

    /// Words and phrases that name a language, a task or a license, for query
    /// understanding: phrase (lower-case) -> canonical value.
    const std::unordered_map<std::string, std::string>& language_words() const {
        return language_words_;
    }
    const std::unordered_map<std::string, std::string>& task_words() const { return task_words_; }
    const std::unordered_map<std::string, std::string>& license_words() const {
        return license_words_;
    }
    const std::vector<Language>& languages() const { return languages_; }
    const std::vector<License>& licenses() const { return licenses_; }
    const std::vector<Task>& tasks() const { return tasks_; }

private:
    std::vector<Language> languages_;
    std::vector<License> licenses_;
    std::vector<Task> tasks_;
    std::unordered_map<std::string, std::size_t> language_keys_;  // codes and aliases -> index
    std::unordered_map<std::string, std::size_t> language_names_;     // English names
    std::unordered_map<std::string, std::size_t> language_any_code_;  // 639-1/2B/2T/3 codes
    std::unordered_map<std::string, std::size_t> language_codes_;
    std::unordered_map<std::string, SpecialLanguage> special_;
    std::unordered_map<std::string, std::size_t> license_keys_;
    std::unordered_map<std::string, std::size_t> task_keys_;
    std::unordered_map<std::string, std::string> task_ids_;
    std::vector<std::string> legacy_pipeline_tags_;
    std::unordered_map<std::string, std::string> language_words_;
    std::unordered_map<std::string, std::string> task_words_;
    std::unordered_map<std::string, std::string> license_words_;
};

}  // namespace cardex::ingest
