#pragma once
// Helpers private to the index module.
#include <memory>
#include <string>
#include <string_view>

#include <xapian.h>
#include <zstd.h>

#include "cardex/index/errors.h"
#include "cardex/index/result.h"

namespace cardex::index {

/// Xapian's hard limit on a term's length is 245 bytes.
inline constexpr std::size_t kMaxTermBytes = 240;

/// A build's segment size when BuildOptions::segment_docs is 0: a quarter of each thread's
/// share of the cards, within these bounds (docs/PERFORMANCE.md, "Larger segments").
inline constexpr std::size_t kAutoSegmentMin = 4000;
inline constexpr std::size_t kAutoSegmentMax = 20000;

std::string lower_ascii(std::string_view s);
inline std::string lower_term(std::string_view prefix, std::string_view value) {
    return std::string(prefix) + lower_ascii(value);
}

/// One zstd compression and one decompression context per thread, made on first use: each
/// holds a few hundred KB of tables, too much to make per card. Shared by the summaries
/// (summary.cpp) and the spill's card records (card_codec.cpp).
struct ZstdContexts {
    std::unique_ptr<ZSTD_CCtx, decltype(&ZSTD_freeCCtx)> c{ZSTD_createCCtx(), &ZSTD_freeCCtx};
    std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> d{ZSTD_createDCtx(), &ZSTD_freeDCtx};
};
inline ZstdContexts& zstd_contexts() {
    thread_local ZstdContexts ctx;
    return ctx;
}

/// Writes the format version and the docid-order flag into a database being built.
void set_format_metadata(Xapian::WritableDatabase& db, bool docid_order);

}  // namespace cardex::index
