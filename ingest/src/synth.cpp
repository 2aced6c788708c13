// Synthetic cards from a measured profile. See synth.h and scripts/gen-profile.
//
// Speed comes from one idea: the body text is not drawn word by word per card. At load, a
// pool of a few MB of Zipf-distributed text (already JSON-escaped, words separated by
// spaces) is generated once; a card body is then a sequence of slices of that pool cut at
// spaces, interleaved with section headings and the search phrases the card should mention.
// So a card costs about its length in memcpy, and every JSON escape in the pool is whole.
#include "cardex/ingest/synth.h"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "cardex/ingest/tables.h"

namespace cardex::ingest {

namespace fs = std::filesystem;

namespace {

// xoshiro256** seeded by splitmix64: fast, and the same numbers on every platform (the
// std distributions are implementation-defined, so none is used).
class Rng {
public:
    explicit Rng(std::uint64_t seed) {
        for (auto& x : s_) {
            seed += 0x9e3779b97f4a7c15ULL;
            std::uint64_t z = seed;
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
            z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
            x = z ^ (z >> 31);
        }
    }
    std::uint64_t next() noexcept {
        const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
        const std::uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return result;
    }
    double uniform() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    std::size_t below(std::size_t n) noexcept {
        return std::min(n - 1, static_cast<std::size_t>(uniform() * static_cast<double>(n)));
    }
    bool chance(double p) noexcept { return uniform() < p; }

private:
    static std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
    std::array<std::uint64_t, 4> s_{};
};

// Vose's alias method: O(1) draws from a discrete distribution (the 20k-word vocabulary).
class Alias {
public:
    Alias() = default;
    explicit Alias(const std::vector<double>& weights) {
        const std::size_t n = weights.size();
        prob_.assign(n, 0.0);
        alias_.assign(n, 0);
        double sum = 0;
        for (double w : weights) sum += w;
        if (n == 0 || sum <= 0) return;
        std::vector<double> scaled(n);
        std::vector<std::uint32_t> small, large;
        for (std::size_t i = 0; i < n; ++i) {
            scaled[i] = weights[i] * static_cast<double>(n) / sum;
            (scaled[i] < 1.0 ? small : large).push_back(static_cast<std::uint32_t>(i));
        }
        while (!small.empty() && !large.empty()) {
            const auto s = small.back(), l = large.back();
            small.pop_back();
            prob_[s] = scaled[s];
            alias_[s] = l;
            scaled[l] = scaled[l] + scaled[s] - 1.0;
            if (scaled[l] < 1.0) {
                large.pop_back();
                small.push_back(l);
            }
        }
        for (auto i : large) prob_[i] = 1.0;
        for (auto i : small) prob_[i] = 1.0;
    }
    bool empty() const noexcept { return prob_.empty(); }
    std::size_t sample(Rng& rng) const noexcept {
        const std::size_t i = rng.below(prob_.size());
        return rng.uniform() < prob_[i] ? i : alias_[i];
    }

private:
    std::vector<double> prob_;
    std::vector<std::uint32_t> alias_;
};

struct Weighted {
    std::vector<std::string> values;
    std::vector<double> weights;
    Alias alias;
    void add(std::string v, double w) {
        values.push_back(std::move(v));
        weights.push_back(w);
    }
    void finish() { alias = Alias(weights); }
    bool empty() const noexcept { return values.empty(); }
    const std::string& sample(Rng& rng) const { return values[alias.sample(rng)]; }
};

// Evenly spaced quantiles (q = 0, 1/(n-1), ..., 1); draws interpolate between them, in
// log(1 + x) space for the heavy-tailed ones so the draws stay heavy-tailed.
struct Quantiles {
    std::vector<double> v;
    double at(double u, bool log_space) const {
        if (v.empty()) return 0;
        const double pos = u * static_cast<double>(v.size() - 1);
        const auto i = std::min(static_cast<std::size_t>(pos), v.size() - 1);
        const std::size_t j = std::min(i + 1, v.size() - 1);
        const double f = pos - static_cast<double>(i);
        if (!log_space) return v[i] + (v[j] - v[i]) * f;
        const double a = std::log1p(v[i]), b = std::log1p(v[j]);
        return std::expm1(a + (b - a) * f);
    }
};

struct Phrase {
    std::string kind;  // task | language | domain
    std::string text;
    std::string value;  // the facet value it belongs to (pipeline tag, language, tag)
    double with = 0, without = 0;
};

}  // namespace

struct TypeProfile {
    std::unordered_map<std::string, double> field_share;
    std::unordered_map<std::string, Weighted> values;  // facet -> values
    std::unordered_map<std::string, Weighted> multi;   // facet -> "n" values
    Quantiles length;
    std::vector<Phrase> phrases;
    double share(const std::string& key, double scale) const {
        auto it = field_share.find(key);
        return it == field_share.end() ? 0.0 : std::min(1.0, it->second * scale);
    }
};

struct SynthProfile::Data {
    std::array<TypeProfile, 3> types;  // model, dataset, space (space: only lengths unused)
    std::array<double, 3> type_share{0.64, 0.16, 0.20};
    double zero_downloads = 0.45;
    Quantiles downloads;
    std::vector<Quantiles> likes;  // by floor(log2(1 + downloads))
    Weighted namespace_sizes;
    Quantiles created, modified_gap;
    Weighted base_models;
    Weighted relations;
    double gated_auto = 0, gated_manual = 0, private_share = 0, trending_share = 0;
    double legacy_share = 0;
    std::array<double, 3> front_matter{0.97, 0.99, 1.0};
    Weighted headings;                    // JSON-escaped
    std::vector<std::string> name_words;  // vocabulary ranks 50..5000: ids and titles
    std::string pool;                     // JSON-escaped Zipf text, see the file comment
};

namespace {

using Data = SynthProfile::Data;

Result<std::vector<std::vector<std::string>>> read_tsv(const fs::path& path) {
    std::ifstream in(path);
    if (!in) return make_error(Errc::NotFound, "synth profile file missing", path.string());
    std::vector<std::vector<std::string>> rows;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::vector<std::string> cols;
        std::size_t start = 0;
        for (;;) {
            const auto tab = line.find('\t', start);
            cols.push_back(line.substr(start, tab == std::string::npos ? tab : tab - start));
            if (tab == std::string::npos) break;
            start = tab + 1;
        }
        rows.push_back(std::move(cols));
    }
    return rows;
}

// Values go into single-quoted YAML inside a JSON string: keep only those that need no
// escaping in either.
bool safe_value(std::string_view v) {
    if (v.empty() || v.size() > 100 || v.front() == ' ' || v.back() == ' ') return false;
    for (unsigned char c : v) {
        if (c < 0x20 || c == '"' || c == '\\' || c == '\'' || c == 0x7f) return false;
    }
    return true;
}

std::string json_escape(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            out += ' ';
        } else {
            out += c;
        }
    }
    return out;
}

