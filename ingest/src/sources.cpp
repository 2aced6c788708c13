// Reading sources into jobs (by format, detected from the content), parsing them on several
// threads, delivering cards in source order, and reporting every record that is not a card.
#include "cardex/ingest/sources.h"

#include <filesystem>
#include <thread>
#include <unordered_set>

#include "source_job.h"
#include "text_util.h"

namespace fs = std::filesystem;

namespace cardex::ingest {

namespace {

struct Outcome {
    std::optional<index::Card> card;
    std::vector<Issue> warnings;
    std::optional<Issue> rejection;
};

// Listing fields fill in what the README-based record does not have.
void merge_listing(RawRecord& r, RawRecord&& l, const Job& job, std::vector<Issue>& warnings) {
    if (!l.id.empty() && l.id != r.id) {
        warnings.push_back({job.listing_source, "id-mismatch",
                            "listing id '" + l.id + "' differs from the path's '" + r.id +
                                "'; the listing's id is used"});
        r.id = std::move(l.id);
    }
    if (!r.type && l.type) r.type = l.type;
    auto fill = [](auto& dst, auto& src) {
        if (!dst && src) dst = std::move(src);
    };
    fill(r.downloads, l.downloads);
    fill(r.downloads_all_time, l.downloads_all_time);
    fill(r.likes, l.likes);
    fill(r.trending_score, l.trending_score);
    fill(r.created_at, l.created_at);
    fill(r.last_modified, l.last_modified);
    fill(r.pipeline_tag, l.pipeline_tag);
    fill(r.library_name, l.library_name);
    fill(r.author, l.author);
    fill(r.gated, l.gated);
    fill(r.is_private, l.is_private);
    fill(r.card_data_json, l.card_data_json);
    fill(r.card_data_yaml, l.card_data_yaml);
    if (r.tags.empty()) r.tags = std::move(l.tags);
    if (r.description.empty()) r.description = std::move(l.description);
}

Outcome parse_job(const Job& job, CardParser& parser, simdjson::ondemand::parser& json,
                  const SourceOptions& options) {
    Outcome out;
    if (job.rejection) {
        out.rejection = job.rejection;
        return out;
    }
    out.warnings = job.warnings;
    RawRecord local;
    const RawRecord* r = nullptr;
    std::string type_text;
    std::optional<index::CardType> hint = job.type_hint;
    if (job.raw) {
        r = &*job.raw;
        if (!job.listing_json.empty()) {
            local = *job.raw;
            Job lj;
            lj.source = job.listing_source;
            lj.json = std::string_view(job.listing_json.data(),
                                       job.listing_json.size() - simdjson::SIMDJSON_PADDING);
            lj.padding = simdjson::SIMDJSON_PADDING;
            RawRecord listing;
            std::optional<index::CardType> lhint;
            if (auto bad = decode_json_record(json, lj, listing, type_text, lhint, out.warnings)) {
                bad->reason = "listing-" + bad->reason;
                bad->message += "; listing ignored";
                out.warnings.push_back(std::move(*bad));
                type_text.clear();
            } else {
                merge_listing(local, std::move(listing), job, out.warnings);
            }
            r = &local;
        }
    } else {
        local.source = job.source;
        std::optional<index::CardType> record_hint;
        if (auto bad = decode_json_record(json, job, local, type_text, record_hint, out.warnings)) {
            out.rejection = std::move(bad);
            return out;
        }
        if (record_hint) hint = record_hint;
        r = &local;
    }
    if (!type_text.empty()) {
        auto t = index::parse_card_type(type_text);
        if (!t) {
            out.rejection = Issue{job.source, "bad-type", "unknown card type '" + type_text + "'"};
            return out;
        }
        if (r == &local) local.type = t;
    }
    // The record's own type, then what its fields or its format say, then --type, then
    // what the file name suggests.
    if (!r->type) {
        if (r != &local) {
            local = *r;
            r = &local;
        }
        local.type = hint ? hint : options.default_type ? options.default_type : job.path_hint;
    }
    auto card = parser.parse(*r, out.warnings);
    if (!card) {
        out.rejection = Issue{job.source, card.error().detail, card.error().message};
    } else {
        out.card = std::move(card).value();
    }
    return out;
}

enum class Format { JsonLines, JsonArray, Csv, Unknown };

// By content: the first non-blank byte, or a header line with commas.
Format detect(std::string_view all) {
    if (all.substr(0, 3) == "\xEF\xBB\xBF") all.remove_prefix(3);
    const std::size_t first = all.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return Format::JsonLines;  // empty: no records
    if (all[first] == '{') return Format::JsonLines;
    if (all[first] == '[') return Format::JsonArray;
    std::string_view line = all.substr(first, all.find('\n', first) - first);
    if (line.find(',') != std::string_view::npos) return Format::Csv;
    return Format::Unknown;
}

// Splits `s.buffer` (content followed by SIMDJSON_PADDING bytes) into jobs by its format.
Status split_content(const std::string& path, SourceJobs& s) {
    const std::string_view content(s.buffer.data(), s.buffer.size() - simdjson::SIMDJSON_PADDING);
    switch (detect(content)) {
        case Format::JsonLines:
        case Format::JsonArray: split_json(path, s); break;
        case Format::Csv: split_csv(path, s); break;
        case Format::Unknown:
            return make_error(Errc::InvalidArgument,
                              "unknown format (not JSON Lines, a JSON array, CSV with a header "
                              "row, or a directory)",
                              path);
    }
    const auto hint = type_from_path(path);
    for (auto& j : s.jobs) j.path_hint = hint;
    return Ok{};
}

Result<SourceJobs> read_source(const std::string& path, const SourceOptions& options) {
    SourceJobs s;
    std::error_code ec;
    const std::string lower = to_lower(path);
    const bool readme = lower.size() >= 9 && lower.compare(lower.size() - 9, 9, "readme.md") == 0 &&
                        (lower.size() == 9 || lower[lower.size() - 10] == '/');
    if (path != "-" && (fs::is_directory(path, ec) || readme)) {
        if (auto st = read_tree(path, s, options.limits); !st) return std::move(st).error();
        return s;
    }
    auto loaded = load_source(path);
    if (!loaded) return std::move(loaded).error();
    s.buffer = std::move(loaded.value().bytes);
    if (auto st = split_content(path, s); !st) return std::move(st).error();
    return s;
}

// Parses the jobs of sources and delivers their cards, counting every record in `report`;
// a card whose key was delivered before, from any source, is rejected as a duplicate.
class Delivery {
public:
    Delivery(std::shared_ptr<const Tables> tables,
             const SourceOptions& options,
             const std::function<void(index::Card&&)>& sink,
             unsigned threads)
        : tables_(std::move(tables)),
          options_(options),
          sink_(sink),
          threads_(std::max(1u, threads)) {}

