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
  target_compile_options(studio_sanitizers INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(studio_sanitizers INTERFACE -fsanitize=address,undefined)
endif()

add_library(studio_options INTERFACE)
target_link_libraries(studio_options INTERFACE studio_warnings studio_sanitizers)
target_include_directories(studio_options INTERFACE ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
