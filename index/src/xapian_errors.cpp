// Xapian exception -> Errc (the table is in cardex/index/errors.h).
#include <cstring>

#include "cardex/index/errors.h"

namespace cardex::index {

Errc errc_from_xapian(const Xapian::Error& e) noexcept {
    // get_type() names the most derived class; comparing names avoids a chain of
    // dynamic_casts and stays correct for the classes Xapian adds under these.
    const char* type = e.get_type();
    auto is = [type](const char* name) { return std::strcmp(type, name) == 0; };
    if (is("InvalidArgumentError") || is("QueryParserError") || is("RangeError") ||
        is("WildcardError")) {
        return Errc::InvalidArgument;
    }
    if (is("DocNotFoundError")) return Errc::NotFound;
    if (is("DatabaseLockError") || is("DatabaseModifiedError")) return Errc::Unavailable;
    if (is("DatabaseCorruptError")) return Errc::DataLoss;
    if (is("DatabaseOpeningError") || is("DatabaseVersionError") ||
        is("DatabaseNotFoundError")) {
        return Errc::FailedPrecondition;
    }
    return Errc::Internal;
}

Error error_from_xapian(const Xapian::Error& e, std::string_view what) {
    return make_error(errc_from_xapian(e), std::string(what) + ": " + e.get_description());
}

}  // namespace cardex::index
