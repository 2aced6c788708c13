#pragma once
// The spill file of a bounded-memory build (store.h, GenerationBuild): every card read is
// encoded (card_codec.h) and appended here, and only a small key per card stays in memory
// until the build sorts the keys and reads the cards back in downloads order.
#include <cstdint>
#include <string>
#include <vector>

#include "cardex/index/card.h"
#include "cardex/index/result.h"

namespace cardex::index {

/// Append-only while cards arrive (one thread), then read-only (any threads: pread).
/// Owns its file descriptor; the file itself lives in the build directory, removed with it.
class SpillFile {
  public:
    SpillFile() = default;
    SpillFile(SpillFile&&) noexcept;
    SpillFile& operator=(SpillFile&&) noexcept;
    SpillFile(const SpillFile&) = delete;
    SpillFile& operator=(const SpillFile&) = delete;
    ~SpillFile();

    /// Creates (truncates) `path`. Internal or ResourceExhausted errors name the path.
    static Result<SpillFile> create(const std::string& path);

    struct Ref {
        std::uint64_t offset = 0;
        std::uint32_t size = 0;
    };
    /// Encodes and appends a card. Not thread-safe. Cost: encode_card plus a buffered write.
    Result<Ref> append(const Card& card);
    /// Writes out what append buffered; reads see every appended card after it.
    Status flush();
    /// The card at `ref`. Thread-safe after flush(). Cost: one pread and decode_card.
    Result<Card> read(Ref ref) const;
    /// Bytes appended so far.
    std::uint64_t size() const { return end_; }

  private:
    int fd_ = -1;
    std::string path_;
    std::string buffer_;
    std::uint64_t end_ = 0;
};

}  // namespace cardex::index
