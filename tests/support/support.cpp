#include "support.h"

#include <fstream>
#include <iterator>
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

std::string real_data_dir() {
    return CARDEX_TEST_DATA_DIR;
}

std::string real_data_file(const std::string& relative) {
    const std::string plain = real_data_dir() + "/" + relative;
    const std::string zst = plain + ".zst";
    return std::filesystem::exists(zst) ? zst : plain;
}

std::string fixtures_dir() { return std::string(CARDEX_SOURCE_DIR) + "/tests/fixtures"; }

std::string tables_dir() { return std::string(CARDEX_SOURCE_DIR) + "/data/tables"; }

std::string read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
}

}  // namespace cardex::test