int type_index(std::string_view t) { return t == "model" ? 0 : t == "dataset" ? 1 : 2; }

double to_double(const std::string& s) { return std::strtod(s.c_str(), nullptr); }

// The text pool: paragraphs of Zipf words with sentence punctuation, list items, links,
// numbers and tables at rates that look like card prose.
std::string build_pool(const std::vector<std::string>& words, const Alias& alias,
                       std::size_t bytes) {
    Rng rng(0x5eedc0de);
    std::string p;
    p.reserve(bytes + 4096);
    auto word = [&]() -> const std::string& { return words[alias.sample(rng)]; };
    while (p.size() < bytes) {
        const double block = rng.uniform();
        if (block < 0.08) {  // a bullet list
            for (std::size_t i = 0, n = 2 + rng.below(5); i < n; ++i) {
                p += "\\n- ";
                for (std::size_t k = 0, m = 1 + rng.below(6); k < m; ++k) p += word() + ' ';
            }
        } else if (block < 0.11) {  // a results table
            p += "\\n\\n| " + word() + " | " + word() + " | " + word() + " |\\n|---|---|---| ";
            for (std::size_t i = 0, n = 2 + rng.below(8); i < n; ++i) {
                p += "\\n| " + std::to_string(rng.below(100)) + " | 0." +
                     std::to_string(rng.below(10000)) + " | 0." + std::to_string(rng.below(10000)) +
                     " | ";
            }
        } else {
            for (std::size_t s = 0, ns = 2 + rng.below(5); s < ns; ++s) {
                const std::size_t n = 5 + rng.below(20);
                for (std::size_t i = 0; i < n; ++i) {
                    const double r = rng.uniform();
                    if (r < 0.03) {
                        p += std::to_string(rng.below(2048));
                    } else if (r < 0.04) {
                        p += "[" + word() + "](https://huggingface.co/" + word() + "/" + word() + ")";
                    } else if (r < 0.05) {
                        p += "`" + word() + "`";
                    } else {
                        const std::string& w = word();
                        if (i == 0 && !w.empty()) {
                            p += static_cast<char>(std::toupper(static_cast<unsigned char>(w[0])));
                            p.append(w, 1);
                        } else {
                            p += w;
                        }
                    }
                    p += (i + 1 == n) ? ". " : (rng.chance(0.06) ? ", " : " ");
                }
            }
        }
        p += "\\n\\n";
    }
    return p;
}

