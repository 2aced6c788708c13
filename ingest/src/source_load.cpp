// Reading a source's bytes (files, stdin, gzip, zstd) and small helpers shared by formats.
#include <zlib.h>
#include <zstd.h>

#include <charconv>
#include <cmath>
#include <cstdio>

#include "source_job.h"
#include "text_util.h"

namespace cardex::ingest {

namespace {

Status read_all(std::FILE* f, std::string& out) {
    char buf[1 << 16];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
    if (std::ferror(f)) return make_error(Errc::Internal, "read error");
    return Ok{};
}

Status gunzip(const std::string& raw, std::string& out) {
    z_stream zs{};
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return make_error(Errc::Internal, "zlib");
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
    zs.avail_in = static_cast<uInt>(raw.size());
    char buf[1 << 16];
    int rc;
    do {
        zs.next_out = reinterpret_cast<Bytef*>(buf);
        zs.avail_out = sizeof buf;
        rc = inflate(&zs, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END) {
            inflateEnd(&zs);
            return make_error(Errc::InvalidArgument, "corrupt gzip stream");
        }
        out.append(buf, sizeof buf - zs.avail_out);
        // Concatenated gzip members (what `cat a.gz b.gz` gives) are one stream to gzip(1).
        if (rc == Z_STREAM_END && zs.avail_in > 0) {
            if (inflateReset(&zs) != Z_OK) break;
            rc = Z_OK;
        }
    } while (rc != Z_STREAM_END);
    inflateEnd(&zs);
    return Ok{};
}

Status unzstd(const std::string& raw, std::string& out) {
    ZSTD_DStream* ds = ZSTD_createDStream();
    ZSTD_inBuffer in{raw.data(), raw.size(), 0};
    char buf[1 << 16];
    std::size_t last = 0;
    for (;;) {
        ZSTD_outBuffer ob{buf, sizeof buf, 0};
        last = ZSTD_decompressStream(ds, &ob, &in);
        if (ZSTD_isError(last)) {
            ZSTD_freeDStream(ds);
            return make_error(Errc::InvalidArgument, "corrupt zstd stream");
        }
        out.append(buf, ob.pos);
        // All input consumed and room left in the output: the decoder has flushed.
        if (in.pos == in.size && ob.pos < ob.size) break;
    }
    ZSTD_freeDStream(ds);
    if (last != 0) return make_error(Errc::InvalidArgument, "truncated zstd stream");
    return Ok{};
}

}  // namespace

Result<Loaded> load_source(const std::string& path) {
    std::string raw;
    if (path == "-") {
        if (auto st = read_all(stdin, raw); !st) return make_error(Errc::Internal, "cannot read", "-");
    } else {
        std::FILE* f = std::fopen(path.c_str(), "rb");
        if (!f) return make_error(Errc::NotFound, "cannot open source", path);
        // One allocation for the whole file and simdjson's padding (no regrowth copies).
        if (std::fseek(f, 0, SEEK_END) == 0) {
            const long size = std::ftell(f);
            if (size > 0) raw.reserve(static_cast<std::size_t>(size) + simdjson::SIMDJSON_PADDING);
            std::rewind(f);
        }
        auto st = read_all(f, raw);
        std::fclose(f);
        if (!st) return make_error(Errc::Internal, "cannot read source", path);
    }
    Loaded l;
    const auto* u = reinterpret_cast<const unsigned char*>(raw.data());
    if (raw.size() >= 2 && u[0] == 0x1f && u[1] == 0x8b) {
        if (auto st = gunzip(raw, l.bytes); !st) return make_error(st.error().code, st.error().message, path);
    } else if (raw.size() >= 4 && u[0] == 0x28 && u[1] == 0xb5 && u[2] == 0x2f && u[3] == 0xfd) {
        if (auto st = unzstd(raw, l.bytes); !st) return make_error(st.error().code, st.error().message, path);
    } else {
        l.bytes = std::move(raw);
    }
    l.size = l.bytes.size();
    l.bytes.append(simdjson::SIMDJSON_PADDING, '\0');
    return l;
}

Result<std::string> read_source_bytes(const std::string& path) {
    auto loaded = load_source(path);
    if (!loaded) return std::move(loaded).error();
    loaded->bytes.resize(loaded->size);  // drop simdjson's padding
    return std::move(loaded->bytes);
}

std::optional<index::CardType> type_from_path(std::string_view path) {
    // Directory components first: ".../datasets/org/name/README.md".
    std::optional<index::CardType> dir_type;
    std::size_t start = 0;
    while (start < path.size()) {
        std::size_t slash = path.find('/', start);
        if (slash == std::string_view::npos) break;
        std::string_view part = path.substr(start, slash - start);
        if (part == "models") dir_type = index::CardType::Model;
        if (part == "datasets") dir_type = index::CardType::Dataset;
        if (part == "spaces") dir_type = index::CardType::Space;
        start = slash + 1;
    }
    if (dir_type) return dir_type;
    const std::string name = to_lower(path.substr(start));
    if (name.find("dataset") != std::string::npos) return index::CardType::Dataset;
    if (name.find("space") != std::string::npos) return index::CardType::Space;
    if (name.find("model") != std::string::npos) return index::CardType::Model;
    return std::nullopt;
}

std::optional<index::CardType> type_from_url(std::string_view url) {
    if (url.find("/datasets/") != std::string_view::npos) return index::CardType::Dataset;
    if (url.find("/spaces/") != std::string_view::npos) return index::CardType::Space;
    if (url.find("huggingface.co/") != std::string_view::npos ||
        url.find("hf.co/") != std::string_view::npos) {
        return index::CardType::Model;
    }
    return std::nullopt;
}

void fill_record(RawRecord& into, const RawRecord& from) {
    auto fill = [](auto& dst, const auto& src) {
        if (!dst && src) dst = src;
    };
    fill(into.downloads, from.downloads);
    fill(into.downloads_all_time, from.downloads_all_time);
    fill(into.likes, from.likes);
    fill(into.trending_score, from.trending_score);
    fill(into.created_at, from.created_at);
    fill(into.last_modified, from.last_modified);
    fill(into.author, from.author);
    fill(into.gated, from.gated);
    fill(into.is_private, from.is_private);
    fill(into.disabled, from.disabled);
    fill(into.used_storage, from.used_storage);
    fill(into.siblings_count, from.siblings_count);
    fill(into.spaces_count, from.spaces_count);
    fill(into.safetensors_json, from.safetensors_json);
    fill(into.safetensors_total, from.safetensors_total);
    fill(into.gguf_json, from.gguf_json);
    fill(into.gguf_total, from.gguf_total);
    fill(into.sdk, from.sdk);
    if (into.models.empty()) into.models = from.models;
    if (into.datasets.empty()) into.datasets = from.datasets;
    // The Hub's tags, pipeline_tag and library_name belong together: a record that has them
    // keeps its own; one that has not takes the other's set, absent values included.
    if (!into.hub_fields && from.hub_fields) {
        into.hub_fields = true;
        into.tags = from.tags;
        into.pipeline_tag = from.pipeline_tag;
        into.library_name = from.library_name;
    } else if (!into.hub_fields) {
        if (into.tags.empty()) into.tags = from.tags;
        fill(into.pipeline_tag, from.pipeline_tag);
        fill(into.library_name, from.library_name);
    }
    if (!into.card_data_json && !into.card_data_yaml) {
        into.card_data_json = from.card_data_json;
        into.card_data_yaml = from.card_data_yaml;
    }
    if (into.description.empty()) into.description = from.description;
}

std::optional<std::int64_t> parse_count(std::string_view text) {
    text = trim_view(text);
    if (text.empty()) return std::nullopt;
    std::int64_t n = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec == std::errc() && p == text.data() + text.size()) return n;
    // "1.2e3" and "42.0" are counts written by tools that went through floating point.
    double d = 0;
    auto [q, ec2] = std::from_chars(text.data(), text.data() + text.size(), d);
    if (ec2 == std::errc() && q == text.data() + text.size() && std::isfinite(d) &&
        d == std::floor(d) && std::fabs(d) < 9e18) {
        return static_cast<std::int64_t>(d);
    }
    return std::nullopt;
}

}  // namespace cardex::ingest
