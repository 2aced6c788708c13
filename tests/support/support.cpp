#include "support.h"

#include <cstdlib>
#include <random>

namespace cardex::test {

TempDir::TempDir() {
    std::random_device rd;
    for (;;) {
        path_ = std::filesystem::temp_directory_path() /
                ("cardex-test-" + std::to_string(rd()) + std::to_string(rd()));
        if (std::filesystem::create_directory(path_)) break;
    }
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

std::string shared_data_dir() {
    if (const char* env = std::getenv("CARDEX_SHARED_DATA"); env && *env) return env;
    return CARDEX_SHARED_DATA_DIR;
}

std::string fixtures_dir() { return std::string(CARDEX_SOURCE_DIR) + "/tests/fixtures"; }

std::string tables_dir() { return std::string(CARDEX_SOURCE_DIR) + "/data/tables"; }

}  // namespace cardex::test
