// Reading sources into raw records, parsing them in parallel, reporting every problem.
#include "cardex/ingest/sources.h"

#include <simdjson.h>
#include <zlib.h>
#include <zstd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <thread>
#include <unordered_set>

#include "text_util.h"
#include "yaml_tree.h"

namespace fs = std::filesystem;

namespace cardex::ingest {

namespace {

using simdjson::ondemand::json_type;

struct Loaded {
    std::string bytes;  // decompressed content, followed by SIMDJSON_PADDING zero bytes
    std::size_t size = 0;
};

Result<Loaded> load_source(const std::string& path) {
    Loaded l;
    std::string raw;
    if (path == "-") {
        char buf[1 << 16];
        std::size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, stdin)) > 0) raw.append(buf, n);
    } else {
        std::FILE* f = std::fopen(path.c_str(), "rb");
        if (!f) return make_error(Errc::NotFound, "cannot open source", path);
        char buf[1 << 16];
        std::size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) raw.append(buf, n);
        std::fclose(f);
    }
    // Compression is recognised by magic bytes, not by the file name.
    if (raw.size() >= 2 && static_cast<unsigned char>(raw[0]) == 0x1f &&
        static_cast<unsigned char>(raw[1]) == 0x8b) {
        z_stream zs{};
        if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return make_error(Errc::Internal, "zlib");
        zs.next_in = reinterpret_cast<Bytef*>(raw.data());
        zs.avail_in = static_cast<uInt>(raw.size());
        char out[1 << 16];
        int rc;
        do {
            zs.next_out = reinterpret_cast<Bytef*>(out);
            zs.avail_out = sizeof out;
            rc = inflate(&zs, Z_NO_FLUSH);
            if (rc != Z_OK && rc != Z_STREAM_END) {
                inflateEnd(&zs);
                return make_error(Errc::InvalidArgument, "corrupt gzip stream", path);
            }
            l.bytes.append(out, sizeof out - zs.avail_out);
        } while (rc != Z_STREAM_END);
        inflateEnd(&zs);
    } else if (raw.size() >= 4 && static_cast<unsigned char>(raw[0]) == 0x28 &&
               static_cast<unsigned char>(raw[1]) == 0xb5 &&
               static_cast<unsigned char>(raw[2]) == 0x2f &&
               static_cast<unsigned char>(raw[3]) == 0xfd) {
        ZSTD_DStream* ds = ZSTD_createDStream();
        ZSTD_inBuffer in{raw.data(), raw.size(), 0};
        char out[1 << 16];
        while (in.pos < in.size) {
            ZSTD_outBuffer ob{out, sizeof out, 0};
            std::size_t rc = ZSTD_decompressStream(ds, &ob, &in);
            if (ZSTD_isError(rc)) {
                ZSTD_freeDStream(ds);
                return make_error(Errc::InvalidArgument, "corrupt zstd stream", path);
            }
            l.bytes.append(out, ob.pos);
        }
        ZSTD_freeDStream(ds);
    } else {
        l.bytes = std::move(raw);
    }
    l.size = l.bytes.size();
    l.bytes.append(simdjson::SIMDJSON_PADDING, '\0');
    return l;
}

std::optional<std::int64_t> get_int(simdjson::ondemand::value v) {
    json_type t;
    if (v.type().get(t)) return std::nullopt;
    if (t == json_type::number) {
        double d;
        if (!v.get_double().get(d)) return static_cast<std::int64_t>(d);
    }
    if (t == json_type::string) {
        std::string_view s;
        if (!v.get_string().get(s)) {
            try {
                return std::stoll(std::string(s));
            } catch (...) {
                return std::nullopt;
            }
        }
    }
    return std::nullopt;
}

std::optional<std::string> get_str(simdjson::ondemand::value v) {
    json_type t;
    if (v.type().get(t)) return std::nullopt;
    if (t == json_type::string) {
        std::string_view s;
        if (!v.get_string().get(s)) return std::string(s);
    }
    if (t == json_type::boolean) {
        bool b;
        if (!v.get_bool().get(b)) return std::string(b ? "true" : "false");
    }
    return std::nullopt;
}

