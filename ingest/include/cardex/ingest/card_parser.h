#pragma once
// Raw records -> normalized cards.
//
// A RawRecord is what a source yields (a JSON Lines card, a Hub listing item, a CSV row, a
// README from a directory tree). CardParser splits the README into YAML front matter and
// markdown body the way the Hub does, turns the body into plain text, and normalizes every
// facet through the vocabulary (one normalizer per facet, src/facets.h). One CardParser per
// thread; cost is linear in the record size.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cardex/index/card.h"
#include "cardex/index/result.h"
#include "cardex/index/vocabulary.h"

namespace cardex::ingest {

struct RawRecord {
    std::string source;  ///< "file:line" or "file:record N", for messages
    std::string id;
    std::optional<index::CardType> type;
    std::optional<std::string> readme;  ///< README.md with front matter; absent: metadata only
    /// Listing fields, when the source has them.
    std::optional<std::int64_t> downloads, downloads_all_time, likes;
    std::optional<double> trending_score;
    std::optional<std::string> created_at, last_modified;  ///< ISO 8601 or "YYYY-MM-DD hh:mm:ss+00:00"
    std::vector<std::string> tags;
    std::optional<std::string> pipeline_tag, library_name, author;
    std::optional<std::string> gated;  ///< "false", "auto", "manual", "true"
    std::optional<bool> is_private;
    std::optional<std::string> card_data_yaml;  ///< front matter without a README
    std::optional<std::string> card_data_json;  ///< cardData object from a listing
    std::string description;  ///< listing description (datasets index)
    /// The record carries the Hub's computed fields (a `tags` or `api_tags` list): its
    /// tags, pipeline_tag and library_name are the Hub's and are taken as they are, absent
    /// ones included (docs/HUB-COMPAT.md).
    bool hub_fields = false;
    std::optional<bool> disabled;
    std::optional<std::int64_t> used_storage, siblings_count, spaces_count;
    std::optional<std::string> safetensors_json, gguf_json;     ///< the Hub's objects, verbatim
    std::optional<std::int64_t> safetensors_total, gguf_total;  ///< their "total"
    /// A Space listing item's `sdk`, and its linked `models` and `datasets` (listed with
    /// `linked=true` or `expand=models`): used when the card does not declare them.
    std::optional<std::string> sdk;
    std::vector<std::string> models, datasets;
};

/// A problem with one record: it was repaired (warning) or rejected.
struct Issue {
    std::string source;
    std::string reason;  ///< short, stable: "yaml", "utf8", "missing-id", "too-large", ...
    std::string message;
};

struct ParseLimits {
    std::size_t max_readme_bytes = 4u << 20;  ///< larger cards are rejected
    /// Alias bombs stop here, and at max_yaml_bytes of text once aliases expand. No real
    /// card comes near (the largest real front matter: 17,953 YAML nodes, 191 KB); a card of
    /// nested aliases just under them costs a few milliseconds, where 200,000 nodes and
    /// 4 MiB let a 250-byte card cost 100 ms (docs/RELIABILITY.md "Fuzzing").
    std::size_t max_yaml_nodes = 50000;
    std::size_t max_yaml_depth = 64;
    std::size_t max_yaml_bytes = 1u << 20;
};

class CardParser {
public:
    /// `vocab`: the vocabulary to normalize with (the index's, for live upserts).
    CardParser(std::shared_ptr<const index::Vocabulary> vocab, ParseLimits limits = {});
    ~CardParser();
    CardParser(const CardParser&) = delete;
    CardParser& operator=(const CardParser&) = delete;

    /// Parses and normalizes one record. InvalidArgument (with the reason in detail) when it
    /// must be rejected; repairs are appended to `warnings`.
    Result<index::Card> parse(const RawRecord& raw, std::vector<Issue>& warnings);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Why `id` cannot be a Hub repository id, or nullopt when it can. The rule is
/// huggingface_hub's validate_repo_id (docs/RELIABILITY.md, "Repository ids"): "name" or
/// "namespace/name"; each part 1 to 96 ASCII letters, digits, '_', '-' or '.', starting and
/// ending with a letter, digit or '_'; no ".."; not ending in ".git" (but "--" inside a
/// name passes: the Hub has such repositories). So NUL, control characters, escapes, bidi
/// overrides, blanks, backslashes and path traversal never pass.
/// CardParser::parse rejects records whose id fails (reason "bad-id").
std::optional<std::string> repo_id_problem(std::string_view id);

/// "type/id" of the card CardParser::parse makes of `raw` (its type as set, else model; the
/// id trimmed, a Hub URL turned into the repo id and type), without parsing it. "" for an
/// empty id. Records of one repository share it, so sources merge by it.
std::string record_key(const RawRecord& raw);

/// Unix seconds of an ISO 8601 / "YYYY-MM-DD hh:mm:ss+00:00" timestamp; nullopt if it does
/// not parse.
std::optional<std::int64_t> parse_timestamp(std::string_view text);

}  // namespace cardex::ingest