    void reject(Issue issue) {
        ++report.rejected;
        ++report.rejected_by_reason[issue.reason];
        report.rejections.push_back(std::move(issue));
    }

    void source_failed(const std::string& path, const Error& e) {
        ++report.read;  // counted as one record, so read = accepted + rejected + merged
        reject({path, e.code == Errc::NotFound ? "unreadable" : "format", e.message});
    }

    void run(SourceJobs& src) {
        std::vector<Job>& jobs = src.jobs;
        report.read += src.merged;
        report.merged += src.merged;
        if (src.merged > 0) report.merged_by_reason[src.merged_reason] += src.merged;
        for (auto& n : src.notes) report.notes.push_back(std::move(n));

        // Parse in parallel, chunk by chunk; results are consumed in source order. Chunks
        // bound the cards alive at once, so memory stays warm and small whatever the file.
        constexpr std::size_t kChunk = 512;
        std::vector<Outcome> outcomes;
        for (std::size_t begin = 0; begin < jobs.size(); begin += kChunk) {
            const std::size_t end = std::min(jobs.size(), begin + kChunk);
            outcomes.clear();
            outcomes.resize(end - begin);
            auto work = [&](unsigned t, unsigned stride) {
                simdjson::ondemand::parser json;
                CardParser parser(tables_, options_.limits);
                for (std::size_t i = begin + t; i < end; i += stride) {
                    outcomes[i - begin] = parse_job(jobs[i], parser, json, options_);
                }
            };
            const unsigned n = end - begin > 64 ? threads_ : 1;
            std::vector<std::thread> pool;
            for (unsigned t = 1; t < n; ++t) pool.emplace_back(work, t, n);
            work(0, n);
            for (auto& th : pool) th.join();

            for (auto& o : outcomes) {
                ++report.read;
                if (o.rejection) {
                    reject(std::move(*o.rejection));
                    continue;
                }
                if (!o.warnings.empty()) ++report.repaired;
                for (auto& w : o.warnings) {
                    ++report.warned_by_reason[w.reason];
                    report.warnings.push_back(std::move(w));
                }
                const std::string key =
                    std::string(index::card_type_name(o.card->type)) + "/" + o.card->id;
                if (!seen_.insert(key).second) {
                    reject({o.card->source, "duplicate-id",
                            "id '" + o.card->id + "' was already read; later record dropped"});
                    continue;
                }
                ++report.accepted;
                sink_(std::move(*o.card));
            }
        }
    }

    IngestReport report;

private:
    std::shared_ptr<const Tables> tables_;
    const SourceOptions& options_;
    const std::function<void(index::Card&&)>& sink_;
    unsigned threads_;
    std::unordered_set<std::string> seen_;
};

}  // namespace

IngestReport read_cards(const std::vector<std::string>& sources,
                        std::shared_ptr<const Tables> tables,
                        const SourceOptions& options,
                        const std::function<void(index::Card&&)>& sink,
                        unsigned threads) {
    Delivery d(std::move(tables), options, sink, threads);
    for (const auto& path : sources) {
        auto src = read_source(path, options);
        if (!src) {
            d.source_failed(path, src.error());
            continue;
        }
        d.run(src.value());
    }
    return std::move(d.report);
}

IngestReport read_cards_from_text(std::string_view content,
                                  const std::string& name,
                                  std::shared_ptr<const Tables> tables,
                                  const SourceOptions& options,
                                  const std::function<void(index::Card&&)>& sink,
                                  unsigned threads) {
    Delivery d(std::move(tables), options, sink, threads);
    SourceJobs src;
    src.buffer.reserve(content.size() + simdjson::SIMDJSON_PADDING);
    src.buffer.append(content);
    src.buffer.append(simdjson::SIMDJSON_PADDING, '\0');
    if (auto st = split_content(name, src); !st) {
        d.source_failed(name, st.error());
    } else {
        d.run(src);
    }
    return std::move(d.report);
}

}  // namespace cardex::ingest
