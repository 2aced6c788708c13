#include "cardex/ingest/tables.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "text_util.h"

namespace fs = std::filesystem;

namespace cardex::ingest {

namespace {

struct Row {
    std::size_t line = 0;
    std::vector<std::string> cols;
};

// Reads a TSV table: '#' lines are comments, fields are tab-separated, missing trailing
// fields are empty.
Result<std::vector<Row>> read_tsv(const fs::path& path, std::size_t min_cols) {
    std::ifstream in(path);
    if (!in) return make_error(Errc::NotFound, "cannot read table", path.string());
    std::vector<Row> rows;
    std::string line;
    std::size_t n = 0;
    while (std::getline(in, line)) {
        ++n;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty() || line[0] == '#') continue;
        Row r;
        r.line = n;
        r.cols = split(line, '\t');
        if (r.cols.size() < min_cols) {
            return make_error(Errc::InvalidArgument,
                              "table row has " + std::to_string(r.cols.size()) +
                                  " columns, expected at least " + std::to_string(min_cols),
                              path.string() + ":" + std::to_string(n));
        }
        rows.push_back(std::move(r));
    }
    return rows;
}

std::vector<std::string> list_field(const std::string& s) {
    std::vector<std::string> out;
    for (auto& v : split(s, '|')) {
        auto t = trim_lower(v);
        if (!t.empty()) out.push_back(std::move(t));
    }
    return out;
}

}  // namespace

std::string Tables::default_dir() {
    if (const char* env = std::getenv("CARDEX_TABLES"); env && *env) return env;
    // Next to the executable when installed: <prefix>/bin/cardex -> <prefix>/share/cardex.
    char buf[4096];
    ssize_t len = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (len > 0) {
        buf[len] = '\0';
        fs::path installed = fs::path(buf).parent_path().parent_path() / "share/cardex/tables";
        if (fs::exists(installed / "languages.tsv")) return installed.string();
    }
    return CARDEX_SOURCE_TABLES_DIR;
}

Result<std::shared_ptr<const Tables>> Tables::load(const std::string& dir) {
    auto t = std::make_shared<Tables>();
    const fs::path d(dir);

    // Languages.
    auto langs = read_tsv(d / "languages.tsv", 7);
    if (!langs) return std::move(langs).error();
    for (const auto& r : langs.value()) {
        Language l;
        l.code = trim_lower(r.cols[0]);
        l.scope = r.cols[4].empty() ? 'I' : r.cols[4][0];
        l.macro = trim_lower(r.cols[5]);
        l.name = r.cols[6];
        if (l.code.empty()) {
            return make_error(Errc::InvalidArgument, "language row without a code",
                              (d / "languages.tsv").string() + ":" + std::to_string(r.line));
        }
        t->languages_.push_back(std::move(l));
    }
    // The lookup contract of data/tables/README.md: codes, then aliases, then names (only
    // for values longer than 3 characters: `ge`, `pe`, `tu` are names of obscure
    // languages, never what a card means), then a BCP-47 tag's primary subtag as a code.
    // Rows of languages with a two-letter code go first, so that a word shared by two
    // rows means the widely used language.
    const auto& rows = langs.value();
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& r = rows[i];
        t->language_codes_.emplace(t->languages_[i].code, i);
        for (int c = 0; c < 4; ++c) {
            auto k = trim_lower(r.cols[c]);
            if (!k.empty()) {
                t->language_keys_.emplace(k, i);
                t->language_any_code_.emplace(k, i);
            }
        }
    }
    for (int pass = 0; pass < 2; ++pass) {
        for (std::size_t i = 0; i < rows.size(); ++i) {
            const auto& l = t->languages_[i];
            if ((l.code.size() == 2) != (pass == 0)) continue;
            const auto& r = rows[i];
            const auto name = trim_lower(r.cols[6]);
            if (!name.empty()) {
                t->language_names_.emplace(name, i);
                if (pass == 0) t->language_words_.emplace(name, l.code);
            }
            if (r.cols.size() <= 7) continue;
            for (auto& k : list_field(r.cols[7])) {
                // Query understanding: only widely used languages, so that names that are
                // also English words ("Even", "Are") never turn into language boosts.
                if (pass == 0) t->language_words_.emplace(k, l.code);
                t->language_keys_.emplace(std::move(k), i);
            }
        }
    }

    if (auto sp = read_tsv(d / "language_special.tsv", 2); sp) {
        for (const auto& r : sp.value()) {
            auto action = trim_lower(r.cols[1]);
            SpecialLanguage s = action == "multilingual" ? SpecialLanguage::Multilingual
                                : action == "code"       ? SpecialLanguage::Code
                                                         : SpecialLanguage::Ignore;
            t->special_.emplace(trim_lower(r.cols[0]), s);
        }
    } else {
        return std::move(sp).error();
    }

    // Licenses.
    auto lics = read_tsv(d / "licenses.tsv", 3);
    if (!lics) return std::move(lics).error();
    for (const auto& r : lics.value()) {
        License l;
        l.hub_id = trim_lower(r.cols[0]);
        l.spdx = trim(r.cols[1]);
        l.reuse = trim_lower(r.cols[2]);
        l.name = r.cols.size() > 3 ? r.cols[3] : "";
        static const char* kReuse[] = {
            "open", "open-conditions", "non-commercial", "restricted", "unknown"};
        if (std::find(std::begin(kReuse), std::end(kReuse), l.reuse) == std::end(kReuse)) {
            return make_error(Errc::InvalidArgument, "unknown reuse class '" + l.reuse + "'",
                              (d / "licenses.tsv").string() + ":" + std::to_string(r.line));
        }
        const std::size_t i = t->licenses_.size();
        t->license_keys_.emplace(l.hub_id, i);
        if (!l.spdx.empty()) t->license_keys_.emplace(to_lower(l.spdx), i);
        if (!l.name.empty()) t->license_keys_.emplace(trim_lower(l.name), i);
        if (r.cols.size() > 4) {
            for (auto& a : list_field(r.cols[4])) t->license_keys_.emplace(a, i);
        }
        t->licenses_.push_back(std::move(l));
    }
    for (const auto& l : t->licenses_) {
        t->license_words_.emplace(l.hub_id, l.hub_id);
    }

    // Tasks.
    auto tasks = read_tsv(d / "tasks.tsv", 2);
    if (!tasks) return std::move(tasks).error();
    for (const auto& r : tasks.value()) {
        Task k;
        k.pipeline_tag = trim_lower(r.cols[0]);
        k.modality = trim_lower(r.cols[1]);
        k.name = r.cols.size() > 2 ? r.cols[2] : "";
        const std::size_t i = t->tasks_.size();
        t->task_keys_.emplace(k.pipeline_tag, i);
        std::string spaced = k.pipeline_tag;
        std::replace(spaced.begin(), spaced.end(), '-', ' ');
        t->task_words_.emplace(spaced, k.pipeline_tag);
        if (!k.name.empty()) {
            t->task_keys_.emplace(trim_lower(k.name), i);
            t->task_words_.emplace(trim_lower(k.name), k.pipeline_tag);
        }
        if (r.cols.size() > 3) {
            for (auto& a : list_field(r.cols[3])) {
                t->task_keys_.emplace(a, i);
                t->task_words_.emplace(a, k.pipeline_tag);
            }
        }
        t->tasks_.push_back(std::move(k));
    }
    auto ids = read_tsv(d / "task_ids.tsv", 1);
    if (!ids) return std::move(ids).error();
    for (const auto& r : ids.value()) {
        t->task_ids_.emplace(trim_lower(r.cols[0]), r.cols.size() > 1 ? trim_lower(r.cols[1]) : "");
    }
    auto legacy = read_tsv(d / "legacy_pipeline_tags.tsv", 1);
    if (!legacy) return std::move(legacy).error();
    for (const auto& r : legacy.value()) t->legacy_pipeline_tags_.push_back(trim(r.cols[0]));
    return std::shared_ptr<const Tables>(std::move(t));
}

