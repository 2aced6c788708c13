#pragma once
// Helpers private to the index module.
#include <string>
#include <string_view>

#include <xapian.h>

#include "cardex/index/errors.h"
#include "cardex/index/result.h"

namespace cardex::index {

/// Xapian's hard limit on a term's length is 245 bytes.
inline constexpr std::size_t kMaxTermBytes = 240;

std::string lower_ascii(std::string_view s);
inline std::string lower_term(std::string_view prefix, std::string_view value) {
    return std::string(prefix) + lower_ascii(value);
}

/// Writes the format version and the docid-order flag into a database being built.
void set_format_metadata(Xapian::WritableDatabase& db, bool docid_order);

}  // namespace cardex::index
