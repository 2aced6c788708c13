// Card <-> bytes for the spill file of a bounded-memory build (card_codec.h).
#include "cardex/index/card_codec.h"

#include <zstd.h>

#include <cstring>
#include <memory>
#include <type_traits>

#include "internal.h"

namespace cardex::index {

// A field added to Card must be added to both functions below, or a spilled build loses
// it; this stops the build until someone looks (the round-trip test then checks the rest).
static_assert(sizeof(Card) == 1112 || sizeof(void*) != 8,
              "Card changed: add the new field to encode_card and decode_card");

namespace {

// The largest record either side accepts. Ingest keeps a card's text far below it (a README
// is at most 4 MiB, and a card holds a few copies of it); past it a frame is corrupt, or a
// decompression bomb (zstd's RLE blocks make a gigabyte out of a dozen bytes).
constexpr std::size_t kMaxRecordBytes = std::size_t{64} << 20;

class Writer {
  public:
    void num(std::uint64_t v) {
        // LEB128: most numbers and lengths here are small.
        while (v >= 0x80) {
            out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
            v >>= 7;
        }
        out_.push_back(static_cast<char>(v));
    }
    void i64(std::int64_t v) { num(static_cast<std::uint64_t>(v)); }
    void f64(double v) {
        char b[sizeof v];
        std::memcpy(b, &v, sizeof v);
        out_.append(b, sizeof b);
    }
    void str(const std::string& s) {
        num(s.size());
        out_.append(s);
    }
    void strs(const std::vector<std::string>& v) {
        num(v.size());
        for (const auto& s : v) str(s);
    }
    std::string& bytes() { return out_; }

  private:
    std::string out_;
};

class Reader {
  public:
    explicit Reader(std::string_view in) : in_(in) {}
    bool ok() const { return ok_; }
    bool at_end() const { return pos_ == in_.size(); }
    std::uint64_t num() {
        std::uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos_ >= in_.size()) return fail();
            const auto b = static_cast<unsigned char>(in_[pos_++]);
            v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
            if (b < 0x80) return v;
        }
        return fail();
    }
    std::int64_t i64() { return static_cast<std::int64_t>(num()); }
    double f64() {
        double v = 0;
        if (in_.size() - pos_ < sizeof v) return static_cast<double>(fail());
        std::memcpy(&v, in_.data() + pos_, sizeof v);
        pos_ += sizeof v;
        return v;
    }
    void str(std::string& s) {
        const std::uint64_t n = num();
        if (!ok_ || n > in_.size() - pos_) {
            fail();
            return;
        }
        s.assign(in_.data() + pos_, n);
        pos_ += n;
    }
    void strs(std::vector<std::string>& v) {
        const std::uint64_t n = num();
        // Each string takes at least one byte: a count past the rest is corrupt.
        if (!ok_ || n > in_.size() - pos_) {
            fail();
            return;
        }
        v.resize(n);
        for (auto& s : v) str(s);
    }
    template <typename E>
    E small_enum(unsigned limit) {
        const std::uint64_t v = num();
        if (v > limit) fail();
        return static_cast<E>(ok_ ? v : 0);
    }

  private:
    std::uint64_t fail() {
        ok_ = false;
        pos_ = in_.size();
        return 0;
    }
    std::string_view in_;
    std::size_t pos_ = 0;
    bool ok_ = true;
};

}  // namespace