Status load_into(Data& d, const fs::path& dir) {
    auto bad = [](const fs::path& f, const std::string& what) {
        return make_error(Errc::InvalidArgument, "malformed synth profile: " + what, f.string());
    };
    // profile.json: scalar shares.
    {
        simdjson::dom::parser parser;
        simdjson::dom::element doc;
        const auto path = dir / "profile.json";
        if (!fs::exists(path)) return make_error(Errc::NotFound, "synth profile file missing", path.string());
        if (parser.load(path.string()).get(doc)) return bad(path, "not JSON");
        auto num = [&](std::string_view a, std::string_view b, double& out) {
            simdjson::dom::element e;
            if (doc[a].get(e)) return;
            if (!b.empty() && e[b].get(e)) return;
            double x;
            if (!e.get_double().get(x)) out = x;
        };
        num("type_share", "model", d.type_share[0]);
        num("type_share", "dataset", d.type_share[1]);
        num("type_share", "space", d.type_share[2]);
        num("downloads_zero_share", "", d.zero_downloads);
        num("gated_share", "auto", d.gated_auto);
        num("gated_share", "manual", d.gated_manual);
        num("private_share", "", d.private_share);
        num("trending_share", "", d.trending_share);
        num("legacy_bare_id_share", "", d.legacy_share);
        num("front_matter_share", "model", d.front_matter[0]);
        num("front_matter_share", "dataset", d.front_matter[1]);
        simdjson::dom::object rel;
        if (!doc["base_model_relation_share"].get(rel)) {
            for (auto [k, v] : rel) {
                double x;
                if (!v.get_double().get(x)) d.relations.add(std::string(k), x);
            }
        }
        simdjson::dom::array gap;
        if (!doc["modified_gap_quantiles"].get(gap)) {
            for (auto v : gap) {
                double x;
                if (!v.get_double().get(x)) d.modified_gap.v.push_back(x);
            }
        }
        d.relations.finish();
    }
    auto load = [&](const char* name, std::size_t min_cols,
                    auto&& fn) -> Status {
        const auto path = dir / name;
        auto rows = read_tsv(path);
        if (!rows) return rows.error();
        for (const auto& r : *rows) {
            if (r.size() < min_cols) return bad(path, "too few columns");
            fn(r);
        }
        return Ok{};
    };
    Status s = load("fields.tsv", 3, [&](const auto& r) {
        d.types[type_index(r[0])].field_share[r[1]] = to_double(r[2]);
    });
    if (!s) return s;
    s = load("values.tsv", 4, [&](const auto& r) {
        if (safe_value(r[2])) d.types[type_index(r[0])].values[r[1]].add(r[2], to_double(r[3]));
    });
    if (!s) return s;
    s = load("multi.tsv", 4, [&](const auto& r) {
        d.types[type_index(r[0])].multi[r[1]].add(r[2], to_double(r[3]));
    });
    if (!s) return s;
    s = load("lengths.tsv", 3, [&](const auto& r) {
        d.types[type_index(r[0])].length.v.push_back(to_double(r[2]));
    });
    if (!s) return s;
    s = load("phrases.tsv", 6, [&](const auto& r) {
        d.types[type_index(r[0])].phrases.push_back(
            {r[1], json_escape(r[2]), r[3], to_double(r[4]), to_double(r[5])});
    });
    if (!s) return s;
    s = load("downloads.tsv", 2, [&](const auto& r) { d.downloads.v.push_back(to_double(r[1])); });
    if (!s) return s;
    s = load("likes.tsv", 3, [&](const auto& r) {
        const auto b = static_cast<std::size_t>(std::max(0.0, to_double(r[0])));
        if (d.likes.size() <= b) d.likes.resize(b + 1);
        d.likes[b].v.push_back(to_double(r[2]));
    });
    if (!s) return s;
    s = load("namespaces.tsv", 2, [&](const auto& r) { d.namespace_sizes.add(r[0], to_double(r[1])); });
    if (!s) return s;
    s = load("created.tsv", 3, [&](const auto& r) {
        if (r[0] == "model") d.created.v.push_back(to_double(r[2]));
    });
    if (!s) return s;
    s = load("base_models.tsv", 2, [&](const auto& r) {
        if (safe_value(r[0])) d.base_models.add(r[0], to_double(r[1]));
    });
    if (!s) return s;
    s = load("headings.tsv", 2, [&](const auto& r) { d.headings.add(json_escape(r[0]), to_double(r[1])); });
    if (!s) return s;
    std::vector<std::string> words;
    std::vector<double> counts;
    s = load("vocab.tsv", 2, [&](const auto& r) {
        words.push_back(r[0]);
        counts.push_back(to_double(r[1]));
    });
    if (!s) return s;
    if (words.size() < 100 || d.downloads.v.size() < 2 || d.created.v.size() < 2 || d.likes.empty()) {
        return bad(dir, "too little data (vocab, downloads, created or likes)");
    }
    // Fill empty likes buckets from the nearest lower one.
    for (std::size_t b = 1; b < d.likes.size(); ++b) {
        if (d.likes[b].v.empty()) d.likes[b] = d.likes[b - 1];
    }
    for (auto& t : d.types) {
        for (auto& [k, w] : t.values) w.finish();
        for (auto& [k, w] : t.multi) w.finish();
    }
    d.namespace_sizes.finish();
    d.base_models.finish();
    d.headings.finish();
    for (std::size_t i = 50; i < std::min<std::size_t>(words.size(), 5000); ++i) {
        if (words[i].size() >= 3) d.name_words.push_back(words[i]);
    }
    const Alias vocab(counts);
    d.pool = build_pool(words, vocab, std::size_t{6} << 20);
    return Ok{};
}

}  // namespace

