# Interface targets that our own libraries link to: warnings (as errors) and sanitizers.
# Third-party code and CMAKE_CXX_FLAGS are left alone.
add_library(studio_warnings INTERFACE)
target_compile_options(studio_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Wunused -Woverloaded-virtual -Wconversion -Wsign-conversion -Wnull-dereference
  -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough
  $<$<BOOL:${STUDIO_WARNINGS_AS_ERRORS}>:-Werror>)

add_library(studio_sanitizers INTERFACE)
if(STUDIO_SANITIZE)
  target_compile_options(studio_sanitizers INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
    $<$<BOOL:${STUDIO_FUZZ}>:-fsanitize=fuzzer-no-link>)
  target_link_options(studio_sanitizers INTERFACE -fsanitize=address,undefined)
endif()

add_library(studio_options INTERFACE)
target_link_libraries(studio_options INTERFACE studio_warnings studio_sanitizers)

# Include roots that enforce the layering (ARCHITECTURE.md): a library target exposes only its
# own public headers, under its own folder name, through a folder of symlinks in the build tree;
# its sources see the whole folder through a private root. So a target can include what it
# links, and nothing else: core cannot include runtime/..., and nothing outside runtime can
# include runtime/reference/... . The source root itself is on no library's include path.
#   studio_include_roots(<target> <folder> [PRIVATE <subfolder>...])
function(studio_include_roots target folder)
  cmake_parse_arguments(A "" "" "PRIVATE" ${ARGN})
  set(src ${PROJECT_SOURCE_DIR}/${folder})
  set(pub ${CMAKE_BINARY_DIR}/include/${target})
  set(priv ${CMAKE_BINARY_DIR}/include-private/${target})
  file(REMOVE_RECURSE ${pub} ${priv})
  file(MAKE_DIRECTORY ${pub}/${folder} ${priv})
  file(CREATE_LINK ${src} ${priv}/${folder} SYMBOLIC)
  file(GLOB_RECURSE headers RELATIVE ${src} CONFIGURE_DEPENDS ${src}/*.h)
  foreach(h IN LISTS headers)
    set(hidden FALSE)
    foreach(p IN LISTS A_PRIVATE)
      if(h MATCHES "^${p}/" OR h STREQUAL p)
        set(hidden TRUE)
      endif()
    endforeach()
    if(NOT hidden)
      get_filename_component(dir ${pub}/${folder}/${h} DIRECTORY)
      file(MAKE_DIRECTORY ${dir})
      file(CREATE_LINK ${src}/${h} ${pub}/${folder}/${h} SYMBOLIC)
    endif()
  endforeach()
  target_include_directories(${target} PUBLIC ${pub} PRIVATE ${priv})
endfunction()