std::string encode_card(const Card& c) {
    Writer w;
    w.str(c.id);
    w.num(static_cast<unsigned>(c.type));
    w.str(c.author);
    w.str(c.name);
    w.str(c.title);
    w.str(c.description);
    w.str(c.body);
    w.str(c.markdown);
    w.str(c.card_data_json);
    w.str(c.readme_head);
    w.num(c.has_readme);
    w.strs(c.tasks);
    w.str(c.pipeline_tag);
    w.strs(c.modalities);
    w.strs(c.task_ids);
    w.strs(c.languages);
    w.strs(c.language_groups);
    w.strs(c.languages_raw);
    w.str(c.license);
    w.strs(c.licenses);
    w.str(c.license_spdx);
    w.str(c.license_name);
    w.str(c.reuse);
    w.str(c.library);
    w.strs(c.tags);
    w.num(c.base_models.size());
    for (const auto& b : c.base_models) {
        w.str(b.id);
        w.str(b.relation);
    }
    w.strs(c.datasets);
    w.strs(c.models);
    w.str(c.sdk);
    w.str(c.size_category);
    w.num(static_cast<unsigned>(c.gated));
    w.num(c.is_private);
    w.num(c.disabled);
    w.strs(c.dois);
    w.strs(c.arxiv_ids);
    w.num(c.quality_present);
    w.num(c.quality_missing);
    w.i64(c.quality_score);
    for (std::int64_t v : {c.downloads, c.downloads_all_time, c.likes}) w.i64(v);
    w.f64(c.trending_score);
    for (std::int64_t v : {c.created_at,
                           c.last_modified,
                           c.used_storage,
                           c.num_parameters,
                           c.siblings_count,
                           c.spaces_count})
        w.i64(v);
    w.str(c.safetensors_json);
    w.str(c.gguf_json);
    w.str(c.sha);
    w.i64(c.datestamp);
    w.str(c.source);

    const std::string& raw = w.bytes();
    if (raw.size() > kMaxRecordBytes) return {};
    std::string out(ZSTD_compressBound(raw.size()), '\0');
    const std::size_t n = ZSTD_compressCCtx(
        zstd_contexts().c.get(), out.data(), out.size(), raw.data(), raw.size(), 1);
    if (ZSTD_isError(n)) return {};  // allocation failure only
    out.resize(n);
    return out;
}

Result<Card> decode_card(std::string_view bytes) {
    const unsigned long long size = ZSTD_getFrameContentSize(bytes.data(), bytes.size());
    if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN ||
        size > kMaxRecordBytes)
        return make_error(Errc::DataLoss, "spilled card: not a card record");
    std::string raw(size, '\0');
    const std::size_t n = ZSTD_decompressDCtx(
        zstd_contexts().d.get(), raw.data(), raw.size(), bytes.data(), bytes.size());
    if (ZSTD_isError(n) || n != size)
        return make_error(Errc::DataLoss, "spilled card: corrupt record");

    Reader r(raw);
    Card c;
    r.str(c.id);
    c.type = r.small_enum<CardType>(2);
    r.str(c.author);
    r.str(c.name);
    r.str(c.title);
    r.str(c.description);
    r.str(c.body);
    r.str(c.markdown);
    r.str(c.card_data_json);
    r.str(c.readme_head);
    c.has_readme = r.num() != 0;
    r.strs(c.tasks);
    r.str(c.pipeline_tag);
    r.strs(c.modalities);
    r.strs(c.task_ids);
    r.strs(c.languages);
    r.strs(c.language_groups);
    r.strs(c.languages_raw);
    r.str(c.license);
    r.strs(c.licenses);
    r.str(c.license_spdx);
    r.str(c.license_name);
    r.str(c.reuse);
    r.str(c.library);
    r.strs(c.tags);
    const std::uint64_t bases = r.num();
    if (bases > raw.size()) return make_error(Errc::DataLoss, "spilled card: corrupt record");
    c.base_models.resize(bases);
    for (auto& b : c.base_models) {
        r.str(b.id);
        r.str(b.relation);
    }
    r.strs(c.datasets);
    r.strs(c.models);
    r.str(c.sdk);
    r.str(c.size_category);
    c.gated = r.small_enum<Gated>(2);
    c.is_private = r.num() != 0;
    c.disabled = r.num() != 0;
    r.strs(c.dois);
    r.strs(c.arxiv_ids);
    c.quality_present = static_cast<std::uint32_t>(r.num());
    c.quality_missing = static_cast<std::uint32_t>(r.num());
    c.quality_score = static_cast<int>(r.i64());
    for (std::int64_t* v : {&c.downloads, &c.downloads_all_time, &c.likes}) *v = r.i64();
    c.trending_score = r.f64();
    for (std::int64_t* v : {&c.created_at,
                            &c.last_modified,
                            &c.used_storage,
                            &c.num_parameters,
                            &c.siblings_count,
                            &c.spaces_count})
        *v = r.i64();
    r.str(c.safetensors_json);
    r.str(c.gguf_json);
    r.str(c.sha);
    c.datestamp = r.i64();
    r.str(c.source);
    if (!r.ok() || !r.at_end()) return make_error(Errc::DataLoss, "spilled card: corrupt record");
    return c;
}

}  // namespace cardex::index
