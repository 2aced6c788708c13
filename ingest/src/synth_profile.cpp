// Loading the synthetic corpus profile (data/synth, written by scripts/gen-profile) and
// building the text pool. See synth.h and synth.cpp.
#include <simdjson.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string_view>

#include "cardex/index/tsv.h"
#include "cardex/index/vocabulary.h"
#include "synth_internal.h"

namespace cardex::ingest {

namespace fs = std::filesystem;
using namespace synth;

namespace {

using Data = SynthProfile::Data;

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
        auto text = index::read_text_file(path.string());
        if (!text) return make_error(Errc::NotFound, "synth profile file missing", path.string());
        Status st = Ok{};
        index::for_each_tsv_row(*text, [&](const index::TsvRow& row) {
            if (!st) return;
            if (row.size() < min_cols) {
                st = bad(path, "too few columns");
                return;
            }
            fn(std::vector<std::string>(row.fields.begin(), row.fields.end()));
        });
        return st;
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
    return (fs::path(index::Vocabulary::default_dir()).parent_path() / "synth").string();
}

}  // namespace cardex::ingest