SynthProfile::SynthProfile(std::unique_ptr<Data> data) : data_(std::move(data)) {}
SynthProfile::~SynthProfile() = default;

Result<std::shared_ptr<const SynthProfile>> SynthProfile::load(const std::string& dir) {
    auto d = std::make_unique<Data>();
    if (auto s = load_into(*d, fs::path(dir)); !s) return s.error();
    return std::shared_ptr<const SynthProfile>(std::make_shared<SynthProfile>(std::move(d)));
}

std::string SynthProfile::default_dir() {
    if (const char* env = std::getenv("CARDEX_SYNTH_PROFILE"); env && *env) return env;
    return (fs::path(Tables::default_dir()).parent_path() / "synth").string();
}

// ---------------------------------------------------------------------------------------
// The generator.

struct SynthGenerator::Impl {
    std::shared_ptr<const SynthProfile> profile;
    const Data& d;
    Rng rng;
    std::size_t count, done = 0;
    std::vector<std::string> namespaces;
    std::vector<std::uint32_t> slot_namespace;  // card i -> namespace
    std::unordered_set<std::string> ids;
    // Per-card scratch, reused.
    std::string id, fm, body;
    std::vector<std::string> languages, tags;
    std::string task, license, library, base, relation;
    double fm_scale = 1.0;

    Impl(std::shared_ptr<const SynthProfile> p, const SynthOptions& o)
        : profile(std::move(p)), d(profile->data()), rng(o.seed), count(o.count) {
        plan_namespaces();
    }

    const std::string& name_word() { return d.name_words[rng.below(d.name_words.size())]; }

