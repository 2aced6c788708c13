// Reading sources into jobs (by format, detected from the content), parsing them on several
// threads, delivering cards in source order, and reporting every record that is not a card.
#include "cardex/ingest/sources.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string_view>
#include <thread>
#include <vector>

#include "source_job.h"
#include "text_util.h"

namespace fs = std::filesystem;

namespace cardex::ingest {

namespace {

// The record keys read so far, to refuse a second card of the same id: each key's bytes once
// in 256 KB blocks, a view of them and two 4-byte slots of an open-addressing table, about
// 60 bytes a card where an unordered_set<std::string> took about 130 (a node, a heap
// string, a bucket). Memory that grows with the corpus: docs/PERFORMANCE.md, "The store merge
// without its inputs in RSS". One thread.
class KeySet {
  public:
    /// Adds `key`; false when it was added before.
    bool insert(std::string_view key) {
        if ((keys_.size() + 1) * 2 > slots_.size()) grow();
        const std::size_t mask = slots_.size() - 1;
        const std::size_t h = std::hash<std::string_view>{}(key);
        for (std::size_t i = h & mask;; i = (i + 1) & mask) {
            const std::uint32_t s = slots_[i];
            if (s == 0) {
                keys_.push_back(store(key));
                slots_[i] = static_cast<std::uint32_t>(keys_.size());
                return true;
            }
            if (keys_[s - 1] == key) return false;
        }
    }

  private:
    static constexpr std::size_t kBlock = std::size_t{256} << 10;
    std::vector<std::unique_ptr<char[]>> blocks_;
    std::size_t used_ = kBlock;  // bytes taken in the last block
    std::vector<std::string_view> keys_;
    std::vector<std::uint32_t> slots_;  // 1 + index into keys_, 0 when free

