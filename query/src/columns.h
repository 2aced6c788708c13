#pragma once
// Per-docid facet and value columns, derived from one revision of the index, shared by all
// Searchers of the process that hold that revision.
//
// Exact facet counts need, for every matching card, its values of each counted facet.
// Reading them through Xapian (termlists, ValueCountMatchSpy) costs tens to hundreds of
// nanoseconds per match and facet; a column (CSR arrays of value ordinals indexed by docid)
// costs a few. The columns are built from the postlists of the facet terms when a revision is
// first searched (one sequential pass per facet, built lazily, only for facets in use), so
// they can never disagree with the database they were read from, whatever crashed or was
// upserted before. Immutable once built: shared between threads without locks.
#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <xapian.h>

#include "cardex/index/schema.h"
#include "impacts.h"
#include "lineage.h"
#include "termsets.h"

namespace cardex::query {

/// One facet: a dictionary of values, and for each docid the ordinals of its values.
struct FacetColumn {
    std::vector<std::string> values;                         ///< ordinal -> value (sorted)
    std::unordered_map<std::string, std::uint32_t> ordinal;  ///< value -> ordinal
    std::vector<std::uint32_t> offsets;                      ///< docid -> first index into ords
    std::vector<std::uint32_t> ords;
    /// When no document has two values (authors, licenses): docid -> its ordinal, or
    /// kNoValue; empty otherwise. The unfiltered and complement passes count from it: one
    /// array instead of two offsets and a loop of unpredictable length (pass.cpp;
    /// docs/PERFORMANCE.md, "Facet counts one facet at a time").
    std::vector<std::uint32_t> single;
    static constexpr std::uint32_t kNoValue = 0xffffffffu;

    /// Ordinals of a docid's values: [begin, end).
    const std::uint32_t* begin(std::uint32_t docid) const { return ords.data() + offsets[docid]; }
    const std::uint32_t* end(std::uint32_t docid) const { return ords.data() + offsets[docid + 1]; }
};

/// A numeric value slot as a dense column (-1 where a document has no value).
using ValueColumn = std::vector<double>;

class Columns {
  public:
    /// The columns of `db`'s current snapshot, built on first use and cached per
    /// `snapshot` for as long as some searcher holds them. `snapshot` names the databases
    /// and revisions `db` reads (uuid@revision of each, in order; Searcher makes it): two
    /// Database objects on the same snapshot share one set of columns.
    static std::shared_ptr<Columns> of(const Xapian::Database& db, const std::string& snapshot);

    std::uint32_t lastdocid() const { return lastdocid_; }
    /// Live (not deleted) documents and private ones, as per-docid flags.
    const std::vector<std::uint8_t>& present() const { return present_; }
    const std::vector<std::uint8_t>& is_private() const { return private_; }

    /// A facet's column, built now if it was not yet. Thread-safe. `db` must be of the same
    /// revision as the one the columns were made for.
    const FacetColumn& facet(const Xapian::Database& db, index::Facet f);
    const ValueColumn& value(const Xapian::Database& db, Xapian::valueno slot);

    /// Live public documents (what an anonymous listing without filters returns).
    std::uint64_t public_count() const { return public_count_; }
    /// A facet's counts over the live public documents, by ordinal: the counts of an
    /// anonymous listing without filters, computed once per revision. Thread-safe.
    const std::vector<std::uint64_t>& public_counts(const Xapian::Database& db, index::Facet f);
    /// Live docids by descending value of `slot`, ties by ascending docid: a listing sorted
    /// by that value walks it until a page is full. Built once per revision (a sort of
    /// every docid). Thread-safe.
    const std::vector<std::uint32_t>& order(const Xapian::Database& db, Xapian::valueno slot);

    /// The model tree's derived counts by base model ordinal (lineage.h), built once per
    /// snapshot from the BaseModel and Type columns. Thread-safe.
    const Lineage& lineage(const Xapian::Database& db);

    /// Bitmaps of frequent terms' documents in this revision (termsets.h). Thread-safe.
    TermSets& term_sets() { return term_sets_; }

    /// Frequent terms' postings with their wdfs, for the ranking (impacts.h). Thread-safe.
    ImpactCache& impacts() { return impacts_; }
    /// Document lengths by docid, built on first use (one pass over the length list; 4 bytes
    /// a docid). Thread-safe.
    const DocLengths& doclengths(const Xapian::Database& db);

  private:
    Columns() = default;
    void build_base(const Xapian::Database& db);
    const ValueColumn& value_locked(const Xapian::Database& db, Xapian::valueno slot);

    std::uint32_t lastdocid_ = 0;
    std::uint64_t public_count_ = 0;
    std::vector<std::uint8_t> present_, private_;
    std::array<std::unique_ptr<std::vector<std::uint64_t>>, index::kFacetCount> public_counts_;
    std::unordered_map<Xapian::valueno, std::unique_ptr<std::vector<std::uint32_t>>> orders_;
    std::mutex mu_;
    std::array<std::unique_ptr<FacetColumn>, index::kFacetCount> facets_;
    std::unordered_map<Xapian::valueno, std::unique_ptr<ValueColumn>> values_;
    std::unique_ptr<Lineage> lineage_;
    TermSets term_sets_;
    ImpactCache impacts_;
    std::unique_ptr<DocLengths> doclengths_;
};

}  // namespace cardex::query