    // Namespace sizes follow the measured histogram (many of one card, a few of thousands);
    // card slots are then shuffled so a namespace's cards are spread over the file.
    void plan_namespaces() {
        std::unordered_set<std::string> seen;
        std::size_t slots = 0;
        while (slots < count) {
            std::string ns = name_word();
            if (rng.chance(0.4)) ns += (rng.chance(0.5) ? "-" : "") + name_word();
            if (rng.chance(0.2)) ns += std::to_string(rng.below(1000));
            if (!seen.insert(ns).second) continue;
            const auto size = static_cast<std::size_t>(std::stoul(d.namespace_sizes.sample(rng)));
            const std::size_t n = std::min(size, count - slots);
            for (std::size_t i = 0; i < n; ++i) {
                slot_namespace.push_back(static_cast<std::uint32_t>(namespaces.size()));
            }
            namespaces.push_back(std::move(ns));
            slots += n;
        }
        for (std::size_t i = slot_namespace.size(); i > 1; --i) {
            std::swap(slot_namespace[i - 1], slot_namespace[rng.below(i)]);
        }
    }

    std::size_t draw_count(const TypeProfile& t, const std::string& facet) {
        auto it = t.multi.find(facet);
        if (it == t.multi.end() || it->second.empty()) return 1;
        return static_cast<std::size_t>(std::stoul(it->second.sample(rng)));
    }

    void draw_list(const TypeProfile& t, const std::string& facet, std::size_t n,
                   std::vector<std::string>& out) {
        out.clear();
        auto it = t.values.find(facet);
        if (it == t.values.end() || it->second.empty()) return;
        for (std::size_t tries = 0; out.size() < n && tries < 3 * n + 3; ++tries) {
            const auto& v = it->second.sample(rng);
            if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
        }
    }

    std::string draw_one(const TypeProfile& t, const std::string& facet) {
        auto it = t.values.find(facet);
        return it == t.values.end() || it->second.empty() ? std::string() : it->second.sample(rng);
    }

    void yaml_scalar(const char* key, const std::string& v) {
        fm += key;
        fm += ": '";
        fm += v;
        fm += "'\\n";
    }
    void yaml_list(const char* key, const std::vector<std::string>& vs) {
        fm += key;
        fm += vs.empty() ? ": []\\n" : ":\\n";
        for (const auto& v : vs) {
            fm += "- '";
            fm += v;
            fm += "'\\n";
        }
    }

    void model_front_matter(const TypeProfile& t) {
        if (rng.chance(t.share("base_model", fm_scale)) && !d.base_models.empty()) {
            base = d.base_models.sample(rng);
            relation = d.relations.empty() ? "finetune" : d.relations.sample(rng);
        }
        if (rng.chance(t.share("license", fm_scale))) yaml_scalar("license", license = draw_one(t, "license"));
        if (license == "other" && rng.chance(0.5)) yaml_scalar("license_name", name_word() + "-license");
        if (rng.chance(t.share("language", fm_scale))) {
            draw_list(t, "language", draw_count(t, "language"), languages);
            yaml_list("language", languages);
        }
        if (rng.chance(t.share("library_name", fm_scale))) yaml_scalar("library_name", library = draw_one(t, "library"));
        if (rng.chance(t.share("pipeline_tag", fm_scale))) yaml_scalar("pipeline_tag", task = draw_one(t, "task"));
        if (rng.chance(t.share("tags", fm_scale))) {
            draw_list(t, "tag", draw_count(t, "tag"), tags);
            if (relation == "quantized" && rng.chance(0.6)) tags.push_back("gguf");
            if (relation == "merge") tags.push_back("mergekit");
            yaml_list("tags", tags);
        }
        if (!base.empty()) {
            yaml_scalar("base_model", base);
            if (relation != "finetune") yaml_scalar("base_model_relation", relation);
        }
        if (rng.chance(t.share("datasets", fm_scale))) {
            std::vector<std::string> ds;
            draw_list(t, "dataset", draw_count(t, "dataset"), ds);
            yaml_list("datasets", ds);
        }
        if (rng.chance(t.share("metrics", fm_scale))) yaml_list("metrics", {draw_one(t, "metric")});
        if (rng.chance(t.share("inference", fm_scale))) fm += rng.chance(0.7) ? "inference: false\\n" : "inference: true\\n";
    }

