#include "cardex/index/summary.h"

#include <xapian.h>
#include <zdict.h>
#include <zstd.h>

#include <memory>
#include <mutex>

#include "cardex/index/schema.h"
#include "cardex/index/summary_generated.h"
#include "internal.h"

namespace cardex::index {

namespace {

using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;
using flatbuffers::String;
using flatbuffers::Vector;

Offset<Vector<Offset<String>>> strings(FlatBufferBuilder& b, const std::vector<std::string>& v) {
    return b.CreateVectorOfStrings(v);
}

std::string str(const String* s) {
    return s ? s->str() : std::string();
}

std::vector<std::string> strs(const Vector<Offset<String>>* v) {
    std::vector<std::string> out;
    if (!v) return out;
    out.reserve(v->size());
    for (const auto* s : *v) out.push_back(s->str());
    return out;
}

// Cut at a UTF-8 character boundary at or before `limit`.
std::string_view utf8_prefix(std::string_view s, std::size_t limit) {
    if (s.size() <= limit) return s;
    std::size_t end = limit;
    while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
    return s.substr(0, end);
}

// Fills `b` with the card's summary table.
void build_summary(FlatBufferBuilder& b, const Card& c) {
    std::vector<Offset<fb::BaseModel>> bases;
    bases.reserve(c.base_models.size());
    for (const auto& bm : c.base_models) {
        bases.push_back(fb::CreateBaseModelDirect(b, bm.id.c_str(), bm.relation.c_str()));
    }
    auto text = utf8_prefix(c.body, kSummaryTextBytes);
    auto id = b.CreateString(c.id);
    auto author = b.CreateString(c.author);
    auto name = b.CreateString(c.name);
    auto title = b.CreateString(c.title);
    auto description = b.CreateString(c.description);
    auto tasks = strings(b, c.tasks);
    auto modalities = strings(b, c.modalities);
    auto task_ids = strings(b, c.task_ids);
    auto languages = strings(b, c.languages);
    auto groups = strings(b, c.language_groups);
    auto raw = strings(b, c.languages_raw);
    auto license = b.CreateString(c.license);
    auto spdx = b.CreateString(c.license_spdx);
    auto license_name = b.CreateString(c.license_name);
    auto reuse = b.CreateString(c.reuse);
    auto library = b.CreateString(c.library);
    auto tags = strings(b, c.tags);
    auto base_models = b.CreateVector(bases);
    auto datasets = strings(b, c.datasets);
    auto size = b.CreateString(c.size_category);
    auto dois = strings(b, c.dois);
    auto arxiv = strings(b, c.arxiv_ids);
    auto card_data = b.CreateString(c.card_data_json);
    auto text_off = b.CreateString(text.data(), text.size());
    auto markdown = b.CreateString(c.markdown);
    auto pipeline_tag = b.CreateString(c.pipeline_tag);
    auto licenses = strings(b, c.licenses);
    auto safetensors = b.CreateString(c.safetensors_json);
    auto gguf = b.CreateString(c.gguf_json);
    auto sha = b.CreateString(c.sha);
    auto readme_head = b.CreateString(c.readme_head);
    auto sdk = b.CreateString(c.sdk);
    auto models = strings(b, c.models);

    fb::CardSummaryBuilder s(b);
    s.add_id(id);
    s.add_type(static_cast<std::uint8_t>(c.type));
    s.add_author(author);
    s.add_name(name);
    s.add_title(title);
    s.add_description(description);
    s.add_tasks(tasks);
    s.add_modalities(modalities);
    s.add_task_ids(task_ids);
    s.add_languages(languages);
    s.add_language_groups(groups);
    s.add_languages_raw(raw);
    s.add_license(license);
    s.add_license_spdx(spdx);
    s.add_license_name(license_name);
    s.add_reuse(reuse);
    s.add_library(library);
    s.add_tags(tags);
    s.add_base_models(base_models);
    s.add_datasets(datasets);
    s.add_size_category(size);
    s.add_gated(static_cast<std::uint8_t>(c.gated));
    s.add_is_private(c.is_private);
    s.add_dois(dois);
    s.add_arxiv_ids(arxiv);
    s.add_downloads(c.downloads);
    s.add_downloads_all_time(c.downloads_all_time);
    s.add_likes(c.likes);
    s.add_trending_score(c.trending_score);
    s.add_created_at(c.created_at);
    s.add_last_modified(c.last_modified);
    s.add_card_data_json(card_data);
    s.add_text(text_off);
    s.add_markdown(markdown);
    s.add_pipeline_tag(pipeline_tag);
    s.add_licenses(licenses);
    s.add_disabled(c.disabled);
    s.add_used_storage(c.used_storage);
    s.add_num_parameters(c.num_parameters);
    s.add_siblings_count(c.siblings_count);
    s.add_spaces_count(c.spaces_count);
    s.add_safetensors_json(safetensors);
    s.add_gguf_json(gguf);
    s.add_sha(sha);
    s.add_readme_head(readme_head);
    s.add_has_readme(c.has_readme);
    s.add_datestamp(c.datestamp);
    s.add_quality_present(c.quality_present);
    s.add_quality_missing(c.quality_missing);
    s.add_quality_score(static_cast<std::int16_t>(c.quality_score));
    s.add_sdk(sdk);
    s.add_models(models);
    b.Finish(s.Finish(), fb::CardSummaryIdentifier());
}

std::size_t initial_size(const Card& c) {
    return 1024 + c.card_data_json.size() + kSummaryTextBytes + c.markdown.size();
}

// Dictionaries compress at level 5: with one, level 3 made summaries 14% smaller than
// level 1 for 10 us more a card, and level 5 4.7% smaller than level 3 for 24 us more
// (level 6: 6.8% for 56 us); without, level 1 (the fastest) was within 2% of level 3
// (docs/PERFORMANCE.md, "Summaries compressed with a trained dictionary" and "The spelling
// vocabulary in metadata"). Decoding costs the same at every level (7 us a card).
constexpr int kDictLevel = 5;

}  // namespace

// The compression tables are made on first use: readers only decompress, and the CDict of
// a 256 KB dictionary at level 5 is several times the dictionary's size.
struct SummaryDictionary::Tables {
    std::string_view bytes;  // the dictionary's own bytes_
    std::once_flag c_once;
    std::unique_ptr<ZSTD_CDict, decltype(&ZSTD_freeCDict)> c{nullptr, &ZSTD_freeCDict};
    std::unique_ptr<ZSTD_DDict, decltype(&ZSTD_freeDDict)> d{nullptr, &ZSTD_freeDDict};

