// The vocabulary: parsing data/tables, storing it in an index and reading it back. See
// vocabulary.h and data/tables/README.md.
#include "cardex/index/vocabulary.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "cardex/index/card.h"
#include "cardex/index/quality.h"
#include "cardex/index/store.h"
#include "cardex/index/tsv.h"
#include "internal.h"

namespace fs = std::filesystem;

namespace cardex::index {

namespace {

std::string_view trim_view(std::string_view s) {
    const char* ws = " \t\r\n\f\v";
    const auto b = s.find_first_not_of(ws);
    if (b == std::string_view::npos) return {};
    return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

std::string trim_lower(std::string_view s) {
    return lower_ascii(trim_view(s));
}

// A '|'-separated list field, each item trimmed and lower-cased, empty items dropped.
std::vector<std::string> list_field(std::string_view s) {
    std::vector<std::string> out;
    while (true) {
        const auto bar = s.find('|');
        if (auto item = trim_lower(s.substr(0, bar)); !item.empty()) out.push_back(std::move(item));
        if (bar == std::string_view::npos) break;
        s.remove_prefix(bar + 1);
    }
    return out;
}

// Trim, lower-case (ASCII), and collapse runs of blanks: "Norsk  Bokmål" -> "norsk bokmål".
std::string normalize_key(std::string_view raw) {
    std::string k;
    k.reserve(raw.size());
    bool blank = false;
    for (char ch : trim_view(raw)) {
        if (ch == ' ' || ch == '\t') {
            blank = true;
            continue;
        }
        if (blank) k.push_back(' ');
        blank = false;
        k.push_back(ch >= 'A' && ch <= 'Z' ? static_cast<char>(ch + 32) : ch);
    }
    return k;
}

// Rows of one table, checked for a minimum number of columns.
struct Table {
    const std::string* text = nullptr;
    std::string where;  // "<origin>/<file>", for messages
};

template <class Fn>
Status each_row(const Table& t, std::size_t min_cols, Fn&& fn) {
    Status st = Ok{};
    for_each_tsv_row(*t.text, [&](const TsvRow& row) {
        if (!st) return;
        if (row.size() < min_cols) {
            st = make_error(Errc::InvalidArgument,
                            "table row has " + std::to_string(row.size()) +
                                " columns, expected at least " + std::to_string(min_cols),
                            t.where + ":" + std::to_string(row.line));
            return;
        }
        st = fn(row);
    });
    return st;
}

std::string meta_key(std::string_view file) {
    return std::string(kMetaVocabPrefix).append(file);
}

}  // namespace

std::string Vocabulary::default_dir() {
    if (const char* env = std::getenv("CARDEX_TABLES"); env && *env) return env;
    // Next to the executable when installed: <prefix>/bin/cardex -> <prefix>/share/cardex.
    char buf[4096];
    const ssize_t len = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (len > 0) {
        buf[len] = '\0';
        const fs::path installed =
            fs::path(buf).parent_path().parent_path() / "share/cardex/tables";
        if (fs::exists(installed / "languages.tsv")) return installed.string();
    }
    return CARDEX_SOURCE_TABLES_DIR;
}

Result<std::shared_ptr<const Vocabulary>> Vocabulary::load(const std::string& dir) {
    std::vector<std::pair<std::string, std::string>> tables;
    for (const auto file : kTables) {
        auto text = read_text_file((fs::path(dir) / file).string());
        if (!text) return std::move(text).error();
        tables.emplace_back(std::string(file), std::move(text).value());
    }
    for (const auto file : kOptionalTables) {
        const fs::path path = fs::path(dir) / file;
        // Absent: skipped. Not known to be absent (unreadable directory): reading says why.
        std::error_code ec;
        if (!fs::exists(path, ec) && !ec) continue;
        auto text = read_text_file(path.string());
        if (!text) return std::move(text).error();
        tables.emplace_back(std::string(file), std::move(text).value());
    }
    return parse(std::move(tables), dir);
}

std::shared_ptr<const Vocabulary> Vocabulary::none() {
    return std::make_shared<const Vocabulary>();
}

Result<std::shared_ptr<const Vocabulary>> Vocabulary::read(const Xapian::Database& db) {
    std::vector<std::pair<std::string, std::string>> tables;
    std::vector<std::string_view> missing;
    for (const auto file : kTables) {
        std::string text = db.get_metadata(meta_key(file));
        if (text.empty()) {
            missing.push_back(file);
        } else {
            tables.emplace_back(std::string(file), std::move(text));
        }
    }
    if (tables.empty()) return none();
    for (const auto file : kOptionalTables) {
        std::string text = db.get_metadata(meta_key(file));
        if (!text.empty()) tables.emplace_back(std::string(file), std::move(text));
    }
    if (!missing.empty()) {
        return make_error(Errc::DataLoss,
                          "the index's vocabulary is incomplete (reindex)",
                          meta_key(missing.front()));
    }
    auto parsed = parse(std::move(tables), "index metadata " + std::string(kMetaVocabPrefix));
    if (!parsed) {
        Error e = std::move(parsed).error();
        e.code = Errc::DataLoss;
        e.message = "the index's vocabulary does not parse (reindex): " + e.message;
        return e;
    }
    return parsed;
}

void Vocabulary::write(Xapian::WritableDatabase& db) const {
    for (const auto& [file, text] : tables_) db.set_metadata(meta_key(file), text);
}

Result<std::shared_ptr<const Vocabulary>> read_vocabulary(const std::string& dir) {
    auto db = open_reader(dir);
    if (!db) return std::move(db).error();
    try {
        return Vocabulary::read(db.value());
    } catch (const Xapian::Error& e) {
        return error_from_xapian(e, "cannot read the index's vocabulary");
    }
}

Result<std::shared_ptr<const Vocabulary>> Vocabulary::parse(
    std::vector<std::pair<std::string, std::string>> tables, const std::string& origin) {
    auto v = std::make_shared<Vocabulary>();
    v->tables_ = std::move(tables);
    auto table = [&](std::string_view file) {
        for (const auto& [name, text] : v->tables_) {
            if (name == file) return Table{&text, origin + "/" + name};
        }
        return Table{};  // every name of kTables is present: load() and read() see to it
    };
    const auto has_table = [&](std::string_view file) {
        return std::any_of(
            v->tables_.begin(), v->tables_.end(), [&](const auto& t) { return t.first == file; });
    };

    // Languages. The lookup contract of data/tables/README.md: codes, then aliases, then
    // names (only for values longer than 3 characters: `ge`, `pe`, `tu` are names of
    // obscure languages, never what a card means), then a BCP-47 tag's primary subtag as a
    // code. Rows of languages with a two-letter code go first, so that a word shared by two
    // rows means the widely used language.
    const Table langs = table("languages.tsv");
    std::vector<std::array<std::string, 4>> codes;
    auto st = each_row(langs, 7, [&](const TsvRow& r) -> Status {
        Language l;
        l.code = trim_lower(r[0]);
        l.scope = r[4].empty() ? 'I' : r[4][0];
        l.macro = trim_lower(r[5]);
        l.name = std::string(r[6]);
        l.aliases = list_field(r[7]);
        if (l.code.empty()) {
            return make_error(Errc::InvalidArgument,
                              "language row without a code",
                              langs.where + ":" + std::to_string(r.line));
        }
        v->languages_.push_back(std::move(l));
        codes.push_back({trim_lower(r[0]), trim_lower(r[1]), trim_lower(r[2]), trim_lower(r[3])});
        return Ok{};
    });
    if (!st) return std::move(st).error();
    for (std::size_t i = 0; i < v->languages_.size(); ++i) {
        v->language_codes_.emplace(v->languages_[i].code, i);
        for (const auto& k : codes[i]) {
            if (k.empty()) continue;
            v->language_keys_.emplace(k, i);
            v->language_any_code_.emplace(k, i);
        }
    }
    for (int pass = 0; pass < 2; ++pass) {
        for (std::size_t i = 0; i < v->languages_.size(); ++i) {
            const Language& l = v->languages_[i];
            if ((l.code.size() == 2) != (pass == 0)) continue;
            if (auto name = trim_lower(l.name); !name.empty()) {
                v->language_names_.emplace(std::move(name), i);
            }
            for (const auto& k : l.aliases) v->language_keys_.emplace(k, i);
        }
    }
    st = each_row(table("language_special.tsv"), 2, [&](const TsvRow& r) -> Status {
        const auto action = trim_lower(r[1]);
        const SpecialLanguage s = action == "multilingual" ? SpecialLanguage::Multilingual
                                  : action == "code"       ? SpecialLanguage::Code
                                                           : SpecialLanguage::Ignore;
        v->special_.emplace(trim_lower(r[0]), s);
        return Ok{};
    });
    if (!st) return std::move(st).error();

    // Licenses.
    const Table lics = table("licenses.tsv");
    st = each_row(lics, 3, [&](const TsvRow& r) -> Status {
        License l;
        l.hub_id = trim_lower(r[0]);
        l.spdx = std::string(trim_view(r[1]));
        l.reuse = trim_lower(r[2]);
        l.name = std::string(r[3]);
        l.aliases = list_field(r[4]);
        if (std::find(kReuseClasses.begin(), kReuseClasses.end(), l.reuse) == kReuseClasses.end()) {
            return make_error(Errc::InvalidArgument,
                              "unknown reuse class '" + l.reuse + "'",
                              lics.where + ":" + std::to_string(r.line));
        }
        const std::size_t i = v->licenses_.size();
        v->license_keys_.emplace(l.hub_id, i);
        if (!l.spdx.empty()) v->license_keys_.emplace(lower_ascii(l.spdx), i);
        if (!l.name.empty()) v->license_keys_.emplace(trim_lower(l.name), i);
        for (const auto& a : l.aliases) v->license_keys_.emplace(a, i);
        v->licenses_.push_back(std::move(l));
        return Ok{};
    });
    if (!st) return std::move(st).error();

    // Tasks.
    st = each_row(table("tasks.tsv"), 2, [&](const TsvRow& r) -> Status {
        Task k;
        k.pipeline_tag = trim_lower(r[0]);
        k.modality = trim_lower(r[1]);
        k.name = std::string(r[2]);
        k.aliases = list_field(r[3]);
        const std::size_t i = v->tasks_.size();
        v->task_keys_.emplace(k.pipeline_tag, i);
        if (!k.name.empty()) v->task_keys_.emplace(trim_lower(k.name), i);
        for (const auto& a : k.aliases) v->task_keys_.emplace(a, i);
        if (std::find(v->modalities_.begin(), v->modalities_.end(), k.modality) ==
            v->modalities_.end()) {
            v->modalities_.push_back(k.modality);
        }
        v->tasks_.push_back(std::move(k));
        return Ok{};
    });
    if (!st) return std::move(st).error();
    st = each_row(table("task_ids.tsv"), 1, [&](const TsvRow& r) -> Status {
        v->task_ids_.emplace_back(trim_lower(r[0]), trim_lower(r[1]));
        v->task_id_map_.emplace(v->task_ids_.back());
        return Ok{};
    });
    if (!st) return std::move(st).error();
    st = each_row(table("legacy_pipeline_tags.tsv"), 1, [&](const TsvRow& r) -> Status {
        v->legacy_pipeline_tags_.emplace_back(trim_view(r[0]));
        return Ok{};
    });
    if (!st) return std::move(st).error();
    if (has_table("task_names.tsv")) {
        const Table names = table("task_names.tsv");
        st = each_row(names, 3, [&](const TsvRow& r) -> Status {
            TaskName n;
            n.language = trim_lower(r[0]);
            n.pipeline_tag = trim_lower(r[1]);
            n.names = list_field(r[2]);
            const std::string where = names.where + ":" + std::to_string(r.line);
            if (v->language_by_code(n.language) == nullptr) {
                return make_error(
                    Errc::InvalidArgument, "unknown language code '" + n.language + "'", where);
            }
            if (const Task* t = v->task(n.pipeline_tag); !t || t->pipeline_tag != n.pipeline_tag) {
                return make_error(
                    Errc::InvalidArgument, "unknown pipeline tag '" + n.pipeline_tag + "'", where);
            }
            if (n.names.empty()) return make_error(Errc::InvalidArgument, "no names", where);
            v->task_names_.push_back(std::move(n));
            return Ok{};
        });
        if (!st) return std::move(st).error();
    }
    return std::shared_ptr<const Vocabulary>(std::move(v));
}

const Language* Vocabulary::language(std::string_view raw) const {
    std::string k = normalize_key(raw);
    if (k.empty()) return nullptr;
    auto it = language_keys_.find(k);
    if (it != language_keys_.end()) return &languages_[it->second];
    if (k.find('_') != std::string::npos) {
        std::replace(k.begin(), k.end(), '_', '-');
        it = language_keys_.find(k);
        if (it != language_keys_.end()) return &languages_[it->second];
    }
    if (k.size() > 3) {
        it = language_names_.find(k);
        if (it != language_names_.end()) return &languages_[it->second];
    }
    // BCP-47: "pt-br", "zh-hans-cn", "sr-latn" -> the primary subtag, as a code only.
    if (auto dash = k.find('-'); dash == 2 || dash == 3) {
        it = language_any_code_.find(k.substr(0, dash));
        if (it != language_any_code_.end()) return &languages_[it->second];
    }
    return nullptr;
}

std::optional<SpecialLanguage> Vocabulary::special_language(std::string_view raw) const {
    auto it = special_.find(trim_lower(raw));
    if (it == special_.end()) return std::nullopt;
    return it->second;
}

const Language* Vocabulary::language_by_code(std::string_view code) const {
    auto it = language_codes_.find(std::string(code));
    return it == language_codes_.end() ? nullptr : &languages_[it->second];
}

const License* Vocabulary::license(std::string_view raw) const {
    auto it = license_keys_.find(trim_lower(raw));
    return it == license_keys_.end() ? nullptr : &licenses_[it->second];
}

const Task* Vocabulary::task(std::string_view raw) const {
    auto it = task_keys_.find(trim_lower(raw));
    return it == task_keys_.end() ? nullptr : &tasks_[it->second];
}

bool Vocabulary::is_pipeline_tag(std::string_view value) const {
    if (const Task* t = task(value); t && t->pipeline_tag == value) return true;
    return std::find(legacy_pipeline_tags_.begin(), legacy_pipeline_tags_.end(), value) !=
           legacy_pipeline_tags_.end();
}

const Task* Vocabulary::resolve_task(std::string_view raw) const {
    // resolve_task of scripts/gen-tables: a pipeline tag (or alias), a row of task_ids.tsv
    // (whose target may be empty: no pipeline tag), then legacy <head>-other-<text> ids
    // through their head; a bare other-<text> is `other`.
    const std::string k = trim_lower(raw);
    if (k.empty()) return nullptr;
    if (const Task* t = task(k)) return t;
    if (auto it = task_id_map_.find(k); it != task_id_map_.end()) {
        return it->second.empty() ? nullptr : task(it->second);
    }
    if (k.rfind("other-", 0) == 0) return task("other");
    if (auto p = k.find("-other-"); p != std::string::npos && p > 0) {
        std::string_view head(k.data(), p);
        while (!head.empty() && head.back() == '-')
            head.remove_suffix(1);  // "summarization--other-"
        return head.empty() ? nullptr : resolve_task(head);
    }
    return nullptr;
}

bool Vocabulary::closed(Facet facet) const noexcept {
    switch (facet) {
        case Facet::Type:
        case Facet::Gated:
        case Facet::Quality:
        case Facet::Has:
            return true;
        case Facet::Language:
        case Facet::License:
        case Facet::Task:
        case Facet::Modality:
        case Facet::Reuse:
            return !empty();
        default:
            return false;
    }
}

std::vector<std::string> Vocabulary::canonical(Facet facet, std::string_view raw) const {
    if (!closed(facet)) return {facet_key(facet, raw)};
    const std::string k = normalize_key(raw);
    switch (facet) {
        case Facet::Type:
            if (const auto t = parse_card_type(k)) return {std::string(card_type_name(*t))};
            return {};
        case Facet::Gated:
            // The Hub's `gated` is false, "auto" or "manual"; true means either gate.
            if (k == "true" || k == "yes" || k == "1") return {"auto", "manual"};
            if (k == "false" || k == "no" || k == "0") return {"false"};
            if (k == "auto" || k == "manual") return {k};
            return {};
        case Facet::Language:
            if (const Language* l = language(k)) return {l->code};
            return {};
        case Facet::License:
            if (const License* l = license(k)) return {l->hub_id};
            return {};
        case Facet::Task:
            if (const Task* t = resolve_task(k)) return {t->pipeline_tag};
            return {};
        case Facet::Modality:
            if (std::find(modalities_.begin(), modalities_.end(), k) != modalities_.end())
                return {k};
            return {};
        case Facet::Quality:
            if (std::find(kQualityBands.begin(), kQualityBands.end(), k) != kQualityBands.end()) {
                return {k};
            }
            return {};
        case Facet::Has: {
            // "intended use", "Intended-Use" and "intended_use" are one criterion.
            std::string c = k;
            std::replace(c.begin(), c.end(), ' ', '_');
            std::replace(c.begin(), c.end(), '-', '_');
            if (const auto criterion = criterion_by_name(c)) {
                return {std::string(criterion_info(*criterion).name)};
            }
            return {};
        }
        case Facet::Reuse: {
            std::string r = k;
            std::replace(r.begin(), r.end(), ' ', '-');
            std::replace(r.begin(), r.end(), '_', '-');
            if (std::find(kReuseClasses.begin(), kReuseClasses.end(), r) != kReuseClasses.end()) {
                return {r};
            }
            return {};
        }
        default:
            return {facet_key(facet, raw)};
    }
}

}  // namespace cardex::index
