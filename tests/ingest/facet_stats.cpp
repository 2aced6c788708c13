// cardex_facet_stats SOURCE...: facet coverage before and after normalization, the numbers
// of docs/DATA.md. Reads the sources exactly as `cardex reindex` does (read_cards), then
// compares the raw front matter values (from each card's cardData) with the normalized
// facets. Raw values are counted once per distinct string, case kept, as
// data/tables/README.md counts them.
#include <simdjson.h>

#include <cstdio>
#include <map>
#include <set>
#include <string>

#include "cardex/ingest/sources.h"

using namespace cardex;

namespace {

struct Facet {
    std::map<std::string, std::size_t> raw;          // distinct raw value -> occurrences
    std::map<std::string, std::string> canonical;    // raw value -> canonical ("" unmapped)
    std::size_t cards_declaring = 0, cards_resolved = 0;
};

// Strings of a scalar or an array in cardData; numbers and booleans as their JSON text.
std::vector<std::string> values(simdjson::dom::object obj, std::string_view key) {
    std::vector<std::string> out;
    simdjson::dom::element e;
    if (obj[key].get(e)) return out;
    auto one = [&](simdjson::dom::element v) {
        std::string_view s;
        if (!v.get_string().get(s)) {
            out.emplace_back(s);
        } else if (!v.is_null() && !v.is_array() && !v.is_object()) {
            std::string typed(1, '<');  // a number or boolean where text belongs
            typed.append(simdjson::to_string(v)).push_back('>');
            out.push_back(std::move(typed));
        }
    };
    simdjson::dom::array arr;
    if (!e.get_array().get(arr)) {
        for (auto v : arr) one(v);
    } else {
        one(e);
    }
    return out;
}

void print(const char* title, const Facet& f, std::size_t show_unmapped) {
    std::set<std::string> canon;
    std::size_t occ = 0, unmapped_occ = 0;
    std::map<std::string, std::size_t> unmapped;
    for (const auto& [raw, n] : f.raw) {
        occ += n;
        const auto& c = f.canonical.at(raw);
        if (c.empty()) {
            unmapped[raw] = n;
            unmapped_occ += n;
        } else if (c[0] != '(') {
            canon.insert(c);
        }
    }
    std::printf("%s: %zu distinct raw values (%zu occurrences) -> %zu canonical values; "
                "unmapped %zu distinct (%zu occurrences); cards declaring %zu, with a canonical "
                "value %zu\n",
                title, f.raw.size(), occ, canon.size(), unmapped.size(), unmapped_occ,
                f.cards_declaring, f.cards_resolved);
    std::size_t shown = 0;
    for (const auto& [raw, n] : unmapped) {
        if (shown++ == show_unmapped) break;
        std::printf("  unmapped: '%s' x%zu\n", raw.c_str(), n);
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: cardex_facet_stats SOURCE...\n");
        return 2;
    }
    auto tables = index::Vocabulary::load(index::Vocabulary::default_dir());
    if (!tables) {
        std::fprintf(stderr, "tables: %s\n", tables.error().message.c_str());
        return 1;
    }
    const auto& t = *tables.value();
    Facet lang, bcp, lic, pipeline, cats, ids;
    std::map<std::string, std::size_t> reuse, modality, norm_lang, norm_group, norm_lic, norm_task;
    std::size_t cards = 0, special_multi = 0, special_code = 0, special_ignored = 0;
    simdjson::dom::parser json;

    auto resolve_language = [&](const std::string& v) -> std::string {
        if (auto sp = t.special_language(v)) {
            return *sp == index::SpecialLanguage::Multilingual ? "(multilingual)"
                   : *sp == index::SpecialLanguage::Code      ? "(code)"
                                                                : "(ignored)";
        }
        const auto* l = t.language(v);
        return l ? l->code : "";
    };
    auto add = [](Facet& f, const std::vector<std::string>& vs, auto&& resolve) {
        if (vs.empty()) return;
        ++f.cards_declaring;
        bool any = false;
        for (const auto& v : vs) {
            ++f.raw[v];
            auto it = f.canonical.find(v);
            if (it == f.canonical.end()) it = f.canonical.emplace(v, resolve(v)).first;
            any |= !it->second.empty() && it->second[0] != '(';
        }
        f.cards_resolved += any;
    };

    std::vector<std::string> sources(argv + 1, argv + argc);
    auto report = ingest::read_cards(sources, tables.value(), {}, [&](index::Card&& c) {
        ++cards;
        simdjson::dom::element doc;
        simdjson::dom::object obj;
        if (json.parse(c.card_data_json).get(doc) || doc.get_object().get(obj)) return;
        auto langs = values(obj, "language");
        if (langs.empty()) langs = values(obj, "languages");
        add(lang, langs, resolve_language);
        for (const auto& v : langs) {
            auto r = resolve_language(v);
            special_multi += r == "(multilingual)";
            special_code += r == "(code)";
            special_ignored += r == "(ignored)";
        }
        add(bcp, values(obj, "language_bcp47"), resolve_language);
        auto lics = values(obj, "license");
        if (lics.empty()) lics = values(obj, "licenses");
        add(lic, lics, [&](const std::string& v) {
            const auto* l = t.license(v);
            return l ? l->hub_id : std::string();
        });
        auto task = [&](const std::string& v) {
            const auto* k = t.resolve_task(v);
            return k ? k->pipeline_tag : std::string();
        };
        if (c.type == index::CardType::Model) add(pipeline, values(obj, "pipeline_tag"), task);
        add(cats, values(obj, "task_categories"), task);
        add(ids, values(obj, "task_ids"), [&](const std::string& v) {
            const auto* k = t.resolve_task(v);
            return k ? k->pipeline_tag : std::string();
        });
        for (const auto& l : c.languages) ++norm_lang[l];
        for (const auto& l : c.language_groups) ++norm_group[l];
        if (!c.license.empty()) ++norm_lic[c.license];
        ++reuse[c.reuse];
        for (const auto& k : c.tasks) ++norm_task[k];
        for (const auto& m : c.modalities) ++modality[m];
    });

    std::printf("sources: read %zu, cards %zu, repaired %zu, rejected %zu, merged %zu\n", report.read,
                cards, report.repaired, report.rejected, report.merged);
    for (const auto& [reason, n] : report.warned_by_reason) std::printf("  warnings (%s): %zu\n", reason.c_str(), n);
    for (const auto& [reason, n] : report.rejected_by_reason) std::printf("  rejected (%s): %zu\n", reason.c_str(), n);
    std::printf("\nBEFORE -> AFTER normalization (raw front matter values -> canonical)\n");
    print("language", lang, 20);
    std::printf("  specials: multilingual %zu, code %zu, ignored %zu occurrences\n", special_multi,
                special_code, special_ignored);
    print("language_bcp47", bcp, 10);
    print("license", lic, 20);
    print("pipeline_tag (models)", pipeline, 20);
    print("task_categories", cats, 20);
    print("task_ids", ids, 20);
    std::printf("\nAFTER normalization (facet values of the cards)\n");
    std::printf("languages: %zu distinct codes; %zu macrolanguage groups\n", norm_lang.size(), norm_group.size());
    std::printf("licenses: %zu distinct hub ids\n", norm_lic.size());
    std::printf("reuse:");
    for (const auto& [k, n] : reuse) std::printf(" %s %zu", k.c_str(), n);
    std::printf("\ntasks: %zu distinct pipeline tags; modality:", norm_task.size());
    for (const auto& [k, n] : modality) std::printf(" %s %zu", k.c_str(), n);
    std::printf("\n");
    return 0;
}
