#pragma once
// The on-disk contract of a cardex index: term prefixes, value slots, format version.
//
// Everything that reads or writes an index takes these names from here, never from literals.
// Prefixes follow Omega's conventions: one capital letter for the common ones, "X" + capitals
// for the rest; a value that starts with a capital letter is joined with ':' (see term()).
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <xapian.h>

#include "cardex/index/card.h"

namespace cardex::index {

/// Bumped whenever prefixes, slots, the summary schema or the tokenizer change meaning.
/// An index of another version is refused with FailedPrecondition ("reindex"), except the
/// versions from kOldestReadableFormat on, which this code reads as they are (a version
/// that only adds something an older index does not have).
// 2: XPIPE (pipeline_tag) terms; 3: document data is one zstd frame (summary.h);
// 4: exact-case tag and author terms (XTAG, XAUTH), XPIPE exact, every license under XLIC,
//    slot 7 num_parameters, summary fields for the Hub's record and the README head;
// 5: record history for harvesters: slots 8-10 (datestamp, key hash, sha), the summary's
//    datestamp, deletion records in metadata (history.h).
// 6: the vocabulary is stored in the index (kMetaVocabPrefix).
// 8: card quality (quality.h): XQUAL band and XHAS criterion terms, slot 11 the quality sort
//    key, the summary's quality_present, quality_missing and quality_score.
// 9: Spaces' SDK (XSDK) and declared models (XSM) as facets, both in the summary too.
// 10: language stem terms (kPrefixLanguageStem) of cards declaring 1-4 languages.
// 11: the typo dictionary in metadata (kMetaTypo, typo.h).
// 12: summaries compressed with the generation's trained dictionary (kMetaSummaryDict,
//     summary.h); cards' positions in the position store only (kMetaXapianPositions).
// 13: the position store's version 2 (positions.h: no byte length for one position).
// 14: the spelling vocabulary in metadata (kMetaWords, typo.h), no more kPrefixWord terms.
// 15: main language terms (kPrefixMainLanguage).
inline constexpr int kFormatVersion = 15;
/// 14 reads as 15 without main language terms (an understood language then weighs the same
/// on every card that has it). 11 to 13 read as 14: 11 has no summary dictionary, and Xapian's
/// positions unless kMetaXapianPositions says otherwise; 11 and 12 have a version-1 position store,
/// which the store reads as it is; all three have kPrefixWord terms instead of kMetaWords, which
/// TypoDictionary::read_words reads. Their record history carries over to a reindex
/// (history.h).
inline constexpr int kOldestReadableFormat = 11;
/// Xapian metadata keys written into every index.
inline constexpr std::string_view kMetaFormat = "cardex:format";
inline constexpr std::string_view kMetaDocidOrder = "cardex:docid_order";  ///< "downloads" or ""
/// The vocabulary the cards were normalized with: one key per table of data/tables
/// ("cardex:vocab:languages.tsv"), its text as the file had it (vocabulary.h).
inline constexpr std::string_view kMetaVocabPrefix = "cardex:vocab:";
/// In a shard index only: "<shard>/<shards>" ("0/3"): which of how many shards it is, and
/// that its documents carry the shard slots (kSlotOrderKey, kSlotFacetBase).
inline constexpr std::string_view kMetaShard = "cardex:shard";
/// The generation's position store (positions.h), "<file bytes> <body CRC-32>": a reader
/// uses a store only if it is the one its build wrote (position_store_tag).
inline constexpr std::string_view kMetaPositions = "cardex:positions";
/// "store" when the build wrote the cards' positions to the position store only: Xapian's
/// position table holds none for them (only IndexWriter's later documents have some), so a
/// phrase cannot be answered without the store (a reader says so: Errc::DataLoss). Absent:
/// Xapian has every card's positions (a build with BuildOptions::xapian_positions, a shard,
/// an index built before the store existed).
inline constexpr std::string_view kMetaXapianPositions = "cardex:xapian_positions";
/// The zstd dictionary the public database's summaries are compressed with (summary.h
/// SummaryDictionary): trained by the build on a sample of its cards. Absent in small
/// builds, shards and private databases; their summaries need none.
inline constexpr std::string_view kMetaSummaryDict = "cardex:summary_dict";

/// Value slots (sortable_serialise'd numbers).
enum Slot : Xapian::valueno {
    kSlotDownloads = 0,
    kSlotDownloadsAllTime = 1,
    kSlotLikes = 2,
    kSlotTrending = 3,
    kSlotCreated = 4,
    kSlotModified = 5,
    kSlotPrior = 6,   ///< popularity prior weight, log-scaled and capped downloads
    kSlotParams = 7,  ///< num_parameters (safetensors, else gguf, total); -1 unknown
    /// When cardex last changed the card's record (Unix seconds): the OAI-PMH datestamp
    /// (history.h). Unlike lastModified, it moves when a card first enters the index.
    kSlotDatestamp = 8,
    /// key_hash() of the card's key: an order of cards that no reindex changes (history.h).
    kSlotKeyHash = 9,
    /// The card's sha as raw text (not sortable_serialise'd): a rebuild compares it to
    /// carry datestamps of unchanged cards. Never read as a number.
    kSlotSha = 10,
    /// quality_sort_key() of the card's quality score and downloads (quality.h): sorting by
    /// quality is by score, then downloads. Absent on cards never assessed.
    kSlotQuality = 11,
    /// Shard indexes only (`cardex reindex --shards`, kMetaShard): slot kSlotShardOrderBase
    /// + s, for each value slot s a listing sorts by (shard_order_slots), holds the card's
    /// place in a single index's order of that listing as one byte string sorting ascending
    /// (shard_order_key): the value descending, then downloads descending, then order_key.
    /// A single index breaks ties by docid, which is that downloads order; a search over
    /// shards cannot (their docids interleave), and Xapian's remote backend sorts by one
    /// value slot only (no KeyMaker), so the whole order is in one slot (docs/SCALE.md).
    kSlotShardOrderBase = 40,
    /// Shard indexes only: slot kSlotFacetBase + facet holds the card's values of that facet
    /// (the values of its facet terms, pack_facet_values), absent when it has none. A search
    /// over remote shards counts facets with Xapian::ValueCountMatchSpy on these slots, on
    /// the shards, instead of reading postings over the network.
    kSlotFacetBase = 16,
};

/// Term prefixes of text fields and of identity terms.
inline constexpr std::string_view kPrefixId = "Q";  ///< unique key "<type>/<id>" (see id_term)
inline constexpr std::string_view kPrefixIdLower = "XID";   ///< lower-cased id (exact-match boost)
inline constexpr std::string_view kPrefixName = "XNAME";    ///< lower-cased name part of the id
inline constexpr std::string_view kPrefixIdToken = "XIDT";  ///< each word of the id (Hub search)
/// Format 13 and older only: unstemmed words of the id, title, tags and description of public
/// cards, the spelling vocabulary (body words are left out: too noisy). Format 14 stores it
/// as metadata instead (typo.h kMetaWords); read_words still reads these terms.
inline constexpr std::string_view kPrefixWord = "XW";
inline constexpr std::string_view kPrefixTitle = "S";       ///< title words (title: field)
/// A word's stem in a card's declared language, where it differs from the English stem
/// (text.h stem_languages): "XZ" + code + ':' + stem ("XZde:zeitung"), boolean (wdf 0, no
/// positions: card lengths, and so BM25, stay English-only). See language_stem_term.
inline constexpr std::string_view kPrefixLanguageStem = "XZ";
/// A language the card is about (format 15): each declared language, and its
/// macrolanguage, of a card that declares at most kMaxMainLanguages, as a boolean term
/// ("XLMja", the code as the language facet keeps it). A language a query names weighs more
/// on these cards than on a collection that lists it among dozens (query understanding).
inline constexpr std::string_view kPrefixMainLanguage = "XLM";
/// The same bound as text.h's kMaxStemLanguages: a card declaring more is a multilingual
/// collection, not a card about each of its languages.
inline constexpr std::size_t kMaxMainLanguages = 4;
/// Boolean term on private cards; anonymous searches exclude it with AND_NOT.
inline constexpr std::string_view kTermPrivate = "XPRIVATE";
/// Boolean term on every document IndexWriter writes (an upsert after the reindex that built
/// the generation): its positions are in Xapian only, and a position store (positions.h)
/// may hold stale ones under its docid, which replace_document keeps.
inline constexpr std::string_view kTermLivePositions = "XLIVEPOS";

/// The facets: boolean filter terms, counted and filtered by the query library.
/// Adding one: ARCHITECTURE.md, "How to add a facet".
enum class Facet : std::uint8_t {
    Type,
    Task,
    Modality,
    Language,
    License,
    Reuse,
    Author,
    Library,
    Gated,
    BaseModel,
    Dataset,
    Tag,
    SizeCategory,
    Doi,
    Arxiv,
    PipelineTag,  ///< the card's own pipeline tag only (the Hub's pipeline_tag filter)
    TagExact,     ///< tags as written: the Hub's `filter`, which is case-sensitive
    AuthorExact,  ///< namespace as written: the Hub's `author`
    Quality,      ///< the quality score's band: high, medium, low (quality.h)
    Has,          ///< each documentation criterion the card meets (quality.h)
    Sdk,          ///< a Space's SDK: gradio, streamlit, docker, static
    /// The models a Space declares (`models:`): the Hub's /api/spaces?models= and "Spaces
    /// using this model". A Space's datasets are under Dataset, like a model's.
    SpaceModel,
};
inline constexpr std::size_t kFacetCount = 22;

/// One facet: everything the index, the query library, the APIs and the page need to know
/// about it, so that each of them follows this table instead of a list of its own.
struct FacetInfo {
    Facet facet;
    std::string_view name;    ///< API name: "task", "language", ... (filter parameter, URL)
    std::string_view prefix;  ///< term prefix
    bool multi;               ///< a card can have several values
    /// Values are lower-cased (ASCII) in terms, so filters ignore case. The Hub API's
    /// exact facets keep the case (an upper-case first letter is joined with ':', see term)
    /// and are not filters of the native API or the page.
    bool fold_case = true;
    /// `name:value` in query text filters on it (Xapian boolean prefix).
    bool in_query_text = false;
    /// The Card field its terms are made of (one of the two), or none when the document
    /// builder derives them (type, gated, base models: document.cpp).
    std::vector<std::string> Card::*values = nullptr;
    std::string Card::*value = nullptr;
    /// Values of one filter are AND-ed, not OR-ed: a card must have each (`has=license,
    /// citation` asks for both). Its counts are then those of the cards that pass every
    /// filter (what adding a value would leave), not disjunctive ones.
    bool conjunctive = false;
};

// clang-format off
inline constexpr std::array<FacetInfo, kFacetCount> kFacets{{
    // facet             name             prefix    multi  fold   text   Card field: values, value
    {Facet::Type,         "type",          "XTYPE",  false, true,  true},
    {Facet::Task,         "task",          "XTASK",  true,  true,  true,  &Card::tasks},
    {Facet::Modality,     "modality",      "XMOD",   true,  true,  false, &Card::modalities},
    // Also the macrolanguages of the card's languages (language_groups, document.cpp).
    {Facet::Language,     "language",      "L",      true,  true,  true,  &Card::languages},
    {Facet::License,      "license",       "XLIC",   true,  true,  true,  &Card::licenses},
    {Facet::Reuse,        "reuse",         "XREUSE", false, true,  false, {}, &Card::reuse},
    {Facet::Author,       "author",        "A",      false, true,  true,  {}, &Card::author},
    {Facet::Library,      "library",       "XLIB",   false, true,  true,  {}, &Card::library},
    {Facet::Gated,        "gated",         "XGATED", false, true,  false},
    {Facet::BaseModel,    "base_model",    "XBASE",  true,  true,  true},
    {Facet::Dataset,      "dataset",       "XDS",    true,  true,  true,  &Card::datasets},
    {Facet::Tag,          "tag",           "K",      true,  true,  true,  &Card::tags},
    {Facet::SizeCategory, "size_category", "XSIZE",  false, true,  false, {}, &Card::size_category},
    {Facet::Doi,          "doi",           "XDOI",   true,  true,  true,  &Card::dois},
    {Facet::Arxiv,        "arxiv",         "XARXIV", true,  true,  false, &Card::arxiv_ids},
    {Facet::PipelineTag,  "pipeline_tag",  "XPIPE",  false, false, false, {}, &Card::pipeline_tag},
    {Facet::TagExact,     "tag_exact",     "XTAG",   true,  false, false, &Card::tags},
    {Facet::AuthorExact,  "author_exact",  "XAUTH",  false, false, false, {}, &Card::author},
    // Both derived from the Card's quality fields (document.cpp).
    {Facet::Quality,      "quality",       "XQUAL",  false, true,  false},
    {Facet::Has,          "has",           "XHAS",   true,  true,  false, {}, {}, true},
    {Facet::Sdk,          "sdk",           "XSDK",   false, true,  true,  {}, &Card::sdk},
    {Facet::SpaceModel,   "model",         "XSM",    true,  true,  false, &Card::models},
}};
// clang-format on

inline constexpr const FacetInfo& facet_info(Facet f) noexcept {
    return kFacets[static_cast<std::size_t>(f)];
}
/// Looks a facet up by its API name (also accepts "pipeline_tag" for task, "languages").
std::optional<Facet> facet_by_name(std::string_view name) noexcept;

/// Builds a term from a prefix and a value with Omega's rule: a value starting with an
/// upper-case ASCII letter is separated by ':' so it cannot be read as a longer prefix (and
/// so is one starting with ':', which facet_value could not tell apart otherwise).
std::string term(std::string_view prefix, std::string_view value);
/// The language stem term of `stem` in the stem language `code` ("de", "no"):
/// kPrefixLanguageStem + code + ':' + stem. The ':' keeps codes and stems apart.
std::string language_stem_term(std::string_view code, std::string_view stem);
/// The unique term of a card: Q + "model/org/name". Ids are unique per type only (a model
/// and a dataset may share one), so the type is part of the key.
std::string id_term(std::string_view type_name, std::string_view id);

/// The facet term of a value: the prefix and the value lower-cased (ASCII), so facet filters
/// are case-insensitive ("Facebook" and "facebook" are one author); for facets that do not
/// fold case, term(prefix, value).
std::string facet_term(Facet facet, std::string_view value);
/// Inverse of facet_term: the value of a term that starts with the facet's prefix.
std::string_view facet_value(Facet facet, std::string_view term) noexcept;
/// The value as facet_value gives it back from facet_term(facet, value): lower-cased
/// where the facet folds case. Use it to look a requested value up among stored ones.
std::string facet_key(Facet facet, std::string_view value);

/// The facet slot of a facet in a shard index (kSlotFacetBase + the facet's number).
inline constexpr Xapian::valueno facet_slot(Facet f) noexcept {
    return kSlotFacetBase + static_cast<Xapian::valueno>(f);
}
/// Values of one facet as one slot value: each value's length as a little-endian base-128
/// varint, then its bytes. Order is kept; the packing of no values is "".
std::string pack_facet_values(const std::vector<std::string_view>& values);
/// The values pack_facet_values packed, appended to `out` (views into `packed`). False, with
/// `out` holding the values read so far, when `packed` is malformed (a truncated length or value).
bool unpack_facet_values(std::string_view packed, std::vector<std::string_view>& out);
/// A card's tie order among cards of equal downloads in a build (store.h): its id, a zero
/// byte, its type name. Compared as bytes, it orders as the build's id-then-type rule.
std::string order_key(CardType type, std::string_view id);
/// The value slots a listing sorts by, whose shard order slots a shard document carries.
inline constexpr std::array<Xapian::valueno, 7> kShardOrderedSlots{kSlotDownloads,
                                                                   kSlotLikes,
                                                                   kSlotTrending,
                                                                   kSlotCreated,
                                                                   kSlotModified,
                                                                   kSlotKeyHash,
                                                                   kSlotQuality};
/// The shard order slot of the value slot `slot` (kSlotShardOrderBase + slot).
inline constexpr Xapian::valueno shard_order_slot(Xapian::valueno slot) noexcept {
    return kSlotShardOrderBase + slot;
}
/// The shard order key: `value` descending (absent for the downloads order itself), then
/// `downloads` descending, each as 8 order-preserving bytes, then order_key(type, id).
std::string shard_order_key(std::optional<double> value,
                            double downloads,
                            CardType type,
                            std::string_view id);
/// The id in a shard order key of the downloads order (no value part).
std::string_view shard_order_id(std::string_view key) noexcept;
/// Which of `shards` shards holds a card: key_hash(type, id) modulo shards. Stable across
/// builds and machines (key_hash is a fixed hash of the record key). `shards` must be >= 1.
std::size_t shard_of(CardType type, std::string_view id, std::size_t shards) noexcept;

/// The popularity prior of a download count: log10(1 + downloads), capped at kPriorCap.
inline constexpr double kPriorCap = 8.0;
double popularity_prior(std::int64_t downloads) noexcept;

}  // namespace cardex::index
