# Sanitizer builds. CAMPUS_PROBE_SANITIZE takes the -fsanitize= list (address,undefined; thread;
# ...) and builds every target with it, our libraries included, so that the unit tests and the
# fuzz corpus replay run instrumented (`make sanitize`, into build-sanitize/). Empty: none.
#
# CAMPUS_LIBFUZZER (clang only) links the fuzz targets with libFuzzer for open-ended fuzzing and
# instruments every library for its coverage; without a sanitizer list it adds address,undefined.
set(CAMPUS_PROBE_SANITIZE "" CACHE STRING
    "Build everything with -fsanitize=<list>, e.g. address,undefined (empty: no sanitizer)")
option(CAMPUS_LIBFUZZER "Build the fuzz targets with libFuzzer (needs clang)" OFF)

set(campus_sanitize "${CAMPUS_PROBE_SANITIZE}")
if(CAMPUS_LIBFUZZER)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "CAMPUS_LIBFUZZER needs clang: configure with CXX=clang++ CC=clang")
  endif()
  if(campus_sanitize STREQUAL "")
    set(campus_sanitize "address,undefined")
  endif()
  # Coverage feedback from every library, not only from the fuzz target's own file.
  set(campus_sanitize "fuzzer-no-link,${campus_sanitize}")
endif()

if(NOT campus_sanitize STREQUAL "")
  # Frame pointers for readable stacks; -fno-sanitize-recover is not set, so that
  # UBSAN_OPTIONS=halt_on_error=1 decides whether a finding stops the test.
  add_compile_options(-fsanitize=${campus_sanitize} -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${campus_sanitize})
  # GCC 12 with ASan warns that std::function members inside std::regex and Boost.Beast's
  # parser "may be used uninitialized": false positives from the instrumented code, in system
  # headers, that would stop a -Werror build.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(campus_warnings INTERFACE -Wno-maybe-uninitialized)
  endif()
  message(STATUS "campus-probe: sanitizers ${campus_sanitize}")
endif()
