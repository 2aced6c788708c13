#pragma once
// The vocabulary: languages (ISO 639 codes, names, macrolanguages), licenses (Hub ids, SPDX
// ids, reuse classes) and tasks (pipeline tags, modalities, dataset task ids) that card
// metadata and filter values are normalized with.
//
// Its source is the tables of data/tables (data/tables/README.md). A build stores them in
// the index (user metadata `cardex:vocab:<file>`, see kMetaVocabPrefix), and everything that
// reads an index uses the vocabulary of the index it opened: live upserts normalize cards
// with it, the query side normalizes filter values and understands query words with it, and
// the page takes display names from it. So cards and requests are always read alike, even
// after data/tables changed (the next reindex takes the new tables).
//
// Immutable once made: share a std::shared_ptr<const Vocabulary> between threads freely.
// Lookups cost a hash lookup or two.
#include <array>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <xapian.h>

#include "cardex/index/result.h"
#include "cardex/index/schema.h"

namespace cardex::index {

struct Language {
    std::string code;                  ///< canonical: ISO 639-1 if it exists, else 639-3
    std::string macro;                 ///< canonical code of its macrolanguage, or ""
    std::string name;                  ///< English name ("Norwegian Bokmål")
    char scope = 'I';                  ///< I individual, M macrolanguage, S special, C collective
    std::vector<std::string> aliases;  ///< lower-case names, native names, legacy tags
};

struct License {
    std::string hub_id;  ///< "apache-2.0"
    std::string spdx;    ///< "Apache-2.0", or ""
    std::string reuse;   ///< one of kReuseClasses
    std::string name;    ///< "Apache License 2.0"
    std::vector<std::string> aliases;
};

struct Task {
    std::string pipeline_tag;          ///< "token-classification"
    std::string modality;              ///< nlp, cv, audio, multimodal, tabular, rl, other
    std::string name;                  ///< "Token Classification"
    std::vector<std::string> aliases;  ///< hand-written phrases and abbreviations ("ner")
};

/// A task's name in another language than English (task_names.tsv): "análisis de
/// sentimientos" is text-classification, written in Spanish.
struct TaskName {
    std::string language;            ///< canonical code of the language it is written in ("es")
    std::string pipeline_tag;        ///< a pipeline tag of tasks.tsv
    std::vector<std::string> names;  ///< lower-case, with their diacritics
};

/// What a non-language value in `language:` means ("multilingual", "code").
enum class SpecialLanguage { Multilingual, Code, Ignore };

/// The reuse classes of licenses.tsv, from most to least permissive.
inline constexpr std::array<std::string_view, 5> kReuseClasses{
    "open", "open-conditions", "non-commercial", "restricted", "unknown"};

class Vocabulary {
  public:
    /// The tables a vocabulary is made of: files of data/tables, and the names under
    /// kMetaVocabPrefix in an index.
    static constexpr std::array<std::string_view, 6> kTables{"languages.tsv",
                                                             "language_special.tsv",
                                                             "licenses.tsv",
                                                             "tasks.tsv",
                                                             "task_ids.tsv",
                                                             "legacy_pipeline_tags.tsv"};
    /// Tables a vocabulary may lack: an index built before one existed has none, and reads
    /// as if the table were empty.
    static constexpr std::array<std::string_view, 1> kOptionalTables{"task_names.tsv"};

    /// Reads the tables from `dir`. NotFound if a file of kTables is missing (one of
    /// kOptionalTables may be); InvalidArgument naming the file and line of a malformed row
    /// (in task_names.tsv also an unknown language code or pipeline tag).
    static Result<std::shared_ptr<const Vocabulary>> load(const std::string& dir);
    /// The directory reindex reads the tables from by default: $CARDEX_TABLES, else
    /// <prefix>/share/cardex/tables next to the installed executable, else the source
    /// tree's data/tables.
    static std::string default_dir();
    /// The vocabulary stored in `db` (what build_index wrote). An index built without one
    /// has the empty vocabulary. DataLoss if only some of the tables are there or one does
    /// not parse. Cost: parsing the tables (a few milliseconds): cache it per database.
    static Result<std::shared_ptr<const Vocabulary>> read(const Xapian::Database& db);
    /// A vocabulary that knows nothing: filter values are only case-folded.
    static std::shared_ptr<const Vocabulary> none();

