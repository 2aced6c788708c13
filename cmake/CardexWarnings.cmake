# cardex_warnings: an INTERFACE target every cardex target links PRIVATE.
add_library(cardex_warnings INTERFACE)
target_compile_options(cardex_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual
  -Wcast-qual -Wformat=2 -Wundef -Wmissing-declarations -Wimplicit-fallthrough)
# GCC 12 reports -Wrestrict false positives inside libstdc++'s char_traits at -O3 (GCC bug
# 105651); they would break Release builds with -Werror.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(cardex_warnings INTERFACE -Wno-restrict)
endif()
if(CARDEX_WERROR)
  target_compile_options(cardex_warnings INTERFACE -Werror)
endif()
