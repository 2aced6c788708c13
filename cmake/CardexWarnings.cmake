# cardex_warnings: an INTERFACE target every cardex target links PRIVATE.
add_library(cardex_warnings INTERFACE)
target_compile_options(cardex_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual
  -Wcast-qual -Wformat=2 -Wundef -Wmissing-declarations -Wimplicit-fallthrough)
if(CARDEX_WERROR)
  target_compile_options(cardex_warnings INTERFACE -Werror)
endif()