    /// Stores the tables into `db`'s user metadata (not committed).
    void write(Xapian::WritableDatabase& db) const;
    bool empty() const noexcept { return tables_.empty(); }

    /// A language by any code, alias or name (ASCII case-insensitive, blanks collapsed):
    /// "en", "eng", "English", "zh-CN", "Bokmål". Names only for values longer than 3
    /// characters; a BCP-47 tag falls back to its primary subtag as a code. nullptr if
    /// unknown. (The lookup contract of data/tables/README.md, without NFC normalization.)
    const Language* language(std::string_view raw) const;
    std::optional<SpecialLanguage> special_language(std::string_view raw) const;
    const Language* language_by_code(std::string_view code) const;
    /// A license by Hub id, SPDX id, name or a known spelling. nullptr if unknown.
    const License* license(std::string_view raw) const;
    /// Whether `value` is, exactly as written, a pipeline type the Hub shows as a model's
    /// pipeline_tag: a pipeline tag of tasks.tsv or of legacy_pipeline_tags.tsv.
    bool is_pipeline_tag(std::string_view value) const;
    /// A pipeline_tag, task_categories or task_ids value -> its task: a pipeline tag or
    /// alias, a row of task_ids.tsv, or a legacy `<head>-other-<text>` id through its head
    /// (bare `other-...` is `other`). nullptr when it maps to no pipeline tag.
    const Task* resolve_task(std::string_view raw) const;

    /// The indexed values of facet `facet` that a filter value stands for: "German", "deu"
    /// and "de-DE" -> {"de"} for language, "Apache 2.0" -> {"apache-2.0"} for license, "NER"
    /// -> {"token-classification"} for task, "models" -> {"model"} for type, "true" ->
    /// {"auto", "manual"} for gated, "Intended use" -> {"intended_use"} for has (quality.h).
    /// Empty when the facet's values form a closed set (closed()) that does not hold `raw`.
    /// Other facets: the value as its term holds it (facet_key). With the empty vocabulary
    /// only type, gated, quality and has are closed.
    std::vector<std::string> canonical(Facet facet, std::string_view raw) const;
    /// Whether the values of `facet` are a closed set this vocabulary knows (language,
    /// license, task, modality and reuse with tables; type, gated, quality and has always).
    bool closed(Facet facet) const noexcept;

    const std::vector<Language>& languages() const noexcept { return languages_; }
    const std::vector<License>& licenses() const noexcept { return licenses_; }
    const std::vector<Task>& tasks() const noexcept { return tasks_; }
    /// Rows of task_names.tsv, in file order (empty without the table).
    const std::vector<TaskName>& task_names() const noexcept { return task_names_; }
    /// Rows of task_ids.tsv: dataset task id -> pipeline tag ("" when there is none).
    const std::vector<std::pair<std::string, std::string>>& task_ids() const noexcept {
        return task_ids_;
    }

  private:
    static Result<std::shared_ptr<const Vocabulary>> parse(
        std::vector<std::pair<std::string, std::string>> tables, const std::string& origin);
    const Task* task(std::string_view pipeline_tag_or_alias) const;

    std::vector<std::pair<std::string, std::string>> tables_;  // file name -> text
    std::vector<Language> languages_;
    std::vector<License> licenses_;
    std::vector<Task> tasks_;
    std::vector<std::pair<std::string, std::string>> task_ids_;
    std::vector<TaskName> task_names_;
    std::unordered_map<std::string, std::size_t> language_keys_;      // codes and aliases -> index
    std::unordered_map<std::string, std::size_t> language_names_;     // English names
    std::unordered_map<std::string, std::size_t> language_any_code_;  // 639-1/2B/2T/3 codes
    std::unordered_map<std::string, std::size_t> language_codes_;
    std::unordered_map<std::string, SpecialLanguage> special_;
    std::unordered_map<std::string, std::size_t> license_keys_;
    std::unordered_map<std::string, std::size_t> task_keys_;
    std::unordered_map<std::string, std::string> task_id_map_;
    std::vector<std::string> legacy_pipeline_tags_;
    std::vector<std::string> modalities_;
};

/// The vocabulary of the live generation of the index at `dir` (see Vocabulary::read), for
/// writers that normalize cards before upserting them. Errors of open_reader().
Result<std::shared_ptr<const Vocabulary>> read_vocabulary(const std::string& dir);

}  // namespace cardex::index
