#pragma once
// The one mapping from Xapian's exceptions to cardex error codes. Every module that calls
// Xapian (index, query) catches `const Xapian::Error&` at its API boundary and converts it
// here, so a corrupt database is DataLoss whichever module met it.
//
//   InvalidArgumentError, QueryParserError, RangeError, WildcardError -> InvalidArgument
//   DocNotFoundError                                                  -> NotFound
//   DatabaseLockError, DatabaseModifiedError                          -> Unavailable
//   DatabaseCorruptError                                              -> DataLoss
//   DatabaseOpeningError, DatabaseVersionError                        -> FailedPrecondition
//   anything else                                                     -> Internal
//
// DatabaseModifiedError is normally retried by the caller first (a reader re-runs the whole
// operation on a fresh snapshot; see ARCHITECTURE.md, "Readers and writers"): mapping it to
// Unavailable is for when the retries ran out.
#include <string_view>

#include <xapian.h>

#include "cardex/index/result.h"

namespace cardex::index {

/// The code a Xapian exception maps to (the table above). Thread-safe, no allocation.
Errc errc_from_xapian(const Xapian::Error& e) noexcept;

/// An Error for a Xapian exception: `what` (what we were doing), then Xapian's description.
Error error_from_xapian(const Xapian::Error& e, std::string_view what);

}  // namespace cardex::index
