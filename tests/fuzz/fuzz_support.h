#pragma once
// Shared by the libFuzzer targets: the vocabulary of data/tables, a small index of real cards
// built once per process (tests/fuzz/fixture_cards.jsonl), and a way to report a broken
// invariant as a crash libFuzzer records.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cardex/index/card.h"
#include "cardex/index/vocabulary.h"
#include "cardex/query/searcher.h"

namespace cardex::fuzz {

/// The vocabulary of data/tables, loaded once. Aborts if it cannot be loaded.
const std::shared_ptr<const index::Vocabulary>& vocabulary();

/// The cards of fixture_cards.jsonl, parsed once. Aborts if any is rejected.
const std::vector<index::Card>& fixture_cards();

/// A fixture index of the cards in fixture_cards.jsonl (real models and datasets, a private
/// model of namespace "acme", a Space), built once in a temporary directory that is removed
/// at exit. Aborts if it cannot be built.
const std::string& fixture_index_dir();

/// A Searcher on the fixture index (fuzzers run on one thread).
query::Searcher& fixture_searcher();

/// Prints `what` and `detail` (escaped) to stderr and aborts: libFuzzer saves the input.
[[noreturn]] void fail(std::string_view what, std::string_view detail = {});

/// CRC-32 with zlib's polynomial (the checksum of cardex's own files: the position store, the
/// pair filter), bitwise: for repairing a mutated header so that its fields are read.
std::uint32_t crc32_of(const char* p, std::size_t n);
/// Little-endian stores into `b` at `at` (which must leave room).
void set_u32(std::string& b, std::size_t at, std::uint32_t v);
void set_u64(std::string& b, std::size_t at, std::uint64_t v);

/// True if `text` is valid UTF-8 (the card and response text invariants).
bool valid_utf8(std::string_view text);

/// True if `text` is a JSON object as the server reads cardData (Boost.JSON, depth 256: a
/// number too large for a double is valid JSON, as RFC 8259 and the Hub's clients have it).
bool json_object(std::string_view text);

}  // namespace cardex::fuzz
