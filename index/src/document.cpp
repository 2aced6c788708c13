// Card -> Xapian document: weighted text terms with positions, facet terms, values, summary.
//
// Terms are added directly with add_posting/add_term rather than through TermGenerator,
// which costs several times more per word (ARCHITECTURE.md, "Xapian: query and indexing
// cost"). Text terms are stemmed (English Snowball) and stored without the "Z" prefix; the
// query side parses with STEM_ALL to match. A card declaring a few languages also gets each
// word's stem in those languages (kPrefixLanguageStem), where it differs from the English one.
#include <algorithm>
#include <atomic>
#include <deque>
#include <limits>
#include <map>
#include <string_view>
#include <unordered_map>

#include <xapian.h>

#include "cardex/index/history.h"
#include "cardex/index/quality.h"
#include "cardex/index/schema.h"
#include "cardex/index/store.h"
#include "cardex/index/summary.h"
#include "cardex/index/text.h"
#include "internal.h"

namespace cardex::index {

namespace {

// The numbers of the terms whose positions a builder recorded since its numbering last
// restarted: a name per number, and the number of a name. The stem cache keeps a word's
// number beside its stem, so this is looked up only on the cache's misses.
class TermNumbers {
  public:
    std::uint32_t number(const std::string& term) {
        auto it = of_.find(term);
        if (it != of_.end()) return it->second;
        const auto n = static_cast<std::uint32_t>(names_.size());
        names_.push_back(term);
        of_.emplace(names_.back(), n);  // a view of the deque's string: its address stays
        return n;
    }
    const std::string& name(std::uint32_t n) const { return names_.at(n); }
    std::uint64_t numbering() const noexcept { return numbering_; }
    void restart() {
        of_.clear();
        names_.clear();
        numbering_ = next_numbering.fetch_add(1, std::memory_order_relaxed);
    }