// One JSON object (a card line or a listing item) -> RawRecord. Unknown keys are ignored.
Status record_from_object(simdjson::ondemand::object obj, RawRecord& r, std::string& type_text) {
    for (auto f : obj) {
        std::string_view key;
        if (f.unescaped_key().get(key)) return make_error(Errc::InvalidArgument, "bad key");
        simdjson::ondemand::value v;
        if (f.value().get(v)) return make_error(Errc::InvalidArgument, "bad value", std::string(key));
        if (key == "id" || key == "modelId" || key == "model_id") {
            if (auto s = get_str(v); s && r.id.empty()) r.id = *s;
        } else if (key == "type") {
            if (auto s = get_str(v)) type_text = *s;
        } else if (key == "readme") {
            r.readme = get_str(v);
        } else if (key == "downloads") {
            r.downloads = get_int(v);
        } else if (key == "downloadsAllTime" || key == "downloads_all_time") {
            r.downloads_all_time = get_int(v);
        } else if (key == "likes") {
            r.likes = get_int(v);
        } else if (key == "trendingScore" || key == "trending_score") {
            if (auto n = get_int(v)) r.trending_score = static_cast<double>(*n);
        } else if (key == "createdAt" || key == "created_at") {
            r.created_at = get_str(v);
        } else if (key == "lastModified" || key == "last_modified") {
            if (auto s = get_str(v); s && !r.last_modified) r.last_modified = s;
        } else if (key == "tags" || key == "api_tags") {
            simdjson::ondemand::array arr;
            if (!v.get_array().get(arr)) {
                std::vector<std::string> tags;
                for (auto item : arr) {
                    std::string_view s;
                    if (!item.get_string().get(s)) tags.emplace_back(s);
                }
                // The API's computed tags are a superset of the card's; keep the longer list.
                if (tags.size() > r.tags.size()) r.tags = std::move(tags);
            }
        } else if (key == "pipeline_tag" || key == "api_pipeline_tag") {
            if (auto s = get_str(v); s && !r.pipeline_tag) r.pipeline_tag = s;
        } else if (key == "library_name" || key == "api_library_name") {
            if (auto s = get_str(v); s && !r.library_name) r.library_name = s;
        } else if (key == "author") {
            r.author = get_str(v);
        } else if (key == "gated") {
            r.gated = get_str(v);
        } else if (key == "private") {
            bool b;
            if (!v.get_bool().get(b)) r.is_private = b;
        } else if (key == "description") {
            if (auto s = get_str(v)) r.description = *s;
        } else if (key == "cardData" || key == "card_data") {
            json_type t;
            if (!v.type().get(t)) {
                if (t == json_type::string) {
                    r.card_data_yaml = get_str(v);
                } else if (t == json_type::object) {
                    simdjson::ondemand::object o;
                    std::string_view raw_json;
                    if (!v.get_object().get(o) && !o.raw_json().get(raw_json)) {
                        r.card_data_json = std::string(raw_json);
                    }
                }
            }
        }
    }
    return Ok{};
}

struct Job {
    std::string source;
    std::string_view text;  // one JSON object, padded (the buffer continues after it)
    std::size_t padding = 0;
    std::string error;  // set when the record could not even be read
};

struct Outcome {
    std::optional<index::Card> card;
    std::vector<Issue> warnings;
    std::optional<Issue> rejection;
};

Outcome parse_job(const Job& job,
                  CardParser& parser,
                  simdjson::ondemand::parser& json,
                  const SourceOptions& options) {
    Outcome out;
    if (!job.error.empty()) {
        out.rejection = Issue{job.source, "json", job.error};
        return out;
    }
    RawRecord r;
    r.source = job.source;
    std::string type_text;
    simdjson::padded_string_view view(job.text.data(), job.text.size(), job.text.size() + job.padding);
    simdjson::ondemand::document doc;
    simdjson::ondemand::object obj;
    auto err = json.iterate(view).get(doc);
    if (!err) err = doc.get_object().get(obj);
    Status st = Ok{};
    if (!err) st = record_from_object(obj, r, type_text);
    if (err || !st) {
        out.rejection = Issue{job.source, "json",
                              err ? std::string("malformed JSON: ") + simdjson::error_message(err)
                                  : st.error().message};
        return out;
    }
    if (!type_text.empty()) {
        r.type = index::parse_card_type(type_text);
        if (!r.type) {
            out.rejection = Issue{job.source, "bad-type", "unknown card type '" + type_text + "'"};
            return out;
        }
    } else {
        r.type = options.default_type;
    }
    auto card = parser.parse(r, out.warnings);
    if (!card) {
        out.rejection = Issue{job.source, card.error().detail, card.error().message};
    } else {
        out.card = std::move(card).value();
    }
    return out;
}

