# ASan + UBSan for the whole build (tests run under both in scripts/test).
if(CARDEX_FUZZ)
  # The fuzz build (tests/fuzz): every cardex library gets libFuzzer's coverage feedback and
  # ASan + UBSan; only the fuzz executables link libFuzzer itself (-fsanitize=fuzzer, in
  # tests/fuzz). -O1 with line tables: fast to build, fast enough to run, readable traces.
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "CARDEX_FUZZ needs clang (CXX=clang++-14), not ${CMAKE_CXX_COMPILER_ID}")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined -O1 -gline-tables-only)
  add_link_options(-fsanitize=address,undefined)
elseif(CARDEX_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