  private:
    // Numberings are told apart across builders too: a collector fed by two in turn (or by a
    // builder at an address another had) never takes one's numbers for the other's.
    static inline std::atomic<std::uint64_t> next_numbering{1};
    std::unordered_map<std::string_view, std::uint32_t> of_;
    std::deque<std::string> names_;
    std::uint64_t numbering_ = next_numbering.fetch_add(1, std::memory_order_relaxed);
};

}  // namespace

struct DocumentBuilder::Impl {
    StemCache stems;
    // One small cache per stem language met so far (kLanguageSlots: 23 of the English
    // cache's size would be 100 MB per builder; a card's language vocabulary is small).
    std::map<std::string_view, StemCache> languages;
    bool shard_slots = false;
    bool xapian_positions = true;
    bool collect = false;
    std::vector<NumberedPosition> positions;  // the first `used` are the last card's
    std::size_t used = 0;
    TermNumbers numbers;  // of the terms in positions
    std::shared_ptr<const SummaryDictionary> summaries;
    WordCounts* word_counts = nullptr;
    std::vector<std::string> words;  // the card's spelling words (set_word_counts)
};

void DocumentBuilder::set_word_counts(WordCounts* counts) noexcept {
    impl_->word_counts = counts;
}

void DocumentBuilder::set_summary_dictionary(std::shared_ptr<const SummaryDictionary> dict) {
    impl_->summaries = std::move(dict);
}

void DocumentBuilder::set_shard_slots(bool on) noexcept {
    impl_->shard_slots = on;
}
void DocumentBuilder::set_xapian_positions(bool on) noexcept {
    impl_->xapian_positions = on;
}
void DocumentBuilder::set_collect_positions(bool on) {
    impl_->collect = on;
    impl_->used = 0;
    impl_->numbers.restart();
    impl_->stems.forget_numbers();
}
const std::vector<NumberedPosition>& DocumentBuilder::positions() const noexcept {
    return impl_->positions;
}
const std::string& DocumentBuilder::term_name(std::uint32_t n) const {
    return impl_->numbers.name(n);
}
std::uint64_t DocumentBuilder::term_numbering() const noexcept {
    return impl_->numbers.numbering();
}
std::size_t DocumentBuilder::positions_count() const noexcept {
    return impl_->used;
}

DocumentBuilder::DocumentBuilder() : impl_(new Impl) {}
DocumentBuilder::~DocumentBuilder() { delete impl_; }

namespace {

// Within-document frequency per occurrence, by field: BM25 then favours a word in the name
// or title over the same word in the body.
constexpr Xapian::termcount kWdfName = 8;
constexpr Xapian::termcount kWdfTitle = 5;
constexpr Xapian::termcount kWdfTags = 3;
constexpr Xapian::termcount kWdfDescription = 2;
constexpr Xapian::termcount kWdfBody = 1;
// Gap between fields so a phrase cannot span two of them.
constexpr Xapian::termpos kFieldGap = 100;
// Positions are kept for the first kMaxPositions words of the body; words beyond still get
// terms (they match) but phrase queries stop there.
constexpr Xapian::termpos kMaxPositions = 20000;

constexpr std::size_t kLanguageSlots = 1u << 12;

// The stemmers of a card's declared languages other than English (kPrefixLanguageStem).
struct LanguageStems {
    struct One {
        std::string_view code;
        StemCache* stems;
    };
    std::vector<One> languages;
    std::string term;  // reused buffer
};

// Where a word's position goes (DocumentBuilder::set_xapian_positions, set_collect_positions).
struct PositionSink {
    bool xapian = true;
    std::vector<NumberedPosition>* collect = nullptr;  // null: not collected
    std::size_t* used = nullptr;
    TermNumbers* numbers = nullptr;
    // `number` is the stem cache's slot for the term: 0 until the term is numbered here.
    void record(const std::string& term, std::uint32_t& number, Xapian::termpos pos) {
        if (number == 0) number = numbers->number(term) + 1;
        if (*used == collect->size()) collect->emplace_back();
        (*collect)[(*used)++] = {number - 1, static_cast<std::uint32_t>(pos)};
    }
};

void add_text(Xapian::Document& doc,
              StemCache& stems,
              LanguageStems& language_stems,
              std::string_view text,
              Xapian::termcount wdf,
              Xapian::termpos& pos,
              PositionSink& sink,
              std::vector<std::string>* spelling,  // null: not a vocabulary field
              std::string_view also_prefix = {}) {
    tokenize(text, [&](std::string_view token, std::size_t) {
        const auto [stem, number] = stems.stem_numbered(token);
        const std::string& s = *stem;
        // Only where the language's stem differs from the English one: where they agree,
        // the unprefixed term already holds it, and the query side looks there too
        // (query/src/stemming.cpp). Most words of most cards agree, or are English.
        for (auto& l : language_stems.languages) {
            const std::string& ls = l.stems->stem(token);
            if (ls == s) continue;
            auto& t = language_stems.term;  // language_stem_term, without an allocation a word
            t.assign(kPrefixLanguageStem).append(l.code).append(1, ':').append(ls);
            // wdf 0, as a boolean term: a card's length, and so every BM25 weight of the
            // index, stays what English stemming gives; the query side weighs these
            // matches with a constant (query/src/stemming.cpp).
            doc.add_boolean_term(t);
        }
        ++pos;
        if (pos < kMaxPositions) {
            if (sink.xapian) {
                doc.add_posting(s, pos, wdf);
            } else {
                doc.add_term(s, wdf);
            }
            if (sink.collect != nullptr) sink.record(s, *number, pos);
        } else {
            doc.add_term(s, wdf);
        }
        if (!also_prefix.empty()) doc.add_boolean_term(std::string(also_prefix) + s);
        if (spelling != nullptr && token.size() > 2) spelling->emplace_back(token);
    });
    pos += kFieldGap;
}

void add_facet(Xapian::Document& doc, Facet f, std::string_view value) {
    if (value.empty()) return;
    std::string t = facet_term(f, value);
    if (t.size() > kMaxTermBytes) return;  // Xapian refuses terms over 245 bytes
    doc.add_boolean_term(t);
}

void add_value(Xapian::Document& doc, Xapian::valueno slot, double v) {
    doc.add_value(slot, Xapian::sortable_serialise(v));
}

// The shard slots (schema.h): each facet's values read back from the document's own facet
// terms, exactly as a single index's columns read them from its postings (columns.cpp takes
// every term under the facet's prefix), so counts over shards equal counts over one index.
void add_shard_slots(Xapian::Document& doc, const Card& c) {
    // The orders of a single index's listings, from the values just stored: a missing
    // one is -1, as the query side's columns read it (columns.cpp).
    auto stored = [&](Xapian::valueno slot) {
        const std::string v = doc.get_value(slot);
        return v.empty() ? -1.0 : Xapian::sortable_unserialise(v);
    };
    const double downloads = stored(kSlotDownloads);
    for (const Xapian::valueno slot : kShardOrderedSlots) {
        const std::optional<double> value =
            slot == kSlotDownloads ? std::nullopt : std::optional<double>(stored(slot));
        doc.add_value(shard_order_slot(slot), shard_order_key(value, downloads, c.type, c.id));
    }
    std::vector<std::string_view> values;
    std::vector<std::string> terms;
    for (const FacetInfo& f : kFacets) {
        terms.clear();
        auto t = doc.termlist_begin();
        for (t.skip_to(std::string(f.prefix)); t != doc.termlist_end(); ++t) {
            std::string term = *t;
            if (term.compare(0, f.prefix.size(), f.prefix) != 0) break;
            terms.push_back(std::move(term));
        }
        if (terms.empty()) continue;
        values.clear();
        for (const auto& term : terms) {
            const std::string_view value = facet_value(f.facet, term);
            // As the columns skip them: under a one-letter prefix (A, K, L), a capital
            // starts another prefix's term, never a facet value.
            if (f.prefix.size() == 1 && !value.empty() && value[0] >= 'A' && value[0] <= 'Z')
                continue;
            values.push_back(value);
        }
        if (values.empty()) continue;
        doc.add_value(facet_slot(f.facet), pack_facet_values(values));
    }
}

}  // namespace

Xapian::Document DocumentBuilder::build(const Card& c) {
    Xapian::Document doc;
    auto& stems = impl_->stems;
    Xapian::termpos pos = 0;
    LanguageStems language_stems;
    if (c.languages.size() <= kMaxStemLanguages) {
        for (const auto& code : c.languages) {
            const StemLanguage* l = stem_language(code);
            if (l == nullptr) continue;
            bool seen = false;  // nb and nn are both Norwegian
            for (const auto& have : language_stems.languages) seen = seen || have.code == l->code;
            if (seen) continue;
            auto it = impl_->languages.try_emplace(l->code, l->stemmer, kLanguageSlots).first;
            language_stems.languages.push_back({l->code, &it->second});
        }
    }

    // Identity.
    doc.add_boolean_term(id_term(card_type_name(c.type), c.id));  // ids are <= 200 bytes
    // wdf 1, not boolean: the exact-match boost needs these to carry BM25 weight.
    if (c.id.size() < kMaxTermBytes - 4) doc.add_term(lower_term(kPrefixIdLower, c.id));
    if (!c.name.empty() && c.name.size() < kMaxTermBytes - 6) {
        doc.add_term(lower_term(kPrefixName, c.name));
    }
    tokenize(c.id, [&](std::string_view tok, std::size_t) {
        doc.add_boolean_term(std::string(kPrefixIdToken) + std::string(tok));
    });

    PositionSink sink;
    sink.xapian = impl_->xapian_positions;
    impl_->used = 0;
    if (impl_->collect) {
        sink.collect = &impl_->positions;
        sink.used = &impl_->used;
        sink.numbers = &impl_->numbers;
    }
    // Text, highest weight first.
    // Spelling suggestions draw from this vocabulary and are shown to everyone, so private
    // cards add none: their words never reach a caller who may not see them.
    auto& words = impl_->words;
    words.clear();
    std::vector<std::string>* spelling =
        c.is_private || impl_->word_counts == nullptr ? nullptr : &words;
    add_text(doc, stems, language_stems, c.id, kWdfName, pos, sink, spelling);
    add_text(doc, stems, language_stems, c.title, kWdfTitle, pos, sink, spelling, kPrefixTitle);
    std::string tag_text;
    for (const auto& t : c.tags) {
        if (t.find(':') != std::string::npos) continue;  // derived tags (license:x) are facets
        tag_text.append(t).push_back(' ');
    }
    add_text(doc, stems, language_stems, tag_text, kWdfTags, pos, sink, spelling);
    add_text(doc, stems, language_stems, c.description, kWdfDescription, pos, sink, spelling);
    add_text(doc, stems, language_stems, c.body, kWdfBody, pos, sink, nullptr);
    if (spelling != nullptr) {
        // Counted once per card, as a term's document frequency would be.
        std::sort(words.begin(), words.end());
        words.erase(std::unique(words.begin(), words.end()), words.end());
        for (auto& w : words) {
            std::uint32_t& n = (*impl_->word_counts)[std::move(w)];
            if (n != std::numeric_limits<std::uint32_t>::max()) ++n;
        }
    }

    // Facets: those read from a Card field as kFacets says, then those derived here.
    for (const FacetInfo& f : kFacets) {
        if (f.values != nullptr) {
            for (const auto& v : c.*f.values) add_facet(doc, f.facet, v);
        } else if (f.value != nullptr) {
            add_facet(doc, f.facet, c.*f.value);
        }
    }
    add_facet(doc, Facet::Type, card_type_name(c.type));
    // The macrolanguages of the card's languages: a query for `no` finds nb and nn cards.
    for (const auto& l : c.language_groups) add_facet(doc, Facet::Language, l);
    // A card about its languages (schema.h) is one whose text is stemmed in each of them.
    static_assert(kMaxMainLanguages == kMaxStemLanguages);
    if (c.languages.size() <= kMaxMainLanguages) {
        for (const auto* list : {&c.languages, &c.language_groups}) {
            for (const auto& l : *list) {
                doc.add_boolean_term(term(kPrefixMainLanguage, facet_key(Facet::Language, l)));
            }
        }
    }
    // A card without the list of its licenses (built by hand) has at least its first.
    if (c.licenses.empty()) add_facet(doc, Facet::License, c.license);
    add_facet(doc, Facet::Gated, gated_name(c.gated));
    for (const auto& b : c.base_models) add_facet(doc, Facet::BaseModel, b.id);
    if (c.is_private) doc.add_boolean_term(std::string(kTermPrivate));
    // Quality (quality.h): a card never assessed gets no band and no criteria, rather than
    // a "low" it was never judged to deserve.
    if (c.quality_score >= 0) {
        add_facet(doc, Facet::Quality, quality_band(c.quality_score));
        for (const auto name : criterion_names(c.quality_present)) add_facet(doc, Facet::Has, name);
    }

    // Values for sorting, ranges and the popularity prior.
    add_value(doc, kSlotDownloads, static_cast<double>(c.downloads));
    add_value(doc, kSlotDownloadsAllTime, static_cast<double>(c.downloads_all_time));
    add_value(doc, kSlotLikes, static_cast<double>(c.likes));
    add_value(doc, kSlotTrending, c.trending_score);
    add_value(doc, kSlotCreated, static_cast<double>(c.created_at));
    add_value(doc, kSlotModified, static_cast<double>(c.last_modified));
    add_value(doc, kSlotPrior, popularity_prior(c.downloads));
    add_value(doc, kSlotParams, static_cast<double>(c.num_parameters));
    // The record history (history.h): a card without a datestamp has not been through a
    // writer; it gets none rather than a guess.
    if (c.datestamp >= 0) add_value(doc, kSlotDatestamp, static_cast<double>(c.datestamp));
    add_value(doc, kSlotKeyHash, static_cast<double>(key_hash(c.type, c.id)));
    if (!c.sha.empty()) doc.add_value(kSlotSha, c.sha);
    if (c.quality_score >= 0) {
        add_value(doc, kSlotQuality, quality_sort_key(c.quality_score, c.downloads));
    }

    if (impl_->shard_slots) add_shard_slots(doc, c);

    doc.set_data(encode_summary(c, impl_->summaries.get()));
    if (impl_->collect) {
        // By term number, then position: a word's positions were recorded ascending.
        std::sort(impl_->positions.begin(),
                  impl_->positions.begin() + static_cast<std::ptrdiff_t>(impl_->used),
                  [](const NumberedPosition& a, const NumberedPosition& b) {
                      return a.term != b.term ? a.term < b.term : a.pos < b.pos;
                  });
    }
    return doc;
}

}  // namespace cardex::index