// Splits a loaded file into one job per JSON object: JSON Lines, or a top-level array.
std::vector<Job> split_jobs(const std::string& path, const Loaded& l) {
    std::vector<Job> jobs;
    std::string_view all(l.bytes.data(), l.size);
    std::size_t first = all.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return jobs;
    if (all[first] == '[') {
        // A JSON array of listing items: find each element's extent with simdjson.
        simdjson::ondemand::parser p;
        simdjson::padded_string_view view(l.bytes.data(), l.size, l.bytes.size());
        simdjson::ondemand::document doc;
        simdjson::ondemand::array arr;
        auto err = p.iterate(view).get(doc);
        if (!err) err = doc.get_array().get(arr);
        if (err) {
            jobs.push_back({path, {}, 0, std::string("malformed JSON array: ") + simdjson::error_message(err)});
            return jobs;
        }
        std::size_t n = 0;
        for (auto item : arr) {
            ++n;
            std::string_view raw;
            std::string source = path + ":record " + std::to_string(n);
            simdjson::ondemand::object o;
            if (item.get_object().get(o) || o.raw_json().get(raw)) {
                jobs.push_back({source, {}, 0, "malformed JSON in array element"});
                break;
            }
            const std::size_t after = static_cast<std::size_t>(raw.data() - l.bytes.data()) + raw.size();
            jobs.push_back({source, raw, l.bytes.size() - after, {}});
        }
        return jobs;
    }
    std::size_t line_no = 0, pos = 0;
    while (pos < all.size()) {
        std::size_t eol = all.find('\n', pos);
        if (eol == std::string_view::npos) eol = all.size();
        ++line_no;
        std::string_view line = all.substr(pos, eol - pos);
        if (!trim_view(line).empty()) {
            jobs.push_back({path + ":" + std::to_string(line_no), line,
                            l.bytes.size() - (pos + line.size()), {}});
        }
        pos = eol + 1;
    }
    return jobs;
}

}  // namespace

IngestReport read_cards(const std::vector<std::string>& sources,
                        std::shared_ptr<const Tables> tables,
                        const SourceOptions& options,
                        const std::function<void(index::Card&&)>& sink,
                        unsigned threads) {
    IngestReport report;
    std::unordered_set<std::string> seen;
    auto reject = [&](Issue issue) {
        ++report.rejected;
        ++report.rejected_by_reason[issue.reason];
        report.rejections.push_back(std::move(issue));
    };
    threads = std::max(1u, threads);
    for (const auto& path : sources) {
        auto loaded = load_source(path);
        if (!loaded) {
            reject({path, "unreadable", loaded.error().message});
            continue;
        }
        std::vector<Job> jobs = split_jobs(path, loaded.value());
        // Parse in parallel; results are consumed in source order.
        std::vector<Outcome> outcomes(jobs.size());
        auto work = [&](unsigned t) {
            CardParser parser(tables, options.limits);
            simdjson::ondemand::parser json;
            for (std::size_t i = t; i < jobs.size(); i += threads) {
                outcomes[i] = parse_job(jobs[i], parser, json, options);
            }
        };
        std::vector<std::thread> pool;
        for (unsigned t = 1; t < threads && jobs.size() > 64; ++t) pool.emplace_back(work, t);
        if (pool.empty()) {
            CardParser parser(tables, options.limits);
            simdjson::ondemand::parser json;
            for (std::size_t i = 0; i < jobs.size(); ++i) {
                outcomes[i] = parse_job(jobs[i], parser, json, options);
            }
        } else {
            work(0);
            for (auto& th : pool) th.join();
        }
        for (auto& o : outcomes) {
            ++report.read;
            if (o.rejection) {
                reject(std::move(*o.rejection));
                continue;
            }
            if (!o.warnings.empty()) ++report.repaired;
            for (auto& w : o.warnings) report.warnings.push_back(std::move(w));
            const std::string key =
                std::string(index::card_type_name(o.card->type)) + "/" + o.card->id;
            if (!seen.insert(key).second) {
                reject({o.card->source, "duplicate-id",
                        "id '" + o.card->id + "' was already read; later record dropped"});
                continue;
            }
            ++report.accepted;
            sink(std::move(*o.card));
        }
    }
    return report;
}

}  // namespace cardex::ingest