    // Null only when out of memory (then encode_summary returns empty: see there).
    const ZSTD_CDict* compression() {
        std::call_once(c_once,
                       [&] { c.reset(ZSTD_createCDict(bytes.data(), bytes.size(), kDictLevel)); });
        return c.get();
    }
};

SummaryDictionary::SummaryDictionary(std::string bytes,
                                     std::uint32_t id,
                                     std::unique_ptr<Tables> tables)
    : bytes_(std::move(bytes)), id_(id), tables_(std::move(tables)) {}

SummaryDictionary::~SummaryDictionary() = default;

Result<std::shared_ptr<const SummaryDictionary>> SummaryDictionary::load(std::string_view bytes) {
    // Only a dictionary in zstd's format has an id; raw bytes would be taken as content.
    const unsigned id = ZDICT_getDictID(bytes.data(), bytes.size());
    if (id == 0) {
        return make_error(Errc::DataLoss,
                          "the stored summary dictionary is not a zstd dictionary (" +
                              std::to_string(bytes.size()) +
                              " bytes); rebuild with `cardex reindex`",
                          std::string(kMetaSummaryDict));
    }
    auto t = std::make_unique<Tables>();
    t->d.reset(ZSTD_createDDict(bytes.data(), bytes.size()));
    if (!t->d) {
        return make_error(Errc::DataLoss,
                          "the stored summary dictionary cannot be loaded; rebuild with "
                          "`cardex reindex`",
                          std::string(kMetaSummaryDict));
    }
    auto* dict = new SummaryDictionary(std::string(bytes), id, std::move(t));
    dict->tables_->bytes = dict->bytes_;
    return std::shared_ptr<const SummaryDictionary>(dict);
}

Result<std::shared_ptr<const SummaryDictionary>> SummaryDictionary::train(
    const std::vector<std::string>& samples, std::size_t capacity) {
    std::string joined;
    std::vector<std::size_t> sizes;
    sizes.reserve(samples.size());
    for (const auto& s : samples) {
        if (s.empty()) continue;
        joined += s;
        sizes.push_back(s.size());
    }
    std::string dict(capacity, '\0');
    const std::size_t n = sizes.empty()
                              ? 0
                              : ZDICT_trainFromBuffer(dict.data(),
                                                      dict.size(),
                                                      joined.data(),
                                                      sizes.data(),
                                                      static_cast<unsigned>(sizes.size()));
    if (sizes.empty() || ZDICT_isError(n)) {
        return make_error(Errc::NotFound,
                          "no summary dictionary: " +
                              std::string(sizes.empty() ? "no samples" : ZDICT_getErrorName(n)),
                          std::to_string(sizes.size()) + " samples");
    }
    dict.resize(n);
    return load(dict);
}

Result<std::shared_ptr<const SummaryDictionary>> summary_dictionary(const Xapian::Database& db) {
    const std::string bytes = db.get_metadata(std::string(kMetaSummaryDict));
    if (bytes.empty()) return std::shared_ptr<const SummaryDictionary>();
    return SummaryDictionary::load(bytes);
}

std::string summary_bytes(const Card& c) {
    FlatBufferBuilder b(initial_size(c));
    build_summary(b, c);
    return std::string(reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize());
}

std::string encode_summary(const Card& c, const SummaryDictionary* dict) {
    FlatBufferBuilder b(initial_size(c));
    build_summary(b, c);
    // Level 1 without a dictionary, the fastest: at 1M cards the index still came out 10%
    // smaller than with Xapian's zlib (docs/PERFORMANCE.md), text and markdown sharing one
    // window.
    std::string out(ZSTD_compressBound(b.GetSize()), '\0');
    auto* cctx = zstd_contexts().c.get();
    const ZSTD_CDict* cdict = dict ? dict->tables().compression() : nullptr;
    if (dict && !cdict) return {};
    const std::size_t n =
        cdict
            ? ZSTD_compress_usingCDict(
                  cctx, out.data(), out.size(), b.GetBufferPointer(), b.GetSize(), cdict)
            : ZSTD_compressCCtx(cctx, out.data(), out.size(), b.GetBufferPointer(), b.GetSize(), 1);
    if (ZSTD_isError(n)) return {};  // only on allocation failure; decode then says DataLoss
    out.resize(n);
    return out;
}

Result<Card> decode_summary(std::string_view data,
                            SummaryParts parts,
                            const SummaryDictionary* dict) {
    auto corrupt = [] {
        return make_error(Errc::DataLoss, "stored card summary is corrupt or of another format");
    };
    // A frame names the dictionary it was compressed with (0: none). Decompressing with
    // another one would fail or, worse, produce other bytes.
    const unsigned wants = ZSTD_getDictID_fromFrame(data.data(), data.size());
    if (wants != 0 && (!dict || dict->id() != wants)) {
        return make_error(Errc::DataLoss,
                          "stored card summary needs summary dictionary " + std::to_string(wants) +
                              ", which " +
                              (dict ? "is not this index's (" + std::to_string(dict->id()) + ")"
                                    : std::string("this index does not hold")),
                          std::string(kMetaSummaryDict));
    }
    // The frame header states the size; a lying or missing one fails here or in
    // decompression, never allocates more than kMaxSummaryBytes.
    constexpr unsigned long long kMaxSummaryBytes = 256ull << 20;
    const unsigned long long size = ZSTD_getFrameContentSize(data.data(), data.size());
    if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN ||
        size > kMaxSummaryBytes) {
        return corrupt();
    }
    // One buffer per thread: hits are decoded one after another, so it is reused.
    thread_local std::string raw;
    raw.resize(static_cast<std::size_t>(size));
    auto* dctx = zstd_contexts().d.get();
    const std::size_t n =
        wants != 0
            ? ZSTD_decompress_usingDDict(
                  dctx, raw.data(), raw.size(), data.data(), data.size(), dict->tables().d.get())
            : ZSTD_decompressDCtx(dctx, raw.data(), raw.size(), data.data(), data.size());
    if (ZSTD_isError(n) || n != raw.size()) return corrupt();
    flatbuffers::Verifier verifier(reinterpret_cast<const std::uint8_t*>(raw.data()), raw.size());
    if (!fb::VerifyCardSummaryBuffer(verifier)) return corrupt();
    const auto* s = fb::GetCardSummary(raw.data());
    Card c;
    c.id = str(s->id());
    c.type = static_cast<CardType>(s->type() <= 2 ? s->type() : 0);
    c.author = str(s->author());
    c.name = str(s->name());
    c.title = str(s->title());
    c.description = str(s->description());
    c.tasks = strs(s->tasks());
    c.modalities = strs(s->modalities());
    c.task_ids = strs(s->task_ids());
    c.languages = strs(s->languages());
    c.language_groups = strs(s->language_groups());
    c.languages_raw = strs(s->languages_raw());
    c.license = str(s->license());
    c.license_spdx = str(s->license_spdx());
    c.license_name = str(s->license_name());
    c.reuse = str(s->reuse());
    c.library = str(s->library());
    c.tags = strs(s->tags());
    if (const auto* bms = s->base_models()) {
        for (const auto* bm : *bms) c.base_models.push_back({str(bm->id()), str(bm->relation())});
    }
    c.datasets = strs(s->datasets());
    c.size_category = str(s->size_category());
    c.gated = static_cast<Gated>(s->gated() <= 2 ? s->gated() : 0);
    c.is_private = s->is_private();
    c.dois = strs(s->dois());
    c.arxiv_ids = strs(s->arxiv_ids());
    c.downloads = s->downloads();
    c.downloads_all_time = s->downloads_all_time();
    c.likes = s->likes();
    c.trending_score = s->trending_score();
    c.created_at = s->created_at();
    c.last_modified = s->last_modified();
    c.card_data_json = str(s->card_data_json());
    c.body = str(s->text());
    c.pipeline_tag = str(s->pipeline_tag());
    c.licenses = strs(s->licenses());
    c.disabled = s->disabled();
    c.used_storage = s->used_storage();
    c.num_parameters = s->num_parameters();
    c.siblings_count = s->siblings_count();
    c.spaces_count = s->spaces_count();
    c.safetensors_json = str(s->safetensors_json());
    c.gguf_json = str(s->gguf_json());
    c.sha = str(s->sha());
    c.has_readme = s->has_readme();
    c.datestamp = s->datestamp();
    c.quality_present = s->quality_present();
    c.quality_missing = s->quality_missing();
    c.quality_score = s->quality_score();
    c.sdk = str(s->sdk());
    c.models = strs(s->models());
    if (parts == SummaryParts::WithMarkdown) {
        c.markdown = str(s->markdown());
        c.readme_head = str(s->readme_head());
    }
    return c;
}

}  // namespace cardex::index
