// Synthetic cards from a measured profile. See synth.h and scripts/gen-profile.
//
// Speed comes from one idea: the body text is not drawn word by word per card. At load, a
// pool of a few MB of Zipf-distributed text (already JSON-escaped, words separated by
// spaces) is generated once; a card body is then a sequence of slices of that pool cut at
// spaces, interleaved with section headings and the search phrases the card should mention.
// So a card costs about its length in memcpy, and every JSON escape in the pool is whole.
#include "cardex/ingest/synth.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <string_view>
#include <tuple>
#include <unordered_set>

#include "synth_internal.h"

namespace cardex::ingest {

using namespace synth;
using Data = SynthProfile::Data;

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
    // Ids of public models and datasets generated so far that have downloads (a bounded
    // reservoir): what later Spaces declare and models build on, so links resolve inside the
    // corpus.
    static constexpr std::size_t kPoolSize = 4096;
    std::array<std::vector<std::string>, 2> linkable;  // model, dataset
    std::array<std::size_t, 2> linkable_seen{};
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

    // One linkable id of `type`, or "" while there is none.
    const std::string& linkable_id(int type) {
        static const std::string none;
        const auto& p = linkable[static_cast<std::size_t>(type)];
        return p.empty() ? none : p[rng.below(p.size())];
    }

    // Reservoir sampling (Algorithm R): every eligible id so far is kept with the
    // same chance, whatever the corpus size.
    void add_linkable(int type) {
        auto& p = linkable[static_cast<std::size_t>(type)];
        const std::size_t seen = ++linkable_seen[static_cast<std::size_t>(type)];
        if (p.size() < kPoolSize) {
            p.push_back(id);
        } else if (const std::size_t j = rng.below(seen); j < kPoolSize) {
            p[j] = id;
        }
    }

    void model_front_matter(const TypeProfile& t) {
        if (rng.chance(t.share("base_model", fm_scale)) && !d.base_models.empty()) {
            // Mostly the measured popular bases; a share of generated models, so the corpus
            // has trees deeper than one generation (fine-tunes of fine-tunes, quantizations
            // of both), as the Hub's model trees do (assumed share, docs/DATA.md).
            base = rng.chance(0.25) ? linkable_id(0) : std::string();
            if (base.empty()) base = d.base_models.sample(rng);
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
        // The models and datasets the app declares (assumed shares, docs/DATA.md), drawn
        // from cards generated before it so that every link resolves.
        for (const auto& [key, type, share] :
             {std::tuple{"models", 0, 0.35}, std::tuple{"datasets", 1, 0.12}}) {
            if (!rng.chance(share)) continue;
            std::vector<std::string> linked;
            for (std::size_t n = 1 + rng.below(3); n > 0; --n) {
                const std::string& l = linkable_id(type);
                if (!l.empty() && std::find(linked.begin(), linked.end(), l) == linked.end())
                    linked.push_back(l);
            }
            if (!linked.empty()) yaml_list(key, linked);
        }
    }

    void make_id(int type) {
        id.clear();
        if (!rng.chance(d.legacy_share)) {
            id = namespaces[slot_namespace[done]];
            id += '/';
        }
        const std::size_t ns_len = id.size();
        if (type == 0) {
            const auto slash = base.find('/');
            const std::string_view base_name =
                std::string_view(base).substr(slash == std::string::npos ? 0 : slash + 1);
            // A name at most 96 characters long (the Hub's rule): a tree of generated models
            // named after their bases would grow one suffix per generation.
            if (!base.empty() && rng.chance(0.7) && base_name.size() < 64) {
                id += base_name;
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
        const bool is_private = rng.chance(d.private_share);
        if (is_private) out += ",\"private\":true";
        if (type != 2 && !is_private && downloads > 0) add_linkable(type);
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
