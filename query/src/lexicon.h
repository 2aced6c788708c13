#pragma once
// The vocabulary of the index being searched, and what the query side derives from it: the
// dictionaries of query understanding (understand.h) and the reading of filter values.
//
// A build stores the vocabulary in the index (index/vocabulary.h) and upserts never change
// it, so there is one Lexicon per generation (database uuid), shared by every Searcher of
// the process that searches that generation and dropped when none does. Immutable once
// made: read it from any thread without a lock. Private to query/.
#include <memory>
#include <vector>

#include <xapian.h>

#include "cardex/index/result.h"
#include "cardex/index/typo.h"
#include "cardex/index/vocabulary.h"
#include "cardex/query/request.h"
#include "cardex/query/response.h"
#include "understand.h"

namespace cardex::query {

struct Lexicon {
    std::shared_ptr<const index::Vocabulary> vocabulary;
    Dictionaries dictionaries;
    /// The words typo tolerance corrects to (index/typo.h); never null.
    std::shared_ptr<const index::TypoDictionary> typos = index::TypoDictionary::none();
    /// The spelling vocabulary with each word's public cards as the build counted them
    /// (index/typo.h kMetaWords): what tells a rare word from a common one; never null.
    std::shared_ptr<const index::TypoDictionary> words = index::TypoDictionary::none();

    /// The Lexicon of `db`'s generation, made on first use (parsing the stored tables: a
    /// few milliseconds; decoding the typo dictionary and the spelling vocabulary: about
    /// 0.1 s per million words). DataLoss when the stored vocabulary, typo dictionary or
    /// spelling vocabulary is damaged. Xapian errors
    /// (a database modified meanwhile) propagate: call it inside Searcher's retry.
    static Result<std::shared_ptr<const Lexicon>> of(const Xapian::Database& db);
    /// The Lexicon of no vocabulary (what a request that reads nothing through it gets).
    static std::shared_ptr<const Lexicon> none();
};

/// `req` with every filter value read through `vocab` (SearchRequest::understand_filters):
/// a value becomes the indexed values it stands for ("German" -> "de"). What each value was
/// understood as is appended to `out`. A value the vocabulary does not know is kept as
/// given (it matches no card) and reported with `unknown` and a message.
SearchRequest understand_filters(const SearchRequest& req,
                                 const index::Vocabulary& vocab,
                                 std::vector<UnderstoodFilter>& out);

}  // namespace cardex::query
