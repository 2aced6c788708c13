#pragma once
// Synthetic Hub cards for benchmarks: deterministic JSON Lines in the format of the real
// cards (data/cards), with distributions measured from the real data.
//
// The measurements live in data/synth/ (written by scripts/gen-profile: field presence,
// facet value frequencies, length/downloads/likes/date quantiles, namespace sizes, a word
// frequency list). A SynthProfile is loaded once and is immutable: share it freely. A
// SynthGenerator is a sequential stream: the same profile, seed and count give the same
// bytes on every machine (own PRNG, no std distributions, no locale, no clock).
//
// Cost: loading builds a text pool of a few MB (tens of ms); each card then costs about
// its length in memcpy plus a few hundred PRNG draws. A generator plans the namespaces of
// all `count` cards up front and remembers every id (for uniqueness): memory O(count), about
// 100 bytes a card. Not thread-safe: one generator per thread.
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "cardex/index/result.h"

namespace cardex::ingest {

class SynthProfile {
public:
    struct Data;  // parsed tables and sampling structures (synth.cpp)

    /// Loads DIR/profile.json and DIR/*.tsv. NotFound if a file is missing, InvalidArgument
    /// (file and line in detail) if one is malformed.
    static Result<std::shared_ptr<const SynthProfile>> load(const std::string& dir);
    /// $CARDEX_SYNTH_PROFILE, else "synth" beside the normalization tables' directory (the
    /// installed share directory or the source tree's data/synth).
    static std::string default_dir();

    explicit SynthProfile(std::unique_ptr<Data> data);
    ~SynthProfile();
    SynthProfile(const SynthProfile&) = delete;
    SynthProfile& operator=(const SynthProfile&) = delete;
    const Data& data() const { return *data_; }

private:
    std::unique_ptr<Data> data_;
};

struct SynthOptions {
    std::uint64_t seed = 1;
    std::size_t count = 1000;
};

class SynthGenerator {
public:
    SynthGenerator(std::shared_ptr<const SynthProfile> profile, const SynthOptions& options);
    ~SynthGenerator();
    SynthGenerator(const SynthGenerator&) = delete;
    SynthGenerator& operator=(const SynthGenerator&) = delete;

    /// Appends the next card as one JSON line (with its '\n') to `out`; false once `count`
    /// cards were produced (and `out` is left as it was).
    bool next(std::string& out);
    std::size_t generated() const noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Writes `options.count` cards to `path` ("-" for standard output). Returns the bytes
/// written; Internal with the path on an I/O error.
Result<std::uint64_t> write_synth_cards(const std::string& path,
                                        std::shared_ptr<const SynthProfile> profile,
                                        const SynthOptions& options);

}  // namespace cardex::ingest
