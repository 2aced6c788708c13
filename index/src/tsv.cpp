#include "cardex/index/tsv.h"

#include <fstream>
#include <sstream>

namespace cardex::index {

Result<std::string> read_text_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(Errc::NotFound, "cannot read file", path);
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) return make_error(Errc::Internal, "error reading file", path);
    return std::move(text).str();
}

}  // namespace cardex::index
