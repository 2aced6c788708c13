// The facet normalizers. See facets.h; the Hub's rules they follow are in
// docs/HUB-COMPAT.md and docs/HUB-API.md §12.
#include "facets.h"

#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <unordered_map>

#include "cardex/index/doi.h"

namespace cardex::ingest {

namespace {

using index::Card;
using index::CardType;

// Languages: canonical codes, their macrolanguages, raw values kept. language_bcp47 (en-US,
// fr-CA) adds the languages of its tags. "multilingual" and "code" are tags, not languages.
void languages(const FacetInput& in, Card& c) {
    auto values = in.fields.list2("language", "languages", true);
    for (auto& v : in.fields.list("language_bcp47", true)) values.push_back(std::move(v));
    Unique tags(c.tags), codes(c.languages), groups(c.language_groups);
    for (const auto& v : values) {
        c.languages_raw.push_back(v);
        if (auto sp = in.vocab.special_language(v)) {
            if (*sp == index::SpecialLanguage::Multilingual) tags.add("multilingual");
            if (*sp == index::SpecialLanguage::Code) tags.add("code");
            continue;
        }
        if (const index::Language* l = in.vocab.language(v)) {
            codes.add(l->code);
            if (!l->macro.empty()) groups.add(l->macro);
        }
    }
}

// Licenses: every declared one as a Hub id (unknown ones are `other`), the first with its
// SPDX id and reuse class. (`licence:` is not read: the Hub ignores that spelling, and 268
// real cards carry a `licence: license` template placeholder.)
void licenses(const FacetInput& in, Card& c) {
    const auto values = in.fields.list2("license", "licenses", true);
    if (values.empty()) {
        c.reuse = "unknown";
        return;
    }
    if (const index::License* l = in.vocab.license(values.front())) {
        c.license = l->hub_id;
        c.license_spdx = l->spdx;
        c.reuse = l->reuse;
        c.license_name = c.license == "other" ? in.fields.scalar("license_name") : "";
    } else {
        c.license = "other";
        c.license_name = values.front();
        c.reuse = "unknown";
    }
    Unique tags(c.tags), licenses(c.licenses);
    for (const auto& l : values) {
        const index::License* known = in.vocab.license(l);
        tags.add("license:" + (known ? known->hub_id : to_lower(l)));
        licenses.add(known ? known->hub_id : "other");
    }
}

// The pipeline tag and the tasks, one normalizer because both read the declared
// pipeline_tag (once: a wrong type warns once).
// A model's pipeline_tag: the Hub's own with the Hub's fields (absent is absent), else the
// declared one as written when it is a pipeline type, else the listing's. Tasks
// (normalized pipeline tags) and their modalities: a model's pipeline tag; a dataset's
// task_categories plus the categories of its task_ids; legacy tags map to current ones.
void tasks(const FacetInput& in, Card& c) {
    const RawRecord& raw = in.raw;
    const std::string declared = in.fields.scalar("pipeline_tag");
    if (raw.hub_fields) {
        c.pipeline_tag = trim(raw.pipeline_tag.value_or(""));
    } else if (c.type == CardType::Model) {
        if (in.vocab.is_pipeline_tag(declared)) {
            c.pipeline_tag = declared;
        } else if (raw.pipeline_tag && in.vocab.is_pipeline_tag(trim(*raw.pipeline_tag))) {
            c.pipeline_tag = trim(*raw.pipeline_tag);
        }
    }
    Unique tasks(c.tasks), modalities(c.modalities), task_ids(c.task_ids);
    auto add_task = [&](std::string_view v) {
        if (const index::Task* t = in.vocab.resolve_task(v)) {
            tasks.add(t->pipeline_tag);
            modalities.add(t->modality);
        }
    };
    add_task(c.pipeline_tag);
    add_task(declared);
    for (const auto& v : in.fields.list("task_categories")) add_task(v);
    for (const auto& v : in.fields.list("task_ids")) {
        task_ids.add(to_lower(v));
        add_task(v);
    }
    if (c.tasks.empty() && raw.pipeline_tag) add_task(*raw.pipeline_tag);
}

// library_name: the Hub's own with the Hub's fields (never one the Hub has not set).
void library(const FacetInput& in, Card& c) {
    if (in.raw.hub_fields) {
        c.library = trim(in.raw.library_name.value_or(""));
        return;
    }
    c.library = to_lower(in.fields.scalar("library_name"));
    if (c.library.empty() && in.raw.library_name) c.library = to_lower(trim(*in.raw.library_name));
}

void size_category(const FacetInput& in, Card& c) {
    if (auto sizes = in.fields.list("size_categories"); !sizes.empty()) {
        c.size_category = sizes.front();
    }
}

// Models: datasets trained on; Spaces: datasets they use (a field, not a tag, on the Hub).
// A Space known only from a listing record (`/api/spaces?linked=true`) has them as a field.
void datasets(const FacetInput& in, Card& c) {
    if (c.type == CardType::Dataset) return;
    Unique datasets(c.datasets);
    for (const auto& d : in.fields.list("datasets")) datasets.add(d);
    if (c.type == CardType::Space && c.datasets.empty()) {
        for (const auto& d : in.raw.datasets) datasets.add(trim(d));
    }
}

// A Space's SDK and the models it declares: its config block (docs/HUB-API.md §12), else
// what a listing record of the Space says. Both are fields on the Hub, not tags (the SDK
// is also a tag: `tags` adds it).
void space_links(const FacetInput& in, Card& c) {
    if (c.type != CardType::Space) return;
    c.sdk = to_lower(in.fields.scalar("sdk"));
    if (c.sdk.empty() && in.raw.sdk) c.sdk = to_lower(trim(*in.raw.sdk));
    Unique models(c.models);
    for (const auto& m : in.fields.list("models")) models.add(m);
    if (c.models.empty()) {
        for (const auto& m : in.raw.models) models.add(trim(m));
    }
}

// Whether one of `tags` is one of `wanted` (lower case), in any case.
bool has_tag(std::span<const std::string> tags, std::span<const std::string_view> wanted) {
    return std::any_of(tags.begin(), tags.end(), [&](const std::string& t) {
        return std::find(wanted.begin(), wanted.end(), to_lower(t)) != wanted.end();
    });
}

// The relation the Hub would infer for a base model named without one. The Hub reads the
// repository's files (adapter_config.json, GGUF files, quantization configs), which a card
// cannot show; these markers stand for them (docs/HUB-API.md §12, "Lineage relations",
// measured there on the real cards against the Hub's own tags). Markers the measurement
// contradicts are left out: the `peft`, `4-bit`, `8-bit` and `quantized` tags are on
// fine-tunes trained with adapters or in low precision and uploaded merged (the Hub says
// `finetune` for each of them in the data), and mergekit merges naming one model (listed
// twice, or once) are `finetune` on the Hub too.
std::string inferred_relation(const FacetInput& in, const Card& c) {
    static constexpr std::string_view kAdapter[] = {"lora", "adapter"};
    static constexpr std::string_view kQuantized[] = {"gguf", "gptq", "awq", "exl2"};
    static constexpr std::string_view kMerge[] = {"merge", "mergekit"};
    // Without warnings: `tags` warns once, where the tags are read.
    const auto card_tags = plain_list(in.fields.meta.find("tags"));
    auto marked = [&](std::span<const std::string_view> wanted) {
        return has_tag(card_tags, wanted) || has_tag(in.raw_tags, wanted);
    };
    if (c.library == "peft" || marked(kAdapter)) return "adapter";
    if (c.library == "gguf" || in.raw.gguf_json || marked(kQuantized)) return "quantized";
    std::vector<std::string> distinct;
    for (const auto& b : c.base_models) {
        if (std::find(distinct.begin(), distinct.end(), b.id) == distinct.end()) {
            distinct.push_back(b.id);
        }
    }
    if (distinct.size() > 1 && marked(kMerge)) return "merge";
    return "finetune";
}

// Base models with their relation; the API's tags say the relation the Hub inferred
// (base_model:<rel>:<id>). Without the Hub's fields, a base model named without a relation
// gets the one inferred_relation gives; with them, the Hub's tags are the whole truth (a base
// model they tag without a relation has none, as on the Hub).
void base_models(const FacetInput& in, Card& c) {
    const std::string relation = to_lower(in.fields.scalar("base_model_relation"));
    for (const auto& b : in.fields.list("base_model")) c.base_models.push_back({b, relation});
    // id -> index in base_models: one lookup per tag, however many base models there are.
    std::unordered_multimap<std::string, std::size_t> base_at;
    for (std::size_t i = 0; i < c.base_models.size(); ++i) base_at.emplace(c.base_models[i].id, i);
    for (const auto& t : in.raw_tags) {
        if (t.rfind("base_model:", 0) != 0) continue;
        std::string_view rest = std::string_view(t).substr(11);
        auto colon = rest.find(':');
        if (colon == std::string_view::npos) continue;
        std::string rel(rest.substr(0, colon)), id(rest.substr(colon + 1));
        // Only the Hub's relations: "base_model:https://..." is a base model written as a URL.
        if (rel != "finetune" && rel != "adapter" && rel != "quantized" && rel != "merge") continue;
        const auto [first, last] = base_at.equal_range(id);
        for (auto it = first; it != last; ++it) {
            auto& bm = c.base_models[it->second];
            if (bm.relation.empty()) bm.relation = rel;
        }
        if (first == last) {
            base_at.emplace(id, c.base_models.size());
            c.base_models.push_back({std::move(id), std::move(rel)});
        }
    }
    if (in.raw.hub_fields) return;
    std::string inferred;
    for (auto& bm : c.base_models) {
        if (!bm.relation.empty()) continue;
        if (inferred.empty()) inferred = inferred_relation(in, c);
        bm.relation = inferred;
    }
}

// Gated: a listing field; a card with a gating form is at least "auto".
void gated(const FacetInput& in, Card& c) {
    if (in.raw.gated) {
        auto g = to_lower(*in.raw.gated);
        c.gated = g == "manual"                  ? index::Gated::Manual
                  : (g == "auto" || g == "true") ? index::Gated::Auto
                                                 : index::Gated::No;
    } else if (in.fields.meta.find("extra_gated_prompt") ||
               in.fields.meta.find("extra_gated_fields")) {
        c.gated = index::Gated::Auto;
    }
}

// Tags: the card's own, then the Hub-derived ones (docs/HUB-API.md §12), then the API's.
void tags(const FacetInput& in, Card& c) {
    Unique tags(c.tags);
    for (const auto& t : in.fields.list("tags")) tags.add(t);
    const bool is_model = c.type == CardType::Model;
    for (const auto& l : c.languages) tags.add(is_model ? l : "language:" + l);
    if (is_model) {
        for (const auto& d : c.datasets) tags.add("dataset:" + d);
    }
    for (const auto& b : c.base_models) {
        tags.add("base_model:" + b.id);
        if (!b.relation.empty()) tags.add("base_model:" + b.relation + ":" + b.id);
    }
    if (is_model) {
        if (!c.tasks.empty()) tags.add(c.tasks.front());
        if (!c.library.empty()) tags.add(c.library);
    } else if (c.type == CardType::Dataset) {
        static constexpr std::array<std::string_view, 8> kKeys{"task_categories",
                                                               "task_ids",
                                                               "size_categories",
                                                               "multilinguality",
                                                               "language_creators",
                                                               "annotations_creators",
                                                               "source_datasets",
                                                               "benchmark"};
        for (const auto k : kKeys) {
            for (const auto& v : plain_list(in.fields.meta.find(k))) {
                tags.add(concat({k, ":", v}));
            }
        }
    } else {
        tags.add(c.sdk);
    }
    for (const auto& t : in.raw_tags) tags.add(t);
}

// Where a DOI or an arXiv reference can start. The regular expressions run anchored at
// these places instead of over the whole body: "10." and "arxiv" are rare in card text, and
// scanning for them with memchr/memmem costs a fraction of an unanchored RE2 search.
std::vector<std::size_t> doi_cues(std::string_view text) {
    std::vector<std::size_t> out;
    for (std::size_t i = text.find("10."); i != std::string_view::npos;
         i = text.find("10.", i + 1)) {
        out.push_back(i);
    }
    return out;
}
std::vector<std::size_t> arxiv_cues(std::string_view text) {
    std::vector<std::size_t> out;
    // "arxiv" in any case: memchr for each case of the x (find_first_of would call memchr
    // once per byte).
    for (char x : {'x', 'X'}) {
        for (std::size_t i = text.find(x, 2); i != std::string_view::npos;
             i = text.find(x, i + 1)) {
            if (i + 2 < text.size() && (text[i - 1] | 0x20) == 'r' && (text[i - 2] | 0x20) == 'a' &&
                (text[i + 1] | 0x20) == 'i' && (text[i + 2] | 0x20) == 'v') {
                out.push_back(i - 2);
            }
        }
    }
    // hf.co/papers/ and huggingface.co/papers/: start where either host would.
    for (std::size_t i = text.find("/papers/"); i != std::string_view::npos;
         i = text.find("/papers/", i + 1)) {
        if (i >= 5) out.push_back(i - 5);
        if (i >= 14) out.push_back(i - 14);
    }
    std::sort(out.begin(), out.end());
    return out;
}

// Both are matched anchored at a cue (RE2::Consume), so neither needs a leading wildcard.
// Parentheses are allowed inside a DOI (10.1016/S0140-6736(20)30183-5); one the DOI did not
// open is cut off by normalize_doi.
const RE2& doi_re() {
    static const RE2 re(R"((10\.\d{4,9}/[^\s"'<>\]\[{}|\\^`]+))");
    return re;
}
const RE2& arxiv_re() {
    static const RE2 re(
        R"((?i)(?:arxiv\.org/(?:abs|pdf)/|arxiv:\s?|hf\.co/papers/|huggingface\.co/papers/)(\d{4}\.\d{4,5}))");
    return re;
}

// Where the first HTML character reference ("&#41;", "&#x29;", "&amp;") in `s` starts, or
// npos. A DOI may hold a bare '&', never one of these.
std::size_t html_reference_at(std::string_view s) {
    for (std::size_t i = s.find('&'); i != std::string_view::npos; i = s.find('&', i + 1)) {
        std::size_t j = i + 1;
        if (j < s.size() && s[j] == '#') {
            ++j;
            if (j < s.size() && (s[j] == 'x' || s[j] == 'X')) ++j;
        }
        const std::size_t start = j;
        while (j < s.size() && std::isalnum(static_cast<unsigned char>(s[j]))) ++j;
        // A named reference needs its ';'; a numeric one ("&#41" at the end) does not.
        if (j > start && (j < s.size() ? s[j] == ';' : s[i + 1] == '#')) {
            return i;
        }
    }
    return std::string_view::npos;
}

// A DOI as found in card text, normalized once here (index/doi.h) so the facet and
// /api/doi/ agree. Card text is markdown with HTML in it: a character reference ("&#41;" for
// the parenthesis after a link, "&amp;") ends the DOI, it is not part of it.
std::string found_doi(std::string m) {
    if (const auto amp = html_reference_at(m); amp != std::string::npos) m.resize(amp);
    return index::normalize_doi(m);
}

// At most 20 matches of `re` in `body`, in text order, tried at `cues`; a match is not
// searched again inside one found before it (what a left-to-right scan of the whole text
// would do).
template <class Add>
void scan(std::string_view body, const std::vector<std::size_t>& cues, const RE2& re, Add add) {
    std::string m;
    std::size_t n = 0, end = 0;
    for (std::size_t at : cues) {
        if (n >= 20) break;
        if (at < end) continue;
        re2::StringPiece rest(body.data() + at, body.size() - at);
        if (RE2::Consume(&rest, re, &m)) {
            add(m);
            end = static_cast<std::size_t>(rest.data() - body.data());
            ++n;
        }
    }
}

// DOIs and arXiv ids: from the tags, then from the front matter (a `doi:` field, a
// `citation:` block), then from the card text (citation blocks, doi.org links); each also
// becomes a tag.
void papers(const FacetInput& in, Card& c) {
    Unique dois(c.dois), arxiv_ids(c.arxiv_ids);
    for (const auto& t : c.tags) {
        if (t.rfind("doi:", 0) == 0) dois.add(index::normalize_doi(t.substr(4)));
        if (t.rfind("arxiv:", 0) == 0) arxiv_ids.add(t.substr(6));
    }
    for (std::string_view text : {in.front_matter, in.body}) {
        scan(text, doi_cues(text), doi_re(), [&](const std::string& m) {
            dois.add(found_doi(m));
        });
    }
    scan(in.body, arxiv_cues(in.body), arxiv_re(), [&](const std::string& m) {
        arxiv_ids.add(m);
    });
    Unique tags(c.tags);
    for (const auto& a : c.arxiv_ids) tags.add("arxiv:" + a);
    for (const auto& d : c.dois) tags.add("doi:" + d);
}

// The Hub's own tags are the truth where the record has them: exactly those, in their
// order (the rules above cannot see the repository's files, and the Hub does not tag every
// base model, task or DOI a card names). The facets above stay.
void hub_tags(const FacetInput& in, Card& c) {
    if (in.raw.hub_fields) c.tags.assign(in.raw_tags.begin(), in.raw_tags.end());
}

constexpr FacetNormalizer kNormalizers[] = {
    {"languages, language_groups, languages_raw", "language languages language_bcp47", languages},
    {"license, licenses, license_spdx, license_name, reuse",
     "license licenses license_name",
     licenses},
    {"pipeline_tag, tasks, modalities, task_ids", "pipeline_tag task_categories task_ids", tasks},
    {"library", "library_name", library},
    {"size_category", "size_categories", size_category},
    {"datasets", "datasets", datasets},
    {"sdk, models", "sdk models", space_links},
    {"base_models", "base_model base_model_relation", base_models},
    {"gated", "extra_gated_prompt extra_gated_fields", gated},
    {"tags",
     "tags task_categories task_ids size_categories multilinguality language_creators "
     "annotations_creators source_datasets benchmark",
     tags},
    {"dois, arxiv_ids", "", papers},
    {"tags (the Hub's own)", "", hub_tags},
};

}  // namespace

std::span<const FacetNormalizer> facet_normalizers() {
    return kNormalizers;
}

}  // namespace cardex::ingest
