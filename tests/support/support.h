#pragma once
// Test helpers: an RAII temporary directory and the paths of the repository's data.
#include <filesystem>
#include <iostream>
#include <string>

namespace cardex::test {

/// A fresh directory under the system temp dir, removed with everything in it on scope exit.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::string str() const { return path_.string(); }

private:
    std::filesystem::path path_;
};

/// The real data (docs/DATA.md): data/ of the checkout, holding cards/*.jsonl.zst and
/// metadata/*.zst, or the directory of the same layout that CARDEX_TEST_DATA named when the
/// build was configured (tests/CMakeLists.txt): one place for every suite, so the index
/// CTest builds and the cards a test compares it with are always the same files.
std::string real_data_dir();
/// `relative` (say "cards/models.jsonl") under real_data_dir(): its `.zst` when that
/// exists, else the plain file. Ingest reads either (compression is recognised by content).
std::string real_data_file(const std::string& relative);
/// tests/fixtures of the checkout.
std::string fixtures_dir();
/// data/tables of the checkout.
std::string tables_dir();

/// The bytes of the file at `path` (empty when it cannot be read).
std::string read_bytes(const std::string& path);
/// Replaces the file at `path` with `bytes`.
void write_bytes(const std::string& path, const std::string& bytes);

}  // namespace cardex::test

/// Ends the current test as skipped: Catch2 2.x has no SKIP, so the test prints this marker
/// and returns, and CTest reports it as skipped (SKIP_REGULAR_EXPRESSION "SKIPPED:" in the
/// suite's catch_discover_tests), never as passed.
#define CARDEX_SKIP(why)                                       \
    do {                                                       \
        std::cout << "SKIPPED: " << (why) << std::endl;        \
        return;                                                \
    } while (0)