namespace {

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

}  // namespace

const Language* Tables::language(std::string_view raw) const {
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

std::optional<SpecialLanguage> Tables::special_language(std::string_view raw) const {
    auto it = special_.find(trim_lower(raw));
    if (it == special_.end()) return std::nullopt;
    return it->second;
}

const Language* Tables::language_by_code(std::string_view code) const {
    auto it = language_codes_.find(std::string(code));
    return it == language_codes_.end() ? nullptr : &languages_[it->second];
}

const License* Tables::license(std::string_view raw) const {
    auto it = license_keys_.find(trim_lower(raw));
    return it == license_keys_.end() ? nullptr : &licenses_[it->second];
}

const Task* Tables::task(std::string_view raw) const {
    auto it = task_keys_.find(trim_lower(raw));
    return it == task_keys_.end() ? nullptr : &tasks_[it->second];
}

bool Tables::is_pipeline_tag(std::string_view value) const {
    if (const Task* t = task(value); t && t->pipeline_tag == value) return true;
    return std::find(legacy_pipeline_tags_.begin(), legacy_pipeline_tags_.end(), value) !=
           legacy_pipeline_tags_.end();
}

std::string_view Tables::task_of_task_id(std::string_view task_id) const {
    const Task* t = resolve_task(task_id);
    return t ? std::string_view(t->pipeline_tag) : std::string_view();
}

const Task* Tables::resolve_task(std::string_view raw) const {
    // resolve_task of scripts/gen-tables: a pipeline tag (or alias), a row of task_ids.tsv
    // (whose target may be empty: no pipeline tag), then legacy <head>-other-<text> ids
    // through their head; a bare other-<text> is `other`.
    const std::string k = trim_lower(raw);
    if (k.empty()) return nullptr;
    if (const Task* t = task(k)) return t;
    if (auto it = task_ids_.find(k); it != task_ids_.end()) {
        return it->second.empty() ? nullptr : task(it->second);
    }
    if (k.rfind("other-", 0) == 0) return task("other");
    if (auto p = k.find("-other-"); p != std::string::npos && p > 0) {
        std::string_view head(k.data(), p);
        while (!head.empty() && head.back() == '-') head.remove_suffix(1);  // "summarization--other-"
        return head.empty() ? nullptr : resolve_task(head);
    }
    return nullptr;
}

}  // namespace cardex::ingest
