# Every dependency comes from a Debian package (scripts/bootstrap installs them).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)

# Xapian ships only a variable-based config: wrap it once as an IMPORTED target.
find_package(xapian 1.4 REQUIRED CONFIG)
if(NOT TARGET Xapian::Xapian)
  add_library(Xapian::Xapian INTERFACE IMPORTED)
  set_target_properties(Xapian::Xapian PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${XAPIAN_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "${XAPIAN_LIBRARIES}")
endif()

find_package(FlatBuffers REQUIRED CONFIG)
find_program(FLATC flatc REQUIRED)
find_package(Boost 1.81 REQUIRED COMPONENTS json)
find_package(md4c REQUIRED CONFIG)
find_package(simdjson REQUIRED CONFIG)
find_package(CLI11 REQUIRED CONFIG)
# CRoaring: bitmaps of frequent terms for text match sets (query/src/termsets.h).
find_package(roaring REQUIRED CONFIG)
find_package(mimalloc REQUIRED CONFIG)
pkg_check_modules(YAML REQUIRED IMPORTED_TARGET yaml-0.1)
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
pkg_check_modules(ZLIB_PC REQUIRED IMPORTED_TARGET zlib)
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)
pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)
# SHA-256 of tokens (server), SHA-1 of card content (ingest), constant-time compare; TLS
# for `cardex harvest` of https origins (server/src/harvest_http.cpp).
find_package(OpenSSL 3 REQUIRED COMPONENTS Crypto SSL)
if(CARDEX_BUILD_TESTS)
  find_package(Catch2 2 REQUIRED CONFIG)
endif()
if(CARDEX_BUILD_BENCH)
  find_package(benchmark REQUIRED CONFIG)
endif()
