#pragma once
// A Card as bytes and back, losslessly: what a bounded-memory build spills to disk between
// reading the sources and writing documents in downloads order (store.h, GenerationBuild).
//
// The format is private to one build (written and read by the same binary, never kept past
// it), so it has no version: fields in declaration order, length-prefixed, the whole record
// one zstd frame (level 1; tests/integration/spill_test checks that the real cards spill
// into less than half of their text).
#include <string>
#include <string_view>

#include "cardex/index/card.h"
#include "cardex/index/result.h"

namespace cardex::index {

/// Every field of `card`, compressed; empty when the card's fields add up to more than
/// 64 MiB (ingest's limits keep real cards far below). Cost: one pass over the card's text
/// plus zstd level 1. Thread-safe (one compression context per thread).
std::string encode_card(const Card& card);

/// The card encode_card wrote (operator== holds). DataLoss on bytes that are not such a
/// record (truncated, corrupt). Cost: one zstd decompression and the copies of the fields.
/// Thread-safe.
Result<Card> decode_card(std::string_view bytes);

}  // namespace cardex::index