    void dataset_front_matter(const TypeProfile& t) {
        static const std::vector<std::string> creators{"crowdsourced", "expert-generated", "found",
                                                       "machine-generated", "no-annotation"};
        if (rng.chance(t.share("annotations_creators", fm_scale))) {
            yaml_list("annotations_creators", {creators[rng.below(creators.size())]});
        }
        if (rng.chance(t.share("language_creators", fm_scale))) {
            yaml_list("language_creators", {creators[rng.below(creators.size())]});
        }
        if (rng.chance(t.share("language", fm_scale))) {
            draw_list(t, "language", draw_count(t, "language"), languages);
            yaml_list("language", languages);
        }
        if (rng.chance(t.share("license", fm_scale))) yaml_scalar("license", license = draw_one(t, "license"));
        if (rng.chance(t.share("multilinguality", fm_scale))) {
            yaml_list("multilinguality", {languages.size() > 1 ? "multilingual" : "monolingual"});
        }
        if (rng.chance(t.share("size_categories", fm_scale))) yaml_list("size_categories", {draw_one(t, "size")});
        if (rng.chance(t.share("source_datasets", fm_scale))) yaml_list("source_datasets", {"original"});
        if (rng.chance(t.share("task_categories", fm_scale))) {
            std::vector<std::string> tasks;
            draw_list(t, "task", draw_count(t, "task"), tasks);
            if (!tasks.empty()) task = tasks.front();
            yaml_list("task_categories", tasks);
        }
        if (rng.chance(t.share("task_ids", fm_scale))) {
            std::vector<std::string> ids_;
            draw_list(t, "task_id", draw_count(t, "task_id"), ids_);
            yaml_list("task_ids", ids_);
        }
        if (rng.chance(t.share("pretty_name", fm_scale))) yaml_scalar("pretty_name", name_word() + " " + name_word());
        if (rng.chance(t.share("tags", fm_scale))) {
            draw_list(t, "tag", draw_count(t, "tag"), tags);
            yaml_list("tags", tags);
        }
    }

    // The Hub's Space config block. The data has no Space cards: the shares here are
    // assumptions (gradio-heavy, like the Hub's sdk facet), documented in docs/DATA.md.
    void space_front_matter() {
        static const std::array<const char*, 8> emoji{"🚀", "🤗", "🔥", "🐢", "📚", "🎨", "💬", "🏃"};
        static const std::array<const char*, 7> colors{"blue", "green", "red", "yellow", "indigo",
                                                       "purple", "gray"};
        const double u = rng.uniform();
        const char* sdk = u < 0.68 ? "gradio" : u < 0.83 ? "streamlit" : u < 0.95 ? "docker" : "static";
        fm += "title: " + name_word() + " " + name_word() + "\\n";
        fm += std::string("emoji: ") + emoji[rng.below(emoji.size())] + "\\n";
        fm += std::string("colorFrom: ") + colors[rng.below(colors.size())] + "\\n";
        fm += std::string("colorTo: ") + colors[rng.below(colors.size())] + "\\n";
        fm += std::string("sdk: ") + sdk + "\\n";
        if (sdk[0] == 'g') fm += "sdk_version: 4." + std::to_string(rng.below(45)) + ".0\\n";
        if (sdk[0] == 'g' || sdk[0] == 's') fm += "app_file: app.py\\n";
        fm += "pinned: false\\n";
        if (rng.chance(0.45)) yaml_scalar("license", license = draw_one(d.types[0], "license"));
        if (rng.chance(0.3)) fm += "short_description: " + name_word() + " " + name_word() + " demo\\n";
    }

    void make_id(int type) {
        id.clear();
        if (!rng.chance(d.legacy_share)) {
            id = namespaces[slot_namespace[done]];
            id += '/';
        }
        const std::size_t ns_len = id.size();
        if (type == 0) {
            if (!base.empty() && rng.chance(0.7)) {
                auto slash = base.find('/');
                id += base.substr(slash == std::string::npos ? 0 : slash + 1);
            } else {
                id += name_word();
                if (rng.chance(0.5)) id += "-" + name_word();
            }
            if (!task.empty() && rng.chance(0.3)) id += "-" + task.substr(0, task.find('-'));
            if (relation == "quantized") id += rng.chance(0.5) ? "-GGUF" : "-4bit";
            else if (relation == "adapter") id += "-lora";
            else if (rng.chance(0.3)) id += "-finetuned";
        } else {
            id += name_word();
            id += rng.chance(0.5) ? "-" : "_";
            id += name_word();
            if (type == 2 && rng.chance(0.3)) id += "-demo";
        }
        const std::string stem = id;
        for (unsigned k = 2; !ids.insert(id).second; ++k) id = stem + "-v" + std::to_string(k);
        (void)ns_len;
    }

