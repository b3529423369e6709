# Build helpers shared by the agent's layers and the probe folders.
#
# Layers: every layer of the agent is its own static library whose headers are reachable only
# through an include root of its own (a directory in the build tree holding a link to the
# layer's source folder). A library sees its own headers and those of the libraries it links;
# an include of a layer above it is not on its include path and fails to compile. The layer
# order is written once, in the DEPENDS lists of agent/CMakeLists.txt.

# campus_include_root(<target> <scope> <dir>...): makes `#include "<name>/x.h"` reach <dir>/x.h
# for <target> (and, with PUBLIC, for whatever links it), and nothing else.
function(campus_include_root target scope)
  set(root "${CMAKE_BINARY_DIR}/include-roots/${target}")
  file(MAKE_DIRECTORY "${root}")
  foreach(dir IN LISTS ARGN)
    get_filename_component(name "${dir}" NAME)
    if(NOT EXISTS "${root}/${name}")
      file(CREATE_LINK "${dir}" "${root}/${name}" SYMBOLIC)
    endif()
  endforeach()
  target_include_directories(${target} ${scope} "${root}")
endfunction()

# campus_layer(<target> DIRS <folder>... SOURCES <file>... DEPENDS <target>...
#              [PRIVATE <target>...])
# One layer of the agent: a static library of the sources, with the folders as its include root.
# DEPENDS are public (their headers are part of this layer's interface); they must all be
# layers below this one.
function(campus_layer target)
  cmake_parse_arguments(L "" "" "DIRS;SOURCES;DEPENDS;PRIVATE" ${ARGN})
  add_library(${target} STATIC ${L_SOURCES})
  set(dirs "")
  foreach(dir IN LISTS L_DIRS)
    list(APPEND dirs "${CMAKE_CURRENT_SOURCE_DIR}/${dir}")
  endforeach()
  campus_include_root(${target} PUBLIC ${dirs})
  target_link_libraries(${target} PUBLIC ${L_DEPENDS} PRIVATE ${L_PRIVATE} campus_warnings)
  campus_use_pch(${target})
  campus_use_unity(${target})
endfunction()

# campus_add_probe(NAME <type> SOURCES <file>... [LIBRARIES <target>...] [UNIT_TESTS <file>...])
# A built-in probe type from the folder that calls it: an object library (so its registration is
# linked in though nothing names it) seeing only the probe API, the probe toolkit, its own
# folder and LIBRARIES. UNIT_TESTS join the unit test executable. Nothing central changes when a
# probe is added but the one add_subdirectory() line that names its folder.
function(campus_add_probe)
  cmake_parse_arguments(P "" "NAME" "SOURCES;LIBRARIES;UNIT_TESTS" ${ARGN})
  if(NOT P_NAME OR NOT P_SOURCES)
    message(FATAL_ERROR "campus_add_probe: NAME and SOURCES are required")
  endif()
  set(target campus_probe_${P_NAME})
  add_library(${target} OBJECT ${P_SOURCES})
  campus_include_root(${target} PUBLIC "${CMAKE_CURRENT_SOURCE_DIR}")
  target_link_libraries(${target} PUBLIC campus_probe_toolkit ${P_LIBRARIES} PRIVATE campus_warnings)
  campus_use_pch(${target})
  campus_use_unity(${target})
  set_property(GLOBAL APPEND PROPERTY CAMPUS_PROBE_TARGETS ${target})
  foreach(test IN LISTS P_UNIT_TESTS)
    set_property(GLOBAL APPEND PROPERTY CAMPUS_PROBE_UNIT_TESTS "${CMAKE_CURRENT_SOURCE_DIR}/${test}")
  endforeach()
endfunction()

# campus_link_probes(<target>): links every probe type added so far into <target>.
function(campus_link_probes target)
  get_property(probes GLOBAL PROPERTY CAMPUS_PROBE_TARGETS)
  foreach(probe IN LISTS probes)
    target_link_libraries(${target} PRIVATE ${probe})  # an object library: its objects go in
  endforeach()
endfunction()

# One precompiled header for every C++ target: the heavy third-party headers (Asio, nlohmann
# json, yaml-cpp, libcurl) that most translation units include, parsed once per build instead of
# once per file. Built by campus_pch and reused by the others, which share its flags.
set(CAMPUS_PCH_HEADERS
    <algorithm> <chrono> <functional> <map> <memory> <optional> <string> <string_view> <utility>
    <vector>
    <boost/asio/any_io_executor.hpp> <boost/asio/awaitable.hpp> <boost/asio/co_spawn.hpp>
    <boost/asio/io_context.hpp> <boost/asio/steady_timer.hpp> <boost/asio/use_awaitable.hpp>
    <curl/curl.h> <nlohmann/json.hpp> <yaml-cpp/yaml.h>)

function(campus_use_pch target)
  if(NOT CAMPUS_PROBE_PCH)
    return()
  endif()
  if(NOT TARGET campus_pch)
    # An object library holding one empty source, to own the precompiled header.
    file(WRITE "${CMAKE_BINARY_DIR}/campus_pch.cpp" "// The owner of the shared precompiled header.\n")
    add_library(campus_pch OBJECT "${CMAKE_BINARY_DIR}/campus_pch.cpp")
    # Only warnings: a target that reuses the header must define the same macros, and every
    # header here is under /usr/include.
    target_link_libraries(campus_pch PRIVATE campus_warnings)
    target_precompile_headers(campus_pch PRIVATE ${CAMPUS_PCH_HEADERS})
  endif()
  if(NOT target STREQUAL "campus_pch")
    target_precompile_headers(${target} REUSE_FROM campus_pch)
  endif()
endfunction()

# Unity builds: a target's sources are compiled as one translation unit, so the templates they
# share (Asio's coroutines, nlohmann json, std containers) are instantiated and optimised once
# per target rather than once per file. Names in anonymous namespaces must then be unique within
# a target.
function(campus_use_unity target)
  if(CAMPUS_PROBE_UNITY)
    set_target_properties(${target} PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE 0)
  endif()
endfunction()
