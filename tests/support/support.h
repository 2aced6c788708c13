#pragma once
// Test helpers: an RAII temporary directory and the paths of shared data and fixtures.
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

/// ../shared/data of the checkout (real cards; CI has it). $CARDEX_SHARED_DATA overrides.
std::string shared_data_dir();
/// tests/fixtures of the checkout.
std::string fixtures_dir();
/// data/tables of the checkout.
std::string tables_dir();

}  // namespace cardex::test

/// Ends the current test as skipped: Catch2 2.x has no SKIP, so the test prints this marker
/// and returns, and CTest reports it as skipped (SKIP_REGULAR_EXPRESSION "SKIPPED:" in the
/// suite's catch_discover_tests), never as passed.
#define CARDEX_SKIP(why)                                       \
    do {                                                       \
        std::cout << "SKIPPED: " << (why) << std::endl;        \
        return;                                                \
    } while (0)