    bool card_has(const Phrase& ph) const {
        if (ph.kind == "task") return ph.value == task;
        if (ph.kind == "language") return std::find(languages.begin(), languages.end(), ph.value) != languages.end();
        return std::find(tags.begin(), tags.end(), ph.value) != tags.end();
    }

    double draw_length(const TypeProfile& t) {
        const double u = rng.uniform();
        const auto& q = t.length;
        // Above the 99th percentile: a Pareto tail through q95 and q99, so large corpora
        // reach past the largest real card (cards over 200 KB were dropped from the data).
        if (u > 0.99 && q.v.size() == 101 && q.v[95] > 0 && q.v[99] > q.v[95]) {
            const double alpha = std::log(5.0) / std::log(q.v[99] / q.v[95]);
            return std::min(q.v[99] * std::pow(0.01 / std::max(1.0 - u, 1e-9), 1.0 / alpha), 1.5e6);
        }
        return q.at(u, true);
    }

    void make_body(int type, const TypeProfile& t) {
        body.clear();
        double target = 0;
        if (type == 2) {
            if (rng.chance(0.65)) {
                body = "\\nCheck out the configuration reference at "
                       "https://huggingface.co/docs/hub/spaces-config-reference\\n";
                return;
            }
            target = 0.5 * draw_length(d.types[0]);
        } else {
            target = draw_length(t);
        }
        if (target < 1) return;
        const auto want = static_cast<std::size_t>(target);
        // Phrases this card mentions, at the measured rates given its facets.
        std::vector<const Phrase*> phrases;
        for (const auto& ph : d.types[type == 2 ? 0 : type].phrases) {
            if (rng.chance(card_has(ph) ? ph.with : ph.without)) phrases.push_back(&ph);
        }
        body += "\\n# ";
        body += id.substr(id.find('/') + 1);
        body += "\\n\\n";
        const std::string& pool = d.pool;
        while (body.size() < want) {
            if (!d.headings.empty() && rng.chance(0.25)) {
                body += "\\n\\n## ";
                body += d.headings.sample(rng);
                body += "\\n\\n";
            }
            const std::size_t chunk = std::min(want - std::min(want, body.size()) + 40, 200 + rng.below(1400));
            std::size_t start = rng.below(pool.size() - chunk - 64);
            start = pool.find(' ', start) + 1;
            std::size_t end = pool.find(' ', start + chunk);
            if (end == std::string::npos) end = pool.size();
            body.append(pool, start, end - start);
            if (!phrases.empty() && rng.chance(0.5)) {
                body += ' ';
                body += phrases.back()->text;
                phrases.pop_back();
            }
            body += ' ';
        }
        for (const auto* ph : phrases) {
            body += ph->text;
            body += ". ";
        }
    }