    std::string_view store(std::string_view key) {
        if (key.size() > kBlock - used_) {
            blocks_.push_back(std::make_unique<char[]>(std::max(kBlock, key.size())));
            used_ = 0;
        }
        char* at = blocks_.back().get() + used_;
        std::copy(key.begin(), key.end(), at);
        used_ += key.size();
        // A key longer than a block has filled its own: the next key starts another.
        if (used_ > kBlock) used_ = kBlock;
        return {at, key.size()};
    }
    void grow() {
        std::vector<std::uint32_t> bigger(std::max<std::size_t>(1024, slots_.size() * 2), 0);
        const std::size_t mask = bigger.size() - 1;
        for (std::size_t k = 0; k < keys_.size(); ++k) {
            std::size_t i = std::hash<std::string_view>{}(keys_[k]) & mask;
            while (bigger[i] != 0) i = (i + 1) & mask;
            bigger[i] = static_cast<std::uint32_t>(k + 1);
        }
        slots_ = std::move(bigger);
    }
};

// One job decoded into a raw record with its type resolved, or why it cannot be.
struct Decoded {
    std::optional<RawRecord> record;
    std::vector<Issue> warnings;
    std::optional<Issue> rejection;
};

struct Outcome {
    std::optional<index::Card> card;
    std::vector<Issue> warnings;
    std::optional<Issue> rejection;
    std::string key;          ///< record_key of a README record that listing records merged into
    std::size_t listing = 0;  ///< index of that key's listing entry + 1 (0: none)
};

// Listing fields fill in what the README-based record does not have.
void merge_listing(RawRecord& r, RawRecord&& l, const Job& job, std::vector<Issue>& warnings) {
    if (!l.id.empty() && l.id != r.id) {
        warnings.push_back({job.listing ? job.listing->source : job.source,
                            "id-mismatch",
                            "listing id '" + l.id + "' differs from the path's '" + r.id +
                                "'; the listing's id is used"});
        r.id = std::move(l.id);
    }
    if (!r.type && l.type) r.type = l.type;
    fill_record(r, l);
}

Decoded decode_job(const Job& job, simdjson::ondemand::parser& json, const SourceOptions& options) {
    Decoded out;
    if (job.rejection) {
        out.rejection = *job.rejection;
        return out;
    }
    out.warnings = job.warnings;
    RawRecord r;
    std::string type_text;
    std::optional<index::CardType> hint = job.type_hint;
    if (job.raw) {
        r = *job.raw;
        if (job.listing) {
            Job lj;
            lj.source = job.listing->source;
            lj.json = std::string_view(job.listing->json.data(),
                                       job.listing->json.size() - simdjson::SIMDJSON_PADDING);
            lj.padding = simdjson::SIMDJSON_PADDING;
            RawRecord listing;
            std::optional<index::CardType> lhint;
            if (auto bad = decode_json_record(json, lj, listing, type_text, lhint, out.warnings)) {
                bad->reason = "listing-" + bad->reason;
                bad->message += "; listing ignored";
                out.warnings.push_back(std::move(*bad));
                type_text.clear();
            } else {
                merge_listing(r, std::move(listing), job, out.warnings);
            }
        }
    } else {
        r.source = job.source;
        std::optional<index::CardType> record_hint;
        if (auto bad = decode_json_record(json, job, r, type_text, record_hint, out.warnings)) {
            out.rejection = std::move(bad);
            return out;
        }
        if (record_hint) hint = record_hint;
    }
    if (!type_text.empty()) {
        auto t = index::parse_card_type(type_text);
        if (!t) {
            out.rejection = Issue{job.source, "bad-type", "unknown card type '" + type_text + "'"};
            return out;
        }
        r.type = t;
    }
    // The record's own type, then what its fields or its format say, then --type, then
    // what the file name suggests.
    if (!r.type) r.type = hint ? hint : options.default_type ? options.default_type : job.path_hint;
    out.record = std::move(r);
    return out;
}

Outcome parse_decoded(Decoded&& d, CardParser& parser) {
    Outcome out;
    out.warnings = std::move(d.warnings);
    if (d.rejection) {
        out.rejection = std::move(d.rejection);
        return out;
    }
    auto card = parser.parse(*d.record, out.warnings);
    if (!card) {
        out.rejection = Issue{d.record->source, card.error().detail, card.error().message};
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

// Splits `s.buffer` (`size` bytes of content, then padding) into jobs by its format.
Status split_content(const std::string& path, SourceJobs& s, std::size_t size) {
    const std::string_view content(s.buffer.data(), size);
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
    s.path_hint = type_from_path(path);
    for (auto& j : s.jobs) j.path_hint = s.path_hint;
    // A split that listed its jobs read every byte: a mapped source gives the pages back
    // until the parse.
    if (!s.lines) s.buffer.release(s.buffer.size());
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
    auto loaded = load_source(path, options.map_above);
    if (!loaded) return std::move(loaded).error();
    s.buffer = std::move(loaded.value().bytes);
    if (auto st = split_content(path, s, loaded.value().size); !st) return std::move(st).error();
    return s;
}

// The pages of a mapped source up to the end of `batch`'s last record go back (parsing runs
// in source order): memory holds a window of the source, not all of it.
void release_parsed(const SourceJobs& s, std::span<const Job> batch) {
    if (batch.empty() || batch.back().json.empty()) return;
    const Job& last = batch.back();
    const char* end = last.json.data() + last.json.size();
    if (end < s.buffer.data() || end > s.buffer.data() + s.buffer.size()) return;
    s.buffer.release(static_cast<std::size_t>(end - s.buffer.data()));
}

// A repository's listing records (records without a README), folded into one: the fields
// of the first, then what later ones add. The card data and description stay in the
// source: `job` says where the first record is (its ordinal among the source's jobs), to
// re-read it if no README takes these.
struct ListingEntry {
    RawRecord fields;        ///< without card data, description and source
    std::size_t source = 0;  ///< index into the sources
    std::size_t job = 0;
    bool taken = false;  ///< a README record of the same key merged them
};

class ListingMap {
  public:
    /// Adds one listing record; false when its key had one already (it was folded in).
    bool add(const std::string& key, RawRecord&& r, std::size_t source, std::size_t job) {
        r.card_data_json.reset();
        r.card_data_yaml.reset();
        r.description.clear();
        r.source.clear();
        auto [it, fresh] = index_.try_emplace(key, entries_.size());
        if (!fresh) {
            fill_record(entries_[it->second].fields, r);
            return false;
        }
        entries_.push_back({std::move(r), source, job, false});
        return true;
    }
    /// Index + 1 of the key's entry, 0 if none. Thread-safe against other lookups.
    std::size_t find(const std::string& key) const {
        auto it = index_.find(key);
        return it == index_.end() ? 0 : it->second + 1;
    }
    ListingEntry& at(std::size_t i) { return entries_[i]; }
    const ListingEntry& at(std::size_t i) const { return entries_[i]; }
    std::size_t size() const { return entries_.size(); }
    bool empty() const { return entries_.empty(); }

  private:
    std::unordered_map<std::string, std::size_t> index_;
    std::vector<ListingEntry> entries_;
};

bool is_listing(const Decoded& d) {
    return d.record && !d.record->readme;
}

// Runs `fn(i, json, parser)` for i in [0, n) on up to `threads` threads (one when there are
// few), each with its own JSON and card parser.
template <class Fn>
void parallel(std::size_t n,
              unsigned threads,
              const std::shared_ptr<const index::Vocabulary>& vocab,
              const SourceOptions& options,
              Fn&& fn) {
    const unsigned k = n > 64 ? threads : 1;
    auto work = [&](unsigned t) {
        simdjson::ondemand::parser json;
        CardParser parser(vocab, options.limits);
        for (std::size_t i = t; i < n; i += k) fn(i, json, parser);
    };
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < k; ++t) pool.emplace_back(work, t);
    work(0);
    for (auto& th : pool) th.join();
}

// read_cards over `sources`; kept[i], when set, holds source i's jobs already read (standard
// input, text held in memory): such a source is never read from disk.
IngestReport read_all(const std::vector<std::string>& sources,
                      std::vector<std::optional<SourceJobs>> kept,
                      const std::shared_ptr<const index::Vocabulary>& vocab,
                      const SourceOptions& options,
                      const std::function<void(index::Card&&)>& sink,
                      unsigned threads) {
    // Three passes, so that a repository's listing records merge into its card wherever
    // each comes from, while memory stays bounded by the listing records' fields, never by
    // the cards' text:
    //   1. the listing records (no README) of every source, folded by key into ListingMap;
    //   2. the README records, in source order: each takes what it lacks from its key's
    //      entry, is parsed and delivered;
    //   3. the entries no README took: their first record is read again, filled from the
    //      entry, parsed and delivered.
    // Every record is counted once: listing records in pass 1 (later ones of a key as
    // merged), as merged in pass 2 when a README takes them, else accepted or rejected in
    // pass 3; everything else in pass 2.
    IngestReport report;
    KeySet seen;
    auto reject = [&](Issue issue) {
        ++report.rejected;
        ++report.rejected_by_reason[issue.reason];
        report.rejections.push_back(std::move(issue));
    };
    auto merged = [&](const std::string& reason, std::size_t n) {
        report.merged += n;
        report.merged_by_reason[reason] += n;
    };
    auto deliver = [&](Outcome& o) {
        if (o.rejection) {
            reject(std::move(*o.rejection));
            return;
        }
        if (!o.warnings.empty()) ++report.repaired;
        for (auto& w : o.warnings) {
            ++report.warned_by_reason[w.reason];
            report.warnings.push_back(std::move(w));
        }
        const std::string key = std::string(index::card_type_name(o.card->type)) + "/" + o.card->id;
        if (!seen.insert(key)) {
            reject({o.card->source,
                    "duplicate-id",
                    "id '" + o.card->id + "' was already read; later record dropped"});
            return;
        }
        ++report.accepted;
        sink(std::move(*o.card));
    };
    threads = std::max(1u, threads);
    auto stopping = [&] {
        if (options.stop == nullptr || !options.stop->load(std::memory_order_relaxed)) return false;
        report.stopped = true;
        return true;
    };
    // Standard input and text in memory cannot be read twice: their jobs are kept.
    std::vector<std::uint8_t> in_memory(sources.size(), 0);
    for (std::size_t i = 0; i < sources.size(); ++i) in_memory[i] = kept[i].has_value();
    auto load = [&](std::size_t i) -> Result<SourceJobs> {
        if (kept[i]) {
            SourceJobs s = std::move(*kept[i]);
            kept[i].reset();
            s.rewind();
            return s;
        }
        return read_source(sources[i], options);
    };
    auto keep = [&](std::size_t i, SourceJobs&& s) {
        if (sources[i] == "-" || in_memory[i]) kept[i] = std::move(s);
    };
    auto is_tree = [&](std::size_t i) {
        std::error_code ec;
        return !in_memory[i] && sources[i] != "-" && fs::is_directory(sources[i], ec);
    };
    // Parsing in chunks bounds the cards alive at once, so memory stays warm and small
    // whatever the file; results are consumed in source order.
    constexpr std::size_t kChunk = 512;

    // Pass 1. Directory trees hold README records only (their listing.json is merged
    // already): they wait for pass 2.
    ListingMap listings;
    std::vector<std::uint8_t> readable(sources.size(), 1);
    std::vector<std::uint8_t> has_cards(sources.size(), 1);
    for (std::size_t si = 0; si < sources.size() && !stopping(); ++si) {
        const std::string& path = sources[si];
        if (is_tree(si)) continue;
        auto src = load(si);
        if (!src) {
            readable[si] = false;
            ++report.read;  // counted as one record, so read = accepted + rejected + merged
            reject({path, src.error().code == Errc::NotFound ? "unreadable" : "format",
                    src.error().message});
            continue;
        }
        report.read += src.value().merged;
        report.merged += src.value().merged;
        if (src.value().merged > 0) report.merged_by_reason[src.value().merged_reason] += src.value().merged;
        for (auto& n : src.value().notes) report.notes.push_back(std::move(n));
        std::atomic<bool> cards{false};
        std::size_t begin = 0;
        for (std::span<Job> jobs; !stopping() && !(jobs = src.value().next(kChunk)).empty();
             begin += jobs.size()) {
            std::vector<Decoded> decoded(jobs.size());
            parallel(jobs.size(), threads, vocab, options, [&](std::size_t i, auto& json, auto&) {
                // README records are only recognised here; pass 2 decodes them again.
                Decoded d = decode_job(jobs[i], json, options);
                if (is_listing(d)) {
                    decoded[i] = std::move(d);
                } else {
                    cards = true;
                }
            });
            for (std::size_t i = 0; i < decoded.size(); ++i) {
                if (!is_listing(decoded[i])) continue;
                ++report.read;
                RawRecord& r = *decoded[i].record;
                std::string key = record_key(r);
                // A record without an id folds into nothing: a key of its own (no real key
                // lacks the '/' after the type), so it is rejected on its own in pass 3.
                if (key.empty()) key = "#" + std::to_string(si) + ":" + std::to_string(begin + i);
                if (!listings.add(key, std::move(r), si, begin + i)) merged("listing-merged", 1);
            }
            release_parsed(src.value(), jobs);
        }
        has_cards[si] = cards;
        keep(si, std::move(src).value());
    }

    // Pass 2.
    std::size_t taken = 0;
    for (std::size_t si = 0; si < sources.size() && !stopping(); ++si) {
        if (!readable[si] || !has_cards[si]) continue;
        auto src = load(si);
        if (!src) {
            ++report.read;
            reject({sources[si],
                    src.error().code == Errc::NotFound ? "unreadable" : "format",
                    src.error().message});
            continue;
        }
        if (is_tree(si)) {  // not seen by pass 1
            report.read += src.value().merged;
            report.merged += src.value().merged;
            if (src.value().merged > 0)
                report.merged_by_reason[src.value().merged_reason] += src.value().merged;
            for (auto& n : src.value().notes) report.notes.push_back(std::move(n));
        }
        std::vector<Outcome> outcomes;
        // One byte per job, never std::vector<bool>: both threads set flags of neighbouring
        // jobs, and bits packed in one word made that a data race (a listing record's flag
        // lost, so it was counted and delivered twice).
        std::vector<std::uint8_t> skip;
        for (std::span<Job> jobs; !stopping() && !(jobs = src.value().next(kChunk)).empty();) {
            outcomes.assign(jobs.size(), Outcome{});
            skip.assign(jobs.size(), 0);
            parallel(
                jobs.size(), threads, vocab, options, [&](std::size_t i, auto& json, auto& parser) {
                    Decoded d = decode_job(jobs[i], json, options);
                    if (is_listing(d)) {  // counted in pass 1
                        skip[i] = 1;
                        return;
                    }
                    std::string key;
                    std::size_t entry = 0;
                    if (d.record && !listings.empty()) {
                        key = record_key(*d.record);
                        entry = listings.find(key);
                        if (entry) fill_record(*d.record, listings.at(entry - 1).fields);
                    }
                    outcomes[i] = parse_decoded(std::move(d), parser);
                    outcomes[i].key = std::move(key);
                    outcomes[i].listing = entry;
                });
            for (std::size_t i = 0; i < outcomes.size(); ++i) {
                if (skip[i]) continue;
                ++report.read;
                Outcome& o = outcomes[i];
                if (o.listing && !listings.at(o.listing - 1).taken) {
                    listings.at(o.listing - 1).taken = true;
                    ++taken;
                    merged("listing-into-card", 1);
                }
                deliver(o);
            }
            release_parsed(src.value(), jobs);
        }
        keep(si, std::move(src).value());
    }
    if (taken > 0) {
        report.notes.push_back({"listing records",
                                "listing-into-card",
                                std::to_string(taken) +
                                    " cards took downloads, likes, gated and other Hub fields "
                                    "from listing records of the same id"});
    }

    // Pass 3, source by source, in the order the records were read.
    if (taken < listings.size() && !stopping()) {
        std::vector<std::vector<std::size_t>> by_source(sources.size());
        for (std::size_t e = 0; e < listings.size(); ++e) {
            if (!listings.at(e).taken) by_source[listings.at(e).source].push_back(e);
        }
        for (std::size_t si = 0; si < sources.size() && !stopping(); ++si) {
            const auto& entries = by_source[si];
            if (entries.empty()) continue;
            auto src = load(si);
            if (!src) {  // it was readable a moment ago
                for (std::size_t n = 0; n < entries.size(); ++n) {
                    reject({sources[si], "unreadable", "source changed while it was read"});
                }
                continue;
            }
            // The source's jobs again, batch by batch, picking the entries' first records:
            // `entries` are in the order pass 1 met them, so their job ordinals ascend.
            std::size_t next_entry = 0, begin = 0;
            std::vector<std::pair<const Job*, std::size_t>> picked;  // job, entry
            for (std::span<Job> jobs; next_entry < entries.size() && !stopping() &&
                                      !(jobs = src.value().next(kChunk)).empty();
                 begin += jobs.size()) {
                picked.clear();
                while (next_entry < entries.size() &&
                       listings.at(entries[next_entry]).job < begin + jobs.size()) {
                    const std::size_t e = entries[next_entry++];
                    picked.emplace_back(&jobs[listings.at(e).job - begin], e);
                }
                std::vector<Outcome> outcomes(picked.size());
                parallel(picked.size(),
                         threads,
                         vocab,
                         options,
                         [&](std::size_t i, auto& json, auto& parser) {
                             Decoded d = decode_job(*picked[i].first, json, options);
                             if (d.record)
                                 fill_record(*d.record, listings.at(picked[i].second).fields);
                             outcomes[i] = parse_decoded(std::move(d), parser);
                         });
                for (auto& o : outcomes) deliver(o);
                release_parsed(src.value(), jobs);
            }
            // Fewer jobs than pass 1 listed: the file changed between the passes.
            for (; next_entry < entries.size() && !stopping(); ++next_entry) {
                reject({sources[si], "unreadable", "source changed while it was read"});
            }
        }
    }
    return report;
}

}  // namespace

IngestReport read_cards(const std::vector<std::string>& sources,
                        std::shared_ptr<const index::Vocabulary> vocab,
                        const SourceOptions& options,
                        const std::function<void(index::Card&&)>& sink,
                        unsigned threads) {
    return read_all(sources, std::vector<std::optional<SourceJobs>>(sources.size()), vocab,
                    options, sink, threads);
}

IngestReport read_cards_from_text(std::string_view content,
                                  const std::string& name,
                                  std::shared_ptr<const index::Vocabulary> vocab,
                                  const SourceOptions& options,
                                  const std::function<void(index::Card&&)>& sink,
                                  unsigned threads) {
    std::vector<std::optional<SourceJobs>> kept(1);
    SourceJobs src;
    std::string bytes;
    bytes.reserve(content.size() + simdjson::SIMDJSON_PADDING);
    bytes.append(content);
    bytes.append(simdjson::SIMDJSON_PADDING, '\0');
    src.buffer = SourceBytes(std::move(bytes));
    if (auto st = split_content(name, src, content.size()); !st) {
        IngestReport report;
        report.read = 1;  // counted as one record, so read = accepted + rejected + merged
        report.rejected = 1;
        ++report.rejected_by_reason["format"];
        report.rejections.push_back({name, "format", st.error().message});
        return report;
    }
    kept[0] = std::move(src);
    return read_all({name}, std::move(kept), vocab, options, sink, threads);
}

}  // namespace cardex::ingest
