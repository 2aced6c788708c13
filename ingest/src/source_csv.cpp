// CSV listings with a header row (RFC 4180: comma-separated, fields quoted with '"' and
// '""' inside quotes, CRLF or LF, line breaks inside quoted fields). Columns are mapped by
// header name, so column order and extra columns do not matter.
//
// Snapshot histories (a `snapshot_time` or `snapshot` column, one row per id per snapshot)
// keep the row of the latest snapshot of each id; the other rows are counted as merged and
// reported, not rejected: they are the same repository at older points in time.
#include <string>
#include <unordered_map>

#include "source_job.h"
#include "text_util.h"

namespace cardex::ingest {

namespace {

enum class Col {
    Ignore, Id, Type, Author, Downloads, DownloadsAllTime, Likes, Trending, CreatedAt,
    LastModified, Pipeline, Library, Tags, Gated, Private, Description, CardData, Readme,
    Snapshot, Url
};

// Header names compared lower-case without '_', '-' and blanks ("modelId" = "model_id").
Col column_of(std::string_view header, std::optional<index::CardType>& id_type) {
    std::string k;
    for (char c : header) {
        if (c == '_' || c == '-' || c == ' ' || c == '\t') continue;
        k.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c);
    }
    static const std::unordered_map<std::string, Col> kCols = {
        {"id", Col::Id}, {"repoid", Col::Id}, {"modelid", Col::Id}, {"datasetid", Col::Id},
        {"spaceid", Col::Id}, {"type", Col::Type}, {"repotype", Col::Type},
        {"author", Col::Author}, {"downloads", Col::Downloads},
        {"downloadsalltime", Col::DownloadsAllTime}, {"likes", Col::Likes},
        {"trendingscore", Col::Trending}, {"createdat", Col::CreatedAt},
        {"creationtime", Col::CreatedAt}, {"lastmodified", Col::LastModified},
        {"pipelinetag", Col::Pipeline}, {"taskcategory", Col::Pipeline},
        {"libraryname", Col::Library}, {"tags", Col::Tags}, {"gated", Col::Gated},
        {"private", Col::Private}, {"description", Col::Description},
        {"carddata", Col::CardData}, {"readme", Col::Readme}, {"snapshottime", Col::Snapshot},
        {"snapshot", Col::Snapshot}, {"url", Col::Url}};
    if (k == "modelid") id_type = index::CardType::Model;
    if (k == "datasetid") id_type = index::CardType::Dataset;
    if (k == "spaceid") id_type = index::CardType::Space;
    auto it = kCols.find(k);
    return it == kCols.end() ? Col::Ignore : it->second;
}

// Reads one record starting at `pos`: fields into `fields`, lines consumed into `lines`.
// Returns false (with `error`) on a quote that is never closed or a stray quote.
bool read_row(std::string_view all, std::size_t& pos, std::vector<std::string>& fields,
              std::size_t& lines, std::string& error) {
    fields.clear();
    fields.emplace_back();
    lines = 1;
    while (pos < all.size()) {
        const char c = all[pos];
        std::string& f = fields.back();
        if (c == '"' && f.empty()) {
            // Quoted field: up to the closing quote; "" is a quote.
            std::size_t i = pos + 1;
            for (;;) {
                std::size_t q = all.find('"', i);
                if (q == std::string_view::npos) {
                    error = "quoted field is never closed";
                    pos = all.size();
                    return false;
                }
                for (std::size_t k = i; k < q; ++k) lines += all[k] == '\n';
                f.append(all.substr(i, q - i));
                if (q + 1 < all.size() && all[q + 1] == '"') {
                    f.push_back('"');
                    i = q + 2;
                    continue;
                }
                pos = q + 1;
                break;
            }
            if (pos < all.size() && all[pos] != ',' && all[pos] != '\n' && all[pos] != '\r') {
                error = "text after a closing quote";
                // Resynchronise at the end of the line.
                std::size_t eol = all.find('\n', pos);
                pos = eol == std::string_view::npos ? all.size() : eol + 1;
                return false;
            }
            continue;
        }
        if (c == ',') {
            fields.emplace_back();
            ++pos;
        } else if (c == '\n' || c == '\r') {
            pos += (c == '\r' && pos + 1 < all.size() && all[pos + 1] == '\n') ? 2 : 1;
            return true;
        } else {
            std::size_t e = all.find_first_of(",\r\n", pos);
            if (e == std::string_view::npos) e = all.size();
            f.append(all.substr(pos, e - pos));
            pos = e;
        }
    }
    return true;
}

std::vector<std::string> tag_list(std::string_view s) {
    // "a|b", "a,b", "['a', 'b']" (Python's repr) or '["a","b"]' (JSON).
    std::vector<std::string> out;
    s = trim_view(s);
    if (s.size() >= 2 && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
    const char sep = s.find('|') != std::string_view::npos ? '|' : ',';
    for (auto& part : split(s, sep)) {
        std::string_view v = trim_view(part);
        if (v.size() >= 2 && (v.front() == '\'' || v.front() == '"') && v.back() == v.front()) {
            v = v.substr(1, v.size() - 2);
        }
        if (!v.empty()) out.emplace_back(v);
    }
    return out;
}

}  // namespace

void split_csv(const std::string& path, SourceJobs& out) {
    const SourceBytes& buf = out.buffer;
    std::string_view all(buf.data(), buf.size() - simdjson::SIMDJSON_PADDING);
    if (all.substr(0, 3) == "\xEF\xBB\xBF") all.remove_prefix(3);
    std::size_t pos = 0, line = 1, lines = 0;
    std::vector<std::string> fields;
    std::string error;
    // Header.
    while (pos < all.size() && (all[pos] == '\n' || all[pos] == '\r')) {
        line += all[pos] == '\n';
        ++pos;
    }
    if (!read_row(all, pos, fields, lines, error)) {
        Job j;
        j.source = path + ":" + std::to_string(line);
        j.rejection = Issue{j.source, "csv", "bad header row: " + error};
        out.jobs.push_back(std::move(j));
        return;
    }
    line += lines;
    std::optional<index::CardType> id_type;
    std::vector<Col> cols;
    const std::vector<std::string> headers = fields;
    std::size_t snapshot_col = SIZE_MAX;
    for (const auto& h : fields) {
        cols.push_back(column_of(trim_view(h), id_type));
        if (cols.back() == Col::Snapshot && snapshot_col == SIZE_MAX) snapshot_col = cols.size() - 1;
    }
    const std::size_t width = cols.size();

    // Snapshot histories: id -> (index of the kept job, its snapshot).
    std::unordered_map<std::string, std::pair<std::size_t, std::string>> latest;
    while (pos < all.size()) {
        const std::size_t row_line = line;
        const bool ok = read_row(all, pos, fields, lines, error);
        line += lines;
        if (ok && fields.size() == 1 && trim_view(fields[0]).empty()) continue;  // blank line
        Job j;
        j.source = path + ":" + std::to_string(row_line);
        if (!ok) {
            j.rejection = Issue{j.source, "csv", error};
            out.jobs.push_back(std::move(j));
            continue;
        }
        if (fields.size() != width) {
            j.rejection = Issue{j.source, "csv",
                                "row has " + std::to_string(fields.size()) + " fields, the header " +
                                    std::to_string(width)};
            out.jobs.push_back(std::move(j));
            continue;
        }
        bool repaired = false;
        for (auto& fld : fields) {
            if (!valid_utf8(fld)) {
                fld = repair_utf8(fld);
                repaired = true;
            }
        }
        if (repaired) j.warnings.push_back({j.source, "utf8", "invalid UTF-8 replaced by U+FFFD"});
        RawRecord r;
        r.source = j.source;
        j.type_hint = id_type;
        auto bad = [&](std::string_view header, std::string_view value, const char* what) {
            j.warnings.push_back({j.source, "wrong-type",
                                  concat({"'", header, "' is not ", what, " ('", value.substr(0, 40), "'); ignored"})});
        };
        std::string type_text;
        for (std::size_t c = 0; c < width; ++c) {
            std::string& v = fields[c];
            if (trim_view(v).empty()) continue;  // empty cell: the field is absent
            auto count = [&]() -> std::optional<std::int64_t> {
                auto n = parse_count(v);
                if (!n || *n < 0) {
                    bad(headers[c], v, "a count");
                    return std::nullopt;
                }
                return n;
            };
            switch (cols[c]) {
                case Col::Ignore: break;
                case Col::Id: r.id = std::move(v); break;
                case Col::Type: type_text = trim(v); break;
                case Col::Author: r.author = std::move(v); break;
                case Col::Downloads: r.downloads = count(); break;
                case Col::DownloadsAllTime: r.downloads_all_time = count(); break;
                case Col::Likes: r.likes = count(); break;
                case Col::Trending:
                    if (auto n = parse_count(v)) r.trending_score = static_cast<double>(*n);
                    break;
                case Col::CreatedAt: r.created_at = std::move(v); break;
                case Col::LastModified: r.last_modified = std::move(v); break;
                case Col::Pipeline: r.pipeline_tag = std::move(v); break;
                case Col::Library: r.library_name = std::move(v); break;
                case Col::Tags: r.tags = tag_list(v); break;
                case Col::Gated: r.gated = to_lower(trim_view(v)); break;
                case Col::Private: {
                    auto b = to_lower(trim_view(v));
                    if (b == "true" || b == "1") r.is_private = true;
                    else if (b == "false" || b == "0") r.is_private = false;
                    else bad(headers[c], v, "a boolean");
                    break;
                }
                case Col::Description: r.description = std::move(v); break;
                case Col::CardData: r.card_data_yaml = std::move(v); break;
                case Col::Readme: r.readme = std::move(v); break;
                case Col::Snapshot: break;
                case Col::Url:
                    if (auto t = type_from_url(v)) j.type_hint = t;
                    break;
            }
        }
        if (!type_text.empty()) {
            auto t = index::parse_card_type(type_text);
            if (!t) {
                j.rejection = Issue{j.source, "bad-type", "unknown card type '" + type_text + "'"};
                out.jobs.push_back(std::move(j));
                continue;
            }
            r.type = t;
        }
        if (snapshot_col != SIZE_MAX && !r.id.empty()) {
            std::string snap = trim(fields[snapshot_col]);
            auto [it, fresh] = latest.try_emplace(trim(r.id), out.jobs.size(), snap);
            if (!fresh) {
                ++out.merged;
                // ISO 8601 times compare as strings; the later snapshot replaces the kept row.
                if (snap > it->second.second) {
                    it->second.second = snap;
                    Job& kept = out.jobs[it->second.first];
                    j.raw = std::move(r);
                    kept = std::move(j);
                }
                continue;
            }
        }
        j.raw = std::move(r);
        out.jobs.push_back(std::move(j));
    }
    if (out.merged > 0) {
        out.merged_reason = "older-snapshot";
        out.notes.push_back({path, "older-snapshot",
                             std::to_string(out.merged) + " rows are older snapshots of ids read from a "
                             "later row; only the latest snapshot of each id is kept"});
    }
}

}  // namespace cardex::ingest
