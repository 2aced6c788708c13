# Sanitizer builds. scripts/test runs the test suite under ASan + UBSan and builds a second
# tree with ThreadSanitizer for the concurrency stress tests (tests/stress). The two cannot be
# combined in one binary.
if(CARDEX_SANITIZE AND CARDEX_TSAN)
  message(FATAL_ERROR "CARDEX_SANITIZE (ASan+UBSan) and CARDEX_TSAN cannot be combined")
endif()
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
if(CARDEX_TSAN)
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
  # GCC warns that TSan does not model std::atomic_thread_fence, which Asio's completion
  # handlers use; the handoffs that matter also pass through Asio's mutex-guarded queues,
  # which TSan does see. Without this the warning (an error with -Werror) stops the build.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    add_compile_options(-Wno-tsan)
  endif()
endif()