    static void iso_date(std::int64_t t, std::string& out) {
        // Howard Hinnant's civil_from_days.
        std::int64_t days = t / 86400, secs = t % 86400;
        if (secs < 0) {
            secs += 86400;
            --days;
        }
        days += 719468;
        const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
        const auto doe = static_cast<unsigned>(days - era * 146097);
        const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        const unsigned mp = (5 * doy + 2) / 153;
        const unsigned dd = doy - (153 * mp + 2) / 5 + 1;
        const unsigned mm = mp < 10 ? mp + 3 : mp - 9;
        const auto yy = static_cast<long long>(yoe) + era * 400 + (mm <= 2);
        char buf[40];
        std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d.000Z", yy, mm, dd,
                      static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60),
                      static_cast<int>(secs % 60));
        out += buf;
    }

    void card(std::string& out) {
        const double u = rng.uniform();
        const int type = u < d.type_share[0] ? 0 : u < d.type_share[0] + d.type_share[1] ? 1 : 2;
        const TypeProfile& t = d.types[type];
        fm.clear();
        languages.clear();
        tags.clear();
        task.clear();
        license.clear();
        library.clear();
        base.clear();
        relation.clear();
        // Field shares in the profile are over all cards; a card without front matter has
        // none, so the others declare each field at share / front_matter_share.
        const bool has_fm = rng.chance(d.front_matter[type]);
        fm_scale = 1.0 / std::max(d.front_matter[type], 0.01);
        if (has_fm && type == 0) model_front_matter(t);
        else if (has_fm && type == 1) dataset_front_matter(t);
        else if (has_fm) space_front_matter();
        make_id(type);
        make_body(type, t);

        out += "{\"id\":\"";
        out += id;
        out += "\",\"type\":\"";
        out += type == 0 ? "model" : type == 1 ? "dataset" : "space";
        out += "\",\"readme\":\"";
        if (!fm.empty()) {
            out += "---\\n";
            out += fm;
            out += "---\\n";
        }
        out += body;
        out += '"';
        // Downloads (not for Spaces, which have none on the Hub) and likes given downloads.
        std::int64_t downloads = 0;
        if (!rng.chance(d.zero_downloads)) {
            downloads = std::max<std::int64_t>(1, std::llround(d.downloads.at(rng.uniform(), true)));
        }
        if (type != 2) out += ",\"downloads\":" + std::to_string(downloads);
        const auto bucket = std::min<std::size_t>(
            static_cast<std::size_t>(std::log2(1.0 + static_cast<double>(downloads))), d.likes.size() - 1);
        const auto likes = static_cast<std::int64_t>(d.likes[bucket].at(rng.uniform(), true));
        out += ",\"likes\":" + std::to_string(likes);
        const auto created = static_cast<std::int64_t>(d.created.at(rng.uniform(), false));
        const auto now = static_cast<std::int64_t>(d.created.v.back());
        const auto modified = std::min(now, created + static_cast<std::int64_t>(
                                                          d.modified_gap.at(rng.uniform(), true)));
        out += ",\"createdAt\":\"";
        iso_date(created, out);
        out += "\",\"lastModified\":\"";
        iso_date(std::max(created, modified), out);
        out += '"';
        if (type != 2) {
            const double g = rng.uniform();
            if (g < d.gated_auto) out += ",\"gated\":\"auto\"";
            else if (g < d.gated_auto + d.gated_manual) out += ",\"gated\":\"manual\"";
        }
        if (rng.chance(d.private_share)) out += ",\"private\":true";
        if (likes > 0 && rng.chance(d.trending_share * 4)) {
            out += ",\"trendingScore\":" + std::to_string(1 + likes * static_cast<std::int64_t>(rng.below(30)) / 100);
        }
        out += "}\n";
    }
};

SynthGenerator::SynthGenerator(std::shared_ptr<const SynthProfile> profile, const SynthOptions& options)
    : impl_(std::make_unique<Impl>(std::move(profile), options)) {}
SynthGenerator::~SynthGenerator() = default;

bool SynthGenerator::next(std::string& out) {
    if (impl_->done >= impl_->count) return false;
    impl_->card(out);
    ++impl_->done;
    return true;
}

std::size_t SynthGenerator::generated() const noexcept { return impl_->done; }

Result<std::uint64_t> write_synth_cards(const std::string& path,
                                        std::shared_ptr<const SynthProfile> profile,
                                        const SynthOptions& options) {
    std::FILE* f = path == "-" ? stdout : std::fopen(path.c_str(), "wb");
    if (!f) return make_error(Errc::Internal, "cannot open for writing", path);
    SynthGenerator gen(std::move(profile), options);
    std::string buf;
    std::uint64_t bytes = 0;
    bool ok = true;
    while (gen.next(buf)) {
        if (buf.size() >= (1u << 20)) {
            ok = ok && std::fwrite(buf.data(), 1, buf.size(), f) == buf.size();
            bytes += buf.size();
            buf.clear();
        }
    }
    ok = ok && std::fwrite(buf.data(), 1, buf.size(), f) == buf.size();
    bytes += buf.size();
    ok = (path == "-" ? std::fflush(f) : std::fclose(f)) == 0 && ok;
    if (!ok) return make_error(Errc::Internal, "write failed", path);
    return bytes;
}

}  // namespace cardex::ingest
