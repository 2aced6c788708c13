# Embeds the web UI's files into cardex_server (see embed.cmake). Included by
# server/CMakeLists.txt; re-runs when any embedded file changes.
set(CARDEX_WEB_FILES
  static/app.css=${CMAKE_CURRENT_SOURCE_DIR}/web/static/app.css
  static/app.js=${CMAKE_CURRENT_SOURCE_DIR}/web/static/app.js
  messages/en.tsv=${CMAKE_CURRENT_SOURCE_DIR}/web/messages/en.tsv
  messages/nb.tsv=${CMAKE_CURRENT_SOURCE_DIR}/web/messages/nb.tsv)
set(cardex_web_deps)
foreach(entry IN LISTS CARDEX_WEB_FILES)
  string(REGEX REPLACE "^[^=]*=" "" path "${entry}")
  list(APPEND cardex_web_deps "${path}")
endforeach()
string(REPLACE ";" "|" cardex_web_arg "${CARDEX_WEB_FILES}")
add_custom_command(
  OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/web_assets.cpp
  COMMAND ${CMAKE_COMMAND} -DOUT=${CMAKE_CURRENT_BINARY_DIR}/web_assets.cpp
          "-DFILES=${cardex_web_arg}" -P ${CMAKE_CURRENT_SOURCE_DIR}/web/embed.cmake
  DEPENDS ${cardex_web_deps} ${CMAKE_CURRENT_SOURCE_DIR}/web/embed.cmake
  COMMENT "Embedding web UI assets"
  VERBATIM)
# clang's -Woverlength-strings (part of -Wpedantic) refuses string literals over the 65,536
# characters the standard requires compilers to support; GCC and clang both compile longer
# ones, and only this generated file has them (the language table is 200 KB).
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  set_source_files_properties(${CMAKE_CURRENT_BINARY_DIR}/web_assets.cpp PROPERTIES
    COMPILE_OPTIONS -Wno-overlength-strings)
endif()
