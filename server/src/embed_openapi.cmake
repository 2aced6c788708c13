# Turns server/openapi.json into a C++ source defining cardex::server::openapi_json().
# Run by the build (cmake -P) whenever the JSON changes. A byte array, not a string
# literal: -Wpedantic refuses literals over 64 KiB, and no escaping can go wrong.
# Inputs: IN (the JSON file), OUT (the .cpp to write).
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" hex_len)
math(EXPR size "${hex_len} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
file(WRITE "${OUT}.tmp"
"// Generated from server/openapi.json by server/src/embed_openapi.cmake. Do not edit.\n"
"#include \"openapi.h\"\n\n"
"namespace cardex::server {\nnamespace {\n"
"constexpr char kDocument[${size} + 1] = {\n${bytes}0};\n"
"}  // namespace\n\n"
"std::string_view openapi_json() noexcept { return {kDocument, ${size}}; }\n\n"
"}  // namespace cardex::server\n")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
